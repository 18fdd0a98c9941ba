"""Decisions (nbsclean.review.decisions): pure application to records, and the file."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nbsclean.edits import Edit, apply_edits
from nbsclean.errors import FileAccessError
from nbsclean.review.decisions import (
    Decision,
    append_decisions,
    apply_decisions,
    decisions_path,
    read_decisions,
    record_decisions_fingerprint,
)

SHA = "ab" * 32


def make_record(raw: str, edits: list[Edit], sha: str = SHA) -> dict:
    text = apply_edits(raw, edits)
    return {
        "id": sha[:16],
        "sha256": sha,
        "raw_text": raw,
        "text": text,
        "pages": [{"n": i + 1, "raw_text": p, "text": t} for i, (p, t) in enumerate(zip(raw.split("\f"), text.split("\f")))],
        "edits": [{"id": f"e{i}", **e.to_dict()} for i, e in enumerate(edits, start=1)],
        "stats": {"edits": len(edits), "words": len(text.split())},
    }


RAW = "Vi hdlls i Sérmland.\fBdsta hdlls hälsningar"
EDITS = [
    Edit(3, 8, "hdlls", "hålls", "diacritic", 0.7),
    Edit(11, 19, "Sérmland", "Sörmland", "ocr_confusion", 0.9),
    Edit(21, 26, "Bdsta", "Bästa", "diacritic", 0.8),
    Edit(27, 32, "hdlls", "hålls", "diacritic", 0.7),
]


def span_decision(kind, start, end, after, **extra) -> Decision:
    return Decision(kind=kind, document=SHA, start=start, end=end, before=RAW[start:end], after=after, **extra)


def check_invariant(record: dict) -> None:
    edits = [Edit.from_dict(e) for e in record["edits"]]
    assert apply_edits(record["raw_text"], edits) == record["text"]
    assert "\f".join(page["text"] for page in record["pages"]) == record["text"]
    assert record["stats"]["edits"] == len(record["edits"])


def test_reject_drops_the_edit_and_keeps_the_raw_word():
    record = make_record(RAW, EDITS)
    new, applied, stale = apply_decisions(record, [span_decision("reject", 11, 19, "Sérmland", seen="Sörmland")])
    assert new["text"] == "Vi hålls i Sérmland.\fBästa hålls hälsningar"
    assert [e["id"] for e in new["edits"]] == ["e1", "e3", "e4"]  # the others keep their ids
    assert len(applied) == 1 and stale == []
    assert record["text"] != new["text"]  # the input record is not modified
    check_invariant(new)


def test_correct_replaces_the_edit_with_a_decision_edit():
    new, applied, stale = apply_decisions(make_record(RAW, EDITS), [span_decision("correct", 3, 8, "hölls")])
    assert new["text"].startswith("Vi hölls i Sörmland.")
    decision_edit = next(e for e in new["edits"] if e["start"] == 3)
    assert decision_edit["rule"] == "decision" and decision_edit["after"] == "hölls" and decision_edit["before"] == "hdlls"
    assert "hålls hälsningar" in new["text"]  # only that one occurrence
    check_invariant(new)


def test_correct_an_unrepaired_word():
    raw = "Ett ord hir och där"
    record = make_record(raw, [])
    decision = Decision("correct", before="hir", after="här", document=SHA, start=8, end=11)
    new, applied, _ = apply_decisions(record, [decision])
    assert new["text"] == "Ett ord här och där" and applied == [decision]
    check_invariant(new)


def test_form_applies_to_every_whole_word_occurrence_but_not_inside_words():
    raw = "hdlls och hdllsning, hdlls."
    record = make_record(raw, [])
    new, applied, stale = apply_decisions(record, [Decision("form", before="hdlls", after="hölls")])
    assert new["text"] == "hölls och hdllsning, hölls."
    assert stale == [] and len(applied) == 1
    check_invariant(new)


def test_a_span_decision_wins_over_a_form_and_the_later_decision_wins():
    record = make_record(RAW, EDITS)
    decisions = [
        Decision("form", before="hdlls", after="hölls"),
        span_decision("reject", 27, 32, "hdlls"),
        span_decision("correct", 11, 19, "Sörmlandx"),
        span_decision("correct", 11, 19, "Sörmland"),
    ]
    new, applied, stale = apply_decisions(record, decisions)
    assert new["text"] == "Vi hölls i Sörmland.\fBästa hdlls hälsningar"
    assert decisions[2] not in applied and stale == []
    check_invariant(new)


def test_accept_keeps_the_repairs_edit_and_pins_the_word_when_the_repair_changes():
    record = make_record(RAW, EDITS)
    accept = span_decision("accept", 21, 26, "Bästa", seen="Bästa", edit="e3", rule="diacritic")
    new, applied, _ = apply_decisions(record, [accept])
    assert new["edits"] == record["edits"]  # the same edit: kept as the repair made it
    # A later repair (another lexicon) makes another word of it: the accepted word stays.
    changed = make_record(RAW, EDITS[:2] + [Edit(21, 26, "Bdsta", "Basta", "diacritic", 0.5), EDITS[3]])
    again, applied, _ = apply_decisions(changed, [accept])
    assert "Bästa" in again["text"] and next(e for e in again["edits"] if e["start"] == 21)["rule"] == "decision"
    check_invariant(again)


def test_a_decision_whose_raw_text_changed_is_stale_not_dropped_silently():
    decision = span_decision("correct", 3, 8, "hölls")
    other = make_record("Vi hulls i Sérmland.\fBdsta hdlls hälsningar", [])
    new, applied, stale = apply_decisions(other, [decision])
    assert applied == [] and len(stale) == 1
    assert "'hulls'" in stale[0].reason and stale[0].decision == decision
    assert new["text"] == other["text"]


def test_an_edit_reaching_across_the_span_makes_the_decision_stale():
    raw = "Till-\nsammans gör vi"
    record = make_record(raw, [Edit(0, 13, "Till-\nsammans", "Tillsammans", "hyphen_join", 1.0)])
    decision = Decision("correct", before="sammans", after="samman", document=SHA, start=6, end=13)
    new, applied, stale = apply_decisions(record, [decision])
    assert applied == [] and "reaches across" in stale[0].reason
    assert new["text"] == record["text"]


def test_applying_twice_changes_nothing():
    decisions = [Decision("form", before="hdlls", after="hölls"), span_decision("reject", 21, 26, "Bdsta")]
    once, _, _ = apply_decisions(make_record(RAW, EDITS), decisions)
    twice, _, _ = apply_decisions(once, decisions)
    assert twice == once


def test_decisions_of_other_documents_do_not_apply():
    other = Decision("correct", before="hdlls", after="X", document="cd" * 32, start=3, end=8)
    record = make_record(RAW, EDITS)
    new, applied, stale = apply_decisions(record, [other])
    assert new["text"] == record["text"] and applied == [] and stale == []
    assert record_decisions_fingerprint(record, [other]) == record_decisions_fingerprint(record, [])


def test_the_fingerprint_changes_with_a_relevant_decision_only():
    record = make_record(RAW, EDITS)
    base = record_decisions_fingerprint(record, [])
    assert record_decisions_fingerprint(record, [Decision("form", before="nowhere", after="x")]) == base
    assert record_decisions_fingerprint(record, [Decision("form", before="hdlls", after="x")]) != base


def test_bad_decisions_are_refused():
    with pytest.raises(ValueError):
        Decision("delete", before="a", after="b")
    with pytest.raises(ValueError):
        Decision("form", before="a", after="b", document=SHA, start=0, end=1)
    with pytest.raises(ValueError):
        Decision("reject", before="a", after="a", document=SHA, start=3, end=3)


# --- the file ----------------------------------------------------------------------------


def test_append_and_read_round_trip(tmp_path):
    first = [Decision("form", before="hdlls", after="hölls", time="2026-01-01T00:00:00+00:00", note="seen in 3 docs")]
    second = [span_decision("reject", 21, 26, "Bdsta", seen="Bästa", edit="e3", rule="diacritic")]
    append_decisions(tmp_path, first)
    append_decisions(tmp_path, second)
    assert read_decisions(tmp_path) == first + second
    lines = decisions_path(tmp_path).read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[0])["after"] == "hölls" and len(lines) == 2


def test_a_torn_last_line_is_ignored_and_the_next_append_starts_a_new_line(tmp_path):
    append_decisions(tmp_path, [Decision("form", before="a", after="b")])
    with open(decisions_path(tmp_path), "ab") as handle:
        handle.write(b'{"kind":"form","bef')
    assert len(read_decisions(tmp_path)) == 1
    append_decisions(tmp_path, [Decision("form", before="c", after="d")])
    assert [d.before for d in read_decisions(tmp_path)] == ["a", "c"]


def test_a_damaged_line_in_the_middle_is_an_error(tmp_path):
    decisions_path(tmp_path).write_text('{"kind":"form"}\n{"kind":"form","before":"a","after":"b"}\n')
    with pytest.raises(FileAccessError, match="line 1"):
        read_decisions(tmp_path)


def test_no_file_means_no_decisions(tmp_path):
    assert read_decisions(tmp_path) == []


# --- property: the invariant holds for any decisions -------------------------------------

WORDS = st.sampled_from(["hdlls", "Bdsta", "och", "Sérmland", "vi", "hölls"])


@settings(max_examples=150, deadline=None)
@given(
    words=st.lists(WORDS, min_size=1, max_size=12),
    picks=st.lists(st.tuples(st.integers(0, 11), st.sampled_from(["reject", "correct", "accept", "form"]), WORDS), max_size=6),
)
def test_any_decisions_keep_apply_edits_equal_to_text(words, picks):
    raw = " ".join(words)
    spans, position = [], 0
    for word in words:
        spans.append((position, position + len(word)))
        position += len(word) + 1
    edits = [Edit(s, e, raw[s:e], raw[s:e].upper(), "test", 0.5) for i, (s, e) in enumerate(spans) if i % 2 == 0]
    record = make_record(raw, edits)
    decisions = []
    for index, kind, word in picks:
        s, e = spans[index % len(spans)]
        if kind == "form":
            decisions.append(Decision("form", before=raw[s:e], after=word))
        else:
            decisions.append(Decision(kind, before=raw[s:e], after=raw[s:e] if kind == "reject" else word, document=SHA, start=s, end=e))
    new, applied, stale = apply_decisions(record, decisions)
    check_invariant(new)
    assert stale == []
    again, _, _ = apply_decisions(new, decisions)
    assert again == new
