"""`nbsclean run`: batch runs into a resumable corpus, nothing lost and nothing doubled.

Most inputs are text files (fast); one page image and one scanned PDF (no text layer)
take the real Tesseract path. End-to-end tests run the CLI in a subprocess, because
killing a run (SIGKILL, Ctrl-C) is only honest against a real process.
"""

from __future__ import annotations

import hashlib
import json
import dataclasses
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from nbsclean.corpus.journal import read_journal
from nbsclean.edits import Edit, apply_edits
from nbsclean.errors import BadArgumentsError, MissingDependencyError
from nbsclean.pipeline import PipelineOptions, process_file
from nbsclean.corpus.runner import RunConfig, run_batch

from text_inputs import write_text_inputs

REPO = Path(__file__).resolve().parents[1]
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
SCAN_LINES = ["NYHETSBREV 23:2", "Tillsammans för barnens bästa", "i Sörmlands län."]


# --- inputs ------------------------------------------------------------------------------


def render_scan(lines: list[str]) -> Image.Image:
    font = ImageFont.truetype(FONT, 48)  # about 12 pt at 300 dpi
    image = Image.new("L", (1400, 120 + 80 * len(lines)), 255)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((80, 60 + 80 * i), line, font=font, fill=0)
    return image


def write_scans(folder: Path) -> tuple[Path, Path]:
    """A page image and a PDF made of that image only (no text layer): both need OCR."""
    folder.mkdir(parents=True, exist_ok=True)
    image = render_scan(SCAN_LINES)
    png = folder / "scan.png"
    image.save(png, dpi=(300, 300))
    pdf = folder / "scan.pdf"
    render_scan(SCAN_LINES[:2]).save(pdf, resolution=300)
    return png, pdf


def file_hashes(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nbsclean", "run", *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def start_cli(*args: str, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "nbsclean", "run", *args],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # so the test can kill the whole run, workers included
    )


def wait_for_records(journal: Path, at_least: int, process: subprocess.Popen, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = journal.read_bytes().count(b"\n") if journal.exists() else 0
        if lines >= at_least:
            return lines
        if process.poll() is not None:
            pytest.fail(f"the run ended before {at_least} records appeared: {process.stderr.read().decode()}")
        time.sleep(0.02)
    pytest.fail("no records appeared in time")


def stop_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=30)


def corpus_output(corpus: Path) -> dict[str, bytes]:
    """Everything a run writes except the manifest (which holds times)."""
    files = {"documents.jsonl": (corpus / "documents.jsonl").read_bytes()}
    files.update({f"text/{p.name}": p.read_bytes() for p in sorted((corpus / "text").glob("*.txt"))})
    return files


def assert_provenance(record: dict) -> None:
    edits = [Edit.from_dict(e) for e in record["edits"]]
    assert apply_edits(record["raw_text"], edits) == record["text"], record["source"]
    assert record["raw_text"] == "\f".join(page["raw_text"] for page in record["pages"])
    assert record["text"] == "\f".join(page["text"] for page in record["pages"])


# --- a reference corpus built once (real pipeline, real OCR) -----------------------------


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("inputs")
    write_text_inputs(folder / "letters", 6)
    write_scans(folder / "scans")
    return folder


@pytest.fixture(scope="module")
def reference(inputs, tmp_path_factory) -> Path:
    corpus = tmp_path_factory.mktemp("ref") / "corpus"
    result = run_cli(str(inputs), "-o", str(corpus), "-j", "1", "--format", "jsonl,txt,parquet", cwd=inputs.parent)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(corpus)
    return corpus


def test_every_record_replays_its_edits_and_has_its_text_file(reference):
    records = read_journal(reference / "documents.jsonl")
    assert len(records) == 8
    for record in records:
        assert_provenance(record)
        assert (reference / "text" / f"{record['id']}.txt").read_text(encoding="utf-8") == record["text"]
        assert record["id"] == record["sha256"][:16]
    assert sum(len(r["edits"]) for r in records) > 50  # the damaged samples really were repaired


def test_records_follow_input_order_with_relative_sources(reference, inputs):
    sources = [r["source"] for r in read_journal(reference / "documents.jsonl")]
    folder = inputs.name  # tmp_path_factory numbers it: inputs0, inputs1, ... per session
    letters = [f"{folder}/letters/letter{i:03d}.txt" for i in range(6)]
    assert sources == letters + [f"{folder}/scans/scan.pdf", f"{folder}/scans/scan.png"]


