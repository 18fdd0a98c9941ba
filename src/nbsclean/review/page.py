"""`nbsclean review`: one self-contained HTML page for checking what the repair did.

The page shows every document's cleaned text with each edit highlighted (before → after,
rule and score on hover), filters by rule and score, the edits of lowest score first, and a
ranked list of unknown words with links to where they occur — the archivist's to-do list.

Everything is rendered in Python into one file with inline CSS and JS: no network, no
external assets, so the page can be mailed around or opened from an archive share.
Rendering is pure (records in, HTML out); reading the corpus and writing the file sit at
the edges (:func:`write_review`).
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Callable, Iterable

from nbsclean.corpus.journal import CorpusPaths, read_journal, write_atomic
from nbsclean.edits import Edit, InvalidEditsError, apply_edits
from nbsclean.errors import FileAccessError
from nbsclean.review.rules import rule_legend

log = logging.getLogger("nbsclean.review")

PAGE_BREAK = "\f"


# --------------------------------------------------------------------------- corpus I/O


def corpus_paths(corpus: Path) -> CorpusPaths:
    """The corpus's paths, or FileAccessError when ``corpus`` holds no documents.jsonl."""
    paths = CorpusPaths(Path(corpus))
    if not paths.documents.is_file():
        raise FileAccessError("not a corpus directory (no documents.jsonl)", source=str(corpus))
    return paths


def read_records(corpus: Path) -> list[dict]:
    """The corpus's records; read-only (a torn last line is skipped, not cut off)."""
    return read_journal(corpus_paths(corpus).documents, repair=False)


def atomic_write_text(path: Path, text: str) -> None:
    try:
        write_atomic(Path(path), text.encode("utf-8"))
    except OSError as exc:
        raise FileAccessError(f"cannot write: {exc.strerror}", source=str(path)) from exc


def record_edits(record: dict) -> list[Edit]:
    return [Edit.from_dict(e) for e in record.get("edits", [])]


# --------------------------------------------------------------------------- unknown words


def corpus_unknown_words(records: Iterable[dict], lexicon=None) -> dict[str, Counter]:
    """Unknown word forms (neither in the lexicon nor repaired) per document id.

    Uses the repair engine's own notion of an unknown word so that the page, the
    ``stats.unknown_words`` of the corpus and ``lexicon learn`` agree.
    """
    from nbsclean.repair.lexicon import load_lexicon
    from nbsclean.repair.engine import unknown_words

    lexicon = lexicon if lexicon is not None else load_lexicon()
    return {record["id"]: unknown_words(record.get("text", ""), lexicon) for record in records}


def find_word(text: str, word: str) -> list[tuple[int, int]]:
    """Spans of ``word`` in ``text`` as a whole word (not inside a longer word)."""
    pattern = re.compile(r"(?<![\w-])" + re.escape(word) + r"(?![\w-])")
    return [m.span() for m in pattern.finditer(text)]


_WORD_RUN = re.compile(r"[\w-]+")


def unknown_word_spans(text: str, words: Iterable[str]) -> list[tuple[int, int, str]]:
    """Every whole-word occurrence of each of ``words`` in ``text``: (start, end, word).

    A word made of letters, digits and hyphens occurs exactly where a maximal run of such
    characters equals it, so one pass over the runs finds them all (searching the text once
    per word took minutes on a large document); other words are searched one by one.
    """
    plain = {w for w in words if _WORD_RUN.fullmatch(w)}
    spans = [(m.start(), m.end(), m.group()) for m in _WORD_RUN.finditer(text) if m.group() in plain]
    for word in sorted(set(words) - plain):
        spans.extend((start, end, word) for start, end in find_word(text, word))
    return spans


@dataclass
class UnknownWord:
    word: str
    count: int
    documents: list[str]
    anchors: list[str] = field(default_factory=list)  # DOM ids of the occurrences


# --------------------------------------------------------------------------- rendering


