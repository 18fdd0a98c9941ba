"""`nbsclean revert CORPUS (--edit ID... | --rule RULE | --below SCORE)`: undo chosen edits."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from nbsclean.commands.options import lexicon_option, project_option


def split_ids(values: List[str]) -> frozenset[str]:
    """``--edit e1 --edit e2,e3`` → {e1, e2, e3}."""
    return frozenset(part.strip() for value in values for part in value.split(",") if part.strip())


def lazy_recount(lexicon_directory: Path):
    """Recount words with the command's lexicon, loaded only when an edit is really dropped."""
    loaded = []

    def recount(text: str) -> dict:
        if not loaded:
            from nbsclean.repair.lexicon import load_lexicon
            from nbsclean.review.revert import default_recount

            loaded.append(default_recount(load_lexicon(lexicon_directory)))
        return loaded[0](text)

    return recount


def register(app: typer.Typer) -> None:
    @app.command("revert")
    def revert_command(
        corpus: Path = typer.Argument(..., help="Corpus folder written by `nbsclean run`."),
        edit: List[str] = typer.Option(
            [], "--edit", "-e", help="Edit id to drop: e3 (in every document) or DOCUMENT:e3; repeat or comma-separate."
        ),
        rule: Optional[str] = typer.Option(None, "--rule", help="Drop the edits of this rule (also as part of a+b)."),
        below: Optional[float] = typer.Option(None, "--below", help="Drop the edits scoring below this."),
        document: Optional[str] = typer.Option(None, "--document", "-d", help="Only touch this document id."),
        dry_run: bool = typer.Option(False, "--dry-run", help="Only report what would be dropped."),
        wait: bool = typer.Option(False, "--wait", help="If another nbsclean is writing this corpus, wait for it instead of failing."),
        lexicon: Optional[Path] = lexicon_option(),
        project: Optional[Path] = project_option(),
    ) -> None:
        """Drop edits and rebuild the cleaned text from raw_text and the remaining edits.

        Several selectors combine with AND (--rule ocr_confusion --below 0.5). The revert is recorded in manifest.json under "reverts"."""
        from nbsclean.project import resolve_lexicon_dir
        from nbsclean.review.revert import EditSelector, revert_corpus

        selector = EditSelector(edit_ids=split_ids(edit), rule=rule, below=below, document=document)
        recount = lazy_recount(resolve_lexicon_dir(project, lexicon))
        report = revert_corpus(corpus, selector, dry_run=dry_run, recount=recount, wait=wait)
        if dry_run:
            for edit_id in report.dropped_edit_ids:
                typer.echo(edit_id)
        verb = "would drop" if dry_run else "dropped"
        typer.echo(f"{verb} {report.dropped} edits in {len(report.documents)} documents")
