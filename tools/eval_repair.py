#!/usr/bin/env python3
"""Score the repair engine on the fixtures: WER, CER and correct words changed.

    python tools/eval_repair.py [DIR ...] [--cases] [--show N] [--categories] [--lexicon DIR]     (make eval)

For every text fixture (``CASE.input.txt`` beside ``CASE.expected.txt``) it repairs the
input and prints, per group, word and character error rates before and after repair and
the share of words that were already correct but were changed (the harm). Rates are
pooled over a group (total errors / total words), so long cases weigh more. ``--show N``
prints the first N remaining word differences and harms per case, for error analysis;
``--categories`` counts, per group, what kind of error is left (a valid word standing for
another, a non-word left, a capitalised non-word at a sentence start or mid-sentence, lost
or extra spaces, case, a dash, a quotation mark, other punctuation),
without showing the words: the way to look at ``samples/heldout``.
``samples/heldout`` is never used for tuning: it is the generalisation check.

When the optional bigram model with journal-digital's newsreel transcripts (CC BY-NC,
``make ngrams-journal``) has been built, a second table gives the same scores with it.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import regex
from rapidfuzz.distance import Levenshtein

from nbsclean.evaluate import align_words, count_changed_correct_words, format_op, words
from nbsclean.repair.lexicon import cache_dir, load_lexicon
from nbsclean.repair.engine import repair_text

DEFAULT_DIRS = ["samples/rendered", "samples/seeds", "samples/heldout", "samples/negative"]


def pairs(directory: Path):
    for expected in sorted(directory.rglob("*.expected.txt")):
        source = expected.with_name(expected.name.replace(".expected.txt", ".input.txt"))
        if source.exists():
            yield source.name.replace(".input.txt", ""), source.read_text(encoding="utf-8"), expected.read_text(encoding="utf-8")


def char_stream(text: str) -> str:
    return " ".join(words(text))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="*", default=DEFAULT_DIRS)
    parser.add_argument("--cases", action="store_true", help="a row per case too")
    parser.add_argument("--show", type=int, default=0, metavar="N", help="show N remaining errors and harms per case")
    parser.add_argument("--categories", action="store_true", help="count the kinds of errors left, per group")
    parser.add_argument("--lexicon", type=Path, help="score with this lexicon directory (default: the packaged one)")
    args = parser.parse_args()
    evaluate(args, load_lexicon(args.lexicon))
    optional = cache_dir() / "lexicon-journal-digital"
    if args.lexicon is None and (optional / "ngrams" / "sv.ngrams").is_file():
        print(f"\nWith the optional bigram model of journal-digital's newsreel transcripts (CC BY-NC 4.0; {optional}):\n")
        evaluate(args, load_lexicon(optional))
    return 0


def evaluate(args: argparse.Namespace, lexicon) -> None:
    header = f"| {'group':<22} | cases | words | WER before | WER after | CER before | CER after | correct changed |"
    print(header)
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
    for directory in map(Path, args.dirs):
        totals = dict(cases=0, words=0, wb=0, wa=0, chars=0, cb=0, ca=0, harmed=0, correct=0)
        kinds: Counter = Counter()
        for name, damaged, expected in pairs(directory):
            repaired = repair_text(damaged, lexicon).text
            ref, ref_chars = words(expected), char_stream(expected)
            row = dict(
                words=len(ref),
                wb=Levenshtein.distance(ref, words(damaged)),
                wa=Levenshtein.distance(ref, words(repaired)),
                chars=len(ref_chars),
                cb=Levenshtein.distance(ref_chars, char_stream(damaged)),
                ca=Levenshtein.distance(ref_chars, char_stream(repaired)),
            )
            row["harmed"], row["correct"] = count_changed_correct_words(damaged, repaired, expected)
            totals["cases"] += 1
            for key, value in row.items():
                totals[key] += value
            if args.cases:
                print(format_row(f"  {name}", 1, row))
            if args.show:
                show_errors(name, damaged, repaired, expected, args.show)
            if args.categories:
                kinds.update(error_kinds(ref, words(repaired), lexicon))
        if totals["cases"]:
            print(format_row(str(directory), totals.pop("cases"), totals))
        if args.categories and totals["words"]:
            shown = ", ".join(f"{kind} {n}" for kind, n in kinds.most_common()) or "none"
            print(f"|   errors left: {shown}")


def format_row(label: str, cases: int, t: dict) -> str:
    def pct(a: int, b: int) -> str:
        return f"{100 * a / b:6.2f} %" if b else "   –   "

    return (
        f"| {label:<22} | {cases:>5} | {t['words']:>5} | {pct(t['wb'], t['words']):>10} | {pct(t['wa'], t['words']):>9} "
        f"| {pct(t['cb'], t['chars']):>10} | {pct(t['ca'], t['chars']):>9} | {pct(t['harmed'], t['correct']):>15} |"
    )


NOT_LETTERS = regex.compile(r"[^\p{L}\p{N}]+")
DASHES = regex.compile(r"[\p{Pd}\u2212]")
QUOTES = regex.compile(r"[\p{Pi}\p{Pf}\"'`´]")
SENTENCE_END = regex.compile(r"[.!?:]\W*$")


def error_kinds(reference: list[str], repaired: list[str], lexicon) -> Counter:
    """What kind of error each remaining difference is (one count per reference word, or
    per change of word count)."""
    kinds: Counter = Counter()
    for op in align_words(reference, repaired):
        if op.tag == "equal":
            continue
        if len(op.before) != len(op.after):
            kinds["split/join"] += 1
            continue
        for offset, (wanted, got) in enumerate(zip(op.before, op.after)):
            at = op.ref_start + offset
            sentence_start = at == 0 or bool(SENTENCE_END.search(reference[at - 1]))
            kinds[error_kind(wanted, got, lexicon, sentence_start)] += 1
    return kinds


def error_kind(wanted: str, got: str, lexicon, sentence_start: bool = False) -> str:
    """The kind of one word error. Punctuation says which marks differ (a dash, a quotation
    mark, other); a capitalised non-word says where it stands: at a sentence start it is
    as likely a damaged common word as a name, mid-sentence most likely a name."""
    core_wanted, core_got = NOT_LETTERS.sub("", wanted), NOT_LETTERS.sub("", got)
    if core_wanted == core_got:
        if DASHES.findall(wanted) != DASHES.findall(got):
            return "punctuation: dash"
        if QUOTES.findall(wanted) != QUOTES.findall(got):
            return "punctuation: quote"
        return "punctuation: other"
    if core_wanted.lower() == core_got.lower():
        return "case"
    if core_got.isalpha() and lexicon.is_known(core_got):  # listed, or a compound of known parts
        return "valid word for another"
    if core_got[:1].isupper() and core_wanted[:1].isupper():
        return "capitalised non-word at a sentence start" if sentence_start else "capitalised non-word mid-sentence (name?)"
    return "non-word"


def show_errors(name: str, damaged: str, repaired: str, expected: str, limit: int) -> None:
    remaining = [op for op in align_words(words(expected), words(repaired)) if op.tag != "equal"]
    print(f"--- {name}: {len(remaining)} differences left (expected → got)", file=sys.stderr)
    for op in remaining[:limit]:
        print("    " + format_op(op), file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
