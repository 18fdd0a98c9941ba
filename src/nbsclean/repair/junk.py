"""Junk tokens read from specks and dust, removed as edits of their own (rule ``ocr_junk``),
and the repair of a page whose reading was judged poor kept to layout fixes.

Pure: offsets into a page's raw text and edits in, edits out. Extraction decides which
tokens are junk (it has Tesseract's word confidences, see
:func:`nbsclean.extract.quality.junk_spans`) and passes them here as spans.
"""

from __future__ import annotations

from typing import Callable, Collection

import regex

from nbsclean.edits import Edit
from nbsclean.repair.addresses import address_spans

JUNK_RULE = "ocr_junk"
JUNK_SCORE = 0.9
SPECK_MARK_RULE = "ocr_speck_mark"
SPECK_MARK_SCORE = 0.8

# A speck read as a mark glued between two words ("Allt.fler", "fira'med", "Den:första"):
# both sides words of two letters or more, the second in small letters (a sentence's full
# stop is followed by a capital), nothing address-like around it (the second word may end
# a sentence: "till.det."). Commas and semicolons are left alone: a real one that lost its
# space is as likely as a speck. The two words written together may be a word the lists
# have, if a rare one (below SPECK_MARK_JOINED_ZIPF: "såatt", "allt.fler").
# Glued between a word and a number ("den.30", "200.kronor") it is the same speck; a word
# before a number must be no abbreviation ("kl.10", "nr.5", "tel.08"): longer than
# SPECK_STOP_SHORT_LETTERS letters or as common as SPECK_STOP_SHORT_ZIPF. Between digits
# it is a real point ("9.00", "4.7"). The one-letter words "i", "å", "ö" after the mark
# need a word of three letters or more before it ("skörden.i"; "bl.a", "m.fl" stay).
# Fresh pages (tools/fresh_degraded.py, seeds 17-22): 31 changes, 29 right, 1 wrong (a
# speck inside a word, "teno:er"); seeds 8-10 and 23-25: 27, all right; clean texts
# (24 392 words): one, a file name ("bildnamn.jpg", as before these additions).
_GLUED_MARK = regex.compile(r"(?<![\w@./\-])(\p{L}{2,}|\d+)([.:'’`´])(\p{Ll}+|\d+)(?![\w@/\-]|[.:]\w)")
SPECK_MARK_JOINED_ZIPF = 2.5
_ONE_LETTER_WORDS = frozenset("iåö")

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
# (the second half of a word broken at a line end, "digi-⏎talt", is no word of its own)
_LETTERS = regex.compile(r"(?<![\w@./\-])(?<!-\n)\p{L}{2,}(?![\w@/\-]|\.\w)")
# A word the change makes must be a common one (Zipf frequency), and clearly commoner than
# any other word one mark away, or the mark is left as read.
SPECK_LETTER_MIN_ZIPF = 2.0
SPECK_LETTER_MARGIN = 1.0

SPECK_WORD_RULE = "ocr_speck_word"
SPECK_WORD_SCORE = 0.6
# A speck on a letter turns it into another letter ("innan" -> "ihnan", "tisdagen" ->
# "tfsdagen"), adds one ("förberedert") or the threshold loses one ("efte"): a word no list
# has that is one such change (a letter replaced, added, dropped, or two swapped) from a
# common listed word, and clearly from the commonest one, gets that word. Words of fewer
# than SPECK_WORD_MIN_LETTERS letters are one change from too many words to tell.
# Measured on the speckled fixtures and fresh pages of tools/fresh_degraded.py (seeds 8,
# 11, 12; 331 unlisted words, 42 of them right as read: names, compounds): 127 put right,
# none of the right ones changed, 7 wrong words made other wrong words.
SPECK_WORD_MIN_LETTERS = 3
SPECK_WORD_MIN_ZIPF = 2.0
SPECK_WORD_MARGIN = 1.0
# ... and only on a page where this share of the words is known (quality.MIN_KNOWN_SHARE:
# below it a reading is garbage, not words with specks on them).
SPECK_WORD_MIN_KNOWN_SHARE = 0.6
SPECK_WORD_MIN_WORDS = 8  # quality.MIN_WORDS_FOR_SHARES
_SPECK_WORD_ALPHABET = "abcdefghijklmnopqrstuvwxyzåäöé"

