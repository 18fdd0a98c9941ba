"""One source file → one corpus record (the contract of DESIGN.md, "Corpus").

``process_file`` runs extract → repair per page and assembles the record:

* ``raw_text`` is the pages' raw text joined with "\\f", ``text`` the repaired pages joined
  the same way;
* every edit's offsets point into the document's ``raw_text`` (page edits are shifted by
  the page's start; a text file's mojibake fixes are composed with the repairs made after
  them), so ``apply_edits(raw_text, edits) == text`` always holds.

The lexicon is loaded once by the caller (``corpus``/``run`` load it before starting
workers) and passed in; nothing here reads anything but the source file.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

from nbsclean import __version__
from nbsclean.corpus.outputs.structure import annotate_structure
from nbsclean.edits import Edit, apply_edits
from nbsclean.extract import ExtractedDocument, ExtractOptions, Page, extract_file
from nbsclean.extract.model import DEFAULT_OCR_TIMEOUT

PAGE_SEPARATOR = "\f"


@dataclass(frozen=True)
class PipelineOptions:
    lang: str = "swe"
    ocr: str = "auto"
    dpi: int = 300
    psm: int | None = None
    password: str | None = None
    repair: bool = True
    ocr_timeout: float = DEFAULT_OCR_TIMEOUT

    def extract_options(self) -> ExtractOptions:
        """The part of the options that steers extraction, as one object."""
        return ExtractOptions(
            lang=self.lang, ocr=self.ocr, dpi=self.dpi, psm=self.psm, password=self.password, ocr_timeout=self.ocr_timeout
        )

    def to_dict(self) -> dict:
        """The options as recorded in the manifest (never the password itself)."""
        options = asdict(self)
        options["password"] = "***" if self.password else None
        return options


@dataclass
class _PageResult:
    raw_text: str
    text: str
    edits: list[Edit]  # offsets into this page's raw_text
    words: int
    unknown_words: int


def process_file(path: str | Path, options: PipelineOptions = PipelineOptions(), lexicon=None) -> dict:
    """Extract and repair ``path``; return its corpus record (see DESIGN.md)."""
    if lexicon is None:
        from nbsclean.repair.lexicon import load_lexicon

        lexicon = load_lexicon()
    document = extract_file(path, options.extract_options(), lexicon=lexicon)
    return build_record(document, options, lexicon)


def build_record(document: ExtractedDocument, options: PipelineOptions, lexicon, unknown: Counter | None = None) -> dict:
    """The corpus record for an extracted document (pure: repair needs no I/O). The word
    forms the repair left unknown are added to ``unknown`` when one is given."""
    results = [_repair_page(page, options.repair, lexicon, unknown) for page in document.pages]
    raw_text = PAGE_SEPARATOR.join(result.raw_text for result in results)
    edits = _document_edits(results)
    text = PAGE_SEPARATOR.join(result.text for result in results)
    record = {
        "id": document.sha256[:16],
        "source": display_path(document.source),
        "sha256": document.sha256,
        "bytes": document.bytes,
        "kind": document.kind,
        "pages": [_page_record(page, result) for page, result in zip(document.pages, results)],
        "raw_text": raw_text,
        "text": text,
        "edits": _edit_entries(edits),
        "stats": {
            "words": sum(result.words for result in results),
            "edits": len(edits),
            "unknown_words": sum(result.unknown_words for result in results),
        },
        "nbsclean_version": __version__,
        "lexicon_sha256": getattr(lexicon, "sha256", None),
    }
    return annotate_structure(record)


def _repair_page(page: Page, repair: bool, lexicon, unknown: Counter | None = None) -> _PageResult:
    raw = page.raw_text
    # A text file's mojibake fixes come first; repair works on the fixed text.
    decoded = apply_edits(raw, page.decode_edits) if page.decode_edits else raw
    if not repair:
        return _PageResult(raw, decoded, list(page.decode_edits), _count_words(decoded), 0)
    from nbsclean.repair.engine import repair_decoded

    repaired = repair_decoded(raw, list(page.decode_edits), lexicon)
    if unknown is not None:
        unknown.update(repaired.unknown)
    edits = repaired.edits
    text = repaired.text
    if page.junk_spans or page.poor:
        # Specks read as tokens go as edits of their own; a page read poorly gets layout
        # fixes only, never words made out of garbage (see repair/junk.py).
        from nbsclean.repair.junk import merge_junk_and_repairs, noise_edits

        if page.poor and lexicon is None:
            from nbsclean.repair.lexicon import load_lexicon

            lexicon = load_lexicon()
        junk = noise_edits(raw, page.junk_spans, lexicon if page.poor else None)
        edits = merge_junk_and_repairs(edits, junk, poor=page.poor)
        text = apply_edits(raw, edits)
    stats = repaired.stats or {}
    # The repair counts the words; counting them again (a split of the whole page) only
    # when it did not: a default argument would be computed every time.
    words = stats["words"] if "words" in stats else _count_words(decoded)
    return _PageResult(
        raw_text=raw,
        text=text,
        edits=edits,
        words=int(words),
        unknown_words=int(stats.get("unknown_words", 0)),
    )


def _document_edits(results: list[_PageResult]) -> list[Edit]:
    """Page edits shifted to offsets in the document's raw_text (pages joined by "\\f")."""
    edits: list[Edit] = []
    offset = 0
    for result in results:
        # The first page's edits are where they are (a text file's only page: ~70 edits).
        edits.extend(result.edits if offset == 0 else (edit.shifted(offset) for edit in result.edits))
        offset += len(result.raw_text) + len(PAGE_SEPARATOR)
    return edits


