"""``esrgraph serve``: a read-only SPARQL 1.1 endpoint with a page for every resource.

Standard library HTTP (``ThreadingHTTPServer``) in front of a pool of worker processes that hold
the graph (``query_pool.py``); the workers answer (``endpoint.py``), this module routes, negotiates
the request side, enforces the limits and writes CORS headers.

The HTTP layer keeps the request framing safe on its own: a body is always read (up to
``--max-request-bytes``) or the connection is closed before anything is answered, so a body is never
taken for a second request on a kept-alive connection; ``Transfer-Encoding``, conflicting or malformed
``Content-Length`` and a malformed or missing ``Host`` are refused (and the connection closed).

CORS: every answer carries ``Access-Control-Allow-Origin: *``, so that any web page can query the
data, as a public SPARQL endpoint is for. That is safe because nothing here changes state or depends on
who asks: updates are refused, the data is public, no cookie or credential is read (and ``*`` keeps
browsers from sending them), and the query workers cannot reach the network, so a page cannot use the
endpoint to call other machines.

Routes:
    /sparql, <base path>sparql   SPARQL 1.1 Protocol (GET ?query=, POST form or application/sparql-query);
                                 with no query: the service description (Turtle by default).
    /                            the query page with the named queries as examples.
    <base path>...               the resource <base>... (HTML, Turtle, N-Triples, JSON-LD; .ttl/.nt/.jsonld).
    /resource?iri=IRI            any other IRI the graph describes (code list concepts, ontology terms).
"""

from __future__ import annotations

import ipaddress
import re
import socket
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from pyoxigraph import BlankNode, Literal, NamedNode, Triple, serialize

from esrgraph.server.endpoint import RDF_MEDIA_TYPES, RDF_SUFFIXES, Refused, Response, check_query, negotiate
from esrgraph.server.query_pool import GraphInfo, PoolError, WorkerPool

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Content-Type",
    "Access-Control-Expose-Headers": "X-Esrgraph-Truncated, X-Esrgraph-Rows, X-Esrgraph-Message, Content-Type",
    "Access-Control-Max-Age": "86400",
}


#: RFC 3986 host (reg-name or IPv4 address; an IP-literal in brackets) and port, as a Host header holds them.
_HOST = re.compile(r"(?:\[(?P<literal>[0-9A-Fa-f:.]+)\]|(?P<name>(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})*))"
                   r"(?::(?P<port>[0-9]*))?")
_DIGITS = re.compile(r"[0-9]{1,18}")


def parse_host(value: str) -> str:
    """The authority (``host[:port]``) a ``Host`` header names, checked against RFC 3986.

    >>> parse_host("data.example.fi:8000")
    'data.example.fi:8000'
    >>> parse_host("[::1]:80")
    '[::1]:80'
    >>> parse_host("x> . <y")
    Traceback (most recent call last):
    ...
    ValueError: not a host name or address with an optional port

    Raises:
        ValueError: the value is not one (empty, a space, ``<``, ``>``, ``"``, a second ``:`` ...).
    """
    match = _HOST.fullmatch(value.strip())
    if match is None:
        raise ValueError("not a host name or address with an optional port")
    literal, name, port = match.group("literal"), match.group("name"), match.group("port")
    if literal is not None:
        try:
            ipaddress.IPv6Address(literal)
        except ValueError:
            raise ValueError("not an IPv6 address in brackets") from None
        host = f"[{literal}]"
    elif name:
        host = name
    else:
        raise ValueError("empty")
    if port and int(port) > 65535:
        raise ValueError("the port is over 65535")
    return f"{host}:{port}" if port else host


