"""A word bigram model of Swedish: how the neighbouring words raise or lower a word.

The model is learned from real Swedish running text by ``tools/build_ngrams.py`` (``make
ngrams``): LibreOffice's Swedish help (Debian's ``libreoffice-help-sv``, MPL-2.0) and,
optionally, more text. It is stored as one compact file (``lexicons/ngrams/sv.ngrams``):
the vocabulary in a marisa trie (a word's id is its key id) and every bigram as a sorted
array of keys ``left_id · 2ᵇ + right_id`` with its count beside it, so a lookup is
a trie lookup and a binary search in C (32-bit keys of two 16-bit ids while the vocabulary
has fewer than 65 536 forms). The same table answers both directions. The file is read on first use only.

Probabilities are interpolated Kneser–Ney (Kneser & Ney 1995; Chen & Goodman 1998), in
both directions: ``P(w | previous)`` and ``P(w | following)`` (the same counts read right
to left). The discount is estimated from the counts of counts, D = n₁ / (n₁ + 2 n₂), and
the lowest order is interpolated with a uniform distribution over the vocabulary and one
unknown word, so no word has probability zero.

What the repair asks is :meth:`NgramModel.context_gain`: log10 of how much more probable a
word is beside its neighbours than without them, ``P(w | prev) / P(w)`` times
``P(w | next) / P(w)`` (with P(w) the model's lower-order distribution; a neighbour the
model never saw, or a clause boundary it did not learn, gives 1: no evidence). Two
candidates for one token are compared by their gains, added to the channel model's
log10 P(w) · P(observed | w).

Where the bigrams know nothing of the following word beside a word, that word's class may
speak (asked for with ``classes=True``; :class:`WordClasses`): the commonest forms are
classes of their own, any other word is known by its ending. The file then also holds, for
every word seen at least CLASS_MIN_COUNT times, how often a word of each class followed
it; P(class | word) / P(class) (Dirichlet-smoothed) takes the place of the uniform factor
in the back-off (Brown et al. 1992 for class-based n-grams).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import struct
from array import array
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

FORMAT = 3
READABLE_FORMATS = (1, 3)  # format 1: the same file without the word-class tables
MAGIC = b"NBSNGRAM"
BOUNDARY = "<b>"  # start or end of a clause: the edge of a text, or punctuation
NUMBER = "<num>"  # any token of digits
_RIGHT_BITS = 32
# Word classes for neighbours the bigrams say nothing about (see :func:`class_counts`): the
# commonest forms of the training text are classes of their own, every other word is known
# by its last letters (Swedish inflection is in its endings: "-at", "-it" of a supine after
# "har", "-en", "-et" of a noun after "vårt"), and CLASS_PRIOR_WEIGHT is the weight of the
# Dirichlet prior (MacKay & Peto 1995) that pulls a word's class distribution towards the
# distribution over all words.
FREQUENT_CLASS_WORDS = 1000
CLASS_SUFFIX_LETTERS = 2
CLASS_PRIOR_WEIGHT = 10.0
OTHER_CLASS = "-?"
CLASS_MIN_COUNT = 100

# A word is letters (digits make <num>); hyphens and white space separate words, as in
# the engine, and any other punctuation ends a clause.
_TOKEN_RE = re.compile(r"[^\W_]+|[^\w\s\-–—]+")


def clauses(text: str) -> Iterator[list[str]]:
    """Lower-case word sequences of ``text`` between punctuation (what the repair sees as
    neighbours: it reads across white space and hyphens only)."""
    current: list[str] = []
    for match in _TOKEN_RE.finditer(text):
        token = match.group()
        if token[0].isalnum() or token[0] == "_":
            current.append(NUMBER if token.isdigit() else token.lower())
            continue
        if current:
            yield current
        current = []
    if current:
        yield current


def count_bigrams(sequences: Iterable[list[str]]) -> tuple[Counter, Counter]:
    """(unigram counts, bigram counts) of word sequences, each padded with the boundary."""
    unigrams: Counter = Counter()
    bigrams: Counter = Counter()
    for words in sequences:
        padded = [BOUNDARY, *words, BOUNDARY]
        unigrams.update(words)
        bigrams.update(zip(padded, padded[1:]))
    return unigrams, bigrams


def word_classes(unigrams: Counter, frequent: int = FREQUENT_CLASS_WORDS, letters: int = CLASS_SUFFIX_LETTERS) -> list[str]:
    """The class names of a model: the boundary, numbers, the ``frequent`` commonest forms, and
    "-" + every ending of ``letters`` letters of the other words (then one for the rest)."""
    common = [w for w, _ in sorted(unigrams.items(), key=lambda item: (-item[1], item[0])) if w != NUMBER][:frequent]
    endings = sorted({"-" + w[-letters:] for w in unigrams if w not in common and w != NUMBER})
    return [BOUNDARY, NUMBER, *common, *endings, OTHER_CLASS]


class WordClasses:
    """A word's class id: its own for the boundary, numbers and the commonest forms, else its
    ending's (:func:`word_classes`)."""

    def __init__(self, names: list[str], letters: int):
        self.names = names
        self.letters = letters
        self._ids = {name: i for i, name in enumerate(names)}
        self._other = self._ids[OTHER_CLASS]

    def __len__(self) -> int:
        return len(self.names)

    def of(self, word: str) -> int:
        """The class of a lower-case word ("" is the clause boundary)."""
        if not word:
            return self._ids[BOUNDARY]
        if word.isdigit():
            return self._ids[NUMBER]
        own = self._ids.get(word)
        if own is not None and not word.startswith("-"):
            return own
        return self._ids.get("-" + word[-self.letters :], self._other)

    def is_own(self, class_id: int) -> bool:
        """The class is one word's own (or the boundary's, or numbers'): the bigrams know it."""
        return not self.names[class_id].startswith("-")


