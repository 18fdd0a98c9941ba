"""Extraction overhead: nbsclean against the raw `tesseract` command, per scanned page.

    python bench/bench_extract.py [--repeats 3] [--samples samples/scans] [--max-pages N]
    python bench/bench_extract.py --accuracy     # WER of extract + repair per sample instead

For every page that nbsclean OCRs in samples/scans (image-only PDFs, PDFs with a bad
English text layer, page images) this times, in the same run and alternating:

* nbsclean - ``extract_file()`` on that one page (a one-page PDF cut from the sample, or
  the image file): open, text layer, damage estimate, rasterise, Tesseract, TSV → text;
* tesseract - ``tesseract page.png - -l swe`` on the same page image at the same dpi (the
  page rendered by nbsclean's own renderer, saved as PNG beforehand, not timed).

Both run Tesseract with ``OMP_THREAD_LIMIT=1`` (what nbsclean uses: one thread per
worker), so the difference is nbsclean's overhead. The lexicon is loaded before timing (a
run loads it once per process), and one untimed extraction warms the imports. The runs
go in rounds over all pages, and the table keeps the fastest run of each side per page
(timeit's convention) and the median overhead of back-to-back pairs.

Two measures need no comparison across runs, which this VM's speed drift would spoil:
inside each nbsclean run, the time spent waiting for Tesseract is subtracted from the
run's time, leaving nbsclean's own work per page; and valgrind counts the instructions
Tesseract executes as nbsclean runs it and as the raw command runs. The verdict rests on
these two.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from nbsclean.errors import NbscleanError  # noqa: E402
from nbsclean.extract import ExtractOptions, extract_file, sniff_kind  # noqa: E402
from nbsclean.extract.pdf import render_pdf_page  # noqa: E402
from nbsclean.repair.lexicon import load_lexicon  # noqa: E402

TARGET_OVERHEAD = 0.05
TARGET_WER = 0.01


@dataclass
class BenchPage:
    name: str
    nbsclean_input: Path  # what extract_file gets
    page_image: Path  # what the raw tesseract command gets
    kind: str  # "PDF page" or "image file": the two ways nbsclean hands Tesseract a page


def one_page_pdf(document: pdfium.PdfDocument, index: int, path: Path) -> Path:
    single = pdfium.PdfDocument.new()
    single.import_pages(document, [index])
    single.save(str(path))
    single.close()
    return path


def collect_pages(samples: Path, workdir: Path, dpi: int, max_pages: int | None) -> list[BenchPage]:
    """Every OCR'd page of the samples, taken in turn from each sample (first pages first),
    so that the first few pages already cover every kind: bad layer, image-only, PNG."""
    per_source: list[list[BenchPage]] = []
    for source in sorted(samples.glob("*.input.*")):
        name = source.name.split(".input.")[0]
        kind = sniff_kind(source.read_bytes()[:2048])
        if kind == "pdf" and "born-digital" not in name:
            document = pdfium.PdfDocument(str(source))
            pages = []
            for index in range(len(document)):
                stem = workdir / f"{name}-p{index + 1}"
                render_pdf_page(document[index], dpi).save(stem.with_suffix(".png"), dpi=(dpi, dpi))
                pages.append(
                    BenchPage(
                        f"{name} p{index + 1}",
                        one_page_pdf(document, index, stem.with_suffix(".pdf")),
                        stem.with_suffix(".png"),
                        "PDF page",
                    )
                )
            document.close()
            per_source.append(pages)
        elif kind == "image" and source.suffix.lower() == ".png":
            per_source.append([BenchPage(name, source, source, "image file")])
    in_turn = [source[i] for i in range(max(map(len, per_source), default=0)) for source in per_source if i < len(source)]
    return in_turn[:max_pages] if max_pages else in_turn


@dataclass
class Timing:
    wall: float
    in_tesseract: float = 0.0  # of which nbsclean waited for its Tesseract subprocess

    @property
    def own_work(self) -> float:
        """nbsclean's own seconds: opening, deciding, rasterising, writing the image, TSV → text."""
        return self.wall - self.in_tesseract


