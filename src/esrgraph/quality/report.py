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


#: Findings shown per rule on the report's page, and kept per rule in a ``FindingsSummary`` (all are in fix-list.csv).
DEFAULT_EXAMPLES = 10


@dataclass(frozen=True, slots=True)
class RuleSummary:
    """One rule's findings as the report's measures show them: counted, with the first few in fix-list order."""

    rule: str
    #: The most severe of its findings.
    severity: Severity
    #: Its first finding's severity: the one a rule no shape describes is shown with (``Rule.unknown``).
    first_severity: Severity
    findings: int
    #: Distinct records (projects) its findings name.
    records: int
    examples: tuple[Finding, ...]


@dataclass(frozen=True, slots=True)
class FindingsSummary:
    """What the report's page, summary and DQV measurements read of its findings and name groups: the counts, each
    rule's first few findings, the unknown values and the name groups' size. A build cache keeps it beside the
    findings (``to_json``), so that a changed amount, which reaches neither, makes the measures again without
    reading every finding back (163,000 of them at 30,000 findings-heavy records)."""

    counts: dict[str, int]
    #: In the order of each rule's first finding.
    rules: tuple[RuleSummary, ...]
    unknown_values: tuple[UnknownValue, ...]
    #: Names given under several Y-tunnus, and the organisations of those names (rows of name-groups.csv).
    name_group_names: int
    name_group_rows: int
    #: Findings kept per rule: at least what the page shows.
    examples: int = DEFAULT_EXAMPLES

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @classmethod
    def of(cls, findings: Sequence[Finding], name_groups: Sequence[checks.NameGroupMember], *,
           examples: int = DEFAULT_EXAMPLES) -> FindingsSummary:
        counts = {s.value: 0 for s in Severity}
        by_rule: dict[str, list[Finding]] = {}
        for f in findings:
            counts[f.severity.value] += 1
            by_rule.setdefault(f.rule, []).append(f)
        rules = tuple(
            RuleSummary(rule, min({f.severity for f in fs}, key=lambda s: s.rank), fs[0].severity, len(fs),
                        len({f.record.split(" ")[0] for f in fs if f.record}), tuple(fs[:examples]))
            for rule, fs in by_rule.items())
        return cls(counts, rules, tuple(unknown_values(findings)), len({m.key for m in name_groups}),
                   len(name_groups), examples)

    def to_json(self) -> bytes:
        return json.dumps({
            "counts": self.counts,
            "rules": [[r.rule, r.severity.value, r.first_severity.value, r.findings, r.records,
                       [_finding_row(f) for f in r.examples]] for r in self.rules],
            "unknown_values": [[u.field, u.value, u.code_list, u.records, list(u.examples), u.rule]
                               for u in self.unknown_values],
            "name_groups": [self.name_group_names, self.name_group_rows],
            "examples": self.examples,
        }, ensure_ascii=False).encode("utf-8")

    @classmethod
    def from_json(cls, data: bytes) -> FindingsSummary | None:
        """The summary in ``data``; None when it is not what ``to_json`` wrote."""
        severities = {s.value: s for s in Severity}
        try:
            loaded = json.loads(data)
            counts = {s.value: int(loaded["counts"][s.value]) for s in Severity}
            rules = tuple(RuleSummary(str(rule), severities[severity], severities[first], int(count), int(records),
                                      tuple(_finding_of_row(row) for row in examples))
                          for rule, severity, first, count, records, examples in loaded["rules"])
            values = tuple(UnknownValue(str(field_), str(value), None if code_list is None else str(code_list),
                                        int(records), tuple(map(str, first)), str(rule))
                           for field_, value, code_list, records, first, rule in loaded["unknown_values"])
            names, rows = (int(n) for n in loaded["name_groups"])
            examples = int(loaded["examples"])
        except (ValueError, KeyError, TypeError, AttributeError):
            return None
        return cls(counts, rules, values, names, rows, examples)


@dataclass(frozen=True, slots=True)
class RuleGroup:
    """One rule's findings as the report shows them: how many, in how many projects, the most severe severity,
    and the first few."""

    rule: Rule
    findings: int
    records: int
    severity: Severity
    examples: tuple[Finding, ...]
    projects_total: int

    @property
    def share(self) -> Decimal:
        """Share of the graph's projects with at least one finding of this rule (0 to 1)."""
        if not self.projects_total:
            return Decimal(0)
        return min(Decimal(1), Decimal(self.records) / Decimal(self.projects_total))


