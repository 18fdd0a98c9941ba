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

from dataclasses import asdict, dataclass
from typing import Iterable, Sequence


@dataclass(frozen=True, slots=True)
class Edit:
    start: int
    end: int
    before: str
    after: str
    rule: str
    score: float = 1.0

    def to_dict(self) -> dict:
        d = asdict(self)
        d["score"] = round(float(self.score), 4)
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
        )

    def shifted(self, offset: int) -> "Edit":
        return Edit(self.start + offset, self.end + offset, self.before, self.after, self.rule, self.score)


class InvalidEditsError(ValueError):
    """Edits that do not fit the text they claim to describe."""


def sort_key(edit: Edit) -> tuple[int, int]:
    return (edit.start, edit.end)


def validate_edits(text: str, edits: Sequence[Edit]) -> None:
    """Raise InvalidEditsError unless ``edits`` are sorted, disjoint and match ``text``."""
    previous_end = 0
    for edit in edits:
        if edit.start < previous_end:
            raise InvalidEditsError(f"edit {edit} overlaps or is out of order (previous end {previous_end})")
        if not 0 <= edit.start <= edit.end <= len(text):
            raise InvalidEditsError(f"edit {edit} is outside the text (length {len(text)})")
        if text[edit.start : edit.end] != edit.before:
            raise InvalidEditsError(
                f"edit {edit} does not match the text there: {text[edit.start:edit.end]!r}"
            )
        previous_end = edit.end


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Replay ``edits`` (sorted, disjoint, offsets into ``text``) and return the new text."""
    edits = list(edits)
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


def edits_from_replacements(
    text: str, replacements: Iterable[tuple[int, int, str]], rule: str, score: float = 1.0
) -> list[Edit]:
    """Build edits from ``(start, end, after)`` triples, skipping no-op replacements."""
    return [
        Edit(start, end, text[start:end], after, rule, score)
        for start, end, after in replacements
        if text[start:end] != after
    ]


def compose(raw: str, first: Sequence[Edit], second: Sequence[Edit], middle: str | None = None) -> list[Edit]:
    """Express two stages as one list of edits on ``raw``.

    ``first`` are edits on ``raw``; ``second`` are edits on ``apply_edits(raw, first)``.
    Where a second-stage edit touches text the first stage wrote, the two become one edit
    whose rule names both ("hyphen_join+diacritic"), so offsets always point into the raw
    text and replay stays exact: ``apply_edits(raw, compose(raw, a, b)) ==
    apply_edits(apply_edits(raw, a), b)``. ``middle``, when the caller has it, is
    ``apply_edits(raw, first)``.
    """
    first, second = list(first), list(second)
    if not second:
        return first
    if middle is None:
        middle = apply_edits(raw, first)
    if not first:
        validate_edits(middle, second)
        return second
    validate_edits(middle, second)

    # Each first-stage edit's output range in the intermediate text, and its length change.
    spans: list[tuple[int, int, int, str, Edit]] = []  # (lo, hi, delta, stage, edit)
    delta = 0
    for edit in first:
        lo = edit.start + delta
        change = len(edit.after) - (edit.end - edit.start)
        spans.append((lo, lo + len(edit.after), change, "first", edit))
        delta += change
    for edit in second:
        spans.append((edit.start, edit.end, len(edit.after) - (edit.end - edit.start), "second", edit))
    spans.sort(key=lambda s: (s[0], s[1], s[3] == "second"))

    # Sweep: spans that overlap or touch form one group (touching merges too, which keeps
    # the order of insertions at one point unambiguous).
    groups: list[list[tuple]] = []
    group_hi = -1
    for span in spans:
        if groups and span[0] <= group_hi:
            groups[-1].append(span)
            group_hi = max(group_hi, span[1])
        else:
            groups.append([span])
            group_hi = span[1]

    result: list[Edit] = []
    first_shift = 0  # sum of first-stage length changes strictly before the current group
    for group in groups:
        if len(group) == 1:  # the common case: an edit that touches no other stage's edit
            lo, hi, change, stage, edit = group[0]
            if stage == "first":
                result.append(edit)
                first_shift += change
            else:
                raw_start, raw_end = lo - first_shift, hi - first_shift
                result.append(Edit(raw_start, raw_end, raw[raw_start:raw_end], edit.after, edit.rule, edit.score))
            continue
        firsts = [s for s in group if s[3] == "first"]
        seconds = [s for s in group if s[3] == "second"]
        if not seconds:
            result.extend(s[4] for s in firsts)
            first_shift += sum(s[2] for s in firsts)
            continue
        lo = min(s[0] for s in group)
        hi = max(s[1] for s in group)
        raw_start = lo - first_shift
        raw_end = hi - first_shift - sum(s[2] for s in firsts)
        parts, cursor = [], lo
        for _, _, _, _, edit in sorted(seconds, key=lambda s: (s[0], s[1])):
            parts.append(middle[cursor : edit.start])
            parts.append(edit.after)
            cursor = edit.end
        parts.append(middle[cursor:hi])
        rules: list[str] = []
        for s in sorted(group, key=lambda s: (s[3] == "second", s[0])):
            for name in s[4].rule.split("+"):
                if name not in rules:
                    rules.append(name)
        score = min(s[4].score for s in group)
        result.append(Edit(raw_start, raw_end, raw[raw_start:raw_end], "".join(parts), "+".join(rules), score))
        first_shift += sum(s[2] for s in firsts)
    return result


def compose_all(raw: str, stages: Iterable[Sequence[Edit]]) -> tuple[str, list[Edit]]:
    """Fold a sequence of stages into one list of edits on ``raw``; returns (final, edits)."""
    combined: list[Edit] = []
    for stage in stages:
        combined = compose(raw, combined, stage)
    return apply_edits(raw, combined), combined