class TesseractStopwatch:
    """Adds up the wall time pytesseract spends in Tesseract while the block runs.

    This separates nbsclean's own work from Tesseract's inside one and the same run, which
    the machine's speed drift cannot skew: the own work is a few hundredths of a second, the
    drift a share of the whole.
    """

    def __init__(self) -> None:
        self.seconds = 0.0

    def __enter__(self) -> "TesseractStopwatch":
        import pytesseract.pytesseract as internals

        from nbsclean.extract.tesseract_library import _Engine

        # Tesseract runs as a program (orientation detection, or without the library) or
        # in the loaded library (nbsclean.extract.tesseract_library), in a child forked for
        # the reading when it has a time limit: its time is read_tsv_within's, which waits
        # for that child (the fork counted as Tesseract's, as the program's start is).
        self._internals, self._original = internals, internals.run_tesseract
        self._engine, self._original_read = _Engine, _Engine.read_tsv_within
        internals.run_tesseract = self._timed(self._original)
        _Engine.read_tsv_within = self._timed(self._original_read)
        return self

    def _timed(self, function):
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started

        return timed

    def __exit__(self, *exc) -> None:
        self._internals.run_tesseract = self._original
        self._engine.read_tsv_within = self._original_read


def time_nbsclean(page: BenchPage, lexicon, lang: str, dpi: int) -> tuple[Timing, str]:
    with TesseractStopwatch() as stopwatch:
        started = time.perf_counter()
        document = extract_file(page.nbsclean_input, ExtractOptions(lang=lang, dpi=dpi), lexicon=lexicon)
        wall = time.perf_counter() - started
    return Timing(wall, stopwatch.seconds), document.pages[0].method


def time_tesseract(page: BenchPage, lang: str) -> Timing:
    environment = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    command = ["tesseract", str(page.page_image), "-", "-l", lang]
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environment)
    return Timing(time.perf_counter() - started)


def accuracy(samples: Path, lexicon) -> int:
    """WER of extract + repair against the expected text, for every sample; methods per page."""
    from nbsclean.evaluate import wer
    from nbsclean.pipeline import PipelineOptions, process_file

    print("| sample | pages: method | WER raw | WER extract + repair |")
    print("|---|---|---:|---:|")
    worst = 0.0
    for source in sorted(samples.glob("*.input.*")):
        name = source.name.split(".input.")[0]
        expected = (samples / f"{name}.expected.txt").read_text(encoding="utf-8").replace("\f", "\n")
        record = process_file(source, PipelineOptions(), lexicon)
        raw_wer = wer(expected, record["raw_text"].replace("\f", "\n"))
        clean_wer = wer(expected, record["text"].replace("\f", "\n"))
        worst = max(worst, clean_wer)
        methods = ", ".join(f"{page['n']}: {page['method']}" for page in record["pages"])
        print(f"| {name} | {methods} | {raw_wer:.2%} | {clean_wer:.2%} |", flush=True)
    print(f"\nWorst WER after extract + repair: {worst:.2%} (target <= {TARGET_WER:.0%}).")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=Path, default=REPO / "samples" / "scans")
    parser.add_argument("--repeats", type=int, default=3, help="rounds over all pages; each page runs this often per side")
    parser.add_argument("--lang", default="swe")
    parser.add_argument("--dpi", type=int, default=300)
    parser.add_argument("--max-pages", type=int, default=None)
    parser.add_argument("--no-instructions", action="store_true", help="skip the valgrind instruction count")
    parser.add_argument("--accuracy", action="store_true", help="report WER of extract + repair per sample")
    args = parser.parse_args(argv)

    lexicon = load_lexicon()
    if args.accuracy:
        return accuracy(args.samples, lexicon)
    with tempfile.TemporaryDirectory(prefix="nbsclean-bench-") as tmp:
        pages = collect_pages(args.samples, Path(tmp), args.dpi, args.max_pages)
        if not pages:
            print(f"no scanned pages found in {args.samples}", file=sys.stderr)
            return 1
        print(f"# extraction overhead, {len(pages)} pages, {args.repeats} rounds, dpi {args.dpi}, "
              f"lang {args.lang}, OMP_THREAD_LIMIT=1", file=sys.stderr)
        # One untimed run first: the imports of the PDF and OCR libraries and Tesseract's
        # language check happen once per process and are not per-page cost.
        time_nbsclean(pages[0], lexicon, args.lang, args.dpi)
        ours, theirs, methods = time_in_rounds(pages, lexicon, args.lang, args.dpi, args.repeats)
        rows = [page_row(page.name, methods[page.name], ours[page.name], theirs[page.name]) for page in pages]
        # Instructions counted on one page of each kind (a PDF page is rendered, an image
        # file decoded, before Tesseract gets it): the shortest, where any extra weighs most.
        counted: dict[str, tuple[InstructionCounts | None, str]] = {}
        for kind in sorted({page.kind for page in pages}):
            shortest = min((page for page in pages if page.kind == kind), key=lambda page: min(t.wall for t in theirs[page.name]))
            if args.no_instructions:
                counted[shortest.name] = (None, "--no-instructions was given")
            else:
                print(f"  counting Tesseract's instructions on {shortest.name} (valgrind)", file=sys.stderr)
                counted[shortest.name] = count_instructions(shortest, lexicon, args.lang, args.dpi, Path(tmp))
        load = os.getloadavg()[0]
    report(rows, ours, theirs, counted, args, load)
    return 0


