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
  that lie where no mark of a letter goes, or in a mark's place without looking like
  the mark (:func:`marks_by_evidence`);
* :class:`PageTransform` - the rotation, deskew and scale applied for OCR, and the way
  back: points of the OCR image mapped to the page as stored, so word boxes land on the
  word's ink in the original scan.
"""

from __future__ import annotations

import functools
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


# A page's text is upside down when less than this share of the ink outside the lines'
# x-height band lies above it (:func:`upright_share`). Measured at the evidence resolution
# on samples/scans and samples/degraded: upright pages 0.66-0.80, skewed ones 0.49-0.59,
# the same pages turned by 180° 0.19-0.34 (skewed ones 0.41-0.51). Specks push the share
# towards 0.5 either way (0.44-0.58): a speckled page gets no verdict.
UPSIDE_DOWN_SHARE = 0.4


def upright_share(mask: np.ndarray) -> float | None:
    """How much of the ink beyond the x-height band of the text lines lies above it, in a
    page's :func:`ink_mask` (None: no text lines to tell).

    Latin letters reach above the x-height far more than below the baseline (capitals,
    b d f h k l t, accents and the rings and dots of å ä ö against g j p q y): upright text
    gives 0.6-0.8, text turned by 180° the mirror of that. Each text line is a run of inked
    rows; its x-height band the rows with at least half its densest row's ink. A skewed page
    smears the band and comes out near 0.5, as do capitals only: no verdict either way."""
    rows = mask.sum(axis=1, dtype=np.int64)
    inked = np.concatenate(([0], (rows > 0).astype(np.int8), [0]))
    edges = np.diff(inked)
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    above = below = 0
    for start, end in zip(starts, ends):
        line = rows[start:end]
        if len(line) < 4:
            continue
        band = np.flatnonzero(line >= line.max() / 2)
        above += int(line[: band[0]].sum())
        below += int(line[band[-1] + 1 :].sum())
    if above + below == 0:
        return None
    return above / (above + below)


def looks_upside_down(mask: np.ndarray) -> bool:
    """Whether a page's text is turned by 180° (:func:`upright_share`): cheap evidence that
    decides whether Tesseract's orientation detection runs before the first reading,
    instead of after a first reading of garbage."""
    if mask.sum() < 50:
        return False
    share = upright_share(mask)
    return share is not None and share < UPSIDE_DOWN_SHARE


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
    upside_down: bool = False  # text lines across the page, but turned by 180°


def page_evidence(grey: np.ndarray, dpi: int) -> PageEvidence:
    small = downscaled(grey, dpi)
    mask = ink_mask(small)
    sideways = looks_sideways(mask)
    skew = 0.0 if sideways else estimate_skew(grey, dpi, mask=mask)
    paper = paper_evidence(small, mask)
    upside_down = not sideways and not paper.speckled and looks_upside_down(mask)
    return PageEvidence(sideways=sideways, skew=skew, paper=paper, upside_down=upside_down)


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

    histogram = np.bincount(normalised.ravel(), minlength=256)
    otsu, _ = cv2.threshold(normalised, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    if np.count_nonzero(histogram) < 3:
        return int(otsu), False  # a 1-bit page (a photocopy) has no third class to find
    ink_level, paper_level = (int(t) for t in _three_class_thresholds(histogram))
    ink = (normalised <= ink_level).astype(np.uint8)
    middle = (normalised > ink_level) & (normalised <= paper_level)
    reach = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
    near_ink = cv2.dilate(ink, reach, iterations=2).astype(bool)
    apart = int(np.count_nonzero(middle & ~near_ink))
    shows_through = apart > SHOW_THROUGH_SHARE * max(1, int(ink.sum()))
    if shows_through and ink_level < INK_SPLIT_SHARE * otsu:
        # The three classes split the ink itself (its dark core from its edges), not the
        # ink from the show-through, which lies above the two-class threshold all the same:
        # the lower threshold would cut hairlines, rings and tails ("år" read as "ar").
        return int(otsu), shows_through
    return (ink_level if shows_through else int(otsu)), shows_through


def _three_class_thresholds(histogram: np.ndarray) -> np.ndarray:
    """scikit-image's ``threshold_multiotsu(hist=histogram, classes=3)`` (the two grey levels
    that split ink, show-through and paper). Its compiled search is called directly when
    this scikit-image has it: the public function's module imports scipy.ndimage, about
    0.3 s of CPU per process (measured with bench/bench_scans.py), for a 256-bin search
    that takes well under a millisecond. The same arguments and steps as the public
    function, so the same thresholds."""
    try:
        from skimage.filters._multiotsu import _get_multiotsu_thresh_indices_lut
    except ImportError:  # a scikit-image that moved its private search: the public function
        from skimage.filters import threshold_multiotsu

        return threshold_multiotsu(hist=histogram, classes=3)
    # What threshold_multiotsu does with a histogram: trim the empty bins at both ends,
    # the counts as float32 (a given histogram is not normalised), two thresholds (three
    # classes) as bin indices.
    filled = np.flatnonzero(histogram)
    start, end = int(filled[0]), int(filled[-1]) + 1
    prob = histogram[start:end].astype("float32")
    if np.count_nonzero(prob) == 3:
        return np.flatnonzero(prob)[:-1] + start
    return np.asarray(_get_multiotsu_thresh_indices_lut(prob, 2)) + start


# A page shows through when its grey pixels away from the ink number more than this share
# of its ink pixels.
SHOW_THROUGH_SHARE = 0.1
# The three-class threshold is kept only when it lies at least this share of the way from
# black to the two-class (Otsu) threshold. On dusty pages with show-through it fell to
# 14-77 against Otsu's 135-156 on a third of them (the darkest pixels of the letters
# only), and those pages read at 11-27 % WER with it, 0-13 % with Otsu's; where it lay at
# 0.55-0.7 of Otsu's, neither was better throughout.
INK_SPLIT_SHARE = 0.5


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
# The baseline (the feet of letters without a descender) marks the place of a full stop
# up to this many letter heights on: past a letter with a descender, whose own foot is
# below the line. The point must still lie within MARK_AFTER of a letter before it.
BASELINE_REACH = 1.5


@dataclass(frozen=True)
class MarkZones:
    """Where a small mark may belong to a letter, as three 0/1 images (see
    :func:`where_marks_go`): just ``above`` letters (the dots of "ä", "ö", "i", the ring of
    "å"), just after them level with their ``foot`` (full stops, commas) or their ``head``
    (closing quotes, apostrophes)."""

    above: np.ndarray
    foot: np.ndarray
    head: np.ndarray

    def union(self) -> np.ndarray:
        return self.above | self.foot | self.head


def where_marks_go(labels: np.ndarray, stats: np.ndarray, letter: np.ndarray, scale: TextScale) -> MarkZones:
    """Where a small mark may belong to a letter: just above it, or just after it level with
    the letter's foot or its head. A speck left of a letter, below it, or after it at
    mid-height belongs to none. ``letter``: per component label, whether it is a letter
    (not small).
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
    # The feet of letters without a descender are the line's baseline: it reaches past a
    # "g", "p" or "y" (whose own foot lies below the line) to the point or comma after it.
    heights = bottoms - tops
    on_line = at_foot & (heights <= DESCENDER_HEIGHT * scale.letter_height)
    baseline = np.zeros_like(letters)
    baseline[rows[on_line], columns[on_line]] = 1
    past = max(1, round(BASELINE_REACH * scale.letter_height))
    along = np.ones((2 * slack + 1, past + slack + 1), np.uint8)
    # cv2.dilate: out(x, y) = max of image(x + i - anchor_x, y + j - anchor_y) over the
    # kernel's (i, j); an anchor at the kernel's top reaches down to the letter below
    # (so the place above a letter is marked), one at its right end reaches left.
    above = np.ones((up + slack + 1, 2 * slack + 1), np.uint8)
    after = np.ones((2 * slack + 1, right + slack + 1), np.uint8)
    return MarkZones(
        above=cv2.dilate(letters, above, anchor=(slack, slack)).astype(bool),
        foot=(cv2.dilate(foot, after, anchor=(right, slack)) | cv2.dilate(baseline, along, anchor=(past, slack))).astype(bool),
        head=cv2.dilate(head, after, anchor=(right, slack)).astype(bool),
    )


