"""Dusty pages made with other generator settings than the speckle fixtures, to check that
the despeckling and the verdict hold beyond the settings of samples/degraded (issue #11).

    python tools/speckle_variants.py          # writes build/speckle-variants/, runs nbsclean check on it

Five pages of other texts, each with settings of its own: the fixtures' sharp specks; dust
scanned with the sheet (blurred like the ink) and an offset reverse side; light dust with
the scanner's salt and pepper; a dark reverse side; very dense specks. Prints each page's
WER and its verdict (a page read worse than 10 % must be flagged poor). The pages are not
fixtures: nothing is tuned on them, and they are rebuilt on every run.
Dev tool, not part of the package.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_fixtures as fixtures  # noqa: E402  (tools/ is not a package)
import render  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "speckle-variants"


def show_through(image, reverse_text, font_key, size, strength, blur, offset, name):
    """The reverse side's text mirrored, blurred by ``blur`` px, ``strength`` dark, shifted by ``offset``."""
    style = render.PageStyle("sans" if font_key == "serif" else "serif", size + 1, margin_top_px=340)
    lines = render.layout_text(reverse_text, style, fixtures.case_rng(name, "reverse"))
    back = render.draw_page(render.paginate(lines, style.lines_per_page)[0], style)
    back = ImageOps.mirror(back).filter(ImageFilter.GaussianBlur(radius=blur))
    back = back.transform(back.size, Image.Transform.AFFINE, (1, 0, -offset[0], 0, 1, -offset[1]), fillcolor=255)
    back = back.crop((0, 0, image.width, image.height))
    shown = 255 - (255 - np.asarray(back, dtype=np.float32)) * strength
    return Image.fromarray(np.minimum(np.asarray(image, dtype=np.float32), shown).astype(np.uint8), mode="L")


def specks(image, rng, dots, radii=(1, 1, 1, 2, 2, 3), fill=(20, 110), salt=0):
    """Dark dots (2 % of them blots of 4-7 px), and ``salt`` white single pixels."""
    speckled = image.copy()
    draw = ImageDraw.Draw(speckled)
    for _ in range(dots):
        x, y = rng.randrange(speckled.width), rng.randrange(speckled.height)
        radius = rng.choice(radii) if rng.random() > 0.02 else rng.randint(4, 7)
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=rng.randint(*fill))
    for _ in range(salt):
        draw.point((rng.randrange(speckled.width), rng.randrange(speckled.height)), fill=255)
    return speckled


# name: (source, reverse side, font, size, degradation(image, reverse text, rng, name))
VARIANTS = {
    "sharp-odling": ("odling", "pension", "sans", 10, lambda im, rev, rng, n: specks(
        fixtures.light_scan(show_through(im, rev, "sans", 10, rng.uniform(0.22, 0.3), 2.0, (0, 0), n), rng), rng, 2500)),
    "scanned-dust-pension": ("pension", "odling", "serif", 11, lambda im, rev, rng, n: fixtures.light_scan(
        specks(show_through(im, rev, "serif", 11, 0.35, 2.5, (14, -9), n), rng, 1500, fill=(0, 90)), rng)),
    "light-salt-arsmote": ("arsmote", "lanebibliotek", "serif", 11, lambda im, rev, rng, n: specks(
        fixtures.light_scan(show_through(im, rev, "serif", 11, 0.17, 3.0, (-8, 5), n), rng), rng, 700,
        radii=(1, 1, 2), salt=3000)),
    "dark-reverse-lanebibliotek": ("lanebibliotek", "arsmote", "sans", 10, lambda im, rev, rng, n: specks(
        fixtures.light_scan(show_through(im, rev, "sans", 10, 0.45, 1.5, (5, 5), n), rng), rng, 1000)),
    "dense-idrott": ("idrott", "kyrkan", "serif", 12, lambda im, rev, rng, n: specks(
        fixtures.light_scan(show_through(im, rev, "serif", 12, 0.25, 2.0, (0, 0), n), rng), rng, 4000,
        fill=(30, 150))),
}


def make_variants() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, (source, reverse, font_key, size, degrade) in VARIANTS.items():
        case = fixtures.DegradedCase("speckle", "variant", source, font_key, size)
        clean, expected = fixtures.draw_one_column(case, fixtures.degraded_source(source))
        page = degrade(clean, fixtures.degraded_source(reverse), fixtures.case_rng(name, "scan"), name)
        page.save(OUT / f"{name}.input.png", dpi=(300, 300))
        (OUT / f"{name}.expected.txt").write_text(fixtures.as_fixture_text(expected), encoding="utf-8")
        (OUT / f"{name}.options.json").write_text(json.dumps({"ocr": "auto", "lang": "swe", "max_wer": 1.0}), encoding="utf-8")


def verdicts() -> dict[str, str]:
    """Each variant's page verdict, from `nbsclean extract --json`."""
    nbsclean = ROOT / ".venv" / "bin" / "nbsclean"
    found = {}
    for name in VARIANTS:
        result = subprocess.run([str(nbsclean), "extract", "--json", str(OUT / f"{name}.input.png")],
                                capture_output=True, text=True, check=True)
        pages = json.loads(result.stdout)["pages"]
        found[name] = ", ".join(page["quality"]["verdict"] for page in pages)
    return found


def main() -> int:
    make_variants()
    nbsclean = ROOT / ".venv" / "bin" / "nbsclean"
    report = json.loads(subprocess.run([str(nbsclean), "check", str(OUT), "--json"],
                                       capture_output=True, text=True, check=False).stdout)
    verdict = verdicts()
    print("| page | WER | verdict | worse than 10 % and not flagged |")
    print("|---|---|---|---|")
    for case in report["cases"]:
        name = Path(case["name"]).name
        silent = case["wer"] > 0.10 and "poor" not in verdict[name]
        print(f"| {name} | {case['wer']:.1%} | {verdict[name]} | {'YES' if silent else ''} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
