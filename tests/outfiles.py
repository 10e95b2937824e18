"""A build folder's files for byte-for-byte comparisons, with its query store compared by content.

``OUT/.store/`` is Oxigraph's RocksDB store: its generation names and file bytes differ between two equal
builds (they hold times and RocksDB's own sequence numbers), so it stands in the comparison as its triples,
sorted N-Triples, which two equal builds must share. ``OUT/.cache/`` (the build cache) is left out.
"""

from __future__ import annotations

from pathlib import Path

from pyoxigraph import DefaultGraph, RdfFormat, Store

from esrgraph.sparql.store import STORE_DIR, build_store_info

#: The key the store's content has in ``build_files``.
STORE_CONTENT = f"{STORE_DIR} (its triples, sorted)"


def store_content(out: Path) -> bytes | None:
    """The triples of OUT's query store as sorted N-Triples, or None when OUT has none."""
    info = build_store_info(out)
    if info is None:
        return None
    dump = Store.read_only(str(info.path)).dump(format=RdfFormat.N_TRIPLES, from_graph=DefaultGraph()) or b""
    return b"".join(sorted(dump.splitlines(keepends=True)))


def build_files(out: Path) -> dict[str, bytes]:
    """Every file of ``out`` by relative path, but the store (as ``STORE_CONTENT``) and the build cache."""
    files = {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
             if p.is_file() and p.relative_to(out).parts[0] not in (STORE_DIR, ".cache")}
    content = store_content(out)
    if content is not None:
        files[STORE_CONTENT] = content
    return files