def _edit_entries(edits: list[Edit]) -> list[dict]:
    """``[{"id": "e<number>", **edit.to_dict()}, ...]``, the same keys in the same order and
    the same values, built in one loop (a record holds one per edit; the generic way cost
    ~2 µs each). A document's edits share a handful of scores: each is rounded once."""
    entries = []
    append = entries.append
    rounded: dict[float, float] = {}
    for number, (start, end, before, after, rule, score, evidence) in enumerate(edits, start=1):
        if type(score) is float and score:  # not 0.0: 0.0 and -0.0 are one key but print apart
            kept = rounded.get(score)
            if kept is None:
                kept = rounded[score] = round(score, 4)
        else:
            kept = round(float(score), 4)
        entry = {"id": f"e{number}", "start": start, "end": end, "before": before, "after": after, "rule": rule, "score": kept}
        if evidence is not None:
            entry["evidence"] = evidence
        append(entry)
    return entries


def _page_record(page: Page, result: _PageResult) -> dict:
    record = {**page.summary(), "text": result.text}
    if page.replaced_layer_text is not None:
        record["replaced_layer_text"] = page.replaced_layer_text
    if page.decode_edits:
        # Kept so that the page can be repaired again from the record alone (rerepair_record).
        record["decode_edits"] = [edit.to_dict() for edit in page.decode_edits]
    return record


# --- repairing again from a record (no extraction, no OCR) -------------------------------

# What repair decides in a record; everything else (the extraction's pages, their words and
# boxes, metadata) is kept as the record has it.
REPAIRED_FIELDS = ("text", "edits", "stats", "nbsclean_version", "lexicon_sha256")


def extracted_document(record: dict) -> ExtractedDocument | None:
    """The extraction a record was made from, rebuilt from its pages' raw text.

    None when the record does not keep enough of it: a text file whose decoding fixed
    mojibake, recorded before pages kept their ``decode_edits`` (the fixes are then
    folded into the record's edits and cannot be told apart from the repairs).
    """
    pages = record.get("pages") or []
    if not pages:
        return None
    kept_decoding = any("decode_edits" in page for page in pages)
    if not kept_decoding and any("mojibake" in str(edit.get("rule", "")).split("+") for edit in record.get("edits", [])):
        return None
    return ExtractedDocument(
        source=str(record.get("source", "")),
        kind=record.get("kind", "pdf"),
        sha256=record["sha256"],
        bytes=int(record.get("bytes", 0)),
        pages=[
            Page(
                n=int(page.get("n", number)),
                method=page.get("method", "text"),
                reason=page.get("reason", ""),
                ocr_lang=page.get("ocr_lang"),
                ocr_conf=page.get("ocr_conf"),
                raw_text=page.get("raw_text", ""),
                replaced_layer_text=page.get("replaced_layer_text"),
                decode_edits=[Edit.from_dict(edit) for edit in page.get("decode_edits", [])],
                **_reading_fields(page),
            )
            for number, page in enumerate(pages, start=1)
        ],
    )


def rerepair_record(record: dict, options: PipelineOptions, lexicon, unknown: Counter | None = None) -> dict | None:
    """``record`` repaired again from its stored raw page text with ``lexicon``; None when
    the record cannot be rebuilt (see :func:`extracted_document`). Extraction and OCR are
    not run: this is how a lexicon change reaches a corpus of scans in seconds. The forms
    the repair left unknown are added to ``unknown`` when one is given."""
    document = extracted_document(record)
    if document is None:
        return None
    fresh = build_record(document, options, lexicon, unknown)
    new = dict(record)
    new.update({name: fresh[name] for name in REPAIRED_FIELDS})
    new["pages"] = [dict(old, text=page["text"]) for old, page in zip(record["pages"], fresh["pages"])]
    return new


def _reading_fields(page: dict) -> dict:
    """What the repair of an OCR'd page needs from its reading, back from the record: the
    quality verdict (a poor page gets no word repairs) and the junk tokens, found again from
    the stored words and confidences as extraction found them (extract.quality.junk_spans)."""
    quality = page.get("quality")
    if not quality:
        return {}
    from nbsclean.extract.model import words_from_columns
    from nbsclean.extract.quality import junk_spans

    raw = page.get("raw_text", "")
    words = [word for word in words_from_columns(page.get("words"), raw) if word.conf is not None]
    return {
        "quality": quality,
        "rotation": page.get("rotation"),
        "skew": page.get("skew"),
        "junk_spans": junk_spans(words, speckled=quality.get("variant") == "despeckled"),
    }


def _count_words(text: str) -> int:
    return len(text.split())


def display_path(source: str) -> str:
    """The source path as given, made relative to the working directory where possible."""
    # os.path on the str, not a Path: relpath normalises it alike, and a run makes one
    # per document.
    if not os.path.isabs(source):
        return source
    try:
        relative = os.path.relpath(source)
    except ValueError:  # another drive on Windows
        return source
    return source if relative.startswith("..") else relative
