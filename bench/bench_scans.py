"""What reading degraded scans right costs: total CPU of `nbsclean run` against one plain
single-threaded `tesseract -l swe` pass over the same page images, side by side in one run.

    python bench/bench_scans.py [--rounds 2] [--clean-rounds 4]

Two comparisons, each in rounds with the two sides back to back (this machine's speed
drifts; the fastest round of each side is compared):

* **degraded**: `nbsclean run samples/degraded -j 1` (extraction with orientation, deskew,
  binarisation by evidence, the quality verdict and retries, plus repair and the corpus
  writes) against `tesseract PAGE - -l swe` on each of its page images. Target (issue #11):
  at most 1.5x (OCRmyPDF `--rotate-pages --deskew` needs about 3.5x).
* **clean**: on each clean page image of samples/scans, in one process, the whole reading
  strategy (``read_page``: evidence, verdict, retries when poor) against what nbsclean did
  before issue #11, one ``ocr_image`` call: a clean page must cost no more than before
  (at most 1.05x). Its own rounds (``--clean-rounds``, default 4), the side that goes first
  alternating: what it looks for (a few %) is less than one round's noise.

CPU is user + system time of the child processes and their children (Tesseract included),
from getrusage. Prints Markdown on stdout.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NBSCLEAN = Path(sys.executable).parent / "nbsclean"
DEGRADED = REPO / "samples" / "degraded"
CLEAN_PAGES = sorted((REPO / "samples" / "scans").glob("*.input.png"))
DEGRADED_TARGET = 1.5
CLEAN_TARGET = 1.05


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cpu_of(commands: list[list[str]]) -> float:
    """CPU seconds the commands (run one after the other) and their children used."""
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    before = children_cpu()
    for command in commands:
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=True)
    return children_cpu() - before


def tesseract_pass(images: list[Path]) -> list[list[str]]:
    return [["tesseract", str(image), "-", "-l", "swe"] for image in images]


def degraded_images() -> list[Path]:
    return sorted(path for path in DEGRADED.glob("*.input.*") if path.suffix in (".png", ".jpg", ".tif"))


def log(message: str) -> None:
    print(f"bench_scans: {message}", file=sys.stderr, flush=True)


def compare(name: str, nbsclean_commands, images: list[Path], rounds: int) -> tuple[float, float]:
    ours, plain = [], []
    for number in range(1, rounds + 1):
        # The side that goes first alternates: neither profits from the other warming up.
        if number % 2:
            plain.append(cpu_of(tesseract_pass(images)))
            ours.append(cpu_of(nbsclean_commands()))
        else:
            ours.append(cpu_of(nbsclean_commands()))
            plain.append(cpu_of(tesseract_pass(images)))
        log(f"{name} round {number}: nbsclean {ours[-1]:.1f} s, tesseract {plain[-1]:.1f} s")
    return min(ours), min(plain)


def own_and_children_cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime + children_cpu()


def compare_clean(rounds: int) -> tuple[float, float]:
    """(fastest CPU of read_page, fastest CPU of one ocr_image call) over the clean pages."""
    from PIL import Image

    from nbsclean.extract import ExtractOptions
    from nbsclean.extract.ocr import ocr_image
    from nbsclean.extract.reading import read_page
    from nbsclean.repair.lexicon import load_lexicon

    lexicon = load_lexicon()
    options = ExtractOptions()
    pages = [Image.open(path) for path in CLEAN_PAGES]
    for image in pages:
        image.load()

    def cpu_of_before() -> float:
        start = own_and_children_cpu()
        for image in pages:
            ocr_image(image, dpi=300)
        return own_and_children_cpu() - start

    def cpu_of_ours() -> float:
        start = own_and_children_cpu()
        for image in pages:
            read_page(image, options, dpi=300, lexicon=lexicon)
        return own_and_children_cpu() - start

    ours, before = [], []
    for number in range(1, rounds + 1):
        # The side that goes first alternates: neither profits from the other warming up.
        if number % 2:
            before.append(cpu_of_before())
            ours.append(cpu_of_ours())
        else:
            ours.append(cpu_of_ours())
            before.append(cpu_of_before())
        log(f"clean round {number}: read_page {ours[-1]:.2f} s, one ocr_image call {before[-1]:.2f} s")
    return min(ours), min(before)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--clean-rounds", type=int, default=4,
        help="rounds of the clean comparison (cheap: 2 pages; the difference it looks for is a few %%, "
        "less than one round's noise)",
    )
    args = parser.parse_args(argv)
    images = degraded_images()
    with tempfile.TemporaryDirectory(prefix="bench-scans-") as tmp:
        corpus = Path(tmp) / "corpus"

        def run_degraded():
            return [[str(NBSCLEAN), "run", str(DEGRADED), "--include", "*.input.*", "-o", str(corpus), "-j", "1", "--overwrite"]]

        degraded_ours, degraded_plain = compare("degraded", run_degraded, images, args.rounds)
    clean_ours, clean_plain = compare_clean(args.clean_rounds)
    degraded_ratio = degraded_ours / degraded_plain
    clean_ratio = clean_ours / clean_plain
    print("## bench_scans.py: reading degraded scans, CPU against plain Tesseract\n")
    print(
        f"Fastest of {args.rounds} back-to-back rounds (clean pages: of {args.clean_rounds}); "
        "CPU = user + system of the processes and their children.\n"
    )
    print("| pages | nbsclean | CPU s | plain `tesseract -l swe` CPU s | ratio | target | verdict |")
    print("|---|---|---|---|---|---|---|")
    print(
        f"| samples/degraded ({len(images)} page images) | `run -j 1` (incl. repair, corpus) | {degraded_ours:.1f} "
        f"| {degraded_plain:.1f} | {degraded_ratio:.2f}x | <= {DEGRADED_TARGET}x | {'PASS' if degraded_ratio <= DEGRADED_TARGET else 'FAIL'} |"
    )
    print()
    print("| clean pages | reading strategy CPU s | before #11 (one `ocr_image`) CPU s | ratio | target | verdict |")
    print("|---|---|---|---|---|---|")
    print(
        f"| samples/scans PNG pages ({len(CLEAN_PAGES)}) | {clean_ours:.2f} | {clean_plain:.2f} "
        f"| {clean_ratio:.3f}x | <= {CLEAN_TARGET}x | {'PASS' if clean_ratio <= CLEAN_TARGET else 'FAIL'} |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
