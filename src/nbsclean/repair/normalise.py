"""Normalisation: layout and encoding fixes that need no dictionary decision (pure).

Each fix is a small function ``text -> list[Edit]`` with offsets into its input, named for
what it repairs (ftfy's style); :func:`normalise` runs them in order and composes their
edits onto the original text.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Callable

import regex

from nbsclean.edits import Edit, apply_edits, compose

# --- Unicode ------------------------------------------------------------------------------------

_COMBINING_CLUSTER = regex.compile(r"\P{M}\p{M}+")
_LIGATURES = {"ﬁ": "fi", "ﬂ": "fl", "ﬀ": "ff", "ﬃ": "ffi", "ﬄ": "ffl"}
_LIGATURE_RE = regex.compile("|".join(_LIGATURES))


def fix_nfc(text: str) -> list[Edit]:
    """Compose decomposed letters ("a" + U+0308 → "ä"): the corpus is NFC throughout."""
    if unicodedata.is_normalized("NFC", text):
        return []
    edits = []
    for match in _COMBINING_CLUSTER.finditer(text):
        composed = unicodedata.normalize("NFC", match.group())
        if composed != match.group():
            edits.append(Edit(match.start(), match.end(), match.group(), composed, "nfc", 1.0))
    edits.extend(_singleton_nfc_edits(text, {e.start for e in edits}))
    edits.sort(key=lambda e: e.start)
    return edits


def _singleton_nfc_edits(text: str, taken: set[int]) -> list[Edit]:
    """Characters NFC replaces on their own (Å U+212B → Å U+00C5)."""
    edits = []
    for index, char in enumerate(text):
        if index not in taken and not unicodedata.is_normalized("NFC", char):
            composed = unicodedata.normalize("NFC", char)
            if composed != char:
                edits.append(Edit(index, index + 1, char, composed, "nfc", 1.0))
    return [e for e in edits if not any(t <= e.start < t + 2 for t in taken)]


def fix_ligatures(text: str) -> list[Edit]:
    """Typographic ligatures from PDF text layers ("ﬁ") become their letters."""
    if not any(ligature in text for ligature in _LIGATURES):
        return []
    return [
        Edit(m.start(), m.end(), m.group(), _LIGATURES[m.group()], "ligature", 1.0)
        for m in _LIGATURE_RE.finditer(text)
    ]


# --- Layout -------------------------------------------------------------------------------------

# A line-end break after a hyphen: "Till-\nsammans". The hyphen may be a soft hyphen.
# OCR sometimes puts a blank line inside a paragraph ("lokalav-\n\ndelning"): a paragraph
# never starts with the lower-case half of a word, so one blank line is a break too.
# Found with the fast stdlib engine; the words on either side are then read around it.
_LINE_END_BREAK = re.compile(r"[-\u00ad][ \t]*\r?\n(?:[ \t]*\r?\n)?[ \t]*")
# The same for a text without soft hyphens (nearly every text): a pattern that starts with a
# literal character is found ten times faster than one that starts with a class.
_LINE_END_HYPHEN_BREAK = re.compile(r"-[ \t]*\r?\n(?:[ \t]*\r?\n)?[ \t]*")
_WORD_CHARS_AFTER = re.compile(r"[\w&|]+")
WORD_BEFORE_MAX = 60  # characters looked at before a break for the first half of a word
# "barn- och ungdom": a real hyphen before a conjunction is a shortened compound, not a break.
_CONJUNCTIONS = frozenset({"och", "eller", "samt", "resp", "respektive", "som", "men", "till", "plus", "and", "or"})


def _starts_lower_case_word(word: str) -> bool:
    """Lower case, or OCR noise standing for a lower-case letter ("6ver" for "över")."""
    first = word[0]
    if first.isalpha():
        return first.islower()
    return first in "06&|" and len(word) > 1 and word[1].isalpha() and word[1].islower()


def _word_chars_before(text: str, end: int) -> str:
    """The word characters ([\\w&|]) that end at ``end``, at most WORD_BEFORE_MAX of them
    ("" when the character before ``end`` is none). Read forwards in the reversed window:
    a search for ``[\\w&|]+$`` tries every start in the window, several times slower."""
    start = max(0, end - WORD_BEFORE_MAX)
    if end > start and text[end - 1] == "\n":
        end -= 1  # as "$" also matches before a line break that ends the window
    window = text[start:end][::-1]
    run = _WORD_CHARS_AFTER.match(window)
    return run.group()[::-1] if run else ""


def join_line_end_hyphens(text: str, knows_hyphenated: Callable[[str], bool] | None = None) -> list[Edit]:
    """Join words hyphenated at a line end, keeping hyphens that belong to the word.

    "Till-\\nsammans" → "Tillsammans"; "NPF-\\nliknande" → "NPF-liknande" (an acronym keeps
    its hyphen); "barn-\\noch" is left alone. ``knows_hyphenated`` (from the lexicon) keeps
    the hyphen of forms such as "e-post".
    """
    edits = []
    breaks = _LINE_END_BREAK if "\u00ad" in text else _LINE_END_HYPHEN_BREAK
    for match in breaks.finditer(text):
        start, end = match.span()
        left = _word_chars_before(text, start)
        right_match = _WORD_CHARS_AFTER.match(text, end)
        if not left or not right_match:
            continue
        right = right_match.group()
        if not _starts_lower_case_word(right) or not any(c.isalpha() for c in left):
            continue  # the second half must start in lower case: "Till-\\nsammans", not "2020-\\n2021"
        if right.lower() in _CONJUNCTIONS:
            continue
        keep_hyphen = (len(left) >= 2 and left.isupper()) or left.isdigit()
        if not keep_hyphen and knows_hyphenated is not None:
            keep_hyphen = knows_hyphenated(f"{left}-{right}".lower())
        edits.append(Edit(start, end, match.group(), "-" if keep_hyphen else "", "hyphen_join", 0.95))
    return edits


# A bullet ("•", "◦", "▪") that an English OCR model read as "e", "«", "°", "©", "®", "+"
# or "*", at the start of a line and followed by a space and a capitalised word.
# (The stdlib engine finds the candidates fast; the capital is checked in Python.)
_MISREAD_BULLET = re.compile(r"^[ \t]*(?P<bullet>[e«°©®¢»+*])[ \t]+(?P<next>\w)", re.MULTILINE)
# The same after a line break (the lines after the first): no match holds a line break, so
# these are the matches of the first pattern past the text's first line, found ten times
# faster (the pattern starts with a literal character, not with "^").
_MISREAD_BULLET_AFTER_BREAK = re.compile(r"\n[ \t]*(?P<bullet>[e«°©®¢»+*])[ \t]+(?P<next>\w)")


def fix_misread_bullets(text: str) -> list[Edit]:
    """"e Dialog och …" or "* sänk …" at the start of a line is a bullet: "• Dialog och …".

    A symbol there ("*", "¢", "«", …) starts a list item whatever follows; an "e" only
    before a capital, since "e dialog" could be text.
    """
    first = _MISREAD_BULLET.match(text)
    matches = ([first] if first else []) + list(_MISREAD_BULLET_AFTER_BREAK.finditer(text))
    return [
        Edit(m.start("bullet"), m.end("bullet"), m.group("bullet"), "•", "bullet", 0.9)
        for m in matches
        if m.group("next").isupper() or m.group("bullet") != "e"
    ]


# A vertical bar standing alone where a word starts: OCR's reading of a capital I.
# At a line start before any word ("| pilotprojekten"), elsewhere before a lower-case
# word ("och | detta") or after a sentence's end ("översvämningar. | Västsverige": the
# sentence-starting "I"; the word before the full stop is a lower-case word of two letters
# or more, perhaps with the digit or "&" an English model makes of its first letter
# ("6versvamningar. | Vastsverige"), not an abbreviation such as "Tel."): "Eskilstuna |
# Nyköping" is a separator.
_BAR_AS_I = regex.compile(
    r"(?:^[ \t]*\|(?=[ \t]+\p{L})|(?<=[\s(\"'„”«])\|(?=[ \t]+\p{Ll})|(?<=(?:^|\s)[\d&]?\p{Ll}{2,}[.!?][ \t])\|(?=[ \t]+\p{Lu}))",
    regex.MULTILINE,
)



def fix_bar_as_capital_i(text: str) -> list[Edit]:
    """"| detta" → "I detta": a lone bar before a word is the preposition "I"."""
    if "|" not in text:
        return []
    edits = []
    # Only the lines holding a bar are searched: the pattern is slow on a whole archive.
    position = text.find("|")
    while position != -1:
        line_start = text.rfind("\n", 0, position) + 1
        line_end = text.find("\n", position)
        line_end = len(text) if line_end == -1 else line_end
        for match in _BAR_AS_I.finditer(text[line_start:line_end]):
            bar = line_start + match.start() + match.group().index("|")
            edits.append(Edit(bar, bar + 1, "|", "I", "bar_as_I", 0.9))
        position = text.find("|", line_end)
    return edits


def normalise(text: str, knows_hyphenated: Callable[[str], bool] | None = None) -> tuple[str, list[Edit]]:
    """Run every normalisation in order; return the text and the edits on the input."""
    # Order matters for idempotence: a bar read as "I" must be fixed before the bullet
    # rule looks for a capital after a misread bullet ("e | detta"), and NFC comes last so
    # that nothing an earlier fix writes can leave the text decomposed.
    stages: list[Callable[[str], list[Edit]]] = [
        fix_ligatures,
        lambda t: join_line_end_hyphens(t, knows_hyphenated),
        fix_bar_as_capital_i,
        fix_misread_bullets,
        fix_nfc,
    ]
    current, combined = text, []
    for stage in stages:
        edits = stage(current)
        if edits:
            # ``current`` is the text ``combined`` makes of ``text``: compose checks the
            # stage's edits against it, so they are replayed without a second check.
            combined = compose(text, combined, edits, middle=current)
            current = apply_edits(current, edits, validate=False)
    return current, combined
