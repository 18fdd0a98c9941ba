"""Extraction: one file in, raw text per page out, each page saying how and why.

The file type comes from the file's content (magic bytes), never from its name:

* **PDF** - per page, the text layer (pdfplumber, in reading order: columns are read one
  after the other, not line by line across the page). In ``ocr="auto"`` a page is
  rasterised (pypdfium2) and OCR'd with Tesseract when it has no text, when its text is
  ``(cid:N)`` glyph codes, or when the damage estimator of the repair engine rates the
  layer as badly damaged (an English-model OCR layer) - then the old layer is kept in
  ``replaced_layer_text``.
* **Images** - PNG, JPEG, TIFF (every frame a page) are OCR'd.
* **Text** - decoded by :func:`nbsclean.textio.decode_text_bytes` (UTF-8, else cp1252);
  its mojibake fixes travel with the page as ``decode_edits``.

Every failure is a named :mod:`nbsclean.errors` exception carrying the file name.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from PIL import Image, ImageSequence, UnidentifiedImageError

from nbsclean import ocr as ocr_engine
from nbsclean.edits import Edit
from nbsclean.errors import (
    BadArgumentsError,
    CorruptFileError,
    EmptyInputError,
    EncryptedPdfError,
    FileAccessError,
    InputRejectedError,
    MissingDependencyError,
    UnreadableImageError,
)

log = logging.getLogger(__name__)

OcrMode = Literal["auto", "always", "never"]
OCR_MODES = ("auto", "always", "never")

# A text layer is re-OCR'd when estimate_damage() rates more than this share of its words
# as OCR-damaged. Measured with the repair engine's estimator (README.md, "Per-page methods"):
#   good text - born-digital layers (samples/scans, rendered test PDFs) 0.000-0.003, the
#     clean seeds and samples/negative 0.000-0.011, swe-model OCR of clean pages 0.000-0.003;
#   bad text - English-model (tesseract -l eng) layers of samples/scans 0.232-0.275 per
#     page (0.239-0.294 as pdfium reads them, which is what the decision uses), the
#     samples/rendered inputs 0.211-0.246, seeds 002/004 (the archive's real layers)
#     0.235-0.245.
# With the 150-word sample below (what the decision uses) good text scores 0.000-0.013 and
# bad text 0.184-0.302.
# 0.05 is ~4x above the worst good layer and ~4x below the best bad one: a layer this
# damaged loses more to repair's misses than a fresh swe OCR of the page ever costs.
DAMAGE_THRESHOLD = 0.05

# A layer counts as glyph garbage when this share of its tokens are "(cid:N)" codes.
CID_SHARE_THRESHOLD = 0.10

_CID = re.compile(r"\(cid:\d+\)")
# Control characters a text layer may carry that are not text (keep tab and newline).
_LAYER_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

PDF_POINTS_PER_INCH = 72


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

    def summary(self) -> dict:
        """The page's number, how its text was got and why, and its raw text: the fields
        ``nbsclean extract --json`` and the corpus record's pages share."""
        return {
            "n": self.n,
            "method": self.method,
            "reason": self.reason,
            "ocr_lang": self.ocr_lang,
            "ocr_conf": self.ocr_conf,
            "raw_text": self.raw_text,
        }

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


@dataclass(frozen=True)
class _Options:
    lang: str
    ocr: str
    dpi: int
    psm: int | None
    password: str | None
    lexicon: object | None


# --------------------------------------------------------------------------- entry point


def extract_file(
    path: str | Path,
    *,
    lang: str = "swe",
    ocr: OcrMode = "auto",
    dpi: int = 300,
    psm: int | None = None,
    password: str | None = None,
    lexicon=None,
) -> ExtractedDocument:
    """Extract the raw text of every page of ``path`` (PDF, image or text file)."""
    if ocr not in OCR_MODES:
        raise BadArgumentsError(f"--ocr must be one of {', '.join(OCR_MODES)}, not {ocr!r}")
    if dpi <= 0:
        raise BadArgumentsError(f"--dpi must be positive, not {dpi}")
    source = str(path)
    data = read_input_bytes(path)
    if not data:
        raise EmptyInputError("the file is empty (0 bytes)", source=source)
    options = _Options(lang=lang, ocr=ocr, dpi=dpi, psm=psm, password=password, lexicon=lexicon)
    kind = sniff_kind(data)
    if kind == "pdf":
        pages = _extract_pdf(data, source, options)
    elif kind == "image":
        pages = _extract_image(data, source, options)
    else:
        pages = _extract_text(data, source)
    return ExtractedDocument(
        source=source, kind=kind, sha256=hashlib.sha256(data).hexdigest(), bytes=len(data), pages=pages
    )


