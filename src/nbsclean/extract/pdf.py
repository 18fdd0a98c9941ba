"""PDFs: per page, the text layer (pdfplumber, in reading order) when it is good; else the
page is rasterised (pypdfium2) and OCR'd, and a replaced layer is kept beside the new text."""

from __future__ import annotations

import errno
import io
import logging
import math
import re
from dataclasses import dataclass, field
from typing import Literal

from PIL import Image

from nbsclean.errors import (
    CorruptFileError,
    EncryptedPdfError,
    FileAccessError,
    InputRejectedError,
    MissingDependencyError,
    TooLargeError,
)
from nbsclean.extract import ocr as ocr_engine
from nbsclean.extract.layout import LAYER_CONTROLS, text_layer_words
from nbsclean.extract.model import ExtractOptions, Page, Word

log = logging.getLogger(__name__)

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

# Errors of the machine, not of the file (full disk, read-only or exhausted temp folder).
RESOURCE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EMFILE, errno.ENFILE, errno.ENOMEM}

_CID = re.compile(r"\(cid:\d+\)")
PDF_POINTS_PER_INCH = 72
# A page is rendered at most this large: Pillow's own limit for images it decodes without a
# warning (an 8-bit grey bitmap of 90 MB). A larger page is rendered at a lower resolution,
# and its reason says so; at --dpi 300 that is any page beyond about 31 × 31 inches (a
# 200 × 200-inch page would otherwise be a 3.6 GB bitmap of 60 000² pixels).
MAX_RENDER_PIXELS = 89_478_485



def extract_pdf_pages(data: bytes, source: str, options: ExtractOptions, lexicon=None) -> list[Page]:
    """Every page of a PDF; ``lexicon`` serves the damage estimate of text layers."""
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
                _extract_and_release(number, plumber_page, rendered, source, options, lexicon)
                for number, plumber_page in enumerate(pdf.pages, start=1)
            ]
    except (InputRejectedError, MissingDependencyError, FileAccessError):
        raise
    except MemoryError as exc:
        raise TooLargeError("there is not enough memory to read the PDF or render its pages", source=source) from exc
    except OSError as exc:
        if exc.errno in RESOURCE_ERRNOS:  # a full or read-only temp folder is not a broken PDF
            raise FileAccessError(
                f"the machine ran out of a resource ({exc.strerror}: {exc.filename or 'temporary folder'})", source=source
            ) from exc
        raise CorruptFileError(f"the PDF cannot be parsed ({type(exc).__name__}: {exc})", source=source) from exc
    except Exception as exc:  # noqa: BLE001 - pdfminer raises many kinds on broken files
        if _is_password_error(exc):
            raise EncryptedPdfError(_password_message(options.password), source=source) from exc
        raise CorruptFileError(f"the PDF cannot be parsed ({type(exc).__name__}: {exc})", source=source) from exc
    finally:
        rendered.close()


def _extract_and_release(number: int, plumber_page, rendered, source: str, options: ExtractOptions, lexicon) -> Page:
    """One page, then both readers' memory of it released: pdfplumber keeps every page's
    parsed objects until the file is closed (a 400-page text PDF grew to 3 GB)."""
    pdfium_page = rendered[number - 1]
    try:
        return _extract_pdf_page(number, plumber_page, pdfium_page, source, options, lexicon)
    finally:
        plumber_page.close()
        pdfium_page.close()


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
    words: list[Word] = field(default_factory=list)  # the kept layer's words (offsets into layer)


def _extract_pdf_page(
    number: int, plumber_page, pdfium_page, source: str, options: ExtractOptions, lexicon
) -> Page:
    page = _decided_pdf_page(number, plumber_page, pdfium_page, source, options, lexicon)
    page.width, page.height = float(plumber_page.width), float(plumber_page.height)
    return page


