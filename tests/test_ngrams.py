"""The bigram model (nbsclean.repair.ngrams), its use for valid-for-valid words, the evidence
edits carry, and addresses that stay addresses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nbsclean.edits import Edit, apply_edits, compose
from nbsclean.repair.addresses import address_spans
from nbsclean.repair.confusions import ConfusionModel, load_context_rules
from nbsclean.repair.engine import Engine, default_engine, repair_text
from nbsclean.repair.lexicon import lexicon_dir
from nbsclean.repair.ngrams import BOUNDARY, NgramModel, NgramModelError, clauses, count_bigrams, load_model, model_path, write_model

REPO = Path(__file__).resolve().parents[1]

# A damaged document: an English OCR model wrote no å, ä or ö anywhere, so the prior is even.
DAMAGED = (
    "Under den mer aktiva fasen har nagra nya fragor kommit upp. En sadan fraga ar skolans brist pa "
    "lansgemensamma beslutsarenor, vilket paverkar huvudmannens mojligheter att representera varandra. "
)


def build(tmp_path: Path, text: str, name: str = "sv.ngrams") -> NgramModel:
    unigrams, bigrams = count_bigrams(clauses(text))
    path = tmp_path / name
    write_model(path, unigrams, bigrams, {"test": True})
    return NgramModel.load(path)


def engine_with(ngrams: NgramModel | None) -> Engine:
    base = default_engine()
    directory = Path(base.lexicon.directory)
    return Engine(base.lexicon, ConfusionModel.from_tsv(directory / "confusions.tsv"), load_context_rules(directory / "context.tsv"), ngrams)


def test_clauses_end_at_punctuation_and_read_across_hyphens():
    assert list(clauses("Klicka här, sedan på OK-knappen. 12 år")) == [["klicka", "här"], ["sedan", "på", "ok", "knappen"], ["<num>", "år"]]


def test_counts_round_trip_through_the_file(tmp_path):
    model = build(tmp_path, "klicka här. klicka här. du har en fil.")
    assert model.bigram_count("klicka", "här") == 2
    assert model.bigram_count("", "klicka") == 2  # the clause boundary
    assert model.bigram_count("här", "klicka") == 0
    assert model.knows("fil") and not model.knows("stol") and model.knows("")
    assert BOUNDARY in model.vocabulary
    assert 0 < model.discount < 1


def test_a_neighbour_seen_with_a_word_raises_it_and_an_unknown_one_says_nothing(tmp_path):
    model = build(tmp_path, "klicka här. klicka här. klicka här nu. vi har en fil. du har en fil.")
    assert model.context_gain("här", "klicka", None) > 0 > model.context_gain("har", "klicka", None)
    assert model.context_gain("har", None, "en") > 0 > model.context_gain("här", None, "en")
    assert model.context_gain("här", "stol", None) == 0.0  # never seen: no evidence
    assert model.context_gain("här", None, None) == 0.0


def test_a_file_that_is_not_a_model_is_a_named_error(tmp_path):
    bad = tmp_path / "sv.ngrams"
    bad.write_bytes(b"not a model")
    with pytest.raises(NgramModelError):
        NgramModel.load(bad)


def test_the_model_is_loaded_once_and_again_when_its_file_changes(tmp_path):
    assert load_model(tmp_path) is None  # no model: the repair runs without context
    path = model_path(tmp_path)
    path.parent.mkdir()
    build(path.parent, "klicka här.")
    first = load_model(tmp_path)
    assert load_model(tmp_path) is first
    build(path.parent, "klicka här. vi har.")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    second = load_model(tmp_path)
    assert second is not first and second.knows("vi")


def test_the_shipped_model_is_current_and_small():
    path = model_path(lexicon_dir())
    model = load_model(lexicon_dir())
    assert model is not None and path.stat().st_size < 5_000_000
    assert set(model.header["sources"]["packages"]) == {"libreoffice-help-sv", "cfi-sv"}
    assert model.header["tokens"] > 500_000
    # Swedish usage, not invented weights: "här" after "klicka", "är" before "det".
    assert model.context_gain("här", "klicka", None) > model.context_gain("har", "klicka", None)
    assert model.context_gain("år", "tre", None) > model.context_gain("är", "tre", None)


def test_evidence_is_optional_in_an_edit_and_kept_through_composition():
    plain = Edit(0, 3, "har", "här", "context_ngram", 0.9)
    assert "evidence" not in plain.to_dict()  # records without evidence are unchanged
    evidence = {"previous": "den", "following": "mer", "probability": {"har": 0.05, "här": 0.95}}
    with_evidence = plain._replace(evidence=evidence)
    assert Edit.from_dict(json.loads(json.dumps(with_evidence.to_dict()))) == with_evidence
    raw = "xx har mer"
    first = [Edit(0, 2, "xx", "den", "nfc", 1.0)]
    second = [Edit(4, 7, "har", "här", "context_ngram", 0.9, evidence)]
    combined = compose(raw, first, second)
    assert apply_edits(raw, combined) == "den här mer"
    assert combined[-1].evidence == evidence


def test_a_valid_word_becomes_its_rival_when_both_neighbours_say_so(tmp_path):
    # "har" is valid and far commoner than "här"; a model that has seen "den här veckan"
    # turns it, in a damaged document, and says why.
    model = build(tmp_path, "den här veckan. " * 20 + "vi har en fil. " * 20)
    text = DAMAGED + "Under den har veckan kom nya frågor."
    assert "den har veckan" in repair_text(text, engine=engine_with(None)).text
    result = repair_text(text, engine=engine_with(model))
    edit = next(e for e in result.edits if e.before == "har" and e.start > len(DAMAGED))
    assert edit.after == "här" and edit.rule == "context_ngram"
    assert edit.evidence["previous"] == "den" and edit.evidence["following"] == "veckan"
    assert edit.evidence["probability"]["här"] > 0.5 > edit.evidence["probability"]["har"]
    assert apply_edits(text, result.edits) == result.text


def test_a_neighbour_that_speaks_against_the_rival_keeps_the_word(tmp_path):
    # "de här" is common, but "har inneburit" is the perfect tense: "De har inneburit".
    model = build(tmp_path, "de här filerna. " * 30 + "det har inneburit mycket. " * 3)
    text = DAMAGED + "De har inneburit lokal utveckling."
    assert "De har inneburit" in repair_text(text, engine=engine_with(model)).text


def test_one_neighbour_decides_only_with_a_larger_lead(tmp_path):
    # The next word is one the model never saw: "den här" alone decides, when the model has
    # seen it often enough to lead by CONTEXT_ONE_SIDE_MARGIN, and the evidence says the
    # following word was no help.
    text = DAMAGED + "Under den har veckan kom nya frågor."
    strong = build(tmp_path, "den här boken. " * 20 + "vi har en fil. " * 20, "strong.ngrams")
    result = repair_text(text, engine=engine_with(strong))
    edit = next(e for e in result.edits if e.before == "har" and e.start > len(DAMAGED))
    assert edit.after == "här" and edit.rule == "context_ngram" and edit.evidence["following"] == "veckan"
    # Seen as often beside "har" as beside "här": no lead at all, the channel model's "har" stays.
    even = build(tmp_path, "den här boken. " * 20 + "den har en fil. " * 20, "even.ngrams")
    assert "den har veckan" in repair_text(text, engine=engine_with(even)).text


def test_the_neighbour_a_context_rule_does_not_read_can_veto_it(tmp_path):
    # lexicons/context.tsv reads "detta ar" as "detta år"; the following word says "är".
    model = build(tmp_path, "detta är en fil. " * 20 + "detta år kom vi. " * 5 + "ett år kom vi. " * 5)
    text = DAMAGED + "Detta ar en bra sak. Detta ar kom vi hit."
    assert "Detta år en bra" in repair_text(text, engine=engine_with(None)).text
    repaired = repair_text(text, engine=engine_with(model)).text
    assert "Detta är en bra" in repaired and "Detta år kom" in repaired


def test_a_blank_line_ends_the_context(tmp_path):
    # A heading ("Modellen firar ett ar") is no clause with the paragraph after it.
    model = build(tmp_path, "hur är det nu. " * 20 + "ett år kom vi. " * 5)
    text = DAMAGED + "\n\nModellen firar ett ar\n\nDet hände mycket."
    assert "firar ett år\n\nDet" in repair_text(text, engine=engine_with(model)).text


def test_a_correct_word_stays_when_both_neighbours_confirm_it(tmp_path):
    # Without context the channel model reads "far" in a damaged text as "får"; "min far
    # och" is the father.
    text = DAMAGED + "Min far och jag gick hem."
    assert "Min får och" in repair_text(text, engine=engine_with(None)).text
    model = build(tmp_path, "min far och min mor. " * 20 + "du får en fil. " * 20)
    result = repair_text(text, engine=engine_with(model))
    assert "Min far och" in result.text
    assert not [e for e in result.edits if e.before == "far"]


def test_both_neighbours_can_choose_between_two_repairs(tmp_path):
    # "trad" (valid, rare) is "träd" to the channel model, the commoner word; a model that
    # has seen "en röd tråd genom" picks "tråd", and says why.
    text = DAMAGED + "Det finns en rod trad genom arbetet."
    assert "röd träd genom" in repair_text(text, engine=engine_with(None)).text
    model = build(tmp_path, "en röd tråd genom boken. " * 20 + "ett högt träd i skogen. " * 20)
    result = repair_text(text, engine=engine_with(model))
    assert "röd tråd genom" in result.text
    edit = next(e for e in result.edits if e.before == "trad")
    assert edit.rule == "context_ngram" and edit.evidence["probability"]["tråd"] > 0.5 > edit.evidence["probability"]["träd"]


def test_a_neighbour_against_the_rival_keeps_the_channel_models_repair(tmp_path):
    # "röd tråd" was seen, but so was "träd kvar", and that neighbour vetoes "tråd".
    model = build(tmp_path, "en röd tråd genom boken. " * 20 + "ett högt träd kvar i skogen. " * 20)
    text = DAMAGED + "Det finns en rod trad kvar."
    assert "röd träd kvar" in repair_text(text, engine=engine_with(model)).text
    # A following word the model never saw beside either says nothing: "röd" alone decides.
    silent = build(tmp_path, "en röd tråd genom boken. " * 20 + "ett högt träd i skogen. " * 20, "silent.ngrams")
    assert "röd tråd kvar" in repair_text(text, engine=engine_with(silent)).text


def test_clean_swedish_is_never_changed_by_context():
    text = "Under den här tiden har vi fått nya frågor. Min far och jag gick hem för att äta. Det fortsatta arbetet är viktigt."
    assert repair_text(text).edits == []


@pytest.mark.parametrize(
    "damaged, expected",
    [
        ("Epost: martin.geislerQfou.sormland.se", "Epost: martin.geisler@fou.sormland.se"),
        ("Skriv till nettan.eliasson(9regionsormland.se i dag", "Skriv till nettan.eliasson@regionsormland.se i dag"),
        ("Mejla kalle©sormland.se, tack", "Mejla kalle@sormland.se, tack"),
        ("Kontakt: anna.berg(Qskolan.nu.", "Kontakt: anna.berg@skolan.nu."),
        ("Svar ges av nettan.eliasson(Oregionsormland.se.", "Svar ges av nettan.eliasson@regionsormland.se."),
    ],
)
def test_a_damaged_email_address_gets_its_at_sign_back_and_no_swedish_letters(damaged, expected):
    text = DAMAGED + damaged
    result = repair_text(text)
    assert result.text.endswith(expected)
    assert [e.rule for e in result.edits if e.start >= len(DAMAGED)] == ["email_at"]


@pytest.mark.parametrize(
    "address",
    ["fou.sormland.se/rapporter", "www.sormland.se/barn", "martin.geisler@fou.sormland.se", "info.QxQ@sormland.se"],
)
def test_addresses_stay_as_written(address):
    text = DAMAGED + f"Las mer pa {address} i dag."
    assert f"på {address} i dag" in repair_text(text).text


def test_a_lost_space_before_a_sentence_is_not_an_address():
    assert address_spans("barnen.Se till att") == []
    assert address_spans("t.ex. bra, bl.a. här") == []
    assert address_spans("se sormland.se.") == [(3, 14)]


def test_build_tool_skips_when_its_sources_did_not_change(tmp_path):
    text = tmp_path / "archive.txt"
    text.write_text("klicka här. vi har en fil.", encoding="utf-8")
    output = tmp_path / "model.ngrams"
    command = [sys.executable, str(REPO / "tools/build_ngrams.py"), "--without", "libreoffice-help-sv", "--without", "cfi-sv", "--text", str(text), "--output", str(output)]
    first = subprocess.run(command, capture_output=True, text=True, check=True)
    assert "bigrams" in first.stdout and NgramModel.load(output).bigram_count("klicka", "här") == 1
    again = subprocess.run(command, capture_output=True, text=True, check=True)
    assert "up to date" in again.stdout
    text.write_text("klicka här. klicka här.", encoding="utf-8")
    third = subprocess.run(command, capture_output=True, text=True, check=True)
    assert "bigrams" in third.stdout and NgramModel.load(output).bigram_count("klicka", "här") == 2


def test_subtitle_cues_are_read_without_their_numbers_and_timings():
    sys.path.insert(0, str(REPO / "tools"))
    import build_ngrams

    srt = "1\n00:06:14,045 --> 00:06:14,285\nVisst!\n\n2\r\n00:06:19,048 --> 00:06:24,894\r\nSå fan,\r\nvad har du tänkt dig?\r\n\r\n"
    assert build_ngrams.srt_cues(srt) == ["Visst!", "Så fan, vad har du tänkt dig?"]


def test_non_commercial_text_is_never_built_into_the_packaged_lexicon():
    command = [sys.executable, str(REPO / "tools/build_ngrams.py"), "--journal-digital", "--output", str(REPO / "lexicons/ngrams/sv.ngrams")]
    refused = subprocess.run(command, capture_output=True, text=True)
    assert refused.returncode != 0 and "CC BY-NC" in refused.stderr


@pytest.mark.parametrize(
    "damaged, expected",
    [
        ("skola i l[anets alla kommuner", "skola i länets alla kommuner"),  # ä read as "[a" (learned)
        ("en €rlig uppföljning", "en årlig uppföljning"),  # å read as "€" (learned)
    ],
)
def test_noise_characters_inside_words_are_read_as_the_letters_they_stand_for(damaged, expected):
    assert repair_text(DAMAGED + damaged).text == repair_text(DAMAGED).text + expected


@pytest.mark.parametrize(
    "damaged, expected",
    [
        ("det kommer nigon som vet", "det kommer någon som vet"),  # å read as "i" (confusions-prior.tsv)
        ("bra fr barnen", "bra för barnen"),  # "för" read as "fr"
    ],
)
def test_rarer_readings_seen_in_the_training_pairs_are_repaired(damaged, expected):
    assert repair_text(DAMAGED + damaged).text == repair_text(DAMAGED).text + expected


@pytest.mark.parametrize("text", ["Priset är 100 € per termin.", "Se källan [1] och [Bilaga 2].", "Avgiften: €100."])
def test_brackets_and_prices_are_not_words(text):
    assert repair_text(text).edits == []


def test_the_confusion_table_is_what_its_tool_learns_from_the_aligned_pairs(tmp_path):
    # lexicons/confusions.tsv is data learned by tools/learn_confusions.py (make confusions)
    # from samples/rendered, samples/seeds and data/confusion-pairs; never edited by hand.
    output = tmp_path / "confusions.tsv"
    subprocess.run([sys.executable, str(REPO / "tools/learn_confusions.py"), "-o", str(output)], cwd=REPO, check=True, capture_output=True)
    assert output.read_text(encoding="utf-8") == (REPO / "lexicons/confusions.tsv").read_text(encoding="utf-8")


# A model whose "har" is followed by supines ("-at") and whose "här" by nouns ("-en"),
# each seen with many different words; the four commonest forms are classes of their own.
SUPINES = "målat badat lagat städat tvättat packat hoppat kastat spelat ritat tittat frågat".split()
NOUNS = "boken vägen stolen bilen dagen hästen båten katten skogen sjön staden maten".split()
CLASSES_TEXT = "".join(f"vi har {s}. " for s in SUPINES) * 12 + "".join(f"den här {n}. " for n in NOUNS) * 12


def build_with_classes(tmp_path: Path) -> NgramModel:
    unigrams, bigrams = count_bigrams(clauses(CLASSES_TEXT))
    path = tmp_path / "classes.ngrams"
    write_model(path, unigrams, bigrams, {"test": True}, class_words=4)
    return NgramModel.load(path)


def test_a_neighbour_never_seen_speaks_through_its_ending(tmp_path):
    model = build_with_classes(tmp_path)
    assert model.classes is not None and model.classes_know("har") and model.classes_know("här")
    assert model.classes.names[model.classes.of("cyklat")] == "-at"
    assert model.classes.names[model.classes.of("vi")] == "vi"  # a class of its own
    # "cyklat" and "lampen" were never seen: the bigrams alone say nothing ...
    assert model.context_gain("har", None, "cyklat") == model.context_gain("här", None, "cyklat") == 0.0
    # ... their endings do, when asked.
    assert model.context_gain("har", None, "cyklat", classes=True) > 0 > model.context_gain("här", None, "cyklat", classes=True)
    assert model.context_gain("här", None, "lampen", classes=True) > 0 > model.context_gain("har", None, "lampen", classes=True)
    # A neighbour that is a class of its own, or a rare candidate word, gets no class evidence.
    assert model.context_gain("har", "den", None, classes=True) == model.context_gain("har", "den", None)
    assert not model.classes_know("boken")


def test_word_classes_may_replace_a_word_but_never_keep_one(tmp_path, monkeypatch):
    from nbsclean.repair import engine

    model = build_with_classes(tmp_path)
    text = DAMAGED + "Titta, har lampen lyser. Vi har cyklat hem."
    repaired = repair_text(text, engine=engine_with(model))
    assert "här lampen" in repaired.text and "har cyklat" in repaired.text
    edit = next(e for e in repaired.edits if e.before == "har" and e.start > len(DAMAGED))
    assert edit.rule == "context_ngram" and edit.evidence["following"] == "lampen"
    monkeypatch.setattr(engine, "CONTEXT_WORD_CLASSES", False)
    assert "har lampen" in repair_text(text, engine=engine_with(model)).text


def test_a_word_decided_without_its_waiting_neighbour_gets_a_second_look(tmp_path, monkeypatch):
    from nbsclean.repair import engine

    # "nar" waits for its own neighbours, so "andras" is first decided on "endast" alone,
    # which the model never saw; once "nar" is "när", "ändras när" decides.
    model = build(tmp_path, "den kan ändras när du vill. " * 20 + "de andras bok. " * 3 + "vi kom när du kom. " * 20)
    text = DAMAGED + "Den kan endast andras nar du vill."
    result = repair_text(text, engine=engine_with(model))
    assert "endast ändras när du" in result.text
    edit = next(e for e in result.edits if e.before == "andras")
    assert edit.rule == "context_ngram" and edit.evidence["following"] == "när"
    monkeypatch.setattr(engine, "SECOND_LOOK", False)
    assert "endast andras när du" in repair_text(text, engine=engine_with(model)).text
