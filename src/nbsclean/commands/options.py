"""Options several commands share: which archive project and which lexicon they use."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


def project_option() -> Optional[Path]:
    return typer.Option(
        None, "--project", metavar="DIR",
        help="The archive project in DIR (its nbsclean.toml); default: the nearest folder at or above the working directory that has one.",
    )


def lexicon_option() -> Optional[Path]:
    return typer.Option(
        None, "--lexicon", metavar="DIR",
        help="Use (and write into) the lexicon in DIR. Default: the lexicon of --project, else NBSCLEAN_LEXICON_DIR, else the lexicon of the project found upward, else the packaged one.",
    )


def load_command_lexicon(project: Optional[Path], lexicon: Optional[Path]):
    """The lexicon a command runs with (see :func:`nbsclean.project.resolve_lexicon_dir`)."""
    from nbsclean.project import resolve_lexicon_dir
    from nbsclean.repair.lexicon import load_lexicon

    return load_lexicon(resolve_lexicon_dir(project, lexicon))