def class_counts(bigrams: Counter, vocabulary, classes: WordClasses) -> Counter:
    """How often a word of each class followed each word, by (word id, class id)."""
    after: Counter = Counter()
    for (left, right), count in bigrams.items():
        after[vocabulary[left], classes.of(right if right != BOUNDARY else "")] += count
    return after


def kneser_ney_discount(counts: Iterable[int]) -> float:
    """D = n₁ / (n₁ + 2 n₂) (Ney, Essen & Kneser 1994), from the bigram counts of counts."""
    n1 = n2 = 0
    for c in counts:
        if c == 1:
            n1 += 1
        elif c == 2:
            n2 += 1
    if n1 == 0:
        return 0.5
    return n1 / (n1 + 2 * n2)


def write_model(
    path: Path, unigrams: Counter, bigrams: Counter, sources: dict, *, min_count: int = 1, class_words: int = FREQUENT_CLASS_WORDS
) -> dict:
    """Write the model file for these counts; returns its header.

    Bigrams seen fewer than ``min_count`` times are left out of the stored table, but the
    per-word totals (how often a word was followed by anything, by how many different words)
    are taken before pruning, so the pruned mass goes to the back-off, as it should.
    ``class_words``: how many of the commonest forms are word classes of their own.
    """
    import marisa_trie

    from nbsclean.atomic import write_atomic

    vocabulary = marisa_trie.Trie([BOUNDARY, *unigrams])
    size = len(vocabulary)
    discount = kneser_ney_discount(bigrams.values())
    left_total = array("I", bytes(4 * size))  # c(v •): tokens following v
    left_types = array("I", bytes(4 * size))  # N1+(v •)
    right_total = array("I", bytes(4 * size))  # c(• w)
    right_types = array("I", bytes(4 * size))  # N1+(• w)
    stored: list[tuple[int, int]] = []
    for (left, right), count in bigrams.items():
        i, j = vocabulary[left], vocabulary[right]
        left_total[i] += count
        left_types[i] += 1
        right_total[j] += count
        right_types[j] += 1
        if count >= min_count:
            stored.append(((i << _RIGHT_BITS) | j, count))
    stored.sort()
    # Two word ids fit a 32-bit key while the vocabulary is under 65 536 forms.
    bits = _RIGHT_BITS if size > 0xFFFF else 16
    key_code = "Q" if bits == _RIGHT_BITS else "I"
    if bits != _RIGHT_BITS:
        stored = [((key >> _RIGHT_BITS) << bits | (key & 0xFFFFFFFF), c) for key, c in stored]
    header = {
        "format": FORMAT,
        "vocabulary": size,
        "tokens": sum(unigrams.values()),
        "bigram_types": len(bigrams),
        "stored_bigrams": len(stored),
        "min_count": min_count,
        "discount": discount,
        "key_bits": bits,
        "key_code": key_code,
        "sources": sources,
    }
    classes = WordClasses(word_classes(unigrams, class_words), CLASS_SUFFIX_LETTERS)
    after = class_counts(bigrams, vocabulary, classes)
    class_key_code = "I" if size <= 0xFFFF and len(classes) <= 0xFFFF else "Q"
    class_bits = 16 if class_key_code == "I" else _RIGHT_BITS
    # Only words seen often enough ever get class evidence (NgramModel.classes_know): the
    # pairs of the others are not stored (their counts are still in the class totals).
    known = {w for w in range(size) if min(left_total[w], right_total[w]) >= CLASS_MIN_COUNT}
    after_items = sorted(((w << class_bits) | c, n) for (w, c), n in after.items() if w in known)
    class_after_total = array("I", bytes(4 * len(classes)))  # c(• class)
    for (_, c), n in after.items():
        class_after_total[c] += n
    header["classes"] = {"names": classes.names, "letters": classes.letters, "key_bits": class_bits, "key_code": class_key_code, "prior_weight": CLASS_PRIOR_WEIGHT}
    trie_bytes = vocabulary.tobytes()
    blocks = [
        trie_bytes,
        left_total.tobytes(),
        left_types.tobytes(),
        right_total.tobytes(),
        right_types.tobytes(),
        array(key_code, (k for k, _ in stored)).tobytes(),
        array("I", (c for _, c in stored)).tobytes(),
        class_after_total.tobytes(),
        array(class_key_code, (k for k, _ in after_items)).tobytes(),
        array("I", (n for _, n in after_items)).tobytes(),
    ]
    header["blocks"] = [len(b) for b in blocks]
    header_bytes = json.dumps(header, ensure_ascii=False, sort_keys=True).encode()
    payload = MAGIC + struct.pack("<I", len(header_bytes)) + header_bytes + b"".join(blocks)
    write_atomic(path, payload)
    return header


