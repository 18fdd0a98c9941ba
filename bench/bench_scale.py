"""Scale of `nbsclean run` on many small text documents, resume of a complete corpus, and
repair of long texts: time, CPU and peak memory side by side in one run.

    python bench/bench_scale.py [--docs 10000] [--repair-words 1000000,5000000] [--keep DIR]

Rows (all in one run, so the machine's drift touches every row alike):

* ``run -j 1``, ``run -j 2`` and ``run --executor dask -j 2`` (two local single-thread
  workers) on the same ``--docs`` text documents of 300-600 words, cut from the sample
  newsletters' clean text with a fixed seed (every document different);
* ``run --resume`` of the complete corpus (nothing left to do: the cost of reading it);
* ``repair`` of one text of N words (``--repair-words``) in a fresh process.

Peak memory is the largest sum of the resident set sizes of the process *tree* (the driver,
its pool workers or Dask processes, Tesseract), sampled every 50 ms; CPU is the tree's user
+ system time. Targets (issue #15) are printed as PASS/FAIL lines; a failed target is a
finding, not an error.
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
TEXT_SOURCES = sorted((REPO / "samples" / "negative").glob("clean*.input.txt")) + sorted(
    (REPO / "samples" / "seeds").glob("*.expected.txt")
) + sorted((REPO / "samples" / "rendered").glob("*.input.txt"))
SAMPLE_SECONDS = 0.05


@dataclass
class Measure:
    label: str
    seconds: float
    cpu: float
    peak_mb: float
    units: int = 0  # documents or words handled

    @property
    def rate(self) -> float:
        return self.units / self.seconds if self.seconds else 0.0


def paragraphs() -> list[str]:
    found: list[str] = []
    for source in TEXT_SOURCES:
        text = source.read_text(encoding="utf-8").replace("\f", "\n")
        found.extend(p.strip() for p in text.split("\n\n") if len(p.split()) >= 8)
    if not found:
        sys.exit(f"no sample texts under {REPO / 'samples'}")
    return found


def write_documents(folder: Path, count: int, seed: int = 15) -> None:
    """``count`` different text documents of 300-600 words, in 100 sub-folders."""
    pool = paragraphs()
    rng = random.Random(seed)
    for n in range(count):
        target = rng.randint(300, 600)
        chosen: list[str] = [f"Nyhetsbrev {n}"]
        words = 0
        while words < target:
            paragraph = rng.choice(pool)
            chosen.append(paragraph)
            words += len(paragraph.split())
        sub = folder / f"{n % 100:02d}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"doc{n:06d}.txt").write_text("\n\n".join(chosen) + "\n", encoding="utf-8")


def long_text(words: int, seed: int = 16) -> str:
    pool = paragraphs()
    rng = random.Random(seed)
    parts: list[str] = []
    count = 0
    while count < words:
        paragraph = rng.choice(pool)
        parts.append(paragraph)
        count += len(paragraph.split())
    return "\n\n".join(parts)


def tree_rss_mb(process: psutil.Process) -> float:
    """Resident MB of ``process`` and every descendant alive now."""
    members = [process]
    try:
        members += process.children(recursive=True)
    except psutil.Error:
        pass
    rss = 0
    for member in members:
        try:
            rss += member.memory_info().rss
        except psutil.Error:
            continue
    return rss / 2**20


def children_cpu_seconds() -> float:
    """User + system time of every finished child of this process and their waited-for
    descendants (the driver waits for its workers, so their time is counted)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measured(label: str, command: list[str], units: int) -> Measure:
    """Run ``command``; sample its process tree for peak memory and CPU until it ends."""
    cpu_before = children_cpu_seconds()
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as stderr:
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr, text=True)
        process = psutil.Process(child.pid)
        peak = 0.0
        while child.poll() is None:
            peak = max(peak, tree_rss_mb(process))
            time.sleep(SAMPLE_SECONDS)
        elapsed = time.perf_counter() - started
        if child.returncode != 0:
            stderr.seek(0)
            sys.exit(f"{label} failed with exit code {child.returncode}:\n{stderr.read()[-2000:]}")
    return Measure(label, elapsed, children_cpu_seconds() - cpu_before, peak, units)


