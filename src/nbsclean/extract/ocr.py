"""The one wrapper around Tesseract (through pytesseract).

Everything else in nbsclean asks this module for OCR; nothing else starts Tesseract.
Following OCRmyPDF, the external program sits behind a small interface:

* :func:`check_tesseract` fails early with the install command when the binary or a
  language's traineddata is missing (exit code 3), instead of a silent skip;
* :func:`ocr_image` runs Tesseract *once* per page image (``image_to_data``) and derives
  the text, the mean word confidence and the words with their confidences and boxes from
  that single TSV output;
* :func:`detect_orientation` runs Tesseract's orientation detection (``--psm 0``);
* :func:`ocr_page_or_reject` reads a scanned page with the strategy of
  :mod:`nbsclean.extract.reading` (upright, straight, binarisation chosen by evidence, a
  quality verdict, retries of poor readings) and names the file when Tesseract fails;
* :func:`tesseract_version` and :func:`traineddata_sha256` feed the corpus manifest.

Tesseract is told to use one thread (``OMP_THREAD_LIMIT=1``): nbsclean parallelises over
pages/files with its own workers, and OpenMP threads inside each worker would only fight
over the same cores.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import io
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image
from PIL import TiffImagePlugin  # noqa: F401 - registers TIFF saving, see _write_page_image

from nbsclean.errors import FileAccessError, MissingDependencyError, OcrTimeoutError, UnreadableImageError
from nbsclean.extract import tesseract_library
from nbsclean.extract.model import Word

INSTALL_HINT = "install it with: apt-get install tesseract-ocr tesseract-ocr-swe"

# Tesseract's TSV rows have a "level": 1 page, 2 block, 3 paragraph, 4 line, 5 word.
WORD_LEVEL = 5


@dataclass(frozen=True)
class OcrWord:
    """A word of Tesseract's TSV: its place in the reading's text, its confidence and its
    box in pixels of the image Tesseract read."""

    start: int
    end: int
    text: str
    conf: float
    left: int
    top: int
    width: int
    height: int
    block: int = 0  # block and line on the page, numbered from 0 in reading order
    line: int = 0


@dataclass(frozen=True)
class OcrResult:
    text: str
    mean_conf: float | None  # mean word confidence 0..100, None when no word was read
    words: int = 0
    word_list: tuple[OcrWord, ...] = field(default=(), repr=False)

    def to_dict(self) -> dict:
        return {"text": self.text, "mean_conf": self.mean_conf, "words": self.words}


def _pytesseract():
    """pytesseract, imported on first use: it imports pandas when that is installed, which
    costs a second of start-up for commands that never OCR."""
    import pytesseract

    return pytesseract


def _tesseract_binary() -> str | None:
    return shutil.which(_pytesseract().pytesseract.tesseract_cmd)


@functools.lru_cache(maxsize=1)
def tesseract_version() -> str | None:
    """Tesseract's version string ("5.3.0"), or None when it is not installed."""
    binary = _tesseract_binary()
    if binary is None:
        return None
    try:
        output = subprocess.run(
            [binary, "--version"], capture_output=True, text=True, check=False, timeout=30
        ).stdout
    except OSError:
        return None
    match = re.search(r"tesseract\s+v?(\S+)", output)
    return match.group(1) if match else None


@functools.lru_cache(maxsize=1)
def _list_langs() -> tuple[Path | None, tuple[str, ...]]:
    """(tessdata directory, installed languages) as reported by ``tesseract --list-langs``."""
    binary = _tesseract_binary()
    if binary is None:
        return None, ()
    result = subprocess.run(
        [binary, "--list-langs"], capture_output=True, text=True, check=False, timeout=30
    )
    lines = (result.stdout + result.stderr).splitlines()
    directory = None
    languages: list[str] = []
    for line in lines:
        header = re.match(r'List of available languages in "(.*)"', line)
        if header:
            directory = Path(header.group(1))
        elif line.strip() and " " not in line.strip():
            languages.append(line.strip())
    return directory, tuple(languages)


def _requested_languages(lang: str) -> list[str]:
    return [part for part in lang.split("+") if part]


def check_tesseract(lang: str = "swe") -> None:
    """Raise MissingDependencyError (exit 3) unless Tesseract and every ``lang`` part exist."""
    if _tesseract_binary() is None:
        raise MissingDependencyError(
            f"Tesseract is not installed (no '{_pytesseract().pytesseract.tesseract_cmd}' on PATH); {INSTALL_HINT}",
            source="tesseract",
        )
    _, installed = _list_langs()
    missing = [part for part in _requested_languages(lang) if part not in installed]
    if missing:
        packages = " ".join(f"tesseract-ocr-{part.lower().replace('_', '-')}" for part in missing)
        raise MissingDependencyError(
            f"Tesseract has no traineddata for {', '.join(missing)} "
            f"(installed: {', '.join(installed) or 'none'}); install it with: apt-get install {packages}",
            source="tesseract",
        )


