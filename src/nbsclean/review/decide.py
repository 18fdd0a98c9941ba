"""`nbsclean decide`: record decisions and update the corpus with them at once.

The requests name edits as ``DOC:EDIT`` (a document id and an edit id as the review page
shows them, or ``DOC:START-END``, a span of the document's ``raw_text``, for a word the
repair left alone). Every request is resolved against the corpus before anything is
written: one that matches nothing is a BadArgumentsError (exit 1) and the corpus and
``decisions.jsonl`` stay as they were.

Then, under the corpus lock: the decisions are appended to ``decisions.jsonl`` (the
truth: a crash after this point leaves decisions that the next ``run --resume`` applies),
the records they concern are rewritten with every decision applied
(:func:`nbsclean.review.decisions.apply_decisions`), and ``documents.jsonl``, ``text/``,
the Parquet table and the manifest follow, each written atomically.
"""

from __future__ import annotations

import re
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

from nbsclean.corpus.journal import read_manifest, write_manifest
from nbsclean.corpus.outputs.structure import annotate_structure
from nbsclean.corpus.rewrite import rewrite_records
from nbsclean.errors import BadArgumentsError, FileAccessError
from nbsclean.review.decisions import (
    Decision,
    StaleDecision,
    append_decisions,
    apply_decisions,
    form_occurrences,
    now_iso,
    read_decisions,
    relevant_decisions,
)
from nbsclean.review.page import corpus_paths, read_records
from nbsclean.review.revert import update_counts

def _corpus_lock(root: Path):
    """The corpus lock of nbsclean.corpus.lock (one writer at a time); until that module is
    on this branch, the same flock on ``.nbsclean.lock`` it takes."""
    try:
        from nbsclean.corpus.lock import corpus_lock
    except ImportError:
        return _flock(root / ".nbsclean.lock")
    return corpus_lock(root)


@contextmanager
def _flock(path: Path):
    import fcntl

    with open(path, "a+b") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise FileAccessError("another nbsclean command is writing this corpus", source=str(path.parent)) from exc
        yield


SPAN = re.compile(r"^(\d+)-(\d+)$")
FORBIDDEN_IN_WORDS = ("\f",)  # a page break in a word would move text between pages


@dataclass(frozen=True)
class DecideRequest:
    """What the user asked for, before it is resolved against the corpus."""

    rejects: Sequence[str] = ()  # DOC:EDIT
    corrects: Sequence[str] = ()  # DOC:EDIT=WORD
    accepts: Sequence[str] = ()  # DOC:EDIT
    forms: Sequence[str] = ()  # BEFORE=WORD
    note: str | None = None

    def is_empty(self) -> bool:
        return not (self.rejects or self.corrects or self.accepts or self.forms)


@dataclass
class DecideReport:
    decisions: list[Decision] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)  # ids of the records rewritten
    applied: int = 0  # span edits written or kept (a form counts once per occurrence)
    stale: list[StaleDecision] = field(default_factory=list)

    def kinds(self) -> Counter:
        return Counter(d.kind for d in self.decisions)


def decide_corpus(
    corpus: Path, request: DecideRequest, *, now: Callable[[], str] = now_iso, after_write: Callable | None = None
) -> DecideReport:
    """Resolve ``request`` against ``corpus``, record the decisions and update the corpus.

    ``after_write(paths, records, changed)`` lets derived outputs (searchable PDF, ALTO)
    follow the records while the lock is still held.
    """
    if request.is_empty():
        raise BadArgumentsError("nothing to decide: give --reject, --correct, --accept or --form")
    paths = corpus_paths(corpus)
    with _corpus_lock(paths.root):
        records = read_records(paths.root)
        decisions = resolve(records, request, now())
        every = read_decisions(paths.root) + decisions
        report = DecideReport(decisions=decisions)
        new_records, changed = [], []
        for record in records:
            if not relevant_decisions(record, decisions):
                new_records.append(record)
                continue
            new, applied, stale = apply_decisions(record, every)
            if new.get("pages"):
                new["pages"] = [dict(page) for page in new["pages"]]
                annotate_structure(new)  # the blocks' spans follow the decided text
            new_records.append(new)
            changed.append(new)
            report.documents.append(str(record["id"]))
            report.applied += sum(1 for d in applied if d in decisions)
            report.stale.extend(s for s in stale if s.decision in decisions)
        append_decisions(paths.root, decisions)
        rewrite_records(paths, new_records, changed)
        if after_write is not None:
            after_write(paths, new_records, changed)
        _record_in_manifest(paths, new_records, report, now())
    return report


