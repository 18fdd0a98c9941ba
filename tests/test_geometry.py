"""Repairs mapped onto word boxes (nbsclean.corpus.outputs.geometry): examples and properties."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from nbsclean.corpus.outputs.geometry import place_repaired_words
from nbsclean.edits import Edit, apply_edits
from nbsclean.extract.model import Word


def _words(raw: str, line_height: float = 12.0) -> list[Word]:
    """Boxes for every word of ``raw`` as a monospaced page would have them: 6 pt a letter,
    one line per text line."""
    words = []
    for line_number, (line_start, line) in enumerate(_lines(raw)):
        for match in re.finditer(r"\S+", line):
            start = line_start + match.start()
            words.append(
                Word(start, start + len(match.group()), match.group(),
                     6.0 * match.start(), line_number * line_height, 6.0 * match.end(), (line_number + 1) * line_height,
                     90.0, 0, line_number)
            )
    return words


def _lines(raw: str):
    position = 0
    for line in raw.split("\n"):
        yield position, line
        position += len(line) + 1


def test_unchanged_words_keep_their_boxes():
    raw = "Nu börjar vi\nigen"
    words = _words(raw)
    placed = place_repaired_words(raw, [], words)
    assert [p.text for p in placed] == ["Nu", "börjar", "vi", "igen"]
    for word, place in zip(words, placed):
        assert place.box == (word.x0, word.y0, word.x1, word.y1)
        assert place.original == place.text and not place.changed and place.conf == 90.0


def test_a_replacement_keeps_the_box_and_remembers_the_original():
    raw = "i S6rmland nu"
    edits = [Edit(2, 10, "S6rmland", "Sörmland", "confusion", 0.9)]
    placed = place_repaired_words(raw, edits, _words(raw))
    word = placed[1]
    assert word.text == "Sörmland" and word.original == "S6rmland" and word.changed
    assert word.box == (12.0, 0.0, 60.0, 12.0)


def test_a_longer_replacement_keeps_the_box():
    raw = "Vi Nidrvalkomna"
    edits = [Edit(3, 15, "Nidrvalkomna", "Ni är välkomna", "split", 0.8)]
    placed = place_repaired_words(raw, edits, _words(raw))
    assert [p.text for p in placed] == ["Vi", "Ni", "är", "välkomna"]
    boxes = [p.box for p in placed[1:]]
    assert boxes[0][0] == 18.0 and boxes[-1][2] == 90.0  # together they span the raw word
    assert all(a[2] <= b[0] for a, b in zip(boxes, boxes[1:]))  # left to right, no overlap


def test_a_split_word_divides_its_box():
    raw = "insatserihela"
    edits = [Edit(8, 9, "i", " i ", "split", 0.8)]
    placed = place_repaired_words(raw, edits, _words(raw))
    assert [p.text for p in placed] == ["insatser", "i", "hela"]
    assert [p.box for p in placed] == [(0.0, 0.0, 48.0, 12.0), (48.0, 0.0, 54.0, 12.0), (54.0, 0.0, 78.0, 12.0)]
    assert all(p.original == "insatserihela" and p.changed for p in placed)


def test_a_hyphen_join_spans_two_lines():
    raw = "ska Till-\nsammans gå"
    edits = [Edit(8, 10, "-\n", "", "hyphen_join", 1.0)]
    placed = place_repaired_words(raw, edits, _words(raw))
    joined = placed[1]
    assert joined.text == "Tillsammans" and joined.original == "Till-\nsammans"
    first, second = joined.parts
    assert (first.line, second.line) == (0, 1)
    assert (first.x0, first.x1) == (24.0, 48.0)  # "Till" of "Till-"
    assert (second.x0, second.x1) == (0.0, 42.0)
    assert joined.text[first.start - joined.start : first.end - joined.start] == "Till"
    assert placed[2].text == "gå" and placed[2].parts[0].line == 1


def test_reverting_an_edit_moves_the_box_back():
    raw = "insatserihela"
    words = _words(raw)
    split = [Edit(8, 9, "i", " i ", "split", 0.8)]
    assert len(place_repaired_words(raw, split, words)) == 3
    reverted = place_repaired_words(raw, [], words)
    assert [(p.text, p.box) for p in reverted] == [("insatserihela", (0.0, 0.0, 78.0, 12.0))]


_LETTERS = st.text(alphabet="abcdeöäå6&-", min_size=1, max_size=8)


@st.composite
def _page_and_edits(draw):
    lines = draw(st.lists(st.lists(_LETTERS, min_size=1, max_size=5), min_size=1, max_size=4))
    raw = "\n".join(" ".join(line) for line in lines)
    edits = []
    position = 0
    while position < len(raw):
        start = draw(st.integers(position, len(raw)))
        if start >= len(raw) or not draw(st.booleans()):
            break
        end = draw(st.integers(start, min(len(raw), start + 6)))
        after = draw(st.text(alphabet="abcöä -", max_size=6))
        if raw[start:end] != after:
            edits.append(Edit(start, end, raw[start:end], after, "test", 0.5))
        position = end + 1
    return raw, edits


@settings(max_examples=300, deadline=None)
@given(_page_and_edits())
def test_every_word_of_the_text_is_placed_in_order_on_its_raw_lines(case):
    raw, edits = case
    words = _words(raw)
    text = apply_edits(raw, edits)
    placed = {(p.start, p.end): p for p in place_repaired_words(raw, edits, words)}
    on_page = _letters_from_raw_words(raw, edits)
    for match in re.finditer(r"\S+", text):
        # A word is placed unless every letter of it was inserted by an edit.
        assert ((match.start(), match.end()) in placed) == any(on_page[match.start() : match.end()])
    for place in placed.values():
        assert text[place.start : place.end] == place.text
        assert place.parts[0].start == place.start and place.parts[-1].end <= place.end
        for part in place.parts:
            line = [w for w in words if w.line == part.line]
            assert min(w.x0 for w in line) <= part.x0 <= part.x1 <= max(w.x1 for w in line)
            assert (part.y0, part.y1) == (line[0].y0, line[0].y1)


def _letters_from_raw_words(raw: str, edits: list[Edit]) -> list[bool]:
    """For each character of the repaired text, whether it stands for a raw non-space letter
    (the module's own letter trace: this test checks what is placed given the trace)."""
    from nbsclean.corpus.outputs.geometry import _raw_origin

    text = apply_edits(raw, edits)
    return [position >= 0 and not raw[position].isspace() for position in _raw_origin(raw, text, edits)]


@settings(max_examples=200, deadline=None)
@given(_page_and_edits())
def test_words_no_edit_touches_keep_their_raw_boxes(case):
    raw, edits = case
    words = _words(raw)
    placed = place_repaired_words(raw, edits, words)
    touched = [(e.start, e.end) for e in edits]
    untouched = [w for w in words if not any(s <= w.end and w.start <= e for s, e in touched)]
    boxes = {p.box for p in placed}
    for word in untouched:
        assert (word.x0, word.y0, word.x1, word.y1) in boxes
