"""Page images made readable before OCR: upright, straight, and with paper and ink apart.

Everything here works on a copy of the page as a numpy array (the input file is never
touched) and uses OpenCV's primitives for the image work:

* :func:`estimate_skew` - the angle of the text lines, from the projection profile of the
  ink at low resolution (the angle at which the rows of ink are sharpest);
* :func:`looks_sideways` - whether the text lines run top to bottom (a page turned by 90°
  or 270°), from the same profiles: cheap evidence that decides whether Tesseract's
  orientation detection is worth running before the first reading;
* :func:`paper_evidence` - how uneven the paper is and how far ink stands from it, which
  chooses the binarisation variant of the first reading;
* :func:`normalise_background` - the paper divided out (morphological closing estimates
  it), so uneven grey paper becomes white and faint show-through fades;
* :func:`speck_ratio` - how many specks lie apart from the text, cheap evidence that
  decides whether the first reading is of the despeckled page;
* :func:`remove_specks_and_show_through` - ink apart from the reverse side's text
  (scikit-image's multi-level Otsu, when the page shows through) and from the specks
  that lie where no mark of a letter goes;
* :class:`PageTransform` - the rotation, deskew and scale applied for OCR, and the way
  back: points of the OCR image mapped to the page as stored, so word boxes land on the
  word's ink in the original scan.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

# Evidence is measured on the page scaled to about this resolution: text lines stay
# distinct, and each measure costs a few milliseconds on an A4 page.
EVIDENCE_DPI = 75

# Skew is searched over ±MAX_SKEW degrees: coarse steps first, then fine steps around the
# best coarse angle. Scanned pages beyond 10° are rare, and a page turned by 90° is
# Tesseract's orientation detection's job.
MAX_SKEW = 10.0
COARSE_STEP = 0.5
FINE_STEP = 0.1
# A page is straightened only when the skew is at least this large: below it Tesseract's
# own line finding copes, and resampling the page would cost time and sharpness for nothing.
MIN_DESKEW = 0.3


def _cv2():
    """OpenCV, imported on first use and told to use one thread: nbsclean parallelises over
    files with its own workers, and OpenCV's thread pool would only fight them (on these
    small images its threads cost more than they save)."""
    import cv2

    if cv2.getNumThreads() != 1:
        cv2.setNumThreads(1)
    return cv2


def as_grey_array(image: Image.Image) -> np.ndarray:
    """The page as 8-bit grey pixels (a copy: the caller's image is left as it is)."""
    if image.mode == "L":
        return np.array(image, dtype=np.uint8)
    if image.mode.startswith("I") or image.mode == "F":
        pixels = np.asarray(image, dtype=np.float64)
        low, high = float(pixels.min()), float(pixels.max())
        scale = 255 / (high - low) if high > low else 1.0
        return ((pixels - low) * scale).astype(np.uint8)
    if "A" in image.getbands() or "transparency" in image.info:
        rgba = image.convert("RGBA")
        flattened = Image.new("RGB", rgba.size, (255, 255, 255))
        flattened.paste(rgba, mask=rgba.getchannel("A"))
        image = flattened
    return np.array(image.convert("L"), dtype=np.uint8)


def downscaled(grey: np.ndarray, dpi: int, target_dpi: int = EVIDENCE_DPI) -> np.ndarray:
    cv2 = _cv2()

    factor = min(1.0, target_dpi / max(1, dpi))
    if factor >= 1.0:
        return grey
    size = (max(1, round(grey.shape[1] * factor)), max(1, round(grey.shape[0] * factor)))
    return cv2.resize(grey, size, interpolation=cv2.INTER_AREA)


def ink_mask(small: np.ndarray) -> np.ndarray:
    """Ink pixels (1) of a downscaled page: darker than the local paper by a clear margin.

    The paper is estimated by a wide morphological closing (it erases the ink), so a page
    with a dark corner or a grey band does not turn into solid ink as a global threshold would.
    """
    background = estimate_background(small, stroke_px=max(3, small.shape[1] // 100))
    darkness = background.astype(np.int16) - small.astype(np.int16)
    spread = max(12, int(np.percentile(darkness, 99.5)) // 3)
    return (darkness > spread).astype(np.uint8)


def estimate_background(grey: np.ndarray, stroke_px: int) -> np.ndarray:
    """The paper without the ink: a closing with a kernel wider than any stroke, smoothed."""
    cv2 = _cv2()

    size = 2 * (3 * stroke_px) + 1
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (size, size))
    closed = cv2.morphologyEx(grey, cv2.MORPH_CLOSE, kernel)
    return cv2.blur(closed, (size, size))


def rotate_array(
    pixels: np.ndarray, angle: float, fill: int = 255, *, nearest: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """``pixels`` turned counter-clockwise by ``angle`` degrees on an enlarged canvas (nothing
    cut off), and the 2x3 affine matrix that maps original pixel positions into it."""
    cv2 = _cv2()

    height, width = pixels.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    new_width = int(np.ceil(height * sin + width * cos))
    new_height = int(np.ceil(height * cos + width * sin))
    matrix[0, 2] += new_width / 2 - width / 2
    matrix[1, 2] += new_height / 2 - height / 2
    rotated = cv2.warpAffine(
        pixels, matrix, (new_width, new_height), flags=cv2.INTER_NEAREST if nearest else cv2.INTER_LINEAR,
        borderValue=fill,
    )
    return rotated, matrix


def _row_sharpness(mask: np.ndarray) -> float:
    """How sharply ink falls into rows: the variance of the row sums. Text lines that run
    straight across give full rows and empty gaps; skewed lines smear into each other."""
    return float(np.var(mask.sum(axis=1, dtype=np.float64)))


def estimate_skew(grey: np.ndarray, dpi: int, mask: np.ndarray | None = None) -> float:
    """The skew of the text lines in degrees (counter-clockwise positive, as the page must
    be turned clockwise by this much to straighten it); 0.0 on a page without ink.
    ``mask``: the page's :func:`ink_mask`, when the caller has it already."""
    mask = ink_mask(downscaled(grey, dpi)) if mask is None else mask
    if mask.sum() < 50:
        return 0.0

    def sharpness_of(pixels: np.ndarray):
        def sharpness(angle: float) -> float:
            rotated, _ = rotate_array(pixels, -angle, fill=0, nearest=True)
            return _row_sharpness(rotated)

        return sharpness

    # The coarse search runs on the mask at half size (text lines stay apart at ~37 dpi),
    # the fine one at full evidence resolution around the coarse best.
    half = _cv2().resize(mask, (max(1, mask.shape[1] // 2), max(1, mask.shape[0] // 2)), interpolation=_cv2().INTER_AREA)
    coarse = np.arange(-MAX_SKEW, MAX_SKEW + COARSE_STEP / 2, COARSE_STEP)
    best = max(coarse, key=sharpness_of(half))
    fine = np.arange(best - COARSE_STEP, best + COARSE_STEP + FINE_STEP / 2, FINE_STEP)
    sharpness = sharpness_of(mask)
    return round(float(max(fine, key=sharpness)), 1)


def looks_sideways(mask: np.ndarray) -> bool:
    """Whether the text lines of a page's :func:`ink_mask` run vertically: ink falls into
    sharp columns and smears across rows. Both 90° and 270° look the same here;
    Tesseract's orientation detection tells them apart."""
    if mask.sum() < 50:
        return False
    by_rows = _row_sharpness(mask) / max(1, mask.shape[1]) ** 2
    by_columns = _row_sharpness(mask.T) / max(1, mask.shape[0]) ** 2
    return by_columns > 1.5 * by_rows


@dataclass(frozen=True)
class PaperEvidence:
    """What the page's paper and ink look like, measured at low resolution."""

    unevenness: float  # spread of the paper's grey across the page (5th-95th percentile), 0..255
    contrast: float  # paper minus ink (the darkest 1 % of ink pixels), 0..255
    ink_share: float  # share of the page that is ink
    ink_pixels: int = 0  # ink pixels at the evidence resolution
    paper_level: float = 255.0  # the page's median grey
    specks: float = 0.0  # specks apart from the text per letter-sized blot of ink (speck_ratio)

    @property
    def speckled(self) -> bool:
        """Dust, toner or noise specks lie all over the page, apart from the text."""
        return self.specks > SPECKLED_RATIO

    @property
    def needs_adaptive(self) -> bool:
        """A global threshold fails on this page: the paper varies more than ink and paper
        differ by a third of their distance, or ink stands out weakly."""
        return self.unevenness > self.contrast / 3 or self.contrast < 110

    def to_dict(self) -> dict:
        return {
            "paper_unevenness": round(self.unevenness, 1),
            "contrast": round(self.contrast, 1),
            "ink_share": round(self.ink_share, 4),
            "specks": round(self.specks, 3),
        }


def paper_evidence(small: np.ndarray, mask: np.ndarray) -> PaperEvidence:
    """The paper of a downscaled page and its :func:`ink_mask`."""
    background = estimate_background(small, stroke_px=max(3, small.shape[1] // 100))
    low, high = np.percentile(background, (5, 95))
    ink = small[mask.astype(bool)]
    ink_level = float(np.percentile(ink, 1)) if ink.size else float(np.median(small))
    return PaperEvidence(
        unevenness=float(high - low),
        contrast=max(0.0, float(np.median(background)) - ink_level),
        ink_share=float(mask.mean()),
        ink_pixels=int(mask.sum()),
        paper_level=float(np.median(small)),
        specks=speck_ratio(mask),
    )


# A page is speckled when it has more than this many specks apart from the text per
# letter-sized blot of ink. Measured at the evidence resolution: clean, rotated, grey,
# photocopied and two-column pages 0.000-0.018; pages with dust and toner specks 0.4-2.5.
SPECKLED_RATIO = 0.1


def speck_ratio(mask: np.ndarray) -> float:
    """Specks per letter in a page's :func:`ink_mask`: small blots of ink (lower and narrower
    than half the typical letter, :func:`letter_height`) with no letter within half a letter's
    height, against the letter-sized blots. Full stops and the dots of "ä" sit beside their
    letters and do not count; dust lies anywhere."""
    cv2 = _cv2()

    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count < 2:
        return 0.0
    limit = SPECK_SIZE * letter_height(stats)
    small = (stats[:, cv2.CC_STAT_HEIGHT] < limit) & (stats[:, cv2.CC_STAT_WIDTH] < limit)
    small[0] = False
    letter = ~small
    letter[0] = False
    radius = max(1, round(limit))
    reach = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    near_letters = cv2.dilate(letter[labels].astype(np.uint8), reach).astype(bool)
    beside_a_letter = np.bincount(labels[near_letters & small[labels]], minlength=count) > 0
    return float(np.count_nonzero(small & ~beside_a_letter)) / max(1, int(letter.sum()))


@dataclass(frozen=True)
class PageEvidence:
    """What a cheap look at the page (a few milliseconds) shows before any OCR."""

    sideways: bool
    skew: float  # of the page as stored; measured again once the page is turned upright
    paper: PaperEvidence


def page_evidence(grey: np.ndarray, dpi: int) -> PageEvidence:
    small = downscaled(grey, dpi)
    mask = ink_mask(small)
    sideways = looks_sideways(mask)
    skew = 0.0 if sideways else estimate_skew(grey, dpi, mask=mask)
    return PageEvidence(sideways=sideways, skew=skew, paper=paper_evidence(small, mask))


def normalise_background(grey: np.ndarray, dpi: int) -> np.ndarray:
    """The page divided by its paper: the paper becomes white everywhere, ink keeps its
    darkness relative to the paper around it, and the result is stretched to 0..255.

    Faint show-through from the reverse side and the JPEG noise of the paper become light
    grey, far from the ink, which a threshold then separates.
    """
    cv2 = _cv2()

    stroke_px = max(2, round(dpi / 100))
    background = estimate_background(grey, stroke_px=stroke_px).astype(np.float32)
    ratio = grey.astype(np.float32) / np.maximum(background, 1.0)
    ink_level = float(np.percentile(ratio, 0.5))
    stretched = (ratio - ink_level) / max(1e-3, 1.0 - ink_level) * 255
    return cv2.medianBlur(np.clip(stretched, 0, 255).astype(np.uint8), 3)


def ink_threshold(normalised: np.ndarray) -> tuple[int, bool]:
    """The grey level that separates ink from everything lighter on a background-normalised
    page, and whether the page shows through from its reverse side.

    Three classes (scikit-image's multi-level Otsu: ink, show-through, paper) are taken
    only when the page gives evidence of a middle class of its own: grey pixels away from
    the ink. Anti-aliased and blurred edges of letters are grey too, but they touch the
    ink; the reverse side's text, blurred and faint, lies in the gaps between the lines and
    words. Without that evidence the ordinary two-class Otsu threshold is kept (a middle
    class of edge pixels would only thin the letters).
    """
    cv2 = _cv2()
    from skimage.filters import threshold_multiotsu

    histogram = np.bincount(normalised.ravel(), minlength=256)
    otsu, _ = cv2.threshold(normalised, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    if np.count_nonzero(histogram) < 3:
        return int(otsu), False  # a 1-bit page (a photocopy) has no third class to find
    ink_level, paper_level = (int(t) for t in threshold_multiotsu(hist=histogram, classes=3))
    ink = (normalised <= ink_level).astype(np.uint8)
    middle = (normalised > ink_level) & (normalised <= paper_level)
    reach = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
    near_ink = cv2.dilate(ink, reach, iterations=2).astype(bool)
    apart = int(np.count_nonzero(middle & ~near_ink))
    shows_through = apart > SHOW_THROUGH_SHARE * max(1, int(ink.sum()))
    return (ink_level if shows_through else int(otsu)), shows_through


# A page shows through when its grey pixels away from the ink number more than this share
# of its ink pixels.
SHOW_THROUGH_SHARE = 0.1


@dataclass(frozen=True)
class TextScale:
    """How large the page's letters are, measured on its ink (:func:`letter_height`,
    :func:`stroke_width`): marks and specks are judged relative to these, so the same
    rules hold at any type size and resolution."""

    letter_height: float
    stroke_width: float


def letter_height(stats: np.ndarray) -> float:
    """The height of a typical letter from cv2.connectedComponentsWithStats' table (row 0
    the paper): the area-weighted median height of the components, so that many small
    specks do not pull it down."""
    cv2 = _cv2()

    heights = stats[1:, cv2.CC_STAT_HEIGHT]
    if heights.size == 0:
        return 0.0
    order = np.argsort(heights, kind="stable")
    cumulative = np.cumsum(stats[1:, cv2.CC_STAT_AREA][order])
    return float(heights[order][np.searchsorted(cumulative, cumulative[-1] / 2)])


def stroke_width(letters: np.ndarray) -> float:
    """The width of a stroke in a 0/1 image of letters: twice the ink's area over the
    length of its outlines (for strokes much longer than wide)."""
    cv2 = _cv2()

    contours, _ = cv2.findContours(letters, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    outline = sum(cv2.arcLength(contour, True) for contour in contours)
    return 2 * float(np.count_nonzero(letters)) / outline if outline else 0.0


# A connected component of ink is a speck candidate when it is lower and narrower than this
# share of the page's letter height (a full stop, a comma, the dots of "ä" and "ö" are);
# it is removed when no letter lies within ISOLATION of the letter height of it: marks
# belong to a letter beside or below them, dust lies anywhere.
SPECK_SIZE = 0.5
MARK_ABOVE = 0.3
MARK_AFTER = 0.5
MARK_BAND = 1.5


def where_marks_go(labels: np.ndarray, stats: np.ndarray, letter: np.ndarray, scale: TextScale) -> np.ndarray:
    """Where a small mark belongs to a letter (1): just above it (the dots of "ä", "ö",
    "i", the ring of "å", accents), or just after it level with the letter's foot (full
    stops, commas, the colon's lower dot) or its head (closing quotes, apostrophes). A
    speck left of a letter, below it, or after it at mid-height belongs to none.
    ``letter``: per component label, whether it is a letter (not small).
    """
    cv2 = _cv2()

    up = max(1, round(MARK_ABOVE * scale.letter_height))
    right = max(1, round(MARK_AFTER * scale.letter_height))
    slack = max(1, round(scale.stroke_width / 2))
    band = max(1, round(MARK_BAND * scale.stroke_width))
    letters = letter[labels].astype(np.uint8)
    # The letters' feet and heads, from their pixels only (a tenth of the page or less).
    rows, columns = np.nonzero(letters)
    tops = stats[labels[rows, columns], cv2.CC_STAT_TOP]
    bottoms = tops + stats[labels[rows, columns], cv2.CC_STAT_HEIGHT]
    foot = np.zeros_like(letters)
    head = np.zeros_like(letters)
    at_foot = rows >= bottoms - band
    at_head = rows < tops + band
    foot[rows[at_foot], columns[at_foot]] = 1
    head[rows[at_head], columns[at_head]] = 1
    # cv2.dilate: out(x, y) = max of image(x + i - anchor_x, y + j - anchor_y) over the
    # kernel's (i, j); an anchor at the kernel's top reaches down to the letter below
    # (so the place above a letter is marked), one at its right end reaches left.
    above = np.ones((up + slack + 1, 2 * slack + 1), np.uint8)
    after = np.ones((2 * slack + 1, right + slack + 1), np.uint8)
    marked = cv2.dilate(letters, above, anchor=(slack, slack))
    marked |= cv2.dilate(foot, after, anchor=(right, slack))
    return marked | cv2.dilate(head, after, anchor=(right, slack))


@dataclass(frozen=True)
class Cleaning:
    """What :func:`remove_specks_and_show_through` did, for the page record."""

    shows_through: bool
    specks_removed: int
    letter_height: float
    stroke_width: float
    specks_left_per_letter: float = 0.0  # estimated, see specks_left_on_text


def remove_specks_and_show_through(normalised: np.ndarray) -> tuple[np.ndarray, Cleaning]:
    """A background-normalised page as black ink on white paper, without the reverse side's
    text showing through (:func:`ink_threshold`) and without the specks of dust and toner
    that lie apart from the letters (sizes and distances relative to the page's own
    letters, :class:`TextScale`, so the same rule holds at any type size and resolution).

    Full stops, commas and the dots of "å", "ä", "ö" and "i" sit close to their letters
    and stay; a speck on or next to a letter stays too (it cannot be told from a mark).
    """
    cv2 = _cv2()

    threshold, shows_through = ink_threshold(normalised)
    ink = (normalised <= threshold).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    height = letter_height(stats)
    limit = SPECK_SIZE * height
    small = (stats[:, cv2.CC_STAT_HEIGHT] < limit) & (stats[:, cv2.CC_STAT_WIDTH] < limit)
    small[0] = False
    letter = ~small
    letter[0] = False
    letters = letter[labels].astype(np.uint8)
    scale = TextScale(height, stroke_width(letters))
    near_letters = where_marks_go(labels, stats, letter, scale).astype(bool)
    beside_a_letter = np.bincount(labels[near_letters & small[labels]], minlength=count) > 0
    specks = small & ~beside_a_letter
    kept = ink.astype(bool) & ~specks[labels]
    cleaned = np.where(kept, 0, 255).astype(np.uint8)
    left = specks_left_on_text(labels, specks, letters, near_letters, limit) / max(1, int(letter.sum()))
    return cleaned, Cleaning(
        shows_through, int(specks.sum()), scale.letter_height, round(scale.stroke_width, 2), round(left, 3)
    )


def specks_left_on_text(
    labels: np.ndarray, specks: np.ndarray, letters: np.ndarray, near_letters: np.ndarray, reach: float
) -> float:
    """How many specks are left where they cannot be told from the letters and their marks,
    estimated from the specks found on the open paper: dust falls evenly, so the specks per
    pixel of paper away from the text (farther than ``reach`` from any letter) times the
    pixels of the letters and of the places their marks go. On or beside a letter a speck
    is read as a full stop, an "ä" for an "a", a colon inside a word: a page with many
    left is read poorly however sure Tesseract is of each word."""
    cv2 = _cv2()

    side = 2 * max(1, round(reach)) + 1
    open_paper = cv2.dilate(letters, np.ones((side, side), np.uint8)) == 0
    in_text_zone = np.bincount(labels[~open_paper], minlength=specks.size) > 0
    density = np.count_nonzero(specks & ~in_text_zone) / max(1, int(np.count_nonzero(open_paper)))
    on_text = near_letters | cv2.dilate(letters, np.ones((3, 3), np.uint8)).astype(bool)
    return density * np.count_nonzero(on_text)


# --------------------------------------------------------------------------- the way back


@dataclass(frozen=True)
class PageTransform:
    """What was done to the page for OCR, and how to map OCR-image pixels back to it.

    ``rotation``: degrees the page was turned clockwise to stand upright (0/90/180/270,
    Tesseract's orientation detection's "Rotate"); ``skew``: degrees of skew removed
    (the upright page was turned clockwise by this much); ``scale``: OCR pixels per
    original pixel. ``matrix`` maps original pixels (x, y, 1) to the OCR image.
    """

    rotation: int = 0
    skew: float = 0.0
    scale: float = 1.0
    matrix: tuple[tuple[float, float, float], ...] = ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0))

    @property
    def is_identity(self) -> bool:
        return self.rotation == 0 and self.skew == 0.0 and self.scale == 1.0

    def to_original(self, x: float, y: float) -> tuple[float, float]:
        """A point of the OCR image on the page as stored (pixels)."""
        inverse = np.linalg.inv(np.array(self.matrix, dtype=np.float64))
        ox, oy, _ = inverse @ np.array([x, y, 1.0])
        return float(ox), float(oy)

    def box_to_original(self, x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
        """The smallest upright box on the original page that holds the OCR box's corners."""
        corners = [self.to_original(x, y) for x, y in ((x0, y0), (x1, y0), (x0, y1), (x1, y1))]
        xs, ys = [c[0] for c in corners], [c[1] for c in corners]
        return min(xs), min(ys), max(xs), max(ys)


def _as_3x3(matrix_2x3: np.ndarray) -> np.ndarray:
    return np.vstack([matrix_2x3, [0.0, 0.0, 1.0]])


def _quarter_turn_matrix(rotation: int, width: int, height: int) -> np.ndarray:
    """Pixel mapping of a clockwise turn by ``rotation`` degrees (np.rot90 with k=-n)."""
    if rotation == 90:
        return np.array([[0.0, -1.0, height - 1.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    if rotation == 180:
        return np.array([[-1.0, 0.0, width - 1.0], [0.0, -1.0, height - 1.0], [0.0, 0.0, 1.0]])
    if rotation == 270:
        return np.array([[0.0, 1.0, 0.0], [-1.0, 0.0, width - 1.0], [0.0, 0.0, 1.0]])
    return np.eye(3)


def upright_and_straight(grey: np.ndarray, rotation: int, skew: float) -> tuple[np.ndarray, PageTransform]:
    """The page turned clockwise by ``rotation`` (a multiple of 90) and then by ``skew``
    degrees, and the transform that maps the result back to ``grey``'s pixels."""
    height, width = grey.shape[:2]
    turned = np.ascontiguousarray(np.rot90(grey, k=-(rotation // 90))) if rotation else grey
    matrix = _quarter_turn_matrix(rotation, width, height)
    if abs(skew) >= MIN_DESKEW:
        turned, skew_matrix = rotate_array(turned, -skew)
        matrix = _as_3x3(skew_matrix) @ matrix
    else:
        skew = 0.0
    transform = PageTransform(
        rotation=rotation, skew=skew, matrix=tuple(tuple(float(v) for v in row) for row in matrix)
    )
    return turned, transform
