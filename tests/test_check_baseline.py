"""`nbsclean check` baselines: check-baseline.json records each case's WER, CER, output hash
and remaining changes; a case that gets worse inside its tolerance fails, an improvement
passes and says so, `--update` re-records.

The unit tests drive the checker with a stand-in pipeline whose output the test chooses;
the CLI test reproduces the issue's regression with the real pipeline: a copy of the
lexicon without one learned confusion row, checked against the seeds' baseline.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from nbsclean.check.baseline import (
    BASELINE_FILE,
    Baseline,
    BaselineEntry,
    compare_with_baseline,
    find_baseline_path,
    load_baseline,
)
from nbsclean.check.fixtures import (
    FixtureError,
    baseline_lines,
    case_headline,
    discover_fixtures,
    report_to_dict,
    report_to_junit,
    run_check,
)
from nbsclean.errors import ExitCode

REPO = Path(__file__).resolve().parents[1]
EXPECTED = "Mötet hölls i Sörmland och alla var välkomna till den nya skolan i länet"  # 14 words
TOLERANCE = {"max_wer": 0.5}


def write_case(directory: Path, name: str, expected: str, options: dict | None = None) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{name}.input.txt").write_text("input", encoding="utf-8")
    (directory / f"{name}.expected.txt").write_text(expected + "\n", encoding="utf-8")
    if options is not None:
        (directory / f"{name}.options.json").write_text(json.dumps(options), encoding="utf-8")


class Pipeline:
    """A stand-in pipeline: the output of each case is whatever the test sets."""

    def __init__(self, outputs: dict[str, str]):
        self.outputs = outputs

    def __call__(self, path: Path, options: dict) -> str:
        return self.outputs[path.name.split(".input.")[0]]


def damaged(*pairs: tuple[str, str]) -> str:
    text = EXPECTED
    for right, wrong in pairs:
        text = text.replace(right, wrong, 1)
    return text


def check(root: Path, pipeline: Pipeline, update: bool = False, paths: list[Path] | None = None):
    return run_check(discover_fixtures(paths or [root]), pipeline, update=update)


@pytest.fixture
def tree(tmp_path) -> Path:
    root = tmp_path / "fixtures"
    write_case(root / "seeds", "page1", EXPECTED, TOLERANCE)
    write_case(root / "seeds", "page2", EXPECTED, TOLERANCE)
    write_case(root, "exact", EXPECTED)
    return root


def test_update_records_every_case_sorted_and_stable(tree):
    pipeline = Pipeline({"page1": damaged(("Sörmland", "Sormland")), "page2": EXPECTED, "exact": EXPECTED})
    report = check(tree, pipeline, update=True)
    assert report.exit_code == 0
    path = tree / BASELINE_FILE
    assert report.baseline_files == [path.resolve()]
    data = json.loads(path.read_text(encoding="utf-8"))
    assert list(data["cases"]) == ["exact", "seeds/page1", "seeds/page2"]
    page1 = data["cases"]["seeds/page1"]
    assert page1["wer"] == round(1 / 14, 6) and page1["changes"] == ["[-Sörmland-]{+Sormland+}"]
    assert data["cases"]["exact"]["wer"] == 0 and data["cases"]["exact"]["changes"] == []
    first = path.read_bytes()
    check(tree, pipeline, update=True)
    assert path.read_bytes() == first  # the same results write the same bytes: diff-friendly
    # Tolerance cases' expected files are never rewritten by --update.
    assert (tree / "seeds" / "page1.expected.txt").read_text(encoding="utf-8") == EXPECTED + "\n"


def test_a_regression_inside_the_tolerance_fails_with_what_changed(tree):
    check(tree, Pipeline({"page1": damaged(("Sörmland", "Sormland")), "page2": EXPECTED, "exact": EXPECTED}), update=True)
    worse = Pipeline({"page1": damaged(("Sörmland", "Sormland"), ("länet", "lanet")), "page2": EXPECTED, "exact": EXPECTED})
    report = check(tree, worse)
    result = next(r for r in report.results if r.fixture.name == "seeds/page1")
    assert result.comparison.passed  # 2/14 is well inside max_wer 0.5 ...
    assert result.status == "regressed" and report.exit_code == ExitCode.check_differences  # ... and still fails
    headline = case_headline(result)
    assert headline.startswith("REGRESSED seeds/page1: WER 7.14 % → 14.29 %, CER ")
    assert headline.endswith(" (tolerance WER 50.00 %)")
    lines = baseline_lines(result)
    assert lines[0] == "  new since the baseline: [-länet-]{+lanet+}"
    assert "nbsclean check" in lines[-1] and "--update" in lines[-1] and BASELINE_FILE in lines[-1]
    as_json = report_to_dict(report)
    case = next(c for c in as_json["cases"] if c["name"] == "seeds/page1")
    assert case["status"] == "regressed" and case["baseline"]["verdict"] == "regressed"
    assert case["baseline"]["wer"] == round(1 / 14, 6) and case["baseline"]["new_changes"] == ["[-länet-]{+lanet+}"]
    assert as_json["summary"]["regressed"] == 1
    junit = report_to_junit(report).getroot()
    failure = junit.find(".//testcase[@name='page1']/failure")
    assert failure is not None and failure.get("type") == "baseline_regression"
    assert "[-länet-]{+lanet+}" in failure.text


def test_an_improvement_passes_and_says_how_to_record_it(tree):
    check(tree, Pipeline({"page1": damaged(("Sörmland", "Sormland")), "page2": EXPECTED, "exact": EXPECTED}), update=True)
    report = check(tree, Pipeline({"page1": EXPECTED, "page2": EXPECTED, "exact": EXPECTED}))
    result = next(r for r in report.results if r.fixture.name == "seeds/page1")
    assert result.status == "pass" and report.exit_code == 0
    assert result.baseline.verdict == "improved" and result.baseline.fixed_changes == ("[-Sörmland-]{+Sormland+}",)
    assert baseline_lines(result)[0].startswith("  improved WER 7.14 % → 0.00 %")
    assert "--update` to record it" in baseline_lines(result)[0]
    assert report_to_dict(report)["summary"]["improved"] == 1


def test_the_same_rates_with_another_output_pass_and_are_reported(tree):
    check(tree, Pipeline({"page1": damaged(("Sörmland", "Sormland")), "page2": EXPECTED, "exact": EXPECTED}), update=True)
    swapped = Pipeline({"page1": damaged(("skolan", "skolon")), "page2": EXPECTED, "exact": EXPECTED})
    report = check(tree, swapped)
    result = next(r for r in report.results if r.fixture.name == "seeds/page1")
    assert result.status == "pass" and result.baseline.verdict == "changed"
    assert result.baseline.new_changes == ("[-skolan-]{+skolon+}",)


def test_without_a_baseline_file_nothing_changes(tree):
    worse = Pipeline({"page1": damaged(("länet", "lanet")), "page2": EXPECTED, "exact": EXPECTED})
    report = check(tree, worse)
    assert report.exit_code == 0 and all(r.baseline is None for r in report.results)
    assert not (tree / BASELINE_FILE).exists()


def test_a_subfolder_is_checked_against_the_tree_baseline(tree):
    check(tree, Pipeline({"page1": EXPECTED, "page2": EXPECTED, "exact": EXPECTED}), update=True)
    assert find_baseline_path(tree / "seeds") == (tree / BASELINE_FILE).resolve()
    report = check(tree, Pipeline({"page1": damaged(("länet", "lanet")), "page2": EXPECTED}), paths=[tree / "seeds"])
    assert [r.status for r in report.results] == ["regressed", "pass"]
    # Recording only the subfolder keeps the other cases' entries.
    check(tree, Pipeline({"page1": EXPECTED, "page2": EXPECTED}), update=True, paths=[tree / "seeds"])
    assert "exact" in load_baseline(tree / BASELINE_FILE).entries


def test_a_removed_case_leaves_the_baseline_on_the_next_update(tree):
    pipeline = Pipeline({"page1": EXPECTED, "page2": EXPECTED, "exact": EXPECTED})
    check(tree, pipeline, update=True)
    for path in (tree / "seeds").glob("page2.*"):
        path.unlink()
    check(tree, pipeline, update=True)
    assert sorted(load_baseline(tree / BASELINE_FILE).entries) == ["exact", "seeds/page1"]


def test_a_failing_case_keeps_its_recorded_entry(tree):
    check(tree, Pipeline({"page1": EXPECTED, "page2": EXPECTED, "exact": EXPECTED}), update=True)
    broken = Pipeline({"page1": "helt annan text", "page2": EXPECTED, "exact": EXPECTED})
    report = check(tree, broken, update=True)
    assert report.exit_code == ExitCode.check_differences
    assert load_baseline(tree / BASELINE_FILE).entries["seeds/page1"].wer == 0


def test_a_new_case_is_reported_until_recorded(tree):
    check(tree, Pipeline({"page1": EXPECTED, "page2": EXPECTED, "exact": EXPECTED}), update=True)
    write_case(tree / "seeds", "page3", EXPECTED, TOLERANCE)
    report = check(tree, Pipeline({"page1": EXPECTED, "page2": EXPECTED, "page3": EXPECTED, "exact": EXPECTED}))
    result = next(r for r in report.results if r.fixture.name == "seeds/page3")
    assert result.status == "pass" and result.baseline.verdict == "new"
    assert "not in check-baseline.json yet" in baseline_lines(result)[0]


@pytest.mark.parametrize("content", ["{not json", '{"schema": "other", "cases": {}}', '{"schema": "nbsclean.check-baseline/1", "cases": {"a": {"wer": 1}}}'])
def test_a_damaged_baseline_file_is_a_named_error(tree, content):
    (tree / BASELINE_FILE).write_text(content, encoding="utf-8")
    with pytest.raises(FixtureError):
        check(tree, Pipeline({"page1": EXPECTED, "page2": EXPECTED, "exact": EXPECTED}))


def test_verdicts():
    baseline = Baseline(Path("/x") / BASELINE_FILE, {"a": BaselineEntry(0.1, 0.02, "h", ("[-a-]{+b+}",))}, exists=True)
    verdict = lambda wer, cer, sha="h": compare_with_baseline(baseline, "a", BaselineEntry(wer, cer, sha, ())).verdict
    assert verdict(0.1, 0.02) == "same"
    assert verdict(0.1, 0.02, "other") == "changed"
    assert verdict(0.1000001, 0.02) == "same"  # below the stored precision
    assert verdict(0.11, 0.02) == "regressed"
    assert verdict(0.1, 0.03) == "regressed"
    assert verdict(0.05, 0.03) == "regressed"  # either rate rising is a regression
    assert verdict(0.05, 0.02) == "improved"
    assert compare_with_baseline(baseline, "b", BaselineEntry(0, 0, "h")).verdict == "new"


# --------------------------------------------------------------------------- the real pipeline


def nbsclean(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "NBSCLEAN_LEXICON_DIR"}
    return subprocess.run([sys.executable, "-m", "nbsclean", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=900)


def test_the_issue_regression_one_confusion_row_less_fails_the_check(tmp_path):
    """Removing the learned confusion i → ä turns "säkerställa" into "sikerstdlla" in seed004
    (and "hälsa", read as "hilsa", into "hål så": "i" is also å's reading): WER 1.06 % →
    1.70 %, inside its 5 % tolerance. The baseline catches it."""
    shutil.copytree(REPO / "samples" / "seeds", tmp_path / "seeds")
    lexicon = tmp_path / "lexicon"
    shutil.copytree(REPO / "lexicons", lexicon, ignore=shutil.ignore_patterns("candidates.tsv"))
    rows = (lexicon / "confusions.tsv").read_text(encoding="utf-8").splitlines(keepends=True)
    (lexicon / "confusions.tsv").write_text("".join(r for r in rows if not r.startswith("i\tä\t")), encoding="utf-8")

    recorded = nbsclean("check", "seeds", "--update", cwd=tmp_path)
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    assert (tmp_path / "seeds" / BASELINE_FILE).is_file()

    result = nbsclean("check", "seeds", "--lexicon", str(lexicon), "--json", "--junit", "report.xml", cwd=tmp_path)
    assert result.returncode == ExitCode.check_differences, result.stderr
    assert "REGRESSED seed004: WER 1.06 % → 1.70 %" in result.stderr
    assert "new since the baseline: [-säkerställa-]{+sikerstdlla+}" in result.stderr
    assert f"nbsclean check seeds --lexicon {lexicon} --update" in result.stderr
    case = next(c for c in json.loads(result.stdout)["cases"] if c["name"] == "seed004")
    assert case["status"] == "regressed" and case["baseline"]["verdict"] == "regressed"
    failure = ET.parse(tmp_path / "report.xml").getroot().find(".//testcase[@name='seed004']/failure")
    assert failure is not None and failure.get("type") == "baseline_regression"

    # The packaged lexicon against a baseline recorded with the worse one: an improvement, exit 0.
    nbsclean("check", "seeds", "--lexicon", str(lexicon), "--update", cwd=tmp_path)
    better = nbsclean("check", "seeds", cwd=tmp_path)
    assert better.returncode == 0, better.stdout
    assert "improved WER 1.70 % → 1.06 %" in better.stdout and "--update` to record it" in better.stdout
