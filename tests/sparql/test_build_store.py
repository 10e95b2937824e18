"""The persistent store of a build folder (``sparql/store.py``): fresh or stale, incremental updates equal to a
full load, the fall-back for a folder that cannot be written, and one build for concurrent first queries."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Collection, Iterator
from pathlib import Path
from typing import Any

import pytest
from pyoxigraph import DefaultGraph, NamedNode, RdfFormat, Store, Triple, parse

from esrgraph.sparql import store as build_store
from esrgraph.sparql.store import (
    StoreWarning,
    memory_store,
    open_build,
    store_folder,
    store_lock,
    update_build_store,
)

NEW = "https://data.example.fi/esr/test/"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"


@pytest.fixture
def out(sample_out: Path, tmp_path: Path) -> Path:
    """A copy of the sample build folder's graph files (the session's folder may have a store already)."""
    folder = tmp_path / "out"
    folder.mkdir()
    for name in ("esrgraph.ttl", "esrgraph.nt"):
        shutil.copyfile(sample_out / name, folder / name)
    return folder


def triples(store: Store) -> set[str]:
    return {str(q.triple) for q in store}


def subject_of(line: str) -> str:
    return line.split(" ", 1)[0]


def read_lines(out: Path) -> list[str]:
    return (out / "esrgraph.nt").read_text(encoding="utf-8").splitlines(keepends=True)


def write_graph(out: Path, lines: list[str]) -> None:
    """Write esrgraph.nt (sorted by subject, as the build does) and esrgraph.ttl with the same triples, each as a
    new file (a new inode), as the build writes them."""
    lines = sorted(lines, key=lambda line: subject_of(line)[1:-1].encode("utf-8"))
    tmp = out / "esrgraph.nt.tmp"
    tmp.write_text("".join(lines), encoding="utf-8")
    os.replace(tmp, out / "esrgraph.nt")
    store = Store()
    store.bulk_load(path=str(out / "esrgraph.nt"), format=RdfFormat.N_TRIPLES)
    store.dump(output=str(out / "esrgraph.ttl.tmp"), format=RdfFormat.TURTLE, from_graph=DefaultGraph())
    os.replace(out / "esrgraph.ttl.tmp", out / "esrgraph.ttl")


def label_of(store: Store, iri: str) -> list[str]:
    return sorted(str(getattr(q.object, "value", q.object))
                  for q in store.quads_for_pattern(NamedNode(iri), NamedNode(LABEL[1:-1]), None))


def manifest(out: Path) -> dict[str, Any]:
    data = json.loads((store_folder(out) / "store.json").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def generations(out: Path) -> list[str]:
    return sorted(p.name for p in store_folder(out).iterdir() if p.is_dir())


# --- fresh or stale -------------------------------------------------------------------------------------------


def test_the_first_open_builds_the_store_and_it_holds_what_load_store_gives(out: Path) -> None:
    notices: list[str] = []
    opened = open_build(out, notice=notices.append)
    assert opened.info is not None and opened.info.path.is_dir()
    assert any("building the query store" in n for n in notices)
    assert triples(opened.store) == triples(memory_store(out))
    assert opened.info.triples == len(memory_store(out))
    data = manifest(out)
    assert data["format"] == build_store.FORMAT and data["generation"] == opened.info.generation
    from esrgraph.core.version import __version__

    assert data["esrgraph"] == __version__
    files = data["files"]
    assert isinstance(files, dict) and list(files) == ["esrgraph.ttl"]
    st = (out / "esrgraph.ttl").stat()
    assert files["esrgraph.ttl"]["size"] == st.st_size and files["esrgraph.ttl"]["inode"] == st.st_ino
    assert files["esrgraph.ttl"]["mtime_ns"] == st.st_mtime_ns and len(files["esrgraph.ttl"]["sha256"]) == 64


def test_a_store_in_step_is_opened_again_without_building(out: Path) -> None:
    first = open_build(out).info
    notices: list[str] = []
    again = open_build(out, notice=notices.append)
    assert again.info is not None and first is not None
    assert again.info.generation == first.generation and notices == []


def test_a_touched_file_with_the_same_bytes_stays_fresh_and_its_stat_is_recorded(out: Path) -> None:
    first = open_build(out).info
    assert first is not None
    later = time.time_ns() + 5_000_000_000
    os.utime(out / "esrgraph.ttl", ns=(later, later))
    again = open_build(out, notice=lambda m: pytest.fail(f"no notice expected: {m}")).info
    assert again is not None and again.generation == first.generation
    assert manifest(out)["files"]["esrgraph.ttl"]["mtime_ns"] == later


def test_a_hand_edited_graph_file_is_answered_anew(out: Path) -> None:
    first = open_build(out)
    assert first.info is not None and label_of(first.store, NEW + "hand") == []
    with open(out / "esrgraph.ttl", "a", encoding="utf-8") as handle:  # in place: the same inode
        handle.write(f'\n<{NEW}hand> {LABEL} "edited by hand" .\n')
    again = open_build(out)
    assert again.info is not None and again.info.generation != first.info.generation
    assert label_of(again.store, NEW + "hand") == ["edited by hand"]
    assert not first.info.path.exists()  # the old generation is removed


def test_an_edit_that_keeps_the_size_is_found_by_its_digest(out: Path) -> None:
    """Same size, new bytes: the stat differs (mtime), so the SHA-256 decides, and it differs."""
    open_build(out)
    ttl = out / "esrgraph.ttl"
    text = ttl.read_text(encoding="utf-8")
    assert '"Hankkeen' in text
    with open(ttl, "r+", encoding="utf-8") as handle:
        handle.write(text.replace('"Hankkeen', '"Hankkeem', 1))
    opened = open_build(out)
    assert triples(opened.store) == triples(memory_store(out))
    assert any('"Hankkeem' in t for t in triples(opened.store))


def test_a_rebuild_with_changed_data_gives_the_new_answer(out: Path) -> None:
    update_build_store(out, ntriples=out / "esrgraph.nt")
    lines = read_lines(out) + [f'<{NEW}rebuilt> {LABEL} "first" .\n']
    write_graph(out, lines)
    update_build_store(out, ntriples=out / "esrgraph.nt")
    assert label_of(open_build(out).store, NEW + "rebuilt") == ["first"]
    write_graph(out, [line.replace('"first"', '"second"') for line in lines])
    info = update_build_store(out, ntriples=out / "esrgraph.nt")
    assert info.method == "incremental" and info.changed_subjects == 1
    assert label_of(open_build(out).store, NEW + "rebuilt") == ["second"]


def test_the_collaboration_graph_is_held_and_a_deleted_one_is_not_answered(out: Path) -> None:
    open_build(out)
    collaboration = out / "collaboration.ttl"
    collaboration.write_text(f'<{NEW}pair> {LABEL} "collaboration" .\n', encoding="utf-8")
    opened = open_build(out)
    assert label_of(opened.store, NEW + "pair") == ["collaboration"]
    assert triples(opened.store) == triples(memory_store(out))
    assert sorted(manifest(out)["files"]) == ["collaboration.ttl", "esrgraph.ttl"]
    collaboration.unlink()
    assert label_of(open_build(out).store, NEW + "pair") == []


def test_a_build_folder_without_a_graph_is_an_input_error(tmp_path: Path) -> None:
    from esrgraph.core.errors import InputError

    with pytest.raises(InputError, match="esrgraph.ttl"):
        open_build(tmp_path)


def test_a_graph_file_that_is_not_rdf_leaves_the_store_as_it_was(out: Path) -> None:
    from esrgraph.core.errors import InputError

    first = update_build_store(out, ntriples=out / "esrgraph.nt")
    (out / "collaboration.ttl").write_text("this is not Turtle\n", encoding="utf-8")
    with pytest.raises(InputError, match="collaboration.ttl"):
        update_build_store(out, ntriples=out / "esrgraph.nt")
    assert manifest(out)["generation"] == first.generation and generations(out) == [first.generation]


# --- incremental updates --------------------------------------------------------------------------------------


def edited(lines: list[str], rng: random.Random, count: int) -> list[str]:
    """``lines`` with ``count`` random subjects changed, removed or copied under a new IRI, and two new subjects
    that sort first and last."""
    subjects = sorted({subject_of(line) for line in lines})
    action = {subject: rng.choice(["change", "remove", "copy"]) for subject in rng.sample(subjects, count)}
    out: list[str] = []
    for subject in action:
        if action[subject] == "change":
            out.append(f'{subject} {LABEL} "changed" .\n')
    for line in lines:
        subject = subject_of(line)
        kind = action.get(subject)
        if kind is None or kind == "copy":
            out.append(line)
        if kind == "copy":
            out.append(line.replace(subject, subject[:-1] + "-copy>", 1))
        if kind == "change" and rng.random() < 0.5:
            out.append(line)  # a changed subject keeps some of its lines
    out.append(f'<{NEW}aaa-first> {LABEL} "sorts first" .\n')
    out.append(f'<{NEW}zzz-last> {LABEL} "sorts last" .\n')
    return sorted(set(out))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_an_incremental_update_equals_a_full_load(out: Path, tmp_path: Path, seed: int,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(build_store, "CHUNK_SUBJECTS", 16)  # many chunks in a small graph: the chunk checks work
    rng = random.Random(seed)
    (out / "collaboration.ttl").write_text(f'<{NEW}c1> {LABEL} "one" .\n<{NEW}c2> {LABEL} "two" .\n', encoding="utf-8")
    first = update_build_store(out, ntriples=out / "esrgraph.nt")
    assert first.method == "full"
    for round_ in range(3):
        write_graph(out, edited(read_lines(out), rng, 5))
        (out / "collaboration.ttl").write_text(f'<{NEW}c1> {LABEL} "one" .\n<{NEW}c{round_ + 3}> {LABEL} "new" .\n',
                                               encoding="utf-8")
        info = update_build_store(out, ntriples=out / "esrgraph.nt")
        assert info.method == "incremental"
        opened = open_build(out)
        assert opened.info is not None and opened.info.generation == info.generation
        assert triples(opened.store) == triples(memory_store(out))
        assert info.triples == len(memory_store(out))
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    for name in ("esrgraph.ttl", "esrgraph.nt", "collaboration.ttl"):
        shutil.copyfile(out / name, fresh / name)
    assert update_build_store(fresh, ntriples=fresh / "esrgraph.nt").method == "full"
    assert triples(open_build(fresh).store) == triples(open_build(out).store)


def test_an_unchanged_rebuild_keeps_the_generation(out: Path) -> None:
    first = update_build_store(out, ntriples=out / "esrgraph.nt")
    write_graph(out, read_lines(out))  # the same triples, new files
    again = update_build_store(out, ntriples=out / "esrgraph.nt")
    assert again.generation == first.generation and again.method == "unchanged"
    assert open_build(out).info == again


def test_blank_nodes_refuse_the_shortcut(out: Path) -> None:
    update_build_store(out, ntriples=out / "esrgraph.nt")
    write_graph(out, read_lines(out) + [f'<{NEW}b> {LABEL} _:b1 .\n', f'_:b1 {LABEL} "blank" .\n'])
    info = update_build_store(out, ntriples=out / "esrgraph.nt")
    assert info.method == "full"
    stored, loaded = triples(open_build(out).store), triples(memory_store(out))
    assert len(stored) == len(loaded)  # blank node labels differ between loads; the rest is equal
    assert {t for t in stored if "_:" not in t} == {t for t in loaded if "_:" not in t}


def test_many_changes_load_the_graph_whole(out: Path) -> None:
    update_build_store(out, ntriples=out / "esrgraph.nt")
    write_graph(out, [line.replace('"', '"x', 1) for line in read_lines(out)]
               + [f'<{NEW}s{i}> {LABEL} "{i}" .\n' for i in range(2000)])
    info = update_build_store(out, ntriples=out / "esrgraph.nt")
    assert info.method == "full"
    assert triples(open_build(out).store) == triples(memory_store(out))


def test_without_ntriples_the_turtle_is_loaded_whole(out: Path) -> None:
    info = update_build_store(out)
    assert info.method == "full" and manifest(out)["subjects_table"] is None
    assert triples(open_build(out).store) == triples(memory_store(out))


def test_a_reader_of_a_removed_generation_keeps_answering(out: Path) -> None:
    update_build_store(out, ntriples=out / "esrgraph.nt")
    reader = open_build(out)
    assert reader.info is not None
    before = triples(reader.store)
    write_graph(out, read_lines(out) + [f'<{NEW}later> {LABEL} "later" .\n'])
    update_build_store(out, ntriples=out / "esrgraph.nt")
    assert not reader.info.path.exists()
    assert triples(reader.store) == before


# --- a folder that cannot be written ----------------------------------------------------------------------------


@pytest.fixture
def unwritable() -> Iterator[tuple[Path, list[str]]]:
    """A folder this test process (or, as root, a child that drops to ``nobody``) cannot write; the command
    prefix that runs Python so."""
    folder = Path(tempfile.mkdtemp(prefix="esrgraph-ro-"))
    try:
        os.chmod(folder, 0o755)
        # Root writes anywhere: the child imports what it needs (Python's own library is under /root), then
        # becomes ``nobody``, for whom the folder is read-only as for any user.
        preload = "import json, sys, warnings, esrgraph.sparql.store, esrgraph.sparql.queries, esrgraph.core.version; "
        drop = "import os; os.setgid(65534); os.setuid(65534); " if os.geteuid() == 0 else ""
        yield folder, [sys.executable, "-c", preload + drop + "exec(open(sys.argv[1]).read())"]
    finally:
        os.chmod(folder, 0o755)
        shutil.rmtree(folder, ignore_errors=True)


PROBE = textwrap.dedent("""\
    import json, sys, warnings
    from esrgraph.sparql.store import open_build
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        opened = open_build(sys.argv[2])
    print(json.dumps({"info": opened.info.generation if opened.info else None, "triples": len(opened.store),
                      "warnings": [str(w.message) for w in caught]}))
    """)


def probe(command: list[str], folder: Path, tmp: Path) -> dict[str, Any]:
    script = tmp / "probe.py"
    script.write_text(PROBE, encoding="utf-8")
    os.chmod(script, 0o644)
    done = subprocess.run([*command, str(script), str(folder)], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert isinstance(result, dict)
    return result


def test_a_folder_that_cannot_be_written_is_loaded_into_memory_and_says_so(
        out: Path, unwritable: tuple[Path, list[str]]) -> None:
    folder, command = unwritable
    graph = folder / "out"
    graph.mkdir()
    shutil.copyfile(out / "esrgraph.ttl", graph / "esrgraph.ttl")
    for path in (graph / "esrgraph.ttl", graph, folder):
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    os.chmod(graph, 0o555)
    result = probe(command, graph, folder)
    assert result["info"] is None and result["triples"] == len(memory_store(out))
    assert any("cannot be written" in str(w) for w in result["warnings"])
    assert not store_folder(graph).exists()


def test_a_store_in_step_is_used_in_a_folder_that_cannot_be_written(
        out: Path, unwritable: tuple[Path, list[str]]) -> None:
    folder, command = unwritable
    graph = folder / "out"
    graph.mkdir()
    shutil.copyfile(out / "esrgraph.ttl", graph / "esrgraph.ttl")
    info = update_build_store(graph)
    for path in [graph, *graph.rglob("*")]:
        os.chmod(path, 0o555 if path.is_dir() else 0o444)
    os.chmod(folder, 0o755)
    result = probe(command, graph, folder)
    assert result["info"] == info.generation and result["warnings"] == []


def test_the_store_warning_is_a_warning_by_default(out: Path) -> None:
    open_build(out)
    (out / "esrgraph.ttl").write_text(f'<{NEW}x> {LABEL} "x" .\n', encoding="utf-8")
    with pytest.warns(StoreWarning, match="not in step"):
        opened = open_build(out, build=False)
    assert opened.info is None and label_of(opened.store, NEW + "x") == ["x"]


# --- one build for concurrent first queries ------------------------------------------------------------------

CONCURRENT = textwrap.dedent("""\
    import sys
    from esrgraph.sparql.store import open_build
    opened = open_build(sys.argv[1], notice=lambda m: print("NOTICE", m, flush=True))
    print("GENERATION", opened.info.generation, len(opened.store), flush=True)
    """)


def test_concurrent_first_queries_wait_for_the_lock_and_build_once(out: Path, tmp_path: Path) -> None:
    script = tmp_path / "first_query.py"
    script.write_text(CONCURRENT, encoding="utf-8")
    with store_lock(out):  # held here: both processes find no store and wait for the lock
        processes = [subprocess.Popen([sys.executable, str(script), str(out)], stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True) for _ in range(2)]
        time.sleep(3)
        assert all(p.poll() is None for p in processes), "a first query did not wait for the lock"
        assert not (store_folder(out) / "store.json").exists()
    outputs = [p.communicate(timeout=120) for p in processes]
    assert all(p.returncode == 0 for p in processes), outputs
    text = "".join(o for o, _ in outputs)
    assert text.count("NOTICE building the query store") == 1, text
    generations_seen = {line.split()[1] for line in text.splitlines() if line.startswith("GENERATION")}
    assert len(generations_seen) == 1 and generations(out) == sorted(generations_seen)


@pytest.mark.parametrize("slice_bytes", [1 << 12, 1 << 16])
def test_the_builds_ntriples_loaded_by_slices_give_the_store_of_one_load(out: Path, slice_bytes: int,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The build's own N-Triples are given to Oxigraph's loader by slices of whole lines, whose buffers grow with
    what one call loads (issue 23); the store holds the same triples as one load of the files."""
    from esrgraph.sparql import store as store_module

    assert (out / "esrgraph.nt").stat().st_size > 4 * slice_bytes  # several slices
    monkeypatch.setattr(store_module, "NTRIPLES_SLICE", slice_bytes)
    calls: list[int] = []
    real = Store.bulk_load

    def counted(self: Store, *args: Any, **kwargs: Any) -> None:
        calls.append(1)
        real(self, *args, **kwargs)

    monkeypatch.setattr(Store, "bulk_load", counted)
    info = update_build_store(out, ntriples=out / "esrgraph.nt", lenient=True)
    assert info.method == "full" and len(calls) > 4
    assert triples(Store.read_only(str(info.path))) == triples(memory_store(out))


