"""Rewriting records already in a corpus (``revert``, ``decide``, ``run --resume`` repairing
records again): the journal and every file derived from it, kept in step.

The caller holds the corpus lock. ``documents.jsonl`` is written first (one atomic
replacement: it is the record of truth), then the searchable PDF and ALTO pages of the
changed records, their text files, and the Parquet tables when the corpus has them.
"""

from __future__ import annotations

from nbsclean.atomic import write_atomic
from nbsclean.corpus.journal import CorpusPaths, corpus_write, encode_record, write_parquet, write_text_file
from nbsclean.corpus.outputs import refresh_outputs
from nbsclean.corpus.outputs.table import write_words_parquet


def rewrite_records(paths: CorpusPaths, records: list[dict], changed: list[dict], *, tables: bool = True) -> None:
    """Replace the corpus's records with ``records``; ``changed`` are those that differ.
    ``tables=False`` leaves the Parquet tables to the caller (a run writes them at its end)."""
    with corpus_write(paths.documents):
        write_atomic(paths.documents, b"".join(encode_record(r) for r in records))
    for record in changed:  # the searchable PDF and the ALTO pages follow the record
        refresh_outputs(record, paths.root)
    if paths.text_dir.is_dir():
        for record in changed:
            write_text_file(paths, record["id"], record["text"])
    if tables and paths.parquet.exists():
        write_parquet(paths, records)
        write_words_parquet(paths.root, records)
