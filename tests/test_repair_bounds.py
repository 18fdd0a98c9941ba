"""The repair engine under hostile text: bounded work, and edits that still replay.

Glued runs of words, repeated letters and syllables, random Unicode and huge tokens once
made one token cost minutes and gigabytes (a 5 000-letter word ended in RecursionError).
The engine now bounds the work per token (repair/engine.py: MAX_WORD_LENGTH and the
MAX_*_STEPS budgets). These tests check that every such text still gives edits with
``apply_edits(raw, edits) == text``; pytest-timeout turns a hang into a failure. How fast
the worst tokens are is measured in bench/bench_worst_case.py, not asserted here.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import regex
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from nbsclean.edits import apply_edits, validate_edits
from nbsclean.repair import engine as engine_module
from nbsclean.repair.engine import default_engine, is_unknown, repair_text

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
EXAMPLES = int(os.environ.get("NBSCLEAN_PROPERTY_EXAMPLES", "60"))
HOSTILE_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# Generous: a hostile example costs well under a second now; before the bounds one took minutes.
pytestmark = pytest.mark.timeout(300)

SWEDISH_WORDS = sorted(
    {w for w in regex.findall(r"\p{L}+", (SAMPLES / "negative" / "clean000.input.txt").read_text(encoding="utf-8").lower())}
)
# Letters the confusion table reads most ways (a, d, é, o, i, l), and others.
LETTERS = "adéoilsnrtbeåäö6&|"


def assert_replays(text: str) -> None:
    result = repair_text(text)
    validate_edits(text, result.edits)
    assert apply_edits(text, result.edits) == result.text


glued_run = st.lists(st.sampled_from(SWEDISH_WORDS), min_size=2, max_size=120).map("".join)
repeated_letter = st.builds(lambda c, n: c * n, st.sampled_from(LETTERS), st.integers(1, 700))
repeated_syllable = st.builds(
    lambda s, n: s * n, st.text(alphabet=LETTERS, min_size=2, max_size=4), st.integers(1, 300)
)
random_unicode = st.text(max_size=400)
hostile_token = st.one_of(glued_run, repeated_letter, repeated_syllable, random_unicode)


@HOSTILE_SETTINGS
@given(st.lists(hostile_token, min_size=1, max_size=4), st.sampled_from([" ", "\n", ". ", ""]))
@example(["ab" * 250], " ")  # issue #10: 10.7 GB and more than six minutes before the bounds
@example(["a" * 5000], " ")  # issue #10: RecursionError in the reachability walk
def test_hostile_text_gives_edits_that_replay(tokens, separator):
    assert_replays("Hej " + separator.join(tokens) + ".")


@HOSTILE_SETTINGS
@given(st.text(alphabet=LETTERS + "ABDOS \n", min_size=1, max_size=600))
def test_long_noisy_runs_give_edits_that_replay(text):
    assert_replays(text)


def test_a_5000_letter_word_is_left_alone_and_listed_as_unknown():
    word = "ab" * 2500
    result = repair_text(f"Hej {word}.")
    assert result.text == f"Hej {word}." and result.edits == []
    assert result.unknown[word] == 1
    analysis = default_engine().analyse(word)
    assert analysis.best is None and analysis.known_zipf == 0 and is_unknown(word, analysis)


def test_a_token_just_within_the_length_bound_is_still_repaired():
    # A glued token at the bound is still read: the split finds its words.
    engine = default_engine()
    assert engine.analyse("insatserihela").best is not None or engine.split("insatserihela")
    assert repair_text("Vi gör insatserihela länet.").text == "Vi gör insatser i hela länet."


def test_the_walk_falls_back_to_fewer_confusions_when_over_budget():
    engine = default_engine()
    run = "a" * 30  # three confusions of 30 letters: about 780 000 steps
    reachable, steps = engine._reachable(run)
    assert reachable, "two confusions still fit the budget"
    assert max(changes for _, changes in reachable.values()) == 2
    assert steps <= 2 * engine_module.MAX_WALK_STEPS


def test_the_walk_is_not_recursive():
    engine = default_engine()
    # Far deeper than Python's recursion limit; with no confusion to follow it is one path.
    reachable, steps = engine._reachable("x" * 20_000)
    assert reachable == {} and steps <= engine_module.MAX_WALK_STEPS


def test_ordinary_words_stay_far_below_every_budget():
    # The budgets must never change the repair of ordinary text: the costliest sample word.
    engine = default_engine()
    reachable, steps = engine._reachable("barnhalsovards6éverlakare")
    assert steps < engine_module.MAX_WALK_STEPS / 2
    assert max(changes for _, changes in reachable.values()) == engine_module.MAX_CHANGES
