"""Full build and one-record rebuild at several shard counts: what the shard size trades.

    .venv/bin/python -m benchmarks.shard_sizes CORPUS --shards 30,100

For each count it copies CORPUS (a folder of generated descriptions, benchmarks/generate.py) into a
temporary folder, builds the copy with a fresh build cache, changes one record's name, and rebuilds
with the cache; CORPUS itself is not touched. It prints one line per count: full build and rebuild in seconds (the graph files written into OUT, as
`benchmarks/run.py` times them) and the rebuild's share. The figures behind
docs/decisions/20261202-smaller-shards.md.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from esrgraph.pipeline.build import build
from esrgraph.pipeline.result import BuildOptions


def timed_build(corpus: Path, out: Path, cache: Path, shards: int) -> float:
    start = time.perf_counter()
    result = build([str(corpus)], BuildOptions(cache_dir=str(cache), shards=shards))
    result.write_graph(out)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--shards", default="30,100", help="shard counts, comma-separated")
    args = ap.parse_args()
    os.environ["CI"] = "1"  # no progress lines
    for shards in (int(s) for s in args.shards.split(",") if s):
        with tempfile.TemporaryDirectory(prefix="esrgraph-shards-") as work:
            corpus, cache = Path(work) / "corpus", Path(work) / "cache"
            shutil.copytree(args.corpus, corpus)
            files = sorted(corpus.rglob("*.txt"))
            victim = files[len(files) // 2]
            os.sync()  # neither build pays for an earlier run's writeback
            full = timed_build(corpus, Path(work) / "full", cache, shards)
            victim.write_bytes(victim.read_bytes().replace(b"Hankkeen nimi: ", b"Hankkeen nimi: Muutettu "))
            shutil.rmtree(Path(work) / "full")
            os.sync()
            rebuild = timed_build(corpus, Path(work) / "rebuild", cache, shards)
        print(f"{shards} shards: full build {full:.1f} s, rebuild after one change {rebuild:.1f} s "
              f"= {100 * rebuild / full:.1f} %", flush=True)


if __name__ == "__main__":
    main()
