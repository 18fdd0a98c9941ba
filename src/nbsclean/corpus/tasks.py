"""The work a run hands to its workers: chunks of files in, finished journal lines out.

A worker (a pool process, a Dask worker, or the driver itself at ``-j 1``) does all of one
document's work that does not need the journal: extraction and repair (``process``), the
driver's fields (source, metadata, fingerprints), the archive's decisions, the unknown
words for the summary, the searchable PDF and ALTO pages, the text file, and the record's
encoding as its journal line. What comes back is a :class:`Finished` - the line as bytes
plus a few counts - so the driver only appends lines in input order and makes them
durable (:mod:`nbsclean.corpus.runner`).

Why: on small text documents each record used to cross the process boundary as a nested
dict and be finished, counted and written by the driver, which became the bottleneck of
``-j 2``. Files go out in chunks (:func:`chunk_tasks`) so that a task is worth sending.

Every function here returns plain data and never raises for a bad input, so one file
cannot stop the batch; a record the driver has not appended yet is not in the corpus,
whatever the worker wrote for it (``--resume`` writes its text file again).
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from nbsclean.corpus.inputs import InputFile, escape_name
from nbsclean.corpus.journal import TEXT_DIR, encode_record, write_document_text
from nbsclean.corpus.workers import (
    WorkerStopped,
    busy,
    exit_stopped,
    lighten_garbage_collection,
    setup_worker_process,
)
from nbsclean.errors import ExitCode, FileAccessError, NbscleanError

log = logging.getLogger(__name__)

# process(path, options, lexicon=...) -> record: the pipeline's process_file by default.
ProcessFn = Callable[..., dict]

OCR_METHODS = ("ocr", "ocr_replaced_layer")
OUT_OF_MEMORY = "the document is too large for the memory available"
# A chunk holds consecutive files up to this many input bytes or files, whichever comes
# first: ~15 text documents of 300-600 words (~0.1 s of work, worth a trip to a worker),
# but a scanned page (larger than the limit) goes alone, so slow files stay spread evenly.
CHUNK_BYTES = 64 * 1024
CHUNK_FILES = 32


@dataclass(frozen=True)
class WorkItem:
    """One file of a chunk: where to read it, and the names the record and outputs use."""

    path: str
    source: str
    relative: str | None = None  # its path under the input folder (PDF/ALTO outputs)


@dataclass
class RunContext:
    """Everything each task of a run needs, sent to a worker once (forked into a pool
    worker, scattered to Dask workers): the run's options, per-file function and lexicon,
    and what finishing a record takes."""

    options: Any
    process: ProcessFn
    lexicon: Any
    fingerprint: str
    extraction: str | None
    decisions: list = field(default_factory=list)  # nbsclean.review.decisions.Decision
    corpus: Path | None = None  # the corpus root; None: records are only encoded
    formats: tuple[str, ...] = ("jsonl",)
    durable_text: bool = False  # --sync each: every text file fsynced where it is written

    @property
    def text_dir(self) -> str:
        return os.path.join(self.corpus, TEXT_DIR)


@dataclass
class Finished:
    """A finished document as the driver needs it: its journal line and its counts."""

    id: str
    line: bytes  # encode_record(record): appended to documents.jsonl as it is
    counts: dict  # record_counts(record)
    unknown: Counter  # unknown word forms in its text
    decisions_applied: int = 0
    stale_decisions: list = field(default_factory=list)  # StaleDecision


def record_counts(record: dict) -> dict:
    """What a record adds to the corpus's totals (CorpusTotals) and the progress line."""
    pages = record.get("pages") or []
    edits = record.get("edits") or []
    return {
        "pages": len(pages),
        "ocr_pages": sum(1 for page in pages if page.get("method") in OCR_METHODS),
        "poor_pages": sum(1 for page in pages if (page.get("quality") or {}).get("verdict") == "poor"),
        "edits": len(edits),
        "edits_by_rule": Counter([edit.get("rule", "?") for edit in edits]),
    }


# --- chunks ------------------------------------------------------------------------------


