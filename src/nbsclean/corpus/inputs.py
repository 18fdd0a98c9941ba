"""Which files a run reads: discovery, the corpus kept apart from its inputs, safe names.

* Only regular files are inputs. A FIFO, socket or device (also behind a symlink) would
  block a run or feed it endless bytes; it is reported as a failure
  (``not_a_regular_file``) and never opened. A dangling symlink is ``file_access_error``.
* The output folder and the inputs are kept apart after resolving symlinks: an output that
  is, contains or lies inside an input is refused before anything is written or deleted,
  and a file that resolves into the output folder is never read as an input.
* File names are recorded in an escaped, reversible form (:func:`escape_name`): bytes
  that are not UTF-8, backslashes and control characters (a newline cannot forge a
  progress line) are written as backslash escapes; :func:`unescape_name` gives the path
  back.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import re
import stat
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from nbsclean.extract.files import file_type_name
from nbsclean.errors import BadArgumentsError

NOT_REGULAR = "not_a_regular_file"


@dataclass(frozen=True)
class InputFile:
    path: Path  # absolute
    source: str  # as shown in records: relative to the working directory where possible, escaped
    sha256: str | None = None
    size: int | None = None


# --- names -------------------------------------------------------------------------------

_SHORT_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_NEEDS_ESCAPE = re.compile(r"[\\\x00-\x1f\x7f\u0080-\u009f\u2028\u2029\udc80-\udcff]")
_ESCAPE = re.compile(r"\\(\\|n|r|t|x[0-9a-f]{2}|u[0-9a-f]{4})")


def escape_name(name: str) -> str:
    """``name`` (as Python gives a file name: undecodable bytes as surrogates) as plain,
    printable UTF-8: ``\\`` → ``\\\\``, newline/CR/tab → ``\\n``/``\\r``/``\\t``, an
    undecodable byte → ``\\xNN``, another control character → ``\\uNNNN``.

    Ordinary names are unchanged. :func:`unescape_name` reverses it exactly.
    """
    return _NEEDS_ESCAPE.sub(_escape_char, name)


def _escape_char(match: re.Match) -> str:
    char = match.group()
    if char in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[char]
    if "\udc80" <= char <= "\udcff":
        return f"\\x{ord(char) - 0xDC00:02x}"
    return f"\\u{ord(char):04x}"


def unescape_name(escaped: str) -> str:
    """The file name :func:`escape_name` escaped (``os.fsencode`` of it gives its bytes)."""

    def unescape(match: re.Match) -> str:
        code = match.group(1)
        if code == "\\":
            return "\\"
        if code in ("n", "r", "t"):
            return {"n": "\n", "r": "\r", "t": "\t"}[code]
        if code[0] == "x":
            return chr(0xDC00 + int(code[1:], 16))
        return chr(int(code[1:], 16))

    return _ESCAPE.sub(unescape, escaped)


def display_source(path: Path, cwd: Path | None = None) -> str:
    """The path as shown in records and messages: relative to ``cwd`` where possible, escaped."""
    # On strings: a resumed run shows every one of its (many) inputs.
    absolute = os.path.abspath(path)
    folder = os.fspath(cwd) if cwd is not None else os.getcwd()
    if absolute == folder:
        shown = "."
    elif absolute.startswith(_as_folder(folder)):
        shown = absolute[len(_as_folder(folder)):]
    else:
        shown = absolute
    return escape_name(shown.replace(os.sep, "/"))


def _as_folder(path: str) -> str:
    """``path`` with one trailing separator: the prefix of every path inside it."""
    return path.rstrip(os.sep) + os.sep


# --- the output folder kept apart from the inputs ----------------------------------------


def real(path: str | Path) -> Path:
    """The path with every symlink resolved (also for paths that do not exist yet)."""
    return Path(os.path.realpath(path))


def is_within(path: Path | str, folder: Path | str | None) -> bool:
    """Whether ``path`` is ``folder`` or lies inside it (both absolute and normalised)."""
    if folder is None:
        return False
    inside, outer = os.fspath(path), os.fspath(folder)
    return inside == outer or inside.startswith(_as_folder(outer))


def check_output_apart(output: Path, inputs: Sequence[str | Path]) -> None:
    """Refuse an output folder that is, contains or lies inside an input (symlinks resolved).

    ``--overwrite`` deletes corpus files in the output folder and ``--resume`` appends to
    it; either inside an input folder would mix the corpus with the archive, or delete
    the archive's own files of the same names.
    """
    target = real(output)
    for given in inputs:
        source = real(given)
        if target == source:
            relation = "is"
        elif is_within(target, source):
            relation = "lies inside"
        elif is_within(source, target):
            relation = "contains"
        else:
            continue
        raise BadArgumentsError(
            f"the output folder {relation} the input {escape_name(str(given))}; "
            "choose an output folder outside every input",
            source=escape_name(str(output)),
        )


# --- discovery ---------------------------------------------------------------------------


def discover_inputs(
    paths: Sequence[str | Path], *, exclude: Path | None = None, include: Sequence[str] = ()
) -> "InputPaths":
    """Files named on the command line and files found (recursively) in named folders, as
    absolute, normalised paths, held compactly (:class:`InputPaths`: a resumed run lists
    every input of the archive, and a str per path was the largest thing it held).

    Order is deterministic: arguments in the order given, each folder's files sorted by
    their path inside it. Hidden files and folders (".name") inside folders are skipped;
    a hidden file named explicitly is taken. With ``include`` patterns (fnmatch, on the
    file name), only matching files are taken from folders; files named explicitly always
    are. Anything that resolves into ``exclude`` (the corpus folder) is never read, however
    it is reached. The same file named twice is taken once. Entries that are not regular
    files are returned too: :func:`input_problem` turns them into named failures.
    """
    excluded = os.fspath(real(exclude)) if exclude else None
    found = InputPaths()
    seen: set[str] = set()
    for given in paths:
        path = os.path.abspath(given)
        if not os.path.lexists(path):
            raise BadArgumentsError("no such file or folder", source=escape_name(str(given)))
        if os.path.isdir(path):
            candidates = _files_under(path, include, os.fspath(real(path)) if excluded else None)
        else:
            candidates = iter([(path, os.fspath(real(path)) if excluded else None)])
        for candidate, resolved in candidates:
            if candidate not in seen and not is_within(resolved, excluded):
                if len(paths) > 1:  # one argument lists each file once: no set of every path
                    seen.add(candidate)
                found.append(candidate)
    return found


def _files_under(folder: str, include: Sequence[str], folder_real: str | None) -> Iterator[tuple[str, str | None]]:
    """The files under ``folder`` in the order of their relative paths, each with its path
    with symlinks resolved when ``folder_real`` (the folder's) is given.

    The order is that of the relative paths' tuples of components, which is the order of
    a walk that lists each folder's entries sorted by name and takes a sub-folder's files
    where its name sorts among them: only one folder's names are held at a time, not a
    string per file of the archive. As with os.walk, symlinks to folders are not followed
    (no loops) and are not inputs, and a folder that cannot be listed is passed over; any
    other entry, regular or not, is a candidate input. Below ``folder`` only a file itself
    can be a symlink: every other file resolves to ``folder_real`` + its relative path,
    without a system call per path component."""
    prefix = len(_as_folder(folder))
    for name in _walk_sorted(folder, include):
        resolved = None
        if folder_real is not None:
            resolved = os.path.realpath(name) if os.path.islink(name) else os.path.join(folder_real, name[prefix:])
        yield name, resolved


def _walk_sorted(directory: str, include: Sequence[str]) -> Iterator[str]:
    try:
        with os.scandir(directory) as listing:
            entries = sorted((entry.name, _is_folder(entry)) for entry in listing)  # names are unique
    except OSError:
        return
    for name, folder in entries:
        if name.startswith(".") or folder == "link":
            continue
        path = os.path.join(directory, name)
        if folder:
            yield from _walk_sorted(path, include)
        elif not include or any(fnmatch.fnmatch(name, pattern) for pattern in include):
            yield path


def _is_folder(entry: os.DirEntry) -> bool | str:
    """True for a folder, "link" for a symlink to one (os.walk's dirnames, not followed),
    False for anything else (a dangling symlink too)."""
    try:
        if not entry.is_dir():
            return False
        return "link" if entry.is_symlink() else True
    except OSError:
        return False


class InputPaths:
    """Paths in the order appended, held as front-coded bytes: each path as the length of
    the part it shares with the one before and the rest (a full path every RESTART paths),
    ~20 bytes a path of an archive folder rather than a str of ~100. Reading path ``i``
    decodes at most RESTART paths; iterating decodes each once."""

    RESTART = 16

    def __init__(self, paths: Iterable[str] = ()) -> None:
        self._blob = bytearray()
        self._starts = array("q")
        self._last = b""
        self._cursor: tuple[int, bytes] = (-1, b"")  # the last path read: index, bytes
        for path in paths:
            self.append(path)

    def append(self, path: str) -> None:
        data = os.fsencode(path)
        shared = 0 if len(self._starts) % self.RESTART == 0 else _shared_prefix(self._last, data)
        self._starts.append(len(self._blob))
        self._blob += shared.to_bytes(2, "little")
        self._blob += data[shared:]
        self._last = data

    def __len__(self) -> int:
        return len(self._starts)

    def __getitem__(self, index: int) -> str:
        if not -len(self) <= index < len(self):
            raise IndexError("input index out of range")
        index %= len(self)
        restart = index - index % self.RESTART
        k, data = self._cursor
        if not restart <= k <= index:  # else go on from the path read last (reading in order)
            k, data = restart, self._decode(restart, b"")
        for k in range(k + 1, index + 1):
            data = self._decode(k, data)
        self._cursor = (index, data)
        return os.fsdecode(data)

    def __iter__(self) -> Iterator[str]:
        data = b""
        for k in range(len(self)):
            data = self._decode(k, data)
            yield os.fsdecode(data)

    def _decode(self, k: int, previous: bytes) -> bytes:
        start = self._starts[k]
        end = self._starts[k + 1] if k + 1 < len(self._starts) else len(self._blob)
        shared = self._blob[start] | self._blob[start + 1] << 8
        return previous[:shared] + bytes(self._blob[start + 2 : end])


def _shared_prefix(a: bytes, b: bytes) -> int:
    """Length of the common beginning of ``a`` and ``b`` (at most 65 535)."""
    low, high = 0, min(len(a), len(b), 0xFFFF)
    while low < high:  # a[:low] == b[:low] holds; the slices compare at C speed
        middle = (low + high + 1) // 2
        if a[low:middle] == b[low:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def input_problem(path: Path) -> tuple[str, str] | None:
    """(reason, message) when ``path`` cannot be an input, without opening it; else None."""
    try:
        info = os.stat(path)  # follows symlinks: what the name leads to counts
    except FileNotFoundError:
        if os.path.islink(path):
            return "file_access_error", "a symlink to nothing (dangling)"
        return "file_access_error", "no such file"
    except OSError as exc:
        return "file_access_error", exc.strerror or str(exc)
    if stat.S_ISREG(info.st_mode):
        return None
    return NOT_REGULAR, f"not a regular file but {file_type_name(info.st_mode)}; only regular files are read"


def sha256_of_file(path: Path) -> tuple[str, int]:
    """sha256 and size of a regular file (opened so that a swapped-in FIFO cannot block)."""
    from nbsclean.extract.files import open_regular_file

    digest = hashlib.sha256()
    size = 0
    with open_regular_file(path) as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size
