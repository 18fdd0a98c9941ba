"""`nbsclean check`: regression checks of the real pipeline against fixture files.

Fixture layout (any directory tree; searched recursively, hidden entries skipped)::

    CASE.input.EXT       EXT one of txt, pdf, png, jpg, jpeg, tif, tiff
    CASE.expected.txt    the text the pipeline must produce (UTF-8)
    CASE.options.json    optional: tolerances and pipeline options for this case

A case is named by its path relative to the fixture root, without ``.input.EXT``
("seeds/seed002"). Comparison rules (see README.md, "How texts are compared"):

* Both texts are NFC-normalised; the expected file's CRLF line ends become LF and a
  UTF-8 byte-order mark is dropped; one trailing newline is ignored on both sides.
* With no positive tolerance the output must equal the expected text exactly
  (whitespace and page breaks included). With ``max_wer`` / ``max_cer`` the case passes
  when every tolerance given holds; a tolerance not given is not checked.

Discovery, comparison and reporting are separate functions; the pipeline is passed in as
a ``process(input_path, pipeline_options) -> text`` callable, so the checker can be driven
by the real pipeline (the CLI) or by anything else.
"""

from __future__ import annotations

import json
import os
import time
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Callable, Iterable, Sequence

from nbsclean.atomic import write_text_atomic
from nbsclean.errors import (
    BadArgumentsError,
    ExitCode,
    FileAccessError,
    InputRejectedError,
    NbscleanError,
    UndecodableTextError,
)
from nbsclean.check.baseline import (
    Baseline,
    output_sha256,
    BaselineComparison,
    BaselineEntry,
    baseline_for,
    case_key,
    compare_with_baseline,
    make_entry,
    percent,
    stale_keys,
    write_baseline,
)
from nbsclean.evaluate import DiffOp, align_words, cer, changes, format_op, wer, words_with_offsets
from nbsclean.extract.model import ExtractOptions
from nbsclean.extract.model import short_repr as _shown

INPUT_EXTENSIONS = ("txt", "pdf", "png", "jpg", "jpeg", "tif", "tiff")
INPUT_MARKER = ".input."
EXPECTED_SUFFIX = ".expected.txt"
OPTIONS_SUFFIX = ".options.json"

TOLERANCE_KEYS = ("max_wer", "max_cer")
PIPELINE_OPTION_KEYS = ("ocr", "lang", "dpi", "psm", "password", "ocr_timeout")
OPTION_KEYS = frozenset(TOLERANCE_KEYS + PIPELINE_OPTION_KEYS + ("note",))
OCR_MODES = ("auto", "always", "never")

# Words of unchanged text shown around each change in a diff.
CONTEXT_WORDS = 4

Process = Callable[[Path, dict], str]


class FixtureError(InputRejectedError):
    """A fixture that cannot be used as it is (bad options file, ambiguous inputs...)."""

    reason = "bad_fixture"


# --------------------------------------------------------------------------- discovery


@dataclass(frozen=True)
class Fixture:
    name: str
    input_path: Path
    expected_path: Path
    options_path: Path | None
    problem: str | None = None  # why the fixture cannot run as laid out
    root: Path | None = None  # the fixture folder it was found under (where its baseline is looked for)

    @property
    def stem(self) -> str:
        return _case_stem(self.input_path) or self.input_path.stem


def _case_stem(path: Path) -> str | None:
    """"a/b.input.png" -> "a/b" when the file is a fixture input, else None."""
    name = path.name
    marker = name.rfind(INPUT_MARKER)
    if marker <= 0:
        return None
    extension = name[marker + len(INPUT_MARKER) :].lower()
    return name[:marker] if extension in INPUT_EXTENSIONS else None


def _fixture_for(input_path: Path, root: Path) -> Fixture:
    stem = _case_stem(input_path)
    assert stem is not None
    directory = input_path.parent
    options_path = directory / f"{stem}{OPTIONS_SUFFIX}"
    try:
        relative = (directory / stem).relative_to(root).as_posix()
    except ValueError:
        relative = stem
    return Fixture(
        name=relative,
        input_path=input_path,
        expected_path=directory / f"{stem}{EXPECTED_SUFFIX}",
        options_path=options_path if options_path.is_file() else None,
        root=root,
    )


