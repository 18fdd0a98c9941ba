"""Repair benchmark: nbsclean against a symspellpy + wordfreq baseline, side by side.

One run, one damaged text of at least 500 000 words (the damaged inputs of samples/rendered,
samples/seeds and samples/heldout, shuffled by paragraph with a fixed seed and repeated), and
for each tool: words per second, peak memory and — on the same run — word error rate before
and after repair on samples/rendered + samples/seeds. Then the cold start of
``nbsclean repair`` on one page. Every measurement runs in its own subprocess so that its
peak memory (taken from the kernel's rusage of that child) belongs to that tool alone.

Prints Markdown to stdout (progress on stderr) and PASS/FAIL per target. The exit code is 0
when the benchmark ran, whatever the targets say (it is a report); non-zero only when the
benchmark itself broke.

    python bench/bench_repair.py [--min-words 500000] [--baseline-prefix-words 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import regex

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"
# Inputs of the speed text; quality is measured on the pairs that have hand-checked references.
SPEED_SOURCES = ("rendered", "seeds", "heldout")
QUALITY_SOURCES = ("rendered", "seeds")
# Clean Swedish that is not part of the speed text: primes caches with the language only.
LANGUAGE_WARMUP_SOURCE = "negative"
COLD_START_PAGE = SAMPLES / "seeds" / "seed002.input.txt"

TARGET_WORDS_PER_SECOND = 200_000
TARGET_COLD_SECONDS = 1.0
TARGET_PEAK_MB = 250.0

WORKER_TIMEOUT_SECONDS = 1200
PARAGRAPH_BREAK = regex.compile(r"\n[ \t]*\n\s*")
# A word for the baseline: letters, with the digits OCR puts in place of letters ("S6rmland").
BASELINE_WORD = regex.compile(r"[\p{L}\p{M}\d]*\p{L}[\p{L}\p{M}\d]*")


def log(message: str) -> None:
    print(f"bench_repair: {message}", file=sys.stderr, flush=True)


# --- The benchmark text ----------------------------------------------------------------------


def input_files(sources: tuple[str, ...]) -> list[Path]:
    return [path for source in sources for path in sorted((SAMPLES / source).glob("*.input.txt"))]


def paragraphs_of(paths: list[Path]) -> list[str]:
    found = []
    for path in paths:
        found += [p.strip() for p in PARAGRAPH_BREAK.split(path.read_text(encoding="utf-8")) if p.strip()]
    return found


def build_benchmark_text(paragraphs: list[str], min_words: int, seed: int) -> tuple[str, int]:
    """Shuffled copies of ``paragraphs`` (a fresh shuffle per copy, one seeded generator)
    until the text holds ``min_words`` whitespace-separated words; returns (text, copies)."""
    rng = random.Random(seed)
    chosen: list[str] = []
    words = copies = 0
    while words < min_words:
        copy = list(paragraphs)
        rng.shuffle(copy)
        chosen += copy
        words += sum(len(p.split()) for p in copy)
        copies += 1
    return "\n\n".join(chosen) + "\n", copies


def prefix_of_words(text: str, count: int) -> str:
    """The shortest prefix of ``text`` holding ``count`` whitespace-separated words (or all)."""
    for index, match in enumerate(regex.finditer(r"\S+", text), start=1):
        if index == count:
            return text[: match.end()]
    return text


def word_count(text: str) -> int:
    return len(text.split())


# --- Quality on the hand-checked pairs -------------------------------------------------------


def quality_pairs() -> list[tuple[str, str]]:
    """(damaged input, expected text) for every pair in the quality sources."""
    pairs = []
    for path in input_files(QUALITY_SOURCES):
        expected = path.with_name(path.name.replace(".input.txt", ".expected.txt"))
        if not expected.exists():
            raise FileNotFoundError(f"{path} has no expected text {expected.name}")
        pairs.append((path.read_text(encoding="utf-8"), expected.read_text(encoding="utf-8")))
    return pairs


def measure_quality(repair) -> dict:
    """Word-weighted WER before/after and the share of correct input words the tool changed."""
    from nbsclean.evaluate import count_changed_correct_words, wer, words

    pairs = quality_pairs()
    reference_words = errors_before = errors_after = harmed = correct = 0.0
    for damaged, expected in pairs:
        repaired = repair(damaged)
        n = len(words(expected))
        reference_words += n
        errors_before += wer(expected, damaged) * n
        errors_after += wer(expected, repaired) * n
        changed, kept_correct = count_changed_correct_words(damaged, repaired, expected)
        harmed += changed
        correct += kept_correct
    return {
        "documents": len(pairs),
        "reference_words": int(reference_words),
        "wer_before": errors_before / reference_words,
        "wer_after": errors_after / reference_words,
        "correct_changed": harmed / correct if correct else 0.0,
        "correct_words": int(correct),
    }


# --- Workers (each runs in its own subprocess) -------------------------------------------------


def worker_nbsclean(text_path: Path, warmup_words: int) -> dict:
    """Warm nbsclean on the full text: engine loaded, one ~5 000-word warm-up, then timed."""
    from nbsclean.repair.engine import default_engine, repair_text

    text = text_path.read_text(encoding="utf-8")
    started = time.perf_counter()
    engine = default_engine()
    load_seconds = time.perf_counter() - started
    log(f"nbsclean: engine loaded in {load_seconds:.2f} s; warm-up on {warmup_words} words")
    repair_text(prefix_of_words(text, warmup_words), engine=engine)
    log(f"nbsclean: repairing {word_count(text)} words")
    started, cpu_started = time.perf_counter(), time.process_time()
    result = repair_text(text, engine=engine)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    log(f"nbsclean: {seconds:.1f} s; measuring quality")
    quality = measure_quality(lambda damaged: repair_text(damaged, engine=engine).text)
    return {
        "words": word_count(text),
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "load_seconds": load_seconds,
        "edits": len(result.edits),
        "quality": quality,
    }


def worker_nbsclean_distinct(text_path: Path) -> dict:
    """nbsclean on one copy of the distinct material with a fresh engine, warmed on other text.

    The full benchmark text repeats its material, so after the first copy every word form is
    in the engine's per-form caches. This row shows the speed when every form is new.
    """
    from nbsclean.repair.engine import default_engine, repair_text

    text = text_path.read_text(encoding="utf-8")
    engine = default_engine()
    language_only = "\n\n".join(paragraphs_of(input_files((LANGUAGE_WARMUP_SOURCE,))))
    repair_text(language_only, engine=engine)
    started, cpu_started = time.perf_counter(), time.process_time()
    repair_text(text, engine=engine)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    return {
        "words": word_count(text),
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "warmup_words": word_count(language_only),
    }


def build_symspell():
    """symspellpy with wordfreq's large Swedish list as counts, edit distance 2, prefix 7."""
    from symspellpy import SymSpell
    from wordfreq import get_frequency_dict

    speller = SymSpell(max_dictionary_edit_distance=2, prefix_length=7)
    entries = 0
    for word, frequency in get_frequency_dict("sv", "large").items():
        count = round(frequency * 1e9)
        if count > 0:
            speller.create_dictionary_entry(word, count)
            entries += 1
    return speller, entries


