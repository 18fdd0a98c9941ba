"""The corpus (I/O): :mod:`.journal` (documents.jsonl, manifest, text files, parquet),
:mod:`.runner` (a batch of inputs into a resumable corpus) and :mod:`.metadata` (issue,
year and title read from a record's text)."""