def _walk_inputs(root: Path) -> Iterable[Path]:
    for directory, subdirectories, filenames in os.walk(root):
        # Hidden directories (.git, .venv...) never hold fixtures; sorted for a stable order.
        subdirectories[:] = sorted(d for d in subdirectories if not d.startswith("."))
        for filename in sorted(filenames):
            if not filename.startswith(".") and _case_stem(Path(filename)) is not None:
                yield Path(directory) / filename


def discover_fixtures(paths: Sequence[str | Path], patterns: Sequence[str] = ()) -> list[Fixture]:
    """Fixtures under the given directories (or given input files), filtered by ``patterns``.

    A pattern with glob characters (``*?[``) must match the whole case name; any other
    pattern matches as a substring. Several patterns select the union.
    """
    fixtures: dict[Path, Fixture] = {}
    for given in paths:
        path = Path(given)
        if path.is_dir():
            for input_path in _walk_inputs(path):
                fixtures.setdefault(input_path.resolve(), _fixture_for(input_path, path))
        elif path.is_file():
            if _case_stem(path) is None:
                raise BadArgumentsError(
                    f"not a fixture input (expected NAME.input.{{{','.join(INPUT_EXTENSIONS)}}})", source=str(path)
                )
            fixtures.setdefault(path.resolve(), _fixture_for(path, path.parent))
        else:
            raise FileAccessError("no such file or directory", source=str(path))
    selected = [f for f in _mark_shared_expected(fixtures.values()) if _selected(f.name, patterns)]
    return sorted(selected, key=lambda f: (f.name, f.input_path.name))


def _mark_shared_expected(fixtures: Iterable[Fixture]) -> list[Fixture]:
    """Two inputs of one case (a.input.txt and a.input.pdf) would share one expected file."""
    by_expected: dict[Path, list[Fixture]] = {}
    for fixture in fixtures:
        by_expected.setdefault(fixture.expected_path.resolve(), []).append(fixture)
    marked = []
    for group in by_expected.values():
        if len(group) == 1:
            marked.extend(group)
            continue
        names = ", ".join(sorted(f.input_path.name for f in group))
        problem = f"several inputs share one expected file ({names}); keep one input per case"
        marked.extend(Fixture(f.name, f.input_path, f.expected_path, f.options_path, problem, f.root) for f in group)
    return marked


def _selected(name: str, patterns: Sequence[str]) -> bool:
    if not patterns:
        return True
    return any(
        fnmatchcase(name, pattern) if any(c in pattern for c in "*?[") else pattern in name for pattern in patterns
    )


# --------------------------------------------------------------------------- options


@dataclass(frozen=True)
class CaseOptions:
    max_wer: float | None = None
    max_cer: float | None = None
    pipeline: dict = field(default_factory=dict)
    note: str | None = None

    @property
    def exact(self) -> bool:
        """No positive tolerance: the output must equal the expected text exactly."""
        return not any(t for t in (self.max_wer, self.max_cer))

    def tolerance(self) -> dict:
        return {"max_wer": self.max_wer, "max_cer": self.max_cer}