def symspell_corrector(speller, memo: dict | None):
    """A function text -> text that replaces each word token by symspell's top suggestion,
    keeping punctuation and whitespace; with ``memo`` it looks each distinct form up once."""
    from symspellpy import Verbosity

    def correct_word(word: str) -> str:
        suggestions = speller.lookup(
            word, Verbosity.TOP, max_edit_distance=2, include_unknown=True, transfer_casing=True
        )
        return suggestions[0].term if suggestions else word

    def correct_word_memo(match) -> str:
        word = match.group()
        found = memo.get(word)
        if found is None:
            found = memo[word] = correct_word(word)
        return found

    def correct(text: str) -> str:
        if memo is None:
            return BASELINE_WORD.sub(lambda m: correct_word(m.group()), text)
        return BASELINE_WORD.sub(correct_word_memo, text)

    return correct


def worker_symspell(text_path: Path, prefix_words: int) -> dict:
    text = text_path.read_text(encoding="utf-8")
    log("symspell: building the dictionary from wordfreq sv (large)")
    started = time.perf_counter()
    speller, entries = build_symspell()
    build_seconds = time.perf_counter() - started
    log(f"symspell: {entries} entries in {build_seconds:.1f} s")

    per_token_text = prefix_of_words(text, prefix_words) if prefix_words else text
    log(f"symspell: lookup per token on {word_count(per_token_text)} words")
    started, cpu_started = time.perf_counter(), time.process_time()
    symspell_corrector(speller, None)(per_token_text)
    per_token_seconds, per_token_cpu = time.perf_counter() - started, time.process_time() - cpu_started

    log(f"symspell: with a per-form memo on {word_count(text)} words")
    started, cpu_started = time.perf_counter(), time.process_time()
    symspell_corrector(speller, {})(text)
    memo_seconds, memo_cpu = time.perf_counter() - started, time.process_time() - cpu_started

    log("symspell: measuring quality")
    quality = measure_quality(symspell_corrector(speller, {}))
    return {
        "entries": entries,
        "build_seconds": build_seconds,
        "per_token_words": word_count(per_token_text),
        "per_token_seconds": per_token_seconds,
        "per_token_cpu_seconds": per_token_cpu,
        "per_token_is_prefix": per_token_text != text,
        "memo_words": word_count(text),
        "memo_seconds": memo_seconds,
        "memo_cpu_seconds": memo_cpu,
        "quality": quality,
    }