# How a mark looks where it belongs, in stroke widths (sw) and letter heights (lh): the two
# dots of "ä" and "ö" lie side by side at one height (centres within 1 sw vertically, at
# most PAIR_REACH lh apart, sizes within a factor MARK_SIZE_RATIO); a ring or accent split
# by the threshold into arcs lies stacked (centres within 1 sw across, STACK_REACH sw
# apart); a ring or accent in one piece is flat and wide (RING_WIDTH sw or more) over the
# middle of its letter; the dot of "i" and "j" stands over a stem no wider than STEM_WIDTH
# sw (SERIF_STEM_WIDTH with serifs, when ink runs straight down under the dot). A full
# stop or comma follows its letter's foot (where_marks_go's reach) at least STOP_GAP sw
# after it, its foot between FOOT_RISE sw above the letter's foot and STOP_DROP sw below
# it (a full stop sits on the line), FOOT_DROP sw for a comma (at least COMMA_ELONGATION
# times as high as wide: its tail reaches below the line); and a word space follows it
# (no letter within SPACE_AFTER sw) or it sits no nearer the next letter than its own
# ("9.00", "t.ex."). Measured on 24 fresh dusty pages (tools/fresh_degraded.py, seeds 8
# and 9, speckle and dense; the marks compared with the pages before the dust): the gap
# and the drop of the full stop took 229 of the 391 specks kept as full stops (not
# counting specks of a pixel or two, which Tesseract ignores) and 5 of 281 real ones
# (some of them dust on a real point); the speckle fixtures 7.7 -> 7.0 % WER, fresh
# speckle pages (seed 8) 8.9 -> 8.2 %, dense 21.2 -> 19.8 %. A printed point sits on the
# line within a pixel or so (on fresh speckle pages, seeds 13 and 14, 0 px from its
# letter's foot but for commas; the dust kept as points lay anywhere from 6 px above to
# 8 px below): FOOT_RISE and STOP_DROP of 0.35 sw instead of 0.7 took a further 9 of the
# 56 specks kept as points there and no real point; the dev pages' WER 6.2 -> 6.0 %
# (seed 14), the speckle fixtures' odling 3.4 -> 2.0 %.
# A quote or apostrophe at head level is taller than wide (QUOTE_ELONGATION). Dust is
# round and lies anywhere: a speck in a mark's place that shows none of this is dust.
PAIR_REACH = 1.0
MARK_SIZE_RATIO = 3.0
STACK_REACH = 2.5
RING_WIDTH = 1.8
STEM_WIDTH = 2.6
SERIF_STEM_WIDTH = 4.5
DESCENDER_HEIGHT = 1.15
FOOT_RISE = 0.35
FOOT_DROP = 2.5
STOP_DROP = 0.35
COMMA_ELONGATION = 1.2
STOP_GAP = 0.5
SPACE_AFTER = 2.0
QUOTE_ELONGATION = 1.4
# A ring (of "å") or an accent in one piece is no filled disc: measured on fresh speckle
# pages (tools/fresh_degraded.py, seeds 13 and 14, against the pages before the dust),
# 33 of the 166 specks kept in a diacritic's place were round discs of dust taken for
# rings, filling 0.75-0.84 of their box; the 136 rings filled 0.53-0.63 (their hole).
# Round (BLOT_ROUNDNESS) and filling at least DISC_FILL of its box is a disc. A blot as
# large as a letter over its letter's middle is the ring whose hole closed in small or
# blurred type (rings_among_blots): there a disc is no evidence of dust.
DISC_FILL = 0.74


