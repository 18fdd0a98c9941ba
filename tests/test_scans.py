"""Scans as they really come (issue #11): orientation, deskew, binarisation by evidence, the
quality verdict, retries, and word boxes mapped back to the page as stored. Real Tesseract
on small rendered pages (about a second each)."""

from __future__ import annotations

import hashlib
import json
import random
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont, ImageOps

from nbsclean.extract import ExtractOptions, extract_file
from nbsclean.extract import preprocess
from nbsclean.extract.quality import judge_reading

SERIF = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
LINES = [
    "Styrelsen hälsar alla medlemmar välkomna till årets möte",
    "i Bygdegården. Vi går igenom verksamhetsberättelsen och",
    "väljer ny ordförande efter Göran Sjöström, som lämnar",
    "uppdraget efter nio år. Anmäl dig senast den 11 mars.",
    "Efter mötet bjuder föreningen på kaffe och smörgåstårta.",
    "Ingrid Håkansson visar bilder från sommarens slåtteröl.",
]
WORDS = " ".join(LINES).split()


def page(lines=LINES, size=40, width=2000) -> Image.Image:
    """A small 300 dpi page of Swedish text on white paper."""
    height = 160 + int(size * 1.5) * len(lines)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(SERIF, size)
    for i, line in enumerate(lines):
        draw.text((80, 80 + i * int(size * 1.5)), line, font=font, fill=0)
    image.info["dpi"] = (300, 300)
    return image


def save(image: Image.Image, path, **kwargs):
    image.save(path, dpi=(300, 300), **kwargs)
    return path


def recall(text: str) -> float:
    found = set(text.split())
    return sum(1 for word in WORDS if word in found) / len(WORDS)


def only_page(path):
    document = extract_file(path, ExtractOptions())
    assert len(document.pages) == 1
    return document.pages[0]


# --------------------------------------------------------------------------- orientation


@pytest.mark.parametrize("turn", [90, 180, 270])
def test_a_turned_page_is_read_upright_and_its_rotation_recorded(tmp_path, turn):
    path = save(page().rotate(turn, expand=True), tmp_path / f"turned{turn}.png")
    result = only_page(path)
    assert recall(result.raw_text) > 0.9, result.raw_text
    # PIL turns counter-clockwise; the page must be turned back clockwise by the same.
    assert result.rotation == turn
    assert result.quality["verdict"] == "ok"


def test_an_upright_clean_page_is_read_once_as_it_is(tmp_path):
    result = only_page(save(page(), tmp_path / "clean.png"))
    assert recall(result.raw_text) > 0.9
    assert (result.rotation, result.skew) == (0, 0.0)
    assert result.quality["variant"] == "plain"
    assert result.quality["tried"] == []  # no retry on a good first reading


# --------------------------------------------------------------------------- deskew


@pytest.mark.parametrize("angle", [-4.0, 2.5])
def test_skew_is_estimated_and_removed(tmp_path, angle):
    skewed = page().rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    assert preprocess.estimate_skew(np.asarray(skewed), 300) == pytest.approx(angle, abs=0.3)
    result = only_page(save(skewed, tmp_path / "skewed.png"))
    assert result.skew == pytest.approx(angle, abs=0.3)
    assert recall(result.raw_text) > 0.9


# --------------------------------------------------------------------------- the way back


def test_word_boxes_land_on_their_ink_in_the_original_page(tmp_path):
    """A page turned by 90° and skewed: each word's box, mapped back through the transform,
    must sit where that word's ink is in the stored image."""
    upright = page()
    ink_upright = np.asarray(upright) < 128
    turned = upright.rotate(3.0, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255).rotate(90, expand=True)
    path = save(turned, tmp_path / "turned-skewed.png")
    result = only_page(path)
    assert result.rotation == 90 and result.skew == pytest.approx(3.0, abs=0.3)
    stored = np.asarray(Image.open(path)) < 128
    assert result.words, "the page's words with boxes"
    for word in result.words:
        x0, y0, x1, y1 = (round(v * 300 / 72) for v in (word.x0, word.y0, word.x1, word.y1))
        assert 0 <= x0 < x1 <= stored.shape[1] + 2 and 0 <= y0 < y1 <= stored.shape[0] + 2
        box = stored[y0:y1, x0:x1]
        assert box.mean() > 0.05, f"{word.text}: no ink in its box on the original page"
        assert result.raw_text[word.start : word.end] == word.text
    # The boxes of a turned page are tall, not wide: they follow the original's geometry.
    long_words = [w for w in result.words if len(w.text) >= 8]
    assert all((w.y1 - w.y0) > (w.x1 - w.x0) for w in long_words)
    assert ink_upright.any()