@dataclass
class Mark:
    """A span of the cleaned text to highlight (an edit or an unknown-word occurrence)."""

    start: int
    end: int
    kind: str  # "edit" | "unknown"
    attrs: dict[str, str]
    css: str = ""  # extra classes ("low" for low-score edits)


@dataclass
class RenderedDocument:
    record: dict
    html: str
    edits: list[Edit]
    problem: str | None  # why the stored text does not replay from raw_text + edits


def edit_marks(
    edits: list[Edit], dom_prefix: str, edit_ids: list[str], low_score: float, document: str = ""
) -> list[Mark]:
    """Place each edit on the cleaned text: its ``after`` occupies [start', end') there."""
    marks = []
    shift = 0
    for edit, edit_id in zip(edits, edit_ids):
        start = edit.start + shift
        marks.append(
            Mark(
                start,
                start + len(edit.after),
                "edit",
                {
                    "id": f"{dom_prefix}-e-{edit_id}",
                    "data-edit-id": edit_id,
                    "data-rule": edit.rule,
                    "data-score": f"{edit.score:.4g}",
                    "data-before": edit.before,
                    "data-after": edit.after,
                    "title": f"{edit.before!r} → {edit.after!r} · {edit.rule} · score {edit.score:.2f}"
                    f" · edit {document}:{edit_id}",
                },
                # Low-score edits get a warmer colour so they stand out before any filtering.
                " low" if edit.score < low_score else "",
            )
        )
        shift += len(edit.after) - (edit.end - edit.start)
    return marks


def visible(text: str) -> str:
    """Escape for HTML; page breaks inside a highlight shown as a visible sign."""
    return escape(text.replace(PAGE_BREAK, "␌"), quote=False)


def render_text(text: str, marks: list[Mark]) -> str:
    """Render ``text`` with edits as ``<span class="edit">`` and unknown words as ``<mark>``.

    Edits never overlap each other, nor unknown words each other, but an unknown word may
    straddle an edit's edge; the text is cut at every boundary so both render nested and
    balanced (the unknown mark is split into pieces, the first carrying its anchor id).
    One pass over the cut points: a document of 20 MB with 100 000 edits renders in
    seconds (looking each piece's mark up among all marks made that quadratic).
    """
    edits = sorted((m for m in marks if m.kind == "edit"), key=lambda m: (m.start, m.end))
    unknowns = sorted((m for m in marks if m.kind == "unknown"), key=lambda m: m.start)
    cuts = {0, len(text)}
    for mark in edits + unknowns:
        cuts.update((mark.start, mark.end))
    for match in re.finditer(PAGE_BREAK, text):
        cuts.update(match.span())
    points = sorted(cuts)
    edit_at = SpanCursor([m for m in edits if m.start < m.end])
    unknown_at = SpanCursor([m for m in unknowns if m.start < m.end])
    deletions_at: dict[int, list[Mark]] = {}
    for mark in edits:
        if mark.start == mark.end:
            deletions_at.setdefault(mark.start, []).append(mark)

    out: list[str] = []
    open_edit: Mark | None = None
    anchored: set[int] = set()
    page = 1

    def open_span(mark: Mark, extra_class: str = "") -> str:
        attrs = " ".join(f'{k}="{escape(v)}"' for k, v in mark.attrs.items())
        return f'<span class="edit{mark.css}{extra_class}" {attrs}>'

    for a, b in zip(points, points[1:] + [None]):
        # Deletions (empty ``after``) sit between characters: render them as a small sign.
        for mark in deletions_at.get(a, ()):
            if open_edit is not None:
                out.append("</span>")
                open_edit = None
            out.append(open_span(mark, " deletion") + "</span>")
        if b is None or a == b:
            continue
        piece = text[a:b]
        edit = edit_at.containing(a, b)
        if edit is not open_edit:
            if open_edit is not None:
                out.append("</span>")
            if edit is not None:
                out.append(open_span(edit))
            open_edit = edit
        if piece == PAGE_BREAK and edit is None:
            page += 1
            out.append(f'<span class="page-break" data-page="{page}">page {page}</span>')
            continue
        unknown = unknown_at.containing(a, b)
        if unknown is None:
            out.append(visible(piece))
            continue
        first_piece = id(unknown) not in anchored
        anchored.add(id(unknown))
        # Only the first piece carries the anchor id (ids are unique); every piece the rest.
        attrs = "".join(f' {k}="{escape(v)}"' for k, v in unknown.attrs.items() if k != "id" or first_piece)
        out.append(f'<mark class="unknown"{attrs}>{visible(piece)}</mark>')
    if open_edit is not None:
        out.append("</span>")
    return "".join(out)