SPECK_VOWEL_RULE = "ocr_speck_vowel"
SPECK_VOWEL_SCORE = 0.6
# A word the lists have, whose vowel lost its mark in the threshold ("pa", "fran", "nagon")
# or got one from a speck ("öch", "ått"): the word with the mark put back or taken away is
# a hundred times commoner (Zipf SPECK_VOWEL_MARGIN) and clearly the commonest such word.
# Only a mark lost or added (a -> å/ä, o -> ö, and back), never one mark for another: "ån"
# (the stream) is a word of its own beside the commoner "än". English words are left
# ("for"). Fresh pages of tools/fresh_degraded.py (seeds 8, 11, 12): 35 put right, 3
# wrong words made other wrong words, none of the right ones changed; on the expected
# texts of samples/ (9 662 words) it would change only English "for".
_MARK_LOST = {"a": "åä", "o": "ö", "A": "ÅÄ", "O": "Ö"}
_MARK_ADDED = {"å": "a", "ä": "a", "ö": "o", "é": "e", "Å": "A", "Ä": "A", "Ö": "O", "É": "E"}
SPECK_VOWEL_MARGIN = 2.0

SPECK_GLYPH_RULE = "ocr_speck_glyph"
SPECK_GLYPH_SCORE = 0.6
# A speck in the gap of a letter's stems reads one letter as two thin ones ("n" as "ri",
# "ii", "rr", "rt", "ti", "fi"; "m" as "rn", "in", "ni"; "u" as "ii"; "h" as "li"; "d" as
# "cl"; "w" as "vv"), and a speck bridging two thin letters reads them as one ("rn" as
# "m", "in" as "m"). By the letters' shapes (stems), not by words: the letter and the thin
# letters that together draw the same stems.
_ONE_GLYPH_AS_TWO = {
    "n": ("ri", "ii", "rr", "rt", "ti", "fi", "li", "il", "ir", "ll", "ni", "in"),
    "m": ("rn", "in", "ni", "rri", "iii", "nr", "pi"),
    "u": ("ii", "li", "il"),
    "h": ("li", "lr"),
    "d": ("cl",),
    "w": ("vv",),
}
_GLYPH_CHANGES = tuple(
    (seen, meant) for letter, pairs in _ONE_GLYPH_AS_TWO.items() for pair in pairs
    for seen, meant in ((pair, letter), (letter, pair))
)
# The same bars as ocr_speck_word (a common word, clearly the commonest), and clearly
# commoner than any word one ordinary letter change away too: a glyph change is the
# less likely reading of the two. Fresh pages of tools/fresh_degraded.py (seeds 17-22, 36
# speckled pages): 27 changes, all right; the expected texts of samples/ and 28 pages of
# other Swedish prose (24 392 words): no change.

SPECK_COMMON_RULE = "ocr_speck_common"
SPECK_COMMON_SCORE = 0.5
# A speck that turns a very common word into a rare word some list has all the same ("alla"
# -> "alta", "eller" -> "aller", "kan" -> "kah", "för" -> "föj", "vi" -> "vj"): a listed
# word in small letters, one change (as ocr_speck_word) from a word at least
# SPECK_COMMON_MIN_ZIPF common and SPECK_COMMON_MARGIN (a thousand times) commoner than it,
# clearly the commonest such word, where the bigram model (repair/ngrams.py) finds that word
# likelier between the same neighbours by SPECK_COMMON_MIN_GAIN (log10) than the word as
# read. A rare word in its right place is as often seen with its neighbours as the common
# one; the rule is for the short, everyday words a speck hits most. Fresh pages: 7 right, 1
# the right word with a speck's mark left on it (seeds 17-22); 7 right, 4 neither better
# nor worse (seeds 8-10, 23-25); clean texts (24 392 words): 2 wrong, "gupp" -> "upp" and
# "dyligt" -> "dåligt" in old and technical prose.
SPECK_COMMON_MIN_ZIPF = 5.0
SPECK_COMMON_MARGIN = 3.0
SPECK_COMMON_MIN_GAIN = 0.5
# No word is commoner than Zipf 8 ("och", "i", "det": 7.4-7.6): a word above this is read
# as it is without looking at the words around it.
SPECK_COMMON_MAX_READ_ZIPF = 8.0 - SPECK_COMMON_MARGIN
_CONTEXT_TOKEN = regex.compile(r"\p{L}+|\d+|[.!?:;]")

