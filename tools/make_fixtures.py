"""Regenerate nbsclean's generated test fixtures under samples/ deterministically.

    python tools/make_fixtures.py                 # negative, rendered, heldout, scans
    python tools/make_fixtures.py --only rendered # one group
    python tools/make_fixtures.py --report        # WER/CER of input vs expected, per case

Groups (see samples/README.md):
  negative  clean seeds 000/001/003 with markdown stripped (input == expected)
  rendered  clean seeds rendered to scanned-looking pages, OCR'd with Tesseract `eng`
  heldout   our own Swedish texts (samples/heldout/sources/), same treatment; never tune on these
  scans     image-only PDF, PDF with a bad `eng` text layer, PNG page, multi-page TIFF,
            born-digital two-column PDF (fpdf2)
  degraded  our own Swedish texts (samples/degraded/sources/) as scans really come: rotated
            90/270/180, skewed both ways, 200 dpi, uneven grey paper at JPEG q25, speckle with
            mirrored bleed-through, thick/broken photocopy glyphs, two columns
samples/seeds/ (hand-corrected 002/004) is hand-made and not touched here.

Dev tool, not part of the package. Needs Pillow, rapidfuzz, pikepdf, fpdf2, the
tesseract CLI with `eng`, and the DejaVu/Liberation fonts. Page images are kept
in build/fixture-pages/ (git-ignored) for inspection.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import unicodedata
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
import render  # noqa: E402  (tools/ is not a package)

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
PAGES_DIR = ROOT / "build" / "fixture-pages"
DEFAULT_SEEDS_DIR = ROOT.parent / "shared" / "seeds"
CLEAN_SEEDS = ("000", "001", "003")
OCR_THREADS = 2
FIXTURE_DATE = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)  # stamped into PDFs, for reproducible bytes


# --------------------------------------------------------------------------- text utilities


def strip_markdown(text: str) -> str:
    """The seeds' little markdown: *italic* -> italic, [link text](#) -> link text."""
    text = re.sub(r"\[([^\]\n]+)\]\([^)\n]*\)", r"\1", text)
    return re.sub(r"\*([^*\n]+)\*", r"\1", text)


def as_fixture_text(text: str) -> str:
    """Fixture file convention: NFC, no trailing whitespace at the end, one final newline."""
    return unicodedata.normalize("NFC", text).rstrip() + "\n"


def write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")


def write_options(path: Path, options: dict) -> None:
    write_text(path, json.dumps(options, ensure_ascii=False, indent=2) + "\n")


def case_rng(case: str, purpose: str) -> random.Random:
    """A fixed random stream per case and purpose (crc32, not hash(): stable across runs)."""
    return random.Random(zlib.crc32(f"{case}/{purpose}".encode()))


def find_seed(seeds_dir: Path, number: str) -> Path:
    matches = sorted(seeds_dir.glob(f"{number}_*.txt"))
    if not matches:
        raise SystemExit(f"seed {number} not found in {seeds_dir} (use --seeds DIR)")
    return matches[0]


# --------------------------------------------------------------------------- metrics


def error_rates(hypothesis: str, reference: str) -> tuple[float, float, int]:
    """(WER, CER, reference word count): Levenshtein over whitespace-split tokens and
    over characters, each divided by the reference length."""
    from rapidfuzz.distance import Levenshtein

    ref_words, hyp_words = reference.split(), hypothesis.split()
    wer = Levenshtein.distance(hyp_words, ref_words) / max(1, len(ref_words))
    cer = Levenshtein.distance(hypothesis, reference) / max(1, len(reference))
    return wer, cer, len(ref_words)


# --------------------------------------------------------------------------- OCR


def tesseract(image: Path, output_base: str, lang: str = "eng", *configs: str) -> str:
    """Run the tesseract CLI; one thread per process so runs are reproducible and
    two pages can be OCR'd side by side."""
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    command = ["tesseract", str(image), output_base, "-l", lang, *configs]
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        raise SystemExit(f"tesseract failed on {image}: {result.stderr.strip()}")
    return result.stdout


def ocr_pages_eng(images: list[Path]) -> list[str]:
    with ThreadPoolExecutor(OCR_THREADS) as pool:
        return list(pool.map(lambda image: tesseract(image, "-").rstrip(), images))


# --------------------------------------------------------------------------- rendering cases


@dataclass(frozen=True)
class RenderCase:
    name: str  # e.g. seed000-serif
    source_text: str
    style: render.PageStyle


