"""The sharded build: large inputs over worker processes, a shard of projects at a time.

Why: one process holding 30,000 projects' millions of triples as Python objects needs more memory
than a machine has and works on one core (docs/decisions/20261123-sharded-build.md). Here every
project's records, triples and checks stay in one worker's shard; the main process holds only what
crosses projects (the organisation-name index, organisation facts, findings) and joins the shards'
sorted output at the end.

The phases (``_build_sharded`` calls one function each):

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

Where the rest lives: ``layout`` (how the work is cut), ``workers`` (the tasks the worker
processes run), ``organisations`` (organisations across shards, in the main process) and
``blocks`` (writing and merging subject blocks).

The outputs and findings are byte for byte those of the in-process build
(tests/pipeline/test_sharded_build.py checks it on data with faults of every kind). The sharded
build is used for the default shapes and the fast validator only; other builds run in
one process.
"""

from __future__ import annotations

import hashlib
import pickle
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, overload

from pyoxigraph import Triple

from esrgraph.core.errors import ParseError, name_file
from esrgraph.core.findings import Finding
from esrgraph.core.model import ProjectRecord
from esrgraph.core.version import __version__
from esrgraph.io.export import key_of, read_ntriples, sort_keyed
from esrgraph.io.pagecache import drop_cached
from esrgraph.mapping.mapper import Mapper, MappingOptions, name_index_entries
from esrgraph.mapping.merge import MergedProject, merge_records, merged_field
from esrgraph.parsers.inputs import ParseBatch
from esrgraph.pipeline.cache import shards as shardcache
from esrgraph.pipeline.cache.fingerprint import program_fingerprint
from esrgraph.pipeline.progress import Progress
from esrgraph.pipeline.sharded.blocks import merge_blocks, write_blocks
from esrgraph.pipeline.sharded.layout import ORDER, ORGANISATIONS, chunk_files, shard_count
from esrgraph.pipeline.sharded.organisations import located, merge_organisations, write_organisation_parts
from esrgraph.pipeline.sharded.workdir import work_folder
from esrgraph.pipeline.sharded.workers import (
    Checked,
    ChunkOutcome,
    MapOutcome,
    map_shard,
    parse_chunk,
    shapes_validator,
    shard_records,
    validate_shard,
    write_and_validate_organisations,
)
from esrgraph.pipeline.workers import process_count, process_pool
from esrgraph.validation.fast.runtime import check_threads
from esrgraph.validation.report import ValidationReport

if TYPE_CHECKING:
    from esrgraph.pipeline.result import BuildOptions, BuildResult

T = TypeVar("T")
_R = TypeVar("_R", MapOutcome, Checked)

_dump, _load = shardcache.dump, shardcache.load


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

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> list[T]: ...

    def __getitem__(self, index: int | slice) -> T | list[T]:
        return self._all()[index]

    def __iter__(self) -> Iterator[T]:
        return iter(self._all())


def build_sharded(files: list[tuple[str, str]], options: BuildOptions, replaced: Sequence[Path] = ()) -> BuildResult:
    """Build ``files`` (path, display name) in shards; the same result as ``build.build``.

    With ``options.cache_dir`` the parts are kept in and reused from a ``ShardCache``
    (``pipeline.cache.shards``): a rebuild redoes only the parts whose inputs changed. ``replaced``: the graph's
    files of the last build, which this one's will replace (their cached pages are let go of before the new ones
    are written, ``io.pagecache``).
    """
    cache = shardcache.ShardCache(options.cache_dir) if options.cache_dir else None
    program_fingerprint()  # once, before the workers fork: every key of this build uses the same
    try:
        try:
            result = _build_sharded(files, options, cache, replaced)
        except Exception as exc:  # noqa: BLE001 - a damaged entry fails in many ways; a second failure is raised
            if cache is None:
                raise
            # An entry that cannot be read (truncated by a full disk, edited by hand) must not stop the
            # build: build again from an empty cache. A fault of esrgraph's own fails again and is raised.
            cache.clear()
            result = _build_sharded(files, options, cache, replaced)
            result.cache_note = (f"the build cache in {options.cache_dir} could not be used ({type(exc).__name__}: "
                                 f"{exc}); every part was built again and kept anew")
        if cache is not None:
            cache.sweep()
        return result
    finally:
        if cache is not None:
            cache.close()


