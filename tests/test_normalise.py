"""Normalisation: NFC, ligatures, line-end hyphens, bullets read as "e", "|" read as "I".

Each fix is tested on its own (offsets into its input) and through ``normalise`` (edits
composed onto the original text).
"""

from __future__ import annotations

import unicodedata

import pytest

from nbsclean.edits import apply_edits
from nbsclean.repair.normalise import (
    fix_bar_as_capital_i,
    fix_ligatures,
    fix_misread_bullets,
    fix_nfc,
    join_line_end_hyphens,
    normalise,
)


def run(fix, text: str) -> str:
    edits = fix(text)
    return apply_edits(text, edits)


# --- hyphen joins -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,expected",
    [
        ("startade utvecklingsarbetet Till-\nsammans för barnens", "startade utvecklingsarbetet Tillsammans för barnens"),
        ("med ett helhetsper-\nspektiv kring", "med ett helhetsperspektiv kring"),
        ("Kart-\nläggningen kring samverkan", "Kartläggningen kring samverkan"),
        ("Till- \n  sammans", "Tillsammans"),  # spaces around the break
        ("Till-\r\nsammans", "Tillsammans"),  # Windows line ends
        ("Till\u00ad\nsammans", "Tillsammans"),  # soft hyphen at the line end
        ("Röda Korsets lokalav-\n\ndelning, som", "Röda Korsets lokalavdelning, som"),  # OCR's blank line inside a paragraph
    ],
)
def test_words_broken_at_a_line_end_are_joined(text, expected):
    assert run(join_line_end_hyphens, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "barn-\noch ungdomsnämnden",
        "hälso-\noch sjukvården",
        "förskole-\neller skolbarn",
        "Familje-\nsamt skolpedagoger",
        "2021-\n2022",  # a range of years
        "Dialog-\n\nNästa stycke",  # a paragraph break is not a line break inside a word
        "Dialog-\n\n\nnästa stycke",  # nor two blank lines, whatever follows
        "Till-\nSammans",  # a capital after the break starts a new word
    ],
)
def test_real_hyphens_at_a_line_end_are_kept(text):
    assert join_line_end_hyphens(text) == []


def test_an_acronym_keeps_its_hyphen_but_loses_the_line_break():
    edits = join_line_end_hyphens("barn med NPF-\nliknande problematik")
    assert [(e.before, e.after, e.rule) for e in edits] == [("-\n", "-", "hyphen_join")]
    assert run(join_line_end_hyphens, "barn med NPF-\nliknande problematik") == "barn med NPF-liknande problematik"


def test_a_known_hyphenated_form_keeps_its_hyphen():
    known = {"e-post", "barn-och"}.__contains__
    assert run(lambda t: join_line_end_hyphens(t, known), "skicka e-\npost") == "skicka e-post"
    assert run(lambda t: join_line_end_hyphens(t, known), "Till-\nsammans") == "Tillsammans"


def test_hyphen_join_edits_cover_only_the_break():
    text = "Till-\nsammans"
    [edit] = join_line_end_hyphens(text)
    assert (edit.start, edit.end, edit.before, edit.after) == (4, 6, "-\n", "")
    assert 0.0 < edit.score <= 1.0


# --- bullets ------------------------------------------------------------------------------------


def test_a_bullet_read_as_e_at_line_start_becomes_a_bullet():
    text = "Nedan ger vi exempel:\n\ne Dialog och diskussioner kring\nmöjliga vägar\ne Kartläggningen kring samverkan"
    expected = "Nedan ger vi exempel:\n\n• Dialog och diskussioner kring\nmöjliga vägar\n• Kartläggningen kring samverkan"
    edits = fix_misread_bullets(text)
    assert apply_edits(text, edits) == expected
    assert {e.rule for e in edits} == {"bullet"}


def test_a_symbol_at_line_start_is_a_bullet_whatever_follows():
    text = "Några enkla råd:\n* sänk temperaturen\n¢ byt till LED-lampor\n« Stäng av apparater"
    assert run(fix_misread_bullets, text) == "Några enkla råd:\n• sänk temperaturen\n• byt till LED-lampor\n• Stäng av apparater"


def test_an_indented_bullet_keeps_its_indent():
    assert run(fix_misread_bullets, "   e Dialog") == "   • Dialog"


