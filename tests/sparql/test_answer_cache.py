"""The answers kept for a store generation: exact terms back, never another generation's, never a damaged one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad, QueryBoolean, QuerySolutions, QueryTriples, Store

from esrgraph.sparql import answer_cache
from esrgraph.sparql.answer_cache import AnswerCache

EX = "http://example.org/"
SELECT = "SELECT ?s ?v WHERE { ?s ?p ?v } ORDER BY ?v"


@pytest.fixture
def store() -> Store:
    s = Store()
    s.add(Quad(NamedNode(EX + "a"), NamedNode(EX + "p"), Literal("1.50", datatype=NamedNode(
        "http://www.w3.org/2001/XMLSchema#decimal"))))
    s.add(Quad(NamedNode(EX + "b"), NamedNode(EX + "p"), Literal("Oulu", language="fi")))
    s.add(Quad(NamedNode(EX + "c"), NamedNode(EX + "p"), Literal("tab\tand \"quote\"\n")))
    return s


def terms(result: QuerySolutions) -> list[tuple[object, ...]]:
    return [tuple(solution) for solution in result]


def test_a_kept_answer_comes_back_term_for_term(tmp_path: Path, store: Store) -> None:
    cache = AnswerCache(tmp_path, "gen-1")
    assert cache.get(SELECT) is None
    expected = terms(store.query(SELECT))  # type: ignore[arg-type]
    given = cache.keep(SELECT, store.query(SELECT))
    assert isinstance(given, QuerySolutions) and terms(given) == expected
    again = AnswerCache(tmp_path, "gen-1").get(SELECT)
    assert isinstance(again, QuerySolutions)
    assert [v.value for v in again.variables] == ["s", "v"]
    assert terms(again) == expected


def test_booleans_are_kept_and_graphs_are_not(tmp_path: Path, store: Store) -> None:
    cache = AnswerCache(tmp_path, "gen-1")
    ask = "ASK { ?s ?p \"Oulu\"@fi }"
    assert bool(cache.keep(ask, store.query(ask))) is True
    kept = cache.get(ask)
    assert isinstance(kept, QueryBoolean) and bool(kept) is True
    construct = "CONSTRUCT { ?s ?p ?v } WHERE { ?s ?p ?v }"
    assert isinstance(cache.keep(construct, store.query(construct)), QueryTriples)
    assert cache.get(construct) is None


def test_another_text_or_generation_has_no_answer_and_old_generations_go(tmp_path: Path, store: Store) -> None:
    AnswerCache(tmp_path, "gen-1").keep(SELECT, store.query(SELECT))
    assert AnswerCache(tmp_path, "gen-1").get(SELECT + " LIMIT 1") is None
    newer = AnswerCache(tmp_path, "gen-2")
    assert newer.get(SELECT) is None
    newer.keep(SELECT, store.query(SELECT))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["gen-2"]


def test_a_damaged_entry_is_no_answer(tmp_path: Path, store: Store) -> None:
    cache = AnswerCache(tmp_path, "gen-1")
    cache.keep(SELECT, store.query(SELECT))
    (entry,) = (tmp_path / "gen-1").glob("*.srj")
    entry.write_bytes(b'{"head": {"vars": ["s"]}, "results": {"bindings": [')
    assert cache.get(SELECT) is None


def test_an_answer_is_given_where_it_cannot_be_kept(tmp_path: Path, store: Store) -> None:
    blocked = tmp_path / "answers"
    blocked.write_text("a file where the answers' folder should be")  # as a read-only folder, even for root
    given = AnswerCache(blocked, "gen-1").keep(SELECT, store.query(SELECT))
    assert isinstance(given, QuerySolutions) and len(terms(given)) == 3
    assert AnswerCache(blocked, "gen-1").get(SELECT) is None


def test_large_answers_are_given_but_not_kept(tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(answer_cache, "MAX_ANSWER_BYTES", 10)
    cache = AnswerCache(tmp_path, "gen-1")
    given = cache.keep(SELECT, store.query(SELECT))
    assert isinstance(given, QuerySolutions) and len(terms(given)) == 3
    assert cache.get(SELECT) is None


def test_the_least_recently_used_answers_go_past_the_limit(tmp_path: Path, store: Store,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(answer_cache, "MAX_ANSWERS", 2)
    cache = AnswerCache(tmp_path, "gen-1")
    texts = [f"{SELECT} LIMIT {n}" for n in (1, 2, 3)]
    for n, text in enumerate(texts):
        cache.keep(text, store.query(text))
        os.utime(cache._path(text), ns=(n * 10**9, n * 10**9))  # a clock that moves between uses
    assert cache.get(texts[0]) is None
    assert cache.get(texts[1]) is not None and cache.get(texts[2]) is not None


def test_carry_takes_over_the_answers_no_change_touches_and_keeps_what_their_queries_read(
        tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    from pyoxigraph import Triple

    from esrgraph.sparql import reads

    reads_p = f"SELECT ?s ?v WHERE {{ ?s <{EX}p> ?v }} ORDER BY ?v"
    reads_q = f"SELECT ?s ?v WHERE {{ ?s <{EX}q> ?v }} ORDER BY ?v"
    old = AnswerCache(tmp_path, "gen-1")
    for sparql in (reads_p, reads_q):
        old.keep(sparql, store.query(sparql))
    changed = [Triple(NamedNode(EX + "a"), NamedNode(EX + "q"), Literal("new"))]
    assert AnswerCache(tmp_path, "gen-2").carry("gen-1", changed) == 1
    newer = AnswerCache(tmp_path, "gen-2")
    assert newer.has(reads_p) and not newer.has(reads_q)
    assert terms(newer.get(reads_p)) == terms(store.query(reads_p))  # type: ignore[arg-type]

    parsed: list[str] = []
    real = reads.query_reads
    monkeypatch.setattr(reads, "query_reads", lambda sparql: parsed.append(sparql) or real(sparql))
    assert AnswerCache(tmp_path, "gen-3").carry("gen-2", changed) == 1
    assert parsed == []  # what the query reads was kept beside the answers by the carry before
    (tmp_path / answer_cache.READS_FILE).write_text('{"program": "another", "reads": {}}', encoding="utf-8")
    assert AnswerCache(tmp_path, "gen-4").carry("gen-3", changed) == 1
    assert parsed == [reads_p]  # kept by another reader: read again
