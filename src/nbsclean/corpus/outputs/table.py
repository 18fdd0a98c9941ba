"""``words.parquet`` (with ``--format parquet``): one row per word of the repaired text,
with its place on the page, for analysis in DuckDB or pandas."""

from __future__ import annotations

import bisect
from pathlib import Path
from typing import Iterable

from nbsclean.atomic import write_atomic

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


def write_words_parquet(root: Path, records: Iterable[dict]) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([
        ("id", pa.string()), ("page", pa.int32()), ("start", pa.int32()), ("end", pa.int32()),
        ("word", pa.string()), ("original", pa.string()), ("changed", pa.bool_()), ("conf", pa.float64()),
        ("x0", pa.float64()), ("y0", pa.float64()), ("x1", pa.float64()), ("y1", pa.float64()),
        ("line", pa.int32()), ("block", pa.int32()), ("block_kind", pa.string()),
    ])
    table = pa.Table.from_pylist([row for record in records for row in word_rows(record)], schema=schema)
    buffer = pa.BufferOutputStream()
    pq.write_table(table, buffer, compression="zstd")
    write_atomic(Path(root) / WORDS_PARQUET, buffer.getvalue().to_pybytes())
