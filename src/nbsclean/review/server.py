"""`nbsclean review CORPUS --serve`: the review page as a small local web application.

One document a page: its text with every edit and unknown word marked, and beside it the
item in hand - before and after, rule, score, the crop of the scan around the word - with
the buttons (and keys) that decide it. Every decision is written at once through
``nbsclean decide``'s code (:func:`record_decision`: ``decisions.jsonl`` and the corpus,
under the corpus lock), and the page shows the corpus as it now is.

Safety, since a local server is reachable by every program and web page on the machine:
it listens on 127.0.0.1 only; the URL it prints carries a random token that every request
must present (a query parameter ``t`` or the header ``X-Nbsclean-Token``); a request whose
Host is not this server's address (DNS rebinding) or whose Origin is another site is
refused; responses forbid framing and every resource not served here. It opens no other
connection and starts no browser.
"""

from __future__ import annotations

import hmac
import json
import logging
import secrets
import signal
import threading
from collections import Counter
from dataclasses import asdict, dataclass, field
from html import escape
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qs, quote, urlsplit

from nbsclean.errors import NbscleanError
from nbsclean.review.crops import CropRenderer
from nbsclean.review.index import CorpusIndex
from nbsclean.review.items import Item, decided_spans, document_items, span_box
from nbsclean.review.page import PAGE_BREAK, Mark, render_text, visible
from nbsclean.review.rules import rule_legend

log = logging.getLogger("nbsclean.review.server")

HOST = "127.0.0.1"
TOKEN_HEADER = "X-Nbsclean-Token"
MAX_BODY = 64 * 1024
CANDIDATES_SHOWN = 5
PAGES_PER_VIEW = 20  # a newsletter is one view; a 500-page volume is paged through
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
        "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "Referrer-Policy": "no-referrer",  # the token is in the URL: never hand it on
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Resource-Policy": "same-origin",
}


# --------------------------------------------------------------------------- integration


def record_decision(corpus: Path, action: str, ref: str, word: str | None, before: str | None) -> str:
    """Write one decision through ``nbsclean decide`` (decisions.jsonl and the corpus,
    atomically, under the corpus lock); return a line saying what was done."""
    try:
        from nbsclean.review.decide import DecideRequest, decide_corpus
    except ImportError as exc:  # an installation older than `nbsclean decide`
        raise RequestRefused(HTTPStatus.NOT_IMPLEMENTED, "this installation has no `nbsclean decide`") from exc

    if action == "reject":
        request = DecideRequest(rejects=[ref])
    elif action == "accept":
        request = DecideRequest(accepts=[ref])
    elif action == "correct":
        request = DecideRequest(corrects=[f"{ref}={word}"])
    elif action == "form":
        request = DecideRequest(forms=[f"{before}={word}"])
    else:
        raise ValueError(f"unknown action {action!r}")
    report = decide_corpus(corpus, request)
    stale = f", {len(report.stale)} did not fit" if report.stale else ""
    return f"{action}: {report.applied} applied in {len(report.documents)} document(s){stale}"


def add_to_lexicon(word: str, category: str, lexicon_directory: Path) -> str:
    """Add ``word`` to the archive's lexicon (``lexicon add``'s code); say where it went."""
    from nbsclean.corpus.lock import lexicon_lock
    from nbsclean.review.learn import add_words, domain_file, validate_category, validate_word

    validate_category(category)
    validate_word(word)
    with lexicon_lock(lexicon_directory, wait=True):  # every writer holds it only for a moment
        new = add_words(lexicon_directory, category, [word])
    where = domain_file(lexicon_directory, category)
    return f"added {word} to {where}" if new else f"{word} was already in {where}"


# --------------------------------------------------------------------------- the application


class RequestRefused(Exception):
    def __init__(self, status: HTTPStatus, message: str):
        super().__init__(message)
        self.status = status