@dataclass(frozen=True, slots=True)
class QualityMeasures:
    """What the report's page, summary and DQV measurements are made of (``render``, ``dqv``): the headline, the
    findings summarised, the measures read from the graph. Made from a ``QualityReport`` (``measures``), or, in a
    rebuild whose findings are kept, from their kept summary and the measures read again."""

    headline: Headline
    summary: FindingsSummary
    rules: dict[str, Rule]
    completeness: list[checks.Completeness] = field(default_factory=list)
    funding_by_region: list[tuple[str, Decimal]] = field(default_factory=list)
    funding_by_year: list[tuple[str, Decimal]] = field(default_factory=list)
    base: str = DEFAULT_BASE
    version: str = __version__

    def rule(self, rule_id: str, severity: Severity = Severity.VIOLATION) -> Rule:
        return self.rules.get(rule_id) or Rule.unknown(rule_id, severity)

    def groups(self) -> list[RuleGroup]:
        """Findings by rule: the most severe and important first, then the most frequent."""
        groups = [RuleGroup(self.rule(r.rule, r.first_severity), r.findings, r.records, r.severity, r.examples,
                            self.headline.projects) for r in self.summary.rules]
        groups.sort(key=lambda g: (g.severity.rank, g.rule.importance_rank, -g.findings, g.rule.id))
        return groups

    def counts(self) -> dict[str, int]:
        return dict(self.summary.counts)

    @property
    def conforms(self) -> bool:
        return not self.summary.counts[Severity.VIOLATION.value]


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

    def measures(self, examples: int = DEFAULT_EXAMPLES) -> QualityMeasures:
        """The report's measures, its findings summarised with ``examples`` findings per rule."""
        return QualityMeasures(self.headline, FindingsSummary.of(self.findings, self.name_groups, examples=examples),
                               self.rules, self.completeness, self.funding_by_region, self.funding_by_year,
                               self.base, self.version)

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
    counts = {s.value: 0 for s in Severity}
    for f in every:
        counts[f.severity.value] += 1
    by_region, by_year = checks.funding_by(store)
    return QualityReport(
        headline=_with_counts(headline, counts),
        findings=every,
        rules=load_rules(shapes),
        completeness=measured,
        funding_by_region=by_region,
        funding_by_year=by_year,
        name_groups=groups,
        base=base or base_of(store),
    )


def _finding_row(f: Finding) -> list[object]:
    """A finding as a JSON array of its fields in order (half the bytes of an object)."""
    return [f.severity.value, f.rule, f.message, f.record, f.field, f.value, f.path, f.line, f.focus, f.stage]


def _finding_of_row(row: Sequence[Any]) -> Finding:
    """The finding ``_finding_row`` wrote (ValueError, KeyError or TypeError when it is not one)."""
    if len(row) != _FINDING_FIELDS:
        raise ValueError(f"a finding has {_FINDING_FIELDS} fields, not {len(row)}")
    severity, rule, message, *others = row
    return Finding(Severity(severity), str(rule), str(message), *others)


#: How many fields a ``Finding`` has: ``_finding_row`` writes each, in their order.
_FINDING_FIELDS = len(fields(Finding))


def _with_counts(headline: Headline, counts: dict[str, int]) -> Headline:
    from dataclasses import replace

    return replace(headline, counts=counts, conforms=counts["Violation"] == 0)


def _build_headline(result: BuildResult) -> Headline:
    return Headline(
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


def _single_shapes_file(result: BuildResult) -> str | None:
    """The build's shapes file when it names one (the rules' explanations come from it), else None (the bundled)."""
    files = result.validation.shapes_files if result.validation else None
    return files[0] if files and len(files) == 1 else None


def from_build(result: BuildResult, store: checks.Queryable | None = None) -> QualityReport:
    """The quality report of a build; ``store`` is the build's graph in a store when the caller has one."""
    from esrgraph.pipeline.result import report_json

    if store is None:
        store = graph_store(result)
    data = report_json(result)
    quarantined, failed = data["quarantined"], data["failed_files"]
    assert isinstance(quarantined, list) and isinstance(failed, list)  # report_json's shape
    left_out = checks.left_out_findings(quarantined, failed)
    return assemble(_build_headline(result), result.findings, store, base=result.base,
                    shapes=_single_shapes_file(result), locate=result.record_locator(), left_out=left_out,
                    name_owners=result.organisation_name_owners())


def measures_of_build(result: BuildResult, summary: FindingsSummary, store: checks.Queryable) -> QualityMeasures:
    """The measures of a build whose findings an earlier build summarised (``FindingsSummary``: made from the same
    findings queries' answers and findings), read again from ``store``: the funding, which a changed amount reaches,
    and the completeness."""
    by_region, by_year = checks.funding_by(store)
    return QualityMeasures(
        headline=_with_counts(_build_headline(result), dict(summary.counts)),
        summary=summary,
        rules=load_rules(_single_shapes_file(result)),
        completeness=checks.completeness(store),
        funding_by_region=by_region,
        funding_by_year=by_year,
        base=result.base,
    )


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
