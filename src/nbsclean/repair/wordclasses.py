"""Word classes from hunspell's Swedish dictionary: what a neighbouring word can be.

A context rule (``lexicons/context.tsv``) reads a neighbouring word. Grammar speaks of
classes, not words: a possessive stands before a noun that agrees with it ("vårt" +
a neuter noun: "vårt öga"), and two finite verbs do not follow each other, so "har" before
"bodde" or "förklaras" is "här". The dictionary knows the class of every form it inflects:
each stem carries the flags of the suffix rules that inflect it, and the .aff file documents
what each rule makes ("Bestämd form, neutrum", "Pluralis, reale", the tenses of the verbs).
:func:`form_readings` expands the rules and gives every form the set of its readings
(:data:`CLASSES`); a rule's class pattern (``@neuter``) matches a neighbour whose *every*
reading is in the named classes (:class:`ClassPattern`), so an ambiguous word ("te": a noun
and a verb) never triggers a rule. ``tools/build_hunspell_forms.py`` writes the table
(``lexicons/hunspell/sv_SE.classes.marisa``) from the dictionary's sources in the repository.

Only the inflecting suffixes are read; the flags that make the first parts of compounds (their
rules carry continuation flags) are left out, and so are compounds: a form the dictionary
does not list has no class and matches no class pattern.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

# The readings of a form, as bits of its record.
NEUTER_NOUN = 1  # a neuter noun, indefinite singular ("öga", "fartyg")
COMMON_NOUN = 2  # a common-gender noun, indefinite singular ("bil")
PLURAL_NOUN = 4  # a noun, indefinite plural ("bilar", "fartyg", "frön")
OTHER_NOUN = 8  # a noun's definite or genitive forms ("bilen", "bilens")
FINITE_VERB = 16  # a verb's present or past tense, active or passive ("bodde", "förklaras")
OTHER_VERB = 32  # infinitive, supine, participle, imperative ("bo", "bott", "boende")
ADJECTIVE = 64
NAME = 128  # a form the dictionary writes with a capital
UNCLASSIFIED = 256  # a stem without inflection (adverbs, pronouns...) or a rule not read here
CLASSES = {
    "neuter": NEUTER_NOUN,
    "common": COMMON_NOUN,
    "plural": PLURAL_NOUN,
    "noun-form": OTHER_NOUN,
    "finite": FINITE_VERB,
    "verb-form": OTHER_VERB,
    "adjective": ADJECTIVE,
    "name": NAME,
    "unclassified": UNCLASSIFIED,
}
CLASSES_FILE = "hunspell/sv_SE.classes.marisa"  # relative to a lexicon directory

_VOWELS = frozenset("aeiouyåäöé")
_NOUN_FLAGS = frozenset("CEFGHIJ")  # noun inflections only (B and D also inflect verbs in -a)
_VERB_FLAGS = frozenset("KLNmR")
_ADJECTIVE_FLAGS = frozenset("OQ")
# Suffixes of the verb flags that make no finite form (K, M: supine and participles; L, N:
# the passive supine and participle) and those that make adjectives' forms (comparison).
_SUPINE_ENDINGS = ("t", "tt", "it", "dd", "dda")
_ADJECTIVE_SUFFIXES = frozenset("le me ne re la ra na ma lare last laste nare nast naste rare rast raste mare mast maste".split())


def parse_suffixes(aff_text: str) -> dict[str, list[tuple[str, str, re.Pattern]]]:
    """The inflecting suffix rules of an .aff file, by flag: (strip, add, condition on the
    stem's end). Flags whose rules carry continuation flags (compound parts) are left out."""
    rules: dict[str, list[tuple[str, str, re.Pattern]]] = defaultdict(list)
    compounding: set[str] = set()
    for line in aff_text.splitlines():
        parts = line.split()
        if len(parts) < 5 or parts[0] != "SFX":
            continue
        flag, strip, add, condition = parts[1], parts[2], parts[3], parts[4]
        if "/" in add:
            compounding.add(flag)
            continue
        strip = "" if strip == "0" else strip
        add = "" if add == "0" else add
        rules[flag].append((strip, add, re.compile("" if condition == "." else "(?:" + condition + ")$")))
    for flag in compounding:
        rules.pop(flag, None)
    return dict(rules)


def special_flags(aff_text: str) -> set[str]:
    """Flags that keep a stem from being a word of its own (NEEDAFFIX, ONLYINCOMPOUND)."""
    found = set()
    for line in aff_text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] in ("NEEDAFFIX", "ONLYINCOMPOUND", "FORBIDDENWORD"):
            found.add(parts[1])
    return found


