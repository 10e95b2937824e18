"""Where a rebuild's output threads spend their time: cProfile of each, and CPython's collector over the command.

    .venv/bin/python -m benchmarks.profile_rebuild CORPUS OUT              # a full build with a cache, then
    .venv/bin/python -m benchmarks.profile_rebuild --change amount CORPUS OUT   # the rebuild after a change

Runs ``esrgraph build CORPUS -o OUT --incremental`` as the benchmark does (``run.run_command``), after ``sync``;
with ``--change`` after one description changed as the benchmark changes it (``run.changed_description``, put back
afterwards; a changed amount is drawn at random, so no earlier build's answers fit it); with ``--cold`` after the
page cache was dropped, as a full build in another folder leaves it in the benchmark (needs root). It prints the cumulative cProfile of the threads that write the outputs (the collaboration network's
Turtle, the release with the network's tables, the query store's update, the named answers and the quality report;
each on the thread it runs on, so a thread waiting on another shows the wait; ``--only NAME`` profiles one alone, the
network's tables too) and the seconds CPython's cyclic collector ran, by generation
(``gc.callbacks``). ``--timeline`` profiles nothing: it prints when each output step began and ended, seconds from
the command's start, which shows the steps on the rebuild's path and those beside them; ``--spans`` adds the calls of the
functions inside the steps that ``SPANS`` names, each with its thread (a function called many times as one line: the
first start, the last end, the seconds summed). The profiled figures of
docs/performance.md for 2026-12-05 evening come from here; profiling slows Python code, so they say where the time
goes, not how long a rebuild takes (the benchmark says that).
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import gc
import io
import os
import pstats
import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from benchmarks.run import CHANGES, changed_description, run_command

#: The functions of ``esrgraph.outputs`` that run each output thread's work, profiled one by one.
PROFILED = ("_quality", "_answers", "write_query_store", "_release")
#: The network's steps, profiled by the names they are printed under: its Turtle, which the build's query store waits
#: for, and its tables, which the release's thread writes.
NETWORK = {"collaboration network": "write_collaboration_turtle", "network tables": "collaboration_files"}
#: The functions ``--spans`` times inside the output steps: (module, attribute path); the per-function figures of
#: docs/performance.md from session 24 on come from these.
SPANS = (
    ("esrgraph.outputs", "write_shacl_reports"),
    ("esrgraph.outputs", "report_json"),
    ("esrgraph.outputs", "write_kept"),
    ("esrgraph.outputs", "write_query_store"),
    ("esrgraph.outputs", "write_build_release"),
    ("esrgraph.publish.release", "_copy_file"),
    ("esrgraph.publish.release", "_add_collaboration"),
    ("esrgraph.publish.release", "_swap_in"),
    ("esrgraph.publish.pieces", "PieceSet.wait"),
    ("esrgraph.publish.pieces", "PieceSet.write"),
    ("esrgraph.publish.pieces", "PieceSet.write_collaboration_turtle"),
    ("esrgraph.publish.pieces", "PieceSet.collaboration_files"),
    ("esrgraph.publish.pieces", "PieceSet._collaboration_shares"),
    ("esrgraph.publish.pieces", "PieceSet._collaboration_facts"),
    ("esrgraph.publish.network_parts", "NetworkParts.__init__"),
    ("esrgraph.publish.network_parts", "NetworkParts.turtle"),
    ("esrgraph.publish.network_parts", "NetworkParts.write"),
    ("esrgraph.publish.network_parts", "NetworkParts._make"),
    ("esrgraph.publish.collaboration", "CollaborationFiles.read"),
)


@contextmanager
def profiled(names: tuple[str, ...] = PROFILED, *, network: tuple[str, ...] = tuple(NETWORK)
             ) -> Iterator[dict[str, cProfile.Profile]]:
    """``esrgraph.outputs``'s functions ``names`` and the network's steps ``network`` (of ``NETWORK``) profiled while
    the block runs; their profiles by name. A function called on a thread that is being profiled already runs
    unprofiled: cProfile keeps one profile per thread, and a second one started inside the first would end both. Its
    time then shows in the outer profile (the network's tables in the release's): ``--only`` profiles it alone."""
    profiles: dict[str, cProfile.Profile] = {}
    profiling = threading.local()

    def wrap(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def run(*args: Any, **kwargs: Any) -> Any:
            if getattr(profiling, "on", False):
                return function(*args, **kwargs)
            profile = cProfile.Profile()
            profiling.on = True
            profile.enable()
            try:
                return function(*args, **kwargs)
            finally:
                profile.disable()
                profiling.on = False
                profiles.setdefault(name, profile)
        return run

    targets = [("esrgraph.outputs", name, name) for name in names]
    targets += [("esrgraph.publish.pieces", f"PieceSet.{NETWORK[name]}", name) for name in network]
    with wrapped(targets, wrap):
        yield profiles


@contextmanager
def wrapped(targets: Sequence[tuple[str, str, str]],
            wrap: Callable[[str, Callable[..., Any]], Callable[..., Any]]) -> Iterator[None]:
    """While the block runs, each function ``(module, attribute path, label)`` of ``targets`` replaced by
    ``wrap(label, function)`` (a class or static method's function inside it, wrapped alike); put back afterwards."""
    import importlib

    patched: list[tuple[Any, str, Any]] = []
    try:
        for module, path, label in targets:
            *owners, name = path.split(".")
            owner: Any = importlib.import_module(module)
            for part in owners:
                owner = getattr(owner, part)
            original = owner.__dict__[name]
            patched.append((owner, name, original))
            if isinstance(original, (classmethod, staticmethod)):
                setattr(owner, name, type(original)(wrap(label, original.__func__)))
            else:
                setattr(owner, name, wrap(label, original))
        yield
    finally:
        for owner, name, original in reversed(patched):
            setattr(owner, name, original)


@contextmanager
def collector_time() -> Iterator[dict[int, list[float]]]:
    """Seconds and collections of CPython's cyclic collector while the block runs, by generation."""
    spent: dict[int, list[float]] = {0: [0.0, 0], 1: [0.0, 0], 2: [0.0, 0]}
    started = [0.0]

    def timed(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            spent[info["generation"]][0] += time.perf_counter() - started[0]
            spent[info["generation"]][1] += 1

    gc.callbacks.append(timed)
    try:
        yield spent
    finally:
        gc.callbacks.remove(timed)


@contextmanager
def timeline() -> Iterator[list[tuple[float, float, str]]]:
    """Each output step (``esrgraph.outputs._Steps``) as (start, end, name), seconds from the block's start, while
    the block runs; in the order the steps ended."""
    import esrgraph.outputs as outputs

    steps: list[tuple[float, float, str]] = []
    original = outputs._Steps.__call__
    origin = time.perf_counter()

    @contextmanager
    def timed(self: Any, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            with original(self, name):
                yield
        finally:
            steps.append((start - origin, time.perf_counter() - origin, name))

    outputs._Steps.__call__ = timed  # type: ignore[method-assign]
    try:
        yield steps
    finally:
        outputs._Steps.__call__ = original  # type: ignore[method-assign]


def timeline_report(steps: list[tuple[float, float, str]]) -> str:
    """The steps by their start: start -> end (seconds) and name."""
    return "".join(f"{start:7.1f} -> {end:7.1f} s ({end - start:5.1f} s)  {name}\n" for start, end, name in sorted(steps))


@contextmanager
def spans(targets: tuple[tuple[str, str], ...] = SPANS) -> Iterator[list[tuple[float, float, str, str]]]:
    """Each call of the functions ``targets`` as (start, end, "module.attribute", thread name), seconds from the
    block's start, while the block runs (``wrapped``)."""
    calls: list[tuple[float, float, str, str]] = []
    origin = time.perf_counter()

    def wrap(label: str, function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)
        def run(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                calls.append((start - origin, time.perf_counter() - origin, label, threading.current_thread().name))
        return run

    with wrapped([(module, path, f"{module.rsplit('.', 1)[-1]}.{path}") for module, path in targets], wrap):
        yield calls


def spans_report(calls: list[tuple[float, float, str, str]]) -> str:
    """The calls by their first start: start -> end (seconds), the function and its thread; a function called more
    than once on a thread as one line with the seconds summed and the number of calls."""
    merged: dict[tuple[str, str], list[float]] = {}
    for start, end, label, thread in calls:
        line = merged.setdefault((label, thread), [start, end, 0.0, 0])
        line[0], line[1] = min(line[0], start), max(line[1], end)
        line[2] += end - start
        line[3] += 1
    return "".join(
        f"{start:7.1f} -> {end:7.1f} s ({spent:5.1f} s)  fn {label} [{thread}]"
        + (f" ({int(count)} calls)" if count > 1 else "") + "\n"
        for (label, thread), (start, end, spent, count) in sorted(merged.items(), key=lambda item: item[1][0]))


def report(profiles: dict[str, cProfile.Profile], spent: dict[int, list[float]], lines: int) -> str:
    """The profiles, most cumulative time first, and the collector's time."""
    out = io.StringIO()
    for name, profile in profiles.items():
        out.write(f"===== {name}\n")
        pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(lines)
    out.write("cyclic collector: " + ", ".join(
        f"generation {g} {s:.2f} s in {int(n)} collections" for g, (s, n) in spent.items()) + "\n")
    return out.getvalue()


def drop_page_cache() -> None:
    """Write back and drop the kernel's clean page cache (``/proc/sys/vm/drop_caches``), or say why not."""
    os.sync()
    try:
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
    except OSError as error:
        raise SystemExit(f"--cold: cannot drop the page cache ({error}); run as root") from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus")
    parser.add_argument("out")
    parser.add_argument("--change", choices=CHANGES, help="change one description first, as the benchmark does")
    parser.add_argument("--lines", type=int, default=40, help="lines of each profile (default 40)")
    parser.add_argument("--only", choices=(*PROFILED, *NETWORK),
                        help="profile this one alone (one called inside another profiled one shows in that one)")
    parser.add_argument("--cold", action="store_true",
                        help="drop the page cache first (root only), as the benchmark's full build between leaves it")
    parser.add_argument("--timeline", action="store_true",
                        help="profile nothing; print when each output step began and ended")
    parser.add_argument("--spans", action="store_true",
                        help="with --timeline: the calls of the functions of SPANS too, with their threads")
    args = parser.parse_args(argv)
    if args.spans and not args.timeline:
        parser.error("--spans goes with --timeline")
    amount = random.randrange(100_000, 10_000_000) if args.change == "amount" else None
    changed = changed_description(Path(args.corpus), args.change, amount) if args.change else nullcontext()
    os.sync()
    if args.cold:
        drop_page_cache()
    if args.timeline:
        with changed, timeline() as steps, spans(SPANS if args.spans else ()) as calls:
            measured = run_command(args.corpus, args.out, incremental="yes")
        print(timeline_report(steps), end="")
        print(spans_report(calls), end="")
        print(f"build stage {measured['build']:.1f} s, outputs {measured['outputs']:.1f} s")
        return 0
    names = PROFILED if args.only is None else tuple(name for name in PROFILED if name == args.only)
    network = tuple(NETWORK) if args.only is None else tuple(name for name in NETWORK if name == args.only)
    with changed, profiled(names, network=network) as profiles, collector_time() as spent:
        measured = run_command(args.corpus, args.out, incremental="yes")
    print(report(profiles, spent, args.lines))
    print(f"build stage {measured['build']:.1f} s, outputs {measured['outputs']:.1f} s (profiled)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
