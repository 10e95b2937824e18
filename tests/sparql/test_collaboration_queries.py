"""The two named queries that read the derived collaboration network answer as the old self-join queries did.

The reference is the old SPARQL text of each query (benchmarks/reference_queries/, as it was before the network was
derived),
run on the main graph alone; the new named query runs on the build folder (esrgraph.ttl + collaboration.ttl).
Compared on the samples and on a generated corpus of 300 projects that share many organisations.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pyoxigraph import NamedNode, Quad, RdfFormat, Store, parse

from esrgraph.core.errors import QueryError
from esrgraph.io.export import read_ntriples, sort_triples
from esrgraph.publish.collaboration import collaboration_network, collaboration_turtle
from esrgraph.sparql.queries import (
    bind_parameters,
    check_query_inputs,
    load_store,
    named_queries,
    rows_of,
    run_query,
)
from repo_paths import REPO

REFERENCE = REPO / "benchmarks" / "reference_queries"
#: The earlier forms of both queries, which count from every participation link (benchmarks/reference_queries/).
#: A portal card's named partners were co-implementers then and are esr:partner now (issue 20): still links.
OLD_PAIRS, OLD_SEVERAL = (
    (REFERENCE / name).read_text(encoding="utf-8").replace("esr:coImplementer", "esr:coImplementer|esr:partner")
    for name in ("co-implementer-pairs.rq", "organisations-in-several-projects.rq")
)

ESR = "https://w3id.org/esrgraph/ontology#"


def build_folder(out: Path, target: Path) -> Path:
    """A build folder holding OUT's esrgraph.ttl and collaboration.ttl (the release's copy when the build has
    not placed one in OUT)."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(out / "esrgraph.ttl", target / "esrgraph.ttl")
    derived = out / "collaboration.ttl" if (out / "collaboration.ttl").is_file() else out / "release" / "collaboration.ttl"
    shutil.copyfile(derived, target / "collaboration.ttl")
    return target


def rows(store: Store, sparql: str, **params: str) -> list[list[str]]:
    return rows_of(run_query(store, bind_parameters(sparql, params) if params else sparql))[1]


def compare(main: Store, both: Store) -> dict[str, int]:
    """Assert the new queries on ``both`` answer as the old ones on ``main``; the row counts."""
    queries = named_queries()
    counts = {}
    for shared in ("1", "2", "3"):
        new = rows(both, queries["co-implementer-pairs"].sparql, minShared=shared)
        assert new == rows(main, OLD_PAIRS, minShared=shared), shared
        counts[f"pairs>={shared}"] = len(new)
    new = rows(both, queries["organisations-in-several-projects"].sparql)
    old = rows(main, OLD_SEVERAL)
    assert [r[:3] + [sorted(r[3].split())] for r in old] == [r[:3] + [r[3].split()] for r in new]
    assert all(r[3].split() == sorted(r[3].split()) for r in new)  # the codes come sorted
    counts["several"] = len(new)
    return counts


def test_samples_answer_as_before(sample_out: Path, tmp_path: Path) -> None:
    folder = build_folder(sample_out, tmp_path / "out")
    counts = compare(load_store(folder / "esrgraph.ttl"), load_store(folder))
    assert counts == {"pairs>=1": 4, "pairs>=2": 0, "pairs>=3": 0, "several": 0}


def test_samples_with_repeated_partners_answer_as_before(sample_out: Path) -> None:
    """test_queries' scenario: JAMK and KOSKE (partners in S20398) and Jyväskylän kaupunki also co-implement
    S21093; the network derived from that graph answers as the old queries on it."""
    triples = list(read_ntriples(sample_out / "esrgraph.nt"))
    main = Store()
    main.extend(Quad(t.subject, t.predicate, t.object) for t in triples)
    labels = {t.object.value: t.subject for t in triples if t.predicate.value.endswith("#prefLabel")}
    project = next(t.subject for t in triples if t.predicate.value == "http://purl.org/dc/terms/identifier"
                   and t.object.value == "S21093")
    for name in ("Jyväskylän ammattikorkeakoulu JAMK", "Keski-Suomen sosiaalialan osaamiskeskus KOSKE",
                 "Jyväskylän kaupunki"):
        extra = Quad(project, NamedNode(ESR + "coImplementer"), labels[name])
        main.add(extra)
        triples.append(extra.triple)
    both = Store()
    both.extend(main)
    derived = collaboration_turtle(collaboration_network(sort_triples(triples)), "https://w3id.org/esrgraph/id/")
    both.extend(q for q in parse(derived, format=RdfFormat.TURTLE))
    counts = compare(main, both)
    assert counts["pairs>=2"] == 3 and counts["pairs>=3"] == 0 and counts["several"] == 3


@pytest.fixture(scope="module")
def corpus_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from benchmarks.generate import write_corpus

    from esrgraph import run_build
    from esrgraph.outputs import write_outputs

    src = tmp_path_factory.mktemp("corpus")
    write_corpus(src, 300, seed=11)
    out = tmp_path_factory.mktemp("corpus-out")
    write_outputs(run_build([str(src)]), out)
    return out


def test_generated_corpus_answers_as_before(corpus_out: Path, tmp_path: Path) -> None:
    folder = build_folder(corpus_out, tmp_path / "out")
    counts = compare(load_store(folder / "esrgraph.ttl"), load_store(folder))
    assert counts["pairs>=2"] > 0 and counts["pairs>=1"] > counts["pairs>=2"] and counts["several"] > 10, counts


def test_build_folder_loads_the_derived_graph_and_a_lone_file_is_refused(sample_out: Path, tmp_path: Path) -> None:
    folder = build_folder(sample_out, tmp_path / "out")
    both, lone = load_store(folder), load_store(folder / "esrgraph.ttl")
    assert bool(both.query(f"ASK {{ ?c a <{ESR}CollaborationNetwork> }}"))  # even where no pair is repeated
    queries = named_queries()
    for name in ("co-implementer-pairs", "organisations-in-several-projects"):
        assert queries[name].reads == ("collaboration.ttl",)
        check_query_inputs(both, queries[name])
        with pytest.raises(QueryError, match="collaboration.ttl.*build folder"):
            check_query_inputs(lone, queries[name])
    check_query_inputs(lone, queries["funding-by-region"])  # reads the graph alone
    assert queries["funding-by-region"].reads == ()