def _is_verb(stem: str, flags: set[str]) -> bool:
    return bool(flags & _VERB_FLAGS) or ("M" in flags and stem[-1:] in _VOWELS) or (stem.endswith("a") and "P" in flags)


def _is_noun(stem: str, flags: set[str]) -> bool:
    return bool(flags & _NOUN_FLAGS) or (not stem.endswith("a") and bool(flags & {"B", "D"}))


def _is_neuter(stem: str, flags: set[str]) -> bool:
    return "C" in flags or ("B" in flags and not stem.endswith("a"))


def stem_reading(stem: str, flags: set[str], inflecting: set[str]) -> int:
    """The readings of a stem as written (its base form)."""
    if not inflecting:
        return UNCLASSIFIED
    reading = 0
    if _is_noun(stem, flags):
        if _is_neuter(stem, flags):
            reading |= NEUTER_NOUN
            if stem[-1:] not in _VOWELS:  # a neuter noun on a consonant: plural as singular
                reading |= PLURAL_NOUN
        else:
            reading |= COMMON_NOUN
    if _is_verb(stem, flags):
        reading |= OTHER_VERB  # the infinitive
    if flags & _ADJECTIVE_FLAGS or (not stem.endswith("a") and "P" in flags):
        reading |= ADJECTIVE
    return reading or UNCLASSIFIED


def rule_reading(stem: str, flags: set[str], flag: str, add: str, strip: str) -> int:
    """The reading of the form that the suffix rule ``flag`` (adding ``add``) makes of ``stem``."""
    verb = _is_verb(stem, flags)
    if flag == "A":  # "s": a noun's genitive; on an infinitive in -a a passive ("förklaras")
        passive = (FINITE_VERB if stem.endswith("a") else OTHER_VERB) if verb else 0  # "förstås" is an adverb too
        return passive | (OTHER_NOUN if _is_noun(stem, flags) or not verb else 0)
    if flag in ("B", "D"):  # definite forms of nouns; "-nde" of verbs in -a
        return OTHER_VERB if add.startswith("nde") else OTHER_NOUN
    if flag == "E":  # "-n": definite common singular, or indefinite plural of a neuter noun
        if add in ("a", "n") and (_is_neuter(stem, flags) or add == "a"):
            return PLURAL_NOUN
        return OTHER_NOUN
    if flag == "C" or flag == "F":
        return OTHER_NOUN
    if flag in ("G", "H", "I", "J"):  # plurals: "-ar", "-er", "-r" indefinite, the rest definite or genitive
        return PLURAL_NOUN if add.endswith("r") else OTHER_NOUN
    if flag in ("K", "M"):
        if add in _ADJECTIVE_SUFFIXES or (flag == "M" and (not verb or strip == "n")):
            return ADJECTIVE
        if flag == "M" and add == "de" and stem.endswith("a"):
            return FINITE_VERB | OTHER_VERB  # "-ade": a past tense and a participle ("utbildade lärare")
        if add.endswith(_SUPINE_ENDINGS) and add not in ("et", "öt", "ät"):  # "bet", "flöt", "lät" are past tenses
            return OTHER_VERB
        return FINITE_VERB
    if flag in ("L", "N"):
        if add in _ADJECTIVE_SUFFIXES or (flag == "N" and not verb):
            return ADJECTIVE
        if add == "ende" or add.endswith("ts") or add == "t":
            return OTHER_VERB
        return FINITE_VERB
    if flag == "P":
        if not stem.endswith("a"):
            return ADJECTIVE  # comparison: "finare", "finast"
        return FINITE_VERB | OTHER_VERB if add == "de" else OTHER_VERB  # "förklarade": past and participle
    if flag in ("m", "R"):  # "-r": the present of verbs in -a; "-es", "-as": an old passive
        return FINITE_VERB
    if flag in _ADJECTIVE_FLAGS:
        return ADJECTIVE
    return UNCLASSIFIED


