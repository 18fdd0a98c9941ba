"""What a reviewer looks at in one document: its edits and its unknown words, each placed on
its page (and, when the record has word boxes, on the page image).

Pure: a record (and the unknown words of its text) in, items out. Offsets: an item's
``start``/``end`` are in the document's ``raw_text`` (what decisions are keyed on), its
``text_start``/``text_end`` in the cleaned ``text`` (where the page highlights it).
"""

from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import dataclass

from nbsclean.review.page import unknown_word_spans

PAGE_BREAK = "\f"


@dataclass(frozen=True)
class Box:
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass
class Item:
    kind: str  # "edit" | "unknown"
    key: str  # unique on the page: the edit id, or "u<start>" for an unknown word
    start: int  # span in raw_text
    end: int
    text_start: int  # span in the cleaned text
    text_end: int
    before: str
    after: str
    rule: str
    score: float | None
    page: int  # 1-based
    occurrences: int  # of the same ``before`` form as a whole word in this document's raw text
    has_box: bool
    evidence: dict | None = None  # what the model weighed (context_ngram edits)
    decided: str | None = None  # the decision about this span already made: reject/correct/accept/form

    def ref(self, document: str) -> str:
        """How ``nbsclean decide`` names it: DOC:EDIT, or DOC:START-END for a word no edit touched."""
        return f"{document}:{self.key}" if self.kind == "edit" else f"{document}:{self.start}-{self.end}"


def page_starts(raw: str) -> list[int]:
    """Offset in ``raw`` where each page starts (pages are joined by form feeds)."""
    starts = [0]
    index = raw.find(PAGE_BREAK)
    while index >= 0:
        starts.append(index + 1)
        index = raw.find(PAGE_BREAK, index + 1)
    return starts


def page_of(starts: list[int], offset: int) -> int:
    """The 1-based page holding raw offset ``offset``."""
    return bisect.bisect_right(starts, offset)


def word_boxes(page: dict) -> list[tuple[int, int, Box]]:
    """The page's words as (start, end, box), offsets into the page's raw_text, box in points
    from the top left of the page. Records store them column-wise (``words: {"start": [...],
    "end": [...], "x0": [...], ...}``); a list of word objects is read too."""
    words = page.get("words")
    if not words:
        return []
    if isinstance(words, dict):
        try:
            rows = zip(words["start"], words["end"], words["x0"], words["y0"], words["x1"], words["y1"])
            return [(int(s), int(e), Box(float(a), float(b), float(c), float(d))) for s, e, a, b, c, d in rows]
        except (KeyError, TypeError, ValueError):
            return []
    boxes = []
    for word in words:
        try:
            boxes.append((int(word["start"]), int(word["end"]), Box(*(float(word[k]) for k in ("x0", "y0", "x1", "y1")))))
        except (KeyError, TypeError, ValueError):
            continue
    return boxes


def span_box(page: dict, start: int, end: int) -> Box | None:
    """The box around the words of ``page`` that overlap [start, end) of its raw text (an
    empty span - a deletion - takes the words touching it); None without word boxes."""
    hits = [box for s, e, box in word_boxes(page) if (s < end and start < e) or (start == end and s <= start <= e)]
    if not hits:
        return None
    return Box(min(b.x0 for b in hits), min(b.y0 for b in hits), max(b.x1 for b in hits), max(b.y1 for b in hits))


def form_counts(raw: str, forms: set[str]) -> Counter:
    """How often each form occurs as a whole word in ``raw``."""
    return Counter(word for _, _, word in unknown_word_spans(raw, forms))


