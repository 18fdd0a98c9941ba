"""Re-repair without re-OCR: `run --resume` after `lexicon add` against the first run.

    python bench/bench_rerepair.py [--scans DIR] [--jobs 1] [--keep DIR]

Builds a corpus of scanned PDFs (default: the PDFs of samples/scans, which go through
Tesseract: image-only pages and damaged text layers) with the real CLI, adds one word to a
copy of the lexicon with `nbsclean lexicon add`, and runs `nbsclean run --resume` into the
same corpus, side by side in one process. The resumed run must repair every document
again (it is checked) and may not run Tesseract: it is given a PATH without it, so any OCR
would fail the run. The lexicon cache is the one a user has: built once before the first
run (as by any earlier command), shared by both runs, so the resumed run pays for whatever
rebuilding the added word causes - reported on its own line, measured in a third process
with the same change. Target: the resumed run takes at most 15 % of the first run's CPU
time (user + system of the processes and their children, Tesseract included; wall time is
shown too, but drifts with the load of a shared machine).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET = 0.15


def log(message: str) -> None:
    print(f"bench_rerepair: {message}", file=sys.stderr, flush=True)


def children_cpu() -> float:
    """CPU seconds (user + system) of every finished child process, Tesseract included."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def nbsclean(args: list[str], env: dict, cwd: Path) -> tuple[float, float]:
    """Run the CLI; return its (wall, CPU) time in seconds (a failure stops the benchmark).
    CPU time is what the comparison uses: on a shared machine wall time drifts with the load."""
    started, cpu_before = time.perf_counter(), children_cpu()
    completed = subprocess.run(
        [sys.executable, "-m", "nbsclean", "-q", *args], env=env, cwd=cwd, capture_output=True, text=True
    )
    seconds, cpu = time.perf_counter() - started, children_cpu() - cpu_before
    if completed.returncode != 0:
        raise SystemExit(f"nbsclean {' '.join(args)} failed with exit {completed.returncode}:\n{completed.stderr}")
    return seconds, cpu


def without_tesseract(work: Path) -> str:
    """A PATH with no tesseract on it (the run itself needs no other program)."""
    empty = work / "no-tesseract"
    empty.mkdir(exist_ok=True)
    return str(empty)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=Path, default=REPO / "samples" / "scans", help="folder of scanned PDFs")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="keep the work folder here")
    args = parser.parse_args()

    pdfs = sorted(args.scans.glob("*.pdf"))
    if not pdfs:
        raise SystemExit(f"no PDFs in {args.scans}")
    work = Path(tempfile.mkdtemp(prefix="bench-rerepair-"))
    try:
        inputs = work / "scans"
        inputs.mkdir()
        for pdf in pdfs:
            shutil.copy(pdf, inputs / pdf.name)
        lexicons = work / "lexicons"
        shutil.copytree(REPO / "lexicons", lexicons, ignore=shutil.ignore_patterns("candidates.tsv"))
        env = {**os.environ, "NBSCLEAN_LEXICON_DIR": str(lexicons)}
        run = ["run", "scans", "-o", "corpus", "-j", str(args.jobs)]

        env["NBSCLEAN_CACHE_DIR"] = str(work / "cache")
        log("building the lexicon cache (as an earlier command would have)")
        nbsclean(["lexicon", "show"], env, work)
        log(f"first run: {len(pdfs)} PDFs")
        first = nbsclean(run, env, work)
        nbsclean(["lexicon", "add", "Benchmarkord", "--category", "terms"], env, work)
        # What the change costs the lexicon alone: a copy of the cache, loaded once.
        shutil.copytree(work / "cache", work / "cache-probe")
        rebuild = nbsclean(["lexicon", "show"], {**env, "NBSCLEAN_CACHE_DIR": str(work / "cache-probe")}, work)
        log("lexicon add; run --resume without tesseract on PATH")
        resumed = nbsclean([*run, "--resume"], {**env, "PATH": without_tesseract(work)}, work)

        manifest = json.loads((work / "corpus" / "manifest.json").read_text(encoding="utf-8"))
        documents = manifest["counts"]["documents"]
        rerepaired = manifest["runs"][-1]["rerepaired"]
        pages = manifest["counts"]["pages"]
        ocr_pages = manifest["counts"]["ocr_pages"]
        if rerepaired != documents:
            raise SystemExit(f"--resume repaired {rerepaired} of {documents} documents again")
        ratio = resumed[1] / first[1]
        verdict = "PASS" if ratio <= TARGET else "FAIL"
        print(
            "## Re-repair without re-OCR (bench_rerepair.py)\n\n"
            f"{len(pdfs)} scanned PDFs from `{args.scans.relative_to(REPO) if args.scans.is_relative_to(REPO) else args.scans}`, "
            f"{pages} pages ({ocr_pages} through Tesseract), `-j {args.jobs}`; after `lexicon add`, "
            f"`run --resume` repaired all {rerepaired} documents again with no tesseract on PATH.\n\n"
            "| run | CPU time | wall time |\n|---|---:|---:|\n"
            f"| first run (extraction, OCR, repair) | {first[1]:.2f} s | {first[0]:.2f} s |\n"
            f"| `run --resume` after `lexicon add` | {resumed[1]:.2f} s | {resumed[0]:.2f} s |\n"
            f"| of which at most: loading the changed lexicon (`lexicon show` alone) | {rebuild[1]:.2f} s | {rebuild[0]:.2f} s |\n\n"
            f"Resumed / first, CPU time: **{ratio:.1%}** (target ≤ {TARGET:.0%}): **{verdict}** "
            f"(wall time: {resumed[0] / first[0]:.1%})"
        )
        if args.keep:
            shutil.copytree(work, args.keep, dirs_exist_ok=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
