"""Reading the project's small TOML files (``nbsclean.toml``, a lexicon's ``lexicon.toml``).

tomllib is in the standard library from Python 3.11; on 3.10 the same parser comes from
the ``tomli`` package (a dependency there only).
"""

from __future__ import annotations

import sys
from pathlib import Path

from nbsclean.errors import FileAccessError, ProjectError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib


def read_toml(path: Path) -> dict:
    """The table in ``path``; a named error for a file that cannot be read or parsed."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError as exc:
        raise FileAccessError("no such file", source=str(path)) from exc
    except OSError as exc:
        raise FileAccessError(f"cannot read: {exc.strerror or exc}", source=str(path)) from exc
    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ProjectError("not UTF-8 text", source=str(path)) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ProjectError(f"not valid TOML: {exc}", source=str(path)) from exc