def chunk_tasks(
    tasks: Iterable[InputFile], *, max_bytes: int = CHUNK_BYTES, max_files: int = CHUNK_FILES
) -> Iterator[list[InputFile]]:
    """Consecutive tasks grouped into chunks, in order (so results can be written in order)."""
    chunk: list[InputFile] = []
    size = 0
    for task in tasks:
        task_size = task.size or 0
        if chunk and (size + task_size > max_bytes or len(chunk) >= max_files):
            yield chunk
            chunk, size = [], 0
        chunk.append(task)
        size += task_size
    if chunk:
        yield chunk


# --- in a worker -------------------------------------------------------------------------

# The run's context inside a pool worker: set once per worker by init_worker, so every file
# of the run is repaired with the very lexicon the manifest names, even if the lexicon
# files are edited while the run goes on.
_worker_context: RunContext | None = None


def init_worker(context: RunContext, driver_pid: int | None = None) -> None:
    """Set up a pool worker: one Tesseract thread, the run's context, and an end of its
    own when the driver stops it or dies (:mod:`nbsclean.corpus.workers`).

    Workers are forked, so the driver's context (its loaded lexicon) arrives without being
    copied or loaded again.
    """
    global _worker_context
    os.environ["OMP_THREAD_LIMIT"] = "1"
    setup_worker_process(driver_pid if driver_pid is not None else os.getppid())
    lighten_garbage_collection()
    _worker_context = context


def prepare_worker() -> None:
    """Import what processing a document needs, before the first chunk arrives (run on
    each worker of a local Dask cluster while the driver is still preparing the run)."""
    import nbsclean.pipeline  # noqa: F401 - imported for its side effect: loaded modules
    import nbsclean.repair.engine  # noqa: F401
    import nbsclean.review.decisions  # noqa: F401
    import nbsclean.corpus.metadata  # noqa: F401
    import nbsclean.extract.text  # noqa: F401
    import nbsclean.extract.textio  # noqa: F401


# A short damaged text with a compound, repaired once before the pool's workers are forked.
WARM_UP_TEXT = (
    "Nyhetsbrev 24:1\n\nVi ar glada att Sérmland har fatt ett nytt kartläggningsunderlag "
    "for skolornas utvecklingsarbete.\n"
)


# A run of at least this many documents also repairs its own first text documents in the
# driver before forking (WARM_UP_SAMPLE_FILES of them): the engine's per-word caches (each
# form's analysis, compound splits, n-gram verdicts) are then filled once and inherited by
# every worker, instead of each worker filling them on its first chunk (~0.6 s of CPU each
# on 300-600-word texts). Fewer documents would not repay the driver's serial work.
WARM_UP_SAMPLE_AT_LEAST = 200
WARM_UP_SAMPLE_FILES = 8


def warm_up_before_fork(context: RunContext, sample: Sequence[str] = ()) -> None:
    """Load in this process what every worker would otherwise load on its first document:
    the pipeline's modules, the repair engine and the tables it builds on first use (the
    n-gram model, the compound heads). Called by the driver just before it forks its pool,
    so the workers inherit all of it (shared, copy-on-write) instead of each building it
    again: about 0.45 s of CPU per worker, paid once instead of once per worker.

    The engine's caches are transparent (a document is repaired the same whatever was
    repaired before it in that process), so a repair of a fixed text is the simplest way
    to reach every lazily loaded part without naming them here."""
    prepare_worker()
    if context.lexicon is None or isinstance(context.lexicon, LexiconReference):
        return
    if not getattr(context.options, "repair", True):
        return
    from nbsclean.repair.engine import repair_text, unknown_words

    try:
        repaired = repair_text(WARM_UP_TEXT, context.lexicon)
        unknown_words(repaired.text, context.lexicon)
    except Exception as exc:  # noqa: BLE001 - only a head start: each document reports its own errors
        log.debug("warming up before the workers start failed: %r", exc)
    for path in _text_files(sample):
        _process_for_warm_up(path, context)


# The warm-up only takes ordinary documents: a large text would cost the driver more than
# the workers' caches save, and whatever an input does to the process that reads it (a huge
# or hostile file) belongs in a worker, where it is caught and reported, not in the driver.
WARM_UP_MAX_BYTES = 256 * 1024


