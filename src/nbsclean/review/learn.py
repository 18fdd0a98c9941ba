"""Teaching the lexicon the archive's own words: domain files and `lexicon learn`.

The domain lexicon is ``lexicons/domain/<category>.txt`` (places, organisations, names,
terms): one form per line as normally written, ``#`` comments, kept sorted
case-insensitively. :func:`add_words` is the only writer; the lexicon cache notices the
change by itself (its key is a hash of the source files).

``lexicon learn`` proposes new domain words. A word is a candidate when it is

* unknown: neither in the lexicon nor repaired by the engine (``repair.unknown_words``);
* spelt in trustworthy text: pages whose raw text the damage estimator rates clean (and,
  for OCR pages, with a high Tesseract confidence);
* not damaged-looking: letters only (inner hyphens allowed), no mixed case inside, rated
  undamaged by the engine's damage estimate and left unchanged when repaired on its own;
* written consistently: a capitalised word that also turns up in lower case in mid
  sentence is not a name, a form seen only at sentence starts tells us nothing;
* frequent enough (``--min-count``).

Candidates go to a TSV file a person edits (delete rows, fix the category) before
``lexicon accept`` moves them into the domain files.
"""

from __future__ import annotations

import csv
import io
import logging
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

import regex

from nbsclean.errors import BadArgumentsError, FileAccessError
from nbsclean.repair.lexicon import DOMAIN_CATEGORIES
from nbsclean.review.page import atomic_write_text

log = logging.getLogger("nbsclean.learn")

CATEGORIES = DOMAIN_CATEGORIES
CANDIDATE_COLUMNS = ("word", "count", "documents", "category", "context")
DEFAULT_MIN_CONF = 85.0  # Tesseract's mean word confidence, 0-100
DEFAULT_MAX_DAMAGE = 0.05  # clean text scores < 0.02, the archive's OCR layers > 0.2

# A domain word: letters, optionally joined by inner hyphens or apostrophes ("NPF-utredning",
# "Bergs'"), nothing else. Digits, dots, underscores and spaces are refused.
VALID_WORD = regex.compile(r"^\p{L}+(?:[-'’]\p{L}+)*$")
# Mixed case inside a word ("SOrmland", "hAlsa") is a typical OCR artefact.
MIXED_CASE = regex.compile(r"\p{Ll}\p{Lu}|\p{Lu}{2,}\p{Ll}")
# A word as it appears in running text, with where it sits (for sentence starts).
TOKEN = regex.compile(r"\p{L}[\p{L}\p{M}\p{N}'’_.@/:-]*\p{L}|\p{L}")
SENTENCE_END = regex.compile(r"(?:^|[.!?:•\n]\s*|^\s*[-–—*]\s*)$")
PLACE_SUFFIXES = (
    "sund", "köping", "stad", "holm", "borg", "berg", "by", "vik", "näs", "fors", "hamn",
    "tuna", "torp", "hult", "ås", "land", "ö", "å", "rum", "lund", "bro", "sala", "sjö",
)
PLACE_BEFORE = {"i", "från", "till", "mot", "kring", "utanför", "norra", "södra", "västra", "östra"}
PLACE_AFTER = {"kommun", "kommuns", "kommuner", "län", "läns", "stad", "region", "regionen", "socken"}
ORGANISATION_SUFFIXES = (
    "nätverket", "förbundet", "föreningen", "gruppen", "rådet", "centrum", "centralen", "byrån",
    "enheten", "teamet", "nämnden", "verket", "institutet", "huset", "styrelsen", "förvaltningen",
)
ORGANISATION_AFTER = {"förening", "föreningen", "förbund", "förbundet", "ab", "stiftelse", "stiftelsen"}


# --------------------------------------------------------------------------- domain files


def validate_word(word: str) -> str:
    """The word in NFC, or BadArgumentsError when it is not one plausible word form."""
    form = unicodedata.normalize("NFC", word.strip())
    if not VALID_WORD.match(form) or len(form) > 60:
        raise BadArgumentsError(
            "not a word form (letters with optional inner hyphens or apostrophes only)", source=repr(word)
        )
    return form


def validate_category(category: str) -> str:
    if category not in CATEGORIES:
        raise BadArgumentsError(f"unknown category (choose one of {', '.join(CATEGORIES)})", source=category)
    return category


def domain_file(directory: Path, category: str) -> Path:
    return Path(directory) / "domain" / f"{validate_category(category)}.txt"


def read_domain_file(path: Path) -> tuple[list[str], list[str]]:
    """(leading comment lines, word forms) of one domain file; a missing file is empty."""
    if not path.exists():
        return [], []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise FileAccessError(f"cannot read: {exc.strerror}", source=str(path)) from exc
    header, words = [], []
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("#") and not words:
            header.append(line)
        elif stripped and not stripped.startswith("#"):
            words.append(stripped.split("#", 1)[0].strip())
    return header, words


