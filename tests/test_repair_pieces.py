"""Long texts are repaired in pieces cut at blank lines (bounded memory); the result must be
the one a single pass gives."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nbsclean.edits import apply_edits
from nbsclean.repair import engine

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
TEXT_INPUTS = sorted(SAMPLES.glob("*/*.input.txt"))


@given(st.text(alphabet="ab -\n", max_size=300), st.integers(min_value=1, max_value=40))
@settings(max_examples=200, deadline=None)
def test_cuts_cover_the_text_in_order(text, limit):
    cuts = engine.paragraph_runs(text, limit)
    assert cuts[0][0] == 0 and cuts[-1][1] == len(text)
    assert all(a_end == b_start for (_, a_end), (b_start, _) in zip(cuts, cuts[1:]))
    assert all(start < end for start, end in cuts) or text == ""


def test_a_cut_prefers_a_blank_line_then_a_line_end_without_hyphen_then_a_space():
    text = "aaaa aaaa\n\nbbbb bbbb"
    assert engine.paragraph_runs(text, 6) == [(0, 11), (11, len(text))]
    hyphenated = "aaaa aa-\nbbbb\ncccc"
    # the line end after "aa-" would split a hyphen join: the next line end is taken
    assert engine.paragraph_runs(hyphenated, 7)[0] == (0, 14)
    one_line = "aaaa bbbb cccc"
    assert engine.paragraph_runs(one_line, 3)[0] == (0, 5)


@pytest.mark.parametrize("path", TEXT_INPUTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_pieces_repair_as_one_pass_does(path, monkeypatch, lexicon):
    text = path.read_text(encoding="utf-8")
    whole = engine.repair_text(text, lexicon)
    monkeypatch.setattr(engine, "REPAIR_PIECE_CHARS", min(700, len(text) // 4))  # several pieces
    assert len(engine.paragraph_runs(text)) > 1
    pieces = engine.repair_text(text, lexicon)
    assert apply_edits(text, pieces.edits) == pieces.text
    assert (pieces.text, pieces.edits, pieces.stats) == (whole.text, whole.edits, whole.stats)


def test_the_command_streams_the_same_text_the_json_carries(tmp_path):
    source = SAMPLES / "seeds" / "seed002.input.txt"
    command = [sys.executable, "-m", "nbsclean", "repair", str(source)]
    streamed = subprocess.run(command, capture_output=True, check=True).stdout.decode("utf-8")
    payload = json.loads(subprocess.run([*command, "--json"], capture_output=True, check=True).stdout)
    assert streamed == payload["text"]
