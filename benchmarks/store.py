"""The persistent query store of a build folder (src/esrgraph/sparql/store.py): what it costs and saves.

    .venv/bin/python -m benchmarks.store OUT [--work DIR] [--optimize]

OUT is a build folder (esrgraph.ttl and esrgraph.nt, e.g. a 30,000-project build); it is not written: its graph
files are hard-linked into a work folder, and changed files there are written anew (a new inode), never in place.
Prints: the full load (the first update after a build), a query's start-up to answer from a fresh process,
the incremental update after one project's title changed (in esrgraph.nt and esrgraph.ttl alike), an update
after a build that changed nothing, the size on disk, and with --optimize what ``Store.optimize()`` takes and
gains. Also checks that a process reading the old generation keeps answering after the update removed it.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from pyoxigraph import QuerySolutions, Store

from esrgraph.sparql.queries import named_queries
from esrgraph.sparql.store import GRAPH_FILES, open_build, store_folder, update_build_store

QUERY = "funding-by-fund"
T = TypeVar("T")


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def replace_file(path: Path, data: bytes) -> None:
    """Write ``data`` as a new file at ``path`` (the old one may be a hard link into OUT)."""
    tmp = path.with_name(path.name + ".new")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def change_one_title(work: Path) -> str:
    """Append text to one project's title in esrgraph.nt and esrgraph.ttl alike; the project's IRI."""
    nt = (work / "esrgraph.nt").read_bytes()
    ttl = (work / "esrgraph.ttl").read_bytes()
    for m in re.finditer(rb'^<([^>]*/project/[^>]*)> <http://purl.org/dc/terms/title> ("[^"\\\n]+")@fi \.$', nt,
                         re.MULTILINE):
        literal = m.group(2)
        if ttl.count(literal + b"@fi") == 1 and nt.count(literal + b"@fi") == 1:
            changed = literal[:-1] + b' (muutettu)"'
            replace_file(work / "esrgraph.nt", nt.replace(literal + b"@fi", changed + b"@fi"))
            replace_file(work / "esrgraph.ttl", ttl.replace(literal + b"@fi", changed + b"@fi"))
            return m.group(1).decode()
    raise SystemExit("no project title found once in both files")


def rows(store: Store, sparql: str) -> list[str]:
    result = store.query(sparql)
    assert isinstance(result, QuerySolutions)
    return sorted(str(row) for row in result)


def timed(label: str, func: Callable[[], T]) -> T:
    start = time.perf_counter()
    value = func()
    print(f"{label:<58} {time.perf_counter() - start:7.2f} s", flush=True)
    return value


def query_from_fresh_process(work: Path, name: str) -> float:
    """Seconds from a new Python process's start to the named query's answer (open_build, then the query)."""
    code = ("import time,sys; t=time.perf_counter()\n"
            "from esrgraph.sparql.store import open_build\n"
            "from esrgraph.sparql.queries import get_named_query, run_query, format_results, ResultFormat\n"
            f"s=open_build({str(work)!r}).store\n"
            f"format_results(run_query(s, get_named_query({name!r}).sparql), ResultFormat.TABLE)\n"
            "print(time.perf_counter()-t)")
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path, help="a build folder (not written)")
    ap.add_argument("--work", type=Path, help="work folder on the same file system (default: a temporary one)")
    ap.add_argument("--optimize", action="store_true", help="also time Store.optimize() and its effect on queries")
    args = ap.parse_args()
    work_root = Path(tempfile.mkdtemp(prefix="esrgraph-store-", dir=args.work))
    work = work_root / "out"
    work.mkdir()
    try:
        for name in (*GRAPH_FILES, "esrgraph.nt"):
            if (args.out / name).is_file():
                try:
                    os.link(args.out / name, work / name)
                except OSError:
                    shutil.copyfile(args.out / name, work / name)
        nt = work / "esrgraph.nt"
        info = timed("full load (first update after a build)", lambda: update_build_store(work, ntriples=nt))
        assert info is not None
        print(f"  triples {info.triples:,}; store {folder_bytes(info.path) / 2**20:,.0f} MiB; subjects table "
              f"{(store_folder(work) / (info.generation + '.subjects')).stat().st_size / 2**20:,.1f} MiB")
        timed("open_build (stat check, read-only open)", lambda: open_build(work))
        print(f"{'query ' + QUERY + ' from a fresh process (start-up included)':<58} "
              f"{query_from_fresh_process(work, QUERY):7.2f} s")
        reader = open_build(work).store  # holds the generation the next update replaces and removes
        sparql = named_queries()[QUERY].sparql
        before = rows(reader, sparql)
        project = change_one_title(work)
        print(f"  changed the title of {project}")
        new = timed("incremental update (one title changed)", lambda: update_build_store(work, ntriples=nt))
        assert new is not None
        print(f"  method {new.method}, {new.changed_subjects} subject(s) rewritten, triples {new.triples:,}; "
              f"store now {folder_bytes(new.path) / 2**20:,.0f} MiB")
        assert not info.path.exists(), "the old generation should be removed"
        after = rows(reader, sparql)
        print(f"  a reader of the removed generation still answers: {after == before}")
        timed("update after a build that changed nothing", lambda: update_build_store(work, ntriples=nt))
        os.utime(work / "esrgraph.ttl")
        timed("open_build after a touch (SHA-256 of the graph files)", lambda: open_build(work))
        print(f"{'query ' + QUERY + ' from a fresh process, after the update':<58} "
              f"{query_from_fresh_process(work, QUERY):7.2f} s")
        if args.optimize:
            copy = work_root / "optimized"
            Store.read_only(str(new.path)).backup(str(copy))
            store = Store(str(copy))
            timed("Store.optimize()", store.optimize)
            store.flush()
            del store
            print(f"  size {folder_bytes(new.path) / 2**20:,.0f} MiB -> {folder_bytes(copy) / 2**20:,.0f} MiB")
            queries = named_queries()
            for label, path in (("as updated", new.path), ("optimized", copy)):
                store = Store.read_only(str(path))
                for name in ("funding-by-fund", "funding-by-region", "largest-beneficiaries", "projects-per-municipality"):
                    start = time.perf_counter()
                    rows(store, queries[name].sparql)
                    print(f"  {label:<12} {name:<40} {time.perf_counter() - start:6.2f} s")
    finally:
        shutil.rmtree(work_root, ignore_errors=True)


if __name__ == "__main__":
    main()
