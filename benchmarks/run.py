"""The esrgraph benchmark: one command, Markdown tables in benchmarks/results.md.

    .venv/bin/python -m benchmarks.run --sizes 1000,10000,30000 --naive 1000
    .venv/bin/python -m benchmarks.run --sizes 30000,100000 --naive '' --out /tmp/results-100k.md

The headline is the whole ``esrgraph build CORPUS -o OUT`` as a user runs it: for each corpus of
``--corpora`` (benchmarks/generate.py: ``standard``, and ``findings-heavy`` where organisations' names and
business ids disagree at random; 5 % faulty records in both) and each size, one fresh process runs the
library calls the CLI makes (cli/build.py: build, then every output), timed from its start to its end, with
the peak resident memory summed over its whole process tree (workers and children included), sampled from
/proc. For each run it prints the cost per record, the size of every file the command wrote (and its ratio
to the N-Triples file), and, at the sizes of ``--rebuild``, the rebuild of the whole command after one
description changed: its time, its share of a full build, and whether every output file has the same bytes
as a full build of the changed corpus without a cache. Each figure stands next to its target (issue #23).

It then also runs the build stage alone beside the naive pipeline (rdflib + pyshacl + rdflib's Turtle
writer) at the sizes in ``--naive`` and checks that both report identical findings, the real 2014-2020
project list, and on the largest standard build folder every named query (in memory, and from the command
line), ``esrgraph serve`` start-up and the comparison of the command line's answers with a plain store.
Benchmarks are not tests: the tests check correctness on small inputs.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import re
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REAL_CSV = Path("/work/shared/corpus/projektilista-2014-2020.csv")

# The targets of issue #23 (2 cores, 24 GiB).
TARGET_SIZE = 30_000  # the whole command from nothing at this size ...
TARGET_SECONDS = 60.0  # ... within this many seconds
TARGET_PEAK_MB = 4 * 1024  # peak memory over all processes, at every size
TARGET_REBUILD_SHARE = 0.10  # rebuild after one change, of the full command
TARGET_LARGE_SIZE = 100_000  # this size ...
TARGET_LINEAR = 4.0  # ... within this many times the time at TARGET_SIZE
TARGET_FILE_RATIO = 2.0  # no output file above this many times the N-Triples file
#: Folders of a build folder that are not published files; listed as one total each, and left out of the
#: byte comparison (the query store's RocksDB files differ between equal builds; the cache is only in one).
PRIVATE_FOLDERS = (".cache", ".store")


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
    JSON-LD child read 8 GB that way, against 2.5 GB for the whole tree when sampled). ``root``: the process
    whose tree is summed (default: this one)."""

    def __init__(self, interval: float = 0.05, root: int | None = None) -> None:
        import threading

        self.interval, self.peak_mb, self.root = interval, 0.0, root
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
            self.peak_mb = max(self.peak_mb, self.tree_rss(self.root or os.getpid(), page) / 2**20)
            if self._stop.wait(self.interval):
                return

    @staticmethod
    def tree_rss(root: int, page: int) -> int:
        return sum(tree_resident(root, page).values())


def tree_resident(root: int, page: int | None = None) -> dict[int, int]:
    """Resident bytes of ``root`` and of each of its descendants, by pid, read from /proc (``page``: the page
    size; default the system's)."""
    page = page or os.sysconf("SC_PAGE_SIZE")
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
    tree, todo = {}, [root]
    while todo:
        pid = todo.pop()
        tree[pid] = rss.get(pid, 0)
        todo.extend(children.get(pid, ()))
    return tree


# ---------------------------------------------------------------------------- one run (in a child process)


def run_fast(inputs: str, out: str, cache: str | None) -> dict[str, object]:
    """The build stage alone and its graph files (beside the naive pipeline; the whole command is ``run_command``)."""
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
    return measured


