"""Text files: decoded (UTF-8, else cp1252/latin-1) into one page; mojibake fixes travel
with the page as ``decode_edits``."""

from __future__ import annotations

from nbsclean.extract.model import Page



def extract_text_pages(data: bytes, source: str) -> list[Page]:
    from nbsclean.extract.textio import decode_text_bytes

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
