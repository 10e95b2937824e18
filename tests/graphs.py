"""Comparing RDF graphs in tests: isomorphism, with the differing triples on failure."""

from __future__ import annotations

import pytest
import rdflib
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

#: esrgraph's OutputFormat key -> rdflib's parser name.


def assert_same_graph(got: rdflib.Graph, expected: rdflib.Graph) -> None:
    """Isomorphism, and on failure the triples only one side has."""
    if isomorphic(got, expected):
        return
    _, only_got, only_expected = graph_diff(to_isomorphic(got), to_isomorphic(expected))
    lines = [f"- {t}" for t in sorted(only_expected)[:20]] + [f"+ {t}" for t in sorted(only_got)[:20]]
    pytest.fail("graphs differ:\n" + "\n".join(lines))
