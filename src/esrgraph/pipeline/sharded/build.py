"""The sharded build: large inputs over worker processes, a shard of projects at a time.

Why: one process holding 30,000 projects' 6 million triples as Python objects needs 11 GB
and works on one core (docs/decisions/20261124-sharded-build.md). Here every project's
records, triples and checks stay in one worker's shard; the main process holds only what
crosses projects (the organisation-name index, organisation facts, findings) and joins
the shards' sorted output at the end.

The phases:

1. **parse** (workers, chunks of files): records go to shard files by project code;
   the main process gets counts, quarantined rows and each record's organisations.
2. **map** (workers, one task a shard): merge and map the shard's projects with the whole
   name index, write the shard's triples sorted, in subject blocks of N-Triples and Turtle.
   Nodes that projects share are not written here: the main process gets the facts of
   each organisation, the unresolved code-list texts and the links to organisations.
3. **shared nodes** (main): organisation facts merged across shards, first mention first
   (as one mapper meets them); unresolved concepts, the PROV activity and the code lists.
4. **validate** (workers): each project shard on a store of its triples plus the shared
   nodes and the types of the organisations it links to; each partition of organisations
   (written here) on a store of its triples plus the projects that link to them. A store
   keeps the results of the focus nodes it owns only, so every node is checked once, with
   everything its shapes look at.
5. **write** (main): the subject blocks of all parts merged in subject order into one
   N-Triples and one Turtle file.

The outputs and findings are byte for byte those of the in-process build
(tests/test_sharded_build.py checks it on data with faults of every kind). The sharded
build is used for the default shapes and the fast validator only; other builds run in
one process.
"""

from __future__ import annotations

import dataclasses
import hashlib
import heapq
import os
import pickle
import re
import tempfile
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
import time
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import repeat
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pyoxigraph import Literal, NamedNode, RdfFormat, Triple, serialize

from esrgraph.core.version import __version__
from esrgraph.validation.fast import compiler as fastvalidate
from esrgraph.core import iris
from esrgraph.pipeline.cache import shards as shardcache
from esrgraph.core.errors import EsrgraphError, ParseError
from esrgraph.io.export import key_of, read_ntriples, sort_keyed
from esrgraph.core.findings import Finding
from esrgraph.mapping.mapper import Mapper, MappingOptions, OrganisationFacts, name_index_entries
from esrgraph.mapping.merge import MergedProject, merge_order, merge_records, merged_field
from esrgraph.core.model import ProjectRecord
from esrgraph.parsers.inputs import ParseBatch
from esrgraph.pipeline.progress import Progress
from esrgraph.validation.report import ShaclResult, ValidationReport
from esrgraph.core.vocab import DCTERMS, ESR, PREFIXES, RDF

if TYPE_CHECKING:
    from esrgraph.pipeline.result import BuildOptions, BuildResult, LocatorTable

T = TypeVar("T")

#: ``BuildOptions.shards`` None: shard from this many input files on (below it a build is
#: a few seconds and worker start-up would cost more than it saves).
SHARD_MIN_FILES = 2000
#: Project records a shard is made for (memory per worker; the unit a rebuild redoes). At 30,000
#: records, 1,000 a shard left a rebuild mapping and checking 1,000 projects for one changed
#: (about 2.5 s of 6-8 s); 300 cut that to about 0.7 s, and full builds at 10,000 and 30,000
#: took the same time within the noise (docs/decisions/20261202-smaller-shards.md).
RECORDS_PER_SHARD = 300
#: Files a parse task takes.
FILES_PER_CHUNK = 200

_NO_CODE = "none"


class ShardConflict(EsrgraphError):
    """Two parts of a sharded build wrote the same subject (a bug: parts own disjoint subjects)."""


# ---------------------------------------------------------------------------- lazy parts of a result


class LazySequence(Sequence[T]):
    """A sequence whose length is known and whose items are loaded on first use.

    A sharded build's records, projects and triples stay on disk unless a caller (the
    quality report, the release writer) asks for them.
    """

    def __init__(self, length: int, load: Callable[[], list[T]]) -> None:
        self._length = length
        self._load: Callable[[], list[T]] | None = load
        self._items: list[T] | None = None

    def _all(self) -> list[T]:
        if self._items is None:
            assert self._load is not None
            self._items, self._load = self._load(), None
        return self._items

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index):  # type: ignore[no-untyped-def, override]
        return self._all()[index]

    def __iter__(self) -> Iterator[T]:
        return iter(self._all())


# ---------------------------------------------------------------------------- helpers


def shard_of(code: str, shards: int) -> int:
    """The shard of a project code: by its IRI segment, so codes that name one IRI share a shard."""
    return zlib.crc32(iris.segment(code).encode("utf-8")) % shards