@dataclass
class ReviewApp:
    """What the pages show and what the buttons do, independent of HTTP."""

    corpus: Path
    lexicon_directory: Path
    token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    source_dirs: list[Path] = field(default_factory=list)
    low_score: float = 0.6
    decide: Callable[..., str] = record_decision
    add_word: Callable[[str, str, Path], str] = add_to_lexicon

    def __post_init__(self) -> None:
        self.corpus = Path(self.corpus)
        self.index = CorpusIndex(self.corpus)
        self.index.refresh()
        self.crops = CropRenderer(self.corpus, self.source_dirs)
        self.added_words: set[str] = set()  # taught to the lexicon while serving
        self._write_lock = threading.Lock()
        self._lexicon_lock = threading.Lock()
        self._lexicon = None

    # -- the lexicon and the engine (loaded once: a change of the lexicon files is for the next run)
    def lexicon(self):
        with self._lexicon_lock:
            if self._lexicon is None:
                from nbsclean.repair.engine import default_engine
                from nbsclean.repair.lexicon import load_lexicon

                self._lexicon = load_lexicon(self.lexicon_directory)
                default_engine(self._lexicon)  # the confusion model too, built once
            return self._lexicon

    def load_in_background(self) -> None:
        """Load the lexicon while the reviewer opens the page (it takes about a second)."""
        threading.Thread(target=self.lexicon, name="nbsclean-lexicon", daemon=True).start()

    def unknown_words(self, text: str) -> Counter:
        from nbsclean.repair.engine import unknown_words

        counts = unknown_words(text, self.lexicon())
        for word in self.added_words & set(counts):
            del counts[word]
        return counts

    def candidates(self, form: str) -> list[str]:
        """The engine's best words for ``form``, cased like it."""
        from nbsclean.repair.engine import default_engine, recase

        analysis = default_engine(self.lexicon()).analyse(form)
        words = [recase(c.word, form) for c in analysis.alternatives]
        return list(dict.fromkeys(w for w in words if w != form))[:CANDIDATES_SHOWN]

    # -- pages
    def url(self, path: str, **query: str) -> str:
        parts = [f"t={quote(self.token)}"] + [f"{k}={quote(str(v))}" for k, v in query.items()]
        return f"{path}?{'&'.join(parts)}"

    def index_page(self) -> str:
        self.index.refresh()
        return render_index(self)

    def document_page(self, document_id: str, first_page: int = 1) -> str:
        """The page of one document, or of PAGES_PER_VIEW of its pages from ``first_page``."""
        record = self.index.record(document_id)
        if record is None:
            raise RequestRefused(HTTPStatus.NOT_FOUND, f"no document {document_id!r} in this corpus")
        from nbsclean.review.decisions import read_decisions

        text = record.get("text", "")
        page_count = text.count(PAGE_BREAK) + 1
        if not 1 <= first_page <= page_count:
            raise RequestRefused(HTTPStatus.NOT_FOUND, f"the document has pages 1-{page_count}")
        view = range(first_page, min(page_count, first_page + PAGES_PER_VIEW - 1) + 1)
        unknown = self.unknown_words(PAGE_BREAK.join(text.split(PAGE_BREAK)[view.start - 1 : view.stop - 1]))
        items = document_items(record, unknown, decided_spans(record, read_decisions(self.corpus)), view)
        return render_document_page(self, record, items, view, page_count)

    def crop(self, document_id: str, start: int, end: int) -> bytes:
        record = self.index.record(document_id)
        if record is None:
            raise RequestRefused(HTTPStatus.NOT_FOUND, "no such document")
        raw = record.get("raw_text", "")
        if not 0 <= start <= end <= len(raw):
            raise RequestRefused(HTTPStatus.NOT_FOUND, "no such span")
        page_number = raw.count(PAGE_BREAK, 0, start) + 1
        pages = record.get("pages") or []
        if page_number > len(pages):
            raise RequestRefused(HTTPStatus.NOT_FOUND, "no such page")
        page = pages[page_number - 1]
        page_start = raw.rfind(PAGE_BREAK, 0, start) + 1
        box = span_box(page, start - page_start, end - page_start)
        png = self.crops.crop_png(record, page, box) if box is not None else None
        if png is None:
            raise RequestRefused(HTTPStatus.NOT_FOUND, "no scan for this word (no word boxes, or the source is not found)")
        return png

    # -- actions
    def act(self, payload: dict) -> dict:
        action = str(payload.get("action", ""))
        document_id = str(payload.get("document", ""))
        ref = str(payload.get("ref", ""))
        word = payload.get("word")
        word = str(word).strip() if word is not None else None
        before = payload.get("before")
        if action in ("correct", "form", "lexicon") and not word:
            raise RequestRefused(HTTPStatus.BAD_REQUEST, f"{action} needs a word")
        if action != "lexicon" and not ref.startswith(f"{document_id}:"):
            raise RequestRefused(HTTPStatus.BAD_REQUEST, "the item does not belong to this document")
        with self._write_lock:
            try:
                if action == "lexicon":
                    message = self.add_word(word, str(payload.get("category", "terms")), self.lexicon_directory)
                    self.added_words.add(word)
                elif action in ("reject", "accept", "correct", "form"):
                    message = self.decide(self.corpus, action, ref, word, None if before is None else str(before))
                else:
                    raise RequestRefused(HTTPStatus.BAD_REQUEST, f"unknown action {action!r}")
            except NbscleanError as exc:
                raise RequestRefused(HTTPStatus.CONFLICT, str(exc)) from exc
        self.index.refresh()
        return {"ok": True, "message": message}


