"""Large files read through a memory map, without their pages counting as the process's memory after use.

A file-backed page a process has read stays in its resident set until the mapping ends, so a pass over a mapped
N-Triples file of gigabytes looks, to ``ps``, cgroups and the benchmark, like gigabytes of memory. ``let_go``
drops the pages of a range already read from the mapping: they stay in the page cache, and are read again from
there if the range is needed again.
"""

from __future__ import annotations

import mmap
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO


@contextmanager
def mapped(handle: IO[bytes]) -> Iterator[bytes | mmap.mmap]:
    """The whole file of ``handle``, mapped read-only (an empty file as ``b""``: it cannot be mapped)."""
    if os.fstat(handle.fileno()).st_size == 0:
        yield b""
        return
    with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        yield data


def let_go(data: bytes | mmap.mmap, start: int, end: int) -> None:
    """Drop the pages of ``data[start:end]`` from this process when ``data`` is a mapping (else nothing)."""
    if isinstance(data, mmap.mmap) and hasattr(mmap, "MADV_DONTNEED") and end > start:
        aligned = start - start % mmap.PAGESIZE
        data.madvise(mmap.MADV_DONTNEED, aligned, end - aligned)