def shard_count(files: int, options: BuildOptions, previous: int | None = None) -> int:
    """How many shards to cut ``files`` input files into (``options.shards`` when set).

    ``previous``: the count the build cache's parts were made with. It is kept while it gives
    between half and twice ``RECORDS_PER_SHARD`` files a shard: every part's key holds the count, so
    a new count redoes every part, and the count would otherwise change every 300 files added. The
    output does not depend on the count (parts own disjoint subjects; the merge sorts them).
    """
    if options.shards is not None:
        return options.shards
    wanted = max(2 * _workers(options), -(-files // RECORDS_PER_SHARD))
    if previous is not None and previous >= 2 * _workers(options) and wanted / 2 <= previous <= 2 * wanted:
        return previous
    return wanted


def wants_shards(files: int, options: BuildOptions) -> bool:
    """Whether ``build`` takes the sharded path: large inputs, the fast validator, our own shapes."""
    if options.validator != "fast" or options.shapes is not None:
        return False
    if options.shards is not None:
        return options.shards > 1
    return files >= SHARD_MIN_FILES and (os.cpu_count() or 1) > 1


def _workers(options: BuildOptions) -> int:
    if options.workers is not None:
        return max(1, options.workers)
    return max(1, min(2, os.cpu_count() or 1))


@lru_cache(maxsize=1)
def _resolver():  # type: ignore[no-untyped-def]
    from esrgraph.pipeline.stages import load_resolver

    return load_resolver()


@lru_cache(maxsize=1)
def _validator():  # type: ignore[no-untyped-def]
    from esrgraph.validation.fast.compiler import compile_shapes

    return compile_shapes(None)


_dump, _load = shardcache.dump, shardcache.load


def chunk_files(files: Sequence[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """Cut the input files into parse chunks at content-defined places.

    A chunk ends after a file whose display name hashes to 0 modulo ``FILES_PER_CHUNK``
    (or at twice that size), so adding or removing a file changes its own chunk only, and
    a rebuild reuses every other chunk.
    """
    chunks: list[list[tuple[str, str]]] = [[]]
    for item in files:
        chunks[-1].append(item)
        if zlib.crc32(item[1].encode("utf-8")) % FILES_PER_CHUNK == 0 or len(chunks[-1]) >= 2 * FILES_PER_CHUNK:
            chunks.append([])
    return [chunk for chunk in chunks if chunk]


# ---------------------------------------------------------------------------- subject blocks

_BLOCK_START = re.compile(rb"\n(?=[^\t])")
_DUMMY = Triple(NamedNode("urn:x:dummy"), NamedNode("urn:x:dummy"), NamedNode("urn:x:dummy"))


def _turtle_header() -> bytes:
    """The ``@prefix`` lines every Turtle output starts with."""
    return _split_header(serialize([_DUMMY], format=RdfFormat.TURTLE, prefixes=dict(PREFIXES)) or b"")[0]


def _split_header(turtle: bytes) -> tuple[bytes, bytes]:
    end = 0
    while turtle.startswith(b"@prefix", end):
        end = turtle.index(b"\n", end) + 1
    return turtle[:end], turtle[end:]


def write_blocks(triples: list[Triple], stem: Path) -> int:
    """Write sorted ``triples`` as N-Triples and Turtle (no prefixes) with an index of
    subject blocks (``stem.nt``, ``stem.ttl``, ``stem.index``: the subjects and where each
    block starts in either file); return the triple count.

    The serialisers group one subject's triples, so each subject is one run of N-Triples
    lines and one Turtle statement that starts at the beginning of a line.
    """
    stem.parent.mkdir(parents=True, exist_ok=True)
    nt = serialize(triples, format=RdfFormat.N_TRIPLES) or b""
    body = _split_header(serialize(triples, format=RdfFormat.TURTLE, prefixes=dict(PREFIXES)) or b"")[1]
    subjects: list[bytes] = []
    nt_at: list[int] = []  # where each subject's lines start, then the end
    offset = 0
    for line in nt.splitlines(keepends=True):
        subject = line[1:line.index(b">")]
        if not subjects or subject != subjects[-1]:
            subjects.append(subject)
            nt_at.append(offset)
        offset += len(line)
    nt_at.append(offset)
    ttl_at = [0] + [m.start() + 1 for m in _BLOCK_START.finditer(body)] + [len(body)] if body else [0]
    if len(ttl_at) != len(nt_at):
        raise ShardConflict(str(stem), f"{len(subjects)} subjects but {len(ttl_at) - 1} Turtle statements")
    stem.with_suffix(".nt").write_bytes(nt)
    stem.with_suffix(".ttl").write_bytes(body)
    _dump(stem.with_suffix(".index"), (subjects, nt_at, ttl_at))
    return len(triples)


def _copy_range(source: int, target: int, offset: int, length: int) -> None:
    """Append ``length`` bytes of file ``source`` from ``offset`` to file ``target`` (at its position)."""
    while length > 0:
        try:
            done = os.copy_file_range(source, target, length, offset)
        except OSError:  # not on this file system (or kernel): copy through Python
            done = os.write(target, os.pread(source, min(length, 1 << 24), offset))
        if done <= 0:
            raise OSError(f"copying {length} bytes at {offset} wrote nothing")
        offset, length = offset + done, length - done


def merge_blocks(stems: Sequence[Path], nt_out: Path, ttl_out: Path) -> None:
    """Merge the subject blocks of ``stems`` in subject order into one N-Triples and one Turtle file.

    Parts own disjoint subjects, so this is the graph sorted as one sort would sort it.
    Consecutive blocks of one part are copied as one range, by the kernel where it can
    (``os.copy_file_range``: the bytes never pass through Python). The two files are copied on
    two threads: parts are cut by hash, so at 30,000 projects a file is ~120,000 short ranges and
    the time goes to the calls, which release the GIL (a no-change rebuild's write at 30,000: 8.5 s -> 3.8 s).
    """
    indexes = [_load(stem.with_suffix(".index")) for stem in stems]
    runs = _merged_runs([subjects for subjects, _, _ in indexes], nt_out)
    with open(nt_out, "wb") as nt, open(ttl_out, "wb") as ttl:
        ttl.write(_turtle_header())
        ttl.flush()
        with ThreadPoolExecutor(max_workers=2) as pool:
            copies = [pool.submit(_copy_runs, runs, [stem.with_suffix(suffix) for stem in stems],
                                  [index[column] for index in indexes], target.fileno())
                      for suffix, column, target in ((".nt", 1, nt), (".ttl", 2, ttl))]
            for copy in copies:
                copy.result()


def _merged_runs(subjects: Sequence[Sequence[bytes]], out: Path) -> list[tuple[int, int, int]]:
    """(part, first block, end block) ranges that give the parts' blocks in one subject order."""
    streams = [zip(part_subjects, repeat(part), range(len(part_subjects))) for part, part_subjects in enumerate(subjects)]
    runs: list[tuple[int, int, int]] = []
    previous = None
    for subject, part, block in heapq.merge(*streams):
        if subject == previous:
            raise ShardConflict(str(out), f"subject <{subject.decode()}> was written by two parts")
        previous = subject
        if runs and runs[-1][0] == part and runs[-1][2] == block:
            runs[-1] = (part, runs[-1][1], block + 1)
        else:
            runs.append((part, block, block + 1))
    return runs


def _copy_runs(runs: Sequence[tuple[int, int, int]], sources: Sequence[Path], offsets: Sequence[Sequence[int]],
               target: int) -> None:
    """Append each run's bytes of its part's file (``offsets``: where each block starts) to ``target``."""
    handles = [open(path, "rb") for path in sources]
    try:
        for part, first, end in runs:
            at = offsets[part]
            _copy_range(handles[part].fileno(), target, at[first], at[end] - at[first])
    finally:
        for handle in handles:
            handle.close()


# ---------------------------------------------------------------------------- phase 1: parse


#: A parse chunk's file of (code, merge order, source, applicant, co-implementers) of each record.
ORGANISATIONS = "organisations.pickle"
#: A parse chunk's pickle (``ORDER.pickle``, beside the shards' record pickles) of the shard of each
#: of its records, in input order.
ORDER = "order"


@dataclass
class _ChunkOutcome:
    batch: ParseBatch
    no_code: list[ParseError]
    #: (code, its name-index entries) of every record with a code, in input order; the records'
    #: organisations themselves (for a project of several records) are in ``ORGANISATIONS``.
    index_entries: list[tuple[str, Any]]
    records: int
    #: Where the chunk's records are, one pickle per shard and ``ORDER``, and the SHA-256 of each pickle.
    records_dir: str = ""
    digests: dict[str, str] = field(default_factory=dict)
    reused: bool = False  # taken from the shard cache


def _parse_chunk(chunk: int, files: list[tuple[str, str]], encoding: str | None, layout: str | None,
                 shards: int, workdir: str, shard_cache: str | None, known: shardcache.DigestTable
                 ) -> tuple[_ChunkOutcome | bytes, shardcache.DigestTable]:
    """Parse one chunk of files into per-shard record pickles; or, from the shard cache, the
    pickled outcome of the same chunk (``_chunk_outcome`` reads it). With it, the digests of the
    chunk's files (``known``: the last build's, to read only the files that changed)."""
    from esrgraph.pipeline.parse_pool import add_outcome, parse_outcome

    final = Path(workdir) / "records" / f"{chunk:06d}"
    digests: shardcache.DigestTable = {}
    if shard_cache is not None:
        named, digests = shardcache.file_digests(files, known)
        if named is not None:
            final = Path(shard_cache) / "chunks" / shardcache.digest(encoding or "", layout or "", str(shards), *named)
            if final.is_dir():
                kept = _intact_chunk(final)
                if kept is not None:
                    return kept, digests  # unpickled by the main process
                # a damaged entry: parsed again below, and the new entry replaces it
    folder = shardcache.staging(final) if shard_cache is not None else final
    batch = ParseBatch()
    for path, shown in files:
        add_outcome(batch, path, shown, parse_outcome(path, shown, encoding, layout))
    by_shard: dict[str, list[ProjectRecord]] = defaultdict(list)
    order: list[str] = []  # the shard of each record, in input order
    organisations: list[tuple[str, Any, Any, Any, Any]] = []
    outcome = _ChunkOutcome(batch=batch, no_code=[], index_entries=[], records=len(batch.records),
                            records_dir=str(final))
    for full in batch.records:
        record = full.locating()
        shard = f"{shard_of(record.code, shards):04d}" if record.code else _NO_CODE
        by_shard[shard].append(record)
        order.append(shard)
        if not record.code:
            outcome.no_code.append(
                ParseError(record.source.path, "record has no project code", line=record.source.first_line, field="code")
            )
            continue
        outcome.index_entries.append((record.code, name_index_entries(record.applicant, record.co_implementers)))
        organisations.append((record.code, merge_order(record), record.source, record.applicant,
                              record.co_implementers))
    folder.mkdir(parents=True, exist_ok=True)
    _dump(folder / ORGANISATIONS, organisations)
    # A shard's file holds its records alone, not their places in the chunk, so a record added to the
    # chunk changes its own shard's file only (the mapped shards' keys are these files' digests).
    # ``ORDER`` keeps the places, for ``_all_records``.
    for name, value in [*by_shard.items(), (ORDER, order)]:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        (folder / f"{name}.pickle").write_bytes(data)
        outcome.digests[name] = hashlib.sha256(data).hexdigest()
    batch.records = []
    if shard_cache is not None and folder != final:
        _dump(folder / "outcome.pickle", outcome)
        shardcache.publish(folder, final)
    return outcome, digests


def _intact_chunk(entry: Path) -> bytes | None:
    """A kept parse chunk's pickled outcome, or None when the entry is damaged: the outcome does not
    load, or a record file's SHA-256 is not the one the outcome lists (the mapped shards' keys are
    made of those digests, so a reused mapping would hide the damage until the records were read)."""
    try:
        data = (entry / "outcome.pickle").read_bytes()
        outcome = pickle.loads(data)
        return data if all(hashlib.sha256((entry / f"{shard}.pickle").read_bytes()).hexdigest() == digest
                           for shard, digest in outcome.digests.items()) else None
    except Exception:  # noqa: BLE001 - a damaged pickle raises almost anything
        return None


def _chunk_outcome(done: _ChunkOutcome | bytes) -> _ChunkOutcome:
    if isinstance(done, bytes):
        outcome: _ChunkOutcome = pickle.loads(done)
        outcome.reused = True
        return outcome
    return done


def _shard_records(record_dirs: Sequence[str], shard: str) -> list[ProjectRecord]:
    """A shard's records in input order (``record_dirs``: the chunks' folders in input order)."""
    records = []
    for folder in record_dirs:
        path = Path(folder) / f"{shard}.pickle"
        if path.is_file():
            records.extend(_load(path))
    return records


def _all_records(record_dirs: Sequence[str]) -> list[ProjectRecord]:
    """Every record in input order (the order ``ParseBatch.records`` has)."""
    records: list[ProjectRecord] = []
    for folder in record_dirs:
        order: list[str] = _load(Path(folder) / f"{ORDER}.pickle")
        shards = {shard: iter(_load(Path(folder) / f"{shard}.pickle")) for shard in set(order)}
        records.extend(next(shards[shard]) for shard in order)
    return records


def _name_index(chunks: Sequence[tuple[str, list[tuple[str, Any]]]]) -> dict[str, set[str]]:
    """The organisation-name index of the merged projects, as ``Mapper.index_organisations`` makes it.

    ``chunks``: each parse chunk's folder with the (code, that record's own index entries) of its
    records. A project of one record adds its own entries (the parse workers made them); for a
    project of several, the chunks that hold its records are read for their organisations, which
    are merged first. The main process so unpickles only codes and index entries, not every
    record's organisations (in a rebuild of 30,000 files that was most of its 1.3 s of parse).
    """
    records: Counter[str] = Counter(code for _, parts in chunks for code, _ in parts)
    several = {code for code, n in records.items() if n > 1}
    index: dict[str, set[str]] = defaultdict(set)
    merged: dict[str, list[tuple[Any, Any, Any, Any]]] = defaultdict(list)
    for folder, parts in chunks:
        for code, entries in parts:
            if code not in several:
                for key, business_id in entries:
                    index[key].add(business_id)
        if several and any(code in several for code, _ in parts):
            for code, order, source, applicant, co_implementers in _load(Path(folder) / ORGANISATIONS):
                if code in several:
                    merged[code].append((order, source, applicant, co_implementers))
    for code, found in merged.items():
        applicant = merged_field([(o, s, a) for o, s, a, _ in found], "applicant", code)
        co_implementers = merged_field([(o, s, c) for o, s, _, c in found], "co_implementers", code)
        for key, business_id in name_index_entries(applicant, co_implementers):
            index[key].add(business_id)
    return dict(index)


# ---------------------------------------------------------------------------- phase 2: map


class ShardMapper(Mapper):
    """A Mapper for one shard: nodes that projects share are gathered, not written.

    Each organisation and unresolved concept keeps the (project code, sequence) of its
    first mention, so the main process can take the first mention over all shards: the
    one a single Mapper over all projects (in code order) would have met first.
    """

    def __init__(self, options: MappingOptions, resolver: Any, name_index: dict[str, set[str]]) -> None:
        super().__init__(options, resolver)
        self._name_index = name_index  # type: ignore[assignment]
        self._code = ""
        self._sequence = 0
        #: Organisation IRI -> (order of its first mention, its facts).
        self.organisations: dict[str, tuple[tuple[str, int], OrganisationFacts]] = {}
        self.unresolved: dict[str, tuple[tuple[str, int], str, str]] = {}

    def _order(self) -> tuple[str, int]:
        self._sequence += 1
        return (self._code, self._sequence)

    def map_project(self, project: MergedProject) -> None:
        self._code, self._sequence = project.code, 0
        super().map_project(project)

    def _new_organisation(self, iri: str, business_id: str | None) -> OrganisationFacts:
        facts = super()._new_organisation(iri, business_id)
        self.organisations[iri] = (self._order(), facts)
        return facts

    def _unresolved_concept(self, iri: str, kind: str, text: str) -> None:
        if iri not in self.unresolved:
            self.unresolved[iri] = (self._order(), kind, text)

    def _activity(self, activity: str) -> None:
        pass  # the main process writes it once


#: A kept mapped shard's file of its organisations' facts (``_MapOutcome.organisations``), apart from
#: its outcome: only a build that writes organisation parts again reads them, and they were most of the
#: time a rebuild spent loading the kept outcomes (0.84 s -> 0.24 s for 100 shards at 30,000).
ORGANISATION_FACTS = "organisation-facts.pickle"


@dataclass
class _MapOutcome:
    shard: str
    findings: list[Finding]
    withheld: Counter[str]
    #: The facts of each organisation it mentions, with the order of the first mention; None in an
    #: outcome loaded from the shard cache (``_organisations_of`` reads them from ``ORGANISATION_FACTS``).
    organisations: dict[str, tuple[tuple[str, int], OrganisationFacts]] | None
    unresolved: dict[str, tuple[tuple[str, int], str, str]]
    projects: int
    triples: int
    links: list[tuple[str, str, str]]
    codes: dict[str, str]  # project IRI -> code
    locator: LocatorTable
    seconds: dict[str, float]
    #: Where its blocks are (``stem.nt``, ``stem.ttl``, ``stem.index``, ``stem.locate``).
    stem: str = ""
    #: The organisation-name index look-ups it made, and what it found (the shard cache checks them).
    lookups: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: The rdf:type triples of the organisations it links to (its checks read them). Any mention of
    #: an organisation gives the same: its IRI is by a valid Y-tunnus (registered) or else by name.
    organisation_types: bytes = b""
    #: What it gives each organisation part, as a digest (``_part_contributions``).
    part_digests: dict[int, str] = field(default_factory=dict)
    #: ``build.organisation_name_owners`` of its projects (the quality report names records by them).
    name_owners: dict[str, str] = field(default_factory=dict)
    #: The IRIs of ``organisations``, sorted (kept in the outcome: the build counts organisations).
    organisation_iris: list[str] = field(default_factory=list)


def _organisations_of(outcome: _MapOutcome) -> dict[str, tuple[tuple[str, int], OrganisationFacts]]:
    if outcome.organisations is not None:
        return outcome.organisations
    kept: dict[str, tuple[tuple[str, int], OrganisationFacts]] = _load(Path(outcome.stem).parent / ORGANISATION_FACTS)
    return kept


def _map_shard(shard: str, workdir: str, options: MappingOptions, with_codelists: bool,
               cache_entry: str | None, parts: int) -> _MapOutcome:
    """Merge and map one shard; write its blocks to the workdir, or to ``cache_entry`` of the shard cache."""
    from esrgraph.pipeline.result import locator_table, organisation_name_owners
    from esrgraph.pipeline.stages import problem_findings

    folder = Path(workdir)
    clock = _Clock()
    records = _shard_records(_load(folder / "chunks.pickle"), shard)
    clock.lap("load records")
    projects, merge_findings = merge_records(records)
    index = shardcache.RecordingIndex(_load(folder / "name-index.pickle"))
    mapper = ShardMapper(options, _resolver() if with_codelists else None, index)
    for project in projects:
        mapper.map_project(project)
    result = mapper.result
    clock.lap("map")
    ordered = sort_keyed(result.keyed)
    clock.lap("sort")
    out = shardcache.staging(Path(cache_entry)) if cache_entry else folder / "graph"
    final = Path(cache_entry) if cache_entry else out
    count = write_blocks(ordered, out / f"p{shard}")
    clock.lap("serialise")
    table = locator_table(records)
    _dump(out / f"p{shard}.locate", table)
    outcome = _MapOutcome(
        shard=shard,
        findings=problem_findings(records) + merge_findings + result.findings,
        withheld=result.withheld,
        organisations=mapper.organisations,
        unresolved=mapper.unresolved,
        projects=len(projects),
        triples=count,
        links=result.organisation_links,
        codes={iri: code for code, iri in result.project_iris.items()},
        locator=table,
        seconds=clock.seconds,
        stem=str(final / f"p{shard}"),
        lookups=index.lookups,
        organisation_types=b"".join(_type_lines(mapper.organisations[o][1])
                                    for o in sorted({o for _, _, o in result.organisation_links})),
        part_digests=_part_contributions(mapper.organisations, result.organisation_links,
                                         {iri: code for code, iri in result.project_iris.items()}, parts),
        name_owners=organisation_name_owners(projects),
        organisation_iris=sorted(mapper.organisations),
    )
    if cache_entry:
        _dump(out / ORGANISATION_FACTS, outcome.organisations)
        _dump(out / "outcome.pickle", dataclasses.replace(outcome, organisations=None))
        shardcache.publish(out, final)
    return outcome


# ---------------------------------------------------------------------------- phase 3: shared nodes (main)


def _merge_organisations(outcomes: Iterable[_MapOutcome]) -> dict[str, OrganisationFacts]:
    """One fact set per organisation over all shards, built up from its first mention on."""
    mentions: dict[str, list[tuple[tuple[str, int], OrganisationFacts]]] = defaultdict(list)
    for outcome in outcomes:
        for iri, mention in _organisations_of(outcome).items():
            mentions[iri].append(mention)
    merged = {}
    for iri, found in mentions.items():
        found.sort(key=lambda mention: mention[0])
        first = found[0][1]
        for _, later in found[1:]:
            first.absorb(later)
        merged[iri] = first
    return merged


def _type_lines(facts: OrganisationFacts) -> bytes:
    """The organisation's rdf:type triples as N-Triples (what ``sh:class`` reads in a project shard)."""
    return "".join(f"<{facts.iri}> <{RDF}type> <{cls}> .\n" for cls in facts.classes()).encode("utf-8")


# ---------------------------------------------------------------------------- phase 4: validate


@dataclass
class _Checked:
    findings: list[Finding]
    results: list[ShaclResult]
    triples: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    #: An organisation part's blocks.
    stem: str = ""


class _Clock:
    """Seconds per step of a worker's task, summed over tasks into ``BuildResult.timings``."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, step: str) -> None:
        now = time.perf_counter()
        self.seconds[step] = self.seconds.get(step, 0.0) + now - self._last
        self._last = now


def _validate(store_parts: list[bytes], owned: set[bytes], locator: LocatorTable | None, clock: _Clock,
              threads: int) -> _Checked:
    """Validate one part on a store of ``store_parts``; its findings placed by ``locator`` (None: left
    unplaced, for the main process to place)."""
    from esrgraph.pipeline.result import locator_of
    from esrgraph.validation.fast.runtime import store_of

    store = store_of(b"".join(store_parts))
    clock.lap("load store")
    owned_text = {subject.decode("utf-8") for subject in owned}
    locate = locator_of(locator) if locator is not None else None
    report = _validator().validate(store, locate=locate, owns=owned_text.__contains__, threads=threads,
                                   skip_unowned_focus=True)
    clock.lap("checks")
    return _Checked(findings=report.findings, results=report.results, seconds=clock.seconds)


def _validate_shard(stem: str, common: str, organisation_types: bytes, cache_entry: str | None,
                    threads: int) -> _Checked:
    clock = _Clock()
    blocks = Path(stem)
    subjects = set(_load(blocks.with_suffix(".index"))[0])
    parts = [blocks.with_suffix(".nt").read_bytes(), Path(common).read_bytes(), organisation_types]
    checked = _validate(parts, subjects, _load(blocks.with_suffix(".locate")), clock, threads)
    if cache_entry:
        out = shardcache.staging(Path(cache_entry))
        _dump(out / "checked.pickle", checked)
        shardcache.publish(out, Path(cache_entry))
    return checked


def _write_and_validate_organisations(part: int, workdir: str, options: MappingOptions,
                                      cache_entry: str | None, threads: int) -> _Checked:
    """Write one part of the organisations as blocks and validate it (into ``cache_entry`` when caching)."""
    folder = Path(workdir)
    clock = _Clock()
    facts, links, codes = _load(folder / "organisations" / f"o{part:04d}.pickle")
    mapper = Mapper(options)
    mapper.write_organisations(facts)
    clock.lap("map organisations")
    out = shardcache.staging(Path(cache_entry)) if cache_entry else folder / "graph"
    final = Path(cache_entry) if cache_entry else out
    stem = out / f"o{part:04d}"
    count = write_blocks(sort_keyed(mapper.result.keyed), stem)
    clock.lap("serialise organisations")
    subjects = set(_load(stem.with_suffix(".index"))[0])
    context = "".join(
        f"<{p}> <{pred}> <{o}> .\n" for p, pred, o in links
    ) + "".join(
        f"<{p}> <{RDF}type> <{ESR}Project> .\n<{p}> <{DCTERMS}identifier> {_nt_string(code)} .\n"
        for p, code in sorted(codes.items())
    )
    # unlocated: the main process holds every project's lines and locates the findings (``_located``);
    # shipping each part the lines of all its linking projects cost the main process seconds of pickling
    checked = _validate([stem.with_suffix(".nt").read_bytes(), context.encode("utf-8")], subjects, None, clock,
                        threads)
    checked.triples = count
    checked.stem = str(final / stem.name)
    if cache_entry:
        _dump(out / "checked.pickle", checked)
        shardcache.publish(out, final)
    return checked


def _nt_string(text: str) -> str:
    """An N-Triples string literal."""
    return str(Literal(text))


# ---------------------------------------------------------------------------- the build


def build_sharded(files: list[tuple[str, str]], options: BuildOptions) -> BuildResult:
    """Build ``files`` (path, display name) in shards; the same result as ``build.build``.

    With ``options.cache_dir`` the parts are kept in and reused from a ``ShardCache``
    (esrgraph.shardcache): a rebuild redoes only the parts whose inputs changed.
    """
    cache = shardcache.ShardCache(options.cache_dir) if options.cache_dir else None
    shardcache.program_fingerprint()  # once, before the workers fork: every key of this build uses the same
    try:
        try:
            result = _build_sharded(files, options, cache)
        except Exception as exc:  # noqa: BLE001 - a damaged entry fails in many ways; a second failure is raised
            if cache is None:
                raise
            # An entry that cannot be read (truncated by a full disk, edited by hand) must not stop the
            # build: build again from an empty cache. A fault of esrgraph's own fails again and is raised.
            cache.clear()
            result = _build_sharded(files, options, cache)
            result.cache_note = (f"the build cache in {options.cache_dir} could not be used ({type(exc).__name__}: "
                                 f"{exc}); every part was built again and kept anew")
        if cache is not None:
            cache.sweep()
        return result
    finally:
        if cache is not None:
            cache.close()


def _build_sharded(files: list[tuple[str, str]], options: BuildOptions, cache: shardcache.ShardCache | None) -> BuildResult:
    from esrgraph.pipeline.result import BuildResult, keep_smallest_owners
    from esrgraph.pipeline.stages import codelist_triples

    holder = tempfile.TemporaryDirectory(prefix="esrgraph-build-")
    workdir = Path(holder.name)
    shards = shard_count(len(files), options, cache.shard_count() if cache else None)
    names = [f"{s:04d}" for s in range(shards)]
    workers = _workers(options)
    mapping_options = MappingOptions(base=options.base, include_personal_data=options.include_personal_data,
                                     software_version=__version__)
    timings: dict[str, float] = {}
    reused: Counter[str] = Counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        # 1. parse (never through the per-file parse cache: the shard cache keeps whole chunks)
        start = time.perf_counter()
        chunks = chunk_files(files)
        progress = Progress(len(files), "parse", "files")
        batch = ParseBatch()
        no_code: list[ParseError] = []
        index_entries: list[tuple[str, list[tuple[str, Any]]]] = []  # by chunk, with its folder
        record_dirs: list[str] = []
        digests: list[dict[str, str]] = []
        record_count = 0
        known = cache.known_digests() if cache else {}
        found: shardcache.DigestTable = {}
        futures = [pool.submit(_parse_chunk, n, chunk, options.encoding, options.layout,
                               shards, str(workdir), str(cache.root) if cache else None,
                               {path: known[path] for path, _ in chunk if path in known})
                   for n, chunk in enumerate(chunks)]
        del known
        for future, chunk in zip(futures, chunks):
            done, chunk_digests = future.result()
            found.update(chunk_digests)
            outcome = _chunk_outcome(done)
            part = outcome.batch
            batch.files_read += part.files_read
            batch.paths.update(part.paths)
            batch.failed_files.extend(part.failed_files)
            batch.quarantined.extend(part.quarantined)
            batch.units += part.units
            no_code.extend(outcome.no_code)
            index_entries.append((outcome.records_dir, outcome.index_entries))
            record_count += outcome.records
            record_dirs.append(outcome.records_dir)
            digests.append(outcome.digests)
            if cache is not None and Path(outcome.records_dir).parent == cache.root / "chunks":
                cache.use("chunks", Path(outcome.records_dir).name)
            reused["chunks"] += outcome.reused
            progress.update(len(chunk))
        progress.close()
        if cache is not None:
            cache.keep_digests(found)
            cache.keep_shard_count(shards)
        del found
        name_index = _name_index(index_entries)
        _dump(workdir / "name-index.pickle", name_index)
        _dump(workdir / "chunks.pickle", record_dirs)
        del index_entries
        timings["parse"] = time.perf_counter() - start

        # 2. map
        start = time.perf_counter()
        progress = Progress(shards, "map", "shards")
        mapped: list[_MapOutcome | None] = [None] * shards
        map_keys = [shardcache.digest(repr(mapping_options), str(options.with_codelists), str(shards), name,
                                      *(d[name] for d in digests if name in d)) for name in names]
        pending = {}

        def map_in_worker(n: int) -> None:
            pending[n] = pool.submit(_map_shard, names[n], str(workdir), mapping_options, options.with_codelists,
                                     str(cache.path("map", map_keys[n])) if cache else None, shards)

        # Shards with no kept entry go to the workers first, so they map while the kept ones load here.
        kept_entries = {}
        for n, key in enumerate(map_keys):
            entry = cache.use("map", key) if cache is not None else None
            if entry is not None and entry.is_dir():
                kept_entries[n] = entry
            else:
                map_in_worker(n)
        for n, entry in kept_entries.items():
            kept = _load(entry / "outcome.pickle")
            if kept is not None and shardcache.lookups_hold(kept.lookups, name_index):
                mapped[n] = _reused(kept)
                reused["map"] += 1
                progress.update()
            else:
                map_in_worker(n)
        for n, future in pending.items():
            mapped[n] = future.result()
            progress.update()
        progress.close()
        done: list[_MapOutcome] = [outcome for outcome in mapped if outcome is not None]
        del name_index

        # 3. shared nodes
        shared_start = time.perf_counter()
        common = Mapper(mapping_options)
        unresolved: dict[str, tuple[tuple[str, int], str, str]] = {}
        for outcome in done:
            for iri, (order, kind, text) in outcome.unresolved.items():
                if iri not in unresolved or order < unresolved[iri][0]:
                    unresolved[iri] = (order, kind, text)
        projects = sum(outcome.projects for outcome in done)
        # the code lists, unresolved concepts and the PROV activity: reused while the same
        common_key = shardcache.digest(repr(mapping_options), str(options.with_codelists), str(projects > 0),
                                       shardcache.stable_bytes(sorted((i, k, t) for i, (_, k, t) in unresolved.items())))
        common_entry = cache.use("common", common_key) if cache else None
        if common_entry is not None and common_entry.is_dir():
            common_stem = common_entry / "common"
            common_count = _load(common_entry / "count.pickle")
            reused["common"] += 1
        else:
            for iri, (_, kind, text) in unresolved.items():
                common.write_unresolved_concept(iri, kind, text)
            if projects:
                common.write_activity(common.activity_iri())
            keyed = common.result.keyed
            if options.with_codelists:
                keyed.update((key_of(t), t) for t in codelist_triples())
            folder = shardcache.staging(common_entry) if common_entry else workdir / "graph"
            common_count = write_blocks(sort_keyed(keyed), folder / "common")
            common_stem = (common_entry or folder) / "common"
            if common_entry is not None:
                _dump(folder / "count.pickle", common_count)
                shardcache.publish(folder, common_entry)
            del keyed
        del common
        common_digest = hashlib.sha256(common_stem.with_suffix(".nt").read_bytes()).hexdigest()
        shard_types = [outcome.organisation_types for outcome in done]
        part_keys = [shardcache.digest(repr(mapping_options), str(n), str(shards),
                                       *(outcome.part_digests.get(n, "-") for outcome in done)) for n in range(shards)]
        timings["map"] = time.perf_counter() - start
        timings["map: shared nodes (main)"] = time.perf_counter() - shared_start

        # 4. validate the shards; meanwhile merge the organisations here, then write and validate them
        start = time.perf_counter()
        progress = Progress(shards + len(part_keys), "validate", "parts")
        checked: list[_Checked | None] = [None] * (shards + len(part_keys))
        waiting = {}
        kept_checks: dict[int, tuple[str, Path]] = {}  # loaded after the parts to check are on their way
        check_targets = []
        for n, (outcome, key, t) in enumerate(zip(done, map_keys, shard_types)):
            check_key = shardcache.digest(key, shardcache.stable_bytes(sorted(outcome.lookups.items())), common_digest,
                                          hashlib.sha256(t).hexdigest())
            target = cache.use("check", check_key) if cache else None
            if target is not None and (target / "checked.pickle").is_file():
                kept_checks[n] = ("check", target)
            else:
                check_targets.append((n, target))
        missing = {n for n, key in enumerate(part_keys)
                   if cache is None or not (cache.path("org", key) / "checked.pickle").is_file()}
        # as many validating at once as there are workers, or parts to check if fewer (a rebuild's one
        # changed shard): each on its share of the cores
        threads = fastvalidate.check_threads(min(workers, len(check_targets) + len(missing)))
        for n, target in check_targets:
            waiting[n] = pool.submit(_validate_shard, done[n].stem, str(common_stem.with_suffix(".nt")), shard_types[n],
                                     str(target) if target else None, threads)
        organisations_start = time.perf_counter()
        if missing:
            _write_organisation_parts(_merge_organisations(done), done, shards, workdir, missing)
        organisation_count = len(set().union(*(outcome.organisation_iris for outcome in done)))
        timings["validate: merge organisations (main)"] = time.perf_counter() - organisations_start
        for n, key in enumerate(part_keys):
            target = cache.use("org", key) if cache else None
            if target is not None and (target / "checked.pickle").is_file():
                kept_checks[shards + n] = ("org", target)
                continue
            waiting[shards + n] = pool.submit(_write_and_validate_organisations, n, str(workdir), mapping_options,
                                              str(target) if target else None, threads)
        for n, (kind, target) in kept_checks.items():
            checked[n] = _reused(_load(target / "checked.pickle"))
            reused[kind] += 1
            progress.update()
        for n, future in waiting.items():
            checked[n] = future.result()
            progress.update()
        progress.close()
        done_checks: list[_Checked] = [c for c in checked if c is not None]
        timings["validate"] = time.perf_counter() - start

    # 5. write
    start = time.perf_counter()
    stems = [common_stem] + [Path(o.stem) for o in done] + [Path(c.stem) for c in done_checks[shards:]]
    out = workdir / "out"
    out.mkdir()
    merge_blocks(stems, out / "esrgraph.nt", out / "esrgraph.ttl")
    timings["write"] = time.perf_counter() - start

    for worker_seconds in [o.seconds for o in done] + [c.seconds for c in done_checks]:
        for step, seconds in worker_seconds.items():
            timings[f"worker: {step}"] = timings.get(f"worker: {step}", 0.0) + seconds
    reuse = {kind: (reused[kind], total) for kind, total in
             (("chunks", len(chunks)), ("map", shards), ("check", shards), ("org", len(part_keys)), ("common", 1))} if cache else {}
    locations = {code: places for outcome in done for code, places in outcome.locator.items()}
    report = ValidationReport(shapes_files=list(_validator().shapes_files))
    for n, part_checked in enumerate(done_checks):
        report.results.extend(part_checked.results)
        report.findings.extend(part_checked.findings if n < shards else _located(part_checked.findings, locations))
    report.findings.sort(key=Finding.sort_key)
    findings = [f for outcome in done for f in outcome.findings]
    withheld: Counter[str] = Counter()
    for outcome in done:
        withheld.update(outcome.withheld)
    triple_count = common_count + sum(o.triples for o in done) + sum(c.triples for c in done_checks)
    name_owners: dict[str, str] = {}
    for outcome in done:
        keep_smallest_owners(name_owners, outcome.name_owners)
    batch.records = LazySequence(record_count, lambda: _all_records(record_dirs))  # type: ignore[assignment]
    result = BuildResult(
        batch=batch,
        projects=LazySequence(projects, lambda: _all_projects(record_dirs, names)),  # type: ignore[arg-type]
        triples=LazySequence(triple_count, lambda: _read_triples(out / "esrgraph.nt")),  # type: ignore[arg-type]
        findings=sorted(findings + report.findings, key=Finding.sort_key),
        validation=report,
        quarantined=batch.quarantined + no_code,
        withheld=withheld,
        organisations=organisation_count,
        base=options.base,
        timings=timings,
        graph_files={"ntriples": out / "esrgraph.nt", "turtle": out / "esrgraph.ttl"},
        workdir=holder,
        reuse=reuse,
        locations=locations,
        name_owners=name_owners,
    )
    return result


_R = TypeVar("_R", _MapOutcome, _Checked)


def _located(findings: Sequence[Finding], locations: LocatorTable) -> list[Finding]:
    """An organisation part's findings with the file and line of the field they name, as the
    validator locates a finding that has a record and a field (the parts are validated unlocated)."""
    from esrgraph.pipeline.result import locator_of
    from esrgraph.validation.report import finding_place

    locate = locator_of(locations)
    out = []
    for finding in findings:
        path, line = finding_place(finding.record, finding.field, locate)
        out.append(dataclasses.replace(finding, path=path, line=line))
    return out


def _reused(part: _R) -> _R:
    """A part taken from the shard cache: its worker seconds were spent by an earlier build."""
    part.seconds = {}
    return part


def organisation_part(iri: str, parts: int) -> int:
    """The organisation part of an organisation IRI: by hash, not by range, so a new
    organisation changes its own part only."""
    return zlib.crc32(iri.encode("utf-8")) % parts


def _part_contributions(organisations: dict[str, tuple[tuple[str, int], OrganisationFacts]],
                        links: list[tuple[str, str, str]], codes: dict[str, str], parts: int) -> dict[int, str]:
    """What one shard gives each organisation part (its mentions of the part's organisations, its
    links to them, the codes of the linking projects), as a SHA-256 per part. Not the projects'
    lines: the main process locates a part's findings (``_located``), so a record whose lines moved
    does not make the parts of its organisations validate again.

    A part's inputs are made of the shards' contributions alone, so the digests of all shards
    make the part's key; each shard's worker makes its own (and the shard cache keeps them).
    """
    mentions: dict[int, list[tuple[str, Any, Any]]] = defaultdict(list)
    linked: dict[int, set[tuple[str, str, str]]] = defaultdict(set)
    projects: dict[int, dict[str, Any]] = defaultdict(dict)
    for iri, (order, facts) in organisations.items():
        mentions[organisation_part(iri, parts)].append((iri, order, shardcache.with_sorted_sets(facts)))
    for p, pred, o in links:
        n = organisation_part(o, parts)
        linked[n].add((p, pred, o))
        projects[n][p] = codes[p]
    return {n: hashlib.sha256(shardcache.stable_bytes((sorted(mentions[n], key=lambda m: m[0]), sorted(linked[n]),
                                                       sorted(projects[n].items())))).hexdigest()
            for n in set(mentions) | set(linked)}


def _write_organisation_parts(organisations: dict[str, OrganisationFacts], mapped: list[_MapOutcome], parts: int,
                              workdir: Path, wanted: set[int]) -> None:
    """Write the inputs of the ``wanted`` organisation parts: each part's merged organisations,
    the links to them, and the codes of the projects that link."""
    links: list[list[tuple[str, str, str]]] = [[] for _ in range(parts)]
    codes: list[dict[str, str]] = [{} for _ in range(parts)]
    for outcome in mapped:
        for p, pred, o in outcome.links:
            n = organisation_part(o, parts)
            if n not in wanted:
                continue
            links[n].append((p, pred, o))
            codes[n][p] = outcome.codes[p]
    members: list[list[OrganisationFacts]] = [[] for _ in range(parts)]
    for iri in sorted(organisations):
        n = organisation_part(iri, parts)
        if n in wanted:
            members[n].append(organisations[iri])
    for n in sorted(wanted):
        _dump(workdir / "organisations" / f"o{n:04d}.pickle", (members[n], sorted(set(links[n])), codes[n]))


def _all_projects(record_dirs: Sequence[str], shards: list[str]) -> list[MergedProject]:
    projects = [p for shard in shards for p in merge_records(_shard_records(record_dirs, shard))[0]]
    projects.sort(key=lambda p: p.code)
    return projects


def _read_triples(path: Path) -> list[Triple]:
    return list(read_ntriples(path))

