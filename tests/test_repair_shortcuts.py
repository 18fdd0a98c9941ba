"""The repair's shortcuts (faster patterns, remembered answers) give exactly what the long
way gives: the same tokens, the same unknown words, the same context gains."""

from __future__ import annotations

import random
import re
from collections import Counter
from itertools import accumulate

import pytest

from nbsclean.repair import engine as repair_engine
from nbsclean.repair.engine import _mask_protected, default_engine, is_unknown, scan_words, unknown_words, word_forms
from nbsclean.repair.memo import RememberedGains

# Letters, digits, the characters OCR puts inside words, "_", URL and address pieces.
ALPHABET = list("abcåäöéABCÅÄÖ019") + ["&", "|", "[", "€", "_", " ", "\n", ".", "-", "@", "/", ":", "www.", "http://", ".se"]


def _long_way(text: str) -> tuple[list[str], list[int]]:
    """WORD_RE itself over the masked text: what the scan gave before its shortcuts."""
    splitter = re.compile("(" + repair_engine.WORD_RE.pattern + ")", re.VERBOSE)
    pieces = splitter.split(_mask_protected(text))
    return pieces[1::2], list(accumulate(map(len, pieces)))


def _random_text(rng: random.Random, marks: bool) -> str:
    alphabet = ALPHABET if marks else [c for c in ALPHABET if c not in ("&", "|", "[", "€")]
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))


@pytest.mark.parametrize("marks", [True, False])
def test_the_scan_finds_the_tokens_word_re_finds(marks):
    rng = random.Random(15 + marks)
    for _ in range(3000):
        text = _random_text(rng, marks)
        forms, bounds = _long_way(text)
        scan = scan_words(text)
        assert (scan.forms, scan.bounds) == (forms, bounds), text
        assert word_forms(text) == forms, text


def test_a_clean_text_is_scanned_with_the_plain_pattern_and_alike():
    text = "Vi har öppet hus_dag 2024 i Malmö, se www.exempel.se eller skriv till info@exempel.se.\n"
    # the pattern is chosen on the text with its addresses masked: an e-mail's "@" is no mark
    assert repair_engine._word_pattern(repair_engine._mask_protected(text), False).pattern in (r"\w+", r"[^\W_]+")
    forms, bounds = _long_way(text)
    assert scan_words(text).forms == forms and scan_words(text).bounds == bounds


def test_unknown_words_counts_what_judging_every_form_counts():
    engine = default_engine()
    text = "Kvarnbyvik har ett nytt bibliotek. Qwrtz och qwrtz, Blorpstad 12 och Kvarnbyvik igen: zzxq."
    expected = Counter()
    for form, count in Counter(scan_words(text).forms).items():
        if any(c.isalpha() for c in form) and is_unknown(form, engine.analyse(form)):
            expected[form] = count
    first = unknown_words(text)
    assert first == expected and list(first) == list(expected)
    assert unknown_words(text) == expected  # the second time from the remembered verdicts


def test_remembered_context_gains_are_the_models_own():
    model = default_engine().ngrams
    if model is None:
        pytest.skip("no bigram model")
    plain = model.model if isinstance(model, RememberedGains) else model
    remembered = RememberedGains(plain)
    for word, previous, following, classes in [("är", "det", "en", False), ("ar", "det", "en", True), ("år", None, "", False), ("xyzzy", "", None, True)]:
        expected = plain.context_gain(word, previous, following, classes)
        assert remembered.context_gain(word, previous, following, classes) == expected
        assert remembered.context_gain(word, previous, following, classes) == expected  # from the table
    assert len(remembered) == len(plain) and remembered.knows("är") == plain.knows("är")


def _forms_for_ngram_context_long_way(engine, analysis_of, prior):
    """Every form's rivals looked at, for every document (what rivals_within_reach shortens)."""
    import math

    from nbsclean.repair.engine import CONTEXT_MAX_LOG10_GAIN, CONTEXT_MIN_PRIOR, KNOWN_WORD_MARGIN

    reach = prior + CONTEXT_MAX_LOG10_GAIN if prior >= CONTEXT_MIN_PRIOR else -math.inf
    forms = set()
    for form, analysis in analysis_of.items():
        if not analysis.listed or not analysis.is_word or analysis.best is None:
            continue
        if analysis.settled and reach == -math.inf:
            continue
        for rival in analysis.alternatives:
            if engine.lexicon.is_listed(rival.word) and rival.score - analysis.known_zipf + reach >= KNOWN_WORD_MARGIN:
                forms.add(form)
                break
        else:
            if not analysis.settled and engine.lexicon.is_listed(analysis.best.word):
                forms.add(form)
    return forms


def test_the_forms_for_context_are_those_every_rival_gives():
    import math
    from pathlib import Path

    from nbsclean.repair.engine import Repairer

    engine = default_engine()
    if engine.ngrams is None:
        pytest.skip("no bigram model")
    repairer = Repairer(engine)
    samples = Path(__file__).resolve().parent.parent / "samples"
    texts = [p.read_text(encoding="utf-8") for p in sorted(samples.glob("*/*.input.txt"))[:12]]
    assert texts
    for text in texts:
        analysis_of = {form: engine.analyse(form) for form in set(scan_words(text).forms)}
        for prior in (-math.inf, -3.0, -0.48, -0.477, -0.3, -0.1, 0.0):
            expected = _forms_for_ngram_context_long_way(engine, analysis_of, prior)
            assert repairer._forms_for_ngram_context(analysis_of, prior) == expected, prior


