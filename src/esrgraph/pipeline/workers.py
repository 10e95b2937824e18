"""How many worker processes a build uses, and how they end: one policy for the parse pool, the
sharded build and the release's JSON-LD writer.

Threads per validating process are the validator's own policy (``validation.fast`` ``check_threads``).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from multiprocessing.context import BaseContext

#: Processes when ``BuildOptions.workers`` is not set, at most one a core (records come back pickled, so
#: more processes give less than their count; docs/decisions/20261123-fast-validation.md).
DEFAULT_PROCESSES = 2


def process_count(workers: int | None, *, few: bool = False) -> int:
    """Worker processes to start: ``workers`` when set (at least one); else one when the work is
    ``few`` (processes would cost more to start than they save), else ``DEFAULT_PROCESSES`` or the
    core count if smaller."""
    if workers is not None:
        return max(1, workers)
    if few:
        return 1
    return max(1, min(DEFAULT_PROCESSES, os.cpu_count() or 1))


def process_pool(workers: int, context: BaseContext | None = None) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes that end with the process that made it (``die_with_parent``)."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=die_with_parent,
                               initargs=(os.getpid(),))


#: How often a worker looks whether its parent is still there (the portable fallback of ``die_with_parent``).
PARENT_POLL_SECONDS = 0.5
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent(owner: int) -> None:
    """Worker initializer: end this process as soon as its parent ends, however it ends.

    Why: a worker waits on its task queue, and as every worker holds the queue's pipe open the
    wait never ends when the build that started it is killed (SIGKILL runs no clean-up), so workers
    stayed alive for good. On Linux the kernel kills the worker with its parent
    (``prctl(PR_SET_PDEATHSIG, SIGKILL)``); everywhere, a thread ends it when ``os.getppid()``
    changes (the parent gone, the worker handed to another). ``owner``: the pid of the process that
    made the pool (``os.getpid()`` there), so a worker whose parent ended before this ran ends too.
    Make the pool in the thread that keeps it: Linux sends the signal when that thread ends.
    """
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(ctypes.c_int(_PR_SET_PDEATHSIG), ctypes.c_ulong(signal.SIGKILL), ctypes.c_ulong(0),
                       ctypes.c_ulong(0), ctypes.c_ulong(0))
        except (OSError, AttributeError):  # no libc prctl (another C library): the thread below does it
            pass
    if os.name == "posix" and not process_alive(owner):  # (os.kill(pid, 0) ends a process on Windows)
        os._exit(1)
    threading.Thread(target=watch_parent, args=(parent,), name="esrgraph-parent-watch", daemon=True).start()


def watch_parent(parent: int) -> None:
    """End this process once its parent is no longer ``parent`` (run in a daemon thread)."""
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(1)


def process_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists (POSIX only: on Windows ``os.kill`` ends it)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's
        return True
    return True
