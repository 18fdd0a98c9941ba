"""`nbsclean review CORPUS`: the HTML page an archivist checks the repairs on; with
``--serve``, the same corpus as a local web page whose buttons decide each edit."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import List, Optional

import typer

from nbsclean.commands.options import lexicon_option, load_command_lexicon, project_option
from nbsclean.errors import BadArgumentsError


def _say(message: str) -> None:
    """A line on stderr, unless -q asked for errors only."""
    if logging.getLogger().isEnabledFor(logging.WARNING):
        print(f"nbsclean: review: {message}", file=sys.stderr, flush=True)


def review_lexicon_directory(project: Optional[Path] = None, lexicon: Optional[Path] = None) -> Path:
    """Where words added on the served page go: the archive project's lexicon (``--project``,
    or the nbsclean.toml found upward), ``--lexicon``, else the active lexicon directory."""
    from nbsclean.project import resolve_lexicon_dir

    return resolve_lexicon_dir(project, lexicon)

def register(app: typer.Typer) -> None:
    @app.command("review")
    def review_command(
        corpus: Path = typer.Argument(..., help="Corpus folder written by `nbsclean run`."),
        output: Optional[Path] = typer.Option(
            None, "--output", "-o", help="HTML file to write (default: CORPUS/review.html)."
        ),
        low_score: float = typer.Option(0.6, "--low-score", help="Edits scoring below this are shown in red."),
        limit: int = typer.Option(500, "--limit", help="Longest length of the side lists (edits, unknown words)."),
        lexicon: Optional[Path] = lexicon_option(),
        project: Optional[Path] = project_option(),
        serve: bool = typer.Option(
            False, "--serve", help="Serve an interactive review page on 127.0.0.1 instead of writing a file."
        ),
        port: int = typer.Option(0, "--port", help="Port for --serve (default: a free one)."),
        sources: Optional[List[Path]] = typer.Option(
            None, "--sources", metavar="DIR", help="Folder to look for the source PDFs and images in (for --serve's scan crops); repeatable."
        ),
    ) -> None:
        """Write one self-contained HTML page: every edit highlighted, filters by rule and score, the lowest-scoring edits, and the unknown words with links to where they occur. With --serve: review one document at a time beside the scan, and decide each edit with a click or a key."""
        if serve:
            _serve(corpus, low_score, port, list(sources or []), output, review_lexicon_directory(project, lexicon))
            return
        from nbsclean.review.page import write_review

        path, summary = write_review(
            corpus, output, low_score=low_score, list_limit=limit, lexicon=load_command_lexicon(project, lexicon)
        )
        _say(
            f"{summary['documents']} documents, {summary['edits']} edits, "
            f"{summary['unknown_forms']} unknown word forms ({summary['unknown_occurrences']} occurrences)"
        )
        typer.echo(str(path))


def _serve(
    corpus: Path, low_score: float, port: int, sources: list[Path], output: Optional[Path], lexicon_directory: Path
) -> None:
    from nbsclean.review.server import ReviewApp, serve

    if output is not None:
        raise BadArgumentsError("--output writes the static page; --serve writes no file")
    if not 0 <= port <= 65535:
        raise BadArgumentsError(f"--port {port}: not a port number")
    app = ReviewApp(corpus, lexicon_directory, source_dirs=sources, low_score=low_score)

    def ready(url: str) -> None:
        typer.echo(url)
        sys.stdout.flush()
        _say(f"serving {len(app.index.documents)} documents on 127.0.0.1 only; Ctrl-C stops")

    serve(app, port, on_ready=ready)
    _say("stopped")
