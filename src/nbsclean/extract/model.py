"""The extraction data model: a page's text and how it was got, a document's pages, and the
options that steer extraction (built once at the command line, passed down whole)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Literal

from nbsclean.edits import Edit
from nbsclean.errors import BadArgumentsError

OcrMode = Literal["auto", "always", "never"]
OCR_MODES = ("auto", "always", "never")
MAX_DPI = 2400  # no scanner resolution is higher; a page is rendered at most this fine
PSM_VALUES = range(0, 14)  # Tesseract's page segmentation modes
# Tesseract's default per-page limit is none; OCRmyPDF's --tesseract-timeout is 180 s.
DEFAULT_OCR_TIMEOUT = 180.0
MAX_OCR_TIMEOUT = 86_400.0
# A language is a traineddata name ("swe", "chi_sim") or a script model ("script/Latin"):
# never a path, so "swe+../../x" cannot reach outside Tesseract's tessdata folder.
_LANGUAGE = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:/[A-Za-z][A-Za-z0-9_]*)?")


@dataclass(frozen=True, slots=True)
class Word:
    """One word as extraction found it: where it is in its page's ``raw_text`` and where it
    is on the page.

    ``raw_text[start:end] == text``. The box is in PDF points (1/72 inch) with the origin at
    the top left of the page *as stored in the input* - before any rotation or deskewing
    done for OCR - so a box lands on the word's ink in the original scan or PDF page.
    (An image's pixels map to points through its resolution: ``x_pt = x_px * 72 / dpi``.)
    """

    start: int
    end: int
    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    conf: float | None = None  # Tesseract's word confidence 0..100; None for a text layer
    block: int = 0  # the block and line the word belongs to, numbered on the page from 0
    line: int = 0


# A page's words are stored column-wise (parallel arrays, one entry per word, in reading
# order): a record stays compact, a table reads them as lists, and a word's text is not
# repeated (it is ``raw_text[start:end]``). Boxes are rounded to 0.1 pt (0.035 mm).
WORD_COLUMNS = ("start", "end", "x0", "y0", "x1", "y1", "conf", "block", "line")
BOX_DECIMALS = 1


def words_to_columns(words: list[Word]) -> dict[str, list]:
    """``{"start": [...], "end": [...], "x0": [...], ..., "conf": [...], "block", "line"}``;
    ``conf`` is left out when no word has one (a text layer)."""
    columns: dict[str, list] = {
        "start": [w.start for w in words],
        "end": [w.end for w in words],
        "x0": [round(w.x0, BOX_DECIMALS) for w in words],
        "y0": [round(w.y0, BOX_DECIMALS) for w in words],
        "x1": [round(w.x1, BOX_DECIMALS) for w in words],
        "y1": [round(w.y1, BOX_DECIMALS) for w in words],
        "conf": [None if w.conf is None else round(w.conf, 1) for w in words],
        "block": [w.block for w in words],
        "line": [w.line for w in words],
    }
    if all(conf is None for conf in columns["conf"]):
        del columns["conf"]
    return columns


def words_from_columns(columns: dict | None, raw_text: str) -> list[Word]:
    """The page's words back from their stored columns (the inverse of :func:`words_to_columns`)."""
    if not columns:
        return []
    count = len(columns["start"])
    confs = columns.get("conf") or [None] * count
    return [
        Word(start, end, raw_text[start:end], x0, y0, x1, y1, conf, block, line)
        for start, end, x0, y0, x1, y1, conf, block, line in zip(
            columns["start"], columns["end"], columns["x0"], columns["y0"], columns["x1"], columns["y1"],
            confs, columns["block"], columns["line"],
        )
    ]


@dataclass
class Page:
    n: int
    method: Literal["text_layer", "ocr", "ocr_replaced_layer", "text"]
    reason: str
    ocr_lang: str | None
    ocr_conf: float | None
    raw_text: str
    replaced_layer_text: str | None = None
    damage: float | None = None
    encoding: str | None = None
    decode_edits: list[Edit] = field(default_factory=list)
    # Geometry: the page's size in points (None for text files) and its words with boxes.
    width: float | None = None
    height: float | None = None
    words: list[Word] = field(default_factory=list)
    # OCR'd pages: the clockwise turn (0/90/180/270) and the skew (degrees) removed before
    # reading, and the quality verdict of the reading (extract/quality.py, extract/reading.py).
    rotation: int | None = None
    skew: float | None = None
    quality: dict | None = None
    # Offsets into raw_text of tokens read from specks (extract/quality.py, junk_spans):
    # the pipeline removes them as edits with the rule "ocr_junk".
    junk_spans: list[tuple[int, int]] = field(default_factory=list)

    @property
    def poor(self) -> bool:
        return bool(self.quality) and self.quality.get("verdict") == "poor"

    def summary(self) -> dict:
        """The page's number, how its text was got and why, and its raw text: the fields
        ``nbsclean extract --json`` and the corpus record's pages share: for OCR'd pages the
        turn, skew and quality verdict of the reading, and the page size and its words (see
        :func:`words_to_columns`) when the page has a place on paper."""
        summary = {
            "n": self.n,
            "method": self.method,
            "reason": self.reason,
            "ocr_lang": self.ocr_lang,
            "ocr_conf": self.ocr_conf,
        }
        if self.quality is not None:
            summary.update(rotation=self.rotation, skew=self.skew, quality=self.quality)
        summary["raw_text"] = self.raw_text
        if self.width is not None and self.height is not None:
            summary["width"] = round(self.width, 2)
            summary["height"] = round(self.height, 2)
            summary["words"] = words_to_columns(self.words)
        return summary

    def to_dict(self) -> dict:
        record = self.summary()
        if self.replaced_layer_text is not None:
            record["replaced_layer_text"] = self.replaced_layer_text
        if self.damage is not None:
            record["damage"] = round(self.damage, 4)
        if self.encoding is not None:
            record["encoding"] = self.encoding
        if self.decode_edits:
            record["decode_edits"] = [edit.to_dict() for edit in self.decode_edits]
        return record


@dataclass
class ExtractedDocument:
    source: str
    kind: Literal["pdf", "image", "text"]
    sha256: str
    bytes: int
    pages: list[Page]

    def to_dict(self) -> dict:
        return {
            "source": self.source,
            "kind": self.kind,
            "sha256": self.sha256,
            "bytes": self.bytes,
            "pages": [page.to_dict() for page in self.pages],
        }


def short_repr(value: object, limit: int = 60) -> str:
    """``repr(value)`` cut short: an option may come from a file and be of any size."""
    text = repr(value) if not isinstance(value, int) or abs(value) < 10**limit else f"a number of about {int(abs(value).bit_length() * 0.30103) + 1} digits"
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True)
class ExtractOptions:
    """How to extract: Tesseract language(s), when to OCR, the rasterising resolution,
    Tesseract's page segmentation mode, the password of encrypted PDFs, and how many
    seconds Tesseract may spend on one page."""

    lang: str = "swe"
    ocr: str = "auto"
    dpi: int = 300
    psm: int | None = None
    password: str | None = None
    ocr_timeout: float = DEFAULT_OCR_TIMEOUT

    def validate(self) -> None:
        """Raise BadArgumentsError (exit 1) naming the first option that is out of range."""
        if self.ocr not in OCR_MODES:
            raise BadArgumentsError(f"--ocr must be one of {', '.join(OCR_MODES)}, not {short_repr(self.ocr)}")
        if not isinstance(self.dpi, int) or isinstance(self.dpi, bool) or not 0 < self.dpi <= MAX_DPI:
            raise BadArgumentsError(f"--dpi must be a whole number from 1 to {MAX_DPI}, not {short_repr(self.dpi)}")
        if self.psm is not None and (isinstance(self.psm, bool) or self.psm not in PSM_VALUES):
            raise BadArgumentsError(f"--psm must be one of Tesseract's modes 0-13, not {short_repr(self.psm)}")
        parts = self.lang.split("+") if isinstance(self.lang, str) else []
        if not parts or not all(_LANGUAGE.fullmatch(part) for part in parts):
            raise BadArgumentsError(
                f"--lang must be Tesseract language names joined by '+' (swe, swe+eng), not {short_repr(self.lang)}"
            )
        timeout = self.ocr_timeout
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= MAX_OCR_TIMEOUT or math.isnan(timeout):
            raise BadArgumentsError(f"--ocr-timeout must be seconds from above 0 to {MAX_OCR_TIMEOUT:g}, not {short_repr(timeout)}")
