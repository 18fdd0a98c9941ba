"""`nbsclean review`: the HTML page, checked as markup and in a real headless Chromium.

The corpus is made by the real pipeline (`nbsclean run`) from two seeds with real OCR
damage (002, 004), one clean seed (003) and a small text file with HTML-looking content.
The browser test drives Debian's chromium through chromedriver (Selenium); it fails, not
skips, when they are missing — the test set-up installs them (apt: chromium chromium-driver).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from headless_chromium import start_chromium, wait_for
from nbsclean.review.page import render_review

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
if not SEEDS.is_dir():  # running outside the workspace layout
    SEEDS = Path("/work/shared/seeds")
HOSTILE = 'Rubrik <script>window.__pwned = 1</script> & "citat" <b>fet</b>\nSérmland och Idns kommuner.\n'


def nbsclean(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "nbsclean", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=300,
    )


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    inputs = tmp_path_factory.mktemp("inputs")
    for name in ("002_ed95ccfacf04fe09.txt", "004_6ac11f0aea4c5446.txt", "003_2d3aac59f898cc7c.txt"):
        shutil.copy(SEEDS / name, inputs / name)
    (inputs / "hostile.txt").write_text(HOSTILE, encoding="utf-8")
    out = tmp_path_factory.mktemp("corpus") / "c"
    result = nbsclean("run", str(inputs), "-o", str(out), "-j", "1")
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def records(corpus) -> list[dict]:
    return [json.loads(line) for line in (corpus / "documents.jsonl").read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def page(corpus) -> Path:
    result = nbsclean("review", str(corpus))
    assert result.returncode == 0, result.stderr
    path = corpus / "review.html"
    assert result.stdout.strip() == str(path)
    return path


class Collector(HTMLParser):
    """Tags with their attributes, and the text outside <script>/<style>."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


def parse(html: str) -> Collector:
    collector = Collector()
    collector.feed(html)
    return collector


def test_every_edit_is_highlighted_once_with_its_details(page, records):
    html = page.read_text(encoding="utf-8")
    highlights = [attrs for tag, attrs in parse(html).tags if "data-edit-id" in attrs]
    total = sum(len(r["edits"]) for r in records)
    assert total > 200  # the damaged seeds really were repaired
    assert len(highlights) == total
    edits = {(r["id"], e["id"]): e for r in records for e in r["edits"]}
    for attrs in highlights:
        assert "edit" in attrs["class"].split()
        document = attrs["id"].split("-e-")[0][2:]
        edit = edits[(document, attrs["data-edit-id"])]
        assert attrs["data-rule"] == edit["rule"]
        assert abs(float(attrs["data-score"]) - edit["score"]) < 1e-3
        assert repr(edit["before"]) in attrs["title"] and repr(edit["after"]) in attrs["title"]


def test_page_is_self_contained_and_escapes_text(page):
    html = page.read_text(encoding="utf-8")
    tags = parse(html).tags
    # No external resources of any kind.
    assert not [a for _, a in tags if a.get("src") or (a.get("href") and not a["href"].startswith("#"))]
    assert "http://" not in html and "https://" not in html
    # The document's markup-looking text is shown as text, never as markup.
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in html
    assert "<b>fet</b>" not in html
    assert sum(1 for tag, _ in tags if tag == "script") == 1


def test_unknown_words_list_links_to_marked_occurrences(page, records):
    html = page.read_text(encoding="utf-8")
    tags = parse(html).tags
    marks = {a["id"]: a["data-word"] for t, a in tags if t == "mark" and "id" in a}
    links = [a for t, a in tags if t == "a" and "word-link" in a.get("class", "")]
    assert marks and links
    for link in links:
        assert marks[link["href"][1:]] == link["data-word"]  # every link lands on its word


def test_lowest_scores_first(page):
    tags = parse(page.read_text(encoding="utf-8")).tags
    scores = [float(a["data-score"]) for t, a in tags if t == "tr" and "edit-row" in a.get("class", "")]
    assert len(scores) > 10
    assert scores == sorted(scores)


def test_output_option_and_bad_corpus(corpus, tmp_path):
    out = tmp_path / "sub" / "r.html"
    result = nbsclean("review", str(corpus), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in out.parent.iterdir()] == ["r.html"]  # no temp files left behind
    missing = nbsclean("review", str(tmp_path / "nope"))
    assert missing.returncode == 5
    assert "not a corpus" in missing.stderr


def test_render_marks_unknown_word_straddling_an_edit():
    # "Till-\nsammans" joined by an edit; the unknown word "Tillsammansx" spans the edit's edge.
    raw = "Till-\nsammansx här"
    record = {
        "id": "d1",
        "raw_text": raw,
        "text": "Tillsammansx här",
        "pages": [],
        "edits": [{"id": "e1", "start": 4, "end": 6, "before": "-\n", "after": "", "rule": "hyphen_join", "score": 0.9}],
    }
    html = render_review([record], {"d1": Counter({"Tillsammansx": 1})})
    collector = parse(html)
    assert "Tillsammansx här" in "".join(collector.text)
    assert [a["data-edit-id"] for _, a in collector.tags if "data-edit-id" in a] == ["e1"]
    assert any(t == "mark" and a.get("data-word") == "Tillsammansx" for t, a in collector.tags)


