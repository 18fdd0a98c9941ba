"""`nbsclean decide` and decisions in later runs: every decision survives `run --overwrite`
and `run --resume`, and `--resume` after a lexicon change repairs again without Tesseract.

One corpus is made by the real pipeline (two damaged seeds as text and one scanned page
that goes through Tesseract); each test works on a fresh copy, through the CLI in a
subprocess.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nbsclean.edits import Edit, apply_edits
from nbsclean.review.decisions import Decision, append_decisions, read_decisions

REPO = Path(__file__).resolve().parents[1]
INPUTS = [
    REPO / "samples" / "seeds" / "seed002.input.txt",
    REPO / "samples" / "seeds" / "seed004.input.txt",
    REPO / "samples" / "scans" / "seed000-serif-page1.input.png",
]


def nbsclean(*args: str, env: dict | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nbsclean", *args], capture_output=True, text=True, timeout=600, env=env, cwd=cwd
    )


@pytest.fixture(scope="module")
def lexicon_copy(tmp_path_factory) -> Path:
    """A lexicon directory of our own, so that `lexicon add` never touches the checkout's."""
    folder = tmp_path_factory.mktemp("lexicon") / "lexicons"
    shutil.copytree(REPO / "lexicons", folder, ignore=shutil.ignore_patterns("candidates.tsv"))
    return folder


def environment(lexicon: Path, **extra: str) -> dict:
    return {**os.environ, "NBSCLEAN_LEXICON_DIR": str(lexicon), **extra}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory, lexicon_copy) -> Path:
    root = tmp_path_factory.mktemp("pristine")
    inputs = root / "in"
    inputs.mkdir()
    for path in INPUTS:
        shutil.copy(path, inputs / path.name)
    result = nbsclean("run", "in", "-o", "c", "-j", "1", env=environment(lexicon_copy), cwd=root)
    assert result.returncode == 0, result.stderr
    return root


@pytest.fixture
def work(pristine, lexicon_copy, tmp_path) -> Path:
    """A copy of the corpus and its inputs, with a lexicon of its own."""
    shutil.copytree(pristine, tmp_path / "w")
    shutil.copytree(lexicon_copy, tmp_path / "w" / "lexicons")
    return tmp_path / "w"


def records(corpus: Path) -> list[dict]:
    return [json.loads(line) for line in (corpus / "documents.jsonl").read_text(encoding="utf-8").splitlines()]


def manifest(corpus: Path) -> dict:
    return json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))


def by_kind(corpus: Path, kind: str) -> list[dict]:
    return [r for r in records(corpus) if r["kind"] == kind]


def assert_provenance(corpus: Path) -> None:
    for record in records(corpus):
        assert apply_edits(record["raw_text"], [Edit.from_dict(e) for e in record["edits"]]) == record["text"]
        assert "\f".join(page["text"] for page in record["pages"]) == record["text"]
        assert (corpus / "text" / f"{record['id']}.txt").read_text(encoding="utf-8") == record["text"]


def word_edits(record: dict) -> list[dict]:
    """Edits of one whole word (not hyphen joins or spaces), good targets for decisions."""
    return [e for e in record["edits"] if e["before"].isalpha() and e["after"].isalpha() and e["before"] != e["after"]]


def text_at(record: dict, start: int, end: int) -> str:
    """What the cleaned text has where raw_text[start:end] was (through the edits)."""
    edits = [Edit.from_dict(e) for e in record["edits"]]
    inside = [e for e in edits if start <= e.start and e.end <= end]
    return apply_edits(record["raw_text"][start:end], [e.shifted(-start) for e in inside]) if inside else record["raw_text"][start:end]


def four_decisions(corpus: Path) -> tuple[list[str], dict]:
    """decide arguments for a reject, a correct, an accept and a form, and what each must give."""
    first, second = by_kind(corpus, "text")[:2]
    reject, correct, accept = word_edits(first)[:3]
    form_edit = next(e for e in word_edits(second) if e["before"] not in (reject["before"], correct["before"], accept["before"]))
    args = [
        "--reject", f"{first['id']}:{reject['id']}",
        "--correct", f"{first['id']}:{correct['id']}=Rättat",
        "--accept", f"{first['id']}:{accept['id']}",
        "--form", f"{form_edit['before']}=Formord",
    ]
    expected = {
        "reject": (first["sha256"], reject["start"], reject["end"], reject["before"]),
        "correct": (first["sha256"], correct["start"], correct["end"], "Rättat"),
        "accept": (first["sha256"], accept["start"], accept["end"], accept["after"]),
        "form": form_edit["before"],
    }
    return args, expected


