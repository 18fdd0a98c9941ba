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

import functools
import itertools
import json
import logging
import os
import re
import stat
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import msgspec

from nbsclean.atomic import replace_durably, write_atomic
from nbsclean.errors import BadArgumentsError, FileAccessError, MissingDependencyError

log = logging.getLogger(__name__)

DOCUMENTS = "documents.jsonl"
JOURNAL_READ_BUFFER = 1 << 20  # records are tens of KB: a line per read, not several reads per line
MANIFEST = "manifest.json"
TEXT_DIR = "text"
PARQUET = "documents.parquet"
REVIEW_PAGE = "review.html"
# The temporary file of an atomic write (nbsclean.atomic): ".<name>.<random>.tmp".
TEMP_FILE = re.compile(r"\..+\.tmp")



@dataclass(frozen=True)
class OwnedEntry:
    """A file or folder of the corpus that nbsclean writes, and so may delete.

    ``name`` is a path relative to the corpus folder. For a folder, ``files`` is a regular
    expression matching (fully) the paths, relative to that folder, of the files nbsclean
    writes there: ``--overwrite`` deletes those and the temporary files of unfinished
    atomic writes, and leaves anything else a person put there.
    """

    name: str
    files: str | None = None  # None: a single file


# The one list of what nbsclean writes into a corpus folder; ``--overwrite`` removes exactly
# these. A new output (decisions, searchable PDFs, ALTO) registers itself with
# :func:`register_owned` so that ``--overwrite`` knows it.
OWNED: list[OwnedEntry] = [
    OwnedEntry(DOCUMENTS),
    OwnedEntry(MANIFEST),
    OwnedEntry(PARQUET),
    OwnedEntry(TEXT_DIR, r"[0-9a-f]{16}\.txt"),
    # `nbsclean review`'s default page: stale once the records are replaced. Never
    # decisions.jsonl: the archive's decisions outlive every run.
    OwnedEntry(REVIEW_PAGE),
]


def register_owned(name: str, files: str | None = None) -> None:
    """Add an output to :data:`OWNED` (a file, or a folder with the pattern of its files)."""
    entry = OwnedEntry(name, files)
    if entry not in OWNED:
        OWNED.append(entry)


def owned_names() -> tuple[str, ...]:
    return tuple(entry.name for entry in OWNED)


OWNED_NAMES = owned_names()  # the older name: the top-level entries of OWNED


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
        return Path(document_text_path(str(self.text_dir), doc_id))


# --- preparing the directory -------------------------------------------------------------


def prepare_corpus_dir(root: Path, *, resume: bool, overwrite: bool) -> CorpusPaths:
    """Create the corpus folder, refusing to mix a new run into an existing corpus.

    Without ``resume`` a folder that already holds files is an error (exit 1), unless
    ``overwrite`` is given: then the files nbsclean wrote there (and only those, see
    :data:`OWNED`) are removed first. The caller holds the corpus lock
    (:mod:`nbsclean.corpus.lock`), whose file does not count.
    """
    from nbsclean.corpus.lock import LOCK_NAME

    if root.exists() and not root.is_dir():
        raise BadArgumentsError("the output exists and is not a folder", source=str(root))
    existing = sorted(p.name for p in root.iterdir() if p.name != LOCK_NAME) if root.is_dir() else []
    if existing and not resume:
        if not overwrite:
            raise BadArgumentsError(
                f"the output folder is not empty ({', '.join(existing[:5])}); "
                "use --resume to continue this corpus or --overwrite to replace it",
                source=str(root),
            )
        with corpus_write(root):
            _remove_corpus_files(root)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FileAccessError(f"cannot create the output folder: {exc.strerror}", source=str(root)) from exc
    paths = CorpusPaths(root)
    with corpus_write(root):
        _remove_interrupted_writes(paths)
    return paths


def _remove_interrupted_writes(paths: CorpusPaths) -> None:
    """Delete the temporary files of atomic writes a killed run never finished.

    Every corpus file is written as ".<name>.<random>.tmp" and renamed into place; a run
    killed between the two leaves the temporary file, which no reader ever looks at.
    """
    for directory in (paths.root, paths.text_dir):
        if directory.is_dir() and not directory.is_symlink():
            for leftover in _temporary_files(directory):
                leftover.unlink(missing_ok=True)