# --------------------------------------------------------------------------- HTML

CSS = """
:root { --edit: #fff1a8; --edit-line: #c99a00; --low: #ffd2cc; --low-line: #c0392b;
        --unknown: #d9ecff; --unknown-line: #2a6fb0; --ink: #1d1d1f; --muted: #6b6b70; --accent: #23395b; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { font: 15px/1.5 "DejaVu Sans", "Liberation Sans", system-ui, sans-serif; color: var(--ink); margin: 0; background: #f6f6f4; }
header { background: var(--accent); color: #fff; padding: 10px 20px; display: flex; gap: 18px; align-items: baseline; flex-wrap: wrap; }
header h1 { margin: 0; font-size: 18px; }
header a { color: #d6deea; }
header .meta { color: #d6deea; font-size: 13px; }
.layout { display: grid; grid-template-columns: minmax(0, 1fr) 430px; gap: 16px; padding: 14px 20px; }
section.page, section.panel, table.docs { background: #fff; border: 1px solid #ddd; border-radius: 6px; }
section.page { padding: 8px 14px; margin-bottom: 14px; }
section.page h2 { font-size: 13px; color: var(--muted); margin: 0 0 6px; font-weight: normal; }
.columns { display: grid; grid-template-columns: 1fr 1fr; gap: 14px; }
.columns h3 { font-size: 12px; color: var(--muted); margin: 0 0 4px; }
.text, .layer { white-space: pre-wrap; font: 14px/1.6 "DejaVu Serif", "Liberation Serif", Georgia, serif; }
.layer { color: #555; background: #fafafa; border-left: 3px solid #ccc; padding-left: 8px; }
.edit { background: var(--edit); border-bottom: 2px solid var(--edit-line); border-radius: 2px; cursor: pointer; }
.edit.low { background: var(--low); border-bottom-color: var(--low-line); }
.edit.decided { background: #d8f0d8; border-bottom-color: #2e7d32; }
.edit.deletion::before { content: "\\2038"; color: var(--edit-line); font-weight: bold; }
mark.unknown { background: none; border-bottom: 2px dotted var(--unknown-line); color: inherit; cursor: pointer; }
.current { outline: 3px solid var(--accent); outline-offset: 1px; }
.page-break { display: none; }
aside { position: sticky; top: 8px; align-self: start; max-height: calc(100vh - 16px); overflow: auto; }
section.panel { padding: 10px 14px; margin-bottom: 12px; }
.panel h2 { font-size: 15px; margin: 0 0 8px; }
.change { font: 20px/1.4 "DejaVu Serif", serif; margin: 4px 0; word-break: break-word; }
.change .before { color: #8a1c1c; text-decoration: line-through; }
.change .after { color: #1b5e20; }
.facts { color: var(--muted); font-size: 13px; }
.crop { display: block; max-width: 100%; border: 1px solid #ccc; margin: 8px 0; image-rendering: auto; }
.nocrop { color: var(--muted); font-size: 12px; font-style: italic; margin: 8px 0; }
.buttons { display: flex; flex-wrap: wrap; gap: 6px; margin: 8px 0; }
button { font: inherit; font-size: 13px; padding: 3px 10px; border: 1px solid #aaa; border-radius: 4px; background: #f4f4f4; cursor: pointer; }
button.primary { background: var(--accent); color: #fff; border-color: var(--accent); }
button:disabled { opacity: .45; cursor: default; }
kbd { font-size: 11px; border: 1px solid #bbb; border-radius: 3px; padding: 0 3px; background: #fff; color: #333; }
.correct-row { display: flex; gap: 6px; margin: 6px 0; }
.correct-row input { flex: 1; font: inherit; padding: 3px 6px; }
.chips { display: flex; flex-wrap: wrap; gap: 4px; margin: 4px 0; }
.chips button { background: #eef3fb; border-color: #9db3d6; }
#status { min-height: 1.5em; font-size: 13px; }
.decided-note { color: #1b5e20; font-size: 13px; }
#status.error { color: #b00020; }
#status.done { color: #1b5e20; }
code.ref { user-select: all; -webkit-user-select: all; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #eee; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.muted { color: var(--muted); font-size: 12px; }
main.index { padding: 14px 20px; }
"""

