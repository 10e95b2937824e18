"""SHA-256 of files, read once per process while a file stays as it was.

A build hashes its large files more than once: the query store stamps ``esrgraph.ttl`` to know later whether it
changed, and the release, whose ``esrgraph.ttl`` is a hard link to the same file, lists its checksum in the
catalogue (533 MB at 30,000 descriptions, about a second each). A digest is kept under the file's ``stat_key``,
which the build cache keeps for its input files too (``pipeline.cache.shards.file_digests``): a file replaced or
written since has other times or another inode. Unlike that cache, which keeps digests across builds and so
trusts no file changed in the last two seconds, this one lives for one process and serves the build's own files,
which are replaced whole, never edited in place. Two threads asking for the same file at once share one reading.
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
from concurrent.futures import Future

#: What ``os.stat`` says of a file that stands for its bytes: device, inode, size, mtime and ctime (ns).
FileStat = tuple[int, int, int, int, int]

_lock = threading.Lock()
_digests: dict[FileStat, Future[str]] = {}


def stat_key(st: os.stat_result) -> FileStat:
    """The file's ``FileStat``: no program can set ctime back, so content written under a restored mtime differs."""
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns


def sha256_of_open(handle: io.BufferedReader) -> str:
    """The SHA-256 (hex) of the file open in ``handle`` (read from its start when not known yet)."""
    key = stat_key(os.fstat(handle.fileno()))
    with _lock:
        known = _digests.get(key)
        if known is None:
            known = _digests[key] = Future()
            mine = True
        else:
            mine = False
    if not mine:
        return known.result()
    try:
        handle.seek(0)
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
    except BaseException as exc:
        with _lock:
            del _digests[key]  # not known: the next caller reads the file again
        known.set_exception(exc)
        raise
    known.set_result(digest)
    return digest


def sha256_of(path: str | os.PathLike[str]) -> str:
    """The SHA-256 (hex) of the file at ``path``."""
    with open(path, "rb") as handle:
        return sha256_of_open(handle)
