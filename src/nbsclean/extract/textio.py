"""Decoding text files: bytes in, text and mojibake-fix edits out (pure).

Order of attempts: a UTF-16/UTF-8 byte-order mark, strict UTF-8, then cp1252 (the
Windows encoding Swedish archives were typed in), then latin-1 for the few bytes cp1252
leaves undefined. Mojibake that survived an earlier wrong decode ("SÃ¶rmland") is fixed
with ftfy line by line and recorded as edits, so the raw text stays what the file said.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

import ftfy
from ftfy.badness import BADNESS_RE

from nbsclean.edits import Edit
from nbsclean.errors import EmptyInputError, UndecodableTextError, UnsupportedFileTypeError

# Bytes that never occur in text files: NUL and the C0 controls other than tab, LF, FF, CR, ESC.
_BINARY_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))
_MAX_CONTROL_SHARE = 0.01
# The same controls as characters (what _reject_binary counts in decoded text).
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]")

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
    if b"\x00" in data and _has_control_byte(data[:4096]):
        raise UnsupportedFileTypeError("binary data, not a text file (NUL bytes found)", source=source)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _has_control_byte(head: bytes) -> bool:
    return len(head.translate(None, _BINARY_CONTROL_BYTES)) < len(head)


def _reject_binary(text: str, source: str) -> None:
    controls = len(_CONTROL_CHARS.findall(text))
    if controls > max(2, _MAX_CONTROL_SHARE * len(text)):
        raise UnsupportedFileTypeError(
            f"binary data, not a text file ({controls} control characters in {len(text)})", source=source
        )


def mojibake_edits(text: str) -> list[Edit]:
    """Edits that undo mojibake ("SÃ¶rmland" → "Sörmland"), one per changed stretch."""
    edits: list[Edit] = []
    if not may_hold_mojibake(text):
        return edits
    offset = 0
    for line in text.splitlines(keepends=True):
        if ftfy.is_bad(line):
            fixed = ftfy.fix_text(line, _FTFY_CONFIG)
            if fixed != line:
                edits.extend(e.shifted(offset) for e in _char_diff_edits(line, fixed, "mojibake"))
        offset += len(line)
    return edits


# --- a quick, exact answer to "could any line be mojibake?" -----------------------------
#
# ftfy.is_bad runs a large regular expression at every position of a line, which cost more
# than half a millisecond per text document (of ~5 ms in all) though almost no document has
# mojibake. But every alternative of that expression needs some character of a small set
# (its "triggers": e.g. one of the currency signs or a C1 control, never a plain letter),
# and a match is at most a few characters long. So a line can only match within a few
# characters of a trigger: searching those neighbourhoods (cut at the same line ends) finds
# every match the line-by-line search would, plus at most a few where a cut lets `^` match
# mid-line. Those only lead to the exact line-by-line search, so the edits are the same.
# The triggers and the reach are worked out from ftfy's expression itself when this module
# is loaded; where that expression holds something the analysis does not understand, every
# text is searched line by line as before.


class _NoShortcut(Exception):
    """ftfy's expression holds a construct the trigger analysis does not understand."""


def _commonness(chars: frozenset[str]) -> tuple[int, int, int]:
    """How often a set's characters turn up in ordinary European text, roughly: accented
    small letters (å, ä, é) most, then capitals (Å, Ä), then everything else."""
    latin1 = [ch for ch in chars if "\xc0" <= ch <= "\xff" and ch.isalpha()]
    return sum(ch.islower() for ch in latin1), sum(ch.isupper() for ch in latin1), len(chars)


