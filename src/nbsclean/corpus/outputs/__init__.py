"""Outputs derived from a corpus record: searchable PDF (``pdf/``) and ALTO XML (``alto/``).

:func:`write_record_outputs` is the one function that (re)writes a record's outputs from
the record itself (``raw_text`` + ``edits`` + word boxes), so ``run``, ``revert`` and
``decide`` keep them in step with the record.
"""

from nbsclean.corpus.outputs.writer import (
    OUTPUT_FORMATS,
    output_relative_path,
    refresh_outputs,
    relative_input_paths,
    write_record_outputs,
)

__all__ = ["OUTPUT_FORMATS", "output_relative_path", "refresh_outputs", "relative_input_paths", "write_record_outputs"]
