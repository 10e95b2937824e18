"""The record model: what a parser reads out of one project record.

Plain frozen dataclasses with no RDF in them, so that parsers, the JSON output of
``esrgraph parse`` and the RDF mapping all share one picture of a record. Every field
that a record may omit is ``None`` (or an empty tuple); that is never an error here.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple


def field_head(field_name: str) -> str:
    """The top-level record field of a dotted field path: ``funding.eu_state_granted`` -> ``funding``."""
    return field_name.split(".")[0].split("[")[0]


def field_path(field_name: str) -> str:
    """A field path without list positions: ``co_implementers[1].business_id`` -> ``co_implementers.business_id``."""
    return re.sub(r"\[[0-9]+\]", "", field_name)


def first_lines(uses: Iterable[LineUse]) -> dict[str, int]:
    """Where a record's fields were read: the first line of each field head, and of each dotted field path
    read first on another line than its head (the applicant's ``Y-tunnus:`` line below its name line).
    A line that gave several fields (``start_date,end_date``: "Alkaa 1.9.2017 ja päättyy 31.8.2019")
    counts for each of them.

    Only those paths, so that a build's table of lines grows with the few fields that need them.
    """
    heads: dict[str, int] = {}
    paths: dict[str, int] = {}
    for use in uses:
        for name in use.field.split(",") if use.field else ():
            path = field_path(name.strip())
            heads.setdefault(field_head(path), use.line)
            if "." in path:
                paths.setdefault(path, use.line)
    return heads | {path: line for path, line in paths.items() if heads.get(field_head(path)) != line}


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """Where a record came from: the file, its SHA-256 and the layout that read it."""

    path: str
    sha256: str
    layout: str
    #: 1-based line of the record's first line in the file (several records may share a file).
    first_line: int = 1


@dataclass(frozen=True, slots=True)
class ParseProblem:
    """A value the parser found but could not read; the field is left empty and this is reported."""

    path: str
    line: int | None
    record: str | None
    field: str
    value: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        rec = self.record or "?"
        return f"{where}: record {rec}: field {self.field}: {self.message} (value {self.value!r})"


class LineUse(NamedTuple):
    """One input line and the field it fed (``None`` for a line no field used).

    A named tuple, not a dataclass: records carry one per input line, and tuples pickle
    about three times faster (records cross process boundaries and the parse cache).
    """

    line: int
    field: str | None
    text: str
    labelled: bool = False


@dataclass(frozen=True, slots=True)
class PriorityAxis:
    number: str | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class SpecificObjective:
    code: str | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class ContactPerson:
    """A named person: personal data, withheld from published graphs by default."""

    name: str | None = None
    role: str | None = None
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True, slots=True)
class Applicant:
    name: str | None = None
    organisation_type: str | None = None
    business_id: str | None = None
    street_address: str | None = None
    postal_code: str | None = None
    post_office: str | None = None
    phone: str | None = None
    website: str | None = None
    contact: ContactPerson = field(default_factory=ContactPerson)


@dataclass(frozen=True, slots=True)
class CoImplementer:
    name: str
    business_id: str | None = None


@dataclass(frozen=True, slots=True)
class TargetGroups:
    direct: str | None = None
    indirect: str | None = None


@dataclass(frozen=True, slots=True)
class Funding:
    """Amounts in exact euros."""

    eu_state_granted: Decimal | None = None
    eu_state_realised: Decimal | None = None
    public_planned: Decimal | None = None
    public_realised: Decimal | None = None
    budget_min: Decimal | None = None
    budget_max: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Address:
    street_address: str | None = None
    postal_code: str | None = None
    post_office: str | None = None

    def is_empty(self) -> bool:
        return not (self.street_address or self.postal_code or self.post_office)


@dataclass(frozen=True, slots=True)
class Monitoring:
    companies_planned: int | None = None
    companies_actual: int | None = None
    persons_planned: int | None = None


@dataclass(frozen=True, slots=True)
class GenderAnswer:
    """One of the three gender-equality questions: a Kyllä/Ei answer and its text."""

    answer: bool | None = None
    text: str | None = None


@dataclass(frozen=True, slots=True)
class GenderEquality:
    environment_analysis: GenderAnswer | None = None
    mainstreaming: GenderAnswer | None = None
    primary_objective: GenderAnswer | None = None

    def is_empty(self) -> bool:
        return not (self.environment_analysis or self.mainstreaming or self.primary_objective)


@dataclass(frozen=True, slots=True)
class SustainabilityScore:
    """One sustainability criterion with its direct and indirect 0-10 scores."""

    criterion: str
    group: str | None = None
    direct: int | None = None
    indirect: int | None = None
    justification: str | None = None


@dataclass(frozen=True, slots=True)
class ProjectRecord:
    """One project as one record of one source file gives it."""

    source: SourceInfo
    code: str | None = None
    name: str | None = None
    fund: str | None = None
    priority_axis: PriorityAxis | None = None
    #: The programme part (osio) of the 2007-2013 period, or the regional programme an EAKR project of
    #: that period belongs to, as written ("Etelä-Suomen suuralueosio", "Itä-Suomi").
    programme_part: str | None = None
    specific_objective: SpecificObjective | None = None
    start_date: date | None = None
    end_date: date | None = None
    status: str | None = None
    authority: str | None = None
    applicant: Applicant | None = None
    applicant_mode: str | None = None
    co_implementers: tuple[CoImplementer, ...] = ()
    summary: str | None = None
    target_groups: TargetGroups | None = None
    funding: Funding | None = None
    regions: tuple[str, ...] = ()
    subregions: tuple[str, ...] = ()
    municipalities: tuple[str, ...] = ()
    implementation_address: Address | None = None
    monitoring: Monitoring | None = None
    gender_equality: GenderEquality | None = None
    sustainability: tuple[SustainabilityScore, ...] = ()
    final_report: str | None = None
    #: Text of the card layout's other sections (results, good practices...), kept whole.
    description: str | None = None
    #: Values the parser saw but could not read (the field above is then ``None``).
    problems: tuple[ParseProblem, ...] = ()
    #: Which input line fed which field; see ``esrgraph parse --coverage``.
    coverage: tuple[LineUse, ...] = ()
    #: Repairs the parser made to read this record (e.g. cells re-joined), one phrase each.
    repairs: tuple[str, ...] = ()

    def replace(self, **changes: Any) -> ProjectRecord:
        return dataclasses.replace(self, **changes)

    def locating(self) -> ProjectRecord:
        """This record with only the coverage a build looks lines up in: the first line of each
        field head, without its text (``locator_table`` and the mapping's findings go by nothing
        else). A record's full coverage holds every input line again, which made up about half of
        a record's pickled bytes in a sharded build.
        """
        return dataclasses.replace(
            self, coverage=tuple(LineUse(line, name, "", True) for name, line in first_lines(self.coverage).items()))

    @property
    def label(self) -> str:
        """How messages name this record: its code, or its place in the source."""
        if self.code:
            return self.code
        return f"{self.source.path}:{self.source.first_line}"

    def to_json(self) -> dict[str, Any]:
        """The public JSON contract of ``esrgraph parse --json`` (see README)."""
        return record_to_json(self)


def _plain(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


_EMPTY_OBJECTS: dict[str, Any] = {
    "priority_axis": PriorityAxis(),
    "specific_objective": SpecificObjective(),
    "applicant": Applicant(),
    "target_groups": TargetGroups(),
    "funding": Funding(),
    "implementation_address": Address(),
    "monitoring": Monitoring(),
    "gender_equality": GenderEquality(),
}


def record_to_json(record: ProjectRecord) -> dict[str, Any]:
    """Plain JSON-ready dict; objects the record lacks appear with all keys ``null``."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(record):
        if f.name in ("coverage", "source"):
            continue
        value = getattr(record, f.name)
        if value is None and f.name in _EMPTY_OBJECTS:
            value = _EMPTY_OBJECTS[f.name]
        out[f.name] = _plain(value)
    out["source"] = {
        "path": record.source.path,
        "sha256": record.source.sha256,
        "layout": record.source.layout,
        "line": record.source.first_line,
    }
    return out
