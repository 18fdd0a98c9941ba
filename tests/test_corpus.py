"""The corpus folder: atomic appends, torn-line recovery, atomic files, Parquet."""

import json
import os

import pytest

from nbsclean.corpus.journal import (
    CorpusPaths,
    JournalWriter,
    encode_record,
    prepare_corpus_dir,
    read_journal,
    write_atomic,
    write_parquet,
)
from nbsclean.errors import BadArgumentsError, FileAccessError


def records(n):
    return [
        {
            "id": f"{i:016x}",
            "sha256": f"{i:064x}",
            "raw_text": f"Sérmland {i}",
            "text": f"Sörmland {i}",
            "pages": [{"n": 1, "raw_text": f"Sérmland {i}", "text": f"Sörmland {i}"}],
            "edits": [{"id": "e1", "start": 1, "end": 2, "before": "é", "after": "ö", "rule": "ocr_confusion", "score": 0.9}],
        }
        for i in range(n)
    ]


def test_records_are_utf8_lines_without_escapes():
    line = encode_record({"text": "Sörmland\nläns"})
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert "Sörmland".encode() in line


def test_journal_appends_and_reads_back(tmp_path):
    path = tmp_path / "documents.jsonl"
    with JournalWriter(path) as journal:
        for record in records(3):
            journal.append(record)
    assert read_journal(path) == records(3)


@pytest.mark.parametrize("cut", [1, 10, -1])
def test_torn_last_line_is_dropped_and_cut_off(tmp_path, cut):
    path = tmp_path / "documents.jsonl"
    whole = b"".join(encode_record(r) for r in records(3))
    last_start = len(whole) - len(encode_record(records(3)[2]))
    path.write_bytes(whole[: last_start + cut] if cut > 0 else whole[:cut])  # torn third line
    assert read_journal(path) == records(2)
    assert path.read_bytes() == whole[:last_start]  # the file is clean for the next append
    with JournalWriter(path) as journal:
        journal.append(records(3)[2])
    assert read_journal(path) == records(3)


def test_torn_line_that_kept_its_newline_is_dropped(tmp_path):
    path = tmp_path / "documents.jsonl"
    path.write_bytes(encode_record(records(1)[0]) + b'{"id": "tor\n')
    assert read_journal(path) == records(1)


def test_damage_before_the_last_line_is_an_error(tmp_path):
    path = tmp_path / "documents.jsonl"
    path.write_bytes(encode_record(records(1)[0]) + b"garbage\n" + encode_record(records(2)[1]))
    with pytest.raises(FileAccessError):
        read_journal(path)


def test_write_atomic_replaces_whole_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "manifest.json"
    write_atomic(target, b"old")
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert os.listdir(tmp_path) == ["manifest.json"]


def test_non_empty_output_needs_resume_or_overwrite(tmp_path):
    (tmp_path / "documents.jsonl").write_text("{}\n")
    (tmp_path / "notes.md").write_text("mine")
    with pytest.raises(BadArgumentsError):
        prepare_corpus_dir(tmp_path, resume=False, overwrite=False)
    prepare_corpus_dir(tmp_path, resume=True, overwrite=False)
    assert (tmp_path / "documents.jsonl").exists()
    prepare_corpus_dir(tmp_path, resume=False, overwrite=True)
    # --overwrite removes the corpus files and nothing else
    assert sorted(os.listdir(tmp_path)) == ["notes.md"]


def test_output_that_is_a_file_is_rejected(tmp_path):
    target = tmp_path / "corpus"
    target.write_text("x")
    with pytest.raises(BadArgumentsError):
        prepare_corpus_dir(target, resume=False, overwrite=True)


def test_parquet_keeps_nested_fields(tmp_path):
    import pyarrow.parquet as pq

    paths = CorpusPaths(tmp_path)
    rows = [
        {"id": "a", "pages": [{"n": 1, "ocr_conf": None, "text": "x"}], "edits": [], "metadata": {"issue": None}},
        {"id": "b", "pages": [{"n": 1, "ocr_conf": 91.5, "text": "y"}], "edits": [{"start": 0, "rule": "r"}],
         "metadata": {"issue": "24:1"}},
    ]
    write_parquet(paths, rows)
    table = pq.read_table(paths.parquet)
    assert table.to_pylist()[1]["pages"][0]["ocr_conf"] == 91.5
    assert table.to_pylist()[1]["metadata"] == {"issue": "24:1"}
    assert json.loads(json.dumps(table.to_pylist()[0]["edits"])) == []


@pytest.mark.parametrize(
    "value",
    [0.0, -0.0, 0.1, 1 / 3, 1e-4, 9.99e-5, 1e-05, 1e15, 1e16, 1e300, float("nan"), float("inf"), 2**70, -7, True,
     None, "Sörmland\u2028\x7f\x00\x1f\"\\", ("tuple", 1)],
)
def test_a_record_line_has_the_bytes_json_dumps_writes(value):
    """encode_record writes with msgspec where that gives json.dumps's very bytes, and with
    json where it would not (exponent floats, NaN, huge integers)."""
    import json

    from nbsclean.corpus.journal import encode_record

    record = {"id": "0123456789abcdef", "values": [value, {"nested": value}], "text": "Välkommen"}
    expected = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
    assert encode_record(record) == expected