def test_scans_go_through_ocr_and_metadata_is_read(reference):
    by_kind = {r["kind"]: r for r in read_journal(reference / "documents.jsonl")}
    image, pdf = by_kind["image"], by_kind["pdf"]
    assert image["pages"][0]["method"] == "ocr" and image["pages"][0]["ocr_lang"] == "swe"
    assert pdf["pages"][0]["method"] in ("ocr", "ocr_replaced_layer")
    assert "Sörmlands" in image["text"]
    assert image["metadata"]["issue"] == "23:2" and image["metadata"]["year"] == 2023
    manifest = json.loads((reference / "manifest.json").read_text())
    assert manifest["counts"]["ocr_pages"] == 2
    assert manifest["tesseract_version"] and set(manifest["traineddata_sha256"]) == {"swe"}


def test_manifest_describes_the_run(reference):
    manifest = json.loads((reference / "manifest.json").read_text())
    records = read_journal(reference / "documents.jsonl")
    assert manifest["status"] == "complete"
    assert manifest["counts"]["documents"] == manifest["counts"]["processed"] == 8
    assert manifest["counts"]["edits"] == sum(len(r["edits"]) for r in records) == sum(manifest["edits_by_rule"].values())
    assert manifest["options"] == {"dpi": 300, "lang": "swe", "ocr": "auto", "psm": None, "repair": True}
    assert {r["options_sha256"] for r in records} == {manifest["options_sha256"]}
    assert {r["lexicon_sha256"] for r in records} == {manifest["lexicon_sha256"]}
    assert manifest["failures"] == [] and manifest["started_at"] <= manifest["finished_at"]


def test_parquet_has_the_same_records(reference):
    import pyarrow.parquet as pq

    table = pq.read_table(reference / "documents.parquet").to_pylist()
    records = read_journal(reference / "documents.jsonl")
    assert [row["id"] for row in table] == [r["id"] for r in records]
    # A parquet column has every field in every row: an edit without evidence (left out of
    # the JSON record) has evidence None there, once any edit of the table has evidence.
    as_in_table = [{**edit, "evidence": edit.get("evidence")} for edit in records[1]["edits"]]
    assert [{**edit, "evidence": edit.get("evidence")} for edit in table[1]["edits"]] == as_in_table
    assert table[1]["metadata"] == records[1]["metadata"]


def test_two_workers_write_the_same_corpus_as_one(inputs, reference, tmp_path):
    corpus = tmp_path / "corpus"
    result = run_cli(str(inputs), "-o", str(corpus), "-j", "2", cwd=inputs.parent)
    assert result.returncode == 0, result.stderr
    assert corpus_output(corpus) == corpus_output(reference)


def test_dask_cluster_writes_the_same_corpus_as_local(inputs, reference, tmp_path, monkeypatch):
    from distributed import LocalCluster

    monkeypatch.chdir(inputs.parent)  # sources relative to the same folder as the reference
    with LocalCluster(n_workers=1, processes=False, threads_per_worker=1, dashboard_address=None) as cluster:
        report = run_batch(
            RunConfig(
                inputs=[inputs],
                output=tmp_path / "corpus",
                options=PipelineOptions(),
                process=process_file,
                executor="dask",
                scheduler=cluster.scheduler_address,
            )
        )
    assert report.exit_code == 0 and report.processed == 8
    assert corpus_output(tmp_path / "corpus") == corpus_output(reference)


# --- nothing lost, nothing doubled -------------------------------------------------------