def parse_case_options(data: object, source: str) -> CaseOptions:
    """Validate an options.json object; unknown keys are errors (a typo must not pass)."""
    if not isinstance(data, dict):
        raise FixtureError("options must be a JSON object", source=source)
    unknown = sorted(set(data) - OPTION_KEYS)
    if unknown:
        raise FixtureError(f"unknown option(s) {', '.join(unknown)}; allowed: {', '.join(sorted(OPTION_KEYS))}", source=source)
    tolerances = {}
    for key in TOLERANCE_KEYS:
        value = data.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1):
            raise FixtureError(f"{key} must be a fraction between 0 and 1, got {_shown(value)}", source=source)
        tolerances[key] = None if value is None else float(value)
    if data.get("ocr", "auto") not in OCR_MODES:
        raise FixtureError(f"ocr must be one of {', '.join(OCR_MODES)}, got {_shown(data['ocr'])}", source=source)
    for key in ("dpi", "psm"):
        if key in data and (isinstance(data[key], bool) or not isinstance(data[key], int)):
            raise FixtureError(f"{key} must be an integer, got {_shown(data[key])}", source=source)
    for key in ("lang", "password", "note"):
        if key in data and not isinstance(data[key], str):
            raise FixtureError(f"{key} must be a string, got {_shown(data[key])}", source=source)
    pipeline = {key: data[key] for key in PIPELINE_OPTION_KEYS if key in data}
    # The ranges are the command line's own (ExtractOptions.validate): a value that `run`
    # would refuse is this case's error, not the whole check's.
    extract_keys = {key: value for key, value in pipeline.items() if key != "password"}
    try:
        ExtractOptions(**extract_keys).validate()
    except BadArgumentsError as exc:
        raise FixtureError(exc.message.replace("--ocr-timeout", "ocr_timeout").lstrip("-"), source=source) from exc
    return CaseOptions(note=data.get("note"), pipeline=pipeline, **tolerances)


