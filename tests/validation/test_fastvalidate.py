"""The fast validator (shapes compiled to SPARQL on Oxigraph) against pyshacl, the reference.

Compared exactly: the (focus, path, value, source shape, severity, component, message)
of every result, and the findings built from them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from pyoxigraph import Literal, NamedNode, RdfFormat, Store, Triple

from esrgraph.core.vocab import ESR, ORG
from esrgraph.io.export import serialize_triples
from esrgraph.io.formats import OutputFormat
from esrgraph.parsers.base import SourceText
from esrgraph.parsers.inputs import parse_source
from esrgraph.pipeline.result import BuildOptions
from esrgraph.pipeline.stages import build_records
from esrgraph.validation.fast.compiler import compile_shapes, python_regex_functions
from esrgraph.validation.report import ShaclResult, triples_to_rdflib, validate_graph
from repo_paths import REPO

ROOT = REPO
SHAPE_EXAMPLES = sorted((ROOT / "tests" / "shapes").glob("*/*.ttl"))

def _key(r: ShaclResult) -> tuple[str, ...]:
    return (r.focus, r.path or "", r.value or "", str(r.value_is_literal), r.source_shape, r.severity, r.component,
            r.message, r.message_language or "")


@pytest.fixture(scope="module")
def fast():  # type: ignore[no-untyped-def]
    return compile_shapes()


def _store(data: bytes, fmt: RdfFormat) -> Store:
    store = Store()
    store.bulk_load(input=data, format=fmt)
    return store


def test_every_shape_compiles_without_falling_back(fast) -> None:  # type: ignore[no-untyped-def]
    assert fast.fallback_shapes == {}
    shapes = {c.shape.rsplit("#", 1)[-1] for c in fast.checks}
    for folder in {p.parent.name for p in SHAPE_EXAMPLES}:
        assert any(s.startswith(folder) for s in shapes), folder


@pytest.mark.parametrize("path", SHAPE_EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_shape_example_gives_pyshacls_results(fast, path: Path) -> None:  # type: ignore[no-untyped-def]
    graph = rdflib.Graph().parse(path, format="turtle")
    ref = sorted(map(_key, validate_graph(graph).results))
    got = sorted(map(_key, fast.validate(_store(path.read_bytes(), RdfFormat.TURTLE)).results))
    assert got == ref
    if path.name.startswith("invalid"):
        assert got, "an invalid example must give at least one result"


def _bulk_triples() -> list[Triple]:
    from benchmarks.generate import files

    records = []
    for layout, n in (("eura-description", 10), ("eura-flattened", 2), ("portal-card", 2), ("projectlist-csv", 3)):
        for name, text in files(n, seed=3, layout=layout, faulty_share=0.5):
            records += parse_source(SourceText(name, "0" * 64, text, "utf-8")).records
    _projects, triples, *_ = build_records(records, BuildOptions())
    # injected errors of the kinds the generator cannot write
    p = NamedNode("https://data.example.fi/esr/project/S20001")
    o = NamedNode("https://data.example.fi/esr/organisation/1234567-1")
    extra = [
        Triple(p, NamedNode(ESR + "fund"), Literal("ESR")),
        Triple(p, NamedNode("http://purl.org/dc/terms/identifier"), Literal("s2001")),
        Triple(p, NamedNode(ESR + "applicant"), Literal("Nimi Oy")),
        Triple(p, NamedNode(ESR + "budgetMinimum"), Literal("900", datatype=NamedNode(ESR + "euro"))),
        Triple(p, NamedNode(ESR + "budgetMaximum"), Literal("100", datatype=NamedNode("http://www.w3.org/2001/XMLSchema#decimal"))),
        Triple(p, NamedNode(ESR + "plannedParticipants"), Literal("-3", datatype=NamedNode("http://www.w3.org/2001/XMLSchema#integer"))),
        Triple(p, NamedNode(ESR + "planSummary"), Literal("Soita 040 123 4567 tai maija.m@example.fi", language="fi")),
        Triple(o, NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), NamedNode(ORG + "Organization")),
        Triple(o, NamedNode("http://purl.org/dc/terms/identifier"), Literal("1234567-1")),
    ]
    return [t for t in triples if t.predicate.value != ESR + "plannedEndDate" or "S20002" not in t.subject.value] + extra


def test_generated_bulk_graph_with_injected_errors_gives_pyshacls_results(fast) -> None:  # type: ignore[no-untyped-def]
    triples = _bulk_triples()
    ref = validate_graph(triples_to_rdflib(triples))
    got = fast.validate(_store(serialize_triples(triples, OutputFormat.NTRIPLES), RdfFormat.N_TRIPLES))
    assert sorted(map(_key, got.results)) == sorted(map(_key, ref.results))
    assert len({r.source_shape for r in ref.results}) >= 10  # many kinds of error are present
    fields = ("severity", "rule", "message", "record", "field", "value", "focus")
    assert [tuple(getattr(f, n) for n in fields) for f in got.findings] == [
        tuple(getattr(f, n) for n in fields) for f in ref.findings
    ]


def test_threaded_checks_give_the_single_threaded_report(fast, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """Checks run on several threads; results must come out in check order, whatever finishes first."""
    store = _store(serialize_triples(_bulk_triples(), OutputFormat.NTRIPLES), RdfFormat.N_TRIPLES)
    reports = []
    for threads in ("1", "3"):
        monkeypatch.setenv("ESRGRAPH_THREADS", threads)
        reports.append(fast.validate(store))
    assert len({r.source_shape for r in reports[0].results}) >= 10  # many checks report something
    assert [_key(r) for r in reports[1].results] == [_key(r) for r in reports[0].results]
    assert [f.to_json() for f in reports[1].findings] == [f.to_json() for f in reports[0].findings]


def test_unsupported_shape_falls_back_to_pyshacl(tmp_path: Path) -> None:
    shapes = tmp_path / "odd.ttl"
    shapes.write_text(
        """@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property ex:P .
        ex:P sh:path ex:name ; sh:uniqueLang true ; sh:minCount 1 .""",
        encoding="utf-8",
    )
    data = b"""<http://example.org/a> a <http://example.org/C> ;
        <http://example.org/name> "x"@fi , "y"@fi .
        <http://example.org/b> a <http://example.org/C> ."""
    validator = compile_shapes(shapes)
    assert set(validator.fallback_shapes) == {"http://example.org/S", "http://example.org/P"}
    got = validator.validate(_store(data, RdfFormat.TURTLE))
    ref = validate_graph(rdflib.Graph().parse(data=data, format="turtle"), shapes)
    assert sorted(map(_key, got.results)) == sorted(map(_key, ref.results))
    assert len(got.results) == 2  # uniqueLang on a, minCount on b


