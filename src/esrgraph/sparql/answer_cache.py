"""Answers of a build folder's store kept on disk, so a question asked again is answered without running it.

On the persistent store, Oxigraph reads every row from RocksDB: at 30,000 projects an aggregate over every
project takes 1-5 s there, against 0.3-0.8 s in memory (measured in docs/performance.md). Researchers ask the
same questions again and again (a notebook rerun, the named queries), and a build folder's graph changes only
when it is built again, so an answer is kept under the key of the store's generation (which every change of the
graph files replaces) and the exact SPARQL text run (parameters bound). An answer is therefore never stale: a new
generation has no answers, and the folders of older generations are removed when a new one is first written.
A generation made by an incremental update takes over the answers of the one before that no changed triple can
alter (``carry``, by the triple patterns the query reads: ``esrgraph.sparql.reads``), so a rebuild after one
changed title runs again only the queries that read titles.

Answers are kept as SPARQL 1.1 JSON results, which hold every term exactly, and read back as Oxigraph's
``QuerySolutions`` or ``QueryBoolean``, so every output format is written from them by the same code as from a
query. Graph answers (CONSTRUCT, DESCRIBE) are not kept.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING

from pyoxigraph import (
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    QueryTriples,
    Store,
    Triple,
    parse_query_results,
)

from esrgraph.io.atomic import atomic_copy_file, atomic_write_bytes

if TYPE_CHECKING:
    from esrgraph.sparql.reads import QueryReads

#: Answers larger than this are not kept (a full dump of the graph as a SELECT is better run again than stored).
MAX_ANSWER_BYTES = 64 * 2**20
#: At most this many answers a generation; the oldest-used are removed past it.
MAX_ANSWERS = 500
#: The suffix of the file that holds an answer's query text, beside its ``.srj``.
QUERY_SUFFIX = ".rq"
#: What the kept answers' queries read (``reads.query_reads``), by the answers' names, in the answers folder: parsing
#: a query takes about 20 ms, and a rebuild asks it of every kept answer.
READS_FILE = "reads.json"


class AnswerCache:
    """The answers kept for one generation of a store, in ``folder/<generation>/``."""

    def __init__(self, folder: str | os.PathLike[str], generation: str) -> None:
        self.root = Path(folder)
        self.generation = generation
        self.folder = self.root / generation

    def _path(self, sparql: str, folder: Path | None = None) -> Path:
        return (folder or self.folder) / (hashlib.sha256(sparql.encode("utf-8")).hexdigest() + ".srj")

    def digest(self, sparql: str) -> str | None:
        """The SHA-256 of the kept answer's bytes (None: none is kept)."""
        try:
            with open(self._path(sparql), "rb") as handle:
                return hashlib.file_digest(handle, "sha256").hexdigest()
        except OSError:
            return None

    def has(self, sparql: str) -> bool:
        """Whether an answer to ``sparql`` is kept (not read: ``get`` reads it)."""
        return self._path(sparql).is_file()

    def get(self, sparql: str) -> QuerySolutions | QueryBoolean | None:
        """The kept answer to ``sparql``, or None."""
        path = self._path(sparql)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        try:  # Oxigraph parses results lazily: read the entry through once, so a damaged one shows here
            answer = parse_query_results(data, format=QueryResultsFormat.JSON)
            if isinstance(answer, QuerySolutions):
                for _ in answer:
                    pass
                answer = parse_query_results(data, format=QueryResultsFormat.JSON)
        except (SyntaxError, ValueError, OSError):  # a damaged entry is no answer: it is run and written again
            return None
        try:
            os.utime(path)  # its use, for pruning
        except OSError:
            pass
        return answer if isinstance(answer, QuerySolutions | QueryBoolean) else None

    def keep(self, sparql: str, answer: QuerySolutions | QueryBoolean | QueryTriples
             ) -> QuerySolutions | QueryBoolean | QueryTriples:
        """Keep ``answer`` (when it is a table or a boolean and the folder can be written) and return it to use:
        ``answer`` is an iterator that keeping consumes, so the answer returned is read back from what was kept."""
        if isinstance(answer, QueryTriples):
            return answer
        buffer = io.BytesIO()
        answer.serialize(buffer, format=QueryResultsFormat.JSON)
        data = buffer.getvalue()
        self.keep_results(sparql, data)
        result = parse_query_results(data, format=QueryResultsFormat.JSON)
        assert isinstance(result, QuerySolutions | QueryBoolean)
        return result

    def keep_results(self, sparql: str, data: bytes) -> None:
        """Keep ``data``, the answer to ``sparql`` as SPARQL JSON results, unless it is too large or the folder
        cannot be written (a read-only or full disk: the answer is still given, just not kept)."""
        if len(data) > MAX_ANSWER_BYTES:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            path = self._path(sparql)
            # the query's text beside its answer: what it reads decides whether a later generation may keep it
            atomic_write_bytes(path.with_suffix(QUERY_SUFFIX), sparql.encode("utf-8"), durable=False)
            atomic_write_bytes(path, data, durable=False)
            self._prune()
        except OSError:
            pass

    def carry(self, previous: str, changes: Collection[Triple]) -> int:
        """Take over the answers of generation ``previous`` that none of the ``changes`` (triples added or
        removed since) can alter: hard links (or copies) into this generation's folder; how many.

        An answer is taken only with its query's text, which must hash to its name: what the query reads
        (``reads.query_reads``) is decided from that text."""
        source = self.root / previous
        if previous == self.generation or not source.is_dir():
            return 0
        reads = _KeptReads(self.root / READS_FILE)
        carried = 0
        for answer in sorted(source.glob("*.srj")):
            try:
                sparql = answer.with_suffix(QUERY_SUFFIX).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            if self._path(sparql, source) != answer or reads.of(sparql, answer.stem).touched_by(changes):
                continue
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                for suffix in (QUERY_SUFFIX, ".srj"):  # not made durable: an answer lost to a crash is run again
                    atomic_copy_file(answer.with_suffix(suffix), self.folder / answer.with_suffix(suffix).name,
                                     durable=False)
            except OSError:
                continue
            carried += 1
        reads.save()
        return carried

    def _prune(self) -> None:
        """Remove other generations' answers, and this one's least recently used past ``MAX_ANSWERS``."""
        for other in self.root.iterdir():
            if other.name != self.generation and other.is_dir():
                shutil.rmtree(other, ignore_errors=True)
        entries = sorted(self.folder.glob("*.srj"), key=lambda p: p.stat().st_mtime_ns)
        for old in entries[: max(0, len(entries) - MAX_ANSWERS)]:
            old.unlink(missing_ok=True)
            old.with_suffix(QUERY_SUFFIX).unlink(missing_ok=True)


