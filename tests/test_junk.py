"""The ocr_junk rule and no word repairs on a page read poorly (pure: no OCR here)."""

from __future__ import annotations

from nbsclean.edits import Edit, apply_edits
from nbsclean.extract.model import Page
from nbsclean.pipeline import PipelineOptions, build_record
from nbsclean.extract import ExtractedDocument
from nbsclean.extract.ocr import OcrWord
from nbsclean.extract.quality import junk_spans
from nbsclean.repair.junk import junk_edits


def ocr_page(raw: str, junk: list[tuple[int, int]], verdict: str) -> Page:
    return Page(
        n=1, method="ocr", reason="image file", ocr_lang="swe", ocr_conf=70.0, raw_text=raw,
        rotation=0, skew=0.0, quality={"verdict": verdict, "reasons": []}, junk_spans=junk,
    )


def record_of(page: Page) -> dict:
    document = ExtractedDocument(source="x.png", kind="image", sha256="0" * 64, bytes=1, pages=[page])
    return build_record(document, PipelineOptions(), None)


def test_junk_tokens_are_removed_as_their_own_revertable_edits():
    raw = "med soppa | och bröd ., efteråt"
    spans = [(raw.index("|"), raw.index("|") + 1), (raw.index(".,"), raw.index(".,") + 2)]
    record = record_of(ocr_page(raw, spans, "ok"))
    junk = [edit for edit in record["edits"] if edit["rule"] == "ocr_junk"]
    assert [edit["before"] for edit in junk] == [" |", " .,"]
    assert record["text"] == "med soppa och bröd efteråt"


def test_a_poor_page_gets_no_word_repairs_only_layout_fixes():
    raw = "Sérmlands lan och bdsta till-\nsammans"
    ok_record = record_of(ocr_page(raw, [], "ok"))
    assert any(edit["rule"] != "hyphen_join" for edit in ok_record["edits"])  # repaired when ok
    poor_record = record_of(ocr_page(raw, [], "poor"))
    assert {edit["rule"] for edit in poor_record["edits"]} <= {"hyphen_join"}
    assert "Sérmlands" in poor_record["text"] and "tillsammans" in poor_record["text"]


def test_junk_edits_replay_and_never_overlap():
    raw = "| a ; b |"
    edits = junk_edits(raw, [(0, 1), (4, 5), (8, 9)])
    text = apply_edits(raw, edits)
    assert text == "a b"
    assert all(a.end <= b.start for a, b in zip(edits, edits[1:]))


def test_a_speck_glued_between_two_words_on_a_poor_page_becomes_a_space():
    raw = "Den:första lördagen vill vi fira'med er. Skriv till anna.berg@skolan.se eller info.kultur.nu i dag."
    record = record_of(ocr_page(raw, [], "poor"))
    marks = [e for e in record["edits"] if e["rule"] == "ocr_speck_mark"]
    assert [(m["before"], m["after"]) for m in marks] == [(":", " "), ("'", " ")]
    assert record["text"].startswith("Den första lördagen vill vi fira med er.")
    assert "anna.berg@skolan.se eller info.kultur.nu" in record["text"]  # addresses keep their dots
    assert apply_edits(raw, [Edit.from_dict(e) for e in record["edits"]]) == record["text"]


def test_glued_marks_are_left_alone_where_they_may_be_real():
    from nbsclean.repair.junk import speck_mark_edits

    def known(word):
        return word.lower() in {"hej", "jag", "andakt", "varje", "bl", "t", "ex", "dag"}

    for text in ("Hej,jag kommer", "andakt.Varje dag", "t.ex. i dag", "bl.a. i dag", "se www.andakt.se"):
        assert speck_mark_edits(text, known, lambda word: False) == [], text
    # On a page read well, a mark between two words is the repair's business, not a speck.
    ok = record_of(ocr_page("Den:första lördagen", [], "ok"))
    assert not [e for e in ok["edits"] if e["rule"] == "ocr_speck_mark"]


