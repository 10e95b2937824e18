"""atomic_copy_file: a hard link where it can, and no name left behind."""

from __future__ import annotations

from pathlib import Path

from esrgraph.io.atomic import atomic_copy_file


def test_copying_onto_a_link_of_the_same_file_leaves_no_extra_name(tmp_path: Path) -> None:
    source, target = tmp_path / "kept.ttl", tmp_path / "out" / "collaboration.ttl"
    source.write_bytes(b"<a> <b> <c> .\n")
    atomic_copy_file(source, target)
    atomic_copy_file(source, target)  # the target is a name of the source's file now: rename() does nothing
    assert sorted(p.name for p in target.parent.iterdir()) == ["collaboration.ttl"]
    assert target.read_bytes() == source.read_bytes()
    assert target.stat().st_ino == source.stat().st_ino or target.stat().st_nlink == 1