class NgramModelError(ValueError):
    """A model file that is not one this version of nbsclean wrote."""


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why the context chose a word: its neighbours ("" for a clause boundary) and the
    probability of each word compared, given what OCR wrote and the neighbours."""

    previous: str
    following: str
    probability: dict  # word -> P(word | observed, neighbours), over the words compared

    def to_dict(self) -> dict:
        return {"previous": self.previous, "following": self.following, "probability": dict(self.probability)}


class NgramModel:
    """Bigram counts of one model file, with interpolated Kneser–Ney probabilities."""

    def __init__(self, data: bytes, path: Path | None = None):
        import marisa_trie

        if data[:8] != MAGIC:
            raise NgramModelError(f"{path}: not an nbsclean n-gram model")
        (length,) = struct.unpack_from("<I", data, 8)
        header = json.loads(data[12 : 12 + length])
        if header.get("format") not in READABLE_FORMATS:
            raise NgramModelError(f"{path}: model format {header.get('format')}, this nbsclean reads {READABLE_FORMATS}")
        self.header = header
        self.path = path
        self.sha256 = hashlib.sha256(data).hexdigest()
        offset = 12 + length
        blocks = []
        for size in header["blocks"]:
            blocks.append(data[offset : offset + size])
            offset += size
        self.vocabulary = marisa_trie.Trie()
        self.vocabulary.frombytes(blocks[0])
        codes = "IIII" + header["key_code"] + "I"
        classes = header.get("classes")
        if classes:
            codes += "I" + classes["key_code"] + "I"
        arrays = []
        for block, code in zip(blocks[1:], codes):
            a = array(code)
            a.frombytes(block)
            arrays.append(a)
        (self._left_total, self._left_types, self._right_total, self._right_types, self._keys, self._counts) = arrays[:6]
        self.classes: WordClasses | None = None
        if classes:
            self.classes = WordClasses(classes["names"], int(classes["letters"]))
            (self._class_after_total, self._after_keys, self._after_counts) = arrays[6:]
            self._class_bits = int(classes["key_bits"])
            self._class_prior = float(classes["prior_weight"])
            self._class_all = sum(self._class_after_total)
        self._bits = int(header["key_bits"])
        self.discount = float(header["discount"])
        self._all_types = sum(self._right_types)  # N1+(• •): distinct bigrams
        self._uniform = 1.0 / (len(self.vocabulary) + 1)  # every word, and one unknown
        self._boundary = self.vocabulary[BOUNDARY]

    @classmethod
    def load(cls, path: Path) -> "NgramModel":
        return cls(Path(path).read_bytes(), Path(path))

    def __len__(self) -> int:
        return len(self.vocabulary)

    # -- probabilities ------------------------------------------------------------------------
    def _id(self, word: str) -> int | None:
        if not word:
            return self._boundary
        if word.isdigit():
            word = NUMBER
        return self.vocabulary.get(word)

    def _continuation(self, word_id: int | None, types: array) -> float:
        """The lower order: in how many different contexts a word was seen, interpolated
        with the uniform distribution."""
        d, total = self.discount, self._all_types
        seen = types[word_id] if word_id is not None else 0
        return max(seen - d, 0.0) / total + d * len(self.vocabulary) / total * self._uniform

    @staticmethod
    def _count(keys: array, counts: array, key: int) -> int:
        i = bisect_left(keys, key)
        return counts[i] if i < len(keys) and keys[i] == key else 0

    def _gain(self, context: int | None, word: int | None, forward: bool, following: str | None = None) -> float:
        """P_KN(word | context) / P_cont(word): what the neighbour adds, as a factor.

        Where the bigrams know nothing of a word and the word after it (``following``: ask
        for its class), that word's class speaks (:meth:`_class_gain`): for a word the model
        never saw, in place of the bigram; for one it saw, in the share of probability the
        bigram leaves to the lower order.
        """
        class_gain = self._class_gain(following, word) if following is not None and self.classes is not None else 1.0
        if context is None:
            return class_gain
        if forward:  # context precedes the word
            total, types, lower_types = self._left_total[context], self._left_types[context], self._right_types
        else:
            total, types, lower_types = self._right_total[context], self._right_types[context], self._left_types
        if total == 0:
            return class_gain
        lower = self._continuation(word, lower_types)
        seen = 0
        if word is not None:
            key = (context << self._bits | word) if forward else (word << self._bits | context)
            seen = self._count(self._keys, self._counts, key)
        return max(seen - self.discount, 0.0) / total / lower + self.discount * types / total * class_gain

    def _class_gain(self, following: str, word: int | None) -> float:
        """P(class of the next word | word) / P(class): how much more often ``word`` is
        followed by words of this class than words are in general. 1 (no evidence) for a
        next word that is a class of its own (the bigrams know it) or a word the model never
        saw. The word's distribution is smoothed towards the general one by a Dirichlet
        prior of CLASS_PRIOR_WEIGHT observations."""
        classes = self.classes
        c = classes.of(following)
        if word is None or classes.is_own(c):
            return 1.0
        general = self._class_after_total[c] / self._class_all
        seen = self._count(self._after_keys, self._after_counts, word << self._class_bits | c)
        total = self._left_total[word]
        if general == 0:
            return 1.0
        return (seen + self._class_prior * general) / (total + self._class_prior) / general

    def context_gain(self, word: str, previous: str | None, following: str | None, classes: bool = False) -> float:
        """log10 of how much ``previous`` and ``following`` (lower case; "" for a clause
        boundary; None: leave that side out) raise ``word`` above its probability without
        context; with ``classes``, a following word the bigrams know nothing of speaks through
        its word class (compare two words that way only when :meth:`classes_know` both). The
        class of the word before is not used: after a noun, "här" (a newsreel's "denna plats
        här") and "har" both follow, and reading it changed a correct "denna fas har" with the
        newsreel model, and one more correct word on the development set.)"""
        word_id = self._id(word)
        gain = 1.0
        if previous is not None:
            gain *= self._gain(self._id(previous), word_id, True)
        if following is not None:
            gain *= self._gain(self._id(following), word_id, False, following if classes else None)
        return math.log10(gain)

    def classes_know(self, word: str) -> bool:
        """The model has word classes and saw ``word`` often enough (CLASS_MIN_COUNT) for
        the classes of its neighbours to be evidence: a rare word's class distribution is
        mostly its prior, and would win every comparison with a common word's."""
        if self.classes is None:
            return False
        word_id = self._id(word)
        return word_id is not None and min(self._left_total[word_id], self._right_total[word_id]) >= CLASS_MIN_COUNT

    def knows(self, word: str) -> bool:
        """The model saw ``word`` ("" is a clause boundary, which it always knows)."""
        return self._id(word) is not None

    def bigram_count(self, left: str, right: str) -> int:
        i, j = self._id(left), self._id(right)
        if i is None or j is None:
            return 0
        return self._count(self._keys, self._counts, (i << self._bits) | j)


def model_path(directory: Path) -> Path:
    return Path(directory) / "ngrams" / "sv.ngrams"


_loaded: dict[Path, tuple[float, NgramModel | None]] = {}


def load_model(directory: Path) -> NgramModel | None:
    """The model in ``directory/ngrams/`` (read once per change of the file), or None when
    there is none: the repair then decides valid-for-valid words without context."""
    path = model_path(directory)
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError:
        return None
    cached = _loaded.get(path)
    if cached is not None and cached[0] == mtime:
        return cached[1]
    model = NgramModel.load(path)
    _loaded[path] = (mtime, model)
    return model


__all__ = [
    "Evidence",
    "NgramModel",
    "NgramModelError",
    "WordClasses",
    "clauses",
    "count_bigrams",
    "load_model",
    "model_path",
    "word_classes",
    "write_model",
]
