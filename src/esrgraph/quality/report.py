"""The quality report's content: headline, findings grouped by rule, measures and charts data.

Built from a ``BuildResult`` (every build), from a build folder (``esrgraph quality OUT``:
validation-report.json + esrgraph.ttl) or from a validated graph file (``esrgraph validate
--out DIR``). Rendering (HTML, CSV, Markdown, DQV) is in ``render.py`` and ``dqv.py``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pyoxigraph import Store

from esrgraph.core.findings import Finding, Severity
from esrgraph.core.version import __version__
from esrgraph.core.vocab import DEFAULT_BASE, ESR
from esrgraph.quality import checks
from esrgraph.quality.rules import Rule, load_rules
from esrgraph.quality.unknown import UnknownValue, unknown_values

if TYPE_CHECKING:
    from esrgraph.pipeline.result import BuildResult
    from esrgraph.validation.report import ValidationReport

#: Fields named by the graph path on organisation nodes, as the report names them.
_FIELD_ALIASES = {"altLabel": "applicant.name", "prefLabel": "applicant.name", "businessId": "applicant.business_id"}


@dataclass(frozen=True, slots=True)
class Headline:
    """The numbers at the top of the report; None where the source does not know them."""

    conforms: bool
    counts: dict[str, int]
    projects: int
    records_read: int | None = None
    records_built: int | None = None
    records_quarantined: int | None = None
    files_read: int | None = None
    files_failed: int | None = None
    organisations: int | None = None
    #: What was checked: "build" or the graph file's name.
    subject: str = "build"


@dataclass(slots=True)
class RuleGroup:
    """All findings of one rule, with the projects they name and their most severe severity (worked out once: the
    report's renderers ask for them again and again, and a rule may have 100,000 findings)."""

    rule: Rule
    findings: list[Finding]
    projects_total: int
    records: list[str] = field(init=False)
    severity: Severity = field(init=False)

    def __post_init__(self) -> None:
        self.records = sorted({f.record.split(" ")[0] for f in self.findings if f.record})
        self.severity = min({f.severity for f in self.findings}, key=lambda s: s.rank, default=self.rule.severity)

    @property
    def share(self) -> Decimal:
        """Share of the graph's projects with at least one finding of this rule (0 to 1)."""
        if not self.projects_total:
            return Decimal(0)
        return min(Decimal(1), Decimal(len(self.records)) / Decimal(self.projects_total))


@dataclass(slots=True)
class QualityReport:
    headline: Headline
    findings: list[Finding]
    rules: dict[str, Rule]
    completeness: list[checks.Completeness] = field(default_factory=list)
    funding_by_region: list[tuple[str, Decimal]] = field(default_factory=list)
    funding_by_year: list[tuple[str, Decimal]] = field(default_factory=list)
    #: Every organisation of a name given under several Y-tunnus, once (name-groups.csv).
    name_groups: list[checks.NameGroupMember] = field(default_factory=list)
    base: str = DEFAULT_BASE
    version: str = __version__

    def rule(self, rule_id: str, severity: Severity = Severity.VIOLATION) -> Rule:
        return self.rules.get(rule_id) or Rule.unknown(rule_id, severity)

    def groups(self) -> list[RuleGroup]:
        """Findings by rule: the most severe and important first, then the most frequent."""
        by_rule: dict[str, list[Finding]] = {}
        for f in self.findings:
            by_rule.setdefault(f.rule, []).append(f)
        groups = [
            RuleGroup(self.rule(rule_id, fs[0].severity), fs, self.headline.projects)
            for rule_id, fs in by_rule.items()
        ]
        groups.sort(key=lambda g: (g.severity.rank, g.rule.importance_rank, -len(g.findings), g.rule.id))
        return groups

    def unknown_values(self) -> list[UnknownValue]:
        """The values no code list knows, one group per field and value (``quality.unknown``)."""
        return unknown_values(self.findings)

    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in Severity}
        for f in self.findings:
            out[f.severity.value] += 1
        return out

    @property
    def conforms(self) -> bool:
        return not any(f.severity is Severity.VIOLATION for f in self.findings)


def fix_list_key(f: Finding) -> tuple[object, ...]:
    """Fix-list order: by source file and line; findings with no source line last."""
    return (f.path is None, f.path or "", f.line is None, f.line or 0) + f.sort_key()[2:]


def base_of(store: checks.Queryable) -> str:
    """The data base IRI, read off a project IRI (``<base>project/<code>``)."""
    for row in checks.solutions(store, f"SELECT ?p WHERE {{ ?p a <{ESR}Project> }} LIMIT 1"):
        iri = checks.text_of(row["p"])
        if "/project/" in iri:
            return iri.rsplit("/project/", 1)[0] + "/"
    return DEFAULT_BASE


