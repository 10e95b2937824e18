"""The named queries on a build folder's query store, in this checkout's form and in another revision's form.

    .venv/bin/python -m benchmarks.query_forms OUT [--against REV] [--runs 2] [NAME ...]

OUT is a build folder; its store (OUT/.store/) is opened read-only, never written. For each named query (or each
NAME) it prints the seconds the store took to answer in REV's form of ``queries/NAME.rq`` (read with ``git show``)
and in this checkout's form, the faster of ``--runs`` runs each, and whether both gave the same rows in the same
order. A query whose text REV holds unchanged, or not at all, is timed in this checkout's form alone. The
before/after table of docs/performance.md (2026-12-05, session 22) comes from here.
"""

from __future__ import annotations

import argparse
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import QuerySolutions, Store

from esrgraph.sparql.queries import named_queries
from esrgraph.sparql.store import open_build

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class FormTimes:
    """One named query: the faster run's seconds in REV's form (None: the same text, or none there) and in this
    checkout's; whether REV's form gave the same rows, in the same order."""

    name: str
    before: float | None
    now: float
    rows: int
    same: bool | None


def text_at(revision: str, name: str) -> str | None:
    """``queries/NAME.rq`` at ``revision`` in this repository, or None when it has no such file."""
    shown = subprocess.run(["git", "show", f"{revision}:queries/{name}.rq"], cwd=ROOT, capture_output=True, text=True)
    return shown.stdout if shown.returncode == 0 else None


def answered(store: Store, sparql: str, runs: int) -> tuple[float, list[list[str | None]]]:
    """The faster of ``runs`` answers' seconds, and the rows (each term as N-Triples text)."""
    best, rows = float("inf"), []
    for _ in range(runs):
        start = time.perf_counter()
        result = store.query(sparql)
        assert isinstance(result, QuerySolutions)
        rows = [[None if term is None else str(term) for term in row] for row in result]
        best = min(best, time.perf_counter() - start)
    return best, rows


def compare_forms(store: Store, revision: str, names: list[str] | None = None, runs: int = 2) -> list[FormTimes]:
    """``FormTimes`` of each named query (or of ``names``) on ``store``."""
    compared = []
    for name, query in named_queries().items():
        if names and name not in names:
            continue
        now, rows = answered(store, query.sparql, runs)
        old = text_at(revision, name)
        before, same = None, None
        if old is not None and old != query.sparql:
            before, old_rows = answered(store, old, runs)
            same = old_rows == rows
        compared.append(FormTimes(name, before, now, len(rows), same))
    return compared


def table(revision: str, compared: list[FormTimes]) -> str:
    lines = [f"| query | {revision} s | now s | rows | same rows, same order |", "|---|---:|---:|---:|---|"]
    for c in compared:
        before = "same text" if c.before is None else f"{c.before:.2f}"
        same = "" if c.same is None else ("yes" if c.same else "**NO**")
        lines.append(f"| {c.name} | {before} | {c.now:.2f} | {c.rows:,} | {same} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="a build folder (its store is read, not written)")
    parser.add_argument("names", nargs="*", help="named queries (default: every one)")
    parser.add_argument("--against", default="e1e99f5", help="the revision whose forms to time (default: e1e99f5)")
    parser.add_argument("--runs", type=int, default=2, help="runs of each form; the faster is kept (default 2)")
    args = parser.parse_args(argv)
    store = open_build(args.out, build=False).store
    compared = compare_forms(store, args.against, args.names or None, args.runs)
    print(table(args.against, compared))
    return 1 if any(c.same is False for c in compared) else 0


if __name__ == "__main__":
    raise SystemExit(main())
