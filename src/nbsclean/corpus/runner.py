"""Batch runs: many inputs through the pipeline into one corpus (``nbsclean run``).

The driver (this process) finds and hashes the inputs, decides what is already done,
hands the per-file work to an executor (inline, a local process pool, or a Dask cluster),
and writes every finished document *in input order* into the corpus. Writing in input
order is what makes ``-j 1``, ``-j 8`` and Dask produce the same ``documents.jsonl``, and
what makes a resumed run continue exactly where the killed one stopped.

The per-file function is a parameter (``process``), the pipeline's ``process_file`` by
default, so tests and other front ends can swap in their own.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import json
import logging
import os
import signal
import stat
import threading
import time
from collections import Counter, deque
from concurrent.futures import Future
from array import array
from contextlib import contextmanager
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Protocol, Sequence

from nbsclean import __version__
from nbsclean.corpus.inputs import (
    InputFile,
    InputPaths,
    check_output_apart,
    discover_inputs,
    display_source,
    escape_name,
    input_problem,
    sha256_of_file,
)
from nbsclean.corpus.journal import (
    owned_names,
    CorpusPaths,
    document_text_path,
    GroupCommit,
    JournalWriter,
    parquet_available,
    prepare_corpus_dir,
    iter_journal,
    iter_resume_view,
    read_journal,
    read_manifest,
    write_manifest,
    write_parquet,
    write_text_file,
)
from nbsclean.errors import (
    BadArgumentsError,
    ExitCode,
    FileAccessError,
    Interrupted,
    MissingDependencyError,
    NbscleanError,
)
from nbsclean.corpus.lock import corpus_lock
from nbsclean.corpus.tasks import (
    OUT_OF_MEMORY,
    Finished,
    ProcessFn,
    RunContext,
    WorkItem,
    CHUNK_BYTES,
    CHUNK_FILES,
    WARM_UP_SAMPLE_AT_LEAST,
    WARM_UP_SAMPLE_FILES,
    chunk_tasks,
    finish_record,
    LEXICON_UNAVAILABLE,
    LexiconReference,
    init_worker,
    load_referenced_lexicon,
    prepare_worker,
    record_counts,
    run_chunk,
    task_failure,
    warm_up_before_fork,
)
from nbsclean.corpus.workers import lighten_garbage_collection, stop_child_processes
from nbsclean.review.decisions import describe
from nbsclean.corpus.rewrite import rewrite_records
from nbsclean.corpus.outputs import OUTPUT_FORMATS, relative_input_paths
from nbsclean.corpus.outputs.table import write_words_parquet
from nbsclean.corpus.rerepair import (
    RunDecisions,
    UnknownWords,
    bring_up_to_date,
    carry_history,
    is_current,
    extraction_fingerprint,
    previous_history,
    read_previous_manifest,
)

log = logging.getLogger(__name__)

FORMATS = ("jsonl", "txt", "parquet", "pdf", "alto")
EXECUTORS = ("local", "dask")
SYNC_MODES = ("group", "each")  # see corpus.journal.JournalWriter
LOCAL_CLUSTER_HOST = "127.0.0.1"  # the address a local Dask cluster's scheduler and workers bind
# Dask settings of the local cluster a run starts (a cluster of one's own takes the same as
# DASK_* environment variables, see README "Running on a cluster"): no statistical profiler
# sampling every worker's stack every 10 ms (the task's thread then gives up the GIL to it;
# it is for the dashboard, which a local run does not start), and a once-a-second
# responsiveness tick and system monitor instead of 50 and 2 a second. Together about a
# second of CPU per 1 000 text documents, in the workers and the driver. Worker processes
# are forked from a fresh server process (multiprocessing's "forkserver", which Dask starts
# with distributed imported) instead of each starting Python anew ("spawn", Dask's default):
# the cluster was up ~0.6 s sooner and closed ~0.2 s sooner (2 000 text documents).
LOCAL_CLUSTER_CONFIG = {
    "distributed.worker.multiprocessing-method": "forkserver",
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "1s",
}
# Options that change what a record contains; the password only unlocks, so it is left out
# (and never written anywhere), and the OCR time-out only decides whether a record is made.
FINGERPRINT_EXCLUDES = ("password", "ocr_timeout")
# How many chunks (see corpus.tasks.chunk_tasks) may be in flight per worker: one running,
# the next ones waiting, so a worker never idles while the driver makes a group durable,
# and few enough to bound the memory of finished lines.
IN_FLIGHT_PER_WORKER = 3
# A Dask task's chunk: up to this many files or input bytes (see DaskExecutor).
DASK_CHUNK_FILES = 128
DASK_CHUNK_BYTES = 256 * 1024
# A run is cut into at least this many chunks per worker, so that a short run is spread.
CHUNKS_PER_WORKER_AT_LEAST = 4
# How long a stopped worker may take to remove its temporary files before it is killed.
WORKER_STOP_GRACE_SECONDS = 5.0
# How often (at most) the manifest's counts are brought up to date while a run goes on.
MANIFEST_SAVE_SECONDS = 2.0

# --- inputs (see nbsclean.corpus.inputs) ------------------------------------------------


# --- options -----------------------------------------------------------------------------


def options_dict(options: Any) -> dict:
    """The pipeline options as plain JSON data, without secrets."""
    data = dataclasses.asdict(options) if dataclasses.is_dataclass(options) else dict(vars(options))
    return {key: value for key, value in sorted(data.items()) if key not in FINGERPRINT_EXCLUDES}


def options_fingerprint(options: Any, lexicon_sha256: str | None) -> str:
    """sha256 of everything that decides a record's content: pipeline options and lexicon.

    Stored in every record as ``options_sha256``; ``--resume`` only continues a corpus
    whose records carry the same fingerprint.
    """
    payload = {"options": options_dict(options), "lexicon_sha256": lexicon_sha256}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


DEFERRED_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))


# --- per-file work: see nbsclean.corpus.tasks (runs in a worker) -------------------------


# --- executors ---------------------------------------------------------------------------


class Executor(Protocol):
    workers: int

    def submit(self, items: list[WorkItem]) -> Any: ...  # a future of run_chunk(items)
    def restart(self) -> None: ...
    def close(self, *, cancel: bool = False) -> None: ...


class InlineExecutor:
    """Runs each chunk at once in this process (``-j 1``): no pool, plain Ctrl-C."""

    workers = 1

    def __init__(self, context: RunContext) -> None:
        os.environ["OMP_THREAD_LIMIT"] = "1"
        # This process works through the documents itself; as it was, once the run ends.
        self._restore_garbage_collection = lighten_garbage_collection()
        self._context = context

    def submit(self, items: list[WorkItem]) -> Future:
        future: Future = Future()
        try:
            future.set_result(run_chunk(items, self._context))
        except BaseException:  # Ctrl-C, SIGTERM: the Tesseract this file started stops too
            stop_child_processes()
            raise
        return future

    def restart(self) -> None:
        pass

    def close(self, *, cancel: bool = False) -> None:
        self._restore_garbage_collection()


class LocalPoolExecutor:
    """A process pool on this machine; workers are forked, so they share the run's context
    (its loaded lexicon, decisions, options) without receiving a copy with every chunk."""

    def __init__(self, workers: int, context: RunContext, sample: Sequence[str] = ()):
        self.workers = workers
        self._context = context
        warm_up_before_fork(context, sample)  # loaded once here, inherited by every worker
        self._pool = self._new_pool()

    def _new_pool(self):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        return ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("fork"),
            initializer=init_worker,
            initargs=(self._context, os.getpid()),  # inherited through fork, not pickled
        )

    def submit(self, items: list[WorkItem]) -> Future:
        return self._pool.submit(run_chunk, items)

    def restart(self) -> None:
        self.close(cancel=True)
        self._pool = self._new_pool()

    def close(self, *, cancel: bool = False) -> None:
        if cancel:
            # Stop at once (Ctrl-C, SIGTERM, broken pool): running files are abandoned, not
            # awaited. Each worker passes SIGTERM on to its Tesseract, removes its temporary
            # files and exits; one that does not within a few seconds is killed.
            processes = list(getattr(self._pool, "_processes", {}).values())
            results = getattr(self._pool, "_result_queue", None)  # shutdown() forgets it
            self._pool.shutdown(wait=False, cancel_futures=True)
            stop_processes(processes)
            end_result_pipe(results)
        else:
            self._pool.shutdown(wait=True)


def end_result_pipe(result_queue) -> None:
    """Close the driver's own writing end of a stopped pool's result pipe.

    A worker stopped while sending a large result (a chunk's records: the length is
    written, then the body) leaves the pool's manager thread reading a body that never
    comes; the driver itself holds a writing end of that pipe, so the read never ends, and
    the interpreter joins that thread at exit: Ctrl-C hung the run for good (2 of 20 runs
    on a loaded machine). Once the workers are gone, closing the driver's end lets the read
    end (EOF), the pool count as broken and its thread finish. ``_result_queue`` and
    ``_writer`` are CPython's names (3.8-3.13); without them there is nothing to close."""
    writer = getattr(result_queue, "_writer", None)
    if writer is not None:
        try:
            writer.close()
        except OSError:
            pass


