"""Edits: replay, validation, composition of two stages onto the raw text, revert."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nbsclean.edits import (
    Edit,
    InvalidEditsError,
    apply_edits,
    compose,
    compose_all,
    revert_edits,
    validate_edits,
)

RAW = "Sérmlands Idns kommuner och Till-\nsammans"


def edit_at(text: str, start: int, end: int, after: str, rule: str = "test", score: float = 1.0) -> Edit:
    return Edit(start, end, text[start:end], after, rule, score)


def assert_valid(text: str, edits: list[Edit]) -> None:
    """Sorted, disjoint, inside the text, and every ``before`` is what the text holds there."""
    validate_edits(text, edits)
    for previous, following in zip(edits, edits[1:]):
        assert previous.end <= following.start
    for edit in edits:
        assert text[edit.start : edit.end] == edit.before


# --- apply and validate ---------------------------------------------------------------------


def test_apply_replaces_insertions_and_deletions_in_one_pass():
    edits = [
        edit_at(RAW, 0, 9, "Sörmlands", "ocr_confusion"),
        edit_at(RAW, 10, 14, "läns", "ocr_confusion"),
        edit_at(RAW, 32, 34, "", "hyphen_join"),
    ]
    assert apply_edits(RAW, edits) == "Sörmlands läns kommuner och Tillsammans"


def test_apply_inserts_at_a_point_and_at_the_end():
    text = "insatserihela"
    edits = [Edit(8, 8, "", " ", "split"), Edit(9, 9, "", " ", "split"), Edit(13, 13, "", ".", "end")]
    assert apply_edits(text, edits) == "insatser i hela."


def test_apply_without_edits_returns_the_text():
    assert apply_edits(RAW, []) == RAW


def test_overlapping_edits_are_rejected():
    edits = [edit_at(RAW, 0, 9, "Sörmlands"), edit_at(RAW, 5, 14, "x")]
    with pytest.raises(InvalidEditsError, match="overlaps"):
        apply_edits(RAW, edits)


def test_edits_out_of_order_are_rejected():
    edits = [edit_at(RAW, 10, 14, "läns"), edit_at(RAW, 0, 9, "Sörmlands")]
    with pytest.raises(InvalidEditsError, match="out of order"):
        validate_edits(RAW, edits)


def test_edit_whose_before_does_not_match_the_text_is_rejected():
    edits = [Edit(0, 9, "Sormlands", "Sörmlands", "ocr_confusion")]
    with pytest.raises(InvalidEditsError, match="does not match"):
        apply_edits(RAW, edits)


@pytest.mark.parametrize("start,end", [(-1, 2), (len(RAW), len(RAW) + 1), (5, 3)])
def test_edit_outside_the_text_is_rejected(start, end):
    with pytest.raises(InvalidEditsError):
        validate_edits(RAW, [Edit(start, end, "", "x", "test")])


def test_edit_dict_round_trip_rounds_the_score():
    edit = Edit(3, 7, "bdsta", "bästa", "ocr_confusion", 0.123456789)
    data = edit.to_dict()
    assert data == {"start": 3, "end": 7, "before": "bdsta", "after": "bästa", "rule": "ocr_confusion", "score": 0.1235}
    assert Edit.from_dict(data) == Edit(3, 7, "bdsta", "bästa", "ocr_confusion", 0.1235)


# --- compose ----------------------------------------------------------------------------------


def test_compose_merges_a_second_edit_over_first_stage_output():
    raw = "Till-\nsammans for barnens bdsta"
    first = [edit_at(raw, 4, 6, "", "hyphen_join", 0.95)]
    middle = apply_edits(raw, first)
    assert middle == "Tillsammans for barnens bdsta"
    second = [
        edit_at(middle, 0, 11, "TILLSAMMANS", "upper", 0.5),
        edit_at(middle, 24, 29, "bästa", "ocr_confusion", 0.99),
    ]
    composed = compose(raw, first, second)
    assert apply_edits(raw, composed) == "TILLSAMMANS for barnens bästa"
    merged = composed[0]
    assert (merged.start, merged.end, merged.before) == (0, 13, "Till-\nsammans")
    assert merged.rule == "hyphen_join+upper"
    assert merged.score == 0.5  # the weakest link
    assert composed[1] == Edit(26, 31, "bdsta", "bästa", "ocr_confusion", 0.99)


def test_compose_with_an_empty_stage_keeps_the_other():
    first = [edit_at(RAW, 0, 9, "Sörmlands")]
    assert compose(RAW, first, []) == first
    assert compose(RAW, [], first) == first


def test_compose_rejects_second_stage_edits_that_do_not_fit_the_middle_text():
    first = [edit_at(RAW, 0, 9, "Sörmlands")]
    with pytest.raises(InvalidEditsError):
        compose(RAW, first, [Edit(0, 9, "Sérmlands", "x", "stale offsets into raw")])


def test_compose_all_folds_three_stages():
    raw = "| detta arbe-\nte &r"
    stage1 = [edit_at(raw, 0, 1, "I", "bar_as_I")]
    text1 = apply_edits(raw, stage1)
    stage2 = [edit_at(text1, 12, 14, "", "hyphen_join")]
    text2 = apply_edits(text1, stage2)
    stage3 = [edit_at(text2, text2.index("&r"), text2.index("&r") + 2, "är", "ocr_confusion")]
    final, edits = compose_all(raw, [stage1, stage2, stage3])
    assert final == "I detta arbete är"
    assert apply_edits(raw, edits) == final
    assert_valid(raw, edits)


# Random texts and random valid edit lists, for the composition law.
ALPHABET = "abcdeåäö é6&|-\n"


@st.composite
def valid_edits(draw, text: str, rule: str) -> list[Edit]:
    """A sorted, disjoint list of edits on ``text`` (replacements, insertions, deletions)."""
    cuts = sorted(draw(st.lists(st.integers(0, len(text)), max_size=8)))
    edits = []
    for start, end in zip(cuts[::2], cuts[1::2]):
        if edits and start < edits[-1].end:
            continue
        after = draw(st.text(alphabet=ALPHABET, max_size=4))
        if after != text[start:end]:
            edits.append(Edit(start, end, text[start:end], after, rule, draw(st.floats(0, 1))))
    return edits


@st.composite
def two_stages(draw):
    raw = draw(st.text(alphabet=ALPHABET, max_size=40))
    first = draw(valid_edits(raw, "first"))
    middle = apply_edits(raw, first)
    second = draw(valid_edits(middle, "second"))
    return raw, first, second


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(two_stages())
def test_compose_replays_like_the_two_stages_in_turn(stages):
    raw, first, second = stages
    composed = compose(raw, first, second)
    assert_valid(raw, composed)
    assert apply_edits(raw, composed) == apply_edits(apply_edits(raw, first), second)
    for edit in composed:
        assert set(edit.rule.split("+")) <= {"first", "second"}
        assert 0.0 <= edit.score <= 1.0


# --- revert -----------------------------------------------------------------------------------


def test_revert_drops_one_edit_and_replays_the_rest():
    edits = [
        edit_at(RAW, 0, 9, "Sörmlands", "ocr_confusion"),
        edit_at(RAW, 10, 14, "läns", "ocr_confusion"),
        edit_at(RAW, 32, 34, "", "hyphen_join"),
    ]
    text, kept = revert_edits(RAW, edits, drop=[1])
    assert text == "Sörmlands Idns kommuner och Tillsammans"
    assert kept == [edits[0], edits[2]]


def test_revert_everything_gives_back_the_raw_text():
    edits = [edit_at(RAW, 0, 9, "Sörmlands"), edit_at(RAW, 10, 14, "läns")]
    assert revert_edits(RAW, edits, drop=range(len(edits))) == (RAW, [])
