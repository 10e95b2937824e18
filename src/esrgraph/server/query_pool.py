"""A small pool of worker processes, each holding the graph, for queries with a hard time limit.

pyoxigraph cannot cancel a running query from another thread, and a runaway query holds the GIL
only in parts, so threads would let one client starve the others. Each query therefore runs in a
worker process; a worker that passes its deadline is killed and a fresh one loads the graph in
the background. Memory stays bounded: a fixed number of workers, each with one copy of the store,
and results cut at ``--max-rows`` before they are sent back.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import queue
import threading
import time
from dataclasses import dataclass
from typing import Any

from esrgraph.server.endpoint import Response

#: How long a new worker may take to load the graph before the pool gives up on it.
STARTUP_SECONDS = 300.0


class PoolError(Exception):
    """A task could not be answered: busy, too slow or the worker died. ``status`` is the HTTP status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class GraphInfo:
    """What a worker reports once the graph is loaded."""

    base: str
    triples: int


def _worker_main(conn: multiprocessing.connection.Connection, graph: str, base: str | None) -> None:
    """Runs in the worker process: load the graph, then answer tasks until the pipe closes."""
    from urllib.parse import urlsplit

    from esrgraph.core.vocab import DEFAULT_BASE
    from esrgraph.server.endpoint import Endpoint, guess_base, ontology_labels
    from esrgraph.sparql.queries import load_store

    try:
        store = load_store(graph)
        chosen = base or guess_base(store) or DEFAULT_BASE
        endpoint = Endpoint(store, chosen, urlsplit(chosen).path or "/", ontology_labels())
        conn.send(("ready", GraphInfo(chosen, len(store))))
    except Exception as exc:  # reported to the parent, which prints it and exits
        conn.send(("error", str(exc)))
        return
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        try:
            kind = task[0]
            if kind == "query":
                response = endpoint.query(*task[1:])
            elif kind == "resource":
                response = endpoint.resource(*task[1:])
            else:
                response = Response(500, "text/plain; charset=utf-8", b"unknown task\n")
        except Exception as exc:  # a bug must not kill the worker silently
            response = Response(500, "text/plain; charset=utf-8", f"internal error: {type(exc).__name__}: {exc}\n".encode())
        try:
            conn.send(response)
        except (OSError, ValueError):
            return


class _Worker:
    def __init__(self, process: Any, conn: multiprocessing.connection.Connection) -> None:
        self.process = process
        self.conn = conn

    def kill(self) -> None:
        try:
            self.process.kill()
        except (OSError, ValueError, AttributeError):
            pass
        self.process.join(timeout=5)
        self.conn.close()


class WorkerPool:
    """``size`` worker processes holding the graph at ``graph``.

    Args:
        graph: an RDF file or build folder.
        base: the base IRI, or None to read it off the graph.
        size: number of workers (each holds a copy of the store).
    """

    def __init__(self, graph: str, base: str | None, size: int = 2) -> None:
        self.graph = graph
        self.base = base
        self.size = max(1, size)
        self._ctx = multiprocessing.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = threading.Event()  # set by close(), read by the replacing threads
        self.info: GraphInfo | None = None
        self.replaced = 0

    def start(self) -> GraphInfo:
        """Start the workers and wait until they have loaded the graph.

        Raises:
            PoolError: a worker could not load the graph (the message says why).
        """
        workers = [self._launch() for _ in range(self.size)]
        for worker in workers:
            self.info = self._await_ready(worker)
            self._idle.put(worker)
        assert self.info is not None
        return self.info

    def _launch(self) -> _Worker:
        parent, child = self._ctx.Pipe()
        process = self._ctx.Process(target=_worker_main, args=(child, self.graph, self.base), daemon=True,
                                    name="esrgraph-worker")
        process.start()
        child.close()
        worker = _Worker(process, parent)
        with self._lock:
            self._all.add(worker)
        return worker

    def _await_ready(self, worker: _Worker) -> GraphInfo:
        if not worker.conn.poll(STARTUP_SECONDS):
            self._discard(worker)
            raise PoolError("a worker took too long to load the graph", 503)
        try:
            kind, value = worker.conn.recv()
        except (EOFError, OSError):
            self._discard(worker)
            raise PoolError("a worker died while loading the graph", 503) from None
        if kind != "ready" or not isinstance(value, GraphInfo):
            self._discard(worker)
            raise PoolError(str(value), 503)
        return value

    def _discard(self, worker: _Worker) -> None:
        worker.kill()
        with self._lock:
            self._all.discard(worker)

    def _replace(self) -> None:
        def run() -> None:
            if self._closed.is_set():
                return
            try:
                worker = self._launch()
                self._await_ready(worker)
            except PoolError:
                time.sleep(1.0)
                if not self._closed.is_set():
                    self._replace()
                return
            if self._closed.is_set():
                self._discard(worker)
            else:
                self._idle.put(worker)

        self.replaced += 1
        threading.Thread(target=run, name="esrgraph-worker-replace", daemon=True).start()

    def run(self, task: tuple[Any, ...], timeout: float, wait: float) -> Response:
        """Answer ``task`` within ``timeout`` seconds, waiting at most ``wait`` seconds for a free worker.

        Raises:
            PoolError: 503 when all workers stay busy, the task passed its time limit, or the worker died.
        """
        try:
            worker = self._idle.get(timeout=wait)
        except queue.Empty:
            raise PoolError(f"all {self.size} query workers are busy; try again in a few seconds", 503) from None
        try:
            worker.conn.send(task)
            if worker.conn.poll(timeout):
                response: Response = worker.conn.recv()
                self._idle.put(worker)
                return response
        except (EOFError, OSError, ValueError):
            self._discard(worker)
            self._replace()
            raise PoolError("the query worker stopped unexpectedly (out of memory?); the query was not answered",
                            500) from None
        self._discard(worker)
        self._replace()
        raise PoolError(f"the query ran longer than the {timeout:g} s time limit and was stopped; "
                        "narrow it (add LIMIT, filters, or fewer joins) or ask the operator for a longer --timeout", 503)

    def close(self) -> None:
        self._closed.set()
        with self._lock:
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            worker.kill()