def _sample_texts(count: int) -> list[str]:
    from pathlib import Path

    samples = Path(__file__).resolve().parent.parent / "samples"
    texts = [p.read_text(encoding="utf-8") for p in sorted(samples.glob("*/*.input.txt"))[:count]]
    assert texts
    return texts


def test_a_lower_case_decision_from_its_plan_is_the_long_ways():
    """Repairer._lower_case_decision (what does not depend on the priors worked out once
    per form) against Repairer._decide, for every lower-case form of the samples, their
    forms with å/ä/ö lost, and glued pairs of them, at priors across the range."""
    import math

    from nbsclean.repair.engine import Repairer, Token

    engine = default_engine()
    repairer = Repairer(engine)
    forms = set()
    for text in _sample_texts(12):
        forms.update(f for f in scan_words(text).forms if f.islower())
    lost = str.maketrans("åäö", "aao")
    ordered = sorted(forms)
    forms.update(f.translate(lost) for f in ordered)
    forms.update(a + b for a, b in zip(ordered[::7], ordered[3::7]))
    kinds = Counter()
    priors = (-math.inf, -2.7, -1.0, -0.48, -0.477, -0.3, -0.1, 0.0)
    for form in sorted(forms):
        for prior in priors:
            for valid_prior in (prior, -math.inf):
                expected = repairer._decide(Token(10, 10 + len(form), form, "word"), "x " * 5 + form, prior, valid_prior)
                assert repairer._lower_case_decision(form, prior, valid_prior) == expected, (form, prior, valid_prior)
                kinds[expected[1] if expected else None] += 1
    # every kind of decision was compared
    assert {None, "known_word_confusion", "ocr_confusion", "split_glued_words"} <= set(kinds), kinds


def test_the_forms_that_need_attention_are_those_each_analysis_gives():
    engine = default_engine()
    for text in _sample_texts(12):
        analysis_of = {form: engine.analyse(form) for form in set(scan_words(text).forms)}
        for _ in range(2):  # classified, then from the engine's sets
            attention, ruled = engine.attention_forms(analysis_of)
            assert attention == {f for f, a in analysis_of.items() if not a.settled or a.english}
            assert ruled == {f for f in analysis_of if f.lower() in engine.context_rules}


def _tokens_with_neighbours(engine, texts):
    """(token, text, previous, following) of every token of ``texts`` whose lower case has
    context rules or a listed rival, with its neighbours as written."""
    from nbsclean.repair.engine import Token, _neighbours

    found = []
    for text in texts:
        scan = scan_words(text)
        for index, form in enumerate(scan.forms):
            analysis = engine.analyse(form)
            lower = form.lower()
            if lower in engine.context_rules or any(engine.lexicon.is_listed(c.word) for c in analysis.alternatives):
                start, end = scan.span(index)
                found.append((Token(start, end, form, "word"), text, *_neighbours(text, scan, index, {})))
    return found


PRIORS = (-3.0, -1.2, -0.6, -0.48, -0.477, -0.3, -0.1, -0.01, 0.0)


def test_a_context_rule_decision_from_its_plan_is_the_long_ways():
    """Repairer._context_decision (the rules that apply between two neighbours worked out
    once, the prior added last) against the long way, on the samples' tokens with context
    rules, with and without a waiting next word, with the prior going up and down."""
    from nbsclean.repair.engine import Repairer

    engine = default_engine()
    repairer = Repairer(engine)
    decided = Counter()
    tokens = [t for t in _tokens_with_neighbours(engine, _sample_texts(12)) if t[0].text.lower() in engine.context_rules]
    assert tokens
    for token, text, previous, following in tokens:
        analysis = engine.analyse(token.text)
        for next_waits in (False, True):
            for prior in PRIORS + PRIORS[::-1]:
                expected = repairer._context_decision_long_way(token, text, analysis, prior, previous, following, next_waits)
                assert repairer._context_decision(token, text, analysis, prior, previous, following, next_waits) == expected
                decided[expected is not None and expected[0] != token.text] += 1
    assert decided[True] and decided[False]  # changes and keeps were compared


def test_a_bigram_verdict_from_its_plan_is_the_long_ways():
    """Repairer._ngram_verdict (what does not depend on the prior worked out once per word
    and neighbours) against the long way, on the samples' words with listed rivals, with
    the neighbours as written, one side unknown (None), and the prior going up and down."""
    from nbsclean.repair.engine import Repairer

    engine = default_engine()
    if engine.ngrams is None:
        pytest.skip("no bigram model")
    repairer = Repairer(engine)
    verdicts = Counter()
    for token, _, previous, following in _tokens_with_neighbours(engine, _sample_texts(12)):
        lower, analysis = token.text.lower(), engine.analyse(token.text)
        for after in (following, None):
            for prior in PRIORS + PRIORS[::-1]:
                expected = repairer._ngram_verdict_long_way(lower, analysis, prior, previous, after)
                assert repairer._ngram_verdict(lower, analysis, prior, previous, after) == expected, (lower, previous, after, prior)
                verdicts[None if expected is None else expected[0] == lower] += 1
    assert verdicts[None] and verdicts[True] and verdicts[False], verdicts  # kept, changed and left alone
