"""Searchable PDF: the original pages with an invisible text layer of the *repaired* text.

The PDF work is OCRmyPDF's and pikepdf's, not ours:

* an image input becomes a PDF with ``img2pdf`` (lossless: JPEG and CCITT data are copied
  as they are, other images are stored with Flate), at the resolution extraction used;
* the invisible text already on an OCR'd page (a damaged English-model layer, or the layer
  of an earlier ``nbsclean`` output being rewritten) is removed with OCRmyPDF's
  ``strip_invisible_text``; visible text is never touched;
* the new text layer is drawn by OCRmyPDF's fpdf2 renderer (``Fpdf2MultiPageRenderer``,
  the one ``ocrmypdf`` itself uses: invisible text, each word stretched over its box,
  an embedded font) from an ``OcrElement`` tree built from the repaired words;
* each text page is drawn over its page as a Form XObject, turned back by the page's
  ``/Rotate`` and fitted to its crop box (OCRmyPDF's own transform), and ``pikepdf.pdfa.save``
  writes PDF/A-2b and validates the bytes it wrote; a document that cannot be PDF/A
  (e.g. a born-digital page with fonts that are not embedded) is saved as a plain PDF and
  the record says so.

Pages whose text came from a good text layer (``method == "text_layer"``) are left exactly
as they are: their own text is already searchable.
"""

from __future__ import annotations

import functools
import io
import logging
import tempfile
from pathlib import Path

from nbsclean.corpus.outputs.geometry import PlacedWord

log = logging.getLogger(__name__)

# Pages whose text nbsclean read with OCR get the new layer; text-layer pages stay as they are.
LAYERED_METHODS = ("ocr", "ocr_replaced_layer")
PDFA_FLAVOUR = "2b"
PDFA_NAME = "PDF/A-2b"
# The text layer is built in points: one "pixel" of the OcrElement tree is one point.
POINTS_PER_INCH = 72.0


def searchable_pdf(
    record: dict, placements: list[list[PlacedWord]], base: bytes, base_kind: str
) -> tuple[bytes, str | None]:
    """The searchable PDF of ``record`` as bytes, and its conformance (``"PDF/A-2b"``, or
    None when the document could not be made PDF/A).

    ``base`` is the original input (``base_kind`` "pdf" or "image") or an earlier output
    PDF of the same record (kind "pdf"): its invisible text is replaced either way.
    """
    import pikepdf

    pdf_bytes = base if base_kind == "pdf" else image_as_pdf(base, record)
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        pages = record.get("pages") or []
        if len(pdf.pages) != len(pages):
            raise ValueError(f"the PDF has {len(pdf.pages)} pages, the record {len(pages)}")
        layered = [
            index for index, page in enumerate(pages)
            if page.get("method") in LAYERED_METHODS and page.get("width") and placements[index]
        ]
        for index in layered:
            _strip_invisible_text(pdf, pdf.pages[index])
        if layered:
            _overlay_text_layers(pdf, [(index, pages[index], placements[index]) for index in layered])
        return _save(pdf)


def image_as_pdf(data: bytes, record: dict) -> bytes:
    """An image file (every frame a page) as a PDF, losslessly, at the resolution the
    record's page sizes imply (so a page is as large as the scan was)."""
    import img2pdf
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        width_px = image.size[0]
    first = (record.get("pages") or [{}])[0]
    dpi = width_px * POINTS_PER_INCH / first["width"] if first.get("width") else 300.0
    return img2pdf.convert(data, layout_fun=img2pdf.get_fixed_dpi_layout_fun((dpi, dpi)))


def _strip_invisible_text(pdf, page) -> None:
    from ocrmypdf._graft import strip_invisible_text

    strip_invisible_text(pdf, page)


def _overlay_text_layers(pdf, pages: list[tuple[int, dict, list[PlacedWord]]]) -> None:
    """Render the text pages with OCRmyPDF's renderer and lay each over its page."""
    import pikepdf
    from ocrmypdf.fpdf_renderer import Fpdf2MultiPageRenderer

    fonts = _fonts()
    trees = [(index, page_tree(page, placed), POINTS_PER_INCH) for index, page, placed in pages]
    with tempfile.TemporaryDirectory(prefix="nbsclean-pdf-") as directory:
        text_path = Path(directory) / "text.pdf"
        Fpdf2MultiPageRenderer(pages_data=trees, multi_font_manager=fonts, invisible_text=True).render(text_path)
        with pikepdf.open(text_path) as text_pdf:
            for (index, _page, _placed), text_page in zip(pages, text_pdf.pages):
                _graft_text_page(pdf, pdf.pages[index], text_page)


