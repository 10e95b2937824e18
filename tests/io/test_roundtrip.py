"""Every output format re-parses to the same graph (issue 6, part 4; rdflib's test_roundtrip idea).

The sample build's triples are written in each ``OutputFormat`` and read back with rdflib and with
pyoxigraph; both must give a graph isomorphic to the one built. The files a build writes
(esrgraph.ttl and the release dumps) are checked the same way. Hostile input is round-tripped in
test_safe_output.py.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
import rdflib
from pyoxigraph import parse

from esrgraph.io.export import serialize_triples
from esrgraph.io.formats import RDFLIB_PARSERS, OutputFormat
from esrgraph.validation.report import triples_to_rdflib
from graphs import assert_same_graph

SUFFIX_FORMAT = {".ttl": "turtle", ".nt": "nt", ".jsonld": "json-ld", ".rdf": "xml"}


@pytest.fixture(scope="module")
def expected(sample_build) -> rdflib.Graph:
    return triples_to_rdflib(sample_build.triples)


@pytest.mark.parametrize("fmt", list(OutputFormat), ids=lambda f: f.name.lower())
def test_each_format_reparses_with_rdflib(sample_build, expected: rdflib.Graph, fmt: OutputFormat) -> None:
    data = serialize_triples(sample_build.triples, fmt, sample_build.prefixes())
    again = rdflib.Graph().parse(data=data, format=RDFLIB_PARSERS[fmt.oxigraph])
    assert len(again) == len(expected) == len(sample_build.triples)
    assert_same_graph(again, expected)


@pytest.mark.parametrize("fmt", list(OutputFormat), ids=lambda f: f.name.lower())
def test_each_format_reparses_with_pyoxigraph(sample_build, fmt: OutputFormat) -> None:
    data = serialize_triples(sample_build.triples, fmt, sample_build.prefixes())
    again = {q.triple for q in parse(data, format=fmt.oxigraph)}
    assert again == set(sample_build.triples)  # no blank nodes in the build: plain set equality is isomorphism


@pytest.mark.parametrize("fmt", list(OutputFormat), ids=lambda f: f.name.lower())
def test_serialisation_is_deterministic(sample_build, fmt: OutputFormat) -> None:
    shuffled = list(reversed(sample_build.triples))
    assert serialize_triples(shuffled, fmt, sample_build.prefixes()) == serialize_triples(
        sample_build.triples, fmt, sample_build.prefixes())


def test_written_graph_reparses(sample_out: Path, expected: rdflib.Graph) -> None:
    again = rdflib.Graph().parse(sample_out / "esrgraph.ttl", format="turtle")
    assert_same_graph(again, expected)


def test_release_dumps_reparse_to_the_graph(sample_build, tmp_path: Path, expected: rdflib.Graph) -> None:
    from esrgraph.outputs import write_outputs
    from esrgraph.pipeline.result import BuildOptions

    write_outputs(sample_build, tmp_path, BuildOptions())
    dumps = [p for p in tmp_path.rglob("*") if p.is_file() and p.suffixes
             and p.suffixes[0] in SUFFIX_FORMAT and "esrgraph" in p.name]
    checked = []
    for dump in dumps:
        fmt = SUFFIX_FORMAT[dump.suffixes[0]]
        if dump.suffix == ".gz":  # with the file's own IRI as base, so that a relative JSON-LD @context resolves
            graph = rdflib.Graph().parse(data=gzip.decompress(dump.read_bytes()), format=fmt, publicID=dump.as_uri())
        else:  # from the file, so that a relative JSON-LD @context resolves beside it
            graph = rdflib.Graph().parse(dump.as_uri(), format=fmt)
        if len(graph) == len(expected):  # the data dump (not the ontology, shapes or catalogue)
            assert_same_graph(graph, expected)
            checked.append(dump.relative_to(tmp_path).as_posix())
    assert {"esrgraph.ttl", "release/esrgraph.nt.gz", "release/esrgraph.jsonld.gz"} <= set(checked), \
        f"data dumps missing among {[str(d.relative_to(tmp_path)) for d in dumps]}"