# --------------------------------------------------------------------------- the browser


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = start_chromium(tmp_path_factory.mktemp("chromium-profile"), window_size="1280,900", page_load_timeout=20)
    yield driver
    driver.quit()


def visible_highlights(driver) -> int:
    return driver.execute_script(
        "return Array.prototype.filter.call(document.querySelectorAll('.text [data-edit-id]'),"
        " function (el) { return !el.classList.contains('filtered')"
        " && getComputedStyle(el).backgroundColor !== 'rgba(0, 0, 0, 0)'; }).length;"
    )


@pytest.mark.browser
def test_page_in_headless_chromium(browser, page, records):
    total = sum(len(r["edits"]) for r in records)
    browser.get(page.as_uri())
    wait_for(browser, "return window.__reviewReady === true", timeout=10.0)

    errors = browser.execute_script("return window.__reviewErrors")
    console = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == [] and console == [], (errors, console)
    assert browser.execute_script("return window.__pwned") is None  # document text never runs

    assert browser.execute_script("return document.querySelectorAll('.text [data-edit-id]').length") == total
    assert visible_highlights(browser) == total
    assert browser.find_element("id", "shown-count").text == str(total)

    # Unticking the most frequent rule hides exactly its highlights.
    rule_counts = Counter(e["rule"] for r in records for e in r["edits"])
    rule, count = rule_counts.most_common(1)[0]
    box = browser.find_element("css selector", f'input.rule-filter[value="{rule}"]')
    box.click()
    assert visible_highlights(browser) == total - count
    assert browser.find_element("id", "shown-count").text == str(total - count)
    box.click()
    assert visible_highlights(browser) == total

    # The score filter: a minimum above some scores hides those edits.
    scores = sorted(e["score"] for r in records for e in r["edits"])
    threshold = scores[len(scores) // 2]
    minimum = browser.find_element("id", "score-min")
    browser.execute_script(
        "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input'));", minimum, str(threshold)
    )
    assert visible_highlights(browser) == sum(1 for s in scores if s >= threshold - 5e-5)

    # Clicking an unknown word in the to-do list highlights its occurrences in the text.
    link = browser.find_element("css selector", "#unknown-words a.word-link")
    word = link.get_attribute("data-word")
    link.click()
    focused = browser.execute_script(
        "return Array.prototype.map.call(document.querySelectorAll('mark.unknown.focus'),"
        " function (m) { return m.getAttribute('data-word'); });"
    )
    assert focused and set(focused) == {word}
    assert browser.execute_script("return window.__reviewErrors") == []


def test_legend_explains_every_rule_on_the_page(page, records):
    from nbsclean.review.rules import RULE_MEANINGS, rule_parts

    html = page.read_text(encoding="utf-8")
    legend = html.split('id="legend"')[1].split("</section>")[0]
    rules = {part for r in records for e in r["edits"] for part in rule_parts(e["rule"])}
    assert rules and all(f"<code>{rule}</code>" in legend for rule in rules)
    assert all(RULE_MEANINGS[rule] in legend for rule in rules)  # every rule here is described


def test_lowest_edits_list_carries_copyable_ids(page, records):
    tags = parse(page.read_text(encoding="utf-8")).tags
    ids = {(r["id"], e["id"]) for r in records for e in r["edits"]}
    refs = [t for t in parse(page.read_text(encoding="utf-8")).text if ":" in t and t.split(":")[0] in {r["id"] for r in records}]
    assert len(refs) > 10
    assert all(tuple(ref.split(":", 1)) in ids for ref in refs)
    assert any("edit-ref" in a.get("class", "") for t, a in tags if t == "code")


@pytest.mark.browser
def test_clicking_an_edit_shows_its_id_to_copy(browser, page, records, corpus):
    browser.get(page.as_uri())
    wait_for(browser, "return window.__reviewReady === true", timeout=10.0)
    target = browser.find_element("css selector", ".text .edit:not(.deletion)")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", target)
    target.click()
    refs = browser.execute_script(
        "return Array.prototype.map.call(document.querySelectorAll('#edit-details code.edit-ref'),"
        " function (c) { return c.textContent; });"
    )
    document = target.find_element("xpath", "ancestor::article").get_attribute("data-document-id")
    ref = f"{document}:{target.get_attribute('data-edit-id')}"
    assert refs == [ref, f"nbsclean revert {corpus} --edit {ref}"]
    # The id is selectable as a whole: a click on it selects exactly the id.
    browser.find_element("css selector", "#edit-details code.edit-ref").click()
    assert browser.execute_script("return window.getSelection().toString()") == ref
    assert browser.execute_script("return window.__reviewErrors") == []
