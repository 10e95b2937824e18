"""How a sharded build cuts its work: input files into parse chunks, project records into shards,
organisations into parts; and the names of the files those parts are kept in.

Why here, apart: the main process and the workers must cut alike, and the cuts decide what a
rebuild can reuse (docs/decisions/20261201-shard-cache.md).
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from esrgraph.core import iris
from esrgraph.pipeline.workers import process_count

if TYPE_CHECKING:
    from esrgraph.pipeline.result import BuildOptions

#: ``BuildOptions.shards`` None: shard from this many input files on (below it a build is
#: a few seconds and worker start-up would cost more than it saves).
SHARD_MIN_FILES = 2000
#: Project records a shard is made for (memory per worker; the unit a rebuild redoes): small enough
#: that a rebuild after one change maps and checks few projects, with no cost to a full build
#: (docs/decisions/20261202-smaller-shards.md).
RECORDS_PER_SHARD = 300
#: Files a parse task takes.
FILES_PER_CHUNK = 200

#: A parse chunk's file of (code, merge order, source, applicant, co-implementers) of each record.
ORGANISATIONS = "organisations.pickle"
#: A parse chunk's pickle (``ORDER.pickle``, beside the shards' record pickles) of the shard of each
#: of its records, in input order.
ORDER = "order"
#: The suffix of a mapped shard's file of its organisations' facts, beside its blocks (``organisation_facts``).
ORGANISATION_FACTS = ".organisations"


def organisation_facts(stem: str | Path) -> Path:
    """The file of a mapped shard's organisations' facts, beside its blocks (``stem``: ``MapOutcome.stem``).

    Apart from its outcome, in the work folder as in the shard cache: only writing organisation parts reads them,
    one shard at a time. They were most of the time a rebuild spent loading kept outcomes
    (docs/decisions/20261202-smaller-shards.md), and held in the main process for every shard until the parts were
    written they were its largest growth: about 3 MB a shard, 1 GB at 100,000 descriptions.
    """
    return Path(f"{stem}{ORGANISATION_FACTS}")


def shard_of(code: str, shards: int) -> int:
    """The shard of a project code: by its IRI segment, so codes that name one IRI share a shard."""
    return zlib.crc32(iris.segment(code).encode("utf-8")) % shards


def shard_count(files: int, options: BuildOptions, previous: int | None = None) -> int:
    """How many shards to cut ``files`` input files into (``options.shards`` when set).

    ``previous``: the count the build cache's parts were made with. It is kept while it gives
    between half and twice ``RECORDS_PER_SHARD`` files a shard: every part's key holds the count, so
    a new count redoes every part, and the count would otherwise change every 300 files added. The
    output does not depend on the count (parts own disjoint subjects; the merge sorts them).
    """
    if options.shards is not None:
        return options.shards
    wanted = max(2 * process_count(options.workers), -(-files // RECORDS_PER_SHARD))
    if previous is not None and previous >= 2 * process_count(options.workers) and wanted / 2 <= previous <= 2 * wanted:
        return previous
    return wanted


def wants_shards(files: int, options: BuildOptions) -> bool:
    """Whether ``build`` takes the sharded path: large inputs, the fast validator, our own shapes."""
    if options.validator != "fast" or options.shapes is not None:
        return False
    if options.shards is not None:
        return options.shards > 1
    return files >= SHARD_MIN_FILES and (os.cpu_count() or 1) > 1


def chunk_files(files: Sequence[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """Cut the input files into parse chunks at content-defined places.

    A chunk ends after a file whose display name hashes to 0 modulo ``FILES_PER_CHUNK``
    (or at twice that size), so adding or removing a file changes its own chunk only, and
    a rebuild reuses every other chunk.
    """
    chunks: list[list[tuple[str, str]]] = [[]]
    for item in files:
        chunks[-1].append(item)
        if zlib.crc32(item[1].encode("utf-8")) % FILES_PER_CHUNK == 0 or len(chunks[-1]) >= 2 * FILES_PER_CHUNK:
            chunks.append([])
    return [chunk for chunk in chunks if chunk]


def organisation_part(iri: str, parts: int) -> int:
    """The organisation part of an organisation IRI: by hash, not by range, so a new
    organisation changes its own part only."""
    return zlib.crc32(iri.encode("utf-8")) % parts
