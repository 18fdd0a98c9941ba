"""The OCR strategy for one scanned page: upright, straight, binarised as the paper calls
for, read, judged; a poor reading is read again with the next variant, the best kept.

1. A cheap look at the page (:func:`~nbsclean.extract.preprocess.page_evidence`, a few
   milliseconds): do the text lines run sideways, how skewed are they, how uneven is the
   paper and how weak the ink?
2. A sideways or upside-down page is turned upright by Tesseract's orientation detection; a skew of
   0.3° or more is removed; uneven or weak paper is background-normalised first.
   A clean, straight, white page goes to Tesseract exactly as before: no extra cost.
3. The reading gets a :mod:`~nbsclean.extract.quality` verdict. Only a poor reading is
   retried, with what its verdict points to: orientation detection for a garbage reading
   (an upside-down page), the despeckled page for junk tokens and unsure words, the
   background-normalised page for too little text; at most two retries. The best reading (by
   :meth:`~nbsclean.extract.quality.Quality.score`) is kept and every variant tried is
   recorded; a page that stays poor is flagged, never accepted silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from nbsclean.extract import ocr as ocr_engine
from nbsclean.extract import preprocess
from nbsclean.extract.model import Word
from nbsclean.extract.quality import Quality, judge_reading, junk_spans

# Retries after a poor first reading, at most: each costs about one more Tesseract run.
MAX_RETRIES = 2


@dataclass(frozen=True)
class PageReading:
    """The kept reading of a page, how it was made and what the verdict is."""

    result: ocr_engine.OcrResult
    transform: preprocess.PageTransform
    variant: str  # "plain" | "normalised" | "despeckled"
    quality: Quality
    tried: tuple[dict, ...] = field(default=())
    evidence: dict = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.result.text

    @property
    def mean_conf(self) -> float | None:
        return self.result.mean_conf

    def words_on_page(self, dpi: int) -> list[Word]:
        """The words read, with boxes in points on the page as stored (before any turn or
        deskew), through the transform: a word's box lands on its ink in the original."""
        points_per_pixel = 72 / dpi
        words = []
        for word in self.result.word_list:
            x0, y0, x1, y1 = self.transform.box_to_original(
                word.left, word.top, word.left + word.width, word.top + word.height
            )
            words.append(
                Word(
                    word.start, word.end, word.text,
                    round(x0 * points_per_pixel, 2), round(y0 * points_per_pixel, 2),
                    round(x1 * points_per_pixel, 2), round(y1 * points_per_pixel, 2),
                    conf=word.conf, block=word.block, line=word.line,
                )
            )
        return words

    def page_fields(self, image: Image.Image, dpi: int) -> dict:
        """The Page fields a reading fills: text, confidence, size, words, rotation, skew,
        quality."""
        return {
            "ocr_conf": self.mean_conf,
            "raw_text": self.text,
            "width": round(image.width * 72 / dpi, 2),
            "height": round(image.height * 72 / dpi, 2),
            "words": self.words_on_page(dpi),
            "rotation": self.transform.rotation,
            "skew": self.transform.skew,
            "quality": self.quality_record(),
            "junk_spans": junk_spans(self.result.word_list, speckled=self.variant == "despeckled"),
        }

    def quality_record(self) -> dict:
        """The page record's ``quality``: the verdict, its measures, the variant kept and
        the variants tried (each with its verdict), and the paper evidence."""
        return {
            **self.quality.to_dict(),
            "variant": self.variant,
            "tried": list(self.tried),
            **self.evidence,
        }


def _prepared(upright: np.ndarray, variant: str, dpi: int) -> tuple[np.ndarray, preprocess.Cleaning | None]:
    """The page as the variant reads it, and what the despeckling did (None otherwise)."""
    if variant == "plain":
        return upright, None
    normalised = preprocess.normalise_background(upright, dpi)
    if variant == "normalised":
        return normalised, None
    return preprocess.remove_specks_and_show_through(normalised)


