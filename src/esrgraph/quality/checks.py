"""The quality checks made in Python: what SHACL cannot say well, read from the graph.

* ``impossible-date``: a parse problem on a date field whose value has the d.m.yyyy shape
  but names no day (31.9.2016) is told apart from other unreadable values;
* ``record-quarantined`` / ``file-unreadable``: records and files left out, as findings, so
  that they are in the fix list with the rest;
* ``org-name-several-business-ids``: one normalised organisation name under several Y-tunnus (each
  finding names a few of the others; ``name_groups`` lists every member once, for name-groups.csv);
* ``field-mostly-empty``: a field every project should have, filled in for < 20 % of them
  (once per field, for the whole dataset).

All of them work on a pyoxigraph ``Store`` of the graph (any ``Queryable``), so that ``esrgraph validate`` on
any graph file can run them too; only the parse-stage ones need a build.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Protocol

from pyoxigraph import Literal, NamedNode, QueryBoolean, QuerySolutions, QueryTriples

from esrgraph.core.findings import Finding, Severity
from esrgraph.core.iris import name_key
from esrgraph.core.vocab import DCTERMS, ESR, ORG, ROV, SKOS

Locator = Callable[[str, str], tuple[str | None, int | None]]


class Queryable(Protocol):
    """What the checks need of a store: a pyoxigraph ``Store``, or one that keeps its answers
    (``esrgraph.sparql.answer_cache.AnsweringStore``)."""

    def query(self, query: str, /) -> QuerySolutions | QueryBoolean | QueryTriples: ...

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


def solutions(store: Queryable, sparql: str) -> QuerySolutions:
    result = store.query(_PREFIXES + sparql)
    assert isinstance(result, QuerySolutions)
    return result


def text_of(term: object) -> str:
    return term.value if isinstance(term, (NamedNode, Literal)) else str(term)


PROJECT_COUNT = "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p a esr:Project }"


def completeness_query(spec: FieldSpec) -> str:
    """How many projects have a value for ``spec``. The projects and the subjects with a value are two sub-selects
    joined by hashing: on the build's on-disk store, ``?p a esr:Project . ?p path ?v`` looked each project up
    again (3.5 s from a cold page cache at 30,000 projects, 184 MB read, against 0.1 s and 2 MB)."""
    return (f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ {{ SELECT ?p WHERE {{ ?p a esr:Project }} }} "
            f"{{ SELECT DISTINCT ?p WHERE {{ ?p {spec.path} ?v }} }} }}")


def build_queries() -> list[str]:
    """Every query the quality report of a build asks of its store (``report.from_build``), as asked: what its
    measures are made from, besides the build's findings."""
    return [*findings_queries(), _PREFIXES + FUNDING_BY_REGION, _PREFIXES + FUNDING_BY_YEAR]


def findings_queries() -> list[str]:
    """The queries of ``build_queries`` that the report's findings and name groups are made from: every one but the
    funding measure's (so the fix list does not depend on an amount)."""
    return [_PREFIXES + sparql for sparql in (PROJECT_COUNT, *map(completeness_query, FIELDS), NAMES, PARTICIPATIONS)]


def project_count(store: Queryable) -> int:
    for row in solutions(store, PROJECT_COUNT):
        return int(text_of(row["n"]))
    return 0


def completeness(store: Queryable) -> list[Completeness]:
    """How many projects have a value for each field of ``FIELDS``.

    A query a field: a third slower in all than one query of them all, but each reads its own property only, so
    a rebuild after a changed title runs the title's again and keeps the others' answers (``AnsweringStore``)."""
    total = project_count(store)
    out = []
    for spec in FIELDS:
        filled = sum(int(text_of(row["n"])) for row in solutions(store, completeness_query(spec)))
        out.append(Completeness(spec, filled, total))
    return out


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


#: The quality report's file of every name group, one row per organisation (``name_groups``).
NAME_GROUPS_FILE = "name-groups.csv"

#: Other Y-tunnus an ``org-name-several-business-ids`` message names; the rest are counted (all in NAME_GROUPS_FILE).
OTHER_IDS_SHOWN = 3

#: Characters of an organisation name and of a Y-tunnus a message quotes (the finding's value holds the name whole;
#: a Y-tunnus has 9, but a graph from elsewhere may hold any text there).
NAME_SHOWN = 80
ID_SHOWN = 20