def time_in_rounds(pages: list[BenchPage], lexicon, lang: str, dpi: int, rounds: int):
    """Wall times of both sides per page, and the method nbsclean chose for each page."""
    ours: dict[str, list[Timing]] = {page.name: [] for page in pages}
    theirs: dict[str, list[Timing]] = {page.name: [] for page in pages}
    methods: dict[str, str] = {}
    for round_number in range(rounds):
        # Each nbsclean run is paired with a raw run right before or after it (which goes
        # first alternates), and rounds over all pages spread each page's runs over the
        # whole benchmark, so both sides meet this VM's fast and slow phases alike.
        for index, page in enumerate(pages):
            nbsclean_first = (round_number + index) % 2 == 0
            if not nbsclean_first:
                theirs[page.name].append(time_tesseract(page, lang))
            timing, methods[page.name] = time_nbsclean(page, lexicon, lang, dpi)
            ours[page.name].append(timing)
            if nbsclean_first:
                theirs[page.name].append(time_tesseract(page, lang))
        print(f"  round {round_number + 1} of {rounds} done", file=sys.stderr)
    return ours, theirs, methods


@dataclass
class InstructionCounts:
    nbsclean_tesseract: int  # the Tesseract run nbsclean starts, exactly as it starts it
    raw_tesseract: int

    @property
    def difference(self) -> float:
        return (self.nbsclean_tesseract - self.raw_tesseract) / self.raw_tesseract


CACHEGRIND = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null"]


def count_instructions(
    page: BenchPage, lexicon, lang: str, dpi: int, workdir: Path
) -> tuple[InstructionCounts | None, str]:
    """Instructions executed by Tesseract as nbsclean runs it and as the raw command runs.

    Instruction counts (valgrind's cachegrind) do not drift with the machine's speed, so
    they show whether nbsclean's way of running Tesseract (an uncompressed TIFF, TSV
    output, --dpi) costs Tesseract more or less work than ``tesseract page.png -``. Both
    run side by side on the two cores, about 20 times slower than natively. Returns the
    counts, or None and the reason there are none.
    """
    if shutil.which("valgrind") is None:
        return None, "valgrind is not installed (make bench installs it)"
    import pytesseract.pytesseract as internals

    nbsclean_log, raw_log = workdir / "nbsclean.cachegrind", workdir / "raw.cachegrind"
    wrapper = workdir / "tesseract-under-cachegrind"
    command = shlex.join([*CACHEGRIND, f"--log-file={nbsclean_log}", "tesseract"])
    wrapper.write_text(f'#!/bin/sh\nexec {command} "$@"\n')
    wrapper.chmod(0o755)
    environment = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    raw = subprocess.Popen(
        [*CACHEGRIND, f"--log-file={raw_log}", "tesseract", str(page.page_image), "-", "-l", lang],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environment,
    )
    original_command = internals.tesseract_cmd
    internals.tesseract_cmd = str(wrapper)
    # valgrind counts a program's instructions: nbsclean's readings run as the program here,
    # on the same page image with the same settings as the library gets them (the library
    # reads the same, without the program's start-up: tests/test_tesseract_library.py).
    from nbsclean.extract import tesseract_library

    original_engine_for = tesseract_library.engine_for
    tesseract_library.engine_for = lambda lang, version: None
    try:
        extract_file(page.nbsclean_input, ExtractOptions(lang=lang, dpi=dpi), lexicon=lexicon)
        raw.wait()
        return InstructionCounts(_instructions(nbsclean_log), _instructions(raw_log)), ""
    except (NbscleanError, OSError, ValueError) as exc:
        # valgrind cannot run every binary on every CPU: the verdict then says so.
        return None, f"valgrind could not run Tesseract ({exc})"
    finally:
        internals.tesseract_cmd = original_command
        tesseract_library.engine_for = original_engine_for
        raw.wait()


def _instructions(log: Path) -> int:
    match = re.search(r"I\s+refs:\s+([\d,]+)", log.read_text()) if log.exists() else None
    if not match:
        raise ValueError(f"no instruction count in {log.name}")
    return int(match.group(1).replace(",", ""))


