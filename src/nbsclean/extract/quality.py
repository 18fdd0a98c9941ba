"""A verdict on every OCR reading: ``ok`` or ``poor``, with the reasons, from what the
reading itself shows.

* Tesseract's word confidences (from its TSV): the mean, and the share of words it was
  unsure of;
* the share of the words read that the lexicon knows (garbage read from an upside-down or
  speckled page is mostly not words);
* text found against ink on the page: a page with ink but (almost) nothing read is always
  poor, and so is a reading whose letters account for only a fraction of the ink
  (paragraphs dropped on a grey or crooked page).

A truly blank page (no ink) is ``ok`` with the reason ``blank page``. The thresholds were
measured on samples/scans and samples/degraded (README, "Quality verdict").
"""

from __future__ import annotations

from dataclasses import dataclass

import regex

# A reading is poor when its mean word confidence is below this. Clean and degraded pages
# that read right: 91-96; upside-down, speckled or bleed-through pages: 29-74.
MIN_MEAN_CONF = 80.0
# ... or when more than this share of its words have a confidence below LOW_WORD_CONF.
# Pages read right: 0.00-0.04 (a broken-glyph photocopy); speckled pages: 0.1-0.36.
LOW_WORD_CONF = 70.0
MAX_LOW_CONF_SHARE = 0.10
# ... or when more than this share of the tokens are junk: no letter or digit at all
# (".", "|", ">", ":" read from specks). Pages read right: 0.000-0.006; speckled: 0.08.
MAX_JUNK_SHARE = 0.03
# ... or when fewer than this share of its words (of two letters or more) are known.
# Pages read right: 0.80-0.97 before repair (names, e-mail addresses and numbers are not
# words); garbage: below 0.3.
MIN_KNOWN_SHARE = 0.6
# ... or when the letters read are fewer than this share of what the ink on the page
# would hold (LETTERS_PER_INK_PIXEL letters per ink pixel at the evidence resolution).
# Pages read right: 0.33 (thick photocopy glyphs) to 0.80 (broken ones), most 0.4-0.6;
# readings that dropped half the page's paragraphs fall to about 0.2-0.25. This measure
# catches large losses only; confidences and known words catch the rest.
LETTERS_PER_INK_PIXEL = 0.1
MIN_TEXT_FOR_INK = 0.25
# Judged only from this many words on: a short caption is not evidence either way.
MIN_WORDS_FOR_SHARES = 8
# Ink on less than this share of the page is no text (a blank page, dust).
MIN_INK_SHARE = 0.002
# A page whose paper is this dark is not a page of text (a black or photographic frame).
DARK_PAGE_LEVEL = 60
DARK_PAGE_REASON = "the page is dark all over"
# A despeckled page is poor when more than this many specks per letter are estimated to be
# left on and beside its letters (preprocess.specks_left_on_text). The dusty pages of
# samples/degraded and tools/speckle_variants.py: read at 2-12 % WER with 0.115-0.19
# left per letter, at 23-35 % with 0.40-0.61, while Tesseract is sure of the words all the
# same (mean confidence 84-92). It errs on the side of flagging (the 2 % page is poor too).
MAX_SPECKS_LEFT = 0.1
SPECKS_LEFT_REASON = "specks left on the letters"
# A reading below this mean confidence looks like garbage (a page read in the wrong
# orientation: 29-40 on our samples; speckled pages read right but noisy: 68-85).
GARBAGE_MEAN_CONF = 60.0

_WORDLIKE = regex.compile(r"^[\p{L}]+(?:-[\p{L}]+)*$")
_EDGE_PUNCTUATION = ".,;:!?()\"'«»”“’-–—"


