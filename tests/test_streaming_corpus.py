"""The journal is read a record at a time; resume and Parquet keep only what they need."""

from __future__ import annotations

import json

import pytest

from nbsclean.corpus import journal
from nbsclean.corpus.journal import CorpusPaths, encode_record, iter_journal, iter_resume_view, read_journal, write_parquet
from nbsclean.errors import FileAccessError


def record(n: int, **extra) -> dict:
    text = f"Text nummer {n}"
    return {"id": f"{n:016x}", "sha256": f"{n:064x}", "raw_text": text, "text": text, "pages": [{"n": 1}],
            "edits": [], **extra}


def test_records_stream_in_order_and_a_torn_tail_is_cut_after_the_last_record(tmp_path):
    path = tmp_path / "documents.jsonl"
    path.write_bytes(b"".join(encode_record(record(n)) for n in range(3)) + b'{"id": "torn')
    reader = iter_journal(path)
    assert next(reader)["id"] == record(0)["id"]
    assert path.read_bytes().endswith(b'"torn')  # nothing is cut before the reader is done
    assert [r["id"] for r in reader] == [record(1)["id"], record(2)["id"]]
    assert path.read_bytes() == b"".join(encode_record(record(n)) for n in range(3))


def test_a_bad_line_before_the_last_is_a_damaged_corpus_naming_the_line(tmp_path):
    path = tmp_path / "documents.jsonl"
    path.write_bytes(encode_record(record(0)) + b"not json\n" + encode_record(record(1)))
    with pytest.raises(FileAccessError, match="line 2 is not a JSON record"):
        read_journal(path)


def test_the_resume_view_has_the_fields_resume_reads_and_the_journal_s_checks(tmp_path):
    path = tmp_path / "documents.jsonl"
    pages = [{"n": 1, "method": "ocr", "quality": {"verdict": "poor"}, "words": {"text": ["x"]}}, {"n": 2, "method": "text"}]
    edits = [{"id": "e1", "start": 0, "end": 4, "before": "Text", "after": "Test", "rule": "ocr_confusion", "score": 1.5}]
    records = [record(0, options_sha256="o" * 64, extract_sha256="x" * 64), record(1, pages=pages, edits=edits)]
    path.write_bytes(b"".join(encode_record(r) for r in records) + b'{"id": "torn')
    views = list(iter_resume_view(path))
    assert views[0] == {**{k: records[0][k] for k in ("id", "sha256", "raw_text", "text", "options_sha256", "extract_sha256")},
                        "pages": [{"method": None, "quality": None}], "edits": []}
    assert "options_sha256" not in views[1] and "decisions_sha256" not in views[1]  # absent stays absent
    assert views[1]["pages"] == [{"method": "ocr", "quality": {"verdict": "poor"}}, {"method": "text", "quality": None}]
    assert views[1]["edits"] == [{"rule": "ocr_confusion"}]
    assert path.read_bytes() == b"".join(encode_record(r) for r in records)  # the torn tail cut, as iter_journal does


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda r: {**r, "id": "../../etc/passwd"}, "line 2: the record's id '../../etc/passwd' is not 16 hex digits"),
        (lambda r: {**r, "edits": [{"start": True, "end": 1, "before": "a", "after": "b", "rule": "x"}]},
         "line 2: edit 1 of 0000000000000001 has no start of type int"),
        (lambda r: {k: v for k, v in r.items() if k != "text"}, "line 2: the record has no text of type str"),
        (lambda r: {**r, "pages": ["page one"]}, "line 2: a page of 0000000000000001 is not an object"),
    ],
)
def test_the_resume_view_names_a_damaged_record_as_the_journal_does(tmp_path, damage, message):
    path = tmp_path / "documents.jsonl"
    path.write_bytes(encode_record(record(0)) + encode_record(damage(record(1))) + encode_record(record(2)))
    for reader in (iter_journal, iter_resume_view):
        with pytest.raises(FileAccessError, match=message.replace("(", r"\(")):
            list(reader(path))


