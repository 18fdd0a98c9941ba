"""The corpus under misuse, faults and hostile input (issue #10): nothing lost, nothing
doubled, nothing hangs.

Real processes, real files and real signals: two writers at once, FIFOs, sockets, devices
and symlinks as inputs, file names that are not UTF-8, SIGTERM/SIGHUP/SIGINT/kill -9 of the
driver with its workers checked gone, damaged corpora, a read-only folder and a full disk
(a small tmpfs in a private mount namespace).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from nbsclean.corpus.inputs import escape_name, unescape_name
from nbsclean.corpus.journal import read_journal
from nbsclean.corpus.lock import corpus_lock, lexicon_lock

from text_inputs import write_text_inputs as write_texts

REPO = Path(__file__).resolve().parents[1]
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"


# --- helpers -----------------------------------------------------------------------------


def nbsclean(*args: str, cwd: Path, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nbsclean", *args],
        cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env,
    )


def start(*args: str, cwd: Path, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "nbsclean", *args],
        cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        start_new_session=True,  # a signal to the test's group never reaches it by accident
    )


def write_scans(folder: Path, count: int) -> list[Path]:
    """``count`` distinct small page images: every one goes through Tesseract."""
    folder.mkdir(parents=True, exist_ok=True)
    font = ImageFont.truetype(FONT, 40)
    paths = []
    for i in range(count):
        image = Image.new("L", (1000, 260), 255)
        draw = ImageDraw.Draw(image)
        draw.text((60, 50), f"NYHETSBREV {i}:1", font=font, fill=0)
        draw.text((60, 140), "Tillsammans för barnens bästa", font=font, fill=0)
        path = folder / f"scan{i:02d}.png"
        image.save(path, dpi=(300, 300))
        paths.append(path)
    return paths


def records_of(corpus: Path) -> list[dict]:
    return read_journal(corpus / "documents.jsonl", repair=False)


def manifest_of(corpus: Path) -> dict:
    return json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))


def assert_each_once(corpus: Path, inputs: list[Path]) -> None:
    import hashlib

    expected = sorted(hashlib.sha256(p.read_bytes()).hexdigest() for p in inputs)
    assert sorted(r["sha256"] for r in records_of(corpus)) == expected


def children(pid: int) -> list[int]:
    """The direct children of ``pid`` (Linux /proc)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_until(condition, timeout: float, what: str, process: subprocess.Popen | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if process is not None and process.poll() is not None:
            pytest.fail(f"the process ended before {what}: {process.stderr.read()}")
        time.sleep(0.02)
    pytest.fail(f"timed out waiting for {what}")


def kill_all(pids) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


@pytest.fixture
def small_corpus(tmp_path) -> Path:
    write_texts(tmp_path / "in", 2)
    result = nbsclean("run", "in", "-o", "corpus", "-j", "1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return tmp_path / "corpus"


# --- one writer per corpus and per lexicon -----------------------------------------------


def test_a_second_writer_is_refused_at_once_naming_the_holder(small_corpus, tmp_path):
    write_texts(tmp_path / "in", 2, start_at=2)
    with corpus_lock(small_corpus, command="nbsclean test-holder"):
        run = nbsclean("run", "in", "-o", "corpus", "--resume", "-j", "1", cwd=tmp_path, timeout=60)
        revert = nbsclean("revert", "corpus", "--rule", "hyphen_join", cwd=tmp_path, timeout=60)
    for result in (run, revert):
        assert result.returncode == 5, result.stderr
        assert "[locked]" in result.stderr
        assert f"pid {os.getpid()}" in result.stderr and "nbsclean test-holder" in result.stderr
    assert len(records_of(small_corpus)) == 2  # nothing written by the refused writers


def test_wait_queues_behind_the_holder_and_then_runs(small_corpus, tmp_path):
    new = write_texts(tmp_path / "in", 2, start_at=2)
    with corpus_lock(small_corpus, command="nbsclean test-holder"):
        waiting = start("run", "in", "-o", "corpus", "--resume", "-j", "1", "--wait", cwd=tmp_path)
        line = wait_until(lambda: waiting.stderr.readline(), 60, "the waiting message", waiting)
        assert "waiting for the corpus" in line and f"pid {os.getpid()}" in line
        assert waiting.poll() is None and len(records_of(small_corpus)) == 2
    assert waiting.wait(timeout=120) == 0
    assert_each_once(small_corpus, sorted((tmp_path / "in").glob("*.txt")))
    assert len(new) == 2


def test_two_runs_into_one_corpus_at_once_never_double(tmp_path):
    letters = write_texts(tmp_path / "in", 16)
    runs = [start("run", "in", "-o", "corpus", "--resume", "-j", "1", "--wait", cwd=tmp_path) for _ in range(2)]
    codes = [run.wait(timeout=300) for run in runs]
    assert codes == [0, 0], [run.stderr.read() for run in runs]
    assert_each_once(tmp_path / "corpus", letters)
    manifest = manifest_of(tmp_path / "corpus")
    assert [r["processed"] for r in manifest["runs"]] in ([16, 0], [0, 16])
    # Without --wait the second is refused or comes after the first: never a doubled record.
    shutil.rmtree(tmp_path / "corpus")
    runs = [start("run", "in", "-o", "corpus", "--resume", "-j", "1", cwd=tmp_path) for _ in range(2)]
    codes = sorted(run.wait(timeout=300) for run in runs)
    assert codes in ([0, 0], [0, 5])
    assert_each_once(tmp_path / "corpus", letters)


def test_revert_during_a_run_loses_nothing(tmp_path):
    letters = write_texts(tmp_path / "in", 24)
    run = start("run", "in", "-o", "corpus", "-j", "2", cwd=tmp_path)
    wait_until(lambda: len(records_of(tmp_path / "corpus")) >= 1 if (tmp_path / "corpus" / "documents.jsonl").exists() else False,
               120, "the first record", run)
    first = nbsclean("revert", "corpus", "--rule", "hyphen_join", cwd=tmp_path)
    if first.returncode == 5:  # the run holds the corpus: refused, naming it; --wait queues
        assert "[locked]" in first.stderr
        reverted = nbsclean("revert", "corpus", "--rule", "hyphen_join", "--wait", cwd=tmp_path, timeout=300)
    else:  # on a loaded machine the run may have released the lock already: the revert ran
        reverted = first
    assert run.wait(timeout=300) == 0
    assert reverted.returncode == 0, reverted.stderr
    assert_each_once(tmp_path / "corpus", letters)  # every record kept
    manifest = manifest_of(tmp_path / "corpus")
    assert manifest["status"] == "complete" and manifest["counts"]["documents"] == 24
    assert len(manifest["reverts"]) == 1  # the revert kept the run's manifest and added to it
    assert not any("hyphen_join" in e["rule"] for r in records_of(tmp_path / "corpus") for e in r["edits"])


def candidates_file(path: Path, words: list[str]) -> Path:
    rows = ["word\tcount\tdocuments\tcategory\tcontext"] + [f"{w}\t3\t2\tterms\t… {w} …" for w in words]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_two_lexicon_accepts_at_once_lose_no_word(tmp_path):
    lexicon = tmp_path / "lexicons"
    shutil.copytree(REPO / "lexicons", lexicon, ignore=shutil.ignore_patterns(".nbsclean.lock", "candidates.tsv"))
    env = dict(os.environ, NBSCLEAN_LEXICON_DIR=str(lexicon))
    batches = [[f"provord{letter}{n}" for n in "abcdefghijklmnopqrst"] for letter in "xy"]
    files = [candidates_file(tmp_path / f"c{i}.tsv", batch) for i, batch in enumerate(batches)]
    accepts = [start("lexicon", "accept", str(f), "--all", "--wait", cwd=tmp_path, env=env) for f in files]
    assert [a.wait(timeout=120) for a in accepts] == [0, 0], [a.stderr.read() for a in accepts]
    terms = (lexicon / "domain" / "terms.txt").read_text(encoding="utf-8").split("\n")
    assert all(word in terms for batch in batches for word in batch)
    # and without --wait a second writer is refused, naming the holder
    with lexicon_lock(lexicon, command="nbsclean lexicon accept (test)"):
        refused = nbsclean("lexicon", "add", "provordz", cwd=tmp_path, env=env)
    assert refused.returncode == 5 and "[locked]" in refused.stderr and f"pid {os.getpid()}" in refused.stderr
    assert "provordz" not in (lexicon / "domain" / "terms.txt").read_text(encoding="utf-8")


# --- never delete or read what is not ours -----------------------------------------------


def test_overwrite_into_a_folder_above_the_inputs_is_refused_and_deletes_nothing(tmp_path):
    (tmp_path / "P" / "text").mkdir(parents=True)
    (tmp_path / "P" / "sub").mkdir()
    (tmp_path / "P" / "text" / "old.txt").write_text("Arkivtext.\n")
    (tmp_path / "P" / "sub" / "new.txt").write_text("Ny.\n")
    result = nbsclean("run", "P/sub", "P/text", "-o", "P", "--overwrite", cwd=tmp_path)
    assert result.returncode == 1 and "contains the input" in result.stderr
    assert (tmp_path / "P" / "text" / "old.txt").read_text() == "Arkivtext.\n"
    for output, relation in (("P/sub", "is the input"), ("P/sub/corpus", "lies inside the input")):
        result = nbsclean("run", "P/sub", "-o", output, cwd=tmp_path)
        assert result.returncode == 1 and relation in result.stderr, result.stderr
    assert sorted(p.name for p in (tmp_path / "P").rglob("*")) == ["new.txt", "old.txt", "sub", "text"]


def test_outputs_are_never_read_as_inputs_however_reached(tmp_path):
    letters = write_texts(tmp_path / "in", 2)
    # the output reached through a symlink that leads into the input folder: refused
    (tmp_path / "C").symlink_to(tmp_path / "in" / "corpus", target_is_directory=True)
    result = nbsclean("run", "in", "-o", "C", cwd=tmp_path)
    assert result.returncode == 1 and "lies inside the input" in result.stderr
    assert not (tmp_path / "in" / "corpus").exists()
    # symlinks in the input folder that lead into the corpus are never read
    (tmp_path / "in" / "journal.jsonl").symlink_to(tmp_path / "corpus" / "documents.jsonl")
    (tmp_path / "in" / "corpus-text").symlink_to(tmp_path / "corpus" / "text", target_is_directory=True)
    for _ in range(3):
        result = nbsclean("run", "in", "-o", "corpus", "--resume", "-j", "1", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
    assert_each_once(tmp_path / "corpus", letters)
    assert manifest_of(tmp_path / "corpus")["counts"]["inputs"] == 2


def test_overwrite_deletes_only_what_nbsclean_wrote(small_corpus, tmp_path):
    (small_corpus / "notes.md").write_text("mine")
    (small_corpus / "text" / "README").write_text("also mine")
    outside = tmp_path / "precious.txt"
    outside.write_text("keep")
    (small_corpus / "documents.parquet").symlink_to(outside)  # a link is removed, never followed
    result = nbsclean("run", "in", "-o", "corpus", "--overwrite", "-j", "1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (small_corpus / "notes.md").read_text() == "mine"
    assert (small_corpus / "text" / "README").read_text() == "also mine"
    assert outside.read_text() == "keep" and not (small_corpus / "documents.parquet").exists()
    assert len(records_of(small_corpus)) == 2 and len(list((small_corpus / "text").glob("*.txt"))) == 2


# --- only regular files are inputs; any name is fine -------------------------------------


def test_fifos_sockets_devices_and_dangling_links_fail_by_name_and_never_block(tmp_path):
    folder = tmp_path / "in"
    good = write_texts(folder, 1)
    os.mkfifo(folder / "pipe.txt")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(folder / "sock.txt"))
    (folder / "zero.txt").symlink_to("/dev/zero")
    (folder / "pipe-link.txt").symlink_to(folder / "pipe.txt")
    (folder / "nothing.txt").symlink_to(folder / "gone.txt")
    try:
        result = nbsclean("run", "in", "in/pipe.txt", "-o", "corpus", "-j", "2", cwd=tmp_path, timeout=120)
        extract = nbsclean("extract", "in/zero.txt", cwd=tmp_path, timeout=60)
    finally:
        server.close()
    assert result.returncode == 2, result.stderr
    failures = {f["source"]: f["reason"] for f in manifest_of(tmp_path / "corpus")["failures"]}
    assert failures == {
        "in/nothing.txt": "file_access_error",
        "in/pipe-link.txt": "not_a_regular_file",
        "in/pipe.txt": "not_a_regular_file",
        "in/sock.txt": "not_a_regular_file",
        "in/zero.txt": "not_a_regular_file",
    }
    assert_each_once(tmp_path / "corpus", good)
    assert extract.returncode == 2 and "[not_a_regular_file]" in extract.stderr


def test_names_that_are_not_utf8_or_hold_newlines_are_processed_and_recorded_reversibly(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    raw_names = [b"b\xff.txt", b"forged\nnbsclean: run: [9|9] x.txt: 1 page(s), 0 edit(s).txt", b"back\\slash.txt"]
    bodies = [f"Tillsammans för barnen nummer {i}.\n" for i in range(len(raw_names))]
    for name, body in zip(raw_names, bodies):
        with open(os.path.join(os.fsencode(folder), name), "w", encoding="utf-8") as handle:
            handle.write(body)
    result = nbsclean("run", "in", "-o", "corpus", "-j", "2", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    progress = [line for line in result.stderr.splitlines() if line.startswith("nbsclean: run: [")]
    assert len(progress) == 3  # one line per document: a newline in a name forges nothing
    sources = sorted(r["source"] for r in records_of(tmp_path / "corpus"))
    assert sources == sorted(escape_name("in/" + os.fsdecode(n)) for n in raw_names)
    assert "in/b\\xff.txt" in sources
    assert sorted(os.fsencode(unescape_name(s)) for s in sources) == sorted(b"in/" + n for n in raw_names)
    resumed = nbsclean("run", "in", "-o", "corpus", "--resume", "-j", "1", cwd=tmp_path)
    assert resumed.returncode == 0 and manifest_of(tmp_path / "corpus")["counts"]["skipped_already_in_corpus"] == 3


def test_escape_name_round_trips_every_byte():
    every_byte = bytes(range(1, 256)).replace(b"/", b"")
    name = os.fsdecode(every_byte)
    escaped = escape_name(name)
    assert escaped.isprintable() and "\n" not in escaped
    escaped.encode("utf-8")  # no lone surrogates left
    assert unescape_name(escaped) == name and escape_name("Sörmland 24:1.pdf") == "Sörmland 24:1.pdf"


# --- signals -----------------------------------------------------------------------------


def descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        for child in children(todo.pop()):
            found.append(child)
            todo.append(child)
    return found


def comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


def start_ocr_run(tmp_path: Path, count: int = 10) -> tuple[subprocess.Popen, dict]:
    write_scans(tmp_path / "in", count)
    (tmp_path / "tmp").mkdir()
    env = dict(os.environ, TMPDIR=str(tmp_path / "tmp"))
    run = start("run", "in", "-o", "corpus", "-j", "2", cwd=tmp_path, env=env)
    return run, env


def reads_pages_itself(pid: int) -> bool:
    """Whether the process (not a ``tesseract`` program: that has the library too) has
    Tesseract's library loaded: it reads pages in itself (nbsclean.extract.tesseract_library)
    rather than in a ``tesseract`` child."""
    if comm(pid) == "tesseract":
        return False
    try:
        return "libtesseract" in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


def wait_for_tesseract(run: subprocess.Popen) -> list[int]:
    """Wait until a worker runs Tesseract (a ``tesseract`` child, or the library loaded in
    the worker); return the driver's descendants at that moment."""
    def busy() -> list[int] | None:
        workers = children(run.pid)  # the driver's own Tesseract (--version) does not count
        below = descendants(run.pid)
        in_worker = [
            worker for worker in workers
            if reads_pages_itself(worker) or any(comm(pid) == "tesseract" for pid in children(worker))
        ]
        return below if in_worker else None

    return wait_until(busy, 120, "a worker running Tesseract", run)


def leftover_temp_files(tmp_path: Path) -> list[str]:
    return sorted(p.name for p in (tmp_path / "tmp").iterdir() if p.name.startswith(("nbsclean-", "tess_")))


@pytest.mark.parametrize(
    "signum, code", [(signal.SIGTERM, 143), (signal.SIGHUP, 129), (signal.SIGINT, 130)], ids=["TERM", "HUP", "INT"]
)
def test_a_stop_signal_stops_workers_removes_temp_files_and_marks_the_manifest(tmp_path, signum, code):
    run, _ = start_ocr_run(tmp_path)
    below = wait_for_tesseract(run)
    try:
        run.send_signal(signum)
        assert run.wait(timeout=60) == code
        stderr = run.stderr.read()
        assert "nbsclean: interrupted — continue with --resume" in stderr, stderr
        gone = wait_until(lambda: not any(alive(pid) for pid in below), 30, "the workers and Tesseract to end")
        assert gone
    finally:
        kill_all(below)
    assert leftover_temp_files(tmp_path) == []
    manifest = manifest_of(tmp_path / "corpus")
    assert manifest["status"] == "interrupted" and manifest["runs"][-1]["status"] == "interrupted"
    assert manifest["counts"]["documents"] == len(records_of(tmp_path / "corpus"))


def test_sigterm_of_a_run_working_alone_stops_its_tesseract_too(tmp_path):
    write_scans(tmp_path / "in", 4)
    (tmp_path / "tmp").mkdir()
    env = dict(os.environ, TMPDIR=str(tmp_path / "tmp"))
    run = start("run", "in", "-o", "corpus", "-j", "1", cwd=tmp_path, env=env)

    def reading_a_page() -> list[int]:
        programs = [pid for pid in children(run.pid) if comm(pid) == "tesseract" and "tessedit_create_tsv" in cmdline(pid)]
        return programs or ([run.pid] if reads_pages_itself(run.pid) else [])

    tesseract = wait_until(reading_a_page, 120, "Tesseract reading a page", run)
    tesseract = [pid for pid in tesseract if pid != run.pid]  # the library: the run itself
    try:
        run.send_signal(signal.SIGTERM)
        assert run.wait(timeout=60) == 143
        wait_until(lambda: not any(alive(pid) for pid in tesseract), 30, "Tesseract to end")
    finally:
        kill_all(tesseract)
    assert leftover_temp_files(tmp_path) == []
    assert manifest_of(tmp_path / "corpus")["status"] == "interrupted"


def test_workers_end_when_the_driver_is_killed_and_resume_completes(tmp_path):
    run, env = start_ocr_run(tmp_path, count=8)
    below = wait_for_tesseract(run)
    try:
        run.send_signal(signal.SIGKILL)
        run.wait(timeout=30)
        gone = wait_until(lambda: not any(alive(pid) for pid in below), 30, "the orphaned workers to end")
        assert gone
    finally:
        kill_all(below)
    # no stale lock: --resume starts at once and every document ends up there once
    resumed = nbsclean("run", "in", "-o", "corpus", "--resume", "-j", "2", cwd=tmp_path, env=env, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert_each_once(tmp_path / "corpus", sorted((tmp_path / "in").glob("*.png")))
    assert leftover_temp_files(tmp_path) == []


def test_the_manifest_records_progress_while_a_run_goes(tmp_path):
    # Enough documents to outlast the first progress save (every 2 s): 60 small texts are
    # done in under two seconds now that records are made durable in groups.
    write_texts(tmp_path / "in", 1000)
    run = start("run", "in", "-o", "corpus", "-j", "1", cwd=tmp_path)
    try:
        def progress_recorded() -> bool:
            try:
                manifest = manifest_of(tmp_path / "corpus")
            except (OSError, ValueError):
                return False
            return manifest["status"] == "running" and manifest["counts"]["processed"] > 0

        wait_until(progress_recorded, 120, "a running manifest with processed > 0", run)
    finally:
        run.kill()
        run.wait(timeout=30)
    manifest = manifest_of(tmp_path / "corpus")
    assert 0 < manifest["runs"][-1]["processed"] <= len(records_of(tmp_path / "corpus"))


# --- a damaged corpus gives named errors -------------------------------------------------


def rewrite_first_record(corpus: Path, change) -> None:
    lines = (corpus / "documents.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    lines[0] = json.dumps(change(json.loads(lines[0])), ensure_ascii=False) + "\n"
    (corpus / "documents.jsonl").write_text("".join(lines), encoding="utf-8")


@pytest.mark.parametrize(
    "damage, problem",
    [
        (lambda r: dict(r, id="../../escaped"), "is not 16 hex digits"),
        (lambda r: {"id": r["id"], "text": r["text"]}, "has no sha256"),
        (lambda r: dict(r, edits=[{"start": "0"}]), "edit 1"),
    ],
    ids=["path-id", "missing-fields", "bad-edit"],
)
def test_a_damaged_record_is_exit_5_naming_file_and_line_for_every_command(small_corpus, tmp_path, damage, problem):
    rewrite_first_record(small_corpus, damage)
    before = {p: p.read_bytes() for p in small_corpus.rglob("*") if p.is_file()}
    for command in (
        ["run", "in", "-o", "corpus", "--resume", "-j", "1"],
        ["revert", "corpus", "--below", "1"],
        ["review", "corpus"],
    ):
        result = nbsclean(*command, cwd=tmp_path)
        assert result.returncode == 5, (command, result.stderr)
        assert "documents.jsonl: line 1:" in result.stderr and problem in result.stderr, result.stderr
    assert {p: p.read_bytes() for p in small_corpus.rglob("*") if p.is_file()} == before
    assert not (tmp_path.parent / "escaped.txt").exists()


def test_a_truncated_manifest_is_exit_5_and_never_silently_replaced(small_corpus, tmp_path):
    manifest = small_corpus / "manifest.json"
    manifest.write_bytes(manifest.read_bytes()[:200])
    truncated = manifest.read_bytes()
    for command in (["run", "in", "-o", "corpus", "--resume", "-j", "1"], ["revert", "corpus", "--below", "1"]):
        result = nbsclean(*command, cwd=tmp_path)
        assert result.returncode == 5, result.stderr
        assert "manifest.json: line" in result.stderr and "damaged" in result.stderr
    assert manifest.read_bytes() == truncated


# --- revert works on every record --------------------------------------------------------


def test_revert_keeps_a_text_files_form_feeds_inside_its_one_page(tmp_path):
    (tmp_path / "in").mkdir()
    shutil.copy(REPO / "samples" / "seeds" / "seed002.input.txt", tmp_path / "in" / "a.txt")
    (tmp_path / "in" / "b.txt").write_text("Tillsammans för barn-\nens bästa.\f\nSida två: Sérmlands län.\n", encoding="utf-8")
    assert nbsclean("run", "in", "-o", "corpus", "-j", "1", cwd=tmp_path).returncode == 0
    result = nbsclean("revert", "corpus", "--rule", "hyphen_join", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    from nbsclean.edits import Edit, apply_edits

    for record in records_of(tmp_path / "corpus"):
        assert not any("hyphen_join" in e["rule"] for e in record["edits"])
        assert apply_edits(record["raw_text"], [Edit.from_dict(e) for e in record["edits"]]) == record["text"]
        assert "\f".join(page["text"] for page in record["pages"]) == record["text"]
        assert (tmp_path / "corpus" / "text" / f"{record['id']}.txt").read_text(encoding="utf-8") == record["text"]
    assert "barn-\nens" in records_of(tmp_path / "corpus")[1]["text"]


# --- exit codes: a read-only folder, a full disk, a full temp folder, a wrong --lexicon ---


def private_mount_prefix() -> list[str]:
    """``unshare`` into a private mount namespace (as root, or mapped to root in a user
    namespace), where the test may mount a small tmpfs without touching the machine."""
    for prefix in (["unshare", "-m"], ["unshare", "-r", "-m"]):
        if shutil.which("unshare") and subprocess.run([*prefix, "true"], capture_output=True).returncode == 0:
            return prefix
    pytest.skip("this machine allows no private mount namespace (unshare -m / unshare -rm), so no tmpfs")


def in_small_tmpfs(tmp_path: Path, script: str, size: str = "64k") -> subprocess.CompletedProcess:
    """Run ``script`` (sh) with a fresh ``size`` tmpfs mounted at $M; $N runs nbsclean."""
    (tmp_path / "mnt").mkdir(exist_ok=True)
    env = dict(os.environ, M=str(tmp_path / "mnt"), N=f"{sys.executable} -m nbsclean")
    full = f'mount -t tmpfs -o size={size} tmpfs "$M" || exit 99\n{script}'
    result = subprocess.run([*private_mount_prefix(), "sh", "-c", full], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode != 99, result.stderr
    return result


def test_a_full_disk_is_exit_5_naming_the_corpus_path(tmp_path):
    write_texts(tmp_path / "in", 12)
    result = in_small_tmpfs(tmp_path, '$N run in -o "$M/corpus" -j 1; echo "exit=$?"')
    assert "exit=5" in result.stdout, result.stderr
    assert f"{tmp_path / 'mnt' / 'corpus'}" in result.stderr and "No space left on device" in result.stderr
    assert "[file_access_error]" in result.stderr and "internal error" not in result.stderr


def test_a_read_only_corpus_folder_is_exit_5_naming_the_path(tmp_path):
    write_texts(tmp_path / "in", 1)
    result = in_small_tmpfs(tmp_path, (
        '$N run in -o "$M/corpus" -j 1 --format jsonl >/dev/null 2>&1 || exit 98\n'
        'mount -o remount,ro "$M" || exit 97\n'
        '$N run in -o "$M/corpus" -j 1 --resume; echo "run=$?"\n'
        '$N revert "$M/corpus" --below 1; echo "revert=$?"\n'
    ), size="8m")
    assert "run=5" in result.stdout and "revert=5" in result.stdout, (result.stdout, result.stderr)
    assert result.stderr.count(str(tmp_path / "mnt" / "corpus")) >= 2 and "Read-only file system" in result.stderr


def test_a_full_temp_folder_is_a_file_access_failure_not_a_corrupt_file(tmp_path):
    write_scans(tmp_path / "in", 1)
    with open(tmp_path / "in" / "scan.pdf", "wb") as handle:  # a scanned PDF: rendered, then OCR'd
        Image.open(tmp_path / "in" / "scan00.png").save(handle, format="PDF", resolution=300)
    result = in_small_tmpfs(tmp_path, (
        # 8 KB left: enough for Python to accept the folder as TMPDIR, not for a page image
        'dd if=/dev/zero of="$M/gap" bs=4k count=2 2>/dev/null; dd if=/dev/zero of="$M/filler" bs=4k 2>/dev/null\n'
        'rm "$M/gap"; TMPDIR="$M" $N run in -o corpus -j 1; echo "exit=$?"'
    ), size="64k")
    from nbsclean.extract import ocr, tesseract_library

    if tesseract_library.engine_for("swe", ocr.tesseract_version()) is not None:
        # Tesseract's library is handed the page image in memory: no temporary file, so a
        # full temporary folder stops nothing (the program's case: test_extract_limits.py).
        assert "exit=0" in result.stdout, result.stderr
        assert manifest_of(tmp_path / "corpus")["failures"] == []
        return
    assert "exit=2" in result.stdout, result.stderr
    failures = manifest_of(tmp_path / "corpus")["failures"]
    assert [f["reason"] for f in failures] == ["file_access_error", "file_access_error"], failures
    assert all("No space left on device" in f["message"] for f in failures)


def test_a_lexicon_option_that_is_not_a_lexicon_is_a_named_error(tmp_path):
    (tmp_path / "notlex").mkdir()
    for directory, code, words in ((tmp_path / "notlex", 1, "not a lexicon directory"),
                                   (tmp_path / "none", 5, "no such lexicon directory")):
        result = subprocess.run([sys.executable, "-m", "nbsclean", "repair", "--lexicon", str(directory), "-"],
                                input="Hej då\n", capture_output=True, text=True, timeout=60)
        assert result.returncode == code and words in result.stderr and str(directory) in result.stderr


def test_a_document_too_large_for_memory_fails_by_name_and_the_batch_goes_on(tmp_path):
    letters = write_texts(tmp_path / "in", 1)
    line = ("Tillsammans för barnens bästa i Sörmlands län. " * 20 + "\n").encode()
    with open(tmp_path / "in" / "huge.txt", "wb") as handle:  # 400 MB of text, memory capped at 700 MB
        for _ in range(400_000_000 // len(line)):
            handle.write(line)
    limit = "import resource, os, sys; resource.setrlimit(resource.RLIMIT_AS, (700 << 20, 700 << 20)); "
    run = "os.execv(sys.executable, [sys.executable, '-m', 'nbsclean', 'run', 'in', '-o', 'corpus', '-j', '1'])"
    result = subprocess.run([sys.executable, "-c", limit + run], cwd=tmp_path, capture_output=True, text=True,
                            timeout=300)
    (tmp_path / "in" / "huge.txt").unlink()
    assert result.returncode == 2, result.stderr
    manifest = manifest_of(tmp_path / "corpus")
    assert [(f["source"], f["reason"]) for f in manifest["failures"]] == [("in/huge.txt", "too_large")]
    assert manifest["status"] == "complete_with_failures"
    assert_each_once(tmp_path / "corpus", letters)


def test_repair_refuses_a_device_instead_of_reading_it_for_ever():
    result = subprocess.run(
        [sys.executable, "-m", "nbsclean", "repair", "/dev/zero"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2 and "[not_a_regular_file]" in result.stderr, result.stderr


# A worker stopped after it wrote the length of a result and before its body: the pool's
# manager thread reads a body that never comes. Here the driver writes such a torn message
# itself, so the moment is certain rather than a race.
TORN_RESULT_SCRIPT = """
import os, struct, threading
from nbsclean.corpus.runner import LocalPoolExecutor
from nbsclean.corpus.tasks import RunContext

context = RunContext(options=None, process=None, lexicon=None, fingerprint="", extraction=None)
executor = LocalPoolExecutor(2, context)
assert executor.submit([]).result(timeout=60) == []  # workers and the manager thread are up
pool = executor._pool
manager = pool._executor_manager_thread
os.write(pool._result_queue._writer.fileno(), struct.pack("!i", 100000))  # a length, no body
executor.close(cancel=True)  # what Ctrl-C does
manager.join(20)
print("manager thread ended" if not manager.is_alive() else "manager thread still waiting", flush=True)
"""


def test_a_result_torn_by_a_stopped_worker_does_not_hang_the_driver():
    try:
        result = subprocess.run(
            [sys.executable, "-c", TORN_RESULT_SCRIPT], capture_output=True, text=True, timeout=60
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"the driver hung at exit after its pool was stopped: {exc.stdout!r}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "manager thread ended"
