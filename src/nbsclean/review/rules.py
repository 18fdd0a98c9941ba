"""What each edit rule means, in the words a reviewer needs: the legend of both review pages.

The names are the ``rule`` values the repair writes (README "How the repair works"); an edit
that combines stages names each of them joined by "+" (``hyphen_join+ocr_confusion``).
"""

from __future__ import annotations

RULE_MEANINGS: dict[str, str] = {
    "nfc": "Unicode normalised (a letter and its separate accent made one character)",
    "ligature": "a typographic ligature written out (ﬁ → fi)",
    "mojibake": "wrongly decoded characters of a text file fixed (SÃ¶rmland → Sörmland)",
    "hyphen_join": "a word hyphenated at a line end joined again (Till-⏎sammans → Tillsammans)",
    "bullet": "a bullet OCR read as a letter or sign, written as •",
    "bar_as_I": "a lone | before a word read as I",
    "ocr_confusion": "a non-word repaired through the OCR confusion table (Sérmland → Sörmland)",
    "ocr_rare_compound": "a non-word the confusion table reaches no known word from, repaired into a compound of two rarer listed parts (flerfonsterlage → flerfönsterläge; check these)",
    "ocr_generic_edit": "a non-word repaired through one edit outside the confusion table (check these)",
    "known_word_confusion": "a valid but improbable word replaced by a likelier one (basta → bästa)",
    "compound_confusion": "a compound repaired through its parts",
    "context": "a valid word chosen by its neighbours (7–18 ar → år)",
    "context_ngram": "a valid word replaced because the word bigram model and both neighbours prefer its rival (den har mer → här)",
    "email_at": "an e-mail address's misread @ put back",
    "quote_mark": "the opening mark of a Swedish quote, which an English OCR model reads as \" or “, given its closing partner's form (\"bild” → ”bild”)",
    "range_dash": "the en dash of a number range, which an English OCR model reads as a hyphen, put back (0-6 år → 0–6 år)",
    "split_glued_words": "words OCR glued together split again (insatserihela → insatser i hela)",
    "ocr_junk": "a token OCR read from specks or dust removed",
    "ocr_speck_mark": "a speck read as a mark between two words, on a scan read poorly, made a space again (Den:första → Den första)",
    "ocr_speck_letter": "a vowel's mark added by a speck or lost in the threshold, on a scan read poorly, put right where one common word results (kåmpost → kompost, förradet → förrådet)",
    "ocr_speck_word": "a letter a speck changed, added or took away, on a scan read poorly where most words are right, put right where one common word is clearly the one meant (ihnan → innan, tfsdagen → tisdagen)",
    "ocr_speck_vowel": "a vowel's mark lost in the threshold or added by a speck in a word the lists have, on a scan read poorly where most words are right, put back or taken away where the other word is a hundred times commoner (pa → på, öch → och)",
    "ocr_speck_glyph": "a letter a speck split into two thin ones, or two joined into one, on a scan read poorly where most words are right, put right where one common word is clearly the one meant (medlemrnar → medlemmar, mellart → mellan)",
    "ocr_speck_comma": "a full stop with a speck under it, read as a comma before a sentence's first word, on a scan read poorly, made a full stop again (ut dem, Vi skannar → ut dem. Vi skannar)",
    "ocr_speck_line": "a word broken at a line end whose hyphen the threshold lost, on a scan read poorly, joined again where the whole word is far commoner than its parts (före⏎ningen → föreningen)",
    "ocr_speck_common": "a very common word a speck turned into a rare one, on a scan read poorly where most words are right, put back where it is a thousand times commoner and its neighbours agree (alta → alla, kah → kan)",
    "ocr_speck_shard": "a clump of specks read as a line of its own, one or two characters and no digit, on a scan read poorly, removed with its line break («a, d, -.)",
    "ocr_speck_stop": "a speck read as a full stop after a word and before a word in small letters, on a scan read poorly, removed (kostar. en → kostar en)",
    "decision": "what a reviewer decided (nbsclean decide, or the served review page)",
}


def rule_parts(rule: str) -> list[str]:
    """The single rules of a possibly combined rule name."""
    return [part for part in rule.split("+") if part]


def rule_legend(rules) -> list[tuple[str, str]]:
    """(rule, meaning) for every single rule that occurs in ``rules``, sorted by name; a rule
    this version does not know is listed with an honest "no description"."""
    names = sorted({part for rule in rules for part in rule_parts(rule)})
    return [(name, RULE_MEANINGS.get(name, "no description in this version of nbsclean")) for name in names]