def run_command(inputs: str, out: str, incremental: str = "") -> dict[str, object]:
    """``esrgraph build INPUTS -o OUT [--incremental]``: the calls ``build_command`` (cli/build.py) makes, in
    its order, with the build stage and the outputs timed apart; the summary goes to stdout as the CLI's."""
    from esrgraph.outputs import check_build_output, write_outputs
    from esrgraph.outputs.summary import build_summary
    from esrgraph.pipeline.build import build as run_build
    from esrgraph.pipeline.result import BuildOptions

    out_dir = Path(out)
    options = BuildOptions(cache_dir=str(out_dir / ".cache") if incremental or (out_dir / ".cache").is_dir() else None)
    check_build_output(out_dir, options)
    start = time.perf_counter()
    result = run_build([inputs], options, out_dir=out_dir)
    built = time.perf_counter()
    written = write_outputs(result, out_dir, options)
    outputs = time.perf_counter() - built
    print(build_summary(result, written))
    return {"build": built - start, "outputs": outputs, "records": result.records_found,
            "triples": len(result.triples), "findings": len(result.findings), "exit_code": result.exit_code,
            "stages": {k: result.timings.get(k, 0.0) for k in ("parse", "map", "validate", "write")},
            "details": {k: v for k, v in result.timings.items() if k not in ("parse", "map", "validate", "write")},
            "reuse": result.reuse}


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


def _dump_findings(findings: Sequence[object], path: Path) -> None:
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


# ---------------------------------------------------------------------------- the whole command


@dataclass
class CommandRun:
    """One whole ``esrgraph build``: wall seconds from the process's start to its end, the peak summed over
    its process tree, and what the process reported (``run_command``)."""

    corpus: str
    size: int
    seconds: float
    peak_mb: float
    cache: bool
    report: dict[str, object]
    #: MB its process tree wrote to the file system (``written_bytes``); None where the kernel does not say.
    written_mb: float | None = None

    @property
    def records(self) -> int:
        return int(_num(self.report["records"]))

    @property
    def ms_per_record(self) -> float:
        return 1000 * self.seconds / max(1, self.records)


def split_costs(run: CommandRun, workers: int) -> tuple[float, float] | None:
    """``(w, s)`` in ms a record, for docs/performance.md's ``N x (w / p + s)``: ``w`` the worker steps (summed
    over the workers), ``s`` the rest of the wall time with the worker steps shared by ``workers`` (the main
    process, the outputs, start-up). None for a build that was not sharded (no worker steps)."""
    details = run.report.get("details") or {}
    assert isinstance(details, dict)
    in_workers = sum(_num(v) for k, v in details.items() if k.startswith("worker: "))
    if not in_workers:
        return None
    records = max(1, run.records)
    return 1000 * in_workers / records, 1000 * max(0.0, run.seconds - in_workers / workers) / records


def _num(value: object) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    raise TypeError(f"not a number: {value!r}")


def written_bytes(io_text: str) -> int | None:
    """Bytes written to the file system, from a /proc/PID/io text: ``write_bytes`` (pages dirtied, whether the
    kernel wrote them back yet or not) less ``cancelled_write_bytes`` (dirtied, then truncated away). Linux adds
    a reaped child's counts to its parent's, so this process's figure grows by what a finished command's whole
    process tree wrote. None when the text has no ``write_bytes`` (or a field is not a number)."""
    fields = dict(line.split(":", 1) for line in io_text.splitlines() if ":" in line)
    try:
        return int(fields["write_bytes"]) - int(fields.get("cancelled_write_bytes", "0"))
    except (KeyError, ValueError):
        return None


def written_now() -> int | None:
    """``written_bytes`` of this process now (None: not Linux, or no task I/O accounting)."""
    try:
        return written_bytes(Path("/proc/self/io").read_text(encoding="ascii"))
    except OSError:
        return None


def written_mb(before: int | None, after: int | None) -> float | None:
    """MB written between two ``written_now`` readings; None when either is unknown."""
    return (after - before) / 1e6 if before is not None and after is not None else None


def mb_text(value: float | None) -> str:
    """A table cell for an MB figure that may be unknown."""
    return "n/a" if value is None else f"{value:,.0f}"


