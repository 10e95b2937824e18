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
from collections.abc import Iterable, Mapping
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from esrgraph.export import sort_triples

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def compact_iri(iri: str, prefixes: Mapping[str, str]) -> str:
    """``prefix:local`` when a prefix covers ``iri`` (longest namespace wins), else ``iri``.

    >>> compact_iri("https://w3id.org/esrgraph/ontology#fund", {"esr": "https://w3id.org/esrgraph/ontology#"})
    'esr:fund'
    """
    best = ""
    best_prefix = ""
    for prefix, ns in prefixes.items():
        if iri.startswith(ns) and len(ns) > len(best):
            best, best_prefix = ns, prefix
    if not best:
        return iri
    local = iri[len(best):]
    if local.startswith("//"):  # would read as an absolute IRI
        return iri
    return f"{best_prefix}:{local}"


def context(prefixes: Mapping[str, str]) -> dict[str, Any]:
    """The JSON-LD context object for ``prefixes``."""
    return {"@context": dict(sorted(prefixes.items()))}


def _node_ref(term: NamedNode | BlankNode, prefixes: Mapping[str, str]) -> str:
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    return compact_iri(term.value, prefixes)


def _object(term: NamedNode | BlankNode | Literal, prefixes: Mapping[str, str]) -> dict[str, str]:
    if isinstance(term, Literal):
        if term.language:
            return {"@value": term.value, "@language": term.language}
        if term.datatype and term.datatype.value != XSD_STRING:
            return {"@value": term.value, "@type": compact_iri(term.datatype.value, prefixes)}
        return {"@value": term.value}
    return {"@id": _node_ref(term, prefixes)}


def jsonld_nodes(triples: Iterable[Triple], prefixes: Mapping[str, str]) -> list[dict[str, Any]]:
    """Node objects, one per subject, in sorted order."""
    nodes: dict[str, dict[str, Any]] = {}
    for t in sort_triples(triples):
        key = _node_ref(t.subject, prefixes)  # type: ignore[arg-type]
        node = nodes.setdefault(key, {"@id": key})
        if t.predicate.value == RDF_TYPE and isinstance(t.object, NamedNode):
            node.setdefault("@type", []).append(compact_iri(t.object.value, prefixes))
        else:
            node.setdefault(compact_iri(t.predicate.value, prefixes), []).append(_object(t.object, prefixes))  # type: ignore[arg-type]
    return list(nodes.values())


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
