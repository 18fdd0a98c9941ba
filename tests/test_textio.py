"""Decoding text files: encodings, mojibake as replayable edits, and named rejections."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nbsclean.edits import apply_edits
from nbsclean.errors import EmptyInputError, ExitCode, UnsupportedFileTypeError
from nbsclean.extract.textio import decode_text_bytes

SWEDISH = "Sörmland – bäst för barnen i Oxelösund och Strängnäs"


@pytest.mark.parametrize(
    "data,encoding",
    [
        (SWEDISH.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + SWEDISH.encode("utf-8"), "utf-8-sig"),
        (SWEDISH.encode("utf-16"), "utf-16"),  # Python writes the byte-order mark
        (b"\xfe\xff" + SWEDISH.encode("utf-16-be"), "utf-16"),
        (SWEDISH.encode("cp1252"), "cp1252"),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16-le-bom", "utf-16-be-bom", "cp1252"],
)
def test_swedish_text_decodes_in_every_supported_encoding(data, encoding):
    decoded = decode_text_bytes(data, "brev.txt")
    assert decoded.text == SWEDISH
    assert decoded.encoding == encoding
    assert decoded.edits == []


def test_cp1252_en_dash_is_not_read_as_latin1_control():
    decoded = decode_text_bytes("Sörmland – bäst".encode("cp1252"), "brev.txt")
    assert decoded.text == "Sörmland – bäst"
    assert "\x96" not in decoded.text


def test_mojibake_is_kept_in_the_raw_text_and_fixed_by_edits():
    data = "Välkommen till SÃ¶rmland, det Ã¤r bÃ¤st hÃ¤r.\nAndra raden är hel.\n".encode("utf-8")
    decoded = decode_text_bytes(data, "brev.txt")
    assert decoded.text.startswith("Välkommen till SÃ¶rmland")  # the file's own characters
    assert apply_edits(decoded.text, decoded.edits) == "Välkommen till Sörmland, det är bäst här.\nAndra raden är hel.\n"
    assert {e.rule for e in decoded.edits} == {"mojibake"}
    first = decoded.edits[0]
    assert (first.before, first.after) == ("Ã¶", "ö")
    assert decoded.text[first.start : first.end] == "Ã¶"
    assert all(0.0 <= e.score <= 1.0 for e in decoded.edits)


def test_mojibake_of_punctuation_is_fixed_too():
    data = "Sörmland – bäst".encode("utf-8").decode("cp1252").encode("utf-8")
    decoded = decode_text_bytes(data, "brev.txt")
    assert apply_edits(decoded.text, decoded.edits) == "Sörmland – bäst"


def test_correct_text_that_merely_looks_odd_gets_no_mojibake_edits():
    text = "Priset är 25 € för ÅÄÖ-kursen (©Region Sörmland) – 50 % rabatt ±2."
    decoded = decode_text_bytes(text.encode("utf-8"), "brev.txt")
    assert decoded.edits == []


@pytest.mark.parametrize("data", [b"", b"   \n\t\r\n  "], ids=["empty", "whitespace"])
def test_empty_input_is_rejected_with_its_reason(data):
    with pytest.raises(EmptyInputError) as caught:
        decode_text_bytes(data, "tom.txt")
    assert caught.value.reason == "empty_file"
    assert caught.value.exit_code == ExitCode.input_rejected
    assert caught.value.source == "tom.txt"
    assert "tom.txt" in str(caught.value)


@pytest.mark.parametrize("data", [b"\xef\xbb\xbf", b"\xff\xfe", b"\xef\xbb\xbf\n  \n"], ids=["utf-8-bom", "utf-16-bom", "bom-blank"])
def test_a_byte_order_mark_alone_is_empty_input(data):
    with pytest.raises(EmptyInputError):
        decode_text_bytes(data, "tom.txt")


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",
        b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)),
        "Sörmland".encode("utf-8") + b"\x00" * 20 + b"more",
    ],
    ids=["png-header", "zip-header", "nul-padded"],
)
def test_binary_data_is_rejected_with_its_reason(data):
    with pytest.raises(UnsupportedFileTypeError) as caught:
        decode_text_bytes(data, "bild.txt")
    assert caught.value.reason == "unsupported_file_type"
    assert caught.value.exit_code == ExitCode.input_rejected
    assert "binary" in caught.value.message


def test_control_characters_without_nul_are_rejected():
    data = b"Rubrik\x01\x02\x03\x04\x05\x06 text"
    with pytest.raises(UnsupportedFileTypeError, match="control characters"):
        decode_text_bytes(data, "konstig.txt")


def test_tabs_form_feeds_and_crlf_are_text():
    data = "Sida ett\tkolumn\r\n\fSida två\r\n".encode("utf-8")
    decoded = decode_text_bytes(data, "sidor.txt")
    assert decoded.text == "Sida ett\tkolumn\r\n\fSida två\r\n"


# --- the quick test for mojibake must never miss a line ftfy would call bad ---------------

# Every kind of character ftfy's badness expression looks at, and line ends of every kind,
# scattered thinly through plain and Swedish letters (as mojibake is in a real text: a
# miss would be a match far from the character the quick test looks for).
_BADNESS_CHARACTERS = list(
    "ÃÂÎÐØÙ€œŠš¢£Ÿž®©°·»«¡¿´–—’“”•×²³µ¹¼½¾¤¦¨¬¯¸ƒˆˇ˘˛˜†‡‰ŒœβΒΓΞΟ€™ВГРСЂўàā√≈‚Ä±∂≠™"
    "\x81\x8d\x9d\xa0\xad│╔▀░"
    "\n\r\x0b\x0c\x1c\x85\u2028"
)
_PLAIN_CHARACTERS = list("abcdefghijklmnoprstuvxyzABC  .,?!-\t0123456789åäöÅÄÖéÉüÜ\n")
_MOSTLY_PLAIN_TEXT = st.lists(st.sampled_from(_PLAIN_CHARACTERS * 8 + _BADNESS_CHARACTERS), max_size=60).map("".join)


def _ftfy_finds_a_bad_line(text: str) -> bool:
    import ftfy

    return any(ftfy.is_bad(line) for line in text.splitlines(keepends=True))


def test_the_quick_mojibake_test_is_worked_out_from_ftfys_expression():
    from nbsclean.extract import textio

    assert textio._TRIGGERS is not None  # the shortcut is in use with the ftfy installed
    triggers, reach = textio._TRIGGERS
    assert 2 <= reach < 64
    assert "Ã" in triggers and "\x85" in triggers
    assert not any(ch.isascii() for ch in triggers)
    assert not set("åäöé") & triggers  # Swedish text is searched only near rare characters


@given(_MOSTLY_PLAIN_TEXT)
@settings(max_examples=1500, deadline=None)
def test_the_quick_mojibake_test_never_misses_a_bad_line(text):
    from nbsclean.extract.textio import may_hold_mojibake

    if _ftfy_finds_a_bad_line(text):
        assert may_hold_mojibake(text)


@pytest.mark.parametrize(
    "text",
    [
        "SÃ¶rmland",
        "första raden\nÃ rad två",  # `^` of ftfy's expression: a line that starts with 'Ã '
        "första raden\r\nÂ rad två",
        "hej\u2028Ã x",
        "ordet œ\n",
        "x" * 40 + "Ã¤" + "y" * 40,
        "Sörmland – bäst".encode("utf-8").decode("cp1252"),
    ],
)
def test_the_quick_mojibake_test_flags_mojibake(text):
    from nbsclean.extract.textio import may_hold_mojibake

    assert _ftfy_finds_a_bad_line(text)
    assert may_hold_mojibake(text)


def test_sample_texts_get_the_same_mojibake_edits_as_a_line_by_line_search(monkeypatch):
    """The speed-up changes no edit: every sample text, with and without the shortcut."""
    from pathlib import Path

    from nbsclean.extract import textio

    root = Path(__file__).resolve().parents[1] / "samples"
    texts = [path.read_bytes() for path in sorted(root.rglob("*.txt"))]
    texts.append("Välkommen till SÃ¶rmland, det Ã¤r bÃ¤st.\nÃ rad\n".encode("utf-8"))
    assert len(texts) > 20
    quick = [textio.mojibake_edits(data.decode("utf-8", "replace")) for data in texts]
    monkeypatch.setattr(textio, "may_hold_mojibake", lambda text: True)
    slow = [textio.mojibake_edits(data.decode("utf-8", "replace")) for data in texts]
    assert quick == slow
    assert any(quick)


@pytest.mark.parametrize(
    "extra",
    [r"(?i:ã)x", r"\bÃ", r"ab", r"(?<=x)Ã", r"Ã$"],
    ids=["inline-ignorecase", "word-boundary", "ascii-only-alternative", "look-behind", "end-anchor"],
)
def test_no_shortcut_when_ftfys_expression_holds_what_the_analysis_cannot_follow(monkeypatch, extra):
    """A future ftfy whose expression could match without a trigger, or look beyond what it
    matches, makes every text be searched line by line again."""
    import re

    from nbsclean.extract import textio

    monkeypatch.setattr(textio, "BADNESS_RE", re.compile(extra + "|" + textio.BADNESS_RE.pattern, textio.BADNESS_RE.flags))
    assert textio._badness_triggers() is None