def test_a_vowel_mark_added_or_lost_by_a_speck_is_put_right_on_a_poor_page():
    raw = "Den gemensamma kåmpost blév full, ställ in kannorna i förradet. Skriv till karl.stål@exempel.se, Karl Stål."
    record = record_of(ocr_page(raw, [], "poor"))
    # (ocr_speck_word, which looks at every one-letter change, takes the words it is sure of)
    letters = [(e["before"], e["after"]) for e in record["edits"] if e["rule"] in ("ocr_speck_letter", "ocr_speck_word")]
    assert letters == [("å", "o"), ("é", "e"), ("a", "å")]
    assert "kompost blev full" in record["text"] and "förrådet" in record["text"]
    assert "karl.stål@exempel.se, Karl Stål." in record["text"]  # addresses and names as read
    assert apply_edits(raw, [Edit.from_dict(e) for e in record["edits"]]) == record["text"]
    # On a page read well, the repair decides; this rule does not run.
    ok = record_of(ocr_page(raw, [], "ok"))
    assert not [e for e in ok["edits"] if e["rule"] == "ocr_speck_letter"]


def test_a_mark_is_left_as_read_when_two_words_are_one_mark_away():
    from nbsclean.repair.junk import speck_letter_edits

    frequencies = {"gar": 3.6, "går": 6.2, "kompost": 3.2, "vara": 6.0, "våra": 5.5}

    def listed(lower):
        return frequencies.get(lower, 0.0)

    # "går" is far commoner than "gar": the dots become the ring.
    edits = speck_letter_edits("gär kåmpost", listed, listed)
    assert [(e.start, e.before, e.after) for e in edits] == [(1, "ä", "å"), (5, "å", "o")]
    # "vära": "vara" and "våra" are both common, one mark away: nothing is changed.
    assert speck_letter_edits("vära", listed, listed) == []


def read_words(tokens: list[tuple[str, float]]) -> list[OcrWord]:
    words, start = [], 0
    for text, conf in tokens:
        words.append(OcrWord(start, start + len(text), text, conf, 0, 0, 10, 10))
        start += len(text) + 1
    return words


def test_on_a_speckled_page_lone_marks_and_unsure_shards_are_junk_at_any_confidence():
    words = read_words([
        ("Kören", 92), (".", 88), ("sjunger", 90), ("”", 61), ("S", 12), ("hå", 35), ("i", 20),
        ("kyrkan", 91), ("–", 85), ("&", 80), ("50", 40), ("%", 90), ("på", 88), ("|", 68),
    ])
    texts = lambda spans: [next(w.text for w in words if w.start == start) for start, _ in spans]
    # A clean page: only marks read unsure are junk; a confident "." or "|" stays.
    assert texts(junk_spans(words)) == []
    # A speckled page: every lone mark but dashes, "&", "%", and the unsure short shards
    # that are no one-letter word of their own.
    assert texts(junk_spans(words, speckled=True)) == [".", "”", "S", "hå", "|"]


def test_a_speck_read_as_a_point_before_a_small_letter_goes_on_a_poor_page():
    raw = "Biljetten kostar. en hundralapp hos. oss, men ca. tio kr. och inkl. moms. Sedan vid. Mer."
    record = record_of(ocr_page(raw, [], "poor"))
    stops = [e for e in record["edits"] if e["rule"] == "ocr_speck_stop"]
    assert [raw[e["start"] - 6:e["start"]] for e in stops] == ["kostar", "pp hos"]
    # Abbreviations ("ca.", "kr.", "inkl."), a point before a capital or a number stay.
    assert record["text"] == "Biljetten kostar en hundralapp hos oss, men ca. tio kr. och inkl. moms. Sedan vid. Mer."
    assert record_of(ocr_page(raw, [], "ok"))["text"].startswith("Biljetten kostar. en")


def test_a_letter_a_speck_changed_is_put_right_where_one_common_word_results():
    raw = "Fritidshemmet har öppet redan veckan ihnan skolstart, på tfsdagen kom novembér. Lärarna hälsar Välkomha!"
    record = record_of(ocr_page(raw, [], "poor"))
    words = [(e["before"], e["after"]) for e in record["edits"] if e["rule"] == "ocr_speck_word"]
    assert ("h", "n") in words and ("f", "i") in words
    assert "veckan innan skolstart, på tisdagen" in record["text"] and "Välkomna!" in record["text"]
    assert apply_edits(raw, [Edit.from_dict(e) for e in record["edits"]]) == record["text"]
    # On a page read well, the repair decides; this rule does not run.
    ok = record_of(ocr_page(raw, [], "ok"))
    assert not [e for e in ok["edits"] if e["rule"] == "ocr_speck_word"]