def stop_processes(processes: list, grace_seconds: float = WORKER_STOP_GRACE_SECONDS) -> None:
    """SIGTERM every live process, wait for them up to ``grace_seconds``, then SIGKILL."""
    for process in processes:
        if process.is_alive():
            process.terminate()
    deadline = time.monotonic() + grace_seconds
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
        if process.is_alive():
            log.warning("worker %s did not stop; killing it", process.pid)
            process.kill()
            process.join(1.0)


class DaskExecutor:
    """The same chunks on a Dask distributed cluster (``--executor dask``).

    Workers open the input paths and write the corpus's text, PDF and ALTO files
    themselves, so they must see the inputs and the corpus folder at the same absolute
    paths (shared storage); the driver alone appends to documents.jsonl. Without a
    scheduler address a LocalCluster with one single-threaded worker process per job is
    started on the loopback address.
    """

    # Chunks several times the local pool's: each task costs the scheduler, the client and
    # the worker a few milliseconds of messages, so a chunk should hold ~0.5 s of work.
    chunk_files = DASK_CHUNK_FILES
    chunk_bytes = DASK_CHUNK_BYTES

    def __init__(self, scheduler: str | None, workers: int, context: RunContext, local: LocalDaskCluster | None = None):
        self._local = None
        if scheduler:
            Client = _import_distributed().Client
            try:
                self._client = Client(scheduler, timeout="20s")
            except (OSError, TimeoutError) as exc:
                raise FileAccessError(f"cannot reach the Dask scheduler: {exc}", source=scheduler) from exc
        else:
            self._local = local if local is not None else LocalDaskCluster(workers, in_background=False)
            self._client = self._local.client()
        self.workers = max(1, sum(self._client.nthreads().values()))
        self._full_context = context
        self._run_context = self._context_to_send(context)
        self._context = self._scatter_context()

    def _context_to_send(self, context: RunContext) -> RunContext:
        """The run's context with its lexicon by reference (LexiconReference) when every
        worker loads the same lexicon itself, else as it is."""
        reference = LexiconReference.of(getattr(context, "lexicon", None))
        if reference is None:
            return context
        try:
            loaded = self._client.run(load_referenced_lexicon, reference)
        except Exception as exc:  # noqa: BLE001 - a worker that cannot run it gets the lexicon sent
            log.debug("workers could not load the lexicon themselves: %r", exc)
            return context
        if not loaded or not all(loaded.values()):
            return context
        return dataclasses.replace(context, lexicon=reference)

    def _scatter_context(self) -> Any:
        """Send the run's context to every worker once; chunks refer to it. A worker
        started later gets it from another worker."""
        return self._client.scatter(self._run_context, broadcast=True, hash=False)

    def _send_lexicon(self, context: RunContext) -> None:
        """A worker could not load the lexicon by reference (one started later, on a
        machine without the lexicon's files, or after they were edited): from now on the
        context goes with the lexicon itself."""
        if isinstance(self._run_context.lexicon, LexiconReference):
            log.warning("a Dask worker cannot load the run's lexicon itself; sending it to the workers")
            self._run_context = context
            self._context = self._scatter_context()

    def submit(self, items: list[WorkItem]) -> Any:
        if self._context.status != "finished":  # every worker that held it died: send it again
            log.warning("the Dask cluster lost the run's context with its workers; sending it again")
            self._context = self._scatter_context()
        return _ChunkFuture(self, items, self._client.submit(run_chunk, items, self._context, pure=False))

    def restart(self) -> None:
        pass  # the scheduler replaces lost workers itself

    def close(self, *, cancel: bool = False) -> None:
        if self._local is not None:
            self._local.close()
        else:
            self._client.close()


