"""The repair engine: Swedish OCR damage in, clean text and an explanation out (pure).

``repair_text(text, lexicon)`` runs :mod:`nbsclean.repair.normalise` (layout and Unicode fixes) and
then a noisy-channel decision per word token::

    best intended word w for what OCR wrote (o)  =  argmax  P(w) · P(o | w)

P(w) comes from the lexicon (wordfreq's Swedish list, hunspell's forms, the archive's domain
words, compounds through their parts); P(o | w) from the OCR confusion table in
``lexicons/confusions.tsv``, learned from aligned damaged/clean pairs. A word the lexicon
knows is replaced only when the alternative is much more probable *and* the document shows
the damage this model describes (its prior, :func:`damage_prior`: an English OCR model
never writes å, ä or ö), so correct Swedish, names, English passages, URLs, e-mail
addresses and numbers are left alone; ``lexicons/context.tsv`` decides valid-but-wrong
words from their neighbours. A non-word the table cannot explain gets one generic edit
outside it (a lost or extra letter, any letter read for å/ä/ö) at a fixed low probability.
Words that OCR glued together ("insatserihela") are split when each part is a word. Every
change is an :class:`~nbsclean.edits.Edit` with a rule name and a score.
"""

from __future__ import annotations

import bisect
import math
import os
import re
import stat
import unicodedata
from collections import Counter
from itertools import accumulate, compress
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from operator import itemgetter
from typing import Iterator, NamedTuple

import regex

from nbsclean.repair.addresses import address_spans, at_sign_repairs
from nbsclean.repair.compounds import rare_compound_log10, rare_compound_zipf
from nbsclean.repair.confusions import Confusion, ConfusionModel, ContextRule, load_context_rules
from nbsclean.repair.dashes import range_dash_edits
from nbsclean.repair.quotes import quote_mark_edits
from nbsclean.edits import Edit, apply_edits, compose
from nbsclean.repair.lexicon import MIN_COMPOUND_ZIPF, Lexicon, lexicon_dir, load_lexicon
from nbsclean.repair.memo import remembering
from nbsclean.repair.ngrams import Evidence, NgramModel, load_model, model_path
from nbsclean.repair.wordclasses import CLASSES_FILE, ClassPattern
from nbsclean.repair.normalise import fix_nfc, normalise

# --- Tokens ---------------------------------------------------------------------------------
# The stdlib ``re`` engine is several times faster than ``regex`` on this simple pattern, and
# tokenising is the hot path. Text reaching here is NFC (normalise ran first), so letters
# with diacritics are single code points that ``\w`` matches.
WORD_RE = re.compile(
    r"""
      [^\W_]+ (?: [&|] [^\W_]* | [\[@§] (?=[^\W\d_]) [^\W_]+ )*  # with OCR's & or | inside or after ("p&", "l|d"), [ @ § inside ("l[anets", "om@jligt": e-mail addresses are masked first)
    | [&|] (?=[^\W\d_]) [^\W_]*      # a word OCR began with & or | ("&r" for "är", "|anet")
    | € (?=[^\W\d_A-ZÅÄÖ]) [^\W_]+      # or with € before a small letter ("€rlig" for "årlig"; never a price)
    """,
    re.VERBOSE,
)
# Spans that are never repaired: web addresses and e-mail addresses. An e-mail address is
# found from its "@" outwards, so the text is not scanned character by character for one.
URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"']+")
_EMAIL_LOCAL_PART = re.compile(r"[\w.+-]+$")
_EMAIL_DOMAIN = re.compile(r"[\w-]+(?:\.[\w-]+)+")
# Characters that never occur inside a correct Swedish word but often in OCR damage.
_NOISE_IN_WORD = re.compile(r"[\d&|\[€@§éèêëíìóòúùáàâ]")
# "Idns" mid-sentence: a capital I followed by lower case is often OCR's reading of "l".
_CAPITAL_I_FOR_L = regex.compile(r"^I\p{Ll}")
_SENTENCE_END = regex.compile(r"(?:^|[.!?:•\n]\s*|\n\s*\n\s*)$")
# A capitalised word and the single space (or line end) after it, just before a token:
# "Anders " before "Hall".
_CAPITALISED_WORD_BEFORE = regex.compile(r"(?<![\p{L}\p{N}])\p{Lu}\p{Ll}+[ \n]$")
NAME_LOOKBACK_CHARS = 40  # longer than any given name


class Token(NamedTuple):
    """A token of the text (a named tuple: the repair builds one per word it looks at, and a
    frozen dataclass costs twice as much to make)."""

    start: int
    end: int
    text: str
    kind: str  # word | url | email | number


def _protected_spans(text: str) -> list[tuple[int, int]]:
    """Sorted, merged (start, end) spans of web and e-mail addresses in ``text``."""
    spans = [m.span() for m in URL_RE.finditer(text)] if ("http" in text or "www." in text) else []
    at = text.find("@")
    while at != -1:
        local = _EMAIL_LOCAL_PART.search(text, max(0, at - 64), at)
        domain = _EMAIL_DOMAIN.match(text, at + 1)
        if local and domain:
            spans.append((local.start(), domain.end()))
        at = text.find("@", at + 1)
    # Addresses found from their domain: also those whose "@" OCR misread ("geislerQfou.se").
    spans.extend(address_spans(text))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


_WORD_SPLIT_RE = re.compile("(" + WORD_RE.pattern + ")", re.VERBOSE)
# The same pattern for a text without "_": there "[^\W_]" (a word character but "_") is
# "\w" and "[^\W\d_]" (a letter) is "[^\W\d]", and the engine tests the plain classes
# about a third faster. Most texts hold no "_".
_NO_UNDERSCORE_WORD_RE = re.compile(WORD_RE.pattern.replace(r"[^\W_]", r"\w").replace(r"[^\W\d_", r"[^\W\d"), re.VERBOSE)
_NO_UNDERSCORE_SPLIT_RE = re.compile("(" + _NO_UNDERSCORE_WORD_RE.pattern + ")", re.VERBOSE)


def _mask_protected(text: str) -> str:
    """``text`` with URLs and e-mail addresses blanked out (offsets unchanged)."""
    spans = _protected_spans(text)
    if not spans:
        return text
    parts, cursor = [], 0
    for start, end in spans:
        parts.append(text[cursor:start])
        parts.append(" " * (end - start))
        cursor = end
    parts.append(text[cursor:])
    return "".join(parts)


@dataclass
class WordScan:
    """Every word-like token of a text, found in one pass at C speed.

    ``forms[k]`` starts at ``bounds[2k]`` and ends at ``bounds[2k + 1]``. Numbers are
    included (their analysis says they are not words); URLs and e-mail addresses are not.
    """

    forms: list[str]
    bounds: list[int]

    def span(self, k: int) -> tuple[int, int]:
        return self.bounds[2 * k], self.bounds[2 * k + 1]


# Without any of the characters OCR puts inside words ("&", "|", "[", "€", "@", "§"), WORD_RE's
# alternatives that need one never match, and a word token is a plain run of word
# characters: the engine finds those about twice as fast as it tries the alternatives at
# every position. Most texts hold none of them.
_PLAIN_WORD_RE = re.compile(r"[^\W_]+")
_PLAIN_NO_UNDERSCORE_WORD_RE = re.compile(r"\w+")
_PLAIN_SPLIT_RE = re.compile(r"([^\W_]+)")
_PLAIN_NO_UNDERSCORE_SPLIT_RE = re.compile(r"(\w+)")
_IN_WORD_MARKS = ("&", "|", "[", "€", "@", "§")  # looked for with addresses masked: an e-mail's "@" is none


def _word_pattern(text: str, split: bool) -> re.Pattern:
    """The fastest pattern that finds WORD_RE's tokens in ``text`` (with a group around the
    token for ``re.split`` when ``split``)."""
    underscore = "_" in text
    if any(mark in text for mark in _IN_WORD_MARKS):
        if split:
            return _WORD_SPLIT_RE if underscore else _NO_UNDERSCORE_SPLIT_RE
        return WORD_RE if underscore else _NO_UNDERSCORE_WORD_RE
    if split:
        return _PLAIN_SPLIT_RE if underscore else _PLAIN_NO_UNDERSCORE_SPLIT_RE
    return _PLAIN_WORD_RE if underscore else _PLAIN_NO_UNDERSCORE_WORD_RE


def scan_words(text: str) -> WordScan:
    masked = _mask_protected(text)
    pieces = _word_pattern(masked, True).split(masked)  # [gap, word, gap, word, ..., gap]
    return WordScan(pieces[1::2], list(accumulate(map(len, pieces))))


def word_forms(text: str) -> list[str]:
    """``scan_words(text).forms`` without the offsets (for counting forms)."""
    masked = _mask_protected(text)
    return _word_pattern(masked, False).findall(masked)