@dataclass
class RenderedDocument:
    case: RenderCase
    page_texts: list[str]  # expected text per page
    page_images: list[Path]  # degraded 8-bit grayscale PNGs in PAGES_DIR

    @property
    def expected(self) -> str:
        return as_fixture_text("\f".join(self.page_texts))


def render_document(case: RenderCase) -> RenderedDocument:
    """Lay out, paginate, draw and degrade; the PNGs go to build/fixture-pages/."""
    lines = render.layout_text(case.source_text, case.style, case_rng(case.name, "layout"))
    pages = render.paginate(lines, case.style.lines_per_page)
    scan_rng = case_rng(case.name, "scan")
    PAGES_DIR.mkdir(parents=True, exist_ok=True)
    images = []
    for number, page in enumerate(pages, start=1):
        image = render.degrade(render.draw_page(page, case.style), scan_rng)
        path = PAGES_DIR / f"{case.name}-p{number}.png"
        image.save(path, dpi=(render.DPI, render.DPI))
        images.append(path)
    return RenderedDocument(case, [render.expected_text_of(page) for page in pages], images)


def write_ocr_pair(doc: RenderedDocument, directory: Path, note: str | None = None, options: dict | None = None) -> None:
    """NAME.input.txt (the pages read with Tesseract's English model) and NAME.expected.txt
    in ``directory``; with a ``note``, also NAME.options.json for `nbsclean check`."""
    raw = as_fixture_text("\f".join(ocr_pages_eng(doc.page_images)))
    write_text(directory / f"{doc.case.name}.input.txt", raw)
    write_text(directory / f"{doc.case.name}.expected.txt", doc.expected)
    if note is not None:
        style = doc.case.style
        description = (
            f"{note} Rendered with {style.font_path.name} {style.size_pt} pt at {render.DPI} dpi, "
            f"{len(doc.page_images)} page(s), slight blur and skew, OCR'd with tesseract -l eng."
        )
        write_options(directory / f"{doc.case.name}.options.json", {**(options or {}), "note": description})
    wer, cer, _ = error_rates(raw, doc.expected)
    print(f"  {directory.name}/{doc.case.name}: {len(doc.page_images)} page(s), raw WER {wer:.1%}, CER {cer:.1%}", flush=True)


# --------------------------------------------------------------------------- groups


def clean_seed_texts(seeds_dir: Path) -> dict[str, str]:
    return {n: as_fixture_text(strip_markdown(find_seed(seeds_dir, n).read_text(encoding="utf-8"))) for n in CLEAN_SEEDS}


def make_negative(seeds_dir: Path) -> None:
    """Clean seeds must come out of the repair unchanged."""
    directory = SAMPLES / "negative"
    for number, text in clean_seed_texts(seeds_dir).items():
        write_text(directory / f"clean{number}.input.txt", text)
        write_text(directory / f"clean{number}.expected.txt", text)
        write_options(
            directory / f"clean{number}.options.json",
            {"max_wer": 0.0, "max_cer": 0.0, "note": f"Clean seed {number} (markdown stripped); must not change."},
        )
    print(f"  negative: clean {', '.join(CLEAN_SEEDS)}")


# Two fonts per seed; sizes stay within 10-12 pt.
SEED_SIZES = {"000": {"serif": 11, "sans": 10}, "001": {"serif": 11.5, "sans": 10.5}, "003": {"serif": 12, "sans": 11}}


def seed_case(number: str, font_key: str, seeds_dir: Path) -> RenderCase:
    style = render.PageStyle(font_key, SEED_SIZES[number][font_key])
    return RenderCase(f"seed{number}-{font_key}", clean_seed_texts(seeds_dir)[number], style)


RENDERED_OPTIONS = {"max_wer": 0.05, "max_cer": 0.02}


def make_rendered(seeds_dir: Path) -> None:
    for number in CLEAN_SEEDS:
        for font_key in SEED_SIZES[number]:
            doc = render_document(seed_case(number, font_key, seeds_dir))
            write_ocr_pair(doc, SAMPLES / "rendered", f"Clean seed {number}.", RENDERED_OPTIONS)


HELDOUT_FONTS = ("serif", "sans")
HELDOUT_SIZES = {"serif": 11, "sans": 10}


def make_heldout() -> None:
    """Our own texts, never used for tuning the repair engine: a generalisation check."""
    sources = sorted((SAMPLES / "heldout" / "sources").glob("*.txt"))
    if not sources:
        raise SystemExit("no held-out sources in samples/heldout/sources/")
    for index, source in enumerate(sources):
        font_key = HELDOUT_FONTS[index % len(HELDOUT_FONTS)]
        style = render.PageStyle(font_key, HELDOUT_SIZES[font_key])
        case = RenderCase(f"{source.stem}-{font_key}", as_fixture_text(source.read_text(encoding="utf-8")), style)
        doc = render_document(case)
        write_ocr_pair(
            doc,
            SAMPLES / "heldout",
            f"Held-out text {source.name} (do not tune on it).",
            {"max_wer": 0.08, "max_cer": 0.03},
        )


