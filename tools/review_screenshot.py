"""Make README's screenshot of the served review page (docs/review-serve-screenshot.png).

    python tools/review_screenshot.py [-o docs/review-serve-screenshot.png]

Builds a corpus from two of the scanned samples (a PDF whose bad text layer OCR replaced,
and an image-only PDF) with the real `nbsclean run`, serves it with `nbsclean review
--serve`, opens the document with the replaced layer in headless Chromium, steps (with
`j`) to the first edit or unknown word that has a scan crop, and saves the window.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
INPUTS = ["seed000-serif-badlayer.input.pdf", "seed003-sans-imageonly.input.pdf"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=REPO / "docs" / "review-serve-screenshot.png")
    args = parser.parse_args()
    from selenium.webdriver.common.action_chains import ActionChains

    from headless_chromium import start_chromium, wait_for  # tools/ is this script's own folder

    with tempfile.TemporaryDirectory(prefix="review-shot-") as temporary:
        work = Path(temporary)
        (work / "scans").mkdir()
        for name in INPUTS:
            shutil.copy(REPO / "samples" / "scans" / name, work / "scans" / name)
        subprocess.run([sys.executable, "-m", "nbsclean", "-q", "run", "scans", "-o", "corpus"], cwd=work, check=True)
        records = [json.loads(line) for line in (work / "corpus" / "documents.jsonl").read_text().splitlines()]
        document = next(r for r in records if any(p["method"] == "ocr_replaced_layer" for p in r["pages"]))
        server = subprocess.Popen(
            [sys.executable, "-m", "nbsclean", "-q", "review", "corpus", "--serve"], cwd=work, stdout=subprocess.PIPE, text=True
        )
        try:
            url = urlsplit(server.stdout.readline().strip())
            driver = start_chromium(
                work / "profile", window_size="1400,860", page_load_timeout=60, extra_flags=("--hide-scrollbars",)
            )
            try:
                driver.get(f"http://127.0.0.1:{url.port}/doc/{document['id']}?{url.query}")
                wait_for(driver, "return window.__reviewReady === true", timeout=60)
                items = driver.execute_script("return JSON.parse(document.getElementById('items').textContent)")
                target = next(
                    (n for n, item in enumerate(items) if item["crop"] and item["kind"] == "edit" and item["before"].isalpha()), None
                )
                if target is None:
                    target = next(n for n, item in enumerate(items) if item["crop"])
                for _ in range(target):
                    ActionChains(driver).send_keys("j").perform()
                wait_for(driver, "var i = document.getElementById('crop'); return i.complete && i.naturalWidth > 0 && !i.hidden;", timeout=30)
                time.sleep(0.5)  # the candidates arrive after the crop
                args.output.parent.mkdir(parents=True, exist_ok=True)
                driver.save_screenshot(str(args.output))
            finally:
                driver.quit()
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
