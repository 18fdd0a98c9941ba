"""Junk tokens read from specks and dust, removed as edits of their own (rule ``ocr_junk``),
and the repair of a page whose reading was judged poor kept to layout fixes.

Pure: offsets into a page's raw text and edits in, edits out. Extraction decides which
tokens are junk (it has Tesseract's word confidences, see
:func:`nbsclean.extract.quality.junk_spans`) and passes them here as spans.
"""

from __future__ import annotations

from typing import Callable

import regex

from nbsclean.edits import Edit
from nbsclean.repair.addresses import address_spans

JUNK_RULE = "ocr_junk"
JUNK_SCORE = 0.9
SPECK_MARK_RULE = "ocr_speck_mark"
SPECK_MARK_SCORE = 0.8

# A speck read as a mark glued between two words ("Allt.fler", "fira'med", "Den:första"):
# both sides words of two letters or more, the second in small letters (a sentence's full
# stop is followed by a capital), nothing address-like around it. Commas and semicolons are
# left alone: a real one that lost its space is as likely as a speck.
_GLUED_MARK = regex.compile(r"(?<![\w@./\-])(\p{L}{2,})([.:'’`´])(\p{Ll}{2,})(?![\w@./\-])")

SPECK_LETTER_RULE = "ocr_speck_letter"
SPECK_LETTER_SCORE = 0.7
# Letters one mark apart: a speck above a vowel adds dots, a ring or an accent ("blév";
# an "o" with a speck over it is read as "å" too: "kåmpost"), and a dot or ring lost in the
# threshold takes them away ("förradet"). Nothing
# else is changed on a poor page: a word is not made out of garbage, one mark is moved.
_ONE_MARK_APART = {
    "a": "äå", "ä": "aå", "å": "aäo", "o": "ö", "ö": "o", "e": "é", "é": "e",
    "A": "ÄÅ", "Ä": "AÅ", "Å": "AÄO", "O": "Ö", "Ö": "O", "E": "É", "É": "E",
}
_LETTERS = regex.compile(r"(?<![\w@./\-])\p{L}{2,}(?![\w@/\-]|\.\w)")
# A word the change makes must be a common one (Zipf frequency), and clearly commoner than
# any other word one mark away, or the mark is left as read.
SPECK_LETTER_MIN_ZIPF = 2.0
SPECK_LETTER_MARGIN = 1.0

SPECK_STOP_RULE = "ocr_speck_stop"
SPECK_STOP_SCORE = 0.7
# A speck in the word space after a word, read as its full stop ("kostar. en"): a point
# after a word and before a word in small letters, where no sentence ends. Abbreviations
# end in a point before small letters ("ca. tio", "inkl. moms", "dvs. att"): they are short
# and rarer than the words of three letters or fewer whose point is removed (Swedish
# abbreviations in the word lists: Zipf 1.9-5.3, "har", "som", "hos", "vid": 5.6-7.5), so
# a word of up to four letters must be at least SPECK_STOP_SHORT_ZIPF common; a longer
# one must be known.
_STOP_BEFORE_SMALL = regex.compile(r"(?<![\w@./\-])(\p{L}{2,})(\.) (?=(\p{Ll}{2,})(?![\w@/\-]|\.\w))")
SPECK_STOP_SHORT_LETTERS = 4
SPECK_STOP_SHORT_ZIPF = 5.5

# On a page whose reading stayed poor, only these rules of the repair are applied: layout
# and Unicode fixes that hold whatever the words are. Word repairs would turn garbage into
# other (plausible-looking, wrong) words; the page is flagged for a person instead.
LAYOUT_RULES = frozenset({"nfc", "ligature", "hyphen_join", "bullet"})


def junk_edits(raw: str, spans: list[tuple[int, int]]) -> list[Edit]:
    """One deletion per junk span, taking one neighbouring space with it so no double space
    is left ("bröd | efteråt" -> "bröd efteråt")."""
    edits = []
    for start, end in sorted(spans):
        if not (0 <= start < end <= len(raw)):
            continue
        if start > 0 and raw[start - 1] == " ":
            start -= 1
        elif end < len(raw) and raw[end] == " ":
            end += 1
        if edits and start < edits[-1].end:
            continue
        edits.append(Edit(start, end, raw[start:end], "", JUNK_RULE, JUNK_SCORE))
    return edits


def speck_mark_edits(
    raw: str, is_known: Callable[[str], bool], is_listed: Callable[[str], bool], addresses: list[tuple[int, int]] | None = None
) -> list[Edit]:
    """On a page read poorly because of specks: a mark glued between two known words,
    where the words glued together are no word, becomes the space it stands in for.
    ``addresses``: the text's address spans, when the caller has them already."""
    protected = address_spans(raw) if addresses is None else addresses
    edits = []
    for match in _GLUED_MARK.finditer(raw):
        left, right = match.group(1), match.group(3)
        if _touches_any(match, protected):
            continue
        if not (is_known(left) and is_known(right)) or is_listed(left + right):
            continue
        edits.append(Edit(match.start(2), match.end(2), match.group(2), " ", SPECK_MARK_RULE, SPECK_MARK_SCORE))
    return edits


