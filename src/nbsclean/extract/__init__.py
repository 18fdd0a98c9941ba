"""Extraction: one file in, raw text per page out, each page saying how and why.

The file type comes from the file's content (magic bytes), never from its name:

* **PDF** (:mod:`.pdf`) - per page, the text layer (pdfplumber, in reading order: columns
  are read one after the other, see :mod:`.layout`). In ``ocr="auto"`` a page is
  rasterised (pypdfium2) and OCR'd with Tesseract when it has no text, when its text is
  ``(cid:N)`` glyph codes, or when the damage estimator of the repair engine rates the
  layer as badly damaged (an English-model OCR layer) - then the old layer is kept in
  ``replaced_layer_text``.
* **Images** (:mod:`.image`) - PNG, JPEG, TIFF (every frame a page) are OCR'd.
* **Text** (:mod:`.text`) - decoded by :func:`nbsclean.extract.textio.decode_text_bytes`
  (UTF-8, else cp1252); its mojibake fixes travel with the page as ``decode_edits``.

:mod:`.ocr` is the only place that runs Tesseract. Every failure is a named
:mod:`nbsclean.errors` exception carrying the file name.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Literal

from nbsclean.errors import EmptyInputError, FileAccessError
from nbsclean.extract.model import OCR_MODES, ExtractedDocument, ExtractOptions, OcrMode, Page

__all__ = [
    "OCR_MODES",
    "ExtractOptions",
    "ExtractedDocument",
    "OcrMode",
    "Page",
    "extract_file",
    "read_input_bytes",
    "sniff_kind",
]


def extract_file(path: str | Path, options: ExtractOptions = ExtractOptions(), *, lexicon=None) -> ExtractedDocument:
    """Extract the raw text of every page of ``path`` (PDF, image or text file).

    ``lexicon`` serves the damage estimate of PDF text layers and the quality verdict of
    OCR'd pages (default: the active one).
    """
    options.validate()
    source = str(path)
    data = read_input_bytes(path)
    if not data:
        raise EmptyInputError("the file is empty (0 bytes)", source=source)
    kind = sniff_kind(data)
    if kind == "pdf":
        from nbsclean.extract.pdf import extract_pdf_pages

        pages = extract_pdf_pages(data, source, options, lexicon)
    elif kind == "image":
        from nbsclean.extract.image import extract_image_pages

        pages = extract_image_pages(data, source, options, lexicon)
    else:
        from nbsclean.extract.text import extract_text_pages

        pages = extract_text_pages(data, source)
    return ExtractedDocument(
        source=source, kind=kind, sha256=hashlib.sha256(data).hexdigest(), bytes=len(data), pages=pages
    )


def read_input_bytes(path: str | Path) -> bytes:
    """The file's bytes; missing files, directories and permission problems are exit 5, and
    anything but a regular file (FIFO, socket, device) is rejected without being read."""
    from nbsclean.extract.files import open_regular_file

    with open_regular_file(path) as handle:
        try:
            return handle.read()
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
