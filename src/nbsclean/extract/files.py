"""Opening an input file: regular files only, never blocking on a FIFO or reading a device.

A name can lead to a FIFO (``open`` would wait for a writer for ever), a socket, or a
device such as ``/dev/zero`` (endless bytes), also through a symlink, and a file can be
swapped for one between a check and the open. The file is therefore opened with
``O_NONBLOCK`` (which never blocks, also on a FIFO) and checked on the open descriptor
itself before a byte is read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

from nbsclean.errors import FileAccessError, InputRejectedError


class NotRegularFileError(InputRejectedError):
    reason = "not_a_regular_file"


def open_regular_file(path: str | Path) -> BinaryIO:
    """``path`` opened for binary reading; NotRegularFileError unless it is a regular file.

    Missing files, folders and permission problems are FileAccessError (exit 5).
    """
    source = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError as exc:
        raise FileAccessError("no such file", source=source) from exc
    except IsADirectoryError as exc:
        raise FileAccessError("is a directory, not a file", source=source) from exc
    except PermissionError as exc:
        raise FileAccessError("permission denied", source=source) from exc
    except OSError as exc:
        raise FileAccessError(f"cannot open the file ({exc.strerror or exc})", source=source) from exc
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise FileAccessError("is a directory, not a file", source=source)
        if not stat.S_ISREG(mode):
            raise NotRegularFileError(f"not a regular file ({file_type_name(mode)}); only regular files are read", source=source)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def file_type_name(mode: int) -> str:
    """What a file that is not a regular file is, in words (for the error message)."""
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "a special file"
