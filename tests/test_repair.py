"""The repair engine's behaviour, from DESIGN.md's damage table and its traps.

Damage is tested inside realistic damaged paragraphs (an English OCR model's reading of a
Swedish newsletter, several lines, no correct å/ä/ö), because the engine weighs every word
against a document-level prior: the same word alone, or inside clean Swedish, is rightly
treated differently. Traps are tested both in clean Swedish (nothing may change) and inside
damaged paragraphs (the trap itself must survive). Expectations the current engine misses
are strict xfails, so a fix shows up as an XPASS failure and the mark must then go.
"""

from __future__ import annotations

import unicodedata

import pytest

from nbsclean.edits import Edit, apply_edits, validate_edits
from nbsclean.repair.engine import default_engine, estimate_damage, recase, repair_text, tokenize, unknown_words

# --- realistic damaged paragraphs (English-model OCR of Swedish, in the style of seed 002) -------

DAMAGED_NEWSLETTER = """Tillsammans for barnens basta i Sormland

Sérmlands Idns kommuner och Region Sérmland startade utvecklingsarbetet Till-
sammans for barnens bdsta i S6rmland 2021. Malbilden for arbetet &r att alla barn
i lanet ska ges majligheter till god fysisk och psykisk hiilsa genom en trygg
uppvdxt. Frdn och med i dag pagar arbetet i alla kommuner och socialtjéinst,
skola och hdlso- och sjukvard deltar. Det dr viktigt med tidiga samordnade
insatserihela lanet. Vi ses i Nyképing den 14 juni. Nidrvalkomna!

e Dialog och diskussioner kring mojliga arbetssatt inom Idnets kommuner.
e Kartlaggningen kring samverkan som redan finns i lanet borjar landa.

| detta arbete ar det barnens basta som ska sta i fokus, och bdasta mojliga
stod ska ges. Vi vill tacka vdar personal for ett bra arbete under aret.
TILLSAMMANS FOR BARNENS BASTA I SORMLAND"""

DAMAGED_WITH_TRAPS = """Under varen har dven arbete skett pa bade regional och lokal niva. Det ar
svara fragor, men vi ska svara pa fragor fran personalen. Barn och unga 7—18 ar
med NPF-liknande problematik far vanta lange pa BUP, i genomsnitt 14 veckor.
Nyhetsbrev 24:1 handlar om ett nytt satt att arbeta och malet ar att alla barn ska
ga i skolan. Vi har manga vaga begrepp kvar att reda ut. Modellen heter Getting it
right for every child och kommer fran Skottland. Hon satt i motet med barn- och
ungdomsnamnden. Kontakta Nettan Eliasson, Lina Larson eller Dag Wallströmer pa
nettan.eliasson@regionsormland.se eller se https://www.regionsormland.se/tillsammans-for-barnens-basta
och www.fou.sormland.se for mer information om arbetet i lanet."""

DAMAGED_COMPOUNDS = """Under varen har dven arbete skett pa bade regional och lokal niva. Malet ar
att elevhdlsoteamet och socialtjdnsten ska arbeta narmare varandra, och det nya
samverkansavtalet mellan kommunerna ar klart. Vi har ocksa borjat med ett nytt
foraldrastodsprogram och barnrattsperspektivet finns med i alla beslut.
Hemtjanstpersonalen och skolskoterskemottagningen deltar ocksa i arbetet."""

# Damage the confusion table does not hold: lost letters, extra letters, å/ä/ö read as any letter.
DAMAGED_BEYOND_TABLE = """Under aret har vi fatt mjlighet att traffa manga anhGriga och personal
fran forskolan. Det ar viktigt att barnen far hjalp i ratt tid, och att foraldrarna far veta
vart de kan vanda sig. Det ar moOjligt att lasa mer om satsningen pa webbplatsen."""

# Valid words that stand for another valid word: only the grammar around them tells.
DAMAGED_HOMOGRAPHS = """Har ar nyheterna fran varen. Vi har arbetat med var personal och i vart arbete finns
manga nya vagar att ga. Nar barnen behover hjalp ska de fa stod i tid, och vi nar ut
till alla familjer. I vart fall ar det bra att var och en far ett eget rum. Det var en
fin dag i var. Fragan om var vi star ar viktig. Han stod i dorren nar vi kom.
Familjerna far kontinuerligt stod. Det stod klart att de vanliga fragorna var flest.
Vanliga halsningar, Anna"""


def output_of(raw: str, edits: list[Edit], snippet: str) -> str:
    """What a snippet of ``raw`` (occurring once) became after the edits.

    An edit straddling the snippet's boundary fails the test: the snippet was cut badly.
    """
    assert raw.count(snippet) == 1, f"{snippet!r} must occur exactly once"
    start = raw.index(snippet)
    end = start + len(snippet)
    inside = []
    for edit in edits:
        entirely_before = edit.end <= start and edit.start < start
        entirely_after = edit.start >= end and edit.end > end
        if entirely_before or entirely_after:
            continue
        assert start <= edit.start and edit.end <= end, f"{edit} straddles {snippet!r}"
        inside.append(edit.shifted(-start))
    return apply_edits(snippet, inside)


