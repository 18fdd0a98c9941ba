"""Newsletter metadata (issue, year, title) read from the text."""

from pathlib import Path

import pytest

from nbsclean.corpus.metadata import extract_metadata

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def seed_text(name: str) -> str:
    """The archive's clean newsletters, as kept in the repository's fixtures."""
    return (SAMPLES / "negative" / f"clean{name}.input.txt").read_text(encoding="utf-8")


def test_masthead_gives_issue_year_and_title():
    meta = extract_metadata(seed_text("000"))
    assert meta == {
        "issue": "24:1",
        "year": 2024,
        "year_source": "issue",
        "title": "Tillsammans för barnens bästa i Sörmland",
    }


def test_masthead_split_as_two_words():
    meta = extract_metadata(seed_text("001"))
    assert (meta["issue"], meta["year"]) == ("25:3", 2025)


def test_without_masthead_the_year_is_the_latest_mentioned():
    meta = extract_metadata(seed_text("003"))
    assert meta["issue"] is None
    assert (meta["year"], meta["year_source"]) == (2023, "text")
    assert meta["title"] == "Tillsammans för barnens bästa i Sörmland"


@pytest.mark.parametrize(
    "text, issue",
    [
        ("NYHETSBREV 24:1\n\nRubrik här", "24:1"),
        ("**Nyhetsbrev nr 23:04**\n\nRubrik", "23:4"),
        ("NYHETSBRIV 22:2\nRubrik", "22:2"),  # OCR-damaged masthead
        ("NYHETSBREV\n24:3\nRubrik", "24:3"),  # masthead over two lines
    ],
)
def test_masthead_variants(text, issue):
    assert extract_metadata(text)["issue"] == issue


def test_title_skips_markup_and_sentences():
    text = "# *Barnens bästa*\n\nTexten börjar här."
    assert extract_metadata(text)["title"] == "Barnens bästa"
    assert extract_metadata("Det här är en mening.\n")["title"] is None


def test_numbers_that_are_not_years_or_issues_are_ignored():
    meta = extract_metadata("Möte\nKlockan 13:30 i sal 7—18, telefon 016-2019 00.\n")
    assert meta["issue"] is None
    assert meta["year"] is None


def test_title_comes_from_the_first_page_only():
    assert extract_metadata("\n\f Rubrik på sidan två")["title"] is None


def test_years_are_found_where_a_look_behind_expression_finds_them():
    """The year search skips to a "1" or "2" and checks the character before a year in
    Python; it must accept exactly the years a look-behind expression would."""
    import random
    import re

    from nbsclean.corpus.metadata import _years

    look_behind = re.compile(r"(?<![\d:/.-])(?:199\d|20\d\d)(?![\d:/-])")
    rng = random.Random(7)
    alphabet = "01299 :/.-a\n٣"  # "٣" is a digit to \d as well (Arabic-Indic three)
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24)))
        assert _years(text) == [int(year) for year in look_behind.findall(text)], text
    assert _years("1/2024, 12024, -2023, 2019 och 2021") == [2019, 2021]
