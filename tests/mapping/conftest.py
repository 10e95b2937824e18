"""Fixtures of the code-list tests: the bundled code lists and their SKOS graph, made once per module."""

from __future__ import annotations

import pytest
import rdflib

from esrgraph.mapping.codelists import CodeLists, skos_ntriples


@pytest.fixture(scope="module")
def lists() -> CodeLists:
    return CodeLists.load()


@pytest.fixture(scope="module")
def graph() -> rdflib.Graph:
    g = rdflib.Graph()
    g.parse(data=skos_ntriples().decode("utf-8"), format="nt")
    return g