def report(rows, ours, theirs, counted: dict[str, tuple[InstructionCounts | None, str]], args, load: float) -> None:
    all_pairs = [pair_overhead(a, b) for row in rows for a, b in zip(ours[row.name], theirs[row.name])]
    paired = statistics.median(all_pairs)
    fastest_ours, fastest_theirs = sum(row.fastest_ours for row in rows), sum(row.fastest_theirs for row in rows)
    own_share = sum(row.own_work for row in rows) / fastest_theirs
    # nbsclean's wall time is its own work plus its Tesseract run; the instruction counts say
    # whether that Tesseract run does more work than the raw command's. Both parts are
    # drift-free. A saving in Tesseract (it reads a TIFF faster than a PNG) is not credited,
    # and the largest extra of the pages counted stands for all pages.
    counts = [result for result, _ in counted.values() if result is not None]
    extra_tesseract_work = max([0.0, *(result.difference for result in counts)])
    overhead = own_share + extra_tesseract_work

    print(f"Extraction overhead per scanned page: {len(rows)} pages, {args.repeats} rounds over all pages after one "
          f"warm-up; dpi {args.dpi}, lang {args.lang}, OMP_THREAD_LIMIT=1, {os.cpu_count()} cores, load average "
          f"{load:.1f}. The raw command reads the page as PNG (`tesseract page.png - -l {args.lang}`); nbsclean "
          "starts from the PDF page or image file. *Paired*: each nbsclean run against the raw run right before "
          "or after it, median over the rounds. *Own work*: nbsclean's wall time minus the time its Tesseract "
          "subprocess took, inside the same run (fastest of the rounds).\n")
    print("| page | method | nbsclean fastest s | tesseract fastest s | fastest vs fastest | paired (median) | "
          "own work s | own work / tesseract |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row.name} | {row.method} | {row.fastest_ours:.2f} | {row.fastest_theirs:.2f} "
            f"| {(row.fastest_ours - row.fastest_theirs) / row.fastest_theirs:+.1%} | {row.paired:+.1%} "
            f"| {row.own_work:.3f} | {row.own_work / row.fastest_theirs:.1%} |"
        )
    print(
        f"| **all {len(rows)} pages** | | **{fastest_ours:.2f}** | **{fastest_theirs:.2f}** "
        f"| **{(fastest_ours - fastest_theirs) / fastest_theirs:+.1%}** | **{paired:+.1%}** "
        f"| **{sum(row.own_work for row in rows):.3f}** | **{own_share:.1%}** |"
    )
    print()
    print("Instructions executed by Tesseract (valgrind cachegrind), as nbsclean runs it and as the raw command:\n")
    for name, (result, reason) in counted.items():
        if result is None:
            print(f"- {name}: not counted: {reason}")
        else:
            print(f"- {name}: {result.nbsclean_tesseract / 1e9:.3f} G against {result.raw_tesseract / 1e9:.3f} G "
                  f"({result.difference:+.1%})")
    print()
    verdict = "PASS" if overhead <= TARGET_OVERHEAD else "FAIL"
    if counts:
        basis = (f"nbsclean's own work, {own_share:.1%} of the raw command's time, plus {extra_tesseract_work:.1%} "
                 "for extra work in Tesseract (the largest extra of the instruction counts)")
    else:
        basis = f"nbsclean's own work, {own_share:.1%} of the raw command's time; no instruction count (see above)"
    print(f"- {verdict}  extraction overhead ≤ {TARGET_OVERHEAD:.0%} against the raw `tesseract` command: "
          f"at most {overhead:+.1%} ({basis}).")
    print("- The direct wall-time comparisons (fastest vs fastest, paired) are printed as measured, but this VM runs "
          "in fast and slow phases in which the same Tesseract command takes 1.2 s or 1.9 s: single runs differ by "
          "up to 30 %, far more than the 5 % to be resolved. The verdict therefore rests on the two drift-free "
          "parts: nbsclean's own seconds per page (hundredths of a second, whose drift is milliseconds) and "
          "Tesseract's instruction counts.")


@dataclass
class PageRow:
    name: str
    method: str
    fastest_ours: float
    fastest_theirs: float
    paired: float  # median of the back-to-back pairs' overhead
    own_work: float  # fastest own work of the nbsclean runs


def pair_overhead(ours: Timing, theirs: Timing) -> float:
    return (ours.wall - theirs.wall) / theirs.wall


def page_row(name: str, method: str, ours: list[Timing], theirs: list[Timing]) -> PageRow:
    return PageRow(
        name,
        method,
        min(t.wall for t in ours),
        min(t.wall for t in theirs),
        statistics.median(pair_overhead(a, b) for a, b in zip(ours, theirs)),
        min(t.own_work for t in ours),
    )


if __name__ == "__main__":
    sys.exit(main())
