#!/usr/bin/env python3
"""Build the word-class table of hunspell's Swedish dictionary (lexicons/hunspell/sv_SE.classes.marisa).

    python tools/build_word_classes.py            # make word-classes

Every form the dictionary inflects, with the bits of its readings (a neuter noun in the
indefinite singular, a finite verb, ...: nbsclean.repair.wordclasses), read from the
dictionary's sources kept in the repository (``lexicons/hunspell/sv_SE.dic.xz``/``.aff.xz``,
LGPL-3.0, like the forms beside it). Context rules name these classes (``@neuter``) in
``lexicons/context.tsv``. Deterministic: the same sources give the same bytes.
"""

from __future__ import annotations

import lzma
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from nbsclean.repair.wordclasses import CLASSES_FILE, form_readings, write_table  # noqa: E402

SOURCES = ROOT / "lexicons" / "hunspell"
OUTPUT = ROOT / "lexicons" / CLASSES_FILE


def main() -> int:
    dic = lzma.decompress((SOURCES / "sv_SE.dic.xz").read_bytes()).decode("utf-8")
    aff = lzma.decompress((SOURCES / "sv_SE.aff.xz").read_bytes()).decode("utf-8")
    readings = form_readings(dic, aff)
    write_table(OUTPUT, readings)
    print(f"{len(readings)} forms with their word classes → {OUTPUT} ({OUTPUT.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
