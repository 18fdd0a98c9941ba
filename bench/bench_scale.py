"""Scale of `nbsclean run` on many small text documents, resume of a complete corpus, and
repair of long texts: time, CPU and peak memory side by side in one run.

    python bench/bench_scale.py [--docs 10000] [--small-docs 1000] [--large-docs 100000]
                                [--repair-words 1000000,5000000]
                                [--baseline 26e5951] [--no-dask] [--keep DIR]

Rows (all in one run, so the machine's drift touches every row alike):

* ``baseline run -j 2``: the code of ``--baseline`` (default: the last commit before issue
  #15's work), unpacked from git into a temporary folder and run with this venv, on the same
  documents - the "today" of the issue's "≥ 3× today's documents per second";
* ``run -j 1``, ``run -j 2`` and ``run --executor dask -j 2`` (two local single-thread
  workers) on the same ``--docs`` text documents of 300-600 words, cut from the sample
  newsletters' clean text with a fixed seed (every document different);
* ``run --resume`` of the complete corpus (nothing left to do: the cost of reading it), of
  a corpus of its first ``--small-docs`` documents, and of a synthetic complete corpus of
  ``--large-docs`` documents (the full corpus's real records copied for more generated
  inputs, see :func:`synthetic_corpus`), to show whether memory grows with the corpus;
* ``repair`` of one text of N words (``--repair-words``) in a fresh process.

Peak memory is the largest sum of the resident set sizes of the process *tree* (the driver,
its pool workers or Dask processes, Tesseract), each address space once (a vfork child
before its exec shares its parent's: see tree_rss_mb), sampled every 50 ms; CPU is the tree's user
+ system time; "driver CPU" is the main process's own, as last sampled (within 50 ms of its
end), and per document. On a shared machine the wall-time ratios drift; the CPU columns do
not. Targets (issue #15) are printed as PASS/FAIL lines; a failed target is a finding, not
an error.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
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
BASELINE_COMMIT = "26e5951"  # the last commit before issue #15's work (streaming resume, group commit, chunks)


@dataclass
class Measure:
    label: str
    seconds: float
    cpu: float
    peak_mb: float
    units: int = 0  # documents or words handled
    driver_cpu: float = 0.0  # the main process's own user + system time

    @property
    def driver_ms_per_unit(self) -> float:
        return 1000 * self.driver_cpu / self.units if self.units else 0.0

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
    """Resident MB of ``process`` and every descendant alive now, each address space once.

    A child made by ``vfork`` (how Python's subprocess starts a program, e.g. the driver
    asking Tesseract its version) shares its parent's memory until it calls ``exec``; its
    resident size then *is* the parent's, and summing both counted the driver twice (203 MB
    once against ~112 MB). A member whose address space is that of a member already counted
    is skipped (:func:`same_address_space`). Forked pool workers have address spaces of
    their own and are counted, each with its whole resident size (pages still shared with
    the driver after the fork count in both: an upper bound)."""
    members = [process]
    try:
        members += process.children(recursive=True)
    except psutil.Error:
        pass
    rss = 0
    counted: list[psutil.Process] = []
    for member in members:
        try:
            if any(same_address_space(member, other) for other in counted):
                continue
            rss += member.memory_info().rss
        except psutil.Error:
            continue
        counted.append(member)
    return rss / 2**20


KCMP_VM = 1  # <linux/kcmp.h>
SYS_KCMP = {"x86_64": 312, "aarch64": 272}.get(os.uname().machine)


def same_address_space(one: psutil.Process, other: psutil.Process) -> bool:
    """Whether two processes share one address space (a vfork child before its exec and its
    parent): Linux's ``kcmp(KCMP_VM)``, exact. Where kcmp is not available, a child whose
    program is still its parent's and whose memory figures are the parent's to the byte."""
    result = _kcmp(one.pid, other.pid)
    if result is not None:
        return result == 0
    try:
        return (
            one.ppid() == other.pid and one.exe() == other.exe() and one.memory_info() == other.memory_info()
        )
    except psutil.Error:
        return False


def _kcmp(pid1: int, pid2: int) -> int | None:
    """kcmp(pid1, pid2, KCMP_VM): 0 when they share the address space; None when the call
    is not there (another system, a kernel without it, no permission)."""
    if SYS_KCMP is None or not sys.platform.startswith("linux"):
        return None
    import ctypes

    libc = _libc()
    result = libc.syscall(SYS_KCMP, pid1, pid2, KCMP_VM, 0, 0)
    if result < 0:
        if ctypes.get_errno() == 3:  # ESRCH: one of them has ended; nothing to count twice
            return 1
        return None
    return result


_LIBC = None


def _libc():
    global _LIBC
    if _LIBC is None:
        import ctypes

        _LIBC = ctypes.CDLL(None, use_errno=True)
    return _LIBC


def children_cpu_seconds() -> float:
    """User + system time of every finished child of this process and their waited-for
    descendants (the driver waits for its workers, so their time is counted)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measured(label: str, command: list[str], units: int, env: dict | None = None) -> Measure:
    """Run ``command``; sample its process tree for peak memory and CPU until it ends."""
    cpu_before = children_cpu_seconds()
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as stderr:
        child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr, text=True, env=env)
        process = psutil.Process(child.pid)
        peak = 0.0
        driver_cpu = 0.0
        while child.poll() is None:
            peak = max(peak, tree_rss_mb(process))
            try:
                times = process.cpu_times()
                driver_cpu = times.user + times.system
            except psutil.Error:
                pass
            time.sleep(SAMPLE_SECONDS)
        elapsed = time.perf_counter() - started
        if child.returncode != 0:
            stderr.seek(0)
            sys.exit(f"{label} failed with exit code {child.returncode}:\n{stderr.read()[-2000:]}")
    return Measure(label, elapsed, children_cpu_seconds() - cpu_before, peak, units, driver_cpu)