class AnsweringStore:
    """A store whose table and boolean answers are read from, and kept in, an ``AnswerCache`` of its generation:
    the build's quality queries, like the named ones, are then run again only when a change can alter them."""

    def __init__(self, store: Store, cache: AnswerCache) -> None:
        self.store = store
        self.cache = cache

    def query(self, query: str, /) -> QuerySolutions | QueryBoolean | QueryTriples:
        kept = self.cache.get(query)
        if kept is not None:
            return kept
        return self.cache.keep(query, self.store.query(query))

    def answer_digest(self, query: str) -> str:
        """The SHA-256 of the answer to ``query`` as SPARQL JSON results, kept or run (and kept) first: two equal
        digests are the same answer, rows in the same order."""
        digest = self.cache.digest(query)
        if digest is None:
            self.query(query)
            digest = self.cache.digest(query)
        if digest is None:  # not kept (too large, or the folder cannot be written): its bytes, run again
            buffer = io.BytesIO()
            result = self.store.query(query)
            if isinstance(result, QueryTriples):
                raise ValueError("a graph answer has no kept form")
            result.serialize(buffer, format=QueryResultsFormat.JSON)
            digest = hashlib.sha256(buffer.getvalue()).hexdigest()
        return digest


class _KeptReads:
    """What queries read, kept in a file by their texts' digests (``READS_FILE``); what is missing is parsed."""

    def __init__(self, path: Path) -> None:
        import json

        from esrgraph.sparql.reads import reader_fingerprint

        self.path = path
        self.program = reader_fingerprint()  # another reader may read queries otherwise
        try:
            kept = json.loads(path.read_bytes())
        except (OSError, ValueError):
            kept = {}
        table = kept.get("reads") if isinstance(kept, dict) and kept.get("program") == self.program else None
        self.table: dict[str, object] = table if isinstance(table, dict) else {}
        self.used: dict[str, object] = {}

    def of(self, sparql: str, name: str) -> QueryReads:
        from esrgraph.sparql.reads import QueryReads, query_reads

        kept = QueryReads.from_json(self.table.get(name))
        reads = kept if kept is not None else query_reads(sparql)
        self.used[name] = reads.to_json()
        return reads

    def save(self) -> None:
        """Keep the reads of the answers asked about this time (not made durable: they are parsed again if lost)."""
        import json

        if self.used != self.table:
            try:
                atomic_write_bytes(self.path, json.dumps({"program": self.program, "reads": self.used},
                                                         sort_keys=True).encode("utf-8"), durable=False)
            except OSError:
                pass
