"""Decisions: what a person decided about the repair, kept so that every later run obeys it.

A decision pins a span of a document's ``raw_text`` to a word:

* ``reject``  - keep what was written (the span stays as the raw text has it);
* ``correct`` - the span becomes the given word (an edit's output, or an unrepaired word);
* ``accept``  - the span keeps the word the repair made when it was reviewed, even if a
  later lexicon would repair it otherwise;
* ``form``    - every whole-word occurrence of a form (``hdlls``) in every document's
  ``raw_text`` becomes the given word (``hölls``), now and in later runs.

A decision is keyed so that it survives re-runs: the document's sha256 (the source bytes,
not a path), the span in ``raw_text`` and the raw text of that span (``before``); it also
keeps the text it was made on (``seen``: what the repair had made of the span) for the
reader of the file. Decisions live in ``CORPUS/decisions.jsonl``, one JSON object a line,
only ever appended to; the last decision about a span wins.

:func:`apply_decisions` is pure: a record and the decisions in, the record with the
decisions applied as edits of rule ``decision`` out, plus which decisions were applied and
which no longer fit (reported, never dropped silently). ``apply_edits(raw_text, edits) ==
text`` holds for the result. Applying the same decisions twice changes nothing, so a
record that already carries older decisions can take a new one without being repaired
again.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterable, Literal, Sequence

from nbsclean.edits import Edit, apply_edits
from nbsclean.errors import FileAccessError

DECISIONS = "decisions.jsonl"
DECISION_RULE = "decision"
KINDS = ("reject", "correct", "accept", "form")
PAGE_BREAK = "\f"

Kind = Literal["reject", "correct", "accept", "form"]


@dataclass(frozen=True)
class Decision:
    """One decision. For ``form`` there is no document and no span: ``before`` is the form.

    ``after`` is the word the span must read: the raw text for ``reject``, the reviewed
    edit's output for ``accept``, the given word for ``correct`` and ``form``.
    """

    kind: Kind
    before: str
    after: str
    document: str | None = None  # sha256 of the source document
    start: int | None = None  # span in the document's raw_text
    end: int | None = None
    seen: str | None = None  # what the repair had made of the span when this was decided
    edit: str | None = None  # the id of the edit it was made on then ("e12"), for the reader
    rule: str | None = None  # that edit's rule then
    time: str = ""
    note: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown decision kind {self.kind!r}")
        if not self.before:
            raise ValueError("a decision needs the text it was made on")
        if self.kind == "form":
            if self.document is not None or self.start is not None:
                raise ValueError("a form decision applies to every document, not to one span")
        elif self.document is None or self.start is None or self.end is None or not 0 <= self.start < self.end:
            raise ValueError("a decision on one document needs its sha256 and a non-empty span")

    def to_dict(self) -> dict:
        return {key: value for key, value in asdict(self).items() if value is not None}

    @classmethod
    def from_dict(cls, data: dict) -> "Decision":
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        for name in ("start", "end"):
            if known.get(name) is not None:
                known[name] = int(known[name])
        return cls(**known)

    @property
    def span(self) -> tuple[int, int]:
        return (int(self.start), int(self.end))  # type: ignore[arg-type]


@dataclass(frozen=True)
class StaleDecision:
    """A decision that no longer fits a document, and why."""

    decision: Decision
    document: str  # the record's id
    reason: str
    start: int | None = None  # the occurrence of a form decision that could not be applied


@dataclass
class DecisionOutcome:
    applied: list[Decision] = field(default_factory=list)
    stale: list[StaleDecision] = field(default_factory=list)


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


# --- the file ----------------------------------------------------------------------------


def decisions_path(corpus: Path) -> Path:
    return Path(corpus) / DECISIONS


def read_decisions(corpus: Path) -> list[Decision]:
    """The decisions of ``corpus`` in the order they were made (none when there is no file).

    A torn last line (a writer killed mid-append) is ignored; a bad line anywhere else is
    a damaged file and an error, since silently skipping a decision is what this file
    exists to prevent.
    """
    path = decisions_path(corpus)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise FileAccessError(f"cannot read: {exc.strerror}", source=str(path)) from exc
    *complete, tail = data.split(b"\n")
    decisions: list[Decision] = []
    for number, line in enumerate(complete, start=1):
        if not line.strip():
            continue
        try:
            decisions.append(Decision.from_dict(json.loads(line)))
        except (ValueError, TypeError, KeyError) as exc:
            raise FileAccessError(f"line {number} is not a decision ({exc})", source=str(path)) from exc
    return decisions


def append_decisions(corpus: Path, decisions: Sequence[Decision]) -> None:
    """Append ``decisions`` as one write on an O_APPEND descriptor, then fsync.

    One write: a reader sees all of them or (after a crash) a torn last line that
    :func:`read_decisions` ignores. A torn line left by an earlier crash is first cut off
    (it was never a decision), so the new ones start on a line of their own. The caller
    holds the corpus lock.
    """
    if not decisions:
        return
    path = decisions_path(corpus)
    data = b"".join(
        (json.dumps(d.to_dict(), ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8") for d in decisions
    )
    try:
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    except OSError as exc:
        raise FileAccessError(f"cannot write: {exc.strerror}", source=str(path)) from exc
    try:
        _cut_torn_tail(fd)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def _cut_torn_tail(fd: int) -> None:
    size = os.fstat(fd).st_size
    if size == 0 or os.pread(fd, 1, size - 1) == b"\n":
        return
    # Read back in blocks from the end until the last complete line's newline.
    end = size
    while end > 0:
        start = max(0, end - 65536)
        block = os.pread(fd, end - start, start)
        newline = block.rfind(b"\n")
        if newline >= 0:
            os.ftruncate(fd, start + newline + 1)
            return
        end = start
    os.ftruncate(fd, 0)


# --- which decisions concern a record ----------------------------------------------------


def relevant_decisions(record: dict, decisions: Iterable[Decision]) -> list[Decision]:
    """The decisions that concern this record: its own, and the forms its raw text contains."""
    sha = record.get("sha256")
    raw = record.get("raw_text", "")
    return [
        d
        for d in decisions
        if (d.kind == "form" and d.before in raw and next(form_occurrences(raw, d.before), None) is not None)
        or (d.kind != "form" and d.document == sha)
    ]


def decisions_fingerprint(decisions: Iterable[Decision]) -> str:
    """sha256 of decisions, in order: what a record stores as ``decisions_sha256``, so a
    later run knows whether the record was made with the decisions of today."""
    digest = hashlib.sha256()
    for decision in decisions:
        digest.update(json.dumps(decision.to_dict(), sort_keys=True, ensure_ascii=False).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def record_decisions_fingerprint(record: dict, decisions: Iterable[Decision]) -> str:
    return decisions_fingerprint(relevant_decisions(record, decisions))


def form_occurrences(raw: str, form: str) -> Iterable[tuple[int, int]]:
    """Spans of ``form`` as a whole word in ``raw`` (case as given: "Hdlls" is another form)."""
    pattern = re.compile(r"(?<!\w)" + re.escape(form) + r"(?!\w)")
    return (match.span() for match in pattern.finditer(raw))


# --- applying them -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Pin:
    start: int
    end: int
    before: str
    after: str
    decision: Decision


def apply_decisions(
    record: dict, decisions: Iterable[Decision], recount: Callable[[str], dict] | None = None
) -> tuple[dict, list[Decision], list[StaleDecision]]:
    """Apply the decisions that concern ``record``; return (new record, applied, stale).

    A decision replaces the edits inside its span: a reject leaves the raw text, a
    correct, accept or form writes an edit of rule ``decision`` (an accepted edit that the
    repair made again exactly is kept as the repair made it). A decision about a span is
    stale when the raw text there is no longer what it was made on, or when an edit of the
    repair now reaches across the span's boundary. Decisions about a span win over forms;
    among decisions about overlapping spans, and among forms, the later one wins.

    The input record is not modified. ``recount(text)`` refreshes ``words`` and
    ``unknown_words`` in the stats; without it only ``stats.edits`` is updated.
    """
    raw = record.get("raw_text", "")
    document = str(record.get("id"))
    relevant = relevant_decisions(record, decisions)
    stale: list[StaleDecision] = []
    pins = _choose_pins(raw, document, relevant, stale)
    if not pins:  # nothing to change: spare the replay of every edit (most records of a run)
        return {**record, "decisions_sha256": decisions_fingerprint(relevant)}, [], stale
    edits = record.get("edits", [])
    new_edits, applied_pins = _pin_edits(edits, pins, document, stale)
    applied: list[Decision] = []
    for pin in applied_pins:
        if pin.decision not in applied:
            applied.append(pin.decision)
    new = _with_edits(record, new_edits, recount)
    new["decisions_sha256"] = decisions_fingerprint(relevant)
    return new, applied, stale


def _choose_pins(raw: str, document: str, decisions: list[Decision], stale: list[StaleDecision]) -> list[_Pin]:
    """One pin per span, none overlapping: the latest span decision first, then the latest form."""
    spans = [d for d in decisions if d.kind != "form"]
    forms = [d for d in decisions if d.kind == "form"]
    chosen: list[_Pin] = []
    for decision in reversed(spans):
        start, end = decision.span
        if raw[start:end] != decision.before:
            found = raw[start:end] if end <= len(raw) else None
            reason = (
                f"the raw text there is now {found!r}, not {decision.before!r}"
                if found is not None
                else "the span lies beyond the document's raw text"
            )
            stale.append(StaleDecision(decision, document, reason))
            continue
        if not any(_overlap(start, end, pin.start, pin.end) for pin in chosen):
            chosen.append(_Pin(start, end, decision.before, decision.after, decision))
    seen_forms: set[str] = set()
    for decision in reversed(forms):
        if decision.before in seen_forms:
            continue  # a later decision about the same form replaced this one
        seen_forms.add(decision.before)
        for start, end in form_occurrences(raw, decision.before):
            if not any(_overlap(start, end, pin.start, pin.end) for pin in chosen):
                chosen.append(_Pin(start, end, decision.before, decision.after, decision))
    return sorted(chosen, key=lambda pin: pin.start)


def _overlap(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and b_start < a_end


def _touches(edit: dict, pin: _Pin) -> bool:
    """Does the edit change text inside the pin's span? An insertion at its boundary does not."""
    start, end = int(edit["start"]), int(edit["end"])
    if start == end:
        return pin.start < start < pin.end
    return _overlap(start, end, pin.start, pin.end)


