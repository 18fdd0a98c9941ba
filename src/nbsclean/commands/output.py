"""What a command says besides its data: notes on stderr, silenced by ``nbsclean -q``.

Data goes to stdout; notes, summaries and progress to stderr. The root callback sets the
logging level from ``-v``/``-q``; every command asks :func:`quiet` before it says anything
that is not an error.
"""

from __future__ import annotations

import logging
import sys


def quiet() -> bool:
    """``nbsclean -q``: only errors on stderr."""
    return logging.getLogger().getEffectiveLevel() > logging.WARNING


def note(message: str) -> None:
    """One line on stderr, unless -q."""
    if not quiet():
        print(message, file=sys.stderr, flush=True)