def read_input_bytes(path: str | Path) -> bytes:
    """The file's bytes; missing files, directories and permission problems are exit 5."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError as exc:
        raise FileAccessError("no such file", source=str(path)) from exc
    except IsADirectoryError as exc:
        raise FileAccessError("is a directory, not a file", source=str(path)) from exc
    except PermissionError as exc:
        raise FileAccessError("permission denied", source=str(path)) from exc
    except OSError as exc:
        raise FileAccessError(f"cannot read the file ({exc.strerror or exc})", source=str(path)) from exc


def sniff_kind(data: bytes) -> Literal["pdf", "image", "text"]:
    """The file's kind from its first bytes. Anything that is not PDF or image is tried as text."""
    head = data[:1024]
    if b"%PDF-" in head:  # the spec allows junk before the header; readers accept it
        return "pdf"
    if data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*")):
        return "image"
    return "text"


# --------------------------------------------------------------------------- text files


def _extract_text(data: bytes, source: str) -> list[Page]:
    from nbsclean.textio import decode_text_bytes

    decoded = decode_text_bytes(data, source)
    return [
        Page(
            n=1,
            method="text",
            reason=f"text file decoded as {decoded.encoding}"
            + (f"; {len(decoded.edits)} mojibake fixes recorded as edits" if decoded.edits else ""),
            ocr_lang=None,
            ocr_conf=None,
            raw_text=decoded.text,
            encoding=decoded.encoding,
            decode_edits=list(decoded.edits),
        )
    ]


# --------------------------------------------------------------------------- images


def _extract_image(data: bytes, source: str, options: _Options) -> list[Page]:
    if options.ocr == "never":
        raise InputRejectedError(
            "is an image: its text can only be read with OCR, but --ocr never was given", source=source
        )
    frames = _image_frames(data, source)
    ocr_engine.check_tesseract(options.lang)
    pages = []
    for number, (frame, frame_dpi) in enumerate(frames, start=1):
        result = _ocr_or_reject(frame, source, options, dpi=frame_dpi or options.dpi, page=number)
        pages.append(
            Page(
                n=number,
                method="ocr",
                reason="image file" + (f" (frame {number} of {len(frames)})" if len(frames) > 1 else ""),
                ocr_lang=options.lang,
                ocr_conf=result.mean_conf,
                raw_text=result.text,
            )
        )
    return pages


def _image_frames(data: bytes, source: str) -> list[tuple[Image.Image, int | None]]:
    """Decode every frame fully now, so a broken image fails here with a clear error."""
    try:
        image = Image.open(io.BytesIO(data))
        frames = []
        for frame in ImageSequence.Iterator(image):
            frame.load()
            frames.append((frame.copy(), _image_dpi(frame)))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise UnreadableImageError(f"the image cannot be decoded ({exc})", source=source) from exc
    if not frames:
        raise UnreadableImageError("the image has no frames", source=source)
    return frames


def _image_dpi(image: Image.Image) -> int | None:
    """The resolution stored in the image, when it is plausible for a scan."""
    dpi = image.info.get("dpi")
    try:
        value = int(round(float(dpi[0])))
    except (TypeError, ValueError, IndexError):
        return None
    return value if 70 <= value <= 2400 else None


def _ocr_or_reject(image: Image.Image, source: str, options: _Options, *, dpi: int, page: int):
    import pytesseract

    try:
        return ocr_engine.ocr_image(image, lang=options.lang, psm=options.psm, dpi=dpi)
    except pytesseract.TesseractError as exc:
        raise UnreadableImageError(f"Tesseract cannot read page {page} ({exc.message.strip()})", source=source) from exc


# --------------------------------------------------------------------------- PDF


def _extract_pdf(data: bytes, source: str, options: _Options) -> list[Page]:
    import pdfplumber

    rendered = _open_pdfium(data, source, options.password)
    try:
        with pdfplumber.open(io.BytesIO(data), password=options.password or "") as pdf:
            if len(pdf.pages) != len(rendered):
                raise CorruptFileError(
                    f"the page tree is damaged (pdfplumber sees {len(pdf.pages)} pages, pdfium {len(rendered)})",
                    source=source,
                )
            return [
                _extract_pdf_page(number, plumber_page, rendered[number - 1], source, options)
                for number, plumber_page in enumerate(pdf.pages, start=1)
            ]
    except (InputRejectedError, MissingDependencyError):
        raise
    except Exception as exc:  # noqa: BLE001 - pdfminer raises many kinds on broken files
        if _is_password_error(exc):
            raise EncryptedPdfError(_password_message(options.password), source=source) from exc
        raise CorruptFileError(f"the PDF cannot be parsed ({type(exc).__name__}: {exc})", source=source) from exc
    finally:
        rendered.close()


