"""Extraction limits, with real files and real Tesseract: a page too large to render at the
asked resolution, an image too large to decode, a page Tesseract takes too long on, and the
option checks that keep a bad value from reaching Tesseract or the renderer."""

from __future__ import annotations

import errno
import io
import json
import resource
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pikepdf
import pytest

from nbsclean.errors import BadArgumentsError, FileAccessError, OcrTimeoutError, UnreadableImageError
from nbsclean.extract import ExtractOptions, extract_file
from nbsclean.extract import ocr as ocr_engine
from nbsclean.extract import pdf as pdf_module

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
SCANNED_PAGE = SAMPLES / "scans" / "seed000-serif-page1.input.png"
NBSCLEAN = [sys.executable, "-m", "nbsclean"]
needs_tesseract = pytest.mark.skipif(not ocr_engine.tesseract_available("swe"), reason="Tesseract swe is not installed")


def png_bytes(width: int, height: int, colour: bool = False) -> bytes:
    """A valid, all-white PNG of any size (1-bit grey, or 8-bit RGB), compressed row by row
    (a 30 000² page is 112 MB of pixels but a few hundred kilobytes of file, and is never
    held in memory here)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    bit_depth, colour_type, row_bytes = (8, 2, 3 * width) if colour else (1, 0, (width + 7) // 8)
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    row = b"\x00" + b"\xff" * row_bytes  # filter byte, then white pixels
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def blank_pdf_bytes(width_points: float, height_points: float) -> bytes:
    """A one-page PDF without a text layer: a black bar on a page of the given size."""
    pdf = pikepdf.new()
    page = pdf.add_blank_page(page_size=(width_points, height_points))
    page.Contents = pdf.make_stream(b"0 g 1000 1000 4000 300 re f")
    buffer = io.BytesIO()
    pdf.save(buffer)
    return buffer.getvalue()


# --- an image too large to decode --------------------------------------------------------


def test_a_30000_square_png_is_unreadable_image_not_internal_error(tmp_path):
    path = tmp_path / "huge.png"
    path.write_bytes(png_bytes(30_000, 30_000))
    data = path.read_bytes()
    assert struct.unpack(">II", data[16:24]) == (30_000, 30_000)  # the IHDR says so
    assert len(zlib.decompress(data[41:-16])) == 30_000 * (1 + 3_750)  # and every row is there
    with pytest.raises(UnreadableImageError) as error:
        extract_file(path, ExtractOptions())
    assert error.value.reason == "unreadable_image"
    assert "too large to decode" in error.value.message and str(path) in str(error.value)


def test_cli_reports_the_huge_png_with_exit_2(tmp_path):
    path = tmp_path / "huge.png"
    path.write_bytes(png_bytes(30_000, 30_000))
    result = subprocess.run([*NBSCLEAN, "extract", str(path)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert "unreadable_image" in result.stderr and "too large to decode" in result.stderr


def test_running_out_of_memory_while_decoding_is_too_large_not_internal_error(tmp_path):
    # 12 000² RGB: under Pillow's bomb limit, 432 MB decoded; the process may have 500 MB.
    path = tmp_path / "big.png"
    path.write_bytes(png_bytes(12_000, 12_000, colour=True))

    def limit_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (500 * 2**20, 500 * 2**20))

    result = subprocess.run(
        [*NBSCLEAN, "extract", str(path)], capture_output=True, text=True, timeout=120, preexec_fn=limit_memory
    )
    assert result.returncode == 2, result.stderr
    assert "[too_large]" in result.stderr and "not enough memory to decode the image" in result.stderr


@needs_tesseract
def test_a_full_temporary_folder_is_a_file_access_error_not_corrupt_file(tmp_path, monkeypatch):
    # The page image Tesseract reads goes to $TMPDIR; a full disk there is the machine's
    # problem, not the file's (simulated: a real full filesystem needs a mount). Tesseract
    # as a program reads it from there (the library, when loaded, is handed the image in
    # memory; orientation detection still runs the program).
    def full_disk(image, directory):
        raise OSError(errno.ENOSPC, "No space left on device", str(Path(directory) / "page.tif"))

    monkeypatch.setattr(ocr_engine, "_write_page_image", full_disk)
    monkeypatch.setattr(ocr_engine.tesseract_library, "engine_for", lambda lang, version: None)
    with pytest.raises(FileAccessError) as error:
        extract_file(SAMPLES / "scans" / "seed000-serif-imageonly.input.pdf", ExtractOptions())
    assert error.value.reason == "file_access_error" and "no space left" in error.value.message


# --- a page too large to render at the asked resolution ----------------------------------


def test_an_a4_page_is_rendered_at_the_asked_resolution():
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(blank_pdf_bytes(595, 842))
    assert pdf_module.render_dpi(document[0], 300) == (300, "")
    assert pdf_module.render_dpi(document[0], 600) == (600, "")


@needs_tesseract
def test_a_200_inch_page_is_rendered_smaller_with_a_reason(tmp_path):
    path = tmp_path / "poster.pdf"
    path.write_bytes(blank_pdf_bytes(14_400, 14_400))  # 200 × 200 inches, PDF's largest page
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(path.read_bytes())
    dpi, note = pdf_module.render_dpi(document[0], 300)
    image = pdf_module.render_pdf_page(document[0], dpi)
    assert image.width * image.height <= pdf_module.MAX_RENDER_PIXELS
    assert image.width * image.height > pdf_module.MAX_RENDER_PIXELS * 0.95  # as fine as the cap allows
    document.close()

    page = extract_file(path, ExtractOptions()).pages[0]
    assert page.method == "ocr"
    assert f"rendered at {dpi} dpi instead of 300" in page.reason and "200 × 200 inches" in page.reason


# --- a page Tesseract takes too long on ---------------------------------------------------


@needs_tesseract
def test_a_page_over_the_ocr_timeout_is_a_named_error_and_tesseract_is_stopped(tmp_path):
    with pytest.raises(OcrTimeoutError) as error:
        extract_file(SCANNED_PAGE, ExtractOptions(ocr_timeout=0.05))
    assert error.value.reason == "ocr_timeout"
    assert "longer than 0.05 s on page 1" in error.value.message
    running = subprocess.run(["pgrep", "-P", str(__import__("os").getpid()), "tesseract"], capture_output=True)
    assert running.stdout == b""  # killed, not left running


@needs_tesseract
def test_run_lists_a_timed_out_file_in_failures_and_goes_on(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "page.png").write_bytes(SCANNED_PAGE.read_bytes())
    (inputs / "note.txt").write_text("Välkomna till träffen i Nyköping.\n", encoding="utf-8")
    corpus = tmp_path / "corpus"
    result = subprocess.run(
        [*NBSCLEAN, "run", str(inputs), "-o", str(corpus), "--ocr-timeout", "0.05", "-j", "1"],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 2, result.stderr
    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    assert [(Path(f["source"]).name, f["reason"]) for f in manifest["failures"]] == [("page.png", "ocr_timeout")]
    records = [json.loads(line) for line in (corpus / "documents.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [Path(r["source"]).name for r in records] == ["note.txt"]


# --- option checks -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        ExtractOptions(dpi=-5), ExtractOptions(dpi=0), ExtractOptions(dpi=10**5000), ExtractOptions(psm=14),
        ExtractOptions(lang="swe+../../x"), ExtractOptions(lang=""), ExtractOptions(ocr_timeout=0),
        ExtractOptions(ocr_timeout=float("nan")), ExtractOptions(ocr="sometimes"),
    ],
)
def test_out_of_range_options_are_bad_arguments(options):
    with pytest.raises(BadArgumentsError) as error:
        options.validate()
    assert len(error.value.message) < 200


@pytest.mark.parametrize(
    "arguments",
    [["--dpi", "-5"], ["--lang", "swe+../../x"], ["--ocr-timeout", "0"], ["--psm", "99"]],
)
def test_cli_bad_extraction_options_are_exit_1(arguments):
    result = subprocess.run(
        [*NBSCLEAN, "extract", *arguments, str(SCANNED_PAGE)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1, result.stderr
    assert "bad_arguments" in result.stderr
