"""Scoring: WER, CER, word diffs and changed-correct words."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nbsclean.evaluate import (
    changed_correct_words,
    cer,
    count_changed_correct_words,
    format_op,
    score_repair,
    wer,
    word_diff,
    words,
)


def test_identical_texts_score_zero():
    text = "Välkomna till Sörmlands bästa träff!"
    assert wer(text, text) == 0.0
    assert cer(text, text) == 0.0


def test_wer_counts_word_substitutions_over_reference_words():
    assert wer("Det är bästa", "Det ar bdsta") == pytest.approx(2 / 3)


def test_wer_counts_insertions_and_deletions():
    assert wer("a b c d", "a c d") == pytest.approx(1 / 4)
    assert wer("a b", "a x b") == pytest.approx(1 / 2)


def test_cer_counts_characters_over_reference_characters():
    # "Sörmland" → "Sormland": one substitution in 8 characters.
    assert cer("Sörmland", "Sormland") == pytest.approx(1 / 8)


def test_layout_whitespace_does_not_count():
    assert wer("ett två\ntre", "ett  två tre\n") == 0.0
    assert cer("ett två\ntre", "ett\ttvå\f tre") == 0.0


def test_nfc_and_nfd_forms_are_equal():
    composed = "Sörmland är bäst"
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    assert wer(composed, decomposed) == 0.0
    assert cer(composed, decomposed) == 0.0


def test_empty_reference():
    assert wer("", "") == 0.0
    assert wer("", "något") == 1.0
    assert cer("  \n", "") == 0.0


def test_word_diff_merges_adjacent_changes_and_keeps_equal_stretches():
    ops = word_diff("Det är bästa Sörmland nu", "Det ar bdsta Sormland x nu")
    tags = [op.tag for op in ops]
    assert tags == ["equal", "replace", "equal"]
    change = ops[1]
    assert change.before == ("är", "bästa", "Sörmland")
    assert change.after == ("ar", "bdsta", "Sormland", "x")
    assert format_op(change) == "[-är bästa Sörmland-]{+ar bdsta Sormland x+}"


def test_word_diff_deletion_and_insertion_formats():
    deletion = [op for op in word_diff("a b c", "a c") if op.tag != "equal"]
    insertion = [op for op in word_diff("a c", "a b c") if op.tag != "equal"]
    assert [(op.tag, format_op(op)) for op in deletion] == [("delete", "[-b-]")]
    assert [(op.tag, format_op(op)) for op in insertion] == [("insert", "{+b+}")]


@given(st.lists(st.sampled_from(["ar", "är", "bästa", "bdsta", "Sörmland", "x"]), max_size=12),
       st.lists(st.sampled_from(["ar", "är", "bästa", "bdsta", "Sörmland", "y"]), max_size=12))
def test_word_diff_replays_both_sides(ref_words, hyp_words):
    ops = word_diff(" ".join(ref_words), " ".join(hyp_words))
    assert [w for op in ops for w in op.before] == ref_words
    assert [w for op in ops for w in op.after] == hyp_words
    assert sum(op.tag != "equal" for op in ops) <= len(ref_words) + len(hyp_words)
    # Changes are merged: never two changes in a row.
    assert all(not (a.tag != "equal" and b.tag != "equal") for a, b in zip(ops, ops[1:]))


def test_changed_correct_words_counts_only_harm_to_correct_words():
    damaged = "Vi ar i Sormland och vaga begrepp"
    expected = "Vi är i Sörmland och vaga begrepp"
    # A good repair fixes the damage and leaves correct words alone.
    assert changed_correct_words(damaged, expected, expected) == 0.0
    # A bad repair changes the correct word "vaga" (vague) into "våga".
    bad = "Vi är i Sörmland och våga begrepp"
    harmed, correct = count_changed_correct_words(damaged, bad, expected)
    assert (harmed, correct) == (1, 5)
    assert changed_correct_words(damaged, bad, expected) == pytest.approx(1 / 5)


def test_changed_correct_words_with_no_correct_words():
    assert changed_correct_words("ar", "är", "är") == 0.0


def test_score_repair_reports_before_and_after():
    damaged = "Det ar bdsta i Sormland"
    repaired = "Det är bästa i Sormland"
    expected = "Det är bästa i Sörmland"
    scores = score_repair(damaged, repaired, expected)
    assert set(scores) == {"wer_before", "wer_after", "cer_before", "cer_after", "correct_changed", "words"}
    assert scores["words"] == 5
    assert scores["wer_before"] == pytest.approx(3 / 5)
    assert scores["wer_after"] == pytest.approx(1 / 5)
    assert scores["cer_after"] < scores["cer_before"]
    assert scores["correct_changed"] == 0.0


def test_words_keeps_punctuation_attached():
    assert words("Hej, Nettan!\nMejla info@example.se") == ["Hej,", "Nettan!", "Mejla", "info@example.se"]