SPECK_SHARD_RULE = "ocr_speck_shard"
SPECK_SHARD_SCORE = 0.8
# A clump of specks between paragraphs read as a line of its own: one token of one or two
# characters alone on its line ("d", "«a", "-.", "La"), no digit in it (a page number
# stays) and no lone dash, star or bullet (a separator stays), nor one of the one-letter
# words "i", "å", "ö". No line of the expected texts of samples/ nor of 28 pages of other
# Swedish prose is such a line; on fresh speckled pages it made 13 changes (seeds 17-22)
# and 9 (seeds 8-10, 23-25), all right.
_SHARD_LINE = regex.compile(r"(?m)^(\S{1,2})(\n+|\Z)")
_KEPT_SHARDS = frozenset({"-", "–", "—", "*", "•", "·", "i", "å", "ö", "I", "Å", "Ö"})

SPECK_STOP_RULE = "ocr_speck_stop"
SPECK_STOP_SCORE = 0.7
# A speck in the word space after a word, read as its full stop ("kostar. en"): a point
# after a word and before a word in small letters, where no sentence ends. Abbreviations
# end in a point before small letters ("ca. tio", "inkl. moms", "dvs. att"): they are short
# and rarer than the words of three letters or fewer whose point is removed (Swedish
# abbreviations in the word lists: Zipf 1.9-5.3, "har", "som", "hos", "vid": 5.6-7.5), so
# a word of up to four letters must be at least SPECK_STOP_SHORT_ZIPF common; a longer
# one must be known.
# The word space may be a line break: a sentence does not end before a line that goes on in
# small letters either (a paragraph break, a blank line, is left alone).
_STOP_BEFORE_SMALL = regex.compile(r"(?<![\w@./\-])(\p{L}{2,})(\.)[ \n](?=(\p{Ll}{2,})(?![\w@/\-]|\.\w))")
SPECK_STOP_SHORT_LETTERS = 4
SPECK_STOP_SHORT_ZIPF = 5.5

SPECK_COMMA_RULE = "ocr_speck_comma"
SPECK_COMMA_SCORE = 0.6
# A full stop with a speck below it, read as a comma ("låna ut dem, Vi skannar"): a comma
# after a word or number and before a capitalised word that goes on in small letters, where
# that word is a common word (Zipf SPECK_COMMA_MIN_ZIPF in small letters) and no name (no
# name reading in the word classes: "Sveriges", "Lena"; "Dag Wallströmer", "Region
# Sörmland" go on in capitals): a sentence begins there, and a comma does not end one.
# Fresh pages: 7 of 7 right (seeds 17-22), 3 of 4 (seeds 8-10, 23-25; the wrong one
# before a capital a speck made, "medlemmar, Övriga"); clean texts: none.
_COMMA_BEFORE_CAPITAL = regex.compile(r"(?<![\w@./\-])(\p{Ll}{2,}|\d+)(,)[ \n](\p{Lu}\p{Ll}*)(?= \p{Ll})")
SPECK_COMMA_MIN_ZIPF = 3.5

SPECK_LINE_RULE = "ocr_speck_line"
SPECK_LINE_SCORE = 0.6
# A word broken at a line end whose hyphen the threshold lost ("före⏎ningen", "uppskat⏎tad"):
# the two parts written together are a listed word of Zipf SPECK_LINE_MIN_ZIPF or more and
# commoner by SPECK_LINE_MARGIN than the rarer part ("ningen", "tad": rare words), so the
# line break goes; two ordinary words at a line end ("in⏎till": "intill" is rarer than
# "in") stay apart. Fresh pages: 3 and 4 changes, all right; clean texts: none.
_LINE_BROKEN_WORD = regex.compile(r"(?<![\w@./\-])(\p{L}{2,})(\n)(\p{Ll}{2,})(?![\w@/\-]|[.:]\w)")
SPECK_LINE_MIN_ZIPF = 3.0
SPECK_LINE_MARGIN = 1.0

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
    raw: str, is_known: Callable[[str], bool], listed: Callable[[str], float], addresses: list[tuple[int, int]] | None = None
) -> list[Edit]:
    """On a page read poorly because of specks: a mark glued between two known words (or a
    known word and a number, :data:`_GLUED_MARK`), where the words glued together are no
    common word, becomes the space it stands in for. ``listed``: the frequency of a form
    some list has (0 when none does; a lower-case form); ``addresses``: the text's address
    spans, when the caller has them already."""
    protected = address_spans(raw) if addresses is None else addresses
    edits = []
    for match in _GLUED_MARK.finditer(raw):
        left, right = match.group(1), match.group(3)
        if _touches_any(match, protected) or not _glued_words(left, right, is_known, listed):
            continue
        edits.append(Edit(match.start(2), match.end(2), match.group(2), " ", SPECK_MARK_RULE, SPECK_MARK_SCORE))
    return edits


