"""Let the page cache go of files about to be replaced, so that their pages hold the new files.

A build replaces gigabytes of files whose old bytes it never reads again: the graph's two files, the collaboration
network's tables, the release's packed graph, the query store's subjects table. Written first and renamed over the
old ones, the new bytes need fresh pages of memory while the old ones still sit in the page cache. On a virtual
machine that hands free memory back to its host (virtio-balloon free page reporting), fresh pages are dear: here,
writing 480 MB into a new file took 4 s, and 0.1 s into pages another file let go of a moment before (a page free
for a few seconds goes back to the host). ``drop_cached`` lets go of the old files' clean pages just before their
successors are written; the files stay whole on disk, so the last good build is untouched until the rename. On any
machine it keeps the cache from holding both versions. Nothing here is needed for correctness: it is advice
(``posix_fadvise``), and where the system has none it does nothing.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable


def drop_cached(paths: Iterable[str | os.PathLike[str]]) -> None:
    """Ask the kernel to drop the cached pages of each regular file of ``paths`` (missing ones, links and other
    kinds of file are passed over; dirty pages are only started on their way to disk)."""
    if not hasattr(os, "posix_fadvise"):
        return
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)  # a FIFO must not block
    for path in paths:
        try:
            fd = os.open(path, flags)
        except OSError:
            continue
        try:
            if stat.S_ISREG(os.fstat(fd).st_mode):
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        except OSError:
            pass
        finally:
            os.close(fd)
