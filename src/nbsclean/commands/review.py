"""`nbsclean review CORPUS`: the HTML page an archivist checks the repairs on."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from nbsclean.commands.options import lexicon_option, load_command_lexicon, project_option

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
    ) -> None:
        """Write one self-contained HTML page: every edit highlighted, filters by rule and score, the lowest-scoring edits, and the unknown words with links to where they occur."""
        from nbsclean.review.page import write_review

        path, summary = write_review(
            corpus, output, low_score=low_score, list_limit=limit, lexicon=load_command_lexicon(project, lexicon)
        )
        print(
            f"nbsclean: review: {summary['documents']} documents, {summary['edits']} edits, "
            f"{summary['unknown_forms']} unknown word forms ({summary['unknown_occurrences']} occurrences)",
            file=sys.stderr,
        )
        typer.echo(str(path))