def tesseract_available(lang: str = "swe") -> bool:
    try:
        check_tesseract(lang)
    except MissingDependencyError:
        return False
    return True


def traineddata_sha256(lang: str = "swe") -> dict[str, str]:
    """sha256 of each ``<lang>.traineddata`` used, for the manifest (``{"swe": "ab12..."}``)."""
    check_tesseract(lang)
    directory, _ = _list_langs()
    hashes: dict[str, str] = {}
    for part in _requested_languages(lang):
        path = (directory or Path(".")) / f"{part}.traineddata"
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        hashes[part] = digest.hexdigest()
    return hashes


def _tesseract_config(psm: int | None, dpi: int | None) -> str:
    options: list[str] = []
    if psm is not None:
        options.append(f"--psm {int(psm)}")
    if dpi:
        options.append(f"--dpi {int(dpi)}")
    return " ".join(options)


def _text_from_tsv(data: dict[str, list]) -> str:
    return _text_and_words_from_tsv(data)[0]


def _text_and_words_from_tsv(data: dict[str, list]) -> tuple[str, list[OcrWord]]:
    """Rebuild Tesseract's plain-text output from its TSV rows, with every word's offsets.

    Words on one line are joined by a space, lines by "\\n", and a blank line separates
    paragraphs and blocks - the same layout ``tesseract img -`` prints, so a single
    Tesseract run gives the text, the confidences and the boxes.
    """
    pieces: list[str] = []
    words: list[OcrWord] = []
    length = 0
    current_paragraph_key = None
    current_line_key = None
    block_index = line_index = 0
    rows = zip(
        data["level"], data["page_num"], data["block_num"], data["par_num"], data["line_num"], data["text"],
        data["conf"], data["left"], data["top"], data["width"], data["height"],
    )
    for level, page, block, par, line, text, conf, left, top, width, height in rows:
        if int(level) != WORD_LEVEL:
            continue
        word = str(text).strip()
        if not word:
            continue
        paragraph_key = (page, block, par)
        line_key = (page, block, par, line)
        if pieces:
            separator = "\n\n" if paragraph_key != current_paragraph_key else "\n" if line_key != current_line_key else " "
            pieces.append(separator)
            length += len(separator)
            block_index += (page, block) != current_paragraph_key[:2]
            line_index += line_key != current_line_key
        current_paragraph_key, current_line_key = paragraph_key, line_key
        words.append(
            OcrWord(
                length, length + len(word), word, float(conf), int(left), int(top), int(width), int(height),
                block_index, line_index,
            )
        )
        pieces.append(word)
        length += len(word)
    return "".join(pieces), words


def _mean_word_confidence(data: dict[str, list]) -> tuple[float | None, int]:
    confidences = [
        float(conf)
        for level, conf, text in zip(data["level"], data["conf"], data["text"])
        if int(level) == WORD_LEVEL and str(text).strip() and float(conf) >= 0
    ]
    if not confidences:
        return None, 0
    return round(sum(confidences) / len(confidences), 2), len(confidences)


def _write_page_image(image: Image.Image, directory: str) -> str:
    """Write ``image`` where Tesseract reads it fastest: an uncompressed TIFF.

    Measured on an A4 page at 300 dpi: Leptonica (Tesseract's image reader) reads an
    uncompressed TIFF in 0.008 s, a PNG in 0.06 s and a PGM in 0.31 s (it reads PNM byte
    by byte); Pillow writes the TIFF in 0.01 s but needs 0.14 s to compress a PNG, which is
    what pytesseract would write for an image object. The TIFF plugin is imported with this
    module: without it, Pillow's first TIFF save imports all its ~40 format plugins (25 ms
    CPU in every process).
    """
    path = os.path.join(directory, "page.tif")
    _save_page_tiff(image, path)
    return path


def _save_page_tiff(image: Image.Image, target) -> None:
    """``image`` as the uncompressed TIFF Tesseract reads (a path or a binary file object),
    in a mode Tesseract takes: 8-bit grey, RGB or 1-bit."""
    if image.mode.startswith("I") or image.mode == "F":
        image = _stretched_to_eight_bits(image)
    elif "A" in image.getbands() or "transparency" in image.info:
        # Transparent areas are paper: flatten onto white, as pytesseract does.
        rgba = image.convert("RGBA")
        flattened = Image.new("RGB", rgba.size, (255, 255, 255))
        flattened.paste(rgba, mask=rgba.getchannel("A"))
        image = flattened.convert("L") if _is_grey(image) else flattened
    elif image.mode not in ("1", "L", "RGB"):
        image = image.convert("L" if _is_grey(image) else "RGB")
    image.save(target, format="TIFF", compression="raw")


