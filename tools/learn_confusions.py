#!/usr/bin/env python3
"""Learn the OCR confusion table from aligned damaged/clean pairs.

    python tools/learn_confusions.py [PAIR_DIR ...] [-o lexicons/confusions.tsv]

Each PAIR_DIR holds fixtures ``CASE.input.txt`` beside ``CASE.expected.txt`` (the
``nbsclean check`` layout). Words are aligned with a Levenshtein alignment over the word
sequences; each pair of differing words is aligned character by character, and every
stretch that differs ("é" for "ö", "éi" for "ä", "rn" for "m") is counted. The table
stores, per confusion, how often the intended string was read as the observed one and how
often the intended string occurred at all, so P(observed | intended) is an estimate, not a
guess. ``samples/heldout`` must never be given here: it measures generalisation.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import regex
from rapidfuzz.distance import Levenshtein

# samples/rendered and samples/seeds (the archive's newsletters), and data/confusion-pairs:
# public-domain Swedish prose drawn and OCR'd the same way by tools/make_training_pairs.py,
# for the confusions the newsletters are too short to show often ("4" for "ä", "l" for "i").
DEFAULT_DIRS = ["samples/rendered", "samples/seeds", "data/confusion-pairs"]
WORD = regex.compile(r"[\p{L}\d&|\[€©@§]+")
HYPHEN_BREAK = regex.compile(r"[-\u00ad][ \t]*\n[ \t]*(?=\p{Ll})")
MAX_OBSERVED, MAX_INTENDED = 3, 2
MIN_COUNT = 2
# A confusion seen once is kept only when what OCR wrote holds a character that is never
# Swedish (é, a digit, &): such a rule cannot fire on correct text.
NOISE = regex.compile(r"[^a-zåäö]")


def words(text: str) -> list[str]:
    return [w.lower() for w in WORD.findall(HYPHEN_BREAK.sub("", text))]


def word_pairs(damaged: list[str], clean: list[str]):
    """Pairs (observed, intended) of words the alignment puts in the same place."""
    for op in Levenshtein.opcodes(damaged, clean):
        if op.tag == "equal":
            for i in range(op.src_end - op.src_start):
                yield damaged[op.src_start + i], clean[op.dest_start + i]
        elif op.tag == "replace" and op.src_end - op.src_start == op.dest_end - op.dest_start:
            for i in range(op.src_end - op.src_start):
                yield damaged[op.src_start + i], clean[op.dest_start + i]


def char_confusions(observed: str, intended: str):
    """Stretches that differ between two aligned words, merged with their neighbours."""
    chunks: list[list[int]] = []  # [src_start, src_end, dest_start, dest_end]
    for op in Levenshtein.opcodes(observed, intended):
        if op.tag == "equal":
            continue
        if op.tag == "replace" and op.src_end - op.src_start == op.dest_end - op.dest_start:
            # Same length: independent substitutions ("idns" → "läns" is i→l and d→ä).
            for i in range(op.src_end - op.src_start):
                chunks.append([op.src_start + i, op.src_start + i + 1, op.dest_start + i, op.dest_start + i + 1])
            continue
        if chunks and chunks[-1][1] == op.src_start and chunks[-1][3] == op.dest_start:
            chunks[-1][1], chunks[-1][3] = op.src_end, op.dest_end
        else:
            chunks.append([op.src_start, op.src_end, op.dest_start, op.dest_end])
    for s0, s1, d0, d1 in chunks:
        if s0 == s1:  # OCR dropped something: count it with the preceding character
            if s0 == 0:
                continue
            s0, d0 = s0 - 1, d0 - 1
        if d0 == d1:  # OCR added something: count it with the preceding character
            if d0 == 0:
                continue
            s0, d0 = s0 - 1, d0 - 1
        yield observed[s0:s1], intended[d0:d1]


def learn(directories: list[Path]) -> tuple[Counter, Counter, int]:
    counts: Counter = Counter()
    intended_words: list[str] = []
    cases = 0
    for directory in directories:
        for expected_path in sorted(directory.rglob("*.expected.txt")):
            input_path = expected_path.with_name(expected_path.name.replace(".expected.txt", ".input.txt"))
            if not input_path.exists():
                continue
            cases += 1
            damaged = words(input_path.read_text(encoding="utf-8"))
            clean = words(expected_path.read_text(encoding="utf-8"))
            intended_words.extend(clean)
            for observed, intended in word_pairs(damaged, clean):
                if observed == intended or Levenshtein.normalized_similarity(observed, intended) < 0.5:
                    continue
                for obs, want in char_confusions(observed, intended):
                    if obs and want and len(obs) <= MAX_OBSERVED and len(want) <= MAX_INTENDED:
                        counts[(obs, want)] += 1
    totals: Counter = Counter()
    wanted = {want for _, want in counts}
    joined = " ".join(intended_words)
    for want in wanted:
        totals[want] = joined.count(want)
    return counts, totals, cases


def read_prior(path: Path) -> Counter:
    """Pseudo-counts from lexicons/confusions-prior.tsv (observed, intended, count)."""
    prior: Counter = Counter()
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                observed, intended, count = line.split("\t")
                prior[(observed, intended)] += int(count)
    return prior


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="*", default=DEFAULT_DIRS)
    parser.add_argument("-o", "--output", default="lexicons/confusions.tsv")
    parser.add_argument("--prior", default="lexicons/confusions-prior.tsv", help="pseudo-counts added to what is learned")
    args = parser.parse_args()
    directories = [Path(d) for d in args.dirs]
    if any("heldout" in d.parts for d in directories):
        print("refusing to learn from samples/heldout: it measures generalisation", file=sys.stderr)
        return 1
    counts, totals, cases = learn(directories)
    learned = {key for key, n in counts.items() if n >= MIN_COUNT or NOISE.search(key[0])}
    prior = read_prior(Path(args.prior))
    for key, pseudo in prior.items():
        counts[key] += pseudo
        learned.add(key)
    intended_words = " ".join(words(" ".join(p.read_text(encoding="utf-8") for d in directories for p in d.rglob("*.expected.txt"))))
    for _, want in prior:
        totals[want] = totals[want] or intended_words.count(want)
    rows = sorted(
        ((obs, want, counts[(obs, want)], max(totals[want], counts[(obs, want)])) for obs, want in learned),
        key=lambda r: (r[1], -r[2], r[0]),
    )
    lines = [
        "# OCR confusions: observed <TAB> intended <TAB> count <TAB> intended_total",
        f"# Learned by tools/learn_confusions.py from {cases} aligned pairs in: {', '.join(map(str, directories))},",
        f"# plus the pseudo-counts of {args.prior}",
        f"# (confusions seen at least {MIN_COUNT} times, or once where OCR wrote a non-Swedish character; P(observed | intended) = (count + 0.5) / (intended_total + 1))",
    ]
    lines += [f"{obs}\t{want}\t{n}\t{total}" for obs, want, n, total in rows]
    Path(args.output).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(rows)} confusions from {cases} pairs written to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
