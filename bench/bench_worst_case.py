"""Worst-case repair benchmark: the time one hostile token costs the repair engine.

Each case is one token that once made the repair explode (issue #10): glued runs of
Swedish words, a repeated syllable, repeated letters, a 5 000-letter word, random letters
from many scripts. Each is repaired as ``"Hej " + token + "."`` with a fresh engine (empty
per-form caches, so nothing is remembered from a previous case), in its own subprocess with
a memory limit and a time-out, so that a regression ends as a FAIL row instead of filling
the machine. Beside each case, for scale, the same engine repairs an ordinary damaged
Swedish text of the same number of characters (first characters of samples/seeds).

Prints Markdown to stdout (progress on stderr) and PASS/FAIL per case against the target
(≤ 50 ms per token). A case that crashes, runs out of memory or out of time is a FAIL row
saying so. Exit code 0 whatever the targets say: the benchmark is a report.

    python bench/bench_worst_case.py [--repeats 3] [--timeout 120] [--memory-mb 2048]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import regex

REPO = Path(__file__).resolve().parent.parent
SEED_TEXT = REPO / "samples" / "seeds" / "seed002.input.txt"
CLEAN_TEXT = REPO / "samples" / "negative" / "clean000.input.txt"
TARGET_MS = 50.0
LETTERS = regex.compile(r"\p{L}+")
SWEDISH_LETTERS = "abcdefghijklmnopqrstuvwxyzåäö"


def log(message: str) -> None:
    print(f"bench_worst_case: {message}", file=sys.stderr, flush=True)


def glued_swedish(letters: int) -> str:
    """The first ``letters`` letters of a clean Swedish text, lower case, spaces removed."""
    words = LETTERS.findall(CLEAN_TEXT.read_text(encoding="utf-8").lower())
    glued = "".join(words)
    while len(glued) < letters:
        glued += glued
    return glued[:letters]


def random_letters(count: int, alphabet: str, seed: int) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(alphabet) for _ in range(count))


def many_scripts(count: int, seed: int) -> str:
    """``count`` random letters from Latin, Greek, Cyrillic, Arabic and CJK blocks."""
    rng = random.Random(seed)
    blocks = [(0x41, 0x5A), (0xC0, 0x17F), (0x391, 0x3C9), (0x410, 0x44F), (0x627, 0x64A), (0x4E00, 0x4FFF)]
    chars = []
    while len(chars) < count:
        low, high = rng.choice(blocks)
        char = chr(rng.randint(low, high))
        if char.isalpha():
            chars.append(char)
    return "".join(chars)


def cases() -> dict[str, str]:
    """Case label → the hostile token."""
    return {
        "glued Swedish, 40 letters (the splitter's range)": glued_swedish(40),
        "glued Swedish, 50 letters (the longest token analysed)": glued_swedish(50),
        "glued Swedish, 130 letters (a lost-space line)": glued_swedish(130),
        "glued Swedish, 500 letters": glued_swedish(500),
        "'ab' × 25": "ab" * 25,
        "'ab' × 250": "ab" * 250,
        "'a' × 30": "a" * 30,
        "'a' × 50": "a" * 50,
        "'a' × 500": "a" * 500,
        "'dé' × 25 (letters OCR confuses most)": "dé" * 25,
        "50 random Swedish letters": random_letters(50, SWEDISH_LETTERS, 10),
        "5 000 random Swedish letters, one word": random_letters(5000, SWEDISH_LETTERS, 10),
        "500 random letters from five scripts": many_scripts(500, 10),
    }


# --- The worker: one case in a fresh process ---------------------------------------------------


def fresh_engine():
    """An engine with empty caches: a new Engine, and the lexicon's compound caches cleared."""
    from nbsclean.repair.confusions import ConfusionModel, load_context_rules
    from nbsclean.repair.engine import Engine
    from nbsclean.repair.lexicon import load_lexicon

    lexicon = load_lexicon()
    lexicon.forget_compounds()
    model = ConfusionModel.from_tsv(lexicon.directory / "confusions.tsv")
    return Engine(lexicon, model, load_context_rules(lexicon.directory / "context.tsv"))


def timed_repair(text: str, repeats: int) -> tuple[float, int]:
    """(median milliseconds over ``repeats`` fresh engines, edits) for ``repair_text(text)``."""
    from nbsclean.edits import apply_edits
    from nbsclean.repair.engine import repair_text

    times, edits = [], 0
    for _ in range(repeats):
        engine = fresh_engine()
        started = time.process_time()
        result = repair_text(text, engine=engine)
        times.append((time.process_time() - started) * 1000)
        if apply_edits(text, result.edits) != result.text:
            raise AssertionError("apply_edits(raw, edits) != text")
        edits = len(result.edits)
    return statistics.median(times), edits