class _PageReader:
    """Reads one page in a given orientation and variant, keeping what it has computed."""

    def __init__(self, image: Image.Image, options, dpi: int, lexicon) -> None:
        self.image = image
        self.options = options
        self.dpi = dpi
        self.grey = preprocess.as_grey_array(image)
        self.evidence = preprocess.page_evidence(self.grey, dpi)
        self.is_known = _known_word_test(lexicon)
        self._upright: dict[int, tuple[np.ndarray, preprocess.PageTransform]] = {}
        self._orientation: tuple[int | None] | None = None

    def upright(self, rotation: int) -> tuple[np.ndarray, preprocess.PageTransform]:
        if rotation not in self._upright:
            turned, _ = preprocess.upright_and_straight(self.grey, rotation, 0.0)
            skew = self.evidence.skew if rotation == 0 else preprocess.estimate_skew(turned, self.dpi)
            self._upright[rotation] = preprocess.upright_and_straight(self.grey, rotation, skew)
        return self._upright[rotation]

    def read(self, rotation: int, variant: str) -> tuple[ocr_engine.OcrResult, preprocess.PageTransform, Quality]:
        pixels, transform = self.upright(rotation)
        cleaning = None
        if transform.is_identity and variant == "plain":
            page = self._as_stored()
        else:
            prepared, cleaning = _prepared(pixels, variant, self.dpi)
            page = Image.fromarray(prepared, mode="L")
        result = ocr_engine.ocr_image(
            page, lang=self.options.lang, psm=self.options.psm, dpi=self.dpi, timeout=self.options.ocr_timeout
        )
        paper = self.evidence.paper
        quality = judge_reading(
            [(word.text, word.conf) for word in result.word_list],
            ink_pixels=paper.ink_pixels,
            ink_share=paper.ink_share,
            paper_level=paper.paper_level,
            is_known=self.is_known,
            specks_left=None if cleaning is None else cleaning.specks_left_per_letter,
        )
        return result, transform, quality

    def _as_stored(self) -> Image.Image:
        """A clean page goes to Tesseract as stored. A grey palette or grey-with-alpha page
        would be converted to 8-bit grey on the way (ocr._write_page_image): it is already,
        in ``self.grey``, so it is not converted twice."""
        if self.image.mode in ("P", "PA", "LA", "La") and ocr_engine._is_grey(self.image):
            return Image.fromarray(self.grey, mode="L")
        return self.image

    def orientation(self) -> int | None:
        """Tesseract's orientation detection, run at most once per page."""
        if self._orientation is None:
            found = ocr_engine.detect_orientation(
                Image.fromarray(self.grey, mode="L"), self.dpi, timeout=self.options.ocr_timeout
            )
            confident = found is not None and found[1] >= ocr_engine.MIN_ORIENTATION_CONF
            self._orientation = (found[0] if confident else None,)
        return self._orientation[0]


def _known_word_test(lexicon):
    if lexicon is None:
        from nbsclean.repair.lexicon import load_lexicon

        lexicon = load_lexicon()
    return lexicon.is_known


@dataclass(frozen=True)
class _Attempt:
    rotation: int
    variant: str
    result: ocr_engine.OcrResult
    transform: preprocess.PageTransform
    quality: Quality

    def rank(self) -> tuple[bool, float]:
        return (not self.quality.poor, self.quality.score())

    def summary(self) -> dict:
        return {
            "rotation": self.rotation,
            "skew": self.transform.skew,
            "variant": self.variant,
            "verdict": self.quality.verdict,
            "mean_conf": self.quality.mean_conf,
            "words": self.quality.words,
        }


def read_page(image: Image.Image, options, *, dpi: int, lexicon=None) -> PageReading:
    """Read one scanned page (see the module docstring). ``image`` is not modified."""
    reader = _PageReader(image, options, dpi, lexicon)
    evidence = reader.evidence
    # A page that looks turned (sideways, or upside down) is turned upright by Tesseract's
    # orientation detection (0.4 s) before the first reading, not after a reading of garbage (1 s).
    rotation = (reader.orientation() or 0) if evidence.sideways or evidence.upside_down else 0
    variant = _first_variant(evidence.paper)
    attempts = [_Attempt(rotation, variant, *reader.read(rotation, variant))]
    while all(attempt.quality.poor for attempt in attempts) and len(attempts) <= MAX_RETRIES:
        best = max(attempts, key=_Attempt.rank)
        following = _next_attempt(reader, best, attempts)
        if following is None:
            break
        attempts.append(_Attempt(*following, *reader.read(*following)))
    kept = max(attempts, key=_Attempt.rank)
    return PageReading(
        result=kept.result,
        transform=kept.transform,
        variant=kept.variant,
        quality=kept.quality,
        tried=tuple(attempt.summary() for attempt in attempts) if len(attempts) > 1 else (),
        evidence=evidence.paper.to_dict(),
    )


def _first_variant(paper: preprocess.PaperEvidence) -> str:
    """What the cheap look says the first reading needs: a page with specks all over is
    cleaned at once (a plain reading of it is poor, and reading it twice costs a Tesseract
    run); uneven or weak paper is normalised; a clean page is read as stored."""
    if paper.speckled:
        return "despeckled"
    return "normalised" if paper.needs_adaptive else "plain"


def _next_attempt(reader: _PageReader, best: _Attempt, attempts: list[_Attempt]):
    """After a poor reading, the one retry its verdict points to, or None when none is
    left worth a Tesseract run (a page that stays poor is flagged, not read again and
    again):

    * a reading that looks like garbage (few known words, very low confidence, nothing
      read) may be a page upside down: Tesseract's orientation detection (once per page),
      then the background-normalised page;
    * junk tokens and unsure words point to specks: the despeckled page;
    * too little text for the ink points to grey or uneven paper: the normalised page.
    """
    done = {(attempt.rotation, attempt.variant) for attempt in attempts}
    quality = best.quality
    if quality.looks_like_garbage:
        found = reader.orientation()
        if found is not None and (found, best.variant) not in done:
            return found, best.variant
    for variant in _variants_for(quality):
        if (best.rotation, variant) not in done:
            return best.rotation, variant
    return None


def _variants_for(quality: Quality) -> tuple[str, ...]:
    if quality.dark_page:
        return ()  # no binarisation makes a black page readable
    if quality.specks_on_text:
        return ()  # specks on the letters: no variant of the page tells them from marks
    if quality.looks_speckled and not quality.looks_like_garbage:
        return ("despeckled",)
    return ("normalised",)
