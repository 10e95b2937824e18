"""What a query reads (esrgraph.sparql.reads): the triples outside its patterns cannot change its answer, and
whatever the reader does not understand reads everything."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from pyoxigraph import (
    Literal,
    NamedNode,
    Quad,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Store,
    Triple,
)

from esrgraph.pipeline.result import BuildResult
from esrgraph.quality.report import from_build
from esrgraph.sparql.queries import named_queries
from esrgraph.sparql.reads import ANY, TriplePattern, query_reads

EX = "http://example.org/"
P, Q, R = EX + "p", EX + "q", EX + "r"
TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def reads(where: str) -> set[TriplePattern]:
    return set(query_reads(f"PREFIX ex: <{EX}> SELECT * WHERE {{ {where} }}").patterns)


def test_a_pattern_keeps_its_iris_and_takes_variables_and_literals_as_wildcards() -> None:
    assert reads("?s a ex:Thing ; ex:p ?o . ex:a ex:q \"lit\"") == {
        TriplePattern(None, TYPE, EX + "Thing"), TriplePattern(None, P, None), TriplePattern(EX + "a", Q, None)}


def test_paths_read_each_predicate_between_any_nodes() -> None:
    assert reads("ex:a ex:p/ex:q|^ex:r ?o . ?x ex:p+ ?y") == {
        TriplePattern(None, P, None), TriplePattern(None, Q, None), TriplePattern(None, R, None)}


@pytest.mark.parametrize("where", [
    "?s ?p ?o",  # a variable predicate
    "?s ex:p* ?o",  # a path of length zero matches every node of the graph
    "?s ex:p? ?o",
    "?s !ex:p ?o",  # a negated property set
    "GRAPH ?g { ?s ex:p ?o }",
    "SERVICE <http://example.org/sparql> { ?s ex:p ?o }",
])
def test_what_it_cannot_narrow_reads_everything(where: str) -> None:
    assert ANY in reads(where)


def test_patterns_inside_filters_optionals_unions_and_subqueries_are_read() -> None:
    found = reads("{ ?s ex:p ?o OPTIONAL { ?o ex:q ?x } } UNION { SELECT ?s WHERE { ?s ex:r ?z } } "
                  "FILTER NOT EXISTS { ?s a ex:Gone } FILTER EXISTS { ?s ex:q ex:b }")
    assert found == {TriplePattern(None, P, None), TriplePattern(None, Q, None), TriplePattern(None, R, None),
                     TriplePattern(None, TYPE, EX + "Gone"), TriplePattern(None, Q, EX + "b")}


def test_describe_and_unparsable_queries_read_everything() -> None:
    assert query_reads(f"DESCRIBE <{EX}a>").everything
    assert query_reads("SELECT * WHERE { ?s ?p").everything


def test_touched_by_matches_iris_exactly() -> None:
    read = query_reads(f"SELECT * WHERE {{ ?s a <{EX}Thing> ; <{P}> ?o }}")
    thing = Triple(NamedNode(EX + "a"), NamedNode(TYPE), NamedNode(EX + "Thing"))
    other_type = Triple(NamedNode(EX + "a"), NamedNode(TYPE), NamedNode(EX + "Other"))
    p_literal = Triple(NamedNode(EX + "a"), NamedNode(P), Literal("x"))
    q_literal = Triple(NamedNode(EX + "a"), NamedNode(Q), Literal("x"))
    assert read.touched_by([other_type, q_literal, thing])
    assert read.touched_by([p_literal])
    assert not read.touched_by([other_type, q_literal])
    assert not read.touched_by([])


def _rows(store: Store, sparql: str) -> list[str]:
    """The answer as sorted rows: a query without ORDER BY may give its rows in another order on another store."""
    buffer = io.BytesIO()
    store.query(sparql).serialize(buffer, format=QueryResultsFormat.JSON)  # type: ignore[union-attr]
    data = json.loads(buffer.getvalue())
    if "boolean" in data:
        return [str(data["boolean"])]
    return sorted(json.dumps(row, sort_keys=True) for row in data["results"]["bindings"])


class _Recording:
    """A store that notes the queries asked of it."""

    def __init__(self, store: Store) -> None:
        self.store, self.texts = store, list[str]()

    def query(self, query: str, /) -> QuerySolutions | QueryBoolean | QueryTriples:
        self.texts.append(query)
        return self.store.query(query)


def test_every_query_a_build_keeps_gives_the_same_answer_on_only_the_triples_it_reads(sample_build: BuildResult,
                                                                                     sample_out: Path) -> None:
    """The claim the kept answers rest on, for the named queries and the quality report's: drop every triple of
    the sample build that no pattern of a query matches, and its answer is the same."""
    whole = Store()
    whole.bulk_load(path=str(sample_out / "esrgraph.nt"), format=RdfFormat.N_TRIPLES)
    whole.bulk_load(path=str(sample_out / "collaboration.ttl"), format=RdfFormat.TURTLE)
    recording = _Recording(whole)
    from_build(sample_build, recording)
    texts = [q.sparql for q in named_queries().values()] + recording.texts
    assert len(recording.texts) > 4  # the quality report's queries
    dropped = []
    for sparql in texts:
        read = query_reads(sparql)
        assert not read.everything, sparql
        patterns = tuple(read.patterns)
        part = Store()
        part.extend([q for q in whole if any(p.matches(q.triple) for p in patterns)])
        assert _rows(part, sparql) == _rows(whole, sparql), sparql
        dropped.append(len(whole) - len(part))
    assert min(dropped) > 0  # each query reads a part of the graph only, so the check above has teeth


def test_a_triple_a_query_reads_changes_its_answer() -> None:
    """The other side: a change that matches a pattern is one the answer may see."""
    store = Store()
    store.add(Quad(NamedNode(EX + "a"), NamedNode(P), Literal("1")))
    sparql = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?s <{P}> ?o }}"
    before = _rows(store, sparql)
    added = Triple(NamedNode(EX + "b"), NamedNode(P), Literal("2"))
    store.add(Quad(added.subject, added.predicate, added.object))
    assert query_reads(sparql).touched_by([added]) and _rows(store, sparql) != before