def sort_forms(words: Iterable[str]) -> list[str]:
    """De-duplicated, sorted case-insensitively (then exact, so the order is total)."""
    return sorted(set(words), key=lambda w: (w.casefold(), w))


def add_words(directory: Path, category: str, words: Iterable[str]) -> list[str]:
    """Add ``words`` to ``domain/<category>.txt``; return the forms that were new."""
    path = domain_file(directory, category)
    forms = [validate_word(w) for w in words]
    header, existing = read_domain_file(path)
    new = [w for w in dict.fromkeys(forms) if w not in set(existing)]
    if not new:
        return []
    if not header:
        header = [f"# Domain lexicon: {category}. One form per line as normally written."]
    atomic_write_text(path, "\n".join(header + sort_forms(existing + new)) + "\n")
    return new


def domain_words(directory: Path) -> dict[str, list[str]]:
    """Category → word forms, for every ``domain/*.txt`` file."""
    result = {}
    for path in sorted((Path(directory) / "domain").glob("*.txt")):
        result[path.stem] = read_domain_file(path)[1]
    return result


# --------------------------------------------------------------------------- finding texts


@dataclass(frozen=True)
class SourceText:
    """Cleaned text of one page (or text file) and whether its spelling can be trusted."""

    document: str
    text: str
    trusted: bool


def page_is_trusted(page: dict, damage: float, min_conf: float, max_damage: float) -> bool:
    """Trust a page whose raw text looks undamaged and, if OCR'd, was read confidently.

    A text layer or a text file is not trustworthy by itself: the archive's text layers
    come from an English-model OCR, so the damage estimate of the raw text decides.
    """
    if damage > max_damage:
        return False
    if str(page.get("method", "")).startswith("ocr"):
        return float(page.get("ocr_conf") or 0) >= min_conf
    return True


def source_texts(
    paths: Iterable[Path],
    *,
    damage_of: Callable[[str], float],
    repair: Callable[[str], str],
    min_conf: float = DEFAULT_MIN_CONF,
    max_damage: float = DEFAULT_MAX_DAMAGE,
) -> Iterator[SourceText]:
    """Texts to learn from: corpus directories (per page) and plain-text files (repaired)."""
    from nbsclean.review.page import read_records
    from nbsclean.extract.textio import decode_text_bytes

    for path in paths:
        path = Path(path)
        if path.is_dir() and (path / "documents.jsonl").is_file():
            for record in read_records(path):
                for page in record.get("pages", []):
                    trusted = page_is_trusted(page, damage_of(page.get("raw_text", "")), min_conf, max_damage)
                    yield SourceText(str(record["id"]), page.get("text", ""), trusted)
        elif path.is_dir():
            files = sorted(p for p in path.rglob("*.txt") if p.is_file())
            yield from source_texts(files, damage_of=damage_of, repair=repair, min_conf=min_conf, max_damage=max_damage)
        elif path.is_file():
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise FileAccessError(f"cannot read: {exc.strerror}", source=str(path)) from exc
            raw = decode_text_bytes(data, str(path)).text
            # Only words the engine leaves alone are unknown, so learn from the repaired text.
            yield SourceText(str(path), repair(raw), damage_of(raw) <= max_damage)
        else:
            raise FileAccessError("no such file or corpus directory", source=str(path))


# --------------------------------------------------------------------------- candidates


@dataclass
class Candidate:
    word: str
    count: int
    documents: int
    category: str
    context: str


@dataclass
class Evidence:
    """What we saw of one word (keyed by its lower-case form)."""

    forms: Counter = field(default_factory=Counter)  # exact spellings
    mid_sentence: Counter = field(default_factory=Counter)  # spellings seen mid-sentence
    documents: set = field(default_factory=set)
    before: Counter = field(default_factory=Counter)  # previous word (lower case)
    after: Counter = field(default_factory=Counter)  # next word (lower case)
    next_capitalised: int = 0
    context: str = ""


def looks_damaged(word: str) -> bool:
    return not VALID_WORD.match(word) or bool(MIXED_CASE.search(word)) or len(word) < 2


def context_of(text: str, start: int, end: int, width: int = 40) -> str:
    left = text[max(0, start - width) : start]
    right = text[end : end + width]
    snippet = f"{left}[{text[start:end]}]{right}"
    return " ".join(snippet.split())