def marks_by_evidence(
    labels: np.ndarray, stats: np.ndarray, candidates: np.ndarray, letter: np.ndarray, zones: MarkZones, scale: TextScale,
    discs_are_dust: bool = True,
) -> np.ndarray:
    """Per component label, whether a small component in a mark's place (``candidates``)
    looks like the mark that goes there (see the constants above), from the geometry of
    the components around it. A speck that merely lies in a mark's place is read by
    Tesseract as a full stop, an apostrophe or the dots of an "ä"; a real mark has a
    partner, a stem, or a word space after it. ``discs_are_dust``: a filled disc is no ring
    (see DISC_FILL); False for blots as large as a letter (rings_among_blots)."""
    cv2 = _cv2()

    count = stats.shape[0]
    small_pixels = candidates[labels]

    def touching(zone: np.ndarray) -> np.ndarray:
        return np.bincount(labels[zone & small_pixels], minlength=count) > 0

    above, foot, head = touching(zones.above), touching(zones.foot), touching(zones.head)
    sw, lh = max(1.0, scale.stroke_width), max(1.0, scale.letter_height)
    letters = letter[labels]
    left, top = stats[:, cv2.CC_STAT_LEFT], stats[:, cv2.CC_STAT_TOP]
    width, height, area = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT], stats[:, cv2.CC_STAT_AREA]
    centre_x, centre_y = left + width / 2, top + height / 2
    keep = np.zeros(count, dtype=bool)
    for i in np.nonzero(candidates & above)[0]:
        keep[i] = _diacritic_evidence(
            i, labels, letters, candidates & above, stats, centre_x, centre_y, area, sw, lh, discs_are_dust
        )
    for i in np.nonzero(candidates & foot & ~keep)[0]:
        keep[i] = _full_stop_evidence(i, labels, letters, stats, sw, lh)
    elongated = height >= QUOTE_ELONGATION * width
    keep |= candidates & head & elongated
    return keep


