"""One writer at a time: an advisory lock on a corpus folder or a lexicon directory.

Every command that writes a corpus (``run``, ``revert``, and later ``decide``) or a lexicon
(``lexicon add``, ``lexicon accept``) holds the lock of what it writes for as long as it
writes::

    from nbsclean.corpus.lock import corpus_lock, lexicon_lock

    with corpus_lock(folder, wait=False):
        ...  # read, change and write the corpus

The lock is ``flock(2)`` on a file ``.nbsclean.lock`` in the folder. The operating system
releases it when its holder ends in any way (also ``kill -9`` or a power cut), so a lock is
never stale and there is nothing to clean up. The file itself stays (deleting it would let
two processes lock two different files of the same name); while a writer holds the lock it
contains the writer's pid and command line, which a refused second writer names.

A second writer is refused at once with :class:`LockedError` (exit 5, reason ``locked``),
or, with ``wait=True``, waits until the first is done. Forked child processes (pool
workers) do not keep a lock alive after their parent: they close their inherited copy.
"""

from __future__ import annotations

import json
import logging
import os
import shlex
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from nbsclean.errors import FileAccessError, NbscleanError, ExitCode

log = logging.getLogger(__name__)

LOCK_NAME = ".nbsclean.lock"

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None  # type: ignore[assignment]

# Descriptors of the locks this process holds; a forked child closes its copies (closing a
# duplicate does not release a flock, but it keeps a child from holding the lock alive).
_held: set[int] = set()


class LockedError(NbscleanError):
    """Another process is writing the same corpus or lexicon."""

    exit_code = ExitCode.file_access_error
    reason = "locked"

    def __init__(self, message: str, *, source: str | None = None, holder: dict | None = None):
        super().__init__(message, source=source)
        self.holder = holder or {}


def current_command() -> str:
    """This process's command line, as the holder's description for a refused writer."""
    argv = list(sys.argv)
    if argv:
        name = Path(argv[0]).name
        argv[0] = "nbsclean" if name in ("__main__.py", "-m") else name
    return " ".join(shlex.quote(arg.encode("utf-8", "backslashreplace").decode("utf-8")) for arg in argv)


@contextmanager
def folder_lock(folder: Path, *, what: str, wait: bool = False, command: str | None = None) -> Iterator[Path]:
    """Hold the lock of ``folder`` (which must exist) for the ``with`` block.

    ``what`` names the thing in messages ("corpus", "lexicon"). Yields the lock file's path.
    """
    folder = Path(folder)
    path = folder / LOCK_NAME
    fd = _open_lock_file(path, folder)
    try:
        if not _try_lock(fd):
            holder = read_holder(path)
            if not wait:
                raise LockedError(
                    f"another nbsclean is writing this {what}: {describe_holder(holder)}; "
                    "wait for it to finish, or give --wait to queue behind it",
                    source=str(folder),
                    holder=holder,
                )
            print(
                f"nbsclean: waiting for the {what} {folder} ({describe_holder(holder)}) …",
                file=sys.stderr,
                flush=True,
            )
            fcntl.flock(fd, fcntl.LOCK_EX)  # blocks; Ctrl-C and SIGTERM still end the wait
    except BaseException:
        os.close(fd)  # never held: the holder's description stays as it is
        raise
    _held.add(fd)
    try:
        _write_holder(fd, command or current_command())
        yield path
    finally:
        _held.discard(fd)
        try:
            # Empty the file before unlocking, so that no one reads a finished holder.
            os.ftruncate(fd, 0)
        except OSError:
            pass
        os.close(fd)  # releases the lock


def corpus_lock(folder: Path, *, wait: bool = False, command: str | None = None):
    """The lock of the corpus in ``folder``: held by every command that writes the corpus."""
    return folder_lock(folder, what="corpus", wait=wait, command=command)


def lexicon_lock(directory: Path, *, wait: bool = False, command: str | None = None):
    """The lock of a lexicon directory: held by every command that writes its files."""
    return folder_lock(directory, what="lexicon", wait=wait, command=command)


def read_holder(path: Path) -> dict:
    """What the current holder wrote into the lock file: ``{"pid", "command"}`` (may be {})."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def describe_holder(holder: dict) -> str:
    if not holder.get("pid"):
        return "a process that is just starting"
    return f"pid {holder['pid']}, {holder.get('command') or 'unknown command'}"


def _open_lock_file(path: Path, folder: Path) -> int:
    if fcntl is None:  # pragma: no cover
        raise NbscleanError("locking needs a POSIX system (fcntl)", source=str(folder))
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0), 0o644)
    except OSError as exc:
        raise FileAccessError(f"cannot create the lock file {LOCK_NAME}: {exc.strerror}", source=str(folder)) from exc


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _write_holder(fd: int, command: str) -> None:
    data = json.dumps({"pid": os.getpid(), "command": command}, ensure_ascii=False).encode("utf-8")
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, data, 0)
    except OSError as exc:  # a full disk: the lock holds anyway, only the description is lost
        log.warning("could not describe the lock holder: %s", exc)


def _close_inherited_locks() -> None:
    for fd in list(_held):
        try:
            os.close(fd)
        except OSError:
            pass
    _held.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_inherited_locks)