def load_case_options(fixture: Fixture) -> CaseOptions:
    if fixture.options_path is None:
        return CaseOptions()
    source = str(fixture.options_path)
    try:
        data = json.loads(fixture.options_path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise FileAccessError(f"cannot read options: {exc.strerror}", source=source) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FixtureError(f"not valid JSON: {exc}", source=source) from exc
    except (ValueError, RecursionError) as exc:  # a number of thousands of digits, nesting too deep
        raise FixtureError(f"cannot be read as options ({type(exc).__name__}: {str(exc)[:120]})", source=source) from exc
    return parse_case_options(data, source)


# --------------------------------------------------------------------------- comparison


def normalise_for_comparison(text: str) -> str:
    """NFC, LF line ends, and one trailing newline dropped (editors add one)."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n"))
    return text[:-1] if text.endswith("\n") else text


def read_expected(path: Path) -> str | None:
    """The expected text, or None when the file does not exist yet."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise FileAccessError(f"cannot read expected text: {exc.strerror}", source=str(path)) from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UndecodableTextError(f"expected text is not UTF-8 ({exc.reason} at byte {exc.start})", source=str(path)) from exc


@dataclass(frozen=True)
class Hunk:
    """One stretch of a word diff: changes with a few unchanged words around them."""

    line: int  # line in the reference (expected) text where the first change starts
    leading_cut: bool  # unchanged text before the hunk was left out
    trailing_cut: bool
    ops: tuple[DiffOp, ...]

    def plain(self) -> str:
        body = " ".join(format_op(op) for op in self.ops)
        return ("… " if self.leading_cut else "") + body + (" …" if self.trailing_cut else "")


@dataclass(frozen=True)
class Comparison:
    passed: bool
    identical: bool  # equal after normalise_for_comparison
    wer: float
    cer: float
    ops: tuple[DiffOp, ...]
    hunks: tuple[Hunk, ...]
    whitespace_note: str | None  # set when the texts differ only in whitespace


def _trim_equal(op: DiffOp, keep_head: int, keep_tail: int) -> tuple[list[DiffOp], bool]:
    """The head and/or tail of an equal op kept as context; True when words were left out."""
    n = len(op.before)
    if keep_head + keep_tail >= n:
        return [op], False
    pieces = []
    if keep_head:
        pieces.append(_slice_equal(op, 0, keep_head))
    if keep_tail:
        pieces.append(_slice_equal(op, n - keep_tail, n))
    return pieces, True


def _slice_equal(op: DiffOp, lo: int, hi: int) -> DiffOp:
    return DiffOp(
        "equal", op.ref_start + lo, op.ref_start + hi, op.hyp_start + lo, op.hyp_start + hi, op.before[lo:hi], op.after[lo:hi]
    )


def build_hunks(ops: Sequence[DiffOp], reference: str, context: int = CONTEXT_WORDS) -> list[Hunk]:
    """Group changes into readable hunks with up to ``context`` unchanged words around them."""
    reference_words = words_with_offsets(reference)

    def line_of(word_index: int) -> int:
        if not reference_words:
            return 1
        offset = reference_words[min(word_index, len(reference_words) - 1)].start
        return reference.count("\n", 0, offset) + 1

    hunks: list[Hunk] = []
    current: list[DiffOp] = []
    leading_cut = False
    for index, op in enumerate(ops):
        if op.tag != "equal":
            current.append(op)
            continue
        is_first, is_last = index == 0, index == len(ops) - 1
        if is_first and is_last:
            continue  # nothing changed
        if is_first:
            pieces, leading_cut = _trim_equal(op, 0, context)
            current.extend(p for p in pieces if p.before)
            continue
        if is_last:
            pieces, trailing_cut = _trim_equal(op, context, 0)
            current.extend(p for p in pieces if p.before)
            hunks.append(_close_hunk(current, leading_cut, trailing_cut, line_of))
            current = []
            continue
        pieces, cut = _trim_equal(op, context, context)
        if not cut:
            current.extend(pieces)
            continue
        current.append(pieces[0])
        hunks.append(_close_hunk(current, leading_cut, True, line_of))
        current, leading_cut = [pieces[1]], True
    if current:
        hunks.append(_close_hunk(current, leading_cut, False, line_of))
    return hunks


def _close_hunk(ops: list[DiffOp], leading_cut: bool, trailing_cut: bool, line_of) -> Hunk:
    first_change = next(op for op in ops if op.tag != "equal")
    return Hunk(line_of(first_change.ref_start), leading_cut, trailing_cut, tuple(ops))


def _whitespace_note(expected: str, actual: str) -> str:
    """Where two texts with the same words first differ in their whitespace."""
    expected_lines, actual_lines = expected.split("\n"), actual.split("\n")
    for number, (want, got) in enumerate(zip(expected_lines, actual_lines), start=1):
        if want != got:
            return f"whitespace differs from line {number}: expected {want!r}, got {got!r}"
    return (
        f"whitespace differs: expected {len(expected_lines)} lines, got {len(actual_lines)} "
        f"(line breaks or a final newline)"
    )


def compare_texts(expected: str, actual: str, options: CaseOptions) -> Comparison:
    """Compare normalised texts: exact unless the options give a positive tolerance."""
    expected, actual = normalise_for_comparison(expected), normalise_for_comparison(actual)
    identical = expected == actual
    reference_words = [w.text for w in words_with_offsets(expected)]
    output_words = [w.text for w in words_with_offsets(actual)]
    ops = tuple(align_words(reference_words, output_words))
    hunks = tuple(build_hunks(ops, expected))
    word_error, char_error = wer(expected, actual), cer(expected, actual)
    if options.exact:
        passed = identical
    else:
        passed = all(
            limit is None or rate <= limit + 1e-12
            for rate, limit in ((word_error, options.max_wer), (char_error, options.max_cer))
        )
    note = _whitespace_note(expected, actual) if not identical and not changes(ops) else None
    return Comparison(passed, identical, word_error, char_error, ops, hunks, note)


# --------------------------------------------------------------------------- running


@dataclass
class CaseResult:
    fixture: Fixture
    status: str  # pass | fail | regressed | error | updated | created | unchanged
    options: CaseOptions | None = None
    comparison: Comparison | None = None
    expected_missing: bool = False
    error_reason: str | None = None
    error_message: str | None = None
    seconds: float = 0.0
    output: str | None = None  # what the pipeline made of the input
    baseline: BaselineComparison | None = None  # against check-baseline.json, when there is one
    baseline_command: str = "nbsclean check --update"  # what records a new baseline for this case
    recording: bool = False  # --update: this run records the baseline instead of testing against it

    @property
    def failed(self) -> bool:
        return self.status in ("fail", "regressed")

    @property
    def errored(self) -> bool:
        return self.status == "error"


@dataclass
class Report:
    results: list[CaseResult]
    update: bool = False
    metadata: dict = field(default_factory=dict)
    baseline_files: list[Path] = field(default_factory=list)  # written by --update

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)

    @property
    def exit_code(self) -> int:
        """2 when any input could not be processed, else 4 on any difference, else 0.

        An unreadable input wins because the check is then incomplete: a pass elsewhere
        says nothing about the case that never ran.
        """
        if any(r.errored for r in self.results):
            return int(ExitCode.input_rejected)
        if any(r.failed for r in self.results):
            return int(ExitCode.check_differences)
        return int(ExitCode.ok)