def _text_files(paths: Sequence[str]) -> list[str]:
    """Those of ``paths`` that are regular text files of at most WARM_UP_MAX_BYTES (OCR in
    the driver would cost more than a worker's caches save), judged from their first bytes
    as extraction judges them, and opened as extraction opens them (never a FIFO)."""
    from nbsclean.errors import NbscleanError
    from nbsclean.extract import sniff_kind
    from nbsclean.extract.files import open_regular_file

    found = []
    for path in paths:
        try:
            with open_regular_file(path) as file:
                if os.fstat(file.fileno()).st_size > WARM_UP_MAX_BYTES:
                    continue
                head = file.read(1024)
        except (OSError, NbscleanError):
            continue  # its worker reports it
        if head and sniff_kind(head) == "text":
            found.append(path)
    return found


def _process_for_warm_up(path: str, context: RunContext) -> None:
    """Process one input as its worker will, for the caches it fills; the record is thrown
    away (the worker makes it again) and nothing is written."""
    try:
        record = context.process(Path(path), context.options, lexicon=context.lexicon)
        from nbsclean.repair.engine import unknown_words

        unknown_words(record.get("text") or "", context.lexicon)
    except Exception as exc:  # noqa: BLE001 - a bad input is reported by its worker
        log.debug("warming up on %s failed: %r", path, exc)


def run_chunk(items: Sequence[WorkItem], context: RunContext | None = None) -> list[dict] | str:
    """Process and finish every file of a chunk; one result per file, in order:
    ``{"finished": Finished}`` or ``{"failure": {reason, message, exit_code}}``.

    ``context`` is None in a pool worker (it has the run's context from init_worker).
    A context whose lexicon is a :class:`LexiconReference` this worker cannot load gives
    :data:`LEXICON_UNAVAILABLE` instead (the executor then sends the lexicon itself).
    """
    context = context if context is not None else _worker_context
    if context is None:
        raise RuntimeError("run_chunk needs the run's context (init_worker was not called)")
    if isinstance(context.lexicon, LexiconReference):
        lexicon = referenced_lexicon(context.lexicon)
        if lexicon is None:
            return LEXICON_UNAVAILABLE
        context = dataclasses.replace(context, lexicon=lexicon)
    return [finish_in_worker(item, context) for item in items]


# --- the lexicon by reference (Dask workers) ----------------------------------------------

LEXICON_UNAVAILABLE = "nbsclean: this worker cannot load the run's lexicon"


@dataclass(frozen=True)
class LexiconReference:
    """The run's lexicon named by the folder it was loaded from and its sha256, sent to
    Dask workers instead of the lexicon itself when each of them can load the very same
    lexicon from those files (the same machine, or shared storage).

    Why: the pickled lexicon is ~7 MB; pickling it cost the driver ~0.4 s of CPU before
    the first chunk could go out, and unpickling it ~0.5 s per worker, more than loading it
    from its cache files. The sha256 covers every source of a lexicon, so a worker that
    loads one with the same sha256 repairs exactly as the driver's would."""

    directory: str
    sha256: str

    @classmethod
    def of(cls, lexicon: Any) -> "LexiconReference | None":
        directory, sha256 = getattr(lexicon, "directory", None), getattr(lexicon, "sha256", None)
        if directory is None or not isinstance(sha256, str):
            return None
        return cls(str(directory), sha256)


_referenced_lexicons: dict[str, Any] = {}  # sha256 -> the lexicon this worker loaded


def referenced_lexicon(reference: LexiconReference) -> Any | None:
    """The lexicon ``reference`` names, loaded once per worker process; None when this
    worker cannot load it or loads another (the files were edited, another machine)."""
    found = _referenced_lexicons.get(reference.sha256)
    if found is None:
        from nbsclean.repair.lexicon import load_lexicon

        try:
            found = load_lexicon(reference.directory)
        except Exception:  # noqa: BLE001 - a missing or broken folder: the driver sends its own
            return None
        if found.sha256 != reference.sha256:
            return None
        _referenced_lexicons[reference.sha256] = found
    return found


def load_referenced_lexicon(reference: LexiconReference) -> bool:
    """Load the lexicon ``reference`` names now (run on every Dask worker at the start);
    whether this worker has it."""
    return referenced_lexicon(reference) is not None


