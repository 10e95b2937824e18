"""Compact, deterministic JSON-LD: one node object per subject, prefixes in a context.

pyoxigraph writes expanded JSON-LD only; portals and people read compact JSON-LD with a
context far more easily. The mapping is simple and exact: every IRI whose namespace is a
known prefix becomes a compact IRI (``esr:fund``), every literal keeps its datatype or
language, and nothing is inferred, so reading the document with any JSON-LD processor
gives back exactly the triples that went in.

>>> from pyoxigraph import NamedNode as N, Literal as L, Triple
>>> doc = jsonld_document([Triple(N("http://example.org/a"), N("http://purl.org/dc/terms/title"), L("x", language="fi"))],
...                       {"dcterms": "http://purl.org/dc/terms/"})
>>> doc["@graph"][0]["dcterms:title"]
[{'@value': 'x', '@language': 'fi'}]
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from esrgraph.io.export import sort_triples

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def compact_iri(iri: str, prefixes: Mapping[str, str]) -> str:
    """``prefix:local`` when a prefix covers ``iri`` (longest namespace wins), else ``iri``.

    >>> compact_iri("https://w3id.org/esrgraph/ontology#fund", {"esr": "https://w3id.org/esrgraph/ontology#"})
    'esr:fund'
    """
    return Compactor(prefixes).compact(iri)


class Compactor:
    """``compact_iri`` for many IRIs: namespaces tried longest first, and object IRIs remembered
    (a graph names the same few thousand predicates, classes and codes millions of times)."""

    def __init__(self, prefixes: Mapping[str, str]) -> None:
        self._namespaces = sorted(((ns, prefix) for prefix, ns in prefixes.items()), key=lambda n: -len(n[0]))
        self._memo: dict[str, str] = {}

    def compact(self, iri: str) -> str:
        """Compact one IRI without remembering it (for subjects, each seen once)."""
        for ns, prefix in self._namespaces:
            if iri.startswith(ns):
                local = iri[len(ns):]
                if local.startswith("//"):  # would read as an absolute IRI
                    return iri
                return f"{prefix}:{local}"
        return iri

    def __call__(self, iri: str) -> str:
        found = self._memo.get(iri)
        if found is None:
            found = self._memo[iri] = self.compact(iri)
        return found


def context(prefixes: Mapping[str, str]) -> dict[str, Any]:
    """The JSON-LD context object for ``prefixes``."""
    return {"@context": dict(sorted(prefixes.items()))}


def _no_triple_terms(term: Triple) -> ValueError:
    return ValueError(f"JSON-LD 1.1 has no form for the triple term {term}; esrgraph writes none")


def _object(term: NamedNode | BlankNode | Literal | Triple, compact: Compactor) -> dict[str, str]:
    if isinstance(term, Triple):
        raise _no_triple_terms(term)
    if isinstance(term, Literal):
        if term.language:
            return {"@value": term.value, "@language": term.language}
        datatype = term.datatype.value
        if datatype != XSD_STRING:
            return {"@value": term.value, "@type": compact(datatype)}
        return {"@value": term.value}
    if isinstance(term, BlankNode):
        return {"@id": f"_:{term.value}"}
    return {"@id": compact(term.value)}


class NodeBuilder:
    """Node objects, one per subject, from triples fed in ``sort_triples`` order (a subject's
    triples together, rdf:type first), so a whole graph streams through without being held."""

    def __init__(self, prefixes: Mapping[str, str]) -> None:
        self._compact = Compactor(prefixes)
        self._node: dict[str, Any] | None = None
        self._subject: NamedNode | BlankNode | None = None

    def add(self, t: Triple) -> dict[str, Any] | None:
        """Take the next triple; the previous subject's finished node when this one starts a new subject."""
        compact = self._compact
        subject = t.subject
        done = None
        if subject != self._subject:
            done = self._node
            if isinstance(subject, Triple):
                raise _no_triple_terms(subject)
            self._subject = subject
            key = f"_:{subject.value}" if isinstance(subject, BlankNode) else compact.compact(subject.value)
            self._node = {"@id": key}
        node = self._node
        assert node is not None
        obj = t.object
        if t.predicate.value == RDF_TYPE and isinstance(obj, NamedNode):
            types = node.get("@type")
            if types is None:
                types = node["@type"] = []
            types.append(compact(obj.value))
        else:
            name = compact(t.predicate.value)
            values = node.get(name)
            if values is None:
                values = node[name] = []
            values.append(_object(obj, compact))
        return done

    def finish(self) -> dict[str, Any] | None:
        """The last node."""
        done, self._node = self._node, None
        return done


