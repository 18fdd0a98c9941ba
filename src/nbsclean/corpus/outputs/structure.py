"""A page's structure for researchers: headings, paragraphs and list items as spans of the
page's (repaired) ``text``, so a newsletter can be split into its sections.

Pure. Blocks are the text's paragraphs (separated by blank lines, as extraction writes
them); a line that starts with a list marker ("•", "-", "–", "*", "1.", "a)") starts a list
item of its own. A block is a **heading** when it is short (at most two lines and twelve
words), does not end like a sentence, and - where the page has word boxes - its letters
are clearly taller than the page's body text (1.2× the median word height) or it is a single
line that a paragraph more than twice as long follows (a bold heading is not taller).
"""

from __future__ import annotations

import re
import statistics
from typing import Sequence

from nbsclean.corpus.outputs.geometry import PlacedWord

HEADING = "heading"
PARAGRAPH = "paragraph"
LIST_ITEM = "list_item"

_BLANK_LINES = re.compile(r"\n[ \t]*\n\s*")
_LIST_MARKER_TEXT = r"[ \t]*(?:[•·▪◦*–—-]|\d{1,2}[.)]|[a-z][)])[ \t]+\S"
_LIST_MARKER = re.compile(_LIST_MARKER_TEXT)
# A line after a block's first that starts a list item. Most paragraphs have none and are
# not split into lines; the pattern starts with a newline, which the search skips to (a
# "^" in MULTILINE mode was tried at every character).
_LIST_ITEM_AFTER_NEWLINE = re.compile("\n" + _LIST_MARKER_TEXT)
_SENTENCE_END = re.compile(r"[.,;]$")
HEADING_MAX_LINES = 2
HEADING_MAX_WORDS = 12
HEADING_HEIGHT_RATIO = 1.2


def page_blocks(text: str, placed: Sequence[PlacedWord] = ()) -> list[dict]:
    """``[{"kind": "heading" | "paragraph" | "list_item", "start": i, "end": j}, ...]`` in
    reading order, ``text[start:end]`` being the block without surrounding whitespace."""
    spans = [span for start, end in _paragraph_spans(text) for span in _split_list_items(text, start, end)]
    heights = _word_heights(placed)
    body_height = statistics.median(heights.values()) if heights else None
    blocks = []
    for index, (start, end, is_item) in enumerate(spans):
        if is_item:
            kind = LIST_ITEM
        elif _is_heading(text, start, end, spans[index + 1] if index + 1 < len(spans) else None, heights, body_height):
            kind = HEADING
        else:
            kind = PARAGRAPH
        blocks.append({"kind": kind, "start": start, "end": end})
    return blocks


def _paragraph_spans(text: str) -> list[tuple[int, int]]:
    """The text's paragraphs (separated by blank lines), surrounding whitespace left out."""
    spans = []
    position = 0
    for separator in [*_BLANK_LINES.finditer(text), None]:
        end = separator.start() if separator else len(text)
        chunk = text[position:end]
        without_indent = chunk.lstrip()
        if without_indent:  # not only white space
            start = position + len(chunk) - len(without_indent)
            spans.append((start, position + len(chunk.rstrip())))
        position = separator.end() if separator else len(text)
    return spans


def _split_list_items(text: str, start: int, end: int) -> list[tuple[int, int, bool]]:
    """The block as one paragraph, or as its list items (and the lines before the first)."""
    first_line_end = text.find("\n", start, end)
    if not _LIST_MARKER.match(text, start, end if first_line_end < 0 else first_line_end) and not (
        first_line_end >= 0 and _LIST_ITEM_AFTER_NEWLINE.search(text, first_line_end, end)
    ):
        return [(start, end, False)]
    lines = []
    position = start
    for line in text[start:end].split("\n"):
        lines.append((position, position + len(line)))
        position += len(line) + 1
    item_starts = [s for s, e in lines if _LIST_MARKER.match(text, s, e)]
    if not item_starts:
        return [(start, end, False)]
    spans = []
    if item_starts[0] > start:
        spans.append((start, _trimmed_end(text, start, item_starts[0]), False))
    for first, following in zip(item_starts, item_starts[1:] + [end]):
        spans.append((first + (len(text[first:following]) - len(text[first:following].lstrip())),
                      _trimmed_end(text, first, following), True))
    return spans


def _trimmed_end(text: str, start: int, end: int) -> int:
    return start + len(text[start:end].rstrip())


def _word_heights(placed: Sequence[PlacedWord]) -> dict[int, float]:
    """Each placed word's letter height, keyed by its start in the text."""
    return {w.start: w.parts[0].y1 - w.parts[0].y0 for w in placed if w.parts}


def _is_heading(text, start, end, following, heights, body_height) -> bool:
    """``following``: the next block's (start, end, is_item), None for the page's last."""
    block = text[start:end]
    # split(maxsplit=N) stops after N words: a long paragraph is not split whole to learn
    # that it has more than N.
    if block.count("\n") + 1 > HEADING_MAX_LINES or len(block.split(maxsplit=HEADING_MAX_WORDS)) > HEADING_MAX_WORDS:
        return False
    if _SENTENCE_END.search(block) or not any(c.isalpha() for c in block):
        return False
    if body_height:
        own = [h for position, h in heights.items() if start <= position < end]
        if own and statistics.median(own) >= HEADING_HEIGHT_RATIO * body_height:
            return True
    # A lone short line that a longer paragraph follows (bold headings are not taller).
    return "\n" not in block and following is not None and (following[1] - following[0]) > 2 * len(block)


def annotate_structure(record: dict) -> dict:
    """Set ``pages[].blocks`` of ``record`` from its page texts and word places (in place;
    returns the record). Call it whenever a record's text changes."""
    from nbsclean.corpus.outputs.geometry import record_placements

    pages = record.get("pages") or []
    for page, placed in zip(pages, record_placements(record)):
        page["blocks"] = page_blocks(page.get("text", ""), placed)
    return record