def _glued_words(left: str, right: str, is_known: Callable[[str], bool], listed: Callable[[str], float]) -> bool:
    """Whether ``left`` and ``right``, glued by a mark, are two words read apart (see
    :data:`_GLUED_MARK`), not an abbreviation, a number or one word."""
    if left.isdigit():
        return not right.isdigit() and len(right) >= 2 and is_known(right)
    if not is_known(left):
        return False
    if right.isdigit():
        return len(left) > SPECK_STOP_SHORT_LETTERS or listed(left.lower()) >= SPECK_STOP_SHORT_ZIPF
    if len(right) == 1:
        return right in _ONE_LETTER_WORDS and len(left) >= 3
    return is_known(right) and listed((left + right).lower()) < SPECK_MARK_JOINED_ZIPF


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
        found = _one_letter_changes(word, lambda letter: _ONE_MARK_APART.get(letter, ""), listed)
        if not found or found[0][0] < max(SPECK_LETTER_MIN_ZIPF, zipf(word) + SPECK_LETTER_MARGIN / 2):
            continue
        if len(found) > 1 and found[1][0] > found[0][0] - SPECK_LETTER_MARGIN:
            continue
        _, index, other = found[0]
        start = match.start() + index
        edits.append(Edit(start, start + 1, raw[start], other, SPECK_LETTER_RULE, SPECK_LETTER_SCORE))
    return edits


def speck_word_edits(
    raw: str,
    listed: Callable[[str], float],
    zipf: Callable[[str], float],
    addresses: list[tuple[int, int]] | None = None,
    stated: Callable[[str], bool] | None = None,
) -> list[Edit]:
    """On a page read poorly because of specks: a word no list has that is one letter
    change from a common listed word, clearly the commonest such word, becomes it (rule
    ``ocr_speck_word``; the changed letters are the edit). ``listed``, ``zipf`` and
    ``addresses`` as for :func:`speck_letter_edits`; ``stated``: whether a list has the
    form itself (not only made by a rule): the genitive the lexicon makes of every listed
    form is no rival to that form ("förberedert": "förbereder", not "förbereders"). A word
    in capitals is left alone (an acronym); the first letter's case is kept."""
    edits = []
    for match, word, lower in _unlisted_words(raw, listed, addresses):
        found = sorted(((listed(candidate), candidate) for candidate in _one_change_away(lower)), reverse=True)
        found = [(frequency, candidate) for frequency, candidate in found if frequency > 0]
        if not found or found[0][0] < max(SPECK_WORD_MIN_ZIPF, zipf(word) + SPECK_WORD_MARGIN):
            continue
        best = found[0][1]
        rivals = [frequency for frequency, candidate in found[1:] if not _made_genitive(candidate, best, stated)]
        if rivals and rivals[0] > found[0][0] - SPECK_WORD_MARGIN:
            continue
        edits.append(_changed_part(raw, match.start(), word, _with_first_case_of(word, best)))
    return edits


def _unlisted_words(raw: str, listed: Callable[[str], float], addresses: list[tuple[int, int]] | None):
    """(match, word, lower case) of every word of ``raw`` that a speck may have damaged: of
    SPECK_WORD_MIN_LETTERS letters or more, not in capitals (an acronym), listed in no
    word list and outside e-mail and web addresses (``addresses``, found when None)."""
    protected = address_spans(raw) if addresses is None else addresses
    for match in _LETTERS.finditer(raw):
        word = match.group()
        lower = word.lower()
        if len(word) < SPECK_WORD_MIN_LETTERS or word.isupper() or listed(lower) > 0 or _touches_any(match, protected):
            continue
        yield match, word, lower


