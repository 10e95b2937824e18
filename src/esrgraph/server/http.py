"""``esrgraph serve``: a read-only SPARQL 1.1 endpoint with a page for every resource.

Standard library HTTP (``ThreadingHTTPServer``) in front of a pool of worker processes that hold
the graph (``query_pool.py``); the workers answer (``endpoint.py``), this module routes, negotiates
the request side, enforces the limits and writes CORS headers.

Routes:
    /sparql, <base path>sparql   SPARQL 1.1 Protocol (GET ?query=, POST form or application/sparql-query);
                                 with no query: the service description (Turtle by default).
    /                            the query page with the named queries as examples.
    <base path>...               the resource <base>... (HTML, Turtle, N-Triples, JSON-LD; .ttl/.nt/.jsonld).
    /resource?iri=IRI            any other IRI the graph describes (code list concepts, ontology terms).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from esrgraph.server.endpoint import RDF_MEDIA_TYPES, RDF_SUFFIXES, Refused, Response, check_query, negotiate
from esrgraph.server.query_pool import GraphInfo, PoolError, WorkerPool

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Content-Type",
    "Access-Control-Expose-Headers": "X-Esrgraph-Truncated, X-Esrgraph-Rows, X-Esrgraph-Message, Content-Type",
    "Access-Control-Max-Age": "86400",
}


class Settings:
    """What the handler needs to know: the pool, the limits and where the base is published."""

    def __init__(self, pool: WorkerPool, info: GraphInfo, *, timeout: float, max_rows: int | None,
                 max_request_bytes: int, allow_service: bool, max_clients: int) -> None:
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

    def limits_text(self) -> str:
        rows = f"{self.max_rows} rows" if self.max_rows else "no row limit"
        return (f"Limits: {self.timeout:g} s per query, {rows} per result, {self.max_request_bytes} bytes per "
                f"request; SERVICE {'allowed' if self.allow_service else 'refused'}; updates refused.")


class Handler(BaseHTTPRequestHandler):
    server_version = "esrgraph"
    protocol_version = "HTTP/1.1"
    settings: Settings  # set on the subclass made by make_server

    # --- plumbing ---------------------------------------------------------------------------------
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the stdlib's name)
        if not getattr(self.server, "quiet", False):
            super().log_message(format, *args)

    def _send(self, response: Response, head_only: bool = False) -> None:
        self.send_response(response.status)
        headers = {**CORS_HEADERS, **response.headers}
        headers["Content-Type"] = response.content_type
        headers["Content-Length"] = str(len(response.body))
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
            pass
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
        length_text = self.headers.get("Content-Length")
        if length_text is None:
            raise Refused("send a Content-Length header with the POST body", 411)
        try:
            length = int(length_text)
        except ValueError:
            raise Refused("the Content-Length header is not a number") from None
        if length < 0:  # rfile.read(-1) would read until the client closes: unbounded time and memory
            raise Refused("the Content-Length header is negative")
        if length > self.settings.max_request_bytes:
            self.close_connection = True
            raise Refused(f"the request body has {length} bytes; this endpoint accepts at most "
                          f"{self.settings.max_request_bytes} (--max-request-bytes)", 413)
        body = self.rfile.read(length).decode("utf-8", errors="replace")
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
        task = ("query", sparql, self.headers.get("Accept"), fmt, self.settings.max_rows)
        self._send(self.settings.pool.run(task, self.settings.timeout, self.settings.timeout))

    def _service_description(self) -> None:
        accept = self.headers.get("Accept")
        media = negotiate(accept, ["text/turtle", *list(RDF_MEDIA_TYPES)[1:], "text/html"]) or "text/turtle"
        if media == "text/html":
            self._query_page({})
            return
        host = self.headers.get("Host")
        if not host:
            address = self.server.server_address  # (host, port) for the TCP server this handler runs in
            host = f"{address[0]}:{address[1]}" if isinstance(address, tuple) else str(address)
        turtle = service_description(f"http://{host}/sparql", self.settings)
        if media != "text/turtle":
            from pyoxigraph import parse, serialize

            body = serialize(parse(turtle.encode("utf-8"), format=RDF_MEDIA_TYPES["text/turtle"][1]),
                             format=RDF_MEDIA_TYPES[media][1]) or b""
        else:
            body = turtle.encode("utf-8")
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
        """The resource at ``path`` (IRIs are tried decoded, then as sent: both forms are minted)."""
        response = None
        for candidate in dict.fromkeys([path, raw_path]):
            if not candidate.startswith(self.settings.base_path):
                continue
            iri = self.settings.base + candidate[len(self.settings.base_path):]
            stem, dot, suffix = iri.rpartition(".")
            if dot and (suffix in RDF_SUFFIXES or suffix == "html"):
                response = self._describe(stem, suffix)
                if response.status != 404:
                    break
            response = self._describe(iri, None)
            if response.status != 404:
                break
        assert response is not None
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


def service_description(endpoint_url: str, settings: Settings) -> str:
    """The SPARQL 1.1 Service Description of this endpoint, as Turtle."""
    formats = ["SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
               "Turtle", "N-Triples", "JSON-LD", "RDF_XML"]
    lines = [f"    sd:resultFormat <http://www.w3.org/ns/formats/{f}> ;" for f in formats]
    if settings.allow_service:
        lines.append("    sd:feature sd:BasicFederatedQuery ;")
    comment = json.dumps(settings.limits_text() + " Cut results carry the header X-Esrgraph-Truncated.")
    return (
        "@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .\n"
        "@prefix void: <http://rdfs.org/ns/void#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "@prefix dcterms: <http://purl.org/dc/terms/> .\n\n"
        f"<{settings.base}sparql> a sd:Service ;\n"
        f"    sd:endpoint <{endpoint_url}> ;\n"
        "    sd:supportedLanguage sd:SPARQL11Query ;\n"
        + "\n".join(lines) + "\n"
        f"    rdfs:comment {comment}@en ;\n"
        "    sd:defaultDataset [ a sd:Dataset ;\n"
        '        dcterms:title "esrgraph: ESR/EAKR projects"@en ;\n'
        f"        sd:defaultGraph [ a sd:Graph ; void:triples {settings.info.triples} ] ] .\n"
    )


class Server(ThreadingHTTPServer):
    daemon_threads = True
    quiet = False
    #: The listen backlog. socketserver's default of 5 drops connection attempts when more
    #: clients than that connect at once; they then wait for TCP's SYN retries (1 s, 3 s, 7 s...).
    request_queue_size = 128


def make_server(settings: Settings, host: str, port: int, quiet: bool = False, client_timeout: float = 20.0) -> Server:
    # ``timeout`` is the socket timeout of each connection: a client that stops sending (headers or
    # body) is dropped after it instead of holding a thread and a client slot for ever.
    handler = type("BoundHandler", (Handler,), {"settings": settings, "timeout": client_timeout})
    server = Server((host, port), handler)
    server.quiet = quiet
    return server
