"""The main job: inputs -> records -> one merged, mapped, validated graph -> files.

Each stage reports what it found as ``Finding``s; nothing read is dropped without a
finding or a quarantine entry, and the counts add up: records found = records built +
records quarantined.
"""

from __future__ import annotations

import gc
import json
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import Triple

from esrgraph import __version__
from esrgraph.errors import ParseError
from esrgraph.export import (
    OutputFormat,
    atomic_copy_file,
    atomic_write_bytes,
    atomic_write_text,
    key_of,
    read_ntriples,
    serialize_triples,
    sort_keyed,
)
from esrgraph.findings import Finding, Severity
from esrgraph.mapping import MappingOptions, map_projects
from esrgraph.merge import MergedProject, merge_records
from esrgraph.model import ProjectRecord, field_head
from esrgraph.parsing import ParseBatch
from esrgraph.validate import ValidationReport, triples_to_rdflib, validate_graph
from esrgraph.vocab import DEFAULT_BASE, PREFIXES

#: Validators ``BuildOptions.validator`` may name.
VALIDATORS = ("fast", "pyshacl")

#: Exit codes, documented in the README and in ``esrgraph --help``.
EXIT_OK = 0
EXIT_VIOLATIONS = 1
EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 3


@dataclass(frozen=True, slots=True)
class BuildOptions:
    base: str = DEFAULT_BASE
    include_personal_data: bool = False
    encoding: str | None = None
    layout: str | None = None
    shapes: str | None = None
    with_codelists: bool = True
    #: Publishing (esrgraph.publish): release name (None: OUT/release/), download base URL, issued date (ISO).
    release: str | None = None
    download_base: str | None = None
    issued: str | None = None
    #: "fast" (shapes compiled to SPARQL on Oxigraph) or "pyshacl" (the reference; slow on large inputs).
    validator: str = "fast"
    #: Folder of the build cache (``esrgraph build --incremental`` uses OUT/.cache): per-file parses, or a
    #: sharded build's parts (esrgraph.shardcache); None: no cache.
    cache_dir: str | None = None
    #: Parser processes; None: 2 when there are many files to parse, else 1.
    workers: int | None = None
    #: Shards of a sharded build (esrgraph.shardbuild); None: shard large inputs, 1: never shard.
    shards: int | None = None


