"""SPARQL's <= for sh:lessThanOrEquals: the pairs and verdicts Apache Jena 4.5's SHACL engine gives
(checked by hand with `shacl validate` on these pairs; tests/validation/test_reference_engines.py
compares the engines on whole graphs)."""

from __future__ import annotations

import pytest
import rdflib
from pyoxigraph import Literal, NamedNode

from esrgraph.validation.compare import less_or_equal, oxigraph_parts, rdflib_parts

XSD = "http://www.w3.org/2001/XMLSchema#"


def lit(text: str, datatype: str | None = None, language: str | None = None) -> Literal:
    if language:
        return Literal(text, language=language)
    return Literal(text, datatype=NamedNode(XSD + (datatype or "string")))


CASES = [
    # (a, b, a <= b; None: cannot be compared, so sh:lessThanOrEquals reports it)
    (lit("2017-01-01", "date"), lit("2019-08-31", "date"), True),
    (lit("2019-08-31", "date"), lit("2019-08-31", "date"), True),
    (lit("2019-09-01", "date"), lit("2019-08-31", "date"), False),
    (lit("2017-01-01", "date"), lit("31.8.2019", "date"), None),  # ill-typed
    (lit("1.9.2017", "date"), lit("2019-08-31", "date"), None),
    (lit("2017-02-30", "date"), lit("2019-08-31", "date"), None),  # no such day
    (lit("2017-01-01", "date"), lit("2019-08-31T00:00:00", "dateTime"), None),
    (lit("2017-01-01Z", "date"), lit("2017-01-01", "date"), None),  # within 14 hours: indeterminate
    (lit("2017-01-01Z", "date"), lit("2017-01-03", "date"), True),  # more than 14 hours apart
    (lit("2017-01-01T10:00:00+02:00", "dateTime"), lit("2017-01-01T09:00:00Z", "dateTime"), True),
    (lit("1", "integer"), lit("2.5", "decimal"), True),
    (lit("3.0e0", "double"), lit("2", "integer"), False),
    (lit("abc", "integer"), lit("5", "integer"), None),
    (lit("1"), lit("2", "integer"), None),  # a string and a number
    (lit("a"), lit("b"), True),
    (lit("a", language="fi"), lit("b", language="fi"), True),
    (lit("a", language="fi"), lit("b"), None),
    (lit("true", "boolean"), lit("false", "boolean"), False),
    (lit("x", None), lit("y", None), True),
    (NamedNode("http://example.org/x"), NamedNode("http://example.org/y"), None),
    (lit("1", "integer"), lit("2019-08-31", "date"), None),
]


@pytest.mark.parametrize(("a", "b", "expected"), CASES, ids=[f"{a}<={b}" for a, b, _ in CASES])
def test_less_or_equal_follows_sparql(a: Literal | NamedNode, b: Literal | NamedNode, expected: bool | None) -> None:
    assert less_or_equal(oxigraph_parts(a), oxigraph_parts(b)) is expected


def test_rdflib_terms_give_the_same_verdicts_where_rdflib_keeps_the_lexical_form() -> None:
    a = rdflib.Literal("1.9.2017", datatype=rdflib.URIRef(XSD + "date"))
    b = rdflib.Literal("2019-08-31", datatype=rdflib.URIRef(XSD + "date"))
    assert less_or_equal(rdflib_parts(a), rdflib_parts(b)) is None
    assert less_or_equal(rdflib_parts(b), rdflib_parts(b)) is True
    assert rdflib_parts(rdflib.URIRef("http://example.org/x")) is None