def repaired_once(text: str):
    """A module fixture: ``text`` repaired once, shared by every test that names it."""

    @pytest.fixture(scope="module")
    def fixture(lexicon):
        return repair_text(text, lexicon)

    return fixture


newsletter = repaired_once(DAMAGED_NEWSLETTER)
with_traps = repaired_once(DAMAGED_WITH_TRAPS)
with_compounds = repaired_once(DAMAGED_COMPOUNDS)
homographs = repaired_once(DAMAGED_HOMOGRAPHS)
beyond_table = repaired_once(DAMAGED_BEYOND_TABLE)


def xfail(*values, reason: str):
    return pytest.param(*values, marks=pytest.mark.xfail(strict=True, reason=reason))


# --- DESIGN.md's damage table, inside a damaged newsletter ------------------------------------


@pytest.mark.parametrize(
    "damaged,expected",
    [
        ("Sérmlands Idns kommuner", "Sörmlands läns kommuner"),  # ö → é, l → I + ä → d
        ("Region Sérmland startade", "Region Sörmland startade"),
        ("barnens bdsta i S6rmland 2021", "barnens bästa i Sörmland 2021"),  # ä → d, ö → 6
        ("i Sormland\n", "i Sörmland\n"),  # ö → o
        ("for barnens basta i", "för barnens bästa i"),  # ä → a (basta is a rare word)
        ("och bdasta mojliga", "och bästa möjliga"),  # ä → da
        ("Malbilden for arbetet &r att", "Målbilden för arbetet är att"),  # ä → &
        ("Det dr viktigt", "Det är viktigt"),  # ä → d
        ("arbete ar det barnens", "arbete är det barnens"),  # ar is a word too
        ("i lanet ska", "i länet ska"),
        ("inom Idnets kommuner", "inom länets kommuner"),
        ("Frdn och med", "Från och med"),  # å → d
        ("i dag pagar arbetet", "i dag pågår arbetet"),  # å → a
        ("och socialtjéinst,", "och socialtjänst,"),  # ä → éi
        ("utvecklingsarbetet Till-\nsammans for", "utvecklingsarbetet Tillsammans för"),
        ("samordnade\ninsatserihela lanet", "samordnade\ninsatser i hela länet"),  # lost spaces
        ("Nidrvalkomna!", "Ni är välkomna!"),
        ("hdlso- och sjukvard", "hälso- och sjukvård"),  # the hyphen of "hälso- och" stays
        ("Vi ses i Nyképing den 14 juni.", "Vi ses i Nyköping den 14 juni."),
        ("psykisk hiilsa genom", "psykisk hälsa genom"),
        ("tacka vdar personal", "tacka vår personal"),
    ],
)
def test_damage_in_a_newsletter_is_repaired(newsletter, damaged, expected):
    assert output_of(DAMAGED_NEWSLETTER, newsletter.edits, damaged) == expected


def test_bullets_read_as_e_become_bullets(newsletter):
    assert "\n\n• Dialog och diskussioner kring möjliga arbetssätt" in newsletter.text
    assert "\n• Kartläggningen kring samverkan" in newsletter.text
    bullets = [e for e in newsletter.edits if e.rule.startswith("bullet")]
    assert [(e.before, e.after) for e in bullets] == [("e", "•"), ("e", "•")]


def test_bar_read_as_I_becomes_I(newsletter):
    assert output_of(DAMAGED_NEWSLETTER, newsletter.edits, "\n| detta arbete") == "\nI detta arbete"


def test_case_is_kept(newsletter):
    assert newsletter.text.endswith("\nTILLSAMMANS FÖR BARNENS BÄSTA I SÖRMLAND")
    assert newsletter.text.startswith("Tillsammans för barnens bästa i Sörmland\n")


@pytest.mark.parametrize(
    "like,word,expected",
    [
        ("Idns", "läns", "läns"),  # "I" for a small l
        ("Onskar", "önskar", "önskar"),  # "O" for a small ö
        ("Aven", "även", "även"),  # "A" for a small ä
        ("Angra", "ångra", "ångra"),  # and for a small å ("att Angra nagra andringar")
        ("Sppen", "öppen", "öppen"),  # a capital of another letter is a misread glyph
        ("Gre", "öre", "öre"),
        ("Sormland", "sörmland", "Sörmland"),
    ],
)
def test_a_capital_is_dropped_only_where_ocr_makes_one_of_a_small_letter(like, word, expected):
    assert recase(word, like, sentence_start=False, common=True) == expected