DOCUMENT_JS = r"""
window.__reviewErrors = window.__reviewErrors || [];
window.addEventListener('error', function (e) { window.__reviewErrors.push(String(e.message)); });
(function () {
  var token = document.body.getAttribute('data-token');
  var docId = document.body.getAttribute('data-document');
  var items = [], current = -1, candidateCache = {};
  function $(id) { return document.getElementById(id); }
  function loadItems() { items = JSON.parse($('items').textContent); }
  function markOf(item) { return item ? $('i-' + item.key) : null; }
  function setStatus(text, kind) { var s = $('status'); s.textContent = text; s.className = kind || ''; }
  function select(index) {
    if (!items.length) { current = -1; fill(null); return; }
    index = Math.max(0, Math.min(items.length - 1, index));
    var old = markOf(items[current]);
    if (old) old.classList.remove('current');
    current = index;
    var item = items[current], mark = markOf(item);
    if (mark) { mark.classList.add('current'); mark.scrollIntoView({block: 'center'}); }
    fill(item);
  }
  function fill(item) {
    var panel = $('item');
    panel.hidden = !item;
    $('no-items').hidden = !!item;
    if (!item) return;
    $('position').textContent = (current + 1) + ' of ' + items.length;
    $('before').textContent = shown(item.before);
    $('after').textContent = item.kind === 'edit' ? shown(item.after) : '';
    $('arrow').hidden = item.kind !== 'edit';
    $('facts').textContent = item.kind === 'edit'
      ? item.rule + ' \u00b7 score ' + item.score.toFixed(2) + ' \u00b7 page ' + item.page
      : 'unknown word \u00b7 page ' + item.page;
    $('ref').textContent = item.ref;
    $('decided').hidden = !item.decided;
    $('decided').textContent = item.decided ? 'decided: ' + item.decided + ' (kept in decisions.jsonl)' : '';
    var ev = item.evidence;
    $('evidence').hidden = !ev;
    if (ev) {
      var odds = Object.keys(ev.probability || {}).map(function (w) { return w + ' ' + Number(ev.probability[w]).toFixed(2); });
      $('evidence').textContent = 'between “' + (ev.previous || '') + '” and “' + (ev.following || '') + '”: ' + odds.join(' · ');
    }
    var img = $('crop');
    if (item.crop) { img.src = item.crop; img.alt = 'the scan around ' + item.before; img.hidden = false; $('nocrop').hidden = true; }
    else { img.removeAttribute('src'); img.hidden = true; $('nocrop').hidden = false; }
    $('accept').disabled = false;
    $('reject').disabled = item.kind !== 'edit';
    $('word').value = item.kind === 'edit' ? item.after : '';
    $('form-count').textContent = String(item.occurrences);
    $('form').parentNode.hidden = item.occurrences < 1;  // not a whole word (a joined hyphen)
    $('form-before').textContent = item.before;
    $('lexicon-row').hidden = item.kind !== 'unknown';
    $('lexicon-word').textContent = item.before;
    showCandidates(item);
  }
  function showCandidates(item) {
    var box = $('candidates');
    box.replaceChildren();
    function render(list) {
      if (items[current] !== item) return;
      box.replaceChildren();
      list.filter(function (word) { return word !== item.after || item.kind !== 'edit'; }).forEach(function (word) {
        var b = document.createElement('button');
        b.type = 'button'; b.textContent = word; b.className = 'candidate';
        b.addEventListener('click', function () { act('correct', {word: word}); });
        box.appendChild(b);
      });
    }
    if (candidateCache[item.before]) { render(candidateCache[item.before]); return; }
    fetch('/api/candidates?t=' + encodeURIComponent(token) + '&word=' + encodeURIComponent(item.before), {headers: {'X-Nbsclean-Token': token}})
      .then(function (r) { return r.json(); })
      .then(function (data) { candidateCache[item.before] = data.candidates; render(data.candidates); })
      .catch(function (e) { window.__reviewErrors.push(String(e)); });
  }
  function shown(text) {  // line ends and page breaks made visible; nothing shown as the empty sign
    return text ? text.replace(/\n/g, '\u23ce').replace(/\f/g, '\u240c') : '\u2205';
  }
  function typedWord() { return $('word').value.trim(); }
  function act(action, extra) {
    var item = items[current];
    if (!item) return;
    var body = {action: action, document: docId, ref: item.ref, before: item.before};
    Object.keys(extra || {}).forEach(function (k) { body[k] = extra[k]; });
    if ((action === 'correct' || action === 'form') && !body.word) { setStatus('type the word first', 'error'); $('word').focus(); return; }
    setStatus(action + '\u2026');
    window.__reviewBusy = true;
    fetch('/api/decide?t=' + encodeURIComponent(token), {
      method: 'POST', headers: {'Content-Type': 'application/json', 'X-Nbsclean-Token': token}, body: JSON.stringify(body)
    }).then(function (r) { return r.json().then(function (data) { return [r.ok, data]; }); })
      .then(function (result) {
        if (!result[0]) throw new Error(result[1].error || 'refused');
        return reload(item.start, action === 'lexicon' || action === 'accept').then(function () { setStatus(result[1].message, 'done'); });
      })
      .catch(function (e) { setStatus(String(e.message || e), 'error'); })
      .then(function () { window.__reviewBusy = false; window.__reviewActions = (window.__reviewActions || 0) + 1; });
  }
  function reload(start, pastIt) {
    return fetch(location.pathname + location.search, {headers: {'X-Nbsclean-Token': token}})
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, 'text/html');
        $('pages').replaceWith(document.adoptNode(fresh.getElementById('pages')));
        $('items').textContent = fresh.getElementById('items').textContent;
        $('summary').textContent = fresh.getElementById('summary').textContent;
        loadItems();
        var next = items.findIndex(function (it) { return pastIt ? it.start > start : it.start >= start; });
        current = -1;
        select(next < 0 ? items.length - 1 : next);
      });
  }
  function typing(ev) { return ev.target && (ev.target.tagName === 'INPUT' || ev.target.tagName === 'SELECT'); }
  document.addEventListener('keydown', function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (typing(ev)) {
      if (ev.key === 'Enter' && ev.target.id === 'word') { ev.preventDefault(); act('correct', {word: typedWord()}); }
      if (ev.key === 'Escape') ev.target.blur();
      return;
    }
    var key = ev.key;
    if (key === 'j') select(current + 1);
    else if (key === 'k') select(current - 1);
    else if (key === 'a') act('accept');
    else if (key === 'r' && items[current] && items[current].kind === 'edit') act('reject');
    else if (key === 'c') { ev.preventDefault(); $('word').focus(); $('word').select(); }
    else return;
    ev.preventDefault();
  });
  document.addEventListener('click', function (ev) {
    var mark = ev.target.closest ? ev.target.closest('[data-item]') : null;
    if (!mark) return;
    var key = mark.getAttribute('data-item');
    var index = items.findIndex(function (it) { return it.key === key; });
    if (index >= 0) select(index);
  });
  document.addEventListener('DOMContentLoaded', function () {
    loadItems();
    $('accept').addEventListener('click', function () { act('accept'); });
    $('reject').addEventListener('click', function () { act('reject'); });
    $('correct').addEventListener('click', function () { act('correct', {word: typedWord()}); });
    $('form').addEventListener('click', function () { act('form', {word: typedWord()}); });
    $('lexicon').addEventListener('click', function () {
      act('lexicon', {word: items[current].before, category: $('category').value});
    });
    var first = location.hash ? items.findIndex(function (it) { return '#' + it.key === location.hash; }) : 0;
    select(first < 0 ? 0 : first);
    window.__reviewReady = true;
  });
})();
"""


