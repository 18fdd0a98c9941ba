"""Repairs mapped onto the page: every word of a page's *repaired* text gets its box(es).

Pure: a page's ``raw_text``, its edits (offsets into that raw text) and the words
extraction found (:class:`~nbsclean.extract.model.Word`, offsets into the raw text) in;
the repaired words with their places out. Because it is computed from ``raw_text`` and the
edits each time, whatever changes the edits (a decision, a revert) moves the boxes with it.

How a repaired word finds its place:

1. Each character of the repaired text is traced back to the raw character it came from:
   outside edits one to one; inside an edit by aligning ``before`` with ``after``
   character by character (``difflib``), so a split ("insatserihela" → "insatser i hela")
   keeps every letter on its own letter and only the new spaces are "inserted";
   replaced letters ("S6rmland" → "Sörmland") take the place of the letters they replace.
2. The raw characters a repaired word covers are cut out of the raw words' boxes in
   proportion to their position in the word (OCR boxes carry no per-letter positions), one
   part per raw line: a word split in two divides its box, a hyphenated word joined across
   a line break ("Till-\\nsammans" → "Tillsammans") keeps a part on each line, a replaced
   word keeps its box.
"""

from __future__ import annotations

import difflib
import re
from bisect import bisect_right
from dataclasses import dataclass
from typing import Sequence

from nbsclean.edits import Edit, apply_edits
from nbsclean.extract.model import Word

_WORD = re.compile(r"\S+")


@dataclass(frozen=True, slots=True)
class WordPart:
    """The part of a repaired word that lies on one line of the page, with its box."""

    start: int  # offsets into the repaired page text
    end: int
    x0: float
    y0: float
    x1: float
    y1: float
    block: int
    line: int


@dataclass(frozen=True, slots=True)
class PlacedWord:
    """A word of the repaired page text and where it is on the page.

    ``original`` is what OCR or the text layer had there: the raw word(s) the word came
    from, whitespace as found ("insatserihela" for each of "insatser", "i", "hela";
    "Till-\nsammans" for "Tillsammans"); equal to ``text`` when nothing was changed.
    ``conf`` is the lowest confidence of the raw words it came from.
    """

    start: int
    end: int
    text: str
    original: str
    conf: float | None
    parts: tuple[WordPart, ...]

    @property
    def changed(self) -> bool:
        return self.text != self.original

    @property
    def box(self) -> tuple[float, float, float, float]:
        """The union of the parts' boxes (for a word on one line, its box)."""
        return (
            min(p.x0 for p in self.parts), min(p.y0 for p in self.parts),
            max(p.x1 for p in self.parts), max(p.y1 for p in self.parts),
        )


def place_repaired_words(raw_text: str, edits: Sequence[Edit], words: Sequence[Word]) -> list[PlacedWord]:
    """The words of ``apply_edits(raw_text, edits)`` in order, each with its place.

    ``words`` are the page's raw words (offsets into ``raw_text``). A repaired word made
    only of inserted characters, or of characters that no raw word covers, has no place on
    the page and is left out; with no edits the result is the raw words themselves.
    """
    text = apply_edits(raw_text, edits)
    if not words:
        return []
    origin = _raw_origin(raw_text, text, edits)
    ordered = sorted(words, key=lambda w: w.start)
    starts = [w.start for w in ordered]
    placed = []
    for match in _WORD.finditer(text):
        word = _place(match.start(), match.end(), text, raw_text, origin, ordered, starts)
        if word is not None:
            placed.append(word)
    return placed


def _raw_origin(raw_text: str, text: str, edits: Sequence[Edit]) -> list[int]:
    """For each character of the repaired ``text``, the raw character it came from, or -1
    for a character an edit inserted."""
    origin: list[int] = []
    raw_position = 0
    for edit in sorted(edits, key=lambda e: e.start):
        origin.extend(range(raw_position, edit.start))
        origin.extend(_aligned(edit))
        raw_position = edit.end
    origin.extend(range(raw_position, len(raw_text)))
    assert len(origin) == len(text), "edits must replay to the text"
    return origin