def _temporary_files(directory: Path) -> list[Path]:
    """The regular files (not symlinks) in ``directory`` whose names match ".*.tmp".

    One entry at a time from os.scandir: Path.glob would hold an entry object for every
    file of text/ at once (one per document of the corpus, on every --resume)."""
    with os.scandir(directory) as entries:
        return [
            directory / entry.name
            for entry in entries
            if len(entry.name) >= 5 and entry.name.startswith(".") and entry.name.endswith(".tmp")
            and entry.is_file(follow_symlinks=False)
        ]


def _remove_corpus_files(root: Path) -> None:
    """Delete what nbsclean wrote (:data:`OWNED`) and nothing else.

    A symlink is removed as a link, never followed; files in an owned folder that nbsclean
    did not write stay, with a warning, and so does the folder then.
    """
    for entry in OWNED:
        path = root / entry.name
        if path.is_symlink() or (path.exists() and entry.files is None and not path.is_dir()):
            path.unlink()
        elif path.is_dir() and entry.files is not None:
            _remove_owned_files(path, re.compile(entry.files))
        elif path.exists():
            log.warning("%s is not what nbsclean writes there; left alone", path)


def _remove_owned_files(folder: Path, pattern: re.Pattern) -> None:
    kept = []
    for directory, dirnames, filenames in os.walk(folder, topdown=False):
        here = Path(directory)
        for name in filenames:
            file = here / name
            relative = file.relative_to(folder).as_posix()
            if pattern.fullmatch(relative) or TEMP_FILE.fullmatch(name):
                file.unlink()
            else:
                kept.append(relative)
        for name in dirnames:
            sub = here / name
            if sub.is_symlink():
                kept.append(sub.relative_to(folder).as_posix())
            else:
                _rmdir_if_empty(sub)
    if kept:
        log.warning(
            "--overwrite kept %d file(s) in %s that nbsclean did not write: %s",
            len(kept), folder, ", ".join(sorted(kept)[:5]),
        )
    _rmdir_if_empty(folder)


def _rmdir_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass


@contextmanager
def corpus_write(path: Path) -> Iterator[None]:
    """Turn an OSError while writing the corpus (read-only folder, full disk) into a named
    FileAccessError (exit 5) naming ``path``."""
    try:
        yield
    except OSError as exc:
        where = exc.filename if isinstance(exc.filename, str) else str(path)
        raise FileAccessError(f"cannot write the corpus: {exc.strerror or exc}", source=where) from exc


# --- the journal (documents.jsonl) -------------------------------------------------------


