"""Baselines that ratchet: what each fixture case scored when the baseline was recorded.

A tolerance (``{"max_wer": 0.05}``) says how far from the hand-corrected text a case may
be; it does not notice a case getting worse *inside* it. ``check-baseline.json``, at the
root of a fixture tree and committed with it, records per case the output's WER and CER
against the expected text, a sha256 of the output, and the word changes that remain
(``[-expected-]{+output+}``). ``nbsclean check`` then fails a case whose WER or CER rose
above its baseline, and names the changes that are new; an improvement passes and says so.
``nbsclean check --update`` (re)records the baseline of every case it ran.

The file is sorted and indented, one change per line, so that a change of the baseline
reads as a small diff in review.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from nbsclean.atomic import write_text_atomic
from nbsclean.errors import FileAccessError

BASELINE_FILE = "check-baseline.json"
SCHEMA = "nbsclean.check-baseline/1"
# Rates are stored with 6 decimals; a rate counts as risen only beyond that rounding.
RATE_DIGITS = 6
RATE_EPSILON = 0.5 * 10**-RATE_DIGITS
# Folders that end the upward search for a baseline (the repository or the project).
SEARCH_BOUNDARIES = (".git", "nbsclean.toml")


@dataclass(frozen=True)
class BaselineEntry:
    """One case as recorded: its error rates, the sha256 of its output, its remaining changes."""

    wer: float
    cer: float
    output_sha256: str
    changes: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"wer": self.wer, "cer": self.cer, "output_sha256": self.output_sha256, "changes": list(self.changes)}

    @classmethod
    def from_dict(cls, data: object, source: str) -> "BaselineEntry":
        from nbsclean.check.fixtures import FixtureError

        if not isinstance(data, dict):
            raise FixtureError("a baseline case must be a JSON object", source=source)
        try:
            wer, cer, sha = float(data["wer"]), float(data["cer"]), str(data["output_sha256"])
            changes = tuple(str(c) for c in data.get("changes", []))
        except (KeyError, TypeError, ValueError) as exc:
            raise FixtureError(f"a baseline case needs wer, cer and output_sha256 ({exc})", source=source) from exc
        return cls(wer, cer, sha, changes)


@dataclass
class Baseline:
    """The baseline file of one fixture tree (``exists`` is False until it is first written)."""

    path: Path
    entries: dict[str, BaselineEntry] = field(default_factory=dict)
    exists: bool = False

    @property
    def root(self) -> Path:
        return self.path.parent


@dataclass(frozen=True)
class BaselineComparison:
    """How a case compares with its baseline entry.

    ``verdict`` is ``regressed`` (WER or CER rose), ``improved`` (one fell, none rose),
    ``changed`` (same rates, other output), ``same`` (same output) or ``new`` (no entry).
    """

    verdict: str
    baseline_file: Path
    recorded: BaselineEntry | None
    wer: float
    cer: float
    new_changes: tuple[str, ...] = ()  # word changes the baseline did not have
    fixed_changes: tuple[str, ...] = ()  # baseline changes that are gone

    def to_dict(self) -> dict:
        recorded = self.recorded
        return {
            "file": str(self.baseline_file),
            "verdict": self.verdict,
            "wer": None if recorded is None else recorded.wer,
            "cer": None if recorded is None else recorded.cer,
            "output_sha256": None if recorded is None else recorded.output_sha256,
            "new_changes": list(self.new_changes),
            "fixed_changes": list(self.fixed_changes),
        }


def output_sha256(output: str) -> str:
    """sha256 of the output as the check compares it (NFC, LF, no final newline)."""
    from nbsclean.check.fixtures import normalise_for_comparison

    return hashlib.sha256(normalise_for_comparison(output).encode("utf-8")).hexdigest()


def round_rate(value: float) -> float:
    return round(value, RATE_DIGITS)


def find_baseline_path(start: Path) -> Path | None:
    """The nearest ``check-baseline.json`` at or above the fixture folder ``start``, not
    looking past the repository or project folder (``.git``, ``nbsclean.toml``)."""
    here = Path(start).resolve()
    for folder in (here, *here.parents):
        candidate = folder / BASELINE_FILE
        if candidate.is_file():
            return candidate
        if any((folder / marker).exists() for marker in SEARCH_BOUNDARIES):
            return None
    return None


def baseline_for(fixture_root: Path) -> Baseline:
    """The baseline of a fixture tree: the nearest existing file, or a new one at its root."""
    found = find_baseline_path(fixture_root)
    if found is None:
        return Baseline(Path(fixture_root).resolve() / BASELINE_FILE)
    return load_baseline(found)


def load_baseline(path: Path) -> Baseline:
    from nbsclean.check.fixtures import FixtureError

    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise FileAccessError(f"cannot read the baseline: {exc.strerror}", source=str(path)) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FixtureError(f"not a valid baseline file ({exc}); re-record it with nbsclean check --update", source=str(path)) from exc
    if not isinstance(data, dict) or data.get("schema") != SCHEMA or not isinstance(data.get("cases"), dict):
        raise FixtureError(f"not a baseline file (expected schema {SCHEMA!r} and cases)", source=str(path))
    entries = {name: BaselineEntry.from_dict(entry, f"{path}: {name}") for name, entry in data["cases"].items()}
    return Baseline(Path(path).resolve(), entries, exists=True)


def baseline_text(baseline: Baseline) -> str:
    """The file's content: sorted by case name, indented, one change per line."""
    cases = {name: baseline.entries[name].to_dict() for name in sorted(baseline.entries)}
    payload = {
        "schema": SCHEMA,
        "about": "nbsclean check: each case's WER/CER and output as last recorded; refresh with nbsclean check --update",
        "cases": cases,
    }
    return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"


