"""An install that works in someone else's repository, as README's CI examples do it:
build the wheel the way `pip install "nbsclean @ git+URL"` does (from a clone of this
repository), install it into a fresh virtual environment, and run `nbsclean check` on a
fixture folder outside the repository; the JUnit file says every case passed and the
lexicon is the development set-up's (same sha256: its data came along in the wheel).

Slow (a fresh venv downloads the dependencies through pip's cache and index): ~1-3 min.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import venv
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = ("seeds/seed004", "negative/clean000", "negative/traps-svenska")


def run(command: list[str], cwd: Path, timeout: int = 900, **kwargs) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NBSCLEAN_") and k != "PYTHONPATH"}
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env, **kwargs)
    assert result.returncode == 0, f"{command}: exit {result.returncode}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


def build_wheel(into: Path) -> Path:
    """The wheel pip builds for `pip install "nbsclean @ git+<repository>"` (committed
    state, through a clone); a source tree that is not a git checkout is built as it is."""
    source = f"nbsclean @ git+file://{REPO}" if (REPO / ".git").exists() else str(REPO)
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", str(into), source], cwd=into)
    wheels = list(into.glob("nbsclean-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.mark.slow
def test_wheel_from_git_installs_and_checks_fixtures_outside_the_repository(tmp_path):
    wheel = build_wheel(tmp_path)
    environment = tmp_path / "venv"
    venv.create(environment, with_pip=True)
    python = environment / "bin" / "python"
    run([str(python), "-m", "pip", "install", "--quiet", str(wheel)], cwd=tmp_path, timeout=1200)

    workspace = tmp_path / "their-repository"
    for case in FIXTURES:
        folder = workspace / "fixtures" / Path(case).parent
        folder.mkdir(parents=True, exist_ok=True)
        for path in (REPO / "samples").glob(f"{case}.*"):
            shutil.copy(path, folder / path.name)
    nbsclean = environment / "bin" / "nbsclean"
    # Nothing of this checkout is importable from there: the installed package is used.
    where = run([str(python), "-c", "import nbsclean, sys; print(nbsclean.__file__)"], cwd=workspace).stdout
    assert str(environment) in where and str(REPO) not in where

    checked = run([str(nbsclean), "check", "fixtures", "--junit", "report.xml"], cwd=workspace)
    suite = ET.parse(workspace / "report.xml").getroot().find("testsuite")
    assert suite.get("tests") == str(len(FIXTURES)), checked.stdout
    assert suite.get("failures") == "0" and suite.get("errors") == "0", checked.stdout
    properties = {p.get("name"): p.get("value") for p in suite.iter("property")}

    installed = json.loads(run([str(nbsclean), "lexicon", "show", "--json"], cwd=workspace).stdout)
    developed = json.loads(run([sys.executable, "-m", "nbsclean", "lexicon", "show", "--json"], cwd=REPO).stdout)
    assert installed["directory"].startswith(str(environment))  # the lexicon inside the wheel
    assert installed["sha256"] == developed["sha256"] == properties["lexicon_sha256"]
    assert installed["forms"] == developed["forms"]