def _tidy(findings: Iterable[Finding], locate: checks.Locator | None = None,
          name_owners: dict[str, str] | None = None) -> list[Finding]:
    """Impossible dates told apart; organisation label paths named as record fields (and located).

    ``name_owners`` maps an organisation name to the first project whose record gives it, so
    that a finding about one of an organisation's names points at the record that wrote it.
    """
    from dataclasses import replace

    out = []
    for f in checks.reclassify(findings):
        if f.field in _FIELD_ALIASES:
            f = replace(f, field=_FIELD_ALIASES[f.field])
            if name_owners and f.value in name_owners:
                f = replace(f, record=name_owners[f.value])
            if locate and f.record:
                path, line = locate(f.record.split(" ")[0], f.field or "")
                f = replace(f, path=path or f.path, line=line if path else f.line)
        out.append(f)
    return out


def assemble(
    headline: Headline,
    findings: Iterable[Finding],
    store: checks.Queryable,
    *,
    base: str | None = None,
    shapes: str | os.PathLike[str] | None = None,
    locate: checks.Locator | None = None,
    left_out: Sequence[Finding] = (),
    name_owners: dict[str, str] | None = None,
) -> QualityReport:
    """Run the graph-wide checks on ``store`` and put everything together."""
    measured = checks.completeness(store)
    groups = checks.name_groups(store)
    extra = checks.org_name_findings(store, locate, groups) + checks.mostly_empty_findings(measured)
    every = sorted(_tidy(list(findings), locate, name_owners) + list(left_out) + extra, key=fix_list_key)
    return with_measures(headline, ReportFindings(every, groups), store, base=base, shapes=shapes, measured=measured)


@dataclass(frozen=True, slots=True)
class ReportFindings:
    """What a quality report holds that its findings queries and the build's findings decide (``assemble``): every
    finding, sorted for the fix list, and the name groups. A build cache keeps it beside the fix list
    (``to_json``), so that a changed amount, which reaches neither, makes only the measures again."""

    findings: list[Finding]
    name_groups: list[checks.NameGroupMember]

    def to_json(self) -> bytes:
        """As JSON arrays of the fields in order (half the bytes of objects, and read in two thirds of the time)."""
        findings = [[f.severity.value, f.rule, f.message, f.record, f.field, f.value, f.path, f.line, f.focus, f.stage]
                    for f in self.findings]
        groups = [[m.key, m.business_id, m.organisation, m.names, m.projects, m.group_ids] for m in self.name_groups]
        return json.dumps({"findings": findings, "name_groups": groups}, ensure_ascii=False).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> ReportFindings | None:
        """The findings in ``data``; None when it is not what ``to_json`` wrote."""
        severities = {s.value: s for s in Severity}
        try:
            loaded = json.loads(data)
            if any(len(row) != _FINDING_FIELDS for row in loaded["findings"]):
                return None
            findings = [Finding(severities[severity], str(rule), str(message), *others)
                        for severity, rule, message, *others in loaded["findings"]]
            groups = [checks.NameGroupMember(str(key), str(bid), str(org), tuple(map(str, names)),
                                             tuple(map(str, projects)), tuple(map(str, ids)))
                      for key, bid, org, names, projects, ids in loaded["name_groups"]]
        except (ValueError, KeyError, TypeError, AttributeError):
            return None
        return cls(findings, groups)


#: How many fields a ``Finding`` has: ``ReportFindings.to_json`` writes each, in their order.
_FINDING_FIELDS = len(fields(Finding))


def with_measures(headline: Headline, found: ReportFindings, store: checks.Queryable, *, base: str | None = None,
                  shapes: str | os.PathLike[str] | None = None,
                  measured: list[checks.Completeness] | None = None) -> QualityReport:
    """The report of ``found`` with the measures read from ``store`` (its completeness when not ``measured``)."""
    by_region, by_year = checks.funding_by(store)
    counts = {s.value: 0 for s in Severity}
    for f in found.findings:
        counts[f.severity.value] += 1
    headline = _with_counts(headline, counts)
    return QualityReport(
        headline=headline,
        findings=found.findings,
        rules=load_rules(shapes),
        completeness=checks.completeness(store) if measured is None else measured,
        funding_by_region=by_region,
        funding_by_year=by_year,
        name_groups=found.name_groups,
        base=base or base_of(store),
    )


