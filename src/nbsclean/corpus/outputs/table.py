"""``words.parquet`` (with ``--format parquet``): one row per word of the repaired text,
with its place on the page, for analysis in DuckDB or pandas."""

from __future__ import annotations

import bisect
from pathlib import Path
from typing import Iterable, Iterator

WORDS_PARQUET = "words.parquet"


def word_rows(record: dict) -> list[dict]:
    """The record's repaired words: document, page, offsets into the page ``text``, the word
    and the word as read, confidence, box (union of its parts, in points), line and the kind
    of block it stands in."""
    from nbsclean.corpus.outputs.geometry import record_placements

    rows = []
    for page, placed in zip(record.get("pages") or [], record_placements(record)):
        blocks = page.get("blocks") or []
        block_starts = [b["start"] for b in blocks]
        for word in placed:
            x0, y0, x1, y1 = word.box
            index = bisect.bisect_right(block_starts, word.start) - 1
            rows.append({
                "id": record["id"], "page": page["n"], "start": word.start, "end": word.end,
                "word": word.text, "original": word.original, "changed": word.changed, "conf": word.conf,
                "x0": round(x0, 1), "y0": round(y0, 1), "x1": round(x1, 1), "y1": round(y1, 1),
                "line": word.parts[0].line, "block": index,
                "block_kind": blocks[index]["kind"] if index >= 0 else None,
            })
    return rows


# Rows per row group: a few MB of memory, whatever the corpus's size.
WORD_ROWS_PER_BATCH = 50_000


def write_words_parquet(root: Path, records: Iterable[dict]) -> None:
    """``words.parquet`` from ``records`` (an iterator is read once, a batch of rows at a time)."""
    import pyarrow as pa

    from nbsclean.corpus.journal import write_parquet_tables

    schema = pa.schema([
        ("id", pa.string()), ("page", pa.int32()), ("start", pa.int32()), ("end", pa.int32()),
        ("word", pa.string()), ("original", pa.string()), ("changed", pa.bool_()), ("conf", pa.float64()),
        ("x0", pa.float64()), ("y0", pa.float64()), ("x1", pa.float64()), ("y1", pa.float64()),
        ("line", pa.int32()), ("block", pa.int32()), ("block_kind", pa.string()),
    ])
    tables = (pa.Table.from_pylist(rows, schema=schema) for rows in _row_batches(records, WORD_ROWS_PER_BATCH))
    write_parquet_tables(Path(root) / WORDS_PARQUET, schema, tables)


def _row_batches(records: Iterable[dict], size: int) -> Iterator[list[dict]]:
    rows: list[dict] = []
    for record in records:
        rows.extend(word_rows(record))
        if len(rows) >= size:
            yield rows
            rows = []
    if rows:
        yield rows