def test_a_speck_word_change_needs_a_clear_winner_and_leaves_names_numbers_and_addresses():
    from nbsclean.repair.junk import speck_word_edits

    frequencies = {"innan": 5.6, "inman": 1.0, "tisdagen": 4.1, "vara": 6.0, "bara": 6.3, "sten": 4.7, "flen": 4.0}

    def listed(lower):
        return frequencies.get(lower, 0.0)

    # "ihnan": only "innan" is one change away; "inman" too, but far rarer.
    assert [(e.before, e.after) for e in speck_word_edits("ihnan", listed, listed)] == [("h", "n")]
    # "sara": "vara" and "bara" are both common, nothing is changed; "Flen" is listed.
    assert speck_word_edits("sara Flen", listed, listed) == []
    # Capitals (an acronym), short words, numbers and addresses stay as read.
    assert speck_word_edits("IHNAN ih 10ihnan ihnan.tisdagen.se ihnan@skolan.se", listed, listed) == []
    # The first letter's case is kept.
    assert [e.after for e in speck_word_edits("Ihnan", listed, listed)] == ["n"]


def test_no_letters_are_changed_on_a_page_of_garbage():
    raw = "Xqrv ihnan ztpw qllk vbbr tfsdagen grrk och pa ikv"
    record = record_of(ocr_page(raw, [], "poor"))
    assert not [e for e in record["edits"] if e["rule"] == "ocr_speck_word"]


def test_a_speck_point_before_a_line_that_goes_on_in_small_letters_goes_too():
    from nbsclean.repair.junk import speck_stop_edits

    known = {"andakterna", "tillsammans", "med", "kören", "sjunger", "sedan", "slut"}.__contains__

    def listed(lower):
        return 6.0 if lower in ("med", "slut") else 4.0

    raw = "andakterna.\ntillsammans med kören. Sedan slut.\n\nsjunger"
    assert [raw[e.start - 10:e.start] for e in speck_stop_edits(raw, lambda w: known(w.lower()), listed)] == ["andakterna"]


def test_the_genitive_the_lexicon_makes_is_no_rival_to_its_own_word():
    from nbsclean.repair.junk import speck_word_edits

    frequencies = {"förbereder": 4.1, "förbereders": 3.4}

    def listed(lower):
        return frequencies.get(lower, 0.0)

    # "förbereders" is only made by the genitive rule: "förberedert" becomes "förbereder".
    edits = speck_word_edits("förberedert", listed, listed, stated=lambda form: form == "förbereder")
    assert [(e.before, e.after) for e in edits] == [("t", "")]
    # A genitive a list has is a rival like any other word.
    assert speck_word_edits("förberedert", listed, listed, stated=lambda form: True) == []


def test_a_lost_or_added_vowel_mark_in_a_listed_word_is_put_right_where_far_commoner():
    from nbsclean.repair.junk import speck_vowel_edits

    frequencies = {"pa": 3.5, "på": 7.3, "öch": 1.0, "och": 7.6, "ån": 3.9, "än": 6.0, "for": 4.0, "för": 7.4,
                   "var": 6.5, "vår": 5.9, "talt": 2.0, "tält": 4.1}

    def listed(lower):
        return frequencies.get(lower, 0.0)

    raw = "Vi ses pa torget öch vid ån, for var del. Det blir digi-\ntalt."
    edits = speck_vowel_edits(raw, listed, lambda lower: lower == "for")
    assert [(e.before, e.after) for e in edits] == [("a", "å"), ("ö", "o")]
    # "ån": a mark for another mark is not changed; "for" is English; "var" is commonest as
    # read; "talt" is half of a word broken at the line end.
    assert apply_edits(raw, edits) == "Vi ses på torget och vid ån, for var del. Det blir digi-\ntalt."


def test_a_letter_a_speck_read_as_two_or_two_as_one_is_put_right_on_a_poor_page():
    # Lines as Tesseract read fresh speckled pages: "n" as "ri", "rt", "fi", "m" as "rn"
    # and "pi", "ll" as "N".
    raw = ("Hamnföreningen tackar alla medlemrnar som ställde upp. Det blev mer äfi väntat, "
           "och eleverria får följa arbetet mellart klockan 8 och 15. Du är välkompien, "
           "Bygdegården fyNer femtio år. Töm slangarna före frosten. Per Svensson Gnesta.")
    record = record_of(ocr_page(raw, [], "poor"))
    glyphs = [(e["before"], e["after"]) for e in record["edits"] if e["rule"] == "ocr_speck_glyph"]
    assert glyphs == [("rn", "m"), ("fi", "n"), ("ri", "n"), ("rt", "n"), ("pi", "m"), ("N", "ll")]
    assert record["text"] == (
        "Hamnföreningen tackar alla medlemmar som ställde upp. Det blev mer än väntat, "
        "och eleverna får följa arbetet mellan klockan 8 och 15. Du är välkommen, "
        "Bygdegården fyller femtio år. Töm slangarna före frosten. Per Svensson Gnesta.")
    assert apply_edits(raw, [Edit.from_dict(e) for e in record["edits"]]) == record["text"]
    # On a page read well the repair decides; this rule does not run.
    assert not [e for e in record_of(ocr_page(raw, [], "ok"))["edits"] if e["rule"] == "ocr_speck_glyph"]