def write_text_atomically(path: Path, text: str) -> None:
    """Write ``text`` as UTF-8 atomically (see :mod:`nbsclean.atomic`)."""
    write_text_atomic(path, text)


def expected_file_text(output: str) -> str:
    """What ``--update`` writes: the output, NFC, ending in exactly the newline it needs."""
    output = unicodedata.normalize("NFC", output)
    return output if output.endswith("\n") else output + "\n"


def check_fixture(fixture: Fixture, process: Process, update: bool = False) -> CaseResult:
    """Run the pipeline on one fixture and compare (or, with ``update``, rewrite)."""
    started = time.monotonic()
    result = CaseResult(fixture, status="error")
    try:
        if fixture.problem:
            raise FixtureError(fixture.problem, source=str(fixture.input_path))
        result.options = load_case_options(fixture)
        expected = read_expected(fixture.expected_path)
        actual = process(fixture.input_path, dict(result.options.pipeline))
    except (InputRejectedError, FileAccessError) as exc:
        result.error_reason, result.error_message = exc.reason, str(exc)
        result.seconds = time.monotonic() - started
        return result
    result.output = actual
    result.expected_missing = expected is None
    result.comparison = compare_texts(expected or "", actual, result.options)
    if update and result.options.exact:
        result.status = _update_expected(fixture, expected, actual, result.comparison)
    elif expected is None:
        result.status = "fail"
    else:
        result.status = "pass" if result.comparison.passed else "fail"
    result.seconds = time.monotonic() - started
    return result


def _update_expected(fixture: Fixture, expected: str | None, actual: str, comparison: Comparison) -> str:
    """Rewrite an exact case's expected file when the output differs; returns the status.

    Cases with a tolerance are never rewritten: their expected text is hand-corrected
    ground truth that the pipeline only approximates.
    """
    if expected is not None and comparison.identical:
        return "unchanged"
    try:
        write_text_atomically(fixture.expected_path, expected_file_text(actual))
    except OSError as exc:
        raise FileAccessError(f"cannot write expected text: {exc.strerror}", source=str(fixture.expected_path)) from exc
    return "created" if expected is None else "updated"


def run_check(
    fixtures: Sequence[Fixture],
    process: Process,
    update: bool = False,
    metadata: dict | None = None,
    on_result: Callable[[CaseResult], None] | None = None,
    baselines: bool = True,
    rerun_options: Sequence[str] = (),
) -> Report:
    """Check every fixture; compare it with its tree's baseline (``check-baseline.json``)
    when there is one, and with ``update`` record the baseline of every case that passed.
    ``rerun_options`` (``--lexicon DIR``...) go into the ``--update`` command the messages suggest."""
    report = Report(results=[], update=update, metadata=dict(metadata or {}))
    books = BaselineBook(rerun_options)
    for fixture in fixtures:
        result = check_fixture(fixture, process, update=update)
        if baselines and result.comparison is not None:
            books.compare(result, update=update)
        report.results.append(result)
        if on_result is not None:
            on_result(result)
    if baselines and update:
        report.baseline_files = books.record([r for r in report.results if r.comparison is not None])
    return report


