"""The library API is usable without the CLI, and its docstring examples run."""

from __future__ import annotations

import doctest
import os

import esrgraph
from repo_paths import REPO


def test_public_api_names_resolve() -> None:
    for name in esrgraph.__all__:
        assert getattr(esrgraph, name) is not None, name


def test_package_docstring_examples_run() -> None:
    cwd = os.getcwd()
    os.chdir(REPO)
    try:
        failures, tried = doctest.testmod(esrgraph, optionflags=doctest.ELLIPSIS)
    finally:
        os.chdir(cwd)
    assert tried >= 4 and failures == 0, (failures, tried)


def test_build_graph_and_validate_graph_work_on_parsed_records() -> None:
    records = esrgraph.parse_file(REPO / "data" / "samples" / "S21860.txt").records
    triples = esrgraph.build_graph(records)
    from esrgraph.validation.report import triples_to_rdflib

    report = esrgraph.validate_graph(triples_to_rdflib(triples))
    assert report.conforms
    assert any(t.object.value == "Mikkelin Toimintakeskus ry" for t in triples)
