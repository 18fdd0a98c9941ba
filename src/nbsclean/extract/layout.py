"""Reading order of a PDF text layer: columns read one after the other, not across."""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass

from nbsclean.extract.model import Word

# Control characters a text layer may carry that are not text (keep tab and newline).
LAYER_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

#
# pdfplumber's own extract_text() reads a page row by row across its whole width, which
# interleaves the lines of two columns. We instead find a vertical gutter - an x position
# that (almost) no line of text crosses while text lies on both sides of it over the same
# height - and read the rows between full-width rows as a left column followed by a right
# column, recursively (three columns are a gutter inside a column).

_MAX_COLUMN_DEPTH = 3


@dataclass(frozen=True)
class _Word:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float

    @property
    def height(self) -> float:
        return max(self.bottom - self.top, 0.1)


def text_layer_in_reading_order(page) -> str:
    """The page's text layer, columns read one after the other, paragraphs as blank lines."""
    return text_layer_words(page)[0]


def text_layer_words(page) -> tuple[str, list[Word]]:
    """The page's text layer in reading order and its words: each word with its offsets into
    that text and its box in points from the page's top left (pdfplumber's coordinates).

    Control characters are removed from each word before the text is joined, so the
    offsets hold. Words are numbered in blocks (paragraphs, as separated by blank lines)
    and lines from 0.
    """
    words = []
    for w in page.extract_words(keep_blank_chars=False, use_text_flow=False):
        cleaned = LAYER_CONTROLS.sub("", w["text"].replace("\f", ""))
        if cleaned.strip():
            words.append(_Word(cleaned, float(w["x0"]), float(w["x1"]), float(w["top"]), float(w["bottom"])))
    if not words:
        return "", []
    blocks = _reading_order_blocks(words, depth=0)
    return _layout_text(block for block in blocks if block)


def _rows(words: list[_Word]) -> list[list[_Word]]:
    """Group words into rows: a word joins the current row when its top is within half a line."""
    tolerance = 0.5 * statistics.median(w.height for w in words)
    rows: list[list[_Word]] = []
    row_top = None
    for word in sorted(words, key=lambda w: (w.top, w.x0)):
        if row_top is None or word.top - row_top > tolerance:
            rows.append([])
            row_top = word.top
        rows[-1].append(word)
    return [sorted(row, key=lambda w: w.x0) for row in rows]


def _segments(row: list[_Word], merge_gap: float) -> list[tuple[float, float]]:
    """The row's runs of text: words closer than ``merge_gap`` (a word space) join one run."""
    segments: list[list[float]] = []
    for word in row:
        if segments and word.x0 - segments[-1][1] < merge_gap:
            segments[-1][1] = max(segments[-1][1], word.x1)
        else:
            segments.append([word.x0, word.x1])
    return [(a, b) for a, b in segments]


def _find_gutter(rows: list[list[_Word]], merge_gap: float) -> float | None:
    """The x of a column gutter, or None for single-column text."""
    if len(rows) < 4:
        return None
    row_segments = [_segments(row, merge_gap) for row in rows]
    left_edge = min(seg[0][0] for seg in row_segments)
    right_edge = max(seg[-1][1] for seg in row_segments)
    width = right_edge - left_edge
    if width <= 0:
        return None
    best: tuple[int, float] | None = None
    # Candidates: every text edge in the middle 60 % (a gutter starts where a segment ends).
    candidates = sorted({b + merge_gap / 2 for segs in row_segments for _, b in segs})
    for x in candidates:
        if not left_edge + 0.2 * width <= x <= right_edge - 0.2 * width:
            continue
        crossing = sum(1 for segs in row_segments if any(a < x < b for a, b in segs))
        if best is None or crossing < best[0]:
            best = (crossing, x)
    if best is None:
        return None
    crossing, x = best
    if crossing > 0.25 * len(rows):
        return None
    left_rows = [i for i, segs in enumerate(row_segments) if any(b <= x for _, b in segs)]
    right_rows = [i for i, segs in enumerate(row_segments) if any(a >= x for a, _ in segs)]
    # Both sides must carry real text, side by side over the same stretch of the page.
    if len(left_rows) < max(3, 0.2 * len(rows)) or len(right_rows) < max(3, 0.2 * len(rows)):
        return None
    if min(right_rows[-1], left_rows[-1]) <= max(right_rows[0], left_rows[0]):
        return None
    return x


def _is_full_width(row: list[_Word], gutter: float, merge_gap: float, span: float) -> bool:
    """A row that crosses the gutter well into both columns (a title, a wide paragraph)."""
    reach = 0.1 * span
    return any(a < gutter - reach and b > gutter + reach for a, b in _segments(row, merge_gap))


def _reading_order_blocks(words: list[_Word], depth: int) -> list[list[list[_Word]]]:
    """Blocks of rows in reading order; a block is a column stretch or a full-width stretch."""
    rows = _rows(words)
    merge_gap = 0.8 * statistics.median(w.height for w in words)
    gutter = _find_gutter(rows, merge_gap) if depth < _MAX_COLUMN_DEPTH else None
    if gutter is None:
        return [rows]
    span = max(w.x1 for w in words) - min(w.x0 for w in words)
    blocks: list[list[list[_Word]]] = []
    column_run: list[_Word] = []

    def flush_columns() -> None:
        if not column_run:
            return
        left = [w for w in column_run if (w.x0 + w.x1) / 2 < gutter]
        right = [w for w in column_run if (w.x0 + w.x1) / 2 >= gutter]
        for side in (left, right):
            if side:
                blocks.extend(_reading_order_blocks(side, depth + 1))
        column_run.clear()

    last_was_full_width = False
    for row in rows:
        if _is_full_width(row, gutter, merge_gap, span):
            flush_columns()
            if last_was_full_width:
                blocks[-1].append(row)
            else:
                blocks.append([row])
            last_was_full_width = True
        else:
            column_run.extend(row)
            last_was_full_width = False
    flush_columns()
    return blocks


def _paragraphs(rows: list[list[_Word]]) -> list[list[list[_Word]]]:
    """A block's rows split where the gap to the next row says a new paragraph starts."""
    if not rows:
        return []
    tops = [row[0].top for row in rows]
    pitches = [b - a for a, b in zip(tops, tops[1:]) if b > a]
    typical_pitch = statistics.median(pitches) if pitches else 0
    paragraphs = [[rows[0]]]
    for previous_top, row in zip(tops, rows[1:]):
        if typical_pitch and row[0].top - previous_top > 1.6 * typical_pitch:
            paragraphs.append([])
        paragraphs[-1].append(row)
    return paragraphs


def _layout_text(blocks) -> tuple[str, list[Word]]:
    """Words joined by spaces, rows by newlines, paragraphs and blocks by a blank line; every
    word remembers where it landed in the text."""
    parts: list[str] = []
    words: list[Word] = []
    offset = 0
    paragraph_index = line_index = -1
    for rows in blocks:
        for paragraph in _paragraphs(rows):
            paragraph_index += 1
            for row_number, row in enumerate(paragraph):
                line_index += 1
                for word_number, word in enumerate(row):
                    if word_number:
                        separator = " "
                    elif row_number:
                        separator = "\n"
                    else:
                        separator = "\n\n" if parts else ""
                    parts.append(separator)
                    offset += len(separator)
                    parts.append(word.text)
                    words.append(
                        Word(offset, offset + len(word.text), word.text, word.x0, word.top, word.x1, word.bottom,
                             None, paragraph_index, line_index)
                    )
                    offset += len(word.text)
    return "".join(parts), words
