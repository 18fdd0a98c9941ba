"""`nbsclean run PATH... -o CORPUS`: a batch of inputs into a resumable corpus.

The work is in :mod:`nbsclean.corpus.runner` (planning, executors, ordered writing) and
:mod:`nbsclean.corpus.journal` (atomic files); this module is the command line: options, the
progress display on stderr, and the summary table at the end.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import List, Optional

import typer

from nbsclean.commands.options import lexicon_option, project_option
from nbsclean.commands.output import quiet
from nbsclean.errors import BadArgumentsError

log = logging.getLogger("nbsclean.run")

OCR_MODES = ("auto", "always", "never")
# What `run` does when neither the command line nor the project's [run] section says.
RUN_DEFAULTS = {"lang": "swe", "ocr": "auto", "dpi": 300, "formats": "jsonl,txt"}


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def register(app: typer.Typer) -> None:
    @app.command("run")
    def run_command(
        paths: List[Path] = typer.Argument(..., help="Input files and folders (folders are read recursively)."),
        output: Path = typer.Option(..., "--output", "-o", help="Corpus folder to create (or continue with --resume)."),
        jobs: Optional[int] = typer.Option(None, "--jobs", "-j", help="Parallel workers (default: all cores)."),
        lang: Optional[str] = typer.Option(None, "--lang", "-l", help="Tesseract language(s), e.g. swe or swe+eng (default: swe)."),
        ocr: Optional[str] = typer.Option(None, "--ocr", help="auto (the default): OCR pages without a usable text layer; always; never."),
        dpi: Optional[int] = typer.Option(None, "--dpi", help="Resolution for rasterising PDF pages before OCR (default: 300)."),
        psm: Optional[int] = typer.Option(None, "--psm", help="Tesseract page segmentation mode."),
        ocr_timeout: float = typer.Option(180.0, "--ocr-timeout", help="Seconds Tesseract may spend on one page; a page that takes longer rejects its file (ocr_timeout)."),
        no_repair: bool = typer.Option(False, "--no-repair", help="Only extract and normalise; no word repairs."),
        include: List[str] = typer.Option(
            [], "--include", help="Only files whose name matches this pattern (e.g. '*.pdf') in folders; repeatable."
        ),
        resume: bool = typer.Option(False, "--resume", help="Continue an existing corpus; skip documents it already has."),
        overwrite: bool = typer.Option(False, "--overwrite", help="Replace the corpus files in a non-empty output folder."),
        formats: Optional[str] = typer.Option(None, "--format", help="Comma-separated: jsonl (always), txt, parquet, pdf (searchable PDF/A of every PDF and image input), alto (ALTO v4 XML per page) (default: jsonl,txt)."),
        executor: str = typer.Option("local", "--executor", help="local (process pool) or dask."),
        scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Dask scheduler address, e.g. tcp://host:8786."),
        password: Optional[str] = typer.Option(None, "--password", help="Password for encrypted PDFs (never stored)."),
        sync: str = typer.Option(
            "group", "--sync", help="group: make records and text files durable in groups (every 100 records or second); each: every record."
        ),
        wait: bool = typer.Option(False, "--wait", help="If another nbsclean is writing this corpus, wait for it instead of failing."),
        lexicon: Optional[Path] = lexicon_option(),
        project: Optional[Path] = project_option(),
    ) -> None:
        """Extract, normalise and repair every input into CORPUS (documents.jsonl, manifest.json, text/).

        Options not given come from the project's nbsclean.toml ([run]) when there is one."""
        from nbsclean.corpus.runner import RunConfig, run_batch
        from nbsclean.project import resolve_lexicon_dir, resolve_project
        from nbsclean.repair.lexicon import load_lexicon

        found = resolve_project(project)
        defaults = {**RUN_DEFAULTS, **(found.run_defaults if found else {})}
        lang = lang if lang is not None else defaults["lang"]
        ocr = ocr if ocr is not None else defaults["ocr"]
        dpi = dpi if dpi is not None else defaults["dpi"]
        psm = psm if psm is not None else defaults.get("psm")
        formats = formats if formats is not None else defaults["formats"]
        jobs = jobs if jobs is not None else defaults.get("jobs")

        if ocr not in OCR_MODES:
            raise BadArgumentsError(f"--ocr must be one of {', '.join(OCR_MODES)}", source="--ocr")
        if resume and overwrite:
            raise BadArgumentsError("--resume and --overwrite exclude each other", source="--overwrite")
        options = _pipeline_options(
            lang=lang, ocr=ocr, dpi=dpi, psm=psm, password=password, repair=not no_repair, ocr_timeout=ocr_timeout
        )
        options.extract_options().validate()  # a bad value is exit 1 before any file is touched
        config = RunConfig(
            inputs=paths,
            output=output,
            options=options,
            process=_process_file(),
            jobs=jobs or default_jobs(),
            resume=resume,
            overwrite=overwrite,
            formats=formats.split(","),
            executor=executor,
            scheduler=scheduler,
            include=include,
            wait=wait,
            sync=sync,
            progress=make_progress(),
            lexicon=load_lexicon(resolve_lexicon_dir(found, lexicon)),
        )
        report = run_batch(config)
        if not quiet():
            print_summary(report)
        # The corpus location is the command's data: stdout, for scripts.
        from nbsclean.corpus.inputs import escape_name

        typer.echo(escape_name(str(report.paths.root)))  # any folder name prints
        raise typer.Exit(report.exit_code)