def collect_evidence(texts: Iterable[tuple[str, str, Counter]]) -> dict[str, Evidence]:
    """Gather, per unknown word, its spellings, positions and neighbours.

    ``texts`` yields (document id, text, unknown forms in that text).
    """
    evidence: dict[str, Evidence] = defaultdict(Evidence)
    for document, text, unknown in texts:
        if not unknown:
            continue
        tokens = list(TOKEN.finditer(text))
        for index, match in enumerate(tokens):
            word = match.group()
            if word not in unknown:
                continue
            item = evidence[word.lower()]
            item.forms[word] += 1
            item.documents.add(document)
            if not SENTENCE_END.search(text[max(0, match.start() - 4) : match.start()]):
                item.mid_sentence[word] += 1
            if index > 0:
                item.before[tokens[index - 1].group().lower()] += 1
            if index + 1 < len(tokens):
                following = tokens[index + 1].group()
                item.after[following.lower()] += 1
                between = text[match.end() : tokens[index + 1].start()]
                if following[:1].isupper() and between.strip() == "":
                    item.next_capitalised += 1
            if not item.context:
                item.context = context_of(text, match.start(), match.end())
    return evidence


def preferred_form(item: Evidence) -> str | None:
    """The spelling to propose, or None when capitalisation is inconsistent or unknown."""
    lowercase = {f for f in item.forms if f[:1].islower()}
    if lowercase:
        capital_mid = [f for f in item.mid_sentence if f[:1].isupper()]
        if capital_mid:
            return None  # "Gnesta" and "gnesta" both mid-sentence: not a consistent form
        return max(lowercase, key=lambda f: (item.forms[f], f))
    if not item.mid_sentence:
        # Only seen at sentence or line starts, where anything is capitalised; but a word
        # followed by another capitalised one ("Skolchefsnätverket Sörmland") is a name.
        if item.next_capitalised:
            return max(item.forms, key=lambda f: (item.forms[f], f))
        return None
    return max(item.mid_sentence, key=lambda f: (item.mid_sentence[f], f))


def suggest_category(form: str, item: Evidence) -> str:
    lower = form.lower()
    if "-" in form.strip("-"):
        return "terms"
    if form[:1].islower():
        return "terms"
    if form.isupper():
        return "organisations"
    if any(after in ORGANISATION_AFTER for after in item.after) or lower.endswith(ORGANISATION_SUFFIXES):
        return "organisations"
    near_place = sum(n for w, n in item.before.items() if w in PLACE_BEFORE) + sum(
        n for w, n in item.after.items() if w in PLACE_AFTER
    )
    if near_place or lower.endswith(PLACE_SUFFIXES) and len(lower) > 5:
        return "places"
    return "names"


def merge_genitives(evidence: dict[str, Evidence]) -> None:
    """Count "Oxelösunds" as "Oxelösund" when both are candidates (the lexicon implies -s)."""
    for key in [k for k in evidence if k.endswith("s") and k[:-1] in evidence]:
        base, genitive = evidence[key[:-1]], evidence.pop(key)
        for form, n in genitive.forms.items():
            base.forms[form[:-1]] += n
        for form, n in genitive.mid_sentence.items():
            base.mid_sentence[form[:-1]] += n
        base.documents |= genitive.documents
        base.before.update(genitive.before)
        base.after.update(genitive.after)


def propose_candidates(
    texts: Iterable[SourceText],
    *,
    unknown_in: Callable[[str], Counter],
    is_repairable: Callable[[str], bool],
    min_count: int = 2,
) -> list[Candidate]:
    """Rank the unknown, undamaged, consistently written words of ``texts``.

    Trusted texts decide which forms are candidates and how they are written; every text
    (trusted or not, all cleaned by the engine) adds to a candidate's count, since a word
    the engine left alone in damaged text is still that word.
    """
    texts = list(texts)
    unknown = [unknown_in(t.text) for t in texts]
    evidence = collect_evidence((t.document, t.text, u) for t, u in zip(texts, unknown) if t.trusted)
    merge_genitives(evidence)
    candidates = []
    for item in evidence.values():
        form = preferred_form(item)
        if form is None or looks_damaged(form) or is_repairable(form):
            continue
        spellings = {form, form + "s"} if not form.endswith("s") else {form}
        documents = {t.document for t, u in zip(texts, unknown) if spellings & u.keys()}
        count = sum(u[w] for u in unknown for w in spellings)
        if count < min_count:
            continue
        candidates.append(Candidate(form, count, len(documents), suggest_category(form, item), item.context))
    candidates.sort(key=lambda c: (-c.documents, -c.count, c.word.casefold()))
    return candidates