# --------------------------------------------------------------------------- scans group

SCAN_OPTIONS = {"ocr": "auto", "lang": "swe", "dpi": 300, "max_wer": 0.02, "max_cer": 0.01}


def save_jpeg_pages(images: list[Path], directory: Path) -> list[Path]:
    paths = []
    for image_path in images:
        path = directory / (image_path.stem + ".jpg")
        with Image.open(image_path) as image:
            image.save(path, quality=75, dpi=(render.DPI, render.DPI))
        paths.append(path)
    return paths


def make_image_only_pdf(doc: RenderedDocument, target: Path) -> None:
    """Pages as JPEG (q 75, 8-bit gray) in a PDF without any text layer."""
    pages = [Image.open(path) for path in doc.page_images]
    fixed_date = FIXTURE_DATE.timetuple()  # Pillow would stamp the current time
    pages[0].save(
        target,
        "PDF",
        resolution=render.DPI,
        save_all=True,
        append_images=pages[1:],
        quality=75,
        creationDate=fixed_date,
        modDate=fixed_date,
    )


def make_bad_layer_pdf(doc: RenderedDocument, target: Path) -> None:
    """Pages with Tesseract's `eng` text layer (the archive's real kind of damage):
    one PDF per page from `tesseract page out -l eng pdf`, merged with pikepdf."""
    import pikepdf

    with tempfile.TemporaryDirectory() as tmp:
        tmp_dir = Path(tmp)
        jpegs = save_jpeg_pages(doc.page_images, tmp_dir)

        def one_page(jpeg: Path) -> Path:
            base = tmp_dir / jpeg.stem
            tesseract(jpeg, str(base), "eng", "pdf")
            return base.with_suffix(".pdf")

        with ThreadPoolExecutor(OCR_THREADS) as pool:
            page_pdfs = list(pool.map(one_page, jpegs))
        merged = pikepdf.new()
        for page_pdf in page_pdfs:
            with pikepdf.open(page_pdf) as single:
                merged.pages.extend(single.pages)
        merged.docinfo["/Title"] = f"{doc.case.name} with a bad eng OCR layer"
        merged.save(target, deterministic_id=True)