def _with_first_case_of(word: str, replacement: str) -> str:
    """``replacement`` (small letters) with a capital first letter where ``word`` has one."""
    return replacement[:1].upper() + replacement[1:] if word[0].isupper() else replacement


def speck_common_edits(
    raw: str,
    listed: Callable[[str], float],
    common: Collection[str],
    is_english: Callable[[str], bool],
    context_gain: Callable[[str, str, str], float],
    addresses: list[tuple[int, int]] | None = None,
) -> list[Edit]:
    """On a page read poorly because of specks: a rare listed word that a speck made of a
    very common one (:data:`SPECK_COMMON_MIN_ZIPF`) goes back to it where its neighbours
    say so too (rule ``ocr_speck_common``; the changed letters are the edit).
    ``listed``, ``is_english`` as for :func:`speck_vowel_edits`; ``common``: the words of
    the frequency lists that may be that word or its rival (Zipf SPECK_COMMON_MIN_ZIPF -
    SPECK_WORD_MARGIN or more, :func:`common_words`); ``context_gain(word, previous,
    following)``: the bigram model's log10 gain of a lower-case word between its
    neighbours ("" for a clause boundary)."""
    protected = address_spans(raw) if addresses is None else addresses
    edits = []
    for match in _LETTERS.finditer(raw):
        word = match.group()
        frequency = listed(word)
        if not 0 < frequency <= SPECK_COMMON_MAX_READ_ZIPF or not word.islower() or is_english(word):
            continue
        if _touches_any(match, protected):
            continue
        found = sorted(((listed(form), form) for form in _one_change_away(word) if form in common), reverse=True)
        if not found or found[0][0] < max(SPECK_COMMON_MIN_ZIPF, frequency + SPECK_COMMON_MARGIN):
            continue
        if len(found) > 1 and found[1][0] > found[0][0] - SPECK_WORD_MARGIN:
            continue
        best = found[0][1]
        previous, following = _neighbours(raw, match.start(), match.end())
        if context_gain(best, previous, following) - context_gain(word, previous, following) < SPECK_COMMON_MIN_GAIN:
            continue
        edits.append(_changed_part(raw, match.start(), word, best, SPECK_COMMON_RULE, SPECK_COMMON_SCORE))
    return edits


_common_words: dict[int, tuple[dict, frozenset[str]]] = {}


def common_words(frequencies: dict[str, int]) -> frozenset[str]:
    """The words of a lexicon's frequency lists (``frequencies``: Zipf × 100) common
    enough to be :func:`speck_common_edits`' word or its rival; made once per lexicon."""
    cached = _common_words.get(id(frequencies))
    if cached is None or cached[0] is not frequencies:
        least = round((SPECK_COMMON_MIN_ZIPF - SPECK_WORD_MARGIN) * 100)
        cached = (frequencies, frozenset(word for word, value in frequencies.items() if value >= least))
        _common_words[id(frequencies)] = cached
    return cached[1]


def _neighbours(raw: str, start: int, end: int) -> tuple[str, str]:
    """The words before and after ``raw[start:end]`` in lower case ("" where a clause mark,
    a number or the text's edge is next)."""
    before = _CONTEXT_TOKEN.findall(raw, max(0, start - 40), start)
    after = _CONTEXT_TOKEN.findall(raw, end, end + 40)
    previous = before[-1].lower() if before and before[-1][0].isalpha() else ""
    following = after[0].lower() if after and after[0][0].isalpha() else ""
    return previous, following