@dataclass
class _Run:
    """What every phase of one build reads: its options, cache, work folder, shards and pool."""

    options: BuildOptions
    cache: shardcache.ShardCache | None
    workdir: Path
    shards: int
    workers: int
    mapping_options: MappingOptions
    pool: ProcessPoolExecutor
    timings: dict[str, float] = field(default_factory=dict)
    #: Parts taken from the cache, by kind (``BuildResult.reuse``).
    reused: Counter[str] = field(default_factory=Counter)

    @property
    def names(self) -> list[str]:
        """The shards' names, as their record files and blocks are named."""
        return [f"{s:04d}" for s in range(self.shards)]


@dataclass
class _Parsed:
    """What the parse phase leaves the main process: the batch's counts and where the records are."""

    batch: ParseBatch
    no_code: list[ParseError] = field(default_factory=list)
    #: The chunks' folders in input order, and each chunk's SHA-256 of each of its shard files.
    record_dirs: list[str] = field(default_factory=list)
    digests: list[dict[str, str]] = field(default_factory=list)
    records: int = 0
    chunks: int = 0


@dataclass
class _Common:
    """The shared nodes that are not organisations (code lists, unresolved concepts, the PROV activity)."""

    stem: Path
    triples: int
    #: SHA-256 of their N-Triples (every shard's checks read them, so their keys hold it).
    digest: str
    #: Projects over all shards (the activity is written when there are any).
    projects: int


def _build_sharded(files: list[tuple[str, str]], options: BuildOptions, cache: shardcache.ShardCache | None,
                   replaced: Sequence[Path] = ()) -> BuildResult:
    """The phases in order, each timed into ``BuildResult.timings``."""
    holder = work_folder()
    try:
        return _build_in(holder, files, options, cache, replaced)
    except OSError as exc:
        # a write to an open file names none: the work folder's file system (or the cache's) filled up
        name_file(exc, holder.name if cache is None else f"{holder.name} or {cache.root}")
        raise


def _build_in(holder: tempfile.TemporaryDirectory[str], files: list[tuple[str, str]], options: BuildOptions,
              cache: shardcache.ShardCache | None, replaced: Sequence[Path] = ()) -> BuildResult:
    shards = shard_count(len(files), options, cache.shard_count() if cache else None)
    workers = process_count(options.workers)
    mapping_options = MappingOptions(base=options.base, include_personal_data=options.include_personal_data,
                                     software_version=__version__)
    # workers that end with this process: killed, it runs no clean-up (tests/pipeline/test_worker_lifetime.py)
    with process_pool(workers) as pool:
        run = _Run(options, cache, Path(holder.name), shards, workers, mapping_options, pool)
        start = time.perf_counter()
        parsed, index_entries = _parse_chunks(run, files)
        name_index = _write_name_index(run, index_entries)
        del index_entries
        run.timings["parse"] = time.perf_counter() - start

        start = time.perf_counter()
        mapped, map_keys = _map_shards(run, parsed, name_index)
        del name_index
        shared_start = time.perf_counter()
        common = _write_common_nodes(run, mapped)
        part_keys = _organisation_part_keys(run, mapped)
        run.timings["map"] = time.perf_counter() - start
        run.timings["map: shared nodes (main)"] = time.perf_counter() - shared_start

        start = time.perf_counter()
        checks, organisations = _validate_parts(run, mapped, map_keys, common, part_keys)
        run.timings["validate"] = time.perf_counter() - start

    start = time.perf_counter()
    drop_cached(replaced)  # just before: their pages are soon given back to the machine's host (io.pagecache)
    out = _merge_graph(run, common, mapped, checks)
    run.timings["write"] = time.perf_counter() - start
    return _assemble_result(run, holder, parsed, mapped, checks, common, organisations, len(part_keys), out)


# ---------------------------------------------------------------------------- 1. parse


