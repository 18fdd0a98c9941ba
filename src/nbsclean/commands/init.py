"""`nbsclean init DIR`: make an archive project (see :mod:`nbsclean.project`)."""

from __future__ import annotations

import sys
from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    @app.command("init")
    def init_command(
        directory: Path = typer.Argument(Path("."), metavar="DIR", help="Folder of the project (created if needed; default: here)."),
    ) -> None:
        """Make an archive project: nbsclean.toml, the archive's own lexicon (domain words, candidates) and a fixtures folder."""
        from nbsclean.project import init_project

        project = init_project(directory)
        print(f"nbsclean: init: project in {project.root}", file=sys.stderr)
        print(f"nbsclean: init: lexicon {project.lexicon_dir} (added to the packaged lexicon)", file=sys.stderr)
        print(f"nbsclean: init: fixtures {', '.join(str(p) for p in project.fixtures)}", file=sys.stderr)
        typer.echo(str(project.config_path))
