"""`nbsclean check`: fixture discovery, comparison, update, reports, and the CLI end to end.

The unit tests drive the checker with small ``process`` functions (the checker takes the
pipeline as a parameter); the CLI tests run the real pipeline on small .txt fixtures and
one PNG fixture through real Tesseract.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from nbsclean.check.fixtures import (
    CaseOptions,
    FixtureError,
    compare_texts,
    discover_fixtures,
    load_case_options,
    normalise_for_comparison,
    parse_case_options,
    plain_diff_lines,
    report_to_dict,
    report_to_junit,
    run_check,
)
from nbsclean.errors import BadArgumentsError, EmptyInputError, FileAccessError


def write_case(directory: Path, name: str, input_text: str, expected: str | None, options: dict | None = None,
               extension: str = "txt") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    input_path = directory / f"{name}.input.{extension}"
    input_path.write_text(input_text, encoding="utf-8")
    if expected is not None:
        (directory / f"{name}.expected.txt").write_text(expected, encoding="utf-8")
    if options is not None:
        (directory / f"{name}.options.json").write_text(json.dumps(options), encoding="utf-8")
    return input_path


# A stand-in pipeline with known behaviour: it fixes two damaged forms and rejects empty files.
REPAIRS = {"ar": "är", "Sormland": "Sörmland"}


def fake_pipeline(path: Path, options: dict) -> str:
    text = path.read_text(encoding="utf-8")
    if not text.strip():
        raise EmptyInputError("the file is empty (no text)", source=str(path))
    return " ".join(REPAIRS.get(word, word) for word in text.split(" "))


# --------------------------------------------------------------------------- discovery


def test_discovery_is_recursive_named_by_relative_path_and_skips_hidden(tmp_path):
    write_case(tmp_path / "seeds", "one", "x", "x")
    write_case(tmp_path / "scans" / "deep", "two", "x", "x", extension="png")
    write_case(tmp_path / ".git", "hidden", "x", "x")
    (tmp_path / "notes.txt").write_text("not a fixture")
    (tmp_path / "three.input.docx").write_text("unsupported extension")
    fixtures = discover_fixtures([tmp_path])
    assert [f.name for f in fixtures] == ["scans/deep/two", "seeds/one"]
    assert fixtures[1].expected_path == tmp_path / "seeds" / "one.expected.txt"


def test_discovery_filters_by_substring_and_glob(tmp_path):
    for name in ("alpha", "beta", "alphabet"):
        write_case(tmp_path, name, "x", "x")
    assert [f.name for f in discover_fixtures([tmp_path], ["alpha"])] == ["alpha", "alphabet"]
    assert [f.name for f in discover_fixtures([tmp_path], ["?eta"])] == ["beta"]
    assert [f.name for f in discover_fixtures([tmp_path], ["beta", "alphabet"])] == ["alphabet", "beta"]


def test_discovery_of_a_single_input_file_and_bad_paths(tmp_path):
    path = write_case(tmp_path, "one", "x", "x")
    assert [f.name for f in discover_fixtures([path])] == ["one"]
    with pytest.raises(FileAccessError):
        discover_fixtures([tmp_path / "missing"])
    with pytest.raises(BadArgumentsError):
        discover_fixtures([tmp_path / "one.expected.txt"])


def test_two_inputs_for_one_case_are_an_error_not_a_guess(tmp_path):
    write_case(tmp_path, "one", "ar", "är")
    write_case(tmp_path, "one", "ar", None, extension="png")
    report = run_check(discover_fixtures([tmp_path]), fake_pipeline)
    assert [r.status for r in report.results] == ["error", "error"]
    assert {r.error_reason for r in report.results} == {"bad_fixture"}
    assert report.exit_code == 2


# --------------------------------------------------------------------------- options


def test_options_are_validated(tmp_path):
    assert parse_case_options({}, "x").exact
    assert parse_case_options({"max_wer": 0.0, "max_cer": 0.0, "note": "n"}, "x").exact
    options = parse_case_options({"max_wer": 0.1, "ocr": "always", "lang": "swe", "dpi": 300, "psm": 4}, "x")
    assert not options.exact
    assert options.pipeline == {"ocr": "always", "lang": "swe", "dpi": 300, "psm": 4}
    for bad in ({"max_wer": 2}, {"max_wer": "0.1"}, {"ocr": "sometimes"}, {"dpi": "300"}, {"max_wr": 0.1}, []):
        with pytest.raises(FixtureError):
            parse_case_options(bad, "x")


@pytest.mark.parametrize(
    "bad",
    [
        {"dpi": -5}, {"dpi": 0}, {"dpi": 10**6}, {"psm": 99}, {"psm": -1}, {"lang": "swe+../../x"}, {"lang": ""},
        {"lang": "swe+"}, {"lang": "/etc/passwd"}, {"ocr_timeout": 0}, {"ocr_timeout": -1}, {"ocr_timeout": "5"},
        {"ocr_timeout": 1e300}, {"dpi": 10**4000}, {"max_wer": 10**4000},
    ],
)
def test_out_of_range_pipeline_options_are_a_fixture_error(bad):
    with pytest.raises(FixtureError) as error:
        parse_case_options(bad, "x")
    assert len(str(error.value)) < 300  # a huge value is not echoed whole


def test_pipeline_options_in_range_pass():
    options = parse_case_options({"lang": "swe+eng", "dpi": 2400, "psm": 13, "ocr_timeout": 30}, "x")
    assert options.pipeline == {"lang": "swe+eng", "dpi": 2400, "psm": 13, "ocr_timeout": 30}
    assert parse_case_options({"lang": "script/Latin"}, "x").pipeline == {"lang": "script/Latin"}


def test_invalid_options_json_is_a_fixture_error(tmp_path):
    write_case(tmp_path, "one", "x", "x")
    (tmp_path / "one.options.json").write_text("{not json")
    with pytest.raises(FixtureError):
        load_case_options(discover_fixtures([tmp_path])[0])


# --------------------------------------------------------------------------- comparison


def test_normalisation_is_nfc_lf_and_one_final_newline():
    assert normalise_for_comparison("So\u0308rmland\r\n") == "Sörmland"
    assert normalise_for_comparison("a\n\n") == "a\n"


def test_exact_comparison_catches_whitespace_only_differences():
    comparison = compare_texts("ett två\ntre\n", "ett två tre", CaseOptions())
    assert not comparison.passed
    assert comparison.wer == 0.0
    assert comparison.whitespace_note and "line 1" in comparison.whitespace_note
    assert compare_texts("ett två\n", "ett två", CaseOptions()).passed


def test_tolerance_is_honoured_and_only_given_limits_are_checked():
    expected = "ett två tre fyra fem sex sju åtta nio tio"
    one_wrong = "ett två tre fyra fem sex sju åtta nio TIO"
    assert not compare_texts(expected, one_wrong, CaseOptions()).passed
    assert compare_texts(expected, one_wrong, CaseOptions(max_wer=0.1)).passed
    assert not compare_texts(expected, one_wrong, CaseOptions(max_wer=0.05)).passed
    # CER of one wrong 3-letter word in 42 characters is about 7%: above 5%, below 10%.
    assert not compare_texts(expected, one_wrong, CaseOptions(max_wer=0.1, max_cer=0.05)).passed
    assert compare_texts(expected, one_wrong, CaseOptions(max_cer=0.1)).passed


def test_diff_hunks_name_the_line_and_keep_context_short():
    expected = "rad ett\n" + " ".join(f"ord{i}" for i in range(20)) + "\nslutet är här\n"
    actual = expected.replace("ord10", "ORD10").replace("är här", "ar har")
    comparison = compare_texts(expected, actual, CaseOptions())
    texts = [(h.line, h.plain()) for h in comparison.hunks]
    assert texts == [
        (2, "… ord6 ord7 ord8 ord9 [-ord10-]{+ORD10+} ord11 ord12 ord13 ord14 …"),
        (3, "… ord17 ord18 ord19 slutet [-är här-]{+ar har+}"),
    ]


# --------------------------------------------------------------------------- running


def test_changed_expected_file_fails_with_a_diff_naming_the_words(tmp_path):
    write_case(tmp_path, "sormland", "Vi ar i Sormland", "Vi är i Sörmlands län")
    report = run_check(discover_fixtures([tmp_path]), fake_pipeline)
    (result,) = report.results
    assert result.status == "fail"
    assert report.exit_code == 4
    assert plain_diff_lines(result) == ["  sormland.expected.txt line 1: Vi är i [-Sörmlands län-]{+Sörmland+}"]


def test_missing_expected_file_fails(tmp_path):
    write_case(tmp_path, "new", "Vi ar", None)
    report = run_check(discover_fixtures([tmp_path]), fake_pipeline)
    assert report.results[0].status == "fail" and report.results[0].expected_missing
    assert report.exit_code == 4


def test_update_rewrites_exact_cases_keeps_tolerance_cases_and_round_trips(tmp_path):
    write_case(tmp_path, "changed", "Vi ar i Sormland", "Vi ar i Sormland\n")
    write_case(tmp_path, "same", "Vi ar", "Vi är\n")
    write_case(tmp_path, "new", "Sormland", None)
    truth = "Vi är i Sörmlands län\n"
    write_case(tmp_path, "truth", "Vi ar i Sormland", truth, {"max_wer": 0.5})
    report = run_check(discover_fixtures([tmp_path]), fake_pipeline, update=True)
    statuses = {r.fixture.name: r.status for r in report.results}
    assert statuses == {"changed": "updated", "same": "unchanged", "new": "created", "truth": "pass"}
    assert report.exit_code == 0
    assert (tmp_path / "changed.expected.txt").read_text(encoding="utf-8") == "Vi är i Sörmland\n"
    assert (tmp_path / "new.expected.txt").read_text(encoding="utf-8") == "Sörmland\n"
    assert (tmp_path / "truth.expected.txt").read_text(encoding="utf-8") == truth  # ground truth kept
    updated = next(r for r in report.results if r.fixture.name == "changed")
    assert plain_diff_lines(updated) == ["  changed.expected.txt line 1: Vi [-ar-]{+är+} i [-Sormland-]{+Sörmland+}"]
    assert not list(tmp_path.glob(".*.tmp"))
    again = run_check(discover_fixtures([tmp_path]), fake_pipeline)
    assert again.exit_code == 0 and {r.status for r in again.results} == {"pass"}


def test_unreadable_input_is_an_error_and_wins_over_differences(tmp_path):
    write_case(tmp_path, "empty", "", "x")
    write_case(tmp_path, "differs", "ar", "inte")
    report = run_check(discover_fixtures([tmp_path]), fake_pipeline)
    statuses = {r.fixture.name: (r.status, r.error_reason) for r in report.results}
    assert statuses == {"empty": ("error", "empty_file"), "differs": ("fail", None)}
    assert report.exit_code == 2


def test_json_report_schema(tmp_path):
    write_case(tmp_path, "ok", "Vi ar", "Vi är")
    write_case(tmp_path, "bad", "Vi ar", "Vi var")
    write_case(tmp_path, "empty", "", "x")
    report = run_check(discover_fixtures([tmp_path]), fake_pipeline, metadata={"lexicon_sha256": "abc"})
    data = json.loads(json.dumps(report_to_dict(report)))
    assert data["schema"] == "nbsclean.check/1"
    assert data["lexicon_sha256"] == "abc"
    assert data["exit_code"] == 2
    assert data["summary"] == {"cases": 3, "pass": 1, "fail": 1, "regressed": 0, "error": 1, "updated": 0, "created": 0, "unchanged": 0, "improved": 0}
    cases = {case["name"]: case for case in data["cases"]}
    assert cases["bad"]["changes"] == [
        {"tag": "replace", "ref_start": 1, "ref_end": 2, "hyp_start": 1, "hyp_end": 2, "before": "var", "after": "är"}
    ]
    assert cases["bad"]["wer"] == 0.5 and cases["bad"]["words"] == 2
    assert cases["bad"]["diff"] == [{"line": 1, "text": "Vi [-var-]{+är+}"}]
    assert cases["ok"]["status"] == "pass" and cases["ok"]["exact"] is True
    assert cases["empty"]["error"] == {"reason": "empty_file", "message": f"{tmp_path / 'empty.input.txt'}: the file is empty (no text)"}
    expected_keys = {"name", "status", "input", "expected", "options", "exact", "tolerance", "note", "expected_missing",
                     "identical", "wer", "cer", "words", "changes", "diff", "whitespace_note", "error", "output_sha256", "baseline",
                         "seconds"}
    assert all(set(case) == expected_keys for case in data["cases"])


def test_junit_report_parses_with_the_right_counts(tmp_path):
    write_case(tmp_path / "a", "ok", "Vi ar", "Vi är")
    write_case(tmp_path / "a", "bad", "Vi ar", "Vi var")
    write_case(tmp_path, "empty", "", "x")
    report = run_check(discover_fixtures([tmp_path]), fake_pipeline)
    root = ET.fromstring(ET.tostring(report_to_junit(report).getroot()))
    suite = root.find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("3", "1", "1")
    cases = {(c.get("classname"), c.get("name")): c for c in suite.iter("testcase")}
    assert set(cases) == {("nbsclean.check.a", "ok"), ("nbsclean.check.a", "bad"), ("nbsclean.check", "empty")}
    failure = cases[("nbsclean.check.a", "bad")].find("failure")
    assert "[-var-]{+är+}" in failure.text and "a/bad" in failure.get("message")
    assert cases[("nbsclean.check", "empty")].find("error").get("type") == "empty_file"
    assert cases[("nbsclean.check.a", "ok")].find("failure") is None


# --------------------------------------------------------------------------- CLI, real pipeline

from nbsclean.cli import main  # noqa: E402
from nbsclean.repair.lexicon import lexicon_dir, load_lexicon  # noqa: E402
from nbsclean.pipeline import PipelineOptions, process_file  # noqa: E402

CLEAN_SWEDISH = "Välkomna till Sörmlands bästa träff om barn och unga i länet.\nVi ses i Nyköping den 3 maj.\n"


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(["check", *args])
    captured = capsys.readouterr()
    return exit_info.value.code, captured.out, captured.err


def pipeline_text(path: Path, **options) -> str:
    return process_file(path, PipelineOptions(**options), lexicon=load_lexicon())["text"]


@pytest.mark.parametrize(
    "options_text",
    ['{"dpi": -5}', '{"dpi": ' + "9" * 5000 + "}", '{"lang": "swe+../../x"}', "[" * 100_000, '{"psm": 1e999}'],
    ids=["negative-dpi", "5000-digit-dpi", "lang-path", "deep-nesting", "huge-float"],
)
def test_cli_a_bad_options_file_is_that_cases_error_and_the_others_run(tmp_path, capsys, options_text):
    write_case(tmp_path, "bad", CLEAN_SWEDISH, CLEAN_SWEDISH)
    (tmp_path / "bad.options.json").write_text(options_text, encoding="utf-8")
    write_case(tmp_path, "good", CLEAN_SWEDISH, CLEAN_SWEDISH)
    code, out, err = run_cli(capsys, str(tmp_path), "--json")
    assert code == 2, (out, err)
    report = json.loads(out)
    by_name = {case["name"]: case for case in report["cases"]}
    assert by_name["good"]["status"] == "pass"
    assert by_name["bad"]["status"] == "error" and by_name["bad"]["error"]["reason"] == "bad_fixture"


def test_cli_update_round_trips_then_a_changed_expected_file_fails_with_its_words(tmp_path, capsys):
    write_case(tmp_path / "txt", "clean", CLEAN_SWEDISH, None)
    write_case(tmp_path / "txt", "damaged", "Det ar bdsta i Sormland och lanet.\n", "placeholder\n")
    code, out, _ = run_cli(capsys, str(tmp_path), "--update")
    assert code == 0, out
    assert "CREATED txt/clean" in out and "UPDATED txt/damaged" in out
    assert "[-placeholder-]{+" in out  # --update says what changed
    for name in ("clean", "damaged"):
        written = (tmp_path / "txt" / f"{name}.expected.txt").read_text(encoding="utf-8")
        assert normalise_for_comparison(written) == normalise_for_comparison(pipeline_text(tmp_path / "txt" / f"{name}.input.txt"))
    code, out, _ = run_cli(capsys, str(tmp_path))
    assert code == 0, out
    assert "2 cases: 2 pass (exit 0)" in out
    assert out.rstrip().splitlines()[-1] == "check: 2 passed, 0 failed"

    expected_path = tmp_path / "txt" / "clean.expected.txt"
    expected_path.write_text(expected_path.read_text(encoding="utf-8").replace("Sörmlands", "Södermanlands"), encoding="utf-8")
    code, out, _ = run_cli(capsys, str(tmp_path))
    assert code == 4
    assert "FAIL txt/clean" in out and "PASS txt/damaged" in out
    assert "clean.expected.txt line 1: Välkomna till [-Södermanlands-]{+Sörmlands+} bästa träff" in out


def test_cli_unreadable_inputs_give_exit_2_and_the_rest_still_runs(tmp_path, capsys):
    write_case(tmp_path, "empty", "", "x\n")
    (tmp_path / "broken.input.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really an image")
    (tmp_path / "broken.expected.txt").write_text("x\n")
    write_case(tmp_path, "differs", CLEAN_SWEDISH, "Något helt annat.\n")
    code, out, err = run_cli(capsys, str(tmp_path))
    assert code == 2
    assert "ERROR empty:" in out and "[empty_file]" in out
    assert "ERROR broken:" in out
    assert "FAIL differs" in out


def test_cli_json_and_junit_reports(tmp_path, capsys):
    write_case(tmp_path, "ok", CLEAN_SWEDISH, CLEAN_SWEDISH)
    write_case(tmp_path, "bad", CLEAN_SWEDISH, CLEAN_SWEDISH.replace("Nyköping", "Flen"))
    write_case(tmp_path, "loose", CLEAN_SWEDISH, CLEAN_SWEDISH.replace("Nyköping", "Flen"), {"max_wer": 0.1, "note": "tolerant"})
    junit_path = tmp_path / "reports" / "report.xml"
    code, out, err = run_cli(capsys, str(tmp_path), "--json", "--junit", str(junit_path))
    assert code == 4
    data = json.loads(out)  # stdout holds nothing but the JSON report
    assert data["lexicon_sha256"] == load_lexicon().sha256
    assert data["summary"]["cases"] == 3 and data["summary"]["pass"] == 2 and data["summary"]["fail"] == 1
    cases = {c["name"]: c for c in data["cases"]}
    assert cases["bad"]["changes"][0]["before"] == "Flen" and cases["bad"]["changes"][0]["after"] == "Nyköping"
    assert cases["loose"]["status"] == "pass" and cases["loose"]["tolerance"] == {"max_wer": 0.1, "max_cer": None}
    assert "FAIL bad" in err  # the human report moved to stderr
    suite = ET.parse(junit_path).getroot().find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("3", "1", "0")
    failure = next(c for c in suite.iter("testcase") if c.get("name") == "bad").find("failure")
    assert "[-Flen-]{+Nyköping+}" in failure.text


def test_cli_selection_lexicon_option_and_empty_selection(tmp_path, capsys):
    write_case(tmp_path, "alpha", CLEAN_SWEDISH, CLEAN_SWEDISH)
    write_case(tmp_path, "beta", CLEAN_SWEDISH, "fel\n")
    code, out, _ = run_cli(capsys, str(tmp_path), "-k", "alph", "--lexicon", str(lexicon_dir()))
    assert code == 0 and "PASS alpha" in out and "beta" not in out
    code, _, err = run_cli(capsys, str(tmp_path), "-k", "gamma")
    assert code == 1 and "no fixtures matching gamma" in err
    code, _, err = run_cli(capsys, str(tmp_path / "nowhere"))
    assert code == 5


def render_page(text: str, path: Path) -> None:
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf", 42)
    image = Image.new("L", (2480, 600), 255)
    draw = ImageDraw.Draw(image)
    for number, line in enumerate(text.splitlines()):
        draw.text((150, 150 + number * 70), line, font=font, fill=0)
    image.save(path, dpi=(300, 300))


def test_cli_png_fixture_with_real_tesseract_honours_tolerance_and_keeps_ground_truth(tmp_path, capsys):
    write_case(tmp_path, "page", "", CLEAN_SWEDISH, {"max_wer": 0.2, "max_cer": 0.05, "note": "rendered page"}, extension="txt")
    (tmp_path / "page.input.txt").unlink()
    render_page(CLEAN_SWEDISH, tmp_path / "page.input.png")
    code, out, _ = run_cli(capsys, str(tmp_path), "--json")
    assert code == 0, out
    (case,) = json.loads(out)["cases"]
    assert case["status"] == "pass" and case["wer"] <= 0.2
    # --update never rewrites hand-corrected ground truth that has a tolerance.
    code, out, _ = run_cli(capsys, str(tmp_path), "--update")
    assert code == 0
    assert (tmp_path / "page.expected.txt").read_text(encoding="utf-8") == CLEAN_SWEDISH
    # The same tolerance fails when the ground truth disagrees with the page by a whole word.
    (tmp_path / "page.expected.txt").write_text(CLEAN_SWEDISH.replace("Nyköping", "Flen"), encoding="utf-8")
    (tmp_path / "page.options.json").write_text(json.dumps({"max_cer": 0.01}))
    code, out, _ = run_cli(capsys, str(tmp_path))
    assert code == 4 and "FAIL page" in out and "[-Flen-]" in out