class Settings:
    """What the handler needs to know: the pool, the limits and where the base is published."""

    def __init__(self, pool: WorkerPool, info: GraphInfo, *, timeout: float, max_rows: int | None,
                 max_request_bytes: int, allow_service: bool, max_clients: int, max_answer_bytes: int | None = None,
                 max_query_memory: int | None = None) -> None:
        self.pool = pool
        self.info = info
        self.base = info.base
        self.base_path = urlsplit(info.base).path or "/"
        if not self.base_path.endswith("/"):
            self.base_path += "/"
        self.timeout = timeout
        self.max_rows = max_rows
        self.max_request_bytes = max_request_bytes
        self.allow_service = allow_service
        self.clients = threading.BoundedSemaphore(max_clients)
        self.max_answer_bytes = max_answer_bytes
        self.max_query_memory = max_query_memory

    def limits_text(self) -> str:
        rows = f"{self.max_rows} rows" if self.max_rows else "no row limit"
        answer = f"{self.max_answer_bytes} bytes per answer" if self.max_answer_bytes else "no answer size limit"
        if self.max_query_memory and self.info.memory_ceiling:
            memory = f"{self.max_query_memory // 2**20} MiB of memory per query"
        else:
            memory = "no memory limit per query"
        if self.allow_service:
            service = "allowed"
        elif self.info.network_denied:
            service = "refused (the query workers have no network)"
        else:
            service = "refused by a check of the query text only (no network sandbox on this platform)"
        return (f"Limits: {self.timeout:g} s per query, {rows} and {answer}, {memory}, {self.max_request_bytes} "
                f"bytes per request; SERVICE {service}; updates refused.")


