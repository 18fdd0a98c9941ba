"""The lexicon's shortcuts give exactly what the long way gives: the compound scorer's
bounds (heads that cannot beat the best split, nested first parts that cannot count) skip
only work whose answer could not change the score."""

from __future__ import annotations

import random
from pathlib import Path

import regex

from nbsclean.repair.lexicon import (
    COMPOUND_NORM,
    COMPOUND_REVIEW_BELOW,
    MAX_COMPOUND_LENGTH,
    MAX_SHORT_HEAD_ZIPF,
    MIN_COMPOUND_HEAD_ZIPF,
    MIN_COMPOUND_LENGTH,
    MIN_COMPOUND_PART_ZIPF,
    MIN_COMPOUND_ZIPF,
    MIN_SHORT_MODIFIER_ZIPF,
    Lexicon,
    _modifier_stems,
)

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
SWEDISH_LETTERS = "abcdefghijklmnopqrstuvwxyzåäö"


def _compound_long_way(lexicon: Lexicon, lower: str, depth: int = 0) -> float:
    """Every cut, every modifier stem, every nested first part scored in full (no bound, no
    memory): the compound model as its docstring states it."""
    if not MIN_COMPOUND_LENGTH - depth <= len(lower) <= MAX_COMPOUND_LENGTH or depth > 1 or not lower.isalpha():
        return 0.0
    best, found = 0.0, False
    for cut in range(3, len(lower) - 2):
        head = lower[cut:]
        head_value = lexicon.frequencies.get(head, 0)
        if head_value < MIN_COMPOUND_HEAD_ZIPF * 100 or (len(head) == 3 and head_value >= MAX_SHORT_HEAD_ZIPF * 100):
            continue
        head_zipf = head_value / 100
        for stem in _modifier_stems(lower[:cut], head):
            stem_zipf = lexicon.frequencies.get(stem, 0) / 100
            if stem_zipf < COMPOUND_REVIEW_BELOW and depth == 0 and len(stem) >= 6:
                stem_zipf = max(stem_zipf, _compound_long_way(lexicon, stem, depth=1))
            needed = MIN_SHORT_MODIFIER_ZIPF if len(stem) <= 3 else MIN_COMPOUND_PART_ZIPF
            if stem_zipf >= needed:
                found = True
                best = max(best, min(stem_zipf + head_zipf - COMPOUND_NORM - depth, stem_zipf, head_zipf))
    return max(best, MIN_COMPOUND_ZIPF) if found else 0.0


def _fresh(lexicon: Lexicon) -> Lexicon:
    """The same tables with empty caches (the order of questions must not matter either)."""
    return Lexicon(
        lexicon.sha256, lexicon.directory, lexicon.frequencies, lexicon.domain_words, lexicon.domain_forms,
        lexicon.english, lexicon.english_any, lexicon.valid_forms, lexicon.layers, lexicon.proper_nouns,
    )  # fmt: skip


def _sample_words() -> set[str]:
    """Every word of every sample text (inputs and expected texts: what `make eval` reads),
    with its first and last parts of compound length: the first parts a split tries."""
    words: set[str] = set()
    for path in sorted(SAMPLES.rglob("*.txt")):
        words.update(w.lower() for w in regex.findall(r"\p{L}+", path.read_text(encoding="utf-8")))
    parts = {w[:k] for w in words for k in range(MIN_COMPOUND_LENGTH - 1, len(w))}
    parts |= {w[-k:] for w in words for k in range(MIN_COMPOUND_LENGTH, len(w))}
    return words | parts


def _hostile_words(rng: random.Random) -> set[str]:
    """Runs of one letter or syllable, with a letter or two changed (what the confusion
    walk reaches from them), random letters, and glued common words."""
    hostile: set[str] = set()
    for letter in SWEDISH_LETTERS:
        for size in (7, 12, 20, 30, 40):
            hostile.add(letter * size)
    for unit in ("a", "ab", "an", "de", "er", "ta"):
        base = unit * (30 // len(unit))
        for _ in range(300):
            chars = list(base)
            for _ in range(rng.randint(1, 2)):
                chars[rng.randrange(len(chars))] = rng.choice("aeåäöostn")
            hostile.add("".join(chars))
    for _ in range(500):
        hostile.add("".join(rng.choice(SWEDISH_LETTERS) for _ in range(rng.randint(7, 40))))
    common = ["och", "att", "det", "som", "för", "barn", "skola", "arbete", "stöd", "samverkan", "hälsa", "plan"]
    for _ in range(500):
        hostile.add("".join(rng.choice(common) for _ in range(rng.randint(2, 5))))
    return hostile


def test_compound_scores_are_the_long_ways_on_sample_words(lexicon):
    fast = _fresh(lexicon)
    words = sorted(w for w in _sample_words() if len(w) >= MIN_COMPOUND_LENGTH)
    assert len(words) > 5000
    for word in words:
        assert fast.compound_zipf(word) == _compound_long_way(lexicon, word), word


def test_compound_scores_are_the_long_ways_on_hostile_tokens(lexicon):
    words = sorted(_hostile_words(random.Random(15)))
    expected = {word: _compound_long_way(lexicon, word) for word in words}
    # in another order too, with other memories: what the nested memory holds must not
    # change an answer
    for order in (words, random.Random(16).sample(words, len(words))):
        fast = _fresh(lexicon)
        for word in order:
            assert fast.compound_zipf(word) == expected[word], word