def page_shell(app: ReviewApp, title: str, body: str, *, body_attrs: str = "", script: str = "") -> str:
    return f"""<!DOCTYPE html>
<html lang="sv">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>{escape(title)}</title>
<style>{CSS}</style>
</head>
<body data-token="{escape(app.token)}"{body_attrs}>
{body}
{f"<script>{script}</script>" if script else ""}
</body>
</html>
"""


def render_index(app: ReviewApp) -> str:
    docs = app.index.documents
    rules = Counter()
    for doc in docs:
        rules.update(doc.rules)
    total_edits = sum(doc.edits for doc in docs)
    rows = []
    for doc in docs:
        methods = ", ".join(f"{m} ×{n}" for m, n in sorted(doc.methods.items()))
        top = ", ".join(f"{r} {n}" for r, n in doc.rules.most_common(3))
        rows.append(
            f'<tr><td><a class="doc-link" href="{escape(app.url("/doc/" + quote(doc.id)))}">{escape(doc.source)}</a>'
            f'<br><code class="ref">{escape(doc.id)}</code></td><td>{escape(doc.kind)}</td>'
            f'<td class="num">{doc.pages}</td><td>{escape(methods)}</td><td class="num">{doc.edits}</td>'
            f'<td class="num">{doc.unknown_words}</td><td class="muted">{escape(top)}</td></tr>'
        )
    legend = "".join(f"<tr><td><code>{escape(r)}</code></td><td>{escape(m)}</td></tr>" for r, m in rule_legend(rules))
    body = f"""<header><h1>nbsclean review — {escape(app.corpus.resolve().name)}</h1>
<span class="meta" id="summary">{len(docs)} documents · {total_edits} edits</span></header>
<main class="index">
<table class="docs"><thead><tr><th>document</th><th>kind</th><th>pages</th><th>read by</th><th>edits</th>
<th>unknown words</th><th>most frequent rules</th></tr></thead><tbody>{''.join(rows)}</tbody></table>
<h2>Rules</h2><table class="docs"><tbody>{legend}</tbody></table>
</main>"""
    return page_shell(app, f"nbsclean review — {app.corpus.resolve().name}", body)


