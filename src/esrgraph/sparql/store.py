"""The persistent query store of a build folder: ``OUT/.store/``, a RocksDB Oxigraph store beside the graph files.

Loading OUT/esrgraph.ttl into memory for every query takes 20 s at 30,000 projects; opening an on-disk store
read-only takes 0.04 s. The store answers as ``load_store(OUT)`` would: OUT/esrgraph.ttl and, when present,
OUT/collaboration.ttl in one default graph.

Layout::

    OUT/.store/store.json          manifest: the generation in use, its triple count, and for each graph file
                                   it was made from its size, mtime_ns, inode and SHA-256
    OUT/.store/lock                fcntl lock: one process makes or changes the store at a time
    OUT/.store/g<hex>/             one RocksDB folder per generation
    OUT/.store/g<hex>.subjects     beside it: subject -> digest of its N-Triples lines (incremental updates)

Oxigraph calls reading a database while another process writes it undefined behaviour, so a generation is
never written once the manifest names it: a change makes a new generation (a checkpoint of the old one, whose
immutable files are hard links, then edited), the manifest is replaced atomically, and older generations are
removed. A process that opened an older generation keeps reading it: on Linux (and POSIX file systems) removed
files stay readable through the open descriptors, and RocksDB opens a read-only database's files when it
opens it. Nothing answers from a store whose recorded graph files differ from the ones in OUT: equal stat
means unchanged, different stat means comparing SHA-256 (a touched file with the same bytes stays fresh).
"""

from __future__ import annotations

import bisect
import fcntl
import gc
import hashlib
import json
import mmap
import os
import re
import shutil
import time
import warnings
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pyoxigraph import BlankNode, NamedNode, Quad, RdfFormat, Store, Triple, parse

from esrgraph.core.errors import InputError
from esrgraph.io.atomic import atomic_write_bytes
from esrgraph.io.digests import sha256_of_open
from esrgraph.io.mapped import let_go, mapped
from esrgraph.io.pagecache import drop_cached
from esrgraph.sparql.queries import DERIVED_FILES

#: The manifest's format; a manifest of another format is ignored and the store made again.
FORMAT = 1
STORE_DIR = ".store"
MANIFEST = "store.json"
LOCK = "lock"
#: The graph files a build folder's store holds: the first is required, the others are loaded when present.
MAIN_GRAPH = "esrgraph.ttl"
GRAPH_FILES = (MAIN_GRAPH, *DERIVED_FILES)
#: Subjects per chunk of the subjects table: an unchanged chunk is checked with one hash of its bytes.
CHUNK_SUBJECTS = 1024
#: More changed subjects than this share of all subjects: a full load is faster than deleting and adding.
MAX_CHANGED_SHARE = 1 / 3
#: Compact a store after loading it whole. Bulk loading leaves many overlapping files: at 30,000 projects the
#: named queries then take 2-3.5 s; compacted (8.7 s more on a 34 s load), 0.5-0.9 s (benchmarks/store.py).
OPTIMIZE_FULL_LOADS = True
#: Subjects deleted in one SPARQL update.
_DELETE_BATCH = 500

_GENERATION = re.compile(r"^g[0-9a-f]+$")
#: One subject's lines in sorted N-Triples: an IRI subject, then every following line with the same subject.
_BLOCK = re.compile(rb"<([^>\s\\]*)> [^\n]*\n(?:<\1> [^\n]*\n)*")


class DerivedGraph(Protocol):
    """The derived graph files (``DERIVED_FILES``) as the build that wrote them knows them, so that the store's update
    reads neither them nor their unchanged subjects' triples (esrgraph.publish.network_parts keeps each part's)."""

    def digests(self) -> dict[str, str]:
        """Every subject's ``subject_digest``, by subject IRI."""
        ...

    def triples_of(self, subjects: Collection[str]) -> dict[str, list[Triple]]:
        """The triples of those of ``subjects`` the derived graph holds, by subject IRI."""
        ...


class StoreWarning(UserWarning):
    """The store of a build folder cannot be used or made; the graph is loaded into memory instead."""


Notice = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class GraphFile:
    """A graph file the store was made from, as it was then."""

    name: str
    size: int
    mtime_ns: int
    inode: int
    sha256: str

    def same_stat(self, st: os.stat_result) -> bool:
        return (self.size, self.mtime_ns, self.inode) == (st.st_size, st.st_mtime_ns, st.st_ino)


