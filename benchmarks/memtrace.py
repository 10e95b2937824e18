"""Resident memory of a command's process tree over time, process by process.

    .venv/bin/python -m benchmarks.memtrace -- .venv/bin/esrgraph build CORPUS -o OUT

Runs the command and samples /proc every ``--interval`` seconds (0.2 by default): every ``--every`` seconds it
prints the tree's total and each process above 50 MiB (pid:MiB), and at the end the peak with its processes and
the root process's RssAnon / RssFile at that moment (file pages a process maps count in its resident set). The
figures of docs/decisions/20261205-main-process-memory.md come from here; the benchmark's peak
(``run.TreeMemorySampler``) is the same sum (``run.tree_resident``), sampled more often and without the breakdown.
"""

from __future__ import annotations

import argparse
import subprocess
import time

from benchmarks.run import tree_resident

MIB = 2**20


def rss_kinds(pid: int) -> str:
    """The ``Rss*`` lines of /proc/PID/status, on one line ('' once the process is gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            return ", ".join(line.strip().replace(":\t", " ").replace("  ", "") for line in f if line.startswith("Rss"))
    except OSError:
        return ""


def trace(command: list[str], interval: float, every: float) -> tuple[int, float, str]:
    """Run ``command`` and print its tree's memory every ``every`` seconds; (peak bytes, when, what) at the end."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    peak, when, what, shown = 0, 0.0, "", -every
    while process.poll() is None:
        tree = tree_resident(process.pid)
        total, now = sum(tree.values()), time.perf_counter() - start
        parts = " ".join(f"{pid}:{size // MIB}" for pid, size in sorted(tree.items()) if size > 50 * MIB)
        if total > peak:
            peak, when, what = total, now, f"{parts} ({rss_kinds(process.pid)})"
        if now - shown >= every:
            print(f"{now:7.1f} s  {total // MIB:6,} MiB  {parts}", flush=True)
            shown = now
        time.sleep(interval)
    return peak, when, what


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between samples")
    parser.add_argument("--every", type=float, default=5.0, help="seconds between printed lines")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command, after --")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("name a command after --")
    peak, when, what = trace(command, args.interval, args.every)
    print(f"peak {peak // MIB:,} MiB at {when:.1f} s: {what}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
