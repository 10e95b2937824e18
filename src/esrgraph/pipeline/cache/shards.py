"""Reuse of a sharded build's parts across builds (``esrgraph build --incremental`` on large inputs).

Why: a rebuild after one record of 30,000 changed should redo that record's shard, not
the corpus. Each part of a sharded build is a function of what it reads, so it is kept
under the SHA-256 of all of that:

- ``chunks``: a parse chunk's records, split by shard, keyed by its files' display names
  and bytes, the encoding and layout asked for and the shard count;
- ``map``: a project shard's mapped blocks and facts, keyed by the digests of its records
  and the mapping options; it also keeps the organisation-name index entries it looked
  up and what it found there, and is reused only when the new index answers the same;
- ``check``: a project shard's SHACL results, keyed by the shard's map key and lookups,
  the shared nodes and the organisation types it was validated with;
- ``org``: an organisation part's blocks and results, keyed by what each shard gives it
  (its mentions of the part's organisations, links to them, the linking projects' codes and
  locators), which each map worker digests in canonical form;
- ``common``: the nodes projects share that are not organisations (code lists, unresolved
  code-list texts, the PROV activity), keyed by the unresolved texts and the options.

The input files' digests are kept too (``file-digests.pickle``), by path with the file's stat
(device, inode, size, mtime, ctime): a rebuild reads only the files whose stat changed. So is the
shard count (``shard-count.txt``), which a rebuild keeps while it still fits the input.

Every key also covers esrgraph's source and resource files (code lists, shapes, ontology:
``fingerprint.program_fingerprint``), so a changed program never reuses a part. An entry is written under a temporary name and
renamed into place, so a killed build leaves none half-written; after a build, the entries
it did not use are removed, so the cache holds one build's parts. One build uses a cache
at a time (a lock file); a second waits.
"""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import io
import operator
import os
import pickle
import shutil
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import cache
from pathlib import Path
from stat import S_ISREG
from typing import Any, TypeVar, overload

from esrgraph.io.atomic import atomic_write_bytes
from esrgraph.io.digests import FileStat, stat_key
from esrgraph.pipeline.cache.fingerprint import program_fingerprint

KINDS = ("chunks", "map", "check", "org", "common")
_DIGESTS = "file-digests.pickle"
_SHARDS = "shard-count.txt"
_T = TypeVar("_T")


def digest(*parts: bytes | str) -> str:
    """SHA-256 of ``parts`` (each length-prefixed, so no two lists of parts share a digest).

    ``program_fingerprint`` is looked up here, in this module, when called (a test replaces it)."""
    h = hashlib.sha256(program_fingerprint().encode())
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big") + data)
    return h.hexdigest()


def stable_bytes(value: Any) -> bytes:
    """Pickled bytes that depend on ``value`` alone, not on which of its objects are shared
    (the pickler keeps no memo). Sets must come sorted (``with_sorted_sets``): pickling a set
    writes it in hash order, which differs between processes.
    """
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = True  # no memo: equal values, equal bytes
    pickler.dump(value)
    return buffer.getvalue()


def with_sorted_sets(item: Any) -> tuple[Any, ...]:
    """A dataclass instance as the tuple of its fields, each set as a sorted list."""
    kind: type = type(item)
    return tuple(sorted(v) if isinstance(v, (set, frozenset)) else v for v in _fields_of(kind)(item))


@cache
def _fields_of(cls: type) -> Callable[[Any], tuple[Any, ...]]:
    """A getter of a dataclass's field values (``dataclasses.fields`` per call was a large share of the
    time; docs/decisions/20261201-shard-cache.md)."""
    getter = operator.attrgetter(*(f.name for f in dataclasses.fields(cls)))
    return getter if len(dataclasses.fields(cls)) > 1 else lambda item: (getter(item),)