def _pin_edits(
    edits: list[dict], pins: list[_Pin], document: str, stale: list[StaleDecision]
) -> tuple[list[dict], list[_Pin]]:
    """The record's edits with each pin applied; pins that cannot be applied are stale."""
    applied: list[_Pin] = []
    replaced: set[int] = set()
    added: list[dict] = []
    for pin in pins:
        touching = [i for i, edit in enumerate(edits) if _touches(edit, pin)] if edits else []
        across = [edits[i] for i in touching if int(edits[i]["start"]) < pin.start or int(edits[i]["end"]) > pin.end]
        if across:
            edit = across[0]
            stale.append(
                StaleDecision(
                    pin.decision,
                    document,
                    f"the repair's edit {edit.get('id')} ({edit['before']!r} -> {edit['after']!r}) now reaches "
                    f"across the span {pin.start}-{pin.end}",
                    start=pin.start,
                )
            )
            continue
        applied.append(pin)
        same = [edits[i] for i in touching if (int(edits[i]["start"]), int(edits[i]["end"])) == (pin.start, pin.end)]
        if len(touching) == 1 and same and same[0]["after"] == pin.after:
            continue  # the repair made exactly this word: keep its edit (and its rule, score, id)
        replaced.update(touching)
        if pin.after != pin.before:
            added.append(
                {
                    "id": f"d{pin.start}",
                    "start": pin.start,
                    "end": pin.end,
                    "before": pin.before,
                    "after": pin.after,
                    "rule": DECISION_RULE,
                    "score": 1.0,
                }
            )
    kept = [edit for i, edit in enumerate(edits) if i not in replaced]
    return sorted(kept + added, key=lambda e: (int(e["start"]), int(e["end"]))), applied