def test_parquet_in_batches_has_every_record_and_every_optional_field(tmp_path, monkeypatch):
    pyarrow_parquet = pytest.importorskip("pyarrow.parquet")
    monkeypatch.setattr(journal, "PARQUET_BATCH_RECORDS", 2)
    paths = CorpusPaths(tmp_path)
    path = paths.documents
    # An optional field only the last batch has must still be a column of the one schema.
    records = [record(n) for n in range(4)] + [record(4, metadata={"issue": "24:1"})]
    path.write_bytes(b"".join(encode_record(r) for r in records))
    write_parquet(paths, lambda: iter_journal(path, repair=False))
    table = pyarrow_parquet.read_table(paths.parquet)
    assert table.column("id").to_pylist() == [r["id"] for r in records]
    assert table.column("metadata").to_pylist() == [None] * 4 + [{"issue": "24:1"}]
    assert not list(tmp_path.glob(".*.tmp"))


def test_resume_restores_a_text_file_that_lost_its_content(tmp_path):
    import subprocess
    import sys

    inputs = tmp_path / "in"
    inputs.mkdir()
    for n in range(3):
        (inputs / f"d{n}.txt").write_text(f"Välkomna till möte nummer {n} i Sörmland.\n", encoding="utf-8")
    corpus = tmp_path / "corpus"
    command = [sys.executable, "-m", "nbsclean", "-q", "run", str(inputs), "-o", str(corpus), "-j", "1"]
    subprocess.run(command, check=True, capture_output=True)
    records = [json.loads(line) for line in (corpus / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
    emptied = corpus / "text" / f"{records[1]['id']}.txt"
    emptied.write_bytes(b"")  # what a power cut can leave of a file whose data was never flushed
    (corpus / "text" / f"{records[2]['id']}.txt").unlink()
    subprocess.run([*command, "--resume"], check=True, capture_output=True)
    for r in records:
        assert (corpus / "text" / f"{r['id']}.txt").read_text(encoding="utf-8") == r["text"]


def test_group_commit_and_per_record_sync_write_the_same_corpus(tmp_path):
    import subprocess
    import sys

    inputs = tmp_path / "in"
    inputs.mkdir()
    for n in range(5):
        (inputs / f"d{n}.txt").write_text(f"Nyhetsbrev {n}: vi ses pa traffen i Sormland.\n", encoding="utf-8")
    corpora = {}
    for mode in ("group", "each"):
        corpora[mode] = tmp_path / mode
        subprocess.run(
            [sys.executable, "-m", "nbsclean", "-q", "run", str(inputs), "-o", str(corpora[mode]), "-j", "1", "--sync", mode],
            check=True, capture_output=True,
        )
    assert (corpora["group"] / "documents.jsonl").read_bytes() == (corpora["each"] / "documents.jsonl").read_bytes()
    texts = {mode: sorted((p.name, p.read_bytes()) for p in (c / "text").iterdir()) for mode, c in corpora.items()}
    assert texts["group"] == texts["each"] and len(texts["group"]) == 5
    bad = subprocess.run(
        [sys.executable, "-m", "nbsclean", "run", str(inputs), "-o", str(tmp_path / "x"), "--sync", "never"],
        capture_output=True, text=True,
    )
    assert bad.returncode == 1 and "--sync" in bad.stderr


def test_the_journal_writer_syncs_a_group_when_it_is_full_and_when_closed(tmp_path):
    from nbsclean.corpus.journal import GroupCommit, JournalWriter

    synced: list[int] = []
    with JournalWriter(tmp_path / "documents.jsonl", GroupCommit(records=2, seconds=3600)) as writer:
        original = writer.sync
        writer.sync = lambda: (synced.append(writer._unsynced_records), original())[1]
        for n in range(3):
            writer.append(record(n))
    assert synced == [2, 1]  # a full group, then the rest at close
    assert len(read_journal(tmp_path / "documents.jsonl")) == 3


@pytest.mark.parametrize("syncfs", [True, False], ids=["syncfs", "fsync-each"])
def test_sync_files_flushes_written_files_and_skips_removed_ones(tmp_path, monkeypatch, syncfs):
    import sys

    from nbsclean.corpus import journal

    if syncfs and not sys.platform.startswith("linux"):
        pytest.skip("syncfs is Linux's")
    if not syncfs:
        monkeypatch.setattr(journal, "_syncfs_function", lambda: None)
    calls = []
    real_fsync = journal.os.fsync
    monkeypatch.setattr(journal.os, "fsync", lambda fd: (calls.append(fd), real_fsync(fd))[1])
    kept, gone = tmp_path / "text" / "a.txt", tmp_path / "text" / "b.txt"
    kept.parent.mkdir()
    kept.write_text("a", encoding="utf-8")
    journal.sync_files([gone, kept])  # b.txt was never written (or removed since): skipped
    assert len(calls) == (0 if syncfs else 2)  # one flush of the filesystem, or a.txt and text/
    assert journal._syncfs(tmp_path / "missing") is False or not syncfs


@pytest.mark.parametrize("seed", range(6))
def test_the_plan_takes_new_contents_once_in_input_order(monkeypatch, seed):
    """_plan (sorted arrays, blocks of inputs) decides as a map of contents would: the first
    input of each content is processed unless the corpus has it, later ones are duplicates
    of that first one."""
    import hashlib
    import random

    from nbsclean.corpus import runner
    from nbsclean.corpus.inputs import InputPaths

    monkeypatch.setattr(runner, "PLAN_BLOCK", 7)  # blocks end inside runs of equal contents
    rng = random.Random(seed)
    contents = [rng.randrange(40) for _ in range(rng.randrange(1, 120))]
    paths = [f"/archive/{n // 10:02d}/doc{n:04d}.txt" for n in range(len(contents))]
    hashed = runner.HashedInputs(InputPaths(paths), cwd="/archive")
    for position, content in enumerate(contents):
        hashed.append(position, hashlib.sha256(bytes([content])).hexdigest(), 3000)
    in_corpus = {c for c in range(40) if rng.random() < 0.4}
    done = bytearray(b"".join(hashlib.sha256(bytes([c])).digest() for c in sorted(in_corpus, key=lambda c: rng.random())))

    todo, skipped, duplicates = runner._plan(hashed, done)

    first_of: dict[int, int] = {}
    expected_todo, expected_skipped, expected_duplicates = [], 0, []
    for index, content in enumerate(contents):
        first = first_of.setdefault(content, index)
        if first != index:
            expected_duplicates.append((paths[index][9:], paths[first][9:]))
        elif content in in_corpus:
            expected_skipped += 1
        else:
            expected_todo.append(paths[index])
    assert [str(task.path) for task in todo] == expected_todo
    assert [task.sha256 for task in todo] == [hashlib.sha256(bytes([contents[paths.index(p)]])).hexdigest() for p in expected_todo]
    assert skipped == expected_skipped
    assert [(d["source"], d["same_as"]) for d in duplicates] == expected_duplicates


def test_input_paths_give_back_every_path_in_order():
    import os
    import random

    from nbsclean.corpus.inputs import InputPaths

    rng = random.Random(3)
    names = sorted(
        os.fsdecode(bytes(rng.choice(b"ab/\xff\xc3\xa5") for _ in range(rng.randint(1, 40)))) for _ in range(500)
    )
    stored = InputPaths(names)
    assert len(stored) == len(names) and list(stored) == names
    assert [stored[i] for i in range(len(names))] == names  # reading in order
    for _ in range(300):
        i = rng.randrange(-len(names), len(names))
        assert stored[i] == names[i]
    with pytest.raises(IndexError):
        stored[len(names)]
