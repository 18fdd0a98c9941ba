"""Bad inputs: every kind is a named error naming the file, with the documented exit code.

The files live in tests/data/bad/ (made by tests/data/bad/make_bad_files.py and committed).
The CLI tests run the real `nbsclean extract` entry point (in-process; the permission test
in a subprocess without root's permission override).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nbsclean.errors import (
    CorruptFileError,
    EmptyInputError,
    EncryptedPdfError,
    FileAccessError,
    UnreadableImageError,
    UnsupportedFileTypeError,
)
from nbsclean.extract import ExtractOptions, extract_file

BAD = Path(__file__).parent / "data" / "bad"
NBSCLEAN = [sys.executable, "-m", "nbsclean"]

REJECTED = [
    ("encrypted.pdf", EncryptedPdfError, "encrypted", 2),
    ("truncated.pdf", CorruptFileError, "truncated or corrupt", 2),
    ("corrupt.pdf", CorruptFileError, "truncated or corrupt", 2),
    ("empty.pdf", EmptyInputError, "empty", 2),
    ("empty.txt", EmptyInputError, "empty", 2),
    ("blank.txt", EmptyInputError, "empty", 2),
    ("random.txt", UnsupportedFileTypeError, "binary data", 2),
    ("broken-body.png", UnreadableImageError, "cannot be decoded", 2),
    ("truncated.jpg", UnreadableImageError, "truncated", 2),
]


@pytest.mark.parametrize("name, error, words, exit_code", REJECTED, ids=[r[0] for r in REJECTED])
def test_bad_file_raises_a_named_error_naming_the_file(name, error, words, exit_code):
    path = BAD / name
    with pytest.raises(error) as caught:
        extract_file(path)
    assert caught.value.source == str(path)
    assert words in caught.value.message
    assert caught.value.exit_code == exit_code


@pytest.fixture
def run_extract(capsys):
    """Run `nbsclean extract ARGS` through the real CLI entry point, in this process."""
    from nbsclean.cli import main

    def run(*args: str) -> subprocess.CompletedProcess:
        with pytest.raises(SystemExit) as exited:
            main(["extract", *args])
        captured = capsys.readouterr()
        return subprocess.CompletedProcess(args, int(exited.value.code or 0), captured.out, captured.err)

    return run


@pytest.mark.parametrize(
    "name, reason",
    [("encrypted.pdf", "encrypted_pdf"), ("random.txt", "unsupported_file_type"), ("broken-body.png", "unreadable_image")],
)
def test_cli_reports_bad_input_on_stderr_with_exit_2(name, reason, run_extract):
    result = run_extract(str(BAD / name))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"nbsclean: error: {BAD / name}: ")
    assert result.stderr.rstrip().endswith(f"[{reason}]")


def test_encrypted_pdf_opens_with_its_password():
    document = extract_file(BAD / "encrypted.pdf", ExtractOptions(password="hemlig", ocr="never"))
    assert "Sörmlands läns kommuner" in document.pages[0].raw_text
    with pytest.raises(EncryptedPdfError, match="password is wrong"):
        extract_file(BAD / "encrypted.pdf", ExtractOptions(password="fel"))


def test_cli_password_option(run_extract):
    result = run_extract(str(BAD / "encrypted.pdf"), "--password", "hemlig", "--ocr", "never")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("=== page 1 (text_layer:")
    assert "Sörmlands läns kommuner" in result.stdout


def test_utf16_text_file_is_valid_input():
    page = extract_file(BAD / "utf16.txt").pages[0]
    assert page.method == "text" and page.encoding == "utf-16"
    assert page.raw_text.startswith("Sörmlands läns kommuner")


def test_png_named_pdf_is_read_as_an_image():
    document = extract_file(BAD / "png-named.pdf")
    assert document.kind == "image"
    assert "Sörmlands" in document.pages[0].raw_text


def test_missing_file_is_a_file_access_error_exit_5(tmp_path, run_extract):
    missing = tmp_path / "nowhere.pdf"
    with pytest.raises(FileAccessError, match="no such file"):
        extract_file(missing)
    result = run_extract(str(missing))
    assert result.returncode == 5
    assert f"{missing}: no such file [file_access_error]" in result.stderr


def test_directory_is_a_file_access_error(tmp_path):
    with pytest.raises(FileAccessError, match="directory"):
        extract_file(tmp_path)


def _without_file_permission_override() -> list[str]:
    """Run as the current user but without root's permission to read any file."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    assert setpriv, "running as root: setpriv (util-linux) is needed to test permission errors"
    drop = "-dac_override,-dac_read_search"
    return [setpriv, f"--inh-caps={drop}", f"--bounding-set={drop}"]


def test_permission_denied_is_exit_5(tmp_path):
    locked = tmp_path / "locked.txt"
    locked.write_text("Sörmland\n", encoding="utf-8")
    locked.chmod(0)
    result = subprocess.run(
        [*_without_file_permission_override(), *NBSCLEAN, "extract", str(locked)],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 5, result.stderr
    assert f"{locked}: permission denied [file_access_error]" in result.stderr


def test_bad_arguments_are_exit_1(run_extract):
    result = run_extract(str(BAD / "utf16.txt"), "--ocr", "sometimes")
    assert result.returncode == 1
    assert "--ocr must be one of auto, always, never" in result.stderr
