"""Deterministic serialisation: sorted triples written by pyoxigraph, and reproducible gzip.

Triples are sorted before they are written, and pyoxigraph writes them (far faster than
rdflib's writer at our scale: docs/decisions/20261123-build-hot-paths.md), so the same graph
gives the same bytes every time. Files are written through ``io.atomic``.
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Iterable, Iterator

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Triple, parse, serialize

from esrgraph.core.vocab import PREFIXES
from esrgraph.io.formats import OutputFormat


def _term_text(term: NamedNode | BlankNode | Literal | Triple) -> str:
    """A term as one sort key: kind (IRI, blank node, literal), then value, datatype and language
    joined by NUL, which sorts below every other character (terms hold no NUL)."""
    if isinstance(term, NamedNode):
        return "0" + term.value
    if isinstance(term, BlankNode):
        return "1" + term.value
    if isinstance(term, Triple):  # an RDF 1.2 triple term: esrgraph writes none, but may be handed one
        return "3" + str(term)
    return "2" + term.value + "\0" + (term.datatype.value if term.datatype else "") + "\0" + (term.language or "")


_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def triple_sort_key(subject: str, predicate: str, obj: NamedNode | BlankNode | Literal | Triple) -> str:
    """The sort key of the triple (IRI ``subject``, IRI ``predicate``, ``obj``): one string,
    ordering by subject, predicate (rdf:type first), object. Distinct triples have distinct keys.

    Takes the subject and predicate as text because the mapper has them so: reading them
    back out of a pyoxigraph Triple costs more than the sort itself.
    """
    return "\0".join(("0" + subject, "0" if predicate == _RDF_TYPE else "1", predicate, _term_text(obj)))


def key_of(t: Triple) -> str:
    """``triple_sort_key`` of a Triple."""
    subject = t.subject
    if isinstance(subject, NamedNode):
        return triple_sort_key(subject.value, t.predicate.value, t.object)
    pred = t.predicate.value
    return "\0".join((_term_text(subject), "0" if pred == _RDF_TYPE else "1", pred, _term_text(t.object)))


def sort_keyed(keyed: dict[str, Triple]) -> list[Triple]:
    """The triples of ``{triple_sort_key: triple}`` in key order (a dict: duplicates are gone)."""
    return [keyed[k] for k in sorted(keyed)]


def sort_triples(triples: Iterable[Triple]) -> list[Triple]:
    """Duplicates removed, ordered by subject, predicate (rdf:type first), object.

    One string key per triple (``_term_text``) instead of nested tuples: the same order, sooner
    (docs/decisions/20261123-build-hot-paths.md).
    """
    return sort_keyed({key_of(t): t for t in triples})


def serialize_triples(
    triples: Iterable[Triple],
    fmt: OutputFormat = OutputFormat.TURTLE,
    prefixes: dict[str, str] | None = None,
    *,
    presorted: bool = False,
) -> bytes:
    """Bytes of the graph in ``fmt``; identical graphs give identical bytes."""
    ordered = list(triples) if presorted else sort_triples(triples)
    if fmt is OutputFormat.NTRIPLES:
        return serialize(ordered, format=RdfFormat.N_TRIPLES) or b""
    used = prefixes if prefixes is not None else PREFIXES
    if fmt in (OutputFormat.TURTLE,):
        return serialize(ordered, format=fmt.oxigraph, prefixes=used) or b""
    return serialize(ordered, format=fmt.oxigraph) or b""


def split_turtle_header(turtle: bytes) -> tuple[bytes, bytes]:
    """The ``@prefix`` lines a serialised Turtle starts with, and its statements: parts serialised with the same
    prefixes join into one file as one header and their statements one after the other."""
    end = 0
    while turtle.startswith(b"@prefix", end):
        end = turtle.index(b"\n", end) + 1
    return turtle[:end], turtle[end:]


def read_ntriples(path: str | os.PathLike[str]) -> Iterator[Triple]:
    """The triples of an N-Triples file in file order, streamed (a sorted graph file stays sorted)."""
    return (quad.triple for quad in parse(path=str(path), format=RdfFormat.N_TRIPLES))


def read_ntriples_bytes(data: bytes) -> Iterator[Triple]:
    """The triples of N-Triples ``data`` in their order."""
    return (quad.triple for quad in parse(input=data, format=RdfFormat.N_TRIPLES))


#: zlib level of the gzipped dumps: 9 makes them about 5 % smaller than 6 in 40 % more time, which a release
#: spends once per chunk of its graph (esrgraph.publish.pieces) and keeps.
GZIP_LEVEL = 9


#: zlib level of the gzipped JSON-LD: 9 makes it only about 2 % smaller than 6 in 40 % more time.
JSONLD_GZIP_LEVEL = 6


def gzip_member(data: bytes, level: int = GZIP_LEVEL) -> bytes:
    """``data`` as one gzip member with no file name and a zero timestamp, so the bytes are reproducible; members
    one after another are one gzip file."""
    return gzip.compress(data, compresslevel=level, mtime=0)
