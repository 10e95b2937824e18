"""The main job: inputs -> records -> one merged, mapped, validated graph -> files.

Each stage reports what it found as ``Finding``s; nothing read is dropped without a
finding or a quarantine entry, and the counts add up: records found = records built +
records quarantined.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pyoxigraph import Triple

from esrgraph.core.errors import ParseError
from esrgraph.core.findings import Finding, Severity
from esrgraph.core.model import ProjectRecord, field_head, field_path, first_lines
from esrgraph.core.version import __version__
from esrgraph.core.vocab import DEFAULT_BASE, PREFIXES
from esrgraph.io.atomic import atomic_copy_file, atomic_write_bytes
from esrgraph.io.export import read_ntriples, serialize_triples
from esrgraph.io.formats import OutputFormat
from esrgraph.mapping.merge import MergedProject
from esrgraph.parsers.inputs import ParseBatch
from esrgraph.validation.report import Locator, ValidationReport

#: Validators ``BuildOptions.validator`` may name.
VALIDATORS = ("fast", "pyshacl")
#: The graph's files in OUT, Turtle first.
GRAPH_FILES = ("esrgraph.ttl", "esrgraph.nt")

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
    #: The publisher facts of the catalogue (``esrgraph build --publisher``); None: the bundled data/publisher.toml.
    publisher_file: str | None = None
    #: "fast" (shapes compiled to SPARQL on Oxigraph) or "pyshacl" (the reference; slow on large inputs).
    validator: str = "fast"
    #: Folder of the build cache (``esrgraph build --incremental`` uses OUT/.cache): per-file parses, or a
    #: sharded build's parts (``pipeline.cache.shards``); None: no cache.
    cache_dir: str | None = None
    #: Parser processes; None: 2 when there are many files to parse, else 1.
    workers: int | None = None
    #: Shards of a sharded build (``pipeline.sharded``); None: shard large inputs, 1: never shard.
    shards: int | None = None


@dataclass(slots=True)
class BuildResult:
    """Everything one build produced and found."""

    batch: ParseBatch
    #: Lists in the in-process build; a sharded build's load from its work folder when first read.
    projects: Sequence[MergedProject]
    triples: Sequence[Triple]
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
    #: The summary's NUTS-link lines, when ``write_outputs`` read them from the query store (None: read from the
    #: graph when asked for: ``outputs.summary.nuts_link_lines``).
    nuts_links: list[str] | None = None

    def record_locator(self) -> Locator:
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
    def read_nothing(self) -> bool:
        """No input file could be read (every one failed): its outputs would replace a build's with an
        empty graph, so ``esrgraph build`` refuses to write them (``pipeline.build.unread_error``)."""
        return self.batch.files_read == len(self.batch.failed_files)

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
        turtle, ntriples = (out / name for name in GRAPH_FILES)
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


#: Where one record's fields were read: the field heads (and dotted paths) it gave, and the first line of each, in
#: the same order. Two tuples, not a dict: a build keeps one per record in memory (a dict of some 60 fields was about
#: 4 KB a record, 450 MB at 100,000 descriptions), and records of one layout share one tuple of names.
FieldLines = tuple[tuple[str, ...], tuple[int, ...]]
#: Where a project's fields were read: per record (path, first line, its ``FieldLines``).
LocatorTable = dict[str, list[tuple[str, int, FieldLines]]]


def locator_table(records: Iterable[ProjectRecord]) -> LocatorTable:
    """The fields' lines of ``records`` by project code, in record order (small, picklable)."""
    table: LocatorTable = {}
    names: dict[tuple[str, ...], tuple[str, ...]] = {}  # one tuple of field names for every record that has them
    for record in records:
        if not record.code:
            continue
        lines = first_lines(record.coverage)
        fields = tuple(lines)
        table.setdefault(record.code, []).append((record.source.path, record.source.first_line,
                                                  (names.setdefault(fields, fields), tuple(lines.values()))))
    return table


def _line_of(lines: FieldLines, name: str) -> int | None:
    fields, numbers = lines
    try:
        return numbers[fields.index(name)]
    except ValueError:
        return None


def locator_of(table: LocatorTable) -> Locator:
    """(record code, field) -> (source path, line): the first line of a record of that project
    that gave the field (or a field of the same head), else the record's first line."""

    def locate(code: str, field_name: str) -> tuple[str | None, int | None]:
        candidates = table.get(code, [])
        exact, head = field_path(field_name), field_head(field_name)
        for name in (exact, head):
            for path, _first, lines in candidates:
                line = _line_of(lines, name)
                if line is not None:
                    return path, line
        if candidates:
            return candidates[0][0], candidates[0][1]
        return None, None

    return locate


def _locator(records: Sequence[ProjectRecord]) -> Locator:
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


