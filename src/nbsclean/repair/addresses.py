"""E-mail and web addresses, also where OCR damaged them: found so that the word repair
leaves them alone, and the "@" that OCR misread put back where that is certain (pure).

OCR reads "@" as "Q", "(9", "(@", "(Q", "(O" or "©" ("martin.geislerQfou.sormland.se"), so an address
cannot be found from its "@" alone. It is found from its domain instead: letters, dots and
hyphens ending in a top-level domain that Swedish newsletters use (".se", ".nu", ".com",
...), in lower case, as addresses are written ("barnen.Se" is a lost space before a
sentence, not a domain). The whole run of address characters around it is protected; a
Swedish letter is never put into it ("sormland.se" stays: the domain is what it is).
"""

from __future__ import annotations

import re
from typing import Iterator

from nbsclean.edits import Edit

TOP_LEVEL_DOMAINS = ("se", "nu", "com", "org", "net", "eu", "info", "fi", "no", "dk", "de", "uk", "io", "edu", "gov")
_DOMAIN_END = re.compile(r"[^\W_]\.(?:" + "|".join(TOP_LEVEL_DOMAINS) + r")(?![^\W_])")
# The same ending found from its dot: a pattern that begins with a literal lets the regex
# engine jump from dot to dot instead of trying every letter of the text (several times
# faster; address_spans runs over every text the repair sees). The letter before the dot
# ([^\W_], which is str.isalnum()) is checked in Python: see _domain_ends.
_DOT_DOMAIN = re.compile(r"\.(?:" + "|".join(TOP_LEVEL_DOMAINS) + r")(?![^\W_])")
# Characters of an address: letters, digits, . _ - + and the "@" with its OCR misreadings.
_ADDRESS_CHAR = re.compile(r"[\w.+\-@©(]")
_PATH_CHAR = re.compile(r"[\w./\-?=&%#~+:]")
_TRAILING = ".,;:!?)-"
# How OCR wrote the "@": the character itself, "©", the circle's left arc as "(" before
# the inner "a" read as "9", "@", "Q" or the ring as a capital "O" ("(9", "(@", "(Q", "(O";
# no address holds a "("), or a capital Q between lower-case letters (no name or word has
# one there).
_AT_READINGS = re.compile(r"(?<=[^\W_])(?:@|©|\([9@QO]|(?<=[a-zåäö0-9])Q(?=[a-zåäö0-9]))(?=[^\W_])")


def address_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every domain-shaped address in ``text`` (e-mail addresses with or
    without a readable "@", bare domains and their paths), in text order, not merged."""
    spans: list[tuple[int, int]] = []
    if "." not in text:
        return spans
    for match_start, match_end in _domain_ends(text):
        if spans and match_start < spans[-1][1]:
            continue
        start = match_start
        while start > 0 and _ADDRESS_CHAR.match(text, start - 1):
            start -= 1
        while start < match_start and not text[start].isalnum():
            start += 1  # "(" or "." before the address is punctuation, not address
        end = match_end
        while end < len(text) and _PATH_CHAR.match(text, end):
            end += 1
        while end > match_end and text[end - 1] in _TRAILING:
            end -= 1
        spans.append((start, end))
    return spans


def _domain_ends(text: str) -> Iterator[tuple[int, int]]:
    """The (start, end) of every match ``_DOMAIN_END.finditer(text)`` gives, in order.

    Dot-first matches never overlap (a top-level domain holds no dot), so each one found
    is kept when the letter before its dot is alphanumeric and that letter lies at or after
    the end of the previous kept match, as finditer's own scan would have it.
    """
    resume = 0
    for match in _DOT_DOMAIN.finditer(text):
        letter = match.start() - 1
        if letter >= resume and text[letter].isalnum():
            resume = match.end()
            yield letter, resume


def at_sign_repairs(text: str, spans: list[tuple[int, int]]) -> list[Edit]:
    """Edits that put back an "@" OCR misread, one per address where that is certain: the
    address has no "@" and no web prefix, and exactly one misreading stands between a
    local part and a domain ("martin.geislerQfou.sormland.se", "anna(9region.se")."""
    edits: list[Edit] = []
    for start, end in spans:
        address = text[start:end]
        if "@" in address or "/" in address or address.lower().startswith("www."):
            continue
        readings = list(_AT_READINGS.finditer(address))
        if len(readings) != 1:
            continue
        reading = readings[0]
        domain = address[reading.end() :]
        if "." not in domain:
            continue
        edits.append(Edit(start + reading.start(), start + reading.end(), reading.group(), "@", "email_at", 0.95))
    return edits


__all__ = ["TOP_LEVEL_DOMAINS", "address_spans", "at_sign_repairs"]
