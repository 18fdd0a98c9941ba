"""Scaling of `nbsclean run`: -j 2 against -j 1 on the same scanned pages, in one run.

    python bench/bench_scaling.py [--pages 8] [--jobs 1,2] [--scans DIR] [--keep DIR]

Renders pages from the archive's sample newsletters (A4 at 300 dpi, a serif font, as a
scanner would deliver them), or takes the page images in --scans DIR. Each job count builds a corpus from the same pages with the real CLI; the table
gives wall times and the speed-up over the first job count, and the outputs are checked to
be identical. Target: >= 1.8x with -j 2 on 2 free cores (other load on the machine lowers it).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

REPO = Path(__file__).resolve().parents[1]
TEXT_SOURCES = sorted((REPO / "samples" / "negative").glob("clean*.input.txt")) + sorted(
    (REPO / "samples" / "seeds").glob("*.expected.txt")
)
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
A4_300DPI = (2480, 3508)
LINES_PER_PAGE = 30  # a typical newsletter page with a picture: OCR takes seconds, not a minute
IMAGE_SUFFIXES = {".png", ".tif", ".tiff", ".jpg", ".jpeg"}


def existing_scans(folder: Path, limit: int) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES)[:limit]


def page_texts(limit: int) -> list[list[str]]:
    """Lines of text for ``limit`` pages, cut from the sample newsletters in turn."""
    lines: list[str] = []
    for source in TEXT_SOURCES:
        for paragraph in source.read_text(encoding="utf-8").replace("*", "").splitlines():
            lines.extend(textwrap.wrap(paragraph, 78) or [""])
    if not lines:
        sys.exit(f"no sample texts found under {REPO / 'samples'}")
    pages = []
    position = 0
    while len(pages) < limit:
        page = [lines[(position + i) % len(lines)] for i in range(LINES_PER_PAGE)]
        pages.append(page)
        position += LINES_PER_PAGE
    return pages


def render_page(lines: list[str]) -> Image.Image:
    font = ImageFont.truetype(FONT, 40)  # about 10 pt at 300 dpi
    image = Image.new("L", A4_300DPI, 255)
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        draw.text((200, 250 + 62 * i), line, font=font, fill=0)
    return image


def prepare_pages(folder: Path, count: int, scans_dir: Path | None) -> tuple[int, str]:
    folder.mkdir(parents=True)
    if scans_dir:
        scans = existing_scans(scans_dir, count)
        if not scans:
            sys.exit(f"no page images in {scans_dir}")
        for scan in scans:
            os.symlink(scan.resolve(), folder / scan.name)
        return len(scans), f"{len(scans)} page image(s) from {scans_dir}"
    for n, lines in enumerate(page_texts(count), start=1):
        render_page(lines).save(folder / f"page{n:02d}.png", dpi=(300, 300))
    return count, f"{count} A4 pages ({LINES_PER_PAGE} lines each) rendered at 300 dpi from the sample newsletters"


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_run(pages: Path, corpus: Path, jobs: int) -> tuple[float, float]:
    """Wall time and CPU time (nbsclean, its workers and Tesseract) of one run."""
    command = [sys.executable, "-m", "nbsclean", "run", str(pages), "-o", str(corpus), "-j", str(jobs), "--ocr", "always"]
    cpu_before = children_cpu_seconds()
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"nbsclean run -j {jobs} failed ({result.returncode}):\n{result.stderr}")
    return elapsed, children_cpu_seconds() - cpu_before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=8)
    parser.add_argument("--jobs", default="1,2", help="comma-separated job counts; the first is the baseline")
    parser.add_argument("--scans", type=Path, help="use the page images in this folder instead of rendering")
    parser.add_argument("--keep", type=Path, help="keep the pages and corpora in this folder")
    args = parser.parse_args()
    job_counts = [int(j) for j in args.jobs.split(",")]

    workdir = args.keep or Path(tempfile.mkdtemp(prefix="nbsclean-bench-"))
    pages = workdir / "pages"
    page_count, described = prepare_pages(pages, args.pages, args.scans)
    times: dict[int, float] = {}
    cpu: dict[int, float] = {}
    outputs: dict[int, bytes] = {}
    load_before = os.getloadavg()[0]
    for jobs in job_counts:
        corpus = workdir / f"corpus-j{jobs}"
        times[jobs], cpu[jobs] = timed_run(pages, corpus, jobs)
        outputs[jobs] = (corpus / "documents.jsonl").read_bytes()

    baseline = times[job_counts[0]]
    cores = len(os.sched_getaffinity(0))
    load_after = os.getloadavg()[0]
    print(f"### nbsclean run scaling: {described}\n")
    print(
        f"Machine: {cores} core(s), 1-minute load average {load_before:.1f} before, {load_after:.1f} after; "
        "OCR with `--ocr always`, Tesseract `swe`, one Tesseract thread per worker.\n"
    )
    print("| jobs | wall time (s) | CPU time (s) | CPU/wall | pages/s | speed-up |")
    print("|---:|---:|---:|---:|---:|---:|")
    for jobs in job_counts:
        print(
            f"| {jobs} | {times[jobs]:.1f} | {cpu[jobs]:.1f} | {cpu[jobs] / times[jobs]:.2f} "
            f"| {page_count / times[jobs]:.2f} | {baseline / times[jobs]:.2f}× |"
        )
    print(
        "\nCPU/wall near the job count means the workers really ran side by side; well below it, "
        "other processes were taking the cores and the speed-up is not meaningful."
    )
    identical = len(set(outputs.values())) == 1
    print(f"\nOutputs identical across job counts: {'yes' if identical else 'NO'}")
    if not args.keep:
        print(f"(work files in {workdir})", file=sys.stderr)
    if not identical:
        sys.exit(1)


if __name__ == "__main__":
    main()
