"""The same lexicon on every machine: hunspell's Swedish forms ship in lexicons/hunspell/
(built once by tools/build_hunspell_forms.py), so the lexicon does not depend on the
hunspell packages a machine happens to have."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import marisa_trie

from nbsclean.repair.lexicon import HUNSPELL_FORMS, hunspell_forms, hunspell_forms_file, packaged_lexicon_dir

REPO = Path(__file__).resolve().parents[1]


def lexicon_show(env_changes: dict) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "NBSCLEAN_LEXICON_DIR"}
    env.update(env_changes)
    result = subprocess.run(
        [sys.executable, "-m", "nbsclean", "lexicon", "show", "--json"],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def shipped_keys_and_record(relative: str) -> tuple[list[str], dict]:
    """The sorted keys of a trie shipped in the packaged lexicon, and its folder's SOURCE.json."""
    path = packaged_lexicon_dir() / relative
    trie = marisa_trie.Trie()
    trie.load(str(path))
    return sorted(trie.keys()), json.loads((path.parent / "SOURCE.json").read_text(encoding="utf-8"))


def sha256_of_lines(lines: list[str]) -> str:
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def test_the_shipped_forms_are_what_their_record_says():
    path = packaged_lexicon_dir() / HUNSPELL_FORMS
    forms, record = shipped_keys_and_record(HUNSPELL_FORMS)
    assert len(forms) == record["forms"] > 800_000
    assert sha256_of_lines(forms) == record["forms_sha256"]
    assert "LGPL-3.0" in record["licence"] and (path.parent / "COPYING.LGPL-3").is_file()
    assert {"sörmländska", "kartläggningen", "välmåendehjulet"} & set(forms)


def test_the_lexicon_is_the_same_without_any_system_hunspell(tmp_path):
    """A fresh build (empty cache) with no hunspell dictionary and no unmunch on PATH gives
    the lexicon a developer machine with Debian's hunspell-sv has: same sha256, same forms."""
    empty = tmp_path / "no-hunspell"
    empty.mkdir()
    here = lexicon_show({})
    bare = lexicon_show({
        "NBSCLEAN_HUNSPELL_DIR": str(empty),  # where the old lexicon looked for sv_SE.dic
        "PATH": str(empty),  # no unmunch, no hunspell tools at all
        "NBSCLEAN_CACHE_DIR": str(tmp_path / "cache"),  # built from scratch, not read from a cache
    })
    assert bare["sha256"] == here["sha256"]
    assert bare["forms"] == here["forms"]
    hunspell = [s for s in bare["sources"] if "forms_sha256" in s]
    assert hunspell == [s for s in here["sources"] if "forms_sha256" in s] and len(hunspell) == 1
    # The built cache holds exactly the shipped forms that wordfreq lacks.
    cached = next((tmp_path / "cache").glob("lexbase-*.marisa"))
    trie = marisa_trie.Trie()
    trie.load(str(cached))
    shipped = set(hunspell_forms())
    assert set(trie.keys()) <= shipped and len(trie) > 600_000


def test_a_project_lexicon_uses_the_packaged_forms(tmp_path):
    from nbsclean.project import init_project
    from nbsclean.repair.lexicon import lexicon_layers

    project = init_project(tmp_path / "p")
    assert hunspell_forms_file(lexicon_layers(project.lexicon_dir)) == packaged_lexicon_dir() / HUNSPELL_FORMS


def test_the_shipped_proper_nouns_are_what_their_record_says():
    """hunspell's names (forms it writes only with a capital) ship beside its forms, and
    the lexicon knows them: a place or a person, not a spelling that is also a word."""
    from nbsclean.repair.lexicon import HUNSPELL_PROPER_NOUNS, load_lexicon

    names, record = shipped_keys_and_record(HUNSPELL_PROPER_NOUNS)
    assert len(names) == record["proper_nouns"] > 30_000
    assert sha256_of_lines(names) == record["proper_nouns_sha256"]
    lexicon = load_lexicon()
    assert lexicon.is_proper_noun("örebro") and lexicon.is_proper_noun("örebros") and lexicon.is_proper_noun("anders")
    assert not lexicon.is_proper_noun("dag") and not lexicon.is_proper_noun("hall") and not lexicon.is_proper_noun("även")
    assert lexicon.is_proper_noun("sörmland")  # a domain place written with a capital
    assert not lexicon.is_proper_noun("npf")  # an abbreviation, not a name