def _decided_pdf_page(
    number: int, plumber_page, pdfium_page, source: str, options: ExtractOptions, lexicon
) -> Page:
    decision = _decide_pdf_page(plumber_page, pdfium_page, options, lexicon)
    if decision.action == "keep":
        return Page(
            number, "text_layer", decision.reason, None, None, decision.layer, damage=decision.damage,
            words=decision.words,
        )
    if decision.action == "empty":
        return Page(number, "text_layer", decision.reason, None, None, "", damage=decision.damage)

    has_layer = bool(decision.layer.strip())
    try:
        ocr_engine.check_tesseract(options.lang)
    except MissingDependencyError as missing:
        if has_layer and options.ocr == "auto":
            # The layer still beats no text: repair gets it as it is, and the reason says why.
            log.warning("%s: page %d: %s; keeping the text layer", source, number, missing.message)
            layer, words = text_layer_words(plumber_page)
            return Page(
                number, "text_layer",
                f"{decision.reason}, but re-OCR is impossible ({missing.message}); text layer kept as it is",
                None, None, layer, damage=decision.damage, words=words,
            )
        raise
    dpi, size_note = render_dpi(pdfium_page, options.dpi)
    if size_note:
        log.warning("%s: page %d: %s", source, number, size_note)
    image = render_pdf_page(pdfium_page, dpi)
    reading = ocr_engine.ocr_page_or_reject(image, source, options, dpi=dpi, page=number, lexicon=lexicon)
    size_reason = f"; {size_note}" if size_note else ""
    if has_layer:
        return Page(
            n=number, method="ocr_replaced_layer",
            reason=f"{decision.reason}; re-OCR'd with Tesseract {options.lang}{size_reason}",
            ocr_lang=options.lang, replaced_layer_text=decision.layer, damage=decision.damage,
            **reading.page_fields(image, dpi),
        )
    return Page(
        n=number, method="ocr", reason=decision.reason + size_reason, ocr_lang=options.lang, damage=decision.damage,
        **reading.page_fields(image, dpi),
    )


def _decide_pdf_page(plumber_page, pdfium_page, options: ExtractOptions, lexicon) -> _LayerDecision:
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
        layer, words = text_layer_words(plumber_page)  # shows the codes as "(cid:N)"
        if options.ocr == "never":
            return _LayerDecision("keep", f"{garbage}; kept because of --ocr never", layer, words=words)
        return _LayerDecision("ocr", garbage, layer)
    if options.ocr == "never":
        layer, words = text_layer_words(plumber_page)
        return _LayerDecision("keep", "text layer (--ocr never)", layer, words=words)
    damage = layer_damage(quick, lexicon)
    if damage > DAMAGE_THRESHOLD:
        return _LayerDecision(
            "ocr", f"text layer looks OCR-damaged (damage {damage:.3f} > {DAMAGE_THRESHOLD})", quick, damage
        )
    layer, words = text_layer_words(plumber_page)
    cid_share = _cid_share(layer)
    if cid_share >= CID_SHARE_THRESHOLD:  # fonts pdfium maps but pdfminer cannot
        return _LayerDecision("ocr", f"text layer is {cid_share:.0%} (cid:N) glyph codes without a Unicode map", layer)
    return _LayerDecision(
        "keep", f"text layer is good (damage {damage:.3f} <= {DAMAGE_THRESHOLD})", layer, damage, words=words
    )


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
    return LAYER_CONTROLS.sub("", text.replace("\f", "\n")).strip("\n"), min(1.0, unmapped / visible)


# The damage estimate looks at up to this many words, taken as whole lines spread over the
# page. Good layers score <= 0.011 and bad ones >= 0.21 (see DAMAGE_THRESHOLD): with 150
# words, three standard deviations of sampling error (0.03-0.04 for a bad layer) still
# leave both far from 0.05, and the estimate costs a fraction of what a full page does.
DAMAGE_SAMPLE_WORDS = 150


def layer_damage(text: str, lexicon=None) -> float:
    from nbsclean.repair.engine import estimate_damage

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


def render_dpi(pdfium_page, dpi: int) -> tuple[int, str]:
    """The resolution to render a page at, and "" or the note that says why it is lower
    than ``dpi``: a page of more than MAX_RENDER_PIXELS at ``dpi`` is rendered smaller."""
    width, height = (max(1.0, float(side)) / PDF_POINTS_PER_INCH for side in pdfium_page.get_size())
    pixels = width * dpi * height * dpi
    if pixels <= MAX_RENDER_PIXELS:
        return dpi, ""
    lower = max(1, math.floor(dpi * math.sqrt(MAX_RENDER_PIXELS / pixels)))
    return lower, (
        f"page of {width:.0f} × {height:.0f} inches rendered at {lower} dpi instead of {dpi} "
        f"(at most {MAX_RENDER_PIXELS / 1e6:.0f} megapixels a page)"
    )


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
