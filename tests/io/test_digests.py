"""A file's SHA-256 is read once while the file stays as it was, and again once it changed."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import pytest

from esrgraph.io import digests


def _counting_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    reads: list[int] = []
    real = hashlib.file_digest

    def counted(handle, digest):  # type: ignore[no-untyped-def]
        reads.append(1)
        return real(handle, digest)

    monkeypatch.setattr(digests.hashlib, "file_digest", counted)
    return reads


def test_a_hard_link_is_read_once_and_a_replaced_or_edited_file_again(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    reads = _counting_reads(monkeypatch)
    graph = tmp_path / "esrgraph.ttl"
    graph.write_bytes(b"a" * 1000)
    os.link(graph, tmp_path / "linked.ttl")
    expected = hashlib.sha256(b"a" * 1000).hexdigest()
    with open(graph, "rb") as handle:
        handle.read(10)  # a handle not at its start still gives the whole file's digest
        assert digests.sha256_of_open(handle) == expected
    assert digests.sha256_of(tmp_path / "linked.ttl") == expected
    assert len(reads) == 1
    replacement = tmp_path / "new.ttl"
    replacement.write_bytes(b"b" * 1000)
    os.replace(replacement, graph)  # another inode, as an atomic write gives
    assert digests.sha256_of(graph) == hashlib.sha256(b"b" * 1000).hexdigest()
    before = graph.stat().st_mtime_ns
    with open(graph, "r+b") as handle:  # edited in place: same inode and size, other times
        handle.write(b"c")
    os.utime(graph, ns=(before + 10**9, before + 10**9))  # a later edit (the clock's tick can be coarser than a test)
    assert digests.sha256_of(graph) == hashlib.sha256(b"c" + b"b" * 999).hexdigest()
    assert len(reads) == 3


def test_threads_asking_at_once_share_one_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reads = _counting_reads(monkeypatch)
    graph = tmp_path / "g.nt"
    graph.write_bytes(os.urandom(1 << 20))
    answers: list[str] = []
    threads = [threading.Thread(target=lambda: answers.append(digests.sha256_of(graph))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert answers == [hashlib.sha256(graph.read_bytes()).hexdigest()] * 8
    assert len(reads) == 1


def test_a_failed_reading_is_not_remembered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    graph = tmp_path / "g.nt"
    graph.write_bytes(b"x")
    real = hashlib.file_digest

    def failing(handle, digest):  # type: ignore[no-untyped-def]
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(digests.hashlib, "file_digest", failing)
    with pytest.raises(OSError):
        digests.sha256_of(graph)
    monkeypatch.setattr(digests.hashlib, "file_digest", real)
    assert digests.sha256_of(graph) == hashlib.sha256(b"x").hexdigest()