def test_a_name_keeps_the_capital_ocr_read_as_another_letter():
    """Only a common word loses the capital: "Asa" is the name "Åsa", never "åsa"."""
    assert recase("åsa", "Asa", sentence_start=False, common=False) == "Åsa"
    assert recase("östra", "Ostra", sentence_start=False, common=False) == "Östra"


def test_a_line_that_wraps_a_sentence_is_no_sentence_start_for_the_case(lexicon):
    """A line after one that ends in a small letter or a comma continues its sentence: a
    capital OCR made there of a small å is dropped as mid-line; after a full stop or a
    blank line it stays."""
    damaged = DAMAGED_WITH_TRAPS + "\nen kopia ska finnas kvar till\nAtminstone ett ar efter.\nAtminstone ett ar.\n\nAtminstone"
    result = repair_text(damaged, lexicon)
    assert "kvar till\nåtminstone ett år efter.\nÅtminstone ett år.\n\nÅtminstone" in result.text
    assert apply_edits(damaged, result.edits) == result.text
    # decided per place, whichever comes first (a decision is remembered per form and place)
    damaged = DAMAGED_WITH_TRAPS + "\nOvergripande mal.\nen kopia till\nOvergripande mal."
    assert repair_text(damaged, lexicon).text.endswith("\nÖvergripande mål.\nen kopia till\növergripande mål.")


@pytest.mark.parametrize(
    "damaged,expected",
    [("Sérmland", "Sörmland"), ("S6rmland", "Sörmland"), ("bdsta", "bästa"), ("&r", "är"), ("SÉRMLAND", "SÖRMLAND")],
)
def test_a_damaged_non_word_alone_is_repaired(lexicon, damaged, expected):
    assert repair_text(damaged, lexicon).text == expected


def test_a_non_word_with_ocr_noise_takes_a_rarer_table_repair(lexicon):
    """"tvattéckta" cannot stand as written (no Swedish word holds "é" there): the rare
    compound the confusion table reaches (a less likely confusion: "é" for "ä") is repaired,
    although that score would not do for a non-word without noise."""
    noisy = "Det var en tvattéckta duk."
    assert repair_text(noisy, lexicon).text == "Det var en tvättäckta duk."
    analysis = default_engine(lexicon).analyse("tvattéckta")
    assert analysis.suspicious and -2.0 <= analysis.best.score < -1.0


@pytest.mark.parametrize(
    "damaged,expected",
    [
        ("Har ar nyheterna", "Här är nyheterna"),  # "har" before a finite verb
        ("Vi har arbetat", "Vi har arbetat"),
        ("med var personal", "med vår personal"),  # a possessive after a preposition
        ("i vart arbete", "i vårt arbete"),
        ("I vart fall", "I vart fall"),  # the idiom stays
        ("att var och en", "att var och en"),
        ("Det var en", "Det var en"),
        ("dag i var.", "dag i vår."),
        ("om var vi", "om var vi"),  # "where", after "om"
        ("nya vagar att", "nya vägar att"),  # a noun after an adjective, not the verb "vågar"
        ("fa stod i tid", "få stöd i tid"),  # a noun after a verb of giving
        ("Han stod i", "Han stod i"),  # the verb after a subject
        ("Nar barnen", "När barnen"),
        ("vi nar ut", "vi når ut"),  # the verb after a subject
        ("dorren nar vi", "dörren när vi"),
        ("kontinuerligt stod.", "kontinuerligt stöd."),  # a noun after a neuter adjective
        ("Det stod klart", "Det stod klart"),
        ("de vanliga fragorna", "de vanliga frågorna"),
        ("Vanliga halsningar", "Vänliga hälsningar"),  # the closing formula
    ],
)
def test_homographs_follow_the_grammar_around_them(homographs, damaged, expected):
    assert output_of(DAMAGED_HOMOGRAPHS, homographs.edits, damaged) == expected


@pytest.mark.parametrize(
    "damaged,expected",
    [
        ("fatt mjlighet att", "fått möjlighet att"),  # a lost ö
        ("manga anhGriga och", "många anhöriga och"),  # ö read as G
        ("Det ar moOjligt att", "Det är möjligt att"),  # ö read as "oO"
    ],
)
def test_damage_outside_the_confusion_table_gets_one_generic_edit(beyond_table, damaged, expected):
    assert output_of(DAMAGED_BEYOND_TABLE, beyond_table.edits, damaged) == expected
    generic = {e.before: e.after for e in beyond_table.edits if e.rule == "ocr_generic_edit"}
    # "g" for "ö" is in the table since data/confusion-pairs showed it: "anhGriga" is then an
    # ordinary table repair.
    assert generic == {"mjlighet": "möjlighet", "moOjligt": "möjligt"}


def test_unknown_words_in_clean_swedish_get_no_generic_edit(lexicon):
    # "hallåj" and "fotbolln" are one letter away from common words, but this text shows no
    # OCR damage (its å/ä/ö are intact), and an unlisted word alone is no evidence of any.
    clean = "Hon ropade hallåj till alla och sedan spelade vi fotbolln på gården bakom skolan, där det är lugnt."
    assert repair_text(clean, lexicon).text == clean
    assert estimate_damage(clean, lexicon) == 0.0