def test_transform_maps_corners_of_a_quarter_turn_exactly():
    grey = np.zeros((100, 200), dtype=np.uint8)  # 200 wide, 100 high
    turned, transform = preprocess.upright_and_straight(grey, 90, 0.0)
    assert turned.shape == (200, 100)
    # Clockwise turn: the original's top-left corner goes to the top-right.
    assert transform.to_original(99, 0) == pytest.approx((0, 0))
    assert transform.to_original(0, 199) == pytest.approx((199, 99))


# --------------------------------------------------------------------------- binarisation


def grey_paper(image: Image.Image, seed: int = 3) -> Image.Image:
    """Uneven grey paper, weak ink: what a global threshold cannot separate."""
    rng = np.random.default_rng(seed)
    clean = np.asarray(image, dtype=np.float32) / 255
    coarse = rng.uniform(150, 225, size=(4, 4)).astype(np.float32)
    paper = np.asarray(Image.fromarray(coarse, mode="F").resize(image.size, Image.Resampling.BICUBIC))
    paper = np.clip(paper, 150, 225)
    ink = paper - 70
    return Image.fromarray(np.clip(ink + (paper - ink) * clean, 0, 255).astype(np.uint8), mode="L")


def test_uneven_grey_paper_is_normalised_by_evidence_and_read(tmp_path):
    path = save(grey_paper(page()), tmp_path / "grey.jpg", quality=30)
    before = path.read_bytes()
    result = only_page(path)
    assert result.quality["variant"] == "normalised"
    assert result.quality["paper_unevenness"] > 20
    assert recall(result.raw_text) > 0.9
    assert path.read_bytes() == before  # preprocessing never modifies the input


# --------------------------------------------------------------------------- specks, show-through

REVERSE_LINES = [
    "Kommunens kulturnämnd delar ut stipendier till unga",
    "konstnärer och musiker. Ansökan ska vara inne senast",
    "den 30 april och skickas till kulturförvaltningen.",
    "Stipendiet är på 15 000 kronor och delas ut i juni.",
    "Frågor besvaras av kultursekreteraren på telefon.",
    "Välkommen med din ansökan, vi ser fram emot den!",
]


