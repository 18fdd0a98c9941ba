#!/usr/bin/env python3
"""Build the Swedish word bigram model (``lexicons/ngrams/sv.ngrams``) from real running text.

Sources:

* LibreOffice's Swedish help (Debian package ``libreoffice-help-sv``, MPL-2.0; about
  700 000 words of edited Swedish prose) and Linus Walleij's book "Copyright finns inte"
  (Debian package ``cfi-sv``, public domain; about 100 000 words of essay prose). Read
  from the installed files, or from the package file, which this tool fetches with
  ``apt-get download`` (no root needed) into the nbsclean cache and unpacks with
  ``dpkg-deb``. Both are HTML; only their prose (headings, paragraphs, list items, table
  cells) is read.
* ``--text PATH`` (repeatable): an archive's own clean text, ``*.txt`` files or folders of
  them (its reviewed corpus output, for example).

The model is rebuilt only when its sources change: the fingerprint of the sources (package
version, file hashes, this tool's settings) is kept in the model's header, and a run whose
fingerprint matches the stored one does nothing (``--force`` rebuilds anyway).

    python tools/build_ngrams.py                  # make ngrams
    python tools/build_ngrams.py --text corpus/text --output /tmp/sv.ngrams
"""

from __future__ import annotations

import argparse
import hashlib
import html.parser
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from nbsclean.repair.lexicon import cache_dir  # noqa: E402
from nbsclean.repair.ngrams import MAGIC, clauses, count_bigrams, model_path, write_model  # noqa: E402

# Debian packages of Swedish prose: (package, the HTML pages inside it, licence).
PACKAGES = {
    "libreoffice-help-sv": ("usr/share/libreoffice/help/sv/**/*.html", "MPL-2.0"),
    "cfi-sv": ("usr/share/doc/cfi-sv/*.html", "public domain"),
}
MIN_COUNT = 1  # every bigram is kept: the model is small enough (see README)
# Elements whose text is prose; everything else (scripts, navigation, code samples) is not.
PROSE_ELEMENTS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "td", "th", "dt", "dd"}
SKIPPED_ELEMENTS = {"script", "style", "pre", "code", "header", "nav", "aside", "noscript"}


class ProseParser(html.parser.HTMLParser):
    """Collects the text of prose elements; every prose tag ends a block (a clause boundary).

    Old HTML leaves ``<p>`` unclosed, so blocks end at the next prose tag, not only at an
    end tag."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self._current: list[str] | None = None
        self._prose_depth = 0
        self._skip_depth = 0

    def _flush(self) -> None:
        if self._current:
            self.blocks.append("".join(self._current))
        self._current = [] if self._prose_depth else None

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED_ELEMENTS:
            self._skip_depth += 1
        elif tag in PROSE_ELEMENTS:
            self._prose_depth += 1
            self._flush()
        elif tag == "br" and self._current is not None:
            self._current.append("\n")

    def handle_endtag(self, tag):
        if tag in SKIPPED_ELEMENTS:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in PROSE_ELEMENTS and self._prose_depth:
            self._prose_depth -= 1
            self._flush()

    def handle_data(self, data):
        if self._current is not None and not self._skip_depth:
            self._current.append(data)

    def close(self) -> None:
        super().close()
        self._prose_depth = 0
        self._flush()


def html_prose(pages: list[Path]) -> list[str]:
    """The prose blocks of HTML pages, in the order given."""
    blocks: list[str] = []
    for page in pages:
        parser = ProseParser()
        parser.feed(page.read_text(encoding="utf-8", errors="replace"))
        parser.close()
        blocks.extend(b for b in parser.blocks if b.strip())
    return blocks


def debian_package(package: str) -> tuple[Path, str]:
    """(the root of ``package``'s files, its version): the installed files when the package
    is installed, else the package file fetched with ``apt-get download`` (no root needed)
    into the nbsclean cache and unpacked there with ``dpkg-deb``."""
    installed = subprocess.run(["dpkg-query", "-W", "-f=${Status} ${Version}", package], capture_output=True, text=True)
    if installed.returncode == 0 and installed.stdout.startswith("install ok installed"):
        return Path("/"), installed.stdout.split()[-1]
    for program in ("apt-get", "dpkg-deb"):
        if shutil.which(program) is None:
            sys.exit(f"error: {program} is needed to fetch {package} (or install it: apt-get install {package})")
    store = cache_dir() / "sources" / package
    store.mkdir(parents=True, exist_ok=True)
    debs = sorted(store.glob(f"{package}_*.deb"))
    if not debs:
        with tempfile.TemporaryDirectory(dir=store) as scratch:
            subprocess.run(["apt-get", "download", "-q", package], cwd=scratch, check=True)
            for deb in Path(scratch).glob("*.deb"):
                deb.replace(store / deb.name)
        debs = sorted(store.glob(f"{package}_*.deb"))
    deb = debs[-1]
    unpacked = store / (deb.stem + ".d")
    if not unpacked.is_dir():
        partial = store / (deb.stem + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        subprocess.run(["dpkg-deb", "-x", str(deb), str(partial)], check=True)
        partial.replace(unpacked)
    version = subprocess.run(["dpkg-deb", "-f", str(deb), "Version"], capture_output=True, text=True, check=True).stdout.strip()
    return unpacked, version


def text_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.rglob("*.txt")) if path.is_dir() else [path])
    return files


def stored_fingerprint(path: Path) -> str | None:
    try:
        with path.open("rb") as f:
            head = f.read(12)
            if head[:8] != MAGIC:
                return None
            length = int.from_bytes(head[8:12], "little")
            return json.loads(f.read(length))["sources"].get("fingerprint")
    except (OSError, ValueError, KeyError):
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", type=Path, default=model_path(ROOT / "lexicons"))
    parser.add_argument("--text", type=Path, action="append", default=[], help="clean Swedish text (.txt files or folders)")
    parser.add_argument("--without", action="append", default=[], choices=sorted(PACKAGES), help="leave a package out")
    parser.add_argument("--force", action="store_true", help="rebuild even when the sources did not change")
    args = parser.parse_args(argv)

    sources: dict = {"packages": {}, "text": []}
    pages: list[Path] = []
    for package, (pattern, licence) in PACKAGES.items():
        if package in args.without:
            continue
        root, version = debian_package(package)
        found = sorted(root.glob(pattern))
        if not found:
            sys.exit(f"error: {package} {version} has no files matching {pattern}")
        pages.extend(found)
        sources["packages"][package] = {"version": version, "licence": licence, "files": len(found)}
    extra = text_files(args.text)
    for path in extra:
        sources["text"].append({"name": path.name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()})
    settings = {"min_count": MIN_COUNT, "tool": hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]}
    fingerprint = hashlib.sha256(json.dumps([sources, settings], sort_keys=True).encode()).hexdigest()
    if not args.force and stored_fingerprint(args.output) == fingerprint:
        print(f"{args.output}: up to date with its sources")
        return 0

    blocks = html_prose(pages)
    for path in extra:
        blocks.append(path.read_text(encoding="utf-8", errors="replace"))
    sequences = [clause for block in blocks for clause in clauses(block)]
    unigrams, bigrams = count_bigrams(sequences)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    header = write_model(args.output, unigrams, bigrams, {**sources, "fingerprint": fingerprint}, min_count=MIN_COUNT)
    print(
        f"{args.output}: {header['tokens']} words, {header['vocabulary']} forms, {header['stored_bigrams']} bigrams "
        f"(D = {header['discount']:.3f}), {args.output.stat().st_size / 1e6:.1f} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