def item_marks(items: list[Item], low_score: float) -> list[Mark]:
    marks = []
    for item in items:
        attrs = {"id": f"i-{item.key}", "data-item": item.key}
        if item.kind == "edit":
            css = " decided" if item.rule == "decision" or item.decided else (" low" if (item.score or 0) < low_score else "")
            attrs["title"] = f"{item.before!r} → {item.after!r} · {item.rule} · score {item.score:.2f}"
            marks.append(Mark(item.text_start, item.text_end, "edit", attrs, css))
        else:
            attrs["data-word"] = item.before
            marks.append(Mark(item.text_start, item.text_end, "unknown", attrs))
    return marks


def render_pages(record: dict, items: list[Item], low_score: float, view: range) -> str:
    """The document's pages in ``view``, each with its marked text; an ``ocr_replaced_layer``
    page shows the text layer OCR replaced beside the new text."""
    text = record.get("text", "")
    page_texts = text.split(PAGE_BREAK)
    pages = record.get("pages") or [{} for _ in page_texts]
    out = []
    offset = 0
    marks = item_marks(items, low_score)
    for number, page_text in enumerate(page_texts, start=1):
        end = offset + len(page_text)
        if number not in view:
            offset = end + 1
            continue
        on_page = [
            Mark(m.start - offset, m.end - offset, m.kind, m.attrs, m.css)
            for m in marks
            if offset <= m.start and m.end <= end
        ]
        html = render_text(page_text, on_page)
        page = pages[number - 1] if number <= len(pages) else {}
        method = str(page.get("method", "?"))
        heading = f'<h2>page {number} · {escape(method)}{" · " + escape(str(page.get("reason"))) if page.get("reason") else ""}</h2>'
        replaced = page.get("replaced_layer_text")
        if method == "ocr_replaced_layer" and replaced is not None:
            content = (
                '<div class="columns"><div><h3>text layer of the PDF (replaced by OCR)</h3>'
                f'<div class="layer">{visible(replaced)}</div></div>'
                f'<div><h3>new text</h3><div class="text">{html}</div></div></div>'
            )
        else:
            content = f'<div class="text">{html}</div>'
        out.append(f'<section class="page" data-page="{number}">{heading}{content}</section>')
        offset = end + 1
    return "".join(out)


def item_json(app: ReviewApp, document_id: str, item: Item) -> dict:
    data = asdict(item)
    data["ref"] = item.ref(document_id)
    data["crop"] = app.url("/crop/" + quote(document_id), start=str(item.start), end=str(item.end)) if item.has_box else None
    return data