def _aligned(edit: Edit) -> list[int]:
    """Raw positions of each character of ``edit.after``: letters aligned with ``before``."""
    positions: list[int] = []
    matcher = difflib.SequenceMatcher(None, edit.before, edit.after, autojunk=False)
    for tag, b0, b1, a0, a1 in matcher.get_opcodes():
        if tag == "equal":
            positions.extend(edit.start + b0 + k for k in range(a1 - a0))
        elif tag == "replace":
            # Spread the new letters over the old ones they replace.
            span = b1 - b0
            positions.extend(edit.start + b0 + (k * span) // (a1 - a0) for k in range(a1 - a0))
        elif tag == "insert":
            positions.extend([-1] * (a1 - a0))
    return positions


def _place(start, end, text, raw_text, origin, words, starts) -> PlacedWord | None:
    parts: list[WordPart] = []
    sources: list[Word] = []
    part_raw: list[list[int]] = []  # per part: the raw positions it covers
    part_text_range: list[list[int]] = []
    for offset in range(start, end):
        raw = origin[offset]
        word = _word_at(raw, words, starts) if raw >= 0 else None
        if word is None:
            if part_text_range:  # an inserted letter stays with the part before it
                part_text_range[-1][1] = offset + 1
            continue
        if not sources or word.line != sources[-1].line or word.block != sources[-1].block:
            sources.append(word)
            part_raw.append([])
            part_text_range.append([offset, offset + 1])
        elif word is not sources[-1]:
            sources.append(word)  # another word on the same line: the part spans both
        part_raw[-1].append(raw)
        part_text_range[-1][1] = offset + 1
    if not part_raw:
        return None
    line_words = _words_by_part(sources)
    for covered, (text_start, text_end), members in zip(part_raw, part_text_range, line_words):
        x0, y0, x1, y1 = _covered_box(members, min(covered), max(covered) + 1)
        parts.append(WordPart(text_start, text_end, x0, y0, x1, y1, members[0].block, members[0].line))
    # A part that starts after the word's first letter (inserted letters at the start) still
    # owns the word's start.
    if parts[0].start != start:
        first = parts[0]
        parts[0] = WordPart(start, first.end, first.x0, first.y0, first.x1, first.y1, first.block, first.line)
    original = raw_text[sources[0].start : sources[-1].end]
    confs = [w.conf for w in sources if w.conf is not None]
    return PlacedWord(start, end, text[start:end], original, min(confs) if confs else None, tuple(parts))


def _word_at(raw: int, words: Sequence[Word], starts: list[int]) -> Word | None:
    index = bisect_right(starts, raw) - 1
    if index >= 0 and words[index].start <= raw < words[index].end:
        return words[index]
    return None


def _words_by_part(sources: list[Word]) -> list[list[Word]]:
    """The raw words of each part (consecutive words on one line form one part)."""
    groups: list[list[Word]] = []
    for word in sources:
        if groups and (word.line, word.block) == (groups[-1][-1].line, groups[-1][-1].block):
            groups[-1].append(word)
        else:
            groups.append([word])
    return groups


def _covered_box(members: list[Word], raw_start: int, raw_end: int) -> tuple[float, float, float, float]:
    """The box of raw characters ``[raw_start, raw_end)`` over the words of one line: each
    word's box cut in proportion to the share of its letters covered."""
    boxes = []
    for word in members:
        lo, hi = max(raw_start, word.start), min(raw_end, word.end)
        if lo >= hi:
            continue
        length = max(word.end - word.start, 1)
        width = word.x1 - word.x0
        boxes.append(
            (word.x0 + width * (lo - word.start) / length, word.y0, word.x0 + width * (hi - word.start) / length, word.y1)
        )
    return min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)


# --- from a corpus record ------------------------------------------------------------------

PAGE_SEPARATOR = "\f"


def page_edits(record: dict) -> list[list[Edit]]:
    """The record's edits split by page, with offsets into each page's ``raw_text``."""
    pages = record.get("pages") or []
    bounds = []
    start = 0
    for page in pages:
        end = start + len(page.get("raw_text", ""))
        bounds.append((start, end))
        start = end + len(PAGE_SEPARATOR)
    per_page: list[list[Edit]] = [[] for _ in pages]
    for data in record.get("edits") or []:
        edit = Edit.from_dict(data)
        for index, (page_start, page_end) in enumerate(bounds):
            if page_start <= edit.start and edit.end <= page_end:
                per_page[index].append(edit.shifted(-page_start))
                break
    return per_page


def record_placements(record: dict) -> list[list[PlacedWord]]:
    """For every page of a record, its repaired words with their places (empty for pages
    without word boxes: text files, records written before boxes were kept)."""
    from nbsclean.extract.model import words_from_columns

    pages = record.get("pages") or []
    if not any(page.get("words") for page in pages):  # text files: no boxes, nothing to place
        return [[] for _ in pages]
    placements = []
    for page, edits in zip(pages, page_edits(record)):
        words = words_from_columns(page.get("words"), page.get("raw_text", ""))
        placements.append(place_repaired_words(page.get("raw_text", ""), edits, words))
    return placements