@dataclass(frozen=True, slots=True)
class StoreInfo:
    """A generation of a build folder's store."""

    #: The RocksDB folder, ``OUT/.store/<generation>``.
    path: Path
    generation: str
    triples: int
    files: tuple[GraphFile, ...]
    #: How the last update made it: "full" (loaded whole) or "incremental" (a checkpoint of the one before, edited).
    method: str = "full"
    #: Subjects deleted and added again by an incremental update.
    changed_subjects: int = 0
    #: After an incremental update: the generation it was made from, and the triples added or removed since
    #: (None when there were more than ``MAX_CHANGES_KEPT``), by which answers are kept (``AnswerCache.carry``).
    previous: str | None = None
    changes: frozenset[Triple] | None = None


@dataclass(frozen=True, slots=True)
class OpenedStore:
    """A store to query, and the generation it is (None: loaded into memory)."""

    store: Store
    info: StoreInfo | None


# --- the manifest --------------------------------------------------------------------------------------------


def store_folder(out: str | os.PathLike[str]) -> Path:
    return Path(out) / STORE_DIR


def _read_manifest(out: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((store_folder(out) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("pyoxigraph") != _oxigraph_version():
        return None
    generation = data.get("generation")
    if not isinstance(generation, str) or not _GENERATION.match(generation):
        return None
    return data


def _info_of(out: Path, manifest: dict[str, Any]) -> StoreInfo:
    files = tuple(GraphFile(name, int(f["size"]), int(f["mtime_ns"]), int(f["inode"]), str(f["sha256"]))
                  for name, f in sorted(manifest["files"].items()))
    return StoreInfo(store_folder(out) / manifest["generation"], manifest["generation"], int(manifest["triples"]),
                     files, str(manifest.get("method", "full")), int(manifest.get("changed_subjects", 0)))


def _write_manifest(out: Path, info: StoreInfo, table: bool) -> None:
    from esrgraph.core.version import __version__

    manifest = {
        "format": FORMAT,
        "esrgraph": __version__,
        "pyoxigraph": _oxigraph_version(),
        "generation": info.generation,
        "triples": info.triples,
        "subjects_table": f"{info.generation}.subjects" if table else None,
        "method": info.method,
        "changed_subjects": info.changed_subjects,
        "files": {f.name: {"size": f.size, "mtime_ns": f.mtime_ns, "inode": f.inode, "sha256": f.sha256}
                  for f in info.files},
    }
    atomic_write_bytes(store_folder(out) / MANIFEST, (json.dumps(manifest, indent=1, sort_keys=True) + "\n").encode())


def build_store_info(out: str | os.PathLike[str]) -> StoreInfo | None:
    """The generation the manifest of ``out`` names (in step with the graph files or not), or None."""
    manifest = _read_manifest(Path(out))
    return None if manifest is None else _info_of(Path(out), manifest)


def _oxigraph_version() -> str:
    import pyoxigraph

    return str(pyoxigraph.__version__)


# --- freshness ------------------------------------------------------------------------------------------------


def _graph_files(out: Path) -> list[Path]:
    main = out / MAIN_GRAPH
    if not main.is_file():
        raise InputError(str(main), "no such RDF file", "run `esrgraph build` first, or name a .ttl/.nt/.jsonld file")
    return [out / name for name in GRAPH_FILES if (out / name).is_file()]


def _stamp(path: Path) -> GraphFile:
    """The file as it is now; stat and digest read through one descriptor, so both describe the same file."""
    with open(path, "rb") as handle:
        st = os.fstat(handle.fileno())
        # the release hashes the same file (a hard link to it): io.digests reads it once
        return GraphFile(path.name, st.st_size, st.st_mtime_ns, st.st_ino, sha256_of_open(handle))


def _in_step(out: Path, info: StoreInfo) -> tuple[bool, tuple[GraphFile, ...] | None]:
    """Whether ``info`` holds the graph files of ``out`` now; and, when some were only touched, their new stamps."""
    paths = _graph_files(out)
    if sorted(p.name for p in paths) != sorted(f.name for f in info.files) or not info.path.is_dir():
        return False, None
    recorded = {f.name: f for f in info.files}
    stamps: list[GraphFile] = []
    touched = False
    for path in paths:
        old = recorded[path.name]
        try:
            st = path.stat()
        except OSError:
            return False, None
        if old.same_stat(st):
            stamps.append(old)
            continue
        if st.st_size != old.size:
            return False, None
        try:
            now = _stamp(path)
        except OSError:
            return False, None
        if now.sha256 != old.sha256:
            return False, None
        stamps.append(now)
        touched = True
    return True, (tuple(sorted(stamps, key=lambda f: f.name)) if touched else None)


# --- locking and writability ---------------------------------------------------------------------------------


@contextmanager
def store_lock(out: str | os.PathLike[str], *, wait: bool = True) -> Iterator[None]:
    """Hold the exclusive lock of ``out``'s store (waiting for another process holding it, when ``wait``).

    Raises:
        BlockingIOError: ``wait`` is False and another process holds the lock.
        OSError: the folder cannot be written (no store can be made there).
    """
    folder = store_folder(out)
    folder.mkdir(exist_ok=True)
    with open(folder / LOCK, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _writable(out: Path) -> bool:
    """Whether a store can be made in ``out`` (tried, not guessed: permissions, read-only mounts, root)."""
    folder = store_folder(out)
    try:
        folder.mkdir(exist_ok=True)
        with open(folder / LOCK, "a+b"):
            pass
        probe = folder / f".probe-{os.getpid()}"
        probe.mkdir()
        probe.rmdir()
    except OSError:
        return False
    return True


# --- opening -----------------------------------------------------------------------------------------------


def _warn(notice: Notice | None) -> Notice:
    if notice is not None:
        return notice
    return lambda message: warnings.warn(message, StoreWarning, stacklevel=4)


def open_build(out: str | os.PathLike[str], *, notice: Notice | None = None, build: bool = True) -> OpenedStore:
    """The store of the build folder ``out``, read-only, made (or made again) first when it is missing or stale.

    When ``out`` cannot be written and has no store in step with its graph files, or when ``build`` is False and
    the store is not in step, the graph files are loaded into memory instead, and ``notice`` is told why
    (default: a ``StoreWarning``).

    Raises:
        InputError: ``out`` has no esrgraph.ttl, or a graph file cannot be read as RDF.
    """
    folder = Path(out)
    tell = _warn(notice)
    for _ in range(3):  # a writer may switch generations between our reading the manifest and opening one
        manifest = _read_manifest(folder)
        if manifest is not None:
            info = _info_of(folder, manifest)
            fresh, touched = _in_step(folder, info)
            if fresh:
                if touched is not None:
                    _restamp(folder, info, touched)
                try:
                    return OpenedStore(Store.read_only(str(info.path)), info)
                except OSError:
                    continue
        else:
            _graph_files(folder)  # no esrgraph.ttl: say so before anything else
        if not build:
            tell(f"{folder}: its query store ({STORE_DIR}/) is not in step with its graph files; "
                 "loading them into memory")
            return OpenedStore(memory_store(folder), None)
        if not _writable(folder):
            tell(f"{folder} cannot be written, so its query store ({STORE_DIR}/) cannot be made: the graph is "
                 "loaded into memory for each query (slow for a large graph); run the query once where the folder "
                 "can be written, or `esrgraph build` it again, to make the store")
            return OpenedStore(memory_store(folder), None)
        try:
            ensure_build_store(folder, notice=notice)
        except OSError as exc:  # a full disk, say: answer all the same, from memory
            tell(f"{folder}: its query store ({STORE_DIR}/) cannot be made ({exc}); loading the graph into memory")
            return OpenedStore(memory_store(folder), None)
    tell(f"{folder}: its query store kept changing while it was opened; loading the graph into memory")
    return OpenedStore(memory_store(folder), None)


def open_build_store(out: str | os.PathLike[str], *, notice: Notice | None = None) -> Store:
    """The store of the build folder ``out`` (see ``open_build``)."""
    return open_build(out, notice=notice).store


def ensure_build_store(out: str | os.PathLike[str], *, notice: Notice | None = None) -> StoreInfo | None:
    """Make the store of ``out`` in step with its graph files (nothing to do when it is); its generation, or
    None when ``out`` cannot be written and holds no store in step (``notice`` is told)."""
    folder = Path(out)
    _graph_files(folder)
    if not _writable(folder):
        manifest = _read_manifest(folder)
        if manifest is not None and _in_step(folder, _info_of(folder, manifest))[0]:
            return _info_of(folder, manifest)
        _warn(notice)(f"{folder} cannot be written, so its query store ({STORE_DIR}/) cannot be made: the graph "
                      "is loaded into memory instead")
        return None
    with store_lock(folder):
        manifest = _read_manifest(folder)  # read under the lock: another process may just have made it
        if manifest is not None:
            info = _info_of(folder, manifest)
            fresh, touched = _in_step(folder, info)
            if fresh:
                if touched is not None:
                    info = _restamp_locked(folder, info, touched, manifest)
                return info
        if notice is not None:
            notice(f"building the query store of {folder} ({STORE_DIR}/): once after each change of its graph "
                   "files")
        return _update_locked(folder, None)


def _restamp(out: Path, info: StoreInfo, touched: tuple[GraphFile, ...]) -> None:
    """Record the new stat of touched-but-unchanged graph files, so the next open needs no digest."""
    if not _writable(out):
        return
    try:
        with store_lock(out, wait=False):  # a process changing the store now: leave it, the digest holds meanwhile
            manifest = _read_manifest(out)
            if manifest is not None and manifest["generation"] == info.generation:
                _restamp_locked(out, info, touched, manifest)
    except OSError:  # BlockingIOError is one
        pass


def _restamp_locked(out: Path, info: StoreInfo, touched: tuple[GraphFile, ...], manifest: dict[str, Any]) -> StoreInfo:
    new = StoreInfo(info.path, info.generation, info.triples, touched, info.method, info.changed_subjects)
    _write_manifest(out, new, bool(manifest.get("subjects_table")))
    return new


def memory_store(out: str | os.PathLike[str]) -> Store:
    """An in-memory store of the build folder's graph files (what ``load_store`` gives, for every graph file)."""
    from esrgraph.sparql.queries import load_store

    paths = _graph_files(Path(out))
    store = load_store(paths[0])
    for path in paths[1:]:
        try:
            store.bulk_load(path=str(path), format=RdfFormat.TURTLE)
        except (SyntaxError, ValueError, OSError) as exc:
            raise InputError(str(path), f"cannot be read as RDF: {exc}") from None
    return store


# --- updating -------------------------------------------------------------------------------------------------


def update_build_store(out: str | os.PathLike[str], *, ntriples: str | os.PathLike[str] | None = None,
                       lenient: bool = False, derived: DerivedGraph | None = None) -> StoreInfo:
    """Bring the store of ``out`` in step with its graph files, after a build wrote them.

    ``ntriples`` is the build's sorted N-Triples of esrgraph.ttl (the same triples; faster to read). With it, and a
    store made from the previous build's N-Triples, only the subjects whose lines changed are deleted and added
    again, in a checkpoint of the previous generation; without it, or when blank nodes appear, or when more than a
    third of the subjects changed, the graph files are loaded whole. ``lenient``: ``ntriples`` was written by
    this build from terms pyoxigraph made, so its IRIs are not checked again (a third faster to load). ``derived``:
    the build's own account of the derived files it wrote into ``out`` (with ``ntriples`` only), whose subjects'
    digests and changed triples are then not parsed from the files (4-6 s at 30,000 descriptions).

    Raises:
        InputError: no esrgraph.ttl in ``out``, or a graph file that is not RDF.
        OSError: ``out`` cannot be written.
    """
    folder = Path(out)
    _graph_files(folder)
    with store_lock(folder):
        return _update_locked(folder, Path(ntriples) if ntriples is not None else None, lenient and ntriples is not None,
                              derived)


def _new_generation(out: Path) -> str:
    while True:
        name = f"g{time.time_ns():x}"
        if not (store_folder(out) / name).exists():
            return name


def _update_locked(out: Path, ntriples: Path | None, lenient: bool = False,
                   derived: DerivedGraph | None = None) -> StoreInfo:
    stamps = tuple(sorted((_stamp(p) for p in _graph_files(out)), key=lambda f: f.name))
    extra = [out / f.name for f in stamps if f.name != MAIN_GRAPH]
    manifest = _read_manifest(out)
    previous = _info_of(out, manifest) if manifest is not None and (store_folder(out) / manifest["generation"]).is_dir() \
        else None
    generation = _new_generation(out)
    target = store_folder(out) / generation
    try:
        table: _Table | None = None
        info: StoreInfo | None = None
        blank_free = False  # whether the N-Triples hold no blank node (then they may be loaded by slices)
        if ntriples is not None:
            with open(ntriples, "rb") as handle, mapped(handle) as data:
                old = _Table.read(store_folder(out) / f"{previous.generation}.subjects") \
                    if previous is not None and manifest is not None and manifest.get("subjects_table") else None
                collab: dict[str, list[Triple]] | None = None
                if old is not None and previous is not None and _derived(previous.files) == _derived(stamps):
                    digests: dict[str, str] | None = old.collab  # the derived files as before: not read again
                elif derived is not None:
                    digests = derived.digests()
                else:
                    collab = _collab_groups(extra)
                    digests = _collab_digests(collab) if collab is not None else None
                diff = old.diff(data, digests) if old is not None and digests is not None else None
                # A diff found no blank node: its table's chunks were free of them, and it looked in what changed.
                # Else the whole file is searched (any "_:", even inside a literal, counts).
                blank_free = diff is not None or _blank_free(data)
                if diff is None:
                    table = _Table.scan(data, digests, blank_free)
                else:
                    table = diff.table
                    if previous is not None and not diff.changed:  # the same triples: keep the generation
                        info = StoreInfo(previous.path, previous.generation, previous.triples, stamps, "unchanged", 0)
                        generation = previous.generation
                    elif previous is not None and len(diff.changed) <= MAX_CHANGED_SHARE * max(1, len(table)):
                        if collab is None and not diff.changed.isdisjoint(diff.table.collab):
                            # a changed subject has derived triples to add again
                            collab = derived.triples_of(diff.changed & diff.table.collab.keys()) \
                                if derived is not None else _collab_groups(extra)
                        info = _apply(previous, target, generation, stamps, data, diff, collab or {}, lenient)
        if info is None:
            info = _load_whole(target, generation, stamps, ntriples or out / MAIN_GRAPH, extra, lenient,
                               sliced=lenient and blank_free)
        if table is not None:
            if previous is not None:  # the last table, read: its pages hold the new one (io.pagecache)
                drop_cached([store_folder(out) / f"{previous.generation}.subjects"])
            table.write(store_folder(out) / f"{generation}.subjects")
        _write_manifest(out, info, table is not None)
    except BaseException:
        if previous is None or generation != previous.generation:
            shutil.rmtree(target, ignore_errors=True)
            (store_folder(out) / f"{generation}.subjects").unlink(missing_ok=True)
        raise
    _remove_other_generations(out, generation)
    return info


def _blank_free(data: bytes | mmap.mmap) -> bool:
    """Whether no "_:" occurs in ``data``, searched ``_LET_GO_BYTES`` at a time with each window's pages let go as
    it is done: one search over the whole mapping held every page of a 3.9 GB file in this process's resident set
    at once (the whole command peaked at 6.6 GB at 100,000 descriptions for it, against 4.2 GB otherwise)."""
    size = len(data)
    for start in range(0, size, _LET_GO_BYTES):
        end = min(size, start + _LET_GO_BYTES + 1)  # one byte over: a "_:" across the window's end is found
        found = data.find(b"_:", start, end)
        let_go(data, start, end)
        if found != -1:
            return False
    return True


def _load_whole(target: Path, generation: str, stamps: tuple[GraphFile, ...], main: Path,
                extra: list[Path], lenient: bool = False, *, sliced: bool = False) -> StoreInfo:
    """A new generation with the graph files loaded whole; ``lenient``: ``main`` is the build's own N-Triples;
    ``sliced``: and they hold no blank node, so they may be given to the loader by slices."""
    store = Store(str(target))
    for path, fmt, trusted in [(main, RdfFormat.N_TRIPLES if main.suffix == ".nt" else RdfFormat.TURTLE, lenient)] + [
            (p, RdfFormat.TURTLE, False) for p in extra]:
        try:
            if sliced and path == main:
                _bulk_load_by_slices(store, path)
            else:
                store.bulk_load(path=str(path), format=fmt, lenient=trusted)
        except (SyntaxError, ValueError) as exc:
            raise InputError(str(path), f"cannot be read as RDF: {exc}") from None
    if OPTIMIZE_FULL_LOADS:
        store.optimize()
    triples = len(store)
    store.flush()
    del store  # RocksDB closes the database here: nobody may read it while it is open for writing
    gc.collect()
    return StoreInfo(target, generation, triples, stamps, "full", 0)


#: Bytes of N-Triples given to Oxigraph's bulk loader at a time: its buffers grow with what one call loads (about
#: 1.9 GB for 1.1 GB of N-Triples, 4.1 GB for 3.8 GB), and are about 0.6 GB for slices of this size.
NTRIPLES_SLICE = 128 << 20


def _bulk_load_by_slices(store: Store, path: Path) -> None:
    """Load the build's own N-Triples, which hold no blank node (whose label names one node only within one
    load), by slices of whole lines (``NTRIPLES_SLICE``), so the loader's memory does not grow with the file.
    Read, not mapped: the file's pages would count as the process's memory."""
    with open(path, "rb") as handle:
        rest = b""
        while chunk := handle.read(NTRIPLES_SLICE):
            data = rest + chunk
            cut = data.rfind(b"\n") + 1  # whole lines only; the rest goes with the next slice
            rest = data[cut:]
            if cut:
                store.bulk_load(input=data[:cut], format=RdfFormat.N_TRIPLES, lenient=True)
        if rest:
            store.bulk_load(input=rest, format=RdfFormat.N_TRIPLES, lenient=True)


def _apply(old: StoreInfo, target: Path, generation: str, stamps: tuple[GraphFile, ...], data: bytes | mmap.mmap,
           diff: _Diff, collab: dict[str, list[Triple]], lenient: bool = False) -> StoreInfo:
    """The new generation: a checkpoint of ``old`` (hard links) with the changed subjects deleted and added again."""
    Store.read_only(str(old.path)).backup(str(target))
    gc.collect()
    store = Store(str(target))
    subjects = sorted(diff.changed)
    removed, before = _triples_of(store, subjects)
    for start in range(0, len(subjects), _DELETE_BATCH):
        values = " ".join(f"<{s}>" for s in subjects[start:start + _DELETE_BATCH])
        store.update(f"DELETE {{ ?s ?p ?o }} WHERE {{ VALUES ?s {{ {values} }} ?s ?p ?o }}")
    blocks = b"".join(data[a:b] for a, b in (diff.span_of(s) for s in subjects) if b > a)
    if blocks:
        store.bulk_load(input=blocks, format=RdfFormat.N_TRIPLES, lenient=lenient)
    added_extra = [Quad(t.subject, t.predicate, t.object) for s in subjects for t in collab.get(s, ())]
    if added_extra:
        store.extend(added_extra)
    added, after = _triples_of(store, subjects)
    store.flush()
    del store
    gc.collect()
    changes = before ^ after if before is not None and after is not None else None
    return StoreInfo(target, generation, old.triples - removed + added, stamps, "incremental", len(subjects),
                     old.generation, frozenset(changes) if changes is not None else None)


#: Changed triples an incremental update keeps for its answers (``StoreInfo.changes``); past it, none are kept.
MAX_CHANGES_KEPT = 100_000


def _triples_of(store: Store, subjects: list[str]) -> tuple[int, set[Triple] | None]:
    """How many triples ``subjects`` have (in any graph: the build's store holds the default graph only), and
    which, unless they are more than ``MAX_CHANGES_KEPT``."""
    count = 0
    kept: set[Triple] | None = set()
    for s in subjects:
        for quad in store.quads_for_pattern(NamedNode(s), None, None):
            count += 1
            if kept is not None:
                kept.add(quad.triple)
                if len(kept) > MAX_CHANGES_KEPT:
                    kept = None
    return count, kept


def _remove_other_generations(out: Path, keep: str) -> None:
    """Remove the generations the manifest no longer names (a process reading one keeps its open files)."""
    for entry in store_folder(out).iterdir():
        name = entry.name.removesuffix(".subjects")
        if name != keep and _GENERATION.match(name):
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)


# --- the subjects table ------------------------------------------------------------------------------------


def _digest(data: bytes | memoryview) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def _collab_groups(paths: list[Path]) -> dict[str, list[Triple]] | None:
    """The triples of the derived graph files by subject IRI; None when one has a blank node (no shortcut)."""
    groups: dict[str, list[Triple]] = {}
    last, group = "", list[Triple]()  # a sorted file gives each subject's triples together: one lookup per subject
    for path in paths:
        try:
            for quad in parse(path=str(path), format=RdfFormat.TURTLE):
                subject, kind = quad.subject, type(quad.object)
                if type(subject) is not NamedNode or kind is BlankNode or kind is Triple:
                    return None
                if subject.value != last or not group:
                    last = subject.value
                    group = groups.setdefault(last, [])
                group.append(quad.triple)
        except (SyntaxError, ValueError) as exc:
            raise InputError(str(path), f"cannot be read as RDF: {exc}") from None
    return groups


def _derived(files: tuple[GraphFile, ...]) -> set[tuple[str, str]]:
    """The derived graph files (collaboration.ttl) by name and SHA-256: when they are as before, their subjects'
    digests are the table's, and they are not parsed again."""
    return {(f.name, f.sha256) for f in files if f.name != MAIN_GRAPH}


def subject_digest(triples: Iterable[Triple]) -> str:
    """The digest of one subject's triples in a derived graph file, as the subjects table keeps it."""
    return _digest("\n".join(sorted(str(t) for t in triples)).encode()).hex()


def _collab_digests(collab: dict[str, list[Triple]]) -> dict[str, str]:
    return {s: subject_digest(ts) for s, ts in collab.items()}


def _at(data: bytes | mmap.mmap, pos: int, prefix: bytes) -> bool:
    """Whether ``data`` holds ``prefix`` at ``pos`` (an mmap has no startswith)."""
    return data[pos:pos + len(prefix)] == prefix


@dataclass(slots=True)
class _Chunk:
    """Consecutive subjects of the N-Triples file: their bytes' length and SHA-256, and each subject's entry."""

    nbytes: int
    count: int
    digest: bytes
    #: ``subject-iri length blake2b-hex\n`` per subject, in file order.
    blob: bytes

    @property
    def first(self) -> bytes:
        return self.blob[: self.blob.index(b" ")]

    @property
    def last(self) -> bytes:
        start = self.blob.rfind(b"\n", 0, len(self.blob) - 1) + 1
        return self.blob[start: self.blob.index(b" ", start)]

    def entries(self) -> dict[bytes, tuple[int, bytes]]:
        out: dict[bytes, tuple[int, bytes]] = {}
        for line in self.blob.splitlines():
            subject, length, digest = line.split(b" ")
            out[subject] = (int(length), bytes.fromhex(digest.decode()))
        return out


class _Table:
    """The subjects of a generation's sorted N-Triples in chunks, and the derived graph's subjects' digests."""

    MAGIC = b"esrgraph-subjects 1\n"

    def __init__(self, chunks: list[_Chunk], collab: dict[str, str]) -> None:
        self.chunks = chunks
        self.collab = collab

    def __len__(self) -> int:
        return sum(c.count for c in self.chunks) + len(self.collab)

    @classmethod
    def read(cls, path: Path) -> _Table | None:
        try:
            data = path.read_bytes()
        except OSError:
            return None
        if not data.startswith(cls.MAGIC):
            return None
        try:
            pos = len(cls.MAGIC)
            chunks: list[_Chunk] = []
            while not data.startswith(b"collab ", pos):
                end = data.index(b"\n", pos)
                nbytes, count, size, digest = data[pos:end].split(b" ")
                blob = data[end + 1: end + 1 + int(size)]
                if len(blob) != int(size) or not blob.endswith(b"\n"):
                    return None
                chunks.append(_Chunk(int(nbytes), int(count), bytes.fromhex(digest.decode()), blob))
                pos = end + 1 + int(size)
            end = data.index(b"\n", pos)
            lines = data[end + 1:].decode("utf-8").splitlines()
            collab = dict(line.rsplit(" ", 1) for line in lines)
            if len(collab) != int(data[pos + 7: end]):
                return None
        except ValueError:  # UnicodeDecodeError is one
            return None
        return cls(chunks, collab)

    def write(self, path: Path) -> None:
        parts = [self.MAGIC]
        for c in self.chunks:
            parts.append(b"%d %d %d %s\n" % (c.nbytes, c.count, len(c.blob), c.digest.hex().encode()))
            parts.append(c.blob)
        parts.append(b"collab %d\n" % len(self.collab))
        parts.extend(f"{s} {d}\n".encode() for s, d in sorted(self.collab.items()))
        atomic_write_bytes(path, b"".join(parts), durable=False)

    @classmethod
    def scan(cls, data: bytes | mmap.mmap, collab: dict[str, str] | None, blank_free: bool) -> _Table | None:
        """The table of ``data`` (sorted N-Triples, ``blank_free`` when no ``_:`` occurs in it) and of the derived
        graph's subjects' digests ``collab`` (``_collab_digests``); None when it cannot make incremental updates
        safe."""
        if collab is None or not blank_free:
            return None
        scanner = _Scanner(data, diffing=False)
        try:
            if not scanner.run(None, {}):
                return None
            return cls(scanner.flush(), collab)
        finally:
            scanner.view.release()

    def diff(self, data: bytes | mmap.mmap, digests: dict[str, str]) -> _Diff | None:
        """The table of ``data`` and the subjects that changed since this table; None: no shortcut possible."""
        scanner = _Scanner(data, diffing=True)
        try:
            for k, chunk in enumerate(self.chunks):
                if scanner.verify(chunk):
                    continue
                limit = self.chunks[k + 1].first if k + 1 < len(self.chunks) else None
                if not scanner.run(limit, chunk.entries()):
                    return None
            if not scanner.run(None, {}):
                return None
            chunks = scanner.flush()
        finally:
            scanner.view.release()
        changed = set(scanner.changed)
        changed.update(s for s in set(digests) | set(self.collab) if digests.get(s) != self.collab.get(s))
        return _Diff(_Table(chunks, digests), changed, scanner.starts)


@dataclass(slots=True)
class _Diff:
    """What changed between a table and new N-Triples."""

    table: _Table
    #: Subject IRIs to delete and add again (changed, added or removed, in either graph file).
    changed: set[str]
    #: Where each chunk of ``table`` starts in the new N-Triples.
    starts: list[int]

    def span_of(self, subject: str) -> tuple[int, int]:
        """Where ``subject``'s lines are in the new N-Triples ((0, 0): it has none there)."""
        key = subject.encode("utf-8")
        k = bisect.bisect_right([c.first for c in self.table.chunks], key) - 1
        if k < 0:
            return 0, 0
        pos = self.starts[k]
        for line in self.table.chunks[k].blob.splitlines():
            name, length, _ = line.split(b" ")
            if name == key:
                return pos, pos + int(length)
            pos += int(length)
        return 0, 0


#: How far the scanner reads before it lets the pages it read go (``esrgraph.io.mapped.let_go``).
_LET_GO_BYTES = 64 << 20


class _Scanner:
    """Walks sorted N-Triples once: checks whole chunks of an older table by one hash each and reads the rest
    subject by subject, collecting the new table's chunks and (when ``diffing``) the subjects that changed."""

    def __init__(self, data: bytes | mmap.mmap, *, diffing: bool) -> None:
        self.data = data
        self.view = memoryview(data)
        self.size = len(data)
        self.diffing = diffing
        self.pos = 0
        self.prev = b""
        self.chunks: list[_Chunk] = []
        self.starts: list[int] = []
        self.pending: list[bytes] = []
        self.pending_start = 0
        self.released = 0
        self.changed: list[str] = []

    def verify(self, chunk: _Chunk) -> bool:
        """Take ``chunk`` as it is when the bytes here are its bytes, its first and last subjects whole."""
        first, end = chunk.first, self.pos + chunk.nbytes
        if end > self.size or first <= self.prev or not _at(self.data, self.pos, b"<" + first + b"> "):
            return False
        if end < self.size and _at(self.data, end, b"<" + chunk.last + b"> "):
            return False
        if hashlib.sha256(self.view[self.pos:end]).digest() != chunk.digest:
            return False
        let_go(self.data, self.pos, end)
        self._flush_pending()
        self.chunks.append(chunk)
        self.starts.append(self.pos)
        self.pos, self.prev = end, chunk.last
        return True

    def run(self, limit: bytes | None, old: dict[bytes, tuple[int, bytes]]) -> bool:
        """Read subjects up to (not including) ``limit``, comparing with ``old`` (which it empties: what is left
        there was removed); False when the data is not sorted N-Triples with IRI subjects, or has blank nodes."""
        data, view, match = self.data, self.view, _BLOCK.match
        while self.pos < self.size:
            m = match(data, self.pos)
            if m is None:
                return False
            subject: bytes = m.group(1)
            if limit is not None and subject >= limit:
                break
            if subject <= self.prev:
                return False
            start, end = m.span()
            digest = _digest(view[start:end])
            if self.diffing:
                before = old.pop(subject, None)
                if before is None or before[1] != digest:
                    if data.find(b"_:", start, end) != -1:
                        return False
                    self.changed.append(subject.decode("utf-8"))
            if not self.pending:
                self.pending_start = start
            self.pending.append(b"%s %d %s\n" % (subject, end - start, digest.hex().encode()))
            self.pos, self.prev = end, subject
            if end - self.released >= _LET_GO_BYTES:  # what was read is not the process's memory any more
                let_go(data, self.released, end)
                self.released = end
        self.changed.extend(s.decode("utf-8") for s in old)
        old.clear()
        return True

    def _flush_pending(self) -> None:
        pos = self.pending_start
        for start in range(0, len(self.pending), CHUNK_SUBJECTS):
            lines = self.pending[start:start + CHUNK_SUBJECTS]
            nbytes = sum(int(line.split(b" ")[1]) for line in lines)
            self.chunks.append(_Chunk(nbytes, len(lines), hashlib.sha256(self.view[pos:pos + nbytes]).digest(),
                                      b"".join(lines)))
            let_go(self.data, pos, pos + nbytes)
            self.starts.append(pos)
            pos += nbytes
        self.pending = []

    def flush(self) -> list[_Chunk]:
        self._flush_pending()
        return self.chunks
