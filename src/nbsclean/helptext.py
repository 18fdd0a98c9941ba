"""Help text in the user's words: ``PATH``, ``TEXT``, ``N`` instead of Python type names.

Typer (0.2x) shows each parameter's Python annotation in ``--help`` (``<list[Path]>``,
``<bool>``, ``<str>``), which means nothing to an archivist. :func:`use_plain_type_names`
replaces that one label with the conventional placeholders of command-line help; a
parameter's own ``metavar`` (``DOC:EDIT``) still wins for options.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, get_args, get_origin

PLAIN_NAMES = {str: "TEXT", int: "N", float: "X", Path: "PATH"}


def plain_type_name(annotation: Any) -> str:
    """``list[Path]`` → ``PATH``, ``int`` → ``N``; a type we do not know → ``VALUE``."""
    if get_origin(annotation) in (list, tuple):
        args = [a for a in get_args(annotation) if a is not Ellipsis]
        return plain_type_name(args[0]) if args else "VALUE"
    return PLAIN_NAMES.get(annotation, "VALUE")


def _display_type(param, ctx) -> str:
    if getattr(param, "is_flag", False) or getattr(param, "count", False):
        return ""  # a flag takes no value
    descriptor = param.type_descriptor
    if descriptor.is_choice and descriptor.choices:
        return "[" + "|".join(str(getattr(c, "value", c)) for c in descriptor.choices) + "]"
    name = plain_type_name(descriptor.annotation)
    return f"{name}..." if descriptor.is_list else name


def use_plain_type_names() -> None:
    """Make Typer's help print plain placeholders (called once, by the CLI module)."""
    from typer.core import TyperArgument, TyperOption

    for cls in (TyperArgument, TyperOption):
        cls.display_type = _display_type  # type: ignore[method-assign]
