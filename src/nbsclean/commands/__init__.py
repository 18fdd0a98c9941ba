"""One module per CLI command; each exposes ``register(app)``."""

from nbsclean.commands import check, extract, lexicon, repair, review, revert, run

COMMAND_MODULES = [run, extract, repair, check, review, revert, lexicon]