def test_checks_without_an_owned_focus_node_are_skipped_and_the_report_is_the_same(fast) -> None:  # type: ignore[no-untyped-def]
    """What an organisation part of the sharded build does: the store holds projects as context, and
    only the organisations are its own."""
    store = _store(serialize_triples(_bulk_triples(), OutputFormat.NTRIPLES), RdfFormat.N_TRIPLES)
    organisations = {r["o"].value for r in store.query(f"SELECT DISTINCT ?o WHERE {{ ?o a <{ORG}Organization> }}")}
    assert len(organisations) > 10
    kept = fast._checks_with_owned_focus(store, organisations.__contains__)
    assert 0 < len(kept) < len(fast.checks) / 3
    assert not any("P01-project-has-one-code" in c.shape for c in kept)
    assert any("O03-business-id-check-digit" in c.shape for c in kept)
    every = fast.validate(store, owns=organisations.__contains__)
    pruned = fast.validate(store, owns=organisations.__contains__, skip_unowned_focus=True)
    assert every.results and pruned.results == every.results and pruned.findings == every.findings
    assert {r.focus for r in pruned.results} <= organisations
    assert fast._checks_with_owned_focus(store, lambda focus: True) == fast.checks


def test_max_count_counts_distinct_terms_as_pyshacl_does(tmp_path: Path) -> None:
    """sh:maxCount 1 runs as a self-join (two values that are not the same term), other counts as a
    group: both must count terms, not values (the integer 7 and the decimal 7.0 are equal in a FILTER)."""
    shapes = tmp_path / "counts.ttl"
    shapes.write_text(
        """@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property ex:One , ex:Two .
        ex:One sh:path ex:score ; sh:maxCount 1 .
        ex:Two sh:path ex:score ; sh:maxCount 2 .""",
        encoding="utf-8",
    )
    data = b"""@prefix ex: <http://example.org/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        ex:none a ex:C . ex:one a ex:C ; ex:score 7 .
        ex:same-value a ex:C ; ex:score 7 , 7.0 .
        ex:two-iris a ex:C ; ex:score ex:a , ex:b .
        ex:three a ex:C ; ex:score 1 , 2 , "x" .
        ex:not-targeted ex:score 1 , 2 ."""
    got = compile_shapes(shapes).validate(_store(data, RdfFormat.TURTLE))
    found = sorted((r.focus.rsplit("/", 1)[-1], r.source_shape.rsplit("/", 1)[-1]) for r in got.results)
    assert found == [("same-value", "One"), ("three", "One"), ("three", "Two"), ("two-iris", "One")]
    ref = validate_graph(rdflib.Graph().parse(data=data, format="turtle"), shapes)
    assert sorted((r.focus.rsplit("/", 1)[-1], r.source_shape.rsplit("/", 1)[-1]) for r in ref.results) == found


