"""Rebuilds after a changed granted amount, one after another, each to an amount no build has seen.

    .venv/bin/python -m benchmarks.rebuilds --runs 3 CORPUS OUT

Runs ``esrgraph build CORPUS -o OUT --incremental`` in this process as the benchmark does (``run.run_command``;
a full build first when OUT has no build cache), then ``--runs`` times: the corpus's middle description gets a
granted amount drawn at random (``run.changed_description``; put back at the end), ``sync``, the whole
command again. Each rebuild prints its wall time, the CPU time of this process and its reaped children (user and
system: on a virtual machine, writing into fresh pages shows as system time), the build stage and outputs, and
every step of 0.3 s or more. The benchmark changes one amount once, after a full build without a cache in
between; this shows the spread of one rebuild on a warm machine. The first rebuild after a change of esrgraph's
code makes every release piece again (the program's fingerprint is in their keys): read the later ones. The
before-and-after figures of docs/decisions/20261205-page-cache.md come from here.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import random
import resource
from pathlib import Path

from benchmarks.run import changed_description, run_command


def _cpu() -> tuple[float, float]:
    """User and system CPU seconds of this process and its reaped children."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + children.ru_utime, own.ru_stime + children.ru_stime


def rebuild(corpus: Path, out: Path, amount: int) -> str:
    """One rebuild after the granted amount became ``amount``: its figures as lines of text."""
    import time

    with changed_description(corpus, "amount", amount):
        os.sync()
        user, system = _cpu()
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):  # the CLI's summary
            report = run_command(str(corpus), str(out), incremental="yes")
        wall = time.perf_counter() - start
        user2, system2 = _cpu()
    details = report["details"]
    assert isinstance(details, dict)
    lines = [f"amount {amount}: {wall:.1f} s, CPU user {user2 - user:.1f} s, system {system2 - system:.1f} s; "
             f"build stage {report['build']:.1f} s, outputs {report['outputs']:.1f} s"]
    lines += [f"   {step}: {seconds:.2f} s" for step, seconds in sorted(details.items())
              if isinstance(seconds, float) and seconds >= 0.3 and not step.startswith("worker")]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus")
    parser.add_argument("out")
    parser.add_argument("--runs", type=int, default=3, help="rebuilds, one after another (default 3)")
    args = parser.parse_args(argv)
    corpus, out = Path(args.corpus), Path(args.out)
    if not (out / ".cache").is_dir():
        with contextlib.redirect_stdout(io.StringIO()):
            run_command(str(corpus), str(out), incremental="yes")
    # Amounts no earlier rebuild gave (one equal to the last build's would change nothing), in the corpus's range.
    amounts = random.sample(range(100_000, 10_000_000), args.runs)
    for n, amount in enumerate(amounts, 1):
        print(f"rebuild {n}: " + rebuild(corpus, out, amount), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
