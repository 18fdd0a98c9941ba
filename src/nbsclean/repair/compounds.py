"""Rare compounds: a reading of last resort for a damaged non-word (pure).

The lexicon's compound model (:meth:`Lexicon.compound_zipf`) is strict on purpose: its parts
must be ordinary words (zipf ≥ 2.5) and a nested compound may only stand first, because it
also decides whether a form *as written* is a word, and a loose model would take OCR damage
for valid compounds. But Swedish coins compounds of rare parts all the time, and technical
prose and newsletters are full of them: "färg|rendering", "fil|bläddrare", "fler|fönsterläge"
(a compound head), "bildpunkts|värden". An English OCR model writes them without å, ä and
ö, and the strict model then knows neither the damaged form nor the word meant, so the word
stays damaged.

:func:`rare_compound_zipf` scores a form as a compound of two parts that any list vouches
for (wordfreq, hunspell's forms, the archive's words, inflections: zipf ≥ RARE_PART_ZIPF),
either part possibly a compound the strict model knows. The engine uses it only for the
strings the confusion table reaches from a non-word it cannot otherwise explain, never to
judge a form as written, and only as a fallback with the evidence a generic edit needs.
"""

from __future__ import annotations

import math

from nbsclean.repair.lexicon import (
    COMPOUND_NORM,
    MIN_COMPOUND_LENGTH,
    MIN_COMPOUND_ZIPF,
    MIN_SHORT_MODIFIER_ZIPF,
    MAX_SHORT_HEAD_ZIPF,
    Lexicon,
    _modifier_stems,
)

RARE_PART_ZIPF = 1.3  # a part some list vouches for beyond hunspell alone (its forms score 1.0); 1.0-1.6 alike on the development set, 2.0 worse
MIN_RARE_HEAD_LENGTH = 3


def _part_zipf(lexicon: Lexicon, part: str) -> float:
    """How plausible ``part`` is as one part of a compound: listed, or a strict compound."""
    listed = lexicon.listed_zipf(part)
    if listed or len(part) < MIN_COMPOUND_LENGTH:
        return listed
    return lexicon.compound_zipf(part)


def rare_compound_zipf(lexicon: Lexicon, lower: str) -> float:
    """Zipf of ``lower`` read as a compound of two parts some list vouches for (0 when it
    is none); scored like :meth:`Lexicon.compound_zipf` (P(modifier) · P(head) / norm,
    capped at the rarer part, at least MIN_COMPOUND_ZIPF)."""
    raw = rare_compound_log10(lexicon, lower)
    return 0.0 if raw is None else max(raw, MIN_COMPOUND_ZIPF)


def rare_compound_log10(lexicon: Lexicon, lower: str) -> float | None:
    """The unfloored score of :func:`rare_compound_zipf` (None when ``lower`` is no such
    compound): it ranks two readings of one damaged form, where the floor would make a
    half-repaired reading ("flerfönster|lage") as good as the whole ("fler|fönsterläge")."""
    if len(lower) < MIN_COMPOUND_LENGTH or not lower.isalpha():
        return None
    best, found = -math.inf, False
    for cut in range(3, len(lower) - MIN_RARE_HEAD_LENGTH + 1):
        head = lower[cut:]
        head_zipf = _part_zipf(lexicon, head)
        if head_zipf < RARE_PART_ZIPF or (len(head) == 3 and head_zipf >= MAX_SHORT_HEAD_ZIPF):
            continue
        for stem in _modifier_stems(lower[:cut], head):
            stem_zipf = _part_zipf(lexicon, stem)
            needed = MIN_SHORT_MODIFIER_ZIPF if len(stem) <= 3 else RARE_PART_ZIPF
            if stem_zipf >= needed:
                found = True
                best = max(best, min(stem_zipf + head_zipf - COMPOUND_NORM, stem_zipf, head_zipf))
    return best if found else None


__all__ = ["RARE_PART_ZIPF", "rare_compound_log10", "rare_compound_zipf"]