def _pipeline_options(**values):
    from nbsclean.pipeline import PipelineOptions

    return PipelineOptions(**values)


def _process_file():
    from nbsclean.pipeline import process_file

    return process_file


# --- progress and summary (stderr) -------------------------------------------------------




def make_progress():
    """A rich progress bar on a terminal; plain log lines when stderr is a file or pipe."""
    from nbsclean.corpus.runner import SilentProgress

    if quiet():
        return SilentProgress()
    if sys.stderr.isatty():
        return RichProgress()
    return LogLineProgress()


class LogLineProgress:
    def __init__(self) -> None:
        self.total = 0
        self.done = 0

    def start(self, total: int, skipped: int) -> None:
        self.total = total
        note = f", {skipped} already in the corpus" if skipped else ""
        print(f"nbsclean: run: {total} document(s) to process{note}", file=sys.stderr, flush=True)

    def advance(self, source: str, counts: dict | None, failure: dict | None) -> None:
        self.done += 1
        if counts is not None:
            pages, edits = counts["pages"], counts["edits"]
            line = f"[{self.done}/{self.total}] {source}: {pages} page(s), {edits} edit(s)"
        else:
            line = f"[{self.done}/{self.total}] {source}: FAILED: {failure['message']} [{failure['reason']}]"
        print(f"nbsclean: run: {line}", file=sys.stderr, flush=True)

    def stop(self) -> None:
        pass


class RichProgress:
    def __init__(self) -> None:
        from rich.console import Console

        self.console = Console(stderr=True)
        self.progress = None
        self.task = None

    def start(self, total: int, skipped: int) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.progress = Progress(
            TextColumn("[bold]nbsclean run"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            TextColumn("{task.description}"),
            console=self.console,
            transient=False,
        )
        self.progress.start()
        self.task = self.progress.add_task("", total=total)
        if skipped:
            self.console.print(f"{skipped} document(s) already in the corpus, skipped")

    def advance(self, source: str, counts: dict | None, failure: dict | None) -> None:
        from rich.markup import escape

        if failure is not None:
            self.console.print(f"[red]failed[/red] {escape(source)}: {escape(failure['message'])} \\[{failure['reason']}]")
        self.progress.update(self.task, advance=1, description=escape(source))

    def stop(self) -> None:
        if self.progress is not None:
            self.progress.stop()


def print_summary(report) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(stderr=True, highlight=False)
    totals = report.totals
    table = Table(title=f"Corpus {report.paths.root}", show_header=True)
    table.add_column("", style="bold")
    table.add_column("count", justify="right")
    table.add_row("documents in corpus", str(totals.documents))
    table.add_row("  processed now", str(report.processed))
    table.add_row("  already there (--resume)", str(report.skipped))
    table.add_row("duplicate inputs", str(len(report.duplicates)))
    table.add_row("pages", str(totals.pages))
    table.add_row("OCR'd pages", str(totals.ocr_pages))
    table.add_row("pages read poorly (flagged)", str(totals.poor_pages))
    table.add_row("edits", str(totals.edits))
    for rule, count in totals.edits_by_rule.most_common():
        table.add_row(f"  {rule}", str(count))
    table.add_row("failures", str(len(report.failures)), style="red" if report.failures else None)
    _add_archive_rows(table, report)
    console.print(table)
    _print_unknown_and_stale(report)
    for failure in report.failures:
        # Plain print: file names and messages may contain rich markup characters ("[").
        print(f"failed: {failure['source']}: {failure['message']} [{failure['reason']}]", file=sys.stderr)


def _add_archive_rows(table, report) -> None:
    """Rows for what the archive decided and what is left to decide."""
    decisions = report.decisions or {}
    if report.rerepaired:
        table.add_row("repaired again (--resume)", str(report.rerepaired))
    if decisions.get("in_file"):
        table.add_row("decisions applied", str(decisions["applied"]))
        table.add_row("  no longer fit", str(decisions["stale"]), style="red" if decisions["stale"] else None)
    unknown = report.unknown_words or {}
    if unknown:
        table.add_row("unknown words (this run)", str(unknown.get("occurrences", 0)))
        table.add_row("  distinct forms", str(unknown.get("forms", 0)))


def _print_unknown_and_stale(report) -> None:
    # Plain print: words and reasons may contain rich markup characters ("[").
    top = (report.unknown_words or {}).get("top") or []
    if top:
        listed = ", ".join(f"{form} ({count})" for form, count in top[:8])
        print(f"unknown words, most frequent: {listed}; see `nbsclean review` or `nbsclean lexicon learn`", file=sys.stderr)
    decisions = report.decisions or {}
    for stale in decisions.get("stale_examples", []):
        print(f"decision not applied: {stale['decision']} in {stale['document']}: {stale['reason']}", file=sys.stderr)
    if decisions.get("stale", 0) > len(decisions.get("stale_examples", [])):
        print(f"... {decisions['stale']} decisions not applied in all (manifest.json, runs)", file=sys.stderr)