def nbsclean(*args: str) -> list[str]:
    return [sys.executable, "-m", "nbsclean", "-q", *args]


def repair_command(text_file: Path) -> list[str]:
    return nbsclean("repair", str(text_file))


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10000)
    parser.add_argument("--repair-words", default="1000000,5000000")
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask row")
    parser.add_argument("--keep", type=Path, help="keep inputs and corpora in this folder")
    args = parser.parse_args()

    workdir = args.keep or Path(tempfile.mkdtemp(prefix="nbsclean-scale-"))
    inputs = workdir / "inputs"
    if not inputs.exists():
        write_documents(inputs, args.docs)
    rows: list[Measure] = []
    corpora = {}
    configurations = [("run -j 1", ["-j", "1"]), ("run -j 2", ["-j", "2"])]
    if not args.no_dask:
        configurations.append(("run --executor dask -j 2", ["-j", "2", "--executor", "dask"]))
    for label, extra in configurations:
        corpus = workdir / f"corpus-{len(corpora)}"
        shutil.rmtree(corpus, ignore_errors=True)
        rows.append(measured(label, nbsclean("run", str(inputs), "-o", str(corpus), *extra), args.docs))
        corpora[label] = corpus
    first = corpora["run -j 1"]
    resume = measured("run --resume (complete corpus)", nbsclean("run", str(inputs), "-o", str(first), "--resume", "-j", "1"), args.docs)
    rows.append(resume)
    for words in [int(w) for w in args.repair_words.split(",") if w]:
        text_file = workdir / f"repair-{words}.txt"
        text_file.write_text(long_text(words), encoding="utf-8")
        rows.append(measured(f"repair of {words:,} words".replace(",", " "), repair_command(text_file), words))

    identical = len({(c / "documents.jsonl").read_bytes() for c in corpora.values()}) == 1
    print(f"### Scale: {args.docs} text documents of 300-600 words, resume, long texts\n")
    print(f"Machine: {psutil.cpu_count()} core(s), load average {psutil.getloadavg()[0]:.1f} at the end.\n")
    print("| row | seconds | CPU s | peak MB (process tree) | per second |")
    print("|---|---:|---:|---:|---:|")
    for row in rows:
        unit = "words/s" if row.label.startswith("repair") else "docs/s"
        print(f"| {row.label} | {row.seconds:.1f} | {row.cpu:.1f} | {row.peak_mb:.0f} | {row.rate:,.0f} {unit} |".replace(",", " "))
    print(f"\nCorpora of every executor identical: {'yes' if identical else 'NO'}\n")
    by_label = {row.label: row for row in rows}
    one, two = by_label["run -j 1"], by_label["run -j 2"]
    print(f"- {verdict(resume.peak_mb <= 200 and resume.seconds <= 2)}: resume of the complete corpus ≤ 200 MB and ≤ 2 s "
          f"({resume.peak_mb:.0f} MB, {resume.seconds:.1f} s)")
    print(f"- {verdict(one.seconds / two.seconds >= 1.7)}: -j 2 ≥ 1.7× -j 1 ({one.seconds / two.seconds:.2f}×)")
    if "run --executor dask -j 2" in by_label:
        dask = by_label["run --executor dask -j 2"]
        print(f"- {verdict(dask.seconds <= 1.2 * two.seconds)}: Dask within 1.2× of the local pool ({dask.seconds / two.seconds:.2f}×)")
    for row in rows:
        if row.label.startswith("repair"):
            limit = 200 if row.units <= 1_000_000 else 400
            print(f"- {verdict(row.peak_mb <= limit)}: {row.label} ≤ {limit} MB peak ({row.peak_mb:.0f} MB)")
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    if not identical:
        sys.exit(1)


if __name__ == "__main__":
    main()
