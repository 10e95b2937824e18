"""The quality checks made in Python: what SHACL cannot say well, read from the graph.

* ``impossible-date``: a parse problem on a date field whose value has the d.m.yyyy shape
  but names no day (31.9.2016) is told apart from other unreadable values;
* ``record-quarantined`` / ``file-unreadable``: records and files left out, as findings, so
  that they are in the fix list with the rest;
* ``org-name-several-business-ids``: one normalised organisation name under several Y-tunnus;
* ``field-mostly-empty``: a field every project should have, filled in for < 20 % of them
  (once per field, for the whole dataset).

All of them work on a pyoxigraph ``Store`` of the graph, so that ``esrgraph validate`` on
any graph file can run them too; only the parse-stage ones need a build.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation

from pyoxigraph import Literal, NamedNode, QuerySolutions, Store

from esrgraph.core.findings import Finding, Severity
from esrgraph.core.iris import name_key
from esrgraph.core.vocab import DCTERMS, ESR, ORG, ROV, SKOS

Locator = Callable[[str, str], tuple[str | None, int | None]]

#: Share of projects under which an expected field is reported as mostly empty.
MOSTLY_EMPTY_BELOW = Decimal("0.2")

_PREFIXES = f"""PREFIX esr: <{ESR}>
PREFIX dcterms: <{DCTERMS}>
PREFIX skos: <{SKOS}>
PREFIX org: <{ORG}>
PREFIX rov: <{ROV}>
"""


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """A record field measured for completeness: its JSON path, a label and a SPARQL path."""

    field: str
    label: str
    path: str
    #: Every project should have it: reported when filled in for < 20 % of projects.
    expected: bool = False


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("name", "name", "dcterms:title", True),
    FieldSpec("fund", "fund", "esr:fund", True),
    FieldSpec("priority_axis", "priority axis", "esr:priorityAxis", True),
    FieldSpec("specific_objective", "specific objective", "esr:specificObjective", True),
    FieldSpec("status", "status", "esr:status", True),
    FieldSpec("authority", "funding authority", "esr:fundingAuthority", True),
    FieldSpec("start_date", "start date", "esr:plannedStartDate", True),
    FieldSpec("end_date", "end date", "esr:plannedEndDate", True),
    FieldSpec("applicant", "applicant", "esr:applicant", True),
    FieldSpec("applicant.business_id", "applicant's Y-tunnus", "esr:applicant/rov:registration", True),
    FieldSpec("co_implementers", "co-implementers", "esr:coImplementer|esr:partner"),
    FieldSpec("summary", "summary", "esr:planSummary", True),
    FieldSpec("target_groups.direct", "direct target groups", "esr:directTargetGroups", True),
    FieldSpec("target_groups.indirect", "indirect target groups", "esr:indirectTargetGroups"),
    FieldSpec("final_report", "final report", "esr:finalReportSummary"),
    FieldSpec("funding.eu_state_granted", "granted EU and state funding", "esr:grantedEUAndStateFunding", True),
    FieldSpec("funding.eu_state_realised", "realised EU and state funding", "esr:realisedEUAndStateFunding"),
    FieldSpec("funding.public_planned", "planned public funding", "esr:plannedPublicFunding", True),
    FieldSpec("funding.public_realised", "realised public funding", "esr:realisedPublicFunding"),
    FieldSpec("regions", "region", "esr:region", True),
    FieldSpec("subregions", "sub-region", "esr:subregion"),
    FieldSpec("municipalities", "municipality", "esr:municipality"),
    FieldSpec("implementation_address", "implementation address", "esr:implementationAddress"),
    FieldSpec("monitoring.persons_planned", "persons planned", "esr:plannedParticipants"),
    FieldSpec("gender_equality", "gender-equality answers", "esr:genderEqualityAnswer"),
    FieldSpec("sustainability", "sustainability scores", "esr:sustainabilityAssessment"),
)


@dataclass(frozen=True, slots=True)
class Completeness:
    spec: FieldSpec
    filled: int
    total: int

    @property
    def share(self) -> Decimal:
        return Decimal(self.filled) / Decimal(self.total) if self.total else Decimal(0)


def solutions(store: Store, sparql: str) -> QuerySolutions:
    result = store.query(_PREFIXES + sparql)
    assert isinstance(result, QuerySolutions)
    return result


def text_of(term: object) -> str:
    return term.value if isinstance(term, (NamedNode, Literal)) else str(term)


def project_count(store: Store) -> int:
    for row in solutions(store, "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a esr:Project }"):
        return int(text_of(row["n"]))
    return 0


def completeness(store: Store) -> list[Completeness]:
    """How many projects have a value for each field of ``FIELDS``."""
    total = project_count(store)
    branches = " UNION ".join(f'{{ ?p {spec.path} ?v BIND("{spec.field}" AS ?f) }}' for spec in FIELDS)
    sparql = f"SELECT ?f (COUNT(DISTINCT ?p) AS ?n) WHERE {{ ?p a esr:Project . {{ {branches} }} }} GROUP BY ?f"
    counts = {text_of(row["f"]): int(text_of(row["n"])) for row in solutions(store, sparql)}
    return [Completeness(spec, counts.get(spec.field, 0), total) for spec in FIELDS]


def mostly_empty_findings(measured: Iterable[Completeness]) -> list[Finding]:
    """One ``field-mostly-empty`` finding per expected field filled in for < 20 % of projects."""
    out = []
    for c in measured:
        if c.spec.expected and c.total and c.share < MOSTLY_EMPTY_BELOW:
            percent = (c.share * 100).quantize(Decimal("0.1"))
            out.append(
                Finding(
                    severity=Severity.INFO,
                    rule="field-mostly-empty",
                    message=f"{c.spec.label} is filled in for {c.filled} of {c.total} projects ({percent} %)",
                    field=c.spec.field,
                    value=f"{c.filled}/{c.total}",
                    stage="quality",
                )
            )
    return out


def org_name_findings(store: Store, locate: Locator | None = None) -> list[Finding]:
    """``org-name-several-business-ids``: one normalised name under two or more Y-tunnus."""
    # Two plain queries joined here: as one query, Oxigraph evaluated the projects as an OPTIONAL of
    # the names for every organisation against every link (docs/decisions/20261203-one-way-layers.md).
    names = """
        SELECT ?org ?id ?name WHERE {
            ?org a org:Organization ; rov:registration/skos:notation ?id .
            { ?org skos:prefLabel ?name } UNION { ?org skos:altLabel ?name }
        }"""
    projects = """
        SELECT ?org ?code WHERE { ?p esr:applicant|esr:coImplementer|esr:partner ?org . ?p a esr:Project ; dcterms:identifier ?code }"""
    codes_of: dict[str, set[str]] = defaultdict(set)
    for row in solutions(store, projects):
        codes_of[text_of(row["org"])].add(text_of(row["code"]))
    ids_of: dict[str, set[str]] = defaultdict(set)
    seen: dict[tuple[str, str], tuple[str, str, set[str]]] = {}
    for row in solutions(store, names):
        org, bid, name = text_of(row["org"]), text_of(row["id"]), text_of(row["name"])
        key = name_key(name)
        ids_of[key].add(bid)
        entry = seen.setdefault((key, org), (bid, name, set()))
        entry[2].update(codes_of.get(org, ()))
    out = []
    for (key, org), (bid, name, codes) in sorted(seen.items()):
        others = sorted(ids_of[key] - {bid})
        if not others:
            continue
        code_list = sorted(codes)
        record = None
        if code_list:
            record = code_list[0] if len(code_list) == 1 else f"{code_list[0]} (+{len(code_list) - 1} more)"
        path = line = None
        if locate and code_list:
            path, line = locate(code_list[0], "applicant.name")
        out.append(
            Finding(
                severity=Severity.WARNING,
                rule="org-name-several-business-ids",
                message=f"{name!r} (Y-tunnus {bid}) is also given under Y-tunnus {', '.join(others)}",
                record=record,
                field="applicant.name",
                value=name,
                path=path,
                line=line,
                focus=org,
                stage="quality",
            )
        )
    return out


def graph_locator(store: Store) -> Locator:
    """A locator from the graph alone: a project's first source record (file and first line).

    Used where the parsed records are not at hand (``esrgraph quality OUT``, ``esrgraph
    validate --out``); a build locates the field's own line instead.
    """
    sparql = """
        PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT ?code ?path ?line WHERE {
            ?p a esr:Project ; dcterms:identifier ?code ; prov:wasDerivedFrom ?s .
            ?s esr:sourcePath ?path . OPTIONAL { ?s esr:sourceLine ?line }
        }"""
    where: dict[str, tuple[str, int | None]] = {}
    for row in solutions(store, sparql):
        code, path = text_of(row["code"]), text_of(row["path"])
        line = int(text_of(row["line"])) if row["line"] is not None else None
        if code not in where or (path, line or 0) < (where[code][0], where[code][1] or 0):
            where[code] = (path, line)

    def locate(code: str, _field: str) -> tuple[str | None, int | None]:
        return where.get(code, (None, None))

    return locate


_FI_DATE = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})\.(\d{4})\.?\s*$")


def is_impossible_date(text: str | None) -> bool:
    """True for a d.m.yyyy text that names no day.

    >>> is_impossible_date("31.9.2016"), is_impossible_date("30.9.2016"), is_impossible_date("syyskuu")
    (True, False, False)
    """
    m = _FI_DATE.match(text or "")
    if not m:
        return False
    day, month, year = (int(g) for g in m.groups())
    try:
        date(year, month, day)
    except ValueError:
        return True
    return False


def reclassify(findings: Iterable[Finding]) -> list[Finding]:
    """Tell impossible dates apart from other unreadable values (rule ``impossible-date``)."""
    out = []
    for f in findings:
        if f.rule == "unreadable-value" and "date" in (f.field or "") and is_impossible_date(f.value):
            f = replace(f, rule="impossible-date")
        out.append(f)
    return out


def left_out_findings(quarantined: Sequence[dict[str, object]], failed: Sequence[dict[str, object]]) -> list[Finding]:
    """Quarantined records and unreadable files as findings (rules ``record-quarantined``, ``file-unreadable``)."""
    out = [
        Finding(
            severity=Severity.VIOLATION,
            rule="record-quarantined",
            message=str(q.get("message") or "record set aside"),
            record=_opt(q.get("record")),
            field=_opt(q.get("field")),
            path=_opt(q.get("path")),
            line=int(str(q["line"])) if q.get("line") is not None else None,
            stage="parse",
        )
        for q in quarantined
    ]
    out += [
        Finding(
            severity=Severity.VIOLATION,
            rule="file-unreadable",
            message=str(f.get("message") or "file could not be read") + (f"; {f['hint']}" if f.get("hint") else ""),
            path=_opt(f.get("path")),
            stage="parse",
        )
        for f in failed
    ]
    return out


def _opt(value: object) -> str | None:
    return None if value is None else str(value)


def funding_by(store: Store) -> tuple[list[tuple[str, Decimal]], list[tuple[str, Decimal]]]:
    """Granted EU and state funding by region and by start year.

    A project in several regions is shared equally between them, so the regions add up to
    the total; projects without a region or start date are summed as "(none)".
    """
    sparql = """
        SELECT ?p ?amount ?start ?region ?label WHERE {
            ?p a esr:Project ; esr:grantedEUAndStateFunding ?amount .
            OPTIONAL { ?p esr:plannedStartDate ?start }
            OPTIONAL { ?p esr:region ?region . OPTIONAL { ?region skos:prefLabel ?label } }
        }"""
    amount: dict[str, Decimal] = {}
    start: dict[str, str] = {}
    regions: dict[str, dict[str, str]] = defaultdict(dict)
    for row in solutions(store, sparql):
        p = text_of(row["p"])
        try:
            amount[p] = Decimal(text_of(row["amount"]))
        except InvalidOperation:
            continue
        if row["start"] is not None:
            start[p] = text_of(row["start"])[:4]
        if row["region"] is not None:
            region = text_of(row["region"])
            label = row["label"]
            current = regions[p].get(region)
            if label is not None and (current is None or (isinstance(label, Literal) and label.language == "fi")):
                regions[p][region] = text_of(label)
            elif current is None:
                regions[p][region] = region.rsplit("/", 1)[-1]
    by_region: dict[str, Decimal] = defaultdict(Decimal)
    by_year: dict[str, Decimal] = defaultdict(Decimal)
    for p, value in amount.items():
        names = sorted(regions[p].values()) if regions.get(p) else ["(none)"]
        for name in names:
            by_region[name] += value / len(names)
        by_year[start.get(p, "(none)")] += value
    region_rows = sorted(by_region.items(), key=lambda kv: (-kv[1], kv[0]))
    year_rows = sorted(by_year.items())
    return region_rows, year_rows