def word_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, form) of every word token: letters (and OCR noise), not numbers,
    not inside a URL or an e-mail address."""
    scan = scan_words(text)
    return [(*scan.span(k), form) for k, form in enumerate(scan.forms) if any(c.isalpha() for c in form)]


def tokenize(text: str) -> Iterator[Token]:
    """All tokens with their kind: word, number, url or email, in text order."""
    protected = [(s, e, "email" if "@" in text[s:e] and "://" not in text[s:e] else "url") for s, e in _protected_spans(text)]
    starts = [p[0] for p in protected]
    emitted = set()
    for match in WORD_RE.finditer(text):
        start = match.start()
        i = bisect.bisect_right(starts, start) - 1
        if i >= 0 and start < protected[i][1]:
            if i not in emitted:
                emitted.add(i)
                s, e, kind = protected[i]
                yield Token(s, e, text[s:e], kind)
            continue
        form = match.group()
        kind = "word" if any(c.isalpha() for c in form) else "number"
        yield Token(start, match.end(), form, kind)


def tokenize_words(text: str) -> list[Token]:
    """Word tokens only (URLs, e-mail addresses and numbers excluded)."""
    return [Token(s, e, f, "word") for s, e, f in word_spans(text)]


# --- Tuning ---------------------------------------------------------------------------------
# All scores are log10 probabilities (zipf units). Values were set on samples/rendered and
# samples/seeds and checked on samples/heldout, which is never used for tuning.

MAX_CHANGES = 3  # confusions per word
MIN_REPAIR_SCORE = -1.0  # score + document prior a non-word's repair needs
# A non-word holding characters only OCR damage writes ("tvattéckta", "MéIndalsan") is wrong
# as it stands: a repair the confusion table explains needs less (set on the development
# set of tools/make_dev_pairs.py: -1.5 to -3.0 repaired 3 and 4 more words there, none wrongly;
# the fixtures unchanged).
MIN_NOISY_REPAIR_SCORE = -2.0
MIN_SPLIT_LOGP = -12.5  # log10 P of a split (+ prior) must beat an unseen rare word
KNOWN_WORD_MARGIN = 0.75  # a listed word must lose by ~6× (after the prior) to be replaced
SPLIT_PENALTY = 1.0  # per extra word when splitting a glued token (a lost space is rarer than a kept one)
MAX_SPLIT_PARTS = 4
MAX_PIECE_CHANGES = 2  # confusions per part of a glued token
GENERIC_EDIT_LOG10P = -3.0  # one OCR error the confusion table does not hold (a lost or extra letter)
GENERIC_MIN_LENGTH = 5  # shorter non-words are one edit away from too many words
# A generic edit explains less than the table, so it needs more: a document that looks
# damaged (at least a quarter of the evidence says so) and a word ten times likelier than
# a table repair needs.
GENERIC_MIN_PRIOR = math.log10(0.25 / 0.75)
GENERIC_MIN_REPAIR_SCORE = MIN_REPAIR_SCORE + 1.0
MIN_RARE_COMPOUND_LENGTH = 8  # a compound of rare parts: "färgvy" is too short to trust
# ...and at most this long: the compounds of prose ("barnhälsovårdsöverläkare" has 24
# letters); scoring a reading costs its length squared, and longer tokens are glued text.
MAX_RARE_COMPOUND_LENGTH = 25
MAX_RARE_COMPOUND_SCORINGS = 60  # readings of one non-word scored as rare compounds, fewest changes first (60, 120 and 300 alike on the development set; each costs)
GENERIC_TABLE_CHANGES = 1  # table confusions beside the generic edit (more: long words cost 0.1-0.5 s)
# A split has at least two parts, each at most as probable as the commonest word (zipf ~7.5),
# and pays the split penalty: a single-word repair scoring above this always wins.
SPLIT_CANNOT_BEAT_SCORE = 2 * (7.5 - 9.0) + 9.0 - 1.0
MIN_SHORT_PART_ZIPF = 5.5  # one- and two-letter parts of a split must be very common words
MIN_SPLIT_PART_ZIPF = 4.0  # longer parts must be common words
SINGLE_LETTER_WORDS = frozenset("iåö")  # Swedish words of one letter
ZIPF_TOTAL = 9.0  # zipf = log10(frequency per 10⁹ words)
SWEDISH_FUNCTION_WORD_ZIPF = 6.0  # "i", "en", "man", "in": Swedish first, whatever English says
ENGLISH_MAX_SWEDISH_ZIPF = 5.0  # "for", "right", "every": English, and not common Swedish
# Mid-sentence, a capital O or A before a word this common (3 in a million words) that is no
# name (hunspell's names, the archive's) is a small ö or ä an English model read as a capital.
COMMON_WORD_ZIPF = 3.5
NAME_REPAIR_MIN_SCORE = 1.5  # a capitalised non-word mid-sentence may be a name: repair only into a likely word
# (capital OCR wrote, small letter meant): an English model's "I" for l, "O" for ö, "A" for ä
# and for å (the development pages: "att Angra nagra", "till\nAtminstone").
CAPITALS_READ_FOR_SMALL_LETTERS = frozenset({("I", "l"), ("O", "ö"), ("A", "ä"), ("A", "å")})
DAMAGE_PRIOR_FLOOR = 0.002
DAMAGE_PRIOR_CEILING = 0.5  # even odds: the channel model then decides alone
# The bigram model (nbsclean.repair.ngrams) compares valid words by their neighbours. It
# may turn a settled word into another only in a document that looks damaged (as a generic
# edit may), so clean Swedish is never changed, and it moves the odds between two words at
# most a thousandfold: it learned from 700 000 words of one kind of prose, and a pair it
# never saw is weak evidence.
CONTEXT_MIN_PRIOR = GENERIC_MIN_PRIOR
CONTEXT_MAX_LOG10_GAIN = 3.0
# Evidence from one neighbour only (the other is a word the model never saw beside either
# candidate, or one still waiting for its own decision) must be stronger: the rival must win
# by this much more than KNOWN_WORD_MARGIN (set on a development set of GIMP help and
# newsreel transcripts drawn and OCR'd as samples/rendered, tools/make_dev_pairs.py, where
# it made 53 right changes, 4 half right (the case wrong) and 1 correct word wrong; with
# 1.25, 46 and none).
CONTEXT_ONE_SIDE_MARGIN = 0.5
CONTEXT_RULE_VETO = 1.0
CONTEXT_NO_EVIDENCE = 1e-9  # a log10 gain difference this small is none (rounding of equal factors)
# Where the bigrams know nothing of the following word beside either word, its word class
# (nbsclean.repair.ngrams.WordClasses: its ending) may speak for replacing a word by a rival,
# never for keeping one and never as a veto (_neighbours_favour), and only between two words
# the model saw often (on the development set: GIMP 94 errors instead of 97, newsreels 241
# instead of 243, the fixtures unchanged; 3 letters of ending harmed 2 correct seed words,
# the class of the word before 1 more newsreel word and a seed word with the newsreel model).
CONTEXT_WORD_CLASSES = True
# A word decided without its next word (that one was waiting for its own decision) is looked
# at again once the next word is decided (development set: GIMP 97 → 94 errors, newsreels
# 242 → 241, all changes right; the fixtures unchanged).
SECOND_LOOK = True
# Bounds on the work one token may cost (hostile input: glued lines, runs of one letter).
# Ordinary text stays far below them (see bench/bench_worst_case.py for the largest cases).
MAX_WORD_LENGTH = 50  # a longer token is left alone (Engine.analyse says why)
MAX_SPLIT_LENGTH = 40  # a glued token of at most MAX_SPLIT_PARTS words
MAX_WALK_STEPS = 50_000  # steps of one reachability walk (samples/: at most 12 577)
MAX_COMPOUND_SCORINGS = 4_000  # strings of one walk scored as compounds (samples/: at most 2 048)
MAX_GENERIC_STEPS = 150_000  # walk steps of all generic edits of one token (samples/: at most 50 061)
MAX_SPLIT_STEPS = 150_000  # walk steps of all pieces of one glued token (samples/: at most 51 872)
_UNREACHED = (-math.inf, 0)
# Tokens at least this long have their walks counted before they are walked (Engine._walk_steps):
# a shorter one cannot run far beyond a budget, and counting would only add to its cost.
PRECOUNT_MIN_LENGTH = 16
# From this length a walk of two or three confusions is counted, then made from confusion to
# confusion (Engine._walk_by_leaves): faster than letter by letter (same strings, same order).
WALK_BY_LEAVES_MIN_LENGTH = 10
# Decisions kept across documents (Engine.decisions_for): tables for this many pairs of
# priors, each of at most this many forms (~100 bytes each: a few MB in all).
DECISION_TABLES = 16
DECISIONS_PER_TABLE = 20_000


@dataclass(frozen=True, slots=True)
class Candidate:
    word: str  # lower case
    score: float  # log10 P(word) + log10 P(observed | word)
    changes: int
    generic: bool = False  # reached through an edit outside the confusion table (a fallback)
    rare_compound: bool = False  # a compound of rare parts (repair.compounds), also a fallback: generic too


@dataclass(frozen=True, slots=True)
class Analysis:
    """What the model thinks of one token form, before context (cached per form)."""

    known_zipf: float  # 0 when the form itself is not a word
    listed: bool  # the form itself is in wordfreq's list or the domain lexicon
    in_list: bool  # some list vouches for it (also inflections, hunspell): not only a compound
    best: Candidate | None  # the best different word reachable through OCR confusions
    runner_up: float  # score of the second-best candidate (-inf if none)
    alternatives: tuple[Candidate, ...]  # the best few candidates, for context rules
    suspicious: bool  # contains characters that only OCR damage produces
    english: bool  # a common English word that is rare in Swedish
    english_compatible: bool  # any common English word ("information", "is")
    has_diacritics: bool  # holds å, ä or ö
    is_word: bool  # has a letter (numbers are scanned too, and skipped)
    settled: bool  # kept whatever the document and context: listed, with no listed rival


@dataclass
class RepairResult:
    text: str
    edits: list[Edit]
    stats: dict = field(default_factory=dict)
    unknown: Counter = field(default_factory=Counter)
    damage: float = 0.0


class Engine:
    """Lexicon + confusion model + caches. Pure: no I/O after construction."""

    def __init__(
        self,
        lexicon: Lexicon,
        model: ConfusionModel,
        context_rules: dict[str, list[ContextRule]] | None = None,
        ngrams: "NgramModel | None" = None,
    ):
        self.lexicon = lexicon
        self.model = model
        self.context_rules = context_rules or {}
        # The model's context gains repeat across documents: remembered (same floats).
        self.ngrams = remembering(ngrams)
        self._ngram_verdicts: dict[tuple, tuple[str, float, dict] | None] = {}
        self._ngram_plans: dict[tuple, tuple | None] = {}  # Repairer._ngram_plan, per word and neighbours
        self._context_plans: dict[tuple, tuple] = {}  # Repairer._context_plan, per word and neighbours
        self._analysis_cache: dict[str, Analysis] = {}
        self._split_cache: dict[str, tuple[list[str], float] | None] = {}
        self._piece_repairs: dict[str, tuple[list[Candidate], int]] = {}
        self._unknown_verdicts: dict[str, bool] = {}  # unknown_words: form -> on the to-do list
        self._unknown_forms: set[str] = set()  # the forms _unknown_verdicts puts on the list
        self._plausible_names: dict[str, bool] = {}  # capitalised form -> a plausible name as written
        self._decision_tables: dict[tuple[float, float], dict] = {}  # see decisions_for
        self._lower_case_plans: dict[str, tuple] = {}  # Repairer._lower_case_plan, per form
        # rivals_within_reach: per form, its closest listed rival and whether it is unsettled
        # with a listed best candidate (the forms looked at are in _rivals_classified).
        self._closest_rivals: dict[str, float] = {}
        self._unsettled_with_listed_best: set[str] = set()
        self._rivals_classified: set[str] = set()
        # document_evidence: the forms that are no words, look damaged, or are correct words
        # with å/ä/ö (what damage_evidence counts), as sets for counting at C speed.
        self._evidence_sets: tuple[set[str], set[str], set[str], set[str]] = (set(), set(), set(), set())
        # attention_forms: the forms looked at, those that need a look at each occurrence
        # (unsettled or English) and those with context rules.
        self._attention_sets: tuple[set[str], set[str], set[str]] = (set(), set(), set())

    def document_evidence(self, counts: Counter) -> tuple[dict[str, Analysis], tuple[int, int, int]]:
        """Every form's analysis and :func:`damage_evidence` of a text whose forms occur
        ``counts`` times: the same numbers, counted with set operations. A run's documents
        share most of their forms, so each form is classified once per engine (a form's
        analysis depends on the form and the engine only) and a document only sums."""
        cache = self._analysis_cache
        analysis_of = dict(zip(counts, map(cache.get, counts)))
        if not all(map(cache.__contains__, counts)):  # forms new to this engine: analysed in text order
            for form, analysis in analysis_of.items():
                if analysis is None:
                    analysis_of[form] = self.analyse(form)
        seen, not_words, damaged_forms, healthy_forms = self._evidence_sets
        if len(seen) > 500_000:
            for kind in self._evidence_sets:
                kind.clear()
        forms = set(counts)  # (set operations on a dict's keys would walk the other set)
        for form in forms.difference(seen):
            kind = _evidence_kind(analysis_of[form])
            if kind is not None:
                kind_sets = (not_words, damaged_forms, healthy_forms)
                kind_sets[kind].add(form)
            seen.add(form)
        words = sum(counts.values()) - sum(map(counts.__getitem__, forms & not_words))
        damaged = sum(map(counts.__getitem__, forms & damaged_forms))
        healthy = sum(map(counts.__getitem__, forms & healthy_forms))
        return analysis_of, (words, damaged, healthy)

    def attention_forms(self, analysis_of: dict[str, Analysis]) -> tuple[set[str], set[str]]:
        """The forms of ``analysis_of`` that need a look at each occurrence (not settled, or
        English: :meth:`Repairer.repair_words`) and those with context rules (by their lower
        case). Both depend on the form and the engine only, so each form is classified once
        per engine and a document only intersects sets."""
        seen, looked_at, ruled = self._attention_sets
        if len(seen) > 500_000:
            for kind in self._attention_sets:
                kind.clear()
        forms = set(analysis_of)
        rules = self.context_rules
        for form in forms.difference(seen):
            analysis = analysis_of[form]
            if not analysis.settled or analysis.english:
                looked_at.add(form)
            if form.lower() in rules:
                ruled.add(form)
            seen.add(form)
        return forms & looked_at, forms & ruled

    def rivals_within_reach(self, analysis_of: dict[str, Analysis], reach: float, unsettled_only: bool = False) -> set[str]:
        """The forms of ``analysis_of`` that are listed words with a listed rival whose score
        comes within KNOWN_WORD_MARGIN of theirs once ``reach`` is added, or that are unsettled
        with a listed best candidate (:meth:`Repairer._forms_for_ngram_context`; with
        ``unsettled_only``, only the unsettled ones: no rival comes within -inf).

        What a form contributes depends on its analysis only, so it is worked out once per
        engine: its closest listed rival (the largest ``rival.score - known_zipf``; float
        addition is monotone, so a form has a rival within reach exactly when the closest
        one is) and whether it is unsettled with a listed best candidate."""
        rivals, unsettled, classified = self._closest_rivals, self._unsettled_with_listed_best, self._rivals_classified
        if len(classified) > 500_000:
            rivals.clear()
            unsettled.clear()
            classified.clear()
        forms = set(analysis_of)
        for form in forms.difference(classified):
            self._classify_rivals(form, analysis_of[form])
        if unsettled_only:
            return forms & unsettled
        found = forms & unsettled
        for form in forms & rivals.keys():
            if rivals[form] + reach >= KNOWN_WORD_MARGIN:
                found.add(form)
        return found

    def _classify_rivals(self, form: str, analysis: Analysis) -> None:
        self._rivals_classified.add(form)
        if not analysis.listed or not analysis.is_word or analysis.best is None:
            return
        is_listed = self.lexicon.is_listed
        gaps = [rival.score - analysis.known_zipf for rival in analysis.alternatives if is_listed(rival.word)]
        if gaps:
            self._closest_rivals[form] = max(gaps)
        if not analysis.settled and is_listed(analysis.best.word):
            self._unsettled_with_listed_best.add(form)

    def decisions_for(self, prior: float, valid_prior: float) -> dict[object, tuple[str, str, float] | None]:
        """The table of :meth:`Repairer.repair_words`'s decisions for documents with these
        priors (a decision without context depends on the form, whether it starts a
        sentence and the priors only). Documents of a run share their words and, when they
        look damaged, their priors (at the ceiling), so most decisions are made once per
        run. Bounded: at most DECISION_TABLES tables (the oldest goes) of at most
        DECISIONS_PER_TABLE entries (a full one starts again)."""
        tables = self._decision_tables
        table = tables.get((prior, valid_prior))
        if table is None:
            if len(tables) >= DECISION_TABLES:
                del tables[next(iter(tables))]
            table = tables[(prior, valid_prior)] = {}
        elif len(table) > DECISIONS_PER_TABLE:
            table.clear()
        return table

    # -- candidate generation -------------------------------------------------------------
    def candidates(self, lower: str, allow_compounds: bool = True, max_changes: int = MAX_CHANGES) -> list[Candidate]:
        """Every known word reachable from ``lower`` through at most MAX_CHANGES confusions,
        best first."""
        return self._candidates_costed(lower, allow_compounds, max_changes)[0]

    def _candidates_costed(self, lower: str, allow_compounds: bool, max_changes: int) -> tuple[list[Candidate], int]:
        """:meth:`candidates` and the steps its walk took."""
        reachable, steps = self._reachable(lower, max_changes)
        return self._known_words(reachable, compounds_within=max_changes if allow_compounds else 0), steps

    def _candidates_with_generic_edit(self, lower: str) -> list[Candidate]:
        """Known words one OCR error outside the confusion table away (plus table confusions),
        best first.

        The table holds the confusions seen often enough to learn; OCR also drops a letter
        ("mjlighet"), adds one ("Sérmliand", "moOjligt") or reads å/ä/ö as any other letter
        ("anhGriga"). Each such edit costs GENERIC_EDIT_LOG10P, so only a word far more
        probable than the damage is rare reaches a repair.
        """
        generic_logp = GENERIC_EDIT_LOG10P * math.log(10)
        best: dict[str, tuple[float, int]] = {}
        edits = _generic_edits(lower)
        if len(lower) >= PRECOUNT_MIN_LENGTH and self._generic_steps_exceed(edits, MAX_GENERIC_STEPS):
            return []  # as the walks below would end, without walking them
        steps = 0
        for edited in edits:
            options = {edited: (generic_logp, 1)}
            reachable, walked = self._reachable(edited, GENERIC_TABLE_CHANGES)
            steps += walked
            if steps > MAX_GENERIC_STEPS:
                # All or nothing: the edits come from a set, whose order differs between
                # processes, so a partial answer would differ too.
                return []
            for built, (logp, changes) in reachable.items():
                options[built] = (generic_logp + logp, changes + 1)
            for built, (logp, changes) in options.items():
                if logp > best.get(built, (-math.inf, 0))[0]:
                    best[built] = (logp, changes)
        # Compounds only through the generic edit alone: scoring every string the table then
        # reaches as a compound would cost a tenth of a second per long word.
        return self._known_words(best, compounds_within=1, generic=True)

    def _generic_steps_exceed(self, edits: set[str], limit: int) -> bool:
        """Whether the walks of :meth:`_candidates_with_generic_edit` over ``edits`` take
        more than ``limit`` steps in all (each at most MAX_WALK_STEPS + 1, as a walk that
        runs out of its budget counts)."""
        total = 0
        for edited in edits:
            total += min(self._walk_steps(edited, GENERIC_TABLE_CHANGES), MAX_WALK_STEPS + 1)
            if total > limit:
                return True
        return False

    def _rare_compound_candidates(self, lower: str) -> list[Candidate]:
        """Compounds of rare parts (:func:`rare_compound_zipf`) the confusion table reaches
        from ``lower``, best first; a fallback like a generic edit (``generic`` is set: it
        needs the same evidence, and it is no evidence of damage)."""
        if not MIN_RARE_COMPOUND_LENGTH <= len(lower) <= MAX_RARE_COMPOUND_LENGTH or rare_compound_zipf(self.lexicon, lower) > 0:
            return []  # as written it is as good a compound of rare parts ("palettdialogen")
        reachable, _ = self._reachable(lower)
        readings = sorted(reachable.items(), key=lambda r: (r[1][1], -r[1][0]))[:MAX_RARE_COMPOUND_SCORINGS]
        ln10 = math.log(10)
        ranked = []
        for built, (logp, changes) in readings:
            raw = rare_compound_log10(self.lexicon, built)
            if raw is not None:
                # Ranked by the unfloored score, scored (for the decision) as a compound is.
                candidate = Candidate(built, max(raw, MIN_COMPOUND_ZIPF) + logp / ln10, changes, generic=True, rare_compound=True)
                ranked.append((raw + logp / ln10, candidate))
        ranked.sort(key=lambda r: -r[0])
        return [candidate for _, candidate in ranked]

    def _known_words(
        self, reachable: dict[str, tuple[float, int]], *, compounds_within: int, generic: bool = False
    ) -> list[Candidate]:
        """The known words among ``reachable`` strings ((log P(observed | string), changes)),
        scored and best first. Scoring a string as a compound is costly, so unlisted strings
        reached through at most ``compounds_within`` changes are tried as compounds only when
        no listed word is reachable."""
        lexicon, ln10 = self.lexicon, math.log(10)
        found: list[Candidate] = []
        unlisted: list[tuple[str, float, int]] = []
        for built, (logp, changes) in reachable.items():
            if lexicon.listed_zipf(built) > 0:
                found.append(Candidate(built, lexicon.zipf(built) + logp / ln10, changes, generic))
            elif changes <= compounds_within:
                unlisted.append((built, logp, changes))
        if not found:
            if len(unlisted) > MAX_COMPOUND_SCORINGS:
                # Only the likeliest readings: fewest changes first, then the most probable.
                unlisted.sort(key=lambda u: (u[2], -u[1]))
                del unlisted[MAX_COMPOUND_SCORINGS:]
            for built, logp, changes in unlisted:
                zipf = lexicon.zipf(built)
                if zipf > 0:
                    found.append(Candidate(built, zipf + logp / ln10, changes, generic))
        found.sort(key=lambda c: -c.score)
        return found

    def _reachable(self, lower: str, max_changes: int = MAX_CHANGES) -> tuple[dict[str, tuple[float, int]], int]:
        """Strings OCR could have damaged into ``lower``: (log P(lower | string), changes),
        and the steps the walk took.

        The strings grow with the length of ``lower`` to the power of ``max_changes`` (a
        long run of letters the table confuses reaches millions), so the walk has a budget
        of MAX_WALK_STEPS: a token that needs more is walked again with one confusion less,
        down to none (no candidates). Ordinary words stay far below the budget."""
        steps = 0
        for changes in range(max_changes, 0, -1):
            reachable, walked = self._walk(lower, changes, MAX_WALK_STEPS)
            steps += walked
            if reachable is not None:
                return reachable, steps
        return {}, steps

    def _walk(self, lower: str, max_changes: int, budget: int) -> tuple[dict[str, tuple[float, int]] | None, int]:
        """Every string reachable from ``lower`` through at most ``max_changes`` confusions
        (None when that takes more than ``budget`` steps), and the steps taken. Depth first with an explicit
        stack, in the order a recursive walk takes: the unchanged letter first, then the
        confusions best first, so that equally scored strings keep their order."""
        if max_changes == 1:
            return self._walk_one_change(lower, budget)
        if len(lower) >= WALK_BY_LEAVES_MIN_LENGTH:
            steps = self._walk_steps(lower, max_changes)
            if steps > budget:
                return None, budget + 1  # what the walk would return when its budget ran out
            return self._walk_by_leaves(lower, max_changes), steps
        reachable: dict[str, tuple[float, int]] = {}
        by_first = self.model.by_first_char
        length = len(lower)
        stack = [(0, "", 0, 0.0)]
        pop, push = stack.pop, stack.append
        steps = 0
        while stack:
            position, built, changes, logp = pop()
            if position == length:
                if changes and logp > reachable.get(built, _UNREACHED)[0]:
                    reachable[built] = (logp, changes)
                continue
            steps += 1
            if steps > budget:
                return None, steps
            char = lower[position]
            if changes < max_changes:
                for confusion in reversed(by_first.get(char, ())):
                    if lower.startswith(confusion.observed, position):
                        push((position + len(confusion.observed), built + confusion.intended, changes + 1, logp + confusion.logp))
            push((position + 1, built + char, changes, logp))
        return reachable, steps

    def _walk_one_change(self, lower: str, budget: int) -> tuple[dict[str, tuple[float, int]] | None, int]:
        """:meth:`_walk` with one confusion, without the walk: the strings are ``lower`` with
        one matching confusion applied, found in the order the walk finds them (the last
        position first; at a position, the confusions best first), and the steps are those
        the walk takes (one per letter on the way to each confusion and after it). The
        generic edits walk every edited string this way (hundreds per long non-word)."""
        by_first = self.model.by_first_char
        length = len(lower)
        found: list[tuple[int, Confusion]] = []
        steps = length
        for position in range(length - 1, -1, -1):
            for confusion in by_first.get(lower[position], ()):
                if lower.startswith(confusion.observed, position):
                    found.append((position, confusion))
                    steps += length - position - len(confusion.observed)
        if steps > budget:
            return None, budget + 1
        reachable: dict[str, tuple[float, int]] = {}
        for position, confusion in found:
            built = lower[:position] + confusion.intended + lower[position + len(confusion.observed) :]
            if confusion.logp > reachable.get(built, _UNREACHED)[0]:
                reachable[built] = (confusion.logp, 1)
        return reachable, steps

    def _walk_by_leaves(self, lower: str, max_changes: int) -> dict[str, tuple[float, int]]:
        """The strings :meth:`_walk` finds, in its order, going from one confusion to the
        next instead of letter by letter (a long token's walk has many more steps than
        strings). Below a state, the walk finds the string with no further confusion
        first, then those whose next confusion lies last in the word, and so on to the
        nearest; at one position, the confusions best first."""
        by_first = self.model.by_first_char
        length = len(lower)
        matches = [
            [c for c in by_first.get(char, ()) if lower.startswith(c.observed, position)]
            for position, char in enumerate(lower)
        ]
        reachable: dict[str, tuple[float, int]] = {}

        def below(start: int, built: str, changes: int, logp: float) -> None:
            for position in range(length - 1, start - 1, -1):
                for confusion in matches[position]:
                    now = built + lower[start:position] + confusion.intended
                    now_logp = logp + confusion.logp
                    after = position + len(confusion.observed)
                    whole = now + lower[after:]
                    if now_logp > reachable.get(whole, _UNREACHED)[0]:
                        reachable[whole] = (now_logp, changes + 1)
                    if changes + 1 < max_changes:
                        below(after, now, changes + 1, now_logp)

        below(0, "", 0, 0.0)
        return reachable

    def _walk_steps(self, lower: str, max_changes: int) -> int:
        """The steps :meth:`_walk` takes on ``lower`` without a budget, counted without
        walking: a walk that would run out of its budget is known before it starts (a
        hostile token - a run of one letter - reaches millions of strings).

        A step is a state (position, changes) with letters left; from each the walk goes on
        with the letter kept and with each confusion that matches there (while changes
        remain), so ``after[c][p]``, the steps from position p with c changes made, is 1 +
        after[c][p + 1] + the sum of after[c + 1][p + len(observed)] over those confusions.
        """
        by_first = self.model.by_first_char
        length = len(lower)
        matches = [
            [len(c.observed) for c in by_first.get(char, ()) if lower.startswith(c.observed, position)]
            for position, char in enumerate(lower)
        ]
        more: list[int] = [0] * (length + 1)  # after[c + 1]
        for changes in range(max_changes, -1, -1):
            row = [0] * (length + 1)
            for position in range(length - 1, -1, -1):
                steps = 1 + row[position + 1]
                if changes < max_changes:
                    for observed in matches[position]:
                        steps += more[position + observed]
                row[position] = steps
            more = row
        return more[0]

    def analyse(self, form: str) -> Analysis:
        cached = self._analysis_cache.get(form)
        if cached is not None:
            return cached
        lower = form.lower()
        # An over-long token is left alone: no word is that long (the longest form any of
        # our lists holds has 35 letters), so it is glued text or noise, and the work of
        # reading it as a damaged word or a compound grows with its length.
        analysable = len(lower) <= MAX_WORD_LENGTH
        known = self.lexicon.zipf(lower) if analysable and lower.isalpha() else 0.0
        candidates = self.candidates(lower) if analysable and any(c.isalpha() for c in lower) else []
        if not candidates and not known and analysable and lower.isalpha():
            # A non-word the confusion table reaches no known word from: perhaps a compound
            # of rare parts ("fargrendering"), else one edit outside the table.
            candidates = self._rare_compound_candidates(lower)
            if not candidates and GENERIC_MIN_LENGTH <= len(lower):
                candidates = self._candidates_with_generic_edit(lower)
        best = candidates[0] if candidates else None
        runner_up = candidates[1].score if len(candidates) > 1 else -math.inf
        listed = self.lexicon.direct_zipf(lower) > 0
        english = self.lexicon.is_english(lower) and self.lexicon.direct_zipf(lower) < ENGLISH_MAX_SWEDISH_ZIPF
        is_word = any(c.isalpha() for c in lower)
        # Settled: no document prior (at most even odds) could make a listed rival win.
        settled = not is_word or (
            listed
            and lower not in self.context_rules
            and (best is None or not self.lexicon.is_listed(best.word) or best.score - known < KNOWN_WORD_MARGIN)
        )
        analysis = Analysis(
            known, listed, self.lexicon.listed_zipf(lower) > 0, best, runner_up, tuple(candidates[:8]), bool(_NOISE_IN_WORD.search(lower)), english, self.lexicon.is_english_compatible(lower),
            any(c in "åäö" for c in lower), is_word, settled,
        )
        if len(self._analysis_cache) > 500_000:
            self._analysis_cache.clear()
        self._analysis_cache[form] = analysis
        return analysis

    # -- glued words ----------------------------------------------------------------------
    def split(self, lower: str) -> tuple[list[str], float] | None:
        """Best split of a glued token into words ("insatserihela" → insatser i hela)."""
        if lower in self._split_cache:
            return self._split_cache[lower]
        result = self._best_split(lower) if 4 <= len(lower) <= MAX_SPLIT_LENGTH else None
        if len(self._split_cache) > 100_000:
            self._split_cache.clear()
        self._split_cache[lower] = result
        return result

    def _part(self, piece: str) -> tuple[tuple[str, float] | None, int]:
        """The word a piece of a glued token stands for, with its log10 probability, and
        the steps its walk took (counted also when the answer comes from the cache, so
        that a split's budget does not depend on what was repaired before)."""
        if len(piece) == 1:
            return ((piece, self.lexicon.direct_zipf(piece) - ZIPF_TOTAL) if piece in SINGLE_LETTER_WORDS else None), 0
        options = []
        zipf = self.lexicon.direct_zipf(piece) if piece.isalpha() else 0.0
        if zipf > 0:
            options.append((piece, zipf))
        cached = self._piece_repairs.get(piece)
        if cached is None:  # pieces are many and short: listed words only, no compounds
            found, steps = self._candidates_costed(piece, allow_compounds=False, max_changes=MAX_PIECE_CHANGES)
            if len(self._piece_repairs) > 500_000:
                self._piece_repairs.clear()
            cached = self._piece_repairs[piece] = (found[:1], steps)
        repairs, steps = cached
        for best in repairs:
            options.append((best.word, best.score))
        if not options:
            return None, steps
        word, score = max(options, key=lambda o: o[1])
        needed = MIN_SHORT_PART_ZIPF if len(word) <= 2 else MIN_SPLIT_PART_ZIPF
        if self.lexicon.direct_zipf(word) < needed:
            return None, steps
        # Zipf is log10 per 10⁹ words: subtracting 9 gives the log probability of the part,
        # so that a split into more words costs more, as it should.
        return (word, score - ZIPF_TOTAL), steps

    def _best_split(self, lower: str) -> tuple[list[str], float] | None:
        """The most probable split of ``lower`` into known words, or None. Every piece of
        up to 25 letters is read as a damaged word, so the pieces' walks share one budget
        (MAX_SPLIT_STEPS): a token that needs more is not split."""
        n = len(lower)
        # best[i] = (score, parts) for lower[:i]
        best: list[tuple[float, list[str]] | None] = [None] * (n + 1)
        best[0] = (0.0, [])
        steps = 0
        for end in range(1, n + 1):
            for start in range(max(0, end - 25), end):
                head = best[start]
                if head is None or len(head[1]) >= MAX_SPLIT_PARTS:
                    continue
                part, walked = self._part(lower[start:end])
                steps += walked
                if steps > MAX_SPLIT_STEPS:
                    return None
                if part is None:
                    continue
                score = head[0] + part[1] - (SPLIT_PENALTY if head[1] else 0.0)
                if best[end] is None or score > best[end][0]:
                    best[end] = (score, head[1] + [part[0]])
        final = best[n]
        if final is None or len(final[1]) < 2:
            return None
        return final[1], final[0]


# --- Document-level prior -------------------------------------------------------------------


def _generic_edits(lower: str) -> set[str]:
    """Every string one deletion, one å/ä/ö for another letter, or one inserted å/ä/ö away."""
    edits = set()
    for i in range(len(lower)):
        edits.add(lower[:i] + lower[i + 1 :])
        for letter in "åäö":
            edits.add(lower[:i] + letter + lower[i + 1 :])
            edits.add(lower[:i] + letter + lower[i:])
    for letter in "åäö":
        edits.add(lower + letter)
    edits.discard(lower)
    return edits


def estimate_damage(text: str, lexicon: Lexicon | None = None, engine: Engine | None = None) -> float:
    """Share (0..1) of word tokens that look OCR-damaged.

    A token counts as damaged when it is not a word but a word is reachable through OCR
    confusions, when it holds characters only OCR noise produces, or when it is a rare
    word with a far more common repair ("basta" for "bästa"). Used to decide whether a
    PDF text layer is bad enough to OCR the page again.
    """
    engine = engine or default_engine(lexicon)
    counts = Counter(scan_words(text).forms)
    words, damaged, _ = damage_evidence({form: engine.analyse(form) for form in counts}, counts)
    return damaged / words if words else 0.0


def damage_evidence(analysis_of: dict[str, Analysis], counts: Counter) -> tuple[int, int, int]:
    """(words, damaged-looking words, words with correct å/ä/ö), counting every occurrence."""
    words = damaged = healthy_diacritics = 0
    for form, analysis in analysis_of.items():
        if not analysis.is_word:
            continue
        n = counts[form]
        words += n
        # A common English word ("for", "right") may stand in an English passage, which the
        # repair leaves alone: no evidence either way of damage.
        if _looks_damaged(analysis) and not analysis.english:
            damaged += n
        elif analysis.has_diacritics:
            healthy_diacritics += n
    return words, damaged, healthy_diacritics


_NOT_A_WORD, _DAMAGED, _HEALTHY_DIACRITICS = 0, 1, 2


def _evidence_kind(analysis: Analysis) -> int | None:
    """How :func:`damage_evidence` counts a form with this analysis: not a word, damaged,
    a correct word with å/ä/ö, or (None) a word that is evidence of neither."""
    if not analysis.is_word:
        return _NOT_A_WORD
    if _looks_damaged(analysis) and not analysis.english:
        return _DAMAGED
    if analysis.has_diacritics:
        return _HEALTHY_DIACRITICS
    return None


def damage_prior(damaged: int, healthy_diacritics: int) -> float:
    """log10 odds that a known word in this document is really a damaged other word.

    An English OCR model never writes å, ä or ö, so a document with damage and no correct
    diacritics gets even odds (0); one full of correct diacritics gets strong odds against.
    """
    # A Beta(0.5, 2.5) prior: with little evidence (a short text) lean towards "clean".
    p = (damaged + 0.5) / (damaged + healthy_diacritics + 3)
    p = min(max(p, DAMAGE_PRIOR_FLOOR), DAMAGE_PRIOR_CEILING)
    return math.log10(p / (1 - p))


def _looks_damaged(analysis: Analysis) -> bool:
    if analysis.known_zipf > 0:
        # a rare form with a far more common repair ("basta" vs "bästa")
        return analysis.best is not None and analysis.best.score - analysis.known_zipf > 1.5
    # A generic edit reaches a word from nearly any unlisted one (slang, names, new
    # coinages): it is no evidence of OCR damage, only the confusion table is.
    return (analysis.best is not None and not analysis.best.generic) or analysis.suspicious


# --- Decisions --------------------------------------------------------------------------------


def recase(word: str, like: str, sentence_start: bool = True, common: bool = False) -> str:
    """Give ``word`` the capitalisation pattern of ``like`` (SÖRMLAND, Sörmland, sörmland).

    Mid-sentence, a capital that OCR made of a small letter is not kept when the word is a
    common one: "Idns" is "läns", "Onskar" is "önskar", "Aven" is "även", "Angra" is
    "ångra" (an English model reads a small l as I, a small ö as O, a small ä or å as A),
    and so is a capital of another letter than the word's ("Sppen" is "öppen"). Rare words
    and names keep the capital ("Ostra" → "Östra", "Asa" → "Åsa": the caller says which
    words are common).
    """
    if like.islower():
        return word
    letters = [c for c in like if c.isalpha()]
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return word.upper()
    if like[:1].isupper() or (like[:1] in "|" and len(like) > 1):
        misread_small = (like[:1], word[:1]) in CAPITALS_READ_FOR_SMALL_LETTERS or _capital_of_another_letter(like[:1], word[:1])
        if not sentence_start and misread_small and (common or (like[:1] == "I" and word[:1] == "l")):
            return word
        return word[:1].upper() + word[1:]
    return word


def _capital_of_another_letter(written: str, meant: str) -> bool:
    """Whether OCR's capital ``written`` stood for another letter than ``meant`` or its
    capital ("Sppen" for "öppen", "Gre" for "öre"): such a capital is a misread glyph, no
    evidence that the word was capitalised (unlike "Ostra" for "Östra")."""
    return written.isupper() and written.lower() != unicodedata.normalize("NFD", meant)[:1]


_INNER_CAPITAL = regex.compile(r"\p{Ll}\p{Lu}")
_ACRONYM_WITH_ENDING = regex.compile(r"\p{Lu}{2,}\p{Ll}{1,3}")


def _has_inner_capital(form: str) -> bool:
    """A capital after a small letter ("hAalls" for "hålls"): OCR's misread glyph inside one
    word, or a brand's spelling ("PowerPoint"); a lost space never leaves one, so such a
    token is not split into glued words."""
    return _INNER_CAPITAL.search(form) is not None


def _is_acronym_with_ending(form: str) -> bool:
    """Capitals and a short small ending ("GIMPs", "SVTs"): an acronym inflected."""
    return _ACRONYM_WITH_ENDING.fullmatch(form) is not None


ACRONYM_LETTERS = (3, 5)  # "SA" on a line of small letters is "Så" read by an English model, "HDR" an acronym
_SMALL_LETTER = regex.compile(r"\p{Ll}")


def _is_acronym_among_small_letters(token: Token, text: str) -> bool:
    """A short word in capitals ("(HDR)", "NPF") on a line that holds small letters too is an
    acronym the lexicon happens to list, not a word in a heading set in capitals ("VI
    HDR" in "VI HAR"): it is never turned into another listed word."""
    form = token.text
    if not ACRONYM_LETTERS[0] <= len(form) <= ACRONYM_LETTERS[1] or not form.isupper():
        return False
    line_start = text.rfind("\n", 0, token.start) + 1
    line_end = text.find("\n", token.end)
    line = text[line_start : line_end if line_end != -1 else len(text)]
    return _SMALL_LETTER.search(line) is not None


_WRAPPED_LINE_BEFORE = regex.compile(r"[\p{Ll},][ \t]*\n[ \t]*$")


def _continues_a_line(token: Token, text: str) -> bool:
    """Whether ``token`` begins a line that only wraps the sentence of the line before: that
    line ends in a small letter or a comma, with no blank line between ("spred en opak kopia
    till\nAtminstone ett år"). There a capital is OCR's, as anywhere mid-sentence, for
    :func:`recase`; a heading or a new paragraph follows a blank line or a full stop."""
    return bool(_WRAPPED_LINE_BEFORE.search(text, max(0, token.start - 8), token.start))


# The kinds of lower-case channel decisions (Repairer._lower_case_plan).
_KEEP, _LISTED, _COMPOUND, _UNKNOWN = "keep", "listed", "compound", "unknown"


def _confidence(margin: float) -> float:
    """Map a log10 margin to a 0..1 score for reviewers (0.5 at no margin)."""
    return round(1 / (1 + 10 ** (-margin)), 4)


class Repairer:
    """Applies the engine's decisions to a text, token by token, with context."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.lexicon = engine.lexicon

    def repair_words(
        self, text: str, scan: WordScan, analysis_of: dict[str, Analysis], prior: float, shows_damage: bool = True
    ) -> tuple[list[Edit], Counter]:
        """Edits for the word tokens of ``text`` (``scan``; ``analysis_of`` every form).

        ``prior`` is the document prior; where the document shows no damage at all
        (``shows_damage`` false: not one word the confusion table explains, as in "Min far
        och mor"), a valid word is never replaced by another, whatever the prior says.
        """
        engine = self.engine
        # The prior that a valid word is a damaged other word: none without damage.
        valid_prior = prior if shows_damage else -math.inf
        # Only forms that are not settled need a look at each occurrence; most tokens in
        # any text are plain listed words, so they are skipped without a Python-level step
        # per token: the forms that need one are found with set operations (each form is
        # classified once per engine), the tokens that hold them at C speed.
        attention, ruled = engine.attention_forms(analysis_of)
        # Valid words the bigram model may decide between: looked at per occurrence.
        by_neighbours = self._forms_for_ngram_context(analysis_of, valid_prior)
        attention |= by_neighbours
        forms = scan.forms
        indices = list(compress(range(len(forms)), map(attention.__contains__, forms)))
        edits: list[Edit] = []
        unknown: Counter = Counter()
        # A form without context rules is decided the same way wherever it stands in this
        # document (a capitalised one: wherever it stands at a sentence start, or not), and
        # in any document with the same priors: the table is the engine's, shared by them.
        decided = engine.decisions_for(prior, valid_prior)
        # Context rules read the neighbouring words as repaired, so they are applied after
        # every other decision (and a second run finds nothing more to do).
        replaced: dict[int, str] = {}
        contextual: list[int] = []
        with_context = (attention & ruled) | by_neighbours
        bounds = scan.bounds
        for index in indices:
            form = forms[index]
            analysis = analysis_of[form]
            if analysis.english and self._in_english_passage(forms, index, analysis_of):
                continue
            if form in with_context:
                contextual.append(index)
                continue
            if analysis.settled:
                continue
            if form in decided:  # a lower-case form decided before (most of them: no Token needed)
                decision = decided[form]
            else:
                decision = self._decided(decided, Token(bounds[2 * index], bounds[2 * index + 1], form, "word"), text, prior, valid_prior)
            if decision is None:
                if is_unknown(form, analysis):
                    unknown[form] += 1
            elif decision[0] != form:
                edits.append(Edit(bounds[2 * index], bounds[2 * index + 1], form, *decision))
                replaced[index] = decision[0]
        waited: list[int] = []  # decided without the next word, which waited for its own decision
        context_rules = engine.context_rules
        last = len(forms) - 1
        for index in contextual:
            form = forms[index]
            analysis = analysis_of[form]
            start, end = bounds[2 * index], bounds[2 * index + 1]
            token = Token(start, end, form, "word")
            previous, following = _neighbours(text, scan, index, replaced)
            decision = None
            # In a surname's place ("Anders Hall") the neighbours say nothing of which word
            # is meant: only the channel decision, which keeps a name, may change it.
            lower_case = form.islower()
            in_name = not lower_case and self._keeps_a_name(token, text, "")
            if not in_name:
                next_form = forms[index + 1] if index < last else None
                if form.lower() in context_rules:
                    # A next word still waiting for its own decision is no word class yet ("vart ar").
                    decision = self._context_decision(token, text, analysis, valid_prior, previous, following, next_form in with_context)
                if decision is None and form in by_neighbours:
                    # The next word, when it waits for a decision by its own neighbours, is no
                    # evidence yet ("har ar": which "ar" it is depends on this word).
                    if next_form in by_neighbours:
                        following = None
                        waited.append(index)
                    decision = self._ngram_decision(token, text, analysis, valid_prior, previous, following)
            if decision is None and not analysis.settled:
                # (a lower-case form's channel decision is its form's: most come from the table)
                decision = decided[form] if lower_case and form in decided else self._decided(decided, token, text, prior, valid_prior)
            if decision is None:
                if is_unknown(form, analysis):
                    unknown[form] += 1
            elif decision[0] != form:
                edits.append(Edit(start, end, form, *decision))
                replaced[index] = decision[0]
        if waited and SECOND_LOOK:
            edits.extend(self._decide_after_next(text, scan, analysis_of, waited, replaced, valid_prior))
        if contextual:
            edits.sort(key=lambda e: e.start)
        return edits, unknown

    def _decided(self, decided: dict, token: Token, text: str, prior: float, valid_prior: float) -> tuple[str, str, float] | None:
        """:meth:`_decide` for ``token``, from ``decided`` (the engine's table for these
        priors, :meth:`Engine.decisions_for`) when a token like it was decided before.
        Without context a decision depends on the form, the priors and, for a capitalised
        form, whether it starts a sentence and stands after a name ("Anders Hall" is a name,
        "en hall" a hall) only, so a form is decided once per table, also where its context
        decisions (rules, neighbours) left it to the channel model ("ar" in most places)."""
        form = token.text
        if form.islower():
            if form in decided:
                return decided[form]
            decision = decided[form] = self._lower_case_decision(form, prior, valid_prior)
            return decision
        else:
            here = Token(token.start, token.start, form, "word")
            starts = self._starts_sentence(here, text)
            # (a line that wraps a sentence is recased as mid-sentence: its own decision)
            key = (form, starts, starts and _continues_a_line(here, text), self._keeps_a_name(here, text, ""))
        if key in decided:
            return decided[key]
        decision = decided[key] = self._decide(token, text, prior, valid_prior)
        return decision

    def _lower_case_decision(self, form: str, prior: float, valid_prior: float) -> tuple[str, str, float] | None:
        """:meth:`_decide` for a lower-case ``form`` (anywhere in any text: the name,
        sentence, acronym and capital checks look at capitals only, and a lower-case word
        is not recased), from the form's :meth:`_lower_case_plan`: what does not depend
        on the priors is worked out once per engine, and the priors are added here in the
        order :meth:`_decide` adds them (the same floats, the same decision)."""
        plans = self.engine._lower_case_plans
        plan = plans.get(form)
        if plan is None:
            if len(plans) > 500_000:
                plans.clear()
            plan = plans[form] = self._lower_case_plan(form)
        kind = plan[0]
        if kind is _KEEP:
            return None
        if kind is _LISTED:  # _decide_listed
            margin = plan[1] + valid_prior
            if margin < KNOWN_WORD_MARGIN:
                return None
            return plan[2], "known_word_confusion", _confidence(margin - KNOWN_WORD_MARGIN)
        if kind is _COMPOUND:  # _decide_compound
            margin = plan[1] + valid_prior
            if margin < 0:
                return None
            return plan[2], "compound_confusion", _confidence(margin)
        # _decide_unknown
        _, best, split, single_word, noisy = plan
        candidate_logp = best.score - ZIPF_TOTAL if best is not None else -math.inf
        if best is not None and best.generic and split and split[1] + prior >= MIN_SPLIT_LOGP:
            candidate_logp = -math.inf
        split_logp = split[1] if split else -math.inf
        if best is not None and candidate_logp >= split_logp:
            if best.score + prior < (MIN_NOISY_REPAIR_SCORE if noisy else MIN_REPAIR_SCORE):
                return None
            if best.generic and (prior < GENERIC_MIN_PRIOR or best.score + prior < GENERIC_MIN_REPAIR_SCORE):
                return None
            return single_word
        if split and split_logp + prior >= MIN_SPLIT_LOGP:
            return " ".join(split[0]), "split_glued_words", _confidence(split_logp - candidate_logp if best else 1.0)
        return None

    def _lower_case_plan(self, form: str) -> tuple:
        """What :meth:`_decide` works out for a lower-case form before it looks at the
        priors: (_KEEP,) for a form kept whatever they are; (_LISTED or _COMPOUND, the best
        candidate's score less the form's, the candidate); or (_UNKNOWN, best candidate,
        split, the single-word repair as :meth:`_decide_unknown` returns it, whether the
        stricter score of a noisy form's table repair applies)."""
        analysis = self.engine.analyse(form)
        best = analysis.best
        if analysis.listed or analysis.known_zipf > 0:
            if best is None or (analysis.listed and not self.lexicon.is_listed(best.word)):
                return (_KEEP,)
            return (_LISTED if analysis.listed else _COMPOUND, best.score - analysis.known_zipf, best.word)
        if best is not None and best.generic and _is_acronym_with_ending(form):
            return (_KEEP,)
        split = (
            None
            if (best is not None and not best.generic and best.score > SPLIT_CANNOT_BEAT_SCORE) or _has_inner_capital(form)
            else self.engine.split(form.lower())
        )
        single_word = None
        if best is not None:
            margin = best.score - analysis.runner_up if analysis.runner_up > -math.inf else 2.0
            rule = "ocr_rare_compound" if best.rare_compound else "ocr_generic_edit" if best.generic else "ocr_confusion"
            single_word = (best.word, rule, _confidence(margin))
        return (_UNKNOWN, best, split, single_word, analysis.suspicious and best is not None and not best.generic)

    def _decide_after_next(
        self, text: str, scan: WordScan, analysis_of: dict[str, Analysis], waited: list[int], replaced: dict[int, str], prior: float
    ) -> list[Edit]:
        """A second look at the words decided without their next word (it was waiting for its
        own decision, "endast andras nar"): the next word as decided is evidence now
        ("endast andras när" → "ändras"). Only a word that stayed as written is looked at."""
        edits = []
        for index in waited:
            if index in replaced:
                continue
            form = scan.forms[index]
            start, end = scan.span(index)
            previous, following = _neighbours(text, scan, index, replaced)
            decision = self._ngram_decision(Token(start, end, form, "word"), text, analysis_of[form], prior, previous, following)
            if decision is not None and decision[0] != form:
                edits.append(Edit(start, end, form, *decision))
                replaced[index] = decision[0]
        return edits

    @staticmethod
    def _in_english_passage(forms: list[str], index: int, analysis_of: dict[str, Analysis]) -> bool:
        """An English word among English words is part of an English passage ("Getting it
        right for every child", "For more information see"): two of its four neighbouring
        words are marked English, or one is and another is at least a common English word."""
        neighbours = [analysis_of[f] for f in forms[max(0, index - 2) : index] + forms[index + 1 : index + 3]]
        # Only neighbours that are not themselves likely Swedish damage count ("for" next to
        # "for" proves nothing), nor the commonest Swedish words ("i", "en", "man").
        evidence = [a for a in neighbours if a.settled and a.known_zipf < SWEDISH_FUNCTION_WORD_ZIPF]
        marked = sum(a.english for a in evidence)
        return marked >= 2 or (marked == 1 and sum(a.english_compatible for a in evidence) >= 2)

    def _context_decision(
        self, token: Token, text: str, analysis: Analysis, prior: float, previous: str, following: str, next_waits: bool = False
    ):
        """Apply lexicons/context.tsv: a valid word whose neighbours point to another word
        (a positive weight), or that its neighbours confirm (a negative weight: the token is
        kept, as "vaga" in "har vaga begrepp", an adjective where the verb "våga" cannot be).
        ``next_waits``: the next word waits for its own decision, so its word class is no
        evidence yet."""
        lower = token.text.lower()
        key = (lower, previous, following, next_waits)
        plans = self.engine._context_plans
        plan = plans.get(key)
        if plan is None:
            if len(plans) > 200_000:
                plans.clear()
            plan = plans[key] = self._context_plan(lower, analysis, previous, following, next_waits)
        for alternative, base, weight in plan:
            margin = base + prior
            if margin >= KNOWN_WORD_MARGIN:
                return self._recase(alternative.word, token, text), "context", _confidence(margin - KNOWN_WORD_MARGIN)
            if weight < 0:
                return token.text, "context", _confidence(KNOWN_WORD_MARGIN - margin)  # kept
        return None

    def _context_plan(self, lower: str, analysis: Analysis, previous: str, following: str, next_waits: bool) -> tuple:
        """The rules of :meth:`_context_decision` that apply to ``lower`` between these
        neighbours, in order, each as (its alternative, the alternative's score plus the
        rule's weight less the word's, the weight): what does not depend on the prior,
        worked out once per engine for a word and its neighbours (the prior is added
        last, in the order the long way adds it: the same floats)."""
        plan = []
        for rule in self.engine.context_rules[lower]:
            if not rule.matches(previous, following):
                continue
            alternative = next((c for c in analysis.alternatives if c.word == rule.alternative), None)
            if alternative is None:
                continue
            if rule.weight > 0 and self._neighbour_vetoes_rule(rule, analysis, lower, previous, following):
                continue
            if _word_class_backs_off(self.engine.ngrams, rule, lower, previous, following, next_waits):
                continue
            plan.append((alternative, alternative.score + rule.weight - analysis.known_zipf, rule.weight))
        return tuple(plan)

    def _context_decision_long_way(
        self, token: Token, text: str, analysis: Analysis, prior: float, previous: str, following: str, next_waits: bool = False
    ):
        """:meth:`_context_decision` without its plan (for comparison)."""
        for rule in self.engine.context_rules[token.text.lower()]:
            if not rule.matches(previous, following):
                continue
            alternative = next((c for c in analysis.alternatives if c.word == rule.alternative), None)
            if alternative is None:
                continue
            if rule.weight > 0 and self._neighbour_vetoes_rule(rule, analysis, token.text.lower(), previous, following):
                continue
            if _word_class_backs_off(self.engine.ngrams, rule, token.text.lower(), previous, following, next_waits):
                continue
            margin = alternative.score + rule.weight - analysis.known_zipf + prior
            if margin >= KNOWN_WORD_MARGIN:
                return self._recase(alternative.word, token, text), "context", _confidence(margin - KNOWN_WORD_MARGIN)
            if rule.weight < 0:
                return token.text, "context", _confidence(KNOWN_WORD_MARGIN - margin)  # kept
        return None

    def _neighbour_vetoes_rule(self, rule, analysis: Analysis, lower: str, previous: str, following: str) -> bool:
        """A context rule reads one neighbour ("detta ar" → "år"); the bigram model may
        read the other: when that one makes the word the channel model would choose more
        probable than the rule's alternative by CONTEXT_RULE_VETO ("detta ar en": "är"),
        the rule does not apply."""
        ngrams = self.engine.ngrams
        if ngrams is None:
            return False
        best = analysis.best
        rival = best.word if best is not None and self.lexicon.is_listed(best.word) else lower
        if rival == rule.alternative:
            return False
        # A clause boundary is no evidence here: headings and list items end anywhere.
        sides = []
        if rule.previous is None and previous:
            sides.append((previous, None))
        if rule.following is None and following:
            sides.append((None, following))
        return any(
            ngrams.context_gain(rival, *side) - ngrams.context_gain(rule.alternative, *side) >= CONTEXT_RULE_VETO for side in sides
        )

    def _forms_for_ngram_context(self, analysis_of: dict[str, Analysis], prior: float) -> set[str]:
        """Listed forms with a listed rival that the neighbours could make win (or lose).

        Unsettled ones always (the context may keep a correct "far" that the channel model
        alone would turn into "får"); settled ones only in a document that looks damaged,
        and only when the rival is within the most the context may move the odds.
        """
        if self.engine.ngrams is None:
            return set()
        reach = prior + CONTEXT_MAX_LOG10_GAIN if prior >= CONTEXT_MIN_PRIOR else -math.inf
        if reach == -math.inf:
            return self.engine.rivals_within_reach(analysis_of, -math.inf, unsettled_only=True)
        return self.engine.rivals_within_reach(analysis_of, reach)

    def _ngram_decision(self, token: Token, text: str, analysis: Analysis, prior: float, previous: str | None, following: str | None):
        """A listed word the channel model keeps, turned into a listed rival by its neighbours.

        Each word's log10 odds are its channel score (P(w) · P(observed | w), plus the
        document prior for a rival) plus the bigram model's context gain (how much the
        previous and the following word raise it); the difference of gains is bounded by
        CONTEXT_MAX_LOG10_GAIN, and the rival must win by KNOWN_WORD_MARGIN, as without
        context. The model learned from help texts and essays, not newsletters, so no
        neighbour may speak against the rival, and evidence from one side only (the other a
        word the model never saw beside either, or one still waiting for its own decision:
        None) needs a larger lead (:func:`_neighbours_favour`). Where the channel model
        alone would replace the word, it decides as before (None), unless the neighbours
        keep the word. The decision carries its evidence: the neighbours (None: not used)
        and the probability of each word.
        """
        form = token.text
        if form[:1].isupper() and not self._starts_sentence(token, text) and self.lexicon.is_domain(form):
            return None  # a name the archive knows
        lower = form.lower()
        # The verdict depends only on the word, its neighbours and the prior: common
        # phrases ("det ar", "pa ett") are decided once per document set.
        key = (lower, previous, following, prior)
        cache = self.engine._ngram_verdicts
        if key in cache:
            verdict = cache[key]
        else:
            if len(cache) > 200_000:
                cache.clear()
            verdict = cache[key] = self._ngram_verdict(lower, analysis, prior, previous, following)
        if verdict is None:
            return None
        word, score, evidence = verdict
        return (form if word == lower else self._recase(word, token, text)), "context_ngram", score, evidence

    def _ngram_verdict(self, lower: str, analysis: Analysis, prior: float, previous: str, following: str):
        """(word, score, evidence) that :meth:`_ngram_decision` describes, in lower case;
        None to leave the decision to the channel model.

        Everything but the prior's part depends only on the word and its neighbours, and
        a phrase recurs in documents of many priors, so that part is worked out once per
        engine (:meth:`_ngram_plan`) and the prior is added here in the order the long way
        (:meth:`_ngram_verdict_long_way`) adds it: the same floats, the same verdict."""
        plans = self.engine._ngram_plans
        key = (lower, previous, following)
        plan = plans.get(key)
        if plan is None:
            if len(plans) > 200_000:
                plans.clear()
            plan = plans[key] = self._ngram_plan(lower, analysis, previous, following)
        if plan is None:
            return None
        channel, channel_gap, keep_context, rivals, later = plan
        channel_margin = channel_gap + prior
        if channel_margin >= KNOWN_WORD_MARGIN:  # _ngram_keeps, else _ngram_switches
            margin = channel_margin + max(-CONTEXT_MAX_LOG10_GAIN, keep_context)
            if margin < KNOWN_WORD_MARGIN:
                if "keeps" not in later:
                    later["keeps"] = _neighbours_favour(self.engine.ngrams, lower, channel.word, previous, following, math.inf)
                if later["keeps"]:
                    p_rival = 1 / (1 + 10 ** -margin)
                    evidence = Evidence(previous, following, {lower: round(1 - p_rival, 4), channel.word: round(p_rival, 4)}).to_dict()
                    return lower, _confidence(KNOWN_WORD_MARGIN - margin), evidence
            if "switches" not in later:
                later["switches"] = self._ngram_switches(channel, [rival for rival, _, _, _ in rivals], previous, following)
            return later["switches"]
        best_margin, best = -math.inf, -1
        for number, (_, gap, _, context) in enumerate(rivals):
            margin = gap + prior + context
            if margin > best_margin:
                best_margin, best = margin, number
        if best_margin < KNOWN_WORD_MARGIN:
            return None
        best_rival, _, best_classes, _ = rivals[best]
        word = best_rival.word
        favour = later.get(best)
        if favour is None and best not in later:
            favour = later[best] = _favour_state(self.engine.ngrams, word, lower, previous, following, best_classes)
        if favour is False or (favour is None and not best_margin - KNOWN_WORD_MARGIN >= CONTEXT_ONE_SIDE_MARGIN):
            return None
        p_rival = 1 / (1 + 10 ** -best_margin)  # P(rival) against P(word as written), given both
        evidence = Evidence(previous, following, {lower: round(1 - p_rival, 4), word: round(p_rival, 4)}).to_dict()
        return word, _confidence(best_margin - KNOWN_WORD_MARGIN), evidence

    def _ngram_plan(self, lower: str, analysis: Analysis, previous: str | None, following: str | None):
        """What :meth:`_ngram_verdict` needs that does not depend on the prior: the channel
        model's choice among the listed rivals and its score less the word's, the context
        gain of that choice over the word, and per rival (its score less the word's, whether
        word classes apply, the bounded context gain); then a dict of what is worked out
        only when needed (whether the neighbours keep the word, the switch, per rival
        whether the neighbours favour it). None without a listed rival."""
        rivals = [c for c in analysis.alternatives if self.lexicon.is_listed(c.word)]
        if not rivals:
            return None
        ngrams = self.engine.ngrams
        channel = max(rivals, key=lambda c: c.score)
        keep_context = ngrams.context_gain(channel.word, previous, following) - ngrams.context_gain(lower, previous, following)
        known = analysis.known_zipf
        planned = []
        for rival in rivals:
            classes = _classes_apply(ngrams, rival.word, lower)
            context = ngrams.context_gain(rival.word, previous, following, classes) - ngrams.context_gain(lower, previous, following, classes)
            context = max(-CONTEXT_MAX_LOG10_GAIN, min(CONTEXT_MAX_LOG10_GAIN, context))
            planned.append((rival, rival.score - known, classes, context))
        return channel, channel.score - known, keep_context, planned, {}

    def _ngram_verdict_long_way(self, lower: str, analysis: Analysis, prior: float, previous: str, following: str):
        """:meth:`_ngram_verdict` worked out whole (what its plan shortens; for comparison)."""
        rivals = [c for c in analysis.alternatives if self.lexicon.is_listed(c.word)]
        if not rivals:
            return None
        ngrams = self.engine.ngrams
        channel = max(rivals, key=lambda c: c.score)
        if channel.score - analysis.known_zipf + prior >= KNOWN_WORD_MARGIN:
            kept = self._ngram_keeps(lower, channel, channel.score - analysis.known_zipf + prior, previous, following)
            return kept or self._ngram_switches(channel, rivals, previous, following)
        best_margin, best_rival, best_classes = -math.inf, None, False
        for rival in rivals:
            classes = _classes_apply(ngrams, rival.word, lower)
            context = ngrams.context_gain(rival.word, previous, following, classes) - ngrams.context_gain(lower, previous, following, classes)
            context = max(-CONTEXT_MAX_LOG10_GAIN, min(CONTEXT_MAX_LOG10_GAIN, context))
            margin = rival.score - analysis.known_zipf + prior + context
            if margin > best_margin:
                best_margin, best_rival, best_classes = margin, rival, classes
        if best_margin < KNOWN_WORD_MARGIN:
            return None
        word = best_rival.word
        if not _neighbours_favour(ngrams, word, lower, previous, following, best_margin - KNOWN_WORD_MARGIN, best_classes):
            return None
        p_rival = 1 / (1 + 10 ** -best_margin)  # P(rival) against P(word as written), given both
        evidence = Evidence(previous, following, {lower: round(1 - p_rival, 4), word: round(p_rival, 4)}).to_dict()
        return word, _confidence(best_margin - KNOWN_WORD_MARGIN), evidence

    def _ngram_switches(self, channel: Candidate, rivals: list[Candidate], previous: str, following: str):
        """The channel model replaces the word by ``channel``; another listed candidate
        takes its place when the neighbours favour it (:func:`_neighbours_favour`: none
        against, one alone only with a larger lead) and outweigh the channel model's
        preference by the usual margin ("röd trad genom": "tråd", not the commoner "träd")."""
        ngrams = self.engine.ngrams
        best_margin, best_rival = KNOWN_WORD_MARGIN, None  # the usual margin, as against the word written
        for rival in rivals:
            if rival.word == channel.word:
                continue
            context = ngrams.context_gain(rival.word, previous, following) - ngrams.context_gain(channel.word, previous, following)
            margin = rival.score - channel.score + min(CONTEXT_MAX_LOG10_GAIN, context)
            if margin > best_margin and _neighbours_favour(ngrams, rival.word, channel.word, previous, following, margin - KNOWN_WORD_MARGIN):
                best_margin, best_rival = margin, rival
        if best_rival is None:
            return None
        p_rival = 1 / (1 + 10 ** -best_margin)
        evidence = Evidence(previous, following, {channel.word: round(1 - p_rival, 4), best_rival.word: round(p_rival, 4)}).to_dict()
        return best_rival.word, _confidence(best_margin - KNOWN_WORD_MARGIN), evidence

    def _ngram_keeps(self, lower: str, rival: Candidate, channel_margin: float, previous: str, following: str):
        """The channel model would replace a listed word by ``rival``; the word as written
        stays when no neighbour speaks for the rival, one at least for the word, and
        together they turn the decision ("min far" stays, "far" is not "får")."""
        ngrams = self.engine.ngrams
        context = ngrams.context_gain(rival.word, previous, following) - ngrams.context_gain(lower, previous, following)
        margin = channel_margin + max(-CONTEXT_MAX_LOG10_GAIN, context)
        if margin >= KNOWN_WORD_MARGIN:
            return None
        if not _neighbours_favour(ngrams, lower, rival.word, previous, following, math.inf):
            return None
        p_rival = 1 / (1 + 10 ** -margin)
        evidence = Evidence(previous, following, {lower: round(1 - p_rival, 4), rival.word: round(p_rival, 4)}).to_dict()
        return lower, _confidence(KNOWN_WORD_MARGIN - margin), evidence

    def _starts_sentence(self, token: Token, text: str) -> bool:
        return bool(_SENTENCE_END.search(text[max(0, token.start - 4) : token.start]))

    def _follows_a_name(self, token: Token, text: str) -> bool:
        """Whether ``token`` (capitalised) stands right after a name the lexicon knows
        ("Anders Hall", "Karin Lindqvist"): then it is most likely a name too (a surname),
        whatever ordinary word its letters spell."""
        match = _CAPITALISED_WORD_BEFORE.search(text, max(0, token.start - NAME_LOOKBACK_CHARS), token.start)
        return match is not None and self.lexicon.is_proper_noun(match.group()[:-1].lower())

    def _keeps_a_name(self, token: Token, text: str, word: str) -> bool:
        """A word in a name's place that is a plausible name as written (a known name, or
        a common word: "Anders Hall", "Maria Lang") is not turned into an ordinary word
        ("Håll", "Lång"), only into a name the lexicon knows ("Ostberg" → "Östberg"). A
        rare form there ("Karin Strom") is more likely a Swedish surname that lost its
        letters ("Ström") than a rare foreign word."""
        form = token.text
        if not form[:1].isupper():  # most tokens: this runs for every "har" and "ar" with context
            return False
        plausible = self.engine._plausible_names
        plausible_as_written = plausible.get(form)
        if plausible_as_written is None:
            if len(plausible) > 100_000:
                plausible.clear()
            lower = form.lower()
            plausible_as_written = plausible[form] = (
                self.lexicon.is_proper_noun(lower) or self.lexicon.direct_zipf(lower) >= COMMON_WORD_ZIPF
            )
        return plausible_as_written and not self.lexicon.is_proper_noun(word) and self._follows_a_name(token, text)

    def _decide(self, token: Token, text: str, prior: float, valid_prior: float) -> tuple[str, str, float] | None:
        """The replacement for one token, its rule and score; None to keep it. ``prior`` is
        the document prior for a non-word, ``valid_prior`` the one for a valid word."""
        form = token.text
        analysis = self.engine.analyse(form)
        if analysis.listed:
            return self._decide_listed(token, text, analysis, valid_prior)
        if analysis.known_zipf > 0:
            return self._decide_compound(token, text, analysis, valid_prior)
        return self._decide_unknown(token, text, analysis, prior)

    def _decide_listed(self, token: Token, text: str, analysis: Analysis, prior: float):
        """A listed word is replaced only by a listed word that is far more probable."""
        form, best = token.text, analysis.best
        if best is None or not self.lexicon.is_listed(best.word):
            return None
        if form[:1].isupper() and not self._starts_sentence(token, text) and self.lexicon.is_domain(form):
            return None  # a name the archive knows
        if _is_acronym_among_small_letters(token, text):
            return None
        margin = best.score - analysis.known_zipf + prior
        if margin < KNOWN_WORD_MARGIN or self._keeps_a_name(token, text, best.word):
            return None
        return self._recase(best.word, token, text), "known_word_confusion", _confidence(margin - KNOWN_WORD_MARGIN)

    def _decide_compound(self, token: Token, text: str, analysis: Analysis, prior: float):
        """A form valid only as a compound ("arbetssatt" = arbets+satt) is weaker evidence
        than a listed word: it yields to a more probable reading ("arbetssätt")."""
        best = analysis.best
        if best is None:
            return None
        if _CAPITAL_I_FOR_L.match(token.text) and not self._starts_sentence(token, text):
            # A capital I before small letters mid-sentence is an English model's small l:
            # the form as written is damaged, whatever compound its letters spell
            # ("Idrdomar" is "lärdomar", not a rare compound of "idr" and "domar").
            return self._decide_unknown(token, text, analysis, prior)
        margin = best.score - analysis.known_zipf + prior
        if margin < 0 or self._keeps_a_name(token, text, best.word):
            return None
        return self._recase(best.word, token, text), "compound_confusion", _confidence(margin)

    def _decide_unknown(self, token: Token, text: str, analysis: Analysis, prior: float):
        """A non-word: repair it into a word, or split it into words, or leave it."""
        form, best = token.text, analysis.best
        # A capitalised form mid-sentence without OCR noise is likely a name.
        is_name_like = (
            form[:1].isupper()
            and not analysis.suspicious
            and not self._starts_sentence(token, text)
            and not form.isupper()
            and not _CAPITAL_I_FOR_L.match(form)
        )
        if is_name_like and not (best is not None and self._is_likely_repair_of_name(best, prior)):
            return None
        if best is not None and best.generic and _is_acronym_with_ending(form):
            return None  # "GIMPs", "SVTs": an acronym and its ending, no damaged word
        split = (
            None
            if (best is not None and not best.generic and best.score > SPLIT_CANNOT_BEAT_SCORE) or _has_inner_capital(form)
            else self.engine.split(form.lower())
        )
        # Compare the single-word repair and the split as log10 probabilities of the text:
        # a split must beat the best single word even when that word is too unlikely to be
        # used ("Idrdomar" is "lärdomar", never "I är domar"). A repair through an edit
        # outside the confusion table is a fallback: a split the table explains goes first
        # ("insatserihela" is "insatser i hela", not the compound "insatserhela").
        candidate_logp = best.score - ZIPF_TOTAL if best is not None else -math.inf
        if best is not None and best.generic and split and split[1] + prior >= MIN_SPLIT_LOGP:
            candidate_logp = -math.inf
        split_logp = split[1] if split else -math.inf
        if best is not None and candidate_logp >= split_logp:
            if best.score + prior < (MIN_NOISY_REPAIR_SCORE if analysis.suspicious and not best.generic else MIN_REPAIR_SCORE):
                return None
            if best.generic and (prior < GENERIC_MIN_PRIOR or best.score + prior < GENERIC_MIN_REPAIR_SCORE):
                return None
            margin = best.score - analysis.runner_up if analysis.runner_up > -math.inf else 2.0
            rule = "ocr_rare_compound" if best.rare_compound else "ocr_generic_edit" if best.generic else "ocr_confusion"
            return self._recase(best.word, token, text), rule, _confidence(margin)
        if split and split_logp + prior >= MIN_SPLIT_LOGP:
            joined = " ".join(split[0])
            return self._recase(joined, token, text), "split_glued_words", _confidence(split_logp - candidate_logp if best else 1.0)
        return None

    def _recase(self, word: str, token: Token, text: str) -> str:
        if token.text.islower():
            return word
        # A name keeps its capital wherever it stands: wordfreq lists "örebro" as common,
        # but "Orebro" is "Örebro", never "örebro".
        common = " " not in word and self.lexicon.direct_zipf(word) >= COMMON_WORD_ZIPF and not self.lexicon.is_proper_noun(word)
        return recase(word, token.text, self._starts_sentence(token, text) and not _continues_a_line(token, text), common)

    def _is_likely_repair_of_name(self, best: Candidate, prior: float) -> bool:
        """A capitalised non-word mid-sentence may be a name: it is repaired into a domain
        word or a likely word; and, in a document that looks damaged (an English OCR model
        wrote no å, ä or ö, so capitalised compounds and names lost theirs too), into a word
        the confusion table reaches with the evidence a generic edit would need."""
        if self.lexicon.is_domain(best.word) or best.score >= NAME_REPAIR_MIN_SCORE:
            return True
        if self._is_table_repair_into_a_name(best, prior):
            return True
        return not best.generic and prior >= GENERIC_MIN_PRIOR and best.score + prior >= GENERIC_MIN_REPAIR_SCORE


    def _is_table_repair_into_a_name(self, best: Candidate, prior: float) -> bool:
        """The name guard keeps a capitalised non-word that may be a name the lexicon does
        not know; when the confusion table itself reads it as a name the lexicon knows
        ("Tanniis" → "Tännäs", "Sjéholm" → "Sjöholm"), that reading is a name too, and it
        needs only the evidence any non-word's repair needs (MIN_REPAIR_SCORE). Not through
        a generic edit, which reaches some name from nearly any foreign one."""
        return not best.generic and best.score + prior >= MIN_REPAIR_SCORE and self.lexicon.is_proper_noun(best.word)


def _word_class_backs_off(
    ngrams: NgramModel | None, rule: ContextRule, lower: str, previous: str, following: str, next_waits: bool = False
) -> bool:
    """A rule that reads a neighbour's word class (``@neuter``: nbsclean.repair.wordclasses)
    is the back-off of the word bigrams (Brown et al. 1992): it speaks only where the bigram
    model knows too little of the neighbour itself, so not without a model, not for one of
    the model's commonest forms (a class of its own there: the dictionary gives function
    words odd readings, "man" a neuter noun, "genom" a genome), and not where the model saw
    the word as written beside that neighbour more often than the rule's alternative; nor
    from a next word that waits for its own decision (``next_waits``: "vart ar" is "vart år"
    or "vårt är" only once "ar" is decided)."""
    sides = [(previous, True)] if isinstance(rule.previous, ClassPattern) else []
    if isinstance(rule.following, ClassPattern):
        if next_waits:
            return True
        sides.append((following, False))
    if not sides:
        return False
    if ngrams is None or ngrams.classes is None:
        return True
    for neighbour, before in sides:
        if ngrams.classes.is_own(ngrams.classes.of(neighbour)):
            return True
        pair = (lambda w: ngrams.bigram_count(neighbour, w)) if before else (lambda w: ngrams.bigram_count(w, neighbour))
        if pair(lower) > pair(rule.alternative):
            return True
    return False


def _classes_apply(ngrams: NgramModel, word: str, other: str) -> bool:
    """Whether the word classes of the neighbours may speak between two words: only to
    replace a word, never to keep one (CONTEXT_WORD_CLASSES), and only between two words
    the model saw often (:meth:`NgramModel.classes_know`)."""
    return CONTEXT_WORD_CLASSES and ngrams.classes_know(word) and ngrams.classes_know(other)


def _neighbours_favour(
    ngrams: NgramModel, word: str, other: str, previous: str | None, following: str | None, lead: float, classes: bool = False
) -> bool:
    """Whether the neighbours speak for ``word`` against ``other``: neither neighbour on its
    own makes ``other`` more probable, and at least one makes ``word`` more probable. When
    only one speaks (the other is a clause boundary or word the model saw beside neither, or
    None: not known yet), ``word`` must lead by CONTEXT_ONE_SIDE_MARGIN (``lead``: by how
    much it beats the margin it needs in any case)."""
    state = _favour_state(ngrams, word, other, previous, following, classes)
    return state if state is not None else lead >= CONTEXT_ONE_SIDE_MARGIN


def _favour_state(ngrams: NgramModel, word: str, other: str, previous: str | None, following: str | None, classes: bool) -> bool | None:
    """:func:`_neighbours_favour` before it looks at the lead: False (against), True (both
    sides for ``word``), or None (one side only: the lead decides)."""
    sides = _sides(ngrams, word, other, previous, following, False)
    if min(sides) < -CONTEXT_NO_EVIDENCE:
        return False
    if classes:  # the classes may speak where the bigrams say nothing, but never veto
        sides = _sides(ngrams, word, other, previous, following, True)
    if max(sides) <= CONTEXT_NO_EVIDENCE:
        return False
    return True if min(sides) > CONTEXT_NO_EVIDENCE else None


def _sides(ngrams: NgramModel, word: str, other: str, previous: str | None, following: str | None, classes: bool) -> tuple[float, float]:
    """How much each neighbour alone raises ``word`` over ``other`` (log10; 0 for None)."""
    return (
        ngrams.context_gain(word, previous, None, classes) - ngrams.context_gain(other, previous, None, classes) if previous is not None else 0.0,
        ngrams.context_gain(word, None, following, classes) - ngrams.context_gain(other, None, following, classes) if following is not None else 0.0,
    )


def _neighbours(text: str, scan: "WordScan", index: int, replaced: dict[int, str]) -> tuple[str, str]:
    """The neighbouring words (numbers too) as repaired, lower case; "" across anything but
    white space (a comma, a full stop: a clause or sentence boundary)."""

    forms, bounds = scan.forms, scan.bounds
    before = (
        replaced.get(index - 1, forms[index - 1]).lower()
        if index > 0 and _joins(text[bounds[2 * index - 1] : bounds[2 * index]])
        else ""
    )
    after = (
        replaced.get(index + 1, forms[index + 1]).lower()
        if index + 1 < len(forms) and _joins(text[bounds[2 * index + 1] : bounds[2 * index + 2]])
        else ""
    )
    return before, after


def _joins(gap: str) -> bool:
    """Whether two words with ``gap`` between them are neighbours (the gap between form k
    and the next runs from bounds[2k + 1] to bounds[2k + 2]): white space (a dash too), but
    no blank line (a new paragraph, or a heading's end). This runs for every "har", "var",
    "ar" of a text: keep it cheap."""
    if gap == " ":
        return True
    stripped = gap.strip()
    if stripped and stripped not in "–—-":
        return False
    return gap.count("\n") <= 1


# --- Public API -------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _engine_for(lexicon_sha: str, directory: str, ngram_stamp: int) -> Engine:
    lexicon = load_lexicon(directory)
    model = ConfusionModel.from_tsv(lexicon.table_path("confusions.tsv"))
    context = load_context_rules(lexicon.table_path("context.tsv"), lexicon.table_path(CLASSES_FILE))
    return Engine(lexicon, model, context, load_model(ngram_directory(lexicon)))


def default_engine(lexicon: Lexicon | None = None) -> Engine:
    """The engine for ``lexicon`` (default: the active lexicon), built once and cached
    (again when the lexicon or the n-gram model changes)."""
    lexicon = lexicon or load_lexicon()
    return _engine_for(lexicon.sha256, str(lexicon.directory), _ngram_stamp_of(lexicon))


def _ngram_stamp_of(lexicon: Lexicon) -> int:
    """``ngram_model_stamp(ngram_directory(lexicon))`` with plain os.stat calls on strings:
    default_engine runs twice per document of a run, and pathlib's objects cost more than
    the stat calls themselves. The model file of the topmost layer that has one (as
    table_path finds it), else the base layer's path; 0 when there is no file."""
    layers = lexicon.layers or (Path(lexicon.directory),)
    for layer in reversed(layers):
        try:
            found = os.stat(os.path.join(layer, _NGRAM_MODEL_NAME))
        except (OSError, ValueError):
            continue
        if stat.S_ISREG(found.st_mode):
            return found.st_mtime_ns
    try:
        return os.stat(os.path.join(layers[-1], _NGRAM_MODEL_NAME)).st_mtime_ns
    except FileNotFoundError:
        return 0


_NGRAM_MODEL_NAME = os.path.join("ngrams", "sv.ngrams")


def ngram_directory(lexicon: Lexicon) -> Path:
    """The topmost lexicon layer with an n-gram model: an archive project's own model
    replaces the packaged one, and without one the packaged model is used."""
    return lexicon.table_path("ngrams/sv.ngrams").parent.parent


def ngram_model_stamp(directory: Path) -> int:
    """Changes when the n-gram model file does (its modification time; 0 without one)."""
    try:
        return model_path(Path(directory)).stat().st_mtime_ns
    except FileNotFoundError:
        return 0


# A text longer than this is repaired in pieces cut at blank lines (runs of paragraphs), so
# the per-word tables (forms and their offsets, about 60 bytes per input byte) exist for one
# piece at a time: memory then grows with the text and its edits only. The document prior
# and every form's analysis are still taken over the whole text, so a piece is repaired as
# it would be in one go; only what looks across a blank line at a cut (the English-passage
# check's neighbours) sees the piece's edge instead. Documents of ordinary length are one
# piece.
REPAIR_PIECE_CHARS = 400_000


@dataclass
class RepairedPiece:
    """One piece of a repaired text: where it starts in the input, what it became, and its
    edits (offsets into the whole input text)."""

    start: int
    text: str
    edits: list[Edit]
    unknown: Counter
    split_words: int  # words a split of glued words added


@dataclass
class DocumentView:
    """What the whole document says before any piece is repaired: every form's analysis and
    the document prior (a piece is repaired as it would be within the whole text)."""

    analysis_of: dict[str, Analysis]
    words: int
    damaged: int
    prior: float


def repair_text(text: str, lexicon: Lexicon | None = None, *, engine: Engine | None = None) -> RepairResult:
    """Repair OCR damage in ``text``; ``apply_edits(text, result.edits) == result.text``."""
    engine = engine or default_engine(lexicon)
    texts: list[str] = []
    edits: list[Edit] = []
    unknown: Counter = Counter()
    view = None
    split_words = 0
    for piece, view in iter_repair(text, engine=engine):
        texts.append(piece.text)
        edits.extend(piece.edits)
        unknown.update(piece.unknown)
        split_words += piece.split_words
    words = view.words if view else 0
    damaged = view.damaged if view else 0
    stats = {"words": words + split_words, "edits": len(edits), "unknown_words": sum(unknown.values())}
    return RepairResult("".join(texts), edits, stats, unknown, damaged / words if words else 0.0)


def iter_repair(
    text: str, lexicon: Lexicon | None = None, *, engine: Engine | None = None
) -> Iterator[tuple[RepairedPiece, DocumentView]]:
    """Repair ``text`` piece by piece (see REPAIR_PIECE_CHARS), yielding each repaired piece
    as soon as it is done, so a caller can write it out and let it go: the memory of a long
    text's repair is then bounded by one piece, the input and the document's vocabulary."""
    engine = engine or default_engine(lexicon)
    knows_hyphenated = engine.lexicon.is_listed
    cuts = paragraph_runs(text)
    # One piece keeps its normalised text and scan for the repair; several are normalised
    # and scanned again one at a time, so that only one piece's tables exist at once.
    kept: tuple[str, list[Edit], WordScan] | None = None
    counts: Counter = Counter()
    for start, end in cuts:
        normalised, normalise_edits = normalise(text[start:end], knows_hyphenated=knows_hyphenated)
        if len(cuts) == 1:
            scan = scan_words(normalised)
            counts.update(scan.forms)
            kept = (normalised, normalise_edits, scan)
            del scan
        else:
            counts.update(word_forms(normalised))  # the offsets come in the second pass
        del normalised, normalise_edits
    analysis_of, (words, damaged, healthy) = engine.document_evidence(counts)
    del counts
    view = DocumentView(analysis_of, words, damaged, damage_prior(damaged, healthy))
    repairer = Repairer(engine)
    for start, end in cuts:
        raw = text[start:end]
        normalised, normalise_edits, scan = kept or (*normalise(raw, knows_hyphenated=knows_hyphenated), None)
        kept = None
        yield _repair_piece(start, raw, normalised, normalise_edits, scan, view, repairer), view


def _repair_piece(
    start: int,
    raw: str,
    normalised: str,
    normalise_edits: list[Edit],
    scan: WordScan | None,
    view: DocumentView,
    repairer: Repairer,
) -> RepairedPiece:
    """One piece repaired with the whole document's analyses and prior; its edits point
    into the whole text (``start`` is the piece's offset there)."""
    scan = scan or scan_words(normalised)
    word_edits, unknown = repairer.repair_words(normalised, scan, view.analysis_of, view.prior, view.damaged > 0)
    del scan  # the piece's word tables are not needed any more
    # Inside addresses and between words: spans no word edit touches.
    other_edits = at_sign_repairs(normalised, address_spans(normalised)) + _layout_edits(normalised, view)
    if other_edits:
        word_edits = sorted(word_edits + other_edits, key=lambda e: e.start)
    repaired = apply_edits(normalised, word_edits, validate=False)  # compose() validates them on normalised
    if unicodedata.is_normalized("NFC", repaired):
        edits = compose(raw, normalise_edits, word_edits, middle=normalised, offset=start)
    else:
        # A repaired letter can meet a stray combining mark ("d|" + U+0308 → "di" + U+0308).
        edits = compose(raw, normalise_edits, word_edits, middle=normalised)
        nfc_edits = fix_nfc(repaired)
        edits = compose(raw, edits, nfc_edits, middle=repaired, offset=start)
        repaired = apply_edits(repaired, nfc_edits)
    # Spaces the edits added (a split of glued words adds them): counted over the joined
    # strings, one count each instead of two per edit.
    split_words = "".join(map(_AFTER, word_edits)).count(" ") - "".join(map(_BEFORE, word_edits)).count(" ")
    return RepairedPiece(start, repaired, edits, unknown, split_words)


_BEFORE, _AFTER = itemgetter(2), itemgetter(3)  # Edit.before, Edit.after


def _layout_edits(text: str, view: DocumentView) -> list[Edit]:
    """Typography an English OCR model loses, put back only in a document it read (damage,
    and odds of damage a generic edit needs: no correct å/ä/ö): the en dash of a number
    range ("0-6 år" → "0–6 år") and a Swedish quote's opening mark ("bild” → ”bild”). A
    clean text keeps its hyphens and quotation marks, as its author wrote them."""
    if not view.damaged or view.prior < GENERIC_MIN_PRIOR:
        return []
    return range_dash_edits(text) + quote_mark_edits(text)  # the caller sorts them among the word edits


def paragraph_runs(text: str, limit: int | None = None) -> list[tuple[int, int]]:
    """``text`` cut into pieces of about ``limit`` characters, as (start, end) offsets that
    cover it. A cut falls after a blank line; where none comes within another ``limit``
    characters, after a line end that does not end in a hyphen (a hyphen join needs both
    lines), and failing that after a space. ``limit`` defaults to REPAIR_PIECE_CHARS."""
    limit = limit or REPAIR_PIECE_CHARS
    cuts: list[tuple[int, int]] = []
    start = 0
    while len(text) - start > limit:
        cut = _cut_after(text, start + limit, start + 2 * limit)
        if cut is None:
            break
        cuts.append((start, cut))
        start = cut
    if start < len(text) or not cuts:
        cuts.append((start, len(text)))
    return cuts


def _cut_after(text: str, earliest: int, latest: int) -> int | None:
    blank = text.find("\n\n", earliest, latest)
    if blank != -1:
        return blank + 2
    line_end = text.find("\n", earliest, latest)
    while line_end != -1 and text[line_end - 1] == "-":
        line_end = text.find("\n", line_end + 1, latest)
    if line_end != -1:
        return line_end + 1
    space = text.find(" ", earliest, latest)
    return space + 1 if space != -1 else None


def repair_decoded(raw: str, decode_edits: list[Edit], lexicon: Lexicon | None = None) -> RepairResult:
    """Repair text whose decoding already fixed something (a text file's mojibake):
    the repair works on the fixed text, and the result's edits point into ``raw``."""
    if not decode_edits:
        return repair_text(raw, lexicon)
    fixed = apply_edits(raw, decode_edits)
    result = repair_text(fixed, lexicon)
    result.edits = compose(raw, decode_edits, result.edits, middle=fixed)
    result.stats["edits"] = len(result.edits)
    return result


def unknown_words(text: str, lexicon: Lexicon | None = None) -> Counter:
    """Word forms in ``text`` that the lexicon does not know (URLs, e-mails, numbers excluded)."""
    engine = default_engine(lexicon)
    # Each form is judged once, however often it occurs (the words of tokenize_words: the
    # scan's forms with a letter; a run counts unknown words of every record it writes),
    # and once per engine: a run's documents share most of their words. Only the forms
    # (no offsets) are needed, and nearly all of them are known words: the unknown ones are
    # found with set operations and counted in one pass at C speed, in the order they first
    # occur (as a Counter over every form would list them).
    verdicts, flagged = engine._unknown_verdicts, engine._unknown_forms
    if len(verdicts) > 500_000:
        verdicts.clear()
        flagged.clear()
    forms = word_forms(text)
    distinct = set(forms)
    for form in distinct.difference(verdicts):
        verdict = verdicts[form] = any(c.isalpha() for c in form) and is_unknown(form, engine.analyse(form))
        if verdict:
            flagged.add(form)
    unknown_here = distinct & flagged
    return Counter(filter(unknown_here.__contains__, forms)) if unknown_here else Counter()


def is_unknown(form: str, analysis: Analysis) -> bool:
    """A word for the archivist's to-do list: no list knows it. A capitalised form that is
    only valid as a compound of common words ("Kvarnbyvik", "Trulsbrink") counts too: it is
    far more likely a name or a place than a compound."""
    if not analysis.is_word or len(form) < 2:
        return False
    if analysis.known_zipf == 0:
        return True
    return not analysis.in_list and form[:1].isupper() and not form.isupper()


__all__ = [
    "Engine",
    "RepairResult",
    "Token",
    "default_engine",
    "estimate_damage",
    "lexicon_dir",
    "repair_decoded",
    "repair_text",
    "tokenize",
    "tokenize_words",
    "unknown_words",
]
