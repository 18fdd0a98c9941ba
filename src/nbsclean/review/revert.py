"""`nbsclean revert`: drop chosen edits from a corpus and rebuild the cleaned text.

Every record keeps ``raw_text`` and the edits that turned it into ``text``; reverting is
therefore exact: drop the selected edits, replay the rest on ``raw_text``
(:func:`nbsclean.edits.apply_edits`), and rewrite ``text``, the page texts, the stats and
``text/<id>.txt``. Edits keep their ids, so links from a review page stay valid. The revert
is recorded in ``manifest.json`` under ``reverts``.

Selection (:class:`EditSelector`) and the record rewrite (:func:`revert_record`) are pure;
:func:`revert_corpus` does the reading and the atomic writing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from nbsclean.corpus.journal import read_manifest, write_manifest
from nbsclean.corpus.outputs.structure import annotate_structure
from nbsclean.corpus.rewrite import rewrite_records
from nbsclean.corpus.lock import corpus_lock
from nbsclean.edits import Edit, InvalidEditsError, apply_edits
from nbsclean.errors import BadArgumentsError, InputRejectedError
from nbsclean.review.page import corpus_paths, read_records

log = logging.getLogger("nbsclean.revert")

PAGE_BREAK = "\f"


@dataclass(frozen=True)
class EditSelector:
    """Which edits to drop. Given criteria are combined with AND.

    ``rule`` matches an edit whose rule is ``rule`` or contains it as a ``+`` part
    (``hyphen_join+diacritic`` matches ``diacritic``); ``below`` matches scores strictly
    lower than it; ``edit_ids`` match an edit's stored ``id`` ("e3", in every document)
    or a qualified "DOCUMENT:ID" ("625cbf2fcd863354:e3"); ``document`` restricts
    everything to one document id.
    """

    edit_ids: frozenset[str] = frozenset()
    rule: str | None = None
    below: float | None = None
    document: str | None = None

    def is_empty(self) -> bool:
        return not self.edit_ids and self.rule is None and self.below is None

    def matches(self, edit: dict, document: str = "") -> bool:
        if self.edit_ids:
            edit_id = str(edit.get("id"))
            if edit_id not in self.edit_ids and f"{document}:{edit_id}" not in self.edit_ids:
                return False
        if self.rule is not None and self.rule != edit["rule"] and self.rule not in edit["rule"].split("+"):
            return False
        if self.below is not None and not float(edit.get("score", 1.0)) < self.below:
            return False
        return True

    def applies_to(self, record: dict) -> bool:
        return self.document is None or str(record.get("id")) == self.document

    def describe(self) -> dict:
        described: dict = {}
        if self.edit_ids:
            described["edits"] = sorted(self.edit_ids)
        if self.rule is not None:
            described["rule"] = self.rule
        if self.below is not None:
            described["below"] = self.below
        if self.document is not None:
            described["document"] = self.document
        return described


@dataclass
class RevertReport:
    dropped: int = 0
    documents: list[str] = field(default_factory=list)
    dropped_edit_ids: list[str] = field(default_factory=list)


def split_pages(text: str, page_count: int, source: str) -> list[str]:
    pages = text.split(PAGE_BREAK)
    if len(pages) != page_count:
        raise InputRejectedError(
            f"the text has {len(pages)} page(s) after the revert but the record has {page_count}", source=source
        )
    return pages


def page_spans(record: dict) -> list[tuple[int, int]] | None:
    """Where each page's raw text lies in the record's ``raw_text``, or None if unknown.

    Pages are joined with one form feed, but a page may itself contain form feeds (a text
    file's own page breaks stay inside its one page), so the spans come from the pages'
    own ``raw_text``, not from splitting at every form feed.
    """
    pages = record.get("pages") or []
    if not pages or not all(isinstance(page.get("raw_text"), str) for page in pages):
        return None
    spans, offset = [], 0
    for page in pages:
        spans.append((offset, offset + len(page["raw_text"])))
        offset += len(page["raw_text"]) + len(PAGE_BREAK)
    if offset - len(PAGE_BREAK) != len(record.get("raw_text", "")):
        return None
    return spans


def page_texts(record: dict, kept: list[Edit], source: str) -> list[str]:
    """Each page's cleaned text after the revert: its raw text with the kept edits inside it."""
    pages = record["pages"]
    spans = page_spans(record)
    if spans is None:  # pages without their raw text: split at the separators
        return split_pages(apply_edits(record.get("raw_text", ""), kept), len(pages), source)
    texts, placed = [], 0
    for (start, end), page in zip(spans, pages):
        inside = [edit for edit in kept if start <= edit.start and edit.end <= end]
        placed += len(inside)
        texts.append(apply_edits(page["raw_text"], [edit.shifted(-start) for edit in inside]))
    if placed != len(kept):
        raise InputRejectedError(f"record {record.get('id')}: an edit crosses a page break", source=source)
    return texts


def revert_record(
    record: dict, selector: EditSelector, recount: Callable[[str], dict] | None = None
) -> tuple[dict, list[dict]]:
    """Return (new record, dropped edits). The input record is not modified.

    ``recount(text)`` gives fresh ``words`` and ``unknown_words`` for the stats; without it
    only ``stats.edits`` is updated.
    """
    edits = record.get("edits", [])
    document = str(record.get("id"))
    dropped = [e for e in edits if selector.matches(e, document)]
    if not dropped:
        return record, []
    kept = [e for e in edits if not selector.matches(e, document)]
    source = str(record.get("source", record.get("id")))
    raw = record.get("raw_text", "")
    try:
        text = apply_edits(raw, [Edit.from_dict(e) for e in kept])
    except InvalidEditsError as exc:
        raise InputRejectedError(f"record {record.get('id')}: edits do not fit raw_text: {exc}", source=source) from exc
    new = dict(record)
    new["edits"] = kept
    new["text"] = text
    if record.get("pages"):
        texts = page_texts(record, [Edit.from_dict(e) for e in kept], source)
        if PAGE_BREAK.join(texts) != text:
            raise InputRejectedError(f"record {record.get('id')}: its pages do not add up to its text", source=source)
        new["pages"] = [dict(page, text=page_text) for page, page_text in zip(record["pages"], texts)]
    stats = dict(record.get("stats") or {})
    stats["edits"] = len(kept)
    if recount is not None:
        stats.update(recount(text))
    new["stats"] = stats
    if new.get("pages"):
        new["pages"] = [dict(page) for page in new["pages"]]
        annotate_structure(new)  # the blocks' spans follow the new text
    return new, dropped


def default_recount(lexicon=None) -> Callable[[str], dict]:
    """Word and unknown-word counts as the runner computes them, with ``lexicon`` (default:
    the active lexicon)."""
    from nbsclean.repair.lexicon import load_lexicon
    from nbsclean.repair.engine import tokenize_words, unknown_words

    lexicon = lexicon if lexicon is not None else load_lexicon()

    def recount(text: str) -> dict:
        return {
            "words": sum(1 for _ in tokenize_words(text)),
            "unknown_words": sum(unknown_words(text, lexicon).values()),
        }

    return recount


def revert_corpus(
    corpus: Path,
    selector: EditSelector,
    *,
    dry_run: bool = False,
    recount: Callable[[str], dict] | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    wait: bool = False,
) -> RevertReport:
    """Drop the selected edits from every matching record and rewrite the corpus atomically.

    The corpus is locked while it is read and rewritten (a ``run`` cannot append records
    that the rewrite would then lose); the manifest is read before anything is written, and
    the new one is that manifest with the revert added.
    """
    if selector.is_empty():
        raise BadArgumentsError("choose the edits to revert: --edit ID, --rule RULE or --below SCORE")
    paths = corpus_paths(corpus)
    if dry_run:
        return _revert_records(read_records(corpus), selector, dry_run=True, recount=recount)[0]
    with corpus_lock(paths.root, wait=wait):
        manifest = read_manifest(paths) or {}  # a damaged manifest stops here, before any write
        records = read_records(corpus)
        report, new_records, changed = _revert_records(records, selector, dry_run=False, recount=recount)
        if not changed:
            return report
        rewrite_records(paths, new_records, changed)  # the manifest follows the records
        manifest.setdefault("reverts", []).append(
            {
                "time": now().isoformat(timespec="seconds"),
                "selector": selector.describe(),
                "count": report.dropped,
                "documents": len(report.documents),
            }
        )
        update_counts(manifest, new_records)
        write_manifest(paths, manifest)
    return report


def _revert_records(
    records: list[dict], selector: EditSelector, *, dry_run: bool, recount: Callable[[str], dict] | None
) -> tuple[RevertReport, list[dict], list[dict]]:
    """(report, every record after the revert, the records that changed)."""
    if selector.document is not None and not any(selector.applies_to(r) for r in records):
        raise BadArgumentsError(f"no document with id {selector.document}", source="--document")
    check_selector_choices(records, selector)
    report = RevertReport()
    new_records: list[dict] = []
    changed: list[dict] = []
    for record in records:
        if not selector.applies_to(record):
            new_records.append(record)
            continue
        if recount is None and not dry_run and any(
            selector.matches(e, str(record.get("id"))) for e in record.get("edits", [])
        ):
            recount = default_recount()
        new, dropped = revert_record(record, selector, None if dry_run else recount)
        new_records.append(new)
        if dropped:
            changed.append(new)
            report.dropped += len(dropped)
            report.documents.append(str(record.get("id")))
            report.dropped_edit_ids.extend(f"{record.get('id')}:{e.get('id')}" for e in dropped)
    return report, new_records, changed


def check_selector_choices(records: list[dict], selector: EditSelector) -> None:
    """A rule no edit of the corpus has, or an edit id that matches no edit, is a mistake
    (a typo, a rule name from somewhere else): exit 1 with the valid choices, rather than
    "dropped 0 edits"."""
    scope = [r for r in records if selector.applies_to(r)]
    if selector.rule is not None:
        rules = sorted({part for r in scope for e in r.get("edits", []) for part in e["rule"].split("+")})
        if selector.rule not in rules and selector.rule not in {e["rule"] for r in scope for e in r.get("edits", [])}:
            raise BadArgumentsError(
                f"no edit has the rule {selector.rule!r}; the rules in this corpus are: "
                + (", ".join(rules) if rules else "(none: the corpus has no edits)"),
                source="--rule",
            )
    if selector.edit_ids:
        known = {str(e.get("id")) for r in scope for e in r.get("edits", [])}
        qualified = {f"{r.get('id')}:{e.get('id')}" for r in scope for e in r.get("edits", [])}
        unknown = sorted(i for i in selector.edit_ids if i not in known and i not in qualified)
        if unknown:
            examples = sorted(qualified)[:3]
            raise BadArgumentsError(
                f"no edit has the id {', '.join(unknown)}; edit ids are e<N> (in every document) or "
                f"DOCUMENT:e<N>, e.g. {', '.join(examples) if examples else '(the corpus has no edits)'} "
                "(nbsclean revert CORPUS --rule RULE --dry-run lists them)",
                source="--edit",
            )


def update_counts(manifest: dict, records: list[dict]) -> None:
    """Keep the manifest's edit totals (if it has any) in step with the records."""
    counts = manifest.get("counts")
    if isinstance(counts, dict) and "edits" in counts:
        counts["edits"] = sum(len(r.get("edits", [])) for r in records)
    if isinstance(manifest.get("edits_by_rule"), dict):
        by_rule: dict[str, int] = {}
        for record in records:
            for edit in record.get("edits", []):
                by_rule[edit["rule"]] = by_rule.get(edit["rule"], 0) + 1
        manifest["edits_by_rule"] = dict(sorted(by_rule.items(), key=lambda item: (-item[1], item[0])))
    if isinstance(counts, dict) and "unknown_words" in counts:
        counts["unknown_words"] = sum(int((r.get("stats") or {}).get("unknown_words", 0)) for r in records)