def assert_decisions_hold(corpus: Path, expected: dict) -> None:
    """Every decision's effect is in the corpus: 100 % of them."""
    documents = {r["sha256"]: r for r in records(corpus)}
    for kind in ("reject", "correct", "accept"):
        sha, start, end, word = expected[kind]
        assert text_at(documents[sha], start, end) == word, kind
    form = expected["form"]
    occurrences = 0
    for record in documents.values():
        for edit in record["edits"]:
            if edit["before"] == form:
                assert edit["after"] == "Formord" and edit["rule"] == "decision"
                occurrences += 1
        assert f" {form} " not in f" {record['text']} "
    assert occurrences >= 1
    assert_provenance(corpus)


# --- decide ------------------------------------------------------------------------------


def test_decide_records_all_four_kinds_and_updates_the_corpus_at_once(work):
    corpus = work / "c"
    args, expected = four_decisions(corpus)
    result = nbsclean("decide", "c", *args, "--note", "checked against the paper copy", cwd=work)
    assert result.returncode == 0, result.stderr
    decisions = read_decisions(corpus)
    assert sorted(d.kind for d in decisions) == ["accept", "correct", "form", "reject"]
    assert all(d.note == "checked against the paper copy" and d.time for d in decisions)
    assert_decisions_hold(corpus, expected)
    entry = manifest(corpus)["decisions"][-1]
    assert entry["added"] == {"accept": 1, "correct": 1, "form": 1, "reject": 1}
    assert manifest(corpus)["counts"]["edits"] == sum(len(r["edits"]) for r in records(corpus))


def test_an_id_that_matches_nothing_is_exit_1_and_nothing_is_written(work):
    corpus = work / "c"
    before = (corpus / "documents.jsonl").read_bytes()
    first = by_kind(corpus, "text")[0]
    good = f"{first['id']}:{word_edits(first)[0]['id']}"
    for bad in (["--reject", f"{first['id']}:e99999"], ["--reject", "0000000000000000:e1"], ["--form", "qqxqq=x"],
                ["--correct", good]):
        result = nbsclean("decide", "c", "--reject", good, *bad, cwd=work)
        assert result.returncode == 1, (bad, result.stderr)
        assert "nothing was written" in result.stderr or "expected" in result.stderr
    assert not (corpus / "decisions.jsonl").exists()
    assert (corpus / "documents.jsonl").read_bytes() == before


def test_decide_on_a_span_corrects_a_word_the_repair_left_alone(work):
    corpus = work / "c"
    record = by_kind(corpus, "text")[0]
    edited = {(e["start"], e["end"]) for e in record["edits"]}
    start = record["raw_text"].index("Tillsammans")
    assert (start, start + 11) not in edited
    result = nbsclean("decide", "c", "--correct", f"{record['id']}:{start}-{start + 11}=Tilsammans", cwd=work)
    assert result.returncode == 0, result.stderr
    assert text_at(next(r for r in records(corpus) if r["id"] == record["id"]), start, start + 11) == "Tilsammans"


# --- decisions in later runs -------------------------------------------------------------


def test_every_decision_survives_run_overwrite_and_the_history_is_kept(work, lexicon_copy):
    corpus = work / "c"
    args, expected = four_decisions(corpus)
    assert nbsclean("decide", "c", *args, cwd=work).returncode == 0
    (corpus / "review.html").write_text("<html>stale</html>", encoding="utf-8")
    decisions_file = (corpus / "decisions.jsonl").read_bytes()

    result = nbsclean("run", "in", "-o", "c", "-j", "1", "--overwrite", env=environment(work / "lexicons"), cwd=work)
    assert result.returncode == 0, result.stderr
    assert "--overwrite: removing" in result.stderr and "decisions.jsonl" in result.stderr
    assert (corpus / "decisions.jsonl").read_bytes() == decisions_file
    assert not (corpus / "review.html").exists()
    assert_decisions_hold(corpus, expected)
    history = manifest(corpus)
    assert len(history["runs"]) == 2 and len(history["decisions"]) == 1
    assert history["runs"][-1]["decisions"]["stale"] == 0
    assert "decisions applied" in result.stderr and "unknown words" in result.stderr  # the summary


