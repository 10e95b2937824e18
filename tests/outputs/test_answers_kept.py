"""A rebuild keeps the answers a change cannot alter (issue 23): the named queries and the quality report's
queries that read none of the changed triples are not run again, and every answer kept is the one a query on
the new store gives."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from pyoxigraph import QueryResultsFormat, Store

import esrgraph.sparql.queries as queries
from esrgraph.outputs import write_outputs
from esrgraph.pipeline.build import build
from esrgraph.pipeline.result import BuildOptions
from esrgraph.sparql.answers import ANSWERS_DIR
from esrgraph.sparql.store import build_store_info, store_folder


def _build(inputs: Path, out: Path) -> list[str]:
    """Build with the build cache; the named queries' texts that were run."""
    ran: list[str] = []
    real = queries.run_query

    def counted(store: Store, sparql: str) -> object:
        ran.append(sparql)
        return real(store, sparql)

    options = BuildOptions(cache_dir=str(out / ".cache"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(queries, "run_query", counted)
        write_outputs(build([inputs], options, out_dir=out), out, options)
    return ran


def _rows(data: bytes) -> list[str]:
    parsed = json.loads(data)
    return sorted(json.dumps(row, sort_keys=True) for row in parsed["results"]["bindings"])


def _kept(out: Path) -> dict[str, bytes]:
    """The answers kept for the store's present generation, by query text."""
    folder = store_folder(out) / ANSWERS_DIR / build_store_info(out).generation
    return {p.with_suffix(".rq").read_text(encoding="utf-8"): p.read_bytes() for p in sorted(folder.glob("*.srj"))}


def _assert_kept_answers_are_the_stores(out: Path) -> dict[str, bytes]:
    kept = _kept(out)
    store = Store.read_only(str(build_store_info(out).path))
    for sparql, data in kept.items():
        buffer = io.BytesIO()
        store.query(sparql).serialize(buffer, format=QueryResultsFormat.JSON)  # type: ignore[union-attr]
        assert _rows(data) == _rows(buffer.getvalue()), sparql  # a query without ORDER BY may order rows anew
    return kept


def test_a_rebuild_runs_again_only_the_queries_the_change_can_alter(samples_dir: Path, tmp_path: Path) -> None:
    inputs, out = tmp_path / "in", tmp_path / "out"
    shutil.copytree(samples_dir, inputs)
    named = {q.sparql for q in queries.named_queries().values()}
    assert set(_build(inputs, out)) == named
    first = _assert_kept_answers_are_the_stores(out)
    assert named <= set(first) and len(first) > len(named)  # the quality report's answers are kept too

    description = inputs / "S20885.txt"
    text = description.read_text(encoding="utf-8")
    description.write_text(text.replace("Hankkeen nimi: ", "Hankkeen nimi: Uusi ", 1), encoding="utf-8")
    ran = _build(inputs, out)
    # a new title: only the queries that read titles (dcterms:title) are run again
    assert ran and set(ran) < named and all("dcterms:title" in sparql for sparql in ran)
    renamed = _assert_kept_answers_are_the_stores(out)
    assert set(renamed) == set(first)

    description.write_text(description.read_text(encoding="utf-8").replace(
        "Myönnetty EU- ja valtion rahoitus: 281 250", "Myönnetty EU- ja valtion rahoitus: 381 250", 1), encoding="utf-8")
    ran = _build(inputs, out)
    funding = queries.named_queries()["funding-by-fund"].sparql
    assert funding in ran and set(ran) < named
    refunded = _assert_kept_answers_are_the_stores(out)
    assert refunded[funding] != renamed[funding]


def test_a_rebuild_from_a_whole_load_keeps_no_answer_of_the_generation_before(samples_dir: Path,
                                                                               tmp_path: Path) -> None:
    """With no list of changed triples (the store loaded whole), every query is run again."""
    inputs, out = tmp_path / "in", tmp_path / "out"
    shutil.copytree(samples_dir, inputs)
    _build(inputs, out)
    # without the subjects table, the next build cannot tell what changed: it loads the graph whole
    (store_folder(out) / f"{build_store_info(out).generation}.subjects").unlink()
    named = {q.sparql for q in queries.named_queries().values()}
    assert set(_build(inputs, out)) == named
    _assert_kept_answers_are_the_stores(out)