def test_every_edit_is_explained(newsletter, with_traps, with_compounds):
    for raw, result in ((DAMAGED_NEWSLETTER, newsletter), (DAMAGED_WITH_TRAPS, with_traps), (DAMAGED_COMPOUNDS, with_compounds)):
        validate_edits(raw, result.edits)
        assert apply_edits(raw, result.edits) == result.text
        for edit in result.edits:
            assert edit.rule and all(part.isidentifier() for part in edit.rule.split("+"))
            assert 0.0 <= edit.score <= 1.0
            assert edit.before != edit.after


def test_rules_name_what_happened(newsletter):
    rules = {part for e in newsletter.edits for part in e.rule.split("+")}
    assert {"hyphen_join", "bullet", "bar_as_I", "split_glued_words"} <= rules
    by_before = {e.before: e for e in newsletter.edits}
    assert by_before["insatserihela"].rule == "split_glued_words"
    assert by_before["|"].rule == "bar_as_I"


def test_stats_and_damage_describe_the_result(newsletter, lexicon):
    assert newsletter.stats["edits"] == len(newsletter.edits)
    assert newsletter.stats["words"] == sum(1 for t in tokenize(newsletter.text) if t.kind == "word")
    assert newsletter.stats["unknown_words"] == sum(newsletter.unknown.values())
    assert 0.1 < newsletter.damage <= 1.0
    assert newsletter.damage == pytest.approx(estimate_damage(DAMAGED_NEWSLETTER, lexicon), abs=0.05)


# --- traps inside damaged text: the damage around them is repaired, they are not ---------------


@pytest.mark.parametrize(
    "trap",
    [
        "svara pa fragor",  # answer questions; "pa" and "fragor" are repaired, "svara" not
        "7—18",
        "NPF-liknande",
        "BUP,",
        "24:1",
        "Hon satt i",
        "barn- och\n",
        "Nettan Eliasson, Lina Larson eller Dag Wallströmer",
        "nettan.eliasson@regionsormland.se",
        "https://www.regionsormland.se/tillsammans-for-barnens-basta",
        "www.fou.sormland.se",
        "vaga begrepp",
        "Getting it\nright for every child",
    ],
)
def test_a_trap_inside_damaged_text_is_left_alone(with_traps, trap):
    survived = output_of(DAMAGED_WITH_TRAPS, with_traps.edits, trap)
    if trap == "svara pa fragor":
        assert survived == "svara på frågor"
    else:
        assert survived == trap


@pytest.mark.parametrize(
    "damaged,expected",
    [
        ("7—18 ar\n", "7—18 år\n"),  # ar → år after a number
        ("ett nytt satt att", "ett nytt sätt att"),
        ("far vanta lange", "får vänta länge"),
        ("malet ar att", "målet är att"),
        ("ungdomsnamnden.", "ungdomsnämnden."),
        ("www.fou.sormland.se for mer", "www.fou.sormland.se för mer"),
        xfail("Det ar\nsvara fragor, men", "Det är\nsvåra frågor, men", reason="context svara → svåra after 'är' is not applied"),
    ],
)
def test_valid_but_wrong_words_follow_their_context(with_traps, damaged, expected):
    assert output_of(DAMAGED_WITH_TRAPS, with_traps.edits, damaged) == expected


# A capitalised non-word mid-sentence may be a name. In a document that looks damaged (an
# English OCR model wrote no å/ä/ö, so capitalised compounds and names lost theirs too) it is
# repaired when the confusion table reaches a word with the evidence a generic edit needs;
# in clean text, and where the table reaches nothing likely, it stays.
def test_a_capitalised_compound_in_damaged_text_gets_its_letters_back(lexicon):
    damaged = DAMAGED_WITH_TRAPS + "\nVi har ocksa traffat Barnhalsovarden i var."
    assert "traffat Barnhalsovarden" not in repair_text(damaged, lexicon).text
    assert "träffat Barnhälsovården" in repair_text(damaged, lexicon).text


def test_a_name_keeps_its_capital_when_its_letters_come_back(lexicon):
    """wordfreq lists "örebro" as a common word, but hunspell writes it only with a capital:
    an "O" before it is a capital Ö, not a small ö that OCR made into a capital."""
    damaged = DAMAGED_WITH_TRAPS + "\nVi traffas i Orebro och Goteborg i var."
    repaired = repair_text(damaged, lexicon).text
    assert "i Örebro och Göteborg" in repaired