def _diacritic_evidence(i, labels, letters, marks, stats, centre_x, centre_y, area, sw, lh, discs_are_dust=True) -> bool:
    cv2 = _cv2()

    x, y, w, h = (int(v) for v in stats[i, :4])
    cx, cy = centre_x[i], centre_y[i]
    # A partner: another mark side by side (the dots of ä, ö) or stacked (arcs of a ring).
    y0, y1 = max(0, int(cy - STACK_REACH * sw)), int(cy + STACK_REACH * sw) + 1
    x0, x1 = max(0, int(cx - PAIR_REACH * lh)), int(cx + PAIR_REACH * lh) + 1
    near = np.unique(labels[y0:y1, x0:x1])
    near = near[marks[near] & (near != i)]
    if near.size:
        similar = (area[near] * MARK_SIZE_RATIO >= area[i]) & (area[near] <= area[i] * MARK_SIZE_RATIO)
        side = (np.abs(centre_y[near] - cy) <= sw) & (np.abs(centre_x[near] - cx) >= max(w, 1))
        stacked = (np.abs(centre_x[near] - cx) <= sw) & (np.abs(centre_y[near] - cy) <= STACK_REACH * sw)
        if np.any(similar & (side | stacked)):
            return True
    # The letter under it: the first letter pixel below its centre, within reach.
    column = letters[y + h:y + h + int(MARK_ABOVE * lh + sw) + 1, max(0, int(cx - sw)):int(cx + sw) + 1]
    hits = np.nonzero(column.any(axis=1))[0]
    if hits.size == 0:
        return False
    row = y + h + int(hits[0])
    band = labels[row, max(0, int(cx - sw)):int(cx + sw) + 1]
    below = band[letters[row, max(0, int(cx - sw)):int(cx + sw) + 1]]
    if below.size == 0:
        return False
    j = int(np.bincount(below).argmax())
    letter_left, letter_width = stats[j, cv2.CC_STAT_LEFT], stats[j, cv2.CC_STAT_WIDTH]
    letter_centre = letter_left + letter_width / 2
    over_a_stem = (letter_width <= STEM_WIDTH * sw and abs(cx - letter_centre) <= sw) or (
        letter_width <= SERIF_STEM_WIDTH * sw and _stands_on_a_stem(letters, row, int(cx), lh, sw)
    )
    ring_or_accent = (
        w >= RING_WIDTH * sw and abs(cx - letter_centre) <= letter_width / 4
        and not (discs_are_dust and _filled_disc(stats[i]))
    )
    return bool(over_a_stem or ring_or_accent)


def _filled_disc(stat: np.ndarray) -> bool:
    """Whether a component (its row of cv2.connectedComponentsWithStats) is a round blot
    that fills its box as a disc does: a ring has its hole, an accent is a slanted bar."""
    w, h, area = int(stat[2]), int(stat[3]), int(stat[4])
    return min(w, h) >= BLOT_ROUNDNESS * max(w, h) and area >= DISC_FILL * w * h


