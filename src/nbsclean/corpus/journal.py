"""The corpus directory: atomic, resumable writes of documents.jsonl, manifest.json, text/.

Layout (see DESIGN.md, "Corpus — the contract others build on")::

    CORPUS/documents.jsonl    one JSON record per document; also the resume journal
    CORPUS/manifest.json      versions, hashes, options, times, counts, failures
    CORPUS/text/<id>.txt      cleaned text per document        (--format txt)
    CORPUS/documents.parquet  the same records as a table       (--format parquet)

Why it cannot lose or double a document:

* ``documents.jsonl`` is only ever appended to, one whole record per ``os.write`` on an
  ``O_APPEND`` descriptor, followed by ``fsync``. A crash can at worst leave the *last*
  line torn (no final newline, or not valid JSON); :func:`read_journal` cuts it off, and
  the document it belonged to is processed again.
* Every other file is written to a temporary file in the same directory, fsynced, and
  moved into place with ``os.replace``: readers see the old or the new file, never half.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from nbsclean.atomic import write_atomic
from nbsclean.errors import BadArgumentsError, FileAccessError, MissingDependencyError

DOCUMENTS = "documents.jsonl"
MANIFEST = "manifest.json"
TEXT_DIR = "text"
PARQUET = "documents.parquet"

# Files and folders a corpus consists of; --overwrite removes exactly these.
OWNED_NAMES = (DOCUMENTS, MANIFEST, TEXT_DIR, PARQUET)


@dataclass(frozen=True)
class CorpusPaths:
    root: Path

    @property
    def documents(self) -> Path:
        return self.root / DOCUMENTS

    @property
    def manifest(self) -> Path:
        return self.root / MANIFEST

    @property
    def text_dir(self) -> Path:
        return self.root / TEXT_DIR

    @property
    def parquet(self) -> Path:
        return self.root / PARQUET

    def text_file(self, doc_id: str) -> Path:
        return self.text_dir / f"{doc_id}.txt"


# --- preparing the directory -------------------------------------------------------------


def prepare_corpus_dir(root: Path, *, resume: bool, overwrite: bool) -> CorpusPaths:
    """Create the corpus folder, refusing to mix a new run into an existing corpus.

    Without ``resume`` a folder that already holds files is an error (exit 1), unless
    ``overwrite`` is given: then the corpus files (and only those) are removed first.
    """
    if root.exists() and not root.is_dir():
        raise BadArgumentsError("the output exists and is not a folder", source=str(root))
    existing = sorted(p.name for p in root.iterdir()) if root.is_dir() else []
    if existing and not resume:
        if not overwrite:
            raise BadArgumentsError(
                f"the output folder is not empty ({', '.join(existing[:5])}); "
                "use --resume to continue this corpus or --overwrite to replace it",
                source=str(root),
            )
        _remove_corpus_files(root)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FileAccessError(f"cannot create the output folder: {exc.strerror}", source=str(root)) from exc
    paths = CorpusPaths(root)
    _remove_interrupted_writes(paths)
    return paths


def _remove_interrupted_writes(paths: CorpusPaths) -> None:
    """Delete the temporary files of atomic writes a killed run never finished.

    Every corpus file is written as ".<name>.<random>.tmp" and renamed into place; a run
    killed between the two leaves the temporary file, which no reader ever looks at.
    """
    for directory in (paths.root, paths.text_dir):
        if directory.is_dir():
            for leftover in directory.glob(".*.tmp"):
                if leftover.is_file():
                    leftover.unlink(missing_ok=True)


def _remove_corpus_files(root: Path) -> None:
    for name in OWNED_NAMES:
        path = root / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


# --- the journal (documents.jsonl) -------------------------------------------------------


def encode_record(record: dict) -> bytes:
    """One record as one UTF-8 line (no ASCII escapes, so the file stays readable)."""
    return (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def read_journal(path: Path, *, repair: bool = True) -> list[dict]:
    """The complete records of ``documents.jsonl``, in file order.

    A torn last line (a run killed mid-write: no final newline, or a final line that is
    not JSON) is dropped and, with ``repair``, cut off the file so that the next append
    starts on a clean line. A bad line anywhere else cannot come from an interrupted
    append, so it is reported as a damaged corpus.
    """
    if not path.exists():
        return []
    data = path.read_bytes()
    *complete, tail = data.split(b"\n")
    records: list[dict] = []
    good_end = 0
    for index, line in enumerate(complete):
        record = _parse_line(line)
        if record is None:
            if index == len(complete) - 1 and not tail:
                break  # the last line is torn although its newline made it to disk
            raise FileAccessError(
                f"line {index + 1} is not a JSON record; the corpus is damaged", source=str(path)
            )
        records.append(record)
        good_end += len(line) + 1
    if repair and good_end != len(data):
        _truncate(path, good_end)
    return records


def _parse_line(line: bytes) -> dict | None:
    try:
        record = json.loads(line)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def _truncate(path: Path, size: int) -> None:
    with open(path, "r+b") as handle:
        handle.truncate(size)
        handle.flush()
        os.fsync(handle.fileno())


class JournalWriter:
    """Appends records to documents.jsonl, each one durable before the next begins."""

    def __init__(self, path: Path):
        self.path = path
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def append(self, record: dict) -> None:
        data = encode_record(record)
        # One write call per record: O_APPEND puts it at the end as a unit. A short write
        # (disk full, signal) is finished by the loop; a crash in between leaves a torn
        # last line, which read_journal removes.
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        os.fsync(self._fd)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __enter__(self) -> "JournalWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# --- corpus files (written with nbsclean.atomic.write_atomic) ----------------------------


def write_text_file(paths: CorpusPaths, doc_id: str, text: str) -> None:
    write_atomic(paths.text_file(doc_id), text.encode("utf-8"))


def write_manifest(paths: CorpusPaths, manifest: dict) -> None:
    data = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
    write_atomic(paths.manifest, data.encode("utf-8"))


def read_manifest(paths: CorpusPaths) -> dict | None:
    try:
        return json.loads(paths.manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


# --- Parquet -----------------------------------------------------------------------------


def write_parquet(paths: CorpusPaths, records: Iterable[dict]) -> None:
    """All records as one Parquet table with the same fields as documents.jsonl.

    Nested fields stay nested: ``pages`` and ``edits`` are lists of structs, ``stats`` and
    ``metadata`` structs, so DuckDB/pandas see the same shape as in the JSON lines.
    """
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as exc:
        raise MissingDependencyError(
            "Parquet output needs pyarrow: pip install 'nbsclean[parquet]'", source="--format parquet"
        ) from exc
    table = pa.Table.from_pylist(list(records))
    buffer = pa.BufferOutputStream()
    pq.write_table(table, buffer, compression="zstd")
    write_atomic(paths.parquet, buffer.getvalue().to_pybytes())


def parquet_available() -> bool:
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        return False
    return True