def form_readings(dic_text: str, aff_text: str) -> dict[str, int]:
    """Every form of the dictionary (lower case) and the bits of all its readings."""
    rules = parse_suffixes(aff_text)
    special = special_flags(aff_text)
    readings: dict[str, int] = defaultdict(int)
    for line in dic_text.splitlines()[1:]:
        stem, _, flag_text = line.strip().partition("/")
        if not stem or not stem[0].isalpha():
            continue
        flags = set(flag_text)
        inflecting = {f for f in flags if f in rules}
        name = NAME if stem[0].isupper() else 0
        # A line with flags but none that inflects ("stor/>X") only makes compounds.
        if not flags & special and (inflecting or not flags):
            readings[stem.lower()] |= name or stem_reading(stem, flags, inflecting)
        for flag in sorted(inflecting):
            for strip, add, condition in rules[flag]:
                if (strip and not stem.endswith(strip)) or not condition.search(stem):
                    continue
                if ":" in add or "-" in add:
                    continue  # abbreviations' endings ("tv:n"), never a word of running text
                form = (stem[: len(stem) - len(strip)] if strip else stem) + add
                readings[form.lower()] |= name or rule_reading(stem, flags, flag, add, strip)
    return dict(readings)


def write_table(path: Path, readings: dict[str, int]) -> None:
    """The readings as a marisa RecordTrie (form -> 16-bit readings), written atomically."""
    import marisa_trie

    from nbsclean.atomic import write_atomic

    write_atomic(path, marisa_trie.RecordTrie("<H", sorted((form, (bits,)) for form, bits in readings.items())).tobytes())


_tables: dict[Path, object] = {}


def load_table(path: Path):
    """The readings table at ``path`` (read once), or None when there is none."""
    if path not in _tables:
        import marisa_trie

        table = None
        if path.is_file():
            table = marisa_trie.RecordTrie("<H")
            table.frombytes(path.read_bytes())
        _tables[path] = table
    return _tables[path]


def readings_of(word: str, table) -> int:
    """The readings of a lower-case word (0: the dictionary does not list it)."""
    if table is None:
        return 0
    found = table.get(word)
    return found[0][0] if found else 0


class ClassPattern:
    """A context rule's neighbour pattern ``@class[|class...]`` (:data:`CLASSES`): matches a
    word the dictionary lists that has a reading of the first class and no reading outside
    the classes named ("@neuter|plural": "öga", "fartyg", not "bilar" nor "te"). Used where
    a regex would be (``fullmatch``)."""

    def __init__(self, text: str, table_path: Path):
        names = text[1:].split("|")
        unknown = [n for n in names if n not in CLASSES]
        if not text.startswith("@") or unknown:
            raise ValueError(f"unknown word class {unknown or text!r} (known: {', '.join(CLASSES)})")
        self.pattern = text
        self.allowed = sum(CLASSES[n] for n in names)
        self.required = CLASSES[names[0]]
        self._table_path = table_path

    def fullmatch(self, word: str) -> bool:
        if not word:
            return False
        readings = readings_of(word, load_table(self._table_path))
        return readings & self.required != 0 and readings & ~self.allowed == 0

    def __repr__(self) -> str:
        return f"ClassPattern({self.pattern!r})"


__all__ = [
    "CLASSES",
    "CLASSES_FILE",
    "ClassPattern",
    "form_readings",
    "load_table",
    "parse_suffixes",
    "readings_of",
    "write_table",
]
