"""Exceptions that carry their exit code (OCRmyPDF's convention).

Exit codes (see README):
  0 ok · 1 bad arguments · 2 finished but some inputs were rejected ·
  3 missing dependency · 4 check found differences · 5 file access error ·
  15 internal error · 130 interrupted
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    ok = 0
    bad_args = 1
    input_rejected = 2
    missing_dependency = 3
    check_differences = 4
    file_access_error = 5
    internal_error = 15
    interrupted = 130


class NbscleanError(Exception):
    """Base class: every error we raise on purpose names its exit code and a short reason."""

    exit_code: ExitCode = ExitCode.internal_error
    reason: str = "internal_error"

    def __init__(self, message: str, *, source: str | None = None):
        super().__init__(message)
        self.message = message
        self.source = source

    def __str__(self) -> str:
        return f"{self.source}: {self.message}" if self.source else self.message


class BadArgumentsError(NbscleanError):
    exit_code = ExitCode.bad_args
    reason = "bad_arguments"


class ProjectError(BadArgumentsError):
    """An archive project (``nbsclean.toml``) or lexicon settings file that cannot be used."""

    reason = "bad_project"


class InputRejectedError(NbscleanError):
    """An input we can read but not use (wrong type, encrypted, corrupt, empty...).

    Subclasses set ``reason`` to a stable, machine-readable name recorded in the manifest.
    """

    exit_code = ExitCode.input_rejected
    reason = "input_rejected"


class EmptyInputError(InputRejectedError):
    reason = "empty_file"


class UnsupportedFileTypeError(InputRejectedError):
    reason = "unsupported_file_type"


class EncryptedPdfError(InputRejectedError):
    reason = "encrypted_pdf"


class CorruptFileError(InputRejectedError):
    reason = "corrupt_file"


class UndecodableTextError(InputRejectedError):
    reason = "undecodable_text"


class UnreadableImageError(InputRejectedError):
    reason = "unreadable_image"


class OcrTimeoutError(InputRejectedError):
    """Tesseract took longer than the per-page time-out (``--ocr-timeout``) on a page."""

    reason = "ocr_timeout"


class TooLargeError(InputRejectedError):
    """A file or page too large to handle in the memory there is."""

    reason = "too_large"


class MissingDependencyError(NbscleanError):
    exit_code = ExitCode.missing_dependency
    reason = "missing_dependency"


class FileAccessError(NbscleanError):
    exit_code = ExitCode.file_access_error
    reason = "file_access_error"


class CheckDifferencesError(NbscleanError):
    exit_code = ExitCode.check_differences
    reason = "check_differences"


class Interrupted(BaseException):
    """Ctrl-C, SIGTERM or SIGHUP: the command stops cleanly and exits with 128 + the signal
    number (130 for Ctrl-C, 143 for SIGTERM, 129 for SIGHUP), as shells report a process
    ended by that signal. ``hint`` says how to go on ("continue with --resume").

    Not a KeyboardInterrupt: typer would turn that into a silent exit code 130, and the
    message and the signal's own code would be lost."""

    def __init__(self, signum: int = 2, hint: str | None = None):
        super().__init__(signum)
        self.signum = signum
        self.hint = hint

    @property
    def exit_code(self) -> int:
        return 128 + self.signum
