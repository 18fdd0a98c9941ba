"""Command-line entry point: `nbsclean COMMAND ...`.

Every command lives in ``nbsclean.commands.<name>`` and registers itself on ``app``.
Data goes to stdout; logs, progress and errors to stderr. Exit codes follow
:mod:`nbsclean.errors` (OCRmyPDF's meanings where they fit).
"""

from __future__ import annotations

import logging
import signal
import sys
import threading

import typer

from nbsclean import __version__
from nbsclean.errors import ExitCode, Interrupted, NbscleanError

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
    from nbsclean.helptext import use_plain_type_names

    use_plain_type_names()

    for module in COMMAND_MODULES:
        module.register(app)


_register_commands()


def main(argv: list[str] | None = None) -> None:
    """Run the CLI and turn every outcome into one of the documented exit codes."""
    previous_handlers = install_stop_signals()
    try:
        _run_app(argv)
    finally:
        for signum, handler in previous_handlers.items():
            signal.signal(signum, handler)


def _run_app(argv: list[str] | None) -> None:
    try:
        argv = hoist_global_flags(sys.argv[1:] if argv is None else list(argv))
        result = app(args=argv, standalone_mode=False, prog_name="nbsclean")
    except typer.Exit as exc:  # --help, --version, a command's explicit exit code, or Ctrl-C
        if isinstance(exc.__cause__, KeyboardInterrupt):  # typer turns Ctrl-C into Exit(130)
            _exit_interrupted(exc.__cause__)
        sys.exit(exc.exit_code)
    except typer.Abort as exc:
        _exit_interrupted(exc.__cause__ if isinstance(exc.__cause__, KeyboardInterrupt) else Interrupted())
    except typer.TyperException as exc:  # usage errors, bad options (typer's vendored click)
        exc.show(file=sys.stderr)
        sys.exit(ExitCode.bad_args)
    except NbscleanError as exc:
        print(f"nbsclean: error: {exc} [{exc.reason}]", file=sys.stderr)
        sys.exit(exc.exit_code)
    except (KeyboardInterrupt, Interrupted) as exc:
        _exit_interrupted(exc)
    except BrokenPipeError:
        sys.exit(ExitCode.ok)
    except OSError as exc:  # a file the command needed could not be read or written
        where = exc.filename if exc.filename is not None else "a file"
        print(f"nbsclean: error: {where}: {exc.strerror or exc} [file_access_error]", file=sys.stderr)
        sys.exit(ExitCode.file_access_error)
    except Exception as exc:  # noqa: BLE001 - the last line of defence names the bug
        logging.getLogger("nbsclean").debug("internal error", exc_info=True)
        print(f"nbsclean: internal error: {type(exc).__name__}: {exc} (run with -vv for a traceback)", file=sys.stderr)
        sys.exit(ExitCode.internal_error)
    sys.exit(int(result or 0))


def is_global_flag(token: str) -> bool:
    """``-q``/``--quiet``/``-v``/``-vv``/``--verbose``: the root's flags, which take no value."""
    return token in ("-q", "--quiet", "--verbose") or (len(token) >= 2 and token[0] == "-" and set(token[1:]) == {"v"})


def hoist_global_flags(argv: list[str]) -> list[str]:
    """Move ``-q`` and ``-v`` written after the command (``nbsclean run samples -o out -q``)
    to the front, where click expects the root's options, so they work anywhere. Walks the
    arguments with the commands' own option tables, so a value of another option and
    everything after ``--`` are left where they are."""
    if not any(is_global_flag(token) for token in argv[1:]):
        return argv  # the usual case: no need to build the command tree a second time
    command = typer.main.get_command(app)
    kept: list[str] = []
    hoisted: list[str] = []
    takes_value_next = False
    for index, token in enumerate(argv):
        if takes_value_next:
            kept.append(token)
            takes_value_next = False
        elif token == "--":
            kept.extend(argv[index:])
            break
        elif token in getattr(command, "commands", {}):  # a (sub)command name: its options apply next
            command = command.commands[token]
            kept.append(token)
        elif is_global_flag(token) and kept:
            hoisted.append(token)
        else:
            kept.append(token)
            takes_value_next = option_takes_separate_value(command, token)
    return hoisted + kept


def option_takes_separate_value(command, token: str) -> bool:
    """Whether ``token`` is an option of ``command`` whose value is the next argument."""
    if not token.startswith("-") or "=" in token:
        return False
    for param in command.params:
        if token in getattr(param, "opts", ()) or token in getattr(param, "secondary_opts", ()):
            return not (getattr(param, "is_flag", False) or getattr(param, "count", False))
    return False


# SIGTERM is what `timeout`, CI cancellation and `kill` send; SIGHUP a closed terminal.
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


def install_stop_signals() -> dict:
    """Make SIGTERM and SIGHUP stop a command the way Ctrl-C does (an :class:`Interrupted`
    raised in the main thread), so the same clean-up runs: workers stopped, temporary files
    removed, the manifest marked ``interrupted``. A signal ignored by the caller (``nohup``
    ignores SIGHUP) stays ignored. Returns the handlers it replaced."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    previous = {}
    for signum in (signal.SIGINT, *STOP_SIGNALS):
        handler = signal.getsignal(signum)
        if handler is not signal.SIG_IGN:
            previous[signum] = signal.signal(signum, raise_interrupted)
    return previous


def raise_interrupted(signum: int, frame) -> None:
    raise Interrupted(signum)


def _exit_interrupted(exc: BaseException) -> None:
    signum = getattr(exc, "signum", signal.SIGINT)
    hint = getattr(exc, "hint", None)
    print(f"nbsclean: interrupted — {hint}" if hint else "nbsclean: interrupted", file=sys.stderr, flush=True)
    sys.exit(128 + int(signum))