def run_worker(token: str, repeats: int, result_path: Path) -> None:
    from nbsclean.repair.engine import repair_text

    repair_text("Hej på dig.", engine=fresh_engine())  # imports and the lexicon load, untimed
    hostile = f"Hej {token}."
    reference = SEED_TEXT.read_text(encoding="utf-8")[: len(hostile)]
    hostile_ms, edits = timed_repair(hostile, repeats)
    reference_ms, _ = timed_repair(reference, repeats)
    result = {"ms": hostile_ms, "edits": edits, "reference_ms": reference_ms, "reference_chars": len(reference)}
    result_path.write_text(json.dumps(result), encoding="utf-8")


def limit_memory(megabytes: int):
    def apply() -> None:
        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return apply


def run_case(label: str, token: str, options: argparse.Namespace, workdir: Path) -> dict:
    """Run one case in a child process; its result, or what stopped it."""
    token_path, result_path = workdir / "token.txt", workdir / "result.json"
    token_path.write_text(token, encoding="utf-8")
    result_path.unlink(missing_ok=True)
    command = [
        sys.executable, str(Path(__file__).resolve()), "--worker", str(token_path),
        "--result", str(result_path), "--repeats", str(options.repeats),
    ]  # fmt: skip
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=REPO, preexec_fn=limit_memory(options.memory_mb))
    if not _ended_within(process, options.timeout):
        process.kill()
        process.wait()
        return {"stopped": f"no result within the {options.timeout:g} s time-out"}
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen.wait
    seconds = time.perf_counter() - started
    peak_mb = usage.ru_maxrss / 1024
    code = process.returncode
    if code != 0 or not result_path.exists():
        return {"stopped": f"exit code {code} after {seconds:.0f} s (memory limit {options.memory_mb} MB?)", "peak_mb": peak_mb}
    return {**json.loads(result_path.read_text(encoding="utf-8")), "peak_mb": peak_mb}


def _ended_within(process: subprocess.Popen, timeout: float) -> bool:
    """Whether ``process`` ended within ``timeout`` seconds (left unreaped for ``wait4``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
            return True
        time.sleep(0.05)
    return False


# --- Report ------------------------------------------------------------------------------------


def report(results: dict[str, dict], options: argparse.Namespace) -> list[str]:
    lines = [
        "## Repair: worst-case tokens (bench/bench_worst_case.py)",
        "",
        f'Each token repaired as "Hej TOKEN." with a fresh engine (empty caches); CPU ms, median of '
        f"{options.repeats}; in its own process (memory limit {options.memory_mb} MB, time-out {options.timeout:g} s). "
        "*ordinary text* is the same engine on as many characters of samples/seeds/seed002.input.txt, for scale.",
        "",
        "| token | letters | ms | ordinary text, ms | edits | peak MB | target |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    tokens = cases()
    for label, result in results.items():
        if "stopped" in result:
            peak = f"{result['peak_mb']:.0f}" if "peak_mb" in result else "?"
            lines.append(f"| {label} | {len(tokens[label])} | stopped: {result['stopped']} | | | {peak} | FAIL |")
            continue
        passed = "PASS" if result["ms"] <= TARGET_MS else "FAIL"
        lines.append(
            f"| {label} | {len(tokens[label])} | {result['ms']:.1f} | {result['reference_ms']:.1f} | "
            f"{result['edits']} | {result['peak_mb']:.0f} | {passed} |"
        )
    failed = [label for label, result in results.items() if "stopped" in result or result["ms"] > TARGET_MS]
    verdict = "PASS" if not failed else "FAIL"
    lines += ["", f"- {verdict}  every worst-case token ≤ {TARGET_MS:g} ms" + (f" (over: {'; '.join(failed)})" if failed else "")]
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    lines.append(f"\nMachine: {os.cpu_count()} CPUs, load average {load} at the end (CPU time is measured, not wall time).")
    return lines


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="fresh-engine repairs per case (default 3)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds one case may take (default 120)")
    parser.add_argument("--memory-mb", type=int, default=2048, help="address-space limit of a case (default 2048)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    import tempfile

    options = parse_args(argv)
    if options.worker:
        run_worker(Path(options.worker).read_text(encoding="utf-8"), options.repeats, Path(options.result))
        return 0
    results = {}
    with tempfile.TemporaryDirectory(prefix="nbsclean-worst-") as tmp:
        for label, token in cases().items():
            log(f"{label}")
            results[label] = run_case(label, token, options, Path(tmp))
    print("\n".join(report(results, options)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