def learn(
    paths: Iterable[Path],
    *,
    min_count: int = 2,
    min_conf: float = DEFAULT_MIN_CONF,
    max_damage: float = DEFAULT_MAX_DAMAGE,
    lexicon=None,
) -> list[Candidate]:
    """`lexicon learn`: candidates from corpus directories and text files."""
    from nbsclean.repair.lexicon import load_lexicon
    from nbsclean.repair.engine import default_engine, estimate_damage, repair_text, unknown_words

    lexicon = lexicon if lexicon is not None else load_lexicon()
    engine = default_engine(lexicon)

    def is_repairable(word: str) -> bool:
        # An OCR error, not a new word: it holds characters only OCR damage produces, a word
        # is reachable from it (see reaches_a_word), or the engine would change it.
        analysis = engine.analyse(word)
        return (
            analysis.suspicious
            or reaches_a_word(analysis)
            or repair_text(word, lexicon).text != word
            or estimate_damage(word, lexicon) >= 0.5
        )

    def reaches_a_word(analysis) -> bool:
        # Reached through the OCR confusion table, any candidate is evidence of damage. A
        # candidate one generic edit away is evidence only when it is a word of a list: a
        # long compound has compound non-words one letter away ("långtidsstudie" and
        # "längtidsstudie"), which says nothing about whether it was misread.
        best = analysis.best
        if best is None:
            return False
        return not best.generic or engine.analyse(best.word).listed

    texts = source_texts(
        paths,
        damage_of=lambda text: estimate_damage(text, lexicon),
        repair=lambda text: repair_text(text, lexicon).text,
        min_conf=min_conf,
        max_damage=max_damage,
    )
    return propose_candidates(
        texts,
        unknown_in=lambda text: unknown_words(text, lexicon),
        is_repairable=is_repairable,
        min_count=min_count,
    )


# --------------------------------------------------------------------------- candidates TSV


def candidates_tsv(candidates: Iterable[Candidate]) -> str:
    buffer = io.StringIO()
    buffer.write(
        "# nbsclean lexicon candidates: delete the rows you do not want, fix the category\n"
        f"# ({', '.join(CATEGORIES)}), then run: nbsclean lexicon accept FILE --all\n"
    )
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(CANDIDATE_COLUMNS)
    for c in candidates:
        writer.writerow([c.word, c.count, c.documents, c.category, c.context.replace("\t", " ")])
    return buffer.getvalue()


def write_candidates(path: Path, candidates: Iterable[Candidate]) -> None:
    atomic_write_text(path, candidates_tsv(candidates))


def read_candidates(path: Path) -> list[Candidate]:
    """Rows of a candidates file as a person left them (comments and blank lines skipped)."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise FileAccessError(f"cannot read: {exc.strerror}", source=str(path)) from exc
    rows = [line for line in lines if line.strip() and not line.lstrip().startswith("#")]
    reader = csv.reader(rows, delimiter="\t")
    header = next(reader, None)
    if header is None or [h.strip() for h in header[:4]] != list(CANDIDATE_COLUMNS[:4]):
        raise BadArgumentsError(f"not a candidates file (expected columns {', '.join(CANDIDATE_COLUMNS)})", source=str(path))
    candidates = []
    for number, row in enumerate(reader, start=2):
        if len(row) < 4:
            raise BadArgumentsError(f"row {number} has {len(row)} columns, expected at least 4", source=str(path))
        word, count, documents, category = (cell.strip() for cell in row[:4])
        category = category or "terms"
        candidates.append(
            Candidate(word, int(count or 0), int(documents or 0), category, row[4] if len(row) > 4 else "")
        )
    return candidates


def accept_candidates(
    directory: Path, candidates_path: Path, words: Iterable[str] | None
) -> dict[str, list[str]]:
    """Move candidates (all, or the named ``words``) into the domain files.

    Every chosen row is validated before anything is written, so a bad row leaves the
    lexicon untouched. Accepted rows are removed from the candidates file, which stays the
    list of what is still to decide. Returns category → newly added forms.
    """
    candidates = read_candidates(candidates_path)
    wanted = None if words is None else {unicodedata.normalize("NFC", w) for w in words}
    chosen = [c for c in candidates if wanted is None or c.word in wanted]
    if wanted is not None:
        missing = wanted - {c.word for c in chosen}
        if missing:
            raise BadArgumentsError(f"not in the candidates file: {', '.join(sorted(missing))}", source=str(candidates_path))
    by_category: dict[str, list[str]] = defaultdict(list)
    for c in chosen:
        by_category[validate_category(c.category)].append(validate_word(c.word))
    added = {category: add_words(directory, category, forms) for category, forms in by_category.items()}
    accepted = {c.word for c in chosen}
    write_candidates(candidates_path, [c for c in candidates if c.word not in accepted])
    return added
