"""Decoding text files: bytes in, text and mojibake-fix edits out (pure).

Order of attempts: a UTF-16/UTF-8 byte-order mark, strict UTF-8, then cp1252 (the
Windows encoding Swedish archives were typed in), then latin-1 for the few bytes cp1252
leaves undefined. Mojibake that survived an earlier wrong decode ("SÃ¶rmland") is fixed
with ftfy line by line and recorded as edits, so the raw text stays what the file said.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import ftfy

from nbsclean.edits import Edit
from nbsclean.errors import EmptyInputError, UndecodableTextError, UnsupportedFileTypeError

# Bytes that never occur in text files: NUL and the C0 controls other than tab, LF, FF, CR, ESC.
_BINARY_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))
_MAX_CONTROL_SHARE = 0.01

# ftfy settings that repair encoding damage only; quotes, widths and ligatures are left as
# they are (a newsletter's typography is content, not damage).
_FTFY_CONFIG = ftfy.TextFixerConfig(
    unescape_html=False,
    uncurl_quotes=False,
    fix_character_width=False,
    fix_latin_ligatures=False,
    fix_line_breaks=False,
    remove_terminal_escapes=False,
    normalization=None,
    explain=False,
)


@dataclass
class DecodedText:
    text: str
    encoding: str
    edits: list[Edit] = field(default_factory=list)


def decode_text_bytes(data: bytes, source: str = "<bytes>") -> DecodedText:
    """Decode a text file's bytes; raise a named InputRejectedError when it is not text."""
    if not data.strip():
        raise EmptyInputError("the file is empty (no text)", source=source)
    text, encoding = _decode(data, source)
    if not text.strip():
        raise EmptyInputError("the file holds no text (only a byte-order mark or white space)", source=source)
    _reject_binary(text, source)
    return DecodedText(text=text, encoding=encoding, edits=mojibake_edits(text))


def _decode(data: bytes, source: str) -> tuple[str, str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise UndecodableTextError(f"has a UTF-16 byte-order mark but is not UTF-16 ({exc.reason})", source=source) from exc
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        try:
            return data.decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            pass
    if any(b in _BINARY_CONTROL_BYTES for b in data[:4096]) and data.count(b"\x00") > 0:
        raise UnsupportedFileTypeError("binary data, not a text file (NUL bytes found)", source=source)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _reject_binary(text: str, source: str) -> None:
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\n\f\r\x1b")
    if controls > max(2, _MAX_CONTROL_SHARE * len(text)):
        raise UnsupportedFileTypeError(
            f"binary data, not a text file ({controls} control characters in {len(text)})", source=source
        )


def mojibake_edits(text: str) -> list[Edit]:
    """Edits that undo mojibake ("SÃ¶rmland" → "Sörmland"), one per changed stretch."""
    edits: list[Edit] = []
    offset = 0
    for line in text.splitlines(keepends=True):
        if ftfy.is_bad(line):
            fixed = ftfy.fix_text(line, _FTFY_CONFIG)
            if fixed != line:
                edits.extend(e.shifted(offset) for e in _char_diff_edits(line, fixed, "mojibake"))
        offset += len(line)
    return edits


def _char_diff_edits(before: str, after: str, rule: str) -> list[Edit]:
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    return [
        Edit(i1, i2, before[i1:i2], after[j1:j2], rule, 0.9)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]
