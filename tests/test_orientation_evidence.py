"""The cheap upside-down evidence: upright pages are not taken for turned ones, turned ones
are turned before their first reading (real pages of samples/, real Tesseract)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from nbsclean.extract import ExtractOptions, extract_file, preprocess
from nbsclean.extract.image import _image_frames
from nbsclean.extract.ocr import tesseract_available

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
UPRIGHT = sorted(SAMPLES.glob("scans/*.input.png")) + sorted(
    path for path in SAMPLES.glob("degraded/*.input.*") if not path.name.startswith("rotated-")
)


def grey_page(path: Path) -> tuple[np.ndarray, int]:
    (frame, dpi), = _image_frames(path.read_bytes(), str(path))
    return preprocess.as_grey_array(frame), dpi or 300


@pytest.mark.parametrize("path", UPRIGHT, ids=lambda path: path.name)
def test_an_upright_page_is_not_upside_down_and_its_180_degree_turn_is_unless_skewed(path):
    grey, dpi = grey_page(path)
    assert not preprocess.page_evidence(grey, dpi).upside_down
    turned = preprocess.page_evidence(np.ascontiguousarray(grey[::-1, ::-1]), dpi)
    # A skewed page smears the lines' x-height band, specks blur it: no verdict either way.
    if abs(turned.skew) < 1.0 and not turned.paper.speckled:
        assert turned.upside_down


def test_a_blank_page_and_a_sideways_page_are_not_upside_down():
    blank = preprocess.page_evidence(np.full((3508, 2480), 250, dtype=np.uint8), 300)
    assert not blank.upside_down
    grey, dpi = grey_page(SAMPLES / "degraded" / "rotated-90-arsmote.input.png")
    evidence = preprocess.page_evidence(grey, dpi)
    assert evidence.sideways and not evidence.upside_down


@pytest.mark.skipif(not tesseract_available("swe"), reason="Tesseract swe is not installed")
def test_an_upside_down_page_is_turned_before_its_one_reading(tmp_path):
    path = tmp_path / "upside-down.png"
    with Image.open(SAMPLES / "scans" / "seed000-serif-page1.input.png") as image:
        image.rotate(180).save(path, dpi=(300, 300))
    page = extract_file(path, ExtractOptions()).pages[0]
    assert page.rotation == 180
    assert page.quality["verdict"] == "ok" and page.quality["tried"] == []  # no reading of garbage first
