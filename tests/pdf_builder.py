"""Born-digital test PDFs with real text layers (pikepdf): the one builder that the tests
and tests/data/bad/make_bad_files.py share."""

from __future__ import annotations

import io

import pikepdf

A4_POINTS = (595, 842)


def _pdf_string(text: str) -> bytes:
    return text.encode("cp1252").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def text_pdf_bytes(pages: list[list[tuple[float, float, int, str]]], size=A4_POINTS) -> bytes:
    """A PDF whose pages hold (x, y from the top, font size, text) lines in Helvetica."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font,
            Subtype=pikepdf.Name.Type1,
            BaseFont=pikepdf.Name.Helvetica,
            Encoding=pikepdf.Name.WinAnsiEncoding,
        )
    )
    for lines in pages:
        page = pdf.add_blank_page(page_size=size)
        page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
        operators = [
            b"BT /F1 %d Tf %.1f %.1f Td (" % (font_size, x, size[1] - y) + _pdf_string(text) + b") Tj ET"
            for x, y, font_size, text in lines
        ]
        page.Contents = pdf.make_stream(b"\n".join(operators))
    buffer = io.BytesIO()
    pdf.save(buffer)
    return buffer.getvalue()
