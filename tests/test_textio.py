"""Decoding text files: encodings, mojibake as replayable edits, and named rejections."""

from __future__ import annotations

import pytest

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
