"""Command-line entry point: `nbsclean COMMAND ...`.

Every command lives in ``nbsclean.commands.<name>`` and registers itself on ``app``.
Data goes to stdout; logs, progress and errors to stderr. Exit codes follow
:mod:`nbsclean.errors` (OCRmyPDF's meanings where they fit).
"""

from __future__ import annotations

import logging
import sys

import typer

from nbsclean import __version__
from nbsclean.errors import ExitCode, NbscleanError

app = typer.Typer(
    name="nbsclean",
    help="Turn scanned Swedish newsletters into a clean, provenance-tracked text corpus.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"nbsclean {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version_callback, is_eager=True, help="Print the version and exit."
    ),
    verbose: int = typer.Option(0, "--verbose", "-v", count=True, help="More log output on stderr (-vv for debug)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only errors on stderr."),
) -> None:
    level = logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    logging.basicConfig(level=level, format="nbsclean: %(levelname)s: %(message)s", stream=sys.stderr)


def _register_commands() -> None:
    from nbsclean.commands import COMMAND_MODULES

    for module in COMMAND_MODULES:
        module.register(app)


_register_commands()


def main(argv: list[str] | None = None) -> None:
    """Run the CLI and turn every outcome into one of the documented exit codes."""
    try:
        result = app(args=argv, standalone_mode=False, prog_name="nbsclean")
    except typer.Exit as exc:  # --help, --version, or a command's explicit exit code
        sys.exit(exc.exit_code)
    except typer.Abort:
        print("nbsclean: interrupted", file=sys.stderr)
        sys.exit(ExitCode.interrupted)
    except typer.TyperException as exc:  # usage errors, bad options (typer's vendored click)
        exc.show(file=sys.stderr)
        sys.exit(ExitCode.bad_args)
    except NbscleanError as exc:
        print(f"nbsclean: error: {exc} [{exc.reason}]", file=sys.stderr)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        print("nbsclean: interrupted", file=sys.stderr)
        sys.exit(ExitCode.interrupted)
    except BrokenPipeError:
        sys.exit(ExitCode.ok)
    except Exception as exc:  # noqa: BLE001 - the last line of defence names the bug
        logging.getLogger("nbsclean").debug("internal error", exc_info=True)
        print(f"nbsclean: internal error: {type(exc).__name__}: {exc} (run with -vv for a traceback)", file=sys.stderr)
        sys.exit(ExitCode.internal_error)
    sys.exit(int(result or 0))