class _ChunkFuture:
    """A Dask future of run_chunk that sends the lexicon itself and runs the chunk again
    when the worker could not load it by reference (:data:`LEXICON_UNAVAILABLE`)."""

    def __init__(self, executor: DaskExecutor, items: list[WorkItem], future: Any) -> None:
        self._executor, self._items, self._future = executor, items, future

    def result(self) -> list[dict]:
        results = self._future.result()
        while results == LEXICON_UNAVAILABLE:
            self._executor._send_lexicon(self._executor._full_context)
            self._future = self._executor._client.submit(run_chunk, self._items, self._executor._context, pure=False)
            results = self._future.result()
        return results

    def done(self) -> bool:
        return self._future.done()

    def cancelled(self) -> bool:
        return self._future.cancelled()

    def exception(self) -> BaseException | None:
        return self._future.exception()


def _import_distributed():
    try:
        import distributed
    except ImportError as exc:
        raise MissingDependencyError(
            "the Dask executor needs dask.distributed: pip install 'nbsclean[dask]'", source="--executor dask"
        ) from exc
    # distributed sets its loggers to INFO; follow nbsclean's -v/-q instead.
    logging.getLogger("distributed").setLevel(max(logging.WARNING, logging.getLogger().getEffectiveLevel()))
    return distributed


class LocalDaskCluster:
    """The local cluster of ``--executor dask`` without ``--scheduler``: ``workers``
    single-threaded worker processes and their scheduler, listening on the loopback
    address only, with no dashboard (a batch run opens nothing on the network).

    ``in_background``: started in a thread of its own while the run does everything else
    it does before the first chunk (reading the lexicon, hashing the inputs, reading the
    corpus to resume). Starting a worker process is about half a second of CPU (Python,
    Dask and nbsclean imported afresh), which the run otherwise waited for with the second
    core idle; the workers also import the pipeline before the first chunk arrives.
    """

    def __init__(self, workers: int, *, in_background: bool = True) -> None:
        self.workers = workers
        self._cluster = None
        self._client = None
        self._error: BaseException | None = None
        self._closed = False
        if in_background:
            if importlib.util.find_spec("distributed") is None:
                _import_distributed()  # the named error (exit 3), at once
            self._thread: threading.Thread | None = threading.Thread(
                target=self._start_quietly, name="nbsclean-dask-start", daemon=True
            )
            self._thread.start()
        else:
            self._thread = None
            self._start()

    def _start_quietly(self) -> None:
        try:
            self._start()
        except BaseException as exc:  # noqa: BLE001 - raised in the run's thread by client()
            self._error = exc

    def _start(self) -> None:
        distributed = _import_distributed()
        import dask

        # Its workers and the driver (which holds the scheduler and the nannies) run
        # lighter: see LOCAL_CLUSTER_CONFIG.
        with dask.config.set(LOCAL_CLUSTER_CONFIG):
            self._cluster = distributed.LocalCluster(
                n_workers=self.workers,
                threads_per_worker=1,
                processes=True,
                host=LOCAL_CLUSTER_HOST,
                dashboard_address=None,
                worker_dashboard_address=None,
            )
        self._client = distributed.Client(self._cluster)
        self._client.wait_for_workers(self.workers)  # so that the run's context reaches every one
        self._client.run(prepare_worker)

    def client(self) -> Any:
        """The cluster's client, once the cluster is up (waits for it)."""
        if self._thread is not None:
            self._thread.join()
        if self._error is not None:
            raise self._error
        return self._client

    def close(self) -> None:
        """Stop the cluster (waiting for it to have started first); idempotent."""
        if self._closed:
            return
        self._closed = True
        if self._thread is not None:
            self._thread.join()
        if self._client is not None:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()
            _stop_forkserver()


def _stop_forkserver() -> None:
    """Stop the server process the workers were forked from (LOCAL_CLUSTER_CONFIG) and
    wait for it: else it lives on until the run's process exits, and nobody waits for it,
    so the CPU time of the workers it reaped is not counted as the run's (a benchmark's
    ``getrusage(RUSAGE_CHILDREN)``, ``time``). The next local cluster starts a new one."""
    import multiprocessing.forkserver

    stop = getattr(multiprocessing.forkserver._forkserver, "_stop", None)  # CPython 3.8+
    if stop is not None:
        stop()


def make_executor(
    kind: str,
    jobs: int,
    scheduler: str | None,
    context: RunContext,
    local: LocalDaskCluster | None = None,
    sample: Sequence[str] = (),
) -> Executor:
    """``sample``: the paths of the run's first inputs, which a local pool's driver may
    process before forking to warm the caches its workers inherit (warm_up_before_fork)."""
    if kind == "dask":
        return DaskExecutor(scheduler, jobs, context, local)
    if scheduler:
        raise BadArgumentsError("--scheduler only applies with --executor dask", source="--scheduler")
    return InlineExecutor(context) if jobs == 1 else LocalPoolExecutor(jobs, context, sample)


def ordered_chunks(
    executor: Executor, tasks: Sequence[InputFile], item_of: Callable[[InputFile], WorkItem]
) -> Iterator[list[tuple[InputFile, dict]]]:
    """Yield each chunk's ``[(task, result), ...]`` in task order, one pair per file (a
    result of :func:`nbsclean.corpus.tasks.run_chunk`), while a few chunks per worker run
    ahead.

    A crashed pool worker (the OOM killer, a segfault in a C library) breaks the whole
    pool, and with it every chunk in flight; a chunk whose result the driver cannot take
    in (out of memory) or that a Dask cluster gave up on (KilledWorker) is lost too. The
    files of those chunks are then re-run one at a time: the one that fails again alone
    is reported as ``worker_crashed`` (or ``too_large``), the innocent ones complete.
    """
    window = max(1, executor.workers * IN_FLIGHT_PER_WORKER)
    most_files = getattr(executor, "chunk_files", CHUNK_FILES)
    most_bytes = getattr(executor, "chunk_bytes", CHUNK_BYTES)
    upcoming = chunk_tasks(
        tasks, max_bytes=most_bytes, max_files=files_per_chunk(len(tasks), executor.workers, most_files)
    )
    pending: deque[tuple[list[InputFile], Any]] = deque()

    def refill() -> None:
        while len(pending) < window:
            chunk = next(upcoming, None)
            if chunk is None:
                return
            pending.append((chunk, _submitted(executor, [item_of(task) for task in chunk])))

    refill()
    while pending:
        chunk, future = pending[0]
        try:
            results = future.result()
        except BrokenProcessPool:
            suspects = list(pending)
            pending.clear()
            pending.extend(_rerun_one_by_one(executor, suspects, item_of))
            continue
        except Exception as exc:  # noqa: BLE001 - MemoryError taking it in, dask's KilledWorker after its retries
            log.debug("a chunk of %d file(s) failed as a whole: %r", len(chunk), exc)
            pending[0] = _rerun_one_by_one(executor, [pending[0]], item_of, restart=False)[0]
            continue
        pending.popleft()
        refill()
        yield list(zip(chunk, results))


