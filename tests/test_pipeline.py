"""process_file: the corpus record of DESIGN.md, with edits that replay onto raw_text."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from nbsclean import __version__
from nbsclean.edits import Edit, apply_edits
from nbsclean.evaluate import wer
from nbsclean.repair.lexicon import load_lexicon
from nbsclean.pipeline import PipelineOptions, display_path, process_file
from test_extract import SWEDISH_LINES, column, english_layer_pdf, make_text_pdf, render_lines

RECORD_KEYS = {
    "id", "source", "sha256", "bytes", "kind", "pages", "raw_text", "text", "edits", "stats",
    "nbsclean_version", "lexicon_sha256",
}
PAGE_KEYS = {"n", "method", "reason", "ocr_lang", "ocr_conf", "raw_text", "text"}
OCR_PAGE_KEYS = {"rotation", "skew", "quality"}
EDIT_KEYS = {"id", "start", "end", "before", "after", "rule", "score"}


@pytest.fixture(scope="module")
def lexicon():
    return load_lexicon()


def replay(record: dict) -> str:
    return apply_edits(record["raw_text"], [Edit.from_dict(edit) for edit in record["edits"]])


def assert_record_shape(record: dict, source: Path) -> None:
    assert set(record) == RECORD_KEYS
    data = source.read_bytes()
    assert record["sha256"] == hashlib.sha256(data).hexdigest()
    assert record["id"] == record["sha256"][:16]
    assert record["bytes"] == len(data)
    assert record["nbsclean_version"] == __version__
    assert record["raw_text"] == "\f".join(page["raw_text"] for page in record["pages"])
    assert record["text"] == "\f".join(page["text"] for page in record["pages"])
    for page in record["pages"]:
        assert PAGE_KEYS <= set(page) <= PAGE_KEYS | {"replaced_layer_text", "width", "height", "words", "blocks", "decode_edits"} | OCR_PAGE_KEYS
        if page["method"] in ("ocr", "ocr_replaced_layer"):
            assert OCR_PAGE_KEYS <= set(page)
    for i, edit in enumerate(record["edits"], start=1):
        assert set(edit) == EDIT_KEYS and edit["id"] == f"e{i}"
        assert record["raw_text"][edit["start"] : edit["end"]] == edit["before"]
    assert replay(record) == record["text"]
    assert record["stats"]["edits"] == len(record["edits"])


def test_text_file_mojibake_and_ocr_damage_become_one_edit_list(tmp_path, lexicon):
    source = tmp_path / "brev.txt"
    # "Sörmlands läns" double-encoded (mojibake) plus English-model OCR damage.
    source.write_bytes(
        "SÃ¶rmlands lÃ¤ns kommuner och Region Sérmland arbetar för barnens bdsta i lanet.\n".encode("utf-8")
    )
    record = process_file(source, PipelineOptions(), lexicon)
    assert_record_shape(record, source)
    assert record["kind"] == "text"
    assert record["raw_text"].startswith("SÃ¶rmlands")  # raw stays what the file said
    assert record["text"] == "Sörmlands läns kommuner och Region Sörmland arbetar för barnens bästa i länet.\n"
    rules = {edit["rule"] for edit in record["edits"]}
    assert "mojibake" in rules and len(rules) > 1
    assert record["lexicon_sha256"] == lexicon.sha256
    assert record["stats"]["words"] == 12


def test_page_edits_point_into_the_document_raw_text(tmp_path, lexicon):
    # Page 2 carries a little OCR damage, below the re-OCR threshold: the layer is kept and repaired.
    page_two = SWEDISH_LINES + ["Region Sérmland och barnens bdsta."] + SWEDISH_LINES
    source = make_text_pdf(
        tmp_path / "two-pages.pdf",
        [column("\n".join(SWEDISH_LINES), 60, 60, 90), column("\n".join(page_two), 60, 60, 90)],
    )
    record = process_file(source, PipelineOptions(), lexicon)
    assert_record_shape(record, source)
    assert [page["method"] for page in record["pages"]] == ["text_layer", "text_layer"]
    page_two_start = len(record["pages"][0]["raw_text"]) + 1
    fixes = [edit for edit in record["edits"] if edit["before"] in ("Sérmland", "bdsta")]
    assert [edit["after"] for edit in fixes] == ["Sörmland", "bästa"]
    assert all(edit["start"] >= page_two_start for edit in fixes)
    assert "Region Sörmland och barnens bästa." in record["pages"][1]["text"]


def test_repair_off_keeps_the_raw_text(tmp_path, lexicon):
    source = tmp_path / "brev.txt"
    source.write_text("Region Sérmland och barnens bdsta.\n", encoding="utf-8")
    record = process_file(source, PipelineOptions(repair=False), lexicon)
    assert_record_shape(record, source)
    assert record["text"] == record["raw_text"] and record["edits"] == []


def test_bad_english_layer_is_replaced_and_repaired_close_to_the_truth(tmp_path, lexicon):
    scan = tmp_path / "scan.png"
    render_lines(SWEDISH_LINES).save(scan, dpi=(300, 300))
    source = english_layer_pdf(scan, tmp_path / "bad-layer")
    record = process_file(source, PipelineOptions(), lexicon)
    assert_record_shape(record, source)
    page = record["pages"][0]
    assert page["method"] == "ocr_replaced_layer" and "damage" in page["reason"]
    assert page["ocr_lang"] == "swe" and page["ocr_conf"] > 80
    assert wer(" ".join(SWEDISH_LINES), page["replaced_layer_text"]) > 0.15
    assert wer(" ".join(SWEDISH_LINES), record["text"]) <= 0.01


def test_source_is_relative_where_possible(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert display_path(str(tmp_path / "a" / "b.pdf")) == os.path.join("a", "b.pdf")
    assert display_path("/elsewhere/b.pdf") == "/elsewhere/b.pdf"
    assert display_path("b.pdf") == "b.pdf"


def test_options_never_record_the_password():
    assert PipelineOptions(password="hemlig").to_dict()["password"] == "***"
    assert PipelineOptions().to_dict() == {
        "lang": "swe", "ocr": "auto", "dpi": 300, "psm": None, "password": None, "repair": True, "ocr_timeout": 180.0,
    }