def test_ntriples_that_may_hold_a_blank_node_are_loaded_in_one_call(out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A blank node label names one node only within one load: sliced, ``_:b1`` in two slices would be two nodes."""
    from esrgraph.sparql import store as store_module

    write_graph(out, [f"_:b1 {LABEL} \"a blank node\" .\n", *read_lines(out)])
    monkeypatch.setattr(store_module, "NTRIPLES_SLICE", 1 << 12)
    sliced: list[int] = []
    real = Store.bulk_load

    def counted(self: Store, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("input") is not None:
            sliced.append(1)
        real(self, *args, **kwargs)

    monkeypatch.setattr(Store, "bulk_load", counted)
    info = update_build_store(out, ntriples=out / "esrgraph.nt", lenient=True)
    assert not sliced
    assert len(triples(Store.read_only(str(info.path)))) == len(triples(memory_store(out)))


@pytest.mark.parametrize("seed", [4, 5])
def test_an_unchanged_derived_graph_is_not_read_again(out: Path, tmp_path: Path, seed: int,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """collaboration.ttl as before: its subjects' digests are the table's, and it is parsed again only when a
    changed subject of the main graph has triples in it too (they are deleted with the subject and added again)."""
    monkeypatch.setattr(build_store, "CHUNK_SUBJECTS", 16)
    rng = random.Random(seed)
    shared = subject_of(sorted(read_lines(out))[len(read_lines(out)) // 2])  # a subject of both graphs
    (out / "collaboration.ttl").write_text(f'<{NEW}c1> {LABEL} "one" .\n{shared} {LABEL} "derived" .\n',
                                           encoding="utf-8")
    update_build_store(out, ntriples=out / "esrgraph.nt")
    parsed: list[object] = []
    real = build_store._collab_groups
    def counted(paths):  # type: ignore[no-untyped-def]
        parsed.append(paths)
        return real(paths)

    monkeypatch.setattr(build_store, "_collab_groups", counted)
    for touch_shared in (False, True):
        before = triples(memory_store(out))
        lines = [line for line in edited(read_lines(out), rng, 3) if subject_of(line) != shared or not touch_shared]
        if touch_shared:
            lines.append(f'{shared} {LABEL} "changed with the derived triples kept" .\n')
        else:
            lines = [line for line in lines if subject_of(line) != shared] + \
                [line for line in read_lines(out) if subject_of(line) == shared]
        write_graph(out, lines)
        info = update_build_store(out, ntriples=out / "esrgraph.nt")
        assert info.method == "incremental"
        assert len(parsed) == int(touch_shared)
        after = triples(memory_store(out))
        assert triples(open_build(out).store) == after
        assert info.changes is not None and {str(t) for t in info.changes} == before ^ after


class _Told:
    """What a build says of the collaboration.ttl it wrote (``DerivedGraph``), from the text it wrote; which subjects'
    triples the store asked for."""

    def __init__(self, text: str) -> None:
        self.groups: dict[str, list[Triple]] = {}
        for quad in parse(input=text.encode(), format=RdfFormat.TURTLE):
            self.groups.setdefault(str(quad.subject)[1:-1], []).append(quad.triple)
        self.asked: list[set[str]] = []

    def digests(self) -> dict[str, str]:
        return {s: build_store.subject_digest(ts) for s, ts in self.groups.items()}

    def triples_of(self, subjects: Collection[str]) -> dict[str, list[Triple]]:
        self.asked.append(set(subjects))
        return {s: self.groups[s] for s in subjects if s in self.groups}


@pytest.mark.parametrize("seed", [6, 7])
def test_the_builds_account_of_the_derived_graph_is_used_instead_of_the_file(out: Path, seed: int,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A build that says what collaboration.ttl holds (esrgraph.publish.network_parts) spares the store's update
    parsing it: the digests come from the build, the triples of changed subjects too, and only theirs are asked
    for; the store is the one a full load gives."""
    monkeypatch.setattr(build_store, "CHUNK_SUBJECTS", 16)
    rng = random.Random(seed)
    shared = subject_of(sorted(read_lines(out))[len(read_lines(out)) // 3])  # a subject of both graphs

    def derived(round_: int) -> _Told:
        text = f'<{NEW}c1> {LABEL} "one" .\n<{NEW}c{round_ + 10}> {LABEL} "new" .\n{shared} {LABEL} "derived {round_}" .\n'
        (out / "collaboration.ttl").write_text(text, encoding="utf-8")
        return _Told(text)

    update_build_store(out, ntriples=out / "esrgraph.nt", derived=derived(0))

    def not_parsed(paths):  # type: ignore[no-untyped-def]
        raise AssertionError(f"parsed {paths}")

    monkeypatch.setattr(build_store, "_collab_groups", not_parsed)
    for round_ in (1, 2):
        before = triples(memory_store(out))
        write_graph(out, edited(read_lines(out), rng, 3))
        told = derived(round_)
        info = update_build_store(out, ntriples=out / "esrgraph.nt", derived=told)
        assert info.method == "incremental"
        after = triples(memory_store(out))
        assert triples(open_build(out).store) == after
        assert info.changes is not None and {str(t) for t in info.changes} == before ^ after
        # asked for the derived subjects that changed: the shared one and the new pair, not c1
        assert told.asked and set().union(*told.asked) >= {shared[1:-1], f"{NEW}c{round_ + 10}"}
        assert f"{NEW}c1" not in set().union(*told.asked)


class _Searched(bytes):
    """Bytes that record every range ``find`` searched."""

    ranges: list[tuple[int, int]]

    def find(self, sub: Any, start: Any = None, end: Any = None) -> int:
        self.ranges.append((start or 0, len(self) if end is None else end))
        return super().find(sub, start, end)


@pytest.mark.parametrize("at", [0, 7, 8, 15, 16, 30])
def test_a_blank_node_is_found_at_any_window_edge_and_no_search_spans_more_than_a_window(
        at: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The search for "_:" goes window by window (each window's mapped pages let go after it), so a 3.9 GB file's
    pages are never all resident at once; a "_:" split across two windows is still found."""
    monkeypatch.setattr(build_store, "_LET_GO_BYTES", 8)
    text = bytearray(b"x" * 32)
    text[at:at + 2] = b"_:"
    data = _Searched(bytes(text[:32]))
    data.ranges = []
    assert build_store._blank_free(data) is False
    assert max(end - start for start, end in data.ranges) <= 9
    clean = _Searched(b"x" * 32 + b"_")
    clean.ranges = []
    assert build_store._blank_free(clean) is True
    assert [start for start, _ in clean.ranges] == [0, 8, 16, 24, 32]
