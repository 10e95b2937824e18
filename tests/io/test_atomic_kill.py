"""Atomic writes: a build killed at a random moment leaves the previous outputs intact (issue 6, part 5).

A previous build (input A) is in OUT. A new build (input B, different, so its files differ) is started
on OUT in a subprocess and SIGKILLed after a random delay, several times, each time on a fresh copy of
the previous OUT. Afterwards every file under its final name must be whole: byte for byte either the
previous build's file or the finished new build's file (both known), every RDF and JSON file must
parse, and the previous build's main outputs must all still be there. Temporary files may be left
behind, but only hidden (``.name.*.tmp``), never under a final name.

Input: the first 800 rows of the real project list in ../shared/corpus/ when present (a build of about
4 s), else many renumbered copies of the samples.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pyoxigraph import RdfFormat, parse

from repo_paths import REPO

CORPUS = REPO.parent / "shared" / "corpus" / "projektilista-2014-2020.csv"
EXE = Path(sys.executable).parent / "esrgraph"
MAIN_OUTPUTS = ("esrgraph.ttl", "validation-report.ttl", "validation-report.json", "quality-report.html",
                "release/esrgraph.ttl", "release/catalog.ttl", "release/esrgraph.nt.gz")


def _inputs(folder: Path, rows: int) -> Path:
    folder.mkdir(parents=True)
    if CORPUS.is_file():
        lines = CORPUS.read_text(encoding="utf-8").split("\n")
        (folder / "list.csv").write_text("\n".join(lines[: rows + 1]) + "\n", encoding="utf-8")
        return folder
    samples = sorted((REPO / "data" / "samples").glob("*.txt"))
    for n in range(rows // 8):
        for sample in samples:
            text = sample.read_text(encoding="utf-8")
            for code in set(re.findall(r"\b[SA]\d{5}\b", text)):
                text = re.sub(rf"\b{code}\b", f"{code[0]}{(n + 10) % 100:02d}{code[3:]}", text)
            (folder / f"{n}-{sample.name}").write_text(text, encoding="utf-8")
    return folder


def _build(inputs: Path, out: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([str(EXE), "build", str(inputs), "-o", str(out), "-q"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


def _files(out: Path) -> dict[str, bytes]:
    """OUT's files but its query store, whose RocksDB files a kill may leave half-made in an unused generation:
    what matters there is that the store answers in step with the files left (``_store_in_step``)."""
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and p.relative_to(out).parts[0] != ".store"}


def _store_in_step(out: Path) -> None:
    """The query store a killed build left answers with exactly the triples of the graph files it left."""
    from pyoxigraph import DefaultGraph

    from esrgraph.sparql.queries import load_store
    from esrgraph.sparql.store import open_build

    def triples(store) -> list[bytes]:
        return sorted((store.dump(format=RdfFormat.N_TRIPLES, from_graph=DefaultGraph()) or b"").splitlines())

    assert triples(open_build(out, notice=lambda message: None).store) == triples(load_store(out))


def _is_temporary(rel: str) -> bool:
    return any(part.startswith(".") and (part.endswith(".tmp") or ".tmp" in part) for part in rel.split("/"))


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("kill")
    a = _inputs(root / "a", 800)
    b = _inputs(root / "b", 700)
    previous = root / "previous"
    assert _build(a, previous).wait(timeout=600) in (0, 1, 2)
    finished = root / "finished"
    shutil.copytree(previous, finished)
    started = time.monotonic()
    assert _build(b, finished).wait(timeout=600) in (0, 1, 2)
    duration = time.monotonic() - started
    old, new = _files(previous), _files(finished)
    assert old["esrgraph.ttl"] != new["esrgraph.ttl"], "the two builds must differ for the test to mean anything"
    return root, b, previous, old, new, duration


def _kill_at(builds, delay: float, n: int) -> dict[str, str]:
    root, b, previous, old, new, _ = builds
    out = root / f"killed-{n}"
    shutil.copytree(previous, out)
    process = _build(b, out)
    time.sleep(delay)
    finished_first = process.poll() is not None
    if not finished_first:
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=60)
    state: dict[str, str] = {}
    for rel, data in _files(out).items():
        if _is_temporary(rel):
            state[rel] = "temporary"
            continue
        assert data in (old.get(rel), new.get(rel)), f"{rel} is neither the previous nor the new file (killed after {delay:.2f} s)"
        state[rel] = "old" if data == old.get(rel) else "new"
        path = out / rel
        if rel.endswith(".ttl"):
            assert list(parse(path=str(path), format=RdfFormat.TURTLE)) or data.strip() == b""
        elif rel.endswith(".json"):
            json.loads(data)
    for rel in MAIN_OUTPUTS:
        assert state.get(rel) in ("old", "new"), f"{rel} missing after a kill at {delay:.2f} s"
    _store_in_step(out)
    shutil.rmtree(out)
    return state


def _delays(duration: float, count: int, seed: int) -> list[float]:
    rng = random.Random(seed)
    return sorted(rng.uniform(0.1, 1.05) * duration for _ in range(count))


def test_killed_builds_leave_whole_files(builds) -> None:
    duration = builds[5]
    states = [_kill_at(builds, delay, n) for n, delay in enumerate(_delays(duration, 5, 6))]
    # At least one kill landed while files were being replaced, or the test proves little.
    assert any("new" in s.values() and "old" in s.values() for s in states) or any(
        set(s.values()) == {"old"} for s in states)


@pytest.mark.slow
def test_slow_many_kills(builds) -> None:
    duration = builds[5]
    mixed = 0
    for n, delay in enumerate(_delays(duration, 25, 66)):
        state = _kill_at(builds, delay, 100 + n)
        mixed += "new" in state.values() and "old" in state.values()
    assert mixed >= 1


def test_temporary_files_are_hidden_and_cleaned_on_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from esrgraph.io import atomic

    target = tmp_path / "graph.ttl"
    atomic.atomic_write_bytes(target, b"old")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(atomic.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        atomic.atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"old" and sorted(p.name for p in tmp_path.iterdir()) == ["graph.ttl"]


def test_written_files_are_readable_by_others(tmp_path: Path) -> None:
    """Found by this file: outputs were created 0600 (mkstemp's mode), so a web server could not publish them."""
    from esrgraph.io.atomic import atomic_write_bytes

    target = tmp_path / "graph.ttl"
    atomic_write_bytes(target, b"x")
    umask = os.umask(0o022)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
