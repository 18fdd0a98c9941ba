"""`nbsclean review CORPUS --serve` in real headless Chromium: decisions made with the
page's keys and buttons reach decisions.jsonl, the corpus and the lexicon, and a new
`run --overwrite` keeps every one of them.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from headless_chromium import start_chromium, wait_for
from test_serve import REPOSITORY, Served, built_corpus, nbsclean  # noqa: F401 - built_corpus is a fixture

# --------------------------------------------------------------------------- the browser

# Waits are long: the served page answers after a corpus write, on a loaded machine too.
WAIT_SECONDS = 60.0


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    driver = start_chromium(tmp_path_factory.mktemp("chromium-profile"), window_size="1400,900", page_load_timeout=60)
    yield driver
    driver.quit()


def page_items(driver) -> list[dict]:
    return driver.execute_script("return JSON.parse(document.getElementById('items').textContent)")


def press(driver, keys: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(driver).send_keys(keys).perform()


def after_action(driver, done_before: int) -> str:
    """Wait until the page has written the action and redrawn itself; its status line."""
    wait_for(driver, f"return (window.__reviewActions || 0) > {done_before} && !window.__reviewBusy", WAIT_SECONDS)
    status = driver.find_element("id", "status")
    assert "error" not in status.get_attribute("class"), status.text
    return status.text


def read_records(corpus: Path) -> dict[str, dict]:
    return {r["id"]: r for r in (json.loads(line) for line in (corpus / "documents.jsonl").read_text().splitlines())}


@pytest.fixture()
def lexicon_copy(tmp_path) -> Path:
    """A copy of the repository's lexicon for the served page to add words to."""
    copy = tmp_path / "lexicons"
    shutil.copytree(REPOSITORY / "lexicons", copy, ignore=shutil.ignore_patterns("candidates.tsv"))
    return copy


