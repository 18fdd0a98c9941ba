"""Page structure (headings, paragraphs, list items as spans of the page text) and the
words.parquet table, on a born-digital PDF (no OCR needed)."""

from __future__ import annotations

import json
import subprocess
import sys

import pyarrow.parquet as pq

from nbsclean.corpus.outputs.structure import page_blocks
from tests.pdf_builder import text_pdf_bytes


def _kinds(text: str, placed=()) -> list[tuple[str, str]]:
    return [(b["kind"], text[b["start"] : b["end"]]) for b in page_blocks(text, placed)]


def test_paragraphs_list_items_and_headings_without_boxes():
    text = (
        "Aktuellt\n\n"
        "Under hösten har nedanstående punkter varit i fokus för arbetet i länet.\n"
        "• Film om arbetet\n"
        "• Nya piloter i\nFlen\n\n"
        "Vi hörs snart igen, med fler nyheter.\n"
    )
    assert _kinds(text) == [
        ("heading", "Aktuellt"),
        ("paragraph", "Under hösten har nedanstående punkter varit i fokus för arbetet i länet."),
        ("list_item", "• Film om arbetet"),
        ("list_item", "• Nya piloter i\nFlen"),
        ("paragraph", "Vi hörs snart igen, med fler nyheter."),
    ]


def test_a_sentence_or_a_long_block_is_no_heading():
    text = "Detta är en mening.\n\nEn mycket längre mening som följer efter den korta meningen här."
    assert [kind for kind, _ in _kinds(text)] == ["paragraph", "paragraph"]
    assert _kinds("") == []


def test_numbered_items_and_spans_point_into_the_text():
    text = "Program\n\n1. Välkomna\n2) Fika och samtal\n\n  slut  "
    blocks = page_blocks(text)
    assert [b["kind"] for b in blocks] == ["paragraph", "list_item", "list_item", "paragraph"]
    assert [text[b["start"] : b["end"]] for b in blocks] == ["Program", "1. Välkomna", "2) Fika och samtal", "slut"]


def test_run_writes_blocks_and_a_words_table(tmp_path):
    pdf = tmp_path / "in" / "brev.pdf"
    pdf.parent.mkdir()
    lines = [(50, 60, 20, "Nyheter i länet")]
    lines += [(50, 100 + 14 * i, 10, f"Rad {i} av texten om arbetet som pågår i kommunerna") for i in range(5)]
    lines += [(50, 200, 10, "- en punkt i listan"), (50, 214, 10, "- en annan punkt")]
    pdf.write_bytes(text_pdf_bytes([lines]))
    corpus = tmp_path / "corpus"
    subprocess.run(
        [sys.executable, "-m", "nbsclean", "run", str(pdf.parent), "-o", str(corpus), "-j", "1",
         "--format", "parquet,alto"],
        check=True, capture_output=True,
    )
    record = json.loads((corpus / "documents.jsonl").read_text().splitlines()[0])
    page = record["pages"][0]
    kinds = [(b["kind"], page["text"][b["start"] : b["end"]].split("\n")[0]) for b in page["blocks"]]
    assert kinds[0] == ("heading", "Nyheter i länet")  # 20 pt letters over 10 pt text
    assert ("list_item", "- en punkt i listan") in kinds and ("list_item", "- en annan punkt") in kinds
    assert record["outputs"]["alto"] == ["alto/brev.pdf/1.xml"]

    words = pq.read_table(corpus / "words.parquet").to_pylist()
    assert [w["word"] for w in words] == page["text"].split()
    first = words[0]
    assert first["id"] == record["id"] and first["page"] == 1 and first["block_kind"] == "heading"
    assert abs(first["x0"] - 50) < 1 and 55 < first["y1"] <= 66  # the baseline is 60 pt down
    assert all(page["text"][w["start"] : w["end"]] == w["word"] for w in words)


def test_the_words_table_is_written_a_batch_at_a_time(tmp_path, monkeypatch):
    """words.parquet streams: records are read once, as they come, and written in row
    groups, so that a large corpus is never held in memory; the table is the same."""
    from nbsclean.corpus.outputs import table

    pdf = tmp_path / "in" / "brev.pdf"
    pdf.parent.mkdir()
    lines = [(50, 100 + 14 * i, 10, f"Rad {i} av texten om arbetet som pågår i kommunerna") for i in range(6)]
    pdf.write_bytes(text_pdf_bytes([lines, lines]))
    corpus = tmp_path / "corpus"
    subprocess.run([sys.executable, "-m", "nbsclean", "run", str(pdf.parent), "-o", str(corpus), "-j", "1",
                    "--format", "parquet"], check=True, capture_output=True)
    record = json.loads((corpus / "documents.jsonl").read_text().splitlines()[0])
    whole = pq.read_table(corpus / "words.parquet").to_pylist()

    read = []

    def records_once():
        for n in range(3):  # three documents, consumed once, one at a time
            read.append(n)
            yield {**record, "id": f"{record['id']}-{n}"}

    monkeypatch.setattr(table, "WORD_ROWS_PER_BATCH", 10)
    table.write_words_parquet(tmp_path / "out", records_once())
    written = pq.ParquetFile(tmp_path / "out" / "words.parquet")
    rows = written.read().to_pylist()
    assert read == [0, 1, 2]
    assert len(rows) == 3 * len(whole) and written.metadata.num_row_groups == 3  # a batch per record here
    assert [dict(r, id=record["id"]) for r in rows[: len(whole)]] == whole
    assert not list((tmp_path / "out").glob(".*.tmp"))  # the temporary file became the table