def test_a_number_range_read_by_an_english_model_gets_its_en_dash_back(lexicon):
    damaged = DAMAGED_WITH_TRAPS + "\nFor barn 0-6 ar, kl. 13.00-15.30, ring 08-123 45 67 fore 2021-06-14."
    result = repair_text(damaged, lexicon)
    assert "barn 0–6 år, kl. 13.00–15.30, ring 08-123 45 67" in result.text
    assert "2021-06-14" in result.text
    dashes = [e for e in result.edits if e.rule == "range_dash"]
    assert [(e.before, e.after) for e in dashes] == [("-", "–"), ("-", "–")]
    assert apply_edits(damaged, result.edits) == result.text


def test_a_clean_text_keeps_the_hyphens_its_author_typed(lexicon):
    clean = "Barn 0-6 år är välkomna mellan kl. 13.00-15.30, och föräldrarna också."
    assert repair_text(clean, lexicon).text == clean


@pytest.mark.parametrize(
    "text,expected",
    [
        ("barnen 0-6 år", "barnen 0–6 år"),
        ("sidorna 12-15.", "sidorna 12–15."),
        ("(7-18)", "(7–18)"),
        ("åren 1998-2002", "åren 1998–2002"),
        ("kl. 9:30-11:00", "kl. 9:30–11:00"),
        ("2021-06-14", None),  # a date
        ("08-123 45 67", None),  # a phone number
        ("0155-24 50 00", None),
        ("ISBN 91-7712-390-5", None),
        ("bankgiro 123-4567", None),
        ("vann med 3-1", None),  # a score, or a code: not a rising range
        ("A4-5", None),
        ("3-åriga", None),
        ("1,5-2 timmar", None),  # a decimal: where the range starts is not certain
        ("9-12.30", None),
        ("7—18 år", None),  # an em dash stays
        ("0–6 år", None),  # already an en dash
    ],
)
def test_only_a_hyphen_that_can_only_be_a_range_gets_an_en_dash(text, expected):
    from nbsclean.repair.dashes import range_dash_edits

    edits = range_dash_edits(text)
    assert all(e.rule == "range_dash" and e.before == "-" for e in edits)
    assert apply_edits(text, edits) == (expected or text)


def test_a_damaged_compound_of_rare_parts_is_repaired_as_a_last_resort(lexicon):
    """"flerfonsterlage" is no word and the strict compound model knows neither it nor
    "flerfönsterläge" (fler + the compound fönsterläge): read as a compound of rare parts it
    is repaired whole (rule ocr_rare_compound), not half ("flerfönsterlage"); a rare
    compound that is one as written ("palettdialogen") is left alone."""
    damaged = DAMAGED_WITH_TRAPS + "\nI flerfonsterlage syns palettdialogen och framsidestexter."
    result = repair_text(damaged, lexicon)
    assert "I flerfönsterläge syns palettdialogen och framsidestexter." in result.text
    assert [e.rule for e in result.edits if e.before == "flerfonsterlage"] == ["ocr_rare_compound"]
    assert apply_edits(damaged, result.edits) == result.text


@pytest.mark.parametrize(
    "form,is_compound",
    [("flerfönsterläge", True), ("färgrendering", True), ("palettdialogen", True), ("flerfonsterlage", False), ("xqzbrumfelt", False)],
)
def test_rare_compounds_are_made_of_parts_some_list_vouches_for(lexicon, form, is_compound):
    from nbsclean.repair.compounds import rare_compound_zipf

    assert (rare_compound_zipf(lexicon, form) > 0) == is_compound


def test_every_rule_the_repair_writes_on_the_rendered_samples_has_a_review_legend(lexicon):
    """The review pages explain each edit's rule from RULE_MEANINGS; a rule the repair
    writes without an entry there is shown as "no description"."""
    from pathlib import Path

    from nbsclean.review.rules import RULE_MEANINGS, rule_parts

    samples = sorted((Path(__file__).resolve().parents[1] / "samples" / "rendered").glob("*.input.txt"))
    texts = [path.read_text(encoding="utf-8") for path in samples] + [
        DAMAGED_WITH_TRAPS + '\nMenyn kallas "lager” och “bild”, for barn 0-6 ar.',  # quote_mark, range_dash
        DAMAGED_WITH_TRAPS + "\nI flerfonsterlage syns palettdialogen.",  # ocr_rare_compound
    ]
    rules = {part for text in texts for e in repair_text(text, lexicon).edits for part in rule_parts(e.rule)}
    assert {"quote_mark", "ocr_rare_compound", "range_dash"} <= rules
    assert sorted(rules - RULE_MEANINGS.keys()) == []


def test_a_word_in_a_surnames_place_stays_a_name(lexicon):
    """After a given name the lexicon knows, a capitalised word that is a plausible name as
    written ("Hall", "Lang": common words) is a surname, never an ordinary word ("Håll",
    "Lång"); it may still become a known name ("Ostberg" → "Östberg"), and a rare form
    there is a surname that lost its letters ("Strom" → "Ström")."""
    damaged = DAMAGED_WITH_TRAPS + "\nKontakta Anders Hall, Maria Lang, Karin Strom eller Lars Ostberg pa kansliet."
    result = repair_text(damaged, lexicon)
    assert "Kontakta Anders Hall, Maria Lang, Karin Ström eller Lars Östberg på kansliet." in result.text
    assert apply_edits(damaged, result.edits) == result.text


