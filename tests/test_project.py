"""The archive project: `nbsclean init`, finding nbsclean.toml upward, the layered lexicon,
`--project`/`--lexicon` on the commands, `check` and `run` inside a project.

One project is made per module; its lexicon (the packaged one plus one place name) has the
same sources on every run, so its cache is built once per machine.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nbsclean.errors import ProjectError
from nbsclean.project import PROJECT_FILE, find_project, init_project, load_project, resolve_lexicon_dir
from nbsclean.repair.lexicon import lexicon_layers, packaged_lexicon_dir, table_path

REPO = Path(__file__).resolve().parents[1]
# A place name no list knows, with an ö that the archive's OCR reads as é.
ARCHIVE_PLACE = "Sörbyholm"
DAMAGED = "Mötet i Sérbyholm hölls i Sörmland.\n"


def nbsclean(*args: str, cwd: Path, extra_env: dict | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "NBSCLEAN_LEXICON_DIR"}
    env.update(extra_env or {})
    return subprocess.run(
        [sys.executable, "-m", "nbsclean", *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=600
    )


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("archive") / "arkivet"
    result = nbsclean("init", str(root), cwd=root.parent)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str((root / PROJECT_FILE).resolve())
    (root / "lexicon" / "domain" / "places.txt").write_text(f"# places\n{ARCHIVE_PLACE}\n", encoding="utf-8")
    return root


def test_init_writes_settings_lexicon_candidates_and_fixtures(project):
    assert (project / PROJECT_FILE).is_file()
    for category in ("places", "organisations", "names", "terms"):
        assert (project / "lexicon" / "domain" / f"{category}.txt").is_file()
    assert (project / "lexicon" / "candidates.tsv").read_text(encoding="utf-8").splitlines()[-1].startswith("word\t")
    assert (project / "fixtures").is_dir()
    loaded = load_project(project)
    assert loaded.lexicon_dir == project.resolve() / "lexicon"
    assert loaded.fixtures == [project.resolve() / "fixtures"]
    assert loaded.run_defaults["lang"] == "swe"
    assert lexicon_layers(loaded.lexicon_dir) == (packaged_lexicon_dir().resolve(), loaded.lexicon_dir)


def test_init_refuses_an_existing_project(project):
    before = (project / PROJECT_FILE).read_bytes()
    result = nbsclean("init", str(project), cwd=project)
    assert result.returncode == 1
    assert "already an nbsclean project" in result.stderr and "[bad_project]" in result.stderr
    assert (project / PROJECT_FILE).read_bytes() == before


def test_project_is_found_upward_as_git_finds_dot_git(project, tmp_path):
    deep = project / "fixtures" / "a" / "b"
    deep.mkdir(parents=True, exist_ok=True)
    assert find_project(deep).root == project.resolve()
    assert find_project(tmp_path) is None
    assert resolve_lexicon_dir(None, None) == packaged_lexicon_dir() or "NBSCLEAN_LEXICON_DIR" in os.environ


def test_lexicon_precedence_option_then_environment_then_project(project, tmp_path, monkeypatch):
    monkeypatch.delenv("NBSCLEAN_LEXICON_DIR", raising=False)
    monkeypatch.chdir(project)
    assert resolve_lexicon_dir() == project.resolve() / "lexicon"
    assert resolve_lexicon_dir(lexicon=tmp_path) == tmp_path
    monkeypatch.setenv("NBSCLEAN_LEXICON_DIR", str(tmp_path))
    assert resolve_lexicon_dir() == tmp_path
    monkeypatch.delenv("NBSCLEAN_LEXICON_DIR")
    monkeypatch.chdir(tmp_path)
    assert resolve_lexicon_dir() == packaged_lexicon_dir()
    assert resolve_lexicon_dir(project) == project.resolve() / "lexicon"


def test_the_archive_words_repair_inside_the_project_and_only_there(project, tmp_path):
    text_file = tmp_path / "page.txt"
    text_file.write_text(DAMAGED, encoding="utf-8")
    inside = nbsclean("repair", str(text_file), cwd=project / "fixtures")
    outside = nbsclean("repair", str(text_file), cwd=tmp_path)
    named = nbsclean("repair", str(text_file), "--project", str(project), cwd=tmp_path)
    assert inside.returncode == outside.returncode == named.returncode == 0, (inside.stderr, outside.stderr)
    assert inside.stdout == named.stdout == DAMAGED.replace("Sérbyholm", ARCHIVE_PLACE)
    assert "Sérbyholm" in outside.stdout  # the packaged lexicon does not know the archive's place
    assert "Sörmland" in inside.stdout  # the packaged domain words are still there


def test_lexicon_show_names_both_layers_and_differs_from_the_packaged_hash(project, tmp_path):
    inside = json.loads(nbsclean("lexicon", "show", "--json", cwd=project).stdout)
    packaged = json.loads(nbsclean("lexicon", "show", "--json", cwd=tmp_path).stdout)
    assert inside["layers"] == [str(packaged_lexicon_dir().resolve()), str(project.resolve() / "lexicon")]
    assert ARCHIVE_PLACE in inside["domain_words"]["places"] and "Sörmland" in inside["domain_words"]["places"]
    assert ARCHIVE_PLACE not in packaged["domain_words"]["places"]
    assert inside["sha256"] != packaged["sha256"]
    assert inside["forms"] > packaged["forms"]


def test_a_project_table_replaces_the_packaged_one(tmp_path):
    root = init_project(tmp_path / "p")
    layers = lexicon_layers(root.lexicon_dir)
    assert table_path(layers, "confusions.tsv") == packaged_lexicon_dir().resolve() / "confusions.tsv"
    shutil.copy(packaged_lexicon_dir() / "context.tsv", root.lexicon_dir / "context.tsv")
    assert table_path(layers, "context.tsv") == root.lexicon_dir / "context.tsv"
    assert table_path(layers, "confusions.tsv") == packaged_lexicon_dir().resolve() / "confusions.tsv"


@pytest.mark.parametrize(
    "settings, message",
    [
        ("[lexicon]\ndirectry = 'x'\n", "unknown setting lexicon.directry"),
        ("[surprise]\n", "unknown section [surprise]"),
        ("[run]\ndpi = 'high'\n", "run.dpi must be a whole number"),
        ("[lexicon\n", "not valid TOML"),
    ],
)
def test_a_bad_settings_file_is_a_named_error(tmp_path, settings, message):
    (tmp_path / PROJECT_FILE).write_text(settings, encoding="utf-8")
    with pytest.raises(ProjectError, match="bad|unknown|must|TOML") as error:
        load_project(tmp_path)
    assert message in str(error.value)
    result = nbsclean("check", cwd=tmp_path)
    assert result.returncode == 1 and message in result.stderr and "[bad_project]" in result.stderr


def test_extends_must_name_a_lexicon(tmp_path):
    root = init_project(tmp_path / "p")
    (root.lexicon_dir / "lexicon.toml").write_text('extends = "../nowhere"\n', encoding="utf-8")
    with pytest.raises(ProjectError, match="no lexicon there"):
        lexicon_layers(root.lexicon_dir)


def test_check_without_fixtures_uses_the_project_fixtures_and_lexicon(project, tmp_path):
    fixtures = project / "fixtures"
    (fixtures / "page1.input.txt").write_text(DAMAGED, encoding="utf-8")
    (fixtures / "page1.expected.txt").write_text(DAMAGED.replace("Sérbyholm", ARCHIVE_PLACE), encoding="utf-8")
    try:
        result = nbsclean("check", "--json", cwd=project)
        assert result.returncode == 0, result.stdout + result.stderr
        report = json.loads(result.stdout)
        assert [case["name"] for case in report["cases"]] == ["page1"]
        # Named from elsewhere with --project: same fixtures, same lexicon.
        named = nbsclean("check", "--project", str(project), "--json", cwd=tmp_path)
        assert named.returncode == 0 and json.loads(named.stdout)["lexicon_sha256"] == report["lexicon_sha256"]
        # The same fixture with the packaged lexicon fails: the project's words are what passes it.
        packaged = nbsclean("check", str(fixtures), "--lexicon", str(packaged_lexicon_dir()), cwd=tmp_path)
        assert packaged.returncode == 4, packaged.stdout
        # No project, no fixtures named: a clear error, not an empty pass.
        nothing = nbsclean("check", cwd=tmp_path)
        assert nothing.returncode == 1 and "nbsclean init" in nothing.stderr
    finally:
        for path in fixtures.glob("page1.*"):
            path.unlink()


def test_run_in_a_project_uses_its_lexicon_and_run_defaults(project, tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "page.txt").write_text(DAMAGED, encoding="utf-8")
    settings = project / PROJECT_FILE
    original = settings.read_text(encoding="utf-8")
    settings.write_text(original.replace('formats = "jsonl,txt"', 'formats = "jsonl"'), encoding="utf-8")
    try:
        result = nbsclean("run", str(inputs), "-o", str(tmp_path / "corpus"), "-j", "1", cwd=project)
    finally:
        settings.write_text(original, encoding="utf-8")
    assert result.returncode == 0, result.stderr
    record = json.loads((tmp_path / "corpus" / "documents.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert ARCHIVE_PLACE in record["text"]
    assert not (tmp_path / "corpus" / "text").exists()  # [run] formats = "jsonl" from nbsclean.toml
    shown = json.loads(nbsclean("lexicon", "show", "--json", cwd=project).stdout)
    assert record["lexicon_sha256"] == shown["sha256"]


def lexicon_file_hashes(directory: Path) -> dict[str, str]:
    import hashlib

    return {
        path.relative_to(directory).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def test_lexicon_add_learn_accept_write_into_the_project_never_the_package(tmp_path):
    """The archive owns its words: add, learn and accept write into the project's lexicon
    (found upward, or named with --project), say where, and the next run in the project
    repairs with them; the installed package's lexicon files are byte for byte the same."""
    packaged_before = lexicon_file_hashes(packaged_lexicon_dir())
    root = tmp_path / "arkiv"
    assert nbsclean("init", str(root), cwd=tmp_path).returncode == 0
    lexicon = (root / "lexicon").resolve()
    deep = root / "fixtures"

    added = nbsclean("lexicon", "add", "Sörbyvik", "--category", "places", cwd=deep)
    assert added.returncode == 0, added.stderr
    assert str(lexicon / "domain" / "places.txt") in added.stderr  # it says where it wrote
    assert "Sörbyvik" in (lexicon / "domain" / "places.txt").read_text(encoding="utf-8")

    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "page.txt").write_text("Mötet i Sérbyvik hölls i Sörmland.\n", encoding="utf-8")
    ran = nbsclean("run", str(inputs), "-o", str(tmp_path / "corpus"), "-j", "1", cwd=root)
    assert ran.returncode == 0, ran.stderr
    record = json.loads((tmp_path / "corpus" / "documents.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert "Mötet i Sörbyvik hölls i Sörmland." in record["text"]

    # learn proposes a frequent unknown word of clean text into the project's candidates file;
    # accept (the project named from elsewhere) moves it into the project's domain file.
    texts = tmp_path / "texts"
    texts.mkdir()
    for n in range(3):
        (texts / f"t{n}.txt").write_text(
            f"Styrelsen för Kvarnbyföreningen samlades i dag. Kvarnbyföreningen har {n + 10} medlemmar.\n",
            encoding="utf-8",
        )
    learned = nbsclean("lexicon", "learn", str(texts), cwd=deep)
    assert learned.returncode == 0, learned.stderr
    assert learned.stdout.strip() == str(lexicon / "candidates.tsv")
    assert "Kvarnbyföreningen" in (lexicon / "candidates.tsv").read_text(encoding="utf-8")
    accepted = nbsclean("lexicon", "accept", "Kvarnbyföreningen", "--project", str(root), cwd=tmp_path)
    assert accepted.returncode == 0, accepted.stderr
    assert str(lexicon / "domain") in accepted.stderr
    owned = "".join(path.read_text(encoding="utf-8") for path in (lexicon / "domain").glob("*.txt"))
    assert "Kvarnbyföreningen" in owned

    # Without a project, add writes where every command reads (here: --lexicon) and says so.
    copy = tmp_path / "standalone"
    shutil.copytree(packaged_lexicon_dir(), copy, ignore=shutil.ignore_patterns("candidates.tsv", "hunspell"))
    outside = nbsclean("lexicon", "add", "Ekbyvik", "--lexicon", str(copy), cwd=tmp_path)
    assert outside.returncode == 0 and str(copy / "domain" / "terms.txt") in outside.stderr
    assert lexicon_file_hashes(packaged_lexicon_dir()) == packaged_before


def test_an_explicit_project_wins_over_the_environment(project, tmp_path, monkeypatch):
    monkeypatch.setenv("NBSCLEAN_LEXICON_DIR", str(tmp_path))
    monkeypatch.chdir(project)
    assert resolve_lexicon_dir() == tmp_path  # the environment over a project found upward
    assert resolve_lexicon_dir(project) == project.resolve() / "lexicon"  # --project over both


def test_a_project_ngram_model_is_part_of_the_lexicon_hash(tmp_path):
    """Records say which lexicon repaired them; the n-gram model decides valid-for-valid
    words, so a project's own model (e.g. the optional newsreel one) must change the hash."""
    from nbsclean.repair.lexicon import sources_fingerprint

    root = init_project(tmp_path / "p")
    without = sources_fingerprint(root.lexicon_dir)
    model = root.lexicon_dir / "ngrams" / "sv.ngrams"
    model.parent.mkdir()
    shutil.copy(packaged_lexicon_dir() / "ngrams" / "sv.ngrams", model)
    same_model = sources_fingerprint(root.lexicon_dir)
    with open(model, "ab") as grown:
        grown.write(b"\0")
    assert same_model == without  # the packaged model, wherever it lies, is the same lexicon
    assert sources_fingerprint(root.lexicon_dir) != without
    assert table_path(lexicon_layers(root.lexicon_dir), "ngrams/sv.ngrams") == model
