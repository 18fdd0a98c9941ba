"""The archive project: a folder with ``nbsclean.toml``, the archive's own lexicon and fixtures.

``nbsclean init DIR`` makes one::

    DIR/nbsclean.toml            settings (below)
    DIR/lexicon/lexicon.toml     extends = "packaged": these words are added to nbsclean's
    DIR/lexicon/domain/*.txt     the archive's own words: places, organisations, names, terms
    DIR/lexicon/candidates.tsv   what `nbsclean lexicon learn` proposes, to accept or delete
    DIR/fixtures/                the archive's regression fixtures for `nbsclean check`

Every command finds the project as git finds ``.git``: in the working directory or the
nearest folder above it that has ``nbsclean.toml``; ``--project DIR`` names it instead.
Paths in ``nbsclean.toml`` are relative to the folder it is in. Which lexicon a command
uses, and the lexicon commands write into (first that applies): ``--lexicon DIR``, the
lexicon of ``--project DIR``, ``NBSCLEAN_LEXICON_DIR``, the lexicon of the project found
upward, the packaged lexicon. Without a project nothing changes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nbsclean.errors import FileAccessError, ProjectError

PROJECT_FILE = "nbsclean.toml"
DEFAULT_LEXICON = "lexicon"
DEFAULT_FIXTURES = "fixtures"

# Known settings: section → key → accepted type. Anything else is refused by name, so a
# typo ("fixture = ...") is an error and not a silently ignored setting.
SETTINGS: dict[str, dict[str, type | tuple[type, ...]]] = {
    "lexicon": {"directory": str},
    "check": {"fixtures": list},
    "run": {"lang": str, "ocr": str, "dpi": int, "psm": int, "formats": str, "jobs": int},
}

PROJECT_TEMPLATE = """\
# nbsclean archive project (made by `nbsclean init`). Commands run in this folder or
# below it use these settings; paths are relative to this file.

[lexicon]
# The archive's own lexicon: its domain words (domain/*.txt) are added to nbsclean's
# packaged lexicon by every command run in this project.
directory = "{lexicon}"

[check]
# Fixture folders `nbsclean check` runs when given none.
fixtures = ["{fixtures}"]

[run]
# Defaults for `nbsclean run` (an option on the command line wins).
lang = "swe"
ocr = "auto"
dpi = 300
formats = "jsonl,txt"
"""

LEXICON_SETTINGS_TEMPLATE = """\
# This lexicon is layered over nbsclean's packaged one: the words in domain/ are added to
# it. Put a confusions.tsv or context.tsv here to replace the packaged table of that name.
extends = "packaged"
"""

DOMAIN_HEADERS = {
    "places": "# Domain lexicon: places. One form per line as normally written (Sörmland).",
    "organisations": "# Domain lexicon: organisations. One form per line as normally written (NPF).",
    "names": "# Domain lexicon: names. One form per line as normally written.",
    "terms": "# Domain lexicon: terms. One form per line as normally written.",
}

FIXTURES_README = """\
Regression fixtures of this archive, checked by `nbsclean check` (run in the project folder).

  CASE.input.EXT      a page as the archive has it (txt, pdf, png, jpg, tif)
  CASE.expected.txt   the text nbsclean must make of it
  CASE.options.json   optional: {"max_wer": 0.05} and pipeline options