def speck_glyph_edits(
    raw: str,
    listed: Callable[[str], float],
    zipf: Callable[[str], float],
    addresses: list[tuple[int, int]] | None = None,
) -> list[Edit]:
    """On a page read poorly because of specks: a word no list has that becomes a common
    listed word by reading one letter as two thin ones or two as one
    (:data:`_ONE_GLYPH_AS_TWO`: "medlemrnar", "persorier", "mnan"), clearly commoner than
    any other such word and any word one letter change away, becomes it (rule
    ``ocr_speck_glyph``; the changed letters are the edit). Arguments as for
    :func:`speck_word_edits`."""
    edits = []
    for match, word, lower in _unlisted_words(raw, listed, addresses):
        found = sorted(((listed(form), form) for form in _glyph_changes(lower)), reverse=True)
        if not found or found[0][0] < max(SPECK_WORD_MIN_ZIPF, zipf(word) + SPECK_WORD_MARGIN):
            continue
        frequency, best = found[0]
        rival = max((listed(form) for form in _one_change_away(lower)), default=0.0)
        if (len(found) > 1 and found[1][0] > frequency - SPECK_WORD_MARGIN) or rival > frequency - SPECK_WORD_MARGIN:
            continue
        replacement = _with_first_case_of(word, best)
        edits.append(_changed_part(raw, match.start(), word, replacement, SPECK_GLYPH_RULE, SPECK_GLYPH_SCORE))
    return edits


def _glyph_changes(lower: str) -> set[str]:
    """Every form with one letter read as two thin ones, or two as one, put back."""
    forms = set()
    for seen, meant in _GLYPH_CHANGES:
        index = lower.find(seen)
        while index >= 0:
            forms.add(lower[:index] + meant + lower[index + len(seen):])
            index = lower.find(seen, index + 1)
    forms.discard(lower)
    return forms


def speck_vowel_edits(
    raw: str,
    listed: Callable[[str], float],
    is_english: Callable[[str], bool],
    addresses: list[tuple[int, int]] | None = None,
) -> list[Edit]:
    """On a page read poorly because of specks: a listed word whose vowel mark was lost or
    added (:data:`SPECK_VOWEL_MARGIN`) becomes the far commoner word with the mark put back
    or taken away (rule ``ocr_speck_vowel``; the letter is the edit). ``listed`` as for
    :func:`speck_letter_edits`; ``is_english``: an English word (lower case)."""
    protected = address_spans(raw) if addresses is None else addresses
    edits = []
    for match in _LETTERS.finditer(raw):
        word = match.group()
        lower = word.lower()
        frequency = listed(lower)
        if frequency == 0 or word.isupper() or is_english(lower) or _touches_any(match, protected):
            continue
        found = _one_letter_changes(word, _mark_lost_or_added, listed)
        if not found or found[0][0] < frequency + SPECK_VOWEL_MARGIN:
            continue
        if len(found) > 1 and found[1][0] > found[0][0] - SPECK_WORD_MARGIN:
            continue
        _, index, other = found[0]
        start = match.start() + index
        edits.append(Edit(start, start + 1, raw[start], other, SPECK_VOWEL_RULE, SPECK_VOWEL_SCORE))
    return edits


def _one_letter_changes(
    word: str, alternatives: Callable[[str], str], listed: Callable[[str], float]
) -> list[tuple[float, int, str]]:
    """Every form of ``word`` with one letter replaced by one of its ``alternatives``, as
    (``listed`` frequency of the lower-case form, index, new letter), commonest first."""
    found = []
    for index, letter in enumerate(word):
        for other in alternatives(letter):
            found.append((listed((word[:index] + other + word[index + 1:]).lower()), index, other))
    found.sort(reverse=True)
    return found


def _mark_lost_or_added(letter: str) -> str:
    """The letters ``letter`` becomes with its vowel mark put back or taken away."""
    return _MARK_LOST.get(letter, "") + _MARK_ADDED.get(letter, "")


def _made_genitive(candidate: str, best: str, stated: Callable[[str], bool] | None) -> bool:
    """Whether ``candidate`` is ``best`` with the genitive "s" the lexicon makes by rule,
    no list having it."""
    return stated is not None and candidate == best + "s" and not stated(candidate)


def _one_change_away(lower: str) -> set[str]:
    """Every form one letter replaced, added, dropped, or two neighbours swapped away."""
    forms = set()
    for index in range(len(lower) + 1):
        head, tail = lower[:index], lower[index:]
        for letter in _SPECK_WORD_ALPHABET:
            forms.add(head + letter + tail)
            if tail:
                forms.add(head + letter + tail[1:])
        if tail:
            forms.add(head + tail[1:])
        if len(tail) > 1:
            forms.add(head + tail[1] + tail[0] + tail[2:])
    forms.discard(lower)
    return forms