@pytest.mark.browser
def test_decisions_made_in_the_browser_reach_the_corpus(browser, built_corpus, tmp_path, lexicon_copy):
    from selenium.webdriver.common.keys import Keys

    corpus = tmp_path / "c"
    shutil.copytree(built_corpus, corpus)
    server = Served(corpus, env={"NBSCLEAN_LEXICON_DIR": str(lexicon_copy)})
    try:
        records = read_records(corpus)
        document = max(records.values(), key=lambda r: len(r["edits"]))
        browser.get(f"http://127.0.0.1:{server.port}/doc/{document['id']}?t={server.token}")
        wait_for(browser, "return window.__reviewReady === true", WAIT_SECONDS)
        items = page_items(browser)
        edits = [i for i in items if i["kind"] == "edit" and i["before"].isalpha() and i["after"].isalpha()]
        done = 0

        # 1. Reject an edit: click it in the text, press r (two actions).
        rejected = edits[0]
        browser.find_element("id", f"i-{rejected['key']}").click()
        press(browser, "r")
        after_action(browser, done)
        done += 1

        # 2. Correct another edit to a typed word: click it, c, type, Enter.
        corrected = next(i for i in edits[1:] if i["occurrences"] == 1)
        browser.find_element("id", f"i-{corrected['key']}").click()
        press(browser, "c")
        typed = corrected["after"] + "x"
        press(browser, typed + Keys.ENTER)
        after_action(browser, done)
        done += 1

        # 3. Apply a form to all its occurrences: a form the repair changed more than once.
        form = next(i for i in page_items(browser) if i["kind"] == "edit" and i["occurrences"] > 1 and i["before"].isalpha())
        browser.find_element("id", f"i-{form['key']}").click()
        count = int(browser.find_element("id", "form-count").text)
        whole_word = re.compile(r"(?<![\w-])" + re.escape(form["before"]) + r"(?![\w-])")
        assert count == form["occurrences"] == len(whole_word.findall(document["raw_text"])) > 1
        word = browser.find_element("id", "word")
        word.clear()
        word.send_keys(form["after"].upper())
        browser.find_element("id", "form").click()
        after_action(browser, done)
        done += 1

        # An accepted edit stays as it is and shows as decided (green), here and after a reload.
        accepted = next(i for i in page_items(browser) if i["kind"] == "edit" and not i["decided"] and i["rule"] != "decision")
        browser.find_element("id", f"i-{accepted['key']}").click()
        press(browser, "a")
        after_action(browser, done)
        done += 1
        assert "decided" in browser.find_element("id", f"i-{accepted['key']}").get_attribute("class")
        browser.refresh()
        wait_for(browser, "return window.__reviewReady === true", WAIT_SECONDS)
        assert "decided" in browser.find_element("id", f"i-{accepted['key']}").get_attribute("class")

        # 4. Add an unknown word to the lexicon with a category, on the document that has them.
        names = next(r for r in records.values() if r["source"].endswith("names.txt"))
        browser.get(f"http://127.0.0.1:{server.port}/doc/{names['id']}?t={server.token}")
        wait_for(browser, "return window.__reviewReady === true", WAIT_SECONDS)
        done = 0
        unknown = next(i for i in page_items(browser) if i["kind"] == "unknown")
        assert {i["before"] for i in page_items(browser) if i["kind"] == "unknown"} >= {"Trulsbrink", "Kvarnbyvik"}
        browser.find_element("id", f"i-{unknown['key']}").click()
        from selenium.webdriver.support.ui import Select

        Select(browser.find_element("id", "category")).select_by_value("names")
        browser.find_element("id", "lexicon").click()
        status = after_action(browser, done)
        assert unknown["before"] in status
        # The page now has neither that unknown word nor the rejected edit.
        now = page_items(browser)
        assert unknown["before"] not in {i["before"] for i in now if i["kind"] == "unknown"}
        assert rejected["key"] not in {i["key"] for i in now if i["kind"] == "edit"}
        assert browser.execute_script("return window.__reviewErrors") == []
        assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []
    finally:
        code, stderr = server.stop()
    assert code == 0, stderr

    # decisions.jsonl holds the three decisions, the lexicon the word, the corpus the result.
    decisions = [json.loads(line) for line in (corpus / "decisions.jsonl").read_text().splitlines()]
    assert [d["kind"] for d in decisions] == ["reject", "correct", "form", "accept"]
    assert decisions[3]["start"] == accepted["start"] and decisions[3]["after"] == accepted["after"]
    assert decisions[0]["start"] == rejected["start"] and decisions[0]["after"] == rejected["before"]
    assert decisions[1]["after"] == typed
    assert decisions[2]["before"] == form["before"] and decisions[2]["after"] == form["after"].upper()
    assert unknown["before"] in (lexicon_copy / "domain" / "names.txt").read_text().splitlines()
    record = read_records(corpus)[document["id"]]
    text = record["text"]
    by_start = {e["start"]: e for e in record["edits"]}
    assert rejected["start"] not in by_start or by_start[rejected["start"]]["after"] == rejected["before"]
    assert by_start[corrected["start"]]["after"] == typed and by_start[corrected["start"]]["rule"] == "decision"
    assert typed in text
    assert form["after"].upper() in text
    if (corpus / "text").is_dir():
        assert (corpus / "text" / f"{document['id']}.txt").read_text(encoding="utf-8") == text

    # A new run over the same inputs keeps all of it: the decisions are applied again, and the
    # word added to the lexicon is known (no longer an unknown word of its document).
    manifest = json.loads((corpus / "manifest.json").read_text())
    inputs = manifest["run"]["inputs"]
    rerun = nbsclean("run", *inputs, "-o", str(corpus), "--overwrite", "-j", "1", env={"NBSCLEAN_LEXICON_DIR": str(lexicon_copy)})
    assert rerun.returncode == 0, rerun.stderr
    assert [json.loads(line)["kind"] for line in (corpus / "decisions.jsonl").read_text().splitlines()] == [
        "reject", "correct", "form", "accept"
    ]
    again = read_records(corpus)
    record = again[document["id"]]
    by_start = {e["start"]: e for e in record["edits"]}
    assert rejected["start"] not in by_start or by_start[rejected["start"]]["after"] == rejected["before"]
    assert by_start[corrected["start"]]["after"] == typed
    assert by_start[accepted["start"]]["after"] == accepted["after"]
    whole_word = re.compile(r"(?<!\w)" + re.escape(form["before"]) + r"(?!\w)")
    for match in whole_word.finditer(record["raw_text"]):
        if match.start() not in (rejected["start"], corrected["start"], accepted["start"]):
            assert by_start[match.start()]["after"] == form["after"].upper()
    from nbsclean.repair.engine import unknown_words
    from nbsclean.repair.lexicon import load_lexicon

    names_text = again[names["id"]]["text"]
    assert unknown["before"] in names_text
    assert unknown["before"] not in unknown_words(names_text, load_lexicon(lexicon_copy))
