#!/usr/bin/env python3
"""More aligned damaged/clean pairs for learning OCR confusions: running Swedish prose drawn
as scanned pages and read with Tesseract's English model, the way samples/rendered is made.

    python tools/make_training_pairs.py [--pages 12] [--output data/confusion-pairs]

The clean text is Linus Walleij's "Copyright finns inte" (Debian package ``cfi-sv``,
public domain; fetched as ``tools/build_ngrams.py`` fetches it), not a newsletter, so the
pairs teach character confusions (å read as "i" or "4", "rn" for "m", ...) without teaching
the words of any test text. The pages are laid out and degraded by tools/render.py in the
fonts and sizes of samples/rendered. ``tools/learn_confusions.py`` reads the output folder
beside samples/rendered and samples/seeds (``make confusions``); samples/heldout is never
used. Deterministic for a given Tesseract: the text slices and the page noise are seeded.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_ngrams  # noqa: E402
import make_fixtures  # noqa: E402
import render  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "data" / "confusion-pairs"
WORDS_PER_DOCUMENT = 420  # about one page
STYLES = (("serif", 11), ("sans", 10), ("serif", 12), ("sans", 11))


def prose_documents(count: int) -> list[str]:
    """``count`` slices of the book's prose (paragraphs of at least 20 words), spread evenly
    over it, each about one page long."""
    root, _ = build_ngrams.debian_package("cfi-sv")
    pages = sorted(root.glob(build_ngrams.PACKAGES["cfi-sv"][0]))
    paragraphs = [" ".join(b.split()) for b in build_ngrams.html_prose(pages) if len(b.split()) >= 20]
    step = max(1, len(paragraphs) // count)
    documents = []
    for start in range(0, step * count, step):
        chosen, words = [], 0
        for paragraph in paragraphs[start:]:
            chosen.append(paragraph)
            words += len(paragraph.split())
            if words >= WORDS_PER_DOCUMENT:
                break
        documents.append("\n\n".join(chosen) + "\n")
    return documents


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=12, help="documents of about one page (default 12)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    args.output.mkdir(parents=True, exist_ok=True)
    for index, text in enumerate(prose_documents(args.pages)):
        font_key, size = STYLES[index % len(STYLES)]
        case = make_fixtures.RenderCase(f"cfi{index:02d}-{font_key}", make_fixtures.as_fixture_text(text), render.PageStyle(font_key, size))
        make_fixtures.write_ocr_pair(make_fixtures.render_document(case), args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
