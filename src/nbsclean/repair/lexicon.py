"""The lexicon: which Swedish word forms exist and how common they are.

Sources, merged into one prebuilt cache file that loads in a fraction of a second:

* wordfreq's Swedish list ("sv", large: ~340 000 forms with frequencies);
* the domain lexicon in ``lexicons/domain/*.txt`` (places, organisations, names, terms of
  this archive), one form per line, as normally written;
* wordfreq's English list, only to recognise English passages that must be left alone.

Compounds (``kartläggningsunderlaget``) are accepted through their parts, with the linking
letters s/e/a/o/u Swedish uses.

The cache is layered. The expensive part - wordfreq's lists read and scored, hunspell's
forms filtered into a trie, the common English words - depends only on wordfreq's data and
the hunspell forms, so it is built once (:class:`BaseTables`, keyed by
:func:`base_fingerprint`) and shared by every lexicon directory and every version of its
domain words. The domain words of every layer (a few hundred, read in milliseconds) are
applied on top at each load (:func:`layered_lexicon`), so ``nbsclean lexicon add`` costs
no rebuild. The lexicon's sha256 (:func:`sources_fingerprint`) still covers every source,
domain words included: records name the exact lexicon they were made with.

The repair engine receives a :class:`Lexicon` object; nothing here is global except the
lazily loaded default instance.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import regex

from nbsclean.atomic import write_atomic
from nbsclean.errors import ProjectError

if TYPE_CHECKING:  # imported where a trie is opened: loading it costs start-up time
    import marisa_trie

log = logging.getLogger(__name__)

HEAD_ENDING_MAX = 6  # letters of a compound head's ending that _split_compound checks first
LISTED_MEMO_SIZE = 200_000  # forms whose is_listed answer is kept (~100 bytes each)
CACHE_FORMAT = 5  # part of every lexicon's sha256: change it only when lexicons change
BASE_FORMAT = 1  # the layout of the base cache files (lexbase-*.pickle)
KEEP_BASES = 4  # base caches kept: one per wordfreq/hunspell data in use (e.g. two versions)
LAYER_FILE = "lexicon.toml"  # a lexicon directory's own settings (extends = "packaged")
# The tables a layer may replace, relative to a lexicon directory. The n-gram model is one:
# a record made with another model was repaired with other context, so it is part of the
# lexicon's sha256 like the confusion and context tables.
TABLE_FILES = ("confusions.tsv", "context.tsv", "ngrams/sv.ngrams", "hunspell/sv_SE.classes.marisa")
HUNSPELL_FORMS = "hunspell/sv_SE.forms.marisa"  # relative to a lexicon directory
HUNSPELL_PROPER_NOUNS = "hunspell/sv_SE.names.marisa"  # forms hunspell writes only with a capital
DOMAIN_CATEGORIES = ("places", "organisations", "names", "terms")
# Frequencies are stored as zipf × 100 in small ints (zipf 3 = once per million words).
DOMAIN_ZIPF = 4.0  # a domain word is as plausible as a fairly common word
ENGLISH_MIN_ZIPF = 3.3  # English words common enough to mark a passage as English
MIN_COMPOUND_PART_ZIPF = 2.5  # a compound's first part must be an ordinary word...
MIN_COMPOUND_HEAD_ZIPF = 2.5  # ...and its head (which carries the inflection) a common one
MIN_SHORT_MODIFIER_ZIPF = 4.0  # ...and a three-letter first part a common one
MIN_COMPOUND_LENGTH = 7
# A longer form is not scored as a compound: the work grows with the square of its length
# (a slice and a hash per cut), and three of the longest listed forms (35 letters) joined
# would be a word no text uses. The repair engine leaves tokens this long alone anyway.
MAX_COMPOUND_LENGTH = 64
MIN_COMPOUND_ZIPF = 0.5  # a valid compound is known, however rare its parts make it
COMPOUND_NORM = 7.5  # log10 normaliser of P(modifier) · P(head), fitted on listed compounds
MAX_SHORT_HEAD_ZIPF = 6.3  # a three-letter head this common is a function word (den, som, man)
COMPOUND_REVIEW_BELOW = 3.5  # listed forms rarer than this are also read as compounds
HUNSPELL_ZIPF = 1.0  # a valid form hunspell knows but wordfreq never saw
GENITIVE_MIN_STEM_ZIPF = 2.5  # "satsningens": the genitive of a listed form is a form too
GENITIVE_PENALTY = 0.7
# Swedish noun endings (definite, plural, both, and their genitives) for domain terms.
DOMAIN_ENDINGS = ("en", "et", "n", "t", "er", "ar", "or", "na", "erna", "arna", "orna", "ens", "ets", "ers", "ernas", "arnas")
DOMAIN_INFLECTION_PENALTY = 1.0
LINKING_LETTERS = ("s", "e", "a", "o", "u")
_WORD_FORM = regex.compile(r"^[\p{L}][\p{L}'’-]*$")


def lexicon_dir() -> Path:
    """The active ``lexicons/`` directory when no project or option names one.

    ``NBSCLEAN_LEXICON_DIR`` wins; then the packaged lexicon (:func:`packaged_lexicon_dir`).
    Commands resolve projects and ``--lexicon`` in :func:`nbsclean.project.resolve_lexicon_dir`.
    """
    env = os.environ.get("NBSCLEAN_LEXICON_DIR")
    if env:
        return Path(env)
    return packaged_lexicon_dir()


def packaged_lexicon_dir() -> Path:
    """The lexicon that comes with nbsclean: the repository's ``lexicons/`` (a source
    checkout or editable install), else the copy packaged inside the wheel."""
    package = Path(__file__).resolve().parents[1]  # src/nbsclean, or site-packages/nbsclean
    repository = package.parents[1]
    for candidate in (repository / "lexicons", package / "lexicons"):
        if (candidate / "domain").is_dir():
            return candidate
    return repository / "lexicons"


def lexicon_layers(directory: Path) -> tuple[Path, ...]:
    """The directories a lexicon is made of, base first.

    A directory whose ``lexicon.toml`` says ``extends = "packaged"`` (an archive project's
    lexicon, see ``nbsclean init``) or ``extends = "PATH"`` is layered over that lexicon:
    its domain words are added to the base's, and its ``confusions.tsv``/``context.tsv``,
    when present, replace the base's. A directory without ``lexicon.toml`` stands alone.
    """
    chain: list[Path] = []
    current: Path | None = Path(directory).resolve()
    while current is not None:
        if current in chain:
            raise ProjectError("lexicons extend each other in a circle", source=str(current / LAYER_FILE))
        chain.append(current)
        current = _extended_lexicon(current)
    return tuple(reversed(chain))


def _extended_lexicon(directory: Path) -> Path | None:
    settings_path = directory / LAYER_FILE
    if not settings_path.is_file():
        return None
    from nbsclean.tomlfile import read_toml

    settings = read_toml(settings_path)
    unknown = sorted(set(settings) - {"extends"})
    if unknown:
        raise ProjectError(f"unknown setting(s): {', '.join(unknown)} (known: extends)", source=str(settings_path))
    extends = settings.get("extends")
    if extends is None:
        return None
    if not isinstance(extends, str) or not extends:
        raise ProjectError('extends must be "packaged" or the path of a lexicon directory', source=str(settings_path))
    base = packaged_lexicon_dir() if extends == "packaged" else directory / extends
    if not (base / "domain").is_dir():
        raise ProjectError(f"extends {extends!r}: no lexicon there ({base} has no domain/ folder)", source=str(settings_path))
    return base.resolve()


def table_path(layers: tuple[Path, ...], name: str) -> Path:
    """The topmost layer's copy of a table (``confusions.tsv``, ``context.tsv``)."""
    for layer in reversed(layers):
        if (layer / name).is_file():
            return layer / name
    return layers[-1] / name