def _with_counts(headline: Headline, counts: dict[str, int]) -> Headline:
    from dataclasses import replace

    return replace(headline, counts=counts, conforms=counts["Violation"] == 0)


def from_build(result: BuildResult, store: checks.Queryable | None = None,
               found: ReportFindings | None = None) -> QualityReport:
    """The quality report of a build; ``store`` is the build's graph in a store when the caller has one; ``found``,
    its findings as an earlier build with the same findings queries' answers and findings made them."""
    from esrgraph.pipeline.result import report_json

    if store is None:
        store = graph_store(result)
    options_shapes = result.validation.shapes_files if result.validation else None
    shapes = options_shapes[0] if options_shapes and len(options_shapes) == 1 else None
    headline = Headline(
        conforms=result.conforms,
        counts=result.counts(),
        projects=len(result.projects),
        records_read=result.records_found,
        records_built=result.records_built,
        records_quarantined=len(result.quarantined),
        files_read=result.batch.files_read,
        files_failed=len(result.batch.failed_files),
        organisations=result.organisations,
    )
    if found is not None:
        return with_measures(headline, found, store, base=result.base, shapes=shapes)
    data = report_json(result)
    quarantined, failed = data["quarantined"], data["failed_files"]
    assert isinstance(quarantined, list) and isinstance(failed, list)  # report_json's shape
    left_out = checks.left_out_findings(quarantined, failed)
    return assemble(headline, result.findings, store, base=result.base, shapes=shapes,
                    locate=result.record_locator(), left_out=left_out, name_owners=result.organisation_name_owners())


def graph_store(result: BuildResult) -> Store:
    """The build's graph (data and code lists) in an in-memory store."""
    from esrgraph.validation.fast.runtime import store_of

    # a bulk load: about twice as fast as Store.extend over triples
    return store_of(result.graph_files["ntriples"] if result.graph_files else result.graph_ntriples())


def _finding_of(d: dict[str, Any]) -> Finding:
    return Finding(
        severity=Severity(d["severity"]),
        rule=d["rule"],
        message=d.get("message") or "",
        record=d.get("record"),
        field=d.get("field"),
        value=d.get("value"),
        path=d.get("path"),
        line=d.get("line"),
        focus=d.get("focus"),
        stage=d.get("stage") or "shacl",
    )


def from_folder(out_dir: str | os.PathLike[str]) -> QualityReport:
    """The quality report of a build folder, from its validation-report.json and esrgraph.ttl."""
    from esrgraph.core.errors import InputError
    from esrgraph.sparql.queries import load_store

    out = Path(out_dir)
    report_path = out / "validation-report.json"
    if not report_path.is_file():
        raise InputError(str(report_path), "no such file", "run `esrgraph build -o OUT` first and name OUT")
    try:
        data = json.loads(report_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(str(report_path), f"is not JSON: {exc}") from None
    findings = [_finding_of(d) for d in data.get("findings", [])]
    if "graph" in data:  # written by `esrgraph validate GRAPH --out OUT`: the graph is GRAPH
        graph = Path(str(data["graph"]))
        store = load_store(graph if graph.exists() else out)
        headline = Headline(conforms=bool(data.get("conforms")), counts={}, projects=checks.project_count(store),
                            subject=Path(str(data["graph"])).name)
        return assemble(headline, findings, store, locate=checks.graph_locator(store))
    store = load_store(out)
    counts = data.get("counts", {})
    headline = Headline(
        conforms=bool(data.get("conforms")),
        counts={},
        projects=int(counts.get("projects_in_graph", checks.project_count(store))),
        records_read=counts.get("records_found"),
        records_built=counts.get("records_built"),
        records_quarantined=counts.get("records_quarantined"),
        files_read=counts.get("files_read"),
        files_failed=counts.get("files_failed"),
        organisations=counts.get("organisations_in_graph"),
    )
    left_out = checks.left_out_findings(data.get("quarantined", []), data.get("failed_files", []))
    return assemble(headline, findings, store, left_out=left_out, locate=checks.graph_locator(store))


def from_validation(graph: str | os.PathLike[str], report: ValidationReport,
                    shapes: str | os.PathLike[str] | None = None) -> QualityReport:
    """The quality report of a graph file checked by ``esrgraph validate``."""
    from esrgraph.sparql.queries import load_store

    store = load_store(graph)
    name = Path(graph).name if not Path(graph).is_dir() else "esrgraph.ttl"
    headline = Headline(conforms=report.conforms, counts={}, projects=checks.project_count(store), subject=name)
    return assemble(headline, report.findings, store, shapes=shapes, locate=checks.graph_locator(store))