def test_resume_after_a_lexicon_change_repairs_again_without_tesseract(work):
    corpus = work / "c"
    args, expected = four_decisions(corpus)
    assert nbsclean("decide", "c", *args, cwd=work).returncode == 0
    lexicons = work / "lexicons"
    scan = by_kind(corpus, "image")[0]
    from nbsclean.repair.engine import unknown_words
    from nbsclean.repair.lexicon import load_lexicon

    unknown = unknown_words(scan["text"], load_lexicon(lexicons))
    word = next(w for w, _ in unknown.most_common() if w.isalpha())
    added = nbsclean("lexicon", "add", word, "--category", "terms", env=environment(lexicons), cwd=work)
    assert added.returncode == 0, added.stderr

    # No tesseract on PATH: any OCR would fail the run with "missing dependency" (exit 3).
    no_tesseract = work / "bin"
    no_tesseract.mkdir()
    env = environment(lexicons, PATH=str(no_tesseract), COLUMNS="200")
    result = nbsclean("run", "in", "-o", "c", "-j", "1", "--resume", env=env, cwd=work)
    assert result.returncode == 0, result.stderr
    new_lexicon = load_lexicon(lexicons).sha256
    after = records(corpus)
    assert {r["lexicon_sha256"] for r in after} == {new_lexicon}
    rescanned = next(r for r in after if r["kind"] == "image")
    assert rescanned["pages"][0]["raw_text"] == scan["pages"][0]["raw_text"]  # the OCR's text, kept
    assert rescanned["stats"]["unknown_words"] < scan["stats"]["unknown_words"]
    assert manifest(corpus)["runs"][-1]["rerepaired"] == 3
    assert_decisions_hold(corpus, expected)
    # The text files follow the records repaired again (corpus.rewrite, as revert and decide).
    for record in after:
        assert (corpus / "text" / f"{record['id']}.txt").read_text(encoding="utf-8") == record["text"]
    # The summary's unknown words are the ones the repairs counted (the records' stats).
    import re

    shown = re.search(r"unknown words \(this run\)\D*(\d+)", result.stderr)
    assert shown and int(shown.group(1)) == sum(r["stats"]["unknown_words"] for r in after), result.stderr

    # Nothing changed since: a second --resume repairs nothing.
    again = nbsclean("run", "in", "-o", "c", "-j", "1", "--resume", env=env, cwd=work)
    assert again.returncode == 0, again.stderr
    assert manifest(corpus)["runs"][-1]["rerepaired"] == 0


def test_resume_applies_decisions_recorded_while_no_record_was_updated(work):
    """A crash after decisions.jsonl was appended but before the records were rewritten."""
    corpus = work / "c"
    record = by_kind(corpus, "text")[1]
    edit = word_edits(record)[0]
    append_decisions(corpus, [Decision("correct", before=edit["before"], after="Kraschord", document=record["sha256"],
                                       start=edit["start"], end=edit["end"], time="2026-01-01T00:00:00+00:00")])
    result = nbsclean("run", "in", "-o", "c", "-j", "1", "--resume", env=environment(work / "lexicons"), cwd=work)
    assert result.returncode == 0, result.stderr
    updated = next(r for r in records(corpus) if r["id"] == record["id"])
    assert text_at(updated, edit["start"], edit["end"]) == "Kraschord"
    assert manifest(corpus)["runs"][-1]["rerepaired"] == 1
    assert_provenance(corpus)


def test_a_decision_that_no_longer_fits_is_reported_in_the_run_summary(work):
    corpus = work / "c"
    record = by_kind(corpus, "text")[0]
    append_decisions(corpus, [Decision("correct", before="Finnsinte", after="x", document=record["sha256"],
                                       start=0, end=9, time="2026-01-01T00:00:00+00:00")])
    result = nbsclean("run", "in", "-o", "c", "-j", "1", "--overwrite", env=environment(work / "lexicons"), cwd=work)
    assert result.returncode == 0, result.stderr
    assert "decision not applied: correct Finnsinte -> x" in result.stderr
    run = manifest(corpus)["runs"][-1]["decisions"]
    assert run["stale"] == 1 and "Finnsinte" in run["stale_examples"][0]["decision"]
    assert len(read_decisions(corpus)) == 1  # reported, never dropped
