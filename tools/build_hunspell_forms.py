#!/usr/bin/env python3
"""Build the hunspell Swedish word forms the lexicon ships (lexicons/hunspell/).

    python tools/build_hunspell_forms.py                 # rebuild from the sources in lexicons/hunspell/
    python tools/build_hunspell_forms.py --from-system   # first take sv_SE.dic/.aff from /usr/share/hunspell

The lexicon must be the same on every machine, so it does not read whatever hunspell
dictionary apt installed: it reads ``sv_SE.forms.marisa``, the dictionary's stems with
their affixes expanded once, here, by hunspell's own ``unmunch`` (Debian: hunspell-tools),
lower-cased and kept when they look like a word form; and ``sv_SE.names.marisa``, the forms
the dictionary writes only with a capital (place and person names, lower-cased), which tell
the repair that a capital must be kept ("Orebro" is "Örebro", never "örebro"). The dictionary's sources stay beside
it, xz-compressed (``sv_SE.dic.xz``, ``sv_SE.aff.xz``: Göran Andersson's Swedish dictionary
from LibreOffice, LGPL-3.0, as packaged by Debian's hunspell-sv), so that the forms can be
rebuilt from the repository alone and the licence's source requirement is met.
``SOURCE.json`` records where they came from and the sha256 of sources and forms; the
lexicon's fingerprint includes it, so a rebuilt file rebuilds every lexicon cache.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import lzma
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from nbsclean.repair.lexicon import HUNSPELL_FORMS, HUNSPELL_PROPER_NOUNS, _WORD_FORM  # noqa: E402

OUTPUT = REPO / "lexicons" / HUNSPELL_FORMS
NAMES_OUTPUT = REPO / "lexicons" / HUNSPELL_PROPER_NOUNS
SYSTEM = Path("/usr/share/hunspell")
DEFAULT_SOURCE = "Debian hunspell-sv 1:7.5.0-1 (LibreOffice dictionaries, sv_SE by Göran Andersson)"


def debian_version(package: str) -> str | None:
    """The installed version of a Debian package, for the record (None elsewhere)."""
    if shutil.which("dpkg-query") is None:
        return None
    result = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True)
    return result.stdout.strip() or None


def take_system_sources(directory: Path) -> str:
    """Copy Debian's sv_SE.dic/.aff into ``directory`` as .xz; returns the source note."""
    for name in ("sv_SE.dic", "sv_SE.aff"):
        data = (SYSTEM / name).read_bytes()
        (directory / f"{name}.xz").write_bytes(lzma.compress(data, preset=9 | lzma.PRESET_EXTREME))
    version = debian_version("hunspell-sv")
    return f"Debian hunspell-sv {version} (LibreOffice dictionaries, sv_SE by Göran Andersson)" if version else DEFAULT_SOURCE


def unmunch_forms(dic: bytes, aff: bytes) -> list[str]:
    """Every form unmunch makes of the dictionary, as written (case kept), word forms only."""
    unmunch = shutil.which("unmunch")
    if unmunch is None:
        sys.exit("unmunch is missing: apt-get install hunspell-tools")
    with tempfile.TemporaryDirectory() as temporary:
        dic_path, aff_path = Path(temporary) / "sv_SE.dic", Path(temporary) / "sv_SE.aff"
        dic_path.write_bytes(dic)
        aff_path.write_bytes(aff)
        result = subprocess.run([unmunch, str(dic_path), str(aff_path)], capture_output=True, check=True)
    forms = result.stdout.decode("utf-8", errors="replace").split()
    return [form for form in forms if _WORD_FORM.match(form)]


def lower_case_forms(written: list[str]) -> list[str]:
    """The lexicon's forms: every form lower-cased, sorted."""
    return sorted({form.lower() for form in written})


def proper_noun_forms(written: list[str]) -> list[str]:
    """Forms the dictionary writes only with a capital and small letters after it (place
    and person names and their genitives: "Örebro", "Örebros", "Anders"), lower case,
    sorted. A spelling that is also a common word ("Dag"/"dag", "Hall"/"hall") is not one,
    nor an abbreviation in capitals ("ABF")."""
    common = {form.lower() for form in written if not form[:1].isupper()}
    return sorted(
        {
            form.lower()
            for form in written
            if form[:1].isupper() and any(c.islower() for c in form[1:]) and form.lower() not in common
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--from-system", action="store_true", help=f"take sv_SE.dic/.aff from {SYSTEM} first")
    parser.add_argument("--source-note", help="where the dictionary came from (recorded in SOURCE.json)")
    args = parser.parse_args()
    import marisa_trie

    directory = OUTPUT.parent
    directory.mkdir(parents=True, exist_ok=True)
    source_json = directory / "SOURCE.json"
    previous = json.loads(source_json.read_text(encoding="utf-8")) if source_json.exists() else {}
    note = take_system_sources(directory) if args.from_system else previous.get("source", DEFAULT_SOURCE)
    note = args.source_note or note
    dic = lzma.decompress((directory / "sv_SE.dic.xz").read_bytes())
    aff = lzma.decompress((directory / "sv_SE.aff.xz").read_bytes())
    written = unmunch_forms(dic, aff)
    forms = lower_case_forms(written)
    names = proper_noun_forms(written)
    marisa_trie.Trie(forms).save(str(OUTPUT))
    marisa_trie.Trie(names).save(str(NAMES_OUTPUT))
    record = {
        "source": note,
        "licence": "LGPL-3.0 (the dictionary and the forms made of it; see COPYING.LGPL-3 beside this file)",
        "expanded_with": f"unmunch (hunspell-tools {debian_version('hunspell-tools') or 'unknown'})",
        "dic_sha256": hashlib.sha256(dic).hexdigest(),
        "aff_sha256": hashlib.sha256(aff).hexdigest(),
        "forms": len(forms),
        "forms_sha256": hashlib.sha256("\n".join(forms).encode("utf-8")).hexdigest(),
        "proper_nouns": len(names),
        "proper_nouns_sha256": hashlib.sha256("\n".join(names).encode("utf-8")).hexdigest(),
    }
    source_json.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"{len(forms)} forms → {OUTPUT} ({OUTPUT.stat().st_size} bytes); {len(names)} proper nouns → {NAMES_OUTPUT}; {source_json}")


if __name__ == "__main__":
    main()
