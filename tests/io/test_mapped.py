"""A mapped file's pages, once read and let go, do not count as the process's memory (Linux: VmRSS)."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pytest

from esrgraph.io.mapped import let_go, mapped

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads VmRSS from /proc")

SIZE = 48 << 20


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def _sorted_ntriples(path: Path) -> None:
    """Sorted N-Triples of SIZE bytes: subjects of 50 triples each (so a table of subjects stays small)."""
    line = b"<https://example.org/s%08d> <https://example.org/p%02d> \"%s\" .\n"
    with open(path, "wb") as handle:
        n = 0
        while handle.tell() < SIZE:
            handle.write(b"".join(line % (n + k, p, b"x" * 60) for k in range(200) for p in range(50)))
            n += 200


def test_read_pages_let_go_leave_the_resident_set(tmp_path: Path) -> None:
    path = tmp_path / "g.nt"
    _sorted_ntriples(path)
    with open(path, "rb") as handle, mapped(handle) as data:
        before = _rss_mib()
        hashlib.sha256(data).digest()
        grown = _rss_mib() - before
        let_go(data, 0, len(data))
        left = _rss_mib() - before
    assert grown > 32  # reading counted the pages: the test can see what it checks
    assert left < 8


def test_the_release_pieces_and_the_store_scan_let_the_file_go(tmp_path: Path) -> None:
    from esrgraph.publish.pieces import PieceSet, PieceSettings
    from esrgraph.sparql.store import _Table

    path = tmp_path / "g.nt"
    _sorted_ntriples(path)
    before = _rss_mib()
    with PieceSet(path, PieceSettings("https://example.org/", {}), scratch=tmp_path, workers=0) as made:
        assert len(made.keys) > 5
        assert _rss_mib() - before < 16  # every chunk hashed; none of it resident
    with open(path, "rb") as handle, mapped(handle) as data:
        before = _rss_mib()
        table = _Table.scan(data, {}, blank_free=True)
        assert table is not None and len(table) > 5_000
        assert _rss_mib() - before < 16  # the table of subjects, not the 48 MiB of the file
