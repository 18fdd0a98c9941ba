"""The served review page's view of a corpus: a small summary per document, and one record
at a time read from where it sits in ``documents.jsonl``.

A corpus of 1 000 documents with their raw text, edits and word boxes is far larger than
what a page needs to list them, so the index keeps only each record's summary and the
byte range of its line; a document's full record is read (and kept in a small cache) when
its page is asked for. When ``documents.jsonl`` changes (a decision rewrote it, a run
added to it) the index is built again on the next request.
"""

from __future__ import annotations

import json
import os
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from nbsclean.errors import FileAccessError
from nbsclean.review.page import corpus_paths

RECORDS_KEPT = 8  # full records kept in memory: the document on screen and its neighbours


@dataclass(frozen=True)
class DocumentSummary:
    id: str
    source: str
    kind: str
    pages: int
    methods: Counter
    edits: int
    rules: Counter
    unknown_words: int
    offset: int  # where the record's line starts in documents.jsonl
    length: int


@dataclass
class CorpusIndex:
    """Summaries of the corpus's documents in file order, rebuilt when the file changes."""

    corpus: Path
    documents: list[DocumentSummary] = field(default_factory=list)
    by_id: dict[str, DocumentSummary] = field(default_factory=dict)
    _stamp: tuple | None = None
    _records: OrderedDict = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.paths = corpus_paths(self.corpus)

    def refresh(self) -> None:
        """Rebuild the index when documents.jsonl was replaced or grew since the last look."""
        with self._lock:
            stamp = self._file_stamp()
            if stamp == self._stamp:
                return
            self.documents = list(self._scan())
            self.by_id = {doc.id: doc for doc in self.documents}
            self._records.clear()
            self._stamp = stamp

    def record(self, document_id: str) -> dict | None:
        """The full record of one document, or None when the corpus has no such document."""
        self.refresh()
        with self._lock:
            summary = self.by_id.get(document_id)
            if summary is None:
                return None
            cached = self._records.get(document_id)
            if cached is not None:
                self._records.move_to_end(document_id)
                return cached
            record = self._read_line(summary)
            self._records[document_id] = record
            while len(self._records) > RECORDS_KEPT:
                self._records.popitem(last=False)
            return record

    def _file_stamp(self) -> tuple:
        try:
            stat = os.stat(self.paths.documents)
        except OSError as exc:
            raise FileAccessError(f"cannot read: {exc.strerror}", source=str(self.paths.documents)) from exc
        return (stat.st_ino, stat.st_size, stat.st_mtime_ns)

    def _scan(self):
        offset = 0
        with open(self.paths.documents, "rb") as handle:
            for line in handle:
                length = len(line)
                if line.endswith(b"\n"):  # a torn last line (a writer still at work) is not a record yet
                    summary = summarise(line, offset, length)
                    if summary is not None:
                        yield summary
                offset += length

    def _read_line(self, summary: DocumentSummary) -> dict:
        with open(self.paths.documents, "rb") as handle:
            handle.seek(summary.offset)
            return json.loads(handle.read(summary.length))


def summarise(line: bytes, offset: int, length: int) -> DocumentSummary | None:
    """The summary of one journal line; None for a line that is not a record."""
    try:
        record = json.loads(line)
    except ValueError:
        return None
    if not isinstance(record, dict) or "id" not in record:
        return None
    edits = record.get("edits") or []
    pages = record.get("pages") or []
    stats = record.get("stats") or {}
    return DocumentSummary(
        id=str(record["id"]),
        source=str(record.get("source", record["id"])),
        kind=str(record.get("kind", "?")),
        pages=len(pages),
        methods=Counter(str(page.get("method", "?")) for page in pages),
        edits=len(edits),
        rules=Counter(str(edit.get("rule", "?")) for edit in edits),
        unknown_words=int(stats.get("unknown_words", 0) or 0),
        offset=offset,
        length=length,
    )