def test_a_capitalised_non_word_the_table_reads_as_a_known_name_gets_its_letters_back(lexicon):
    """Mid-sentence a capitalised non-word may be a name the lexicon does not know, and is
    kept; when the confusion table reads it as a name the lexicon knows ("Tanniis": ä read
    as "a" and "ii"), it is that name. A generic edit is no such reading ("Remgard" stays)."""
    damaged = DAMAGED_WITH_TRAPS + "\nHan var fodd i Tanniis och malade landskapen med Remgard i Sveg."
    result = repair_text(damaged, lexicon)
    assert "född i Tännäs och målade" in result.text
    assert "med Remgard i Sveg" in result.text
    assert apply_edits(damaged, result.edits) == result.text


def test_an_at_sign_inside_a_word_is_ocr_damage_and_an_address_keeps_its_at(lexicon):
    """An English model reads ö as "@" (the aligned pages of make training-pairs show it):
    inside a word the "@" no longer splits the token, and the table repairs it; an e-mail
    address and a handle keep theirs."""
    damaged = DAMAGED_WITH_TRAPS + "\nDet ar om@jligt att svara, skriv till info@skolan.se eller @skolan."
    result = repair_text(damaged, lexicon)
    assert "Det är omöjligt att svara, skriv till info@skolan.se eller @skolan." in result.text
    assert apply_edits(damaged, result.edits) == result.text
    # also in a text with no address and none of OCR's other in-word marks
    assert repair_text("Det ar om@jligt att svara.", lexicon).text == "Det är omöjligt att svara."


def test_a_capital_inside_a_word_is_a_misread_glyph_not_a_lost_space(lexicon):
    """An English model may read "å" as "Aa" ("hAalls"): a lost space never leaves a
    capital after a small letter, so the token is one damaged word, not "ha alls"."""
    damaged = DAMAGED_WITH_TRAPS + "\nMotet hAalls i aulan, se hAallplatsen."
    result = repair_text(damaged, lexicon)
    assert "Mötet hålls i aulan, se hållplatsen." in result.text
    assert apply_edits(damaged, result.edits) == result.text


def test_an_acronym_keeps_its_letters(lexicon):
    """A short word in capitals on a line of small letters is an acronym ("(HDR)", not
    "(HÄR)"), and capitals with a short ending are an inflected one ("GIMPs", not "Gips");
    a heading set in capitals is still repaired."""
    damaged = DAMAGED_WITH_TRAPS + "\nLas GIMPs anvandarhandbok om ett stort omfang (HDR), for bilder.\n\nDEN BASTA PLANEN"
    result = repair_text(damaged, lexicon)
    assert "Läs GIMPs användarhandbok om ett stort omfång (HDR), för bilder.\n\nDEN BÄSTA PLANEN" in result.text
    assert apply_edits(damaged, result.edits) == result.text


def test_a_swedish_quote_read_by_an_english_model_gets_its_opening_mark_back(lexicon):
    """Tesseract's English model reads a Swedish opening ” as " or “ and keeps the closing ”
    (as aligned pages of drawn and OCR'd Swedish prose show): the opening mark takes its
    partner's form, as its own revertable edit."""
    damaged = DAMAGED_WITH_TRAPS + '\nMenyn kallas "lager” och “bild”, och "fil" heter "fil" har.'
    result = repair_text(damaged, lexicon)
    assert 'kallas ”lager” och ”bild”, och "fil" heter "fil"' in result.text
    quotes = [e for e in result.edits if e.rule == "quote_mark"]
    assert [(e.before, e.after) for e in quotes] == [('"', "”"), ("“", "”")]
    assert apply_edits(damaged, result.edits) == result.text


def test_a_clean_text_keeps_its_quotation_marks(lexicon):
    clean = 'Hon sa "hej” och gick. Han svarade “nej” till det.'
    assert repair_text(clean, lexicon).text == clean


@pytest.mark.parametrize(
    "text,expected",
    [
        ('kallas "lager”.', "kallas ”lager”."),
        ("kallas “lager”.", "kallas ”lager”."),
        ('kallas “farlig" info', 'kallas "farlig" info'),  # straight quotes: “ opens nothing in Swedish
        ('(se "Dialogrutan Penslar”).', "(se ”Dialogrutan Penslar”)."),
        ('"en” och "två”', "”en” och ”två”"),
        ('ett "ord" här', None),  # straight quotes stay straight
        ("ett ”ord” här", None),
        ('tum 12" och "ord”', "tum 12\" och ”ord”"),  # inches close nothing that opened
        ('"öppen\n\nnästa stycke”', None),  # no pair across a paragraph
        ('"utan slut', None),
        ('ett "citat” "', "ett ”citat” \""),
    ],
)
def test_only_an_opening_mark_with_a_closing_partner_takes_its_form(text, expected):
    from nbsclean.repair.quotes import quote_mark_edits

    edits = quote_mark_edits(text)
    assert all(e.rule == "quote_mark" for e in edits)
    assert apply_edits(text, edits) == (expected or text)


