"""Every named query's answer from the command line, compared with the answer of a plain in-memory store.

    .venv/bin/python -m benchmarks.compare_answers OUT [--param NAME=VALUE ...]

For each named query, the answer is what ``esrgraph query OUT --name NAME --format json`` prints (the build's
persistent store and its derived collaboration graph), and the reference is the same query run on a fresh
in-memory Oxigraph store holding only ``OUT/esrgraph.nt``, the main graph, as every query was answered before
the store and the derived data existed. The two queries that now read the derived collaboration graph are
compared with their earlier forms (``benchmarks/reference_queries/``), which count from every participation link.
Rows are compared as multisets of terms, so a correct answer in another order of equal rows still agrees; the
``codes`` column of organisations-in-several-projects is compared as a set of codes, since GROUP_CONCAT fixes no
order. Prints one line a query and exits 1 when any answer differs.
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
from collections import Counter
from pathlib import Path

from pyoxigraph import QueryResultsFormat, QuerySolutions, RdfFormat, Store, parse_query_results

from esrgraph.sparql.queries import bind_parameters, named_queries, query_parameters

REFERENCE = Path(__file__).resolve().parent / "reference_queries"
#: The command users run, from the same environment as this script.
ESRGRAPH = Path(sys.executable).parent / "esrgraph"
#: Columns whose value is a space-separated set of codes, compared as a set.
SET_COLUMNS = {("organisations-in-several-projects", "codes")}


def _rows(name: str, solutions: QuerySolutions) -> tuple[list[str], Counter[tuple[str, ...]]]:
    variables = [v.value for v in solutions.variables]
    rows: Counter[tuple[str, ...]] = Counter()
    for solution in solutions:
        cells = []
        for var in variables:
            term = solution[var]
            if term is None:
                cells.append("")
            elif (name, var) in SET_COLUMNS:
                cells.append(" ".join(sorted(term.value.split())))
            else:
                cells.append(str(term))
        rows[tuple(cells)] += 1
    return variables, rows


def reference_answer(store: Store, name: str, params: dict[str, str]) -> tuple[list[str], Counter[tuple[str, ...]]]:
    path = REFERENCE / f"{name}.rq"
    sparql = path.read_text(encoding="utf-8") if path.is_file() else named_queries()[name].sparql
    offered = {k: v for k, v in params.items() if k in query_parameters(sparql)}
    result = store.query(bind_parameters(sparql, offered) if offered else sparql)
    assert isinstance(result, QuerySolutions), name
    return _rows(name, result)


def command_answer(out: Path, name: str, params: dict[str, str]) -> tuple[list[str], Counter[tuple[str, ...]]]:
    offered = [f"{k}={v}" for k, v in params.items() if k in query_parameters(named_queries()[name].sparql)]
    cmd = [str(ESRGRAPH), "query", str(out), "--name", name, "--format", "json"]
    for pair in offered:
        cmd += ["--param", pair]
    done = subprocess.run(cmd, capture_output=True)
    if done.returncode != 0:
        raise RuntimeError(f"`esrgraph query --name {name}` exited with {done.returncode}: "
                           f"{done.stderr.decode('utf-8', 'replace').strip()}")
    result = parse_query_results(io.BytesIO(done.stdout), format=QueryResultsFormat.JSON)
    assert isinstance(result, QuerySolutions), name
    return _rows(name, result)


def compare(out: Path, params: dict[str, str]) -> list[str]:
    """The names of the queries whose answers differ; prints a line for each query."""
    store = Store()
    store.bulk_load(path=str(out / "esrgraph.nt"), format=RdfFormat.N_TRIPLES)
    differ = []
    for name in sorted(named_queries()):
        ref_vars, ref_rows = reference_answer(store, name, params)
        try:
            vars_, rows = command_answer(out, name, params)
        except RuntimeError as exc:
            print(f"{name}: FAILED: {exc}", flush=True)
            differ.append(name)
            continue
        same = ref_vars == vars_ and ref_rows == rows
        print(f"{name}: {sum(rows.values())} rows, {'same' if same else 'DIFFERENT'} "
              f"(reference {sum(ref_rows.values())} rows)", flush=True)
        if not same:
            differ.append(name)
    return differ


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path, help="a build folder (esrgraph build -o OUT)")
    ap.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                    help="set this parameter in every query that has it (repeatable)")
    args = ap.parse_args()
    params = dict(p.split("=", 1) for p in args.param)
    differ = compare(args.out, params)
    print(f"{len(differ)} of {len(named_queries())} answers differ" + (f": {', '.join(differ)}" if differ else ""))
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