class Handler(BaseHTTPRequestHandler):
    server_version = "esrgraph"
    protocol_version = "HTTP/1.1"
    settings: Settings  # set on the subclass made by make_server
    #: Bytes of the request body not read yet; settled before any answer (read, or the connection closed).
    _body_left = 0
    _answered = False

    # --- plumbing ---------------------------------------------------------------------------------
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the stdlib's name)
        if not getattr(self.server, "quiet", False):
            super().log_message(format, *args)

    def parse_request(self) -> bool:
        """The standard checks, then the framing and Host checks; a refused request closes the connection."""
        self._body_left = 0
        self._answered = False
        if not super().parse_request():
            return False
        problem = self._framing_problem()
        if problem is None:
            return True
        self.close_connection = True
        self._error(*problem)
        return False

    def _framing_problem(self) -> tuple[int, str] | None:
        """Why the request's body length or Host cannot be trusted (None when they can); sets ``_body_left``."""
        if self.headers.get_all("Transfer-Encoding"):
            return 411, "this endpoint does not take Transfer-Encoding; send the body with a Content-Length header"
        values = {v.strip() for line in self.headers.get_all("Content-Length") or [] for v in line.split(",")}
        if len(values) > 1:
            return 400, "the Content-Length headers disagree"
        if values:
            value = values.pop()
            if value.startswith("-"):  # rfile.read(-1) would read until the client closes: unbounded time and memory
                return 400, "the Content-Length header is negative"
            if not _DIGITS.fullmatch(value):
                return 400, "the Content-Length header is not a number"
            self._body_left = int(value)
        hosts = self.headers.get_all("Host") or []
        if len(hosts) > 1:
            return 400, "the request has more than one Host header"
        if hosts:
            try:
                parse_host(hosts[0])
            except ValueError as exc:
                return 400, f"the Host header {hosts[0]!r} is {exc}"
        elif self.request_version != "HTTP/1.0":
            return 400, "an HTTP/1.1 request must carry a Host header"
        return None

    def _read_body(self) -> bytes:
        """The request body (its length was checked against the limit by the caller)."""
        wanted, self._body_left = self._body_left, 0
        data = self.rfile.read(wanted)
        if len(data) < wanted:
            self.close_connection = True
        return data

    def _settle_body(self) -> None:
        """Read what is left of the request body, or mark the connection to close, so it is never read as a request."""
        left, self._body_left = self._body_left, 0
        if left <= 0 or self.close_connection:  # closing anyway: the lingering close drops the rest
            return
        if left > self.settings.max_request_bytes:
            self.close_connection = True
            return
        try:
            while left > 0:
                chunk = self.rfile.read(min(left, 65536))
                if not chunk:
                    break
                left -= len(chunk)
        except OSError:
            pass
        if left > 0:
            self.close_connection = True

    def _send(self, response: Response, head_only: bool = False) -> None:
        self._settle_body()
        self._answered = True
        self.send_response(response.status)
        headers = {**CORS_HEADERS, **response.headers}
        headers["Content-Type"] = response.content_type
        headers["Content-Length"] = str(len(response.body))
        if self.close_connection:
            headers["Connection"] = "close"
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        if not head_only and self.command != "HEAD":
            self.wfile.write(response.body)

    def _error(self, status: int, message: str, extra: dict[str, str] | None = None) -> None:
        accept = self.headers.get("Accept", "")
        if negotiate(accept, ["text/plain", "text/html"]) == "text/html" and "text/html" in accept:
            from esrgraph.server.pages import error_page

            body = error_page(status, message).encode("utf-8")
            self._send(Response(status, "text/html; charset=utf-8", body, extra or {}))
        else:
            self._send(Response(status, "text/plain; charset=utf-8", (message + "\n").encode("utf-8"), extra or {}))

    def _guarded(self, action: Any) -> None:
        if not self.settings.clients.acquire(blocking=False):
            self._error(503, "too many clients at once; try again in a moment", {"Retry-After": "2"})
            return
        try:
            action()
        except Refused as exc:
            self._error(exc.status, str(exc))
        except PoolError as exc:
            self._error(exc.status, str(exc), {"Retry-After": "2"} if exc.status == 503 else None)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except OSError:
            self.close_connection = True
            raise  # a socket timeout: the standard library logs it and drops the connection
        except Exception:  # a bug: one line in the log and an answer, never a silently dropped connection
            self.close_connection = True
            self.log_error("internal error on %r: %s", self.path, traceback.format_exc().strip().splitlines()[-1])
            if not self._answered:
                self._error(500, "internal error in esrgraph serve; the request was not answered")
        finally:
            self.settings.clients.release()

    # --- verbs ------------------------------------------------------------------------------------
    def do_OPTIONS(self) -> None:  # noqa: N802 (stdlib naming)
        self._send(Response(204, "text/plain", b"", {"Allow": "GET, POST, HEAD, OPTIONS"}))

    def do_GET(self) -> None:  # noqa: N802
        self._guarded(self._get)

    def do_HEAD(self) -> None:  # noqa: N802
        self._guarded(self._get)

    def do_POST(self) -> None:  # noqa: N802
        self._guarded(self._post)

    def _not_allowed(self) -> None:
        self._send(Response(405, "text/plain; charset=utf-8",
                            b"this endpoint is read-only: only GET, POST (queries), HEAD and OPTIONS are accepted\n",
                            {"Allow": "GET, POST, HEAD, OPTIONS"}))

    do_PUT = do_DELETE = do_PATCH = _not_allowed  # noqa: N815

    # --- routing ----------------------------------------------------------------------------------
    def _is_sparql(self, path: str) -> bool:
        return path in ("/sparql", self.settings.base_path + "sparql")

    def _get(self) -> None:
        url = urlsplit(self.path)
        params = parse_qs(url.query, keep_blank_values=True)
        path = unquote(url.path)
        if self._is_sparql(path):
            self._sparql(params)
        elif path in ("/", "/index.html"):
            self._query_page(params)
        elif path == "/resource":
            iri = (params.get("iri") or [""])[0]
            if not iri:
                raise Refused("give the IRI: /resource?iri=...")
            if not _is_iri(iri):
                raise Refused(f"not an IRI: {iri!r}; give an absolute IRI, percent-encoded: /resource?iri=...")
            self._resource(iri, None)
        elif path.startswith(self.settings.base_path) and len(path) > len(self.settings.base_path):
            self._resource_at(path, url.path)
        elif path == self.settings.base_path:
            self._query_page(params)
        else:
            self._error(404, f"nothing at {path}; the data is under {self.settings.base_path} and SPARQL at /sparql")

    def _post(self) -> None:
        path = unquote(urlsplit(self.path).path)
        if not self._is_sparql(path):
            self._not_allowed()
            return
        if self.headers.get("Content-Length") is None:  # (parse_request refused Transfer-Encoding)
            self.close_connection = True
            raise Refused("send a Content-Length header with the POST body", 411)
        length = self._body_left
        if length > self.settings.max_request_bytes:
            self.close_connection = True
            raise Refused(f"the request body has {length} bytes; this endpoint accepts at most "
                          f"{self.settings.max_request_bytes} (--max-request-bytes)", 413)
        body = self._read_body().decode("utf-8", errors="replace")
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        params = parse_qs(urlsplit(self.path).query, keep_blank_values=True)
        if content_type == "application/x-www-form-urlencoded":
            for key, values in parse_qs(body, keep_blank_values=True).items():
                params.setdefault(key, []).extend(values)
        elif content_type == "application/sparql-query":
            params["query"] = [body]
        elif content_type == "application/sparql-update":
            raise Refused("this endpoint is read-only: SPARQL Update is not accepted")
        else:
            raise Refused(f"POST a query as application/x-www-form-urlencoded (query=...) or "
                          f"application/sparql-query, not {content_type or 'no Content-Type'}", 415)
        self._sparql(params)

    # --- SPARQL -----------------------------------------------------------------------------------
    def _sparql(self, params: dict[str, list[str]]) -> None:
        if "update" in params:
            raise Refused("this endpoint is read-only: SPARQL Update is not accepted")
        queries = params.get("query")
        if not queries:
            self._service_description()
            return
        if len(queries) > 1:
            raise Refused("give exactly one query parameter")
        sparql = queries[0]
        if len(sparql.encode("utf-8")) > self.settings.max_request_bytes:
            raise Refused(f"the query is longer than {self.settings.max_request_bytes} bytes", 413)
        check_query(sparql, allow_service=self.settings.allow_service)
        formats = params.get("format")
        fmt = formats[0] if formats else None
        task = ("query", sparql, self.headers.get("Accept"), fmt, self.settings.max_rows,
                self.settings.max_answer_bytes)
        self._send(self.settings.pool.run(task, self.settings.timeout, self.settings.timeout))

    def _service_description(self) -> None:
        accept = self.headers.get("Accept")
        media = negotiate(accept, ["text/turtle", *list(RDF_MEDIA_TYPES)[1:], "text/html"]) or "text/turtle"
        if media == "text/html":
            self._query_page({})
            return
        host = self.headers.get("Host")
        if host:
            authority = parse_host(host)  # checked in parse_request already
        else:  # an HTTP/1.0 request: the address this server listens on
            address = self.server.server_address  # (host, port) for the TCP server this handler runs in
            host_part, port_part = (address[0], address[1]) if isinstance(address, tuple) else (str(address), 0)
            name = host_part.decode() if isinstance(host_part, bytes) else str(host_part)
            authority = f"[{name}]:{port_part}" if ":" in name else f"{name}:{port_part}"
        try:
            endpoint = NamedNode(f"http://{authority}/sparql")
        except ValueError:
            raise Refused(f"the Host header {host!r} does not make an IRI") from None
        triples = service_description(endpoint, self.settings)
        prefixes = {"sd": SD, "void": VOID, "rdfs": RDFS, "dcterms": DCTERMS} if media == "text/turtle" else None
        body = serialize(triples, format=RDF_MEDIA_TYPES[media][1], prefixes=prefixes) or b""
        self._send(Response(200, f"{media}; charset=utf-8", body, {"Vary": "Accept"}))

    # --- pages and resources ----------------------------------------------------------------------
    def _query_page(self, params: dict[str, list[str]]) -> None:
        from esrgraph.server.pages import query_page
        from esrgraph.sparql.queries import named_queries

        named = named_queries()
        chosen = (params.get("name") or [""])[0]
        sparql = (params.get("query") or [""])[0]
        if chosen in named:
            sparql = named[chosen].sparql
        if not sparql:
            sparql = next(iter(named.values())).sparql if named else "SELECT * WHERE { ?s ?p ?o } LIMIT 10"
        html = query_page(((q.name, q.title, q.description, q.sparql) for q in named.values()), sparql,
                          self.settings.limits_text())
        self._send(Response(200, "text/html; charset=utf-8", html.encode("utf-8")))

    def _resource_at(self, path: str, raw_path: str) -> None:
        """The resource at ``path`` (IRIs are tried decoded, then as sent: both forms are minted).

        Only forms that make a valid IRI are looked up (``/esr/a%20b`` decodes to a space, which no IRI
        holds, so only ``a%20b`` is tried); a path from which no IRI can be made at all is refused.
        """
        response = None
        for candidate in dict.fromkeys([path, raw_path]):
            if not candidate.startswith(self.settings.base_path):
                continue
            iri = self.settings.base + candidate[len(self.settings.base_path):]
            stem, dot, suffix = iri.rpartition(".")
            if dot and (suffix in RDF_SUFFIXES or suffix == "html") and _is_iri(stem):
                response = self._describe(stem, suffix)
                if response.status != 404:
                    break
            if _is_iri(iri):
                response = self._describe(iri, None)
                if response.status != 404:
                    break
        if response is None:
            raise Refused(f"{raw_path} does not name a resource: no IRI can be made of it (a stray '%' or a "
                          "character no IRI holds); percent-encode the path")
        self._send(response)

    def _resource(self, iri: str, suffix: str | None) -> None:
        self._send(self._describe(iri, suffix))

    def _describe(self, iri: str, suffix: str | None) -> Response:
        task = ("resource", iri, self.headers.get("Accept"), suffix)
        response = self.settings.pool.run(task, self.settings.timeout, self.settings.timeout)
        if response.status == 404 and "text/html" in (self.headers.get("Accept") or ""):
            from esrgraph.server.pages import error_page

            response = Response(404, "text/html; charset=utf-8", error_page(404, response.body.decode()).encode())
        return response


SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
DCTERMS = "http://purl.org/dc/terms/"
_RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_XSD_INTEGER = NamedNode("http://www.w3.org/2001/XMLSchema#integer")


def _is_iri(text: str) -> bool:
    """True when ``text`` is an absolute IRI (what pyoxigraph accepts as a NamedNode)."""
    try:
        NamedNode(text)
    except ValueError:
        return False
    return True


def service_description(endpoint: NamedNode, settings: Settings) -> list[Triple]:
    """The SPARQL 1.1 Service Description of this endpoint, as triples made of checked terms (no text templating)."""
    def sd(name: str) -> NamedNode:
        return NamedNode(SD + name)

    service = NamedNode(settings.base + "sparql")
    dataset, graph = BlankNode("dataset"), BlankNode("defaultGraph")
    formats = ["SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
               "Turtle", "N-Triples", "JSON-LD", "RDF_XML"]
    triples = [Triple(service, _RDF_TYPE, sd("Service")),
               Triple(service, sd("endpoint"), endpoint),
               Triple(service, sd("supportedLanguage"), sd("SPARQL11Query"))]
    triples += [Triple(service, sd("resultFormat"), NamedNode(f"http://www.w3.org/ns/formats/{f}")) for f in formats]
    if settings.allow_service:
        triples.append(Triple(service, sd("feature"), sd("BasicFederatedQuery")))
    comment = settings.limits_text() + " Cut results carry the header X-Esrgraph-Truncated."
    triples += [
        Triple(service, NamedNode(RDFS + "comment"), Literal(comment, language="en")),
        Triple(service, sd("defaultDataset"), dataset),
        Triple(dataset, _RDF_TYPE, sd("Dataset")),
        Triple(dataset, NamedNode(DCTERMS + "title"), Literal("esrgraph: ESR/EAKR projects", language="en")),
        Triple(dataset, sd("defaultGraph"), graph),
        Triple(graph, _RDF_TYPE, sd("Graph")),
        Triple(graph, NamedNode(VOID + "triples"), Literal(str(settings.info.triples), datatype=_XSD_INTEGER)),
    ]
    return triples