@pytest.mark.parametrize(
    "text",
    [
        "e-post till alla vårdnadshavare",
        "e-tjänsterna öppnar i april",
        "e. Dialog med skolan",
        "e dialog med skolan",  # lower case after: not a bullet list item
        "Vi har e Dialog",  # not at a line start
        "Ett mål för året",
    ],
)
def test_an_e_that_is_a_word_or_prefix_is_left_alone(text):
    assert fix_misread_bullets(text) == []


# --- bar read as I ------------------------------------------------------------------------------


def test_a_bar_before_a_word_is_the_word_I():
    text = "nyttjar våra tjänster. | detta arbete\n| maj startar"
    assert run(fix_bar_as_capital_i, text) == "nyttjar våra tjänster. I detta arbete\nI maj startar"
    assert {e.rule for e in fix_bar_as_capital_i(text)} == {"bar_as_I"}


@pytest.mark.parametrize("text", ["a|b", "||", "|detta", "x |", "Rubrik |\nnästa rad"])
def test_bars_that_are_not_a_lone_capital_I_are_left_alone(text):
    assert fix_bar_as_capital_i(text) == []


def test_a_bar_used_as_column_rule_mid_line_is_left_alone():
    assert fix_bar_as_capital_i("Eskilstuna | Nyköping | Strängnäs") == []


def test_a_bar_after_a_sentence_end_before_a_capital_is_the_sentence_starting_I():
    text = "och översvämningar. | Västsverige är det svårt. | Mölndal"
    assert run(fix_bar_as_capital_i, text) == "och översvämningar. I Västsverige är det svårt. I Mölndal"
    # also where the English model made a digit of the word's first letter
    assert run(fix_bar_as_capital_i, "och 6versvamningar. | Vastsverige") == "och 6versvamningar. I Vastsverige"


@pytest.mark.parametrize("text", ["Tel. | Fax 0155-123", "år 2024. | Jan", "Kontakt: Anna A. | Sörmland", "se www.x.se. | Hem"])
def test_a_bar_after_an_abbreviation_or_initial_stays_a_separator(text):
    assert fix_bar_as_capital_i(text) == []


# --- Unicode ------------------------------------------------------------------------------------


def test_decomposed_letters_are_composed():
    decomposed = unicodedata.normalize("NFD", "Sörmland är bäst på Åland")
    assert decomposed != "Sörmland är bäst på Åland"
    edits = fix_nfc(decomposed)
    assert apply_edits(decomposed, edits) == "Sörmland är bäst på Åland"
    assert len(edits) == 5  # ö, ä, ä, å, Å
    assert {e.rule for e in edits} == {"nfc"}
    assert all(len(e.before) == 2 and len(e.after) == 1 for e in edits)


def test_angstrom_sign_becomes_a_ring():
    assert run(fix_nfc, "\u212bland") == "\u00c5land"


def test_nfc_text_gets_no_edits():
    assert fix_nfc("Sörmland är bäst på Åland") == []


def test_ligatures_become_letters():
    text = "Det \ufb01nns \ufb02era e\ufb00ekter"
    assert run(fix_ligatures, text) == "Det finns flera effekter"
    assert {e.rule for e in fix_ligatures(text)} == {"ligature"}


# --- the whole normalisation --------------------------------------------------------------------


def test_normalise_composes_every_fix_onto_the_original_text():
    raw = unicodedata.normalize("NFD", "Nedan:\ne Dialog om Till-\nsammans för bästa\n| detta arbe-\nte ﬁnns NPF-\nliknande")
    text, edits = normalise(raw)
    assert text == "Nedan:\n• Dialog om Tillsammans för bästa\nI detta arbete finns NPF-liknande"
    assert apply_edits(raw, edits) == text
    assert unicodedata.is_normalized("NFC", text)
    assert {e.rule for e in edits} == {"nfc", "bullet", "hyphen_join", "bar_as_I", "ligature"}
    for edit in edits:
        assert raw[edit.start : edit.end] == edit.before
        assert 0.0 <= edit.score <= 1.0


def test_normalise_leaves_clean_layout_alone():
    clean = (
        "Samverkan mellan socialtjänst, skola och barn-\noch ungdomspsykiatrin fortsätter.\n"
        "e-tjänsterna för vårdnadshavare öppnar den 1 april.\nI maj hålls en träff kl. 13.00–15.30.\n"
        "• Ett mål för året: alla kommuner ska ha en plan."
    )
    assert normalise(clean) == (clean, [])