@dataclass(frozen=True, slots=True)
class NameGroupMember:
    """One organisation of a name group: one normalised name given under two or more Y-tunnus."""

    #: The normalised name (``iris.name_key``) the group is kept under.
    key: str
    business_id: str
    organisation: str
    #: Its names that fold to ``key``, in the order the graph gives them.
    names: tuple[str, ...]
    #: Its projects (as applicant, co-implementer or partner), sorted by code.
    projects: tuple[str, ...]
    #: The group's Y-tunnus, sorted (this member's among them).
    group_ids: tuple[str, ...]


#: The names of organisations with a Y-tunnus, and the organisations' projects (``name_groups``).
NAMES = """
        SELECT ?org ?id ?name WHERE {
            ?org a org:Organization ; rov:registration/skos:notation ?id .
            { ?org skos:prefLabel ?name } UNION { ?org skos:altLabel ?name }
        }"""
PARTICIPATIONS = """
        SELECT ?org ?code WHERE { ?p esr:applicant|esr:coImplementer|esr:partner ?org . ?p a esr:Project ; dcterms:identifier ?code }"""


def name_groups(store: Queryable) -> list[NameGroupMember]:
    """Every organisation whose name (folded) is also given under another Y-tunnus, sorted by name key,
    Y-tunnus and organisation; the groups' members are listed once here, so that a finding names a few."""
    # Two plain queries joined here: as one query, Oxigraph evaluated the projects as an OPTIONAL of
    # the names for every organisation against every link (docs/decisions/20261203-one-way-layers.md).
    codes_of: dict[str, set[str]] = defaultdict(set)
    for row in solutions(store, PARTICIPATIONS):
        codes_of[text_of(row["org"])].add(text_of(row["code"]))
    ids_of: dict[str, set[str]] = defaultdict(set)
    seen: dict[tuple[str, str], tuple[str, dict[str, None]]] = {}
    for row in solutions(store, NAMES):
        org, bid, name = text_of(row["org"]), text_of(row["id"]), text_of(row["name"])
        key = name_key(name)
        ids_of[key].add(bid)
        seen.setdefault((key, org), (bid, {}))[1][name] = None
    group_ids = {key: tuple(sorted(ids)) for key, ids in ids_of.items() if len(ids) > 1}
    members = [
        NameGroupMember(key, bid, org, tuple(spellings), tuple(sorted(codes_of.get(org, ()))), group_ids[key])
        for (key, org), (bid, spellings) in seen.items() if key in group_ids
    ]
    members.sort(key=lambda m: (m.key, m.business_id, m.organisation))
    return members


def org_name_findings(store: Queryable, locate: Locator | None = None,
                      groups: Sequence[NameGroupMember] | None = None) -> list[Finding]:
    """``org-name-several-business-ids``: one finding per organisation of each name group (``name_groups``,
    given or read from ``store``). A message names at most ``OTHER_IDS_SHOWN`` other Y-tunnus and counts the
    rest, so the fix list grows with the members, not with their square; NAME_GROUPS_FILE lists them all."""
    if groups is None:
        groups = name_groups(store)
    out = []
    for m in sorted(groups, key=lambda m: (m.key, m.organisation)):
        if len(m.group_ids) < 2 or m.business_id not in m.group_ids:  # not a group: no other Y-tunnus to name
            continue
        name = m.names[0]
        record = None
        if m.projects:
            record = m.projects[0] if len(m.projects) == 1 else f"{m.projects[0]} (+{len(m.projects) - 1} more)"
        path = line = None
        if locate and m.projects:
            path, line = locate(m.projects[0], "applicant.name")
        out.append(
            Finding(
                severity=Severity.WARNING,
                rule="org-name-several-business-ids",
                message=name_group_message(name, m.business_id, m.group_ids),
                record=record,
                field="applicant.name",
                value=name,
                path=path,
                line=line,
                focus=m.organisation,
                stage="quality",
            )
        )
    return out


def name_group_message(name: str, business_id: str, group_ids: Sequence[str]) -> str:
    """What an ``org-name-several-business-ids`` finding says: the first few other Y-tunnus, how many more,
    and where the whole group is; a few hundred characters at most, whatever the group's size.

    >>> name_group_message("Yhteinen Nimi ry", "1234567-1", ["0000000-0", "1234567-1"])
    "'Yhteinen Nimi ry' (Y-tunnus 1234567-1) is also given under Y-tunnus 0000000-0 (all 2 in name-groups.csv)"
    >>> name_group_message("N", "5", [str(n) for n in range(10)])
    "'N' (Y-tunnus 5) is also given under Y-tunnus 0, 1, 2 and 6 more (all 10 in name-groups.csv)"
    """
    others: list[str] = []
    for other in group_ids:  # sorted: the first few, without reading past them
        if other != business_id:
            others.append(_clip(other, ID_SHOWN))
            if len(others) == OTHER_IDS_SHOWN:
                break
    more = len(group_ids) - 1 - len(others)
    rest = f" and {more} more" if more > 0 else ""
    quoted = _clip(repr(_clip(name, NAME_SHOWN)), NAME_SHOWN + 40)  # escapes (\x00) may lengthen the quoted name
    return (f"{quoted} (Y-tunnus {_clip(business_id, ID_SHOWN)}) is also given under Y-tunnus "
            f"{', '.join(others)}{rest} (all {len(group_ids)} in {NAME_GROUPS_FILE})")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def graph_locator(store: Queryable) -> Locator:
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