def _is_grey(image: Image.Image) -> bool:
    """Whether an image holds only grey tones: a grey mode, or a palette of greys only.

    Scanners often save greyscale pages as palette PNGs. Leptonica turns a grey palette into
    8-bit grey; handed the same page as RGB, Tesseract does 12 % more work on it (valgrind's
    instruction count on samples/scans/seed000-serif-page1).
    """
    if image.mode in ("L", "LA", "La", "1"):
        return True
    if image.mode in ("P", "PA"):
        palette = image.getpalette() or []
        # getcolors gives (count, index), or (count, (index, alpha)) for PA: at most 256 × 256.
        colours = image.getcolors(256 * 256) or []
        used = {value if isinstance(value, int) else value[0] for _, value in colours}
        triples = [palette[3 * i : 3 * i + 3] for i in used if 3 * i + 2 < len(palette)]
        return bool(triples) and all(red == green == blue for red, green, blue in triples)
    return False


def _stretched_to_eight_bits(image: Image.Image) -> Image.Image:
    """A 16-bit or 32-bit greyscale scan as 8-bit greyscale, its range stretched to 0..255.

    Pillow's own conversion clips instead of scaling: a 16-bit scan's paper (40 000) and
    ink (20 000) would both come out white, and Tesseract would read nothing.
    """
    low, high = image.getextrema()
    scale = 255 / (high - low) if high > low else 1.0
    return image.convert("F").point(lambda value: (value - low) * scale).convert("L")


def ocr_image(
    image: Image.Image | str | os.PathLike,
    lang: str = "swe",
    psm: int | None = None,
    dpi: int | None = 300,
    timeout: float | None = None,
    extra_config: str = "",
) -> OcrResult:
    """OCR one page image (a PIL image or an image file path) with a single Tesseract run.

    Raises MissingDependencyError when Tesseract or the language is missing, and lets
    ``pytesseract.TesseractError`` through for images Tesseract cannot read (the caller
    knows which file that was). With ``timeout`` (seconds), Tesseract is killed when it
    takes longer and pytesseract raises ``RuntimeError("Tesseract process timeout")``.
    """
    check_tesseract(lang)
    engine = None
    if not extra_config and not isinstance(image, (str, os.PathLike)):
        engine = tesseract_library.engine_for(lang, tesseract_version())
    if engine is not None:
        data = _data_by_library(engine, image, psm, dpi, timeout)
    else:
        data = _data_by_program(image, lang, psm, dpi, timeout, extra_config)
    mean_conf, words = _mean_word_confidence(data)
    text, word_list = _text_and_words_from_tsv(data)
    return OcrResult(text=text, mean_conf=mean_conf, words=words, word_list=tuple(word_list))


def _data_by_program(image, lang: str, psm: int | None, dpi: int | None, timeout: float | None, extra_config: str) -> dict:
    """Tesseract's TSV rows as pytesseract's dict, from a run of the ``tesseract`` program."""
    # pytesseract passes os.environ to its subprocess: one OpenMP thread per worker.
    os.environ["OMP_THREAD_LIMIT"] = "1"
    pytesseract = _pytesseract()
    config = " ".join(part for part in (_tesseract_config(psm, dpi), extra_config) if part)
    with tempfile.TemporaryDirectory(prefix="nbsclean-ocr-") as directory:
        source = os.fspath(image) if isinstance(image, (str, os.PathLike)) else _write_page_image(image, directory)
        return pytesseract.image_to_data(
            source, lang=lang, config=config, output_type=pytesseract.Output.DICT, timeout=timeout or 0,
        )


def _data_by_library(engine, image: Image.Image, psm: int | None, dpi: int | None, timeout: float | None) -> dict:
    """The same rows from the loaded Tesseract library (:mod:`nbsclean.extract.tesseract_library`):
    the same page image file's bytes, parsed the way pytesseract parses the program's TSV (so
    a confidence is the same whole number). A page Tesseract cannot read is a
    ``pytesseract.TesseractError``, a timeout the ``RuntimeError`` pytesseract raises, as
    from the program."""
    pytesseract = _pytesseract()
    tiff = io.BytesIO()
    _save_page_tiff(image, tiff)
    try:
        tsv = engine.read_tsv_within(tiff.getvalue(), psm, dpi, timeout)
    except tesseract_library.RecognitionFailed as exc:
        raise pytesseract.TesseractError(-1, str(exc)) from exc
    return pytesseract.pytesseract.file_to_dict(tsv, "\t", -1)


# Tesseract's orientation detection below this confidence is a guess (on pages that read
# well upright it says 15-30; a broken-glyph photocopy page got "180" at 2.0).
MIN_ORIENTATION_CONF = 5.0