def run_worker(args: argparse.Namespace) -> None:
    text_path = Path(args.text)
    if args.worker == "nbsclean":
        result = worker_nbsclean(text_path, args.warmup_words)
    elif args.worker == "nbsclean-distinct":
        result = worker_nbsclean_distinct(text_path)
    else:
        result = worker_symspell(text_path, args.baseline_prefix_words)
    Path(args.result).write_text(json.dumps(result), encoding="utf-8")


# --- Subprocesses with their own peak memory ----------------------------------------------------


@dataclass
class ChildRun:
    returncode: int
    seconds: float
    cpu_seconds: float
    peak_mb: float


def run_child(command: list[str], stdout=subprocess.DEVNULL, timeout: float = WORKER_TIMEOUT_SECONDS) -> ChildRun:
    """Run ``command``; wall time and the child's own peak RSS (``wait4`` rusage, not the
    RUSAGE_CHILDREN maximum, which would mix in every earlier child)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=stdout, stderr=None, cwd=REPO)
    killer = threading.Timer(timeout, process.kill)
    killer.start()
    try:
        _, status, usage = os.wait4(process.pid, 0)
    finally:
        killer.cancel()
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen.wait
    cpu_seconds = usage.ru_utime + usage.ru_stime
    return ChildRun(process.returncode, seconds, cpu_seconds, usage.ru_maxrss / 1024)  # Linux: KiB


class BenchmarkBroke(Exception):
    pass


def run_worker_child(kind: str, text_path: Path, workdir: Path, options: argparse.Namespace) -> tuple[dict, ChildRun]:
    result_path = workdir / f"{kind}.json"
    command = [
        sys.executable, str(Path(__file__).resolve()), "--worker", kind, "--text", str(text_path),
        "--result", str(result_path), "--warmup-words", str(options.warmup_words),
        "--baseline-prefix-words", str(options.baseline_prefix_words),
    ]  # fmt: skip
    child = run_child(command)
    if child.returncode != 0 or not result_path.exists():
        raise BenchmarkBroke(f"the {kind} worker failed with exit code {child.returncode}")
    return json.loads(result_path.read_text(encoding="utf-8")), child


def nbsclean_executable() -> str:
    beside_python = Path(sys.executable).parent / "nbsclean"
    return str(beside_python) if beside_python.exists() else "nbsclean"


def cold_start(command: list[str], runs: int) -> dict:
    """One untimed run (builds the lexicon cache when its sources changed), then ``runs``."""
    first = run_child(command)
    if first.returncode != 0:
        return {"error": f"exit code {first.returncode}", "first_seconds": first.seconds}
    timed = [run_child(command) for _ in range(runs)]
    failed = [t.returncode for t in timed if t.returncode != 0]
    if failed:
        return {"error": f"exit code {failed[0]}", "first_seconds": first.seconds}
    seconds = [t.seconds for t in timed]
    return {
        "first_seconds": first.seconds,
        "median": statistics.median(seconds),
        "min": min(seconds),
        "max": max(seconds),
        "median_cpu": statistics.median(t.cpu_seconds for t in timed),
        "peak_mb": max(t.peak_mb for t in timed),
    }


# --- Report ------------------------------------------------------------------------------------


def thousands(n: float) -> str:
    return f"{n:,.0f}".replace(",", "\u202f")  # narrow no-break space, as Swedish style writes it


def percent(share: float) -> str:
    return f"{share * 100:.2f} %"


def wer_cell(quality: dict) -> str:
    return f"{percent(quality['wer_before'])} → {percent(quality['wer_after'])}"


def table_row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def speed_rows(nbs: dict, nbs_child: ChildRun, distinct: dict, distinct_child: ChildRun, sym: dict, sym_child: ChildRun) -> list[str]:
    nq, sq = nbs["quality"], sym["quality"]
    per_token_label = "symspellpy ED2, lookup per token"
    if sym["per_token_is_prefix"]:
        full = sym["memo_words"] * sym["per_token_seconds"] / sym["per_token_words"]
        per_token_label += (
            f" — timed on the first {thousands(sym['per_token_words'])} words only; "
            f"words/s extrapolated, full text ≈ {full:.0f} s"
        )
    rows = [
        ("nbsclean, warm, full text", nbs["words"], nbs["seconds"], nbs["cpu_seconds"], nbs_child.peak_mb, nq),
        (
            "nbsclean, one copy of the distinct material, fresh per-form caches",
            distinct["words"], distinct["seconds"], distinct["cpu_seconds"], distinct_child.peak_mb, nq,
        ),
        (
            per_token_label, sym["per_token_words"], sym["per_token_seconds"], sym["per_token_cpu_seconds"],
            sym_child.peak_mb, sq,
        ),
        (
            "symspellpy ED2, per-form memo, full text", sym["memo_words"], sym["memo_seconds"],
            sym["memo_cpu_seconds"], sym_child.peak_mb, sq,
        ),
    ]  # fmt: skip
    lines = [
        table_row(["tool", "words", "seconds", "CPU s", "words/s", "peak MB", "WER before→after", "correct changed"]),
        "|---|---:|---:|---:|---:|---:|---|---:|",
    ]
    for label, words, seconds, cpu_seconds, peak, quality in rows:
        lines.append(
            table_row([
                label, thousands(words), f"{seconds:.2f}", f"{cpu_seconds:.2f}", thousands(words / seconds), f"{peak:.0f}",
                wer_cell(quality), percent(quality["correct_changed"]),
            ])  # fmt: skip
        )
    return lines


def cold_rows(repair: dict, imports: dict, page_words: int) -> list[str]:
    lines = [
        table_row(["command", "median s", "min s", "max s", "median CPU s", "peak MB"]),
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, result in (
        (f"`nbsclean repair {COLD_START_PAGE.relative_to(REPO)} > /dev/null` ({page_words} words)", repair),
        ('`python -c "import nbsclean.cli"` (for reference)', imports),
    ):
        if "error" in result:
            lines.append(table_row([label, f"failed: {result['error']}", "", "", "", ""]))
            continue
        numbers = [result[key] for key in ("median", "min", "max", "median_cpu")]
        lines.append(table_row([label, *(f"{x:.3f}" for x in numbers), f"{result['peak_mb']:.0f}"]))
    return lines


def verdict(passed: bool) -> str:
    return "PASS" if passed else "FAIL"


def target_lines(nbs: dict, nbs_child: ChildRun, distinct_child: ChildRun, repair: dict) -> list[str]:
    rate = nbs["words"] / nbs["seconds"]
    peaks = {"warm full-text run": nbs_child.peak_mb, "distinct-material run": distinct_child.peak_mb}
    if "error" not in repair:
        peaks["`nbsclean repair` on one page"] = repair["peak_mb"]
    worst = max(peaks, key=peaks.get)
    if "error" in repair:
        cold = f"- FAIL  `nbsclean repair` on one page ≤ {TARGET_COLD_SECONDS:g} s from a cold start: not measurable ({repair['error']})"
    else:
        cold = (
            f"- {verdict(repair['median'] <= TARGET_COLD_SECONDS)}  `nbsclean repair` on one page "
            f"≤ {TARGET_COLD_SECONDS:g} s from a cold start: median {repair['median']:.3f} s"
        )
    return [
        f"- {verdict(rate >= TARGET_WORDS_PER_SECOND)}  warm speed ≥ {thousands(TARGET_WORDS_PER_SECOND)} words/s: "
        f"{thousands(rate)} words/s",
        cold,
        f"- {verdict(peaks[worst] <= TARGET_PEAK_MB)}  peak memory ≤ {TARGET_PEAK_MB:g} MB: {peaks[worst]:.0f} MB "
        f"(largest nbsclean process: {worst})",
    ]


def load_average() -> tuple[float, float, float]:
    return os.getloadavg()


def machine_line(load_at_start: tuple[float, float, float]) -> str:
    import nbsclean

    load_at_end = load_average()
    shown = [" / ".join(f"{x:.1f}" for x in load) for load in (load_at_start, load_at_end)]
    busy = max(load_at_start[0], load_at_end[0]) > (os.cpu_count() or 1)
    warning = (
        " — more runnable processes than CPUs: other work shared the machine, so wall times are inflated "
        "(the CPU s columns are less affected)"
        if busy
        else ""
    )
    return (
        f"Machine: {os.cpu_count()} CPUs; load average (1/5/15 min) {shown[0]} at the start, {shown[1]} at the end"
        f"{warning}; Python {platform.python_version()}; nbsclean {getattr(nbsclean, '__version__', '?')}."
    )


# --- Orchestration -----------------------------------------------------------------------------


def run_benchmark(options: argparse.Namespace) -> int:
    load_at_start = load_average()
    paragraphs = paragraphs_of(input_files(SPEED_SOURCES))
    distinct_text = "\n\n".join(paragraphs) + "\n"
    text, copies = build_benchmark_text(paragraphs, options.min_words, options.seed)
    forms = {w for w in BASELINE_WORD.findall(distinct_text)}
    with tempfile.TemporaryDirectory(prefix="nbsclean-bench-") as tmp:
        workdir = Path(tmp)
        text_path, distinct_path = workdir / "benchmark.txt", workdir / "distinct.txt"
        text_path.write_text(text, encoding="utf-8")
        distinct_path.write_text(distinct_text, encoding="utf-8")
        log(f"benchmark text: {word_count(text)} words, {copies} shuffled copies, in {text_path}")

        nbs, nbs_child = run_worker_child("nbsclean", text_path, workdir, options)
        distinct, distinct_child = run_worker_child("nbsclean-distinct", distinct_path, workdir, options)
        sym, sym_child = run_worker_child("symspell", text_path, workdir, options)

        log(f"cold start: `nbsclean repair` and `import nbsclean.cli`, {options.cold_runs} timed runs each")
        repair_cold = cold_start([nbsclean_executable(), "repair", str(COLD_START_PAGE)], options.cold_runs)
        import_cold = cold_start([sys.executable, "-c", "import nbsclean.cli"], options.cold_runs)

    nq = nbs["quality"]
    out = [
        "## Repair: speed, memory and quality (bench/bench_repair.py)",
        "",
        f"Text: {thousands(word_count(text))} words (whitespace-split), {len(text.encode()) / 1e6:.1f} MB — "
        f"the damaged inputs of samples/{', samples/'.join(SPEED_SOURCES)} "
        f"({thousands(word_count(distinct_text))} words, {thousands(len(forms))} distinct word forms), "
        f"shuffled by paragraph (seed {options.seed}), {copies} copies.",
        f"Quality on the same run: samples/{' + samples/'.join(QUALITY_SOURCES)} "
        f"({nq['documents']} documents, {thousands(nq['reference_words'])} reference words; WER word-weighted; "
        "*correct changed* = share of the input's already-correct words that the tool changed).",
        "",
        *speed_rows(nbs, nbs_child, distinct, distinct_child, sym, sym_child),
        "",
        f"nbsclean engine load: {nbs['load_seconds']:.2f} s; warm-up: the first {thousands(options.warmup_words)} words "
        "of the text. The distinct-material row uses a fresh process warmed on samples/negative instead "
        f"({thousands(distinct['warmup_words'])} clean words), so every damaged form is new to its caches.",
        f"The material repeats every {thousands(word_count(distinct_text))} words, so after the first copy every "
        "word form is in nbsclean's per-form caches (and in the baseline's memo): the full-text rows measure the "
        "cached path, the distinct-material row the uncached one. An archive of new text lies in between — most of "
        "its tokens are frequent forms that repeat.",
        f"Baseline dictionary: {thousands(sym['entries'])} entries from wordfreq sv (large), built in "
        f"{sym['build_seconds']:.1f} s (not in the rates above); max_dictionary_edit_distance=2, prefix_length=7. "
        "Both symspellpy rows come from one process, so they share its peak memory.",
        "",
        "### Cold start",
        "",
        *cold_rows(repair_cold, import_cold, word_count(COLD_START_PAGE.read_text(encoding="utf-8"))),
        "",
        f"Median of {options.cold_runs} runs after one untimed run "
        f"({repair_cold['first_seconds']:.2f} s), which builds the lexicon cache when its sources "
        "changed since the last run (once per change of the lexicon sources).",
        "",
        "### Targets",
        "",
        *target_lines(nbs, nbs_child, distinct_child, repair_cold),
        "",
        machine_line(load_at_start),
    ]
    print("\n".join(out), flush=True)
    return 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--min-words", type=int, default=500_000, help="size of the benchmark text (default 500000)")
    parser.add_argument("--seed", type=int, default=20240501, help="paragraph shuffle seed")
    parser.add_argument("--warmup-words", type=int, default=5_000, help="nbsclean warm-up slice (default 5000)")
    parser.add_argument(
        "--baseline-prefix-words",
        type=int,
        default=100_000,
        help="time symspell's per-token lookup on this many words and extrapolate (0 = the full text)",
    )
    parser.add_argument("--cold-runs", type=int, default=5, help="timed cold-start runs (default 5)")
    parser.add_argument("--worker", choices=["nbsclean", "nbsclean-distinct", "symspell"], help=argparse.SUPPRESS)
    parser.add_argument("--text", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    if options.worker:
        run_worker(options)
        return 0
    try:
        return run_benchmark(options)
    except (BenchmarkBroke, FileNotFoundError, OSError) as exc:
        print(f"bench_repair: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
