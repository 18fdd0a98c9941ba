"""Repair speed of this working tree against another commit (default: main), side by side.

The other commit is unpacked with ``git archive`` and run with this venv's libraries (as
tools/same_records.py does). Each measurement is one subprocess, and the two trees take turns
(this tree, the other, this tree, ...) so that a load change on a shared machine hits both
alike; the best round of each is reported, with the ratio. Three rows:

- *warm text*: bench_repair.py's benchmark text (the damaged samples, shuffled by paragraph
  and repeated to ``--words`` words), repaired once after a 5 000-word warm-up, as that
  benchmark's nbsclean row does;
- *documents*: ``--docs`` documents of 300-600 words (bench_scale.py's generator), each
  repaired with ``repair_decoded`` and its unknown words counted, as a run's worker does, after
  one warm-up pass over the first 50;
- *worst token*: the largest CPU time over bench_worst_case.py's hostile tokens (one fresh
  engine each, after one untimed token).

CPU seconds of the process (``time.process_time``) are measured, and each worker prints a hash
of what it repaired: the two trees must agree on it (the row says ``same`` or ``DIFFERENT``),
so a speed-up that changes the output shows here too. Prints Markdown; exit code 0 when it
ran (the numbers are a report), 1 when a worker broke.

    python bench/bench_repair_against.py [--against main] [--rounds 2] [--words 500000] [--docs 1000]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"


def log(message: str) -> None:
    print(f"bench_repair_against: {message}", file=sys.stderr, flush=True)


# --- Workers (run in a subprocess with the tree to measure first on sys.path) ------------------


def digest(parts) -> str:
    hashed = hashlib.sha256()
    for part in parts:
        hashed.update(json.dumps(part, ensure_ascii=False, default=str).encode())
    return hashed.hexdigest()[:16]


def worker_warm_text(words: int) -> dict:
    import bench_repair
    from nbsclean.repair.engine import default_engine, repair_text

    paragraphs = bench_repair.paragraphs_of(bench_repair.input_files(bench_repair.SPEED_SOURCES))
    text, _ = bench_repair.build_benchmark_text(paragraphs, words, 20240501)
    engine = default_engine()
    repair_text(bench_repair.prefix_of_words(text, 5000), engine=engine)
    started = time.process_time()
    result = repair_text(text, engine=engine)
    seconds = time.process_time() - started
    return {"units": len(text.split()), "seconds": seconds, "hash": digest([result.text, [list(e) for e in result.edits]])}


def documents(count: int) -> list[str]:
    import random

    from bench_scale import paragraphs

    pool, rng, found = paragraphs(), random.Random(15), []
    for n in range(count):
        target, chosen, words = rng.randint(300, 600), [f"Nyhetsbrev {n}"], 0
        while words < target:
            paragraph = rng.choice(pool)
            chosen.append(paragraph)
            words += len(paragraph.split())
        found.append("\n\n".join(chosen) + "\n")
    return found


def worker_documents(count: int) -> dict:
    from nbsclean.repair.engine import repair_decoded, unknown_words
    from nbsclean.repair.lexicon import load_lexicon

    lexicon, texts = load_lexicon(), documents(count)
    for text in texts[:50]:
        unknown_words(repair_decoded(text, [], lexicon).text, lexicon)
    outputs = []
    started = time.process_time()
    for text in texts:
        result = repair_decoded(text, [], lexicon)
        outputs.append([result.text, [list(e) for e in result.edits], sorted(unknown_words(result.text, lexicon).items())])
    seconds = time.process_time() - started
    return {"units": count, "words": sum(len(t.split()) for t in texts), "seconds": seconds, "hash": digest(outputs)}


def worker_worst_token() -> dict:
    import bench_worst_case
    from nbsclean.repair.engine import repair_text

    repair_text("Hej på dig.", engine=bench_worst_case.fresh_engine())
    worst, label_of_worst, outputs = 0.0, "", []
    for label, token in bench_worst_case.cases().items():
        engine = bench_worst_case.fresh_engine()
        started = time.process_time()
        result = repair_text(f"Hej {token}.", engine=engine)
        seconds = time.process_time() - started
        outputs.append([result.text, [list(e) for e in result.edits]])
        if seconds > worst:
            worst, label_of_worst = seconds, label
    return {"units": 1, "seconds": worst, "label": label_of_worst, "hash": digest(outputs)}


def run_worker(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(BENCH))
    if args.worker == "warm":
        result = worker_warm_text(args.words)
    elif args.worker == "documents":
        result = worker_documents(args.docs)
    else:
        result = worker_worst_token()
    print(json.dumps(result))


# --- Driver ----------------------------------------------------------------------------------


def unpack(commit: str, folder: Path) -> None:
    archive = subprocess.run(["git", "archive", commit], cwd=REPO, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)


def measure(tree: Path, worker: str, args: argparse.Namespace) -> dict:
    """One worker run with ``tree``'s nbsclean (its src/ first on the path) and this script."""
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", worker, "--words", str(args.words), "--docs", str(args.docs)]
    env = dict(os.environ, PYTHONPATH=str(tree / "src"))
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=tree)
    if done.returncode != 0:
        raise RuntimeError(f"{worker} worker on {tree} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--against", default="main", help="the commit to compare with (default main)")
    parser.add_argument("--rounds", type=int, default=2, help="turns per tree and row (default 2; the best is shown)")
    parser.add_argument("--words", type=int, default=500_000, help="words of the warm text (default 500 000)")
    parser.add_argument("--docs", type=int, default=1000, help="documents of the documents row (default 1 000)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        run_worker(args)
        return 0
    rows = [("warm text", "warm", "words/s"), ("documents", "documents", "documents/s"), ("worst token", "worst", "ms")]
    lines = [
        f"## Repair speed: this tree against {args.against} (bench/bench_repair_against.py)",
        "",
        f"CPU time, best of {args.rounds} alternating rounds per tree; *output* compares a hash of everything repaired.",
        "",
        f"| row | this tree | {args.against} | ratio | output |",
        "|---|---:|---:|---:|---|",
    ]
    with tempfile.TemporaryDirectory(prefix="nbsclean-against-") as tmp:
        other = Path(tmp)
        unpack(args.against, other)
        try:
            for label, worker, unit in rows:
                best: dict[str, dict] = {}
                for round_number in range(args.rounds):
                    for name, tree in (("here", REPO), ("other", other)):
                        log(f"{label}: {name}, round {round_number + 1}")
                        result = measure(tree, worker, args)
                        if name not in best or result["seconds"] < best[name]["seconds"]:
                            best[name] = result
                here, there = best["here"], best["other"]
                same = "same" if here["hash"] == there["hash"] else "DIFFERENT"
                if unit == "ms":
                    lines.append(
                        f"| {label} ({here['label']} / {there['label']}) | {1000 * here['seconds']:.1f} ms | "
                        f"{1000 * there['seconds']:.1f} ms | {there['seconds'] / here['seconds']:.2f}× faster | {same} |"
                    )
                else:
                    rate_here, rate_there = here["units"] / here["seconds"], there["units"] / there["seconds"]
                    extra = f" ({here['units']} documents, {here['words']} words)" if worker == "documents" else f" ({here['units']} words)"
                    lines.append(
                        f"| {label}{extra} | {rate_here:,.0f} {unit} | {rate_there:,.0f} {unit} | {rate_here / rate_there:.2f}× | {same} |"
                    )
        except RuntimeError as broken:
            print(str(broken), file=sys.stderr)
            return 1
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    lines.append(f"\nMachine: {os.cpu_count()} CPUs, load average {load} at the end.")
    print("\n".join(lines), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