def whole_command(corpus: str, size: int, inputs: Path, out: Path, *, cache: bool) -> CommandRun:
    """Run ``run_command`` in a fresh process (after ``sync``, see ``child``), sampling its process tree, and
    count what the tree wrote (``written_bytes``)."""
    os.sync()
    before = written_now()
    cmd = [sys.executable, "-m", "benchmarks.run", "--child", "command", str(inputs), str(out),
           "incremental" if cache else ""]
    env = {**os.environ, "CI": "1"}  # no progress lines
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        start = time.perf_counter()
        process = subprocess.Popen(cmd, stdout=stdout, stderr=stderr, env=env, cwd=ROOT)
        with TreeMemorySampler(root=process.pid) as sampler:
            code = process.wait()
        seconds = time.perf_counter() - start
        after = written_now()
        stdout.seek(0)
        stderr.seek(0)
        text = stdout.read().decode("utf-8", "replace")
        if code != 0:
            tail = stderr.read().decode("utf-8", "replace")[-3000:]
            raise RuntimeError(f"the whole command on {inputs} ended with exit {code}:\n{tail}")
    report = json.loads(text.strip().splitlines()[-1])
    return CommandRun(corpus, size, seconds, sampler.peak_mb, cache, report, written_mb(before, after))


def output_files(out: Path) -> list[tuple[str, int, bool]]:
    """Every file a build wrote under ``out``, as (path relative to it, bytes, is a folder total): the files one
    by one, sorted, then each of ``PRIVATE_FOLDERS`` that exists as one total."""
    rows: list[tuple[str, int, bool]] = []
    for path in sorted(out.rglob("*")):
        relative = path.relative_to(out)
        if path.is_file() and relative.parts[0] not in PRIVATE_FOLDERS:
            rows.append((relative.as_posix(), path.stat().st_size, False))
    for name in PRIVATE_FOLDERS:
        if (out / name).is_dir():
            rows.append((name + "/", _tree_bytes(out / name), True))
    return rows


def size_table(rows: Sequence[tuple[str, int, bool]], ntriples_bytes: int) -> list[str]:
    """A Markdown table of ``output_files`` rows: bytes, MB and the ratio to the N-Triples file, each file above
    ``TARGET_FILE_RATIO`` times it flagged (folder totals are shown, not flagged: they are not published)."""
    lines = ["| file | bytes | MB | x N-Triples | |", "|---|---:|---:|---:|---|"]
    for name, size, folder in rows:
        ratio = size / ntriples_bytes if ntriples_bytes else 0.0
        flag = ("folder, all files" if folder else
                f"**above {TARGET_FILE_RATIO:g}x the N-Triples (issue #23 target)**" if ratio > TARGET_FILE_RATIO else "")
        lines.append(f"| {name} | {size:,} | {size / 2**20:,.1f} | {ratio:.2f} | {flag} |")
    return lines


def oversized(rows: Sequence[tuple[str, int, bool]], ntriples_bytes: int) -> list[str]:
    """The files (not folder totals) above ``TARGET_FILE_RATIO`` times the N-Triples file."""
    return [name for name, size, folder in rows if not folder and size > TARGET_FILE_RATIO * ntriples_bytes]


def _same_bytes(a: Path, b: Path) -> bool:
    if a.stat().st_size != b.stat().st_size:
        return False
    with a.open("rb") as fa, b.open("rb") as fb:
        while True:
            block = fa.read(2**20)
            if block != fb.read(2**20):
                return False
            if not block:
                return True


def differing_files(a: Path, b: Path) -> tuple[int, list[str]]:
    """Compare two build folders file by file, ``PRIVATE_FOLDERS`` left out: the number of files compared and
    the paths whose bytes differ or that only one folder has."""
    files_a = {name for name, _, folder in output_files(a) if not folder}
    files_b = {name for name, _, folder in output_files(b) if not folder}
    differ = sorted(files_a ^ files_b)
    differ += [name for name in sorted(files_a & files_b) if not _same_bytes(a / name, b / name)]
    return len(files_a | files_b), sorted(differ)


def fix_list_rows(out: Path) -> int:
    """Rows of OUT/fix-list.csv (one a finding, the quality checks' included), read as a stream."""
    path = out / "fix-list.csv"
    if not path.is_file():
        return 0
    # The csv module's cell limit is process-wide: raised only while counting, then put back (the parsers
    # quarantine a row whose cell is over the default limit, and a test of them may run in this process).
    limit = csv.field_size_limit(2**31 - 1)
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            return max(0, sum(1 for _ in csv.reader(handle)) - 1)
    finally:
        csv.field_size_limit(limit)