def _graft_text_page(pdf, page, text_page) -> None:
    """Draw ``text_page`` (the page as displayed, in points) over ``page`` as a Form XObject,
    turned back by the page's /Rotate and fitted to its crop box - OCRmyPDF's transform."""
    import pikepdf
    from ocrmypdf._graft import _build_text_layer_ctm

    form = pdf.copy_foreign(text_page.as_form_xobject())
    name = page.add_resource(form, pikepdf.Name.XObject, prefix="NbsText")
    x0, y0, x1, y1 = (float(v) for v in page.cropbox)
    tx0, ty0, tx1, ty1 = (float(v) for v in text_page.mediabox)
    rotation = int(page.obj.get(pikepdf.Name.Rotate, 0)) % 360
    ctm = _build_text_layer_ctm(tx1 - tx0, ty1 - ty0, x1 - x0, y1 - y0, x0, y0, (-rotation) % 360)
    transform = b"%s cm " % ctm.encode() if ctm is not None else b""
    page.contents_add(pdf.make_stream(b"q " + transform + name.unparse() + b" Do Q"), prepend=False)


@functools.lru_cache(maxsize=1)
def _fonts():
    """OCRmyPDF's own fonts only (Noto Sans covers Swedish; its glyphless font the rest),
    loaded once per process: the system-font search would cost 0.7 s per process and make
    the output depend on the machine's fonts."""
    from ocrmypdf.data import __file__ as ocrmypdf_data
    from ocrmypdf.font import BuiltinFontProvider, MultiFontManager

    return MultiFontManager(font_provider=BuiltinFontProvider(Path(ocrmypdf_data).parent))


def page_tree(page: dict, placed: list[PlacedWord]):
    """The page's repaired words as OCRmyPDF's ``OcrElement`` tree (page → lines → words),
    in points. A word that spans two lines (a joined hyphenation) is written whole on the
    line where it starts, so a search finds the word as it is read."""
    from ocrmypdf.models.ocr_element import BoundingBox, OcrClass, OcrElement

    lines: dict[tuple[int, int], list[OcrElement]] = {}
    for word in placed:
        part = word.parts[0]
        box = BoundingBox(part.x0, part.y0, max(part.x1, part.x0 + 0.1), max(part.y1, part.y0 + 0.1))
        lines.setdefault((part.block, part.line), []).append(
            OcrElement(ocr_class=OcrClass.WORD, bbox=box, text=word.text)
        )
    line_elements = []
    for words in lines.values():
        line_box = BoundingBox(
            min(w.bbox.left for w in words), min(w.bbox.top for w in words),
            max(w.bbox.right for w in words), max(w.bbox.bottom for w in words),
        )
        line_elements.append(OcrElement(ocr_class=OcrClass.LINE, bbox=line_box, children=words))
    paragraph = OcrElement(ocr_class=OcrClass.PARAGRAPH, children=line_elements)
    if line_elements:
        paragraph.bbox = BoundingBox(
            min(line.bbox.left for line in line_elements), min(line.bbox.top for line in line_elements),
            max(line.bbox.right for line in line_elements), max(line.bbox.bottom for line in line_elements),
        )
    return OcrElement(
        ocr_class=OcrClass.PAGE, bbox=BoundingBox(0, 0, float(page["width"]), float(page["height"])),
        children=[paragraph], dpi=POINTS_PER_INCH,
    )


def _save(pdf) -> tuple[bytes, str | None]:
    """PDF/A-2b when pikepdf's validator approves the written bytes; else a plain PDF."""
    from pikepdf.pdfa import PdfaError, save

    buffer = io.BytesIO()
    try:
        save(pdf, buffer, PDFA_FLAVOUR, output_intent="sRGB")
        return buffer.getvalue(), PDFA_NAME
    except PdfaError as exc:
        log.info("not PDF/A: %s", exc)
    buffer = io.BytesIO()
    pdf.save(buffer)
    return buffer.getvalue(), None