def render_document_page(app: ReviewApp, record: dict, items: list[Item], view: range, page_count: int) -> str:
    document_id = str(record["id"])
    docs = app.index.documents
    position = next((i for i, d in enumerate(docs) if d.id == document_id), 0)
    neighbours = []
    if position > 0:
        neighbours.append(f'<a id="previous-doc" href="{escape(app.url("/doc/" + quote(docs[position - 1].id)))}">← previous</a>')
    if position + 1 < len(docs):
        neighbours.append(f'<a id="next-doc" href="{escape(app.url("/doc/" + quote(docs[position + 1].id)))}">next →</a>')
    if len(view) < page_count:  # a long document: its pages a view at a time
        here = f"pages {view.start}–{view.stop - 1} of {page_count}"
        if view.start > 1:
            back = max(1, view.start - PAGES_PER_VIEW)
            here = f'<a id="previous-pages" href="{escape(app.url("/doc/" + quote(document_id), page=str(back)))}">← pages</a> ' + here
        if view.stop <= page_count:
            here += f' <a id="next-pages" href="{escape(app.url("/doc/" + quote(document_id), page=str(view.stop)))}">pages →</a>'
        neighbours.append(here)
    edits = sum(1 for i in items if i.kind == "edit")
    unknown = len(items) - edits
    # JSON inside <script>: "<" escaped so no text of the document can close the element.
    items_data = json.dumps([item_json(app, document_id, i) for i in items], ensure_ascii=False).replace("<", "\\u003c")
    categories = "".join(f'<option value="{c}">{c}</option>' for c in lexicon_categories())
    legend = "".join(
        f"<tr><td><code>{escape(r)}</code></td><td>{escape(m)}</td></tr>"
        for r, m in rule_legend({i.rule for i in items if i.kind == "edit"})
    )
    body = f"""<header><h1>{escape(str(record.get("source", document_id)))}</h1>
<span class="meta"><a href="{escape(app.url("/"))}">all documents</a> {" ".join(neighbours)}</span>
<span class="meta" id="summary">{edits} edits · {unknown} unknown words · {position + 1} of {len(docs)} documents · id <code class="ref">{escape(document_id)}</code></span></header>
<div class="layout">
<main id="pages">{render_pages(record, items, app.low_score, view)}</main>
<aside>
<section class="panel" id="panel">
<p id="no-items" hidden>Nothing to review in this document.</p>
<div id="item">
<div class="facts"><span id="position"></span> · <code class="ref" id="ref"></code></div>
<div class="change"><span class="before" id="before"></span> <span id="arrow">→</span> <span class="after" id="after"></span></div>
<div class="facts" id="facts"></div>
<div class="facts" id="evidence" hidden></div>
<div class="decided-note" id="decided" hidden></div>
<img class="crop" id="crop" alt="" hidden>
<p class="nocrop" id="nocrop" hidden>no scan crop: the record has no word boxes here, or its source file was not found</p>
<div class="buttons">
<button type="button" class="primary" id="accept"><kbd>a</kbd> accept</button>
<button type="button" id="reject"><kbd>r</kbd> reject (keep what was written)</button>
</div>
<div class="correct-row"><input id="word" autocomplete="off" spellcheck="false" aria-label="correct to">
<button type="button" id="correct"><kbd>c</kbd> correct to</button></div>
<div class="chips" id="candidates"></div>
<div class="buttons"><button type="button" id="form">apply to every <span id="form-before"></span> in the corpus
(<span id="form-count"></span> in this document)</button></div>
<div class="buttons" id="lexicon-row"><button type="button" id="lexicon">add <span id="lexicon-word"></span> to the lexicon as</button>
<select id="category">{categories}</select></div>
<div id="status" role="status"></div>
</div>
</section>
<section class="panel"><p class="muted"><kbd>j</kbd>/<kbd>k</kbd> next/previous · <kbd>a</kbd> accept ·
<kbd>r</kbd> reject · <kbd>c</kbd> type a correction, <kbd>Enter</kbd> to save · or click a candidate.
Each decision is written to decisions.jsonl and the corpus at once; every later
<code>nbsclean run</code> into this corpus applies it again.</p></section>
<section class="panel"><h2>Rules</h2><table><tbody>{legend}</tbody></table></section>
</aside>
</div>
<script type="application/json" id="items">{items_data}</script>"""
    return page_shell(
        app, f"{record.get('source', document_id)} — nbsclean review", body,
        body_attrs=f' data-document="{escape(document_id)}"', script=DOCUMENT_JS,
    )


def lexicon_categories() -> tuple[str, ...]:
    from nbsclean.review.learn import CATEGORIES

    return tuple(CATEGORIES)


# --------------------------------------------------------------------------- HTTP


class ReviewServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = False

    def __init__(self, app: ReviewApp, port: int = 0):
        self.app = app
        super().__init__((HOST, port), ReviewHandler)
        port = self.server_address[1]
        self.allowed_hosts = {f"{HOST}:{port}", f"localhost:{port}"}
        self.allowed_origins = {f"http://{host}" for host in self.allowed_hosts}

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server_address[1]}{self.app.url('/')}"