def _middle_description(corpus: Path) -> Path:
    names = sorted(corpus.rglob("*.txt"))
    return names[len(names) // 2]


@dataclass
class Rebuild:
    """The whole command again after one description changed, with the build cache, against a full build of
    the changed corpus without one."""

    corpus: str
    size: int
    #: What changed (``CHANGES``).
    change: str
    seconds: float
    peak_mb: float
    full_seconds: float
    compared: int
    differ: list[str]
    reuse: str
    #: MB the rebuild's process tree wrote (``written_bytes``), and the full one's.
    written_mb: float | None = None
    full_written_mb: float | None = None
    #: The rebuild's own run, whose report says where its time went (``command_note``).
    run: CommandRun | None = None

    @property
    def share(self) -> float:
        return self.seconds / self.full_seconds if self.full_seconds else 0.0


#: The changes a rebuild is measured after, each of one field of one description: a title, which few queries read,
#: and the granted EU and state funding, which the funding queries and the quality report's read.
CHANGES = ("name", "amount")


def _changed(original: bytes, kind: str, amount: int | None = None) -> bytes:
    if kind == "name":
        return original.replace(b"Hankkeen nimi: ", b"Hankkeen nimi: Muutettu ", 1)
    if kind == "amount" and amount is not None:  # the whole amount (its digits and the spaces between them)
        return re.sub("(Myönnetty EU- ja valtion rahoitus: )([0-9][0-9 ]*[0-9]|[0-9])".encode(),
                      lambda m: m.group(1) + str(amount).encode(), original, count=1)
    if kind == "amount":  # another leading digit: the same shape, another amount
        return re.sub("(Myönnetty EU- ja valtion rahoitus: )([0-9])".encode(),
                      lambda m: m.group(1) + (b"8" if m.group(2) == b"9" else b"9"), original, count=1)
    raise ValueError(f"unknown change {kind!r}: use one of {', '.join(CHANGES)}")


@contextmanager
def changed_description(corpus: Path, kind: str = "name", amount: int | None = None) -> Iterator[Path]:
    """The corpus's middle description with one field changed (``CHANGES``: its project's name or its granted
    funding: to ``amount`` when given), put back afterwards."""
    victim = _middle_description(corpus)
    original = victim.read_bytes()
    changed = _changed(original, kind, amount)
    if changed == original:
        raise ValueError(f"{victim}: no {kind} to change")
    victim.write_bytes(changed)
    try:
        yield victim
    finally:
        victim.write_bytes(original)


def rebuild(first: CommandRun, inputs: Path, out: Path, scratch: Path, change: str) -> Rebuild:
    """Run the whole command again into ``out`` (whose build cache an earlier command wrote) after one description
    changed (``change``, made by the caller), then a full one without a cache into ``scratch``, and compare every
    file."""
    try:
        again = whole_command(first.corpus, first.size, inputs, out, cache=True)
        shutil.rmtree(scratch, ignore_errors=True)
        full = whole_command(first.corpus, first.size, inputs, scratch, cache=False)
        compared, differ = differing_files(out, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    reuse = again.report.get("reuse") or {}
    assert isinstance(reuse, dict)
    reused = ", ".join(f"{kind} {done} of {total}" for kind, (done, total) in reuse.items())
    return Rebuild(first.corpus, first.size, change, again.seconds, again.peak_mb, full.seconds, compared, differ,
                   reused or "none", again.written_mb, full.written_mb, again)


def _met(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def target_rows(runs: Sequence[CommandRun], rebuilds: Sequence[Rebuild], corpora: Sequence[str],
                too_large: dict[tuple[str, int], list[str]]) -> list[str]:
    """The issue's targets, each with its measured figure and met / not met (or what to run to measure it)."""
    lines = ["| target | corpus | measured | |", "|---|---|---|---|"]
    by = {(r.corpus, r.size): r for r in runs}
    for corpus in corpora:
        at = by.get((corpus, TARGET_SIZE))
        if at is None:
            lines.append(f"| {TARGET_SIZE:,} descriptions, whole command <= {TARGET_SECONDS:.0f} s and <= 4 GiB | "
                         f"{corpus} | not measured (add {TARGET_SIZE} to --sizes) | |")
        else:
            lines.append(f"| {TARGET_SIZE:,} descriptions, whole command <= {TARGET_SECONDS:.0f} s | {corpus} | "
                         f"{at.seconds:.1f} s | {_met(at.seconds <= TARGET_SECONDS)} |")
            lines.append(f"| {TARGET_SIZE:,} descriptions, peak <= 4 GiB over all processes | {corpus} | "
                         f"{at.peak_mb:,.0f} MB | {_met(at.peak_mb <= TARGET_PEAK_MB)} |")
        large = by.get((corpus, TARGET_LARGE_SIZE))
        if large is None:
            lines.append(f"| {TARGET_LARGE_SIZE:,} descriptions <= {TARGET_LINEAR:g}x the {TARGET_SIZE:,} time and "
                         f"<= 4 GiB | {corpus} | not measured (add {TARGET_LARGE_SIZE} to --sizes) | |")
        else:
            if at is None:
                lines.append(f"| {TARGET_LARGE_SIZE:,} descriptions <= {TARGET_LINEAR:g}x the {TARGET_SIZE:,} time | "
                             f"{corpus} | {large.seconds:.1f} s ({TARGET_SIZE:,} not measured) | |")
            else:
                ratio = large.seconds / at.seconds
                lines.append(f"| {TARGET_LARGE_SIZE:,} descriptions <= {TARGET_LINEAR:g}x the {TARGET_SIZE:,} time | "
                             f"{corpus} | {large.seconds:.1f} s = {ratio:.2f}x | {_met(ratio <= TARGET_LINEAR)} |")
            lines.append(f"| {TARGET_LARGE_SIZE:,} descriptions, peak <= 4 GiB over all processes | {corpus} | "
                         f"{large.peak_mb:,.0f} MB | {_met(large.peak_mb <= TARGET_PEAK_MB)} |")
        for r in rebuilds:
            if r.corpus == corpus:
                lines.append(f"| rebuild after one change ({r.change}) <= {100 * TARGET_REBUILD_SHARE:.0f} % of the "
                             f"full command, same bytes ({r.size:,}) | {corpus} | {r.seconds:.1f} s = {100 * r.share:.1f} %, "
                             f"{'same bytes' if not r.differ else f'{len(r.differ)} files differ'} | "
                             f"{_met(r.share <= TARGET_REBUILD_SHARE and not r.differ)} |")
        for run in runs:
            if run.corpus == corpus:
                big = too_large.get((corpus, run.size), [])
                lines.append(f"| no output file above {TARGET_FILE_RATIO:g}x the N-Triples ({run.size:,}) | {corpus} | "
                             f"{', '.join(big) if big else 'none above'} | {_met(not big)} |")
    return lines


# ---------------------------------------------------------------------------- table


def _rate(n: float, seconds: float) -> str:
    return f"{n / seconds:,.0f}" if seconds > 0 else "-"


def _row(label: str, size: str, r: dict[str, object]) -> str:
    st = r["stages"]
    assert isinstance(st, dict)
    total = float(r["total"])  # type: ignore[arg-type]
    return (f"| {label} | {size} | {r['triples']:,} | " + " | ".join(f"{st.get(s, 0):.1f}" for s in
            ("parse", "map", "validate", "write")) + f" | **{total:.1f}** | {_rate(float(r['records']), total)} | "  # type: ignore[arg-type]
            f"{_rate(float(r['triples']), total)} | {float(r['peak_mb']):,.0f} |")  # type: ignore[arg-type]


def command_note(run: CommandRun, workers: int, change: str | None = None) -> str:
    """One run's line under the headline table: where its time went, and its ``w`` and ``s`` when sharded;
    ``change``: the run is the rebuild after that change."""
    report = run.report
    details = report.get("details") or {}
    stages = report.get("stages") or {}
    assert isinstance(details, dict) and isinstance(stages, dict)
    build, outputs = _num(report["build"]), _num(report["outputs"])
    after = f", after a changed {change}" if change else ""
    line = (f"- {run.corpus}, {run.size:,}{after}: build stage {build:.1f} s (parse {_num(stages['parse']):.1f}, map "
            f"{_num(stages['map']):.1f}, validate {_num(stages['validate']):.1f}, merge {_num(stages['write']):.1f}), "
            f"outputs {outputs:.1f} s, start-up and the rest {run.seconds - build - outputs:.1f} s")
    if details:
        line += "; steps (seconds, worker steps summed over the workers): " + ", ".join(
            f"{k} {_num(v):.1f}" for k, v in details.items())
    costs = split_costs(run, workers)
    if costs:
        line += (f"; per record, w (the worker steps) {costs[0]:.2f} ms and s (the rest, with the worker steps "
                 f"shared by {workers} workers) {costs[1]:.2f} ms")
    return line + "."


def _command_row(run: CommandRun, ntriples_bytes: int, fix_rows: int) -> str:
    r = run.report
    return (f"| {run.corpus} | {run.records:,} | {int(_num(r['triples'])):,} | {fix_rows:,} | {_num(r['build']):.1f} | "
            f"{_num(r['outputs']):.1f} | **{run.seconds:.1f}** | {run.ms_per_record:.2f} | {run.peak_mb:,.0f} | "
            f"{mb_text(run.written_mb)} | {ntriples_bytes / 2**20:,.1f} | {'yes' if run.cache else 'no'} | {r['exit_code']} |")


def _rebuild_row(r: Rebuild) -> str:
    same = "**yes**" if not r.differ else "**NO**: " + ", ".join(r.differ[:10]) + (" ..." if len(r.differ) > 10 else "")
    return (f"| {r.corpus} | {r.size:,} | {r.change} | **{r.seconds:.1f}** | {r.full_seconds:.1f} | **{100 * r.share:.1f} %** | "
            f"{r.compared:,} | {same} | {r.peak_mb:,.0f} | {mb_text(r.written_mb)} | {mb_text(r.full_written_mb)} | {r.reuse} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000,10000,30000")
    ap.add_argument("--corpora", default="standard,findings-heavy",
                    help="generated corpora to run the whole command on (benchmarks/generate.py), comma-separated")
    ap.add_argument("--rebuild", help="sizes at which the rebuild after one change runs (default: the largest; '' for none)")
    ap.add_argument("--changes", default=",".join(CHANGES),
                    help=f"what the rebuilds change, one after the other (of {', '.join(CHANGES)})")
    ap.add_argument("--naive", default="1000,10000", help="sizes at which the naive pipeline runs too ('' for none)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--work", type=Path, help="scratch folder, kept (default: a temporary one, removed)")
    ap.add_argument("--keep-outputs", action="store_true",
                    help="keep every run's build folder in the scratch folder (by default only the largest standard "
                         "one, which the query sections read, stays: at 100,000 records one holds about 20 GB)")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results.md")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kind, *rest = args.child
        measured: dict[str, object]
        if kind == "fast":
            rest += [""] * (3 - len(rest))
            measured = run_fast(rest[0], rest[1], rest[2] or None)
        else:
            runners: dict[str, Callable[..., dict[str, object]]] = {
                "naive": run_naive, "queries": run_queries, "command": run_command}
            measured = runners[kind](*rest)
        print(json.dumps(measured))
        return

    from benchmarks.generate import CORPORA, write_corpus

    sizes = [int(s) for s in args.sizes.split(",") if s]
    corpora = [c for c in args.corpora.split(",") if c]
    if not sizes or not corpora or any(c not in CORPORA for c in corpora):
        ap.error(f"--sizes needs a size and --corpora one or more of {', '.join(CORPORA)}")
    largest = max(sizes)
    rebuild_sizes = {largest} if args.rebuild is None else {int(s) for s in args.rebuild.split(",") if s}
    change_kinds = [kind for kind in args.changes.split(",") if kind]
    if any(kind not in CHANGES for kind in change_kinds):
        ap.error(f"--changes takes {', '.join(CHANGES)}")
    naive = {int(s) for s in args.naive.split(",") if s}
    work = (args.work or Path(tempfile.mkdtemp(prefix="esrgraph-bench-"))).resolve()
    work.mkdir(parents=True, exist_ok=True)
    main_corpus = "standard" if "standard" in corpora else corpora[0]
    main_out = work / f"out-{main_corpus}-{largest}"  # the build folder the query sections read
    from esrgraph.pipeline.workers import process_count

    workers = process_count(None)  # the sharded build's worker processes, as the command starts them

    def corpus_folder(corpus: str, n: int) -> Path:
        folder = work / f"corpus-{corpus}-{n}"
        if not folder.is_dir():
            write_corpus(folder, n, seed=args.seed, corpus=corpus)
        return folder

    headline = [
        "| corpus | records | triples | fix-list rows | build stage s | outputs s | whole command s | ms/record | "
        "peak MB, all processes | MB written | N-Triples MB | writes build cache | exit |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    rebuild_lines = [
        "| corpus | records | change | rebuild s | full, no cache s | share | files compared | same bytes | peak MB | "
        "MB written | MB written, full | reused from the build cache |",
        "|---|---:|---|---:|---:|---:|---:|---|---:|---:|---:|---|",
    ]
    command_notes: list[str] = []
    rebuild_notes: list[str] = []  # where each rebuild's time went
    file_tables: list[str] = []
    runs: list[CommandRun] = []
    rebuilds: list[Rebuild] = []
    too_large: dict[tuple[str, int], list[str]] = {}
    for corpus in corpora:
        for n in sizes:
            inputs = corpus_folder(corpus, n)
            out = work / f"out-{corpus}-{n}"
            shutil.rmtree(out, ignore_errors=True)  # from nothing: no outputs, no cache of an earlier run
            run = whole_command(corpus, n, inputs, out, cache=n in rebuild_sizes)
            runs.append(run)
            rows = output_files(out)
            ntriples = (out / "esrgraph.nt").stat().st_size
            too_large[(corpus, n)] = oversized(rows, ntriples)
            headline.append(_command_row(run, ntriples, fix_list_rows(out)))
            print(headline[-1], flush=True)
            file_tables += [f"### {corpus}, {n:,} descriptions", "", *size_table(rows, ntriples), ""]
            print("\n".join(file_tables[-len(rows) - 4:]), flush=True)
            command_notes.append(command_note(run, workers))
            if n in rebuild_sizes:
                with ExitStack() as changes:  # each change on top of the one before: one field changes each time
                    for kind in change_kinds:
                        changes.enter_context(changed_description(inputs, kind))
                        done = rebuild(run, inputs, out, work / f"out-{corpus}-{n}-full", kind)
                        rebuilds.append(done)
                        rebuild_lines.append(_rebuild_row(done))
                        print(rebuild_lines[-1], flush=True)
                        if done.run is not None:
                            rebuild_notes.append(command_note(done.run, workers, kind))
            if not args.keep_outputs and out != main_out:
                shutil.rmtree(out, ignore_errors=True)  # disk: about 5 times its N-Triples, cache and store included

    stage_lines = [
        "| pipeline | records | triples | parse s | map s | validate s | write s | total s | records/s | triples/s | peak MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    notes: list[str] = []
    for n in sizes:
        if n in naive:
            inputs = corpus_folder("standard", n)
            fast = child("fast", str(inputs), str(work / f"fast-{n}"), "")
            stage_lines.append(_row("fast, build stage", f"{n:,}", fast))
            ref = child("naive", str(inputs), str(work / f"naive-{n}"))
            stage_lines.append(_row("naive (rdflib + pyshacl)", f"{n:,}", ref))
            print(stage_lines[-1], flush=True)
            same = (work / f"fast-{n}" / "findings.json").read_bytes() == (work / f"naive-{n}" / "findings.json").read_bytes()
            notes.append(f"- {n:,} records (standard corpus): fast is **{_num(ref['total']) / _num(fast['total']):.1f}x** "
                         f"faster than naive; findings identical: **{'yes' if same else 'NO'}** ({fast['findings']:,} findings).")
            print(notes[-1], flush=True)
    if REAL_CSV.is_file():
        real = child("fast", str(REAL_CSV), str(work / "fast-real"), "")
        stage_lines.append(_row("fast, real 2014-2020 list", f"{real['records']:,} rows", real))
        notes.append(f"- real list: {real['records']:,} rows read = {real['built']:,} built + {real['quarantined']:,} "
                     f"quarantined; build stage in **{_num(real['total']):.1f} s** (target <= 5 s).")
        print(notes[-1], flush=True)

    query_notes: list[str] = []
    q = child("queries", str(main_out / "esrgraph.nt"))
    qtimes = q["queries"]
    assert isinstance(qtimes, dict)
    slowest = max(t for t, _ in qtimes.values())
    query_notes.append(f"- named queries in memory on the {largest:,}-record {main_corpus} graph: slowest **{slowest:.2f} s** "
                       "(target <= 1 s): " + ", ".join(f"{k} {t:.2f} s" for k, (t, _) in sorted(qtimes.items())) + ".")
    print(query_notes[-1], flush=True)
    cq = command_queries(main_out)
    slowest_cli = max(second for _, second, _ in cq.values())
    query_notes.append(f"- named queries from the command line on the {largest:,}-record {main_corpus} build folder, "
                       f"`esrgraph query OUT --name NAME --format csv`, wall time with start-up (first run / again): "
                       f"slowest **{slowest_cli:.2f} s** (target <= 1 s): "
                       + ", ".join(f"{k} {a:.2f}/{b:.2f} s ({n:,} rows)" for k, (a, b, n) in sorted(cq.items())) + ".")
    print(query_notes[-1], flush=True)
    ready = serve_ready(main_out)
    query_notes.append(f"- `esrgraph serve OUT` on the {largest:,}-record {main_corpus} build folder ready in "
                       f"**{ready:.2f} s** (target <= 2 s).")
    print(query_notes[-1], flush=True)
    compared = subprocess.run([sys.executable, "-m", "benchmarks.compare_answers", str(main_out)],
                              capture_output=True, text=True, cwd=ROOT)
    query_notes.append(f"- every named query's answer from the command line compared with a plain in-memory store of the "
                       f"main graph (`python -m benchmarks.compare_answers OUT`): "
                       f"**{compared.stdout.strip().splitlines()[-1] if compared.stdout.strip() else compared.stderr}**.")
    print(query_notes[-1], flush=True)

    load = os.getloadavg()
    command = (f".venv/bin/python -m benchmarks.run --sizes {shlex.quote(args.sizes)} --corpora "
               f"{shlex.quote(args.corpora)} --naive {shlex.quote(args.naive)}"
               + (f" --rebuild {shlex.quote(args.rebuild)}" if args.rebuild is not None else "")
               + (f" --changes {shlex.quote(args.changes)}" if args.changes != ",".join(CHANGES) else ""))
    header = (f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, {os.cpu_count()} cores, Python "
              f"{platform.python_version()}; load average at the end {load[0]:.1f} (other jobs shared the machine). "
              f"Command: `{command}`.")
    sections = [
        "# esrgraph benchmark", header,
        "## The whole command\n\n`esrgraph build CORPUS -o OUT` from nothing, in a fresh process, through the calls the CLI "
        "makes: wall time from the process's start to its end, the peak resident memory summed over its process tree "
        "(workers and children, sampled from /proc every 0.05 s). ms/record is the whole command's time over the records "
        "read. At the sizes where the rebuild runs, the command keeps a build cache (`--incremental`).",
        "\n".join(headline), "\n".join(command_notes),
        "## Rebuild of the whole command after one description changed\n\nThe whole command again with the build cache "
        "after one field of one description changed (its project's name; then, on top of that, its granted EU and state "
        "funding), against a full build of the changed corpus without a cache; every file "
        f"compared byte for byte ({', '.join(PRIVATE_FOLDERS)} left out: the cache exists in one folder only, the query "
        "store's database files differ between equal builds).",
        "\n".join(rebuild_lines) if rebuilds else "Not run (`--rebuild ''`).",
        *(["\n".join(rebuild_notes)] if rebuild_notes else []),
        "## Targets (issue #23)", "\n".join(target_rows(runs, rebuilds, corpora, too_large)),
        "## Every file written", "\n".join(file_tables).rstrip(),
    ]
    if len(stage_lines) > 2:
        sections += ["## The build stage alone, the naive pipeline and the real list", "\n".join(stage_lines),
                     "\n".join(notes)]
    sections += ["## Queries and serve on the largest build folder (#22)", "\n".join(query_notes)]
    text = "\n\n".join(s for s in sections if s) + "\n"
    args.out.write_text(text, encoding="utf-8")
    print(text)
    if not args.work:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
