"""Word classes from hunspell's affix flags (nbsclean.repair.wordclasses) and the context
rules that read them (lexicons/context.tsv: ``@finite``, ``@neuter``)."""

from __future__ import annotations

import lzma
import subprocess
import sys
from pathlib import Path

import pytest

from nbsclean.repair.confusions import load_context_rules
from nbsclean.repair.engine import repair_text
from nbsclean.repair.lexicon import lexicon_dir
from nbsclean.repair.wordclasses import (
    CLASSES,
    CLASSES_FILE,
    ClassPattern,
    form_readings,
    load_table,
    readings_of,
)

REPO = Path(__file__).resolve().parents[1]

# A dictionary of four stems with the affix rules of the Swedish one (sv_SE.aff's flags).
AFF = """SET UTF-8
SFX B Y 2
SFX B 0 et [^a]
SFX B 0 nde a
SFX D Y 2
SFX D 0 en [^a]
SFX D 0 nde a
SFX G Y 2
SFX G 0 ar [^ae]
SFX G 0 arna [^ae]
SFX m Y 1
SFX m 0 r .
SFX P Y 3
SFX P 0 d a
SFX P 0 de a
SFX P 0 t a
SFX z N 1
SFX z 0 a/WXZ [^ae]
"""
DIC = """5
hus/BD
bil/DGz
bada/BDmP
stor/>X
Ystad/B
"""


def names(bits: int) -> set[str]:
    return {name for name, bit in CLASSES.items() if bits & bit}


def test_every_form_gets_the_readings_its_rules_give():
    readings = form_readings(DIC, AFF)
    assert names(readings["hus"]) == {"neuter", "plural"}  # a neuter noun on a consonant: "ett hus", "två hus"
    assert names(readings["huset"]) == {"noun-form"}
    assert names(readings["bil"]) == {"common"}
    assert names(readings["bilar"]) == {"plural"}
    assert names(readings["badar"]) == {"finite"}
    assert names(readings["badade"]) == {"finite", "verb-form"}  # a past tense and a participle
    assert names(readings["badat"]) == {"verb-form"}
    assert "bila" not in readings  # a compound's first part (its rule has continuation flags)
    assert "stor" not in readings  # a line that only makes compounds
    assert names(readings["ystad"]) == {"name"}


def test_a_class_pattern_needs_its_first_class_and_nothing_outside_those_named(tmp_path):
    from nbsclean.repair.wordclasses import write_table

    table = tmp_path / "classes.marisa"
    write_table(table, form_readings(DIC, AFF))
    neuter = ClassPattern("@neuter|plural", table)
    assert neuter.fullmatch("hus") and not neuter.fullmatch("bilar") and not neuter.fullmatch("bil")
    assert not neuter.fullmatch("okänt") and not neuter.fullmatch("")
    assert ClassPattern("@finite", table).fullmatch("badar")
    assert not ClassPattern("@finite", table).fullmatch("badade")  # also a participle ("badade barn")
    with pytest.raises(ValueError):
        ClassPattern("@verb", table)


def test_context_tsv_reads_class_patterns_beside_regexes(tmp_path):
    rules = load_context_rules(lexicon_dir() / "context.tsv")
    har = [r for r in rules["har"] if isinstance(r.following, ClassPattern)]
    assert har and har[0].alternative == "här"
    assert har[0].matches("", "bodde") and not har[0].matches("", "bott")


def test_the_shipped_table_is_what_its_tool_makes_of_the_shipped_dictionary():
    hunspell = lexicon_dir() / "hunspell"
    dic = lzma.decompress((hunspell / "sv_SE.dic.xz").read_bytes()).decode("utf-8")
    aff = lzma.decompress((hunspell / "sv_SE.aff.xz").read_bytes()).decode("utf-8")
    readings = form_readings(dic, aff)
    table = load_table(lexicon_dir() / CLASSES_FILE)
    assert len(table) == len(readings)
    for word in ("bodde", "förklaras", "öga", "flygfält", "dagar", "förstås", "utbildade"):
        assert readings_of(word, table) == readings[word]
    assert names(readings["bodde"]) == {"finite"} and names(readings["öga"]) == {"neuter"}
    assert "finite" not in names(readings["förstås"])  # an adverb too: "har förstås"
    assert "verb-form" in names(readings["utbildade"])  # "har utbildade lärare"


@pytest.mark.parametrize(
    "damaged, expected",
    [
        # an English OCR model wrote no å, ä or ö: the document prior lets valid words change
        ("Nu ar det manga ar sedan. Har bodde forr i tiden en fiskare med sin familj.", "Här bodde"),
        ("Nu ar det manga ar sedan, och vi vet att vart flygfalt ar svart skadat.", "vårt flygfält"),
        ("Nu ar det manga ar sedan, och vi vet att vart flygfält ar svart skadat.", "vårt flygfält"),
        ("Nu ar det manga ar sedan. Men detta ar upptakten till allt.", "detta är upptakten"),
        ("Nu ar det manga ar sedan. Kunderna nyttjar vara tjänster varje dag.", "nyttjar våra tjänster"),
        ("Nu ar det manga ar sedan. Det ar en svar konst att skriva.", "en svår konst"),
        ("Nu ar det manga ar sedan. Da gick det att andra installningarna.", "att ändra inställningarna"),
    ],
)
def test_grammar_of_the_next_word_decides_a_valid_word(damaged, expected):
    assert expected in repair_text(damaged).text


@pytest.mark.parametrize(
    "damaged",
    [
        "Nu ar det manga ar sedan. Skylten har satts upp vid vagen.",  # bigrams know "har satts"
        "Nu ar det manga ar sedan. Vi har forstas inte glomt det.",
        "Nu ar det manga ar sedan. Vi har utbildade larare.",
        "Nu ar det manga ar sedan. En gang vart ar kom han.",  # "ar" waits for its own decision
    ],
)
def test_correct_words_stay_beside_words_of_the_class(damaged):
    repaired = repair_text(damaged).text
    assert "har" in repaired.split() or "vart" in repaired.split()


def test_the_classes_never_change_clean_swedish():
    text = "Här bodde en fiskare. Vi har bott här länge, och vart år kommer de tillbaka. Vara borta är svårt."
    assert repair_text(text).edits == []


def test_the_build_tool_rebuilds_the_same_table(tmp_path):
    shipped = (lexicon_dir() / CLASSES_FILE).read_bytes()
    subprocess.run([sys.executable, str(REPO / "tools" / "build_word_classes.py")], check=True, capture_output=True)
    assert (lexicon_dir() / CLASSES_FILE).read_bytes() == shipped
