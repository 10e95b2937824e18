"""io.pagecache: the cached pages of files about to be replaced are let go of, and nothing else is touched."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from esrgraph.io.pagecache import drop_cached
from repo_paths import REPO


def _cached_pages(path: Path) -> int:
    """Pages of ``path`` in the page cache, as util-linux's fincore counts them."""
    shown = subprocess.run(["fincore", "--raw", "--noheadings", "--output", "PAGES", str(path)], capture_output=True,
                           text=True, check=True)
    return int(shown.stdout.split()[0])


@pytest.mark.skipif(shutil.which("fincore") is None or not hasattr(os, "posix_fadvise"),
                    reason="needs util-linux's fincore and posix_fadvise to see the page cache")
def test_a_written_files_pages_leave_the_cache_and_its_bytes_stay(tmp_path: Path) -> None:
    path = tmp_path / "old.nt"
    data = os.urandom(4 << 20)
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())  # clean pages: the last build's files were synced
    assert _cached_pages(path) > 0
    drop_cached([path])
    assert _cached_pages(path) == 0
    assert path.read_bytes() == data


def test_other_kinds_of_file_are_passed_over_without_waiting(tmp_path: Path) -> None:
    """OUT is the user's folder: a FIFO named like a graph file must not hang the build, a link is not followed."""
    fifo, link, folder = tmp_path / "esrgraph.nt", tmp_path / "esrgraph.ttl", tmp_path / "release"
    os.mkfifo(fifo)
    target = tmp_path / "elsewhere"
    target.write_bytes(b"x")
    link.symlink_to(target)
    folder.mkdir()
    done = threading.Event()

    def drop() -> None:
        drop_cached([fifo, link, folder, tmp_path / "missing"])
        done.set()

    threading.Thread(target=drop, daemon=True).start()
    assert done.wait(10), "drop_cached waited on a FIFO"
    assert target.read_bytes() == b"x"


def test_a_sharded_rebuild_lets_go_of_the_last_graph_files_before_it_merges(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    import esrgraph.pipeline.sharded.build as sharded
    from esrgraph.pipeline.build import build
    from esrgraph.pipeline.result import BuildOptions

    out = tmp_path / "out"
    out.mkdir()
    dropped: list[list[Path]] = []
    merged: list[bool] = []
    merge = sharded.merge_blocks

    def recorded(paths: list[Path]) -> None:
        dropped.append(list(paths))
        assert not merged, "dropped after the merge"

    def merging(*args: object) -> None:
        merged.append(True)
        merge(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(sharded, "drop_cached", recorded)
    monkeypatch.setattr(sharded, "merge_blocks", merging)
    build([REPO / "data" / "samples"], BuildOptions(shards=2, workers=2), out_dir=out)
    assert dropped == [[out / "esrgraph.ttl", out / "esrgraph.nt"]] and merged == [True]