class ReviewHandler(BaseHTTPRequestHandler):
    server: ReviewServer
    server_version = "nbsclean-review"
    sys_version = ""
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        log.debug("%s " + format, self.address_string(), *args)

    # -- checks every request passes
    def refusal(self) -> str | None:
        host = self.headers.get("Host", "")
        if host not in self.server.allowed_hosts:
            return "this server answers only to its own address"
        origin = self.headers.get("Origin")
        if origin is not None and origin not in self.server.allowed_origins:
            return "requests from other sites are refused"
        if self.headers.get("Sec-Fetch-Site") == "cross-site":
            return "requests from other sites are refused"
        query = parse_qs(urlsplit(self.path).query)
        given = self.headers.get(TOKEN_HEADER) or (query.get("t") or [""])[0]
        if not hmac.compare_digest(given.encode("utf-8"), self.server.app.token.encode("utf-8")):
            return "missing or wrong token: open the URL nbsclean printed"
        return None

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.handle_request("GET")

    def do_POST(self) -> None:  # noqa: N802
        self.handle_request("POST")

    def handle_request(self, method: str) -> None:
        refusal = self.refusal()
        if refusal is not None:
            # A refused request's body is never read: close the connection rather than read
            # what is left of it as the next request.
            self.close_connection = True
            self.send_text(HTTPStatus.FORBIDDEN, refusal)
            return
        app = self.server.app
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        try:
            if method == "GET" and url.path == "/":
                self.send_body(HTTPStatus.OK, app.index_page().encode("utf-8"), "text/html; charset=utf-8")
            elif method == "GET" and url.path.startswith("/doc/"):
                html = app.document_page(url.path[len("/doc/"):], int((query.get("page") or ["1"])[0]))
                self.send_body(HTTPStatus.OK, html.encode("utf-8"), "text/html; charset=utf-8")
            elif method == "GET" and url.path.startswith("/crop/"):
                start, end = int(query["start"][0]), int(query["end"][0])
                png = app.crop(url.path[len("/crop/"):], start, end)
                self.send_body(HTTPStatus.OK, png, "image/png", cache="private, max-age=3600")
            elif method == "GET" and url.path == "/api/candidates":
                word = (query.get("word") or [""])[0]
                self.send_json(HTTPStatus.OK, {"candidates": app.candidates(word) if word else []})
            elif method == "POST" and url.path == "/api/decide":
                self.send_json(HTTPStatus.OK, app.act(self.read_json()))
            else:
                self.send_text(HTTPStatus.NOT_FOUND, "not found")
        except ConnectionError as exc:
            # The browser went away mid-answer (a crop skipped past with `j`, a closed tab):
            # nobody is left to answer, and nothing is wrong with the server.
            log.debug("client left during %s: %s", url.path, exc)
            self.close_connection = True
        except RequestRefused as exc:
            self.send_json(exc.status, {"ok": False, "error": str(exc)})
        except (KeyError, ValueError) as exc:
            self.send_json(HTTPStatus.BAD_REQUEST, {"ok": False, "error": f"bad request: {exc}"})
        except NbscleanError as exc:
            self.send_json(HTTPStatus.INTERNAL_SERVER_ERROR, {"ok": False, "error": str(exc)})
        except Exception as exc:  # noqa: BLE001 - one broken request must not take the page down
            log.error("internal error on %s: %s: %s", url.path, type(exc).__name__, exc, exc_info=log.isEnabledFor(logging.DEBUG))
            self.send_json(HTTPStatus.INTERNAL_SERVER_ERROR, {"ok": False, "error": f"internal error: {type(exc).__name__}: {exc}"})

    def read_json(self) -> dict:
        length = int(self.headers.get("Content-Length", "0"))
        if not 0 < length <= MAX_BODY:
            raise ValueError("the request body is missing or too large")
        data = json.loads(self.rfile.read(length))
        if not isinstance(data, dict):
            raise ValueError("expected a JSON object")
        return data

    # -- answers
    def send_body(self, status: HTTPStatus, body: bytes, content_type: str, cache: str = "no-store") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", cache)
        if self.close_connection:
            self.send_header("Connection", "close")
        for name, value in SECURITY_HEADERS.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_text(self, status: HTTPStatus, text: str) -> None:
        self.send_body(status, (text + "\n").encode("utf-8"), "text/plain; charset=utf-8")

    def send_json(self, status: HTTPStatus, data: dict) -> None:
        self.send_body(status, json.dumps(data, ensure_ascii=False).encode("utf-8"), "application/json")


def serve(app: ReviewApp, port: int = 0, on_ready: Callable[[str], None] | None = None) -> None:
    """Serve until Ctrl-C, SIGTERM or SIGHUP, then close the socket and return."""
    server = ReviewServer(app, port)
    app.load_in_background()
    stopping = threading.Event()

    def stop(signum, frame) -> None:
        # shutdown() waits for serve_forever to return, so it must not run on its thread.
        if not stopping.is_set():
            stopping.set()
            threading.Thread(target=server.shutdown, daemon=True).start()

    # Ctrl-C, SIGTERM and SIGHUP are the normal way to stop a server: each ends it cleanly
    # (exit 0), replacing for its lifetime the CLI's handlers that report an interruption.
    stop_signals = [signal.SIGINT, signal.SIGTERM] + ([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])
    previous = {signum: signal.signal(signum, stop) for signum in stop_signals}
    try:
        (on_ready or (lambda url: print(url, flush=True)))(server.url)
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
