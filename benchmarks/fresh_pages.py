"""What writing costs in fresh pages of memory, against pages another file let go of a moment before.

    .venv/bin/python -m benchmarks.fresh_pages [--mb 480] [--wait 5] [--folder /tmp]

Writes a file of ``--mb`` MB three times and prints each one's wall time and this process's system time: into a
new file while the old one's pages stay cached; right after the first file's cached pages were dropped
(``io.pagecache.drop_cached``, as a rebuild drops the files it replaces); and again ``--wait`` seconds after
another drop. On a virtual machine that hands free memory back to its host, the first and the last cost about
forty times the second (docs/decisions/20261205-page-cache.md); elsewhere the three are alike.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from esrgraph.io.pagecache import drop_cached

_BLOCK = 4 << 20


def write_timed(path: Path, mb: int, block: bytes) -> tuple[float, float]:
    """Write ``mb`` MB to ``path`` (not synced): wall and system seconds."""
    start, system = time.perf_counter(), os.times().system
    with open(path, "wb") as handle:
        for _ in range(max(1, (mb << 20) // len(block))):
            handle.write(block)
    return time.perf_counter() - start, os.times().system - system


def _synced(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())  # clean pages: only those can be dropped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, default=480)
    parser.add_argument("--wait", type=float, default=5.0, help="seconds between the last drop and write")
    parser.add_argument("--folder", default=None, help="where to write (default: the system's temporary folder)")
    args = parser.parse_args(argv)
    block = os.urandom(_BLOCK)
    with tempfile.TemporaryDirectory(dir=args.folder) as folder:
        first, second, third = (Path(folder) / name for name in ("first", "second", "third"))
        rows = [("into fresh pages", write_timed(first, args.mb, block))]
        _synced(first)
        drop_cached([first])
        rows.append(("right after another file's pages were dropped", write_timed(second, args.mb, block)))
        _synced(second)
        drop_cached([second])
        time.sleep(args.wait)
        rows.append((f"{args.wait:g} s after another file's pages were dropped", write_timed(third, args.mb, block)))
    for label, (wall, system) in rows:
        print(f"{args.mb} MB {label}: {wall:.2f} s, system {system:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
