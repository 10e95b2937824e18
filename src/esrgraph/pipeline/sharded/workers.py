"""What a sharded build runs in its worker processes: parse a chunk of files, map a shard of
projects, validate a shard, write and validate a part of the organisations.

Each task reads its inputs from the work folder (or the shard cache), writes its blocks there, and
returns a small outcome the main process gathers; with a cache entry it is also kept there.
"""

from __future__ import annotations

import hashlib
import pickle
import time
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pyoxigraph import Literal

from esrgraph.core.errors import ParseError
from esrgraph.core.findings import Finding
from esrgraph.core.model import ProjectRecord
from esrgraph.core.vocab import DCTERMS, ESR, RDF
from esrgraph.io.export import sort_keyed
from esrgraph.mapping.mapper import Mapper, MappingOptions, OrganisationFacts, name_index_entries
from esrgraph.mapping.merge import MergedProject, merge_order, merge_records
from esrgraph.parsers.inputs import ParseBatch
from esrgraph.pipeline.cache import shards as shardcache
from esrgraph.pipeline.sharded.blocks import write_blocks
from esrgraph.pipeline.sharded.layout import ORDER, ORGANISATIONS, organisation_facts, organisation_part, shard_of
from esrgraph.validation.report import ShaclResult

if TYPE_CHECKING:
    from esrgraph.mapping.resolve import Resolver
    from esrgraph.pipeline.result import LocatorTable
    from esrgraph.validation.fast.runtime import FastValidator

_NO_CODE = "none"

_dump, _load = shardcache.dump, shardcache.load


@lru_cache(maxsize=1)
def code_list_resolver() -> Resolver | None:
    """The code lists, loaded once per worker process."""
    from esrgraph.pipeline.stages import load_resolver

    return load_resolver()


def shared_name_index(workdir: Path) -> dict[str, set[str]]:
    """The build's organisation-name index (``name-index.pickle`` in ``workdir``), loaded once per worker process.

    Every shard looks names up in the index of the whole input. Loaded for each shard, it cost each shard time in
    proportion to the whole input, so the build's time grew with the square of its size: 231 s of worker time at
    100,000 descriptions (docs/performance.md, session 25). The file's identity is in the key, so a worker never
    answers from the index of another build's work folder.
    """
    path = workdir / "name-index.pickle"
    found = path.stat()
    return _name_index_at(str(path), (found.st_dev, found.st_ino, found.st_mtime_ns, found.st_size))


@lru_cache(maxsize=1)
def _name_index_at(path: str, identity: tuple[int, int, int, int]) -> dict[str, set[str]]:
    index: dict[str, set[str]] = _load(Path(path))
    return index


@lru_cache(maxsize=1)
def shapes_validator() -> FastValidator:
    """The default shapes compiled, once per process."""
    from esrgraph.validation.fast.compiler import compile_shapes

    return compile_shapes(None)


# ---------------------------------------------------------------------------- parse a chunk of files


@dataclass
class ChunkOutcome:
    """What a parse task gives the main process: the chunk's counts and failures, its records left on disk."""

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