def nbsclean(*args: str) -> list[str]:
    return [sys.executable, "-m", "nbsclean", "-q", *args]


def repair_command(text_file: Path) -> list[str]:
    return nbsclean("repair", str(text_file))


def baseline_environment(commit: str, workdir: Path) -> dict:
    """An environment that runs ``commit``'s nbsclean (``git archive`` into ``workdir``) with
    this venv's libraries; its lexicon cache is built once here, outside the timed rows."""
    tree = workdir / f"baseline-{commit}"
    if not (tree / "src" / "nbsclean").is_dir():
        tree.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "-C", str(REPO), "archive", commit], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    env = dict(os.environ, PYTHONPATH=str(tree / "src"))
    warm = workdir / "warm.txt"
    warm.write_text("Det ar en bra dag.\n", encoding="utf-8")
    subprocess.run(nbsclean("repair", str(warm)), env=env, check=True, stdout=subprocess.DEVNULL, cwd=workdir)
    return env


def small_corpus(full: Path, small_inputs: Path, target: Path) -> None:
    """The corpus of the documents of ``small_inputs`` taken out of the ``full`` corpus (their
    lines, text files and the manifest), as if it had been made from those inputs alone."""
    wanted = {hashlib_sha256(path) for path in small_inputs.rglob("*.txt")}
    shutil.rmtree(target, ignore_errors=True)
    (target / "text").mkdir(parents=True)
    with open(full / "documents.jsonl", "rb") as source, open(target / "documents.jsonl", "wb") as out:
        for line in source:
            record = json.loads(line)
            if record["sha256"] in wanted:
                out.write(line)
                name = f"{record['id']}.txt"
                shutil.copyfile(full / "text" / name, target / "text" / name)
    shutil.copyfile(full / "manifest.json", target / "manifest.json")