def _badness_triggers() -> tuple[frozenset[str], int] | None:
    """(triggers, reach): every match of ftfy's badness expression contains a trigger
    character and is at most ``reach`` characters long, and the expression looks at nothing
    but what it matches (no look-arounds, no anchors but `^`). None: no shortcut."""
    try:
        from re import _constants as c, _parser as parser  # Python's own parser of patterns
    except ImportError:  # pragma: no cover - a Python without these private modules
        return None
    if BADNESS_RE.flags & (re.IGNORECASE | re.MULTILINE | re.DOTALL | re.LOCALE):
        return None
    start_anchors = {c.AT_BEGINNING, c.AT_BEGINNING_STRING}

    def char_set(items) -> frozenset[str] | None:
        chars: set[str] = set()
        for kind, value in items:
            if kind is c.LITERAL:
                chars.add(chr(value))
            elif kind is c.RANGE and value[1] - value[0] < 4096:
                chars.update(chr(code) for code in range(value[0], value[1] + 1))
            else:  # a negation, a category (\w, \s) or a huge range: not a small set
                return None
        return frozenset(chars)

    def triggers(items) -> frozenset[str] | None:
        """A set of characters of which every match of ``items`` contains one (the one
        least likely in ordinary Latin-1 text), or None if there is none."""
        found: list[frozenset[str]] = []
        for op, av in items:
            if op is c.LITERAL:
                found.append(frozenset(chr(av)))
            elif op in (c.NOT_LITERAL, c.ANY):
                continue
            elif op is c.IN:
                chars = char_set(av)
                if chars is not None:
                    found.append(chars)
            elif op is c.AT:
                if av not in start_anchors:
                    raise _NoShortcut(av)
            elif op in (c.MAX_REPEAT, c.MIN_REPEAT):
                low, _high, sub = av
                inner = triggers(sub)
                if low >= 1 and inner is not None:
                    found.append(inner)
            elif op is c.SUBPATTERN:
                if av[1] & (re.IGNORECASE | re.MULTILINE | re.DOTALL):  # an inline (?i), (?m), (?s)
                    raise _NoShortcut(av)
                inner = triggers(av[-1])
                if inner is not None:
                    found.append(inner)
            elif op is c.BRANCH:
                each = [triggers(branch) for branch in av[1]]
                if all(alternative is not None for alternative in each):
                    found.append(frozenset().union(*each))
            else:  # look-arounds, back-references, conditionals
                raise _NoShortcut(op)
        # Plain ASCII letters, digits and spaces are everywhere: never a useful trigger.
        found = [chars for chars in found if not any(ch.isascii() for ch in chars)]
        return min(found, key=_commonness) if found else None

    try:
        parsed = parser.parse(BADNESS_RE.pattern, BADNESS_RE.flags)
        chars = triggers(parsed)
    except (_NoShortcut, Exception):  # noqa: BLE001 - any surprise in a private API: no shortcut
        return None
    _low, high = parsed.getwidth()
    if chars is None or high >= 64:
        return None
    return frozenset(chars), high


_TRIGGERS = _badness_triggers()
_TRIGGER_RE = re.compile("[" + "".join(re.escape(ch) for ch in sorted(_TRIGGERS[0])) + "]") if _TRIGGERS else None


def may_hold_mojibake(text: str) -> bool:
    """False only if no line of ``text`` is bad for ftfy (``ftfy.is_bad``): then
    mojibake_edits has nothing to fix. True means: look line by line."""
    if _TRIGGERS is None or _TRIGGER_RE is None:
        return True
    reach = _TRIGGERS[1]
    start = end = None  # the neighbourhood being gathered: text[start:end]
    for match in _TRIGGER_RE.finditer(text):
        at = match.start()
        if end is None or at - reach >= end:  # a new neighbourhood: search the one before it
            if end is not None and _neighbourhood_is_bad(text[start:end]):
                return True
            start = max(0, at - reach)
        end = at + reach + 1
    return end is not None and _neighbourhood_is_bad(text[start:end])


def _neighbourhood_is_bad(stretch: str) -> bool:
    return any(BADNESS_RE.search(line) for line in stretch.splitlines(keepends=True))


def _char_diff_edits(before: str, after: str, rule: str) -> list[Edit]:
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    return [
        Edit(i1, i2, before[i1:i2], after[j1:j2], rule, 0.9)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]