def cache_dir() -> Path:
    env = os.environ.get("NBSCLEAN_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "nbsclean"


def read_word_list(path: Path) -> list[str]:
    """Word forms from a one-form-per-line file, skipping blanks and ``#`` comments."""
    words = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            words.append(line)
    return words


def domain_files(directory: Path) -> list[Path]:
    return sorted((directory / "domain").glob("*.txt"))


def sources_fingerprint(directory: Path) -> str:
    """sha256 over every lexicon source: the domain files of every layer, the tables in
    use (the n-gram model among them), the hunspell forms and wordfreq's version."""
    digest = hashlib.sha256()
    digest.update(f"format={CACHE_FORMAT}\n".encode())
    digest.update(f"wordfreq={_wordfreq_data_signature()}\n".encode())
    layers = lexicon_layers(directory)
    digest.update(b"hunspell=" + hunspell_signature(layers) + b"\n")
    named: list[tuple[str, Path]] = []
    for depth, layer in enumerate(layers):
        # A lexicon that stands alone keeps the names (and so the sha256) it always had.
        prefix = f"layer{depth}/" if depth else ""
        named += [(prefix + p.relative_to(layer).as_posix(), p) for p in domain_files(layer)]
    for name in TABLE_FILES:
        path = table_path(layers, name)
        if path.exists():
            named.append((name, path))
    for name, path in named:
        digest.update(name.encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _wordfreq_data_signature() -> str:
    """Size and name of wordfreq's Swedish data file: changes when wordfreq's data does.
    (Cheaper than importlib.metadata, which scans every installed distribution.)"""
    import importlib.util

    spec = importlib.util.find_spec("wordfreq")
    if spec is None or spec.origin is None:
        return "missing"
    data = Path(spec.origin).parent / "data" / "large_sv.msgpack.gz"
    return f"{data.name}:{data.stat().st_size}" if data.exists() else "no-large-sv"


@dataclass
class Lexicon:
    """Word forms (lower case) → zipf frequency × 100, plus domain and English words."""

    sha256: str
    directory: Path
    frequencies: dict[str, int]
    domain_words: dict[str, str]  # lower-case form → category
    domain_forms: dict[str, str]  # lower-case form → form as written ("npf" → "NPF")
    english: frozenset[str]  # English words that are not (common) Swedish
    english_any: frozenset[str]  # every common English word, Swedish or not
    valid_forms: "marisa_trie.Trie | frozenset[str]" = frozenset()  # hunspell forms wordfreq lacks
    layers: tuple[Path, ...] = ()  # the directories it is made of, base first (lexicon_layers)
    proper_nouns: "marisa_trie.Trie | frozenset[str]" = frozenset()  # hunspell's names, lower case
    _compound_cache: dict[str, float] = field(default_factory=dict, repr=False)
    _nested_cache: dict[str, float] = field(default_factory=dict, repr=False)
    _domain_inflections: frozenset[str] | None = field(default=None, repr=False)
    # is_listed's answers by form as asked: most forms are not in ``frequencies`` and then
    # cost a marisa lookup, and the repair asks about the same candidates in every document.
    _listed_memo: dict[str, bool] = field(default_factory=dict, repr=False, compare=False)
    _head_endings: frozenset[str] | None = field(default=None, repr=False, compare=False)  # see _build_head_endings
    _strong_head_endings: frozenset[str] = field(default=frozenset(), repr=False, compare=False)  # see _build_head_endings
    _strong_head_value: float = field(default=0.0, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.frequencies)

    def table_path(self, name: str) -> Path:
        """Where this lexicon's ``confusions.tsv`` / ``context.tsv`` comes from."""
        return table_path(self.layers or (Path(self.directory),), name)

    # -- lookups -----------------------------------------------------------------------------
    def zipf(self, word: str) -> float:
        """Zipf frequency of a form (0 when unknown).

        A listed form has its list frequency; a genitive of a listed form ("satsningens") a
        little less; a compound of known parts the score :meth:`compound_zipf` gives it, when
        that is higher than its (often tiny) list count.
        """
        lower = word.lower()
        direct = self.listed_zipf(lower)
        # A listed form that is common needs no compound reading; a rare one may have a
        # better one (målbilden: listed rarely, but mål + bilden are common).
        if len(lower) >= MIN_COMPOUND_LENGTH and direct < COMPOUND_REVIEW_BELOW:
            return max(direct, self.compound_zipf(lower))
        return direct

    def listed_zipf(self, lower: str) -> float:
        """Zipf of a form some list vouches for: wordfreq, the domain lexicon, an inflection
        of either, or hunspell (0 otherwise; compounds not considered)."""
        frequencies = self.frequencies
        value = frequencies.get(lower)
        if value is not None:
            return value / 100
        # inflection_zipf inlined: the repair asks this of every string the confusion walk
        # reaches (tens of thousands for one long run of letters), most of them no word.
        if lower[-1:] == "s":
            stem = frequencies.get(lower[:-1])
            if stem is not None and stem >= GENITIVE_MIN_STEM_ZIPF * 100:
                return stem / 100 - GENITIVE_PENALTY
        inflections = self._domain_inflections
        if inflections is None:
            inflections = self.domain_inflections
        if lower in inflections:
            return DOMAIN_ZIPF - DOMAIN_INFLECTION_PENALTY
        return HUNSPELL_ZIPF if lower in self.valid_forms else 0.0

    def direct_zipf(self, lower: str) -> float:
        value = self.frequencies.get(lower)
        return value / 100 if value is not None else 0.0

    def is_listed(self, word: str) -> bool:
        listed = self._listed_memo.get(word)
        if listed is None:
            lower = word.lower()
            listed = lower in self.frequencies or lower in self.valid_forms
            if len(self._listed_memo) > LISTED_MEMO_SIZE:
                self._listed_memo.clear()
            self._listed_memo[word] = listed
        return listed

    def inflection_zipf(self, lower: str) -> float:
        """Score an unlisted form as an inflection of a listed one (0 when it is not).

        The genitive -s of any listed form ("satsningens"), and the definite and plural
        endings of the archive's own terms ("barnhälsoteam" → "barnhälsoteamen"), which
        no general list inflects.
        """
        if lower.endswith("s"):
            stem = self.frequencies.get(lower[:-1])
            if stem is not None and stem >= GENITIVE_MIN_STEM_ZIPF * 100:
                return stem / 100 - GENITIVE_PENALTY
        if lower in self.domain_inflections:
            return DOMAIN_ZIPF - DOMAIN_INFLECTION_PENALTY
        return 0.0

    @property
    def domain_inflections(self) -> frozenset[str]:
        """Every domain term with every Swedish noun ending (built once, on first use)."""
        if self._domain_inflections is None:
            self._domain_inflections = frozenset(
                word + ending for word in self.domain_words for ending in DOMAIN_ENDINGS
            )
        return self._domain_inflections

    def is_known(self, word: str) -> bool:
        return self.zipf(word) > 0

    def is_domain(self, word: str) -> bool:
        lower = word.lower()
        return lower in self.domain_words or (lower.endswith("s") and lower[:-1] in self.domain_words)

    def is_proper_noun(self, lower: str) -> bool:
        """A name: a form hunspell writes only with a capital ("örebro", "anders"; not
        "dag" or "hall", which are also common words), or a domain word the archive writes
        with a capital and small letters after it ("Sörmland"; not "NPF") and no general
        list makes more common than a domain word (the first name "Dag" is also "dag")."""
        if lower in self.proper_nouns:
            return True
        written = self.domain_forms.get(lower)
        return (
            written is not None
            and written[:1].isupper()
            and any(c.islower() for c in written[1:])
            and self.frequencies.get(lower, 0) <= round(DOMAIN_ZIPF * 100)
        )

    def is_english(self, lower: str) -> bool:
        return lower in self.english

    def is_english_compatible(self, lower: str) -> bool:
        return lower in self.english_any

    def compound_zipf(self, lower: str) -> float:
        """Score a form as a compound of known parts (0 when it is not one).

        P(compound) ≈ P(modifier) · P(head) / norm, capped at the rarer part: a compound is
        never more common than its parts. Nested compounds (three or more parts) pay a
        penalty per level. Swedish linking letters and dropped final vowels are handled by
        :func:`_modifier_stems`.
        """
        cached = self._compound_cache.get(lower)
        if cached is not None:
            return cached
        score = self._split_compound(lower)
        if len(self._compound_cache) > 200_000:
            self._compound_cache.clear()
            self._nested_cache.clear()
        self._compound_cache[lower] = score
        return score

    def forget_compounds(self) -> None:
        """Empty the memories of compound scoring (a benchmark's cold start; the answers
        are the same with or without them)."""
        self._compound_cache.clear()
        self._nested_cache.clear()

    def _split_compound(self, lower: str) -> float:
        if not MIN_COMPOUND_LENGTH <= len(lower) <= MAX_COMPOUND_LENGTH or not lower.isalpha():
            return 0.0
        frequencies = self.frequencies  # hot loop: plain dict lookups, zipf × 100
        min_head, max_short_head = MIN_COMPOUND_HEAD_ZIPF * 100, MAX_SHORT_HEAD_ZIPF * 100
        head_endings = self._head_endings or self._build_head_endings()
        strong_endings, strong_head = self._strong_head_endings, self._strong_head_value
        best, found = 0.0, False
        # Shortest head first: once the last letters end no head word, no longer head is one
        # either, and the cuts before it need no look-up (a run of one letter tries none).
        # The answer is a maximum over the cuts, so their order does not change it.
        for cut in range(len(lower) - 3, 2, -1):
            head = lower[cut:]
            if len(head) <= HEAD_ENDING_MAX and head not in head_endings:
                break
            head_value = frequencies.get(head, 0)
            if head_value < min_head or (len(head) == 3 and head_value >= max_short_head):
                continue
            head_zipf = head_value / 100
            if found and head_zipf <= best:
                continue  # a score is capped at its head's zipf: this head cannot beat ``best``
            for stem in _modifier_stems(lower[:cut], head):
                stem_zipf = frequencies.get(stem, 0) / 100
                # A first part that is no word, or a rare one, may be a compound itself, as
                # :meth:`zipf` reads a rare listed form ("långtid" in "långtidsstudie"). Only
                # a first part ending like a strong head can be one that counts (see
                # _nested_compound_zipf): the others are not split at all.
                if stem_zipf < COMPOUND_REVIEW_BELOW and len(stem) >= 6 and stem[-3:] in strong_endings:
                    stem_zipf = max(stem_zipf, self._nested_compound_zipf(stem, strong_endings, strong_head))
                needed = MIN_SHORT_MODIFIER_ZIPF if len(stem) <= 3 else MIN_COMPOUND_PART_ZIPF
                if stem_zipf >= needed:
                    found = True
                    score = min(stem_zipf + head_zipf - COMPOUND_NORM, stem_zipf, head_zipf)
                    if score > best:
                        best = score
        return max(best, MIN_COMPOUND_ZIPF) if found else 0.0

    def _build_head_endings(self) -> frozenset[str]:
        """The last 3 to HEAD_ENDING_MAX letters of every word common enough to be a
        compound's head (built once, on the first compound; ~70 000 endings), and those of
        the heads strong enough for a nested compound that counts (see
        :meth:`_nested_compound_zipf`)."""
        frequencies = self.frequencies
        min_head = MIN_COMPOUND_HEAD_ZIPF * 100
        # A nested compound's score counts only when it reaches MIN_COMPOUND_PART_ZIPF:
        # min(stem + head - COMPOUND_NORM - 1, ...) ≥ that needs stem + head ≥ this sum, and
        # no stem is more common than the most common word. One unit (0.01 zipf) to spare,
        # so that no float rounding can matter.
        needed_sum = round((MIN_COMPOUND_PART_ZIPF + COMPOUND_NORM + 1) * 100)
        self._strong_head_value = max(min_head, needed_sum - max(frequencies.values(), default=0) - 1)
        self._strong_head_endings = frozenset(
            word[-size:]
            for word, value in frequencies.items()
            if value >= self._strong_head_value
            for size in range(3, min(len(word), HEAD_ENDING_MAX) + 1)
        )
        self._head_endings = frozenset(
            word[-size:]
            for word, value in frequencies.items()
            if value >= min_head
            for size in range(3, min(len(word), HEAD_ENDING_MAX) + 1)
        )
        return self._head_endings

    def _nested_compound_zipf(self, stem: str, strong_endings: frozenset[str], strong_head: float) -> float:
        """A compound's first part scored as a compound itself (kartläggnings|underlaget).

        Its score matters to the compound only when it reaches MIN_COMPOUND_PART_ZIPF (a
        first part rarer than that is no part), so this is that score, or 0 when it is
        lower: then only the heads that can reach it are tried (``strong_head`` and more
        common, their endings in ``strong_endings``), which keeps hostile runs of letters
        ("aaaaaaaa…", whose every first part is a nested candidate) cheap.
        """
        cached = self._nested_cache.get(stem)
        if cached is None:
            cached = self._nested_cache[stem] = self._strong_nested_split(stem, strong_endings, strong_head)
        return cached

    def _strong_nested_split(self, lower: str, strong_endings: frozenset[str], strong_head: float) -> float:
        """:meth:`_split_compound` at depth 1, when its answer is at least
        MIN_COMPOUND_PART_ZIPF; 0 otherwise. Every cut it skips has a head rarer than
        ``strong_head``, and so a score below that."""
        if not MIN_COMPOUND_LENGTH - 1 <= len(lower) <= MAX_COMPOUND_LENGTH or not lower.isalpha():
            return 0.0
        frequencies = self.frequencies
        max_short_head = MAX_SHORT_HEAD_ZIPF * 100
        best, found = 0.0, False
        for cut in range(len(lower) - 3, 2, -1):
            head = lower[cut:]
            if len(head) <= HEAD_ENDING_MAX and head not in strong_endings:
                break
            head_value = frequencies.get(head, 0)
            if head_value < strong_head or (len(head) == 3 and head_value >= max_short_head):
                continue
            head_zipf = head_value / 100
            for stem in _modifier_stems(lower[:cut], head):
                stem_zipf = frequencies.get(stem, 0) / 100
                needed = MIN_SHORT_MODIFIER_ZIPF if len(stem) <= 3 else MIN_COMPOUND_PART_ZIPF
                if stem_zipf >= needed:
                    found = True
                    score = min(stem_zipf + head_zipf - COMPOUND_NORM - 1, stem_zipf, head_zipf)
                    if score > best:
                        best = score
        return best if found and best >= MIN_COMPOUND_PART_ZIPF else 0.0


def _modifier_stems(modifier: str, head: str = ""):
    """Words a compound's first part may stand for.

    The part itself; without a linking letter (arbets- → arbet, familje- → familj); and with
    the final vowel Swedish drops or changes (medarbetar- → medarbetare, skol- → skola,
    barnmorske- → barnmorska); and with the consonant a triple consonant lost at the
    joint (lätt + tillgänglig → lättillgänglig).
    """
    if head[:1] == modifier[-1:] and len(modifier) >= 3 and modifier[-2:-1] == modifier[-1:]:
        pass  # "lätt|tillgänglig" is already split as lätt + tillgänglig
    elif head[:1] and head[:1] == modifier[-1:] and head[:1] not in "aeiouyåäö":
        yield modifier + modifier[-1]
    if len(modifier) >= 3:
        yield modifier
        yield modifier + "e"
        yield modifier + "a"
    if modifier[-1:] in LINKING_LETTERS and len(modifier) >= 4:
        yield modifier[:-1]
        yield modifier[:-1] + "e"
        yield modifier[:-1] + "a"


# -- building and caching ----------------------------------------------------------------------


@dataclass(frozen=True)
class BaseTables:
    """The costly part of a lexicon, the same for every lexicon over the same wordfreq data
    and hunspell forms: built once, cached on disk, shared (never changed: layers copy)."""

    fingerprint: str
    frequencies: dict[str, int]  # wordfreq's Swedish forms → zipf × 100
    english_common: dict[str, float]  # common English words → their English zipf
    valid_forms: "marisa_trie.Trie | frozenset[str]" = frozenset()  # hunspell forms wordfreq lacks


def base_fingerprint(layers: tuple[Path, ...]) -> str:
    """sha256 of what the base tables are made of: wordfreq's data and the hunspell forms
    (domain words and tables are not: they are applied on top, or not used by the build)."""
    digest = hashlib.sha256()
    digest.update(f"base-format={BASE_FORMAT}\nformat={CACHE_FORMAT}\n".encode())
    digest.update(f"wordfreq={_wordfreq_data_signature()}\n".encode())
    digest.update(b"hunspell=" + hunspell_signature(layers) + b"\n")
    return digest.hexdigest()


def build_base(layers: tuple[Path, ...], fingerprint: str | None = None) -> BaseTables:
    """Build the base tables from wordfreq and the hunspell forms (slow: seconds)."""
    import wordfreq

    frequencies: dict[str, int] = {}
    for word, freq in wordfreq.get_frequency_dict("sv", "large").items():
        if _WORD_FORM.match(word):
            frequencies[word] = max(1, round(wordfreq.zipf_frequency(word, "sv") * 100))
    # Valid forms with no frequency of their own (rarer than any word wordfreq counts), kept
    # in a compact trie: 600 000 more forms for 2 MB that load in no time. A form that a
    # domain layer later lists stays in the trie harmlessly: lookups try frequencies first.
    valid_forms = _make_trie(form for form in hunspell_forms(layers) if form not in frequencies)
    english_common = {
        word: zipf
        for word in wordfreq.iter_wordlist("en", "small")
        if _WORD_FORM.match(word) and (zipf := wordfreq.zipf_frequency(word, "en")) >= ENGLISH_MIN_ZIPF
    }
    return BaseTables(fingerprint or base_fingerprint(layers), frequencies, english_common, valid_forms)


def layered_lexicon(base: BaseTables, directory: Path, layers: tuple[Path, ...], fingerprint: str) -> Lexicon:
    """The lexicon of ``directory``: the base tables with the domain words of every layer
    applied on top (milliseconds). The same lexicon a build from all sources at once gives."""
    frequencies = dict(base.frequencies)  # the base is shared: a layer never changes it
    domain_words: dict[str, str] = {}
    domain_forms: dict[str, str] = {}
    # Base first: an archive's own file decides the category of a word both lists have.
    for path in [p for layer in layers for p in domain_files(layer)]:
        category = path.stem
        for form in read_word_list(path):
            lower = form.lower()
            domain_words[lower] = category
            domain_forms[lower] = form
            # The form and its genitive (Sörmlands, Oxelösunds) are as plausible as common words.
            for variant in (lower, lower if lower.endswith(("s", "x", "z")) else lower + "s"):
                frequencies[variant] = max(frequencies.get(variant, 0), round(DOMAIN_ZIPF * 100))
    # Marked English: common in English and clearly rarer in Swedish (domain words count as
    # Swedish). The other common English words ("information", "is") are English-compatible.
    english = frozenset(w for w, z in base.english_common.items() if z > frequencies.get(w, 0) / 100 + 1.0)
    return Lexicon(
        fingerprint, directory, frequencies, domain_words, domain_forms, english,
        frozenset(base.english_common), base.valid_forms, layers, hunspell_proper_nouns(layers),
    )


def build_lexicon(directory: Path, fingerprint: str | None = None) -> Lexicon:
    """Build the lexicon from its sources without any cache (slow: seconds). Prefer
    :func:`load_lexicon`."""
    layers = lexicon_layers(directory)
    return layered_lexicon(build_base(layers), directory, layers, fingerprint or sources_fingerprint(directory))


def _make_trie(forms):
    import marisa_trie

    return marisa_trie.Trie(forms)


def hunspell_forms_file(layers: tuple[Path, ...] = ()) -> Path | None:
    """The hunspell forms a lexicon uses: the topmost layer's ``hunspell/`` (an archive may
    ship its own), else the packaged one's; None when neither has them."""
    for base in (*reversed(layers), packaged_lexicon_dir()):
        path = Path(base) / HUNSPELL_FORMS
        if path.is_file():
            return path
    return None


def hunspell_proper_nouns(layers: tuple[Path, ...] = ()) -> "marisa_trie.Trie | frozenset[str]":
    """The forms hunspell's dictionary writes only with a capital (names of places and
    people, lower case), shipped beside its forms by tools/build_hunspell_forms.py and
    memory-mapped (microseconds); empty when that file is missing."""
    forms_file = hunspell_forms_file(layers)
    path = forms_file.parent / Path(HUNSPELL_PROPER_NOUNS).name if forms_file else None
    if path is None or not path.is_file():
        return frozenset()
    return mapped_trie(path)


def mapped_trie(path: Path) -> "marisa_trie.Trie":
    """A marisa trie file memory-mapped, not read: opening it takes microseconds, and the
    processes of a run share its pages."""
    import marisa_trie

    trie = marisa_trie.Trie()
    trie.mmap(str(path))
    return trie


def hunspell_signature(layers: tuple[Path, ...] = ()) -> bytes:
    """What identifies the hunspell forms for the lexicon's fingerprint: their SOURCE.json
    (sources' and forms' sha256), read in microseconds rather than hashing 2 MB."""
    path = hunspell_forms_file(layers)
    if path is None:
        return b"none"
    source = path.parent / "SOURCE.json"
    return source.read_bytes() if source.exists() else str(path.stat().st_size).encode()


def hunspell_forms(layers: tuple[Path, ...] = ()) -> list[str]:
    """Every word form of hunspell's Swedish dictionary, lower case, as shipped in
    ``lexicons/hunspell/`` (built once by tools/build_hunspell_forms.py): the same on every
    machine, whatever hunspell packages it has. Empty (with a warning) when missing."""
    path = hunspell_forms_file(layers)
    if path is None:
        log.warning("the hunspell forms (lexicons/%s) are missing: the lexicon has wordfreq's forms only", HUNSPELL_FORMS)
        return []
    return mapped_trie(path).keys()


def _base_cache_path(fingerprint: str) -> Path:
    # Not "lexicon-*": the whole-lexicon caches of earlier versions are theirs to evict.
    return cache_dir() / f"lexbase-{fingerprint[:16]}.pickle"


def _write_base_cache(base: BaseTables, path: Path) -> None:
    """The pickle of the frequency tables and, beside it, the trie of extra valid forms
    (written first, so a pickle never exists without its trie)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if hasattr(base.valid_forms, "tobytes"):
        write_atomic(path.with_suffix(".marisa"), base.valid_forms.tobytes())
    payload = (BASE_FORMAT, base.fingerprint, base.frequencies, base.english_common)
    write_atomic(path, pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL))
    _remove_stale_bases(path)


def _remove_stale_bases(current: Path, keep: int = KEEP_BASES) -> None:
    """Keep the newest few base caches. Each stands for one wordfreq/hunspell data set, not
    for a lexicon directory: every project and every edit of domain words shares one, so a
    few cover several nbsclean versions installed side by side."""
    def modified(path: Path) -> float:
        try:
            return path.stat().st_mtime
        except FileNotFoundError:  # removed meanwhile by another process's eviction
            return 0.0

    bases = sorted(current.parent.glob("lexbase-*.pickle"), key=modified, reverse=True)
    for stale in [p for p in bases if p != current][max(keep - 1, 0):]:
        stale.unlink(missing_ok=True)
        stale.with_suffix(".marisa").unlink(missing_ok=True)


def _read_base_cache(path: Path, fingerprint: str) -> BaseTables | None:
    try:
        with path.open("rb") as handle:
            fmt, sha, frequencies, english_common = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, ValueError, EOFError, TypeError):
        return None
    if fmt != BASE_FORMAT or sha != fingerprint:
        return None
    valid_forms = frozenset()
    trie_path = path.with_suffix(".marisa")
    if trie_path.exists():
        valid_forms = mapped_trie(trie_path)
    try:  # a base used again is recent: touch it, so eviction keeps it
        os.utime(path)
    except OSError:
        pass
    return BaseTables(sha, frequencies, english_common, valid_forms)


def load_lexicon(directory: str | Path | None = None) -> Lexicon:
    """The lexicon for ``directory`` (default :func:`lexicon_dir`), from cache when fresh."""
    directory = Path(directory) if directory else lexicon_dir()
    check_lexicon_dir(directory)
    return _load_cached(directory.resolve(), sources_fingerprint(directory))


def check_lexicon_dir(directory: Path) -> None:
    """A missing lexicon directory is exit 5, a folder that is not a lexicon exit 1, both named."""
    from nbsclean.errors import BadArgumentsError, FileAccessError

    if not directory.exists():
        raise FileAccessError("no such lexicon directory", source=str(directory))
    if not (directory / "domain").is_dir():
        raise BadArgumentsError(
            "not a lexicon directory: it has no domain/ folder (a lexicon is domain/*.txt, "
            "confusions.tsv and context.tsv, like the repository's lexicons/)",
            source=str(directory),
        )


@lru_cache(maxsize=4)
def _load_cached(directory: Path, fingerprint: str) -> Lexicon:
    layers = lexicon_layers(directory)
    return layered_lexicon(load_base(layers), directory, layers, fingerprint)


_BASES: dict[str, BaseTables] = {}  # the base tables this process has loaded (one, usually)


def load_base(layers: tuple[Path, ...]) -> BaseTables:
    """The base tables for ``layers``: from this process, else the cache file, else built
    (once per change of wordfreq's data or the hunspell forms) and cached."""
    fingerprint = base_fingerprint(layers)
    base = _BASES.get(fingerprint)
    if base is not None:
        return base
    path = _base_cache_path(fingerprint)
    base = _read_base_cache(path, fingerprint) if path.exists() else None
    if base is None:
        log.info("building the lexicon's base cache %s (once per change of wordfreq or hunspell data)", path)
        base = build_base(layers, fingerprint)
        try:
            _write_base_cache(base, path)
        except OSError as exc:  # a read-only home still works, only slower
            log.warning("could not write the lexicon cache %s: %s", path, exc)
    if len(_BASES) >= 2:
        _BASES.clear()
    _BASES[fingerprint] = base
    return base