def speck_letter_edits(
    raw: str, listed: Callable[[str], float], zipf: Callable[[str], float], addresses: list[tuple[int, int]] | None = None
) -> list[Edit]:
    """On a page read poorly because of specks: a word no list has that becomes a common
    listed word by moving one mark of one vowel (:data:`_ONE_MARK_APART`) gets that mark;
    the letter is the edit. ``listed``: the frequency of a form some list has (0 when none
    does; a lower-case form); ``zipf``: the frequency the lexicon gives any form
    (compounds of known parts too: "längstå" is "längs" + "tå", the word wanted commoner
    still). ``addresses`` as for :func:`speck_mark_edits`."""
    protected = address_spans(raw) if addresses is None else addresses
    edits = []
    for match in _LETTERS.finditer(raw):
        word = match.group()
        if listed(word.lower()) > 0 or _touches_any(match, protected):
            continue
        found = []
        for index, letter in enumerate(word):
            for other in _ONE_MARK_APART.get(letter, ""):
                candidate = word[:index] + other + word[index + 1:]
                found.append((listed(candidate.lower()), index, other))
        found.sort(reverse=True)
        if not found or found[0][0] < max(SPECK_LETTER_MIN_ZIPF, zipf(word) + SPECK_LETTER_MARGIN / 2):
            continue
        if len(found) > 1 and found[1][0] > found[0][0] - SPECK_LETTER_MARGIN:
            continue
        _, index, other = found[0]
        start = match.start() + index
        edits.append(Edit(start, start + 1, raw[start], other, SPECK_LETTER_RULE, SPECK_LETTER_SCORE))
    return edits


def speck_stop_edits(raw: str, is_known: Callable[[str], bool], listed: Callable[[str], float]) -> list[Edit]:
    """On a page read poorly because of specks: the point after a word and before a word in
    small letters (:data:`_STOP_BEFORE_SMALL`) is removed; the point is the edit."""
    edits = []
    for match in _STOP_BEFORE_SMALL.finditer(raw):
        word, following = match.group(1), match.group(3)
        if not (is_known(word) and is_known(following)):
            continue
        if len(word) <= SPECK_STOP_SHORT_LETTERS and listed(word.lower()) < SPECK_STOP_SHORT_ZIPF:
            continue
        edits.append(Edit(match.start(2), match.end(2), ".", "", SPECK_STOP_RULE, SPECK_STOP_SCORE))
    return edits


def noise_edits(raw: str, spans: list[tuple[int, int]], poor_page_lexicon=None) -> list[Edit]:
    """The page's removals of noise, in order and none overlapping: the junk tokens
    (``spans``), and on a page read poorly (``poor_page_lexicon`` given: its ``is_known``,
    ``is_listed``, ``listed_zipf`` and ``zipf``) the specks read as marks between words and the marks of
    vowels a speck added or lost."""
    found = junk_edits(raw, spans)
    if poor_page_lexicon is not None:
        addresses = address_spans(raw)
        found += speck_mark_edits(raw, poor_page_lexicon.is_known, poor_page_lexicon.is_listed, addresses)
        found += speck_letter_edits(raw, poor_page_lexicon.listed_zipf, poor_page_lexicon.zipf, addresses)
        found += speck_stop_edits(raw, poor_page_lexicon.is_known, poor_page_lexicon.listed_zipf)
    kept: list[Edit] = []
    for edit in sorted(found, key=lambda e: (e.start, e.end)):
        if not kept or edit.start >= kept[-1].end:
            kept.append(edit)
    return kept


def is_layout_edit(edit: Edit) -> bool:
    return all(part in LAYOUT_RULES for part in edit.rule.split("+"))


def merge_junk_and_repairs(
    repair_edits: list[Edit], junk: list[Edit], *, poor: bool
) -> list[Edit]:
    """The page's edits: the junk deletions, and the repairs that do not touch them (on a
    poor page only layout fixes), in order. Every edit keeps its offsets into the raw text,
    so ``apply_edits(raw, result)`` replays them."""
    kept = [edit for edit in repair_edits if not poor or is_layout_edit(edit)]
    kept = [edit for edit in kept if not any(_overlap(edit, deletion) for deletion in junk)]
    return sorted(kept + junk, key=lambda edit: (edit.start, edit.end))


def _touches_any(match, spans: list[tuple[int, int]]) -> bool:
    """Whether a regex match overlaps any of ``spans`` (start, end)."""
    return any(start < match.end() and match.start() < end for start, end in spans)


def _overlap(a: Edit, b: Edit) -> bool:
    return a.start < b.end and b.start < a.end or (a.start == a.end == b.start)
