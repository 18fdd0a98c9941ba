"""Atomic file writes: readers see the old file or the new one, never half of either.

The one implementation every writer of the project uses (corpus files, fixture updates,
JUnit reports, the review page, lexicon files and caches): write a temporary file in the
same directory, fsync it, ``os.replace`` it over the target, and fsync the directory so
that the rename itself survives a crash.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: bytes, *, durable: bool = True) -> None:
    """Write ``data`` to ``path`` atomically, keeping the permissions of a file it replaces.

    ``durable=False`` leaves out the two fsyncs (file and folder): readers still see the old
    file or the new one, but a power cut may lose the new one; a caller that makes a batch
    of such writes durable at once (the corpus's group commit) uses it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.chmod(temp_name, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(temp_name, path)
    except BaseException:
        _unlink_quietly(temp_name)
        raise
    if durable:
        _fsync_dir(path.parent)


def replace_durably(temporary: Path, path: Path) -> None:
    """Move a finished temporary file (written beside ``path`` by a library that writes
    files itself, such as pyarrow's Parquet writer) over ``path``: fsync it, give it the
    permissions of the file it replaces, rename, fsync the directory."""
    with open(temporary, "rb") as handle:
        os.fsync(handle.fileno())
    os.chmod(temporary, path.stat().st_mode & 0o777 if path.exists() else 0o644)
    os.replace(temporary, path)
    _fsync_dir(path.parent)


def write_text_atomic(path: Path, text: str) -> None:
    """UTF-8 text with "\\n" line ends, written atomically."""
    write_atomic(path, text.encode("utf-8"))


def _unlink_quietly(name: str) -> None:
    try:
        os.unlink(name)
    except OSError:
        pass


def _fsync_dir(directory: Path) -> None:
    # Makes the rename itself durable; not every filesystem allows it, which is harmless.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
