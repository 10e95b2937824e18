"""A real triple store: push the sample graph to Oxigraph and run every named query there.

Starts the `oxigraph` server from the virtualenv (next to sys.executable) on a free 127.0.0.1
port with a store in a temporary folder; no mocks.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import pytest
from click.testing import CliRunner

from esrgraph.cli import cli
from esrgraph.sparql.queries import ResultFormat, bind_parameters, load_store, named_queries, run_query
from esrgraph.sparql.remote import RemoteError, push_graph, query_endpoint
from servers import executable, free_port, running
from sparqlrows import json_set, solutions_set


def count(query_url: str, sparql: str) -> int:
    text = query_endpoint(query_url, sparql, ResultFormat.CSV)
    return int(text.splitlines()[1])


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory: pytest.TempPathFactory):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    location = tmp_path_factory.mktemp("oxigraph")
    args = [str(executable("oxigraph")), "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}"]
    with running(args, f"{base}/query?{urlencode({'query': 'ASK {}'})}", location.parent / "oxigraph.log", within=30):
        yield {"store": f"{base}/store", "query": f"{base}/query"}


@pytest.fixture(scope="module")
def pushed(oxigraph: dict[str, str], sample_out: Path) -> dict[str, str]:
    result = CliRunner().invoke(cli, ["push", str(sample_out), "--store", oxigraph["store"], "--replace"])
    assert result.exit_code == 0, result.output
    assert "replaced the default graph" in result.output
    return oxigraph


@pytest.fixture(scope="module")
def store(sample_out: Path):
    return load_store(sample_out)


@pytest.mark.server
def test_push_loads_every_triple(pushed: dict[str, str], store) -> None:
    assert count(pushed["query"], "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == len(store)


@pytest.mark.server
@pytest.mark.parametrize("name", sorted(named_queries()))
def test_each_named_query_answers_as_locally(pushed: dict[str, str], store, name: str) -> None:
    sparql = named_queries()[name].sparql
    remote = query_endpoint(pushed["query"], sparql, ResultFormat.JSON)
    assert json_set(remote) == solutions_set(run_query(store, sparql))


@pytest.mark.server
def test_parameters_work_remotely(pushed: dict[str, str], store) -> None:
    sparql = bind_parameters(named_queries()["funding-by-nuts3"].sparql, {"nutsVersion": "2024"})
    assert json_set(query_endpoint(pushed["query"], sparql, ResultFormat.JSON)) == solutions_set(run_query(store, sparql))


@pytest.mark.server
@pytest.mark.parametrize("fmt", ["table", "csv", "tsv", "json", "xml"])
def test_query_command_prints_the_same_remotely(pushed: dict[str, str], sample_out: Path, fmt: str) -> None:
    runner = CliRunner()
    local = runner.invoke(cli, ["query", str(sample_out), "-n", "funding-by-region", "--format", fmt])
    remote = runner.invoke(cli, ["query", "--endpoint", pushed["query"], "-n", "funding-by-region", "--format", fmt])
    assert remote.exit_code == 0, remote.output
    assert remote.output == local.output  # the same writer formats both
    assert "Keski-Suomi" in remote.output


@pytest.mark.server
def test_named_graph_post_adds_and_put_replaces(pushed: dict[str, str], sample_out: Path, store) -> None:
    graph = "https://data.example.fi/esr/graph/test"
    in_graph = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    status, url = push_graph(sample_out, pushed["store"], graph)
    assert status in (200, 201, 204) and "graph=https%3A%2F%2Fdata.example.fi" in url
    assert count(pushed["query"], in_graph) == len(store)
    extra = sample_out.parent / "extra.nt"
    extra.write_text("<urn:esrgraph:a> <urn:esrgraph:b> <urn:esrgraph:c> .\n", encoding="utf-8")
    push_graph(extra, pushed["store"], graph)  # POST adds
    assert count(pushed["query"], in_graph) == len(store) + 1
    push_graph(extra, pushed["store"], graph, replace=True)  # PUT replaces
    assert count(pushed["query"], in_graph) == 1
    assert count(pushed["query"], "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }") == len(store)  # default untouched


@pytest.mark.server
def test_http_errors_are_explained(pushed: dict[str, str], sample_out: Path) -> None:
    wrong = pushed["store"].replace("/store", "/nothing-here")
    with pytest.raises(RemoteError, match=r"HTTP 404.*Graph Store endpoint"):
        push_graph(sample_out, wrong)
    with pytest.raises(RemoteError, match="cannot reach the store"):
        push_graph(sample_out, f"http://127.0.0.1:{free_port()}/store", timeout=5)
    with pytest.raises(RemoteError, match="rejected the query"):
        query_endpoint(pushed["query"], "SELEC nothing", ResultFormat.TABLE)
    result = CliRunner().invoke(cli, ["push", str(sample_out / "missing.ttl"), "--store", pushed["store"]])
    assert result.exit_code != 0 and "no such RDF file" in str(result.exception)