def _open_pdfium(data: bytes, source: str, password: str | None):
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(data, password=password)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise EncryptedPdfError(_password_message(password), source=source) from exc
        raise CorruptFileError(f"the PDF is truncated or corrupt ({exc})", source=source) from exc


def _password_message(password: str | None) -> str:
    if password:
        return "the PDF is encrypted and the given --password is wrong"
    return "the PDF is encrypted; give its password with --password"


def _is_password_error(exc: BaseException) -> bool:
    while exc is not None:
        if "password" in type(exc).__name__.lower() or "password" in str(exc).lower():
            return True
        exc = exc.__cause__ or exc.__context__
    return False


@dataclass
class _LayerDecision:
    action: Literal["keep", "ocr", "empty"]
    reason: str
    layer: str = ""  # the text layer: in reading order when kept, as pdfium reads it otherwise
    damage: float | None = None


def _extract_pdf_page(number: int, plumber_page, pdfium_page, source: str, options: _Options) -> Page:
    decision = _decide_pdf_page(plumber_page, pdfium_page, options)
    if decision.action == "keep":
        return Page(number, "text_layer", decision.reason, None, None, decision.layer, damage=decision.damage)
    if decision.action == "empty":
        return Page(number, "text_layer", decision.reason, None, None, "", damage=decision.damage)

    has_layer = bool(decision.layer.strip())
    try:
        ocr_engine.check_tesseract(options.lang)
    except MissingDependencyError as missing:
        if has_layer and options.ocr == "auto":
            # The layer still beats no text: repair gets it as it is, and the reason says why.
            log.warning("%s: page %d: %s; keeping the text layer", source, number, missing.message)
            return Page(
                number, "text_layer",
                f"{decision.reason}, but re-OCR is impossible ({missing.message}); text layer kept as it is",
                None, None, text_layer_in_reading_order(plumber_page), damage=decision.damage,
            )
        raise
    image = render_pdf_page(pdfium_page, options.dpi)
    result = _ocr_or_reject(image, source, options, dpi=options.dpi, page=number)
    if has_layer:
        return Page(
            number, "ocr_replaced_layer", f"{decision.reason}; re-OCR'd with Tesseract {options.lang}",
            options.lang, result.mean_conf, result.text, replaced_layer_text=decision.layer, damage=decision.damage,
        )
    return Page(number, "ocr", decision.reason, options.lang, result.mean_conf, result.text, damage=decision.damage)


def _decide_pdf_page(plumber_page, pdfium_page, options: _Options) -> _LayerDecision:
    """Keep the text layer, OCR the page, or (``--ocr never``, no layer) leave it empty.

    The decision reads the layer with pdfium (milliseconds); pdfplumber's slower
    reading-order extraction (about half a second for a page of OCR'd words) runs only
    for layers that are kept, so a page that is re-OCR'd costs little more than Tesseract.
    """
    quick, unmapped_share = pdfium_layer(pdfium_page)
    has_layer = bool(quick.strip()) or unmapped_share > 0
    if options.ocr == "always":
        reason = "--ocr always" + ("; text layer replaced" if has_layer else "; page has no text layer")
        return _LayerDecision("ocr", reason, quick)
    if not has_layer:
        if options.ocr == "never":
            return _LayerDecision("empty", "page has no text layer and --ocr never was given: no text")
        return _LayerDecision("ocr", "page has no text layer")
    if unmapped_share >= CID_SHARE_THRESHOLD:
        garbage = f"text layer is {unmapped_share:.0%} (cid:N) glyph codes without a Unicode map"
        layer = text_layer_in_reading_order(plumber_page)  # shows the codes as "(cid:N)"
        if options.ocr == "never":
            return _LayerDecision("keep", f"{garbage}; kept because of --ocr never", layer)
        return _LayerDecision("ocr", garbage, layer)
    if options.ocr == "never":
        return _LayerDecision("keep", "text layer (--ocr never)", text_layer_in_reading_order(plumber_page))
    damage = layer_damage(quick, options.lexicon)
    if damage > DAMAGE_THRESHOLD:
        return _LayerDecision(
            "ocr", f"text layer looks OCR-damaged (damage {damage:.3f} > {DAMAGE_THRESHOLD})", quick, damage
        )
    layer = text_layer_in_reading_order(plumber_page)
    cid_share = _cid_share(layer)
    if cid_share >= CID_SHARE_THRESHOLD:  # fonts pdfium maps but pdfminer cannot
        return _LayerDecision("ocr", f"text layer is {cid_share:.0%} (cid:N) glyph codes without a Unicode map", layer)
    return _LayerDecision("keep", f"text layer is good (damage {damage:.3f} <= {DAMAGE_THRESHOLD})", layer, damage)


