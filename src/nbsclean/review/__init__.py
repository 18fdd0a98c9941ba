"""Review (I/O at the edges): :mod:`.page` (the HTML review page), :mod:`.revert` (dropping
edits from a corpus) and :mod:`.learn` (proposing the archive's own words)."""
