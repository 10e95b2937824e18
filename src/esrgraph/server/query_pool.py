"""A small pool of worker processes, each holding the graph, for queries with a hard time limit.

A build folder is read from its store on disk (``sparql/store.py``), opened read-only by each worker in
a fraction of a second; a lone RDF file is loaded into each worker's memory.

pyoxigraph cannot cancel a running query from another thread, and a runaway query holds the GIL
only in parts, so threads would let one client starve the others. Each query therefore runs in a
worker process; a worker that passes its deadline is killed and a fresh one loads the graph in
the background. Memory stays bounded: a fixed number of workers, each with one copy of the store and
a ceiling on what a query may add to it (``--max-query-memory``; a worker that hits it ends and is
replaced), and answers cut at ``--max-rows`` and refused past ``--max-answer-bytes``. Unless SERVICE
is allowed, each worker gives up network access before it loads the graph (``sandbox.py``).
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import queue
import signal
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


#: The exit status of a worker whose query ran into the memory ceiling in Python code (MemoryError).
#: In Rust code an allocation failure aborts the process instead (SIGABRT); the pool reads both the same way.
OUT_OF_MEMORY_EXIT = 75


@dataclass(frozen=True)
class GraphInfo:
    """What a worker reports once the graph is loaded, and which of its limits this platform enforces."""

    base: str
    triples: int
    #: True when the worker has no network access (SERVICE cannot reach anything).
    network_denied: bool = False
    #: The worker's address-space ceiling in bytes, or None when none is set.
    memory_ceiling: int | None = None


def _worker_main(conn: multiprocessing.connection.Connection, graph: str, base: str | None, allow_network: bool,
                 memory_budget: int | None) -> None:
    """Runs in the worker process: drop network access, load the graph, cap memory, then answer tasks."""
    from esrgraph.server import sandbox

    # First of all, before any code reads input: unless SERVICE is allowed, no socket can be opened from here on.
    network_denied = False if allow_network else sandbox.deny_network()

    from urllib.parse import urlsplit

    from esrgraph.core.vocab import DEFAULT_BASE
    from esrgraph.server.endpoint import Endpoint, guess_base, ontology_labels
    from esrgraph.sparql.queries import load_store
    from esrgraph.sparql.store import open_build

    try:
        if os.path.isdir(graph):
            # A build folder: its store on disk, read-only (the parent made it in step before starting workers;
            # a worker never builds it, and loads the graph files into memory if it is not in step).
            opened = open_build(graph, build=False, notice=lambda message: None)
            store, triples = opened.store, (opened.info.triples if opened.info else None)
        else:
            store, triples = load_store(graph), None
        chosen = base or guess_base(store) or DEFAULT_BASE
        endpoint = Endpoint(store, chosen, urlsplit(chosen).path or "/", ontology_labels(),
                            network_denied=network_denied)
        if triples is None:
            triples = len(store)  # in memory: fast; on disk the manifest has it (counting there takes seconds)
        ceiling = sandbox.cap_memory(memory_budget) if memory_budget else None
        conn.send(("ready", GraphInfo(chosen, triples, network_denied, ceiling)))
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
        except MemoryError:
            # Over the ceiling: this worker's heap is now suspect, so it ends and the pool starts a fresh one.
            os._exit(OUT_OF_MEMORY_EXIT)
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

    def exit_status(self) -> int | None:
        """How the worker ended (negative: the signal), waiting briefly for a worker that is ending now."""
        self.process.join(timeout=2)
        code = self.process.exitcode
        return code if isinstance(code, int) else None


class WorkerPool:
    """``size`` worker processes holding the graph at ``graph``.

    Args:
        graph: an RDF file or build folder.
        base: the base IRI, or None to read it off the graph.
        size: number of workers (each holds a copy of the store).
        allow_network: let queries reach the network (SERVICE); otherwise each worker gives it up.
        memory_budget: bytes a query may add to a worker's memory (None: no ceiling).
    """

    def __init__(self, graph: str, base: str | None, size: int = 2, *, allow_network: bool = False,
                 memory_budget: int | None = None) -> None:
        self.graph = graph
        self.base = base
        self.size = max(1, size)
        self.allow_network = allow_network
        self.memory_budget = memory_budget
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
        process = self._ctx.Process(target=_worker_main, daemon=True, name="esrgraph-worker",
                                    args=(child, self.graph, self.base, self.allow_network, self.memory_budget))
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
            PoolError: 503 when all workers stay busy or the task passed its time limit; 422 when it passed the
                memory ceiling; 500 when the worker died otherwise.
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
            status = worker.exit_status()
            self._discard(worker)
            self._replace()
            if self.memory_budget and status in (OUT_OF_MEMORY_EXIT, -signal.SIGABRT):
                raise PoolError(f"the query needed more memory than this endpoint allows a query "
                                f"({self.memory_budget // 2**20} MiB, --max-query-memory) and was stopped; narrow it "
                                "(fewer or shorter values, LIMIT, no string doubling) or ask the operator for a "
                                "larger --max-query-memory", 422) from None
            raise PoolError("the query worker stopped unexpectedly; the query was not answered", 500) from None
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
