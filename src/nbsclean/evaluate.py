"""Scoring repaired text against a reference: WER, CER, word diffs, changed-correct words.

Pure functions, no I/O. Used by ``nbsclean check`` and by evaluation scripts.

Conventions (the same everywhere in this module):

* Texts are NFC-normalised before scoring, so a decomposed "ö" equals a composed one.
* Words are runs of non-whitespace (``\\S+``); punctuation stays attached to its word, so
  "Sörmland," and "Sörmland" are different words. Whitespace layout (line breaks, double
  spaces, form feeds between pages) does not count in WER, CER or the word diff: the
  character error rate is computed on the words joined by single spaces.
* ``ref`` is the reference (the expected text); ``hyp`` the hypothesis (what the tool
  produced). Rates are edit distance divided by the reference length; an empty reference
  scores 0.0 against an empty hypothesis and 1.0 against anything else.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Literal, Sequence

import regex
from rapidfuzz.distance import Levenshtein

WORD_PATTERN = regex.compile(r"\S+")

OpTag = Literal["equal", "replace", "delete", "insert"]


@dataclass(frozen=True, slots=True)
class Word:
    """One word and where it sits in its (NFC-normalised) text."""

    text: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class DiffOp:
    """One step of a word diff from ``ref`` to ``hyp``.

    ``ref_start:ref_end`` and ``hyp_start:hyp_end`` are word indexes; ``before`` and
    ``after`` are the words themselves. Adjacent changes are merged into one op, so a
    reader sees "[-bdsta Sormland-]{+bästa Sörmland+}" rather than two fragments.
    """

    tag: OpTag
    ref_start: int
    ref_end: int
    hyp_start: int
    hyp_end: int
    before: tuple[str, ...] = field(default=())
    after: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict:
        return {
            "tag": self.tag,
            "ref_start": self.ref_start,
            "ref_end": self.ref_end,
            "hyp_start": self.hyp_start,
            "hyp_end": self.hyp_end,
            "before": " ".join(self.before),
            "after": " ".join(self.after),
        }


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def words_with_offsets(text: str) -> list[Word]:
    """The words of ``text`` (NFC) with their character offsets in the NFC text."""
    return [Word(m.group(), m.start(), m.end()) for m in WORD_PATTERN.finditer(nfc(text))]


def words(text: str) -> list[str]:
    return [w.text for w in words_with_offsets(text)]


def _rate(distance: int, reference_length: int, hypothesis_length: int) -> float:
    if reference_length == 0:
        return 0.0 if hypothesis_length == 0 else 1.0
    return distance / reference_length


def wer(ref: str, hyp: str) -> float:
    """Word error rate: word-level Levenshtein distance / number of reference words."""
    ref_words, hyp_words = words(ref), words(hyp)
    return _rate(Levenshtein.distance(ref_words, hyp_words), len(ref_words), len(hyp_words))


def cer(ref: str, hyp: str) -> float:
    """Character error rate on the words joined by single spaces (layout does not count)."""
    ref_chars, hyp_chars = " ".join(words(ref)), " ".join(words(hyp))
    return _rate(Levenshtein.distance(ref_chars, hyp_chars), len(ref_chars), len(hyp_chars))


def _tag_for(before: Sequence[str], after: Sequence[str]) -> OpTag:
    if before and after:
        return "replace"
    return "delete" if before else "insert"


def align_words(ref_words: Sequence[str], hyp_words: Sequence[str]) -> list[DiffOp]:
    """Word diff of two word lists, with adjacent changes merged into one op."""
    ops: list[DiffOp] = []
    for code in Levenshtein.opcodes(list(ref_words), list(hyp_words)):
        if code.tag == "equal":
            ops.append(
                DiffOp(
                    "equal",
                    code.src_start,
                    code.src_end,
                    code.dest_start,
                    code.dest_end,
                    tuple(ref_words[code.src_start : code.src_end]),
                    tuple(hyp_words[code.dest_start : code.dest_end]),
                )
            )
            continue
        # Levenshtein emits "insert" then "replace" for one edited stretch; a person reads
        # them as a single change, so extend the previous change when they touch.
        ref_start, hyp_start = code.src_start, code.dest_start
        if ops and ops[-1].tag != "equal":
            ref_start, hyp_start = ops[-1].ref_start, ops[-1].hyp_start
            ops.pop()
        before = tuple(ref_words[ref_start : code.src_end])
        after = tuple(hyp_words[hyp_start : code.dest_end])
        ops.append(DiffOp(_tag_for(before, after), ref_start, code.src_end, hyp_start, code.dest_end, before, after))
    return ops


def word_diff(ref: str, hyp: str) -> list[DiffOp]:
    """Word diff from ``ref`` to ``hyp``: equal stretches and merged changes, in order."""
    return align_words(words(ref), words(hyp))


def changes(ops: Sequence[DiffOp]) -> list[DiffOp]:
    return [op for op in ops if op.tag != "equal"]


def format_op(op: DiffOp) -> str:
    """The plain-text form of one op: ``[-removed-]{+added+}`` (git's --word-diff=plain)."""
    if op.tag == "equal":
        return " ".join(op.before)
    removed = f"[-{' '.join(op.before)}-]" if op.before else ""
    added = f"{{+{' '.join(op.after)}+}}" if op.after else ""
    return removed + added


def _correct_input_words(input_words: Sequence[str], expected_words: Sequence[str]) -> set[int]:
    """Indexes of input words that the alignment to the expected text keeps unchanged."""
    correct: set[int] = set()
    for op in align_words(input_words, expected_words):
        if op.tag == "equal":
            correct.update(range(op.ref_start, op.ref_end))
    return correct


def _changed_input_words(input_words: Sequence[str], output_words: Sequence[str]) -> set[int]:
    """Indexes of input words that the tool replaced or deleted."""
    changed: set[int] = set()
    for op in align_words(input_words, output_words):
        if op.tag != "equal":
            changed.update(range(op.ref_start, op.ref_end))
    return changed


def count_changed_correct_words(input: str, output: str, expected: str) -> tuple[int, int]:
    """(correct input words the tool changed, correct input words) — see below."""
    input_words = words(input)
    correct = _correct_input_words(input_words, words(expected))
    changed = _changed_input_words(input_words, words(output))
    return len(correct & changed), len(correct)


def changed_correct_words(input: str, output: str, expected: str) -> float:
    """Share of the words already correct in ``input`` that ``output`` changed.

    A word is *correct* when aligning the input to the expected text keeps it as is; it is
    *changed* when aligning the input to the output replaces or deletes it. This is the
    harm a repair does (false corrections), which WER alone hides behind its gains.
    Returns 0.0 when the input has no correct words.
    """
    harmed, correct = count_changed_correct_words(input, output, expected)
    return harmed / correct if correct else 0.0


def score_repair(damaged: str, repaired: str, expected: str) -> dict:
    """Before/after scores of one repair against its expected text.

    Keys: ``wer_before``, ``wer_after``, ``cer_before``, ``cer_after`` (rates against the
    expected text), ``correct_changed`` (see :func:`changed_correct_words`), ``words``
    (number of words in the expected text).
    """
    return {
        "wer_before": wer(expected, damaged),
        "wer_after": wer(expected, repaired),
        "cer_before": cer(expected, damaged),
        "cer_after": cer(expected, repaired),
        "correct_changed": changed_correct_words(damaged, repaired, expected),
        "words": len(words(expected)),
    }