def document_items(
    record: dict, unknown: Counter, decided: dict | None = None, pages_in_view: range | None = None
) -> list[Item]:
    """The record's edits and the occurrences of its unknown words, in text order;
    ``decided`` maps a raw span (start, end) or a form to the decision made about it.
    With ``pages_in_view`` (1-based page numbers) only the items on those pages."""
    raw = record.get("raw_text", "")
    edits = sorted(record.get("edits") or [], key=lambda e: (int(e["start"]), int(e["end"])))
    pages = record.get("pages") or []
    starts = page_starts(raw)
    boxes_on = [bool(word_boxes(page)) for page in pages]
    counts = form_counts(raw, {str(e["before"]) for e in edits} | set(unknown))

    def has_box(page: int) -> bool:
        return 0 < page <= len(boxes_on) and boxes_on[page - 1]

    items: list[Item] = []
    shift = 0  # text offset - raw offset, after the edits so far
    for edit in edits:
        start, end = int(edit["start"]), int(edit["end"])
        text_start = start + shift
        after = str(edit["after"])
        page = page_of(starts, start)
        if pages_in_view is None or page in pages_in_view:
            items.append(
                    Item("edit", str(edit.get("id", start)), start, end, text_start, text_start + len(after), str(edit["before"]),
                     after, str(edit.get("rule", "?")), float(edit.get("score", 0.0)), page, counts[str(edit["before"])],
                     has_box(page), edit.get("evidence"))
            )
        shift += len(after) - (end - start)
    text = record.get("text", "")
    text_range = (0, len(text))
    if pages_in_view is not None:
        text_starts = page_starts(text) + [len(text) + 1]
        first, last = max(1, pages_in_view.start), min(len(text_starts) - 1, pages_in_view.stop - 1)
        text_range = (text_starts[first - 1], text_starts[last] - 1) if first <= last else (0, 0)
    items.extend(_unknown_items(raw, text, edits, unknown, starts, counts, has_box, text_range))
    items.sort(key=lambda item: (item.text_start, item.kind != "edit"))
    for item in items:
        item.decided = (decided or {}).get((item.start, item.end)) or (decided or {}).get(item.before)
    return items


def decided_spans(record: dict, decisions) -> dict:
    """(start, end) -> kind for the decisions about this record's spans, and form -> "form"
    for the forms decided everywhere; the last decision about a span wins."""
    sha = record.get("sha256")
    found: dict = {}
    for decision in decisions:
        if decision.kind == "form":
            found[decision.before] = "form"
        elif decision.document == sha:
            found[(decision.start, decision.end)] = decision.kind
    return found


def _unknown_items(raw, text, edits, unknown, starts, counts, has_box, text_range) -> list[Item]:
    """An item for each occurrence of an unknown word in the cleaned text that no edit
    touches (there the raw text reads the same, so a decision can name its raw span)."""
    # Each edit's span in the text, and the text-minus-raw shift after it.
    text_spans: list[tuple[int, int]] = []
    shift_after: list[int] = []
    shift = 0
    for edit in edits:
        start, end, after = int(edit["start"]), int(edit["end"]), str(edit["after"])
        text_spans.append((start + shift, start + shift + len(after)))
        shift += len(after) - (end - start)
        shift_after.append(shift)
    text_starts = [span[0] for span in text_spans]
    items = []
    lo, hi = text_range
    spans = [(start + lo, end + lo, word) for start, end, word in unknown_word_spans(text[lo:hi], set(unknown))]
    for text_start, text_end, word in sorted(spans):
        first = bisect.bisect_left(text_starts, text_start)  # edits from here start at or after the word
        if first > 0 and text_spans[first - 1][1] > text_start:
            continue  # the edit before reaches into the word
        # Edits starting inside the word touch it; an empty one (a deletion) right at its
        # start only sits before it.
        while first < len(text_spans) and text_spans[first][0] == text_start and text_spans[first][1] == text_start:
            first += 1
        if first < len(text_spans) and text_spans[first][0] < text_end:
            continue
        raw_start = text_start - (shift_after[first - 1] if first > 0 else 0)
        raw_end = raw_start + (text_end - text_start)
        if raw[raw_start:raw_end] != word:
            continue  # a safety net: only a span that reads the word in raw_text is offered
        page = page_of(starts, raw_start)
        items.append(
            Item("unknown", f"u{raw_start}", raw_start, raw_end, text_start, text_end, word, word, "unknown word", None,
                 page, counts[word], has_box(page))
        )
    return items
