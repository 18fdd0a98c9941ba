"""Tesseract as a loaded library reads exactly what the program reads, with real Tesseract.

The page images are small (a few lines of text); each test reads a handful of them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
from PIL import Image, ImageDraw, ImageFont

from nbsclean.extract import ocr, tesseract_library

SERIF = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
LINES = [
    "Föreningen håller sitt årsmöte i bygdegården",
    "söndagen den 14 april klockan 15.00. Kaffe",
    "och smörgås serveras, anmälan till Åsa senast",
]

needs_library = pytest.mark.skipif(
    not ocr.tesseract_available("swe") or tesseract_library.engine_for("swe", ocr.tesseract_version()) is None,
    reason="libtesseract of the program's version is not loadable",
)


def page(lines=LINES, *, mode: str = "L", angle: float = 0.0) -> Image.Image:
    font = ImageFont.truetype(SERIF, 40)
    image = Image.new("L", (1700, 90 + 70 * len(lines)), 255)
    draw = ImageDraw.Draw(image)
    for number, line in enumerate(lines):
        draw.text((60, 50 + 70 * number), line, font=font, fill=0)
    if angle:
        image = image.rotate(angle, expand=True, fillcolor=255)
    return image.convert(mode)


def by_program(image: Image.Image, **settings) -> dict:
    return ocr._data_by_program(image, "swe", settings.get("psm"), settings.get("dpi", 300), None, "")


def by_library(image: Image.Image, **settings) -> dict:
    engine = tesseract_library.engine_for("swe", ocr.tesseract_version())
    return ocr._data_by_library(engine, image, settings.get("psm"), settings.get("dpi", 300), None)


@needs_library
@pytest.mark.parametrize("mode", ["L", "RGB", "1"])
def test_the_library_gives_the_programs_rows_for_every_image_mode(mode):
    image = page(mode=mode)
    assert by_library(image) == by_program(image)


@needs_library
@pytest.mark.parametrize("settings", [{"psm": 6}, {"dpi": None}, {"dpi": 200, "psm": 4}])
def test_the_library_follows_the_page_segmentation_mode_and_resolution(settings):
    image = page(angle=180)  # upside down: garbage, read the same garbage
    assert by_library(image, **settings) == by_program(image, **settings)


@needs_library
def test_one_loaded_engine_reads_each_page_as_a_fresh_program_would():
    """No setting or state of one page carries over to the next."""
    first, second = page(), page(LINES[::-1], angle=2)
    before = by_library(first)
    by_library(second, psm=6, dpi=150)
    assert by_library(first) == before == by_program(first)


@needs_library
def test_ocr_image_uses_the_library_and_says_nothing_on_a_blank_page(capfd):
    blank = Image.new("L", (800, 600), 255)
    result = ocr.ocr_image(blank, lang="swe", dpi=300)
    assert result.text == "" and result.words == 0
    assert capfd.readouterr().err == ""  # Tesseract's "Empty page!!" is not the user's business


@needs_library
def test_a_page_over_the_deadline_is_a_timeout_like_the_programs():
    with pytest.raises(RuntimeError, match="timeout"):
        ocr.ocr_image(page(LINES * 6), lang="swe", dpi=300, timeout=0.001)


def test_a_library_of_another_version_than_the_program_is_not_used():
    assert tesseract_library.engine_for("swe", "0.0-not-the-program") is None


@needs_library
def test_a_forked_process_makes_its_own_engine_and_exits_quietly(tmp_path):
    """A worker forked after the parent loaded an engine reads with its own, and neither
    process leaves Tesseract's leak warnings on stderr at exit."""
    script = textwrap.dedent(
        f"""
        import os, sys
        sys.path.insert(0, {os.path.dirname(__file__)!r})
        from test_tesseract_library import page
        from nbsclean.extract import ocr
        parent = ocr.ocr_image(page(), dpi=300)
        child = os.fork()
        if child == 0:
            ok = ocr.ocr_image(page(), dpi=300) == parent
            sys.exit(0 if ok else 1)
        _, status = os.waitpid(child, 0)
        sys.exit(os.waitstatus_to_exitcode(status))
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "LEAK" not in result.stderr


class Stopped(Exception):
    pass


@needs_library
def test_a_signal_during_the_recognition_stops_it_between_two_words():
    """A stop signal's handler runs while Tesseract works (as a worker's SIGTERM does),
    and the engine reads the next page as before."""
    import signal
    import threading

    def stop(signum, frame):
        raise Stopped()

    long_page = page(LINES * 8)  # about 3 s of recognition
    previous = signal.signal(signal.SIGUSR1, stop)
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGUSR1))
    try:
        timer.start()
        with pytest.raises(Stopped):
            ocr.ocr_image(long_page, lang="swe", dpi=300)
    finally:
        timer.join()
        signal.signal(signal.SIGUSR1, previous)
    assert by_library(page()) == by_program(page())


@needs_library
def test_a_reading_with_a_limit_is_the_programs_reading():
    """With a time limit the page is read in a forked child sharing the loaded model: the
    same rows as the program's."""
    engine = tesseract_library.engine_for("swe", ocr.tesseract_version())
    assert ocr._data_by_library(engine, page(), None, 300, 60.0) == by_program(page())


def _never_returns(self, tiff, psm, dpi, timeout):
    import time

    time.sleep(3600)  # a layout analysis that would not end (Tesseract checks no deadline there)


@needs_library
def test_a_reading_that_never_ends_is_killed_at_the_limit(monkeypatch):
    """Tesseract's own deadline is not checked in its layout analysis; the reading child is
    killed when the limit passes, and the worker reads the next page as before."""
    engine = tesseract_library.engine_for("swe", ocr.tesseract_version())
    monkeypatch.setattr(tesseract_library._Engine, "read_tsv", _never_returns)
    with pytest.raises(tesseract_library.LibraryTimeout):
        engine.read_tsv_within(b"not read", None, 300, 0.5)
    monkeypatch.undo()
    assert ocr._data_by_library(engine, page(), None, 300, 60.0) == by_program(page())


@needs_library
def test_a_signal_during_a_limited_reading_stops_it_and_its_child(monkeypatch):
    import signal
    import threading

    def stop(signum, frame):
        raise Stopped()

    engine = tesseract_library.engine_for("swe", ocr.tesseract_version())
    monkeypatch.setattr(tesseract_library._Engine, "read_tsv", _never_returns)
    children_before = set(os.listdir("/proc")) if os.path.isdir("/proc") else set()
    previous = signal.signal(signal.SIGUSR1, stop)
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGUSR1))
    try:
        timer.start()
        with pytest.raises(Stopped):
            engine.read_tsv_within(b"not read", None, 300, 600.0)
    finally:
        timer.join()
        signal.signal(signal.SIGUSR1, previous)
    monkeypatch.undo()
    # The child was killed and waited for: no process of ours is left from it.
    left = {pid for pid in set(os.listdir("/proc")) - children_before if pid.isdigit()}
    assert not any(_parent_of(pid) == os.getpid() for pid in left)


def _parent_of(pid: str) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return int(stat.read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None