class BaselineBook:
    """The baseline files of one check run, one per fixture tree, loaded once each."""

    def __init__(self, rerun_options: Sequence[str] = ()) -> None:
        self.rerun_options = list(rerun_options)
        self.by_root: dict[Path, Baseline] = {}
        self.by_path: dict[Path, Baseline] = {}

    def baseline_of(self, fixture: Fixture) -> Baseline:
        root = Path(fixture.root or fixture.input_path.parent).resolve()
        if root not in self.by_root:
            found = baseline_for(root)
            self.by_root[root] = self.by_path.setdefault(found.path, found)
        return self.by_root[root]

    def key(self, fixture: Fixture) -> tuple[Baseline, str]:
        baseline = self.baseline_of(fixture)
        return baseline, case_key(fixture.input_path, fixture.stem, baseline)

    def compare(self, result: CaseResult, update: bool) -> None:
        """Set ``result.baseline``; a passing case whose WER or CER rose becomes ``regressed``
        (with ``update`` nothing fails: the comparison only says what the new record changes)."""
        baseline, key = self.key(result.fixture)
        result.baseline_command = update_command(baseline, self.rerun_options)
        result.recording = update
        if not baseline.exists:
            return
        result.baseline = compare_with_baseline(baseline, key, current_entry(result))
        if not update and result.status == "pass" and result.baseline.verdict == "regressed":
            result.status = "regressed"

    def record(self, results: Sequence[CaseResult]) -> list[Path]:
        """Write the entries of every case that passed (a failing case keeps its old entry),
        drop the entries of cases that no longer exist; returns the files written."""
        touched: dict[Path, Baseline] = {}
        for result in results:
            if result.status in ("fail", "regressed", "error"):
                continue
            baseline, key = self.key(result.fixture)
            baseline.entries[key] = current_entry(result)
            touched[baseline.path] = baseline
        for baseline in touched.values():
            for key in stale_keys(baseline):
                del baseline.entries[key]
            write_baseline(baseline)
        return sorted(touched)


def current_entry(result: CaseResult) -> BaselineEntry:
    """The baseline entry of a case as it ran now (after ``--update`` rewrote an exact
    case's expected file, the output is the expected text: no changes left)."""
    comparison = result.comparison
    assert comparison is not None and result.output is not None
    if result.status in ("updated", "created"):
        return make_entry(0.0, 0.0, result.output, ())
    return make_entry(comparison.wer, comparison.cer, result.output, (format_op(op) for op in changes(comparison.ops)))


def update_command(baseline: Baseline, options: Sequence[str] = ()) -> str:
    """The command that re-records this baseline, with the fixture folder as the user
    would type it from the working directory (and the options that chose the lexicon)."""
    import shlex

    try:
        where = os.path.relpath(baseline.root)
    except ValueError:  # another drive (Windows)
        where = str(baseline.root)
    return shlex.join(["nbsclean", "check", where, *options, "--update"])


# --------------------------------------------------------------------------- reports


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def case_to_dict(result: CaseResult) -> dict:
    comparison = result.comparison
    return {
        "name": result.fixture.name,
        "status": result.status,
        "input": str(result.fixture.input_path),
        "expected": str(result.fixture.expected_path),
        "options": None if result.fixture.options_path is None else str(result.fixture.options_path),
        "exact": None if result.options is None else result.options.exact,
        "tolerance": None if result.options is None else result.options.tolerance(),
        "note": None if result.options is None else result.options.note,
        "expected_missing": result.expected_missing,
        "identical": None if comparison is None else comparison.identical,
        "wer": None if comparison is None else _rounded(comparison.wer),
        "cer": None if comparison is None else _rounded(comparison.cer),
        "words": None if comparison is None else sum(len(op.before) for op in comparison.ops),
        "changes": [] if comparison is None else [op.to_dict() for op in changes(comparison.ops)],
        "diff": [] if comparison is None else [{"line": h.line, "text": h.plain()} for h in comparison.hunks],
        "whitespace_note": None if comparison is None else comparison.whitespace_note,
        "error": None if result.error_reason is None else {"reason": result.error_reason, "message": result.error_message},
        "output_sha256": None if result.output is None else output_sha256(result.output),
        "baseline": None if result.baseline is None else result.baseline.to_dict(),
        "seconds": round(result.seconds, 3),
    }


def summary_counts(report: Report) -> dict:
    statuses = ("pass", "fail", "regressed", "error", "updated", "created", "unchanged")
    counts = {status: report.count(status) for status in statuses}
    counts["cases"] = len(report.results)
    counts["improved"] = sum(r.baseline is not None and r.baseline.verdict == "improved" for r in report.results)
    return counts


