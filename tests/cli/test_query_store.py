"""`esrgraph query OUT` as a researcher meets it: the build folder's store, and answers kept for its generation."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from esrgraph.sparql.store import build_store_info

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.fixture
def out(sample_out: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    shutil.copytree(sample_out, folder)  # new inodes: the store is checked by SHA-256 and found in step
    return folder


def esrgraph(*args: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).parent / "esrgraph"
    return subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=120)


def count(out: Path, *options: str) -> int:
    result = esrgraph("query", str(out), "-e", COUNT, "--format", "csv", *options)
    assert result.returncode == 0, result.stderr
    return int(result.stdout.splitlines()[1])


def kept_answers(out: Path) -> list[Path]:
    return sorted((out / ".store" / "answers").rglob("*.srj"))


def test_the_build_leaves_a_store_in_step_with_its_graph_files(out: Path) -> None:
    info = build_store_info(out)
    assert info is not None and info.path.is_dir()
    assert {f.name for f in info.files} == {"esrgraph.ttl", "collaboration.ttl"}
    assert count(out) == info.triples


def test_an_answer_is_kept_and_read_back_but_never_after_the_graph_changed(out: Path) -> None:
    before = set(kept_answers(out))
    first = count(out)
    (entry,) = set(kept_answers(out)) - before
    # Prove the second answer is read back, not run again: put another number in the kept answer.
    entry.write_text(entry.read_text(encoding="utf-8").replace(f'"value":"{first}"', '"value":"7"'), encoding="utf-8")
    assert count(out) == 7
    assert count(out, "--no-cache") == first  # runs the query on the store all the same
    with (out / "esrgraph.ttl").open("a", encoding="utf-8") as handle:  # a hand edit of the graph
        handle.write('\n<urn:x:s> <urn:x:p> "one more" .\n')
    assert count(out) == first + 1  # a new generation: no kept answer, nothing stale
    assert count(out) == first + 1
    assert not entry.exists()  # the old generation's answers are gone


def test_a_named_query_on_the_folder_reads_the_derived_network(out: Path) -> None:
    result = esrgraph("query", str(out), "-n", "co-implementer-pairs", "--param", "minShared=1", "--format", "csv")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 1 + 4  # the four pairs of the samples
    lone = esrgraph("query", str(out / "esrgraph.ttl"), "-n", "co-implementer-pairs")
    assert lone.returncode == 2 and "collaboration.ttl" in lone.stderr and "build folder" in lone.stderr


def test_the_build_keeps_each_named_query_s_answer_as_the_store_gives_it(out: Path) -> None:
    """The build computes the named queries' answers in memory, for the store's generation; each must be what
    the store itself answers (as a multiset of rows: equal rows may come in another order)."""
    import hashlib
    from collections import Counter

    from esrgraph.sparql.queries import named_queries

    before = {p.name for p in kept_answers(out)}  # other tests may have kept answers in the shared sample build
    assert {hashlib.sha256(q.sparql.encode()).hexdigest() + ".srj" for q in named_queries().values()} <= before
    for name in named_queries():
        kept, run = (esrgraph("query", str(out), "-n", name, "--format", "tsv", *extra) for extra in ((), ("--no-cache",)))
        assert kept.returncode == run.returncode == 0, name
        assert Counter(kept.stdout.splitlines()) == Counter(run.stdout.splitlines()), name
    assert {p.name for p in kept_answers(out)} == before  # --no-cache keeps nothing new
