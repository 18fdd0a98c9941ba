"""`nbsclean extract FILE`: the raw text of every page, with how and why it was extracted."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from nbsclean.errors import BadArgumentsError


def register(app: typer.Typer) -> None:
    @app.command("extract")
    def extract_command(
        file: Path = typer.Argument(
            ..., help="A PDF, a page image (PNG, JPEG, TIFF) or a text file.", show_default=False,
            readable=False,  # we report unreadable files ourselves, with exit code 5
        ),
        lang: str = typer.Option("swe", "--lang", help="Tesseract language(s) for OCR, e.g. swe or swe+eng."),
        ocr: str = typer.Option(
            "auto",
            "--ocr",
            help="auto: OCR pages without a usable text layer (none, (cid:N) garbage, or badly "
            "damaged); always: OCR every page; never: never run OCR.",
        ),
        dpi: int = typer.Option(300, "--dpi", help="Resolution at which PDF pages are rasterised for OCR."),
        psm: int = typer.Option(None, "--psm", help="Tesseract page segmentation mode (default: Tesseract's own)."),
        ocr_timeout: float = typer.Option(180.0, "--ocr-timeout", help="Seconds Tesseract may spend on one page; a page that takes longer rejects its file (ocr_timeout)."),
        password: str = typer.Option(None, "--password", help="Password of an encrypted PDF."),
        as_json: bool = typer.Option(False, "--json", help="Print the extracted document as JSON."),
    ) -> None:
        """Print the raw (unrepaired) text of FILE per page, with the method and the reason."""
        from nbsclean.extract import OCR_MODES, ExtractOptions, extract_file

        if ocr not in OCR_MODES:
            raise BadArgumentsError(f"--ocr must be one of {', '.join(OCR_MODES)}, not {ocr!r}")
        document = extract_file(file, ExtractOptions(lang=lang, ocr=ocr, dpi=dpi, psm=psm, password=password, ocr_timeout=ocr_timeout))
        if as_json:
            json.dump(document.to_dict(), sys.stdout, ensure_ascii=False, indent=2)
            sys.stdout.write("\n")
            return
        for page in document.pages:
            sys.stdout.write(f"=== page {page.n} ({page.method}: {page.reason}{_reading_note(page)}) ===\n")
            sys.stdout.write(page.raw_text)
            if not page.raw_text.endswith("\n"):
                sys.stdout.write("\n")


def _reading_note(page) -> str:
    """What was done to an OCR'd page and the verdict on its reading, for the page header:
    "; turned 90°; deskewed -2.0°; quality poor: low word confidence (mean 41 < 80)"."""
    if page.quality is None:
        return ""
    parts = []
    if page.rotation:
        parts.append(f"turned {page.rotation}°")
    if page.skew:
        parts.append(f"deskewed {page.skew:+.1f}°")
    verdict = f"quality {page.quality['verdict']}"
    if page.quality["verdict"] == "poor":
        verdict += ": " + "; ".join(page.quality["reasons"])
    parts.append(verdict)
    return "; " + "; ".join(parts)