def write_baseline(baseline: Baseline) -> None:
    try:
        write_text_atomic(baseline.path, baseline_text(baseline))
    except OSError as exc:
        raise FileAccessError(f"cannot write the baseline: {exc.strerror}", source=str(baseline.path)) from exc
    baseline.exists = True


def case_key(input_path: Path, stem: str, baseline: Baseline) -> str:
    """A case's name in the baseline: its path relative to the baseline's folder, without
    ``.input.EXT``, so that checking a subfolder finds the same entries."""
    case = (Path(input_path).resolve().parent / stem)
    try:
        return case.relative_to(baseline.root).as_posix()
    except ValueError:
        return case.name


def make_entry(wer: float, cer: float, output: str, changes: Iterable[str]) -> BaselineEntry:
    return BaselineEntry(round_rate(wer), round_rate(cer), output_sha256(output), tuple(changes))


def compare_with_baseline(baseline: Baseline, key: str, entry: BaselineEntry) -> BaselineComparison:
    """Compare a case's current result (as an entry) with what the baseline recorded."""
    recorded = baseline.entries.get(key)
    if recorded is None:
        return BaselineComparison("new", baseline.path, None, entry.wer, entry.cer, entry.changes)
    now, before = Counter(entry.changes), Counter(recorded.changes)
    new_changes = tuple((now - before).elements())
    fixed_changes = tuple((before - now).elements())
    wer_rose = entry.wer > recorded.wer + RATE_EPSILON
    cer_rose = entry.cer > recorded.cer + RATE_EPSILON
    if wer_rose or cer_rose:
        verdict = "regressed"
    elif entry.wer < recorded.wer - RATE_EPSILON or entry.cer < recorded.cer - RATE_EPSILON:
        verdict = "improved"
    elif entry.output_sha256 != recorded.output_sha256:
        verdict = "changed"
    else:
        verdict = "same"
    return BaselineComparison(verdict, baseline.path, recorded, entry.wer, entry.cer, new_changes, fixed_changes)


def stale_keys(baseline: Baseline) -> list[str]:
    """Entries whose case has no input file any more (removed or renamed fixtures)."""
    from nbsclean.check.fixtures import INPUT_MARKER

    stale = []
    for key in baseline.entries:
        case = baseline.root / key
        if not any(case.parent.glob(f"{_glob_escape(case.name)}{INPUT_MARKER}*")):
            stale.append(key)
    return stale


def _glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[" else c for c in name)


def percent(value: float) -> str:
    """1.7 % as the regression messages write it ("1.70 %")."""
    return f"{value * 100:.2f} %"