def test_sigkill_mid_run_then_resume_gives_every_document_once(tmp_path):
    # Enough letters that the run cannot end between two looks at the journal (a loaded
    # machine may look only every few hundred milliseconds).
    letters = write_text_inputs(tmp_path / "in", 200)
    corpus = tmp_path / "corpus"
    run = start_cli("in", "-o", "corpus", "-j", "2", cwd=tmp_path)
    wait_for_records(corpus / "documents.jsonl", 3, run)
    run.send_signal(signal.SIGKILL)  # the driver dies between two appends, or in one
    stop_group(run)
    # A kill in the middle of a write leaves at most a torn last line; make sure there is one.
    with open(corpus / "documents.jsonl", "ab") as journal:
        journal.write(b'{"id":"0123","source":"in/torn')
    # A kill in the middle of an atomic write leaves its temporary file; make sure there is one.
    (corpus / "text" / ".0123.txt.k1ll3d.tmp").write_text("half a docu", encoding="utf-8")
    before_resume = len(read_journal(corpus / "documents.jsonl", repair=False))
    assert 3 <= before_resume < len(letters), "the kill must land mid-way"

    resumed = run_cli("in", "-o", "corpus", "--resume", "-j", "2", cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    records = read_journal(corpus / "documents.jsonl")
    expected = {hashlib.sha256(p.read_bytes()).hexdigest() for p in letters}
    assert sorted(r["sha256"] for r in records) == sorted(expected)  # each exactly once
    assert [r["source"] for r in records] == [f"in/{p.name}" for p in letters]  # still in input order
    assert sorted(p.stem for p in (corpus / "text").glob("*.txt")) == sorted(r["id"] for r in records)
    manifest = json.loads((corpus / "manifest.json").read_text())
    assert manifest["counts"]["skipped_already_in_corpus"] == before_resume
    assert manifest["counts"]["processed"] == len(letters) - before_resume
    assert [run["resumed"] for run in manifest["runs"]] == [False, True]
    assert not list(corpus.glob(".*.tmp")) and not list((corpus / "text").glob(".*.tmp"))


def test_ctrl_c_exits_130_and_leaves_a_valid_corpus(tmp_path):
    # Enough documents that the run cannot finish between its second record and the signal
    # (with records made durable in groups, 40 small texts could be done in that moment).
    write_text_inputs(tmp_path / "in", 400)
    corpus = tmp_path / "corpus"
    run = start_cli("in", "-o", "corpus", "-j", "2", cwd=tmp_path)
    wait_for_records(corpus / "documents.jsonl", 2, run)
    run.send_signal(signal.SIGINT)
    assert run.wait(timeout=30) == 130
    stop_group(run)
    journal = (corpus / "documents.jsonl").read_bytes()
    assert journal.endswith(b"\n")
    records = read_journal(corpus / "documents.jsonl", repair=False)
    assert len(records) < 400
    manifest = json.loads((corpus / "manifest.json").read_text())
    assert manifest["status"] == "interrupted"
    assert manifest["counts"]["documents"] == len(records)


def test_mixed_folder_finishes_with_exit_2_and_inputs_untouched(tmp_path):
    import pikepdf

    folder = tmp_path / "archive"
    good = write_text_inputs(folder, 3)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj garbage")
    (folder / "data.bin").write_bytes(bytes(range(256)) * 8)
    (folder / "cut.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    Image.new("L", (200, 100), 255).save(tmp_path / "plain.pdf")
    with pikepdf.open(tmp_path / "plain.pdf") as pdf:
        pdf.save(folder / "locked.pdf", encryption=pikepdf.Encryption(owner="o", user="secret"))
    (folder / ".DS_Store").write_bytes(b"\x00hidden")
    (folder / "copy.txt").write_bytes(good[0].read_bytes())
    hashes_before = file_hashes(folder)
    mtimes_before = {p: p.stat().st_mtime_ns for p in folder.iterdir()}

    result = run_cli("archive", "-o", "corpus", "-j", "2", cwd=tmp_path)

    assert result.returncode == 2, result.stderr
    assert file_hashes(folder) == hashes_before
    assert {p: p.stat().st_mtime_ns for p in folder.iterdir()} == mtimes_before
    manifest = json.loads((tmp_path / "corpus" / "manifest.json").read_text())
    reasons = {f["source"]: f["reason"] for f in manifest["failures"]}
    assert reasons == {
        "archive/broken.pdf": "corrupt_file",
        "archive/cut.png": "unreadable_image",
        "archive/data.bin": "unsupported_file_type",
        "archive/empty.txt": "empty_file",
        "archive/locked.pdf": "encrypted_pdf",
    }
    assert all(f["message"] and len(f["sha256"]) == 64 for f in manifest["failures"])
    assert manifest["duplicates"] == [
        {"source": "archive/letter000.txt", "sha256": hashlib.sha256(good[0].read_bytes()).hexdigest(),
         "same_as": "archive/copy.txt"}
    ]
    records = read_journal(tmp_path / "corpus" / "documents.jsonl")
    assert [r["source"] for r in records] == ["archive/copy.txt", "archive/letter001.txt", "archive/letter002.txt"]
    for record in records:
        assert_provenance(record)
    assert manifest["status"] == "complete_with_failures"
    assert "encrypted_pdf" in result.stderr  # the summary names every failure

    # A resumed run retries only the failures and adds nothing twice.
    again = run_cli("archive", "-o", "corpus", "--resume", cwd=tmp_path)
    assert again.returncode == 2
    assert read_journal(tmp_path / "corpus" / "documents.jsonl") == records


def test_password_opens_the_locked_pdf_and_is_never_stored(tmp_path):
    import pikepdf

    folder = tmp_path / "in"
    folder.mkdir()
    render_scan(SCAN_LINES[:1]).save(tmp_path / "plain.pdf", resolution=300)
    with pikepdf.open(tmp_path / "plain.pdf") as pdf:
        pdf.save(folder / "locked.pdf", encryption=pikepdf.Encryption(owner="o", user="hemligt-ord"))
    result = run_cli("in", "-o", "corpus", "--password", "hemligt-ord", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    for name in ("documents.jsonl", "manifest.json"):
        assert "hemligt-ord" not in (tmp_path / "corpus" / name).read_text()


# --- refusals ----------------------------------------------------------------------------


def cli_exit_code(*args: str) -> int:
    """Run the CLI in this process (fast) and return its exit code."""
    from nbsclean.cli import main

    with pytest.raises(SystemExit) as exited:
        main(["run", *args])
    return int(exited.value.code or 0)


def test_existing_corpus_needs_resume_or_overwrite(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    write_text_inputs(tmp_path / "in", 2)
    assert cli_exit_code("in", "-o", "corpus", "-j", "1") == 0
    capsys.readouterr()
    assert cli_exit_code("in", "-o", "corpus", "-j", "1") == 1
    assert "--resume" in capsys.readouterr().err
    assert cli_exit_code("in", "-o", "corpus", "-j", "1", "--overwrite") == 0
    assert len(read_journal(tmp_path / "corpus" / "documents.jsonl")) == 2


def test_resume_with_other_options_is_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    write_text_inputs(tmp_path / "in", 2)
    assert cli_exit_code("in", "-o", "corpus", "-j", "1") == 0
    capsys.readouterr()
    assert cli_exit_code("in", "-o", "corpus", "-j", "1", "--resume", "--dpi", "200") == 1
    assert "extracted with other options" in capsys.readouterr().err
    assert len(read_journal(tmp_path / "corpus" / "documents.jsonl")) == 2


def test_resume_with_another_repair_option_repairs_again_from_the_records(tmp_path, monkeypatch, capsys):
    """--no-repair steers only the repair: the stored raw text is repaired again (here: not
    at all), nothing is extracted again and nothing is refused."""
    monkeypatch.chdir(tmp_path)
    write_text_inputs(tmp_path / "in", 2)
    assert cli_exit_code("in", "-o", "corpus", "-j", "1") == 0
    before = read_journal(tmp_path / "corpus" / "documents.jsonl")
    assert any(r["edits"] for r in before)
    assert cli_exit_code("in", "-o", "corpus", "-j", "1", "--resume", "--no-repair") == 0
    after = read_journal(tmp_path / "corpus" / "documents.jsonl")
    assert [r["raw_text"] for r in after] == [r["raw_text"] for r in before]
    assert all(not r["edits"] and r["text"] == r["raw_text"] for r in after)
    assert json.loads((tmp_path / "corpus" / "manifest.json").read_text())["runs"][-1]["rerepaired"] == 2


def test_missing_input_and_bad_options_exit_1(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli_exit_code("nowhere", "-o", "corpus") == 1
    write_text_inputs(tmp_path / "in", 1)
    assert cli_exit_code("in", "-o", "corpus", "--format", "xml") == 1
    assert cli_exit_code("in", "-o", "corpus", "--ocr", "sometimes") == 1
    assert cli_exit_code("in", "-o", "corpus", "--scheduler", "tcp://localhost:1") == 1  # needs --executor dask
    assert not (tmp_path / "corpus").exists()


def test_parquet_without_pyarrow_exits_3_naming_the_extra(tmp_path, monkeypatch):
    write_text_inputs(tmp_path / "in", 1)
    for name in ("pyarrow", "pyarrow.parquet"):
        monkeypatch.setitem(sys.modules, name, None)  # import now fails as if not installed
    with pytest.raises(MissingDependencyError, match=r"pip install 'nbsclean\[parquet\]'") as caught:
        run_batch(RunConfig([tmp_path / "in"], tmp_path / "corpus", PipelineOptions(), process_file,
                            formats=["jsonl", "parquet"]))
    assert caught.value.exit_code == 3
    assert not (tmp_path / "corpus").exists()  # refused before any work


# --- the runner with stand-in per-file functions -----------------------------------------


def crash_on_poison(path: Path, options, lexicon=None) -> dict:
    """Dies like a segfaulting worker on "poison" files, otherwise the real pipeline."""
    if "poison" in path.name:
        os._exit(1)
    return process_file(path, options, lexicon=lexicon)


def missing_tesseract(path: Path, options, lexicon=None) -> dict:
    from nbsclean.errors import MissingDependencyError as Missing

    raise Missing("tesseract is not installed")


def test_a_dying_worker_fails_only_its_file(tmp_path):
    letters = write_text_inputs(tmp_path / "in", 6)
    (tmp_path / "in" / "letter002-poison.txt").write_text("Giftig.\n")
    report = run_batch(RunConfig([tmp_path / "in"], tmp_path / "corpus", PipelineOptions(), crash_on_poison, jobs=2))
    assert [f["reason"] for f in report.failures] == ["worker_crashed"]
    assert report.failures[0]["source"].endswith("letter002-poison.txt")
    assert report.exit_code == 2
    assert len(read_journal(tmp_path / "corpus" / "documents.jsonl")) == len(letters)


def test_a_dying_worker_in_a_chunk_fails_only_its_file_and_its_chunk_mates_land_in_order(tmp_path):
    # 40 files on two workers go out in chunks of 5: the poison shares its chunk with others.
    letters = write_text_inputs(tmp_path / "in", 40)
    (tmp_path / "in" / "letter012-poison.txt").write_text("Giftig.\n")
    report = run_batch(RunConfig([tmp_path / "in"], tmp_path / "corpus", PipelineOptions(), crash_on_poison, jobs=2))
    assert [(Path(f["source"]).name, f["reason"]) for f in report.failures] == [("letter012-poison.txt", "worker_crashed")]
    records = read_journal(tmp_path / "corpus" / "documents.jsonl")
    assert [Path(r["source"]).name for r in records] == [p.name for p in letters]
    assert sorted(p.stem for p in (tmp_path / "corpus" / "text").glob("*.txt")) == sorted(r["id"] for r in records)


_LOADED_AT_FIRST_FILE: dict[int, bool] = {}  # process id -> what it had before its first file


def note_what_a_worker_had_loaded(path: Path, options, lexicon=None) -> dict:
    """The real pipeline; the record says whether this process had the repair engine built
    before its first file (see warm_up_before_fork)."""
    import nbsclean.repair.engine as engine

    if os.getpid() not in _LOADED_AT_FIRST_FILE:
        _LOADED_AT_FIRST_FILE[os.getpid()] = engine._engine_for.cache_info().currsize > 0
    record = process_file(path, options, lexicon=lexicon)
    record["worker_had_it_loaded"] = _LOADED_AT_FIRST_FILE[os.getpid()]
    return record


def test_pool_workers_inherit_the_loaded_engine_instead_of_loading_it_each(tmp_path):
    write_text_inputs(tmp_path / "in", 8)
    import nbsclean.repair.engine as engine

    _LOADED_AT_FIRST_FILE.clear()
    engine._engine_for.cache_clear()  # as in a driver that has repaired nothing yet
    report = run_batch(RunConfig([tmp_path / "in"], tmp_path / "corpus", PipelineOptions(), note_what_a_worker_had_loaded, jobs=2))
    records = read_journal(tmp_path / "corpus" / "documents.jsonl")
    assert report.processed == len(records) == 8
    assert all(record["worker_had_it_loaded"] for record in records)


_PROCESSED_IN: list[tuple[int, str]] = []  # (process id, file name) of every file processed


def note_where_each_file_was_processed(path: Path, options, lexicon=None) -> dict:
    _PROCESSED_IN.append((os.getpid(), Path(path).name))
    return process_file(path, options, lexicon=lexicon)


def test_a_large_pool_run_warms_the_workers_caches_on_its_own_first_text_inputs(tmp_path, monkeypatch):
    import nbsclean.corpus.runner as runner

    letters = write_text_inputs(tmp_path / "in", 12)
    (tmp_path / "in" / "letter000-scan.png").write_bytes(b"\x89PNG\r\n\x1a\n not really an image")
    config = RunConfig([tmp_path / "in"], tmp_path / "warm", PipelineOptions(), note_where_each_file_was_processed, jobs=2)
    monkeypatch.setattr(runner, "WARM_UP_SAMPLE_AT_LEAST", 10)
    monkeypatch.setattr(runner, "WARM_UP_SAMPLE_FILES", 3)
    _PROCESSED_IN.clear()
    run_batch(config)
    # The driver processed the first three inputs but the image (no OCR in the driver).
    in_driver = [name for pid, name in _PROCESSED_IN if pid == os.getpid()]
    assert in_driver == sorted(p.name for p in letters)[:2]
    # ... and the corpus is the one a run without that warm-up makes, byte for byte.
    monkeypatch.setattr(runner, "WARM_UP_SAMPLE_AT_LEAST", 1000)
    run_batch(dataclasses.replace(config, output=tmp_path / "cold"))
    assert (tmp_path / "warm" / "documents.jsonl").read_bytes() == (tmp_path / "cold" / "documents.jsonl").read_bytes()
    assert [p.read_bytes() for p in sorted((tmp_path / "warm" / "text").iterdir())] == [
        p.read_bytes() for p in sorted((tmp_path / "cold" / "text").iterdir())
    ]


def test_the_warm_up_leaves_a_large_text_to_its_worker(tmp_path, monkeypatch):
    import nbsclean.corpus.runner as runner
    import nbsclean.corpus.tasks as tasks

    letters = sorted(write_text_inputs(tmp_path / "in", 12))
    limit = max(p.stat().st_size for p in letters) + 1
    letters[0].write_text(letters[0].read_text(encoding="utf-8") * (limit // 100 + 2), encoding="utf-8")
    monkeypatch.setattr(tasks, "WARM_UP_MAX_BYTES", limit)
    monkeypatch.setattr(runner, "WARM_UP_SAMPLE_AT_LEAST", 10)
    monkeypatch.setattr(runner, "WARM_UP_SAMPLE_FILES", 3)
    _PROCESSED_IN.clear()
    run_batch(RunConfig([tmp_path / "in"], tmp_path / "corpus", PipelineOptions(), note_where_each_file_was_processed, jobs=2))
    in_driver = [name for pid, name in _PROCESSED_IN if pid == os.getpid()]
    assert in_driver == [p.name for p in letters[1:3]]
    assert len(read_journal(tmp_path / "corpus" / "documents.jsonl")) == 12


def test_chunks_keep_the_input_order_and_send_a_large_file_alone():
    from nbsclean.corpus.inputs import InputFile
    from nbsclean.corpus.tasks import chunk_tasks

    sizes = [3000] * 10 + [500_000] + [3000] * 3
    tasks = [InputFile(Path(f"/in/{n}"), f"in/{n}", None, size) for n, size in enumerate(sizes)]
    chunks = list(chunk_tasks(tasks, max_bytes=64 * 1024, max_files=4))
    assert [task for chunk in chunks for task in chunk] == tasks
    assert [len(chunk) for chunk in chunks] == [4, 4, 2, 1, 3]


def test_a_dask_worker_killed_by_one_file_fails_only_that_file(tmp_path, monkeypatch):
    import dask

    # 40 files on two local Dask workers go out in chunks of 5; the poison kills its worker
    # process each time. The scheduler gives up on its chunk at once (no retries here), the
    # chunk's files are run alone, and only the poison fails.
    letters = write_text_inputs(tmp_path / "in", 40)
    (tmp_path / "in" / "letter012-poison.txt").write_text("Giftig.\n")
    monkeypatch.chdir(tmp_path)
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        report = run_batch(RunConfig(["in"], tmp_path / "corpus", PipelineOptions(), crash_on_poison, jobs=2,
                                     executor="dask"))
    assert [(f["source"], f["reason"]) for f in report.failures] == [("in/letter012-poison.txt", "worker_crashed")]
    records = read_journal(tmp_path / "corpus" / "documents.jsonl")
    assert [r["source"] for r in records] == [f"in/{p.name}" for p in letters]


def test_missing_dependency_stops_the_run_with_exit_3(tmp_path):
    write_text_inputs(tmp_path / "in", 3)
    with pytest.raises(MissingDependencyError) as caught:
        run_batch(RunConfig([tmp_path / "in"], tmp_path / "corpus", PipelineOptions(), missing_tesseract))
    assert caught.value.exit_code == 3
    manifest = json.loads((tmp_path / "corpus" / "manifest.json").read_text())
    assert manifest["status"] == "aborted" and len(manifest["failures"]) == 1


def test_hidden_files_skipped_and_output_folder_inside_inputs_refused(tmp_path):
    write_text_inputs(tmp_path / "in", 2)
    (tmp_path / "in" / ".git").mkdir()
    (tmp_path / "in" / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    config = RunConfig([tmp_path / "in"], tmp_path / "corpus", PipelineOptions(), process_file)
    assert run_batch(config).processed == 2
    # a corpus inside an input folder would be read as input and --overwrite could delete
    # the archive's files: refused before anything is created
    inside = RunConfig([tmp_path / "in"], tmp_path / "in" / "corpus", PipelineOptions(), process_file)
    with pytest.raises(BadArgumentsError, match="lies inside the input"):
        run_batch(inside)
    assert not (tmp_path / "in" / "corpus").exists()


def test_include_patterns_pick_files_from_folders_only(tmp_path):
    write_text_inputs(tmp_path / "in", 2)
    (tmp_path / "in" / "notes.md").write_text("Anteckningar om 2024.\n")
    explicit = tmp_path / "extra.md"
    explicit.write_text("Ett annat dokument.\n")
    config = RunConfig([tmp_path / "in", explicit], tmp_path / "corpus", PipelineOptions(), process_file,
                       include=["*.txt"])
    run_batch(config)
    sources = [Path(r["source"]).name for r in read_journal(tmp_path / "corpus" / "documents.jsonl")]
    assert sources == ["letter000.txt", "letter001.txt", "extra.md"]


def test_quiet_run_prints_only_the_corpus_path(tmp_path):
    write_text_inputs(tmp_path / "in", 1)
    result = subprocess.run([sys.executable, "-m", "nbsclean", "-q", "run", "in", "-o", "corpus"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout.strip(), result.stderr) == (0, str(tmp_path / "corpus"), "")


def test_empty_input_is_a_recorded_failure_not_a_crash(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "empty.txt").write_bytes(b"")

    report = run_batch(RunConfig([tmp_path / "in"], tmp_path / "corpus", PipelineOptions(), process_file))
    assert [f["reason"] for f in report.failures] == ["empty_file"]
    assert (tmp_path / "corpus" / "documents.jsonl").read_bytes() == b""


def test_bad_arguments_are_refused_before_writing(tmp_path):
    with pytest.raises(BadArgumentsError):
        run_batch(RunConfig([tmp_path / "missing"], tmp_path / "corpus", PipelineOptions(), process_file))
    assert not (tmp_path / "corpus").exists()


def test_a_pool_that_broke_between_chunks_makes_the_next_chunk_run_again_not_the_run_fail():
    """Submitting to a pool whose worker died meanwhile raises at once; that chunk then
    counts as lost with the others in flight (re-run file by file), not as the run's end."""
    from concurrent.futures.process import BrokenProcessPool

    from nbsclean.corpus.runner import _submitted

    class BrokenPool:
        def submit(self, items):
            raise BrokenProcessPool("a child process terminated abruptly")

    future = _submitted(BrokenPool(), [])
    assert future.done() and isinstance(future.exception(), BrokenProcessPool)