def _submitted(executor: Executor, items: list[WorkItem]) -> Any:
    """``executor.submit(items)``; a pool that broke since the last chunk (a worker died
    meanwhile) refuses new work at once, and that refusal becomes the chunk's outcome, so
    that it is re-run with the chunks in flight (see ordered_chunks) instead of ending the
    run."""
    try:
        return executor.submit(items)
    except BrokenProcessPool as exc:
        refused: Future = Future()
        refused.set_exception(exc)
        return refused


def files_per_chunk(files: int, workers: int, most: int = CHUNK_FILES) -> int:
    """At most ``most`` (the executor's chunk size), and few enough that a short run still
    gives every worker several chunks (24 files on two workers: chunks of 3, not one chunk
    for one worker)."""
    return max(1, min(most, files // (workers * CHUNKS_PER_WORKER_AT_LEAST)))


def _rerun_one_by_one(executor: Executor, suspects: list, item_of: Callable, *, restart: bool = True) -> list:
    """Settle every file of the chunks that were in flight when a worker died (or whose
    result was lost); return them as chunks with done futures, in the same order."""
    log.warning("a worker died or a result was lost; re-running the %d chunk(s) in flight file by file", len(suspects))
    if restart:
        executor.restart()
    settled = []
    for chunk, future in suspects:
        results = _finished_result(future)
        if results is None:
            results = [_rerun_alone(executor, task, item_of) for task in chunk]
        settled.append((chunk, _done_future(results)))
    return settled


def _rerun_alone(executor: Executor, task: InputFile, item_of: Callable) -> dict:
    try:
        return executor.submit([item_of(task)]).result()[0]
    except BrokenProcessPool:
        log.warning("%s crashes its worker", task.source)
        executor.restart()
        return _crash_failure("the worker processing this file died (crash or out of memory)")
    except MemoryError:  # the driver could not take the result in (a huge record)
        return task_failure("too_large", OUT_OF_MEMORY, ExitCode.input_rejected)
    except Exception as exc:  # noqa: BLE001 - e.g. dask's KilledWorker after its retries
        return _crash_failure(f"{type(exc).__name__}: {exc}")


def _finished_result(future: Any) -> list | None:
    """The results of a chunk that completed before the pool broke, else None."""
    try:
        if future.done() and not future.cancelled() and future.exception() is None:
            return future.result()
    except Exception:  # noqa: BLE001 - a Dask future that errored or was lost
        return None
    return None


def _done_future(results: list) -> Future:
    future: Future = Future()
    future.set_result(results)
    return future


def _crash_failure(message: str) -> dict:
    return {"failure": {"reason": "worker_crashed", "message": message, "exit_code": int(ExitCode.internal_error)}}



# --- progress ----------------------------------------------------------------------------


class ProgressReporter(Protocol):
    """Told of every input as it is written (``counts``: the document's record_counts) or
    failed (``failure``: its manifest entry)."""

    def start(self, total: int, skipped: int) -> None: ...
    def advance(self, source: str, counts: dict | None, failure: dict | None) -> None: ...
    def stop(self) -> None: ...


class SilentProgress:
    def start(self, total: int, skipped: int) -> None:
        pass

    def advance(self, source: str, counts: dict | None, failure: dict | None) -> None:
        pass

    def stop(self) -> None:
        pass


# --- the run -----------------------------------------------------------------------------


@dataclass
class RunConfig:
    inputs: Sequence[str | Path]
    output: Path
    options: Any
    process: ProcessFn
    jobs: int = 1
    resume: bool = False
    overwrite: bool = False
    formats: Sequence[str] = ("jsonl", "txt")
    executor: str = "local"
    scheduler: str | None = None
    include: Sequence[str] = ()
    lexicon: Any = None  # default: load_lexicon(), once, in the driver
    wait: bool = False  # wait for another writer of the corpus instead of failing at once
    sync: str = "group"  # "group": fsync records and text files in groups; "each": every record
    progress: ProgressReporter = field(default_factory=SilentProgress)


@dataclass
class CorpusTotals:
    """Counts over every record in the corpus (earlier runs included)."""

    documents: int = 0
    pages: int = 0
    ocr_pages: int = 0
    poor_pages: int = 0  # OCR'd pages whose reading stayed poor (quality verdict): flagged
    edits: int = 0
    edits_by_rule: Counter = field(default_factory=Counter)

    def add(self, record: dict) -> None:
        self.add_counts(record_counts(record))

    def add_counts(self, counts: dict) -> None:
        """Add one document's :func:`nbsclean.corpus.tasks.record_counts`."""
        self.documents += 1
        self.pages += counts["pages"]
        self.ocr_pages += counts["ocr_pages"]
        self.poor_pages += counts["poor_pages"]
        self.edits += counts["edits"]
        self.edits_by_rule.update(counts["edits_by_rule"])


@dataclass
class RunReport:
    paths: CorpusPaths
    manifest: dict
    totals: CorpusTotals
    processed: int
    skipped: int
    failures: list[dict]
    duplicates: list[dict]
    decisions: dict = field(default_factory=dict)  # RunDecisions.summary()
    rerepaired: int = 0  # records repaired again from their raw text (--resume)
    unknown_words: dict = field(default_factory=dict)  # UnknownWords.summary()

    @property
    def exit_code(self) -> int:
        return int(ExitCode.input_rejected) if self.failures else int(ExitCode.ok)


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def wants_page_outputs(formats: Iterable[str]) -> bool:
    """Whether a searchable PDF or ALTO pages are to be written beside the records."""
    return any(name in OUTPUT_FORMATS for name in formats)


def check_formats(formats: Iterable[str]) -> list[str]:
    chosen = []
    for name in formats:
        name = name.strip().lower()
        if not name:
            continue
        if name not in FORMATS:
            raise BadArgumentsError(f"unknown format {name!r} (choose from {', '.join(FORMATS)})", source="--format")
        if name not in chosen:
            chosen.append(name)
    # The JSON lines are the corpus itself and the resume journal: always written.
    if "jsonl" not in chosen:
        chosen.insert(0, "jsonl")
    if "parquet" in chosen and not parquet_available():
        raise MissingDependencyError(
            "Parquet output needs pyarrow: pip install 'nbsclean[parquet]'", source="--format parquet"
        )
    return chosen


def run_batch(config: RunConfig) -> RunReport:
    """Run every input into the corpus; see the module docstring.

    The corpus is locked for the whole run (:mod:`nbsclean.corpus.lock`): a second writer
    is refused (or waits, with ``config.wait``). Raises :class:`Interrupted` (after leaving
    a valid corpus and an "interrupted" manifest) on Ctrl-C, SIGTERM or SIGHUP.
    """
    formats = check_formats(config.formats)
    if config.executor not in EXECUTORS:
        raise BadArgumentsError(f"unknown executor {config.executor!r}", source="--executor")
    if config.scheduler and config.executor != "dask":
        raise BadArgumentsError("--scheduler only applies with --executor dask", source="--scheduler")
    if config.jobs < 1:
        raise BadArgumentsError("-j must be at least 1", source="-j")
    if config.sync not in SYNC_MODES:
        raise BadArgumentsError(f"--sync must be one of {', '.join(SYNC_MODES)}, not {config.sync!r}", source="--sync")
    output = Path(os.path.abspath(config.output))
    check_output_apart(output, config.inputs)
    # A local Dask cluster starts while this thread prepares the run (see LocalDaskCluster).
    local = LocalDaskCluster(config.jobs) if config.executor == "dask" and not config.scheduler else None
    try:
        found = discover_inputs(config.inputs, exclude=output, include=config.include)
        create_output_folder(output)
        with corpus_lock(output, wait=config.wait):
            return _run_locked(config, output, formats, found, local)
    except (KeyboardInterrupt, Interrupted) as exc:
        raise Interrupted(getattr(exc, "signum", signal.SIGINT), hint="continue with --resume") from exc
    finally:
        if local is not None:
            local.close()  # when no chunk was sent (nothing to do, a refused run); else done already


def _run_locked(
    config: RunConfig, output: Path, formats: list[str], found: InputPaths, local: LocalDaskCluster | None = None
) -> RunReport:
    started_at, clock = now_iso(), time.monotonic()
    history = previous_history(read_previous_manifest(output))  # before --overwrite removes it
    if config.overwrite:
        _warn_overwrite(output)
    paths = prepare_corpus_dir(output, resume=config.resume, overwrite=config.overwrite)
    lexicon = config.lexicon if config.lexicon is not None else _load_lexicon()
    # Asking Tesseract its version and languages (two programs run, ~0.3 s) goes on while
    # the inputs are hashed; the manifest waits for it, the first chunk waits for that.
    environment_described = describe_environment_meanwhile(config.options, lexicon)
    fingerprint = options_fingerprint(config.options, getattr(lexicon, "sha256", None))
    extraction = extraction_fingerprint(config.options, options_dict)
    decisions = RunDecisions.load(paths.root)
    unknown = UnknownWords(lexicon)

    previous_manifest = read_manifest(paths) if config.resume else None  # a damaged one is exit 5
    hashed, failures = _hash_inputs(found)
    existing, rerepaired = ExistingCorpus(), []
    if config.resume:
        # One read of the journal when it is up to date (the common case); a corpus made
        # with another lexicon or other decisions is repaired again and read once more.
        existing = read_existing_corpus(paths, fingerprint, extraction, decisions, restore_text="txt" in formats)
        if existing.outdated:
            rerepaired = _resume_with_new_repairs(
                paths, config, lexicon, fingerprint, extraction, decisions, hashed, formats, unknown
            )
            existing = read_existing_corpus(paths, fingerprint, extraction, decisions, restore_text="txt" in formats)
    totals = existing.totals
    relative_paths = relative_input_paths(config.inputs, map(Path, found)) if wants_page_outputs(formats) else {}
    inputs_found = len(found)
    del found  # the hashed inputs hold the paths from here on

    def work_item(task: InputFile) -> WorkItem:
        return WorkItem(str(task.path), task.source, relative_paths.get(task.path))

    todo, skipped, duplicates = _plan(hashed, existing.digests)

    manifest = _base_manifest(config, formats, environment_described(), fingerprint, started_at, previous_manifest)
    carry_history(manifest, history)
    status = "running"
    processed = 0
    last_saved = time.monotonic()

    def save_manifest() -> None:
        nonlocal last_saved
        manifest.update(
            status=status,
            finished_at=None if status == "running" else now_iso(),
            seconds=round(time.monotonic() - clock, 3),
            counts={
                "inputs": inputs_found,
                "documents": totals.documents,
                "processed": processed,
                "skipped_already_in_corpus": skipped,
                "duplicates": len(duplicates),
                "failed": len(failures),
                "pages": totals.pages,
                "ocr_pages": totals.ocr_pages,
                "poor_pages": totals.poor_pages,
                "edits": totals.edits,
            },
            edits_by_rule=dict(sorted(totals.edits_by_rule.items())),
            failures=failures,
            duplicates=duplicates,
        )
        manifest["runs"][-1].update(
            status=status, finished_at=manifest["finished_at"], processed=processed, skipped=skipped,
            failed=len(failures), rerepaired=len(rerepaired), decisions=decisions.summary(),
        )
        write_manifest(paths, manifest)
        last_saved = time.monotonic()

    def save_progress() -> None:
        # A killed run's entry then shows how far it got, not "processed: 0".
        if time.monotonic() - last_saved >= MANIFEST_SAVE_SECONDS:
            with stop_signals_deferred():
                save_manifest()

    save_manifest()
    config.progress.start(len(todo) + len(failures), skipped)
    for failure in failures:
        config.progress.advance(failure["source"], None, failure)
    group = GroupCommit() if config.sync == "group" else None
    context = RunContext(
        options=config.options,
        process=config.process,
        lexicon=lexicon,
        fingerprint=fingerprint,
        extraction=extraction,
        decisions=decisions.decisions,
        corpus=paths.root,
        formats=tuple(formats),
        durable_text=group is None,
    )
    text_dir = str(paths.text_dir)
    sample = _warm_up_sample(todo)
    executor = make_executor(config.executor, config.jobs, config.scheduler, context, local, sample) if todo else None
    try:
        with JournalWriter(paths.documents, group) as journal:
            for chunk in ordered_chunks(executor, todo, work_item) if executor else ():
                # A chunk's records and the counts in the manifest agree: a stop signal waits
                # for the chunk's last line (held back once per chunk, not per document:
                # setting the handlers cost the driver ~0.2 ms a document).
                with stop_signals_deferred():
                    for task, result in chunk:
                        if "corpus_error" in result:  # a worker could not write the corpus (full disk)
                            raise FileAccessError(result["corpus_error"]["message"], source=result["corpus_error"]["source"])
                        if "finished" in result:
                            done: Finished = result["finished"]
                            if "txt" in formats:
                                journal.track(document_text_path(text_dir, done.id))  # written by the worker, synced with the group
                            journal.append_line(done.line)  # the commit point: from here on the document is done
                            totals.add_counts(done.counts)
                            processed += 1
                            unknown.counts.update(done.unknown)
                            _count_decisions(decisions, done)
                            config.progress.advance(task.source, done.counts, None)
                        else:
                            failure = _failure_entry(task, result["failure"])
                            failures.append(failure)
                            config.progress.advance(task.source, None, failure)
                            if result["failure"]["exit_code"] == ExitCode.missing_dependency:
                                status = "aborted"
                                raise MissingDependencyError(failure["message"], source=task.source)
                save_progress()
        if "parquet" in formats:
            write_parquet(paths, lambda: iter_journal(paths.documents, repair=False))
            write_words_parquet(paths.root, iter_journal(paths.documents, repair=False))
        status = "complete" if not failures else "complete_with_failures"
    except (KeyboardInterrupt, Interrupted):
        status = "interrupted"
        raise
    except BaseException:
        if status == "running":
            status = "aborted"
        raise
    finally:
        with stop_signals_deferred():  # a second Ctrl-C must not leave workers or a "running" manifest
            if executor is not None:
                executor.close(cancel=status in ("interrupted", "aborted"))
            config.progress.stop()
            _save_final_manifest(save_manifest, status)
    return RunReport(
        paths, manifest, totals, processed, skipped, failures, duplicates,
        decisions=decisions.summary(), rerepaired=len(rerepaired), unknown_words=unknown.summary(),
    )


def create_output_folder(output: Path) -> None:
    if output.exists() and not output.is_dir():
        raise BadArgumentsError("the output exists and is not a folder", source=escape_name(str(output)))
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FileAccessError(
            f"cannot create the output folder: {exc.strerror}", source=escape_name(str(output))
        ) from exc


def _count_decisions(decisions: RunDecisions, done: Finished) -> None:
    """Count the decisions a worker applied to one record in the run's summary."""
    if done.decisions_applied:
        decisions.applied += done.decisions_applied
        decisions.documents += 1
    decisions.stale.extend(done.stale_decisions)
    for item in done.stale_decisions:
        log.info("%s: not applied in %s: %s", describe(item.decision), item.document, item.reason)


def _save_final_manifest(save_manifest: Callable[[], None], status: str) -> None:
    try:
        save_manifest()
    except (OSError, NbscleanError) as exc:
        if status != "aborted":
            raise
        # The run is failing already (a full disk, say): report that error, not this one.
        log.warning("could not record the aborted run in the manifest: %s", exc)


@contextmanager
def stop_signals_deferred() -> Iterator[None]:
    """Hold back Ctrl-C, SIGTERM and SIGHUP for a few lines, so that a stop cannot fall
    between writing a record and counting it; a signal received meanwhile is raised (as
    :class:`Interrupted`) right after.

    A handler rather than a signal mask: the pool's helper threads would still take a
    masked signal and make the main thread raise at its next bytecode.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = {}
    for signum in DEFERRED_SIGNALS:
        handler = signal.getsignal(signum)
        if handler not in (signal.SIG_IGN, None):
            previous[signum] = signal.signal(signum, lambda number, frame: received.append(number))
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if received:
            raise Interrupted(received[0])


ctrl_c_deferred = stop_signals_deferred  # the older name


def _failure_entry(task: InputFile, failure: dict) -> dict:
    return {"source": task.source, "sha256": task.sha256, "reason": failure["reason"], "message": failure["message"]}


@dataclass
class ExistingCorpus:
    """What ``--resume`` needs of the corpus it continues: the contents already in it and
    their totals - not the records, so memory stays flat however large the corpus is."""

    digests: bytearray = field(default_factory=bytearray)  # 32 bytes of each record's sha256 (see add_digest)
    totals: CorpusTotals = field(default_factory=CorpusTotals)
    outdated: bool = False  # a record was made with another lexicon, repair option or decisions


def read_existing_corpus(
    paths: CorpusPaths, fingerprint: str, extraction: str, decisions: RunDecisions, *, restore_text: bool
) -> ExistingCorpus:
    """Read the journal once, record by record (only the fields resume needs): refuse a
    corpus built with other options (exit 1), count its totals, note whether a record must
    be repaired again, and put back any text file that is missing or does not hold its
    record's text (a user deleted text/, or a crash lost a file's data)."""
    existing = ExistingCorpus()
    for record in iter_resume_view(paths.documents):
        _check_resumable(record, fingerprint, extraction, paths)
        add_digest(existing.digests, record.get("sha256"))
        existing.totals.add(record)
        existing.outdated = existing.outdated or not is_current(record, fingerprint, decisions)
        if restore_text:
            text = record.get("text", "").encode("utf-8")
            if _text_file_size(paths, record["id"]) != len(text):
                write_text_file(paths, record["id"], record.get("text", ""))
    return existing


def add_digest(digests: bytearray, sha256: Any) -> None:
    """Append a record's sha256 to ``digests`` as the 32 bytes an input's hash is compared
    with (a resumed run holds one per document: no str, no set entry). A value that is not
    a lowercase hex sha256 can equal no input's hash, so it is left out."""
    if isinstance(sha256, str) and len(sha256) == 64 and sha256 == sha256.lower():
        try:
            digests += bytes.fromhex(sha256)
        except ValueError:
            pass


def _text_file_size(paths: CorpusPaths, doc_id: str) -> int | None:
    """The size of the document's text file, None when there is no regular file. One stat
    per record, as a listing of text/ with sizes would make, without holding a map of
    every file in memory."""
    # A str path, not paths.text_file's Path: pathlib interns each name it parses.
    name = document_text_path(str(paths.text_dir), doc_id)
    try:
        info = os.stat(name)
    except OSError:  # missing, or a symlink loop: written again, as a listing would have it
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) else None


