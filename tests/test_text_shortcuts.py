"""The per-document shortcuts outside the repair engine give exactly what the long way
gives: normalisation's faster patterns, compose's batched offsets, the record's edit
entries. The long ways are the code these replaced, kept here to compare against."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from nbsclean.edits import Edit, apply_edits, compose, validate_edits
from nbsclean.pipeline import _edit_entries
from nbsclean.repair import normalise as norm

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
# Line breaks, hyphens soft and hard, the characters of words and of bullets OCR misreads.
PIECES = list("aAbBéÅö019_&|-  \t\n\n\r.,e«°©®¢»+*") + ["\u00ad", "ﬁ", "och", "Till", "NPF", "e-post", "sammans", "-\n", "- \n\n "]


def _random_text(rng: random.Random) -> str:
    return "".join(rng.choice(PIECES) for _ in range(rng.randint(0, 120)))


def _texts() -> list[str]:
    rng = random.Random(15)
    samples = [p.read_text(encoding="utf-8") for p in sorted(SAMPLES.rglob("*.input.txt"))]
    return samples + [_random_text(rng) for _ in range(4000)]


# --- normalisation ---------------------------------------------------------------------------

_BREAK_LONG_WAY = re.compile(r"[-\u00ad][ \t]*\r?\n(?:[ \t]*\r?\n)?[ \t]*")
_WORD_BEFORE_LONG_WAY = re.compile(r"[\w&|]+$")


def _join_line_end_hyphens_long_way(text: str, knows_hyphenated=None) -> list[Edit]:
    edits = []
    for match in _BREAK_LONG_WAY.finditer(text):
        start, end = match.span()
        left_match = _WORD_BEFORE_LONG_WAY.search(text, max(0, start - 60), start)
        right_match = norm._WORD_CHARS_AFTER.match(text, end)
        if not left_match or not right_match:
            continue
        left, right = left_match.group(), right_match.group()
        if not norm._starts_lower_case_word(right) or not any(c.isalpha() for c in left):
            continue
        if right.lower() in norm._CONJUNCTIONS:
            continue
        keep_hyphen = (len(left) >= 2 and left.isupper()) or left.isdigit()
        if not keep_hyphen and knows_hyphenated is not None:
            keep_hyphen = knows_hyphenated(f"{left}-{right}".lower())
        edits.append(Edit(start, end, match.group(), "-" if keep_hyphen else "", "hyphen_join", 0.95))
    return edits


def test_the_word_before_a_break_is_what_the_dollar_search_finds():
    rng = random.Random(7)
    alphabet = list("ab_&|1-\n \té\r") + ["\u0308", "\u00ad", "Å"]
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 90)))
        end = rng.randint(0, len(text))
        match = _WORD_BEFORE_LONG_WAY.search(text, max(0, end - 60), end)
        assert norm._word_chars_before(text, end) == (match.group() if match else ""), (text, end)


def test_hyphen_joins_are_the_long_ways(lexicon):
    for text in _texts():
        for knows in (None, lexicon.is_listed):
            assert norm.join_line_end_hyphens(text, knows) == _join_line_end_hyphens_long_way(text, knows), text


def test_misread_bullets_are_the_long_ways():
    for text in _texts():
        expected = [
            Edit(m.start("bullet"), m.end("bullet"), m.group("bullet"), "•", "bullet", 0.9)
            for m in norm._MISREAD_BULLET.finditer(text)
            if m.group("next").isupper() or m.group("bullet") != "e"
        ]
        assert norm.fix_misread_bullets(text) == expected, text


def test_normalise_is_its_stages_composed_the_long_way(lexicon):
    for text in _texts():
        current, combined = text, []
        for stage in (norm.fix_ligatures, lambda t: _join_line_end_hyphens_long_way(t, lexicon.is_listed),
                      norm.fix_bar_as_capital_i, norm.fix_misread_bullets, norm.fix_nfc):  # fmt: skip
            edits = stage(current)
            if edits:
                combined = _compose_long_way(text, combined, edits)
                current = apply_edits(current, edits)
        assert norm.normalise(text, lexicon.is_listed) == (current, combined), text


# --- compose ---------------------------------------------------------------------------------


def _compose_long_way(raw, first, second, middle=None, *, offset=0):
    """compose as it was before untouched edits were moved in batches (one at a time, each
    ``before`` cut from the raw text)."""
    first, second = list(first), list(second)
    if not second:
        return [e.shifted(offset) for e in first]
    if middle is None:
        middle = apply_edits(raw, first)
    validate_edits(middle, second)
    if not first:
        return [e.shifted(offset) for e in second]
    first_lo, delta = [], 0
    for edit in first:
        first_lo.append(edit.start + delta)
        delta += len(edit.after) - (edit.end - edit.start)
    result, shift, i, j = [], 0, 0, 0
    while j < len(second):
        edit = second[j]
        while i < len(first) and first_lo[i] + len(first[i].after) < edit.start:
            result.append(first[i].shifted(offset))
            shift += len(first[i].after) - (first[i].end - first[i].start)
            i += 1
        if i >= len(first) or first_lo[i] > edit.end:
            start, end = edit.start - shift, edit.end - shift
            result.append(Edit(start + offset, end + offset, raw[start:end], edit.after, edit.rule, edit.score, edit.evidence))
            j += 1
            continue
        lo, hi = edit.start, edit.end
        firsts, seconds = [], [edit]
        j += 1
        grown = True
        while grown:
            grown = False
            while i < len(first) and first_lo[i] <= hi:
                lo, hi = min(lo, first_lo[i]), max(hi, first_lo[i] + len(first[i].after))
                firsts.append(first[i])
                i += 1
                grown = True
            while j < len(second) and second[j].start <= hi:
                hi = max(hi, second[j].end)
                seconds.append(second[j])
                j += 1
                grown = True
        change = sum(len(f.after) - (f.end - f.start) for f in firsts)
        raw_start, raw_end = lo - shift, hi - shift - change
        parts, cursor = [], lo
        for later in seconds:
            parts += [middle[cursor : later.start], later.after]
            cursor = later.end
        parts.append(middle[cursor:hi])
        rules = []
        for name in [f.rule for f in firsts] + [s.rule for s in seconds]:
            rules += [part for part in name.split("+") if part not in rules]
        score = min(e.score for e in firsts + seconds)
        evidence = next((e.evidence for e in seconds if e.evidence is not None), None)
        result.append(Edit(raw_start + offset, raw_end + offset, raw[raw_start:raw_end], "".join(parts), "+".join(rules), score, evidence))
        shift += change
    result.extend(e.shifted(offset) for e in first[i:])
    return result


def _random_edits(rng: random.Random, text: str, rule: str) -> list[Edit]:
    """Sorted, disjoint edits of ``text``: replacements, insertions, deletions."""
    edits, position = [], 0
    while position < len(text) and len(edits) < 40:
        start = position + rng.randint(0, 6)
        if start > len(text):
            break
        end = min(len(text), start + rng.randint(0, 3))
        edits.append(Edit(start, end, text[start:end], rng.choice(["", "x", "yz", "-", "ab c"]), rule, rng.choice([1.0, 0.95, 0.5]),
                          {"why": rule} if rng.random() < 0.1 else None))  # fmt: skip
        position = end + rng.randint(0, 4)
    return edits


@pytest.mark.parametrize("offset", [0, 17])
def test_compose_is_the_long_ways(offset):
    rng = random.Random(15 + offset)
    for _ in range(3000):
        raw = "".join(rng.choice("abcdefg -\n") for _ in range(rng.randint(0, 80)))
        first = _random_edits(rng, raw, "first") if rng.random() < 0.8 else []
        middle = apply_edits(raw, first)
        second = _random_edits(rng, middle, "second+ocr") if rng.random() < 0.9 else []
        expected = _compose_long_way(raw, first, second, offset=offset)
        for given_middle in (None, middle):
            composed = compose(raw, first, second, given_middle, offset=offset)
            assert composed == expected and all(type(e) is Edit for e in composed), (raw, first, second)


def test_compose_still_rejects_edits_that_do_not_fit_the_middle_text():
    from nbsclean.edits import InvalidEditsError

    raw = "Till-\nsammans med barn"
    first = [Edit(4, 6, "-\n", "", "hyphen_join")]
    with pytest.raises(InvalidEditsError, match="does not match"):
        compose(raw, first, [Edit(0, 3, "Tim", "x", "stale")])
    with pytest.raises(InvalidEditsError, match="overlaps"):
        compose(raw, first, [Edit(2, 4, "ll", "x", "a"), Edit(3, 5, "ls", "y", "b")])
    with pytest.raises(InvalidEditsError, match="outside"):
        compose(raw, first, [Edit(30, 31, "", "x", "far")])


# --- the record's edits ----------------------------------------------------------------------


def test_edit_entries_are_the_edits_own_dicts_byte_for_byte():
    rng = random.Random(3)
    scores = [1, True, 1.0, 0.95, 0.123456789, 0.0, -0.0, -0.0, 0.0, float("nan"), 0.99999, 2.5e-5, 0.95]
    edits = [Edit(n, n + 1, "a", "b", "rule", rng.choice(scores), {"gain": 0.5} if rng.random() < 0.2 else None) for n in range(500)]
    long_way = [{"id": f"e{n}", **edit.to_dict()} for n, edit in enumerate(edits, start=1)]
    assert json.dumps(_edit_entries(edits)) == json.dumps(long_way)
    assert _edit_entries([]) == []
