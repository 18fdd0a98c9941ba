"""`nbsclean check FIXTURES...`: regression-check the real pipeline against fixture files.

Layout, comparison rules and the JSON schema: :mod:`nbsclean.check.fixtures` and README.md ("Regression checks").
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, List, Optional

import typer

from nbsclean import __version__
from nbsclean.commands.options import lexicon_option, project_option

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from nbsclean.check.fixtures import CaseResult, Process, Report

# rich and nbsclean.check.fixtures are imported where they are used: every command module is
# imported to build the CLI, and `nbsclean repair` on one page must start fast.

STATUS_STYLES = {
    "pass": "green",
    "unchanged": "green",
    "updated": "yellow",
    "created": "yellow",
    "fail": "bold red",
    "regressed": "bold red",
    "error": "bold magenta",
}


def pipeline_process(lexicon) -> Process:
    """The real pipeline (extract → normalise → repair) as ``process(path, options) -> text``."""
    from nbsclean.pipeline import PipelineOptions, process_file

    def process(path: Path, options: dict) -> str:
        record = process_file(path, PipelineOptions(**options), lexicon=lexicon)
        return record["text"]

    return process


def _console(stream) -> Console:
    from rich.console import Console

    # On a terminal rich colours the diff (and honours NO_COLOR / FORCE_COLOR); in a pipe
    # or CI log the output is plain text, with long diff lines left unwrapped.
    return Console(file=stream, highlight=False, soft_wrap=True)


def _diff_text(result: CaseResult, colour: bool) -> list[Text]:
    from rich.text import Text

    from nbsclean.evaluate import format_op

    comparison = result.comparison
    if comparison is None or result.expected_missing:
        return []
    lines = []
    for hunk in comparison.hunks:
        line = Text()
        line.append(f"  {result.fixture.expected_path.name} line {hunk.line}: ", style="dim" if colour else "")
        if hunk.leading_cut:
            line.append("… ")
        for index, op in enumerate(hunk.ops):
            if index:
                line.append(" ")
            if op.tag == "equal":
                line.append(format_op(op))
                continue
            if op.before:
                line.append(f"[-{' '.join(op.before)}-]", style="bold red" if colour else "")
            if op.after:
                line.append(f"{{+{' '.join(op.after)}+}}", style="bold green" if colour else "")
        if hunk.trailing_cut:
            line.append(" …")
        lines.append(line)
    if comparison.whitespace_note:
        lines.append(Text(f"  {comparison.whitespace_note}", style="yellow" if colour else ""))
    return lines


def _show_case(console: Console, result: CaseResult, show_diff: bool) -> None:
    from rich.text import Text

    from nbsclean.check.fixtures import baseline_lines, case_headline

    colour = console.is_terminal and not console.no_color
    console.print(Text(case_headline(result), style=STATUS_STYLES.get(result.status, "") if colour else ""))
    if show_diff:
        for line in _diff_text(result, colour):
            console.print(line)
    for line in baseline_lines(result):
        console.print(Text(line, style="yellow" if colour else ""))


def _wants_diff(result: CaseResult) -> bool:
    # A failure shows what differs; an update shows what it changed in the expected file.
    # A created file has no earlier version to compare with, so it gets no diff.
    return result.status in ("fail", "updated")


def _percent(value: Optional[float]) -> str:
    return "" if value is None else f"{value:.2%}"


def _summary_table(report: Report) -> Table:
    from rich import box
    from rich.table import Table

    table = Table(title="nbsclean check", box=box.SIMPLE_HEAD, title_justify="left")
    for column, justify in (("case", "left"), ("status", "left"), ("WER", "right"), ("CER", "right"),
                            ("tolerance", "left"), ("baseline", "left"), ("seconds", "right")):
        table.add_column(column, justify=justify)
    for result in report.results:
        comparison, options = result.comparison, result.options
        if options is None:
            tolerance = ""
        elif options.exact:
            tolerance = "exact"
        else:
            tolerance = ", ".join(f"{k} {v:.2%}" for k, v in options.tolerance().items() if v is not None)
        table.add_row(
            result.fixture.name,
            result.status,
            _percent(comparison.wer if comparison else None),
            _percent(comparison.cer if comparison else None),
            tolerance,
            "" if result.baseline is None else result.baseline.verdict,
            f"{result.seconds:.2f}",
        )
    return table


def _closing_line(report: Report) -> str:
    """The closing line test runners print ("check: 23 passed, 1 failed"), for CI logs."""
    from nbsclean.check.fixtures import summary_counts

    counts = summary_counts(report)
    passed = sum(counts[s] for s in ("pass", "unchanged", "updated", "created"))
    return f"check: {passed} passed, {counts['fail'] + counts['regressed'] + counts['error']} failed"


def _summary_line(report: Report) -> str:
    from nbsclean.check.fixtures import summary_counts

    counts = summary_counts(report)
    statuses = ("pass", "fail", "regressed", "error", "updated", "created", "unchanged", "improved")
    shown = [f"{counts[s]} {s}" for s in statuses if counts[s]]
    return f"{counts['cases']} cases: " + ", ".join(shown) + f" (exit {report.exit_code})"


def project_fixtures(project) -> list[str]:
    """The fixture folders of the project, when FIXTURES is not given."""
    from nbsclean.errors import BadArgumentsError

    if project is None:
        raise BadArgumentsError("name the fixture folders (nbsclean check FIXTURES...), or run it in an archive project (nbsclean init)")
    return [str(path) for path in project.fixtures]


def check_command(
    fixtures: Optional[List[Path]] = typer.Argument(
        None, metavar="[FIXTURES]...",
        help="Fixture directories (searched recursively) or NAME.input.EXT files; default: the project's fixtures (nbsclean.toml [check] fixtures).",
    ),
    update: bool = typer.Option(
        False, "--update",
        help="Rewrite expected files of exact cases with the current output, show what changed, and record every passing case's WER, CER and output hash in check-baseline.json.",
    ),
    json_output: bool = typer.Option(False, "--json", help="Print a machine-readable report on stdout (the human report goes to stderr)."),
    junit: Optional[Path] = typer.Option(None, "--junit", metavar="FILE", help="Write a JUnit XML report for CI systems."),
    lexicon_directory: Optional[Path] = lexicon_option(),
    project: Optional[Path] = project_option(),
    patterns: List[str] = typer.Option([], "-k", metavar="PATTERN", help="Only cases whose name contains PATTERN (or matches it as a glob); repeatable."),
) -> None:
    """Run the pipeline on each fixture and compare with its expected text.

    Exit 0 when every case passes, 4 when any differs beyond its tolerance or scores worse than its check-baseline.json, 2 when an input (or fixture) cannot be processed (2 wins over 4).

    With --update, exact cases are rewritten and the baseline is recorded; the exit is 0 unless a case errors (2) or a case with a tolerance fails (4).
    """
    from nbsclean.check.fixtures import discover_fixtures, report_to_dict, require_fixtures, run_check, write_junit
    from nbsclean.project import resolve_lexicon_dir, resolve_project
    from nbsclean.commands.output import quiet
    from nbsclean.repair.lexicon import load_lexicon

    found = resolve_project(project)
    paths = [str(p) for p in fixtures] if fixtures else project_fixtures(found)
    selected = discover_fixtures(paths, patterns)
    require_fixtures(selected, paths, patterns)
    lexicon = load_lexicon(resolve_lexicon_dir(found, lexicon_directory))
    metadata = {
        "nbsclean_version": __version__,
        "lexicon_sha256": lexicon.sha256,
        "fixtures": paths,
    }
    human = _console(sys.stderr if json_output else sys.stdout)
    progress = _console(sys.stderr)
    # -q: the report on stdout stays (it is the command's data); what goes to stderr does not.
    progress.quiet = quiet()
    human.quiet = json_output and quiet()

    def show(result: CaseResult) -> None:
        _show_case(human, result, _wants_diff(result))

    progress.print(f"nbsclean check: {len(selected)} case(s)", style="dim")
    rerun = [option for name, value in (("--lexicon", lexicon_directory), ("--project", project)) if value
             for option in (name, str(value))]
    report = run_check(
        selected, pipeline_process(lexicon), update=update, metadata=metadata, on_result=show, rerun_options=rerun
    )
    human.print()
    human.print(_summary_table(report))
    human.print(_summary_line(report))
    for path in report.baseline_files:
        human.print(f"baseline recorded in {path}")
    human.print(_closing_line(report))
    if junit is not None:
        write_junit(report, junit)
    if json_output:
        sys.stdout.write(json.dumps(report_to_dict(report), ensure_ascii=False, indent=2) + "\n")
    raise typer.Exit(report.exit_code)


def register(app: typer.Typer) -> None:
    app.command("check")(check_command)
