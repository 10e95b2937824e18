"""Merge records of the same project (a card, a description, a CSV row) into one.

Field by field, the value of the most detailed layout wins (full description, then the
flattened page, then the bulk list, then the card); a field one source leaves empty is
filled from another. Where two sources give different values, the winner is kept and
the disagreement is reported, so nothing is lost silently.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from esrgraph.core.findings import Finding, Severity
from esrgraph.core.model import ProjectRecord, SourceInfo

#: Lower rank wins when two sources disagree.
LAYOUT_RANK = {"eura-description": 0, "eura-flattened": 1, "projectlist-csv": 2, "portal-card": 3}

#: Fields that are not project facts and are never compared.
_NOT_COMPARED = {"source", "problems", "coverage", "repairs"}


@dataclass(frozen=True, slots=True)
class MergedProject:
    """One project: the merged record and every source that fed it."""

    record: ProjectRecord
    sources: tuple[SourceInfo, ...]
    records: tuple[ProjectRecord, ...]

    @property
    def code(self) -> str:
        assert self.record.code is not None
        return self.record.code


def merge_order(record: ProjectRecord) -> tuple[int, str, int]:
    """The order in which a project's records are merged: the first present value wins."""
    return (LAYOUT_RANK.get(record.source.layout, 9), record.source.path, record.source.first_line)


def merged_field(parts: list[tuple[tuple[int, str, int], SourceInfo, Any]], field: str, code: str) -> Any:
    """One field's merged value from (merge_order, source, value) of each record of a project.

    The sharded build (esrgraph.pipeline.sharded) uses it to learn the merged organisations of
    every project before the shards merge their records; merge_records does the same.
    """
    if len(parts) == 1:
        return parts[0][2]
    ordered = sorted(parts, key=lambda part: part[0])
    return _merge_values([value for _, _, value in ordered], field, code, [source for _, source, _ in ordered], [])


def _empty(value: Any) -> bool:
    if value is None or value == () or value == "":
        return True
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return all(_empty(getattr(value, f.name)) for f in dataclasses.fields(value))
    return False


def _merge_values(values: list[Any], field: str, code: str, sources: list[SourceInfo], findings: list[Finding]) -> Any:
    present = [(v, s) for v, s in zip(values, sources) if not _empty(v)]
    if not present:
        return values[0]
    winner, winner_source = present[0]
    if dataclasses.is_dataclass(winner) and not isinstance(winner, type) and not isinstance(winner, tuple):
        merged = {}
        for f in dataclasses.fields(winner):
            merged[f.name] = _merge_values(
                [getattr(v, f.name) if v is not None else None for v, _ in present],
                f"{field}.{f.name}",
                code,
                [s for _, s in present],
                findings,
            )
        return type(winner)(**merged)
    for other, other_source in present[1:]:
        if other != winner and not _same_text(other, winner):
            findings.append(
                Finding(
                    severity=Severity.INFO,
                    rule="sources-disagree",
                    message=(
                        f"{other_source.layout} {other_source.path} gives {_show(other)}; "
                        f"kept {_show(winner)} from {winner_source.layout} {winner_source.path}"
                    ),
                    record=code,
                    field=field,
                    value=_show(other),
                    path=other_source.path,
                    line=other_source.first_line,
                    stage="merge",
                )
            )
    return winner


def _same_text(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()
    return False


def _show(value: Any) -> str:
    if isinstance(value, tuple):
        return ", ".join(_show(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return str(dataclasses.asdict(value))
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."


def merge_records(records: list[ProjectRecord]) -> tuple[list[MergedProject], list[Finding]]:
    """Group records by project code and merge each group. Records must have a code."""
    groups: dict[str, list[ProjectRecord]] = {}
    for record in records:
        assert record.code, "records without a code are quarantined before merging"
        groups.setdefault(record.code, []).append(record)
    findings: list[Finding] = []
    merged: list[MergedProject] = []
    for code in sorted(groups):
        group = sorted(groups[code], key=merge_order)
        if len(group) == 1:
            merged.append(MergedProject(group[0], (group[0].source,), (group[0],)))
            continue
        sources = [r.source for r in group]
        values: dict[str, Any] = {}
        for f in dataclasses.fields(ProjectRecord):
            if f.name in _NOT_COMPARED:
                continue
            values[f.name] = _merge_values([getattr(r, f.name) for r in group], f.name, code, sources, findings)
        problems = tuple(p for r in group for p in r.problems)
        record = group[0].replace(problems=problems, **values)
        merged.append(MergedProject(record, tuple(sources), tuple(group)))
    return merged, findings