def _check_resumable(record: dict, fingerprint: str, extraction: str, paths: CorpusPaths) -> None:
    # A record extracted with these extraction options was repaired again already
    # (_resume_with_new_repairs) or is kept as it is: only another extraction is refused.
    other = record.get("options_sha256")
    if other != fingerprint and record.get("extract_sha256") != extraction:
        raise BadArgumentsError(
            "this corpus was extracted with other options "
            f"(options_sha256 {str(other)[:12]}…, now {fingerprint[:12]}…); resume it with the same "
            "extraction options (--lang, --ocr, --dpi, --psm), or start a new corpus (another folder, or --overwrite)",
            source=str(paths.root),
        )


def _warn_overwrite(output: Path) -> None:
    if any((output / name).exists() for name in owned_names()):
        log.warning(
            "--overwrite: removing %s in %s and extracting every input again (OCR included); "
            "decisions.jsonl and the manifest's history of runs, reverts and decisions are kept. "
            "After a lexicon change, --resume repairs again without OCR.",
            ", ".join(owned_names()),
            output,
        )


def _check_extraction(existing: list[dict], fingerprint: str, extraction: str, paths: CorpusPaths) -> None:
    """Refuse to resume a corpus extracted with other extraction options (a record made
    before records carried ``extract_sha256`` must match the whole fingerprint)."""
    for record in existing:
        _check_resumable(record, fingerprint, extraction, paths)