@dataclass(frozen=True)
class Quality:
    verdict: str  # "ok" | "poor"
    reasons: tuple[str, ...]
    mean_conf: float | None
    low_conf_share: float
    known_share: float | None
    text_for_ink: float | None  # letters read / letters the ink would hold
    words: int
    junk_share: float = 0.0
    specks_left: float | None = None  # per letter, on a despeckled page

    @property
    def specks_on_text(self) -> bool:
        return any(reason.startswith(SPECKS_LEFT_REASON) for reason in self.reasons)

    @property
    def poor(self) -> bool:
        return self.verdict == "poor"

    @property
    def dark_page(self) -> bool:
        return any(reason.startswith(DARK_PAGE_REASON) for reason in self.reasons)

    @property
    def looks_like_garbage(self) -> bool:
        """Nothing read, few known words or very low confidence: what an upside-down or
        sideways page reads as (confidence 29-40 on our samples)."""
        return (
            self.words == 0
            or (self.known_share is not None and self.known_share < MIN_KNOWN_SHARE)
            or (self.mean_conf is not None and self.mean_conf < GARBAGE_MEAN_CONF)
        )

    @property
    def looks_speckled(self) -> bool:
        """Junk tokens or many unsure words among words that are mostly right."""
        return self.junk_share > MAX_JUNK_SHARE or self.low_conf_share > MAX_LOW_CONF_SHARE

    def to_dict(self) -> dict:
        return {
            "verdict": self.verdict,
            "reasons": list(self.reasons),
            "mean_conf": self.mean_conf,
            "low_conf_share": round(self.low_conf_share, 3),
            "known_share": None if self.known_share is None else round(self.known_share, 3),
            "text_for_ink": None if self.text_for_ink is None else round(self.text_for_ink, 3),
            "junk_share": round(self.junk_share, 3),
            "words": self.words,
            **({} if self.specks_left is None else {"specks_left": self.specks_left}),
        }

    def score(self) -> float:
        """Which of two readings of the same page is better: the words that are both known
        and confidently read, so a reading that drops paragraphs or reads garbage loses."""
        if self.words == 0:
            return 0.0
        known = self.known_share if self.known_share is not None else 0.5
        conf = (self.mean_conf or 0.0) / 100
        return self.words * known * conf * (1 - self.low_conf_share)


def word_form(token: str) -> str:
    return token.strip(_EDGE_PUNCTUATION)


def known_share(tokens: list[str], is_known) -> float | None:
    """Share of the word-like tokens (letters only, two or more) that ``is_known`` accepts."""
    forms = [form for form in (word_form(token) for token in tokens) if len(form) >= 2 and _WORDLIKE.match(form)]
    if len(forms) < MIN_WORDS_FOR_SHARES:
        return None
    return sum(1 for form in forms if is_known(form) or is_known(form.lower())) / len(forms)


def judge_reading(
    words: list[tuple[str, float]],
    *,
    ink_pixels: int,
    ink_share: float,
    paper_level: float,
    is_known,
    specks_left: float | None = None,
) -> Quality:
    """The verdict on one reading. ``words``: (text, confidence) per word read;
    ``ink_pixels``/``ink_share``: the ink found on the page at the evidence resolution;
    ``paper_level``: the median grey of the page; ``is_known``: the lexicon's test;
    ``specks_left``: on a despeckled page, the specks per letter estimated to be left on
    and beside the letters."""
    confidences = [conf for _, conf in words if conf >= 0]
    mean_conf = round(sum(confidences) / len(confidences), 2) if confidences else None
    low_share = sum(1 for conf in confidences if conf < LOW_WORD_CONF) / len(confidences) if confidences else 0.0
    known = known_share([text for text, _ in words], is_known) if words else None
    letters = sum(sum(1 for ch in text if ch.isalnum()) for text, _ in words)
    junk_share = sum(1 for text, _ in words if is_junk_token(text)) / len(words) if words else 0.0
    expected_letters = ink_pixels * LETTERS_PER_INK_PIXEL
    text_for_ink = letters / expected_letters if expected_letters >= 1 else None
    reasons: list[str] = []
    if paper_level < DARK_PAGE_LEVEL:
        reasons.append(f"{DARK_PAGE_REASON} (median grey {paper_level:.0f}): no paper to read text on")
    elif ink_share < MIN_INK_SHARE:
        if not words:
            return Quality("ok", ("blank page",), None, 0.0, None, None, 0)
    elif not words or letters < 10:
        reasons.append("ink on the page but (almost) no text read")
    if words:
        if mean_conf is not None and mean_conf < MIN_MEAN_CONF:
            reasons.append(f"low word confidence (mean {mean_conf:.0f} < {MIN_MEAN_CONF:.0f})")
        if len(confidences) >= MIN_WORDS_FOR_SHARES and low_share > MAX_LOW_CONF_SHARE:
            reasons.append(f"{low_share:.0%} of the words read with confidence below {LOW_WORD_CONF:.0f}")
        if len(words) >= MIN_WORDS_FOR_SHARES and junk_share > MAX_JUNK_SHARE:
            reasons.append(f"{junk_share:.0%} of the tokens are junk (no letter or digit)")
        if known is not None and known < MIN_KNOWN_SHARE:
            reasons.append(f"only {known:.0%} of the words are known words")
        if text_for_ink is not None and ink_share >= MIN_INK_SHARE and letters >= 10 and text_for_ink < MIN_TEXT_FOR_INK:
            reasons.append(f"little text for the ink on the page ({text_for_ink:.0%} of what the ink would hold)")
        if specks_left is not None and specks_left > MAX_SPECKS_LEFT:
            reasons.append(
                f"{SPECKS_LEFT_REASON}: about {specks_left:.2f} per letter, where they cannot be told from "
                "full stops and the dots of ä and ö"
            )
    return Quality(
        "poor" if reasons else "ok", tuple(reasons), mean_conf, low_share, known, text_for_ink, len(words), junk_share,
        specks_left,
    )


