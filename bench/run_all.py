"""Run every benchmark in bench/ and collect their Markdown into bench/RESULTS.md.

Runs bench_repair.py and bench_worst_case.py, then bench_extract.py, bench_scaling.py, bench_scale.py,
bench_serve.py and bench_scans.py when they exist, each as a
subprocess with this Python. Each prints Markdown on stdout (progress on stderr, passed
through). All tables are printed, then written atomically to bench/RESULTS.md, whose path
is printed last.

Exit code: 0 when every benchmark ran (whether or not its targets passed — targets are
reported as PASS/FAIL inside the tables); 1 when a benchmark broke (its section then says so,
and the other benchmarks still run).
"""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RESULTS = BENCH / "RESULTS.md"
# Each benchmark with the arguments that keep `make bench` under ten minutes on two cores
# (the extraction benchmark on six scanned pages in three rounds, plus one valgrind count;
# scaling on twelve pages, so that worker start-up weighs little against the OCR).
BENCHMARKS = {
    "bench_repair.py": [],
    "bench_worst_case.py": [],
    "bench_extract.py": ["--max-pages", "6", "--repeats", "3"],
    "bench_scaling.py": ["--pages", "12"],
    "bench_scale.py": [],
    "bench_serve.py": [],
    "bench_outputs.py": ["--repeats", "2"],
    "bench_scans.py": ["--rounds", "2"],
    # the scanned PDFs of samples/scans: one OCR run, then run --resume after lexicon add
    "bench_rerepair.py": [],
}


def log(message: str) -> None:
    print(f"run_all: {message}", file=sys.stderr, flush=True)


def git_revision() -> str:
    """The commit benchmarked, marked when the working tree has uncommitted changes."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return f"{commit} (with uncommitted changes)" if dirty else commit


def run_benchmark(script: Path) -> tuple[str, bool]:
    """(Markdown section, ran without breaking) for one benchmark script."""
    log(f"running {script.name}")
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, str(script), *BENCHMARKS.get(script.name, [])], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    minutes = (time.perf_counter() - started) / 60
    log(f"{script.name} finished in {minutes:.1f} min with exit code {completed.returncode}")
    output = completed.stdout.strip()
    if completed.returncode != 0:
        section = f"## {script.name}: BROKEN (exit code {completed.returncode})\n\nThe benchmark did not complete; see its stderr."
        return (section + ("\n\nPartial output:\n\n" + output if output else "")), False
    return f"{output}\n\n_{script.name} took {minutes:.1f} min._", True


def default_file_mode() -> int:
    """The mode an ordinary new file gets (mkstemp's files are private, 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_atomically(path: Path, text: str) -> None:
    """Write to a temporary file in the same directory, fsync, then rename over ``path``."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(handle, default_file_mode())
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def main() -> int:
    scripts = [BENCH / name for name in BENCHMARKS if (BENCH / name).exists()]
    missing = [name for name in BENCHMARKS if not (BENCH / name).exists()]
    if missing:
        log(f"not present, skipped: {', '.join(missing)}")
    started = datetime.datetime.now().astimezone()
    started_clock = time.perf_counter()
    sections, all_ran = [], True
    for script in scripts:
        section, ran = run_benchmark(script)
        sections.append(section)
        all_ran &= ran
    header = (
        "# nbsclean benchmark results\n\n"
        f"Run of `make bench` (bench/run_all.py) started {started:%Y-%m-%d %H:%M %Z} on commit {git_revision()}; "
        f"benchmarks: {', '.join(s.name for s in scripts) or 'none found'}"
        + (f" (not present: {', '.join(missing)})" if missing else "")
        + ". See bench/README.md for what each number means."
    )
    total = f"_All benchmarks took {(time.perf_counter() - started_clock) / 60:.1f} min._"
    report = "\n\n".join([header, *sections, total]) + "\n"
    print(report, flush=True)
    write_atomically(RESULTS, report)
    print(f"results written to {RESULTS.relative_to(REPO)}", flush=True)
    return 0 if all_ran else 1


if __name__ == "__main__":
    sys.exit(main())