def _stands_on_a_stem(letters: np.ndarray, top: int, column: int, lh: float, sw: float) -> bool:
    """Whether the letter below a mark is a stem straight down from ``top`` under it (the
    "i" and "j" of a serif type, wider than a stem by their serifs): ink within half a
    stroke of the mark's centre in (almost) every row of its upper part, where the bowl of
    an "a" or "o" is open."""
    half = max(1, round(sw / 2))
    rows = letters[top:top + max(2, round(0.6 * lh)), max(0, column - half):column + half + 1].any(axis=1)
    return rows.size > 0 and rows.mean() >= 0.85


def _full_stop_evidence(i, labels, letters, stats, sw, lh) -> bool:
    cv2 = _cv2()

    x, y, w, h = (int(v) for v in stats[i, :4])
    bottom = y + h
    # The letter before it: letter pixels in the rows of its foot, as far left as the
    # place of a mark reaches (where_marks_go).
    rows = slice(max(0, int(bottom - 0.5 * lh)), bottom)
    reach = max(0, int(x - MARK_AFTER * lh - sw / 2))
    before = letters[rows, reach:x]
    if not before.any():
        return False
    found = labels[rows, reach:x][before]
    columns = np.nonzero(before)[1]  # in the order of ``found``
    j = int(found[np.argmax(columns)])  # the nearest one
    letter_height = stats[j, cv2.CC_STAT_HEIGHT]
    letter_bottom = stats[j, cv2.CC_STAT_TOP] + letter_height
    drop = (bottom - letter_bottom) / sw
    gap_before = x - (reach + int(columns.max())) - 1
    if gap_before < STOP_GAP * sw:
        return False  # glued to the letter's foot: the printed point keeps its distance
    # A letter with a descender ("g", "p", "j") has its foot below the line: no measure.
    # A comma reaches below the line, a full stop sits on it.
    lowest = FOOT_DROP if h >= COMMA_ELONGATION * w else STOP_DROP
    if letter_height <= DESCENDER_HEIGHT * lh and not (-FOOT_RISE <= drop <= lowest):
        return False
    # A word space after it (no letter within SPACE_AFTER sw to its right on its line), or,
    # between two letters, nearer the one before than the one after: the point of "9.00"
    # and "t.ex." sits in the middle, dust just before a word's first letter does not.
    after = letters[max(0, int(bottom - 0.5 * lh)):bottom, x + w:x + w + int(SPACE_AFTER * sw) + 1]
    if not after.any():
        return True
    gap_after = int(np.nonzero(after.any(axis=0))[0][0])
    return gap_before <= gap_after + sw


# A hyphen is a flat bar (at least HYPHEN_ELONGATION times as wide as high, no higher than
# HYPHEN_HEIGHT stroke widths) level with the letters beside it, within HYPHEN_REACH letter
# heights: the hyphen at a line's end ("brevlå-"), in a compound ("Lars-Erik") or a
# number ("08-555"). Dust is round; a hyphen taken for dust splits the word in two.
HYPHEN_ELONGATION = 1.8
HYPHEN_HEIGHT = 2.0
HYPHEN_REACH = 0.5


def hyphens_by_evidence(
    labels: np.ndarray, stats: np.ndarray, candidates: np.ndarray, letters: np.ndarray, scale: TextScale
) -> np.ndarray:
    """Per component label, whether a small component (``candidates``) is a hyphen: flat,
    at most a few strokes high, with a letter (``letters``: 0/1 image of the letters)
    beside it in its own rows, before or after it."""
    cv2 = _cv2()

    width, height = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    flat = candidates & (width >= HYPHEN_ELONGATION * height) & (height <= HYPHEN_HEIGHT * max(1.0, scale.stroke_width))
    reach = max(1, round(HYPHEN_REACH * scale.letter_height))
    found = np.zeros(stats.shape[0], dtype=bool)
    for i in np.nonzero(flat)[0]:
        x, y, w, h = (int(v) for v in stats[i, :4])
        rows = letters[y:y + h]
        before = rows[:, max(0, x - reach):x]
        after = rows[:, x + w:x + w + reach]
        # Level with a letter: the letter has ink in every row of the bar.
        found[i] = bool(before.any(axis=1).all() or after.any(axis=1).all())
    return found


