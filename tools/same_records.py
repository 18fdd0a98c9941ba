"""Check that a speed-up changed no byte of a corpus: run `nbsclean run` with the code of
another commit (default: main) and with this working tree on the same text inputs, and
compare documents.jsonl and every text file byte for byte.

    python tools/same_records.py [--against main] [--docs 300] [--keep DIR] [INPUT ...]

Inputs: the given files or folders; by default every text input of samples/ (``*.input.txt``:
seeds, negative cases, rendered pages' text) and ``--docs`` generated documents of 300-600
words (bench/bench_scale.py's generator). The other commit is unpacked with ``git archive``
and run with this venv's libraries, as bench_scale's baseline row is. Exit 0 when the
corpora are identical, 1 (naming the first difference) when not.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

from bench_scale import write_documents  # noqa: E402 - the benchmark's own documents


def sample_text_inputs() -> list[Path]:
    return sorted((REPO / "samples").rglob("*.input.txt"))


def gather_inputs(folder: Path, paths: list[Path], docs: int) -> None:
    folder.mkdir(parents=True)
    for n, path in enumerate(paths):
        targets = sorted(path.rglob("*")) if path.is_dir() else [path]
        for target in (t for t in targets if t.is_file()):
            shutil.copyfile(target, folder / f"{n:03d}-{target.name}")
    if docs:
        write_documents(folder / "generated", docs)


def run_corpus(inputs: Path, corpus: Path, env: dict) -> None:
    command = [sys.executable, "-m", "nbsclean", "-q", "run", str(inputs), "-o", str(corpus), "-j", "1"]
    result = subprocess.run(command, env=env, capture_output=True, text=True, cwd=corpus.parent)
    if result.returncode not in (0, 2):  # 2: some inputs rejected, as they may be
        sys.exit(f"{' '.join(command)} failed ({result.returncode}):\n{result.stderr[-2000:]}")


def first_difference(one: Path, other: Path) -> str | None:
    lines_one = (one / "documents.jsonl").read_bytes().splitlines()
    lines_other = (other / "documents.jsonl").read_bytes().splitlines()
    if len(lines_one) != len(lines_other):
        return f"documents.jsonl: {len(lines_one)} records against {len(lines_other)}"
    for n, (a, b) in enumerate(zip(lines_one, lines_other), start=1):
        if a != b:
            return f"documents.jsonl line {n} differs:\n  {a[:300]!r}\n  {b[:300]!r}"
    texts = sorted(p.name for p in (one / "text").glob("*.txt"))
    if texts != sorted(p.name for p in (other / "text").glob("*.txt")):
        return "text/: different files"
    _match, mismatch, errors = filecmp.cmpfiles(one / "text", other / "text", texts, shallow=False)
    if mismatch or errors:
        return f"text/{(mismatch + errors)[0]} differs"
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inputs", nargs="*", type=Path)
    parser.add_argument("--against", default="main", help="the commit whose corpus is the reference")
    parser.add_argument("--docs", type=int, default=300, help="generated documents added to the default inputs")
    parser.add_argument("--keep", type=Path, help="keep inputs and corpora in this (new) folder")
    args = parser.parse_args()

    workdir = args.keep or Path(tempfile.mkdtemp(prefix="nbsclean-same-"))
    inputs = workdir / "inputs"
    gather_inputs(inputs, args.inputs or sample_text_inputs(), 0 if args.inputs else args.docs)
    reference = workdir / "reference-code"
    reference.mkdir()
    archive = subprocess.run(["git", "-C", str(REPO), "archive", args.against], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(reference)], input=archive, check=True)
    run_corpus(inputs, workdir / "corpus-reference", dict(os.environ, PYTHONPATH=str(reference / "src")))
    run_corpus(inputs, workdir / "corpus-here", dict(os.environ, PYTHONPATH=str(REPO / "src")))
    difference = first_difference(workdir / "corpus-reference", workdir / "corpus-here")
    count = len((workdir / "corpus-here" / "documents.jsonl").read_bytes().splitlines())
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    if difference:
        sys.exit(f"NOT identical to {args.against}: {difference}")
    print(f"identical to {args.against}: {count} records and their text files")


if __name__ == "__main__":
    main()
