"""The esrgraph benchmark: one command, a Markdown table in benchmarks/results.md.

    .venv/bin/python -m benchmarks.run --sizes 1000,10000,30000 --naive 1000,10000

For each size it generates full EURA descriptions (benchmarks/generate.py, 5 % faulty),
then runs, each in its own process (so peak memory is that run's own):

- the fast build: parse (2 worker processes) -> merge + map -> fast validation (every
  shape, SHACL-SPARQL included, compiled to SPARQL on Oxigraph) -> Turtle + N-Triples;
- the naive pipeline, for the sizes in ``--naive``: the same parse and mapping, then an
  rdflib Graph, pyshacl over the whole graph, and rdflib's Turtle writer.

It checks that both report identical findings, then runs the real 2014-2020 project list,
a rebuild after one record of the largest size changed (and that it gives the same
bytes as a full build), and every named query on the largest graph. Benchmarks are not
tests: the tests check correctness on small inputs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REAL_CSV = Path("/work/shared/corpus/projektilista-2014-2020.csv")


def _peak_mb(workers: int = 1) -> float:
    """Peak resident memory: this process's, plus ``workers`` times the largest child's.

    The sharded build's worker processes run side by side, and the kernel reports only the
    largest child, so their sum is bounded by that many times the largest (an upper bound).
    """
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + workers * children) / 1024 if workers > 1 else max(own, children) / 1024


class TreeMemorySampler:
    """Peak of the summed resident memory of this process and its descendants, read from /proc
    every ``interval`` seconds on a thread. For steps that start a child process: the kernel's
    peak for children counts a new child with the memory of its parent at fork (the release's
    JSON-LD child read 8 GB that way, against 2.5 GB for the whole tree when sampled)."""

    def __init__(self, interval: float = 0.05) -> None:
        import threading

        self.interval, self.peak_mb = interval, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeMemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        page = os.sysconf("SC_PAGE_SIZE")
        while True:
            self.peak_mb = max(self.peak_mb, self.tree_rss(os.getpid(), page) / 2**20)
            if self._stop.wait(self.interval):
                return

    @staticmethod
    def tree_rss(root: int, page: int) -> int:
        children: dict[int, list[int]] = {}
        rss: dict[int, int] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    stat = f.read()
                with open(f"/proc/{entry}/statm", "rb") as f:
                    resident = int(f.read().split()[1])
            except (OSError, IndexError, ValueError):
                continue  # gone meanwhile
            parent = int(stat[stat.rindex(b")") + 2:].split()[1])  # the field after the state
            children.setdefault(parent, []).append(int(entry))
            rss[int(entry)] = resident * page
        total, todo = 0, [root]
        while todo:
            pid = todo.pop()
            total += rss.get(pid, 0)
            todo.extend(children.get(pid, ()))
        return total


# ---------------------------------------------------------------------------- one run (in a child process)


def run_fast(inputs: str, out: str, cache: str | None, outputs: str = "") -> dict[str, object]:
    """The fast build and its graph files; with ``outputs`` ("all"), then also every other file
    ``esrgraph build`` writes (reports, quality report, release folder), timed on its own."""
    from esrgraph.outputs import write_outputs
    from esrgraph.pipeline.build import build
    from esrgraph.pipeline.result import BuildOptions

    start = time.perf_counter()
    options = BuildOptions(cache_dir=cache)
    result = build([inputs], options)
    t = time.perf_counter()
    result.write_graph(out)
    write = time.perf_counter() - t + result.timings.get("write", 0.0)  # a sharded build merges its parts in build()
    total = time.perf_counter() - start
    _dump_findings(result.findings, Path(out) / "findings.json")
    stages = {k: result.timings[k] for k in ("parse", "map", "validate")}
    details = {k: v for k, v in result.timings.items() if k not in stages and k != "write"}
    workers = 2 if result.graph_files is not None else 1
    measured = {"stages": {**stages, "write": write}, "total": total, "records": result.records_found,
                "triples": len(result.triples), "peak_mb": _peak_mb(workers), "findings": len(result.findings),
                "quarantined": len(result.quarantined), "built": result.records_built, "details": details,
                "reuse": result.reuse}
    if outputs:
        t = time.perf_counter()
        with TreeMemorySampler() as sampler:
            write_outputs(result, Path(out) / "all", options)
        measured["outputs"] = time.perf_counter() - t
        measured["outputs_peak_mb"] = sampler.peak_mb
    return measured


def run_naive(inputs: str, out: str) -> dict[str, object]:
    from esrgraph.core.findings import Finding
    from esrgraph.parsers.inputs import parse_paths
    from esrgraph.pipeline.result import BuildOptions, _locator
    from esrgraph.pipeline.stages import build_records
    from esrgraph.validation.report import triples_to_rdflib, validate_graph

    stages: dict[str, float] = {}
    start = t = time.perf_counter()
    batch = parse_paths([inputs])
    stages["parse"] = time.perf_counter() - t
    t = time.perf_counter()
    _projects, triples, findings, *_ = build_records(batch.records, BuildOptions())
    graph = triples_to_rdflib(triples)
    stages["map"] = time.perf_counter() - t
    t = time.perf_counter()
    report = validate_graph(graph, locate=_locator(batch.records))
    stages["validate"] = time.perf_counter() - t
    t = time.perf_counter()
    Path(out).mkdir(parents=True, exist_ok=True)
    graph.serialize(Path(out) / "esrgraph.ttl", format="turtle")
    stages["write"] = time.perf_counter() - t
    total = time.perf_counter() - start
    all_findings = sorted(findings + report.findings, key=Finding.sort_key)
    _dump_findings(all_findings, Path(out) / "findings.json")
    return {"stages": stages, "total": total, "records": len(batch.records) + len(batch.quarantined),
            "triples": len(graph), "peak_mb": _peak_mb(), "findings": len(all_findings)}


def run_queries(graph: str) -> dict[str, object]:
    from pyoxigraph import RdfFormat, Store

    from esrgraph.sparql.queries import named_queries, run_query

    store = Store()
    store.bulk_load(path=graph, format=RdfFormat.N_TRIPLES)
    times = {}
    for name, q in sorted(named_queries().items()):
        t = time.perf_counter()
        rows = run_query(store, q.sparql)
        try:
            n = len(list(rows))  # type: ignore[arg-type]
        except TypeError:  # an ASK query
            n = int(bool(rows))
        times[name] = (time.perf_counter() - t, n)
    return {"queries": times, "peak_mb": _peak_mb()}


def command_queries(out: Path) -> dict[str, tuple[float, float, int]]:
    """Each named query as a researcher runs it, ``esrgraph query OUT --name NAME --format csv``: wall seconds of
    the first and of a second run, start-up included, and the number of rows."""
    from esrgraph.sparql.queries import named_queries

    esrgraph = Path(sys.executable).parent / "esrgraph"
    times = {}
    for name in sorted(named_queries()):
        runs = []
        for _ in range(2):
            t = time.perf_counter()
            done = subprocess.run([str(esrgraph), "query", str(out), "--name", name, "--format", "csv"],
                                  check=True, capture_output=True, text=True)
            runs.append(time.perf_counter() - t)
        times[name] = (runs[0], runs[1], max(0, len(done.stdout.splitlines()) - 1))
    return times


def serve_ready(out: Path) -> float:
    """Seconds from starting ``esrgraph serve OUT`` to its "serving" line (the workers have opened the graph)."""
    esrgraph = Path(sys.executable).parent / "esrgraph"
    t = time.perf_counter()
    server = subprocess.Popen([str(esrgraph), "serve", str(out), "--port", "0", "-q"], stderr=subprocess.PIPE,
                              text=True)
    try:
        assert server.stderr is not None
        for line in server.stderr:
            if "serving" in line:
                return time.perf_counter() - t
        raise RuntimeError(f"esrgraph serve {out} ended before serving")
    finally:
        server.terminate()
        server.wait(timeout=30)


def _tree_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _dump_findings(findings: list[object], path: Path) -> None:
    rows = [f.to_json() for f in findings]  # type: ignore[attr-defined]
    path.write_text(json.dumps(rows, ensure_ascii=False, sort_keys=True), encoding="utf-8")


def child(kind: str, *args: str) -> dict[str, object]:
    """Run one measurement in a fresh Python process; return its JSON. After ``sync``, so no run pays
    for the kernel's writeback of what the one before it wrote (a rebuild's write step took 6.8 s
    instead of 2-3 s right after the largest build had written several GB)."""
    os.sync()
    cmd = [sys.executable, "-m", "benchmarks.run", "--child", kind, *args]
    env = {**os.environ, "CI": "1"}  # no progress lines in the captured output
    done = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


# ---------------------------------------------------------------------------- table


def _rate(n: float, seconds: float) -> str:
    return f"{n / seconds:,.0f}" if seconds > 0 else "-"


def _row(label: str, size: str, r: dict[str, object]) -> str:
    st = r["stages"]  # type: ignore[index]
    assert isinstance(st, dict)
    total = float(r["total"])  # type: ignore[arg-type]
    return (f"| {label} | {size} | {r['triples']:,} | " + " | ".join(f"{st.get(s, 0):.1f}" for s in
            ("parse", "map", "validate", "write")) + f" | **{total:.1f}** | {_rate(float(r['records']), total)} | "  # type: ignore[arg-type]
            f"{_rate(float(r['triples']), total)} | {float(r['peak_mb']):,.0f} |")  # type: ignore[arg-type]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000,10000,30000")
    ap.add_argument("--naive", default="1000,10000", help="sizes at which the naive pipeline runs too ('' for none)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--work", type=Path, help="scratch folder (default: a temporary one)")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results.md")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kind, *rest = args.child
        fn = {"fast": run_fast, "naive": run_naive, "queries": run_queries}[kind]
        if kind == "fast":
            rest += [""] * (4 - len(rest))
            rest[2] = rest[2] or None  # type: ignore[call-overload]
        print(json.dumps(fn(*rest)))
        return

    from benchmarks.generate import write_corpus

    sizes = [int(s) for s in args.sizes.split(",") if s]
    naive = {int(s) for s in args.naive.split(",") if s}
    work = args.work or Path(tempfile.mkdtemp(prefix="esrgraph-bench-"))
    lines = [
        "| pipeline | records | triples | parse s | map s | validate s | write s | total s | records/s | triples/s | peak MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    notes: list[str] = []
    largest = max(sizes)
    full_times: dict[int, float] = {}
    for n in sizes:
        corpus = work / f"corpus-{n}"
        if not corpus.is_dir():
            write_corpus(corpus, n, seed=args.seed)
        cache = str(work / f"cache-{n}") if n == largest else ""
        fast = child("fast", str(corpus), str(work / f"fast-{n}"), cache, "all" if n == largest else "")
        full_times[n] = float(fast["total"])  # type: ignore[arg-type]
        lines.append(_row("fast", f"{n:,}", fast))
        print(lines[-1], flush=True)
        if "outputs" in fast:
            notes.append(f"- {n:,} records, the rest of what `esrgraph build` writes (SHACL reports, quality report, "
                         f"release folder: Turtle, gzipped N-Triples, JSON-LD, collaboration network, catalogue, vocabulary pages; "
                         f"the query store and the named queries' kept answers): "
                         f"{float(fast['outputs']):.1f} s after the build (peak {float(fast['outputs_peak_mb']):,.0f} MB, "
                         f"sampled over the process and its children); "  # type: ignore[arg-type]
                         f"the whole command: **{float(fast['total']) + float(fast['outputs']):.1f} s**.")  # type: ignore[arg-type]
        if n == largest and fast.get("details"):
            notes.append(f"- {n:,} records, where the time went (seconds; worker steps summed over both workers): "
                         + ", ".join(f"{k} {v:.1f}" for k, v in fast["details"].items()) + ".")  # type: ignore[union-attr]
        if n in naive:
            ref = child("naive", str(corpus), str(work / f"naive-{n}"))
            lines.append(_row("naive (rdflib + pyshacl)", f"{n:,}", ref))
            print(lines[-1], flush=True)
            same = (work / f"fast-{n}" / "findings.json").read_bytes() == (work / f"naive-{n}" / "findings.json").read_bytes()
            notes.append(f"- {n:,} records: fast is **{float(ref['total']) / float(fast['total']):.1f}x** faster "  # type: ignore[arg-type]
                         f"than naive; findings identical: **{'yes' if same else 'NO'}** ({fast['findings']:,} findings).")
            print(notes[-1], flush=True)
    if REAL_CSV.is_file():
        real = child("fast", str(REAL_CSV), str(work / "fast-real"), "")
        lines.append(_row("fast, real 2014-2020 list", f"{real['records']:,} rows", real))
        notes.append(f"- real list: {real['records']:,} rows read = {real['built']:,} built + {real['quarantined']:,} "
                     f"quarantined; built in **{float(real['total']):.1f} s** (target <= 5 s).")  # type: ignore[arg-type]
        print(notes[-1], flush=True)
    # one record changed, rebuild with the build cache, compare bytes with a full build without one
    corpus = work / f"corpus-{largest}"
    victim = sorted(corpus.rglob("*.txt"))[len(list(corpus.rglob("*.txt"))) // 2]
    victim.write_text(victim.read_text(encoding="utf-8").replace("Hankkeen nimi: ", "Hankkeen nimi: Muutettu "),
                      encoding="utf-8")
    inc = child("fast", str(corpus), str(work / "fast-incremental"), str(work / f"cache-{largest}"))
    lines.append(_row("fast, rebuild after 1 record changed", f"{largest:,}", inc))
    full = child("fast", str(corpus), str(work / "fast-full-after-change"), "")
    same = all((work / "fast-incremental" / f).read_bytes() == (work / "fast-full-after-change" / f).read_bytes()
               for f in ("esrgraph.ttl", "esrgraph.nt", "findings.json"))
    reuse = ", ".join(f"{kind} {reused} of {total}" for kind, (reused, total) in inc.get("reuse", {}).items())  # type: ignore[union-attr]
    notes.append(f"- rebuild after one of {largest:,} records changed: {float(inc['total']):.1f} s = "  # type: ignore[arg-type]
                 f"**{100 * float(inc['total']) / float(full['total']):.1f} %** of a full build "  # type: ignore[arg-type]
                 f"({float(full['total']):.1f} s, no cache); same bytes: **{'yes' if same else 'NO'}**; "
                 f"parts reused from the build cache: {reuse or 'none'}.")
    print(notes[-1], flush=True)
    q = child("queries", str(work / f"fast-{largest}" / "esrgraph.nt"))
    qtimes = q["queries"]
    assert isinstance(qtimes, dict)
    slowest = max(t for t, _ in qtimes.values())
    notes.append(f"- named queries on the {largest:,}-record graph: slowest **{slowest:.2f} s** (target <= 1 s): "
                 + ", ".join(f"{k} {t:.2f} s" for k, (t, _) in sorted(qtimes.items())) + ".")
    print(notes[-1], flush=True)
    out = work / f"fast-{largest}" / "all"
    if out.is_dir():  # the whole command's folder: the persistent store and the derived network are in it
        cq = command_queries(out)
        slowest_cli = max(second for _, second, _ in cq.values())
        notes.append(f"- named queries from the command line on the {largest:,}-record build folder, "
                     f"`esrgraph query OUT --name NAME --format csv`, wall time with start-up (first run / again): "
                     f"slowest **{slowest_cli:.2f} s** (target <= 1 s): "
                     + ", ".join(f"{k} {a:.2f}/{b:.2f} s ({n:,} rows)" for k, (a, b, n) in sorted(cq.items())) + ".")
        print(notes[-1], flush=True)
        ready = serve_ready(out)
        notes.append(f"- `esrgraph serve OUT` on the {largest:,}-record build folder ready in **{ready:.2f} s** "
                     "(target <= 2 s).")
        print(notes[-1], flush=True)
        sizes_text = ", ".join(f"{p.relative_to(out).as_posix()} {p.stat().st_size / 2**20:,.1f} MB"
                               for p in sorted(out.rglob("*")) if p.is_file() and p.stat().st_size >= 2**20
                               and ".store" not in p.parts and ".cache" not in p.parts)
        store = out / ".store"
        if store.is_dir():
            sizes_text += f"; the persistent store (.store/) {_tree_bytes(store) / 2**20:,.0f} MB"
        notes.append(f"- files of the {largest:,}-record build folder (1 MB and more): {sizes_text}.")
        print(notes[-1], flush=True)
        compared = subprocess.run([sys.executable, "-m", "benchmarks.compare_answers", str(out)],
                                  capture_output=True, text=True, cwd=ROOT)
        notes.append(f"- every named query's answer from the command line compared with a plain in-memory store of the "
                     f"main graph (`python -m benchmarks.compare_answers OUT`): "
                     f"**{compared.stdout.strip().splitlines()[-1] if compared.stdout.strip() else compared.stderr}**.")
        print(notes[-1], flush=True)
    load = os.getloadavg()
    header = (f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, {os.cpu_count()} cores, Python "
              f"{platform.python_version()}; load average at the end {load[0]:.1f} (other jobs shared the machine). "
              f"Command: `.venv/bin/python -m benchmarks.run --sizes {shlex.quote(args.sizes)} --naive {shlex.quote(args.naive)}`.")
    text = "# esrgraph benchmark\n\n" + header + "\n\n" + "\n".join(lines) + "\n\n" + "\n".join(notes) + "\n"
    args.out.write_text(text, encoding="utf-8")
    print(text)
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