`nbsclean check --update` writes the expected files of exact cases and check-baseline.json.
"""


@dataclass(frozen=True)
class Project:
    """An archive project: its folder and its validated settings."""

    root: Path
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def config_path(self) -> Path:
        return self.root / PROJECT_FILE

    @property
    def lexicon_dir(self) -> Path:
        return self.root / self.settings.get("lexicon", {}).get("directory", DEFAULT_LEXICON)

    @property
    def candidates_path(self) -> Path:
        return self.lexicon_dir / "candidates.tsv"

    @property
    def fixtures(self) -> list[Path]:
        return [self.root / entry for entry in self.settings.get("check", {}).get("fixtures", [DEFAULT_FIXTURES])]

    @property
    def run_defaults(self) -> dict[str, Any]:
        return dict(self.settings.get("run", {}))


def find_project(start: str | Path | None = None) -> Project | None:
    """The project of ``start`` (default: the working directory): the nearest folder at or
    above it with ``nbsclean.toml``; None when there is none."""
    here = Path(start if start is not None else os.getcwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / PROJECT_FILE).is_file():
            return load_project(folder)
    return None


def load_project(directory: str | Path) -> Project:
    """The project in ``directory`` (or the ``nbsclean.toml`` file itself)."""
    path = Path(directory)
    root = path.parent if path.name == PROJECT_FILE and path.is_file() else path
    config = root / PROJECT_FILE
    if not root.is_dir():
        raise FileAccessError("no such directory", source=str(root))
    if not config.is_file():
        raise ProjectError(f"not an nbsclean project (no {PROJECT_FILE}; make one with: nbsclean init {root})", source=str(root))
    from nbsclean.tomlfile import read_toml

    return Project(root.resolve(), validate_settings(read_toml(config), config))


def validate_settings(settings: dict, source: Path) -> dict:
    """The settings when every section, key and type is known; a named error otherwise."""
    for section, values in settings.items():
        known = SETTINGS.get(section)
        if known is None:
            raise ProjectError(f"unknown section [{section}] (known: {', '.join(SETTINGS)})", source=str(source))
        if not isinstance(values, dict):
            raise ProjectError(f"{section} must be a section ([{section}])", source=str(source))
        for key, value in values.items():
            if key not in known:
                raise ProjectError(f"unknown setting {section}.{key} (known: {', '.join(known)})", source=str(source))
            if not isinstance(value, known[key]) or isinstance(value, bool):
                raise ProjectError(f"{section}.{key} must be {_type_name(known[key])}, not {value!r}", source=str(source))
    fixtures = settings.get("check", {}).get("fixtures", [])
    if not all(isinstance(entry, str) and entry for entry in fixtures):
        raise ProjectError("check.fixtures must be a list of folder names", source=str(source))
    return settings


def _type_name(kind) -> str:
    return {str: "a string", int: "a whole number", list: "a list"}.get(kind, kind.__name__)


def resolve_project(project: str | Path | None = None, *, discover: bool = True) -> Project | None:
    """``--project DIR`` when given, else the project found from the working directory."""
    if project is not None:
        return load_project(project)
    return find_project() if discover else None


def resolve_lexicon_dir(project: Project | str | Path | None = None, lexicon: str | Path | None = None) -> Path:
    """The lexicon directory a command uses: ``--lexicon DIR``, then the project named with
    ``--project DIR``, then ``NBSCLEAN_LEXICON_DIR``, then the project found from the working
    directory, then the packaged lexicon. Commands that write words into a lexicon
    (``lexicon add/learn/accept``, the review server) write here, so in a project the
    archive's words go into the project and never into the installed package."""
    from nbsclean.repair.lexicon import lexicon_dir

    if lexicon is not None:
        path = Path(lexicon)
        if not path.is_dir():
            raise FileAccessError("no such lexicon directory", source=str(path))
        return path
    named = project is not None  # an option on the command line wins over the environment
    if not named and os.environ.get("NBSCLEAN_LEXICON_DIR"):
        return lexicon_dir()
    found = project if isinstance(project, Project) else resolve_project(project)
    if found is not None:
        if not found.lexicon_dir.is_dir():
            raise ProjectError(
                f"the project's lexicon directory {found.lexicon_dir} is missing", source=str(found.config_path)
            )
        return found.lexicon_dir
    return lexicon_dir()


def init_project(directory: str | Path) -> Project:
    """Make an archive project in ``directory`` (created if needed). Refuses a folder that
    already has ``nbsclean.toml``; existing lexicon and fixture files are kept."""
    from nbsclean.atomic import write_text_atomic

    root = Path(directory)
    config = root / PROJECT_FILE
    if config.exists():
        raise ProjectError(f"already an nbsclean project ({PROJECT_FILE} exists)", source=str(root))
    try:
        lexicon = root / DEFAULT_LEXICON
        (lexicon / "domain").mkdir(parents=True, exist_ok=True)
        (root / DEFAULT_FIXTURES).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FileAccessError(f"cannot create the project folders: {exc.strerror or exc}", source=str(root)) from exc
    files = {lexicon / "lexicon.toml": LEXICON_SETTINGS_TEMPLATE, root / DEFAULT_FIXTURES / "README.txt": FIXTURES_README}
    files.update({lexicon / "domain" / f"{category}.txt": header + "\n" for category, header in DOMAIN_HEADERS.items()})
    for path, text in files.items():
        if not path.exists():
            write_text_atomic(path, text)
    if not (lexicon / "candidates.tsv").exists():
        from nbsclean.review.learn import write_candidates

        write_candidates(lexicon / "candidates.tsv", [])
    # The settings file last: a folder is a project only once everything it names exists.
    write_text_atomic(config, PROJECT_TEMPLATE.format(lexicon=DEFAULT_LEXICON, fixtures=DEFAULT_FIXTURES))
    return load_project(root)