def encode_record(record: dict) -> bytes:
    """One record as one UTF-8 line (no ASCII escapes, so the file stays readable).

    The bytes are those of ``json.dumps(record, ensure_ascii=False, separators=(",", ":"))``.
    msgspec writes them ~10 times faster (encoding was ~0.5 ms of a text document's ~5 ms)
    and identically for plain JSON values, except floats that Python writes with an
    exponent ("1e-05", msgspec "0.00001") and NaN or infinities; a record holding one of
    those, or anything but plain JSON values, is written by the json module as before."""
    if _msgspec_writes_as_json(record):
        try:
            return _RECORD_ENCODER.encode(record) + b"\n"
        except (TypeError, ValueError, OverflowError, UnicodeEncodeError, msgspec.EncodeError):
            pass  # json.dumps raises its own error, or writes what msgspec cannot
    return (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


_RECORD_ENCODER = msgspec.json.Encoder()
# Floats Python's repr (and so json.dumps) writes without an exponent, as msgspec does.
_SMALLEST_PLAIN_FLOAT = 1e-4
_LARGEST_PLAIN_FLOAT = 1e16


def _msgspec_writes_as_json(record: dict) -> bool:
    """Whether msgspec's JSON of ``record`` is byte for byte json.dumps's: only dicts with
    string keys, lists, tuples, strings, ints, bools, None and floats written without an
    exponent. Containers wait on a stack; the other values (most of a record's: an edit's
    offsets and words) are judged where they stand, without a trip through the stack."""
    pending: list = [record]
    while pending:
        container = pending.pop()
        if type(container) is dict:
            for key in container:
                if type(key) is not str:
                    return False
            values = container.values()
        elif type(container) is list or type(container) is tuple:
            values = container
        else:  # the record itself is not a container
            values = (container,)
        for value in values:
            kind = type(value)
            if kind is str or kind is int or value is None or kind is bool:
                continue
            if kind is dict or kind is list or kind is tuple:
                pending.append(value)
            elif kind is float:
                if value != 0.0 and not (_SMALLEST_PLAIN_FLOAT <= abs(value) < _LARGEST_PLAIN_FLOAT):
                    return False  # also NaN and the infinities
            else:
                return False
    return True


def read_journal(path: Path, *, repair: bool = True) -> list[dict]:
    """The complete records of ``documents.jsonl``, in file order (see :func:`iter_journal`)."""
    return list(iter_journal(path, repair=repair))


def iter_journal(path: Path, *, repair: bool = True) -> Iterator[dict]:
    """The complete records of ``documents.jsonl`` one at a time, in file order, so that a
    reader holds one record, not the corpus.

    A torn last line (a run killed mid-write: no final newline, or a final line that is
    not JSON) is dropped and, with ``repair``, cut off the file once the whole journal has
    been read, so that the next append starts on a clean line. A bad line anywhere else
    cannot come from an interrupted append, so it is reported as a damaged corpus.
    """
    return _iter_lines(path, _parse_checked_line, repair=repair)


def iter_resume_view(path: Path, *, repair: bool = True) -> Iterator[dict]:
    """What ``--resume`` needs of each record, one at a time, read like :func:`iter_journal`
    (same checks, same torn-tail handling) but several times faster: each line is decoded
    against the fields needed (msgspec skips the rest - word boxes, page texts, the edits'
    text) into a trimmed record with ``id``, ``sha256``, ``raw_text``, ``text``, the
    fingerprints present, ``pages`` (``method``, ``quality``) and ``edits`` (``rule``).
    A line that does not fit the record's shape is read whole to say what is wrong with it.
    """
    return _iter_lines(path, _parse_resume_view, repair=repair)


class _BadRecord(Exception):
    """A line that is JSON but not a record (raised by a line parser, named by _iter_lines)."""


def _iter_lines(path: Path, parse: Callable[[bytes], dict | None], *, repair: bool) -> Iterator[dict]:
    """The records ``parse(line)`` makes of the journal's lines (None: not JSON)."""
    if not path.exists():
        return
    good_end = 0
    with open(path, "rb", buffering=JOURNAL_READ_BUFFER) as handle:
        following = handle.readline()
        number = 0
        while following:
            line, following = following, handle.readline()  # one line of look-ahead
            number += 1
            if not line.endswith(b"\n"):
                break  # torn: the last write never finished
            try:
                record = parse(line[:-1])
            except _BadRecord as bad:
                raise FileAccessError(f"line {number}: {bad}; the corpus is damaged", source=str(path)) from None
            if record is None:
                if not following:
                    break  # the last line is torn although its newline made it to disk
                raise FileAccessError(f"line {number} is not a JSON record; the corpus is damaged", source=str(path))
            good_end += len(line)
            yield record
        size = handle.seek(0, os.SEEK_END)
    if repair and good_end != size:
        _truncate(path, good_end)


def _parse_checked_line(line: bytes) -> dict | None:
    record = _parse_line(line)
    if record is not None:
        problem = record_problem(record)
        if problem is not None:
            raise _BadRecord(problem)
    return record


class _PageView(msgspec.Struct):
    method: Any = None
    quality: Any = None


class _EditView(msgspec.Struct):
    start: int
    end: int
    before: str
    after: str
    rule: str


class _ResumeView(msgspec.Struct):
    """The fields of a record --resume reads; the types are those record_problem checks."""

    id: str
    sha256: str
    raw_text: str
    text: str
    pages: list[_PageView]
    edits: list[_EditView]
    options_sha256: Any = msgspec.UNSET
    extract_sha256: Any = msgspec.UNSET
    decisions_sha256: Any = msgspec.UNSET


_RESUME_DECODER = msgspec.json.Decoder(_ResumeView)
_FINGERPRINTS = ("options_sha256", "extract_sha256", "decisions_sha256")


def _parse_resume_view(line: bytes) -> dict | None:
    try:
        view = _RESUME_DECODER.decode(line)
    except msgspec.DecodeError:  # not the shape of a record: the whole line says what is wrong
        return _parse_checked_line(line)
    if not DOCUMENT_ID.fullmatch(view.id):
        raise _BadRecord(f"the record's id {view.id[:40]!r} is not 16 hex digits")
    record = {"id": view.id, "sha256": view.sha256, "raw_text": view.raw_text, "text": view.text}
    for name in _FINGERPRINTS:
        value = getattr(view, name)
        if value is not msgspec.UNSET:
            record[name] = value
    record["pages"] = [{"method": page.method, "quality": page.quality} for page in view.pages]
    record["edits"] = [{"rule": edit.rule} for edit in view.edits]
    return record


DOCUMENT_ID = re.compile(r"[0-9a-f]{16}")
_RECORD_FIELDS = {"id": str, "sha256": str, "raw_text": str, "text": str, "pages": list, "edits": list}
_EDIT_FIELDS = {"start": int, "end": int, "before": str, "after": str, "rule": str}


def record_problem(record: dict) -> str | None:
    """What is wrong with the shape of a record read from the journal, or None.

    Checked before anything uses a record: its ``id`` becomes a file name (``text/<id>.txt``),
    so it must be 16 hex digits (a damaged ``../../x`` would write outside the corpus), and
    the fields every reader relies on must have their types.
    """
    for name, kind in _RECORD_FIELDS.items():
        if not isinstance(record.get(name), kind):
            return f"the record has no {name} of type {kind.__name__}"
    if not DOCUMENT_ID.fullmatch(record["id"]):
        return f"the record's id {record['id'][:40]!r} is not 16 hex digits"
    for number, edit in enumerate(record["edits"], start=1):
        if not isinstance(edit, dict):
            return f"edit {number} of {record['id']} is not an object"
        for name, kind in _EDIT_FIELDS.items():
            value = edit.get(name)
            if not isinstance(value, kind) or isinstance(value, bool):
                return f"edit {number} of {record['id']} has no {name} of type {kind.__name__}"
    if not all(isinstance(page, dict) for page in record["pages"]):
        return f"a page of {record['id']} is not an object"
    return None


def check_document_id(doc_id: object) -> str:
    """``doc_id`` if it is 16 hex digits (safe as a file name), else FileAccessError."""
    if not isinstance(doc_id, str) or not DOCUMENT_ID.fullmatch(doc_id):
        raise FileAccessError(f"{str(doc_id)[:40]!r} is not a document id (16 hex digits); the corpus is damaged")
    return doc_id


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


@dataclass(frozen=True)
class GroupCommit:
    """Make appended records durable in groups: after ``records`` records or ``seconds``
    seconds, whichever comes first (and when the journal is closed)."""

    records: int = 100
    seconds: float = 1.0


class JournalWriter:
    """Appends records to documents.jsonl.

    Without ``group`` every record is durable (fsync) before the next begins. With a
    :class:`GroupCommit`, records and the text files written for them (``track``) are made
    durable together, once per group: the files first, then the journal, so a durable
    record always has a durable text file. A power cut then loses at most the unsynced
    tail of the journal, which ``--resume`` processes again (its text files are rewritten);
    a killed process loses nothing, since the data is in the operating system's cache.
    Three fsyncs per document were most of the driver's time on small text documents.
    """

    def __init__(self, path: Path, group: GroupCommit | None = None):
        self.path = path
        self.group = group
        self._unsynced_files: list[str | Path] = []
        self._unsynced_records = 0
        self._last_sync = time.monotonic()
        with corpus_write(path):
            self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def append(self, record: dict) -> None:
        self.append_line(encode_record(record))

    def append_line(self, data: bytes) -> None:
        """Append one record already encoded by :func:`encode_record`."""
        # One write call per record: O_APPEND puts it at the end as a unit. A short write
        # (disk full, signal) is finished by the loop; a crash in between leaves a torn
        # last line, which read_journal removes.
        view = memoryview(data)
        with corpus_write(self.path):
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
            if self.group is None:
                os.fsync(self._fd)
                return
        self._unsynced_records += 1
        if self._unsynced_records >= self.group.records or time.monotonic() - self._last_sync >= self.group.seconds:
            self.sync()

    def track(self, path: str | Path) -> None:
        """A file written (without fsync) for a record about to be appended: made durable
        before that record is."""
        self._unsynced_files.append(path)

    def sync(self) -> None:
        """Make every tracked file and appended record durable now."""
        with corpus_write(self.path):
            sync_files(self._unsynced_files)
            os.fsync(self._fd)
        self._unsynced_files.clear()
        self._unsynced_records = 0
        self._last_sync = time.monotonic()

    def close(self) -> None:
        if self._fd >= 0:
            try:
                if self.group is not None and (self._unsynced_records or self._unsynced_files):
                    self.sync()
            finally:
                os.close(self._fd)
                self._fd = -1

    def __enter__(self) -> "JournalWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def sync_files(paths: list[str | Path]) -> None:
    """Make ``paths`` and their renames durable: one ``syncfs`` of their filesystem on
    Linux, else an fsync of each file and of each folder holding them.

    Why syncfs: each fsync of a fresh small file is a journal commit of its own (about
    4 ms on the development machine's disk), so a group of 100 text files cost ~0.4 s
    of the driver's time - at ``-j 2`` the workers ran out of work while it waited. One
    syncfs writes the same files in one flush (~7 ms). It also flushes whatever else is
    waiting on that filesystem (the journal's appended lines too, which are fsynced right
    after anyway)."""
    if paths and _syncfs(os.path.dirname(paths[0])):
        return
    for path in paths:
        try:
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
        except FileNotFoundError:
            continue  # replaced or removed since: nothing of it to keep
    for folder in {os.path.dirname(path) for path in paths}:
        fsync_folder(folder)


def _syncfs(folder: str | Path) -> bool:
    """``syncfs(2)`` on the filesystem holding ``folder``; False where there is none (not
    Linux, an old C library), so the caller fsyncs file by file. A failed flush (an I/O
    error the kernel reports, a vanished folder) raises OSError like fsync would."""
    call = _syncfs_function()
    if call is None:
        return False
    try:
        fd = os.open(folder, os.O_RDONLY)
    except FileNotFoundError:
        return False  # nothing left there: the caller skips what is gone
    try:
        if call(fd) != 0:
            import ctypes

            number = ctypes.get_errno()
            raise OSError(number, os.strerror(number), str(folder))
    finally:
        os.close(fd)
    return True


@functools.lru_cache(maxsize=1)
def _syncfs_function() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        call = libc.syncfs
    except (OSError, AttributeError):
        return None
    call.argtypes = [ctypes.c_int]
    call.restype = ctypes.c_int
    return call


# --- corpus files (written with nbsclean.atomic.write_atomic) ----------------------------


def write_text_file(paths: CorpusPaths, doc_id: str, text: str, *, durable: bool = True) -> Path:
    target = paths.text_file(doc_id)
    with corpus_write(target):
        write_atomic(target, text.encode("utf-8"), durable=durable)
    return target


def document_text_path(text_dir: str, doc_id: str) -> str:
    """The path of a document's text file in ``text_dir`` (``<id>.txt``), as a str: the
    driver and the workers make one per document, and pathlib's parsing would cost more
    than the name itself. ``doc_id`` is checked (:func:`check_document_id`)."""
    return os.path.join(text_dir, f"{check_document_id(doc_id)}.txt")


def write_document_text(text_dir: str, doc_id: str, text: str, *, durable: bool = False) -> str:
    """A worker's :func:`write_text_file`: the same file, written the same atomic way (a
    temporary ".<id>.txt.<...>.tmp" beside it, renamed over it, keeping the permissions of
    a file it replaces), with plain str paths and a temporary name made of the process id
    and a count instead of ``tempfile``'s random one. Returns the file's path.

    Why: a run writes one of these per document, and ``write_atomic``'s Path objects and
    random names were a fifth of what finishing a small text document cost in a worker.
    Each process counts its own names, so two workers never pick the same one; a name left
    behind by a killed process of the same id is not reused (``O_EXCL``), the write then
    goes the ``write_atomic`` way."""
    target = document_text_path(text_dir, doc_id)
    data = text.encode("utf-8")
    with corpus_write(Path(target)):
        temporary = os.path.join(text_dir, f".{os.path.basename(target)}.{os.getpid()}-{next(_TEMP_NUMBERS)}.tmp")
        try:
            fd = _create_new(temporary)
        except FileNotFoundError:  # the first text file of the corpus: text/ is made here
            os.makedirs(text_dir, exist_ok=True)
            fd = _create_new(temporary)
        except FileExistsError:
            write_atomic(Path(target), data, durable=durable)
            return target
        try:
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
                os.fchmod(fd, _mode_to_keep(target))
                if durable:
                    os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(temporary, target)
        except BaseException:
            try:
                os.unlink(temporary)
            except OSError:
                pass
            raise
        if durable:
            fsync_folder(text_dir)
    return target


_TEMP_NUMBERS = itertools.count()


def _create_new(name: str) -> int:
    return os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)


