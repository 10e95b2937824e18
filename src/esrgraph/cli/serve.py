"""``esrgraph serve``: the read-only SPARQL endpoint and resource pages."""

from __future__ import annotations

import errno
import signal
import socket
import sys
from pathlib import Path

import click

from esrgraph.cli.common import CONTEXT
from esrgraph.server.http import Settings, make_server
from esrgraph.server.query_pool import PoolError, WorkerPool


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # so that SIGTERM also closes the socket and stops the workers


def _listen_error(host: str, port: int, exc: OSError) -> str:
    """Why the server cannot listen on host:port, and what to do instead."""
    where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    if isinstance(exc, socket.gaierror):
        return (f"cannot listen on {where}: {host!r} is not a host name or address this machine resolves "
                f"({exc.strerror}); give --host 127.0.0.1 (this machine only) or 0.0.0.0 (all interfaces)")
    if exc.errno == errno.EADDRINUSE:
        return (f"cannot listen on {where}: the port is in use by another program; stop it, "
                "or give another --port (--port 0 picks a free one)")
    if exc.errno == errno.EADDRNOTAVAIL:
        return (f"cannot listen on {where}: {host} is not an address of this machine; "
                "give --host 127.0.0.1 (this machine only) or 0.0.0.0 (all interfaces)")
    if exc.errno == errno.EACCES:
        return (f"cannot listen on {where}: not allowed ({exc.strerror}); ports below 1024 need privileges, "
                "give a --port of 1024 or more")
    return f"cannot listen on {where}: {exc.strerror or exc}; check --host and --port"


@click.command("serve", context_settings=CONTEXT)
@click.argument("graph", required=False, default="out", type=click.Path(path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind (0.0.0.0 exposes it to the network).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port (0 picks a free one).")
@click.option("--base", help="Base IRI of the data (read off the graph when not given).")
@click.option("--timeout", default=10.0, show_default=True, type=click.FloatRange(0, min_open=True),
              help="Seconds a query may run before it is stopped.")
@click.option("--max-rows", default=10000, show_default=True, type=click.IntRange(0),
              help="Most rows (or triples) in one answer; 0 for no limit. Cut answers say so.")
@click.option("--max-answer-bytes", default=32_000_000, show_default=True, type=click.IntRange(0),
              help="Largest answer in bytes (--max-rows bounds rows, not bytes); a query asking for more gets 422. "
                   "0 for no limit.")
@click.option("--max-query-memory", default=1024, show_default=True, type=click.IntRange(0), metavar="MIB",
              help="MiB of memory a query may use beyond the loaded graph; a query needing more gets 422 and its "
                   "worker is replaced. 0 for no limit.")
@click.option("--max-request-bytes", default=1_000_000, show_default=True, type=click.IntRange(1),
              help="Largest accepted query or POST body.")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1),
              help="Query worker processes (each holds the graph).")
@click.option("--max-clients", default=64, show_default=True, type=click.IntRange(1),
              help="Requests handled at once; more get 503.")
@click.option("--allow-service", is_flag=True,
              help="Allow federated SERVICE calls (refused by default: the query workers then have no network).")
@click.option("--client-timeout", default=20.0, show_default=True, type=click.FloatRange(0, min_open=True),
              help="Seconds a client may stay silent while sending a request before it is dropped.")
@click.option("-q", "--quiet", is_flag=True, help="Do not log each request.")
def serve_command(graph: Path, host: str, port: int, base: str | None, timeout: float, max_rows: int,
                  max_answer_bytes: int, max_query_memory: int, max_request_bytes: int, workers: int,
                  max_clients: int, allow_service: bool, client_timeout: float, quiet: bool) -> None:
    """Serve GRAPH (an RDF file or a build folder, default ./out) as a read-only SPARQL endpoint.

    SPARQL at /sparql; every IRI under the base at the same path (base https://w3id.org/esrgraph/id/ ->
    http://HOST:PORT/esrgraph/id/project/S21093); a query page at /.
    """
    from esrgraph.core.errors import InputError, UsageError

    target = graph / "esrgraph.ttl" if graph.is_dir() else graph
    if not target.is_file():
        raise InputError(str(target), "no such RDF file", "run `esrgraph build` first, or name a .ttl/.nt file")
    if graph.is_dir():
        from esrgraph.sparql.store import ensure_build_store

        # Made (or brought in step) here, once, so that every worker opens it read-only and none builds it.
        try:
            ensure_build_store(graph, notice=lambda message: click.echo(f"esrgraph: {message}", err=True))
        except OSError as exc:  # a full disk, say: the workers then load the graph into memory, as without a store
            click.echo(f"esrgraph: {graph}: the query store cannot be made ({exc}); loading the graph into memory",
                       err=True)
    memory = max_query_memory * 2**20 or None
    pool = WorkerPool(str(graph), base, workers, allow_network=allow_service, memory_budget=memory)
    try:
        try:
            info = pool.start()
        except PoolError as exc:
            raise InputError(str(target), str(exc)) from None
        settings = Settings(pool, info, timeout=timeout, max_rows=max_rows or None,
                            max_request_bytes=max_request_bytes, allow_service=allow_service, max_clients=max_clients,
                            max_answer_bytes=max_answer_bytes or None, max_query_memory=memory)
        try:
            server = make_server(settings, host, port, quiet, client_timeout)
        except OSError as exc:  # port in use, unknown host, not an address of this machine: the user's to fix
            raise UsageError(_listen_error(host, port, exc)) from None
        bound_host, bound_port = server.server_address[:2]
        host_text = bound_host.decode() if isinstance(bound_host, bytes) else bound_host
        url = f"http://{host_text}:{bound_port}"
        click.echo(f"esrgraph: serving {target} ({info.triples} triples) at {url}/", err=True)
        click.echo(f"  SPARQL endpoint: {url}/sparql   data: {info.base} -> {url}{settings.base_path}", err=True)
        click.echo(f"  {settings.limits_text()}  Ctrl-C stops.", err=True)
        sys.stderr.flush()
        signal.signal(signal.SIGTERM, _stop)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
    finally:
        pool.close()