def _with_edits(record: dict, edits: list[dict], recount: Callable[[str], dict] | None) -> dict:
    """The record with new edits, and the text, page texts and stats that follow from them."""
    raw = record.get("raw_text", "")
    text = apply_edits(raw, [Edit.from_dict(e) for e in edits])
    new = dict(record)
    new["edits"] = edits
    new["text"] = text
    pages = record.get("pages")
    if pages:
        page_texts = text.split(PAGE_BREAK)
        if len(page_texts) == len(pages):
            new["pages"] = [dict(page, text=page_text) for page, page_text in zip(pages, page_texts)]
        else:  # a decision wrote or removed a page break: the pages are no longer separable
            raise ValueError(f"record {record.get('id')}: decisions changed the number of pages")
    stats = dict(record.get("stats") or {})
    stats["edits"] = len(edits)
    if recount is not None:
        stats.update(recount(text))
    new["stats"] = stats
    return new


def describe(decision: Decision) -> str:
    """One line for summaries: ``correct hdlls -> hölls`` / ``form hdlls -> hölls``."""
    where = f" at {decision.start}-{decision.end} in {decision.document[:16]}" if decision.document else ""
    if decision.kind == "reject":
        return f"reject {decision.seen or '?'!s} (keep {decision.before}){where}"
    return f"{decision.kind} {decision.before} -> {decision.after}{where}"
