"""Edits: the provenance of every change.

An :class:`Edit` replaces ``text[start:end]`` (which must equal ``before``) with ``after``.
A list of edits is *valid* for a text when it is sorted, non-overlapping and every
``before`` matches; then ``apply_edits(raw, edits)`` is the cleaned text, and an archivist
can drop any edit and replay the rest (see :func:`revert_edits`).

Stages of the pipeline each produce edits against their own input; :func:`compose` maps a
later stage's edits back onto the raw text so that the corpus stores offsets into
``raw_text`` only.
"""

from __future__ import annotations

from typing import Iterable, NamedTuple, Sequence


class Edit(NamedTuple):
    """One change: ``text[start:end]`` (== ``before``) becomes ``after``.

    A named tuple rather than a dataclass: a repaired document holds tens of thousands of
    edits, and a tuple is several times cheaper to create.
    """

    start: int
    end: int
    before: str
    after: str
    rule: str
    score: float = 1.0
    # Why a context decision was made (neighbouring words and the probabilities compared),
    # for review; None for every other edit, and then left out of the record.
    evidence: dict | None = None

    def to_dict(self) -> dict:
        d = self._asdict()
        d["score"] = round(float(self.score), 4)
        if d["evidence"] is None:
            del d["evidence"]
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Edit":
        return cls(
            start=int(d["start"]),
            end=int(d["end"]),
            before=d["before"],
            after=d["after"],
            rule=d["rule"],
            score=float(d.get("score", 1.0)),
            evidence=d.get("evidence"),
        )

    def shifted(self, offset: int) -> "Edit":
        # Built directly, not with _replace (several times slower): a long text's pieces
        # shift every one of their edits.
        start, end, before, after, rule, score, evidence = self
        return Edit(start + offset, end + offset, before, after, rule, score, evidence)


class InvalidEditsError(ValueError):
    """Edits that do not fit the text they claim to describe."""


def validate_edits(text: str, edits: Sequence[Edit]) -> None:
    """Raise InvalidEditsError unless ``edits`` are sorted, disjoint and match ``text``."""
    previous_end, length = 0, len(text)
    for edit in edits:
        # Fields by index, not by name: this runs over every edit of every document.
        start, end, before = edit[0], edit[1], edit[2]
        if start < previous_end:
            raise InvalidEditsError(f"edit {edit} overlaps or is out of order (previous end {previous_end})")
        if not 0 <= start <= end <= length:
            raise InvalidEditsError(f"edit {edit} is outside the text (length {len(text)})")
        if text[start:end] != before:
            raise InvalidEditsError(
                f"edit {edit} does not match the text there: {text[start:end]!r}"
            )
        previous_end = end


def apply_edits(text: str, edits: Iterable[Edit], *, validate: bool = True) -> str:
    """Replay ``edits`` (sorted, disjoint, offsets into ``text``) and return the new text.

    ``validate=False`` is for edits just checked against this very text (by :func:`compose`):
    checking a hundred thousand edits twice costs a tenth of a second per 500 000 words.
    """
    edits = list(edits)
    if validate:
        validate_edits(text, edits)
    parts: list[str] = []
    position = 0
    for edit in edits:
        parts.append(text[position : edit.start])
        parts.append(edit.after)
        position = edit.end
    parts.append(text[position:])
    return "".join(parts)


def revert_edits(raw: str, edits: Sequence[Edit], drop: Iterable[int]) -> tuple[str, list[Edit]]:
    """Drop the edits at the given indexes and replay the rest on ``raw``."""
    dropped = set(drop)
    kept = [e for i, e in enumerate(edits) if i not in dropped]
    return apply_edits(raw, kept), kept


