"""`nbsclean decide CORPUS --reject DOC:EDIT --correct DOC:EDIT=WORD --accept DOC:EDIT --form BEFORE=WORD`."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import List, Optional

import typer


def split_ids(values: List[str]) -> list[str]:
    """``--reject a:e1 --reject a:e2,b:e3`` → [a:e1, a:e2, b:e3] (ids hold no commas)."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def register(app: typer.Typer) -> None:
    @app.command("decide")
    def decide_command(
        corpus: Path = typer.Argument(..., help="Corpus folder written by `nbsclean run`."),
        reject: List[str] = typer.Option(
            [], "--reject", "-r", metavar="DOC:EDIT", help="Keep what was written instead of this edit; repeatable."
        ),
        correct: List[str] = typer.Option(
            [], "--correct", "-c", metavar="DOC:EDIT=WORD", help="This edit (or DOC:START-END span) becomes WORD; repeatable."
        ),
        accept: List[str] = typer.Option(
            [], "--accept", "-a", metavar="DOC:EDIT", help="Reviewed: keep this edit's word in later runs; repeatable."
        ),
        form: List[str] = typer.Option(
            [], "--form", "-f", metavar="BEFORE=WORD", help="Every whole-word BEFORE in every document becomes WORD; repeatable."
        ),
        note: Optional[str] = typer.Option(None, "--note", metavar="TEXT", help="A note kept with these decisions."),
    ) -> None:
        """Record decisions in CORPUS/decisions.jsonl and update the corpus at once.

        Every later `nbsclean run` into this corpus (also --overwrite and --resume) applies
        them again after the repair, as edits of rule "decision". An id that matches nothing
        is exit 1 and nothing is written."""
        from nbsclean.review.decide import DecideRequest, decide_corpus
        from nbsclean.commands.output import note as say
        from nbsclean.review.decisions import describe

        request = DecideRequest(
            rejects=split_ids(reject), corrects=correct, accepts=split_ids(accept), forms=form, note=note
        )
        report = decide_corpus(corpus, request)
        kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(report.kinds().items()))
        say(
            f"nbsclean: decide: {len(report.decisions)} decision(s) recorded ({kinds}); "
            f"{len(report.documents)} document(s) updated"
        )
        for stale in report.stale:
            where = f" at {stale.start}" if stale.start is not None else ""
            logging.getLogger("nbsclean.decide").warning(
                "%s: not applied in %s%s: %s", describe(stale.decision), stale.document, where, stale.reason
            )
