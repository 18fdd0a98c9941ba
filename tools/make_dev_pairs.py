#!/usr/bin/env python3
"""A development set for tuning the repair's context decisions: real Swedish prose that is
neither in samples/ nor in the packaged bigram model's training text, drawn as pages and
read with Tesseract's English model exactly as samples/rendered is made.

    python tools/make_dev_pairs.py [--pages 16] [--output build/dev-pairs] [--journal-digital]
    python tools/eval_repair.py build/dev-pairs --categories

Sources (each slice is about one page, spread evenly over the source):

* ``gimp``: the Swedish paragraphs of GIMP's Swedish help (Debian package ``gimp-help-sv``,
  GFDL; fetched as ``tools/build_ngrams.py`` fetches its packages). Untranslated English
  paragraphs are left out (a paragraph needs Swedish letters and Swedish function words).
* ``journal`` (``--journal-digital``): the speech transcripts of PyPI's ``journal-digital``
  (CC BY-NC 4.0: non-commercial use; the pairs are written under build/, never committed).
  Do not score the optional journal-digital model on these: it learned from them.

Thresholds are tuned here and checked on samples/rendered and samples/seeds; samples/heldout
stays the final score. Deterministic for a given Tesseract (seeded slices and page noise).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import build_ngrams  # noqa: E402
import make_fixtures  # noqa: E402
import render  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "build" / "dev-pairs"
WORDS_PER_DOCUMENT = 420  # about one page
STYLES = (("serif", 11), ("sans", 10), ("serif", 12), ("sans", 11))
SWEDISH_FUNCTION_WORDS = frozenset("och att det som är en på för med i av till om inte kan du den har".split())
MIN_PARAGRAPH_WORDS = 20


def is_swedish(paragraph: str) -> bool:
    """Swedish prose: holds å, ä or ö, and one word in ten is a Swedish function word."""
    words = re.findall(r"\w+", paragraph.lower())
    if not words or not re.search(r"[åäö]", paragraph.lower()):
        return False
    return sum(w in SWEDISH_FUNCTION_WORDS for w in words) >= len(words) / 10


def gimp_paragraphs() -> list[str]:
    root, _ = build_ngrams.debian_package("gimp-help-sv")
    pages = sorted(root.glob("usr/share/gimp/2.0/help/sv/**/*.html"))
    paragraphs = (" ".join(b.split()) for b in build_ngrams.html_prose(pages))
    return [p for p in paragraphs if len(p.split()) >= MIN_PARAGRAPH_WORDS and is_swedish(p)]


def journal_paragraphs() -> list[str]:
    """One paragraph per newsreel: its spoken cues joined."""
    package, version, members, _ = build_ngrams.JOURNAL_DIGITAL
    wheel = build_ngrams.pypi_wheel(package, version)
    import zipfile

    paragraphs = []
    with zipfile.ZipFile(wheel) as archive:
        for name in sorted(archive.namelist()):
            if members.fullmatch(name):
                cues = build_ngrams.srt_cues(archive.read(name).decode("utf-8", errors="replace"))
                text = " ".join(" ".join(cues).split())
                if len(text.split()) >= MIN_PARAGRAPH_WORDS:
                    paragraphs.append(text)
    return paragraphs


def slices(paragraphs: list[str], count: int) -> list[str]:
    """``count`` documents of about one page, taken at even steps through ``paragraphs``."""
    step = max(1, len(paragraphs) // count)
    documents = []
    for start in range(step // 2, step * count, step):
        chosen, words = [], 0
        for paragraph in paragraphs[start:]:
            taken = paragraph.split()[: WORDS_PER_DOCUMENT - words]
            chosen.append(" ".join(taken))
            words += len(taken)
            if words >= WORDS_PER_DOCUMENT:
                break
        documents.append("\n\n".join(chosen) + "\n")
    return documents


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=16, help="documents per source (default 16)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--journal-digital", action="store_true", help="also journal-digital's transcripts (CC BY-NC 4.0)")
    args = parser.parse_args(argv)
    args.output.mkdir(parents=True, exist_ok=True)
    sources = {"gimp": gimp_paragraphs}
    if args.journal_digital:
        sources["journal"] = journal_paragraphs
    for source, paragraphs in sources.items():
        for index, text in enumerate(slices(paragraphs(), args.pages)):
            font_key, size = STYLES[index % len(STYLES)]
            name = f"{source}{index:02d}-{font_key}"
            if (args.output / f"{name}.input.txt").exists():
                continue
            case = make_fixtures.RenderCase(name, make_fixtures.as_fixture_text(text), render.PageStyle(font_key, size))
            make_fixtures.write_ocr_pair(make_fixtures.render_document(case), args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
