"""`esrgraph serve` of a build folder answers from the folder's store on disk (``sparql/store.py``): the same
answers as the graph loaded into memory, the new answer after a rebuild and a restart, and the limits a worker
puts on itself (no network, a memory ceiling) still hold with RocksDB underneath."""

from __future__ import annotations

import json
import shutil
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from esrgraph.sparql.queries import named_queries, run_query
from esrgraph.sparql.store import build_store_info, memory_store, update_build_store
from servers import executable, free_port, running
from sparqlrows import json_set, solutions_set

NEW = "https://data.example.fi/esr/test/"
LABEL = "http://www.w3.org/2000/01/rdf-schema#label"


def copy_build(sample_out: Path, target: Path) -> Path:
    target.mkdir()
    for name in ("esrgraph.ttl", "esrgraph.nt"):
        shutil.copyfile(sample_out / name, target / name)
    return target


def select(url: str, sparql: str) -> tuple[int, bytes]:
    request = urllib.request.Request(f"{url}/sparql?{urlencode({'query': sparql})}",
                                     headers={"Accept": "application/sparql-results+json"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def serve(folder: Path, log: Path, *extra: str) -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    args = [str(executable("esrgraph")), "serve", str(folder), "--port", str(port), "--workers", "1", "-q", *extra]
    with running(args, url + "/sparql", log, within=90):
        yield url


@pytest.fixture(scope="module")
def built(sample_out: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_build(sample_out, tmp_path_factory.mktemp("store-serve") / "out")


@pytest.fixture(scope="module")
def served(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    yield from serve(built, tmp_path_factory.mktemp("store-serve-log") / "serve.log", "--max-query-memory", "200")


@pytest.mark.server
def test_the_server_makes_the_store_and_its_workers_answer_from_it(built: Path, served: str) -> None:
    info = build_store_info(built)
    assert info is not None and info.path.is_dir()
    store = memory_store(built)
    for name, query in sorted(named_queries().items()):
        status, body = select(served, query.sparql)
        assert status == 200, (name, body[:300])
        assert json_set(body) == solutions_set(run_query(store, query.sparql)), name


@pytest.mark.server
def test_the_memory_ceiling_still_stops_a_query_on_the_store(served: str) -> None:
    binds = " ".join(f"BIND(CONCAT(?v{i}, ?v{i}) AS ?v{i + 1})" for i in range(29))
    status, body = select(served, f'SELECT (STRLEN(?v29) AS ?n) WHERE {{ BIND("ab" AS ?v0) {binds} }}')
    assert status == 422 and b"--max-query-memory" in body, body[:300]
    for _ in range(120):  # the replacement worker opens the store again
        status, body = select(served, "ASK { ?s ?p ?o }")
        if status != 503:
            break
    assert status == 200 and json.loads(body)["boolean"] is True


@pytest.mark.server
def test_service_is_still_refused_on_the_store(served: str) -> None:
    status, body = select(served, "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")
    assert status == 400 and b"SERVICE" in body, body[:300]


@pytest.mark.server
def test_a_rebuilt_folder_served_after_a_restart_gives_the_new_answer(sample_out: Path, tmp_path: Path) -> None:
    folder = copy_build(sample_out, tmp_path / "out")
    ask = f'SELECT ?label WHERE {{ <{NEW}rebuilt> <{LABEL}> ?label }}'
    for value in ("first", "second"):
        lines = (folder / "esrgraph.nt").read_text(encoding="utf-8").splitlines(keepends=True)
        lines = [line for line in lines if not line.startswith(f"<{NEW}")] + [f'<{NEW}rebuilt> <{LABEL}> "{value}" .\n']
        (folder / "esrgraph.nt").write_text("".join(lines), encoding="utf-8")
        with open(folder / "esrgraph.ttl", "a", encoding="utf-8") as handle:  # the same triple, as a build writes it
            handle.write(f'\n<{NEW}rebuilt> <{LABEL}> "{value}" .\n')
        if value == "second":  # a build updates the store; the first time, serve makes it
            text = (folder / "esrgraph.ttl").read_text(encoding="utf-8").replace(
                f'<{NEW}rebuilt> <{LABEL}> "first" .\n', "")
            (folder / "esrgraph.ttl").write_text(text, encoding="utf-8")
            update_build_store(folder, ntriples=folder / "esrgraph.nt")
        for url in serve(folder, tmp_path / f"serve-{value}.log"):
            status, body = select(url, ask)
            assert status == 200
            assert [b["label"]["value"] for b in json.loads(body)["results"]["bindings"]] == [value]