class RecordingIndex(Mapping[str, set[str]]):
    """The organisation-name index, remembering every key looked up and what was found.

    A shard's mapping depends on the index only through these look-ups (``Mapper._organisation``). It reads the
    index it is given, never a copy: a worker maps many shards with one index, and copied for each shard it would
    cost each shard time in proportion to the whole input (as loading it for each shard did; docs/performance.md,
    session 25).
    """

    def __init__(self, index: Mapping[str, set[str]]) -> None:
        self._index = index
        self.lookups: dict[str, tuple[str, ...]] = {}

    def __getitem__(self, key: str) -> set[str]:
        return self._index[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    @overload
    def get(self, key: str, default: None = None, /) -> set[str] | None: ...
    @overload
    def get(self, key: str, default: set[str], /) -> set[str]: ...
    @overload
    def get(self, key: str, default: _T, /) -> set[str] | _T: ...

    def get(self, key: str, default: Any = None, /) -> Any:  # the overloads above say what it gives
        found = self._index.get(key, default)
        self.lookups[key] = tuple(sorted(found)) if found else ()
        return found


def lookups_hold(lookups: dict[str, tuple[str, ...]], index: Mapping[str, set[str]]) -> bool:
    """Whether ``index`` answers every recorded look-up as it was answered then."""
    return all(tuple(sorted(index.get(key, ()))) == found for key, found in lookups.items())


class ShardCache:
    """The folder ``CACHE/shards`` of one sharded build: entries by kind and key, locked while in use."""

    def __init__(self, cache_dir: str | os.PathLike[str]) -> None:
        self.root = Path(cache_dir) / "shards"
        for kind in KINDS:
            (self.root / kind).mkdir(parents=True, exist_ok=True)
        self._lock = open(self.root / "lock", "a+b")  # noqa: SIM115 (held until close)
        fcntl.flock(self._lock.fileno(), fcntl.LOCK_EX)
        self._used: dict[str, set[str]] = {kind: set() for kind in KINDS}

    def path(self, kind: str, key: str) -> Path:
        return self.root / kind / key

    def has(self, kind: str, key: str) -> bool:
        return self.path(kind, key).is_dir()

    def use(self, kind: str, key: str) -> Path:
        """Mark an entry as part of this build (kept by ``sweep``); return its folder."""
        self._used[kind].add(key)
        return self.path(kind, key)

    def sweep(self) -> None:
        """Remove the entries this build did not use, and leftovers of killed builds."""
        for kind in KINDS:
            for entry in (self.root / kind).iterdir():
                if entry.name not in self._used[kind]:
                    shutil.rmtree(entry, ignore_errors=True) if entry.is_dir() else entry.unlink(missing_ok=True)

    def clear(self) -> None:
        """Remove every entry and the digest table (a damaged cache is rebuilt from nothing)."""
        for kind in KINDS:
            shutil.rmtree(self.root / kind, ignore_errors=True)
            (self.root / kind).mkdir(parents=True, exist_ok=True)
            self._used[kind].clear()
        (self.root / _DIGESTS).unlink(missing_ok=True)
        (self.root / _SHARDS).unlink(missing_ok=True)

    def known_digests(self) -> DigestTable:
        """The input files' digests as the last build found them (``file_digests``); empty when the
        table is missing or damaged (it only spares reading files: without it every file is read)."""
        try:
            table = load(self.root / _DIGESTS)
        except Exception:  # noqa: BLE001 - a damaged pickle raises almost anything; the build goes on
            return {}
        if not isinstance(table, dict):
            return {}
        return {path: entry for path, entry in table.items() if _is_digest_entry(path, entry)}

    def keep_digests(self, table: DigestTable) -> None:
        """Keep this build's input digests for the next (written aside and renamed into place)."""
        self._replace(_DIGESTS, pickle.dumps(table, protocol=pickle.HIGHEST_PROTOCOL))

    def shard_count(self) -> int | None:
        """The shard count the kept parts were made with (``sharded.layout.shard_count`` keeps it while it
        fits); None when unknown or unreadable."""
        try:
            count = int((self.root / _SHARDS).read_text(encoding="ascii").strip())
        except (OSError, ValueError, UnicodeDecodeError):
            return None
        return count if count > 0 else None

    def keep_shard_count(self, count: int) -> None:
        self._replace(_SHARDS, f"{count}\n".encode("ascii"))

    def _replace(self, name: str, data: bytes) -> None:
        """Write one of the cache's own files aside and rename it into place."""
        atomic_write_bytes(self.root / name, data, durable=False)

    def close(self) -> None:
        fcntl.flock(self._lock.fileno(), fcntl.LOCK_UN)
        self._lock.close()


def _is_digest_entry(path: object, entry: object) -> bool:
    """``(path, ((dev, ino, size, mtime_ns, ctime_ns), sha256 hex))`` as ``file_digests`` keeps it."""
    if not (isinstance(path, str) and isinstance(entry, tuple) and len(entry) == 2):
        return False
    stat, sha = entry
    return (isinstance(stat, tuple) and len(stat) == 5 and all(type(n) is int for n in stat)
            and isinstance(sha, str) and len(sha) == 64)


def staging(final: Path) -> Path:
    """A fresh temporary folder beside ``final`` to write an entry into before ``publish``."""
    tmp = final.with_name(f".{final.name}.{os.getpid()}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    return tmp


def publish(tmp: Path, final: Path) -> None:
    """Rename the written entry ``tmp`` into place (replacing an older entry of the same key)."""
    if final.exists():
        shutil.rmtree(final)
    os.replace(tmp, final)


def dump(path: Path, value: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))


def load(path: Path) -> Any:
    return pickle.loads(path.read_bytes())


#: A file's stat and the SHA-256 of its bytes, by path, as a build found them.
DigestTable = dict[str, tuple[FileStat, str]]
#: How long a file must have been left alone before its stat stands for its bytes: a change within
#: one tick of the file system's clock can leave size and times as they were (git's "racy clean").
SETTLED_NS = 2_000_000_000


def file_digests(paths: Iterable[tuple[str, str]], known: DigestTable | None = None
                 ) -> tuple[list[str] | None, DigestTable]:
    """SHA-256 of each file's bytes beside its path and display name, and the table of what was found.

    A file whose stat is the one in ``known`` is not read again (reading every input was a rebuild's
    largest cost after the merge; docs/decisions/20261201-shard-cache.md); ctime is part of the stat, and no program can set it back, so content
    written with a restored mtime is read again too. Files changed less than ``SETTLED_NS`` ago are
    left out of the table. The list is None if a file cannot be read (that chunk is not cached:
    its failure is reported by parsing it).
    """
    known = known or {}
    out, table = [], {}
    now = time.time_ns()
    for path, shown in paths:
        try:
            st = os.stat(path)
            if not S_ISREG(st.st_mode):  # a FIFO or a device: never read here (parsing refuses it by name)
                return None, {}
            stat = stat_key(st)
            entry = known.get(path)
            if entry is not None and entry[0] == stat:
                sha = entry[1]
            else:
                sha = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        except OSError:
            return None, {}
        if now - max(stat[3], stat[4]) > SETTLED_NS:
            table[path] = (stat, sha)
        out.append(f"{path}\0{shown}\0{sha}")
    return out, table