def compose(raw: str, first: Sequence[Edit], second: Sequence[Edit], middle: str | None = None, *, offset: int = 0) -> list[Edit]:
    """Express two stages as one list of edits on ``raw``.

    ``first`` are edits on ``raw``; ``second`` are edits on ``apply_edits(raw, first)``
    (``middle``, when the caller has it). Where a second-stage edit touches text the first
    stage wrote, the edits that touch become one edit whose rule names them all
    ("hyphen_join+ocr_confusion"), so offsets always point into the raw text and replay
    stays exact: ``apply_edits(raw, compose(raw, a, b)) == apply_edits(apply_edits(raw, a), b)``.

    One linear pass over both lists (each is sorted): this runs on every document, with
    a second stage of many thousands of edits.

    ``offset`` is added to every offset of the result: ``raw`` is a piece of a longer text
    that starts there (the edits are then made once, not made and shifted).
    """
    first, second = list(first), list(second)
    if not second:
        return _shifted_by(first, offset)
    if middle is None:
        middle = apply_edits(raw, first)
    validate_edits(middle, second)
    if not first:
        return _shifted_by(second, offset)

    # Where each first-stage edit's output lies in the intermediate text.
    first_lo: list[int] = []
    first_hi: list[int] = []
    delta = 0
    for edit in first:
        first_lo.append(edit.start + delta)
        first_hi.append(edit.start + delta + len(edit.after))
        delta += len(edit.after) - (edit.end - edit.start)

    result: list[Edit] = []
    new_tuple = tuple.__new__
    shift = 0  # length change of the first-stage edits already passed
    i, j, n_first, n_second = 0, 0, len(first), len(second)
    while j < n_second:
        edit = second[j]
        # First-stage edits wholly before this one (not even touching) pass through.
        while i < n_first and first_hi[i] < edit[0]:
            result.append(first[i].shifted(offset) if offset else first[i])
            shift += len(first[i].after) - (first[i].end - first[i].start)
            i += 1
        next_lo = first_lo[i] if i < n_first else None
        if next_lo is None or next_lo > edit[1]:
            # Untouched by the first stage: only its offsets move, and so do those of the
            # edits after it up to the next first-stage edit (the hot path: one edit per
            # repaired word). Their text is the same in raw and in the middle text (they
            # were validated there), so ``before`` stays; tuple.__new__ skips the
            # NamedTuple constructor's own frame.
            stop = j + 1
            if next_lo is None:
                stop = n_second
            else:
                while stop < n_second and second[stop][1] < next_lo:
                    stop += 1
            move = offset - shift
            result.extend([new_tuple(Edit, (e[0] + move, e[1] + move, e[2], e[3], e[4], e[5], e[6])) for e in second[j:stop]])
            j = stop
            continue
        # A cluster: this edit and every edit of either stage that touches it, transitively.
        lo, hi = edit.start, edit.end
        firsts: list[Edit] = []
        seconds: list[Edit] = [edit]
        j += 1
        grown = True
        while grown:
            grown = False
            while i < n_first and first_lo[i] <= hi:
                lo = min(lo, first_lo[i])
                hi = max(hi, first_lo[i] + len(first[i].after))
                firsts.append(first[i])
                i += 1
                grown = True
            while j < n_second and second[j].start <= hi:
                hi = max(hi, second[j].end)
                seconds.append(second[j])
                j += 1
                grown = True
        change = sum(len(f.after) - (f.end - f.start) for f in firsts)
        raw_start, raw_end = lo - shift, hi - shift - change
        parts, cursor = [], lo
        for later in seconds:
            parts.append(middle[cursor : later.start])
            parts.append(later.after)
            cursor = later.end
        parts.append(middle[cursor:hi])
        rules: list[str] = []
        for name in [f.rule for f in firsts] + [s.rule for s in seconds]:
            for part in name.split("+"):
                if part not in rules:
                    rules.append(part)
        score = min(e.score for e in firsts + seconds)
        evidence = next((e.evidence for e in seconds if e.evidence is not None), None)
        result.append(Edit(raw_start + offset, raw_end + offset, raw[raw_start:raw_end], "".join(parts), "+".join(rules), score, evidence))
        shift += change
    result.extend(_shifted_by(first[i:], offset))
    return result


def _shifted_by(edits: list[Edit], offset: int) -> list[Edit]:
    """``edits`` with ``offset`` added to their offsets (the list itself when it is 0)."""
    if not offset:
        return edits
    new = tuple.__new__
    return [new(Edit, (e[0] + offset, e[1] + offset, e[2], e[3], e[4], e[5], e[6])) for e in edits]


def compose_all(raw: str, stages: Iterable[Sequence[Edit]]) -> tuple[str, list[Edit]]:
    """Fold a sequence of stages into one list of edits on ``raw``; returns (final, edits)."""
    combined: list[Edit] = []
    for stage in stages:
        combined = compose(raw, combined, stage)
    return apply_edits(raw, combined), combined
