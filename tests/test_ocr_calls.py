"""How nbsclean calls Tesseract (issue #11's cost): the orientation detection's first look
and when it goes on to the full detection, and the way word boxes come back through a page
transform. Real Tesseract on the degraded fixtures (about a second each)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from nbsclean.extract import ocr as ocr_engine
from nbsclean.extract import preprocess

DEGRADED = Path(__file__).resolve().parent.parent / "samples" / "degraded"

pytestmark = pytest.mark.skipif(not ocr_engine.tesseract_available("swe+osd"), reason="needs tesseract, swe and osd")


def grey_page(name: str) -> Image.Image:
    return Image.fromarray(preprocess.as_grey_array(Image.open(DEGRADED / name)), mode="L")


def counting_orientation_runs(monkeypatch) -> list[str]:
    """The configs of the real orientation-detection runs made from now on."""
    configs: list[str] = []
    real = ocr_engine._orientation_of

    def counted(source, dpi, timeout, extra_config=""):
        configs.append(extra_config)
        return real(source, dpi, timeout, extra_config)

    monkeypatch.setattr(ocr_engine, "_orientation_of", counted)
    return configs


def test_a_clearly_turned_page_is_settled_by_the_first_look(monkeypatch):
    runs = counting_orientation_runs(monkeypatch)
    rotation, confidence = ocr_engine.detect_orientation(grey_page("rotated-90-arsmote.input.png"), 300)
    assert rotation == 90 and confidence >= ocr_engine.MIN_ORIENTATION_CONF
    assert runs == [f"-c min_characters_to_try={ocr_engine.FIRST_LOOK_CHARACTERS}"]


def test_an_unsure_first_look_goes_on_to_the_full_detection(monkeypatch):
    # Broken glyphs: the first look is unsure (about 3), so all 250 letters are classified.
    turned = grey_page("photocopy-broken-lanebibliotek.input.png").rotate(90, expand=True)
    runs = counting_orientation_runs(monkeypatch)
    found = ocr_engine.detect_orientation(turned, 300)
    assert len(runs) == 2 and runs[1] == ""
    assert found is not None  # the full detection's answer, judged by the caller's threshold


def test_a_page_without_letters_costs_one_look(monkeypatch):
    runs = counting_orientation_runs(monkeypatch)
    assert ocr_engine.detect_orientation(Image.new("L", (1200, 1600), 255), 300) is None
    assert len(runs) == 1


def test_word_boxes_through_a_transform_are_what_the_matrix_gives():
    """The inverse is computed once per page; every corner maps as the matrix says."""
    grey = np.full((400, 300), 255, np.uint8)
    _, transform = preprocess.upright_and_straight(grey, 90, 2.5)
    inverse = np.linalg.inv(np.array(transform.matrix))
    corners = [inverse @ np.array([x, y, 1.0]) for x, y in ((10, 20), (60, 20), (10, 45), (60, 45))]
    expected = (
        min(c[0] for c in corners), min(c[1] for c in corners), max(c[0] for c in corners), max(c[1] for c in corners)
    )
    assert transform.box_to_original(10, 20, 60, 45) == pytest.approx(expected, abs=1e-9)
    _, identity = preprocess.upright_and_straight(grey, 0, 0.1)  # below MIN_DESKEW: nothing done
    assert identity.box_to_original(10, 20, 60, 45) == (10.0, 20.0, 60.0, 45.0)
