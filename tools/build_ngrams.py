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
* ``--journal-digital``: the speech transcripts of the Swedish newsreel archive Journal
  Digital (PyPI package ``journal-digital``, about 2.2 M words; licence CC BY-NC 4.0, so
  NON-COMMERCIAL use only). The wheel is fetched with ``pip download`` (no install) into the
  nbsclean cache and read from there; the intertitles (OCR of film frames) are left out.
  Such a model is never written into the packaged ``lexicons/`` (it would go into the wheel):
  by default it goes to a lexicon layer in the cache (``make ngrams-journal``) that
  ``--lexicon``/``NBSCLEAN_LEXICON_DIR`` name, or, with ``--output``, into an archive's own
  lexicon (``arkivet/lexicon/ngrams/sv.ngrams``), where the archive's commands use it.

The model is rebuilt only when its sources change: the fingerprint of the sources (package
version, file hashes, this tool's settings) is kept in the model's header, and a run whose
fingerprint matches the stored one does nothing (``--force`` rebuilds anyway).

    python tools/build_ngrams.py                  # make ngrams
    python tools/build_ngrams.py --text corpus/text --output /tmp/sv.ngrams
    python tools/build_ngrams.py --journal-digital   # make ngrams-journal (non-commercial)
"""

from __future__ import annotations

import argparse
import hashlib
import html.parser
import json
import shutil
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from nbsclean.atomic import write_atomic  # noqa: E402
from nbsclean.repair.lexicon import cache_dir  # noqa: E402
from nbsclean.repair import ngrams as ngram_settings  # noqa: E402
from nbsclean.repair.ngrams import FORMAT, MAGIC, clauses, count_bigrams, model_path, write_model  # noqa: E402

# Debian packages of Swedish prose: (package, the HTML pages inside it, licence).
PACKAGES = {
    "libreoffice-help-sv": ("usr/share/libreoffice/help/sv/**/*.html", "MPL-2.0"),
    "cfi-sv": ("usr/share/doc/cfi-sv/*.html", "public domain"),
}
# Python packages of Swedish running text, used only when asked for (their licences keep them
# out of the packaged model): (pinned version, the files inside the wheel, licence).
JOURNAL_DIGITAL = ("journal-digital", "2025.12.30.2", re.compile(r"journal_digital/corpus/speech/.+\.srt"), "CC-BY-NC-4.0")
SRT_TIMING = re.compile(r"^\d\d:\d\d:\d\d[,.]\d+\s+-->\s")
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


def pypi_wheel(package: str, version: str) -> Path:
    """The wheel of ``package==version``, fetched once with ``pip download`` (no install, no
    dependencies) into the nbsclean cache."""
    store = cache_dir() / "sources" / package
    store.mkdir(parents=True, exist_ok=True)
    name = package.replace("-", "_")
    wheels = sorted(store.glob(f"{name}-{version}-*.whl"))
    if not wheels:
        with tempfile.TemporaryDirectory(dir=store) as scratch:
            command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:", "-d", scratch, f"{package}=={version}"]
            if subprocess.run(command).returncode != 0:
                sys.exit(f"error: could not fetch {package}=={version} from PyPI ({' '.join(command)})")
            for wheel in Path(scratch).glob("*.whl"):
                wheel.replace(store / wheel.name)
        wheels = sorted(store.glob(f"{name}-{version}-*.whl"))
    if not wheels:
        sys.exit(f"error: pip download gave no wheel of {package}=={version}")
    return wheels[-1]


def srt_cues(text: str) -> list[str]:
    """The spoken text of a subtitle file: every cue's lines without its number and timing."""
    cues: list[str] = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n")):
        lines = [line.strip() for line in block.strip().split("\n")]
        lines = [line for line in lines if line and not line.isdigit() and not SRT_TIMING.match(line)]
        if lines:
            cues.append(" ".join(lines))
    return cues


def journal_digital_blocks(wheel: Path, members: re.Pattern) -> tuple[list[str], int]:
    """(the cues of every speech transcript in the wheel, the number of transcripts)."""
    blocks: list[str] = []
    files = 0
    with zipfile.ZipFile(wheel) as archive:
        for name in sorted(archive.namelist()):
            if members.fullmatch(name):
                files += 1
                blocks.extend(srt_cues(archive.read(name).decode("utf-8", errors="replace")))
    return blocks, files


def inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def journal_lexicon_dir() -> Path:
    """The lexicon layer ``--journal-digital`` builds by default: over the packaged lexicon,
    in the nbsclean cache (outside the package)."""
    return cache_dir() / "lexicon-journal-digital"


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
    parser.add_argument("--output", type=Path, help="the model file (default: lexicons/ngrams/sv.ngrams; with --journal-digital a lexicon layer in the cache)")
    parser.add_argument("--text", type=Path, action="append", default=[], help="clean Swedish text (.txt files or folders)")
    parser.add_argument("--without", action="append", default=[], choices=sorted(PACKAGES), help="leave a package out")
    parser.add_argument("--journal-digital", action="store_true", help="add the newsreel transcripts of PyPI's journal-digital (CC BY-NC 4.0: non-commercial use only)")
    parser.add_argument("--force", action="store_true", help="rebuild even when the sources did not change")
    args = parser.parse_args(argv)
    layer = None
    if args.output is None:
        layer = journal_lexicon_dir() if args.journal_digital else None
        args.output = model_path(layer or ROOT / "lexicons")
    if args.journal_digital and inside(args.output, ROOT / "lexicons"):
        sys.exit("error: a model with journal-digital's text (CC BY-NC) must not go into lexicons/, which is packaged; give --output elsewhere")

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
    wheel = None
    if args.journal_digital:
        package, version, members, licence = JOURNAL_DIGITAL
        wheel = pypi_wheel(package, version)
        sha = hashlib.sha256(wheel.read_bytes()).hexdigest()
        sources.setdefault("pypi", {})[package] = {"version": version, "licence": licence, "wheel_sha256": sha, "part": "speech transcripts"}
    extra = text_files(args.text)
    for path in extra:
        sources["text"].append({"name": path.name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest()})
    classes = {name: getattr(ngram_settings, name) for name in ("FREQUENT_CLASS_WORDS", "CLASS_SUFFIX_LETTERS", "CLASS_PRIOR_WEIGHT", "CLASS_MIN_COUNT")}
    settings = {"min_count": MIN_COUNT, "format": FORMAT, "classes": classes, "tool": hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]}
    fingerprint = hashlib.sha256(json.dumps([sources, settings], sort_keys=True).encode()).hexdigest()
    if not args.force and stored_fingerprint(args.output) == fingerprint:
        print(f"{args.output}: up to date with its sources")
        return 0

    blocks = html_prose(pages)
    if wheel is not None:
        spoken, files = journal_digital_blocks(wheel, JOURNAL_DIGITAL[2])
        blocks.extend(spoken)
        sources["pypi"][JOURNAL_DIGITAL[0]]["files"] = files
    for path in extra:
        blocks.append(path.read_text(encoding="utf-8", errors="replace"))
    sequences = [clause for block in blocks for clause in clauses(block)]
    unigrams, bigrams = count_bigrams(sequences)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    header = write_model(args.output, unigrams, bigrams, {**sources, "fingerprint": fingerprint}, min_count=MIN_COUNT)
    if layer is not None:
        write_layer_settings(layer)
    print(
        f"{args.output}: {header['tokens']} words, {header['vocabulary']} forms, {header['stored_bigrams']} bigrams "
        f"(D = {header['discount']:.3f}), {args.output.stat().st_size / 1e6:.1f} MB"
    )
    if layer is not None:
        print(f"a lexicon layer over the packaged lexicon, for NON-COMMERCIAL use (CC BY-NC 4.0): nbsclean COMMAND --lexicon {layer} ...")
    return 0


def write_layer_settings(layer: Path) -> None:
    """``lexicon.toml`` of the cache layer: the packaged lexicon with this model on top."""
    (layer / "domain").mkdir(exist_ok=True)  # a lexicon directory has one (no words of its own here)
    settings = layer / "lexicon.toml"
    text = (
        '# The packaged lexicon with a bigram model that includes journal-digital\'s newsreel\n'
        "# transcripts (CC BY-NC 4.0: non-commercial use only). Made by tools/build_ngrams.py.\n"
        'extends = "packaged"\n'
    )
    if not settings.exists() or settings.read_text(encoding="utf-8") != text:
        write_atomic(settings, text.encode())


if __name__ == "__main__":
    sys.exit(main())