def test_a_capital_o_before_a_common_word_mid_sentence_is_a_small_o_with_dots(lexicon):
    """An English model reads a small ö as a capital O: mid-sentence, before a word that is
    common and no name, the capital goes ("Overgripande" is "övergripande"); before a name
    it stays ("Orebro" is "Örebro")."""
    damaged = DAMAGED_WITH_TRAPS + "\nSe nagra Overgripande rekommendationer fran Orebro."
    assert "Se några övergripande rekommendationer från Örebro." in repair_text(damaged, lexicon).text


def test_a_capital_i_mid_sentence_is_a_small_l_also_where_its_letters_spell_a_compound(lexicon):
    damaged = DAMAGED_WITH_TRAPS + "\nVi kan dra nytta av Idrdomar fran pilotprojekten."
    assert "nytta av lärdomar från" in repair_text(damaged, lexicon).text


def test_a_capitalised_unknown_word_in_clean_text_stays(lexicon):
    clean = "Vi har träffat Barnhalsovarden och Sällberg i år, och det gick bra för alla."
    assert repair_text(clean, lexicon).text == clean


# --- traps in clean Swedish: nothing changes -------------------------------------------------------

CLEAN_TRAPS = [
    "I början fanns många vaga begrepp i planen, och därför fick processledarna svara på frågor från föräldrarna.",
    "Han satt i möte hela dagen; det är svåra frågor, men vi har hittat ett bra sätt att arbeta på.",
    "Far och mor är välkomna till familjecentralen, och barnen får följa med.",
    "Målet för året är att alla ska ha en plan för hur vi kan stödja barn och unga.",
    "Kontakta Nettan Eliasson, Lina Larson eller Dag Wallströmer på nettan.eliasson@regionsormland.se.",
    "Läs mer på https://www.regionsormland.se/samverkan/tillsammans-for-barnens-basta och www.fou.sormland.se.",
    "Nyhetsbrev 24:1 handlar om barn och unga 7—18 år med NPF-liknande problematik och väntetiden till BUP.",
    "Samverkan mellan barn- och ungdomsnämnden och vård- och omsorgsnämnden fortsätter under 2021-06-14.",
    "SÖRMLAND OCH REGION SÖRMLAND – NYHETSBREV FRÅN SKOLCHEFSNÄTVERKET",
    "Ni är välkomna till Eskilstuna, Strängnäs, Nyköping och Oxelösund i höst.",
    "Frågan om var vi står är viktig. Han stod i dörren när vi kom, och vi har kommit långt. Har du frågor?",
]


@pytest.mark.parametrize("text", CLEAN_TRAPS, ids=lambda t: t[:30])
def test_clean_swedish_with_traps_is_left_alone(lexicon, text):
    result = repair_text(text, lexicon)
    assert [(e.before, e.after, e.rule) for e in result.edits] == []
    assert result.text == text


def test_a_whole_clean_paragraph_of_traps_is_left_alone(lexicon):
    text = "\n".join(CLEAN_TRAPS)
    assert repair_text(text, lexicon).edits == []


# A text too short to show damage, and with no å/ä/ö to show it is clean, gets a weak document
# prior: without one damaged-looking word no valid word may become another ("far" is father).
@pytest.mark.parametrize("text", ["Min far och mor", "Far och mor kom hem.", "Min far\n"])
def test_a_short_text_without_damage_keeps_its_valid_words(lexicon, text):
    result = repair_text(text, lexicon)
    assert [(e.before, e.after, e.rule) for e in result.edits] == []


def test_an_english_passage_is_no_evidence_of_damage(lexicon):
    # "for" in "Getting it right for every child" is English, not a damaged "för": it must
    # not make a clean text look damaged, or "Far och mor" would become "Får och mor".
    text = (
        "Modellen heter Getting it right for every child (GIRFEC). "
        "Far och mor, barn och unga: alla är välkomna till familjecentralen."
    )
    assert repair_text(text, lexicon).edits == []
    assert estimate_damage(text, lexicon) == 0.0


@pytest.mark.parametrize(
    "damaged,expected",
    [("Det ar bra", "Det är bra"), ("Vi far vanta", "Vi får vänta")],
)
def test_a_short_text_with_damage_still_gets_its_valid_words_repaired(lexicon, damaged, expected):
    assert repair_text(damaged, lexicon).text == expected


