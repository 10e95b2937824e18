"""Which triples a query can read, so that an answer is kept across a change that cannot alter it.

A SPARQL query sees its dataset only through its triple patterns and property paths: a triple that matches none
of them is never read, so adding or removing it cannot change the answer (SPARQL 1.1 Query, 18.5: a basic graph
pattern is evaluated by matching its patterns; a path of one or more steps by matching its predicates). A rebuild
that changed one project's title therefore leaves every answer that never reads ``dcterms:title`` as it was, and
the build keeps those answers for the store's new generation instead of running the queries again
(``answer_cache.AnswerCache.carry``).

The patterns are read from the query's algebra (rdflib's SPARQL parser), never from its text. Whatever is not
understood reads everything: a query rdflib cannot parse, ``DESCRIBE``, ``SERVICE``, ``GRAPH``, a path that may be
of length zero (``p*``, ``p?``: it matches every node of the graph), a negated property set. A pattern's literal
constant is taken as a wildcard too (two spellings of one literal would otherwise be told apart), so only IRIs
narrow what a pattern reads.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pyoxigraph import NamedNode, Triple

#: A pattern position: an IRI it must be, or None where it matches any term.
Position = str | None


@dataclass(frozen=True, slots=True)
class TriplePattern:
    subject: Position
    predicate: Position
    object: Position

    def matches(self, triple: Triple) -> bool:
        return (_fits(self.subject, triple.subject) and _fits(self.predicate, triple.predicate)
                and _fits(self.object, triple.object))


def json_key(row: list[str | None]) -> list[str]:
    return ["" if x is None else "<" + x for x in row]


def _fits(position: Position, term: object) -> bool:
    return position is None or (isinstance(term, NamedNode) and term.value == position)


#: The pattern that matches every triple.
ANY = TriplePattern(None, None, None)


@dataclass(frozen=True, slots=True)
class QueryReads:
    """The triple patterns a query reads: a triple outside all of them cannot change its answer."""

    patterns: frozenset[TriplePattern]

    @property
    def everything(self) -> bool:
        return ANY in self.patterns

    def to_json(self) -> list[list[str | None]]:
        return sorted(([p.subject, p.predicate, p.object] for p in self.patterns), key=lambda row: json_key(row))

    @classmethod
    def from_json(cls, rows: object) -> QueryReads | None:
        """The reads ``to_json`` gave, or None when ``rows`` is not such a list."""
        if not isinstance(rows, list) or not all(
                isinstance(row, list) and len(row) == 3 and all(x is None or isinstance(x, str) for x in row)
                for row in rows):
            return None
        return cls(frozenset(TriplePattern(*row) for row in rows))

    def touched_by(self, changed: Iterable[Triple]) -> bool:
        """Whether any of the ``changed`` triples (added or removed) matches a pattern the query reads."""
        patterns = tuple(self.patterns)
        return any(p.matches(t) for t in changed for p in patterns)


@functools.lru_cache(maxsize=1024)
def query_reads(sparql: str) -> QueryReads:
    """What ``sparql`` reads (``QueryReads``); everything when it cannot be told."""
    from rdflib.plugins.sparql import prepareQuery

    try:
        algebra = prepareQuery(sparql).algebra
    except Exception:  # noqa: BLE001 - rdflib's parser raises many kinds; a query it cannot read reads everything
        return QueryReads(frozenset({ANY}))
    return QueryReads(frozenset(_patterns(algebra)))


@functools.lru_cache(maxsize=1)
def reader_fingerprint() -> str:
    """This reader's version: a digest of this module and of the rdflib that parses (kept reads of another are
    read again)."""
    import hashlib
    from importlib.metadata import version
    from pathlib import Path

    return hashlib.sha256(Path(__file__).read_bytes() + version("rdflib").encode()).hexdigest()[:16]


#: Algebra nodes that read more than their triple patterns say.
_READS_EVERYTHING = frozenset({"DescribeQuery", "ServiceGraphPattern", "Graph", "GraphGraphPattern"})


def _patterns(node: object) -> Iterator[TriplePattern]:
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(node, CompValue):
        if node.name in _READS_EVERYTHING:
            yield ANY
            return
        for key, value in node.items():
            if key == "triples":
                yield from _triples(value)
            elif not key.startswith("_"):
                yield from _patterns(value)
    elif isinstance(node, (list, tuple)):
        for item in node:
            yield from _patterns(item)
    elif isinstance(node, dict):
        for value in node.values():
            yield from _patterns(value)


def _triples(triples: object) -> Iterator[TriplePattern]:
    if not isinstance(triples, (list, tuple)):
        yield ANY
        return
    for triple in triples:
        if not isinstance(triple, (list, tuple)) or len(triple) != 3:
            yield ANY  # a shape this reader does not know
            continue
        subject, predicate, obj = triple
        for step in _steps(predicate):
            if step is None:
                yield ANY
            else:
                # a path's steps join unknown nodes: only a single IRI keeps its subject and object
                single = _iri(predicate) is not None
                yield TriplePattern(_iri(subject) if single else None, step, _iri(obj) if single else None)


def _steps(predicate: object) -> Iterator[str | None]:
    """The predicate IRIs a pattern's predicate (an IRI, a variable or a path) reads; None: any predicate."""
    from rdflib.paths import AlternativePath, InvPath, MulPath, SequencePath

    iri = _iri(predicate)
    if iri is not None:
        yield iri
    elif isinstance(predicate, (SequencePath, AlternativePath)):
        for arg in predicate.args:
            yield from _steps(arg)
    elif isinstance(predicate, InvPath):
        yield from _steps(predicate.arg)
    elif isinstance(predicate, MulPath) and predicate.mod == "+":
        yield from _steps(predicate.path)
    else:  # a variable, p* or p? (zero length: every node), a negated property set, or unknown
        yield None


def _iri(term: object) -> str | None:
    from rdflib.term import URIRef

    return str(term) if isinstance(term, URIRef) else None
