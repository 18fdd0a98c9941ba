"""Every command honours `nbsclean -q` (nothing but errors on stderr), and help speaks the
user's language (PATH, TEXT, N), not Python's (<list[Path]>, <bool>)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "samples" / "seeds" / "seed002.input.txt"


def nbsclean(*args: str, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nbsclean", *args], capture_output=True, text=True, timeout=600, cwd=cwd, env=env
    )


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("quiet")
    shutil.copytree(REPO / "lexicons", root / "lexicons", ignore=shutil.ignore_patterns("candidates.tsv"))
    (root / "in").mkdir()
    shutil.copy(SEED, root / "in" / "letter.txt")
    env = {**os.environ, "NBSCLEAN_LEXICON_DIR": str(root / "lexicons")}
    result = nbsclean("-q", "run", "in", "-o", "c", "-j", "1", cwd=root, env=env)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    return root, env


def first_edit(corpus: Path) -> str:
    record = json.loads((corpus / "documents.jsonl").read_text(encoding="utf-8").splitlines()[0])
    return f"{record['id']}:{record['edits'][0]['id']}"


@pytest.mark.parametrize(
    "args",
    [
        ["extract", "in/letter.txt"],
        ["repair", "in/letter.txt", "--diff"],
        ["check", str(REPO / "samples" / "negative"), "-k", "clean000"],
        ["check", str(REPO / "samples" / "negative"), "-k", "clean000", "--json"],
        ["review", "c", "-o", "review.html"],
        ["lexicon", "add", "Quietord"],
        ["lexicon", "learn", "c", "-o", "candidates.tsv"],
        ["lexicon", "show"],
        ["revert", "c", "--rule", "hyphen_join", "--dry-run"],
        ["run", "in", "-o", "c", "--resume", "-j", "1"],
        ["decide", "c", "--accept", "FIRST_EDIT"],
    ],
    ids=lambda args: " ".join(args[:2]),
)
def test_quiet_means_nothing_on_stderr(workspace, args):
    root, env = workspace
    args = [first_edit(root / "c") if a == "FIRST_EDIT" else a for a in args]
    result = nbsclean("-q", *args, cwd=root, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_quiet_also_works_after_the_command(workspace):
    root, env = workspace
    spoken = nbsclean("review", "c", "-o", "review.html", cwd=root, env=env)
    assert "nbsclean: review:" in spoken.stderr
    quiet = nbsclean("review", "c", "-o", "review.html", "-q", cwd=root, env=env)
    assert quiet.returncode == 0 and quiet.stderr == "", quiet.stderr
    lexicon = nbsclean("lexicon", "add", "Tystord", "--quiet", cwd=root, env=env)
    assert lexicon.returncode == 0 and lexicon.stderr == "", lexicon.stderr


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["run", "in", "-o", "out", "-q"], ["-q", "run", "in", "-o", "out"]),
        (["-v", "check", "samples", "-vv"], ["-vv", "-v", "check", "samples"]),
        (["lexicon", "add", "--verbose", "ord"], ["--verbose", "lexicon", "add", "ord"]),
        # the value of an option that takes one stays where it is, even when it looks like -q
        (["run", "in", "-o", "-q"], ["run", "in", "-o", "-q"]),
        # after `--` everything is an argument
        (["repair", "--", "-q"], ["repair", "--", "-q"]),
        (["-q", "run", "in"], ["-q", "run", "in"]),
    ],
)
def test_global_flags_are_moved_before_the_command(argv, expected):
    from nbsclean.cli import hoist_global_flags

    assert hoist_global_flags(argv) == expected


def test_without_quiet_the_same_commands_do_speak(workspace):
    root, env = workspace
    assert "nbsclean: review:" in nbsclean("review", "c", "-o", "review.html", cwd=root, env=env).stderr
    assert "nbsclean: lexicon:" in nbsclean("lexicon", "add", "Pratord", cwd=root, env=env).stderr


PYTHON_TYPE = re.compile(r"<(?:list\[|bool|str|int|float|path|Path|tuple)")


def help_texts() -> dict[str, str]:
    from typer.testing import CliRunner

    from nbsclean.cli import app

    runner = CliRunner()
    commands = ["run", "extract", "repair", "check", "review", "revert", "decide", "lexicon"]
    commands += ["lexicon show", "lexicon add", "lexicon learn", "lexicon accept"]
    texts = {"": runner.invoke(app, ["--help"], env={"COLUMNS": "200"}).output}
    for command in commands:
        texts[command] = runner.invoke(app, [*command.split(), "--help"], env={"COLUMNS": "200"}).output
    return texts


def test_help_has_no_python_type_names():
    for command, text in help_texts().items():
        assert "Usage:" in text, command
        assert not PYTHON_TYPE.search(text), (command, PYTHON_TYPE.search(text).group(0))
    run_help = help_texts()["run"]
    assert "PATH..." in run_help and re.search(r"--jobs\s+-j\s+N\b", run_help)