class SpanCursor:
    """The mark containing a piece [a, b), for pieces asked in increasing order.

    ``marks`` are non-empty, sorted and do not overlap, so a cursor that only moves forward
    finds each piece's mark in amortised constant time.
    """

    def __init__(self, marks: list[Mark]):
        self.marks = marks
        self.index = 0

    def containing(self, a: int, b: int) -> Mark | None:
        marks = self.marks
        while self.index < len(marks) and marks[self.index].end <= a:
            self.index += 1
        if self.index < len(marks):
            mark = marks[self.index]
            if mark.start <= a and b <= mark.end:
                return mark
        return None


def dom_prefix(record: dict) -> str:
    return "d-" + re.sub(r"[^A-Za-z0-9_-]", "_", str(record["id"]))


def edit_dom_ids(record: dict) -> list[str]:
    """Each edit's id as stored; position-based when a record lacks them."""
    return [str(e.get("id", i)) for i, e in enumerate(record.get("edits", []))]


def render_document(
    record: dict, unknown: Counter, registry: dict[str, UnknownWord], low_score: float = 0.6
) -> RenderedDocument:
    """One document's cleaned text with its edits and unknown words marked."""
    raw = record.get("raw_text", "")
    edits = record_edits(record)
    prefix = dom_prefix(record)
    ids = edit_dom_ids(record)
    problem = None
    try:
        cleaned = apply_edits(raw, edits)
    except InvalidEditsError as exc:
        # Show the stored text unmarked rather than hiding the document: the reviewer
        # must see that this record is broken.
        return RenderedDocument(record, visible(record.get("text", "")), [], f"edits do not fit raw_text: {exc}")
    if cleaned != record.get("text", cleaned):
        problem = "stored text differs from raw_text + edits (shown: raw_text + edits)"
    marks = edit_marks(edits, prefix, ids, low_score, str(record["id"]))
    occurrences = non_overlapping(unknown_word_spans(cleaned, unknown))
    for word in sorted(unknown):
        entry = registry.setdefault(word, UnknownWord(word, 0, []))
        entry.count += unknown[word]
        entry.documents.append(record["id"])
    for n, (start, end, word) in enumerate(occurrences):
        anchor = f"{prefix}-u-{n}"
        registry[word].anchors.append(anchor)
        marks.append(Mark(start, end, "unknown", {"id": anchor, "data-word": word}))
    return RenderedDocument(record, render_text(cleaned, marks), edits, problem)


