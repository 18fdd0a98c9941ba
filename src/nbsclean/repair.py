"""The repair engine: Swedish OCR damage in, clean text and an explanation out (pure).

``repair_text(text, lexicon)`` runs :mod:`nbsclean.normalise` (layout and Unicode fixes) and
then a noisy-channel decision per word token::

    best intended word w for what OCR wrote (o)  =  argmax  P(w) · P(o | w)

P(w) comes from the lexicon (wordfreq's Swedish list, the archive's domain words, compounds
through their parts); P(o | w) from the OCR confusion table in ``lexicons/confusions.tsv``,
learned from aligned damaged/clean pairs. A word the lexicon knows is replaced only when
the alternative is much more probable *and* the document shows the damage this model
describes (its prior, :func:`estimate_damage`), so correct Swedish, names, English
passages, URLs, e-mail addresses and numbers are left alone. Words that OCR glued together
("insatserihela") are split when each part is a word. Every change is an
:class:`~nbsclean.edits.Edit` with a rule name and a score.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterator

import regex

from nbsclean.confusions import ConfusionModel, ContextRule, load_context_rules
from nbsclean.edits import Edit, apply_edits, compose
from nbsclean.lexicon import Lexicon, lexicon_dir, load_lexicon
from nbsclean.normalise import normalise

# --- Tokens ---------------------------------------------------------------------------------

TOKEN_RE = regex.compile(
    r"""
      (?P<url> (?:https?://|www\.)[^\s<>"'\])]+ )         # web addresses: never touched
    | (?P<email> [\w.+-]+@[\w-]+(?:\.[\w-]+)+ )           # e-mail addresses: never touched
    | (?P<number> \d+(?:[.,:/–—-]\d+)* (?![\p{L}&|]) )    # numbers, dates, "24:1", "7—18"
    | (?P<word>                                           # a word, OCR noise included:
          (?: [\p{L}\p{M}] | [&|](?=[\p{L}]) | (?<=[\p{L}])[&|] | \d )+  # letters, & and | next to letters, digits
      )
    """,
    regex.VERBOSE,
)
# Characters that never occur inside a correct Swedish word but often in OCR damage.
_NOISE_IN_WORD = regex.compile(r"[\d&|éèêëíìóòúùáàâ]")
# "Idns" mid-sentence: a capital I followed by lower case is often OCR's reading of "l".
_CAPITAL_I_FOR_L = regex.compile(r"^I\p{Ll}")
_SENTENCE_END = regex.compile(r"(?:^|[.!?:•\n]\s*|\n\s*\n\s*)$")


@dataclass(frozen=True, slots=True)
class Token:
    start: int
    end: int
    text: str
    kind: str  # word | url | email | number


def tokenize(text: str) -> Iterator[Token]:
    for match in TOKEN_RE.finditer(text):
        kind = match.lastgroup or "word"
        yield Token(match.start(), match.end(), match.group(), kind)


def tokenize_words(text: str) -> list[Token]:
    """Word tokens only (URLs, e-mail addresses and numbers excluded)."""
    return [t for t in tokenize(text) if t.kind == "word" and any(c.isalpha() for c in t.text)]


# --- Tuning ---------------------------------------------------------------------------------
# All scores are log10 probabilities (zipf units). Values were set on samples/rendered and
# samples/seeds and checked on samples/heldout, which is never used for tuning.

MAX_CHANGES = 3  # confusions per word
MIN_REPAIR_SCORE = 0.0  # score + document prior a non-word's repair needs
MIN_SPLIT_LOGP = -12.5  # log10 P of a split (+ prior) must beat an unseen rare word
KNOWN_WORD_MARGIN = 1.0  # a known word must lose by 10× (after the prior) to be replaced
SPLIT_PENALTY = 1.0  # per extra word when splitting a glued token (a lost space is rarer than a kept one)
MAX_SPLIT_PARTS = 4
MIN_SHORT_PART_ZIPF = 5.0  # one- and two-letter parts of a split must be very common words
MIN_SPLIT_PART_ZIPF = 3.5  # longer parts must be ordinary words
SINGLE_LETTER_WORDS = frozenset("iåö")  # Swedish words of one letter
ZIPF_TOTAL = 9.0  # zipf = log10(frequency per 10⁹ words)
NAME_REPAIR_MIN_SCORE = 1.5  # a capitalised non-word mid-sentence may be a name: repair only into a likely word
DAMAGE_PRIOR_FLOOR = 0.002
DAMAGE_PRIOR_CEILING = 0.5  # even odds: the channel model then decides alone


@dataclass(frozen=True, slots=True)
class Candidate:
    word: str  # lower case
    score: float  # log10 P(word) + log10 P(observed | word)
    changes: int


@dataclass(frozen=True, slots=True)
class Analysis:
    """What the model thinks of one token form, before context (cached per form)."""

    known_zipf: float  # 0 when the form itself is not a word
    listed: bool  # the form itself is in a word list (not only a compound of known parts)
    best: Candidate | None  # the best different word reachable through OCR confusions
    runner_up: float  # score of the second-best candidate (-inf if none)
    alternatives: tuple[Candidate, ...]  # the best few candidates, for context rules
    suspicious: bool  # contains characters that only OCR damage produces


@dataclass
class RepairResult:
    text: str
    edits: list[Edit]
    stats: dict = field(default_factory=dict)
    unknown: Counter = field(default_factory=Counter)
    damage: float = 0.0


class Engine:
    """Lexicon + confusion model + caches. Pure: no I/O after construction."""

    def __init__(self, lexicon: Lexicon, model: ConfusionModel, context_rules: dict[str, list[ContextRule]] | None = None):
        self.lexicon = lexicon
        self.model = model
        self.context_rules = context_rules or {}
        self._analysis_cache: dict[str, Analysis] = {}
        self._split_cache: dict[str, tuple[list[str], float] | None] = {}

    # -- candidate generation -------------------------------------------------------------
    def candidates(self, lower: str) -> list[Candidate]:
        """Every known word reachable from ``lower`` through at most MAX_CHANGES confusions."""
        found: dict[str, Candidate] = {}
        by_first = self.model.by_first_char
        length = len(lower)
        ln10 = math.log(10)

        def walk(position: int, built: str, changes: int, logp: float) -> None:
            if position == length:
                if changes:
                    zipf = self.lexicon.zipf(built)
                    if zipf > 0:
                        score = zipf + logp / ln10
                        previous = found.get(built)
                        if previous is None or score > previous.score:
                            found[built] = Candidate(built, score, changes)
                return
            walk(position + 1, built + lower[position], changes, logp)
            if changes < MAX_CHANGES:
                for confusion in by_first.get(lower[position], ()):
                    if lower.startswith(confusion.observed, position):
                        walk(position + len(confusion.observed), built + confusion.intended, changes + 1, logp + confusion.logp)

        walk(0, "", 0, 0.0)
        return sorted(found.values(), key=lambda c: -c.score)

    def analyse(self, form: str) -> Analysis:
        cached = self._analysis_cache.get(form)
        if cached is not None:
            return cached
        lower = form.lower()
        known = self.lexicon.zipf(lower) if lower.isalpha() else 0.0
        candidates = self.candidates(lower)
        best = candidates[0] if candidates else None
        runner_up = candidates[1].score if len(candidates) > 1 else -math.inf
        listed = self.lexicon.direct_zipf(lower) > 0
        analysis = Analysis(known, listed, best, runner_up, tuple(candidates[:8]), bool(_NOISE_IN_WORD.search(lower)))
        if len(self._analysis_cache) > 500_000:
            self._analysis_cache.clear()
        self._analysis_cache[form] = analysis
        return analysis

    # -- glued words ----------------------------------------------------------------------
    def split(self, lower: str) -> tuple[list[str], float] | None:
        """Best split of a glued token into words ("insatserihela" → insatser i hela)."""
        if lower in self._split_cache:
            return self._split_cache[lower]
        result = self._best_split(lower) if 4 <= len(lower) <= 40 else None
        self._split_cache[lower] = result
        return result

    def _part(self, piece: str) -> tuple[str, float] | None:
        """The word a piece of a glued token stands for, with its log10 probability."""
        if len(piece) == 1:
            return (piece, self.lexicon.direct_zipf(piece) - ZIPF_TOTAL) if piece in SINGLE_LETTER_WORDS else None
        options = []
        zipf = self.lexicon.direct_zipf(piece) if piece.isalpha() else 0.0
        if zipf > 0:
            options.append((piece, zipf))
        best = self.analyse(piece).best
        if best is not None and self.lexicon.direct_zipf(best.word) > 0:
            options.append((best.word, best.score))
        if not options:
            return None
        word, score = max(options, key=lambda o: o[1])
        needed = MIN_SHORT_PART_ZIPF if len(word) <= 2 else MIN_SPLIT_PART_ZIPF
        if self.lexicon.direct_zipf(word) < needed:
            return None
        # Zipf is log10 per 10⁹ words: subtracting 9 gives the log probability of the part,
        # so that a split into more words costs more, as it should.
        return word, score - ZIPF_TOTAL

    def _best_split(self, lower: str) -> tuple[list[str], float] | None:
        n = len(lower)
        # best[i] = (score, parts) for lower[:i]
        best: list[tuple[float, list[str]] | None] = [None] * (n + 1)
        best[0] = (0.0, [])
        for end in range(1, n + 1):
            for start in range(max(0, end - 25), end):
                head = best[start]
                if head is None or len(head[1]) >= MAX_SPLIT_PARTS:
                    continue
                part = self._part(lower[start:end])
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


def estimate_damage(text: str, lexicon: Lexicon | None = None, engine: Engine | None = None) -> float:
    """Share (0..1) of word tokens that look OCR-damaged: the document's damage prior.

    A token counts as damaged when it is not a word but a word is reachable through OCR
    confusions, or when it holds characters only OCR noise produces. Correct Swedish
    letters (å, ä, ö in known words) count as evidence against damage: an English OCR model
    never writes them, so a text full of them was not read by one.
    """
    engine = engine or default_engine(lexicon)
    words, damaged, _ = damage_evidence(text, engine)
    return damaged / words if words else 0.0


def damage_evidence(text: str, engine: Engine) -> tuple[int, int, int]:
    """(words, damaged-looking words, words with correct å/ä/ö) in ``text``."""
    damaged = healthy_diacritics = words = 0
    for token in tokenize_words(text):
        words += 1
        if _looks_damaged(engine.analyse(token.text)):
            damaged += 1
        elif any(c in "åäöÅÄÖ" for c in token.text):
            healthy_diacritics += 1
    return words, damaged, healthy_diacritics


def damage_prior(damaged: int, healthy_diacritics: int) -> float:
    """log10 odds that a known word in this document is really a damaged other word.

    An English OCR model never writes å, ä or ö, so a document with damage and no correct
    diacritics gets even odds (0); one full of correct diacritics gets strong odds against.
    """
    p = (damaged + 0.5) / (damaged + healthy_diacritics + 1)
    p = min(max(p, DAMAGE_PRIOR_FLOOR), DAMAGE_PRIOR_CEILING)
    return math.log10(p / (1 - p))


def _looks_damaged(analysis: Analysis) -> bool:
    if analysis.known_zipf > 0:
        # a rare form with a far more common repair ("basta" vs "bästa")
        return analysis.best is not None and analysis.best.score - analysis.known_zipf > 1.5
    return analysis.best is not None or analysis.suspicious


# --- Decisions --------------------------------------------------------------------------------


def recase(word: str, like: str, sentence_start: bool = True) -> str:
    """Give ``word`` the capitalisation pattern of ``like`` (SÖRMLAND, Sörmland, sörmland).

    Mid-sentence, a capital I that OCR made of an "l" ("Idns" for "läns") is not kept: the
    capital was the misreading, not the author's.
    """
    letters = [c for c in like if c.isalpha()]
    if len(letters) > 1 and all(c.isupper() for c in letters):
        return word.upper()
    if like[:1].isupper() or (like[:1] in "|" and len(like) > 1):
        if not sentence_start and like[:1] == "I" and word[:1] == "l":
            return word
        return word[:1].upper() + word[1:]
    return word


def _confidence(margin: float) -> float:
    """Map a log10 margin to a 0..1 score for reviewers (0.5 at no margin)."""
    return round(1 / (1 + 10 ** (-margin)), 4)


@dataclass
class _Context:
    prior: float
    english: list[bool]


class Repairer:
    """Applies the engine's decisions to a text, token by token, with context."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.lexicon = engine.lexicon

    def repair_words(self, text: str, prior: float) -> tuple[list[Edit], Counter]:
        all_tokens = list(tokenize(text))
        word_positions = [i for i, t in enumerate(all_tokens) if t.kind == "word" and any(c.isalpha() for c in t.text)]
        tokens = [all_tokens[i] for i in word_positions]
        english = self._english_mask(tokens)
        edits: list[Edit] = []
        unknown: Counter = Counter()
        for index, token in enumerate(tokens):
            if english[index]:
                continue
            position = word_positions[index]
            context = self._context_decision(token, text, all_tokens, position, prior)
            decision = context if context is not None else self._decide(token, text, prior)
            if decision is None:
                if not self._accepted_as_is(token):
                    unknown[token.text] += 1
                continue
            after, rule, score = decision
            if after != token.text:
                edits.append(Edit(token.start, token.end, token.text, after, rule, score))
        return edits, unknown

    def _context_decision(self, token: Token, text: str, tokens: list[Token], position: int, prior: float):
        """Apply lexicons/context.tsv: a valid word whose neighbours point to another word."""
        rules = self.engine.context_rules.get(token.text.lower())
        if not rules:
            return None
        previous = _neighbour(text, tokens, position, -1)
        following = _neighbour(text, tokens, position, +1)
        analysis = self.engine.analyse(token.text)
        for rule in rules:
            if not rule.matches(previous, following):
                continue
            alternative = next((c for c in analysis.alternatives if c.word == rule.alternative), None)
            if alternative is None:
                continue
            margin = alternative.score + rule.weight - analysis.known_zipf + prior
            if margin >= KNOWN_WORD_MARGIN:
                return self._recase(alternative.word, token, text), "context", _confidence(margin - KNOWN_WORD_MARGIN)
        return None

    def _accepted_as_is(self, token: Token) -> bool:
        analysis = self.engine.analyse(token.text)
        return analysis.known_zipf > 0 or len(token.text) == 1

    def _english_mask(self, tokens: list[Token]) -> list[bool]:
        """True for tokens inside an English passage ("Getting it right for every child")."""
        lexicon = self.lexicon
        is_en = [
            lexicon.is_english(t.text.lower()) and lexicon.direct_zipf(t.text.lower()) < 4.5
            for t in tokens
        ]
        mask = []
        for i in range(len(tokens)):
            window = is_en[max(0, i - 2) : i] + is_en[i + 1 : i + 3]
            mask.append(is_en[i] and sum(window) >= 2)
        return mask

    def _starts_sentence(self, token: Token, text: str) -> bool:
        return bool(_SENTENCE_END.search(text[max(0, token.start - 4) : token.start]))

    def _decide(self, token: Token, text: str, prior: float) -> tuple[str, str, float] | None:
        """The replacement for one token, its rule and score; None to keep it."""
        form = token.text
        analysis = self.engine.analyse(form)
        if analysis.listed:
            return self._decide_listed(token, text, analysis, prior)
        if analysis.known_zipf > 0:
            return self._decide_compound(token, text, analysis, prior)
        return self._decide_unknown(token, text, analysis, prior)

    def _decide_listed(self, token: Token, text: str, analysis: Analysis, prior: float):
        """A listed word is replaced only by a listed word that is far more probable."""
        form, best = token.text, analysis.best
        if best is None or not self.lexicon.is_listed(best.word):
            return None
        if form[:1].isupper() and not self._starts_sentence(token, text) and self.lexicon.is_domain(form):
            return None  # a name the archive knows
        margin = best.score - analysis.known_zipf + prior
        if margin < KNOWN_WORD_MARGIN:
            return None
        return self._recase(best.word, token, text), "known_word_confusion", _confidence(margin - KNOWN_WORD_MARGIN)

    def _decide_compound(self, token: Token, text: str, analysis: Analysis, prior: float):
        """A form valid only as a compound ("arbetssatt" = arbets+satt) is weaker evidence
        than a listed word: it yields to a more probable reading ("arbetssätt")."""
        best = analysis.best
        if best is None:
            return None
        margin = best.score - analysis.known_zipf + prior
        if margin < 0:
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
        if is_name_like and not (best is not None and self._is_likely_repair_of_name(best)):
            return None
        candidate = best if best is not None and best.score + prior >= MIN_REPAIR_SCORE else None
        split = self.engine.split(form.lower())
        if split is not None and split[1] + prior < MIN_SPLIT_LOGP:
            split = None
        # Compare the single-word repair and the split as log10 probabilities of the text.
        candidate_logp = candidate.score - ZIPF_TOTAL if candidate else -math.inf
        split_logp = split[1] if split else -math.inf
        if candidate and candidate_logp >= split_logp:
            margin = candidate.score - analysis.runner_up if analysis.runner_up > -math.inf else 2.0
            return self._recase(candidate.word, token, text), "ocr_confusion", _confidence(margin)
        if split:
            joined = " ".join(split[0])
            return self._recase(joined, token, text), "split_glued_words", _confidence(split_logp - candidate_logp if candidate else 1.0)
        return None

    def _recase(self, word: str, token: Token, text: str) -> str:
        return recase(word, token.text, self._starts_sentence(token, text))

    def _is_likely_repair_of_name(self, best: Candidate) -> bool:
        return self.lexicon.is_domain(best.word) or best.score >= NAME_REPAIR_MIN_SCORE


def _neighbour(text: str, tokens: list[Token], position: int, step: int) -> str:
    """The lower-case token next to ``position`` if only spaces separate them, else ""."""
    other = position + step
    if not 0 <= other < len(tokens):
        return ""
    left, right = (tokens[other], tokens[position]) if step < 0 else (tokens[position], tokens[other])
    gap = text[left.end : right.start]
    return tokens[other].text.lower() if gap.strip() == "" else ""


# --- Public API -------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _engine_for(lexicon_sha: str, directory: str) -> Engine:
    lexicon = load_lexicon(directory)
    model = ConfusionModel.from_tsv(Path(directory) / "confusions.tsv")
    return Engine(lexicon, model, load_context_rules(Path(directory) / "context.tsv"))


def default_engine(lexicon: Lexicon | None = None) -> Engine:
    """The engine for ``lexicon`` (default: the active lexicon), built once and cached."""
    lexicon = lexicon or load_lexicon()
    return _engine_for(lexicon.sha256, str(lexicon.directory))


def repair_text(text: str, lexicon: Lexicon | None = None, *, engine: Engine | None = None) -> RepairResult:
    """Repair OCR damage in ``text``; ``apply_edits(text, result.edits) == result.text``."""
    engine = engine or default_engine(lexicon)
    lexicon = engine.lexicon
    normalised, normalise_edits = normalise(text, knows_hyphenated=lambda w: lexicon.direct_zipf(w) > 0)
    words, damaged, healthy = damage_evidence(normalised, engine)
    damage = damaged / words if words else 0.0
    word_edits, unknown = Repairer(engine).repair_words(normalised, damage_prior(damaged, healthy))
    edits = compose(text, normalise_edits, word_edits)
    repaired = apply_edits(text, edits)
    words = len(tokenize_words(repaired))
    stats = {"words": words, "edits": len(edits), "unknown_words": sum(unknown.values())}
    return RepairResult(repaired, edits, stats, unknown, damage)


def unknown_words(text: str, lexicon: Lexicon | None = None) -> Counter:
    """Word forms in ``text`` that the lexicon does not know (URLs, e-mails, numbers excluded)."""
    engine = default_engine(lexicon)
    counts: Counter = Counter()
    for token in tokenize_words(text):
        if engine.analyse(token.text).known_zipf == 0 and len(token.text) > 1:
            counts[token.text] += 1
    return counts


__all__ = [
    "Engine",
    "RepairResult",
    "Token",
    "default_engine",
    "estimate_damage",
    "lexicon_dir",
    "repair_text",
    "tokenize",
    "tokenize_words",
    "unknown_words",
]
