"""The en dash of a number range, which an English OCR model reads as a hyphen (pure).

Swedish typography writes a range of numbers with an en dash, not a hyphen: "barn 0–6
år", "sidorna 12–15", "kl. 13.00–15.30", "1998–2002" (Språkrådet, *Svenska skrivregler*).
Tesseract's English model never writes "–": it reads the en dash as "-". So in a document
that model read, "0-6 år" had an en dash, and it is put back (rule ``range_dash``, its own
edit, revertable like any other).

Only where a hyphen between numbers cannot be anything but a range:

- two numbers of one or two digits (ages, days, pages, hours), of three digits (amounts),
  or four (years); a one-digit number before a two-digit one ("7-18"); each possibly
  a time with minutes ("13.00", "9:30");
- the first smaller than the second (a range goes up; "3-1" may be a score or a code);
- no leading zero (phone numbers: "08-123 45 67", "0155-24 50 00"), no date
  ("2021-06-14": a third number joined by a hyphen), no numbers of different lengths
  but for one digit before two ("SFS 2010-800", the bank giro "123-4567");
- not glued to letters or other digits ("A4-5", "3-årig" are words, not ranges).

An em dash "—" is left alone: an archive may write ranges with one ("7—18"), and the
English model keeps it as it is.
"""

from __future__ import annotations

import re

from nbsclean.edits import Edit

EN_DASH = "\u2013"
_NUMBER = r"(?:\d{1,4}(?:[.:]\d{2})?)"
_RANGE = re.compile(
    r"(?<![\w.,:/\-–—+])"  # not the tail of another number, code, word or date
    r"(?P<first>" + _NUMBER + r")-(?P<second>" + _NUMBER + r")"
    r"(?![\w\-–—/]|[.,:]\d)"  # not followed by more of a number, a date or a word
)
RANGE_DASH_SCORE = 0.9
_NUMBER_CHARS = frozenset("0123456789.:")
_LONGEST_NUMBER = 7  # "1234.56"


def _value(number: str) -> tuple[int, int]:
    """A number as (whole, minutes): "13.30" → (13, 30), "7" → (7, 0)."""
    whole, _, minutes = number.replace(":", ".").partition(".")
    return int(whole), int(minutes or 0)


def _is_range(first: str, second: str) -> bool:
    whole_first, whole_second = first.replace(":", ".").split(".")[0], second.replace(":", ".").split(".")[0]
    if (whole_first.startswith("0") and len(whole_first) > 1) or (whole_second.startswith("0") and len(whole_second) > 1):
        return False  # a phone number or a code
    if ("." in first or ":" in first) != ("." in second or ":" in second):
        return False  # "9-12.30" is not one kind of number
    lengths = (len(whole_first), len(whole_second))
    if lengths[0] != lengths[1] and lengths != (1, 2):
        return False
    return _value(first) < _value(second)


def range_dash_edits(text: str) -> list[Edit]:
    """An en dash for every hyphen in ``text`` that can only be a number range's (see the
    module's docstring); the caller decides that the document was read by a model that
    writes no en dash."""
    edits: list[Edit] = []
    # The hyphens found with str.find, and the pattern tried only at those between digits:
    # scanning the whole text with the pattern costs a tenth of the repair's time.
    at = text.find("-", 1)
    while at != -1:
        if text[at - 1].isdigit() and text[at + 1 : at + 2].isdigit():
            start = at - 1
            while start > 0 and at - start < _LONGEST_NUMBER and text[start - 1] in _NUMBER_CHARS:
                start -= 1
            while not text[start].isdigit():
                start += 1
            match = _RANGE.match(text, start)
            if match and match.end("first") == at and _is_range(match.group("first"), match.group("second")):
                edits.append(Edit(at, at + 1, "-", EN_DASH, "range_dash", RANGE_DASH_SCORE))
        at = text.find("-", at + 1)
    return edits


__all__ = ["EN_DASH", "range_dash_edits"]