def _resume_with_new_repairs(
    paths: CorpusPaths,
    config: RunConfig,
    lexicon: Any,
    fingerprint: str,
    extraction: str,
    decisions: RunDecisions,
    hashed: HashedInputs,
    formats: list[str],
    unknown: UnknownWords,
) -> list[dict]:
    """--resume: repair again the records made with another lexicon, repair option or
    decisions (see nbsclean.corpus.rerepair), and rewrite the corpus with them at once.

    Called only when :func:`read_existing_corpus` found such a record (the corpus is then
    read whole); returns the records repaired again. Records whose input must be extracted
    again leave the journal, so the run does it.
    """
    existing = read_journal(paths.documents)
    _check_extraction(existing, fingerprint, extraction, paths)
    refresh = bring_up_to_date(
        existing,
        fingerprint=fingerprint,
        extraction=extraction,
        inputs=hashed.sha256s(),
        options=config.options,
        lexicon=lexicon,
        decisions=decisions,
        finish=lambda record: finish_record(record, None, fingerprint, extraction),
    )
    if not refresh.rerepaired and not refresh.reextract:
        return []
    with ctrl_c_deferred():
        # One atomic rewrite of the journal (the old records or all the new ones), then the
        # text files, searchable PDFs and ALTO pages of the records repaired again, as
        # revert and decide do; the run writes the Parquet tables at its end.
        rewrite_records(paths, refresh.records, refresh.rerepaired, tables="parquet" not in formats)
    unknown.add_counts(refresh.unknown)  # counted by the repairs: no second pass
    log.info("--resume: %d document(s) repaired again from their raw text", len(refresh.rerepaired))
    return refresh.rerepaired