def _changed_part(
    raw: str, start: int, word: str, replacement: str, rule: str = SPECK_WORD_RULE, score: float = SPECK_WORD_SCORE
) -> Edit:
    """The edit of ``word`` (at ``start`` in ``raw``) into ``replacement``: only the letters
    that differ, the common beginning and end left out."""
    head = 0
    while head < min(len(word), len(replacement)) and word[head] == replacement[head]:
        head += 1
    tail = 0
    while tail < min(len(word), len(replacement)) - head and word[-1 - tail] == replacement[-1 - tail]:
        tail += 1
    before = word[head: len(word) - tail]
    after = replacement[head: len(replacement) - tail]
    return Edit(start + head, start + head + len(before), before, after, rule, score)


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


def speck_comma_edits(
    raw: str, is_known: Callable[[str], bool], listed: Callable[[str], float], is_name: Callable[[str], bool]
) -> list[Edit]:
    """On a page read poorly because of specks: a comma before a sentence's first word
    (:data:`_COMMA_BEFORE_CAPITAL`) becomes the full stop it was (rule ``ocr_speck_comma``;
    the comma is the edit). ``is_name``: whether a lower-case form has a name's reading."""
    edits = []
    for match in _COMMA_BEFORE_CAPITAL.finditer(raw):
        before, capital = match.group(1), match.group(3).lower()
        if not (before.isdigit() or is_known(before)):
            continue
        if listed(capital) < SPECK_COMMA_MIN_ZIPF or is_name(capital):
            continue
        edits.append(Edit(match.start(2), match.end(2), ",", ".", SPECK_COMMA_RULE, SPECK_COMMA_SCORE))
    return edits


def speck_line_edits(raw: str, listed: Callable[[str], float], zipf: Callable[[str], float]) -> list[Edit]:
    """On a page read poorly because of specks: a word broken at a line end that lost its
    hyphen (:data:`_LINE_BROKEN_WORD`) is joined again (rule ``ocr_speck_line``; the line
    break is the edit, as ``hyphen_join`` removes "-⏎")."""
    edits = []
    for match in _LINE_BROKEN_WORD.finditer(raw, overlapped=True):
        left, right = match.group(1), match.group(3)
        joined = listed((left + right).lower())
        if joined < SPECK_LINE_MIN_ZIPF or joined < min(zipf(left), zipf(right)) + SPECK_LINE_MARGIN:
            continue
        edits.append(Edit(match.start(2), match.end(2), "\n", "", SPECK_LINE_RULE, SPECK_LINE_SCORE))
    return edits


def speck_shard_edits(raw: str) -> list[Edit]:
    """On a page read poorly because of specks: a line holding only a shard of one or two
    characters (:data:`_SHARD_LINE`) goes, with its line break (rule ``ocr_speck_shard``)."""
    edits = []
    for match in _SHARD_LINE.finditer(raw):
        shard = match.group(1)
        if shard in _KEPT_SHARDS or any(ch.isdigit() for ch in shard):
            continue
        start, end = match.start(), match.end()
        if not match.group(2):  # the last line: the line breaks before it go instead
            start = len(raw[:start].rstrip("\n"))
        edits.append(Edit(start, end, raw[start:end], "", SPECK_SHARD_RULE, SPECK_SHARD_SCORE))
    return edits


def mostly_known_words(raw: str, is_known: Callable[[str], bool]) -> bool:
    """Whether most words of a page are known (SPECK_WORD_MIN_KNOWN_SHARE): a page read
    through specks, its words mostly right, and not garbage (an upside-down page, noise),
    where a word one change from a common one is no evidence of anything."""
    forms = [match.group() for match in _LETTERS.finditer(raw)]
    if len(forms) < SPECK_WORD_MIN_WORDS:
        return False  # a caption is no evidence either way
    return sum(1 for form in forms if is_known(form)) >= SPECK_WORD_MIN_KNOWN_SHARE * len(forms)