def parse_chunk(chunk: int, files: list[tuple[str, str]], encoding: str | None, layout: str | None,
                shards: int, workdir: str, shard_cache: str | None, known: shardcache.DigestTable
                ) -> tuple[ChunkOutcome | bytes, shardcache.DigestTable]:
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
    outcome = ChunkOutcome(batch=batch, no_code=[], index_entries=[], records=len(batch.records),
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


def shard_records(record_dirs: Sequence[str], shard: str) -> list[ProjectRecord]:
    """A shard's records in input order (``record_dirs``: the chunks' folders in input order)."""
    records = []
    for folder in record_dirs:
        path = Path(folder) / f"{shard}.pickle"
        if path.is_file():
            records.extend(_load(path))
    return records


# ---------------------------------------------------------------------------- map a shard


class ShardMapper(Mapper):
    """A Mapper for one shard: nodes that projects share are gathered, not written.

    Each organisation and unresolved concept keeps the (project code, sequence) of its
    first mention, so the main process can take the first mention over all shards: the
    one a single Mapper over all projects (in code order) would have met first.
    """

    def __init__(self, options: MappingOptions, resolver: Resolver | None, name_index: Mapping[str, set[str]]) -> None:
        super().__init__(options, resolver)
        self._name_index = name_index
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


@dataclass
class MapOutcome:
    """What a map task gives the main process: what crosses shards (organisations, unresolved texts,
    links, findings), its blocks left on disk."""

    shard: str
    findings: list[Finding]
    withheld: Counter[str]
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
    #: ``result.organisation_name_owners`` of its projects (the quality report names records by them).
    name_owners: dict[str, str] = field(default_factory=dict)
    #: The IRIs of ``organisations``, sorted (kept in the outcome: the build counts organisations).
    organisation_iris: list[str] = field(default_factory=list)


def map_shard(shard: str, record_dirs: list[str], workdir: str, options: MappingOptions, with_codelists: bool,
              cache_entry: str | None, parts: int) -> MapOutcome:
    """Merge and map one shard; write its blocks to the workdir, or to ``cache_entry`` of the shard cache.

    ``record_dirs``: the folders of the parse chunks that hold records of the shard, in input order (the main
    process knows them from the chunks' digests; looking in every chunk's folder grew with the whole input).
    """
    from esrgraph.pipeline.result import locator_table, organisation_name_owners
    from esrgraph.pipeline.stages import problem_findings

    folder = Path(workdir)
    clock = _Clock()
    records = shard_records(record_dirs, shard)
    clock.lap("load records")
    projects, merge_findings = merge_records(records)
    index = shardcache.RecordingIndex(shared_name_index(folder))
    mapper = ShardMapper(options, code_list_resolver() if with_codelists else None, index)
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
    outcome = MapOutcome(
        shard=shard,
        findings=problem_findings(records) + merge_findings + result.findings,
        withheld=result.withheld,
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
    # The facts of each organisation it mentions, with the order of the first mention: not in the outcome, whose
    # every field the main process holds to the end (``organisations.merge_organisations`` reads them from here).
    _dump(organisation_facts(out / f"p{shard}"), mapper.organisations)
    if cache_entry:
        _dump(out / "outcome.pickle", outcome)
        shardcache.publish(out, final)
    return outcome


def _part_contributions(organisations: dict[str, tuple[tuple[str, int], OrganisationFacts]],
                        links: list[tuple[str, str, str]], codes: dict[str, str], parts: int) -> dict[int, str]:
    """What one shard gives each organisation part (its mentions of the part's organisations, its
    links to them, the codes of the linking projects), as a SHA-256 per part. Not the projects'
    lines: the main process locates a part's findings (``located``), so a record whose lines moved
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


def _type_lines(facts: OrganisationFacts) -> bytes:
    """The organisation's rdf:type triples as N-Triples (what ``sh:class`` reads in a project shard)."""
    return "".join(f"<{facts.iri}> <{RDF}type> <{cls}> .\n" for cls in facts.classes()).encode("utf-8")


# ---------------------------------------------------------------------------- validate a part


@dataclass
class Checked:
    """What a validation task gives: the part's results and findings (and an organisation part's blocks)."""

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
              threads: int) -> Checked:
    """Validate one part on a store of ``store_parts``; its findings placed by ``locator`` (None: left
    unplaced, for the main process to place)."""
    from esrgraph.pipeline.result import locator_of
    from esrgraph.validation.fast.runtime import store_of

    store = store_of(b"".join(store_parts))
    clock.lap("load store")
    owned_text = {subject.decode("utf-8") for subject in owned}
    locate = locator_of(locator) if locator is not None else None
    report = shapes_validator().validate(store, locate=locate, owns=owned_text.__contains__, threads=threads,
                                   skip_unowned_focus=True)
    clock.lap("checks")
    return Checked(findings=report.findings, results=report.results, seconds=clock.seconds)


def validate_shard(stem: str, common: str, organisation_types: bytes, cache_entry: str | None,
                   threads: int) -> Checked:
    """Validate one project shard on its triples, the shared nodes and the types of the organisations it
    links to (into ``cache_entry`` when caching)."""
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


def write_and_validate_organisations(part: int, workdir: str, options: MappingOptions,
                                     cache_entry: str | None, threads: int) -> Checked:
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
    # unlocated: the main process holds every project's lines and locates the findings (``located``);
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
