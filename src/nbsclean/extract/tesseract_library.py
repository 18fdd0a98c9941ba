"""Tesseract as a library: libtesseract's C API (through ctypes), one engine per process.

Every ``tesseract`` program run starts by loading the language's model, about 0.1 s CPU,
which is a tenth of reading a page: on the degraded fixtures, 2 s of 20. Kept loaded in the
worker, the model is loaded once. The reading is the program's own: the same library
(checked: its version must be the program's, :func:`library_for`), the same page image (the
uncompressed TIFF the program would read, decoded by Leptonica's same reader), the same
settings (page segmentation mode, ``user_defined_dpi``), and the same TSV, byte for byte
(tests/test_extract.py compares them).

Only :mod:`nbsclean.extract.ocr` uses this module; when libtesseract cannot be loaded or is
not the program's version, it runs the program as before.

The time limit (``--ocr-timeout``) holds as it did for the program: a reading with a limit
runs in a child forked from the worker (:meth:`_Engine.read_tsv_within`), which shares the
loaded model and is killed when the limit passes. Tesseract's own deadline (``ETEXT_DESC``)
is not enough: it is checked only while words are recognised, and the layout analysis of a
page of grey noise ran 70 s past a 3 s limit. Without a limit the reading runs in the worker,
and a stop signal (Ctrl-C, a worker's SIGTERM) stops it between two words
(:class:`_Interruption`).
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import ctypes.util
import os
import select
import signal
import sys
import threading
import time

# The TSV header the program's renderer writes (the C API's GetTsvText gives the rows only).
TSV_HEADER = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n"

# Tesseract's default page segmentation mode as a program (PSM_AUTO); the library's own
# default is a single block.
PROGRAM_DEFAULT_PSM = 3


# Tesseract asks this between words whether to stop (``ETEXT_DESC::cancel``).
CANCEL_FUNCTION = ctypes.CFUNCTYPE(ctypes.c_bool, ctypes.c_void_p, ctypes.c_int)


class LibraryTimeout(RuntimeError):
    """The recognition passed its deadline (the message matches pytesseract's, so the
    callers' handling of a timed-out program applies)."""

    def __init__(self) -> None:
        super().__init__("Tesseract process timeout")


class RecognitionFailed(RuntimeError):
    """Tesseract could not read the page image (it said so with its return code)."""


def _load(names: tuple[str, ...]) -> ctypes.CDLL | None:
    for name in names:
        try:
            return ctypes.CDLL(name)
        except OSError:
            continue
    found = ctypes.util.find_library(names[0].split(".")[0].removeprefix("lib"))
    if found:
        try:
            return ctypes.CDLL(found)
        except OSError:
            return None
    return None


def _declare(library: ctypes.CDLL, name: str, arguments: list, result) -> None:
    function = getattr(library, name)
    function.argtypes = arguments
    function.restype = result


class _Library:
    """The C functions used, declared once (a pointer passed undeclared would be cut to 32
    bits)."""

    def __init__(self, tesseract: ctypes.CDLL, leptonica: ctypes.CDLL) -> None:
        pointer, text, number = ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int
        for name, arguments, result in (
            ("TessVersion", [], text),
            ("TessBaseAPICreate", [], pointer),
            ("TessBaseAPIDelete", [pointer], None),
            ("TessBaseAPIEnd", [pointer], None),
            ("TessBaseAPIInit3", [pointer, text, text], number),
            ("TessBaseAPISetVariable", [pointer, text, text], number),
            ("TessBaseAPISetPageSegMode", [pointer, number], None),
            ("TessBaseAPISetImage2", [pointer, pointer], None),
            ("TessBaseAPIRecognize", [pointer, pointer], number),
            ("TessBaseAPIGetTsvText", [pointer, number], pointer),
            ("TessBaseAPIClear", [pointer], None),
            ("TessDeleteText", [pointer], None),
            ("TessMonitorCreate", [], pointer),
            ("TessMonitorDelete", [pointer], None),
            ("TessMonitorSetDeadlineMSecs", [pointer, number], None),
            ("TessMonitorSetCancelFunc", [pointer, CANCEL_FUNCTION], None),
        ):
            _declare(tesseract, name, arguments, result)
        _declare(leptonica, "pixReadMem", [ctypes.c_char_p, ctypes.c_size_t], pointer)
        _declare(leptonica, "pixDestroy", [ctypes.POINTER(pointer)], None)
        self.tesseract = tesseract
        self.leptonica = leptonica
        self.version = (tesseract.TessVersion() or b"").decode("ascii", "replace")


_LIBRARY: _Library | None = None
_LIBRARY_LOADED = False


def _library() -> _Library | None:
    global _LIBRARY, _LIBRARY_LOADED
    if not _LIBRARY_LOADED:
        # OpenMP reads its thread limit when libtesseract loads it: one thread per worker.
        os.environ["OMP_THREAD_LIMIT"] = "1"
        tesseract = _load(("libtesseract.so.5", "libtesseract.so", "libtesseract.5.dylib", "libtesseract.dylib"))
        leptonica = _load(("liblept.so.5", "libleptonica.so.6", "libleptonica.so", "liblept.dylib", "libleptonica.dylib"))
        try:
            _LIBRARY = _Library(tesseract, leptonica) if tesseract and leptonica else None
        except AttributeError:  # a libtesseract without the C API this module needs
            _LIBRARY = None
        _LIBRARY_LOADED = True
    return _LIBRARY


class _Interruption:
    """Stops a recognition when a signal handler raises (Ctrl-C, a worker's SIGTERM).

    While Tesseract works, Python runs no signal handler (the program used to be stopped
    with its process group instead). Tesseract calls :attr:`callback` between words; a
    pending handler runs as that Python function is entered, and what it raises cannot
    leave a ctypes callback: ctypes hands it to ``sys.unraisablehook``, where it is kept
    (:meth:`catching`). The next call then stops the recognition, and the exception is
    raised again once Tesseract has returned."""

    def __init__(self) -> None:
        self.raised: BaseException | None = None
        self.callback = CANCEL_FUNCTION(self._cancel)

    def _cancel(self, cancel_this, words: int) -> bool:
        return self.raised is not None

    @contextlib.contextmanager
    def catching(self):
        previous = sys.unraisablehook

        def keep(unraisable) -> None:
            if unraisable.object == self._cancel and self.raised is None:
                self.raised = unraisable.exc_value
            else:
                previous(unraisable)

        sys.unraisablehook = keep
        try:
            yield
        finally:
            sys.unraisablehook = previous
        if self.raised is not None:
            raise self.raised


class _Engine:
    """One initialised TessBaseAPI for one language: its model stays loaded between pages."""

    def __init__(self, library: _Library, lang: str) -> None:
        self.library = library
        self.owner = os.getpid()
        self.handle = library.tesseract.TessBaseAPICreate()
        # Tesseract's messages ("Empty page!!", "Estimating resolution ...") went to the
        # program's stderr, which nobody saw; in this process they would reach the terminal.
        library.tesseract.TessBaseAPISetVariable(self.handle, b"debug_file", os.devnull.encode())
        if library.tesseract.TessBaseAPIInit3(self.handle, None, lang.encode()) != 0:
            library.tesseract.TessBaseAPIDelete(self.handle)
            self.handle = None
            raise RecognitionFailed(f"Tesseract cannot load the language {lang!r}")
        library.tesseract.TessBaseAPISetVariable(self.handle, b"debug_file", os.devnull.encode())

    def read_tsv(self, tiff: bytes, psm: int | None, dpi: int | None, timeout: float | None) -> str:
        """Recognise the page in ``tiff`` (an image file's bytes) and return the TSV the
        program would write, header included."""
        tesseract, leptonica = self.library.tesseract, self.library.leptonica
        tesseract.TessBaseAPISetPageSegMode(self.handle, PROGRAM_DEFAULT_PSM if psm is None else int(psm))
        tesseract.TessBaseAPISetVariable(self.handle, b"user_defined_dpi", str(int(dpi or 0)).encode())
        pix = ctypes.c_void_p(leptonica.pixReadMem(tiff, len(tiff)))
        if not pix.value:
            raise RecognitionFailed("Leptonica cannot read the page image")
        monitor = tesseract.TessMonitorCreate()
        interruption = _Interruption()
        try:
            tesseract.TessBaseAPISetImage2(self.handle, pix)
            if timeout:
                tesseract.TessMonitorSetDeadlineMSecs(monitor, max(1, int(timeout * 1000)))
            tesseract.TessMonitorSetCancelFunc(monitor, interruption.callback)
            with interruption.catching():
                status = tesseract.TessBaseAPIRecognize(self.handle, monitor)
            if status != 0:
                if timeout:
                    raise LibraryTimeout()
                raise RecognitionFailed("Tesseract could not recognise the page image")
            rows = tesseract.TessBaseAPIGetTsvText(self.handle, 0)
            try:
                tsv = ctypes.string_at(rows).decode("utf-8") if rows else ""
            finally:
                tesseract.TessDeleteText(rows)
            return TSV_HEADER + tsv
        finally:
            tesseract.TessBaseAPIClear(self.handle)
            leptonica.pixDestroy(ctypes.byref(pix))
            tesseract.TessMonitorDelete(monitor)

    def read_tsv_within(self, tiff: bytes, psm: int | None, dpi: int | None, timeout: float | None) -> str:
        """:meth:`read_tsv` with ``timeout`` seconds at most, however long Tesseract would
        take: the reading runs in a forked child (the model stays shared, copy on write) that
        is killed when the time is up, and the page is then a :class:`LibraryTimeout`."""
        if not timeout or not hasattr(os, "fork"):
            return self.read_tsv(tiff, psm, dpi, timeout)
        reader, writer = os.pipe()
        child = os.fork()
        if child == 0:
            os.close(reader)
            _answer_in_child(self, writer, tiff, psm, dpi, timeout)  # never returns
        os.close(writer)
        finished = False
        try:
            answer = _answer_within(reader, time.monotonic() + timeout)
            finished = True
        finally:
            os.close(reader)
            if not finished:  # the limit passed, or a signal stopped the worker
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child, signal.SIGKILL)
            _, status = os.waitpid(child, 0)
        return _tsv_from_answer(answer, status)

    def close(self) -> None:
        if self.handle:
            self.library.tesseract.TessBaseAPIEnd(self.handle)
            self.library.tesseract.TessBaseAPIDelete(self.handle)
            self.handle = None