@dataclass(slots=True)
class BuildResult:
    """Everything one build produced and found."""

    batch: ParseBatch
    projects: list[MergedProject]
    triples: list[Triple]
    findings: list[Finding]
    validation: ValidationReport | None
    quarantined: list[ParseError]
    withheld: Counter[str] = field(default_factory=Counter)
    organisations: int = 0
    base: str = DEFAULT_BASE
    #: The graph as sorted N-Triples, when the build made it (the fast validator does); write_outputs reuses it.
    ntriples: bytes | None = None
    #: Seconds per stage (parse, map, validate; a sharded build adds write and "worker: <step>" CPU sums).
    timings: dict[str, float] = field(default_factory=dict)
    #: A sharded build's graph files ("ntriples", "turtle"), already written; None: serialise ``triples``.
    graph_files: dict[str, Path] | None = None
    #: Keeps a sharded build's work folder (and the graph files in it) for the result's lifetime.
    workdir: object = None
    #: A sharded build with a cache: parts reused from it, of all, by kind (chunks, map, check, org).
    reuse: dict[str, tuple[int, int]] = field(default_factory=dict)
    #: A sharded build's locator table and organisation-name owners, gathered from its shards
    #: (None: made from ``batch.records`` and ``projects`` when asked for, which loads them all).
    locations: LocatorTable | None = None
    name_owners: dict[str, str] | None = None
    #: Why a sharded build could not use its cache and built every part again (None: it could).
    cache_note: str | None = None

    def record_locator(self):  # type: ignore[no-untyped-def]
        """(record code, field) -> (source path, line) for every record of the build (``locator_of``)."""
        return locator_of(self.locations if self.locations is not None else locator_table(self.batch.records))

    def organisation_name_owners(self) -> dict[str, str]:
        """``organisation_name_owners`` of the build's projects."""
        return self.name_owners if self.name_owners is not None else organisation_name_owners(self.projects)

    @property
    def records_found(self) -> int:
        """Records the parsers saw, whether they built or not."""
        return len(self.batch.records) + len(self.batch.quarantined)

    @property
    def records_built(self) -> int:
        """Records that went into the graph (several may merge into one project)."""
        return self.records_found - len(self.quarantined)

    @property
    def conforms(self) -> bool:
        return not any(f.severity is Severity.VIOLATION for f in self.findings)

    @property
    def exit_code(self) -> int:
        if self.batch.failed_files or self.quarantined:
            return EXIT_BAD_INPUT
        if not self.conforms:
            return EXIT_VIOLATIONS
        return EXIT_OK

    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in Severity}
        for f in self.findings:
            out[f.severity.value] += 1
        return out

    def graph_ntriples(self) -> bytes:
        """The graph as sorted N-Triples: the fast validator's copy, or made once on first use."""
        if self.ntriples is None:
            if self.graph_files is not None:
                self.ntriples = self.graph_files["ntriples"].read_bytes()
            else:
                self.ntriples = serialize_triples(self.triples, OutputFormat.NTRIPLES, presorted=True)
        return self.ntriples

    def iter_triples(self) -> Iterable[Triple]:
        """The triples in sorted order; streamed from a sharded build's graph file, never all held."""
        return self.triples if self.graph_files is None else read_ntriples(self.graph_files["ntriples"])

    def write_graph(self, out_dir: str | os.PathLike[str]) -> list[Path]:
        """Write the graph as ``esrgraph.ttl`` and ``esrgraph.nt`` into ``out_dir`` (atomically)."""
        out = Path(out_dir)
        turtle, ntriples = out / "esrgraph.ttl", out / "esrgraph.nt"
        if self.graph_files is not None:
            atomic_copy_file(self.graph_files["turtle"], turtle)
            atomic_copy_file(self.graph_files["ntriples"], ntriples)
        else:
            atomic_write_bytes(turtle, serialize_triples(self.triples, OutputFormat.TURTLE, self.prefixes(), presorted=True))
            atomic_write_bytes(ntriples, self.graph_ntriples())
        return [turtle, ntriples]

    def prefixes(self) -> dict[str, str]:
        """Prefixes for Turtle output: vocabularies only, so data IRIs are written whole and readable."""
        return dict(PREFIXES)


def default_inputs() -> list[Path]:
    """The bundled sample records (``data/samples``)."""
    from esrgraph.resources import resource_dir

    return [resource_dir("data") / "samples"]


def _problem_findings(records: Iterable[ProjectRecord]) -> list[Finding]:
    return [
        Finding(
            severity=Severity.VIOLATION,
            rule="unreadable-value",
            message=problem.message,
            record=problem.record or record.code,
            field=problem.field,
            value=problem.value,
            path=problem.path,
            line=problem.line,
            stage="parse",
        )
        for record in records
        for problem in record.problems
    ]


#: Where a project's fields were read: per record (path, first line, {field head: first line}).
LocatorTable = dict[str, list[tuple[str, int, dict[str, int]]]]


def locator_table(records: Iterable[ProjectRecord]) -> LocatorTable:
    """The fields' lines of ``records`` by project code, in record order (small, picklable)."""
    table: LocatorTable = {}
    for record in records:
        if not record.code:
            continue
        heads: dict[str, int] = {}
        for use in record.coverage:
            if use.field:
                heads.setdefault(field_head(use.field), use.line)
        table.setdefault(record.code, []).append((record.source.path, record.source.first_line, heads))
    return table


def locator_of(table: LocatorTable):  # type: ignore[no-untyped-def]
    """(record code, field) -> (source path, line): the first line of a record of that project
    that gave the field (or a field of the same head), else the record's first line."""

    def locate(code: str, field_name: str) -> tuple[str | None, int | None]:
        candidates = table.get(code, [])
        head = field_head(field_name)
        for path, _first, heads in candidates:
            if head in heads:
                return path, heads[head]
        if candidates:
            return candidates[0][0], candidates[0][1]
        return None, None

    return locate


