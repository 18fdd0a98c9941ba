"""Pool workers that end when they should: on the driver's SIGTERM, and when the driver dies.

* **Stopped by the driver** (Ctrl-C, SIGTERM, SIGHUP, an aborted run): the driver sends
  each worker SIGTERM. A worker is the leader of its own process group, so it passes the
  signal on to the Tesseract it may be running, then unwinds the file it was working on
  (its temporary files are removed by their ``with`` blocks) and exits. An idle worker
  exits at once.
* **The driver killed** (``kill -9``, the OOM killer): on Linux the kernel sends the
  worker SIGTERM when its parent dies (``prctl(PR_SET_PDEATHSIG)``); elsewhere a watcher
  thread notices that the parent changed. Either way the worker stops as above instead of
  living on as an orphan holding the caller's pipes.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Callable

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
PARENT_POLL_SECONDS = 1.0


class WorkerStopped(BaseException):
    """Raised inside a busy worker by SIGTERM/SIGHUP: unwinds the file in progress.

    A BaseException, so that no ``except Exception`` on the way swallows it.
    """


_busy = 0  # how many ``with busy()`` blocks are open: they nest (a file, then its finishing)


def setup_worker_process(parent_pid: int) -> None:
    """Call first thing in a forked worker: own process group, stop signals, parent watch."""
    try:
        os.setpgid(0, 0)  # its Tesseract children share the group: one killpg stops them all
    except OSError:
        pass
    for signum in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if signum is not None:
            signal.signal(signum, _stop_worker)
    # The driver handles Ctrl-C and stops the workers; a worker traceback would be noise.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if not _ask_kernel_for_parent_death_signal():
        threading.Thread(target=_watch_parent, args=(parent_pid,), name="nbsclean-parent-watch", daemon=True).start()
    if os.getppid() != parent_pid:  # the driver died before the watch was in place
        os._exit(128 + signal.SIGTERM)


# Container allocations between two collections of the youngest generation (Python's
# default: 700). A document's work allocates and frees tens of thousands of objects that
# reference counting reclaims; collecting every 700 of them cost ~30 us per text document.
YOUNG_COLLECTION_THRESHOLD = 10_000


def lighten_garbage_collection() -> Callable[[], None]:
    """For a process about to work through many documents: the objects alive now (modules,
    the lexicon's tables, inherited from the driver by a forked worker) are left out of
    every later collection (``gc.freeze``), so no collection walks them again - nor writes
    to them, which in a forked worker would copy the driver's memory pages - and the
    youngest generation is collected less often. Cyclic garbage is still collected.

    Returns the function that undoes it (a run in a process that goes on afterwards)."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(threshold[0], YOUNG_COLLECTION_THRESHOLD), *threshold[1:])

    def restore() -> None:
        gc.unfreeze()
        gc.set_threshold(*threshold)

    return restore


class busy:
    """``with busy():`` marks the worker as working on a file (a stop signal then unwinds)."""

    def __enter__(self) -> None:
        global _busy
        _busy += 1

    def __exit__(self, *exc) -> None:
        global _busy
        _busy -= 1


def _stop_worker(signum: int, frame) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # the killpg below reaches this process too
    if os.getpgrp() == os.getpid():  # only a group of its own: never the driver's group
        try:
            os.killpg(os.getpgrp(), signal.SIGTERM)
        except OSError:
            pass
    if _busy:
        raise WorkerStopped(signum)
    os._exit(128 + signum)


def exit_stopped(exc: WorkerStopped) -> None:
    """End the worker after a stopped file has unwound (no result is sent back)."""
    signum = exc.args[0] if exc.args else signal.SIGTERM
    sys.stderr.flush()
    os._exit(128 + int(signum))


def _ask_kernel_for_parent_death_signal() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent_pid: int) -> None:
    while os.getppid() == parent_pid:
        time.sleep(PARENT_POLL_SECONDS)
    os.kill(os.getpid(), signal.SIGTERM)


def stop_child_processes() -> None:
    """SIGTERM this process's own children (Linux: /proc), e.g. the Tesseract a driver
    working alone (``-j 1``) was waiting for when it was interrupted, so that it does not
    finish later and leave its output in the temporary folder."""
    for task in Path(f"/proc/{os.getpid()}/task").glob("*"):
        try:
            pids = [int(pid) for pid in (task / "children").read_text().split()]
        except (OSError, ValueError):
            continue
        for pid in pids:
            try:
                os.kill(pid, signal.SIGTERM)
            except OSError:
                pass
