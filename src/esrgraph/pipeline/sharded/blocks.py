"""Subject blocks: each part of a sharded build writes its triples sorted, as N-Triples and Turtle
with an index of where each subject's block starts, and the main process merges the parts' blocks
in subject order into the two output files without parsing them again.
"""

from __future__ import annotations

import os
import re
from array import array
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from itertools import repeat
from pathlib import Path

from pyoxigraph import NamedNode, RdfFormat, Triple, serialize

from esrgraph.core.errors import EsrgraphError
from esrgraph.core.vocab import PREFIXES
from esrgraph.io.export import split_turtle_header
from esrgraph.pipeline.cache import shards as shardcache


class ShardConflict(EsrgraphError):
    """Two parts of a sharded build wrote the same subject (a bug: parts own disjoint subjects)."""


_dump, _load = shardcache.dump, shardcache.load

#: Where a Turtle statement starts: a line that is not a continuation (the serialiser indents those).
_BLOCK_START = re.compile(rb"\n(?=[^\t])")
_DUMMY = Triple(NamedNode("urn:x:dummy"), NamedNode("urn:x:dummy"), NamedNode("urn:x:dummy"))


def _turtle_header() -> bytes:
    """The ``@prefix`` lines every Turtle output starts with."""
    return split_turtle_header(serialize([_DUMMY], format=RdfFormat.TURTLE, prefixes=dict(PREFIXES)) or b"")[0]


def write_blocks(triples: list[Triple], stem: Path) -> int:
    """Write sorted ``triples`` as N-Triples and Turtle (no prefixes) with an index of
    subject blocks (``stem.nt``, ``stem.ttl``, ``stem.index``: the subjects and where each
    block starts in either file); return the triple count.

    The serialisers group one subject's triples, so each subject is one run of N-Triples
    lines and one Turtle statement that starts at the beginning of a line.
    """
    stem.parent.mkdir(parents=True, exist_ok=True)
    nt = serialize(triples, format=RdfFormat.N_TRIPLES) or b""
    body = split_turtle_header(serialize(triples, format=RdfFormat.TURTLE, prefixes=dict(PREFIXES)) or b"")[1]
    subjects: list[bytes] = []
    nt_at: list[int] = []  # where each subject's lines start, then the end
    offset = 0
    for line in nt.splitlines(keepends=True):
        subject = line[1:line.index(b">")]
        if not subjects or subject != subjects[-1]:
            subjects.append(subject)
            nt_at.append(offset)
        offset += len(line)
    nt_at.append(offset)
    ttl_at = [0] + [m.start() + 1 for m in _BLOCK_START.finditer(body)] + [len(body)] if body else [0]
    if len(ttl_at) != len(nt_at):
        raise ShardConflict(str(stem), f"{len(subjects)} subjects but {len(ttl_at) - 1} Turtle statements")
    stem.with_suffix(".nt").write_bytes(nt)
    stem.with_suffix(".ttl").write_bytes(body)
    _dump(stem.with_suffix(".index"), (subjects, nt_at, ttl_at))
    return len(triples)


def _copy_range(source: int, target: int, offset: int, length: int) -> None:
    """Append ``length`` bytes of file ``source`` from ``offset`` to file ``target`` (at its position)."""
    while length > 0:
        try:
            done = os.copy_file_range(source, target, length, offset)
        except OSError:  # not on this file system (or kernel): copy through Python
            done = os.write(target, os.pread(source, min(length, 1 << 24), offset))
        if done <= 0:
            raise OSError(f"copying {length} bytes at {offset} wrote nothing")
        offset, length = offset + done, length - done


def merge_blocks(stems: Sequence[Path], nt_out: Path, ttl_out: Path) -> None:
    """Merge the subject blocks of ``stems`` in subject order into one N-Triples and one Turtle file.

    Parts own disjoint subjects, so this is the graph sorted as one sort would sort it.
    Consecutive blocks of one part are copied as one range, by the kernel where it can
    (``os.copy_file_range``: the bytes never pass through Python). The two files are copied on
    two threads: parts are cut by hash, so a file is many short ranges and the time goes to the calls,
    which release the GIL (docs/decisions/20261202-cores-and-rebuild.md).
    """
    indexes = [_load(stem.with_suffix(".index")) for stem in stems]
    runs = _merged_runs([subjects for subjects, _, _ in indexes], nt_out)
    with open(nt_out, "wb") as nt, open(ttl_out, "wb") as ttl:
        ttl.write(_turtle_header())
        ttl.flush()
        with ThreadPoolExecutor(max_workers=2) as pool:
            copies = [pool.submit(_copy_runs, runs, [stem.with_suffix(suffix) for stem in stems],
                                  [index[column] for index in indexes], target.fileno())
                      for suffix, column, target in ((".nt", 1, nt), (".ttl", 2, ttl))]
            for copy in copies:
                copy.result()


def _merged_runs(subjects: Sequence[Sequence[bytes]], out: Path) -> list[tuple[int, int, int]]:
    """(part, first block, end block) ranges that give the parts' blocks in one subject order.

    One sort of every subject's place (Python's sort finds the parts' sorted runs and merges them in C) rather than
    ``heapq.merge`` of the parts, which compares in Python: 0.9 s instead of 2.2 s for a million subjects of 201
    parts."""
    flat: list[bytes] = []
    starts: list[int] = []
    parts = array("i")
    for part, part_subjects in enumerate(subjects):
        starts.append(len(flat))
        flat.extend(part_subjects)
        parts.extend(repeat(part, len(part_subjects)))
    runs: list[tuple[int, int, int]] = []
    previous = None
    for i in sorted(range(len(flat)), key=flat.__getitem__):
        subject = flat[i]
        if subject == previous:
            raise ShardConflict(str(out), f"subject <{subject.decode()}> was written by two parts")
        previous = subject
        part = parts[i]
        block = i - starts[part]
        if runs and runs[-1][0] == part and runs[-1][2] == block:
            runs[-1] = (part, runs[-1][1], block + 1)
        else:
            runs.append((part, block, block + 1))
    return runs


def _copy_runs(runs: Sequence[tuple[int, int, int]], sources: Sequence[Path], offsets: Sequence[Sequence[int]],
               target: int) -> None:
    """Append each run's bytes of its part's file (``offsets``: where each block starts) to ``target``."""
    handles = [open(path, "rb") for path in sources]
    try:
        for part, first, end in runs:
            at = offsets[part]
            _copy_range(handles[part].fileno(), target, at[first], at[end] - at[first])
    finally:
        for handle in handles:
            handle.close()