def non_overlapping(spans: Iterable[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Keep the first of overlapping unknown-word spans (a word found inside a longer one)."""
    kept: list[tuple[int, int, str]] = []
    last_end = -1
    for start, end, word in sorted(spans, key=lambda s: (s[0], -s[1])):
        if start >= last_end:
            kept.append((start, end, word))
            last_end = end
    return kept


# --------------------------------------------------------------------------- the page

CSS = """
:root { --edit: #fff1a8; --edit-line: #c99a00; --low: #ffd2cc; --low-line: #c0392b;
        --unknown: #d9ecff; --unknown-line: #2a6fb0; --ink: #1d1d1f; --muted: #6b6b70; }
* { box-sizing: border-box; }
body { font: 15px/1.5 "DejaVu Sans", "Liberation Sans", system-ui, sans-serif; color: var(--ink);
       margin: 0; background: #f6f6f4; }
header { background: #23395b; color: #fff; padding: 12px 20px; }
header h1 { margin: 0; font-size: 20px; }
header p { margin: 2px 0 0; color: #d6deea; font-size: 13px; }
.layout { display: grid; grid-template-columns: 370px 1fr; gap: 16px; padding: 16px 20px; }
aside { position: sticky; top: 8px; align-self: start; max-height: calc(100vh - 16px); overflow: auto; }
section.panel, article.doc { background: #fff; border: 1px solid #ddd; border-radius: 6px;
       padding: 10px 14px; margin-bottom: 14px; }
h2 { font-size: 15px; margin: 2px 0 8px; }
h3 { font-size: 14px; margin: 10px 0 4px; }
.rules label { display: block; font-size: 13px; }
.rules .count, .muted { color: var(--muted); font-size: 12px; }
.scores input { width: 70px; }
#shown-count { font-weight: bold; }
.doc h2 { font-size: 16px; margin-bottom: 2px; }
.doc .meta { color: var(--muted); font-size: 12px; margin-bottom: 8px; }
.doc .problem { background: #ffe0e0; border: 1px solid #c0392b; padding: 4px 8px; border-radius: 4px; }
.text { white-space: pre-wrap; font: 14px/1.6 "DejaVu Serif", "Liberation Serif", Georgia, serif; }
.edit { background: var(--edit); border-bottom: 2px solid var(--edit-line); border-radius: 2px; cursor: help; }
.edit.low { background: var(--low); border-bottom-color: var(--low-line); }
.edit.deletion::before { content: "\\2038"; color: var(--edit-line); font-weight: bold; }
.edit.filtered { background: none; border-bottom: none; }
.edit.filtered.deletion::before { content: ""; }
.edit.flash { outline: 3px solid #23395b; }
mark.unknown { background: none; border-bottom: 2px dotted var(--unknown-line); color: inherit; }
mark.unknown.focus { background: var(--unknown); }
.page-break { display: block; text-align: center; color: var(--muted); font: 11px sans-serif;
              border-top: 1px dashed #bbb; margin: 10px 0 4px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 2px 6px; border-bottom: 1px solid #eee; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.filtered { display: none; }
code { font-size: 12px; background: #f1f1f1; padding: 0 2px; border-radius: 2px; }
code.edit-ref { user-select: all; -webkit-user-select: all; white-space: nowrap; }
#edit-details .empty { color: var(--muted); font-size: 13px; }
#edit-details dl { display: grid; grid-template-columns: auto 1fr; gap: 2px 10px; margin: 0; font-size: 13px; }
#edit-details dt { color: var(--muted); }
#edit-details dd { margin: 0; }
.edit.selected { outline: 2px solid #23395b; }
.tip { position: fixed; z-index: 10; background: #23395b; color: #fff; padding: 4px 8px; border-radius: 4px;
       font-size: 12px; pointer-events: none; max-width: 420px; display: none; }
"""

JS = r"""
window.__reviewErrors = window.__reviewErrors || [];
window.addEventListener('error', function (e) { window.__reviewErrors.push(String(e.message)); });
(function () {
  function edits() { return Array.prototype.slice.call(document.querySelectorAll('.text .edit')); }
  function rows() { return Array.prototype.slice.call(document.querySelectorAll('tr.edit-row')); }
  function checkedRules() {
    var set = {};
    document.querySelectorAll('input.rule-filter').forEach(function (box) { if (box.checked) set[box.value] = true; });
    return set;
  }
  function bound(id, fallback) {
    var v = parseFloat(document.getElementById(id).value);
    return isNaN(v) ? fallback : v;
  }
  function applyFilters() {
    var rules = checkedRules(), lo = bound('score-min', -Infinity), hi = bound('score-max', Infinity);
    var shown = 0;
    function hidden(el) {
      var s = parseFloat(el.getAttribute('data-score'));
      return !rules[el.getAttribute('data-rule')] || s < lo || s > hi;
    }
    edits().forEach(function (el) {
      var off = hidden(el);
      el.classList.toggle('filtered', off);
      if (!off) shown++;
    });
    rows().forEach(function (row) { row.classList.toggle('filtered', hidden(row)); });
    document.getElementById('shown-count').textContent = String(shown);
    window.__visibleEdits = shown;
  }
  function setAll(value) {
    document.querySelectorAll('input.rule-filter').forEach(function (box) { box.checked = value; });
    applyFilters();
  }
  function focusWord(word) {
    var first = null;
    document.querySelectorAll('mark.unknown').forEach(function (m) {
      var on = m.getAttribute('data-word') === word;
      m.classList.toggle('focus', on);
      if (on && !first) first = m;
    });
    return first;
  }
  function showTip(ev) {
    var el = ev.target.closest ? ev.target.closest('.edit') : null, tip = document.getElementById('tip');
    if (!el) { tip.style.display = 'none'; return; }
    tip.textContent = el.getAttribute('data-tip');
    tip.style.left = Math.min(ev.clientX + 12, window.innerWidth - 430) + 'px';
    tip.style.top = (ev.clientY + 16) + 'px';
    tip.style.display = 'block';
  }
  function showDetails(el) {
    var box = document.getElementById('edit-details'), doc = el.closest('article.doc');
    var ref = (doc ? doc.getAttribute('data-document-id') : '') + ':' + el.getAttribute('data-edit-id');
    document.querySelectorAll('.edit.selected').forEach(function (x) { x.classList.remove('selected'); });
    el.classList.add('selected');
    var fields = [['edit', ref], ['before', el.getAttribute('data-before')], ['after', el.getAttribute('data-after')],
                  ['rule', el.getAttribute('data-rule')], ['score', el.getAttribute('data-score')],
                  ['undo', 'nbsclean revert ' + document.body.getAttribute('data-corpus') + ' --edit ' + ref]];
    var dl = document.createElement('dl');
    fields.forEach(function (f) {
      var dt = document.createElement('dt'), dd = document.createElement('dd'), code = document.createElement('code');
      dt.textContent = f[0];
      code.textContent = f[1];
      if (f[0] === 'edit' || f[0] === 'undo') code.className = 'edit-ref';
      dd.appendChild(code);
      dl.appendChild(dt); dl.appendChild(dd);
    });
    box.replaceChildren(dl);
  }
  document.addEventListener('DOMContentLoaded', function () {
    document.addEventListener('click', function (ev) {
      var el = ev.target.closest ? ev.target.closest('.text .edit') : null;
      if (el) showDetails(el);
    });
    // The title attribute is the no-JS fallback; with JS a quicker tooltip replaces it.
    edits().forEach(function (el) { el.setAttribute('data-tip', el.getAttribute('title')); });
    document.querySelectorAll('input.rule-filter, #score-min, #score-max').forEach(function (input) {
      input.addEventListener('input', applyFilters);
      input.addEventListener('change', applyFilters);
    });
    document.getElementById('rules-all').addEventListener('click', function () { setAll(true); });
    document.getElementById('rules-none').addEventListener('click', function () { setAll(false); });
    document.querySelectorAll('a.word-link').forEach(function (a) {
      a.addEventListener('click', function () { focusWord(a.getAttribute('data-word')); });
    });
    document.querySelectorAll('a.edit-link').forEach(function (a) {
      a.addEventListener('click', function () {
        var target = document.getElementById(a.getAttribute('href').slice(1));
        if (target) { target.classList.add('flash'); setTimeout(function () { target.classList.remove('flash'); }, 1500); }
      });
    });
    document.addEventListener('mousemove', showTip);
    applyFilters();
    window.__reviewReady = true;
  });
})();
"""


def rule_filter_html(rule_counts: Counter) -> str:
    items = []
    for n, (rule, count) in enumerate(sorted(rule_counts.items())):
        items.append(
            f'<label><input type="checkbox" class="rule-filter" id="rule-{n}" value="{escape(rule)}" checked> '
            f'<code>{escape(rule)}</code> <span class="count">{count}</span></label>'
        )
    return "\n".join(items) or '<p class="muted">no edits</p>'


def lowest_edits_html(documents: list[RenderedDocument], limit: int) -> str:
    entries = []
    for doc in documents:
        prefix = dom_prefix(doc.record)
        for edit, edit_id in zip(doc.edits, edit_dom_ids(doc.record)):
            entries.append((edit.score, str(doc.record["id"]), edit_id, prefix, edit))
    entries.sort(key=lambda e: (e[0], e[1], e[2]))
    rows = []
    for score, doc_id, edit_id, prefix, edit in entries[:limit]:
        rows.append(
            f'<tr class="edit-row" data-rule="{escape(edit.rule)}" data-score="{score:.4g}">'
            f'<td class="num">{score:.2f}</td>'
            f'<td><a class="edit-link" href="#{escape(prefix)}-e-{escape(edit_id)}">'
            f"{visible(edit.before) or '∅'} → {visible(edit.after) or '∅'}</a></td>"
            f"<td><code>{escape(edit.rule)}</code></td>"
            f'<td><code class="edit-ref">{escape(doc_id)}:{escape(edit_id)}</code></td></tr>'
        )
    return _html_table(["score", "before → after", "rule", "edit"], rows, len(entries) - limit)


def unknown_words_html(registry: dict[str, UnknownWord], limit: int) -> str:
    ranked = sorted(registry.values(), key=lambda u: (-u.count, -len(u.documents), u.word.casefold()))
    rows = []
    for entry in ranked[:limit]:
        links = " ".join(
            f'<a class="word-link" data-word="{escape(entry.word)}" href="#{escape(anchor)}">{n + 1}</a>'
            for n, anchor in enumerate(entry.anchors[:12])
        )
        rows.append(
            f'<tr class="unknown-row"><td><a class="word-link" data-word="{escape(entry.word)}" '
            f'href="#{escape(entry.anchors[0]) if entry.anchors else ""}">{escape(entry.word)}</a></td>'
            f'<td class="num">{entry.count}</td><td class="num">{len(entry.documents)}</td><td>{links}</td></tr>'
        )
    return _html_table(["word", "count", "docs", "where"], rows, len(ranked) - limit)


def legend_html(rule_counts: Counter) -> str:
    """What each rule on the page means."""
    rows = [
        f"<tr><td><code>{escape(rule)}</code></td><td>{escape(meaning)}</td></tr>" for rule, meaning in rule_legend(rule_counts)
    ]
    return "<table><tbody>" + "".join(rows) + "</tbody></table>" if rows else '<p class="muted">no edits</p>'


def _html_table(headers: list[str], rows: list[str], not_listed: int) -> str:
    """A table of ready-made ``<tr>`` rows, and how many more rows were left out."""
    more = f'<p class="muted">{not_listed} more not listed</p>' if not_listed > 0 else ""
    head = "".join(f"<th>{header}</th>" for header in headers)
    return f"<table><thead><tr>{head}</tr></thead><tbody>" + "".join(rows) + "</tbody></table>" + more


def document_html(doc: RenderedDocument) -> str:
    record = doc.record
    pages = record.get("pages", [])
    methods = Counter(p.get("method", "?") for p in pages)
    method_text = ", ".join(f"{m} ×{n}" for m, n in sorted(methods.items()))
    problem = f'<p class="problem">{escape(doc.problem)}</p>' if doc.problem else ""
    return (
        f'<article class="doc" id="{escape(dom_prefix(record))}" data-document-id="{escape(str(record["id"]))}">'
        f'<h2>{escape(str(record.get("source", record["id"])))}</h2>'
        f'<div class="meta">id <code>{escape(str(record["id"]))}</code> · {escape(str(record.get("kind", "?")))}'
        f" · {len(pages)} page(s): {escape(method_text)} · {len(doc.edits)} edits</div>"
        f'{problem}<div class="text">{doc.html}</div></article>'
    )


def render_review(
    records: list[dict],
    unknown_by_document: dict[str, Counter],
    *,
    title: str = "nbsclean review",
    low_score: float = 0.6,
    list_limit: int = 500,
    corpus_name: str = "CORPUS",
) -> str:
    """The whole page as one string (pure: no I/O)."""
    registry: dict[str, UnknownWord] = {}
    documents = [
        render_document(r, unknown_by_document.get(r["id"], Counter()), registry, low_score) for r in records
    ]
    rule_counts = Counter(edit.rule for doc in documents for edit in doc.edits)
    total_edits = sum(rule_counts.values())
    total_unknown = sum(u.count for u in registry.values())
    scores = [edit.score for doc in documents for edit in doc.edits]
    # Rounded outwards: the initial filter must not hide the extreme edits.
    lo = math.floor(min(scores, default=0.0) * 100) / 100
    hi = math.ceil(max(scores, default=1.0) * 100) / 100
    summary = (
        f"{len(records)} documents · {total_edits} edits · {len(registry)} unknown word forms "
        f"({total_unknown} occurrences)"
    )
    return f"""<!DOCTYPE html>
<html lang="sv">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>{escape(title)}</title>
<style>{CSS}</style>
<script>{JS}</script>
</head>
<body data-total-edits="{total_edits}" data-corpus="{escape(corpus_name)}">
<header><h1>{escape(title)}</h1><p>{escape(summary)}</p></header>
<div class="layout">
<aside>
<section class="panel" id="filters"><h2>Filter edits</h2>
<p><span id="shown-count">{total_edits}</span> of {total_edits} edits highlighted</p>
<h3>Rules <button type="button" id="rules-all">all</button> <button type="button" id="rules-none">none</button></h3>
<div class="rules">{rule_filter_html(rule_counts)}</div>
<h3>Score</h3>
<div class="scores"><label>min <input type="number" id="score-min" step="0.05" value="{lo:.2f}"></label>
<label>max <input type="number" id="score-max" step="0.05" value="{hi:.2f}"></label></div>
<p class="muted">Highlighted: <span class="edit">after</span> (hover for before, rule, score);
<span class="edit low">score &lt; {low_score:g}</span>; <mark class="unknown">unknown word</mark>.</p>
</section>
<section class="panel" id="edit-details"><h2>Selected edit</h2><p class="empty">Click an edit in the text: its id
(<code>DOCUMENT:ID</code>, select and copy it) and the command that undoes it appear here.</p></section>
<section class="panel" id="legend"><h2>Rules</h2>{legend_html(rule_counts)}</section>
<section class="panel" id="unknown-words"><h2>Unknown words (to-do)</h2>{unknown_words_html(registry, list_limit)}</section>
<section class="panel" id="lowest-edits"><h2>Edits, lowest score first</h2>{lowest_edits_html(documents, list_limit)}</section>
</aside>
<main>
{''.join(document_html(doc) for doc in documents) or '<p>The corpus has no documents.</p>'}
</main>
</div>
<div class="tip" id="tip"></div>
</body>
</html>
"""


def write_review(
    corpus: Path,
    output: Path | None = None,
    *,
    lexicon=None,
    unknown_finder: Callable[[list[dict]], dict[str, Counter]] | None = None,
    low_score: float = 0.6,
    list_limit: int = 500,
) -> tuple[Path, dict]:
    """Read the corpus, render the page, write it atomically; return (path, summary)."""
    corpus = Path(corpus)
    records = read_records(corpus)
    finder = unknown_finder or (lambda recs: corpus_unknown_words(recs, lexicon))
    unknown = finder(records)
    html = render_review(
        records,
        unknown,
        title=f"nbsclean review — {corpus.resolve().name}",
        low_score=low_score,
        list_limit=list_limit,
        corpus_name=str(corpus),
    )
    output = Path(output) if output is not None else corpus / "review.html"
    atomic_write_text(output, html)
    summary = {
        "documents": len(records),
        "edits": sum(len(r.get("edits", [])) for r in records),
        "unknown_forms": len({w for c in unknown.values() for w in c}),
        "unknown_occurrences": sum(sum(c.values()) for c in unknown.values()),
    }
    return output, summary