# What a reading child answers, in its first byte: the TSV follows, Tesseract's own deadline
# passed, or Tesseract could not read the page (its message follows).
_ANSWER_TSV, _ANSWER_DEADLINE, _ANSWER_FAILED = b"T", b"D", b"F"
_PR_SET_PDEATHSIG = 1


def _answer_in_child(engine: _Engine, writer: int, tiff: bytes, psm, dpi, timeout: float) -> None:
    """In the forked child: read the page, write the answer to ``writer`` and exit, without
    running the worker's exit handlers (its engines, its pool) or returning into its code."""
    status = 1
    try:
        # The worker's handlers are for the worker; this child only dies (at Ctrl-C too).
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        _die_with_parent()
        try:
            answer = _ANSWER_TSV + engine.read_tsv(tiff, psm, dpi, timeout).encode("utf-8")
        except LibraryTimeout:
            answer = _ANSWER_DEADLINE
        except RecognitionFailed as exc:
            answer = _ANSWER_FAILED + str(exc).encode("utf-8", "replace")
        view = memoryview(answer)
        while view:
            view = view[os.write(writer, view):]
        status = 0
    finally:
        os._exit(status)


def _die_with_parent() -> None:
    """A worker killed outright (SIGKILL) takes its reading child with it (Linux)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _answer_within(reader: int, deadline: float) -> bytes:
    """Everything the child writes to ``reader`` until it closes it; a LibraryTimeout when
    ``deadline`` (time.monotonic) passes first."""
    chunks: list[bytes] = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([reader], [], [], left)[0]:
            raise LibraryTimeout()
        chunk = os.read(reader, 1 << 16)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _tsv_from_answer(answer: bytes, status: int) -> str:
    kind, body = answer[:1], answer[1:]
    if kind == _ANSWER_TSV:
        return body.decode("utf-8")
    if kind == _ANSWER_DEADLINE:
        raise LibraryTimeout()
    if kind == _ANSWER_FAILED:
        raise RecognitionFailed(body.decode("utf-8", "replace"))
    raise RecognitionFailed(f"Tesseract stopped without reading the page (exit status {os.waitstatus_to_exitcode(status)})")


# One engine per language, per thread and per process: a TessBaseAPI is not to be shared
# between threads, and a forked worker makes its own rather than use its parent's.
_local = threading.local()
_all_engines: list[_Engine] = []
_engines_lock = threading.Lock()


def engine_for(lang: str, program_version: str | None) -> _Engine | None:
    """The loaded engine for ``lang``, or None when the library is missing, is not the
    program's version (``program_version``, ``tesseract --version``) or cannot load the
    language: the caller then runs the program."""
    library = _library()
    if library is None or program_version is None or library.version != program_version:
        return None
    engines = getattr(_local, "engines", None)
    if engines is None or getattr(_local, "pid", None) != os.getpid():
        engines = _local.engines = {}
        _local.pid = os.getpid()
    if lang not in engines:
        try:
            engines[lang] = _Engine(library, lang)
        except RecognitionFailed:
            engines[lang] = None
        else:
            with _engines_lock:
                _all_engines.append(engines[lang])
    return engines[lang]


@atexit.register
def _close_engines() -> None:
    """End the engines of this process (Tesseract warns of leaks at exit otherwise)."""
    with _engines_lock:
        for engine in _all_engines:
            if engine.owner == os.getpid():
                engine.close()
        _all_engines.clear()