def pdfium_layer(pdfium_page) -> tuple[str, float]:
    """The page's text as pdfium reads it (content order), and the share of its glyphs
    that have no Unicode mapping (what pdfminer shows as "(cid:N)")."""
    import pypdfium2.raw as pdfium_c

    textpage = pdfium_page.get_textpage()
    try:
        count = textpage.count_chars()
        text = textpage.get_text_bounded() if count else ""
        unmapped = sum(1 for i in range(count) if pdfium_c.FPDFText_HasUnicodeMapError(textpage.raw, i) == 1)
        visible = sum(1 for ch in text if not ch.isspace()) or 1
    finally:
        textpage.close()
    text = "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return _LAYER_CONTROLS.sub("", text.replace("\f", "\n")).strip("\n"), min(1.0, unmapped / visible)


# The damage estimate looks at up to this many words, taken as whole lines spread over the
# page. Good layers score <= 0.011 and bad ones >= 0.21 (see DAMAGE_THRESHOLD): with 150
# words, three standard deviations of sampling error (0.03-0.04 for a bad layer) still
# leave both far from 0.05, and the estimate costs a fraction of what a full page does.
DAMAGE_SAMPLE_WORDS = 150


def layer_damage(text: str, lexicon=None) -> float:
    from nbsclean.repair import estimate_damage

    return float(estimate_damage(damage_sample(text), lexicon))


