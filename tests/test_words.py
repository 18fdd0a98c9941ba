"""Words with their place on the page: Tesseract's TSV and PDF text layers → Word boxes
with offsets into the page's raw_text, stored compactly in the records."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from nbsclean.extract import ExtractOptions, extract_file
from nbsclean.extract.model import Word, words_from_columns, words_to_columns
from nbsclean.extract.ocr import words_from_tsv
from nbsclean.pipeline import process_file
from tests.pdf_builder import text_pdf_bytes

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def _tsv(rows):
    """A TSV dict as pytesseract returns it, from (block, par, line, left, top, w, h, conf, text)."""
    keys = ("level", "page_num", "block_num", "par_num", "line_num", "left", "top", "width", "height", "conf", "text")
    data = {key: [] for key in keys}
    for block, par, line, left, top, width, height, conf, text in rows:
        for key, value in zip(keys, (5, 1, block, par, line, left, top, width, height, conf, text)):
            data[key].append(value)
    # A line-level row and an empty word, which must both be ignored.
    for key, value in zip(keys, (4, 1, 1, 1, 1, 0, 0, 10, 10, -1, "")):
        data[key].append(value)
    return data


def test_tsv_words_carry_their_offsets_and_boxes_in_points():
    data = _tsv([
        (1, 1, 1, 300, 600, 150, 60, 91.5, "Tillsammans"),
        (1, 1, 1, 480, 600, 60, 60, 88, "för"),
        (1, 1, 2, 300, 690, 120, 60, 70, "barn"),
        (2, 1, 1, 300, 900, 150, 60, 95, "Sörmland"),
    ])
    text, words = words_from_tsv(data, dpi=300)
    assert text == "Tillsammans för\nbarn\n\nSörmland"
    assert [text[w.start:w.end] for w in words] == [w.text for w in words] == ["Tillsammans", "för", "barn", "Sörmland"]
    first = words[0]
    assert (first.x0, first.y0, first.x1, first.y1) == pytest.approx((72.0, 144.0, 108.0, 158.4))
    assert first.conf == 91.5
    assert [(w.block, w.line) for w in words] == [(0, 0), (0, 0), (0, 1), (1, 2)]


def test_columns_round_trip_through_json():
    raw = "Sérmland fér\nalla"
    words = [
        Word(0, 8, "Sérmland", 10.04, 20, 60.26, 30, 80.0, 0, 0),
        Word(9, 12, "fér", 62, 20, 80, 30, None, 0, 0),
        Word(13, 17, "alla", 10, 32, 30, 42, 90.0, 0, 1),
    ]
    columns = json.loads(json.dumps(words_to_columns(words)))
    back = words_from_columns(columns, raw)
    assert [w.text for w in back] == ["Sérmland", "fér", "alla"]
    assert back[0].x0 == 10.0 and back[0].x1 == 60.3 and back[1].conf is None


def _ink_share(image: Image.Image, word: Word, dpi: float) -> float:
    scale = dpi / 72
    crop = image.convert("L").crop(
        (int(word.x0 * scale), int(word.y0 * scale), int(word.x1 * scale) + 1, int(word.y1 * scale) + 1)
    )
    pixels = list(crop.getdata())
    return sum(1 for p in pixels if p < 128) / max(len(pixels), 1)


@pytest.mark.slow
def test_ocr_words_land_on_the_ink_of_the_scan():
    path = SAMPLES / "scans" / "seed000-serif-page1.input.png"
    document = extract_file(path, ExtractOptions())
    page = document.pages[0]
    image = Image.open(path)
    dpi = image.info.get("dpi", (300, 300))[0]
    assert page.width == pytest.approx(image.width * 72 / dpi, abs=0.1)
    assert len(page.words) > 100
    assert "".join(page.raw_text[w.start:w.end] for w in page.words) == "".join(page.raw_text.split())
    for word in page.words:
        assert page.raw_text[word.start:word.end] == word.text
        assert 0 <= word.x0 < word.x1 <= page.width and 0 <= word.y0 < word.y1 <= page.height
        assert word.conf is not None
    # Every word's box holds ink; the page's margin (the first 40 points) holds none.
    shares = [_ink_share(image, word, dpi) for word in page.words]
    assert min(shares) > 0.005 and sum(shares) / len(shares) > 0.15
    margin = Word(0, 0, "", 0, 0, page.width, 40)
    assert _ink_share(image, margin, dpi) < 0.001


def test_text_layer_words_are_in_reading_order_with_their_boxes(tmp_path):
    pdf = tmp_path / "layer.pdf"
    # Two columns: the left one is read first, although its rows interleave with the right.
    left = [(50, 100 + 14 * i, 10, f"vänster rad {i} med ord") for i in range(6)]
    right = [(320, 100 + 14 * i, 10, f"höger rad {i} med ord") for i in range(6)]
    pdf.write_bytes(text_pdf_bytes([[(50, 60, 16, "Rubrik över allt"), *left, *right]]))
    page = extract_file(pdf, ExtractOptions(ocr="never")).pages[0]
    assert (page.width, page.height) == (595, 842)
    assert [page.raw_text[w.start:w.end] for w in page.words] == [w.text for w in page.words]
    assert page.raw_text.index("vänster rad 5") < page.raw_text.index("höger rad 0")
    heading = page.words[0]
    assert heading.text == "Rubrik" and heading.x0 == pytest.approx(50, abs=0.5)
    assert heading.y1 == pytest.approx(60, abs=4)  # the baseline sits 60 pt from the top
    right_word = next(w for w in page.words if w.text == "höger")
    assert right_word.x0 == pytest.approx(320, abs=0.5)
    assert all(w.conf is None for w in page.words)


@pytest.mark.slow
def test_records_and_extract_json_carry_the_words(tmp_path, lexicon):
    pdf = tmp_path / "layer.pdf"
    pdf.write_bytes(text_pdf_bytes([[(50, 60, 12, "Nu börjar vi"), (50, 80, 12, "Vi ses snart")]]))
    record = process_file(pdf, lexicon=lexicon)
    page = record["pages"][0]
    assert page["width"] == 595 and page["height"] == 842
    words = words_from_columns(page["words"], page["raw_text"])
    assert [w.text for w in words] == ["Nu", "börjar", "vi", "Vi", "ses", "snart"]
    assert "conf" not in page["words"]
    printed = subprocess.run(
        [sys.executable, "-m", "nbsclean", "extract", "--json", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(printed)["pages"][0]["words"] == page["words"]
