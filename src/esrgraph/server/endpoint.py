"""The store side of ``esrgraph serve``: answers SPARQL and describes resources, as HTTP-ready responses.

An :class:`Endpoint` holds one pyoxigraph store. The server runs one per worker process (see
``query_pool.py``), so nothing here knows about threads, sockets or time limits. Checks that need no
store (read-only, ``SERVICE``) are plain functions the server runs before it hands a query over; they
give a clear early answer, but the barrier against ``SERVICE`` is that the workers have no network
(``sandbox.py``), since a text check can be fooled.

>>> from pyoxigraph import Store
>>> check_query("SELECT * WHERE { ?s ?p ?o }", allow_service=False)
>>> check_query("INSERT DATA { <a:s> <a:p> 1 }", allow_service=False)  # doctest: +IGNORE_EXCEPTION_DETAIL
Traceback (most recent call last):
...
esrgraph.server.endpoint.Refused: this endpoint is read-only: SPARQL Update (INSERT) is not accepted
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import quote

from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QueryBoolean,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Store,
    Triple,
    serialize,
)

from esrgraph.io.formats import NEGOTIATED
from esrgraph.server import results as sr

ESR = "https://w3id.org/esrgraph/ontology#"
CODE = "https://w3id.org/esrgraph/code/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
LABEL_PREDICATES = (
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://purl.org/dc/terms/title",
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://www.w3.org/ns/regorg#legalName",
)
PREFIXES = {
    "esr": ESR,
    "code": CODE,
    "dcterms": "http://purl.org/dc/terms/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "org": "http://www.w3.org/ns/org#",
    "rov": "http://www.w3.org/ns/regorg#",
    "schema": "https://schema.org/",
    "prov": "http://www.w3.org/ns/prov#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "nuts": "http://data.europa.eu/nuts/code/",
}

#: RDF formats a resource or a CONSTRUCT result can be written in (the one table, io.formats).
RDF_MEDIA_TYPES = NEGOTIATED
RDF_SUFFIXES = {short: media for media, (short, _) in RDF_MEDIA_TYPES.items()}

#: SELECT/ASK result media types (and aliases) -> short name in sparql_results.
RESULT_MEDIA_TYPES = {
    "application/sparql-results+json": "json",
    "application/sparql-results+xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
    "text/html": "html",
    "application/json": "json",
    "application/xml": "xml",
    "text/xml": "xml",
}

#: Cap on the incoming links a resource page lists (the fund ESR is linked from every project).
MAX_INCOMING = 500


class Refused(Exception):
    """A request the endpoint will not run, with the HTTP status and a message that names the fix."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Response:
    status: int
    content_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


# --- checks that need no store ------------------------------------------------------------------

# The SPARQL grammar's tokens (section 19.8): short strings hold no CR or LF, and a comment ends at
# either, so "#x\rSERVICE ..." is a comment followed by SERVICE (it was read as one comment).
_STRIP = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'  # long strings
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n\r]|\\.)*"'  # short strings
    r"|'(?:[^'\\\n\r]|\\.)*'"
    r"|<[^<>\"{}|^`\\\x00-\x20]*>"  # IRIs
    r"|#[^\r\n]*",  # comments
)
_UPDATE = re.compile(
    r"(?<![\w:?$])(INSERT|DELETE|LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY)(?![\w:-])\s*(DATA|WHERE|SILENT|GRAPH|DEFAULT|NAMED|ALL|\{|<)",
    re.IGNORECASE,
)
_WITH = re.compile(r"^\s*(?:(?:PREFIX|BASE)\b[^\n]*\n\s*)*WITH\b", re.IGNORECASE)
_SERVICE = re.compile(r"(?<![\w:?$])SERVICE(?![\w:-])", re.IGNORECASE)


def _code_only(sparql: str) -> str:
    """The query with strings, IRIs and comments blanked, so keywords inside them do not count."""
    return _STRIP.sub(lambda m: "<>" if m.group(0).startswith("<") else " ", sparql)