@dataclass
class HashedInputs:
    """The inputs that could be hashed, in input order, held compactly: a resumed run of a
    large archive holds every one of them while it plans (its place among the inputs
    found, 32 bytes of sha256 and a size: 48 bytes per input besides the compact path)."""

    found: InputPaths = field(default_factory=InputPaths)  # every input found (absolute paths)
    positions: array = field(default_factory=lambda: array("q"))  # in ``found``
    digests: bytearray = field(default_factory=bytearray)  # 32 bytes of sha256 per input
    sizes: array = field(default_factory=lambda: array("q"))
    cwd: str = field(default_factory=os.getcwd)  # sources are shown relative to it

    def append(self, position: int, sha256: str, size: int) -> None:
        self.positions.append(position)
        self.digests += bytes.fromhex(sha256)
        self.sizes.append(size)

    def __len__(self) -> int:
        return len(self.positions)

    def path(self, index: int) -> str:
        return self.found[self.positions[index]]

    def digest(self, index: int) -> bytes:
        return bytes(self.digests[32 * index : 32 * index + 32])

    def source(self, index: int) -> str:
        return display_source(self.path(index), self.cwd)

    def task(self, index: int) -> InputFile:
        path = self.path(index)
        return InputFile(Path(path), display_source(path, self.cwd), self.digest(index).hex(), self.sizes[index])

    def sha256s(self) -> set[str]:
        return {self.digest(index).hex() for index in range(len(self))}


def _hash_inputs(found: InputPaths) -> tuple[HashedInputs, list[dict]]:
    """Hash every input; what cannot be an input (a FIFO, a device, a dangling symlink, an
    unreadable file) becomes a named failure without being opened."""
    hashed = HashedInputs(found)
    failures: list[dict] = []
    for position, path in enumerate(found):
        problem = input_problem(path)
        try:
            if problem is None:
                digest, size = sha256_of_file(path)
        except NbscleanError as exc:
            problem = exc.reason, exc.message
        except OSError as exc:
            problem = "file_access_error", exc.strerror or str(exc)
        if problem is not None:
            reason, message = problem
            failures.append({"source": display_source(path), "sha256": None, "reason": reason, "message": escape_name(message)})
            continue
        hashed.append(position, digest, size)
    return hashed, failures


# Inputs compared with the corpus's digests this many at a time (bounds the temporary arrays).
PLAN_BLOCK = 1 << 13


