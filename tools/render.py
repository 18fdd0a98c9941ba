"""Lay out clean text like a newsletter page and draw it as a scanned-looking image.

Dev tool for tools/make_fixtures.py, not part of the nbsclean package.

The layout is the single source of truth for a fixture: the same list of laid-out
lines is drawn on the page image and written (with the soft hyphens joined) as the
expected text, so the expected line breaks always match what the OCR engine saw.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

DPI = 300
A4_WIDTH_PX = 2480  # 210 mm at 300 dpi
A4_HEIGHT_PX = 3508  # 297 mm at 300 dpi

FONT_DIR = Path("/usr/share/fonts/truetype")
FONT_FILES = {
    "serif": FONT_DIR / "liberation2" / "LiberationSerif-Regular.ttf",
    "sans": FONT_DIR / "dejavu" / "DejaVuSans.ttf",
    "dejavu-serif": FONT_DIR / "dejavu" / "DejaVuSerif.ttf",
    "liberation-sans": FONT_DIR / "liberation2" / "LiberationSans-Regular.ttf",
}

VOWELS = set("aeiouyåäöéAEIOUYÅÄÖÉ")
# A token we may split at line end: letters only, optionally followed by punctuation.
HYPHENATABLE = re.compile(r"^(?P<word>[^\W\d_]{8,})(?P<tail>[.,;:!?)]*)$")
MIN_FRAGMENT = 3  # letters kept on each side of an inserted hyphen


@dataclass(frozen=True)
class PageStyle:
    font_key: str
    size_pt: float
    margin_left_px: int = 300  # ~2.5 cm
    margin_right_px: int = 300
    margin_top_px: int = 300
    margin_bottom_px: int = 330
    line_spacing: float = 1.32

    @property
    def font_path(self) -> Path:
        return FONT_FILES[self.font_key]

    @property
    def size_px(self) -> int:
        return round(self.size_pt * DPI / 72)

    @property
    def line_height_px(self) -> int:
        return round(self.size_px * self.line_spacing)

    @property
    def text_width_px(self) -> int:
        return A4_WIDTH_PX - self.margin_left_px - self.margin_right_px

    @property
    def lines_per_page(self) -> int:
        usable = A4_HEIGHT_PX - self.margin_top_px - self.margin_bottom_px
        return usable // self.line_height_px

    def load_font(self) -> ImageFont.FreeTypeFont:
        if not self.font_path.exists():
            raise SystemExit(f"font missing: {self.font_path} (install fonts-dejavu / fonts-liberation2)")
        return ImageFont.truetype(str(self.font_path), self.size_px)


@dataclass(frozen=True)
class Line:
    """One laid-out line; soft_hyphen means we inserted the trailing '-' ourselves."""

    text: str
    soft_hyphen: bool = False


def paragraphs_of(text: str) -> list[str]:
    """Source lines become paragraphs; runs of blank lines become one empty paragraph."""
    paragraphs: list[str] = []
    for raw_line in text.split("\n"):
        line = " ".join(raw_line.split())  # also turns no-break spaces into plain spaces
        if line or (paragraphs and paragraphs[-1]):
            paragraphs.append(line)
    while paragraphs and not paragraphs[-1]:
        paragraphs.pop()
    return paragraphs


def split_points(word: str) -> list[int]:
    """Indexes where a simple Swedish rule allows a break: before a consonant that
    starts a syllable (consonant followed by a vowel), never leaving short fragments."""
    points = []
    for i in range(MIN_FRAGMENT, len(word) - MIN_FRAGMENT + 1):
        if word[i] not in VOWELS and i + 1 < len(word) and word[i + 1] in VOWELS:
            points.append(i)
    return points


def try_hyphenate(token: str, room_px: float, font: ImageFont.FreeTypeFont) -> tuple[str, str] | None:
    """Longest 'prefix-' of token fitting in room_px, with the rest, or None."""
    match = HYPHENATABLE.match(token)
    if not match:
        return None
    word, tail = match.group("word"), match.group("tail")
    for point in reversed(split_points(word)):
        head = word[:point] + "-"
        if font.getlength(head) <= room_px:
            return head, word[point:] + tail
    return None


def wrap_paragraph(
    paragraph: str, font: ImageFont.FreeTypeFont, width_px: int, rng: random.Random, hyphenate_share: float
) -> list[Line]:
    """Greedy word wrap; when a long word does not fit, hyphenate it with probability
    hyphenate_share (fixed rng, so the layout is reproducible)."""
    if not paragraph:
        return [Line("")]
    lines: list[Line] = []
    current = ""
    words = paragraph.split(" ")
    while words:
        word = words.pop(0)
        candidate = f"{current} {word}" if current else word
        if font.getlength(candidate) <= width_px:
            current = candidate
            continue
        if current and rng.random() < hyphenate_share:
            room = width_px - font.getlength(current + " ")
            split = try_hyphenate(word, room, font)
            if split:
                lines.append(Line(f"{current} {split[0]}", soft_hyphen=True))
                current = ""
                words.insert(0, split[1])
                continue
        if current:
            lines.append(Line(current))
            current = word
        else:  # a single token wider than the column: let it overflow rather than loop
            current = word
    lines.append(Line(current))
    return lines


def layout_text(text: str, style: PageStyle, rng: random.Random, hyphenate_share: float = 0.7) -> list[Line]:
    font = style.load_font()
    lines: list[Line] = []
    for paragraph in paragraphs_of(text):
        lines.extend(wrap_paragraph(paragraph, font, style.text_width_px, rng, hyphenate_share))
    return lines


def paginate(lines: list[Line], lines_per_page: int) -> list[list[Line]]:
    """Cut into pages; a page never ends on a soft hyphen (no word split across pages)
    and never starts with a blank line."""
    pages: list[list[Line]] = []
    remaining = list(lines)
    while remaining:
        while remaining and not remaining[0].text:
            remaining.pop(0)
        if not remaining:
            break
        cut = min(lines_per_page, len(remaining))
        while cut > 1 and remaining[cut - 1].soft_hyphen and cut < len(remaining):
            cut -= 1
        page = remaining[:cut]
        remaining = remaining[cut:]
        while page and not page[-1].text:
            page.pop()
        pages.append(page)
    return pages


def expected_text_of(page: list[Line]) -> str:
    """The clean text of one page, as laid out, with only our inserted '-\\n' removed
    (the fixture convention: soft line-end hyphens are joined, real hyphens stay)."""
    out: list[str] = []
    pending = ""
    for line in page:
        if line.soft_hyphen:
            pending += line.text[:-1]
        else:
            out.append(pending + line.text)
            pending = ""
    if pending:
        out.append(pending)
    return "\n".join(out)


def draw_page(page: list[Line], style: PageStyle) -> Image.Image:
    """A clean 8-bit grayscale page (white paper, black ink)."""
    font = style.load_font()
    image = Image.new("L", (A4_WIDTH_PX, A4_HEIGHT_PX), 255)
    draw = ImageDraw.Draw(image)
    y = style.margin_top_px
    for line in page:
        if line.text:
            draw.text((style.margin_left_px, y), line.text, font=font, fill=0)
        y += style.line_height_px
    image.info["dpi"] = (DPI, DPI)
    return image


def degrade(image: Image.Image, rng: random.Random) -> Image.Image:
    """Make a clean page look scanned: slight skew (±0.5°), slight blur, greyish ink
    on off-white paper. Deterministic given rng."""
    angle = rng.uniform(-0.5, 0.5)
    skewed = image.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
    blurred = skewed.filter(ImageFilter.GaussianBlur(radius=rng.uniform(0.7, 1.1)))
    ink, paper = rng.randint(25, 45), rng.randint(238, 248)
    scanned = blurred.point(lambda v: ink + (paper - ink) * v // 255)
    scanned.info["dpi"] = (DPI, DPI)
    return scanned


def binarise(image: Image.Image, threshold: int = 150) -> Image.Image:
    """1-bit version of a page (fax-like), for compact TIFF/PDF fixtures."""
    bw = image.point(lambda v: 255 if v > threshold else 0).convert("1", dither=Image.Dither.NONE)
    bw.info["dpi"] = (DPI, DPI)
    return bw