def report_to_dict(report: Report) -> dict:
    """The ``--json`` report (schema documented in README.md, "JSON report (--json)")."""
    return {
        "schema": "nbsclean.check/1",
        **report.metadata,
        "update": report.update,
        "exit_code": report.exit_code,
        "summary": summary_counts(report),
        "baseline_files": [str(p) for p in report.baseline_files],
        "cases": [case_to_dict(r) for r in report.results],
    }


def case_headline(result: CaseResult) -> str:
    """One line per case: status, name, rates and tolerance."""
    if result.errored:
        return f"{result.status.upper()} {result.fixture.name}: {result.error_message} [{result.error_reason}]"
    comparison = result.comparison
    assert comparison is not None and result.options is not None
    rates = f"WER {comparison.wer:.2%}, CER {comparison.cer:.2%}"
    if result.options.exact:
        rule = "exact match required"
    else:
        limits = [f"{k} {v:.2%}" for k, v in result.options.tolerance().items() if v is not None]
        rule = "tolerance " + ", ".join(limits)
    if result.status == "regressed" and result.baseline is not None and result.baseline.recorded is not None:
        # REGRESSED seeds/seed004: WER 1.70 % → 1.91 % (tolerance 5 %): only the rates that rose.
        recorded, rose = result.baseline.recorded, []
        for label, before, now in (("WER", recorded.wer, result.baseline.wer), ("CER", recorded.cer, result.baseline.cer)):
            if now > before:
                rose.append(f"{label} {percent(before)} → {percent(now)}")
        limits = [f"{k[4:].upper()} {percent(v)}" for k, v in result.options.tolerance().items() if v is not None]
        rule = "exact match required" if result.options.exact else "tolerance " + ", ".join(limits)
        return f"REGRESSED {result.fixture.name}: {', '.join(rose)} ({rule})"
    missing = "; no expected file (run with --update to create it)" if result.expected_missing else ""
    return f"{result.status.upper()} {result.fixture.name}: {rates} ({rule}){missing}"


def baseline_lines(result: CaseResult) -> list[str]:
    """What the baseline comparison tells the reader, and what to do about it."""
    compared = result.baseline
    if compared is None:
        return []
    command, name = result.baseline_command, compared.baseline_file.name
    recorded = compared.recorded
    if recorded is None:
        return [f"  added to {name}"] if result.recording else [f"  not in {name} yet: `{command}` records it"]
    moved = _rate_changes(recorded, compared)
    if result.recording:
        return [f"  {name}: {moved} recorded"] if moved else []
    if result.status == "regressed":
        lines = [f"  new since the baseline: {change}" for change in compared.new_changes]
        lines += [f"  gone since the baseline: {change}" for change in compared.fixed_changes]
        lines.append(
            f"  {name} recorded WER {percent(recorded.wer)}, CER {percent(recorded.cer)}: fix the regression, "
            f"or, if the change is intended, record it with `{command}` and commit {name}"
        )
        return lines
    if compared.verdict == "improved":
        return [f"  improved {moved}: run `{command}` to record it"]
    if compared.verdict == "changed":
        return [f"  output changed at the same WER and CER: `{command}` records it"]
    if compared.verdict == "regressed":  # a case that fails its own test anyway
        return [f"  also worse than {name}: {moved}"]
    return []


def _rate_changes(recorded: BaselineEntry, compared: BaselineComparison) -> str:
    """"WER 1.70 % → 1.20 %, CER …" for the rates that moved."""
    return ", ".join(
        f"{label} {percent(before)} → {percent(now)}"
        for label, before, now in (("WER", recorded.wer, compared.wer), ("CER", recorded.cer, compared.cer))
        if abs(now - before) > 1e-9
    )