def damage_sample(text: str, words: int = DAMAGE_SAMPLE_WORDS) -> str:
    """Every k-th line of ``text`` so that about ``words`` words remain (all of a short text)."""
    lines = text.splitlines()
    total = sum(len(line.split()) for line in lines)
    if total <= words:
        return text
    stride = -(-total // words)  # ceil
    return "\n".join(lines[::stride])


def _cid_share(text: str) -> float:
    cids = len(_CID.findall(text))
    if not cids:
        return 0.0
    other_tokens = len(_CID.sub(" ", text).split())
    return cids / (cids + other_tokens)


def render_pdf_page(pdfium_page, dpi: int) -> Image.Image:
    """Rasterise one page at ``dpi`` as a greyscale image (what Tesseract binarises anyway).

    pdfium renders straight into an 8-bit grey bitmap (``FPDFBitmap_Gray``), which Pillow
    wraps without a copy: 0.06 s for an A4 page at 300 dpi, against 0.11 s for a colour
    render converted by Pillow, with identical pixels. (pdfium's ``grayscale`` *rendering
    flag* is another thing, and slower: 0.24 s.)
    """
    import pypdfium2.raw as pdfium_c

    bitmap = pdfium_page.render(scale=dpi / PDF_POINTS_PER_INCH, force_bitmap_format=pdfium_c.FPDFBitmap_Gray)
    return bitmap.to_pil()


# --------------------------------------------------------------------------- reading order
#
# pdfplumber's own extract_text() reads a page row by row across its whole width, which
# interleaves the lines of two columns. We instead find a vertical gutter - an x position
# that (almost) no line of text crosses while text lies on both sides of it over the same
# height - and read the rows between full-width rows as a left column followed by a right
# column, recursively (three columns are a gutter inside a column).

_MAX_COLUMN_DEPTH = 3


@dataclass(frozen=True)
class _Word:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float

    @property
    def height(self) -> float:
        return max(self.bottom - self.top, 0.1)


def text_layer_in_reading_order(page) -> str:
    """The page's text layer, columns read one after the other, paragraphs as blank lines."""
    words = [
        _Word(w["text"], float(w["x0"]), float(w["x1"]), float(w["top"]), float(w["bottom"]))
        for w in page.extract_words(keep_blank_chars=False, use_text_flow=False)
        if w["text"].strip()
    ]
    if not words:
        return ""
    blocks = _reading_order_blocks(words, depth=0)
    text = "\n\n".join(_block_text(rows) for rows in blocks if rows)
    return _LAYER_CONTROLS.sub("", text.replace("\f", "\n"))


def _rows(words: list[_Word]) -> list[list[_Word]]:
    """Group words into rows: a word joins the current row when its top is within half a line."""
    tolerance = 0.5 * statistics.median(w.height for w in words)
    rows: list[list[_Word]] = []
    row_top = None
    for word in sorted(words, key=lambda w: (w.top, w.x0)):
        if row_top is None or word.top - row_top > tolerance:
            rows.append([])
            row_top = word.top
        rows[-1].append(word)
    return [sorted(row, key=lambda w: w.x0) for row in rows]


def _segments(row: list[_Word], merge_gap: float) -> list[tuple[float, float]]:
    """The row's runs of text: words closer than ``merge_gap`` (a word space) join one run."""
    segments: list[list[float]] = []
    for word in row:
        if segments and word.x0 - segments[-1][1] < merge_gap:
            segments[-1][1] = max(segments[-1][1], word.x1)
        else:
            segments.append([word.x0, word.x1])
    return [(a, b) for a, b in segments]


def _find_gutter(rows: list[list[_Word]], merge_gap: float) -> float | None:
    """The x of a column gutter, or None for single-column text."""
    if len(rows) < 4:
        return None
    row_segments = [_segments(row, merge_gap) for row in rows]
    left_edge = min(seg[0][0] for seg in row_segments)
    right_edge = max(seg[-1][1] for seg in row_segments)
    width = right_edge - left_edge
    if width <= 0:
        return None
    best: tuple[int, float] | None = None
    # Candidates: every text edge in the middle 60 % (a gutter starts where a segment ends).
    candidates = sorted({b + merge_gap / 2 for segs in row_segments for _, b in segs})
    for x in candidates:
        if not left_edge + 0.2 * width <= x <= right_edge - 0.2 * width:
            continue
        crossing = sum(1 for segs in row_segments if any(a < x < b for a, b in segs))
        if best is None or crossing < best[0]:
            best = (crossing, x)
    if best is None:
        return None
    crossing, x = best
    if crossing > 0.25 * len(rows):
        return None
    left_rows = [i for i, segs in enumerate(row_segments) if any(b <= x for _, b in segs)]
    right_rows = [i for i, segs in enumerate(row_segments) if any(a >= x for a, _ in segs)]
    # Both sides must carry real text, side by side over the same stretch of the page.
    if len(left_rows) < max(3, 0.2 * len(rows)) or len(right_rows) < max(3, 0.2 * len(rows)):
        return None
    if min(right_rows[-1], left_rows[-1]) <= max(right_rows[0], left_rows[0]):
        return None
    return x


def _is_full_width(row: list[_Word], gutter: float, merge_gap: float, span: float) -> bool:
    """A row that crosses the gutter well into both columns (a title, a wide paragraph)."""
    reach = 0.1 * span
    return any(a < gutter - reach and b > gutter + reach for a, b in _segments(row, merge_gap))


def _reading_order_blocks(words: list[_Word], depth: int) -> list[list[list[_Word]]]:
    """Blocks of rows in reading order; a block is a column stretch or a full-width stretch."""
    rows = _rows(words)
    merge_gap = 0.8 * statistics.median(w.height for w in words)
    gutter = _find_gutter(rows, merge_gap) if depth < _MAX_COLUMN_DEPTH else None
    if gutter is None:
        return [rows]
    span = max(w.x1 for w in words) - min(w.x0 for w in words)
    blocks: list[list[list[_Word]]] = []
    column_run: list[_Word] = []

    def flush_columns() -> None:
        if not column_run:
            return
        left = [w for w in column_run if (w.x0 + w.x1) / 2 < gutter]
        right = [w for w in column_run if (w.x0 + w.x1) / 2 >= gutter]
        for side in (left, right):
            if side:
                blocks.extend(_reading_order_blocks(side, depth + 1))
        column_run.clear()

    last_was_full_width = False
    for row in rows:
        if _is_full_width(row, gutter, merge_gap, span):
            flush_columns()
            if last_was_full_width:
                blocks[-1].append(row)
            else:
                blocks.append([row])
            last_was_full_width = True
        else:
            column_run.extend(row)
            last_was_full_width = False
    flush_columns()
    return blocks


def _block_text(rows: list[list[_Word]]) -> str:
    """Rows joined by newlines; a blank line where the gap says a new paragraph starts."""
    if not rows:
        return ""
    tops = [row[0].top for row in rows]
    pitches = [b - a for a, b in zip(tops, tops[1:]) if b > a]
    typical_pitch = statistics.median(pitches) if pitches else 0
    lines = [" ".join(w.text for w in rows[0])]
    for previous_top, row in zip(tops, rows[1:]):
        if typical_pitch and row[0].top - previous_top > 1.6 * typical_pitch:
            lines.append("")
        lines.append(" ".join(w.text for w in row))
    return "\n".join(lines)
