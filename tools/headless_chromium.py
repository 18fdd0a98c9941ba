"""Real headless Chromium, started one way for the browser tests (test_review,
test_serve_browser) and README's screenshot (tools/review_screenshot.py): the system's
chromium and chromedriver, nothing on the network, and one way to wait for the page."""

from __future__ import annotations

import time
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def start_chromium(profile: Path, *, window_size: str, page_load_timeout: float, extra_flags: tuple[str, ...] = ()):
    """A headless Chromium driven through the system's chromedriver, its profile in
    ``profile`` and the browser's console log kept (``driver.get_log("browser")``)."""
    assert Path(CHROMIUM).exists(), "chromium is missing: apt-get install -y chromium chromium-driver"
    assert Path(CHROMEDRIVER).exists(), "chromedriver is missing: apt-get install -y chromium-driver"
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--window-size={window_size}", f"--user-data-dir={profile}", *extra_flags,
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # An explicit driver path: selenium-manager must not try to download anything.
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(page_load_timeout)
    return driver


def wait_for(driver, script: str, timeout: float):
    """The first truthy value ``script`` returns in the page, polled every 50 ms."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = driver.execute_script(script)
        if value:
            return value
        time.sleep(0.05)
    raise TimeoutError(f"timed out after {timeout} s waiting for: {script}")
