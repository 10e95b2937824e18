"""Where the whole command's time and memory go, step by step after the build stage.

    .venv/bin/python -m benchmarks.generate --records 30000 /tmp/corpus
    .venv/bin/python -m benchmarks.steps /tmp/corpus /tmp/out
    .venv/bin/python -m benchmarks.steps --rebuild /tmp/corpus /tmp/out-rebuild

Runs ``esrgraph build CORPUS -o OUT`` as the benchmark does (``run.run_command``) and prints, for each step
of ``write_outputs`` (``outputs: <step>`` in the build's timings), its wall time, the CPU time of this process
(all its threads) and of its finished children, and the peak resident memory summed over the process tree
while the step ran (``run.TreeMemorySampler``) and the MB written to the file system meanwhile by this process's
threads and its finished children (``run.written_bytes``; steps on other threads overlap); then the peak of the whole command. With ``--rebuild`` it measures, step by step, the rebuild after one changed
description (``run.changed_description``: its name, or with ``--change amount`` its granted funding) instead, after a full build with a build cache. The per-step memory
figures of docs/performance.md come from here. Steps that run on the quality thread overlap the release, so
their peaks are the tree's while both ran; a step shorter than the sampling interval (0.05 s) shows 0.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks.run import (
    CHANGES,
    TreeMemorySampler,
    changed_description,
    mb_text,
    run_command,
    written_mb,
    written_now,
)


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus")
    parser.add_argument("out")
    parser.add_argument("--rebuild", action="store_true",
                        help="build once with a build cache, change one description as the benchmark does, "
                             "and measure the rebuild")
    parser.add_argument("--change", choices=CHANGES, default="name",
                        help="what --rebuild changes: the project's name (default) or its granted funding")
    args = parser.parse_args(argv)
    if args.rebuild:
        first = run_command(args.corpus, args.out, incremental="yes")
        print(f"full build with a cache: build stage {first['build']:.1f} s, outputs {first['outputs']:.1f} s",
              file=sys.stderr)
        with changed_description(Path(args.corpus), args.change):
            return _measured(args.corpus, args.out, "yes")
    return _measured(args.corpus, args.out, "")


def _measured(corpus: str, out: str, incremental: str) -> int:
    """Measure one command, after ``sync`` as the benchmark's runs (``run.child``): otherwise a rebuild pays for
    the writeback of what the full build before it wrote (its write phase took 11 s instead of 2-3 s)."""
    import esrgraph.outputs as outputs

    os.sync()

    measured: dict[str, tuple[float, float, float, float | None]] = {}
    timed = outputs._Steps.__call__

    start = written_now()
    with TreeMemorySampler() as whole, TreeMemorySampler() as during:

        @contextmanager
        def step(self: outputs._Steps, name: str) -> Iterator[None]:
            during.peak_mb = 0.0
            own, children = _cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN)
            written = written_now()
            with timed(self, name):
                yield
            now = written_now()
            measured[name] = (_cpu(resource.RUSAGE_SELF) - own, _cpu(resource.RUSAGE_CHILDREN) - children,
                              during.peak_mb, written_mb(written, now))

        outputs._Steps.__call__ = step  # type: ignore[method-assign]
        try:
            figures = run_command(corpus, out, incremental)
        finally:
            outputs._Steps.__call__ = timed  # type: ignore[method-assign]
    end = written_now()
    details = figures["details"]
    assert isinstance(details, dict)
    print(f"build stage {figures['build']:.1f} s, outputs {figures['outputs']:.1f} s, "
          f"peak over the process tree {whole.peak_mb:,.0f} MiB, written {mb_text(written_mb(start, end))} MB", file=sys.stderr)
    print("| step | wall s | CPU s, this process | CPU s, children | peak MiB, process tree | MB written |",
          file=sys.stderr)
    print("|---|---:|---:|---:|---:|---:|", file=sys.stderr)
    phases = figures["stages"]
    assert isinstance(phases, dict)
    stages = ", ".join(f"{key} {wall:.1f} s" for key, wall in [*phases.items(), *details.items()]
                       if not key.startswith(("outputs: ", "worker: ")) and isinstance(wall, float))
    print(f"build stage by phase: {stages}", file=sys.stderr)
    for key, wall in details.items():
        name = key.removeprefix("outputs: ")
        if key.startswith("outputs: ") and name in measured:
            own, children, peak, written = measured[name]
            print(f"| {name} | {wall:.1f} | {own:.1f} | {children:.1f} | {peak:,.0f} | {mb_text(written)} |",
                  file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
