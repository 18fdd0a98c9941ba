"""Memory for the repair's pure look-ups that repeat across the documents of a run (pure).

The bigram model's :meth:`~nbsclean.repair.ngrams.NgramModel.context_gain` depends only on
its arguments and the model, which never changes once loaded; the repair asks it about the
same few words beside the same neighbours in document after document ("det ar", "pa ett"),
and each answer costs two bisections and a dozen float operations. :class:`RememberedGains`
answers a question it was asked before from a table, with the very same float: decisions
stay byte-identical, only faster.
"""

from __future__ import annotations

from typing import Any

from nbsclean.repair.ngrams import NgramModel

# Answers kept per model (~150 bytes each: ~30 MB at most); a full table starts again.
MAX_REMEMBERED_GAINS = 200_000


class RememberedGains:
    """An :class:`NgramModel` whose ``context_gain`` answers are kept (everything else is
    the model's own, unchanged)."""

    def __init__(self, model: NgramModel):
        self.model = model
        self._gains: dict[tuple, float] = {}

    def context_gain(self, word: str, previous: str | None, following: str | None, classes: bool = False) -> float:
        key = (word, previous, following, bool(classes))
        gains = self._gains
        gain = gains.get(key)
        if gain is None:
            if len(gains) >= MAX_REMEMBERED_GAINS:
                gains.clear()
            gain = gains[key] = self.model.context_gain(word, previous, following, classes)
        return gain

    def __getattr__(self, name: str) -> Any:
        # Only reached for what this class does not define: the model answers the rest.
        return getattr(self.model, name)

    def __len__(self) -> int:
        return len(self.model)


def remembering(model: NgramModel | None) -> "RememberedGains | NgramModel | None":
    """``model`` with its context gains remembered (None stays None; a model already
    remembering is returned as it is)."""
    if model is None or isinstance(model, RememberedGains):
        return model
    return RememberedGains(model)