def speckled_with_show_through(seed: int = 11, specks: int = 700) -> Image.Image:
    """A page as a dusty copy of a sheet printed on both sides: the reverse side's text
    mirrored, blurred and faint, dust specks of 1-3 px radius everywhere, the whole
    scanned (slightly blurred)."""
    from PIL import ImageFilter, ImageOps

    front = page()
    back = ImageOps.mirror(page(REVERSE_LINES).resize(front.size)).filter(ImageFilter.GaussianBlur(2))
    shown = 255 - (255 - np.asarray(back, dtype=np.float32)) * 0.3
    sheet = Image.fromarray(np.minimum(np.asarray(front, dtype=np.float32), shown).astype(np.uint8), mode="L")
    draw = ImageDraw.Draw(sheet)
    rng = random.Random(seed)
    for _ in range(specks):
        x, y, r = rng.randrange(sheet.width), rng.randrange(sheet.height), rng.choice((1, 2, 2, 3))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=rng.randrange(0, 90))
    return sheet.filter(ImageFilter.GaussianBlur(0.8)).point(lambda v: 30 + v * 210 // 255)


def test_specks_and_show_through_go_and_the_marks_of_letters_stay():
    """The cleaned page keeps every dot of "ä", "ö", "i" and every full stop of the clean
    page, and loses the reverse side's text and most of the specks."""
    cv2 = preprocess._cv2()
    clean_ink = (np.asarray(page()) < 128).astype(np.uint8)
    grey = np.asarray(speckled_with_show_through())
    cleaned, cleaning = preprocess.remove_specks_and_show_through(preprocess.normalise_background(grey, 300))
    assert cleaning.shows_through
    assert 15 < cleaning.letter_height < 40 and 2 < cleaning.stroke_width < 8
    count, labels, stats, _ = cv2.connectedComponentsWithStats(clean_ink, connectivity=8)
    marks = [i for i in range(1, count) if stats[i, cv2.CC_STAT_HEIGHT] < 12 and stats[i, cv2.CC_STAT_WIDTH] < 12]
    assert len(marks) > 30  # the dots of ä, ö, i and the full stops
    kept = [i for i in marks if (cleaned[labels == i] == 0).mean() > 0.5]
    # All but one: the "i" of "visa" touches its "s" after the blur, one component with it,
    # so no stem of its own shows under its dot.
    assert len(kept) >= len(marks) - 1
    # Away from the front's text (more than a letter's height from any of its ink) the
    # cleaned page is paper: show-through and the specks there are gone.
    far = cv2.dilate(clean_ink, np.ones((61, 61), np.uint8)) == 0
    assert (cleaned[far] == 0).mean() < 0.001
    assert ((np.asarray(grey) < 200) & far).mean() > 0.01  # there was plenty to remove


def test_specks_in_the_places_of_marks_go_unless_they_look_like_marks():
    """A speck that lies where a mark could go (above a letter, after it at foot or head
    level) stays only with a mark's evidence: a partner dot, a stem under it, a word space
    after it, a quote's shape. Specks left off the front's text: 31 with the places alone."""
    cv2 = preprocess._cv2()
    clean_ink = (np.asarray(page()) < 128).astype(np.uint8)
    grey = np.asarray(speckled_with_show_through())
    cleaned, _ = preprocess.remove_specks_and_show_through(preprocess.normalise_background(grey, 300))
    count, labels, _, _ = cv2.connectedComponentsWithStats((cleaned == 0).astype(np.uint8), connectivity=8)
    on_text = np.bincount(labels[cv2.dilate(clean_ink, np.ones((3, 3), np.uint8)) > 0], minlength=count) > 0
    assert np.count_nonzero(~on_text[1:]) < 20


def test_points_inside_numbers_and_abbreviations_stay():
    """The point of "9.00" and "t.ex." has a letter right after it, but sits no nearer
    that letter than its own: it is a mark, not dust before a word."""
    cv2 = preprocess._cv2()
    lines = ["Mötet börjar kl. 9.00 och slutar 12.30, t.ex. i aulan.", "Anmälan senast 24.5 till Åsa."]
    clean = page(lines)
    clean_ink = (np.asarray(clean) < 128).astype(np.uint8)
    cleaned, _ = preprocess.remove_specks_and_show_through(preprocess.normalise_background(np.asarray(clean), 300))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(clean_ink, connectivity=8)
    marks = [i for i in range(1, count) if stats[i, cv2.CC_STAT_HEIGHT] < 12 and stats[i, cv2.CC_STAT_WIDTH] < 12]
    assert len(marks) >= 12
    lost = [tuple(stats[i, :2]) for i in marks if (cleaned[labels == i] == 0).mean() <= 0.5]
    assert lost == []


def test_hyphens_stay_and_round_specks_beside_letters_go():
    """A hyphen is small, like dust, and lies at mid-height where no other mark goes; it
    is flat and level with its letters: kept (a hyphen lost splits "brevlå-dan" in two).
    A round speck of the same ink at the same place goes."""
    cv2 = preprocess._cv2()
    lines = ["Lars-Erik ringer 08-555 12 om brev-", "lådan och Karl-Gustav svarar."]
    clean = page(lines)
    clean_ink = (np.asarray(clean) < 128).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(clean_ink, connectivity=8)
    width, height = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    hyphens = [i for i in range(1, count) if width[i] >= 2 * height[i] and height[i] < 8]
    assert len(hyphens) == 4
    dusty = clean.copy()
    draw = ImageDraw.Draw(dusty)
    specks = []
    for i in hyphens:  # a round speck as high as the hyphen after each line's last letter
        y = int(stats[i, 1] + height[i] / 2)
        x = int(np.nonzero(clean_ink[y - 10:y + 10].any(axis=0))[0].max()) + 8
        draw.ellipse((x - 3, y - 3, x + 3, y + 3), fill=0)
        specks.append((y, x))
    cleaned, _ = preprocess.remove_specks_and_show_through(preprocess.normalise_background(np.asarray(dusty), 300))
    assert all((cleaned[labels == i] == 0).mean() > 0.5 for i in hyphens)
    assert all(cleaned[y, x] == 255 for y, x in specks)


def test_the_show_through_threshold_does_not_split_the_ink_itself():
    """Letters with a dark core and grey edges, and the reverse side's text showing through
    between them: three grey classes split the ink (core against edges) rather than the ink
    from the show-through. The threshold keeps the letters whole and the show-through out."""
    cv2 = preprocess._cv2()
    letters = np.asarray(page()) < 128
    core = cv2.erode(letters.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    reverse = np.asarray(ImageOps.mirror(page(LINES[::-1]))) < 128
    reverse &= ~cv2.dilate(letters.astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool)
    normalised = np.full(letters.shape, 255, np.uint8)
    normalised[reverse] = 215
    normalised[letters] = 110
    normalised[core] = 5
    threshold, shows_through = preprocess.ink_threshold(normalised)
    assert shows_through
    assert (normalised <= threshold)[letters].all()
    assert not (normalised <= threshold)[reverse].any()


def test_round_blots_as_large_as_letters_go_and_bold_letters_and_bullets_stay():
    """Dust or toner blots as large as a letter are filled discs: removed. Bold letters as
    full as a disc have notches (B, N, m), and a bullet before a line's text stays."""
    cv2 = preprocess._cv2()
    lines = ["Styrelsen hälsar alla medlemmar", "BANNMAN mumma NUMMER BOMB", "anmäl dig senast i mars"]
    height = 160 + 60 * len(lines)
    clean = Image.new("L", (2000, height), 255)
    draw = ImageDraw.Draw(clean)
    bold = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf", 40)
    for i, line in enumerate(lines):
        draw.text((140, 80 + i * 60), line, font=ImageFont.truetype(SERIF, 40) if i != 1 else bold, fill=0)
    # A bullet before the third line, level with its first letter ("a").
    first = np.nonzero((np.asarray(clean)[80 + 2 * 60:, 140:160] < 128).any(axis=1))[0] + 80 + 2 * 60
    middle = int(first.min() + first.max()) // 2
    draw.ellipse((80, middle - 8, 96, middle + 8), fill=0)
    clean_ink = (np.asarray(clean) < 128).astype(np.uint8)
    dusty = clean.copy()
    draw = ImageDraw.Draw(dusty)
    blots = [(1500, 95), (1600, 160), (1700, 220), (300, 250)]
    for x, y in blots:
        draw.ellipse((x - 10, y - 10, x + 10, y + 10), fill=0)
    cleaned, _ = preprocess.remove_specks_and_show_through(preprocess.normalise_background(np.asarray(dusty), 300))
    assert all(cleaned[y, x] == 255 for x, y in blots)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(clean_ink, connectivity=8)
    letters = [i for i in range(1, count) if stats[i, cv2.CC_STAT_HEIGHT] >= 15]
    assert all((cleaned[labels == i] == 0).mean() > 0.8 for i in letters)  # the bullet among them


def test_lone_clusters_of_specks_go_and_rings_and_letters_stay():
    """Two or three specks run together are larger than a speck but smaller than a letter:
    far from every letter they are dust. The rings of "å" and the letters stay."""
    cv2 = preprocess._cv2()
    lines = ["Sommarens konsert blir av", "och korvar och bollar säljs", "på gården vid åns strand."]
    clean = page(lines + ["", "", ""], width=2400)
    clean_ink = (np.asarray(clean) < 128).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(clean_ink, connectivity=8)
    width, height = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    rings = [i for i in range(1, count) if 6 <= width[i] < 16 and height[i] < 16 and width[i] >= 0.7 * height[i]
             and stats[i, cv2.CC_STAT_AREA] < 0.7 * width[i] * height[i]]
    assert len(rings) == 3  # the rings of "på", "gården", "åns"
    dusty = clean.copy()
    draw = ImageDraw.Draw(dusty)
    clusters = [(2200, 120), (2250, 300), (1900, 420)]  # in the margins, far from the text
    for x, y in clusters:
        for dx, dy in ((0, 0), (5, 3), (9, 1)):
            draw.ellipse((x + dx - 3, y + dy - 3, x + dx + 3, y + dy + 3), fill=0)
    cleaned, _ = preprocess.remove_specks_and_show_through(preprocess.normalise_background(np.asarray(dusty), 300))
    assert [(x, y) for x, y in clusters if cleaned[y, x + 5] == 0] == []
    assert all((cleaned[labels == i] == 0).mean() > 0.8 for i in rings)
    letters = [i for i in range(1, count) if height[i] >= 20]
    assert all((cleaned[labels == i] == 0).mean() > 0.8 for i in letters)


def test_a_clean_page_shows_no_specks_and_a_dusty_one_does():
    clean = preprocess.page_evidence(np.asarray(page()), 300).paper
    dusty = preprocess.page_evidence(np.asarray(speckled_with_show_through()), 300).paper
    assert clean.specks < 0.02 and not clean.speckled
    assert dusty.speckled


def test_a_speckled_page_is_cleaned_before_its_first_reading(tmp_path):
    path = save(speckled_with_show_through(), tmp_path / "dusty.png")
    result = only_page(path)
    assert result.quality["variant"] == "despeckled"
    assert result.quality["tried"] == []  # one reading: the evidence chose the variant
    assert result.quality["specks"] > preprocess.SPECKLED_RATIO
    assert 0 <= result.quality["specks_left"] < 1
    assert recall(result.raw_text) > 0.85, result.raw_text


def test_a_one_bit_page_is_despeckled_without_a_third_grey_class():
    """A 1-bit photocopy has only ink and paper: no middle class to find (scikit-image's
    multi-level Otsu refuses such a page), the two-class threshold is used."""
    one_bit = np.where(np.asarray(page()) < 128, 0, 255).astype(np.uint8)
    threshold, shows_through = preprocess.ink_threshold(one_bit)
    assert not shows_through and 0 <= threshold < 255
    cleaned, cleaning = preprocess.remove_specks_and_show_through(one_bit)
    assert not cleaning.shows_through
    assert (cleaned == 0).sum() > 0.9 * (one_bit == 0).sum()


def test_a_broken_glyph_photocopy_page_read_poorly_is_retried_not_crashed(tmp_path):
    """A 1-bit page whose first reading is poor is retried despeckled; that retry works on
    two grey levels only (it raised ValueError from threshold_multiotsu before)."""
    broken = np.where(np.asarray(page(size=26)) < 128, 0, 255).astype(np.uint8)
    rng = np.random.default_rng(3)
    holes = rng.random(broken.shape) < 0.25
    broken[holes & (broken == 0)] = 255
    path = save(Image.fromarray(broken).convert("1"), tmp_path / "broken.png")
    result = only_page(path)
    assert result.quality["verdict"] in ("ok", "poor")
    assert result.raw_text.strip()


def test_specks_left_on_the_letters_are_estimated_from_the_open_paper():
    """Twice the dust leaves about twice the specks on the letters; a clean page none."""
    normalise = preprocess.normalise_background
    clean = preprocess.remove_specks_and_show_through(normalise(np.asarray(page()), 300))[1]
    light = preprocess.remove_specks_and_show_through(normalise(np.asarray(speckled_with_show_through(specks=500)), 300))[1]
    heavy = preprocess.remove_specks_and_show_through(normalise(np.asarray(speckled_with_show_through(specks=1500)), 300))[1]
    assert clean.specks_left_per_letter < 0.01
    assert 2 < heavy.specks_left_per_letter / light.specks_left_per_letter < 4.5


# --------------------------------------------------------------------------- the verdict


def test_blank_page_is_not_poor(tmp_path):
    result = only_page(save(Image.new("L", (1200, 900), 250), tmp_path / "blank.png"))
    assert result.raw_text == ""
    assert result.quality["verdict"] == "ok"
    assert result.quality["reasons"] == ["blank page"]


def test_black_page_is_poor_with_its_reason(tmp_path):
    result = only_page(save(Image.new("L", (1200, 900), 5), tmp_path / "black.png"))
    assert result.quality["verdict"] == "poor"
    assert "dark all over" in " ".join(result.quality["reasons"])


def test_noise_page_is_poor(tmp_path):
    rng = np.random.default_rng(7)
    noise = (rng.random((900, 1200)) > 0.5).astype(np.uint8) * 255
    result = only_page(save(Image.fromarray(noise, mode="L"), tmp_path / "noise.png"))
    assert result.quality["verdict"] == "poor"
    assert result.quality["reasons"]


def test_photo_without_text_is_poor_not_silent(tmp_path):
    """A photograph-like page (smooth shapes and gradients, no text) has ink but no text."""
    image = Image.new("L", (1200, 900), 230)
    draw = ImageDraw.Draw(image)
    rng = random.Random(5)
    for _ in range(12):
        x, y, r = rng.randrange(1200), rng.randrange(900), rng.randrange(40, 160)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=rng.randrange(20, 140))
    result = only_page(save(image, tmp_path / "photo.png"))
    assert result.quality["verdict"] == "poor"
    assert any("no text read" in reason or "known" in reason or "confidence" in reason for reason in result.quality["reasons"])


def test_verdict_reasons_from_the_reading_alone():
    known = {"och", "att", "det", "som", "för", "med", "till", "har", "är", "inte"}.__contains__
    good = [(word, 95.0) for word in "och att det som för med till har är inte".split()]
    assert judge_reading(good, ink_pixels=300, ink_share=0.05, paper_level=240, is_known=known).verdict == "ok"
    garbage = [(word, 35.0) for word in "xqz 'anua SUPNF IPIS J3IL jeARB ,; |".split()]
    verdict = judge_reading(garbage, ink_pixels=300, ink_share=0.05, paper_level=240, is_known=known)
    assert verdict.verdict == "poor"
    assert any("confidence" in reason for reason in verdict.reasons)
    nothing = judge_reading([], ink_pixels=5000, ink_share=0.05, paper_level=240, is_known=known)
    assert nothing.verdict == "poor" and "no text read" in nothing.reasons[0]
    # Sure words on a page with many specks left on its letters: poor all the same.
    dusty = judge_reading(good, ink_pixels=300, ink_share=0.05, paper_level=240, is_known=known, specks_left=0.4)
    assert dusty.verdict == "poor" and dusty.specks_on_text and dusty.to_dict()["specks_left"] == 0.4
    swept = judge_reading(good, ink_pixels=300, ink_share=0.05, paper_level=240, is_known=known, specks_left=0.02)
    assert swept.verdict == "ok"


def test_extract_json_and_header_show_the_verdict(tmp_path):
    path = save(Image.new("L", (1200, 900), 5), tmp_path / "black.png")
    run = [sys.executable, "-m", "nbsclean", "extract", str(path)]
    header = subprocess.run(run, capture_output=True, text=True, check=True).stdout.splitlines()[0]
    assert "quality poor" in header
    record = json.loads(subprocess.run(run + ["--json"], capture_output=True, text=True, check=True).stdout)
    page_record = record["pages"][0]
    assert page_record["quality"]["verdict"] == "poor"
    assert {"rotation", "skew"} <= set(page_record)


def test_input_file_is_never_modified(tmp_path):
    path = save(page().rotate(180), tmp_path / "upside-down.png")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    only_page(path)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest


def test_run_counts_poor_pages_in_manifest_and_summary(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    save(Image.new("L", (1200, 900), 5), inputs / "black.png")
    save(Image.new("L", (1200, 900), 250), inputs / "blank.png")
    corpus = tmp_path / "corpus"
    run = subprocess.run(
        [sys.executable, "-m", "nbsclean", "run", str(inputs), "-o", str(corpus)], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    manifest = json.loads((corpus / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["poor_pages"] == 1  # the black page; the blank one is not poor
    assert "pages read poorly (flagged)" in run.stderr


def test_blots_stuck_to_letters_are_cut_off_and_the_letters_stay():
    """A blot of toner on a letter's stroke is one component with the letter: no size rule
    sees it. It is thicker than any stroke of the page, so an opening with a disc wider
    than the strokes finds it; it goes, and the rest of the letters stay."""
    cv2 = preprocess._cv2()
    clean = page()
    clean_ink = (np.asarray(clean) < 128).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(clean_ink, connectivity=8)
    tall = [i for i in range(1, count) if stats[i, cv2.CC_STAT_HEIGHT] >= 25][5:60:6]
    dusty = clean.copy()
    draw = ImageDraw.Draw(dusty)
    blots = []
    for i in tall:  # a blot on the right edge of the letter, half on it, half beside it
        x, y, w, h = (int(v) for v in stats[i, :4])
        row = y + h // 2
        edge = x + int(np.nonzero(clean_ink[row, x:x + w])[0].max())
        draw.ellipse((edge - 4, row - 8, edge + 12, row + 8), fill=0)
        blots.append((edge + 8, row))
    cleaned, cleaning = preprocess.remove_specks_and_show_through(preprocess.normalise_background(np.asarray(dusty), 300))
    assert cleaning.blots_on_letters >= len(blots) - 1
    assert sum(cleaned[y, x] == 255 for x, y in blots) >= len(blots) - 1
    outside = clean_ink.astype(bool) & (cv2.dilate((np.asarray(dusty) < 128).astype(np.uint8) - clean_ink, np.ones((9, 9), np.uint8)) == 0)
    undusted, _ = preprocess.remove_specks_and_show_through(preprocess.normalise_background(np.asarray(clean), 300))
    # The letters away from the blots are as whole as on the page without them.
    assert (cleaned[outside] == 0).sum() >= 0.99 * (undusted[outside] == 0).sum()


def test_the_closed_ring_of_a_small_aa_stays():
    """In small or blurred type the hole of the ring of "å" closes: a filled disc, round
    like a blot of dust as large as a letter, but over the middle of its letter: it stays."""
    cv2 = preprocess._cv2()
    clean = page(["sa va kvall pa tva sma vagar"] * 3)
    clean_ink = (np.asarray(clean) < 128).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(clean_ink, connectivity=8)
    dusty = clean.copy()
    draw = ImageDraw.Draw(dusty)
    rings = []
    for i in range(1, count):
        x, y, w, h = (int(v) for v in stats[i, :4])
        if 18 <= h <= 24 and w >= 16:  # a round x-height letter ("a", "o"): a ring over it
            centre = x + w // 2
            draw.ellipse((centre - 8, y - 19, centre + 8, y - 4), fill=0)
            rings.append((centre, y - 11))
    cleaned, _ = preprocess.remove_specks_and_show_through(preprocess.normalise_background(np.asarray(dusty), 300))
    assert len(rings) >= 6
    assert sum(cleaned[y, x] == 0 for x, y in rings) >= len(rings) - 1


def test_round_specks_below_the_line_are_not_full_stops_and_commas_stay():
    """A printed full stop sits on the line; a comma's tail reaches below it. A round speck
    a word space after a word but well below the line is dust; the real points and
    commas stay."""
    cv2 = preprocess._cv2()
    lines = ["Styrelsen hälsar alla, kom", "välkomna till årets möte", "och bjuder på kaffe."] * 2
    clean = page(lines)
    clean_ink = (np.asarray(clean) < 128).astype(np.uint8)
    dusty = clean.copy()
    draw = ImageDraw.Draw(dusty)
    specks = []
    for number in range(len(lines)):
        top = 80 + number * 60  # page(): line ``number`` starts at y = 80 + 60 * number
        band = clean_ink[top:top + 60]
        last = int(np.nonzero(band.any(axis=0))[0].max())
        foot = top + int(np.nonzero(band[:, last - 8:last + 1].any(axis=1))[0].max())
        if lines[number].endswith("."):
            continue
        # A word space after the line's last letter, its foot 1.5 stroke widths below the line.
        draw.ellipse((last + 10, foot, last + 16, foot + 6), fill=0)
        specks.append((last + 13, foot + 3))
    cleaned, _ = preprocess.remove_specks_and_show_through(preprocess.normalise_background(np.asarray(dusty), 300))
    assert len(specks) == 4 and all(cleaned[y, x] == 255 for x, y in specks)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(clean_ink, connectivity=8)
    marks = [i for i in range(1, count) if stats[i, cv2.CC_STAT_HEIGHT] < 15 and stats[i, cv2.CC_STAT_WIDTH] < 12]
    assert len(marks) >= 20  # the dots of ä, å, ö, the points and the commas
    assert all((cleaned[labels == i] == 0).mean() > 0.5 for i in marks)
