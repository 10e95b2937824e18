"""The organisations across shards, in the main process: their facts merged from every shard's
mentions, written out as the inputs of the organisation parts, and the parts' findings located.

Why in the main process: an organisation is mentioned by projects of many shards, and its node
must be written once, from its first mention on (as one mapper over all projects would).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from esrgraph.core.findings import Finding
from esrgraph.mapping.mapper import OrganisationFacts
from esrgraph.pipeline.cache import shards as shardcache
from esrgraph.pipeline.sharded.layout import organisation_facts, organisation_part
from esrgraph.pipeline.sharded.workers import MapOutcome

if TYPE_CHECKING:
    from esrgraph.pipeline.result import LocatorTable

_dump, _load = shardcache.dump, shardcache.load


def _organisations_of(outcome: MapOutcome) -> dict[str, tuple[tuple[str, int], OrganisationFacts]]:
    """The facts of each organisation the shard mentions, with the order of the first mention (from their file)."""
    kept: dict[str, tuple[tuple[str, int], OrganisationFacts]] = _load(organisation_facts(outcome.stem))
    return kept


def merge_organisations(outcomes: Iterable[MapOutcome]) -> dict[str, OrganisationFacts]:
    """One fact set per organisation over all shards, as if built up from its first mention on.

    The shards' facts are read and merged one shard at a time, so only the merged facts are held, not every shard's.
    The order they come in does not matter: the sets are unions, the first mention's Y-tunnus stays (a mention
    before the one kept absorbs it and takes its place), and the newest applicant description is decided by its
    (start date, project code), which no two shards share (a project is in one shard).
    """
    merged: dict[str, tuple[tuple[str, int], OrganisationFacts]] = {}
    for outcome in outcomes:
        for iri, (order, facts) in _organisations_of(outcome).items():
            known = merged.get(iri)
            if known is None:
                merged[iri] = (order, facts)
            elif order < known[0]:
                facts.absorb(known[1])
                merged[iri] = (order, facts)
            else:
                known[1].absorb(facts)
    return {iri: facts for iri, (_, facts) in merged.items()}


def write_organisation_parts(organisations: dict[str, OrganisationFacts], mapped: list[MapOutcome], parts: int,
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


def located(findings: Sequence[Finding], locations: LocatorTable) -> list[Finding]:
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