def test_a_glyph_change_needs_a_clear_winner_over_glyph_and_letter_changes():
    from nbsclean.repair.junk import speck_glyph_edits

    frequencies = {"mellan": 6.0, "under": 6.5, "undre": 2.0, "urider": 0.0, "hem": 5.5, "hern": 0.0,
                   "herr": 4.9, "hernsida": 0.0, "hemsida": 4.0}

    def listed(lower):
        return frequencies.get(lower, 0.0)

    assert [(e.before, e.after) for e in speck_glyph_edits("mellart urider", listed, listed)] == [("rt", "n"), ("ri", "n")]
    # "hern": "hem" by a glyph, "herr" by one letter, both common: left as read.
    assert speck_glyph_edits("hern", listed, listed) == []
    # Capitals (an acronym), addresses and words some list has stay as read.
    assert speck_glyph_edits("MELLART hernsida.se under", listed, listed) == []


def test_a_speck_mark_between_a_word_and_a_number_or_before_a_sentence_end_becomes_a_space():
    # As read on fresh speckled pages: glued to a number, before "i", before a point.
    raw = ("Vattnet stängs av den.30 september. Medlemmar betalar 200.kronor för sommaren.i år, "
           "Överskottet går till.det. Välkommen kl.10 eller 9.00, bl.a. i dag, så.att alla kan.")
    record = record_of(ocr_page(raw, [], "poor"))
    marks = [raw[e["start"] - 3:e["end"] + 2] for e in record["edits"] if e["rule"] == "ocr_speck_mark"]
    assert marks == ["den.30", "200.kr", "ren.i ", "ill.de", " så.at"]
    # Abbreviations before a number ("kl.10") or a letter ("bl.a."), times (9.00) stay.
    assert "kl.10 eller 9.00, bl.a. i dag" in record["text"]
    assert "den 30 september" in record["text"] and "200 kronor" in record["text"] and "till det." in record["text"]
    assert apply_edits(raw, [Edit.from_dict(e) for e in record["edits"]]) == record["text"]


def test_a_comma_before_a_sentence_is_a_speck_full_stop_on_a_poor_page():
    raw = ("Du får gärna låna ut dem, Vi skannar dem. Gratis för barn under tolv år, Barn över "
           "betalar. Tack till Anna, Lena och Per, Dag Wallströmer, Sveriges bästa kör.")
    record = record_of(ocr_page(raw, [], "poor"))
    commas = [raw[e["start"] - 3:e["start"]] for e in record["edits"] if e["rule"] == "ocr_speck_comma"]
    assert commas == ["dem", " år"]
    # A name ("Lena", "Sveriges"), a capital going on in capitals ("Dag Wallströmer") stay.
    assert "Anna, Lena och Per, Dag Wallströmer, Sveriges" in record["text"]
    assert not [e for e in record_of(ocr_page(raw, [], "ok"))["edits"] if e["rule"] == "ocr_speck_comma"]


def test_a_word_broken_at_a_line_end_without_its_hyphen_is_joined_on_a_poor_page():
    raw = "Kuporna sköts av före\nningen och särskilt uppskat\ntad var solon. Vi gick in\ntill byn."
    record = record_of(ocr_page(raw, [], "poor"))
    assert [e["rule"] for e in record["edits"] if e["before"] == "\n"] == ["ocr_speck_line", "ocr_speck_line"]
    assert "av föreningen och särskilt uppskattad var" in record["text"]
    assert "in\ntill byn" in record["text"]  # two words: "intill" is rarer than "in"
    assert apply_edits(raw, [Edit.from_dict(e) for e in record["edits"]]) == record["text"]