def _plan(hashed: HashedInputs, done: bytearray) -> tuple["PlannedTasks", int, list[dict]]:
    """Which inputs to process: new content only, each content once.

    Two inputs with the same bytes are one document: the first (in input order) is
    processed, later ones are listed in the manifest's ``duplicates`` with ``same_as``.
    ``done`` holds the 32-byte digests of the corpus's documents (:func:`add_digest`); it is
    sorted in place, and the inputs' digests are looked up in it by binary search, a block
    at a time. Duplicates among the inputs are found by sorting their positions by digest.
    Nothing here holds more than a few bytes per input (no map of every content).
    """
    import numpy

    inputs = numpy.frombuffer(hashed.digests, dtype="S32")
    in_corpus = _found_among(inputs, done)
    first_of = _first_inputs_of_repeated_contents(inputs)  # only the later inputs of a repeated content
    todo = array("q")  # indices of the inputs to process
    skipped = 0
    duplicates: list[dict] = []
    for index in range(len(hashed)):
        first = first_of.get(index)
        if first is not None:
            duplicates.append(
                {"source": hashed.source(index), "sha256": hashed.digest(index).hex(), "same_as": hashed.source(first)}
            )
        elif in_corpus[index]:
            skipped += 1
        else:
            todo.append(index)
    return PlannedTasks(hashed, todo), skipped, duplicates


def _warm_up_sample(todo: "PlannedTasks") -> list[str]:
    """The paths of the first inputs to process, when the run is large enough for a
    warm-up on them to pay (see WARM_UP_SAMPLE_AT_LEAST)."""
    if len(todo) < WARM_UP_SAMPLE_AT_LEAST:
        return []
    return [str(todo[position].path) for position in range(min(WARM_UP_SAMPLE_FILES, len(todo)))]


class PlannedTasks:
    """The inputs a run processes, in input order: an :class:`InputFile` made for each as
    it is handed out (an archive's new inputs are not all held as objects at once)."""

    def __init__(self, hashed: HashedInputs, indices: array) -> None:
        self._hashed, self._indices = hashed, indices

    def __len__(self) -> int:
        return len(self._indices)

    def __getitem__(self, position: int) -> InputFile:  # type: ignore[override]
        return self._hashed.task(self._indices[position])

    def __iter__(self) -> Iterator[InputFile]:
        return (self._hashed.task(index) for index in self._indices)


def _found_among(inputs: Any, done: bytearray) -> Any:
    """Whether each digest of ``inputs`` (a numpy array of 32-byte strings) is one of
    ``done`` (sorted in place here)."""
    import numpy

    found = numpy.zeros(len(inputs), dtype=bool)
    if not len(done) or not len(inputs):
        return found
    corpus = numpy.frombuffer(done, dtype="S32")
    corpus.sort()
    for start in range(0, len(inputs), PLAN_BLOCK):
        block = inputs[start : start + PLAN_BLOCK]
        places = numpy.minimum(numpy.searchsorted(corpus, block), len(corpus) - 1)
        found[start : start + len(block)] = corpus[places] == block
    return found


def _first_inputs_of_repeated_contents(inputs: Any) -> dict[int, int]:
    """``{index: index of the first input with the same content}`` for every input whose
    content an earlier input has (usually none)."""
    import numpy

    if len(inputs) < 2:
        return {}
    order = numpy.argsort(inputs, kind="stable")  # equal contents stay in input order
    first_of: dict[int, int] = {}
    for start in range(1, len(order), PLAN_BLOCK):
        positions = order[start : start + PLAN_BLOCK]
        repeated = numpy.flatnonzero(inputs[positions] == inputs[order[start - 1 : start - 1 + len(positions)]])
        for offset in repeated.tolist():
            k = start + offset
            earlier = int(order[k - 1])
            first_of[int(order[k])] = first_of.get(earlier, earlier)
    return first_of


def describe_environment(options: Any, lexicon: Any) -> dict:
    """Versions and hashes for the manifest; absent tools are recorded as null."""
    lang = getattr(options, "lang", "swe")
    env: dict = {"nbsclean_version": __version__, "tesseract_version": None, "traineddata_sha256": {}}
    try:
        from nbsclean.extract import ocr

        env["tesseract_version"] = ocr.tesseract_version()
        env["traineddata_sha256"] = ocr.traineddata_sha256(lang)
    except (ImportError, NbscleanError, OSError) as exc:
        log.info("Tesseract not described in the manifest: %s", exc)
    env["lexicon_sha256"] = getattr(lexicon, "sha256", None)
    return env


def describe_environment_meanwhile(options: Any, lexicon: Any) -> Callable[[], dict]:
    """Start :func:`describe_environment` in a thread of its own; returns the function that
    waits for its result. Call that before any worker process is forked (a fork while the
    thread runs would copy its half-done state into the worker)."""
    described: Future = Future()

    def describe() -> None:
        try:
            described.set_result(describe_environment(options, lexicon))
        except BaseException as exc:  # noqa: BLE001 - raised where the result is wanted
            described.set_exception(exc)

    threading.Thread(target=describe, name="nbsclean-describe-environment", daemon=True).start()
    return described.result


def _load_lexicon() -> Any:
    from nbsclean.repair.lexicon import load_lexicon

    return load_lexicon()


def _base_manifest(
    config: RunConfig, formats: list[str], environment: dict, fingerprint: str, started_at: str, previous: dict | None
) -> dict:
    runs = list(previous.get("runs", [])) if (config.resume and previous) else []
    runs.append({"started_at": started_at, "resumed": bool(config.resume), "executor": config.executor})
    return {
        "nbsclean_version": environment["nbsclean_version"],
        "tesseract_version": environment["tesseract_version"],
        "traineddata_sha256": environment["traineddata_sha256"],
        "lexicon_sha256": environment["lexicon_sha256"],
        "options": options_dict(config.options),
        "options_sha256": fingerprint,
        "run": {
            "inputs": [escape_name(str(p)) for p in config.inputs],
            "include": list(config.include),
            "formats": formats,
            "jobs": config.jobs,
            "executor": config.executor,
            "scheduler": config.scheduler,
            "resume": config.resume,
        },
        "status": "running",
        "started_at": started_at,
        "finished_at": None,
        "seconds": None,
        "counts": {},
        "edits_by_rule": {},
        "failures": [],
        "duplicates": [],
        "runs": runs,
    }
