"""Extraction with real files and real Tesseract: per-page decisions, reading order, images.

OCR is slow, so the page images are small (a few lines of text) and every OCR'd file is
extracted once per module (module-scoped fixtures); tests then look at the result.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import textwrap
from pathlib import Path

import pikepdf
import pytest
import pytesseract
from PIL import Image, ImageDraw, ImageFont

from nbsclean.extract import ocr
from nbsclean.errors import BadArgumentsError, InputRejectedError, MissingDependencyError
from nbsclean.extract import ExtractOptions, extract_file, sniff_kind
from nbsclean.extract.layout import text_layer_in_reading_order
from nbsclean.extract.pdf import DAMAGE_THRESHOLD
from pdf_builder import A4_POINTS, text_pdf_bytes

SERIF = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
SWEDISH_LINES = [
    "Sörmlands läns kommuner och Region Sörmland startade",
    "utvecklingsarbetet för barnens bästa. Målbilden är att",
    "alla barn ska ges möjligheter till god hälsa och en trygg",
    "uppväxt. Vi är nu inne på vårt sista år i arbetet.",
]
SWEDISH_WORDS = " ".join(SWEDISH_LINES).split()


# --------------------------------------------------------------------------- file makers


def render_lines(lines: list[str], *, size: int = 42, width: int = 1900) -> Image.Image:
    """A 300 dpi greyscale 'scan' of a few lines of text (small, so OCR takes ~1 s)."""
    height = 120 + int(size * 1.5) * len(lines)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(SERIF, size)
    for i, line in enumerate(lines):
        draw.text((60, 60 + i * int(size * 1.5)), line, font=font, fill=0)
    return image


def make_text_pdf(path: Path, pages: list[list[tuple[float, float, int, str]]], size=A4_POINTS) -> Path:
    """A born-digital PDF: per page, (x, y from the top, font size, text) lines in Helvetica."""
    path.write_bytes(text_pdf_bytes(pages, size))
    return path


def column(text: str, x: float, y: float, width_chars: int, font_size: int = 10, leading: int = 13):
    lines = []
    for paragraph in text.split("\n\n"):
        for line in textwrap.wrap(paragraph, width_chars):
            lines.append((x, y, font_size, line))
            y += leading
        y += leading
    return lines


def make_cid_garbage_pdf(path: Path, image: Image.Image) -> Path:
    """A scan with an invisible text layer in a font without a Unicode map: "(cid:N)"."""
    pdf = pikepdf.new()
    width, height = image.width * 72 / 300, image.height * 72 / 300
    page = pdf.add_blank_page(page_size=(width, height))
    raster = pikepdf.Stream(pdf, image.tobytes())
    raster.Type, raster.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    raster.Width, raster.Height = image.width, image.height
    raster.ColorSpace, raster.BitsPerComponent = pikepdf.Name.DeviceGray, 8
    cid_font = pikepdf.Dictionary(
        Type=pikepdf.Name.Font,
        Subtype=pikepdf.Name.CIDFontType2,
        BaseFont=pikepdf.Name("/Garbled"),
        CIDSystemInfo=pikepdf.Dictionary(Registry=pikepdf.String("Adobe"), Ordering=pikepdf.String("Identity"), Supplement=0),
        FontDescriptor=pikepdf.Dictionary(
            Type=pikepdf.Name.FontDescriptor, FontName=pikepdf.Name("/Garbled"), Flags=4,
            FontBBox=[0, -200, 1000, 900], ItalicAngle=0, Ascent=900, Descent=-200, CapHeight=700, StemV=80,
        ),
    )
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type0, BaseFont=pikepdf.Name("/Garbled"),
            Encoding=pikepdf.Name("/Identity-H"), DescendantFonts=[pdf.make_indirect(cid_font)],
        )
    )
    page.Resources = pikepdf.Dictionary(
        XObject=pikepdf.Dictionary(Im0=pdf.make_indirect(raster)), Font=pikepdf.Dictionary(F1=font)
    )
    glyphs = b"".join(bytes([0, 30 + i % 60]) for i in range(120))
    text_ops = b"".join(
        b"BT 3 Tr /F1 10 Tf 10 %d Td <%s> Tj ET\n" % (int(height - 20 - 14 * row), glyphs[row * 40 : row * 40 + 40].hex().encode())
        for row in range(3)
    )
    page.Contents = pdf.make_stream(b"q %.2f 0 0 %.2f 0 0 cm /Im0 Do Q\n" % (width, height) + text_ops)
    pdf.save(path)
    return path


def english_layer_pdf(image_path: Path, out_base: Path) -> Path:
    """A scan with a text layer from Tesseract's *English* model (the archive's bad layers)."""
    subprocess.run(
        ["tesseract", str(image_path), str(out_base), "-l", "eng", "pdf"],
        check=True, capture_output=True, env={**os.environ, "OMP_THREAD_LIMIT": "1"},
    )
    return out_base.with_suffix(".pdf")


def word_recall(text: str, words: list[str] = SWEDISH_WORDS) -> float:
    found = text.split()
    return sum(1 for w in words if w in found) / len(words)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    directory = tmp_path_factory.mktemp("extract")
    scan = render_lines(SWEDISH_LINES)
    scan_png = directory / "scan.png"
    scan.save(scan_png, dpi=(300, 300))
    image_only = directory / "image-only.pdf"
    scan.save(image_only, resolution=300)
    tiff = directory / "two-frames.tif"
    second = render_lines(["Andra sidan: Tillsammans för barnens bästa i Sörmland."])
    scan.save(tiff, save_all=True, append_images=[second], compression="tiff_deflate", dpi=(300, 300))
    born = make_text_pdf(directory / "born.pdf", [column("\n".join(SWEDISH_LINES), 60, 60, 90)])
    return {
        "png": scan_png,
        "image_only_pdf": image_only,
        "tiff": tiff,
        "born_pdf": born,
        "bad_layer_pdf": english_layer_pdf(scan_png, directory / "bad-layer"),
        "cid_pdf": make_cid_garbage_pdf(directory / "cid.pdf", scan),
    }


@pytest.fixture(scope="module")
def auto(files):
    """Every fixture file extracted once in auto mode (OCR runs here, once per module)."""
    return {name: extract_file(path, ExtractOptions(dpi=300)) for name, path in files.items()}


# --------------------------------------------------------------------------- auto decisions


def test_born_digital_layer_is_kept_and_not_ocred(auto):
    page = auto["born_pdf"].pages[0]
    assert page.method == "text_layer"
    assert page.ocr_lang is None and page.ocr_conf is None
    assert page.damage is not None and page.damage <= DAMAGE_THRESHOLD
    assert "text layer is good" in page.reason
    assert page.raw_text.split() == SWEDISH_WORDS


def test_image_only_pdf_is_ocred_in_swedish(auto):
    document = auto["image_only_pdf"]
    assert document.kind == "pdf"
    page = document.pages[0]
    assert page.method == "ocr"
    assert page.reason == "page has no text layer"
    assert page.ocr_lang == "swe"
    assert page.ocr_conf is not None and page.ocr_conf > 80
    assert word_recall(page.raw_text) >= 0.95


def test_english_ocr_layer_is_replaced_by_swedish_ocr(auto):
    page = auto["bad_layer_pdf"].pages[0]
    assert page.method == "ocr_replaced_layer"
    assert "damage" in page.reason and page.damage > DAMAGE_THRESHOLD
    # The old layer is kept for provenance; it has the English model's typical damage.
    assert page.replaced_layer_text and "Sörmland" not in page.replaced_layer_text
    assert word_recall(page.replaced_layer_text) < 0.8
    assert word_recall(page.raw_text) >= 0.95


def test_cid_garbage_layer_is_ocred(auto):
    page = auto["cid_pdf"].pages[0]
    assert page.method == "ocr_replaced_layer"
    assert "(cid:N)" in page.reason
    assert "(cid:" in page.replaced_layer_text
    assert word_recall(page.raw_text) >= 0.95


def test_png_is_ocred_with_confidence(auto):
    document = auto["png"]
    assert document.kind == "image" and len(document.pages) == 1
    assert document.pages[0].method == "ocr"
    assert word_recall(document.pages[0].raw_text) >= 0.95


def test_multi_page_tiff_gives_one_page_per_frame(auto):
    pages = auto["tiff"].pages
    assert [p.n for p in pages] == [1, 2]
    assert all(p.method == "ocr" and "frame" in p.reason for p in pages)
    assert word_recall(pages[0].raw_text) >= 0.95
    assert "Andra sidan" in pages[1].raw_text and "Sörmland" in pages[1].raw_text


def test_document_identity_is_the_source_bytes(files, auto):
    data = files["born_pdf"].read_bytes()
    document = auto["born_pdf"]
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    assert document.bytes == len(data)
    assert document.to_dict()["pages"][0]["method"] == "text_layer"


# --------------------------------------------------------------------------- --ocr always / never


def test_ocr_always_replaces_even_a_good_layer(files):
    page = extract_file(files["born_pdf"], ExtractOptions(ocr="always", dpi=200)).pages[0]
    assert page.method == "ocr_replaced_layer"
    assert page.reason.startswith("--ocr always")
    assert page.replaced_layer_text.split() == SWEDISH_WORDS
    assert word_recall(page.raw_text) >= 0.9


def test_ocr_never_keeps_a_bad_layer_and_leaves_image_pages_empty(files):
    bad = extract_file(files["bad_layer_pdf"], ExtractOptions(ocr="never")).pages[0]
    assert bad.method == "text_layer" and "--ocr never" in bad.reason
    assert bad.raw_text.strip()
    empty = extract_file(files["image_only_pdf"], ExtractOptions(ocr="never")).pages[0]
    assert empty.raw_text == "" and "no text layer" in empty.reason


def test_ocr_never_rejects_image_files(files):
    with pytest.raises(InputRejectedError, match="OCR") as caught:
        extract_file(files["png"], ExtractOptions(ocr="never"))
    assert caught.value.source == str(files["png"])
    assert caught.value.exit_code == 2


def test_unknown_ocr_mode_is_a_bad_argument(files):
    with pytest.raises(BadArgumentsError):
        extract_file(files["born_pdf"], ExtractOptions(ocr="sometimes"))


# --------------------------------------------------------------------------- missing Tesseract


@pytest.fixture
def no_tesseract(monkeypatch):
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    ocr._list_langs.cache_clear()
    ocr.tesseract_version.cache_clear()
    yield
    ocr._list_langs.cache_clear()
    ocr.tesseract_version.cache_clear()


def test_missing_tesseract_is_exit_3_with_the_install_command(files, no_tesseract):
    with pytest.raises(MissingDependencyError, match="apt-get install tesseract-ocr tesseract-ocr-swe") as caught:
        extract_file(files["image_only_pdf"])
    assert caught.value.exit_code == 3
    assert ocr.tesseract_version() is None


def test_missing_tesseract_keeps_a_damaged_layer_and_says_so(files, no_tesseract):
    page = extract_file(files["bad_layer_pdf"]).pages[0]
    assert page.method == "text_layer"
    assert "re-OCR is impossible" in page.reason and "kept as it is" in page.reason
    assert page.raw_text.strip()


def test_missing_language_data_names_the_package(files):
    with pytest.raises(MissingDependencyError, match="apt-get install tesseract-ocr-xyz"):
        extract_file(files["png"], ExtractOptions(lang="swe+xyz"))


# --------------------------------------------------------------------------- the OCR wrapper


def test_ocr_text_from_one_tsv_run_equals_tesseracts_own_text(files):
    result = ocr.ocr_image(files["png"], lang="swe", dpi=None)
    assert os.environ["OMP_THREAD_LIMIT"] == "1"
    plain = subprocess.run(
        ["tesseract", str(files["png"]), "-", "-l", "swe"], capture_output=True, text=True, check=True,
        env={**os.environ, "OMP_THREAD_LIMIT": "1"},
    ).stdout
    assert result.text == plain.strip("\f\n ")
    assert 0 < result.mean_conf <= 100 and result.words == len(plain.split())


def test_an_image_object_reads_like_its_file(files):
    """The image handed over as an uncompressed TIFF gives Tesseract the same pixels."""
    from_file = ocr.ocr_image(files["png"], lang="swe", dpi=300)
    with Image.open(files["png"]) as image:
        from_object = ocr.ocr_image(image.convert("L"), lang="swe", dpi=300)
    assert from_object == from_file


def test_a_16_bit_scan_is_read_like_its_8_bit_original(files, tmp_path):
    """Pillow clips 16-bit grey to 8 bits instead of scaling it: the page would go blank."""
    with Image.open(files["png"]) as image:
        deep = image.convert("L").convert("I").point(lambda value: value * 257).convert("I;16")
        deep.save(tmp_path / "deep.png")
    with Image.open(tmp_path / "deep.png") as reread:
        assert reread.mode.startswith("I") and reread.getextrema()[1] > 255
    original = extract_file(files["png"]).pages[0]
    assert original.raw_text and extract_file(tmp_path / "deep.png").pages[0].raw_text == original.raw_text


def test_page_image_is_written_as_an_uncompressed_tiff_on_white(tmp_path):
    transparent = Image.new("RGBA", (40, 20), (0, 0, 0, 0))
    transparent.paste((0, 0, 0, 255), (0, 0, 10, 20))
    path = ocr._write_page_image(transparent, str(tmp_path))
    with Image.open(path) as written:
        assert written.format == "TIFF" and written.info.get("compression") == "raw"
        assert written.mode == "RGB"
        assert written.getpixel((30, 10)) == (255, 255, 255)  # transparent paper is white
        assert written.getpixel((5, 10)) == (0, 0, 0)  # opaque ink stays ink

def test_a_grey_palette_page_reaches_tesseract_as_grey(tmp_path):
    """Scanners save grey pages as palette PNGs; handed over as RGB, Tesseract does 12 % more work."""
    grey_palette = Image.new("L", (8, 8), 128).convert("P")
    colour_palette = Image.new("RGB", (8, 8), (200, 30, 30)).convert("P", palette=Image.Palette.ADAPTIVE)
    grey_with_alpha = Image.new("LA", (8, 8), (0, 0))
    modes = {}
    for name, image in (("grey", grey_palette), ("colour", colour_palette), ("alpha", grey_with_alpha)):
        with Image.open(ocr._write_page_image(image, str(tmp_path))) as written:
            modes[name] = (written.mode, written.getpixel((4, 4)))
    assert modes == {"grey": ("L", 128), "colour": ("RGB", (200, 30, 30)), "alpha": ("L", 255)}


def test_versions_and_traineddata_hashes():
    assert ocr.tesseract_version().split(".")[0] in {"4", "5"}
    hashes = ocr.traineddata_sha256("swe+eng")
    assert set(hashes) == {"swe", "eng"}
    directory, _ = ocr._list_langs()
    assert hashes["swe"] == hashlib.sha256((directory / "swe.traineddata").read_bytes()).hexdigest()


# --------------------------------------------------------------------------- reading order


def _layer_of(path: Path) -> str:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return text_layer_in_reading_order(pdf.pages[0])


def test_two_columns_are_read_one_after_the_other(tmp_path):
    left = "Vänster spalt berättar om Sörmland och länets kommuner. " * 5 + "\n\nVänster spalt slutar här: VÄNSTERSLUT."
    right = "Höger spalt handlar om barnens bästa i hela regionen. " * 5 + "\n\nHöger spalt slutar här: HÖGERSLUT."
    lines = [(60, 60, 18, "Nyhetsbrev 24:1 – Tillsammans för barnens bästa")]
    lines += column(left, 60, 100, 45) + column(right, 320, 103, 45)  # baselines deliberately offset
    lines += [(60, 400, 10, "En sidfot som går över hela sidans bredd och inte hör till någon av spalterna.")]
    text = _layer_of(make_text_pdf(tmp_path / "two-columns.pdf", [lines]))
    title, footer = text.index("Nyhetsbrev"), text.index("En sidfot")
    left_end, right_start = text.index("VÄNSTERSLUT"), text.index("Höger spalt")
    assert title < text.index("Vänster spalt") < left_end < right_start < text.index("HÖGERSLUT") < footer
    # No line mixes the two columns.
    assert not any("Vänster" in line and "Höger" in line for line in text.splitlines())
    # Paragraphs inside a column stay separated by a blank line.
    assert "\n\nVänster spalt slutar här" in text


def test_three_columns_are_read_left_to_right(tmp_path):
    texts = [f"Spalt {name} har sin egen text om Sörmland. " * 4 for name in ("ett", "två", "tre")]
    lines = column(texts[0], 40, 60, 28) + column(texts[1], 220, 60, 28) + column(texts[2], 400, 60, 28)
    text = _layer_of(make_text_pdf(tmp_path / "three.pdf", [lines]))
    positions = [text.index(f"Spalt {name}") for name in ("ett", "två", "tre")]
    assert positions == sorted(positions)
    assert text.rindex("Spalt ett") < text.index("Spalt två") and text.rindex("Spalt två") < text.index("Spalt tre")


def test_single_column_with_short_lines_is_not_split(tmp_path):
    lines = column("\n\n".join(SWEDISH_LINES + ["Kort rad.", "Ännu en kort rad."]), 60, 60, 90)
    text = _layer_of(make_text_pdf(tmp_path / "single.pdf", [lines]))
    assert text.split() == " ".join(SWEDISH_LINES + ["Kort rad.", "Ännu en kort rad."]).split()


def test_file_kind_comes_from_content_not_name():
    assert sniff_kind(b"%PDF-1.7\n...") == "pdf"
    assert sniff_kind(b"\x89PNG\r\n\x1a\n....") == "image"
    assert sniff_kind(b"\xff\xd8\xff\xe0....") == "image"
    assert sniff_kind(b"II*\x00....") == "image" and sniff_kind(b"MM\x00*....") == "image"
    assert sniff_kind("Sörmland".encode()) == "text"