def jsonld_nodes(triples: Iterable[Triple], prefixes: Mapping[str, str]) -> list[dict[str, Any]]:
    """Node objects, one per subject, in sorted order."""
    builder = NodeBuilder(prefixes)
    nodes = [node for t in sort_triples(triples) if (node := builder.add(t)) is not None]
    last = builder.finish()
    return nodes + [last] if last is not None else nodes


#: Before the first node object of a document ``JsonLdWriter`` writes, between two, and after the last.
NODES_START, NODE_SEPARATOR, DOCUMENT_TAIL = b"\n  ", b",\n  ", b"\n ]\n}\n"


def _node_encoder() -> Callable[[Any], str]:
    return json.JSONEncoder(ensure_ascii=False, separators=(", ", ": ")).encode


def document_head(context_ref: str) -> bytes:
    """What a ``JsonLdWriter`` document starts with; then ``NODES_START`` and its node objects joined by
    ``NODE_SEPARATOR`` (when it has any), then ``DOCUMENT_TAIL``."""
    return b'{\n "@context": ' + _node_encoder()(context_ref).encode("utf-8") + b',\n "@graph": ['


def node_objects(triples: Iterable[Triple], prefixes: Mapping[str, str]) -> bytes:
    """The node objects of ``triples`` (sorted, no subject in two calls) as a ``JsonLdWriter`` writes them, joined
    by ``NODE_SEPARATOR``: a part of a document that ``document_head`` begins."""
    builder, encode = NodeBuilder(prefixes), _node_encoder()
    texts = [encode(node) for t in triples if (node := builder.add(t)) is not None]
    last = builder.finish()
    if last is not None:
        texts.append(encode(last))
    return NODE_SEPARATOR.join(text.encode("utf-8") for text in texts)


class JsonLdWriter:
    """A JSON-LD document of sorted triples (see ``NodeBuilder``) written piece by piece: one node
    object a line, by the C JSON encoder (an indented whole-document ``json.dumps`` runs the
    pure-Python encoder and holds the whole graph twice)."""

    def __init__(self, prefixes: Mapping[str, str], context_ref: str, write: Callable[[bytes], object]) -> None:
        self._builder = NodeBuilder(prefixes)
        self._encode = _node_encoder()
        self._write = write
        self._batch: list[str] = []
        self._separator = NODES_START
        write(document_head(context_ref))

    def add(self, t: Triple) -> None:
        node = self._builder.add(t)
        if node is not None:
            self._batch.append(self._encode(node))
            if len(self._batch) == 1000:
                self._flush()

    def _flush(self) -> None:
        if self._batch:
            self._write(self._separator + ",\n  ".join(self._batch).encode("utf-8"))
            self._separator = NODE_SEPARATOR
            self._batch = []

    def close(self) -> None:
        node = self._builder.finish()
        if node is not None:
            self._batch.append(self._encode(node))
        self._flush()
        self._write(DOCUMENT_TAIL)


def used_prefixes(triples: Iterable[Triple], prefixes: Mapping[str, str]) -> dict[str, str]:
    """Only the prefixes that some IRI in ``triples`` uses (keeps embedded contexts short)."""
    iris: set[str] = set()
    for t in triples:
        for term in (t.subject, t.predicate, t.object):
            if isinstance(term, NamedNode):
                iris.add(term.value)
            elif isinstance(term, Literal) and term.datatype:
                iris.add(term.datatype.value)
    return {p: ns for p, ns in prefixes.items() if any(i.startswith(ns) for i in iris)}


def jsonld_document(triples: Iterable[Triple], prefixes: Mapping[str, str],
                    context_ref: str | None = None) -> dict[str, Any]:
    """A JSON-LD document; the context inline, or ``context_ref`` (a URL or relative file name)."""
    items = list(triples)
    ctx: Any = context_ref if context_ref is not None else context(used_prefixes(items, prefixes))["@context"]
    return {"@context": ctx, "@graph": jsonld_nodes(items, prefixes)}


def dumps(doc: Mapping[str, Any], *, indent: int | None = 1) -> str:
    """Deterministic JSON text (keys in insertion order, UTF-8 kept)."""
    return json.dumps(doc, ensure_ascii=False, indent=indent) + "\n"


def script_safe(doc: Mapping[str, Any]) -> str:
    """JSON for a ``<script type="application/ld+json">`` element: ``<``, ``>`` and ``&`` escaped,
    so record text such as ``</script>`` cannot end the element.

    >>> script_safe({"a": "</script><b>&"})
    '{"a": "\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e\\\\u0026"}'
    """
    text = json.dumps(doc, ensure_ascii=False, indent=None)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))