#: After the last answer on a connection: how long and how many bytes the server reads and drops before it
#: closes. Closing with unread request bytes makes the kernel send a reset, which can destroy the answer
#: (a 413 or 411) before the client reads it; a lingering close, as Apache's, lets the answer arrive.
LINGER_SECONDS = 1.0
LINGER_BYTES = 1 << 20


class Server(ThreadingHTTPServer):
    daemon_threads = True
    quiet = False
    #: The listen backlog. socketserver's default of 5 drops connection attempts when more
    #: clients than that connect at once; they then wait for TCP's SYN retries (1 s, 3 s, 7 s...).
    request_queue_size = 128

    def shutdown_request(self, request: Any) -> None:
        """Close a connection gracefully: stop sending, then drop what the client still sends (bounded)."""
        try:
            request.shutdown(socket.SHUT_WR)
            deadline = time.monotonic() + LINGER_SECONDS
            left = LINGER_BYTES
            while left > 0:
                wait = deadline - time.monotonic()
                if wait <= 0:
                    break
                request.settimeout(wait)
                chunk = request.recv(min(left, 65536))
                if not chunk:
                    break
                left -= len(chunk)
        except OSError:
            pass
        self.close_request(request)


def make_server(settings: Settings, host: str, port: int, quiet: bool = False, client_timeout: float = 20.0) -> Server:
    # ``timeout`` is the socket timeout of each connection: a client that stops sending (headers or
    # body) is dropped after it instead of holding a thread and a client slot for ever.
    handler = type("BoundHandler", (Handler,), {"settings": settings, "timeout": client_timeout})
    server = Server((host, port), handler)
    server.quiet = quiet
    return server