def make_png_page(doc: RenderedDocument, target: Path) -> None:
    """First page as a 4-bit grayscale PNG (16 levels keep the blur, a fraction of the size)."""
    with Image.open(doc.page_images[0]) as image:
        reduced = image.quantize(colors=16, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        reduced.save(target, optimize=True, bits=4, dpi=(render.DPI, render.DPI))


def make_tiff(doc: RenderedDocument, target: Path) -> None:
    """Two 1-bit pages, CCITT group 4, in one TIFF."""
    pages = [render.binarise(Image.open(path)) for path in doc.page_images[:2]]
    pages[0].save(target, compression="group4", save_all=True, append_images=pages[1:], dpi=(render.DPI, render.DPI))


def write_scan_case(name: str, expected: str, options: dict) -> None:
    directory = SAMPLES / "scans"
    write_text(directory / f"{name}.expected.txt", expected)
    write_options(directory / f"{name}.options.json", options)


def make_scans(seeds_dir: Path) -> None:
    directory = SAMPLES / "scans"
    directory.mkdir(parents=True, exist_ok=True)
    for number, font_key in (("000", "serif"), ("003", "sans")):
        doc = render_document(seed_case(number, font_key, seeds_dir))
        base = doc.case.name
        make_image_only_pdf(doc, directory / f"{base}-imageonly.input.pdf")
        write_scan_case(
            f"{base}-imageonly",
            doc.expected,
            {**SCAN_OPTIONS, "note": "Image-only PDF (JPEG q75, 8-bit gray, 300 dpi): every page must be OCR'd."},
        )
        make_bad_layer_pdf(doc, directory / f"{base}-badlayer.input.pdf")
        write_scan_case(
            f"{base}-badlayer",
            doc.expected,
            {**SCAN_OPTIONS, "note": "PDF whose text layer came from tesseract -l eng: the layer must be rated damaged and the page re-OCR'd (or repaired)."},
        )
        make_png_page(doc, directory / f"{base}-page1.input.png")
        write_scan_case(
            f"{base}-page1",
            as_fixture_text(doc.page_texts[0]),
            {**SCAN_OPTIONS, "note": "One page image, 4-bit grayscale PNG, 300 dpi."},
        )
        print(f"  scans/{base}: imageonly, badlayer, page1 ({len(doc.page_images)} page(s))")
    doc = render_document(seed_case("000", "sans", seeds_dir))
    if len(doc.page_images) < 2:
        raise SystemExit("seed000-sans should lay out to at least two pages for the TIFF case")
    name = f"{doc.case.name}-twopage"
    make_tiff(doc, directory / f"{name}.input.tif")
    write_scan_case(
        name,
        as_fixture_text("\f".join(doc.page_texts[:2])),
        {**SCAN_OPTIONS, "note": "Two-page TIFF, 1-bit CCITT G4, 300 dpi."},
    )
    print(f"  scans/{name}: tif")
    name = "born-digital-seed001"
    expected = make_born_digital_pdf(clean_seed_texts(seeds_dir)["001"], directory / f"{name}.input.pdf")
    write_scan_case(
        name,
        expected,
        {
            "ocr": "auto",
            "max_wer": 0.0,
            "max_cer": 0.02,
            "note": "Born-digital PDF (fpdf2, DejaVu Sans) with a correct text layer; page 2 is two columns, read left column first. No OCR needed.",
        },
    )
    print(f"  scans/{name}: pdf")


# --------------------------------------------------------------------------- born-digital PDF

BORN_DIGITAL_FONT = render.FONT_FILES["sans"]  # DejaVu Sans: has å/ä/ö and •
BORN_DIGITAL_SIZE_PT = 10
BORN_DIGITAL_LINE_MM = 5.0
PAGE_MARGIN_MM = 20
COLUMN_GAP_MM = 10
PAGE1_WORD_BUDGET = 230  # the rest of the text goes on the two-column page 2


def wrap_for_pdf(paragraphs: list[str], measure, width: float) -> list[str]:
    """Greedy wrap with the PDF's own font metrics (no hyphenation: a clean layer)."""
    lines: list[str] = []
    for paragraph in paragraphs:
        current = ""
        for word in paragraph.split(" ") if paragraph else []:
            candidate = f"{current} {word}" if current else word
            if current and measure(candidate) > width:
                lines.append(current)
                current = word
            else:
                current = candidate
        lines.append(current)
    return lines


def split_for_pages(paragraphs: list[str]) -> tuple[list[str], list[str]]:
    """Whole paragraphs onto page 1 until the word budget is used, the rest to page 2."""
    words = 0
    for index, paragraph in enumerate(paragraphs):
        words += len(paragraph.split())
        if words >= PAGE1_WORD_BUDGET and not paragraph == "":
            return paragraphs[: index + 1], paragraphs[index + 1 :]
    return paragraphs, []


def trim_blank_edges(lines: list[str]) -> list[str]:
    while lines and not lines[0]:
        lines = lines[1:]
    while lines and not lines[-1]:
        lines = lines[:-1]
    return lines


def make_born_digital_pdf(text: str, target: Path) -> str:
    """A two-page PDF with a real text layer: page 1 one column, page 2 two columns.
    Returns the expected text (page 2 read left column first)."""
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="mm")
    pdf.set_creation_date(FIXTURE_DATE)
    pdf.set_title("Nyhetsbrev 25:3 (born-digital fixture)")
    pdf.set_auto_page_break(False)
    pdf.add_font("DejaVuSans", "", str(BORN_DIGITAL_FONT))
    pdf.set_font("DejaVuSans", size=BORN_DIGITAL_SIZE_PT)
    full_width = 210 - 2 * PAGE_MARGIN_MM
    column_width = (full_width - COLUMN_GAP_MM) / 2
    rows_per_column = int((297 - 2 * PAGE_MARGIN_MM) // BORN_DIGITAL_LINE_MM)

    def place(lines: list[str], x: float) -> None:
        for row, line in enumerate(lines):
            if line:
                pdf.text(x, PAGE_MARGIN_MM + (row + 1) * BORN_DIGITAL_LINE_MM, line)

    first, rest = split_for_pages(render.paragraphs_of(text))
    page1 = trim_blank_edges(wrap_for_pdf(first, pdf.get_string_width, full_width))
    page2 = trim_blank_edges(wrap_for_pdf(rest, pdf.get_string_width, column_width))
    if len(page1) > rows_per_column or len(page2) > 2 * rows_per_column:
        raise SystemExit("born-digital text does not fit on two pages; lower PAGE1_WORD_BUDGET")
    left = trim_blank_edges(page2[: (len(page2) + 1) // 2])
    right = trim_blank_edges(page2[(len(page2) + 1) // 2 :])
    pdf.add_page()
    place(page1, PAGE_MARGIN_MM)
    pdf.add_page()
    place(left, PAGE_MARGIN_MM)
    place(right, PAGE_MARGIN_MM + column_width + COLUMN_GAP_MM)
    pdf.output(str(target))
    return as_fixture_text("\n".join(page1) + "\f" + "\n".join(left + right))


# --------------------------------------------------------------------------- degraded group
#
# Page images degraded the way real archive scans are (see issue #11). Each case is one
# half-page image (the text of one source, cropped below its last line), so that OCR of the
# whole group stays quick while every page still has enough text for orientation and skew
# estimates. Expected text = the clean text as laid out.

DEGRADED_DIR = SAMPLES / "degraded"
HALF_PAGE_BOTTOM_PX = 200  # paper kept below the last line of text


@dataclass(frozen=True)
class DegradedCase:
    kind: str  # rotated, skewed, lowres, grey, speckle, photocopy, columns
    variant: str  # e.g. "90", "-2.5", "thick"
    source: str  # stem of samples/degraded/sources/<source>.txt
    font_key: str
    size_pt: float

    @property
    def name(self) -> str:
        return f"{self.kind}-{self.variant.replace('.', '_')}-{self.source}"


DEGRADED_CASES = (
    DegradedCase("rotated", "90", "arsmote", "serif", 11),
    DegradedCase("rotated", "270", "skolan", "sans", 10),
    DegradedCase("rotated", "180", "kyrkan", "serif", 11),
    DegradedCase("skewed", "3.5", "lanebibliotek", "sans", 10),
    DegradedCase("skewed", "-2", "pension", "serif", 11),
    DegradedCase("skewed", "-4.5", "idrott", "serif", 12),
    DegradedCase("lowres", "200dpi", "kultur", "serif", 11),
    DegradedCase("lowres", "200dpi", "idrott", "sans", 10),
    DegradedCase("grey", "jpeg25", "odling", "sans", 10),
    DegradedCase("grey", "jpeg25", "arsmote", "serif", 11),
    DegradedCase("speckle", "bleed", "skolan", "serif", 11),
    DegradedCase("speckle", "bleed", "kyrkan", "sans", 10),
    DegradedCase("speckle", "dust", "odling", "serif", 11),
    DegradedCase("photocopy", "thick", "pension", "sans", 10),
    DegradedCase("photocopy", "broken", "lanebibliotek", "serif", 12),
    DegradedCase("columns", "two", "arsmote", "sans", 10),
    DegradedCase("columns", "two", "odling", "serif", 11),
)

DEGRADED_NOTES = {
    "rotated": "Page fed into the scanner turned by {variant} degrees (counter-clockwise as stored).",
    "skewed": "Crooked page: text lines skewed by {variant} degrees.",
    "lowres": "Scanned at 200 dpi instead of 300.",
    "grey": "Uneven grey paper, low contrast, saved as JPEG quality 25.",
    "speckle": "Speckle and dust, with the reverse side's text showing through mirrored.",
    "speckle-dust": (
        "Dust on the sheet scanned with it (blurred like the ink), the scanner's salt and pepper, "
        "the reverse side's text showing through mirrored, darker and a little offset."
    ),
    "photocopy": "Photocopy with {variant} glyphs, 1 bit.",
    "columns": "Two columns, read left column first.",
}


def degraded_source(stem: str) -> str:
    return as_fixture_text((DEGRADED_DIR / "sources" / f"{stem}.txt").read_text(encoding="utf-8"))


def crop_below_text(image: Image.Image, lines: int, style: render.PageStyle) -> Image.Image:
    bottom = style.margin_top_px + lines * style.line_height_px + HALF_PAGE_BOTTOM_PX
    return image.crop((0, 0, image.width, min(image.height, bottom)))


def draw_one_column(case: DegradedCase, text: str) -> tuple[Image.Image, str]:
    style = render.PageStyle(case.font_key, case.size_pt)
    lines = render.layout_text(text, style, case_rng(case.name, "layout"))
    pages = render.paginate(lines, style.lines_per_page)
    if len(pages) != 1:
        raise SystemExit(f"{case.name}: the source must fit on one page")
    page = pages[0]
    return crop_below_text(render.draw_page(page, style), len(page), style), render.expected_text_of(page)


COLUMN_GAP_PX = 160


def draw_two_columns(case: DegradedCase, text: str) -> tuple[Image.Image, str]:
    """Two columns of equal length; the expected text is the left column, then the right."""
    full = render.PageStyle(case.font_key, case.size_pt)
    column_width = (full.text_width_px - COLUMN_GAP_PX) // 2
    style = render.PageStyle(case.font_key, case.size_pt, margin_right_px=full.margin_right_px + column_width + COLUMN_GAP_PX)
    lines = render.layout_text(text, style, case_rng(case.name, "layout"))
    columns = render.paginate(lines, -(-len(lines) // 2))
    if len(columns) != 2:
        raise SystemExit(f"{case.name}: expected two columns, got {len(columns)}")
    left = render.draw_page(columns[0], style)
    right = render.draw_page(columns[1], style)
    shift = column_width + COLUMN_GAP_PX
    page = Image.new("L", left.size, 255)
    page.paste(left)
    right_strip = right.crop((style.margin_left_px, 0, style.margin_left_px + column_width + 40, right.height))
    page.paste(right_strip, (style.margin_left_px + shift, 0))
    rows = max(len(columns[0]), len(columns[1]))
    expected = render.expected_text_of(columns[0]) + "\n" + render.expected_text_of(columns[1])
    return crop_below_text(page, rows, style), expected


def light_scan(image: Image.Image, rng: random.Random) -> Image.Image:
    """Slight blur, grey ink on off-white paper, no rotation (the kinds add their own)."""
    from PIL import ImageFilter

    blurred = image.filter(ImageFilter.GaussianBlur(radius=rng.uniform(0.7, 1.0)))
    ink, paper = rng.randint(25, 45), rng.randint(238, 248)
    return blurred.point(lambda v: ink + (paper - ink) * v // 255)


def smooth_field(size: tuple[int, int], rng: random.Random, low: float, high: float, cells: int = 5):
    """A slowly varying field between low and high (uneven paper, lighting): random values
    on a coarse grid, interpolated bicubically up to the page size."""
    import numpy as np

    grid = np.array([[rng.uniform(low, high) for _ in range(cells + 1)] for _ in range(cells + 1)], dtype=np.float32)
    field = Image.fromarray(grid, mode="F").resize(size, Image.Resampling.BICUBIC)
    return np.clip(np.asarray(field), min(low, high), max(low, high))


def grey_paper(image: Image.Image, rng: random.Random) -> Image.Image:
    """Uneven grey paper and low contrast: ink only 60-80 levels darker than the paper."""
    import numpy as np
    from PIL import ImageFilter

    clean = np.asarray(image.filter(ImageFilter.GaussianBlur(radius=1.0)), dtype=np.float32) / 255
    paper = smooth_field(image.size, rng, 150, 225) - np.linspace(0, 25, image.width, dtype=np.float32)[None, :]
    ink = paper - rng.uniform(60, 80)
    page = ink + (paper - ink) * clean
    noise = np.asarray([rng.gauss(0, 1) for _ in range(64)], dtype=np.float32)
    page += np.resize(noise, page.shape) * 4  # sensor noise, repeated pattern (cheap, deterministic)
    return Image.fromarray(np.clip(page, 0, 255).astype(np.uint8), mode="L")


def bleed_through(
    image: Image.Image, reverse_text: str, case: DegradedCase, rng: random.Random,
    strength: tuple[float, float] = (0.22, 0.3), offset: tuple[int, int] = (0, 0),
) -> Image.Image:
    """The reverse side's text, mirrored and faint, showing through the paper; ``offset``
    (pixels) when the two sides were not printed exactly back to back."""
    import numpy as np
    from PIL import ImageFilter, ImageOps

    style = render.PageStyle("sans" if case.font_key == "serif" else "serif", case.size_pt + 1, margin_top_px=340)
    lines = render.layout_text(reverse_text, style, case_rng(case.name, "reverse"))
    back = render.draw_page(render.paginate(lines, style.lines_per_page)[0], style).crop((0, 0, image.width, image.height))
    back = ImageOps.mirror(back).filter(ImageFilter.GaussianBlur(radius=2.0))
    if offset != (0, 0):
        back = back.transform(back.size, Image.Transform.AFFINE, (1, 0, -offset[0], 0, 1, -offset[1]), fillcolor=255)
    strength = rng.uniform(*strength)  # how dark the show-through is
    shown = 255 - (255 - np.asarray(back, dtype=np.float32)) * strength
    return Image.fromarray(np.minimum(np.asarray(image, dtype=np.float32), shown).astype(np.uint8), mode="L")


def speckle(image: Image.Image, rng: random.Random, dots: int = 2500) -> Image.Image:
    """Dust and toner specks: dark dots of 1-4 px, a few larger blots."""
    from PIL import ImageDraw

    speckled = image.copy()
    draw = ImageDraw.Draw(speckled)
    for _ in range(dots):
        x, y = rng.randrange(image.width), rng.randrange(image.height)
        radius = rng.choice((1, 1, 1, 2, 2, 3)) if rng.random() > 0.02 else rng.randint(4, 7)
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=rng.randint(20, 110))
    return speckled


def salt_and_pepper(image: Image.Image, rng: random.Random, share: float) -> Image.Image:
    """Single pixels of a scanner's noise: ``share`` of the page turned white or black."""
    import numpy as np

    pixels = np.array(image)
    count = int(pixels.size * share)
    rows = np.array([rng.randrange(pixels.shape[0]) for _ in range(count)])
    columns = np.array([rng.randrange(pixels.shape[1]) for _ in range(count)])
    pixels[rows, columns] = np.array([rng.choice((0, 255)) for _ in range(count)], dtype=np.uint8)
    return Image.fromarray(pixels, mode="L")


def photocopy(image: Image.Image, variant: str, rng: random.Random) -> Image.Image:
    """Thick (toner spread: ink dilated) or broken (thin strokes with gaps) glyphs, 1 bit."""
    import numpy as np
    from PIL import ImageFilter

    scanned = image.filter(ImageFilter.GaussianBlur(radius=1.2))
    if variant == "thick":
        bw = scanned.filter(ImageFilter.MinFilter(3)).point(lambda v: 0 if v < 170 else 255)
    else:
        pixels = np.asarray(scanned, dtype=np.int16)
        holes = np.asarray(smooth_field(image.size, rng, -45, 45, cells=180))  # patchy toner
        bw = Image.fromarray(np.where(pixels + holes < 100, 0, 255).astype(np.uint8), mode="L")
    return bw.convert("1", dither=Image.Dither.NONE)


def degrade_case(case: DegradedCase, image: Image.Image, rng: random.Random) -> tuple[Image.Image, int]:
    """The degraded page image and its resolution in dpi."""
    if case.kind == "rotated":
        return light_scan(image, rng).rotate(int(case.variant), expand=True), render.DPI
    if case.kind == "skewed":
        skewed = image.rotate(float(case.variant), resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
        return light_scan(skewed, rng), render.DPI
    if case.kind == "lowres":
        small = light_scan(image, rng)
        size = (round(small.width * 200 / render.DPI), round(small.height * 200 / render.DPI))
        return small.resize(size, Image.Resampling.LANCZOS), 200
    if case.kind == "grey":
        return grey_paper(image, rng), render.DPI
    if case.kind == "speckle" and case.variant == "dust":
        # Dust lies on the sheet and is scanned with it (blurred like the ink), then the
        # scanner adds its own salt and pepper; the reverse side is darker and offset.
        reverse = degraded_source(REVERSE_SIDES[case.source])
        offset = (rng.randint(-12, 12), rng.randint(-8, 8))
        sheet = bleed_through(image, reverse, case, rng, strength=(0.3, 0.4), offset=offset)
        return salt_and_pepper(light_scan(speckle(sheet, rng, dots=1500), rng), rng, 0.002), render.DPI
    if case.kind == "speckle":
        reverse = degraded_source(REVERSE_SIDES[case.source])
        return speckle(light_scan(bleed_through(image, reverse, case, rng), rng), rng), render.DPI
    if case.kind == "photocopy":
        return photocopy(image, case.variant, rng), render.DPI
    if case.kind == "columns":
        return light_scan(image, rng), render.DPI
    raise SystemExit(f"unknown degradation {case.kind}")


# The text printed on the reverse side of a speckle case's sheet (never its own text).
REVERSE_SIDES = {"skolan": "kultur", "kyrkan": "idrott", "odling": "pension"}


def save_degraded(image: Image.Image, case: DegradedCase, dpi: int) -> Path:
    """JPEG for the photographic grey kind (its artefacts are the point), 1-bit PNG for
    photocopies, 16-level grey PNG otherwise: a few hundred KB per case at most."""
    if case.kind == "grey":
        target = DEGRADED_DIR / f"{case.name}.input.jpg"
        image.save(target, quality=25, dpi=(dpi, dpi))
    elif image.mode == "1":
        target = DEGRADED_DIR / f"{case.name}.input.png"
        image.save(target, optimize=True, dpi=(dpi, dpi))
    else:
        target = DEGRADED_DIR / f"{case.name}.input.png"
        reduced = image.quantize(colors=16, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        reduced.save(target, optimize=True, bits=4, dpi=(dpi, dpi))
    return target


# Tolerances per kind: the worst document of the kind as nbsclean reads it (README,
# "Degraded scans"; tools/degraded_wer.py prints them), with a small margin, so a kind
# that reads worse fails the check. Speckle with bleed-through still reads at 6-17 %:
# those pages are flagged poor (quality verdict), and the tolerance keeps them from
# getting worse while the target (8 %) is not reached.
DEGRADED_TOLERANCES = {
    "rotated": {"max_wer": 0.03, "max_cer": 0.01},
    "skewed": {"max_wer": 0.02, "max_cer": 0.01},
    "lowres": {"max_wer": 0.02, "max_cer": 0.01},
    "grey": {"max_wer": 0.02, "max_cer": 0.01},
    "speckle": {"max_wer": 0.20, "max_cer": 0.045},
    "photocopy": {"max_wer": 0.08, "max_cer": 0.02},
    "columns": {"max_wer": 0.02, "max_cer": 0.01},
}


def make_degraded() -> None:
    DEGRADED_DIR.mkdir(parents=True, exist_ok=True)
    for case in DEGRADED_CASES:
        text = degraded_source(case.source)
        draw = draw_two_columns if case.kind == "columns" else draw_one_column
        clean, expected = draw(case, text)
        image, dpi = degrade_case(case, clean, case_rng(case.name, "scan"))
        target = save_degraded(image, case, dpi)
        write_text(DEGRADED_DIR / f"{case.name}.expected.txt", as_fixture_text(expected))
        note = DEGRADED_NOTES.get(f"{case.kind}-{case.variant}", DEGRADED_NOTES[case.kind]).format(variant=case.variant)
        options = {"ocr": "auto", "lang": "swe", **DEGRADED_TOLERANCES[case.kind]}
        write_options(
            DEGRADED_DIR / f"{case.name}.options.json",
            {**options, "note": f"{note} Source {case.source}.txt, {render.FONT_FILES[case.font_key].name} {case.size_pt} pt."},
        )
        print(f"  degraded/{case.name}: {target.suffix} {image.width}x{image.height} at {dpi} dpi, {target.stat().st_size // 1024} KB")


# --------------------------------------------------------------------------- report


def read_input_text(path: Path) -> str | None:
    """Raw text of a fixture input: the file itself, or a PDF's text layer."""
    if path.suffix == ".txt":
        return path.read_text(encoding="utf-8")
    if path.suffix == ".pdf":
        import pdfplumber

        with pdfplumber.open(path) as pdf:
            return "\f".join((page.extract_text() or "") for page in pdf.pages)
    return None  # images have no raw text


def report(groups: list[str]) -> None:
    print(f"{'case':44} {'words':>6} {'WER':>7} {'CER':>7}")
    for group in groups:
        totals = [0.0, 0.0, 0]
        for expected_path in sorted((SAMPLES / group).glob("*.expected.txt")):
            case = expected_path.name.removesuffix(".expected.txt")
            inputs = sorted(expected_path.parent.glob(f"{case}.input.*"))
            raw = read_input_text(inputs[0]) if inputs else None
            if raw is None:
                print(f"{group + '/' + case:44} {'(image: no raw text)':>22}")
                continue
            expected = expected_path.read_text(encoding="utf-8")
            wer, cer, words = error_rates(raw, expected)
            totals[0] += wer * words
            totals[1] += cer * len(expected)
            totals[2] += words
            totals.append(len(expected))
            print(f"{group + '/' + case:44} {words:6d} {wer:7.1%} {cer:7.1%}")
        if totals[2]:
            chars = sum(totals[3:])
            print(f"{group + ' (pooled)':44} {totals[2]:6d} {totals[0] / totals[2]:7.1%} {totals[1] / chars:7.1%}")


# --------------------------------------------------------------------------- main

GROUPS = ("negative", "rendered", "heldout", "scans", "degraded")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=GROUPS, action="append", help="group(s) to regenerate (default: all)")
    parser.add_argument("--seeds", type=Path, default=DEFAULT_SEEDS_DIR, help="directory with the NNN_*.txt seeds")
    parser.add_argument("--report", action="store_true", help="only print WER/CER of every fixture's input")
    args = parser.parse_args(argv)
    if args.report:
        report(["seeds", "negative", "rendered", "heldout", "scans"])
        return 0
    for group in args.only or GROUPS:
        print(f"{group}:", file=sys.stderr)
        if group == "negative":
            make_negative(args.seeds)
        elif group == "rendered":
            make_rendered(args.seeds)
        elif group == "heldout":
            make_heldout()
        elif group == "scans":
            make_scans(args.seeds)
        elif group == "degraded":
            make_degraded()
    return 0


if __name__ == "__main__":
    sys.exit(main())