def noise_edits(raw: str, spans: list[tuple[int, int]], poor_page_lexicon=None) -> list[Edit]:
    """The page's removals of noise, in order and none overlapping: the junk tokens
    (``spans``), and on a page read poorly (``poor_page_lexicon`` given: its ``is_known``,
    ``is_listed``, ``listed_zipf`` and ``zipf``) the specks read as marks between words, the marks of
    vowels a speck added or lost, the points specks put after words, and (where most words
    are known) the letters specks changed, split in two or joined, the vowel marks they
    added or the threshold lost in listed words and the very common words they made rare
    ones; commas before a sentence that were its full stop, words broken at a line end
    that lost their hyphen, and lines holding only a shard of specks."""
    found = junk_edits(raw, spans)
    if poor_page_lexicon is not None:
        addresses = address_spans(raw)
        found += speck_mark_edits(raw, poor_page_lexicon.is_known, poor_page_lexicon.listed_zipf, addresses)
        mostly_words = mostly_known_words(raw, poor_page_lexicon.is_known)
        words = (
            speck_word_edits(
                raw, poor_page_lexicon.listed_zipf, poor_page_lexicon.zipf, addresses, poor_page_lexicon.is_listed
            )
            if mostly_words else []
        )
        if mostly_words:
            words += [
                edit for edit in speck_glyph_edits(raw, poor_page_lexicon.listed_zipf, poor_page_lexicon.zipf, addresses)
                if not any(_same_word(raw, edit, other) for other in words)
            ]
        # A word the letter change puts right gets no vowel mark moved besides: that rule
        # would make another word of it ("härder": "händer", not "harder" and "hander").
        found += words + [
            edit for edit in speck_letter_edits(raw, poor_page_lexicon.listed_zipf, poor_page_lexicon.zipf, addresses)
            if not any(_same_word(raw, edit, other) for other in words)
        ]
        found += speck_stop_edits(raw, poor_page_lexicon.is_known, poor_page_lexicon.listed_zipf)
        found += speck_comma_edits(
            raw, poor_page_lexicon.is_known, poor_page_lexicon.listed_zipf, _name_reading(poor_page_lexicon)
        )
        found += speck_line_edits(raw, poor_page_lexicon.listed_zipf, poor_page_lexicon.zipf)
        found += speck_shard_edits(raw)
        if mostly_words:
            vowels = speck_vowel_edits(raw, poor_page_lexicon.listed_zipf, poor_page_lexicon.is_english, addresses)
            found += vowels
            gain = _context_gain(poor_page_lexicon)
            if gain is not None:
                # A word the vowel rule puts right gets no other letter changed.
                found += [
                    edit for edit in speck_common_edits(
                        raw, poor_page_lexicon.listed_zipf, common_words(poor_page_lexicon.frequencies),
                        poor_page_lexicon.is_english, gain, addresses,
                    )
                    if not any(_same_word(raw, edit, other) for other in vowels)
                ]
    kept: list[Edit] = []
    for edit in sorted(found, key=lambda e: (e.start, e.end)):
        if not kept or edit.start >= kept[-1].end:
            kept.append(edit)
    return kept


def _context_gain(lexicon) -> Callable[[str, str, str], float] | None:
    """The bigram model's context gain for the lexicon (None without a model)."""
    from nbsclean.repair.engine import ngram_directory
    from nbsclean.repair.ngrams import load_model

    model = load_model(ngram_directory(lexicon))
    return None if model is None else model.context_gain


def _name_reading(lexicon) -> Callable[[str], bool]:
    """Whether a lower-case form has a name's reading in the lexicon's word classes (no
    table: no form has)."""
    from nbsclean.repair.wordclasses import CLASSES, CLASSES_FILE, load_table, readings_of

    table = load_table(lexicon.table_path(CLASSES_FILE))
    return lambda lower: bool(readings_of(lower, table) & CLASSES["name"])


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


def _same_word(raw: str, first: Edit, second: Edit) -> bool:
    """Whether two edits inside words are in the same word (no space or mark between)."""
    low, high = sorted((first, second), key=lambda edit: edit.start)
    return all(ch.isalpha() for ch in raw[low.end:high.start])


def _touches_any(match, spans: list[tuple[int, int]]) -> bool:
    """Whether a regex match overlaps any of ``spans`` (start, end)."""
    return any(start < match.end() and match.start() < end for start, end in spans)


def _overlap(a: Edit, b: Edit) -> bool:
    return a.start < b.end and b.start < a.end or (a.start == a.end == b.start)
