"""What writing the searchable PDF and the ALTO pages adds to a run's CPU, side by side.

    python bench/bench_outputs.py [--repeats 2] [--inputs FILE...]

The same inputs (default: the scanned PDFs and page images of samples/scans) go through the
real CLI, `nbsclean run -j 1`, once with `--format jsonl,txt` (the baseline) and once with
`--format jsonl,txt,pdf,alto`, the two back to back in each round so that the machine's
drift hits both alike. CPU is the run's own and its children's (Tesseract) user + system
time. The table gives the median of each side, the ratio of the medians, and the median of
the per-round ratios. Target: the outputs add <= 10 % CPU.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCANS = REPO / "samples" / "scans"
TARGET = 1.10
SIDES = {"baseline (jsonl,txt)": "jsonl,txt", "with pdf,alto": "jsonl,txt,pdf,alto"}


def default_inputs() -> list[Path]:
    return sorted(p for p in SCANS.glob("*.input.*") if p.suffix.lower() in {".pdf", ".png", ".tif", ".tiff"})


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(inputs: Path, formats: str, work: Path) -> float:
    """CPU seconds of one `nbsclean run` (with its Tesseract children)."""
    corpus = work / "corpus"
    if corpus.exists():
        shutil.rmtree(corpus)
    before = children_cpu()
    subprocess.run(
        [sys.executable, "-m", "nbsclean", "-q", "run", str(inputs), "-o", str(corpus), "-j", "1", "--format", formats],
        check=True, stdout=subprocess.DEVNULL, cwd=work,
    )
    return children_cpu() - before


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--inputs", nargs="*", type=Path, default=None)
    args = parser.parse_args()
    files = args.inputs or default_inputs()
    with tempfile.TemporaryDirectory(prefix="nbsclean-bench-outputs-") as directory:
        work = Path(directory)
        inputs = work / "inputs"
        inputs.mkdir()
        for path in files:
            shutil.copy(path, inputs / path.name)
        times: dict[str, list[float]] = {side: [] for side in SIDES}
        for round_number in range(1, args.repeats + 1):
            for side, formats in SIDES.items():
                seconds = run_once(inputs, formats, work)
                times[side].append(seconds)
                print(f"bench_outputs: round {round_number}: {side}: {seconds:.2f} s CPU", file=sys.stderr, flush=True)
    baseline, outputs = (times[side] for side in SIDES)
    ratio = statistics.median(outputs) / statistics.median(baseline)
    round_ratios = [b / a for a, b in zip(baseline, outputs)]
    verdict = "PASS" if ratio <= TARGET else "FAIL"
    print("## PDF and ALTO outputs: added CPU (bench_outputs.py)\n")
    print(f"{len(files)} inputs from samples/scans, `nbsclean run -j 1`, {args.repeats} rounds, sides back to back; "
          "CPU = user + system of the run and its Tesseract children.\n")
    print("| side | CPU s (median) | every round |")
    print("|---|---|---|")
    for side in SIDES:
        print(f"| {side} | {statistics.median(times[side]):.2f} | {', '.join(f'{t:.2f}' for t in times[side])} |")
    print(f"\nRatio of medians: **{ratio:.3f}** (per-round ratios: {', '.join(f'{r:.3f}' for r in round_ratios)}); "
          f"target <= {TARGET:.2f}: **{verdict}**")
    return 0


if __name__ == "__main__":
    sys.exit(main())