def synthetic_corpus(full: Path, docs: int, inputs: Path, target: Path, count: int) -> None:
    """A complete corpus of ``count`` documents written quickly, for resuming only.

    Its inputs are ``write_documents(inputs, count)``: with the same seed the first
    ``docs`` of them are the documents of the ``full`` corpus (made by a real run), whose
    records and text files are taken as they are. Each later input gets a copy of the record
    of document ``n % docs`` (the same size and fields) under its own id, sha256, size and
    source, and that record's text file: a journal that says every input is done, as a
    real run would leave it, without repairing ``count`` documents first. Resume reads
    records, hashes inputs and lists text files; it does not compare texts with inputs.
    """
    shutil.rmtree(target, ignore_errors=True)
    (target / "text").mkdir(parents=True)
    shutil.copyfile(full / "manifest.json", target / "manifest.json")
    offsets = {}  # document number -> where its record starts in the full journal
    with open(full / "documents.jsonl", "rb") as source:
        while line := source.readline():
            source_name = re.search(rb'"source":"[^"]*doc(\d+)\.txt"', line)
            offsets[int(source_name.group(1))] = source.tell() - len(line)
    if len(offsets) != docs:
        sys.exit(f"the full corpus has {len(offsets)} records, not {docs}")
    with open(full / "documents.jsonl", "rb") as source, open(target / "documents.jsonl", "wb") as out:
        for n in range(count):
            source.seek(offsets[n % docs])
            record = json.loads(source.readline())
            text_name = f"{record['id']}.txt"
            if n >= docs:
                path = inputs / f"{n % 100:02d}" / f"doc{n:06d}.txt"
                data = path.read_bytes()
                sha256 = hashlib.sha256(data).hexdigest()
                record = dict(record, id=sha256[:16], sha256=sha256, bytes=len(data),
                              source=str(Path(record["source"]).parent.parent / path.parent.name / path.name))
            os.link(full / "text" / text_name, target / "text" / f"{record['id']}.txt")
            out.write((json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8"))


def hashlib_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10000)
    parser.add_argument("--small-docs", type=int, default=1000, help="the smaller corpus resumed beside the full one")
    parser.add_argument("--large-docs", type=int, default=100000,
                        help="a larger corpus resumed beside the full one: the full corpus's records copied for "
                             "generated inputs (see synthetic_corpus; 0: none)")
    parser.add_argument("--repair-words", default="1000000,5000000")
    parser.add_argument("--baseline", default=BASELINE_COMMIT, help="commit of the baseline row ('' for none)")
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask row")
    parser.add_argument("--keep", type=Path, help="keep inputs and corpora in this folder")
    args = parser.parse_args()

    workdir = args.keep or Path(tempfile.mkdtemp(prefix="nbsclean-scale-"))
    inputs = workdir / "inputs"
    if not inputs.exists():
        write_documents(inputs, args.docs)
    rows: list[Measure] = []
    corpora = {}
    if args.baseline:
        env = baseline_environment(args.baseline, workdir)
        corpus = workdir / "corpus-baseline"
        shutil.rmtree(corpus, ignore_errors=True)
        rows.append(measured(f"baseline run -j 2 ({args.baseline})", nbsclean("run", str(inputs), "-o", str(corpus), "-j", "2"),
                             args.docs, env=env))
    configurations = [("run -j 1", ["-j", "1"]), ("run -j 2", ["-j", "2"])]
    if not args.no_dask:
        configurations.append(("run --executor dask -j 2", ["-j", "2", "--executor", "dask"]))
    for label, extra in configurations:
        corpus = workdir / f"corpus-{len(corpora)}"
        shutil.rmtree(corpus, ignore_errors=True)
        rows.append(measured(label, nbsclean("run", str(inputs), "-o", str(corpus), *extra), args.docs))
        corpora[label] = corpus
    first = corpora["run -j 1"]
    resumes = []
    if 0 < args.small_docs < args.docs:
        small_inputs = workdir / f"inputs-{args.small_docs}"
        if not small_inputs.exists():
            write_documents(small_inputs, args.small_docs)  # the same seed: the first documents of the full set
        small = workdir / f"corpus-{args.small_docs}"
        small_corpus(first, small_inputs, small)
        resumes.append(measured(f"run --resume (complete corpus of {args.small_docs})",
                                nbsclean("run", str(small_inputs), "-o", str(small), "--resume", "-j", "1"), args.small_docs))
    resumes.append(measured(f"run --resume (complete corpus of {args.docs})",
                            nbsclean("run", str(inputs), "-o", str(first), "--resume", "-j", "1"), args.docs))
    if args.large_docs > args.docs:
        large_inputs = workdir / f"inputs-{args.large_docs}"
        if not large_inputs.exists():
            write_documents(large_inputs, args.large_docs)  # the same seed: the full set comes first
        large = workdir / f"corpus-{args.large_docs}"
        synthetic_corpus(first, args.docs, large_inputs, large, args.large_docs)
        resumes.append(measured(f"run --resume (complete synthetic corpus of {args.large_docs})",
                                nbsclean("run", str(large_inputs), "-o", str(large), "--resume", "-j", "1"), args.large_docs))
        if not args.keep:
            shutil.rmtree(large, ignore_errors=True)
            shutil.rmtree(large_inputs, ignore_errors=True)
    rows.extend(resumes)
    resume = next(row for row in resumes if row.units == args.docs)
    for words in [int(w) for w in args.repair_words.split(",") if w]:
        text_file = workdir / f"repair-{words}.txt"
        text_file.write_text(long_text(words), encoding="utf-8")
        rows.append(measured(f"repair of {words:,} words".replace(",", " "), repair_command(text_file), words))

    identical = len({(c / "documents.jsonl").read_bytes() for c in corpora.values()}) == 1
    print(f"### Scale: {args.docs} text documents of 300-600 words, resume, long texts\n")
    print(f"Machine: {psutil.cpu_count()} core(s), load average {psutil.getloadavg()[0]:.1f} at the end.\n")
    print("| row | seconds | CPU s (tree) | driver CPU s | driver ms/unit | peak MB (tree) | per second |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        unit = "words/s" if row.label.startswith("repair") else "docs/s"
        print(f"| {row.label} | {row.seconds:.1f} | {row.cpu:.1f} | {row.driver_cpu:.1f} | {row.driver_ms_per_unit:.3f} "
              f"| {row.peak_mb:.0f} | {row.rate:,.0f} {unit} |".replace(",", " "))
    print(f"\nCorpora of every executor identical: {'yes' if identical else 'NO'}\n")
    by_label = {row.label: row for row in rows}
    one, two = by_label["run -j 1"], by_label["run -j 2"]
    print(f"- {verdict(resume.peak_mb <= 200 and resume.seconds <= 2)}: resume of the complete corpus ≤ 200 MB and ≤ 2 s "
          f"({resume.peak_mb:.0f} MB, {resume.seconds:.1f} s)")
    if len(resumes) > 1:
        largest = resumes[-1]
        print(f"- {verdict(largest.peak_mb <= 1.2 * resumes[0].peak_mb)}: resume memory flat (≤ 1.2× from the smallest "
              "to the largest corpus: " + ", ".join(f"{row.units} documents {row.peak_mb:.0f} MB" for row in resumes) + ")")
    print(f"- {verdict(one.seconds / two.seconds >= 1.7)}: -j 2 ≥ 1.7× -j 1 ({one.seconds / two.seconds:.2f}× wall; "
          f"CPU of the tree {two.cpu / one.cpu:.2f}× of -j 1's)")
    baseline = next((row for row in rows if row.label.startswith("baseline")), None)
    if baseline is not None:
        print(f"- {verdict(two.rate >= 3 * baseline.rate)}: -j 2 ≥ 3× the baseline's documents per second "
              f"({two.rate / baseline.rate:.2f}×; CPU {baseline.cpu:.1f} s → {two.cpu:.1f} s)")
    if "run --executor dask -j 2" in by_label:
        dask = by_label["run --executor dask -j 2"]
        print(f"- {verdict(dask.seconds <= 1.2 * two.seconds)}: Dask within 1.2× of the local pool ({dask.seconds / two.seconds:.2f}×; "
              f"CPU {dask.cpu / two.cpu:.2f}×)")
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