# A blot of dust or toner as large as a letter is a filled round disc: about as wide as
# high (BLOT_ROUNDNESS), filling at least BLOT_FILL of its box (a disc fills 0.79) and
# BLOT_SOLIDITY of its convex hull. No letter is that: regular type fills at most 0.55 of
# its box, and the fullest bold letters ("B", "N", "m" of DejaVu Sans Bold: 0.73-0.77)
# have notches that leave 0.78-0.91 of their hull. A bullet is such a disc too: one that
# is the first ink in its rows, with a letter after it that spans all of its rows, stays.
BLOT_ROUNDNESS = 0.75
BLOT_FILL = 0.7
BLOT_SOLIDITY = 0.93
BULLET_REACH = 2.0


def solid_blots(labels: np.ndarray, stats: np.ndarray, letter: np.ndarray, letter_height: float) -> np.ndarray:
    """Per component label, whether a letter-sized component (``letter``) is a round blot
    of dust (see BLOT_FILL), not a letter or a bullet before a line's text."""
    cv2 = _cv2()

    width, height, area = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT], stats[:, cv2.CC_STAT_AREA]
    longer, shorter = np.maximum(width, height), np.minimum(width, height)
    candidates = letter & (longer < letter_height) & (shorter >= BLOT_ROUNDNESS * longer) & (area >= BLOT_FILL * width * height)
    found = np.zeros(stats.shape[0], dtype=bool)
    if not candidates.any():
        return found
    others = (letter & ~candidates)[labels]
    reach = max(1, round(BULLET_REACH * letter_height))
    for i in np.nonzero(candidates)[0]:
        x, y, w, h = (int(v) for v in stats[i, :4])
        piece = (labels[y:y + h, x:x + w] == i).astype(np.uint8)
        contours, _ = cv2.findContours(piece, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        hull = cv2.contourArea(cv2.convexHull(max(contours, key=cv2.contourArea)))
        if area[i] < BLOT_SOLIDITY * hull:
            continue
        found[i] = not _is_bullet(labels, stats, others, i, reach)
    return found


# A component too large for a speck (SPECK_SIZE) but smaller than LONE_SIZE letter heights
# both ways is no letter of its own (the smallest, "a", "e", "o", "s", stand a full letter
# height): a mark, or two or three specks run together. With no letter within LONE_REACH
# letter heights it belongs to no word (a mark sits by its letter): dust, unless a bullet
# (_is_bullet: the first ink in its rows, a letter after it). Measured on fresh speckle pages (tools/fresh_degraded.py, seeds 13
# and 14, against the pages before the dust): 66 of the 267 specks left apart from the
# letters were such clusters; Tesseract's own WER on the despeckled pages 13.6 -> 12.7 %.
LONE_SIZE = 0.75
LONE_REACH = 1.5


def lone_specks(labels: np.ndarray, stats: np.ndarray, letter: np.ndarray, letter_height: float) -> np.ndarray:
    """Per component label, whether a letter-sized component (``letter``) smaller than
    a letter (LONE_SIZE) lies far from every letter (LONE_REACH): specks run together."""
    cv2 = _cv2()

    width, height = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    lesser = letter & (np.maximum(width, height) < LONE_SIZE * letter_height)
    found = np.zeros(stats.shape[0], dtype=bool)
    if not lesser.any():
        return found
    reach = max(1, round(LONE_REACH * letter_height))
    letters = (letter & ~lesser)[labels]
    near = cv2.dilate(letters.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_RECT, (2 * reach + 1, 2 * reach + 1)))
    bullet_reach = max(1, round(BULLET_REACH * letter_height))
    for i in np.nonzero(lesser)[0]:
        x, y, w, h = (int(v) for v in stats[i, :4])
        found[i] = not near[y:y + h, x:x + w].any() and not _is_bullet(labels, stats, letters, i, bullet_reach)
    return found


