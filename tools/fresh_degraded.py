"""Degraded pages of texts that are not fixtures, made with make_fixtures' own degradation
functions, with other fonts, sizes and seeds: a check that what #11 built holds beyond the
fixtures it was developed on (the lead's independent check is made the same way).

    python tools/fresh_degraded.py TEXTS_DIR [--seed N] [--out DIR] [--kinds speckle,dust,...]

TEXTS_DIR holds plain Swedish texts (one ``*.txt`` each, half a page at most) that are not in
samples/ (write new ones: tuning on a text makes it worthless as a check). Every text gets a
page of each kind asked for; the reverse side of a dusty page is the next text. Writes the
pages with expected text to ``--out`` (default build/fresh-degraded/seedN), runs
``nbsclean check`` on them and prints the WER per kind and page with each page's verdict (a
page read worse than 10 % must be flagged poor). Nothing is tuned on these pages; they are
rebuilt on every run. Dev tool, not part of the package.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import make_fixtures as fixtures  # noqa: E402  (tools/ is not a package)
import render  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FONTS = ("dejavu-serif", "liberation-sans", "serif", "sans")
SIZES = (10, 11, 12, 10.5)


def degrade(kind: str, case: fixtures.DegradedCase, image, reverse_text: str, rng):
    """The page as ``kind`` degrades it, with make_fixtures' functions and settings."""
    if kind == "speckle":
        return fixtures.speckle(fixtures.light_scan(fixtures.bleed_through(image, reverse_text, case, rng), rng), rng)
    if kind == "dense":
        return fixtures.speckle(fixtures.light_scan(fixtures.bleed_through(image, reverse_text, case, rng), rng), rng, dots=4000)
    if kind == "light":
        return fixtures.speckle(fixtures.light_scan(fixtures.bleed_through(image, reverse_text, case, rng), rng), rng, dots=800)
    if kind == "dust":
        offset = (rng.randint(-12, 12), rng.randint(-8, 8))
        sheet = fixtures.bleed_through(image, reverse_text, case, rng, strength=(0.3, 0.4), offset=offset)
        return fixtures.salt_and_pepper(fixtures.light_scan(fixtures.speckle(sheet, rng, dots=1500), rng), rng, 0.002)
    if kind == "broken":
        return fixtures.photocopy(image, "broken", rng)
    if kind == "thick":
        return fixtures.photocopy(image, "thick", rng)
    if kind == "skewed":
        angle = rng.choice((-1, 1)) * rng.uniform(1.0, 5.0)
        skewed = image.rotate(angle, resample=fixtures.Image.Resampling.BICUBIC, expand=True, fillcolor=255)
        return fixtures.light_scan(skewed, rng)
    if kind == "grey":
        return fixtures.grey_paper(image, rng)
    if kind == "clean":
        return fixtures.light_scan(image, rng)
    raise SystemExit(f"unknown kind {kind}")


def make_pages(texts: list[Path], kinds: list[str], seed: int, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for index, path in enumerate(texts):
        text = fixtures.as_fixture_text(path.read_text(encoding="utf-8"))
        reverse = fixtures.as_fixture_text(texts[(index + 1) % len(texts)].read_text(encoding="utf-8"))
        for number, kind in enumerate(kinds):
            font = FONTS[(index + number + seed) % len(FONTS)]
            size = SIZES[(index + 2 * number + seed) % len(SIZES)]
            name = f"{kind}-{path.stem}-s{seed}"
            case = fixtures.DegradedCase(kind, f"s{seed}", path.stem, font, size)
            clean, expected = fixtures.draw_one_column(case, text)
            page = degrade(kind, case, clean, reverse, fixtures.case_rng(name, "scan"))
            if page.mode == "1":
                page.save(out / f"{name}.input.png", dpi=(render.DPI, render.DPI))
            else:
                page.quantize(colors=16, method=fixtures.Image.Quantize.MEDIANCUT, dither=fixtures.Image.Dither.NONE).save(
                    out / f"{name}.input.png", bits=4, dpi=(render.DPI, render.DPI))
            (out / f"{name}.expected.txt").write_text(fixtures.as_fixture_text(expected), encoding="utf-8")
            (out / f"{name}.options.json").write_text(
                json.dumps({"ocr": "auto", "lang": "swe", "max_wer": 1.0, "note": f"{font} {size} pt"}), encoding="utf-8")


def verdicts(out: Path, nbsclean: Path) -> dict[str, str]:
    found = {}
    for image in sorted(out.glob("*.input.png")):
        result = subprocess.run([str(nbsclean), "extract", "--json", str(image)], capture_output=True, text=True, check=True)
        found[image.name.removesuffix(".input.png")] = ",".join(p["quality"]["verdict"] for p in json.loads(result.stdout)["pages"])
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("texts", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--kinds", default="speckle,dust,broken")
    parser.add_argument("--no-verdicts", action="store_true", help="skip the per-page verdicts (one more extraction each)")
    args = parser.parse_args(argv)
    out = args.out or ROOT / "build" / "fresh-degraded" / f"seed{args.seed}"
    texts = sorted(args.texts.glob("*.txt"))
    make_pages(texts, args.kinds.split(","), args.seed, out)
    nbsclean = ROOT / ".venv" / "bin" / "nbsclean"
    report = json.loads(subprocess.run([str(nbsclean), "check", str(out), "--json"],
                                       capture_output=True, text=True, check=False).stdout)
    verdict = {} if args.no_verdicts else verdicts(out, nbsclean)
    by_kind: dict[str, list[dict]] = defaultdict(list)
    for case in report["cases"]:
        name = Path(case["name"]).name
        by_kind[name.split("-", 1)[0]].append(case)
        silent = case["wer"] > 0.10 and "poor" not in verdict.get(name, "poor")
        print(f"{name:32} {case['wer']:6.1%}  {verdict.get(name, '')}{'  NOT FLAGGED' if silent else ''}")
    errors = words = 0.0
    for kind, cases in by_kind.items():
        kind_words = sum(case["words"] for case in cases)
        kind_errors = sum(case["wer"] * case["words"] for case in cases)
        errors, words = errors + kind_errors, words + kind_words
        print(f"{kind:10} {len(cases)} pages {kind_errors / kind_words:6.1%}  worst {max(c['wer'] for c in cases):.1%}")
    print(f"{'all':10} {len(report['cases'])} pages {errors / words:6.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
