"""The floor under the whole command: what its compiled parts alone cost on this machine.

    .venv/bin/python -m benchmarks.floor CORPUS OUT [--target 60]

OUT is a build folder of CORPUS (``esrgraph build CORPUS -o OUT``); neither is written. Times, each in compiled code
with no esrgraph code in the loop, the steps no build of OUT's graph can skip: reading every input file's bytes,
loading the N-Triples into a new query store (pyoxigraph's bulk loader, as the command's store step does: #22 asks for
the store beside the build, so that the first query answers in a second) and gzipping them at the release's level
(``gzip_member``, zlib). Each step prints its wall time and the CPU time of all of this process's threads; the floor
is their CPU time over the cores this process may use, a bound no schedule of those steps beats. The command also
parses, maps and validates every record in Python and writes the Turtle, JSON-LD, reports and network, so its time is
above the floor, never below: a target under the floor cannot be met on this machine by any change to esrgraph's
Python code.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import RdfFormat, Store

from esrgraph.io.export import GZIP_LEVEL, gzip_member
from esrgraph.io.sources import iter_input_files

_BLOCK = 4 << 20  # the gzip's input per call, as the release's members are made of pieces


@dataclass(frozen=True)
class Step:
    label: str
    wall: float
    cpu: float  # user and system seconds of every thread of this process
    amount: str


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(label: str, work: Callable[[], str]) -> Step:
    """Run ``work`` (which returns what it handled, as text): its wall and CPU seconds."""
    wall, cpu = time.perf_counter(), _cpu()
    amount = work()
    return Step(label, time.perf_counter() - wall, _cpu() - cpu, amount)


def read_inputs(corpus: Path) -> str:
    """Every file of the build's own walk of CORPUS read whole."""
    files = total = 0
    for path, _shown in iter_input_files([corpus]):
        total += len(path.read_bytes())
        files += 1
    return f"{files:,} files, {total / 1e6:,.1f} MB"


def load_store(path: Path, folder: Path) -> str:
    store = Store(str(folder))
    store.bulk_load(path=str(path), format=RdfFormat.N_TRIPLES, lenient=True)
    store.flush()
    return f"{len(store):,} quads"


def gzip_bytes(path: Path) -> str:
    """The file gzipped as the release gzips its pieces: one member a block (``gzip_member``)."""
    written = 0
    with open(path, "rb") as handle:
        while block := handle.read(_BLOCK):
            written += len(gzip_member(block))
    return f"{written / 1e6:,.1f} MB at level {GZIP_LEVEL}"


def measure(corpus: Path, out: Path, scratch: Path | None = None) -> list[Step]:
    """The floor's steps on CORPUS and its build folder OUT, in the order the command meets them."""
    ntriples = out / "esrgraph.nt"
    if not ntriples.is_file():
        raise SystemExit(f"{ntriples}: no such file; OUT must be a build folder of CORPUS")
    with tempfile.TemporaryDirectory(dir=scratch) as folder:
        return [
            timed("read every input file", lambda: read_inputs(corpus)),
            timed("load them into a new query store (pyoxigraph)", lambda: load_store(ntriples, Path(folder))),
            timed("gzip the N-Triples (zlib)", lambda: gzip_bytes(ntriples)),
        ]


def floor_seconds(steps: list[Step], cores: int) -> float:
    """The steps' CPU time spread evenly over ``cores``: no schedule of them ends sooner."""
    return sum(s.cpu for s in steps) / cores


def report(steps: list[Step], cores: int, target: float) -> list[str]:
    floor = floor_seconds(steps, cores)
    lines = ["| step | wall s | CPU s | handled |", "|---|---:|---:|---|"]
    lines += [f"| {s.label} | {s.wall:.1f} | {s.cpu:.1f} | {s.amount} |" for s in steps]
    lines.append(f"| all steps | {sum(s.wall for s in steps):.1f} | {sum(s.cpu for s in steps):.1f} | |")
    verdict = "below" if floor < target else "above"
    lines += ["", f"Floor on {cores} cores: {floor:.1f} s (the CPU time over the cores), {verdict} the target of "
              f"{target:g} s. The command's Python steps (parse, map, validate, write) come on top of it."]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--target", type=float, default=60.0, help="seconds the whole command may take (#23)")
    parser.add_argument("--scratch", type=Path, default=None, help="where the store is loaded (default: temp)")
    args = parser.parse_args(argv)
    for folder in (args.corpus, args.out):
        if not folder.is_dir():
            parser.error(f"{folder}: no such folder")
    os.sync()
    cores = len(os.sched_getaffinity(0))
    steps = measure(args.corpus, args.out, args.scratch)
    print("\n".join(report(steps, cores, args.target)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