def check_query(sparql: str, *, allow_service: bool) -> None:
    """Refuse SPARQL Update and (unless allowed) federated ``SERVICE`` calls, early and with a clear message.

    A courtesy, not the barrier: Oxigraph's parser is not a regular expression, and a query can hide a
    keyword from this check (a ``<`` ... ``>`` read here as an IRI is an operator and a comment there).
    Updates cannot run anyway (``Store.query`` parses queries only) and SERVICE cannot reach anything
    from a worker without network.

    Raises:
        Refused: with status 400 and a message that says why and what to do.
    """
    code = _code_only(sparql)
    match = _UPDATE.search(code)
    if match or _WITH.search(code):
        keyword = match.group(1).upper() if match else "WITH"
        raise Refused(f"this endpoint is read-only: SPARQL Update ({keyword}) is not accepted")
    if not allow_service and _SERVICE.search(code):
        raise Refused("federated queries (SERVICE) are switched off on this endpoint; "
                      "start it with --allow-service to allow them")


# --- content negotiation ------------------------------------------------------------------------


def negotiate(accept: str | None, offered: Iterable[str]) -> str | None:
    """The offered media type the ``Accept`` header likes best (the first offered on a tie or no header).

    >>> negotiate("text/html,application/xhtml+xml,*/*;q=0.8", ["text/turtle", "text/html"])
    'text/html'
    >>> negotiate("*/*", ["text/turtle", "text/html"])
    'text/turtle'
    >>> negotiate("image/png", ["text/turtle"]) is None
    True
    """
    offers = list(offered)
    if not accept or not accept.strip():
        return offers[0] if offers else None
    ranges: list[tuple[str, float, int]] = []
    for i, part in enumerate(accept.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        q = 1.0
        for param in pieces[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if media:
            ranges.append((media, q, i))
    best: tuple[float, int, int] | None = None
    chosen = None
    for rank, offer in enumerate(offers):
        main = offer.split("/")[0]
        score = None
        for media, q, _ in ranges:
            specificity = 2 if media == offer else 1 if media == f"{main}/*" else 0 if media == "*/*" else -1
            if specificity < 0:
                continue
            if score is None or specificity > score[1]:
                score = (q, specificity)
        if score is None or score[0] <= 0:
            continue
        ranking = (score[0], score[1], -rank)
        if best is None or ranking > best:
            best, chosen = ranking, offer
    return chosen


# --- the store side -----------------------------------------------------------------------------


class Endpoint:
    """Answers queries and describes resources on one store.

    Args:
        store: the graph.
        base: the base IRI of the data (by default ``https://w3id.org/esrgraph/id/``).
        base_path: where the server publishes the base (``/esrgraph/id/``).
        labels: extra labels (e.g. of ontology terms) by IRI.
    """

    def __init__(self, store: Store, base: str, base_path: str, labels: dict[str, str] | None = None, *,
                 network_denied: bool = False) -> None:
        self.store = store
        self.base = base
        self.base_path = base_path
        self.extra_labels = labels or {}
        self.network_denied = network_denied

    # links -----------------------------------------------------------------------------------
    def href(self, iri: str) -> str:
        """Where a browser should go for ``iri`` on this server (itself when it is not ours)."""
        if iri.startswith(self.base):
            return self.base_path + iri[len(self.base):]
        if iri.startswith("https://w3id.org/esrgraph/"):
            return "/resource?iri=" + quote(iri, safe="")
        return iri

    # queries ---------------------------------------------------------------------------------
    def query(self, sparql: str, accept: str | None, fmt: str | None, max_rows: int | None,
              max_bytes: int | None = None) -> Response:
        """Run ``sparql`` and write at most ``max_rows`` rows (or triples) in the negotiated format.

        An answer over ``max_bytes`` is refused with 422: the query asked for more than the endpoint gives.
        Every failure of the query itself, also one met while reading its results, is a 400.
        """
        try:
            return self._query(sparql, accept, fmt, max_rows, max_bytes)
        except SyntaxError as exc:
            return _text(400, f"the query is not valid SPARQL: {exc}")
        except sr.AnswerTooLarge:
            return _text(422, f"the answer is larger than this endpoint's limit of {max_bytes} bytes "
                              "(--max-answer-bytes); select fewer or shorter values (LIMIT, SUBSTR) or ask the "
                              "operator for a larger limit")
        except OSError as exc:
            if self.network_denied:
                return _text(400, f"the query failed: {exc}. This endpoint cannot reach the network: federated "
                                  "queries (SERVICE) are switched off; start it with --allow-service to allow them")
            return _text(400, f"the query failed: {exc}")
        except (ValueError, RuntimeError) as exc:
            return _text(400, f"the query failed: {exc}")

    def _query(self, sparql: str, accept: str | None, fmt: str | None, max_rows: int | None,
               max_bytes: int | None) -> Response:
        result = self.store.query(sparql)
        if isinstance(result, QueryTriples):
            media = _rdf_choice(accept, fmt)
            triples: list[Triple] = []
            truncated = False
            size = 0
            for triple in result:
                if max_rows is not None and len(triples) >= max_rows:
                    truncated = True
                    break
                size += len(str(triple))
                if max_bytes is not None and size > max_bytes:
                    raise sr.AnswerTooLarge(max_bytes)
                triples.append(triple)
            body = serialize(triples, format=RDF_MEDIA_TYPES[media][1], prefixes=_prefixes(media)) or b""
            _check_size(body, max_bytes)
            headers = {"X-Esrgraph-Rows": str(len(triples))}
            if truncated:
                headers["X-Esrgraph-Truncated"] = f"max-rows={max_rows}"
                headers["X-Esrgraph-Message"] = sr.truncation_message(max_rows).replace("rows", "triples", 1)
            return Response(200, _with_charset(media), body, headers)
        short = _results_choice(accept, fmt)
        media = sr.MEDIA_TYPES[short]
        if isinstance(result, QueryBoolean):
            return Response(200, _with_charset(media), sr.write_boolean(bool(result), short).encode("utf-8"))
        assert isinstance(result, QuerySolutions)
        rows = sr.take_rows(result, max_rows, max_bytes)
        text = sr.write_rows(rows, short, link=self.href)
        headers = {"X-Esrgraph-Rows": str(len(rows.rows))}
        if rows.truncated:
            headers["X-Esrgraph-Truncated"] = f"max-rows={max_rows}"
            headers["X-Esrgraph-Message"] = sr.truncation_message(max_rows)
        if short == "html":
            from esrgraph.server.pages import results_page

            text = results_page(sparql, text)
        body = text.encode("utf-8")
        _check_size(body, max_bytes)
        return Response(200, _with_charset(media), body, headers)

    # resources -------------------------------------------------------------------------------
    def resource(self, iri: str, accept: str | None, suffix: str | None = None) -> Response:
        """The description of ``iri``: an HTML page or its triples (404 when the graph does not know it)."""
        try:
            node = NamedNode(iri)
        except ValueError:
            return _text(400, f"not an IRI: {iri!r}")
        own = list(self.store.quads_for_pattern(node, None, None, None))
        incoming = list(self.store.quads_for_pattern(None, None, node, None))
        if not own and not incoming:
            return _text(404, f"{iri} is not in this graph")
        if suffix:
            media = RDF_SUFFIXES.get(suffix, "text/html")
        else:
            media = negotiate(accept, ["text/turtle", "text/html", *list(RDF_MEDIA_TYPES)[1:]]) or "text/turtle"
        triples = [q.triple for q in own]
        # The parts minted under the resource (assessments, answers, addresses) and blank nodes go with it.
        seen = {iri}
        queue = [q.object for q in own]
        while queue:
            obj = queue.pop()
            if isinstance(obj, BlankNode) or (isinstance(obj, NamedNode) and obj.value.startswith(iri + "/")):
                key = str(obj)
                if key in seen:
                    continue
                seen.add(key)
                more = [q.triple for q in self.store.quads_for_pattern(obj, None, None, None)]
                triples += more
                queue += [t.object for t in more]
        if media != "text/html":
            body = serialize(sorted(triples, key=lambda t: (t.subject != node, str(t))), format=RDF_MEDIA_TYPES[media][1], prefixes=_prefixes(media)) or b""
            return Response(200, _with_charset(media), body, {"Vary": "Accept"})
        from esrgraph.server.pages import resource_page

        ins = [(q.subject, q.predicate) for q in incoming[:MAX_INCOMING]]
        terms: set[str] = {iri}
        for t in triples:
            for term in (t.subject, t.predicate, t.object):
                if isinstance(term, NamedNode):
                    terms.add(term.value)
        for s, p in ins:
            for term in (s, p):
                if isinstance(term, NamedNode):
                    terms.add(term.value)
        labels = self.labels(terms)
        page = resource_page(
            iri=iri,
            triples=triples,
            incoming=ins,
            incoming_total=len(incoming),
            labels=labels,
            href=self.href,
            curie=curie,
        )
        return Response(200, "text/html; charset=utf-8", page.encode("utf-8"), {"Vary": "Accept"})

    def labels(self, iris: Iterable[str]) -> dict[str, str]:
        """The best label of each IRI: Finnish, then English, Swedish, any; a project's code in front."""
        out: dict[str, str] = {}
        order = {"fi": 0, "en": 1, "sv": 2, "": 3}
        for iri in iris:
            if iri in self.extra_labels:
                out[iri] = self.extra_labels[iri]
                continue
            node = NamedNode(iri)
            best: tuple[int, int, str] | None = None
            for rank, predicate in enumerate(LABEL_PREDICATES):
                for quad in self.store.quads_for_pattern(node, NamedNode(predicate), None, None):
                    obj = quad.object
                    if isinstance(obj, Literal):
                        key = (rank, order.get(obj.language or "", 4), obj.value)
                        if best is None or key < best:
                            best = key
            if best is not None:
                label = best[2]
                code = next(iter(self.store.quads_for_pattern(node, NamedNode("http://purl.org/dc/terms/identifier"), None, None)), None)
                if iri.startswith(self.base + "project/") and code is not None and isinstance(code.object, Literal):
                    label = f"{code.object.value} {label}"
                out[iri] = label
        return out


def curie(iri: str) -> str:
    """``esr:fund`` for a known namespace, else the IRI."""
    for prefix, namespace in PREFIXES.items():
        if iri.startswith(namespace) and re.fullmatch(r"[\w.-]*", iri[len(namespace):]):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


def guess_base(store: Store) -> str | None:
    """The base IRI of a built graph, read off a project IRI (``<base>project/<code>``)."""
    for quad in store.quads_for_pattern(None, NamedNode(RDF_TYPE), NamedNode(ESR + "Project"), None):
        if isinstance(quad.subject, NamedNode) and "/project/" in quad.subject.value:
            return quad.subject.value[: quad.subject.value.rindex("project/")]
    return None


def ontology_labels() -> dict[str, str]:
    """English labels of the ontology's terms (for predicate names on HTML pages)."""
    from esrgraph.core.resources import resource_dir

    labels: dict[str, str] = {}
    try:
        store = Store()
        for path in sorted(resource_dir("ontology").glob("*.ttl")):
            store.bulk_load(path=str(path), format=RdfFormat.TURTLE)
    except (OSError, SyntaxError, ValueError):
        return labels
    for quad in store.quads_for_pattern(None, NamedNode("http://www.w3.org/2000/01/rdf-schema#label"), None, None):
        if isinstance(quad.subject, NamedNode) and isinstance(quad.object, Literal) and quad.object.language == "en":
            labels[quad.subject.value] = quad.object.value
    return labels


def _prefixes(media: str) -> dict[str, str] | None:
    if media == "text/turtle":  # not code: or nuts:, whose local names would need escaped slashes
        return {k: v for k, v in PREFIXES.items() if k not in ("code", "nuts")}
    return None


def _rdf_choice(accept: str | None, fmt: str | None) -> str:
    if fmt and fmt in RDF_SUFFIXES:
        return RDF_SUFFIXES[fmt]
    if fmt in ("turtle",):
        return "text/turtle"
    return negotiate(accept, list(RDF_MEDIA_TYPES)) or "text/turtle"


def _results_choice(accept: str | None, fmt: str | None) -> str:
    if fmt and fmt in sr.MEDIA_TYPES:
        return fmt
    media = negotiate(accept, list(RESULT_MEDIA_TYPES))
    if media is None or (media == "text/html" and not accept):
        return "json"
    return RESULT_MEDIA_TYPES[media]


def _with_charset(media: str) -> str:
    return media if media.endswith("json") and media.startswith("application/sparql") else f"{media}; charset=utf-8"


def _check_size(body: bytes, max_bytes: int | None) -> None:
    if max_bytes is not None and len(body) > max_bytes:
        raise sr.AnswerTooLarge(max_bytes)


def _text(status: int, message: str) -> Response:
    return Response(status, "text/plain; charset=utf-8", (message + "\n").encode("utf-8"))