def test_regex_calls_are_rewritten_only_outside_strings() -> None:
    text = 'SELECT ?x WHERE { ?x ?p "REGEX(" . FILTER(regex(STR(?x), "a")) BIND(REPLACE(?x, "b", "c") AS ?y) }'
    out = python_regex_functions(text)
    assert '"REGEX("' in out
    assert "<urn:esrgraph:fn:regex>(STR(?x)" in out
    assert "<urn:esrgraph:fn:replace>(?x" in out


def test_last_not_exists_becomes_an_optional_only_when_it_is_safe() -> None:
    from esrgraph.validation.fast.compiler import not_exists_as_optional

    safe = "SELECT ?this ?value WHERE { ?this <p> ?value . FILTER NOT EXISTS { ?value <q> ?x . FILTER(?x > 1) } }"
    out = not_exists_as_optional(safe)
    assert "OPTIONAL {" in out and "FILTER(!BOUND(?_esrgraph_exists))" in out
    positive = "SELECT ?this WHERE { ?this <p> ?value . FILTER EXISTS { ?value <q> ?x } }"
    assert not_exists_as_optional(positive) == positive
    not_last = "SELECT ?this WHERE { FILTER NOT EXISTS { ?this <q> ?y } ?this <p> ?v }"
    assert not_exists_as_optional(not_last) == not_last


def test_processes_that_validate_at_once_share_the_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each of several validating processes takes its share of the cores, never less than one thread."""
    from esrgraph.validation.fast import runtime as fastvalidate

    monkeypatch.delenv("ESRGRAPH_THREADS", raising=False)
    monkeypatch.setattr(fastvalidate.os, "cpu_count", lambda: 4)
    assert fastvalidate.check_threads() == 4
    assert fastvalidate.check_threads(2) == 2
    assert fastvalidate.check_threads(8) == 1
    assert fastvalidate.check_threads(0) == 4  # nothing else validating
    monkeypatch.setenv("ESRGRAPH_THREADS", "3")
    assert fastvalidate.check_threads(2) == 3