# Tesseract's orientation detection classifies 5 x ``min_characters_to_try`` letters of the
# page (250 by default) in all four orientations, and that is most of what it costs (about
# 0.6 s CPU on a page; start-up and finding the letters about 0.1 s). The first look
# classifies the first half of the same sequence of letters (0.4 s); all of them are
# classified only when the first look is unsure. Its confidence adds up over the letters,
# so half the letters reaching MIN_ORIENTATION_CONF is stronger evidence than all of them
# reaching it. Measured on the degraded fixtures and the clean scans, each turned
# 0/90/180/270 (80 pages): the first look settled 71 with the full detection's answer, in
# 68 % of its CPU; a grey JPEG page (4.1 at the first look, 11.4 in full) and the
# broken-glyph photocopy (wrong answers, 0.6-3.1) went on to the full detection; 4 had too
# few letters for either.
FIRST_LOOK_CHARACTERS = 25


def detect_orientation(image: Image.Image, dpi: int, timeout: float | None = None) -> tuple[int, float] | None:
    """Tesseract's own orientation detection (``--psm 0``, ``osd.traineddata``): the
    clockwise turn (0/90/180/270) that makes the page upright, and its confidence. None
    when Tesseract finds too little text to tell; MissingDependencyError (exit 3, with the
    install command) when ``osd.traineddata`` is missing.

    A first look at half the letters Tesseract would classify; all of them only when the
    first look is not sure (:data:`FIRST_LOOK_CHARACTERS`)."""
    check_tesseract("osd")
    os.environ["OMP_THREAD_LIMIT"] = "1"
    with tempfile.TemporaryDirectory(prefix="nbsclean-osd-") as directory:
        source = _write_page_image(image, directory)
        first_look = _orientation_of(source, dpi, timeout, f"-c min_characters_to_try={FIRST_LOOK_CHARACTERS}")
        if first_look is None or first_look[1] >= MIN_ORIENTATION_CONF:
            return first_look  # None: too few letters for a look, so for the full detection too
        return _orientation_of(source, dpi, timeout)


def _orientation_of(source: str, dpi: int, timeout: float | None, extra_config: str = "") -> tuple[int, float] | None:
    """One run of Tesseract's orientation detection on the image file ``source``."""
    pytesseract = _pytesseract()
    config = " ".join(part for part in (f"--psm 0 --dpi {int(dpi)}", extra_config) if part)
    try:
        report = pytesseract.image_to_osd(source, config=config, timeout=timeout or 0)
    except pytesseract.TesseractError:
        return None
    rotate = re.search(r"Rotate:\s*(\d+)", report)
    confidence = re.search(r"Orientation confidence:\s*([\d.]+)", report)
    if not rotate or not confidence:
        return None
    return int(rotate.group(1)) % 360, float(confidence.group(1))


def ocr_page_or_reject(image: Image.Image, source: str, options, *, dpi: int, page: int, lexicon=None):
    """Read one page of ``source`` with the extraction ``options`` (:func:`read_page`); a
    page Tesseract cannot read is an :class:`~nbsclean.errors.UnreadableImageError`
    naming the file and page."""
    from nbsclean.extract.reading import read_page

    pytesseract = _pytesseract()
    try:
        return read_page(image, options, dpi=dpi, lexicon=lexicon)
    except pytesseract.TesseractError as exc:
        raise UnreadableImageError(f"Tesseract cannot read page {page} ({exc.message.strip()})", source=source) from exc
    except RuntimeError as exc:
        if "timeout" not in str(exc).lower():
            raise
        raise OcrTimeoutError(
            f"Tesseract took longer than {options.ocr_timeout:g} s on page {page} and was stopped "
            "(allow more with --ocr-timeout)",
            source=source,
        ) from exc
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        raise FileAccessError(
            f"no space left for the page image of page {page} in the temporary folder {tempfile.gettempdir()} "
            f"({exc.strerror}); free space there or point TMPDIR elsewhere",
            source=source,
        ) from exc


PDF_POINTS_PER_INCH = 72


def words_from_tsv(data: dict[str, list], dpi: float) -> tuple[str, list[Word]]:
    """The page text and its words from Tesseract's TSV rows, boxes in points (``72 / dpi``)
    of the image Tesseract read, each word with its offsets into the text, its confidence
    (None where Tesseract gives none) and its block and line. A reading that turned or
    deskewed the page maps the pixel boxes back through its transform instead
    (:meth:`nbsclean.extract.reading.PageReading.words_on_page`)."""
    scale = PDF_POINTS_PER_INCH / dpi
    text, ocr_words = _text_and_words_from_tsv(data)
    return text, [
        Word(
            word.start, word.end, word.text,
            word.left * scale, word.top * scale, (word.left + word.width) * scale, (word.top + word.height) * scale,
            conf=word.conf if word.conf >= 0 else None, block=word.block, line=word.line,
        )
        for word in ocr_words
    ]