def _is_bullet(labels: np.ndarray, stats: np.ndarray, others: np.ndarray, i: int, reach: int) -> bool:
    """Whether component ``i`` is the first ink in its rows with a letter after it that
    spans all of its rows (``others``: 0/1 image of the other letters)."""
    x, y, w, h = (int(v) for v in stats[i, :4])
    if others[y:y + h, :x].any():
        return False
    window = others[y:y + h, x + w:x + w + reach]
    after = np.unique(labels[y:y + h, x + w:x + w + reach][window])
    tops, heights = stats[after, 1], stats[after, 3]
    return bool(np.any((tops <= y) & (tops + heights >= y + h)))


@dataclass(frozen=True)
class Cleaning:
    """What :func:`remove_specks_and_show_through` did, for the page record."""

    shows_through: bool
    specks_removed: int
    letter_height: float
    stroke_width: float
    specks_left_per_letter: float = 0.0  # estimated, see specks_left_on_text
    blots_on_letters: int = 0  # blots stuck to letters and cut off them (blots_on_letters)


def remove_specks_and_show_through(normalised: np.ndarray) -> tuple[np.ndarray, Cleaning]:
    """A background-normalised page as black ink on white paper, without the reverse side's
    text showing through (:func:`ink_threshold`) and without the specks of dust and toner
    that lie apart from the letters (sizes and distances relative to the page's own
    letters, :class:`TextScale`, so the same rule holds at any type size and resolution).

    Full stops, commas and the dots of "å", "ä", "ö" and "i" sit close to their letters
    and look like marks (:func:`marks_by_evidence`): they stay; a speck touching a letter
    stays too (it is one component with it).
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
    blots = solid_blots(labels, stats, letter, height)
    lone = lone_specks(labels, stats, letter, height)
    letter &= ~(blots | lone)
    letters = letter[labels].astype(np.uint8)
    scale = TextScale(height, stroke_width(letters))
    zones = where_marks_go(labels, stats, letter, scale)
    near_letters = zones.union()
    beside_a_letter = np.bincount(labels[near_letters & small[labels]], minlength=count) > 0
    marks = marks_by_evidence(labels, stats, small & beside_a_letter, letter, zones, scale)
    marks |= hyphens_by_evidence(labels, stats, small & ~marks, letters, scale)
    rings = rings_among_blots(labels, stats, blots, letter, zones, scale)
    marks |= rings
    specks = (small & ~marks) | (blots & ~rings) | lone
    kept = ink.astype(bool) & ~specks[labels]
    on_letters, cut = blots_on_letters(kept.astype(np.uint8), scale.letter_height, labels, stats)
    kept &= ~(on_letters & ~marks[labels])
    cleaned = np.where(kept, 0, 255).astype(np.uint8)
    left = specks_left_on_text(labels, specks, letters, near_letters, limit) / max(1, int(letter.sum()))
    return cleaned, Cleaning(
        shows_through, int(specks.sum()), scale.letter_height, round(scale.stroke_width, 2), round(left, 3), cut
    )


# A blot stuck to a letter is thicker than any stroke of the page's type: where a disc fits
# whose radius is BLOT_MARGIN pixels more than the half-width of the page's thickest
# strokes (the BLOT_STROKE_PERCENTILE of the half-widths along the middle of its ink,
# so bold headings set the measure on their page),
# round (BLOT_ROUNDNESS) and filled like a disc (BLOT_FILL; a bold "o" is a ring), stuck to
# a letter or free (a blot the size rules kept as a mark or a letter) unless a bullet
# (free: its component is less than BLOT_ATTACHED times the core's area). Where
# two strokes meet, the disc that fits is a little wider than either stroke, not a margin
# wider. Measured with tools/degraded_wer.py and tools/fresh_degraded.py (seeds 8 and 9,
# speckle and dense pages): Tesseract's own WER on the despeckled pages 13.9 -> 12.7 %
# (speckle) and 34.3 -> 29.0 % (dense), the fixtures 11.4 -> 11.2 %.
BLOT_STROKE_PERCENTILE = 99.5
BLOT_MARGIN = 1.0
BLOT_ATTACHED = 2.0


def blots_on_letters(
    ink: np.ndarray, letter_height: float, ink_labels: np.ndarray, ink_stats: np.ndarray
) -> tuple[np.ndarray, int]:
    """The pixels of blots of dust or toner stuck to letters in a 0/1 ink image (one
    component with the letter, so no size rule can tell them apart), and how many blots:
    a morphological opening with a disc wider than the page's strokes keeps only the
    blots (see BLOT_MARGIN). The strokes under a blot go with it; a letter cut in two
    reads better than a letter with a blot on it.

    ``ink_labels``, ``ink_stats``: cv2.connectedComponentsWithStats of an image whose
    components include all of ``ink``'s (the page before whole specks were taken out of
    it: the components left are the same, so the page is not labelled a second time)."""
    cv2 = _cv2()

    none = np.zeros(ink.shape, dtype=bool)
    distance = cv2.distanceTransform(ink, cv2.DIST_L2, 5)
    middle = (distance > 0) & (distance >= cv2.dilate(distance, np.ones((3, 3), np.uint8)))
    if not middle.any():
        return none, 0
    radius = float(np.percentile(distance[middle], BLOT_STROKE_PERCENTILE)) + BLOT_MARGIN
    side = 2 * int(np.ceil(radius)) + 1
    cores = cv2.morphologyEx(ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side)))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(cores, connectivity=8)
    if count < 2:
        return none, 0
    width, height, area = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT], stats[:, cv2.CC_STAT_AREA]
    longer, shorter = np.maximum(width, height), np.minimum(width, height)
    blot = (longer <= letter_height) & (shorter >= BLOT_ROUNDNESS * longer) & (area >= BLOT_FILL * width * height)
    blot[0] = False
    if not blot.any():
        return none, 0
    # A free disc that is the first ink in its rows, with a letter after it, is a bullet.
    reach = max(1, round(BULLET_REACH * letter_height))
    for i in np.nonzero(blot)[0]:
        x, y = int(stats[i, cv2.CC_STAT_LEFT]), int(stats[i, cv2.CC_STAT_TOP])
        holder = int(ink_labels[y:y + height[i], x:x + width[i]][labels[y:y + height[i], x:x + width[i]] == i][0])
        free = ink_stats[holder, cv2.CC_STAT_AREA] < BLOT_ATTACHED * area[i]
        blot[i] = not (free and _is_bullet(ink_labels, ink_stats, ink, holder, reach))
    grown = cv2.dilate(blot[labels].astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    return grown & ink.astype(bool), int(blot.sum())


def rings_among_blots(
    labels: np.ndarray, stats: np.ndarray, blots: np.ndarray, letter: np.ndarray, zones: MarkZones, scale: TextScale
) -> np.ndarray:
    """Per component label, whether a round blot (:func:`solid_blots`) is the ring of an
    "å" in small or blurred type, whose hole has closed: a disc as wide as the letter
    under it, in the place above a letter and centred over it (the evidence of a ring in
    :func:`marks_by_evidence`). Specks at the foot or head of a letter get no such pass."""
    if not blots.any():
        return blots
    nowhere = np.zeros_like(zones.above)
    return marks_by_evidence(labels, stats, blots, letter, MarkZones(zones.above, nowhere, nowhere), scale, discs_are_dust=False)


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


IDENTITY_MATRIX = ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0))


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
    matrix: tuple[tuple[float, float, float], ...] = IDENTITY_MATRIX

    @property
    def is_identity(self) -> bool:
        return self.rotation == 0 and self.skew == 0.0 and self.scale == 1.0

    @functools.cached_property
    def _inverse(self) -> np.ndarray:
        # Inverted once per page, not once per corner of every word (four times per word).
        return np.linalg.inv(np.array(self.matrix, dtype=np.float64))

    def to_original(self, x: float, y: float) -> tuple[float, float]:
        """A point of the OCR image on the page as stored (pixels)."""
        ox, oy, _ = self._inverse @ np.array([x, y, 1.0])
        return float(ox), float(oy)

    def box_to_original(self, x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
        """The smallest upright box on the original page that holds the OCR box's corners."""
        if self.matrix == IDENTITY_MATRIX:
            return float(x0), float(y0), float(x1), float(y1)  # what the matrix gives, without it
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
