"""Crops of the scanned page around a word, for the served review page.

The record gives a word's box in points from the top left of the page as stored; the page
is rendered from the source (a PDF page with pypdfium2, an image with Pillow) and the crop
is cut around the box, with the word outlined. The source is found where the record says
(its path as given, relative to the working directory, the corpus's folder or a
``--sources`` folder) and used only when its sha256 is the record's: a crop must show the
scan the text came from, never another file that happens to have the same name.

Rendered pages and finished crops are kept in small caches (a reviewer steps through the
words of one page, then the next).
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections import OrderedDict
from pathlib import Path

from nbsclean.corpus.inputs import unescape_name
from nbsclean.review.items import Box

RENDER_DPI = 150  # enough to read a 9 pt word; a page is about 1 250 x 1 750 pixels
MARGIN_PT = (90.0, 24.0)  # around the word: some of the line, the lines above and below
PAGES_KEPT = 4
CROPS_KEPT = 512
OUTLINE = (214, 40, 40)


class LruCache:
    def __init__(self, size: int):
        self.size = size
        self.items: OrderedDict = OrderedDict()

    def get(self, key):
        value = self.items.get(key)
        if value is not None:
            self.items.move_to_end(key)
        return value

    def put(self, key, value) -> None:
        self.items[key] = value
        self.items.move_to_end(key)
        while len(self.items) > self.size:
            self.items.popitem(last=False)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _source_paths(recorded: str) -> list[Path]:
    """The paths a record's ``source`` may stand for: records carry file names escaped
    (a newline or an undecodable byte as a backslash escape), so the file on disk has the
    unescaped name; an ordinary name is the same either way."""
    unescaped = unescape_name(recorded)
    return [Path(unescaped)] if unescaped == recorded else [Path(unescaped), Path(recorded)]


class CropRenderer:
    """Crops around word boxes from a corpus's sources (thread-safe: one render at a time)."""

    def __init__(self, corpus: Path, source_dirs: list[Path] | None = None, cwd: Path | None = None):
        self.bases = [cwd or Path.cwd(), Path(corpus).resolve().parent, *(Path(d) for d in source_dirs or [])]
        self._sources: dict[str, Path | None] = {}
        self._pages = LruCache(PAGES_KEPT)
        self._crops = LruCache(CROPS_KEPT)
        self._lock = threading.Lock()

    def locate(self, record: dict) -> Path | None:
        """The record's source file, checked by its sha256; None when it cannot be found."""
        sha = str(record.get("sha256", ""))
        if sha in self._sources:
            return self._sources[sha]
        found = None
        candidates: list[Path] = []
        for source in _source_paths(str(record.get("source", ""))):
            if source.is_absolute():
                candidates.append(source)
            for base in self.bases:
                candidates += [base / source, base / source.name]
        for candidate in candidates:
            try:
                if candidate.is_file() and file_sha256(candidate) == sha:
                    found = candidate
                    break
            except OSError:
                continue
        self._sources[sha] = found
        return found

    def crop_png(self, record: dict, page: dict, box: Box) -> bytes | None:
        """A PNG of the page around ``box`` with the word outlined; None without a source."""
        key = (record.get("sha256"), page.get("n"), round(box.x0, 1), round(box.y0, 1), round(box.x1, 1), round(box.y1, 1))
        with self._lock:
            cached = self._crops.get(key)
            if cached is not None:
                return cached
            image = self._page_image(record, page)
            if image is None:
                return None
            png = cut_crop(image, page, box)
            self._crops.put(key, png)
            return png

    def _page_image(self, record: dict, page: dict):
        key = (record.get("sha256"), page.get("n"))
        image = self._pages.get(key)
        if image is None:
            path = self.locate(record)
            if path is None:
                return None
            image = render_page(path, str(record.get("kind")), int(page.get("n", 1)))
            if image is None:
                return None
            self._pages.put(key, image)
        return image


def render_page(path: Path, kind: str, number: int):
    """Page ``number`` (1-based) of a PDF or an image file as a Pillow image (grey or RGB)."""
    if kind == "pdf":
        import pypdfium2

        document = pypdfium2.PdfDocument(str(path))
        try:
            if not 0 < number <= len(document):
                return None
            pdf_page = document[number - 1]
            try:
                # Word boxes are on the page as stored: render it without its /Rotate (the
                # change stays in this in-memory copy; the file is never written).
                if pdf_page.get_rotation():
                    pdf_page.set_rotation(0)
                return pdf_page.render(scale=RENDER_DPI / 72).to_pil()
            finally:
                pdf_page.close()
        finally:
            document.close()
    if kind == "image":
        from PIL import Image, ImageSequence

        with Image.open(path) as image:
            for index, frame in enumerate(ImageSequence.Iterator(image)):
                if index == number - 1:
                    return frame.convert("RGB")
    return None


def cut_crop(image, page: dict, box: Box) -> bytes:
    """The part of ``image`` around ``box`` (points on a page of page["width"] x page["height"]
    points), with the box outlined, as PNG bytes."""
    from PIL import ImageDraw

    width_pt = float(page.get("width") or image.width * 72 / RENDER_DPI)
    height_pt = float(page.get("height") or image.height * 72 / RENDER_DPI)
    sx, sy = image.width / width_pt, image.height / height_pt
    mx, my = MARGIN_PT
    left = max(0, int((box.x0 - mx) * sx))
    top = max(0, int((box.y0 - my) * sy))
    right = min(image.width, int((box.x1 + mx) * sx) + 1)
    bottom = min(image.height, int((box.y1 + my) * sy) + 1)
    crop = image.crop((left, top, max(right, left + 1), max(bottom, top + 1))).convert("RGB")
    draw = ImageDraw.Draw(crop)
    pad = 2
    draw.rectangle(
        (box.x0 * sx - left - pad, box.y0 * sy - top - pad, box.x1 * sx - left + pad, box.y1 * sy - top + pad),
        outline=OUTLINE,
        width=2,
    )
    out = io.BytesIO()
    crop.save(out, format="PNG", optimize=False)
    return out.getvalue()