def is_junk_token(text: str) -> bool:
    """A token without a single letter or digit: what specks and dust read as."""
    return not any(ch.isalnum() for ch in text)


# A token is junk, removed as an "ocr_junk" edit, when it has no letter or digit and
# Tesseract read it with a confidence below JUNK_MAX_CONF, or when it is a shard of at
# most two characters, not all letters, read with a confidence below SHARD_MAX_CONF.
# (A dash or "&" read with confidence stays.)
JUNK_MAX_CONF = 50.0
SHARD_MAX_CONF = 15.0
# On a page read from its despeckled image (it has specks all over), a token without a
# letter or digit is junk at any confidence unless it is a dash, "&", "§" or "%": dust in a word
# space reads as a lone ".", "," or quote with a confidence of 50-91, while the text of a
# newsletter has no such token of its own (the despeckled fixtures and fresh dusty pages:
# 55 lone marks read with confidence 50 or more, none of them in the text; on clean pages
# only dashes stand alone). A word of one or two letters read with a confidence below
# SPECKLED_SHARD_MAX_CONF is junk there too, unless it is a Swedish word of one letter
# ("i", "å", "ö"): Tesseract reads a clump of specks as "S", "é", "hå" or "LJ", unsure.
KEPT_ALONE = frozenset("-–—&§%")
SPECKLED_SHARD_MAX_CONF = 50.0
ONE_LETTER_WORDS = frozenset("iåöIÅÖ")


def junk_spans(words, *, speckled: bool = False) -> list[tuple[int, int]]:
    """Offsets (start, end) into the reading's text of its junk tokens; ``words`` carry
    ``start``, ``end``, ``text`` and ``conf`` (:class:`nbsclean.extract.ocr.OcrWord`);
    ``speckled``: the reading is of a page with specks all over (its despeckled image)."""
    spans = []
    for word in words:
        if _is_junk(word.text, word.conf, speckled):
            spans.append((word.start, word.end))
    return spans


def _is_junk(text: str, conf: float, speckled: bool) -> bool:
    symbols_only = is_junk_token(text)
    if symbols_only and conf < JUNK_MAX_CONF:
        return True
    if len(text) <= 2 and not text.isalpha() and 0 <= conf < SHARD_MAX_CONF:
        return True
    if not speckled:
        return False
    if symbols_only:
        return not any(ch in KEPT_ALONE for ch in text)
    return len(text) <= 2 and text.isalpha() and text not in ONE_LETTER_WORDS and 0 <= conf < SPECKLED_SHARD_MAX_CONF