def _locator(records: Sequence[ProjectRecord]):  # type: ignore[no-untyped-def]
    return locator_of(locator_table(records))


def organisation_name_owners(projects: Iterable[MergedProject]) -> dict[str, str]:
    """Organisation name -> the first project (by code) whose records give it (applicant or
    co-implementer), so that a finding about one of an organisation's names points at a record
    that wrote it. Per shard, then the smallest code: the same for a sharded build."""
    owners: dict[str, str] = {}
    for project in projects:
        for record in project.records:
            names = [record.applicant.name] if record.applicant and record.applicant.name else []
            names += [co.name for co in record.co_implementers]
            keep_smallest_owners(owners, dict.fromkeys(names, project.code))
    return owners


def keep_smallest_owners(owners: dict[str, str], more: dict[str, str]) -> None:
    """Add ``more`` name owners to ``owners``, the smaller code winning (how shards' owners combine)."""
    for name, code in more.items():
        if name not in owners or code < owners[name]:
            owners[name] = code


def load_resolver():  # type: ignore[no-untyped-def]
    """The code-list resolver, or None when the code lists are not available."""
    try:
        from esrgraph.codelists import CodeLists
        from esrgraph.resolve import Resolver
    except ImportError:
        return None
    return Resolver(CodeLists.load())


def codelist_triples() -> list[Triple]:
    try:
        from esrgraph.codelists import CodeLists
    except ImportError:
        return []
    return list(CodeLists.load().skos_triples())


def build_records(records: list[ProjectRecord], options: BuildOptions) -> tuple[list[MergedProject], list[Triple], list[Finding], list[ParseError], Counter[str], int]:
    """Merge and map parsed records (no validation). Records without a code are quarantined."""
    quarantined: list[ParseError] = []
    usable: list[ProjectRecord] = []
    for record in records:
        if not record.code:
            quarantined.append(
                ParseError(record.source.path, "record has no project code", line=record.source.first_line, field="code")
            )
        else:
            usable.append(record)
    projects, merge_findings = merge_records(usable)
    mapping = map_projects(
        projects,
        MappingOptions(base=options.base, include_personal_data=options.include_personal_data, software_version=__version__),
        load_resolver() if options.with_codelists else None,
    )
    keyed = mapping.keyed
    if options.with_codelists:
        keyed.update((key_of(t), t) for t in codelist_triples())
    findings = _problem_findings(usable) + merge_findings + mapping.findings
    return projects, sort_keyed(keyed), findings, quarantined, mapping.withheld, mapping.organisations


def build_graph(records: list[ProjectRecord], options: BuildOptions | None = None) -> list[Triple]:
    """Sorted triples for already-parsed records (merged and mapped, not validated)."""
    return build_records(records, options or BuildOptions())[1]


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause CPython's cyclic garbage collector for a build.

    A large build keeps millions of long-lived objects (records, terms, triples) and makes
    hardly any reference cycles; the collector would rescan them all again and again, about
    a fifth of a 10,000-record build (benchmarks/results.md). Reference counting still frees
    everything else at once.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def build(inputs: Sequence[str | os.PathLike[str]] | None = None, options: BuildOptions | None = None) -> BuildResult:
    """Parse, merge, map and validate ``inputs`` (the bundled samples when None).

    Returns:
        A BuildResult; ``result.exit_code`` is 0 (conforms), 1 (violations) or 2 (bad input).
    """
    with cyclic_gc_paused():
        return _build(inputs, options)