def plain_diff_lines(result: CaseResult) -> list[str]:
    """The human-readable word diff of one case in ``[-expected-]{+output+}`` form."""
    comparison = result.comparison
    if comparison is None or result.expected_missing:
        return []
    lines = [f"  {result.fixture.expected_path.name} line {hunk.line}: {hunk.plain()}" for hunk in comparison.hunks]
    if comparison.whitespace_note:
        lines.append(f"  {comparison.whitespace_note}")
    return lines


def report_to_junit(report: Report) -> ET.ElementTree:
    """JUnit XML: one testsuite, one testcase per fixture, failure/error with the diff."""
    counts = summary_counts(report)
    total_time = sum(r.seconds for r in report.results)
    suites = ET.Element("testsuites", name="nbsclean check")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name="nbsclean check",
        tests=str(counts["cases"]),
        failures=str(counts["fail"]),
        errors=str(counts["error"]),
        skipped="0",
        time=f"{total_time:.3f}",
    )
    scalar_metadata = {k: v for k, v in report.metadata.items() if isinstance(v, (str, int, float))}
    if scalar_metadata:
        properties = ET.SubElement(suite, "properties")
        for name, value in scalar_metadata.items():
            ET.SubElement(properties, "property", name=name, value=str(value))
    for result in report.results:
        classname, _, short_name = result.fixture.name.rpartition("/")
        case = ET.SubElement(
            suite,
            "testcase",
            classname="nbsclean.check" + (f".{classname.replace('/', '.')}" if classname else ""),
            name=short_name,
            file=str(result.fixture.input_path),
            time=f"{result.seconds:.3f}",
        )
        if result.errored:
            error = ET.SubElement(case, "error", message=result.error_message or "", type=result.error_reason or "error")
            error.text = case_headline(result)
        elif result.status == "regressed":
            failure = ET.SubElement(case, "failure", message=case_headline(result), type="baseline_regression")
            failure.text = "\n".join([case_headline(result), *baseline_lines(result)])
        elif result.failed:
            failure = ET.SubElement(case, "failure", message=case_headline(result), type="check_differences")
            failure.text = "\n".join([case_headline(result), *plain_diff_lines(result), *baseline_lines(result)])
        elif result.comparison is not None:
            ET.SubElement(case, "system-out").text = "\n".join([case_headline(result), *baseline_lines(result)])
        if result.baseline is not None and result.baseline.recorded is not None:
            properties = ET.Element("properties")
            case.insert(0, properties)  # JUnit's order: properties before the outcome
            for name, value in (
                ("baseline.verdict", result.baseline.verdict),
                ("baseline.wer", result.baseline.recorded.wer),
                ("baseline.cer", result.baseline.recorded.cer),
                ("wer", result.baseline.wer),
                ("cer", result.baseline.cer),
            ):
                ET.SubElement(properties, "property", name=name, value=str(value))
    ET.indent(suites)
    return ET.ElementTree(suites)


def write_junit(report: Report, path: Path) -> None:
    tree = report_to_junit(report)
    xml = ET.tostring(tree.getroot(), encoding="unicode", xml_declaration=False)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)  # CI jobs like reports/check.xml
        write_text_atomically(path, '<?xml version="1.0" encoding="utf-8"?>\n' + xml + "\n")
    except OSError as exc:
        raise FileAccessError(f"cannot write JUnit report: {exc.strerror}", source=str(path)) from exc


def require_fixtures(fixtures: Sequence[Fixture], paths: Sequence[str], patterns: Sequence[str]) -> None:
    """An empty selection is an error: a CI job that checks nothing must not pass."""
    if not fixtures:
        where = ", ".join(str(p) for p in paths)
        selection = f" matching {', '.join(patterns)}" if patterns else ""
        raise BadArgumentsError(f"no fixtures{selection} (looked for NAME.input.EXT files)", source=where)


__all__ = [
    "CaseOptions",
    "CaseResult",
    "Comparison",
    "Fixture",
    "FixtureError",
    "Hunk",
    "NbscleanError",
    "Report",
    "build_hunks",
    "check_fixture",
    "compare_texts",
    "discover_fixtures",
    "load_case_options",
    "normalise_for_comparison",
    "report_to_dict",
    "report_to_junit",
    "run_check",
    "write_junit",
]