#: A project's granted EU and state funding (its largest, should it give several) and its number of regions ...
#: (each property read by a sub-select of its own, which Oxigraph joins by hashing: 0.85 s and 0.34 s for the two sums
#: below at 30,000 projects in the build's store, against 2.7 s and 1.5 s looking each project up; the queries of
#: queries/*.rq say the same)
_PROJECT_FUNDING = """
        SELECT ?p (MAX(?a) AS ?amount) (COUNT(DISTINCT ?r) AS ?regions) (MIN(?s) AS ?start) WHERE {
            { SELECT ?p WHERE { ?p a esr:Project } }
            { SELECT ?p ?a WHERE { ?p esr:grantedEUAndStateFunding ?a FILTER(isNumeric(?a)) } }
            OPTIONAL { SELECT ?p ?r WHERE { ?p esr:region ?r } }
            OPTIONAL { SELECT ?p ?s WHERE { ?p esr:plannedStartDate ?s } }
        } GROUP BY ?p"""
#: ... summed by region, the number of regions its projects have and the region's label (one group per label, each
#: with the region's whole sum): a few dozen rows where one row per project and region took seconds to write, keep,
#: read back and add up.
FUNDING_BY_REGION = f"""
        SELECT ?region ?regions ?label (SUM(?amount) AS ?total) WHERE {{
            {{ {_PROJECT_FUNDING} }}
            OPTIONAL {{ SELECT ?p ?region ?label WHERE {{ ?p esr:region ?region OPTIONAL {{ ?region skos:prefLabel ?label }} }} }}
        }} GROUP BY ?region ?regions ?label"""
#: ... and by the year it starts in.
FUNDING_BY_YEAR = f"""
        SELECT ?year (SUM(?amount) AS ?total) WHERE {{
            {{ {_PROJECT_FUNDING} }}
            BIND(SUBSTR(STR(?start), 1, 4) AS ?year)
        }} GROUP BY ?year"""


def funding_by(store: Queryable) -> tuple[list[tuple[str, Decimal]], list[tuple[str, Decimal]]]:
    """Granted EU and state funding by region and by start year, summed by the store.

    A project in several regions is shared equally between them, so the regions add up to
    the total; projects without a region or start date are summed as "(none)". A region is named
    by its Finnish label, else by its first label in code-point order, else by its code.
    """
    totals: dict[tuple[str | None, int], Decimal] = {}
    labels: dict[str, tuple[bool, str]] = {}
    for row in solutions(store, FUNDING_BY_REGION):
        region = None if row["region"] is None else text_of(row["region"])
        amount = _decimal(row["total"])
        if amount is None:
            continue
        totals[(region, int(text_of(row["regions"])))] = amount
        label = row["label"]
        if region is not None:
            named = (not isinstance(label, Literal) or label.language != "fi",
                     region.rsplit("/", 1)[-1] if label is None else text_of(label))
            labels[region] = min(labels.get(region, named), named)
    by_region: dict[str, Decimal] = defaultdict(Decimal)
    for (region, regions), amount in sorted(totals.items(), key=lambda kv: (kv[0][0] or "", kv[0][1])):
        by_region["(none)" if region is None else labels[region][1]] += amount / max(regions, 1)
    by_year: dict[str, Decimal] = defaultdict(Decimal)
    for row in solutions(store, FUNDING_BY_YEAR):
        amount = _decimal(row["total"])
        if amount is not None:
            by_year["(none)" if row["year"] is None else text_of(row["year"])] += amount
    region_rows = sorted(by_region.items(), key=lambda kv: (-kv[1], kv[0]))
    year_rows = sorted(by_year.items())
    return region_rows, year_rows


def _decimal(term: object) -> Decimal | None:
    """A sum the store gave as a number; None when it gave none (an error, which SPARQL leaves unbound)."""
    if term is None:
        return None
    try:
        return Decimal(text_of(term))
    except InvalidOperation:
        return None
