"""What a run does with the archive's own choices: decisions, history, repairs redone.

Kept apart from the runner's batching so each piece reads on its own:

* :class:`RunDecisions` applies ``CORPUS/decisions.jsonl`` to every record a run writes
  (after the repair) and counts what was applied and what no longer fits;
* :func:`bring_up_to_date` is ``--resume`` after a change of the lexicon, the repair
  options or the decisions: records whose extraction is still valid (same input sha256,
  same extraction options) are repaired again from their stored raw page text - no
  extraction, no Tesseract - and get the decisions of today;
* :func:`previous_history` and :func:`carry_history` keep the manifest's ``runs``,
  ``reverts`` and ``decisions`` across every later run, ``--overwrite`` included.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from nbsclean.review.decisions import Decision, StaleDecision, apply_decisions, describe, read_decisions

log = logging.getLogger("nbsclean.run")

HISTORY_KEYS = ("runs", "reverts", "decisions")
# Options that only steer the repair: a change of these never needs extraction again.
REPAIR_ONLY_OPTIONS = ("repair",)
STALE_LISTED = 20  # stale decisions listed in the manifest's run entry (all are counted)
TOP_UNKNOWN = 10


# --- decisions in a run ------------------------------------------------------------------


@dataclass
class RunDecisions:
    """The corpus's decisions, applied to every record the run writes."""

    decisions: list[Decision]
    applied: int = 0
    documents: int = 0
    stale: list[StaleDecision] = field(default_factory=list)

    @classmethod
    def load(cls, corpus: Path) -> "RunDecisions":
        return cls(read_decisions(corpus))

    def apply(self, record: dict) -> dict:
        new, applied, stale = apply_decisions(record, self.decisions)
        if applied:
            self.applied += len(applied)
            self.documents += 1
        self.stale.extend(stale)
        for item in stale:
            log.info("%s: not applied in %s: %s", describe(item.decision), item.document, item.reason)
        return new

    def summary(self) -> dict:
        return {
            "in_file": len(self.decisions),
            "applied": self.applied,
            "documents": self.documents,
            "stale": len(self.stale),
            "stale_examples": [
                {"decision": describe(s.decision), "document": s.document, "reason": s.reason}
                for s in self.stale[:STALE_LISTED]
            ],
        }


# --- --resume after a change of lexicon or decisions -------------------------------------


def extraction_fingerprint(options: Any, options_dict: Callable[[Any], dict]) -> str:
    """sha256 of the options that decide what extraction produces (not the repair's)."""
    data = {k: v for k, v in options_dict(options).items() if k not in REPAIR_ONLY_OPTIONS}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


@dataclass
class Refresh:
    """The result of :func:`bring_up_to_date`."""

    records: list[dict]  # the corpus's records, those repaired again replaced
    rerepaired: list[dict] = field(default_factory=list)
    unknown: Counter = field(default_factory=Counter)  # forms the repairs left unknown
    # sha256 of documents that must be extracted again (their record cannot be rebuilt)
    reextract: set[str] = field(default_factory=set)


def is_current(record: dict, fingerprint: str, decisions: RunDecisions) -> bool:
    from nbsclean.review.decisions import record_decisions_fingerprint

    return record.get("options_sha256") == fingerprint and record.get(
        "decisions_sha256", record_decisions_fingerprint(record, [])
    ) == record_decisions_fingerprint(record, decisions.decisions)


def bring_up_to_date(
    records: list[dict],
    *,
    fingerprint: str,
    extraction: str,
    inputs: set[str],
    options: Any,
    lexicon: Any,
    decisions: RunDecisions,
    finish: Callable[[dict], dict],
) -> Refresh:
    """Repair again every record made with another lexicon, repair option or decisions.

    ``extraction`` is the extraction fingerprint of this run: only records made with the
    same one are repaired again (the runner refuses the others before this). A record that
    cannot be rebuilt is extracted again if its input is among ``inputs`` (sha256s) -
    that only happens for text files, whose extraction runs no OCR - and otherwise kept
    as it is, with a warning.
    """
    from nbsclean.pipeline import rerepair_record

    refresh = Refresh(records=[])
    for record in records:
        same_extraction = record.get("extract_sha256") == extraction or record.get("options_sha256") == fingerprint
        if is_current(record, fingerprint, decisions) or not same_extraction:
            refresh.records.append(record)
            continue
        unknown: Counter = Counter()
        rebuilt = rerepair_record(record, options, lexicon, unknown)
        if rebuilt is None:
            if record.get("sha256") in inputs:
                refresh.reextract.add(record["sha256"])
                continue
            log.warning("%s: cannot be repaired again from its record and its input was not given; kept as it was",
                        record.get("source"))
            refresh.records.append(record)
            continue
        rebuilt = decisions.apply(finish(rebuilt))
        refresh.records.append(rebuilt)
        refresh.rerepaired.append(rebuilt)
        refresh.unknown.update(unknown)
    return refresh


# --- the manifest's history --------------------------------------------------------------


def previous_history(manifest: dict | None) -> dict:
    """The history an earlier manifest carries (runs, reverts, decisions)."""
    manifest = manifest or {}
    return {key: list(manifest.get(key) or []) for key in HISTORY_KEYS}


def carry_history(manifest: dict, history: dict) -> None:
    """Put the earlier history in front of this run's entry (``runs`` ends with this run)."""
    this_run = manifest.get("runs", [])[-1:]
    manifest["runs"] = history.get("runs", []) + this_run
    for key in ("reverts", "decisions"):
        manifest[key] = list(history.get(key, []))


def read_previous_manifest(root: Path) -> dict | None:
    try:
        return json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


# --- unknown words for the summary -------------------------------------------------------


@dataclass
class UnknownWords:
    """Unknown word forms of the records written in this run, for the summary."""

    lexicon: Any
    counts: Counter = field(default_factory=Counter)

    def add(self, record: dict) -> None:
        from nbsclean.repair.engine import unknown_words

        self.counts.update(unknown_words(record.get("text", ""), self.lexicon))

    def add_counts(self, counts: Counter) -> None:
        """Forms a repair already counted (no second pass over the text)."""
        self.counts.update(counts)

    def summary(self) -> dict:
        return {
            "occurrences": sum(self.counts.values()),
            "forms": len(self.counts),
            "top": [[form, count] for form, count in self.counts.most_common(TOP_UNKNOWN)],
        }
