"""The release's graph files made chunk by chunk from the sorted N-Triples, each chunk's share kept by its digest,
so that a rebuild after one changed description makes one chunk again and writes the same bytes as a full build.

A chunk's *piece* is what the release makes of those bytes alone:

- its gzip member: members one after another are one gzip file (RFC 1952, 2.2), which every reader takes whole;
- its JSON-LD node objects as one gzip member, which join into esrgraph.jsonld.gz;
- its share of the catalogue's statistics (``GraphCounter.share``) and of the vocabulary documents
  (``VocabDocsCollector.share``);
- 64-bit digests of its distinct objects, for VoID's distinct objects, which cross chunks.

Where chunks end depends on the bytes alone (content-defined chunking): at least ``CHUNK_BYTES`` after the start of
a chunk, before the first subject further on whose CRC-32 is a multiple of ``CUT_EVERY``. An edit moves the end
of its own chunk by the bytes it adds or takes, which almost always still falls before the same subject, so every
other chunk keeps its bytes and its digest. Pieces are kept in ``CACHE/release/`` when the build keeps a cache
(``--incremental``), named by the SHA-256 of the chunk and of everything else the piece depends on.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
import re
import shutil
import sys
import tempfile
import threading
import zlib
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyoxigraph import Triple

from esrgraph.io.atomic import atomic_copy_file, atomic_write_bytes
from esrgraph.io.export import GZIP_LEVEL, JSONLD_GZIP_LEVEL, gzip_member, read_ntriples_bytes
from esrgraph.io.framed import framed, unframed
from esrgraph.io.mapped import let_go, mapped
from esrgraph.io.pagecache import drop_cached
from esrgraph.pipeline.stages import cyclic_gc_paused
from esrgraph.publish.catalog import GraphCounter
from esrgraph.publish.collaboration import (
    COLLABORATION_FILES,
    CollaborationCollector,
    CollaborationFiles,
    CollaborationNetwork,
    NetworkFacts,
)
from esrgraph.publish.jsonld import NODE_SEPARATOR, NODES_START, node_objects
from esrgraph.publish.network_parts import NetworkGraph, NetworkParts, PartsMade
from esrgraph.publish.vocabdocs import VocabDocsCollector

#: A chunk ends no earlier than this many bytes after its start ...
CHUNK_BYTES = 4 << 20
#: ... before the first subject whose CRC-32 is a multiple of this (about that many subjects further on).
CUT_EVERY = 16
#: From N-Triples of this many bytes on, worker processes make the missing pieces, however few (below it, starting
#: them costs more than the pieces). Not the missing bytes: a rebuild after one change of a large graph makes a few
#: pieces, which, made where first asked, the build's network step and the release's thread both made, one after the
#: other under the GIL (six pieces, 2.9 s, after a changed amount at 30,000 descriptions). Given to workers at once,
#: they are made beside the SHACL reports; the network's step then waited 1.3 s for them in one measured rebuild.
PROCESS_BYTES = 64 << 20
#: The name of a folder of kept collaboration files starts with this, then ``PieceSet.collaboration_key``.
KEPT_COLLABORATION = "collaboration-"
#: The network's RDF file, which the build's query store loads.
COLLABORATION_TURTLE = COLLABORATION_FILES[0]
#: The pieces' layout; a piece of another layout is made again.
PIECE_FORMAT = b"esrgraph-release-piece 2\n"

#: One subject's lines (sorted N-Triples hold them together): the subject, then the rest of each line.
_BLOCK = re.compile(rb"(<[^>\n]*>|_:[^ \n]*) [^\n]*\n(?:\1 [^\n]*\n)*")


def chunk_spans(data: bytes | mmap.mmap) -> list[tuple[int, int]]:
    """Where the chunks of sorted N-Triples ``data`` start and end (see the module's docstring); one chunk from
    the first thing that is not a line of a triple with its subject first to the end."""
    spans, start, size = [], 0, len(data)
    while start < size:
        end = _next_cut(data, start, size)
        spans.append((start, end))
        start = end
    return spans


def _next_cut(data: bytes | mmap.mmap, start: int, size: int) -> int:
    landing = start + CHUNK_BYTES
    if landing >= size:
        return size
    line = data.find(b"\n", landing - 1)
    if line == -1:
        return size
    m = _BLOCK.match(data, line + 1)  # the rest of the subject landed in, then whole subjects
    while m is not None:
        pos = m.end()
        m = _BLOCK.match(data, pos)
        if m is not None and zlib.crc32(m.group(1)) % CUT_EVERY == 0:
            return pos
    return size


@dataclass(frozen=True)
class PieceSettings:
    """Everything besides a chunk's bytes that its piece depends on."""

    base: str
    prefixes: dict[str, str]
    #: The program's fingerprint (a changed program makes its pieces again); empty: no cache.
    program: str = ""

    def salt(self) -> bytes:
        return json.dumps([PIECE_FORMAT.decode(), self.base, sorted(self.prefixes.items()), self.program, GZIP_LEVEL, JSONLD_GZIP_LEVEL,
                           VocabDocsCollector().limit, sys.byteorder]).encode("utf-8")


def make_piece(chunk: bytes, settings: PieceSettings) -> bytes:
    """The piece of one chunk of sorted N-Triples (a whole number of subjects), as bytes to keep."""
    counter, docs, network = GraphCounter(settings.base), VocabDocsCollector(), CollaborationCollector()
    count, collect, participate = counter.add, docs.add, network.add

    def fed(triples: Iterable[Triple]) -> Iterator[Triple]:
        for t in triples:
            count(t)
            collect(t)
            participate(t)
            yield t

    nodes = node_objects(fed(read_ntriples_bytes(chunk)), settings.prefixes)
    nodes_member = gzip_member(nodes, JSONLD_GZIP_LEVEL) if nodes else b""
    examples, codes = docs.share()
    objects = array("Q", counter.object_digests()).tobytes()
    member = gzip_member(chunk)
    collaboration = json.dumps(network.share(), ensure_ascii=False, sort_keys=True)
    return framed(PIECE_FORMAT, {"counts": counter.share(), "examples": examples, "collaboration": collaboration},
                  (member, nodes_member, objects, codes))


@dataclass
class Piece:
    """A piece read back."""

    counts: dict[str, Any]
    examples: dict[str, list[str]]
    #: The chunk's share of the collaboration network (``CollaborationCollector.share``) as JSON text.
    collaboration: str
    member: bytes
    #: The chunk's JSON-LD node objects (joined by ``NODE_SEPARATOR``) as one gzip member; empty when it has none.
    nodes_member: bytes
    objects: memoryview
    codes: bytes

    @classmethod
    def parse(cls, data: bytes) -> Piece | None:
        """The piece in ``data``; None when it is not a whole piece of this layout."""
        read = unframed(data, PIECE_FORMAT, 4)
        if read is None:
            return None
        head, (member, nodes_member, objects, codes) = read
        if len(objects) % 8 or not isinstance(head.get("collaboration"), str) or not isinstance(
                head.get("counts"), dict) or not isinstance(head.get("examples"), dict):
            return None
        return cls(head["counts"], head["examples"], head["collaboration"], member, nodes_member,
                   memoryview(objects).cast("Q"), codes)


def _make_piece_file(source: str, start: int, end: int, settings: PieceSettings, target: str) -> None:
    """Make the piece of bytes ``start:end`` of ``source`` into ``target`` (run in a worker process)."""
    with open(source, "rb") as handle:
        chunk = os.pread(handle.fileno(), end - start, start)
    atomic_write_bytes(target, make_piece(chunk, settings), durable=False)


@dataclass
class Assembled:
    """What the release reads off the pieces besides the two files they were written into."""

    counter: GraphCounter
    docs: VocabDocsCollector
    distinct_objects: int


class PieceSet:
    """The pieces of one sorted N-Triples file (or its bytes): taken from ``cache`` where it holds them, the others
    made there (by ``workers`` processes when there is much to make), or, with no cache, in a hidden folder made in
    ``scratch`` and removed by ``close``. Pieces no chunk of this file uses are removed from the cache."""

    def __init__(self, ntriples: Path | bytes, settings: PieceSettings, *, cache: Path | None = None,
                 scratch: Path, workers: int = 2) -> None:
        self._stack = stack = ExitStack()
        try:
            self._data = data = _bytes_of(ntriples, stack)
            self.spans = chunk_spans(data)
            self.settings = settings
            salt = settings.salt()
            whole = hashlib.sha256()
            self.keys = []
            # Each chunk is hashed twice, into the whole file's digest and its own, at once on two cores (hashlib
            # lets go of the GIL); a piece's key is the digest of the settings' salt and the chunk's digest.
            with memoryview(data) as view, ThreadPoolExecutor(max_workers=1) as hasher:
                for start, end in self.spans:
                    whole_done = hasher.submit(whole.update, view[start:end])
                    own = hashlib.sha256(view[start:end]).digest()
                    self.keys.append(hashlib.sha256(salt + own).hexdigest())
                    whole_done.result()
                    let_go(data, start, end)
            #: SHA-256 of the whole N-Triples.
            self.ntriples_digest = whole.hexdigest()
            self.folder = cache if cache is not None else Path(stack.enter_context(_scratch(scratch)))
            self.folder.mkdir(parents=True, exist_ok=True)
            # Which pieces are kept is read from the folder's names, not from each file: right after the merge, 1.7
            # GB of graph files are being synced, and 282 small reads of kept pieces queued behind those writes took
            # 3.7 s at 30,000 descriptions. A kept piece that is not whole is made when it is read (``piece``).
            kept = _names_in(self.folder)
            missing = [k for k, key in enumerate(self.keys) if key not in kept]
            #: How many pieces were made, not taken from the cache.
            self.made = len(missing)
            self._pool, self._futures = _make_missing(stack, ntriples, self.spans, missing, settings, self.folder,
                                                      self.keys, workers)
            self._cache = cache
            self._used = set(self.keys)
            self._collaboration_files: CollaborationFiles | None = None
            #: The network's parts, between ``write_collaboration_turtle`` and ``collaboration_files``, and its folder.
            self._network_parts: NetworkParts | None = None
            self._network_folder: Path | None = None
            self._collaboration_lock = threading.Lock()
            self._cancelled = threading.Event()
            #: How many of the network's parts were made and how many kept (when its files were made).
            self.network_parts = PartsMade()
        except BaseException:
            stack.close()
            raise

    def __enter__(self) -> PieceSet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def cancel(self) -> None:
        """Make ``write`` (on another thread) stop before its next piece, and ``collaboration_files`` not begin the
        network: the build stopped, and should not wait for them to finish."""
        self._cancelled.set()

    def close(self) -> None:
        """Let go of the file and the workers, and remove what the cache holds that this set did not use."""
        try:
            self._stack.close()
        finally:
            if self._cache is not None:
                _prune(self._cache, self._used)

    def wait(self) -> None:
        """Wait until the worker processes made every piece they were given (and let them go)."""
        for future in self._futures.values():
            future.result()
        if self._pool is not None:  # idle workers would keep what they grew to until the set is closed
            self._pool.shutdown()

    def _made(self, k: int) -> None:
        """Wait for the worker making the ``k``-th piece, if one is."""
        future = self._futures.get(k)
        if future is not None:
            future.result()

    def piece(self, k: int) -> Piece:
        """The ``k``-th piece, once made; made here when it is missing or not whole."""
        self._made(k)
        path = self.folder / self.keys[k]
        try:
            piece = Piece.parse(path.read_bytes())
        except OSError:
            piece = None
        if piece is None:
            start, end = self.spans[k]
            made = make_piece(bytes(self._data[start:end]), self.settings)
            atomic_write_bytes(path, made, durable=False)
            piece = Piece.parse(made)
            assert piece is not None
        return piece

    def collaboration_key(self, shares: Sequence[bytes] | None = None) -> str:
        """A digest of the collaboration network's facts in every chunk (``shares``: ``_collaboration_shares``, when
        the caller read them): the network is the same when it is."""
        digest = hashlib.sha256(self.settings.salt())
        for share in self._collaboration_shares() if shares is None else shares:
            digest.update(hashlib.sha256(share).digest())
        return digest.hexdigest()

    def write_collaboration_turtle(self, target: Path) -> NetworkGraph | None:
        """``collaboration.ttl`` at ``target`` (atomically), as soon as it is known: a hard link to the kept file when
        the network's files are kept (only it checked here), else its bytes, joined from the network's parts before
        its tables are written. The build's query store waits for this file; the tables (484 MB at 30,000
        descriptions) are the release's alone, and ``collaboration_files`` checks or writes them later, on the
        release's thread. Returns what the parts say of the file's subjects for the store's update (None: the kept
        file, which the store most likely holds already)."""
        with self._collaboration_lock:
            kept = self._collaboration_files or self._network((COLLABORATION_TURTLE,))
            if kept is None:
                assert self._network_parts is not None
                with cyclic_gc_paused():
                    turtle = self._network_parts.turtle().turtle
                    graph = self._network_parts.graph()
        if kept is not None:
            atomic_copy_file(kept.path(COLLABORATION_TURTLE), target)
            return None
        atomic_write_bytes(target, turtle)
        return graph

    def collaboration_files(self) -> CollaborationFiles:
        """The collaboration dataset's files: kept in the cache (or the scratch folder) under
        ``collaboration_key``; when no build kept them for these facts, written from the network's parts
        (esrgraph.publish.network_parts), of which only those whose facts changed are made again."""
        with self._collaboration_lock:  # the release's thread asks too, and waits for the build's network step
            kept = self._collaboration_files or self._network(COLLABORATION_FILES)
            if kept is None:
                assert self._network_parts is not None and self._network_folder is not None
                # The last build's tables, which these replace, let go of first: their pages hold these (io.pagecache).
                drop_cached(path for folder in self.folder.glob(f"{KEPT_COLLABORATION}*")
                            if folder != self._network_folder and folder.is_dir() for path in folder.iterdir())
                with cyclic_gc_paused():  # millions of pairs and facts, no cycles: rescanning them doubles the time
                    kept = self._network_parts.write(self._network_folder)
                self._network_parts = None  # the facts are let go
            self._used.update(kept.parts)  # kept for the next change of the network
            self._collaboration_files = kept
            return kept

    def _network(self, check: Sequence[str]) -> CollaborationFiles | None:
        """The network's kept files, those of ``check`` checked (when a build kept them for these facts; the Turtle,
        12 MB, is checked again with the tables); else None, and ``_network_parts`` set to make them from (once).
        Called under ``_collaboration_lock``."""
        if self._cancelled.is_set():
            raise CancelledError("the build stopped: the collaboration network is not made")
        if self._network_parts is not None:
            return None
        shares = None
        if self._network_folder is None:
            shares = self._collaboration_shares()  # read once for the key and, when not kept, the facts
            self._network_folder = self.folder / f"{KEPT_COLLABORATION}{self.collaboration_key(shares)}"
            self._used.add(self._network_folder.name)
        kept = CollaborationFiles.read(self._network_folder, check=check)
        if kept is not None:
            return kept
        with cyclic_gc_paused():
            facts = self._collaboration_facts(shares)
            del shares
            self._network_parts = NetworkParts(facts, self.settings.base, parts=self.folder,
                                               salt=self.settings.salt(), used=self._used, counts=self.network_parts)
        return None

    def collaboration(self) -> CollaborationNetwork:
        """The collaboration network of the whole graph, from the chunks' shares."""
        return self._collaboration_facts().network()

    def _collaboration_facts(self, shares: Sequence[bytes] | None = None) -> NetworkFacts:
        network = CollaborationCollector()
        for share in self._collaboration_shares() if shares is None else shares:
            network.merge(json.loads(share))
        return network.facts()

    def _collaboration_shares(self) -> list[bytes]:
        """Every piece's share of the network, as UTF-8 JSON (about 1 MB for 1,000 descriptions)."""
        return [self._collaboration_share(k).encode("utf-8") for k in range(len(self.keys))]

    def _collaboration_share(self, k: int) -> str:
        """The ``k``-th piece's share of the network, read from its head alone (not its files' bytes)."""
        self._made(k)
        try:
            with open(self.folder / self.keys[k], "rb") as handle:
                if handle.read(len(PIECE_FORMAT)) == PIECE_FORMAT:
                    share = json.loads(handle.readline())["collaboration"]
                    if isinstance(share, str):
                        return share
        except (OSError, ValueError, KeyError, TypeError):
            pass
        return self.piece(k).collaboration  # not whole: made again

    def write(self, write_gzip: Callable[[bytes], object], write_jsonld: Callable[[bytes], object]) -> Assembled:
        """Write the gzipped N-Triples and the gzipped JSON-LD's node objects (as ``JsonLdWriter`` writes them after
        the document's head, each separator its own small member) through the two callables, piece by piece; the
        statistics and documents' facts."""
        counter, docs = GraphCounter(self.settings.base), VocabDocsCollector()
        objects: list[memoryview] = []
        between = gzip_member(NODE_SEPARATOR, JSONLD_GZIP_LEVEL)
        separator = gzip_member(NODES_START, JSONLD_GZIP_LEVEL)
        for k in range(len(self.keys)):
            if self._cancelled.is_set():
                raise CancelledError("the build stopped: the release is not written")
            piece = self.piece(k)
            write_gzip(piece.member)
            if piece.nodes_member:
                write_jsonld(separator)
                write_jsonld(piece.nodes_member)
                separator = between
            counter.merge(piece.counts)
            docs.merge(piece.examples, piece.codes)
            objects.append(piece.objects)
        if not self.keys:  # no triples: still a gzip file, of nothing
            write_gzip(gzip_member(b""))
        return Assembled(counter, docs, _distinct(objects))


def _bytes_of(ntriples: Path | bytes, stack: ExitStack) -> bytes | mmap.mmap:
    if isinstance(ntriples, bytes):
        return ntriples
    return stack.enter_context(mapped(stack.enter_context(open(ntriples, "rb"))))


@contextmanager
def _scratch(where: Path) -> Iterator[str]:
    """A hidden folder in ``where`` for the pieces of a build that keeps no cache (removed after, and, when a killed
    build left one, by the next)."""
    where.mkdir(parents=True, exist_ok=True)
    for stale in where.glob(".release-pieces.*.tmp"):
        shutil.rmtree(stale, ignore_errors=True)
    folder = tempfile.mkdtemp(prefix=".release-pieces.", suffix=".tmp", dir=where)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _names_in(folder: Path) -> set[str]:
    """The names of the files in ``folder`` (one listing, no file opened)."""
    try:
        with os.scandir(folder) as entries:
            return {entry.name for entry in entries}
    except OSError:
        return set()


def _make_missing(stack: ExitStack, ntriples: Path | bytes, spans: Sequence[tuple[int, int]], missing: Sequence[int],
                  settings: PieceSettings, folder: Path, keys: Sequence[str],
                  workers: int) -> tuple[ProcessPoolExecutor | None, dict[int, Future[None]]]:
    """Start making the ``missing`` pieces in worker processes when the graph is large (then the pool and their
    futures); else nothing here: ``PieceSet.piece`` makes them as they are read."""
    if not isinstance(ntriples, Path) or workers < 2 or not missing or (spans[-1][1] if spans else 0) < PROCESS_BYTES:
        return None, {}
    from multiprocessing import get_context

    from esrgraph.pipeline.workers import process_pool

    # Spawned, not forked: a fork would share (and count as its own) the whole memory of a large build.
    pool = stack.enter_context(process_pool(min(workers, len(missing)), get_context("spawn")))
    return pool, {k: pool.submit(_make_piece_file, str(ntriples), *spans[k], settings, str(folder / keys[k]))
                  for k in missing}


def _prune(cache: Path, keep: set[str]) -> None:
    """Remove what this build did not use (an earlier build's pieces and collaboration files), so the cache does
    not grow."""
    for path in cache.iterdir():
        if path.name in keep:
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _distinct(objects: Sequence[memoryview]) -> int:
    """How many distinct digests the sorted ``objects`` hold together, counted by the top byte's 256 ranges, so
    that no more than a 256th of them is in a set at once."""
    total = 0
    for top in range(256):
        low, high = top << 56, (top + 1) << 56
        seen: set[int] = set()
        for digests in objects:
            seen.update(digests[bisect_left(digests, low):bisect_left(digests, high)])
        total += len(seen)
    return total