def _build(inputs: Sequence[str | os.PathLike[str]] | None, options: BuildOptions | None) -> BuildResult:
    import time

    options = options or BuildOptions()
    if options.validator not in VALIDATORS:
        from esrgraph.errors import UsageError

        raise UsageError(f"unknown validator {options.validator!r}; choose one of {', '.join(VALIDATORS)}")
    timings: dict[str, float] = {}
    start = time.perf_counter()
    from esrgraph.fastbuild import parse_files
    from esrgraph.shardbuild import build_sharded, wants_shards
    from esrgraph.sources import iter_input_files

    files = [(str(path), shown) for path, shown in iter_input_files(inputs if inputs else default_inputs())]
    if wants_shards(len(files), options):
        return build_sharded(files, options)
    batch = parse_files(files, options)
    timings["parse"] = time.perf_counter() - start
    start = time.perf_counter()
    projects, triples, findings, quarantined, withheld, organisations = build_records(batch.records, options)
    quarantined = batch.quarantined + quarantined
    timings["map"] = time.perf_counter() - start
    start = time.perf_counter()
    ntriples = None
    if options.validator == "fast":
        from esrgraph.fastbuild import validate_fast

        ntriples = serialize_triples(triples, OutputFormat.NTRIPLES, presorted=True)
        validation = validate_fast(triples, ntriples, options.shapes, _locator(batch.records))
    else:
        validation = validate_graph(triples_to_rdflib(triples), options.shapes, locate=_locator(batch.records))
    all_findings = sorted(findings + validation.findings, key=Finding.sort_key)
    timings["validate"] = time.perf_counter() - start
    return BuildResult(
        batch=batch,
        projects=projects,
        triples=triples,
        findings=all_findings,
        validation=validation,
        quarantined=quarantined,
        withheld=withheld,
        organisations=organisations,
        base=options.base,
        ntriples=ntriples,
        timings=timings,
    )


def report_json(result: BuildResult) -> dict[str, object]:
    """The machine-readable build report (validation-report.json)."""
    return {
        "esrgraph_version": __version__,
        "conforms": result.conforms,
        "exit_code": result.exit_code,
        "counts": {
            "files_read": result.batch.files_read,
            "files_parsed": result.batch.files_read - len(result.batch.failed_files),
            "files_failed": len(result.batch.failed_files),
            "records_found": result.records_found,
            "records_built": result.records_built,
            "records_quarantined": len(result.quarantined),
            "projects_in_graph": len(result.projects),
            "organisations_in_graph": result.organisations,
            "triples": len(result.triples),
            **{f"findings_{k.lower()}": v for k, v in result.counts().items()},
        },
        "failed_files": [{"path": f.path, "message": f.error.message, "hint": f.error.hint} for f in result.batch.failed_files],
        "quarantined": [
            {"path": q.path, "line": q.line, "record": q.record, "field": q.field, "message": q.message}
            for q in sorted(result.quarantined, key=lambda q: (q.path, q.line or 0))
        ],
        "withheld_personal_data": dict(sorted(result.withheld.items())),
        "findings": [f.to_json() for f in result.findings],
    }


def write_outputs(result: BuildResult, out_dir: str | os.PathLike[str], options: BuildOptions | None = None) -> list[Path]:
    """Write the graph, both reports and the release folder (esrgraph.publish) into ``out_dir``; return the paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    turtle, ntriples = result.write_graph(out)
    written += [turtle, ntriples]
    report_ttl = out / "validation-report.ttl"
    report_triples = result.validation.report_triples() if result.validation else []
    atomic_write_bytes(report_ttl, serialize_triples(report_triples, OutputFormat.TURTLE, {"sh": "http://www.w3.org/ns/shacl#", **result.prefixes()}))
    written.append(report_ttl)
    report_path = out / "validation-report.json"
    atomic_write_text(report_path, json.dumps(report_json(result), ensure_ascii=False, indent=2, sort_keys=False) + "\n")
    written.append(report_path)
    from esrgraph.quality import write_build_quality

    written += write_build_quality(result, out)
    from esrgraph.quarantine import write_quarantine

    written += write_quarantine(result, out, options)
    from esrgraph.publish.release import write_build_release

    written.append(write_build_release(result, out, options, {"ntriples": ntriples, "turtle": turtle,
                                                                  "report": report_ttl}).folder)
    return written