def _mode_to_keep(target: str) -> int:
    """The permissions of the file ``target`` replaces, 0o644 for a new one (as write_atomic)."""
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        return 0o644


def fsync_folder(folder: str | Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_manifest(paths: CorpusPaths, manifest: dict) -> None:
    data = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
    with corpus_write(paths.manifest):
        write_atomic(paths.manifest, data.encode("utf-8"))


def read_manifest(paths: CorpusPaths) -> dict | None:
    """The corpus's manifest, or None when there is none yet.

    A manifest that cannot be read or is not a JSON object (truncated, edited by hand) is a
    damaged corpus (exit 5, naming the file and line): replacing it silently would lose
    the corpus's history of runs and reverts.
    """
    try:
        text = paths.manifest.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise FileAccessError(f"cannot read the manifest: {exc}", source=str(paths.manifest)) from exc
    try:
        manifest = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileAccessError(
            f"line {exc.lineno}: not valid JSON ({exc.msg}); the corpus is damaged", source=str(paths.manifest)
        ) from exc
    if not isinstance(manifest, dict) or not isinstance(manifest.get("runs", []), list):
        raise FileAccessError("line 1: not a manifest (a JSON object); the corpus is damaged", source=str(paths.manifest))
    return manifest


# --- Parquet -----------------------------------------------------------------------------


# Records per Parquet row group: the writer holds one batch, not the corpus.
PARQUET_BATCH_RECORDS = 500


def write_parquet(paths: CorpusPaths, records: Iterable[dict] | Callable[[], Iterable[dict]]) -> None:
    """All records as one Parquet table with the same fields as documents.jsonl.

    Nested fields stay nested: ``pages`` and ``edits`` are lists of structs, ``stats`` and
    ``metadata`` structs, so DuckDB/pandas see the same shape as in the JSON lines.
    ``records`` may be a function that yields them afresh (``lambda: iter_journal(...)``):
    the table is then written in batches of PARQUET_BATCH_RECORDS in two passes - the
    first settles one schema for every batch (optional fields appear in some records
    only), the second writes - so memory holds one batch, whatever the corpus's size.
    """
    try:
        import pyarrow as pa
        import pyarrow.parquet  # noqa: F401 - checked here, so that a missing pyarrow is named at once
    except ImportError as exc:
        raise MissingDependencyError(
            "Parquet output needs pyarrow: pip install 'nbsclean[parquet]'", source="--format parquet"
        ) from exc
    read_again = records if callable(records) else (lambda listed=list(records): listed)
    schemas = [pa.Table.from_pylist(batch).schema for batch in _batches(read_again(), PARQUET_BATCH_RECORDS)]
    schema = pa.unify_schemas(schemas) if schemas else pa.schema([])
    tables = (pa.Table.from_pylist(batch, schema=schema) for batch in _batches(read_again(), PARQUET_BATCH_RECORDS))
    write_parquet_tables(paths.parquet, schema, tables)


def write_parquet_tables(target: Path, schema, tables: Iterable) -> None:
    """Write ``tables`` (pyarrow tables of ``schema``, produced one at a time) as one Parquet
    file, atomically: into a temporary file beside ``target``, renamed over it when complete,
    so that a reader sees the old file or the new one and memory holds one table at a time."""
    import pyarrow.parquet as pq

    with corpus_write(target):
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(fd)
        try:
            with pq.ParquetWriter(temporary, schema, compression="zstd") as writer:
                written = 0
                for table in tables:
                    writer.write_table(table)
                    written += 1
                if not written:  # a file with the schema and no rows, not a file without a schema
                    writer.write_table(schema.empty_table())
            replace_durably(Path(temporary), target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


def _batches(records: Iterable[dict], size: int) -> Iterator[list[dict]]:
    batch: list[dict] = []
    for record in records:
        batch.append(record)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def parquet_available() -> bool:
    try:
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        return False
    return True