def _record_in_manifest(paths, records: list[dict], report: DecideReport, time: str) -> None:
    manifest = read_manifest(paths) or {}
    manifest.setdefault("decisions", []).append(
        {
            "time": time,
            "added": dict(sorted(report.kinds().items())),
            "documents": len(report.documents),
            "stale": len(report.stale),
        }
    )
    update_counts(manifest, records)
    write_manifest(paths, manifest)


# --- resolving requests ------------------------------------------------------------------


def resolve(records: list[dict], request: DecideRequest, time: str) -> list[Decision]:
    """Decisions for every request; BadArgumentsError listing every request that matches nothing."""
    by_id = {str(r.get("id")): r for r in records}
    problems: list[str] = []
    decisions: list[Decision] = []

    def on_edit(kind: str, target: str, word: str | None) -> None:
        found = _find_span(by_id, target)
        if isinstance(found, str):
            problems.append(f"--{kind} {target}: {found}")
            return
        record, start, end, edit = found
        before = record["raw_text"][start:end]
        seen = edit["after"] if edit else before
        after = {"reject": before, "accept": seen}.get(kind, word)
        decisions.append(
            Decision(
                kind=kind,  # type: ignore[arg-type]
                document=record["sha256"],
                start=start,
                end=end,
                before=before,
                after=after,
                seen=seen,
                edit=edit.get("id") if edit else None,
                rule=edit.get("rule") if edit else None,
                time=time,
                note=request.note,
            )
        )

    for target in request.rejects:
        on_edit("reject", target, None)
    for value in request.corrects:
        target, word = _split_word(value, "--correct", "DOC:EDIT=WORD", problems)
        if word is not None:
            on_edit("correct", target, word)
    for target in request.accepts:
        on_edit("accept", target, None)
    for value in request.forms:
        before, word = _split_word(value, "--form", "BEFORE=WORD", problems)
        if word is None:
            continue
        if not before or before != before.strip():
            problems.append(f"--form {value}: the form must be a word without surrounding spaces")
        elif not any(next(iter(form_occurrences(r.get("raw_text", ""), before)), None) for r in records):
            problems.append(f"--form {value}: {before!r} occurs in no document of this corpus")
        else:
            decisions.append(Decision(kind="form", before=before, after=word, time=time, note=request.note))
    if problems:
        raise BadArgumentsError("nothing was written: " + "; ".join(problems))
    return decisions


def _split_word(value: str, option: str, shape: str, problems: list[str]) -> tuple[str, str | None]:
    target, equals, word = value.partition("=")
    if not equals or not word:
        problems.append(f"{option} {value}: expected {shape}")
        return target, None
    if any(mark in word for mark in FORBIDDEN_IN_WORDS):
        problems.append(f"{option} {value}: the word may not contain a page break")
        return target, None
    return target, word


def _find_span(by_id: dict[str, dict], target: str):
    """(record, start, end, edit or None) for ``DOC:EDIT`` or ``DOC:START-END``, else why not."""
    document, colon, name = target.partition(":")
    if not colon or not name:
        return "expected DOC:EDIT (a document id, a colon and an edit id such as e3)"
    record = by_id.get(document)
    if record is None:
        return f"no document with id {document!r}"
    span = SPAN.match(name)
    if span:
        start, end = int(span.group(1)), int(span.group(2))
        raw = record.get("raw_text", "")
        if not 0 <= start < end <= len(raw):
            return f"the span is not inside the document's raw text (0-{len(raw)})"
        edit = next((e for e in record.get("edits", []) if (e["start"], e["end"]) == (start, end)), None)
        return record, start, end, edit
    edit = next((e for e in record.get("edits", []) if str(e.get("id")) == name), None)
    if edit is None:
        return f"document {document} has no edit {name!r}"
    if edit["start"] == edit["end"]:
        return f"edit {name} inserts text; decide on the word around it with DOC:START-END"
    return record, int(edit["start"]), int(edit["end"]), edit