def finish_in_worker(item: WorkItem, context: RunContext) -> dict:
    """One file: its record made, finished, its outputs and text file written, encoded.

    ``{"corpus_error": {message, source}}`` when the corpus itself cannot be written (a
    full disk, a read-only folder): the driver stops the run with that error (exit 5).
    """
    try:
        with busy():
            result = run_task(item.path, context.options, context.process, context.lexicon)
            if "record" not in result:
                return result
            return {"finished": _finish(result.pop("record"), item, context)}
    except WorkerStopped as stopped:  # the driver stopped this worker; temporary files are gone
        exit_stopped(stopped)
        raise
    except FileAccessError as exc:
        return {"corpus_error": {"message": exc.message, "source": exc.source}}
    except MemoryError:
        return task_failure("too_large", OUT_OF_MEMORY, ExitCode.input_rejected)
    except Exception as exc:  # noqa: BLE001 - one file's bug must not stop the batch
        return task_failure("internal_error", f"{type(exc).__name__}: {exc}", ExitCode.internal_error)


def _finish(record: dict, item: WorkItem, context: RunContext) -> Finished:
    from nbsclean.repair.engine import unknown_words
    from nbsclean.review.decisions import apply_decisions

    record = finish_record(record, item.source, context.fingerprint, context.extraction)
    # The archive's decisions are applied after the repair, before the record is written.
    record, applied, stale = apply_decisions(record, context.decisions)
    if context.corpus is not None and any(name in ("pdf", "alto") for name in context.formats):
        from nbsclean.corpus.outputs import write_record_outputs

        # The derived files first; the journal line that points at them comes last.
        record["outputs"] = write_record_outputs(
            record, context.corpus, context.formats, relative=item.relative, source=Path(item.path)
        )
    line = encode_record(record)
    if context.corpus is not None and "txt" in context.formats:
        write_document_text(context.text_dir, record["id"], record.get("text", ""), durable=context.durable_text)
    return Finished(
        id=record["id"],
        line=line,
        counts=record_counts(record),
        unknown=unknown_words(record.get("text", ""), context.lexicon),
        decisions_applied=len(applied),
        stale_decisions=list(stale),
    )


def finish_record(record: dict, source: str | None, fingerprint: str, extraction: str | None = None) -> dict:
    """Add what the run knows: the source as the user named it, metadata, fingerprints
    (``extract_sha256``: of the extraction options alone, so that ``--resume`` knows when
    the stored raw text can be repaired again instead of extracted again)."""
    from nbsclean.corpus.metadata import extract_metadata

    record = dict(record)
    if source is not None:
        record["source"] = source
    record["metadata"] = extract_metadata(record.get("text", ""))
    record["options_sha256"] = fingerprint
    if extraction is not None:
        record["extract_sha256"] = extraction
    return record


def run_task(path: str, options: Any, process: ProcessFn, lexicon: Any = None) -> dict:
    """Process one file; never raises for a bad input, so one file cannot stop the batch.

    Returns ``{"record": ...}`` or ``{"failure": {reason, message, exit_code}}`` as plain
    data, which crosses process and network boundaries unchanged.
    """
    os.environ["OMP_THREAD_LIMIT"] = "1"
    try:
        with busy():
            return {"record": process(Path(path), options, lexicon=lexicon)}
    except WorkerStopped as stopped:  # the driver stopped this worker; the file's temp files are gone
        exit_stopped(stopped)
        raise
    except NbscleanError as exc:
        return task_failure(exc.reason, exc.message, exc.exit_code)
    except MemoryError:
        return task_failure("too_large", OUT_OF_MEMORY, ExitCode.input_rejected)
    except OSError as exc:  # the machine, not the file: a full or read-only temporary folder
        where = exc.filename if isinstance(exc.filename, str) else "a temporary file"
        return task_failure(
            "file_access_error", f"cannot write {where}: {exc.strerror or exc}", ExitCode.file_access_error
        )
    except Exception as exc:  # noqa: BLE001 - a bug on one input is reported, the batch goes on
        return task_failure("internal_error", f"{type(exc).__name__}: {exc}", ExitCode.internal_error)


def task_failure(reason: str, message: str, exit_code: int) -> dict:
    return {"failure": {"reason": reason, "message": escape_name(str(message)), "exit_code": int(exit_code)}}
