"""Shared fixtures for the whole suite (keep this small: other test files rely on it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from nbsclean.lexicon import Lexicon, load_lexicon

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"


@pytest.fixture(scope="session")
def lexicon() -> Lexicon:
    """The active lexicon, loaded once per test session (from its prebuilt cache when fresh)."""
    return load_lexicon()
