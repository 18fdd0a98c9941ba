"""Shared fixtures for the whole suite (keep this small: other test files rely on it)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import settings

from nbsclean.repair.lexicon import Lexicon, load_lexicon

# CI (CI=true) draws the same property-test examples on every run, so that landing never
# depends on the luck of the draw; developers' runs stay random and keep exploring.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"
# The browser tests start Chromium the way tools/review_screenshot.py does (tools/headless_chromium.py).
sys.path.insert(0, str(REPO / "tools"))


@pytest.fixture(scope="session")
def lexicon() -> Lexicon:
    """The active lexicon, loaded once per test session (from its prebuilt cache when fresh)."""
    return load_lexicon()
