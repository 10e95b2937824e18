"""A real triple store: push the graph through the SPARQL 1.1 Graph Store Protocol, query it remotely.

``esrgraph push GRAPH --store URL`` sends the file to a Graph Store endpoint (Oxigraph
``http://127.0.0.1:7878/store``, Fuseki ``http://host:3030/DATASET/data``, ...) with ``PUT``
(``--replace``) or ``POST`` (add), to the default graph or to ``--graph IRI``.
``esrgraph query --endpoint URL`` sends a query through SPARQLWrapper to a SPARQL query endpoint
and prints the answer in the same formats as a local query: the endpoint's JSON results are read
back into pyoxigraph and written by the same code as local results.
"""

from __future__ import annotations

import gzip
import io
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlsplit

from esrgraph.core.errors import EsrgraphError, InputError
from esrgraph.io.formats import rdf_format_of
from esrgraph.sparql.queries import ResultFormat, format_results

#: Seconds to wait for a remote store or endpoint.
DEFAULT_TIMEOUT = 300.0


class RemoteError(EsrgraphError):
    """A remote store or endpoint could not be reached or answered with an error."""

    exit_code = 2


def graph_store_url(store: str, graph: str | None) -> str:
    """The Graph Store Protocol URL for the default graph or a named one (indirect identification).

    >>> graph_store_url("http://127.0.0.1:7878/store", None)
    'http://127.0.0.1:7878/store?default'
    >>> graph_store_url("http://h/ds/data", "https://data.example.fi/esr/graph")
    'http://h/ds/data?graph=https%3A%2F%2Fdata.example.fi%2Fesr%2Fgraph'
    """
    separator = "&" if urlsplit(store).query else "?"
    if graph:
        return f"{store}{separator}graph={quote(graph, safe='')}"
    return f"{store}{separator}default"


def push_graph(path: Path, store: str, graph: str | None = None, replace: bool = False,
               timeout: float = DEFAULT_TIMEOUT) -> tuple[int, str]:
    """Send the RDF file at ``path`` to a Graph Store Protocol endpoint; for a build folder, OUT/esrgraph.ttl and
    the derived files beside it (OUT/collaboration.ttl), so the named queries answer there as locally.

    Returns:
        The HTTP status (of the last file sent) and the target URL.

    Raises:
        InputError: the file is missing or of an unknown RDF format.
        RemoteError: the store cannot be reached or refuses the data (the message has its answer).
    """
    from esrgraph.sparql.queries import DERIVED_FILES

    files = [path / "esrgraph.ttl", *(path / name for name in DERIVED_FILES if (path / name).is_file())] \
        if path.is_dir() else [path]
    if not files[0].is_file():
        raise InputError(str(files[0]), "no such RDF file", "run `esrgraph build` first, or name a .ttl/.nt file")
    status, url = 0, ""
    for index, p in enumerate(files):  # the first replaces the graph when asked; the derived files add to it
        status, url = _send_file(p, store, graph, replace and index == 0, timeout)
    return status, url


def _send_file(p: Path, store: str, graph: str | None, replace: bool, timeout: float) -> tuple[int, str]:
    fmt = rdf_format_of(p)
    if p.name.lower().endswith(".gz"):
        with gzip.open(p, "rb") as handle:
            data = handle.read()
    else:
        data = p.read_bytes()
    url = graph_store_url(store, graph)
    method = "PUT" if replace else "POST"
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": f"{fmt.media_type}; charset=utf-8"
                                              if fmt.media_type.startswith("text/") else fmt.media_type,
                                              "User-Agent": "esrgraph"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, url
    except urllib.error.HTTPError as exc:
        detail = exc.read(2000).decode("utf-8", errors="replace").strip()
        hint = {
            401: "the store wants credentials; put them in the URL (http://user:password@host/...) or use a token proxy",
            403: "the store refuses writes; check that its Graph Store endpoint is writable",
            404: "no Graph Store endpoint at that URL; Oxigraph: /store, Fuseki: /DATASET/data, "
                 "GraphDB: /repositories/REPO/rdf-graphs/service, Virtuoso: /sparql-graph-crud-auth",
            405: f"the store does not accept {method} at that URL; is it the Graph Store endpoint (not the query endpoint)?",
            413: "the store refuses a body this large; raise its upload limit or split the file",
            415: f"the store does not accept {fmt.media_type}; convert the graph with `esrgraph export`",
        }.get(exc.code, "see the store's answer above")
        raise RemoteError(f"{method} {url} failed: HTTP {exc.code} {exc.reason}"
                          + (f": {detail[:500]}" if detail else "") + f" ({hint})") from None
    except urllib.error.URLError as exc:
        raise RemoteError(f"cannot reach the store at {url}: {exc.reason} (is it running? check the URL and port)") from None
    except (TimeoutError, OSError) as exc:
        raise RemoteError(f"{method} {url} failed: {exc}") from None


def query_endpoint(url: str, sparql: str, fmt: ResultFormat, timeout: float = DEFAULT_TIMEOUT) -> str:
    """Run ``sparql`` on the SPARQL query endpoint ``url`` and return the answer as text in ``fmt``.

    SELECT and ASK answers are fetched as SPARQL JSON and written like local results, so a named
    query prints the same locally and remotely; CONSTRUCT and DESCRIBE answers come back as Turtle.

    Raises:
        RemoteError: the endpoint cannot be reached, rejects the query, or answers something unreadable.
    """
    import warnings

    from pyoxigraph import QueryResultsFormat, RdfFormat, parse, parse_query_results, serialize
    from SPARQLWrapper import JSON, POST, TURTLE, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

    client = SPARQLWrapper(url, agent="esrgraph")
    with warnings.catch_warnings():  # it warns on queries it cannot classify; the endpoint judges them
        warnings.simplefilter("ignore", RuntimeWarning)
        client.setQuery(sparql)
    client.setMethod(POST)
    client.setTimeout(int(timeout))
    graph_result = client.queryType in ("CONSTRUCT", "DESCRIBE")
    client.setReturnFormat(TURTLE if graph_result else JSON)
    try:
        response = client.query().response
        body = response.read()
    except SPARQLWrapperException as exc:
        raise RemoteError(f"the endpoint {url} rejected the query: {exc}") from None
    except urllib.error.HTTPError as exc:
        detail = exc.read(2000).decode("utf-8", errors="replace").strip()
        raise RemoteError(f"the endpoint {url} answered HTTP {exc.code} {exc.reason}: {detail[:500]}") from None
    except urllib.error.URLError as exc:
        raise RemoteError(f"cannot reach the endpoint {url}: {exc.reason} (is it running? check the URL)") from None
    except (TimeoutError, OSError) as exc:
        raise RemoteError(f"the endpoint {url} did not answer: {exc}") from None
    try:
        if graph_result:
            triples = list(parse(body, format=RdfFormat.TURTLE))
            return (serialize(triples, format=RdfFormat.TURTLE) or b"").decode("utf-8")
        result = parse_query_results(io.BytesIO(body), format=QueryResultsFormat.JSON)
    except (SyntaxError, ValueError) as exc:
        raise RemoteError(f"the endpoint {url} answered something that is not SPARQL JSON results: {exc}") from None
    return format_results(result, fmt)