def _parse_chunks(run: _Run, files: list[tuple[str, str]]
                  ) -> tuple[_Parsed, list[tuple[str, list[tuple[str, Any]]]]]:
    """Parse the input in chunks on the workers (never through the per-file parse cache: the shard
    cache keeps whole chunks); with each chunk's folder, its records' name-index entries."""
    cache, options = run.cache, run.options
    chunks = chunk_files(files)
    progress = Progress(len(files), "parse", "files")
    parsed = _Parsed(batch=ParseBatch(), chunks=len(chunks))
    batch = parsed.batch
    index_entries: list[tuple[str, list[tuple[str, Any]]]] = []  # by chunk, with its folder
    known = cache.known_digests() if cache else {}
    found: shardcache.DigestTable = {}
    futures = [run.pool.submit(parse_chunk, n, chunk, options.encoding, options.layout,
                               run.shards, str(run.workdir), str(cache.root) if cache else None,
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
        parsed.no_code.extend(outcome.no_code)
        index_entries.append((outcome.records_dir, outcome.index_entries))
        parsed.records += outcome.records
        parsed.record_dirs.append(outcome.records_dir)
        parsed.digests.append(outcome.digests)
        if cache is not None and Path(outcome.records_dir).parent == cache.root / "chunks":
            cache.use("chunks", Path(outcome.records_dir).name)
        run.reused["chunks"] += outcome.reused
        progress.update(len(chunk))
    progress.close()
    if cache is not None:
        cache.keep_digests(found)
        cache.keep_shard_count(run.shards)
    return parsed, index_entries


def _chunk_outcome(done: ChunkOutcome | bytes) -> ChunkOutcome:
    """A parse task's outcome; a kept chunk comes pickled (the worker checked it, this process loads it)."""
    if isinstance(done, bytes):
        outcome: ChunkOutcome = pickle.loads(done)
        outcome.reused = True
        return outcome
    return done


def _write_name_index(run: _Run, index_entries: Sequence[tuple[str, list[tuple[str, Any]]]]) -> dict[str, set[str]]:
    """The organisation-name index, written for the map workers to read (once each: ``shared_name_index``)."""
    name_index = _name_index(index_entries)
    _dump(run.workdir / "name-index.pickle", name_index)
    return name_index


def _name_index(chunks: Sequence[tuple[str, list[tuple[str, Any]]]]) -> dict[str, set[str]]:
    """The organisation-name index of the merged projects, as ``Mapper.index_organisations`` makes it.

    ``chunks``: each parse chunk's folder with the (code, that record's own index entries) of its
    records. A project of one record adds its own entries (the parse workers made them); for a
    project of several, the chunks that hold its records are read for their organisations, which
    are merged first. The main process so unpickles only codes and index entries, not every
    record's organisations (which were most of a rebuild's parse time; docs/decisions/20261201-shard-cache.md).
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


# ---------------------------------------------------------------------------- 2. map


def _map_shards(run: _Run, parsed: _Parsed, name_index: dict[str, set[str]]
                ) -> tuple[list[MapOutcome], list[str]]:
    """Map every shard on the workers, or take it from the cache while the name index answers its
    look-ups as before; with each shard's map key (its checks' keys hold it)."""
    cache, options, shards, names = run.cache, run.options, run.shards, run.names
    progress = Progress(shards, "map", "shards")
    mapped: list[MapOutcome | None] = [None] * shards
    # the chunks that hold records of each shard (a chunk lists the digest of each shard file it wrote), in input order
    holders: dict[str, list[int]] = defaultdict(list)
    for chunk, digests in enumerate(parsed.digests):
        for name in digests:
            holders[name].append(chunk)
    map_keys = [shardcache.digest(repr(run.mapping_options), str(options.with_codelists), str(shards), name,
                                  *(parsed.digests[c][name] for c in holders[name])) for name in names]
    pending: dict[int, Future[MapOutcome]] = {}

    def map_in_worker(n: int) -> None:
        record_dirs = [parsed.record_dirs[c] for c in holders[names[n]]]
        pending[n] = run.pool.submit(map_shard, names[n], record_dirs, str(run.workdir), run.mapping_options,
                                     options.with_codelists, str(cache.path("map", map_keys[n])) if cache else None,
                                     shards)

    # Shards with no kept entry go to the workers first, so they map while the kept ones load here.
    kept_entries: dict[int, Path] = {}
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
            run.reused["map"] += 1
            progress.update()
        else:
            map_in_worker(n)
    for n, future in pending.items():
        mapped[n] = future.result()
        progress.update()
    progress.close()
    return [outcome for outcome in mapped if outcome is not None], map_keys


def _reused(part: _R) -> _R:
    """A part taken from the shard cache: its worker seconds were spent by an earlier build."""
    part.seconds = {}
    return part


# ---------------------------------------------------------------------------- 3. shared nodes


def _write_common_nodes(run: _Run, mapped: Sequence[MapOutcome]) -> _Common:
    """Write the shared nodes that are not organisations once, here: every shard met them, none owns them
    (reused from the cache while the unresolved texts and options are the same)."""
    from esrgraph.pipeline.stages import codelist_triples

    cache, options = run.cache, run.options
    common = Mapper(run.mapping_options)
    unresolved: dict[str, tuple[tuple[str, int], str, str]] = {}
    for outcome in mapped:
        for iri, (order, kind, text) in outcome.unresolved.items():
            if iri not in unresolved or order < unresolved[iri][0]:
                unresolved[iri] = (order, kind, text)
    projects = sum(outcome.projects for outcome in mapped)
    # the code lists, unresolved concepts and the PROV activity: reused while the same
    common_key = shardcache.digest(repr(run.mapping_options), str(options.with_codelists), str(projects > 0),
                                   shardcache.stable_bytes(sorted((i, k, t) for i, (_, k, t) in unresolved.items())))
    common_entry = cache.use("common", common_key) if cache else None
    if common_entry is not None and common_entry.is_dir():
        common_stem = common_entry / "common"
        common_count: int = _load(common_entry / "count.pickle")
        run.reused["common"] += 1
    else:
        for iri, (_, kind, text) in unresolved.items():
            common.write_unresolved_concept(iri, kind, text)
        if projects:
            common.write_activity(common.activity_iri())
        keyed = common.result.keyed
        if options.with_codelists:
            keyed.update((key_of(t), t) for t in codelist_triples())
        folder = shardcache.staging(common_entry) if common_entry else run.workdir / "graph"
        common_count = write_blocks(sort_keyed(keyed), folder / "common")
        common_stem = (common_entry or folder) / "common"
        if common_entry is not None:
            _dump(folder / "count.pickle", common_count)
            shardcache.publish(folder, common_entry)
        del keyed
    del common
    common_digest = hashlib.sha256(common_stem.with_suffix(".nt").read_bytes()).hexdigest()
    return _Common(stem=common_stem, triples=common_count, digest=common_digest, projects=projects)


def _organisation_part_keys(run: _Run, mapped: Sequence[MapOutcome]) -> list[str]:
    """Each organisation part's key: made of what every shard gives it, so a part whose inputs are
    unchanged is reused."""
    return [shardcache.digest(repr(run.mapping_options), str(n), str(run.shards),
                              *(outcome.part_digests.get(n, "-") for outcome in mapped)) for n in range(run.shards)]


# ---------------------------------------------------------------------------- 4. validate


def _validate_parts(run: _Run, mapped: list[MapOutcome], map_keys: Sequence[str], common: _Common,
                    part_keys: Sequence[str]) -> tuple[list[Checked], int]:
    """Validate the shards on the workers; meanwhile merge the organisations here, then write and
    validate their parts (the shards' checks go first so no worker waits); with the organisation count."""
    cache, shards = run.cache, run.shards
    shard_types = [outcome.organisation_types for outcome in mapped]
    progress = Progress(shards + len(part_keys), "validate", "parts")
    checked: list[Checked | None] = [None] * (shards + len(part_keys))
    waiting: dict[int, Future[Checked]] = {}
    kept_checks: dict[int, tuple[str, Path]] = {}  # loaded after the parts to check are on their way
    check_targets: list[tuple[int, Path | None]] = []
    for n, (outcome, key, t) in enumerate(zip(mapped, map_keys, shard_types)):
        check_key = shardcache.digest(key, shardcache.stable_bytes(sorted(outcome.lookups.items())), common.digest,
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
    threads = check_threads(min(run.workers, len(check_targets) + len(missing)))
    for n, target in check_targets:
        waiting[n] = run.pool.submit(validate_shard, mapped[n].stem, str(common.stem.with_suffix(".nt")),
                                     shard_types[n], str(target) if target else None, threads)
    organisations_start = time.perf_counter()
    if missing:
        write_organisation_parts(merge_organisations(mapped), mapped, shards, run.workdir, missing)
    organisation_count = len(set[str]().union(*(outcome.organisation_iris for outcome in mapped)))
    del shard_types
    for outcome in mapped:  # read for the last time: what grows with the input is not held through the outputs
        outcome.links, outcome.codes, outcome.organisation_types, outcome.organisation_iris = [], {}, b"", []
    run.timings["validate: merge organisations (main)"] = time.perf_counter() - organisations_start
    for n, key in enumerate(part_keys):
        target = cache.use("org", key) if cache else None
        if target is not None and (target / "checked.pickle").is_file():
            kept_checks[shards + n] = ("org", target)
            continue
        waiting[shards + n] = run.pool.submit(write_and_validate_organisations, n, str(run.workdir),
                                              run.mapping_options, str(target) if target else None, threads)
    for n, (kind, target) in kept_checks.items():
        checked[n] = _reused(_load(target / "checked.pickle"))
        run.reused[kind] += 1
        progress.update()
    for n, future in waiting.items():
        checked[n] = future.result()
        progress.update()
    progress.close()
    return [c for c in checked if c is not None], organisation_count


# ---------------------------------------------------------------------------- 5. write


def _merge_graph(run: _Run, common: _Common, mapped: Sequence[MapOutcome], checks: Sequence[Checked]) -> Path:
    """Merge every part's subject blocks into the two graph files; return their folder."""
    stems = [common.stem] + [Path(o.stem) for o in mapped] + [Path(c.stem) for c in checks[run.shards:]]
    out = run.workdir / "out"
    out.mkdir()
    merge_blocks(stems, out / "esrgraph.nt", out / "esrgraph.ttl")
    return out


# ---------------------------------------------------------------------------- the result


def _assemble_result(run: _Run, holder: tempfile.TemporaryDirectory[str], parsed: _Parsed,
                     mapped: Sequence[MapOutcome], checks: Sequence[Checked], common: _Common,
                     organisation_count: int, parts: int, out: Path) -> BuildResult:
    """The BuildResult the in-process build would give: findings gathered and sorted, the records,
    projects and triples left on disk until asked for."""
    from esrgraph.pipeline.result import BuildResult, keep_smallest_owners

    timings, shards, batch = run.timings, run.shards, parsed.batch
    for worker_seconds in [o.seconds for o in mapped] + [c.seconds for c in checks]:
        for step, seconds in worker_seconds.items():
            timings[f"worker: {step}"] = timings.get(f"worker: {step}", 0.0) + seconds
    reuse = {kind: (run.reused[kind], total) for kind, total in
             (("chunks", parsed.chunks), ("map", shards), ("check", shards), ("org", parts), ("common", 1))
             } if run.cache else {}
    locations = {code: places for outcome in mapped for code, places in outcome.locator.items()}
    report = ValidationReport(shapes_files=list(shapes_validator().shapes_files))
    for n, part_checked in enumerate(checks):
        report.results.extend(part_checked.results)
        report.findings.extend(part_checked.findings if n < shards else located(part_checked.findings, locations))
    report.findings.sort(key=Finding.sort_key)
    findings = [f for outcome in mapped for f in outcome.findings]
    withheld: Counter[str] = Counter()
    for outcome in mapped:
        withheld.update(outcome.withheld)
    triple_count = common.triples + sum(o.triples for o in mapped) + sum(c.triples for c in checks)
    name_owners: dict[str, str] = {}
    for outcome in mapped:
        keep_smallest_owners(name_owners, outcome.name_owners)
    record_dirs, names = parsed.record_dirs, run.names
    batch.records = LazySequence(parsed.records, lambda: _all_records(record_dirs))
    result = BuildResult(
        batch=batch,
        projects=LazySequence(common.projects, lambda: _all_projects(record_dirs, names)),
        triples=LazySequence(triple_count, lambda: _read_triples(out / "esrgraph.nt")),
        findings=sorted(findings + report.findings, key=Finding.sort_key),
        validation=report,
        quarantined=batch.quarantined + parsed.no_code,
        withheld=withheld,
        organisations=organisation_count,
        base=run.options.base,
        timings=timings,
        graph_files={"ntriples": out / "esrgraph.nt", "turtle": out / "esrgraph.ttl"},
        workdir=holder,
        reuse=reuse,
        locations=locations,
        name_owners=name_owners,
    )
    return result


def _all_records(record_dirs: Sequence[str]) -> list[ProjectRecord]:
    """Every record in input order (the order ``ParseBatch.records`` has)."""
    records: list[ProjectRecord] = []
    for folder in record_dirs:
        order: list[str] = _load(Path(folder) / f"{ORDER}.pickle")
        shards = {shard: iter(_load(Path(folder) / f"{shard}.pickle")) for shard in set(order)}
        records.extend(next(shards[shard]) for shard in order)
    return records


def _all_projects(record_dirs: Sequence[str], shards: list[str]) -> list[MergedProject]:
    """Every merged project in code order, merged again from the shards' record files."""
    projects = [p for shard in shards for p in merge_records(shard_records(record_dirs, shard))[0]]
    projects.sort(key=lambda p: p.code)
    return projects


def _read_triples(path: Path) -> list[Triple]:
    return list(read_ntriples(path))
