"""The OCR confusion model: P(observed | intended) for character strings.

The table lives in ``lexicons/confusions.tsv`` as editable data, one confusion per line::

    observed <TAB> intended <TAB> count <TAB> intended_total

``count`` is how often ``intended`` (in the clean text) was read as ``observed``, and
``intended_total`` how often ``intended`` occurred at all, in aligned damaged/clean pairs;
``tools/learn_confusions.py`` (``make confusions``) recounts them from ``samples/``.
P(observed | intended) = (count + ½) / (intended_total + 1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Confusion:
    observed: str
    intended: str
    logp: float


class ConfusionModel:
    """Confusions indexed by the first character of what OCR wrote, for candidate generation."""

    def __init__(self, confusions: list[Confusion]):
        self.confusions = confusions
        self.by_first_char: dict[str, tuple[Confusion, ...]] = {}
        grouped: dict[str, list[Confusion]] = {}
        for confusion in confusions:
            grouped.setdefault(confusion.observed[0], []).append(confusion)
        for char, items in grouped.items():
            self.by_first_char[char] = tuple(sorted(items, key=lambda c: -c.logp))
        self.suspicious_chars = frozenset(
            c.observed for c in confusions if len(c.observed) == 1 and not c.observed.isalpha()
        ) | frozenset("éèêëíìóòúùáàâ")

    def __len__(self) -> int:
        return len(self.confusions)

    @classmethod
    def from_tsv(cls, path: Path, min_logp: float = -7.0) -> "ConfusionModel":
        confusions = []
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.split("\t")
            if len(fields) != 4:
                raise ValueError(f"{path}:{number}: expected 4 tab-separated fields, got {len(fields)}")
            observed, intended, count, total = fields[0], fields[1], int(fields[2]), int(fields[3])
            if observed == intended or not observed:
                continue
            logp = math.log((count + 0.5) / (total + 1))
            if logp >= min_logp:
                confusions.append(Confusion(observed, intended, logp))
        return cls(confusions)


@dataclass(frozen=True)
class ContextRule:
    """A valid word that, between these neighbours, is likely a damaged ``alternative``."""

    word: str
    alternative: str
    previous: "regex.Pattern | None"
    following: "regex.Pattern | None"
    weight: float

    def matches(self, previous: str, following: str) -> bool:
        return (self.previous is None or bool(self.previous.fullmatch(previous))) and (
            self.following is None or bool(self.following.fullmatch(following))
        )


def load_context_rules(path: Path, classes_table: Path | None = None) -> dict[str, list[ContextRule]]:
    """Rules from ``lexicons/context.tsv``, by the word they apply to. A neighbour field
    ``@class`` names a word class of hunspell's dictionary (:mod:`nbsclean.repair.wordclasses`,
    whose table is ``classes_table``; default: the one beside ``path``, else the packaged one)."""
    import regex

    from nbsclean.repair.wordclasses import CLASSES_FILE, ClassPattern

    if classes_table is None:
        from nbsclean.repair.lexicon import packaged_lexicon_dir

        classes_table = path.parent / CLASSES_FILE
        if not classes_table.is_file():
            classes_table = packaged_lexicon_dir() / CLASSES_FILE

    def pattern(field: str):
        if not field:
            return None
        return ClassPattern(field, classes_table) if field.startswith("@") else regex.compile(field)

    rules: dict[str, list[ContextRule]] = {}
    if not path.exists():
        return rules
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 5:
            raise ValueError(f"{path}:{number}: expected 5 tab-separated fields, got {len(fields)}")
        word, alternative, previous, following, weight = fields
        rule = ContextRule(
            word,
            alternative,
            pattern(previous),
            pattern(following),
            float(weight),
        )
        rules.setdefault(word, []).append(rule)
    return rules
