"""`nbsclean revert`: dropping edits keeps every record's provenance exact.

A corpus is made once by the real pipeline from the two damaged seeds and a clean one;
each test reverts a fresh copy of it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nbsclean.edits import Edit, apply_edits
from nbsclean.review.revert import EditSelector, revert_record

SEEDS = Path("/work/shared/seeds")
PAGE_BREAK = "\f"


def nbsclean(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nbsclean", *args], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> Path:
    inputs = tmp_path_factory.mktemp("inputs")
    for name in ("002_ed95ccfacf04fe09.txt", "004_6ac11f0aea4c5446.txt", "000_625cbf2fcd863354.txt"):
        shutil.copy(SEEDS / name, inputs / name)
    out = tmp_path_factory.mktemp("corpus") / "c"
    result = nbsclean("run", str(inputs), "-o", str(out), "-j", "1")
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture
def corpus(pristine, tmp_path) -> Path:
    copy = tmp_path / "c"
    shutil.copytree(pristine, copy)
    return copy


def records_of(corpus: Path) -> list[dict]:
    return [json.loads(line) for line in (corpus / "documents.jsonl").read_text(encoding="utf-8").splitlines()]


def manifest_of(corpus: Path) -> dict:
    return json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))


def assert_provenance(corpus: Path) -> None:
    """The corpus invariants a revert must keep."""
    for record in records_of(corpus):
        edits = [Edit.from_dict(e) for e in record["edits"]]
        assert apply_edits(record["raw_text"], edits) == record["text"]
        assert PAGE_BREAK.join(p["raw_text"] for p in record["pages"]) == record["raw_text"]
        assert PAGE_BREAK.join(p["text"] for p in record["pages"]) == record["text"]
        assert (corpus / "text" / f"{record['id']}.txt").read_text(encoding="utf-8") == record["text"]
        assert record["stats"]["edits"] == len(record["edits"])
    manifest = manifest_of(corpus)
    assert manifest["counts"]["edits"] == sum(len(r["edits"]) for r in records_of(corpus))


def test_revert_rule_drops_its_edits_and_keeps_provenance(corpus):
    before = records_of(corpus)
    rule = "hyphen_join"
    expected = sum(1 for r in before for e in r["edits"] if rule in e["rule"].split("+"))
    assert expected > 0
    result = nbsclean("revert", str(corpus), "--rule", rule)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"dropped {expected} edits")
    after = records_of(corpus)
    assert not [e for r in after for e in r["edits"] if rule in e["rule"].split("+")]
    for old, new in zip(before, after):
        # The other edits are untouched, ids included.
        assert new["edits"] == [e for e in old["edits"] if rule not in e["rule"].split("+")]
        assert new["raw_text"] == old["raw_text"]
    assert any("-\n" in r["text"] for r in after)  # the line-end hyphens are back
    assert_provenance(corpus)
    reverts = manifest_of(corpus)["reverts"]
    assert len(reverts) == 1
    assert reverts[0]["selector"] == {"rule": rule} and reverts[0]["count"] == expected and reverts[0]["time"]
    assert rule not in manifest_of(corpus)["edits_by_rule"]


def test_revert_one_edit_restores_its_before_text(corpus):
    record = max(records_of(corpus), key=lambda r: len(r["edits"]))
    edit = next(e for e in record["edits"] if e["before"] not in e["after"] and len(e["before"]) > 3)
    qualified = f"{record['id']}:{edit['id']}"
    result = nbsclean("revert", str(corpus), "--edit", qualified)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("dropped 1 edits in 1 documents")
    new = next(r for r in records_of(corpus) if r["id"] == record["id"])
    assert [e["id"] for e in new["edits"]] == [e["id"] for e in record["edits"] if e["id"] != edit["id"]]
    assert edit["before"] in new["text"]
    assert len(new["text"]) - len(record["text"]) == len(edit["before"]) - len(edit["after"])
    assert_provenance(corpus)
    assert manifest_of(corpus)["reverts"][0]["selector"] == {"edits": [qualified]}


def test_revert_below_and_document_restriction(corpus):
    records = records_of(corpus)
    target = max(records, key=lambda r: len(r["edits"]))
    threshold = sorted(e["score"] for e in target["edits"])[len(target["edits"]) // 2]
    result = nbsclean("revert", str(corpus), "--below", str(threshold), "--document", target["id"])
    assert result.returncode == 0, result.stderr
    after = {r["id"]: r for r in records_of(corpus)}
    assert all(e["score"] >= threshold for e in after[target["id"]]["edits"])
    assert len(after[target["id"]]["edits"]) < len(target["edits"])
    for record in records:
        if record["id"] != target["id"]:
            assert after[record["id"]] == record  # other documents untouched
    assert_provenance(corpus)


def test_reverted_words_count_as_unknown_again(corpus):
    before = {r["id"]: r for r in records_of(corpus)}
    assert nbsclean("revert", str(corpus), "--rule", "ocr_confusion").returncode == 0
    for record in records_of(corpus):
        old = before[record["id"]]
        if len(record["edits"]) < len(old["edits"]):
            assert record["stats"]["unknown_words"] > old["stats"]["unknown_words"]
            assert record["stats"]["words"] > 0


def test_no_selector_is_a_usage_error_and_changes_nothing(corpus):
    snapshot = {p: p.read_bytes() for p in corpus.rglob("*") if p.is_file()}
    result = nbsclean("revert", str(corpus))
    assert result.returncode == 1
    assert "--edit" in result.stderr
    assert {p: p.read_bytes() for p in corpus.rglob("*") if p.is_file()} == snapshot


def test_nothing_matched_or_dry_run_leaves_the_corpus_alone(corpus):
    snapshot = {p: p.read_bytes() for p in corpus.rglob("*") if p.is_file()}
    result = nbsclean("revert", str(corpus), "--below", "0")  # a valid selector that matches nothing
    assert result.returncode == 0
    assert result.stdout.startswith("dropped 0 edits")
    unknown = nbsclean("revert", str(corpus), "--rule", "no_such_rule")
    assert unknown.returncode == 1
    assert "no_such_rule" in unknown.stderr and "hyphen_join" in unknown.stderr  # the valid rules are listed
    unknown_id = nbsclean("revert", str(corpus), "--edit", "e99999")
    assert unknown_id.returncode == 1 and "e99999" in unknown_id.stderr
    dry = nbsclean("revert", str(corpus), "--rule", "hyphen_join", "--dry-run")
    assert dry.returncode == 0
    assert dry.stdout.splitlines()[-1].startswith("would drop")
    assert len(dry.stdout.splitlines()) > 1  # the ids it would drop
    assert {p: p.read_bytes() for p in corpus.rglob("*") if p.is_file()} == snapshot


def test_unknown_document_and_missing_corpus(corpus, tmp_path):
    assert nbsclean("revert", str(corpus), "--below", "1", "--document", "0000").returncode == 1
    missing = nbsclean("revert", str(tmp_path / "none"), "--below", "1")
    assert missing.returncode == 5


def test_selector_matches_rule_parts_and_qualified_ids():
    raw = "Till-\nsammans for barn"
    edits = [
        {"id": "e1", "start": 0, "end": 13, "before": "Till-\nsammans", "after": "Tillsammans", "rule": "hyphen_join+ocr_confusion", "score": 0.9},
        {"id": "e2", "start": 14, "end": 17, "before": "for", "after": "för", "rule": "known_word_confusion", "score": 0.4},
    ]
    record = {"id": "d", "raw_text": raw, "text": "Tillsammans för barn", "pages": [{"n": 1, "raw_text": raw, "text": "x"}], "edits": edits, "stats": {}}
    new, dropped = revert_record(record, EditSelector(rule="ocr_confusion"))
    assert [e["id"] for e in dropped] == ["e1"] and new["text"] == "Till-\nsammans för barn"
    assert new["pages"][0]["text"] == new["text"] and new["stats"]["edits"] == 1
    assert revert_record(record, EditSelector(edit_ids=frozenset({"other:e2"})))[1] == []
    assert [e["id"] for e in revert_record(record, EditSelector(edit_ids=frozenset({"d:e2"})))[1]] == ["e2"]
    both = EditSelector(rule="known_word_confusion", below=0.3)  # AND: score 0.4 is not below 0.3
    assert revert_record(record, both)[1] == []
    assert record["text"] == "Tillsammans för barn"  # the input record is not modified
