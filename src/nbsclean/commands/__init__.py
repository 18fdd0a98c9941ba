"""One module per CLI command; each exposes ``register(app)``."""

from nbsclean.commands import check, decide, extract, init, lexicon, repair, review, revert, run

COMMAND_MODULES = [init, run, extract, repair, check, review, revert, decide, lexicon]
