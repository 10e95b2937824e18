"""The in-process stages every build shares: merge and map records, with the code lists."""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

from pyoxigraph import Triple

from esrgraph.core.errors import ParseError
from esrgraph.core.findings import Finding, Severity
from esrgraph.core.model import ProjectRecord
from esrgraph.core.version import __version__
from esrgraph.io.export import key_of, sort_keyed
from esrgraph.mapping.mapper import MappingOptions, map_projects
from esrgraph.mapping.merge import MergedProject, merge_records
from esrgraph.pipeline.result import BuildOptions

if TYPE_CHECKING:
    from esrgraph.mapping.resolve import Resolver


def problem_findings(records: Iterable[ProjectRecord]) -> list[Finding]:
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


def load_resolver() -> Resolver | None:
    """The code-list resolver, or None when the code lists are not available."""
    try:
        from esrgraph.mapping.codelists import CodeLists
        from esrgraph.mapping.resolve import Resolver
    except ImportError:
        return None
    return Resolver(CodeLists.load())


def codelist_triples() -> list[Triple]:
    try:
        from esrgraph.mapping.codelists import CodeLists
    except ImportError:
        return []
    return list(CodeLists.load().skos_triples())


def build_records(records: Sequence[ProjectRecord], options: BuildOptions) -> tuple[list[MergedProject], list[Triple], list[Finding], list[ParseError], Counter[str], int]:
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
    findings = problem_findings(usable) + merge_findings + mapping.findings
    return projects, sort_keyed(keyed), findings, quarantined, mapping.withheld, mapping.organisations


def build_graph(records: Sequence[ProjectRecord], options: BuildOptions | None = None) -> list[Triple]:
    """Sorted triples for already-parsed records (merged and mapped, not validated)."""
    return build_records(records, options or BuildOptions())[1]


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause CPython's cyclic garbage collector for a build.

    A large build keeps millions of long-lived objects (records, terms, triples) and makes
    hardly any reference cycles; the collector would rescan them all again and again
    (docs/decisions/20261123-build-hot-paths.md). Reference counting still frees everything else
    at once.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@contextmanager
def long_lived_frozen() -> Iterator[None]:
    """Leave the objects alive now out of CPython's cyclic collections until the block ends (``gc.freeze``).

    After the build stage, the build's result holds millions of objects (findings, records' field lines, the
    organisations' facts) that live to the end of the command. Every full collection while the outputs are written
    scans them all again: the query store's update asks for two, to close its database, at about 0.35 s each at
    30,000 descriptions. Frozen, they are skipped; reference counting still frees them, and any cycle among them
    is collected after the block (``gc.unfreeze``).
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