def test_a_rare_word_a_speck_made_of_a_very_common_one_goes_back_where_the_neighbours_agree():
    raw = ("Därför ber vi alta att inte lägga grenar, stenar aller plast i den. Sedan kah vi "
           "planera arbetet. Vi bytte trettio plankor. Hon läser om Alta och Oden i boken.")
    record = record_of(ocr_page(raw, [], "poor"))
    common = [(e["before"], e["after"]) for e in record["edits"] if e["rule"] == "ocr_speck_common"]
    assert common == [("t", "l"), ("a", "e"), ("h", "n")]
    assert "ber vi alla att inte lägga grenar, stenar eller plast i den. Sedan kan vi" in record["text"]
    assert "om Alta och Oden" in record["text"]  # capitalised: a name as likely as a speck
    assert not [e for e in record_of(ocr_page(raw, [], "ok"))["edits"] if e["rule"] == "ocr_speck_common"]


def test_a_common_word_change_needs_the_neighbours_too():
    from nbsclean.repair.junk import speck_common_edits

    frequencies = {"alta": 2.8, "alla": 6.5, "som": 7.2, "till": 7.0}

    def listed(lower):
        return frequencies.get(lower, 0.0)

    def gain(word, previous, following):
        return 1.0 if (word, previous) == ("alla", "till") else 0.0

    common = {"alla", "som", "till"}
    assert [(e.before, e.after) for e in speck_common_edits("till alta som", listed, common, lambda w: False, gain)] == [
        ("t", "l")]
    assert speck_common_edits("mot alta som", listed, common, lambda w: False, gain) == []


def test_a_line_holding_only_a_shard_of_specks_goes_on_a_poor_page():
    # As read on fresh speckled pages: shards between paragraphs, at the start and the end.
    raw = "«a\n\nBygdegården fyller femtio år\n\nd\n\nI oktober firar vi.\n\n3\n\n–\n\nVälkomna!\n\nLa"
    record = record_of(ocr_page(raw, [], "poor"))
    shards = [e["before"] for e in record["edits"] if e["rule"] == "ocr_speck_shard"]
    assert shards == ["«a\n\n", "d\n\n", "\n\nLa"]
    # A page number ("3") and a separator ("–") stay.
    assert record["text"] == "Bygdegården fyller femtio år\n\nI oktober firar vi.\n\n3\n\n–\n\nVälkomna!"
    assert apply_edits(raw, [Edit.from_dict(e) for e in record["edits"]]) == record["text"]
    assert not [e for e in record_of(ocr_page(raw, [], "ok"))["edits"] if e["rule"] == "ocr_speck_shard"]


def test_every_speck_rule_has_a_review_legend():
    from nbsclean.repair import junk
    from nbsclean.review.rules import RULE_MEANINGS

    rules = [junk.JUNK_RULE, junk.SPECK_MARK_RULE, junk.SPECK_LETTER_RULE, junk.SPECK_STOP_RULE,
             junk.SPECK_WORD_RULE, junk.SPECK_VOWEL_RULE, junk.SPECK_GLYPH_RULE, junk.SPECK_COMMA_RULE,
             junk.SPECK_LINE_RULE, junk.SPECK_COMMON_RULE, junk.SPECK_SHARD_RULE]
    assert [rule for rule in rules if rule not in RULE_MEANINGS] == []


def test_a_poor_page_repaired_again_from_its_record_keeps_its_junk_removals_and_no_word_repairs():
    from nbsclean.extract.model import Word
    from nbsclean.pipeline import rerepair_record

    raw = "Kören sjunger | i kyrkan ihnan jul och Sérmlands bdsta lan tisdagen."
    words, start = [], 0
    for token in raw.split(" "):
        conf = 40.0 if token == "|" else 90.0
        words.append(Word(start, start + len(token), token, 0, 0, 10, 10, conf=conf))
        start += len(token) + 1
    page = Page(
        n=1, method="ocr", reason="image file", ocr_lang="swe", ocr_conf=80.0, raw_text=raw, rotation=0, skew=0.0,
        quality={"verdict": "poor", "reasons": ["specks"], "variant": "despeckled"}, words=words,
        junk_spans=junk_spans(words, speckled=True), width=100.0, height=100.0,
    )
    record = record_of(page)
    assert "|" not in record["text"] and "innan" in record["text"]
    again = rerepair_record(record, PipelineOptions(), None)
    assert again["text"] == record["text"] and again["edits"] == record["edits"]
