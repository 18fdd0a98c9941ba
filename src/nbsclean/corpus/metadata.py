"""Newsletter metadata read from the cleaned text: issue number, year, title.

Pure functions, no I/O. The archive's newsletters open with a masthead such as
``NYHETSBREV 24:1`` (year 2024, issue 1 of that year); some scans read it as
``NYHETS BREV`` or ``NYHETSBRIV``. Reports and older letters have no masthead; for them
the year is a guess from the years the text mentions, and ``year_source`` says so.

Result (every value may be ``None`` when the text does not give it)::

    {"issue": "24:1", "year": 2024, "year_source": "issue" | "text" | None,
     "title": "Tillsammans för barnens bästa i Sörmland"}
"""

from __future__ import annotations

import re

import regex

# How many opening lines may hold the masthead and the title.
HEAD_LINES = 15

# Masthead with an issue number: "NYHETSBREV 24:1", "NYHETS BREV 25:3", "Nyhetsbrev nr 24:1".
# The letters after "NYHETS" are loose on purpose: OCR reads BREV as BRIV, BREY, 8REV.
MASTHEAD = re.compile(
    r"""
    ^\W*                              # markdown or bullets before the word
    nyhets\s?[a-z0-9]{3,4}            # NYHETSBREV, NYHETS BREV, NYHETSBRIV
    (?:\s+(?:nr|nummer)\.?)?          # optional "nr"
    \s+(?P<yy>\d{2}):(?P<n>\d{1,2})   # 24:1 - two-digit year, issue within the year
    \b
    """,
    re.IGNORECASE | re.VERBOSE,
)

# A line that is only an issue number ("24:1"), as a masthead split over two lines reads.
BARE_ISSUE = re.compile(r"^\W*(?P<yy>\d{2}):(?P<n>\d{1,2})\W*$")

# Years the newsletters can mention (the archive starts in the 1990s): not after a digit,
# ":", "/", "." or "-" (see _years; a look-behind here made the search 4x slower: the
# expression then no longer starts with a "1" or "2" the search can skip to).
YEAR = re.compile(r"(?:199\d|20\d\d)(?![\d:/-])")
NOT_BEFORE_YEAR = ":/.-"

# Markdown emphasis, headings and link syntax around a title line.
MARKUP = re.compile(r"[*_#`>]+|\[([^\]]*)\]\([^)]*\)")

# A title has letters and is not a sentence that runs on: short, no final full stop.
MAX_TITLE_CHARS = 120


def extract_metadata(text: str) -> dict:
    """Issue number, year and title of one newsletter, from its (cleaned) text."""
    first_page = text.split("\f", 1)[0]
    head = _head_lines(first_page)
    issue = _find_issue(head)
    year, year_source = _find_year(issue, text)
    return {"issue": issue, "year": year, "year_source": year_source, "title": _find_title(head)}


def _head_lines(page: str) -> list[str]:
    """The first HEAD_LINES non-blank lines, stripped (the lines after them are not)."""
    head = []
    for line in page.splitlines():
        line = line.strip()
        if line:
            head.append(line)
            if len(head) == HEAD_LINES:
                break
    return head


def _find_issue(head: list[str]) -> str | None:
    for line in head:
        match = MASTHEAD.search(line) or BARE_ISSUE.search(line)
        if match:
            return f"{match['yy']}:{int(match['n'])}"
    return None


def _find_year(issue: str | None, text: str) -> tuple[int | None, str | None]:
    """The issue number names the year; otherwise the latest year the text mentions.

    The latest rather than the most frequent: letters repeat their start year ("startade
    ... 2021") in every issue, while the newest year mentioned is usually the current one.
    Years in the future of the letter (plans: "under 2026") make this a guess, hence
    ``year_source = "text"``.
    """
    if issue:
        return 2000 + int(issue.split(":")[0]), "issue"
    years = _years(text)
    if not years:
        return None, None
    return max(years), "text"


def _years(text: str) -> list[int]:
    """Every year YEAR finds that does not follow a digit or one of NOT_BEFORE_YEAR. (A
    rejected match cannot hide an accepted one: a year starting inside it would follow
    one of its digits.)"""
    years = []
    for match in YEAR.finditer(text):
        start = match.start()
        before = text[start - 1] if start else ""
        if not (before.isdecimal() or (before and before in NOT_BEFORE_YEAR)):
            years.append(int(match.group()))
    return years


def _find_title(head: list[str]) -> str | None:
    for line in head:
        if MASTHEAD.search(line) or BARE_ISSUE.search(line):
            continue
        candidate = _strip_markup(line)
        if _looks_like_title(candidate):
            return candidate
    return None


def _strip_markup(line: str) -> str:
    return " ".join(MARKUP.sub(lambda m: m.group(1) or "", line).split())


def _looks_like_title(line: str) -> bool:
    letters = sum(1 for ch in line if ch.isalpha())
    return (
        letters >= 3
        and len(line) <= MAX_TITLE_CHARS
        and not line.endswith(".")
        and regex.search(r"\p{L}{2}", line) is not None
    )