@pytest.mark.parametrize(
    "text",
    [
        "Vi diskuterade barnrättsperspektivet, samverkansavtalet och elevhälsoteamet på mötet i Nyköping.",
        "Föräldrastödsprogrammet och skolsköterskemottagningen får nya lokaler i höst, säger rektorn.",
        "Hemtjänstpersonalen i Flen får ny utbildning under våren.",
        "Skolfrånvaron, barnomsorgsavgiften och lovaktiviteterna diskuterades, liksom läxhjälpen och simundervisningen.",
        "Barnhälsoteamen träffas en gång i månaden på vårdcentralen.",
        "Skottland är känt för modellen Getting it right for every child, som även Sörmland använder.",
        "Thank you for your patience, stod det på skylten vid entrén.",
        "Modellen heter Getting it right for every child.",
    ],
    ids=lambda t: t[:30],
)
def test_clean_compounds_and_quotes_are_left_alone(lexicon, text):
    assert [(e.before, e.after) for e in repair_text(text, lexicon).edits] == []


# --- compounds repaired through their parts ------------------------------------------------------


@pytest.mark.parametrize(
    "damaged,expected",
    [
        ("socialtjdnsten", "socialtjänsten"),
        ("foraldrastodsprogram", "föräldrastödsprogram"),
        ("elevhdlsoteamet", "elevhälsoteamet"),
        ("barnrattsperspektivet", "barnrättsperspektivet"),  # barn|rätts|perspektivet: "barnrätt" is rare, read as a compound too
        ("skolskoterskemottagningen", "skolsköterskemottagningen"),  # skol|sköterskemottagningen: a rare compound (ocr_rare_compound)
        ("Hemtjanstpersonalen", "Hemtjänstpersonalen"),
    ],
)
def test_damaged_compounds_are_repaired_through_their_parts(with_compounds, damaged, expected):
    assert output_of(DAMAGED_COMPOUNDS, with_compounds.edits, damaged) == expected


def test_a_clean_compound_in_damaged_text_is_left_alone(with_compounds):
    assert output_of(DAMAGED_COMPOUNDS, with_compounds.edits, "samverkansavtalet") == "samverkansavtalet"


# --- hyphens and layout through the whole engine ------------------------------------------------


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Vi arbetar Till-\nsammans för barnens bästa.", "Vi arbetar Tillsammans för barnens bästa."),
        ("Nämnden för barn-\noch ungdomsfrågor träffas.", "Nämnden för barn-\noch ungdomsfrågor träffas."),
        ("Barn med NPF-\nliknande problematik får stöd.", "Barn med NPF-liknande problematik får stöd."),
        ("Kart\u00ad\nläggningen är klar i länet.", "Kartläggningen är klar i länet."),
        ("Vi skickar e-\npost till alla vårdnadshavare.", "Vi skickar e-post till alla vårdnadshavare."),
    ],
)
def test_line_end_hyphens_in_clean_text(lexicon, text, expected):
    assert repair_text(text, lexicon).text == expected


# --- idempotence and NFC edge cases found by fuzzing (minimal reproducers) -----------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Nedan ger vi exempel:\ne | detta arbete deltar alla kommuner i länet.",
        "Vi planerar att fram-\n6ver arbeta mer med barnens bästa i Sörmland.",
        "For att se fiImen kan du kIicka har.",
    ],
    ids=["bullet-then-bar", "hyphen-then-digit", "context-after-repair"],
)
def test_repair_is_idempotent_on_edge_cases(lexicon, text):
    once = repair_text(text, lexicon).text
    assert repair_text(once, lexicon).text == once


def test_output_is_nfc_after_ligature_expansion(lexicon):
    assert unicodedata.is_normalized("NFC", repair_text("\ufb01\u0308", lexicon).text)


# --- tokens, unknown words, damage estimate ------------------------------------------------------


def test_tokenize_keeps_urls_emails_and_numbers_apart():
    text = "Läs https://www.x.se/a-b?c=1 eller mejla a.b@c.se om 24:1 och S6rmland."
    kinds = [(t.kind, t.text) for t in tokenize(text)]
    assert ("url", "https://www.x.se/a-b?c=1") in kinds
    assert ("email", "a.b@c.se") in kinds
    assert ("word", "S6rmland") in kinds
    assert all(kind == "number" for kind, form in kinds if form in {"24", "1"})
    for token in tokenize(text):
        assert text[token.start : token.end] == token.text


def test_unknown_words_lists_forms_the_lexicon_lacks(lexicon):
    counts = unknown_words("Vi såg xqzvbl och xqzvbl i Sörmland, se www.xqzvbl.se eller a@xqzvbl.se.", lexicon)
    assert counts == {"xqzvbl": 2}


def test_damage_estimate_separates_damaged_from_clean(lexicon):
    clean = "\n".join(CLEAN_TRAPS)
    assert estimate_damage(clean, lexicon) < 0.02
    assert estimate_damage(DAMAGED_NEWSLETTER, lexicon) > 0.15
    assert estimate_damage("", lexicon) == 0.0
