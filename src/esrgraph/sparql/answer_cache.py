"""Answers of a build folder's store kept on disk, so a question asked again is answered without running it.

On the persistent store, Oxigraph reads every row from RocksDB: at 30,000 projects an aggregate over every
project takes 1-5 s there, against 0.3-0.8 s in memory (measured in docs/performance.md). Researchers ask the
same questions again and again (a notebook rerun, the named queries), and a build folder's graph changes only
when it is built again, so an answer is kept under the key of the store's generation (which every change of the
graph files replaces) and the exact SPARQL text run (parameters bound). An answer is therefore never stale: a new
generation has no answers, and the folders of older generations are removed when a new one is first written.

Answers are kept as SPARQL 1.1 JSON results, which hold every term exactly, and read back as Oxigraph's
``QuerySolutions`` or ``QueryBoolean``, so every output format is written from them by the same code as from a
query. Graph answers (CONSTRUCT, DESCRIBE) are not kept.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
from pathlib import Path

from pyoxigraph import QueryBoolean, QueryResultsFormat, QuerySolutions, QueryTriples, parse_query_results

from esrgraph.io.atomic import atomic_write_bytes

#: Answers larger than this are not kept (a full dump of the graph as a SELECT is better run again than stored).
MAX_ANSWER_BYTES = 64 * 2**20
#: At most this many answers a generation; the oldest-used are removed past it.
MAX_ANSWERS = 500


class AnswerCache:
    """The answers kept for one generation of a store, in ``folder/<generation>/``."""

    def __init__(self, folder: str | os.PathLike[str], generation: str) -> None:
        self.root = Path(folder)
        self.generation = generation
        self.folder = self.root / generation

    def _path(self, sparql: str) -> Path:
        return self.folder / (hashlib.sha256(sparql.encode("utf-8")).hexdigest() + ".srj")

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
            atomic_write_bytes(self._path(sparql), data, durable=False)
            self._prune()
        except OSError:
            pass

    def _prune(self) -> None:
        """Remove other generations' answers, and this one's least recently used past ``MAX_ANSWERS``."""
        for other in self.root.iterdir():
            if other.name != self.generation and other.is_dir():
                shutil.rmtree(other, ignore_errors=True)
        entries = sorted(self.folder.glob("*.srj"), key=lambda p: p.stat().st_mtime_ns)
        for old in entries[: max(0, len(entries) - MAX_ANSWERS)]:
            old.unlink(missing_ok=True)
