"""Text helpers shared by the layout parsers: Finnish numbers, dates, lists, and a record draft.

The value readers raise ``ValueError`` with a short message when a value is garbled; a
parser turns that into a :class:`~esrgraph.model.ParseProblem` through :class:`RecordDraft`,
so one bad value never costs the whole record. Finnish sources write thousands with
spaces (often no-break ones), decimals with a comma, dates as ``d.m.yyyy``.
"""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, ParamSpec, TypeVar

from esrgraph.core.model import (
    Address,
    Applicant,
    CoImplementer,
    ContactPerson,
    Funding,
    GenderAnswer,
    GenderEquality,
    LineUse,
    Monitoring,
    ParseProblem,
    PriorityAxis,
    ProjectRecord,
    SourceInfo,
    SpecificObjective,
    SustainabilityScore,
    TargetGroups,
)

#: The longest CSV cell a list parser reads: the csv module's default. ``csv.field_size_limit`` is one setting
#: for the whole process, and a program that embeds esrgraph may have raised it; the list parsers set it for
#: each call (``csv_cell_limit``), so a row with a longer cell is quarantined the same way everywhere.
MAX_CSV_CELL = 131_072

_P = ParamSpec("_P")
_R = TypeVar("_R")


def csv_cell_limit(method: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run ``method`` with the csv module's cell limit at ``MAX_CSV_CELL``, and put the caller's back after."""

    @functools.wraps(method)
    def limited(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        previous = csv.field_size_limit(MAX_CSV_CELL)
        try:
            return method(*args, **kwargs)
        finally:
            csv.field_size_limit(previous)

    return limited


#: Characters Finnish sources use between groups of thousands.
THOUSANDS_SEPARATORS = "\u0020\u00a0\u202f\u2009\u2007"
_AMOUNT_RE = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")
_DATE_RE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_RANGE_SPLIT_RE = re.compile(r"\s*[-\u2013\u2014]\s*")
_ALKAA_RE = re.compile(r"^\s*alkaa\s+(?P<start>\S*)\s+ja\s+päättyy\s+(?P<end>\S*)\s*$", re.I)
_YTUNNUS_RE = re.compile(r"^\d{7}-\d$")
_POSTAL_RE = re.compile(r"^\d{5}$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_AT_RE = re.compile(r"\s*[(\[{]\s*(?:at|ät|a)\s*[)\]}]\s*", re.I)
_SCORE_TAIL_RE = re.compile(r"^\s*\|?\s*([^\s|]+)\s*\|?\s*([^\s|]+)\s*\|?\s*$")
_PIPE_EDGES_RE = re.compile(r"^[\s|]*\|\s*|\s*\|[\s|]*$")
_INNER_PIPE_RE = re.compile(r"\s+\|\s+")


def clean_line(text: str) -> str:
    """A line without its line end and outer whitespace (no-break spaces included)."""
    return text.rstrip("\r\n").strip()


def strip_cells(text: str) -> str:
    """Text of a flattened table row with the ``|`` cell separators removed.

    >>> strip_cells("Hankkeella ei ole vaikutusta. | ||")
    'Hankkeella ei ole vaikutusta.'
    """
    if "|" not in text:  # most lines: both patterns need a "|"
        return text.strip()
    out = _PIPE_EDGES_RE.sub("", text.strip())
    out = _INNER_PIPE_RE.sub(" ", out)
    return out.strip()


def value_or_none(text: str | None) -> str | None:
    """The value after a label, or None when the label has nothing after it."""
    if text is None:
        return None
    out = strip_cells(text)
    return out or None


def parse_amount(text: str) -> Decimal:
    """An amount of euros as an exact Decimal.

    Spaces of any width separate thousands; a comma or a point is the decimal mark; a
    trailing euro sign (``€``, ``e``, ``EUR``) is dropped.

    >>> parse_amount("199 775"), parse_amount("1 234,50 €"), parse_amount("97216.29")
    (Decimal('199775'), Decimal('1234.50'), Decimal('97216.29'))
    """
    raw = text.strip()
    raw = re.sub(r"\s*(€|eur(?:oa)?|e)\s*$", "", raw, flags=re.I)
    for ch in THOUSANDS_SEPARATORS:
        raw = raw.replace(ch, "")
    if "," in raw and "." in raw:
        # "1.234,50": the mark that comes last is the decimal one.
        if raw.rfind(",") > raw.rfind("."):
            raw = raw.replace(".", "")
        else:
            raw = raw.replace(",", "")
    if not _AMOUNT_RE.match(raw):
        raise ValueError("not an amount of euros")
    try:
        return Decimal(raw.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the regex already rules this out
        raise ValueError("not an amount of euros") from None


def parse_count(text: str) -> int:
    """A whole count such as a number of participants ("1 200" is 1200)."""
    try:
        amount = parse_amount(text)
    except ValueError:
        raise ValueError("not a whole number") from None
    if amount != amount.to_integral_value():
        raise ValueError("not a whole number")
    return int(amount)


def parse_fi_date(text: str) -> date:
    """A Finnish date ``d.m.yyyy`` (``1.9.2017``, ``01.06.2015``); impossible dates fail.

    >>> parse_fi_date("1.9.2017")
    datetime.date(2017, 9, 1)
    """
    m = _DATE_RE.match(text.strip().rstrip("."))
    if not m:
        raise ValueError("not a date in the form d.m.yyyy")
    day, month, year = (int(g) for g in m.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError("no such date") from None


def split_period(text: str) -> tuple[str | None, str | None]:
    """The start and end date texts of a period, not yet read as dates.

    Accepts ``Alkaa 1.9.2017 ja päättyy 31.8.2019`` and ranges with a hyphen, en dash or
    em dash (``01.06.2015 – 31.01.2018``). Raises ValueError when neither shape fits.
    """
    raw = text.strip()
    m = _ALKAA_RE.match(raw)
    if m:
        return (m.group("start") or None, m.group("end") or None)
    parts = _RANGE_SPLIT_RE.split(raw)
    if len(parts) == 2 and all(_DATE_RE.match(p.strip().rstrip(".")) or p.strip() == "" for p in parts):
        return (parts[0].strip() or None, parts[1].strip() or None)
    raise ValueError("not a period (expected 'Alkaa d.m.yyyy ja päättyy d.m.yyyy' or 'd.m.yyyy – d.m.yyyy')")


def parse_email(text: str) -> str:
    """An e-mail address; the anti-spam ``(at)`` is read as ``@``.

    >>> parse_email("ceesay.anne(at)gmail.com")
    'ceesay.anne@gmail.com'
    """
    out = _AT_RE.sub("@", text.strip())
    if not _EMAIL_RE.match(out):
        raise ValueError("not an e-mail address")
    return out


def read_business_id(text: str) -> str:
    """A Finnish business ID (Y-tunnus) in the form ``1234567-8``.

    Only the form is checked: a well-formed ID with a wrong check digit is kept, like an
    out-of-range score, so that validation can report it against the value as written.
    """
    raw = text.strip()
    if not _YTUNNUS_RE.match(raw):
        raise ValueError("not a business ID (expected 1234567-8)")
    return raw


def parse_postal_code(text: str) -> str:
    """A Finnish postal code, kept as text so that ``00530`` keeps its zeros."""
    raw = text.strip()
    if not _POSTAL_RE.match(raw):
        raise ValueError("not a postal code (expected five digits)")
    return raw


def parse_yes_no(text: str) -> bool:
    """``Kyllä`` → True, ``Ei`` → False (also Finnish-less Kylla, and Swedish Ja/Nej)."""
    raw = strip_cells(text).casefold().rstrip(".")
    if raw in ("kyllä", "kylla", "ja", "yes"):
        return True
    if raw in ("ei", "nej", "no"):
        return False
    raise ValueError("not Kyllä or Ei")


def split_list(text: str) -> tuple[str, ...]:
    """Names separated by commas, as written and in order (``Kunnat: A, B, C``)."""
    return tuple(p.strip() for p in strip_cells(text).split(",") if p.strip())


def parse_score(text: str) -> int:
    """One sustainability score; a number out of 0–10 is kept (SHACL checks the range)."""
    raw = text.strip()
    if not re.fullmatch(r"[+-]?\d{1,3}", raw):
        raise ValueError("not a score (expected a whole number 0-10)")
    return int(raw)


def split_score_pair(text: str) -> tuple[str, str] | None:
    """The two score tokens of ``"0 4"`` or ``"| 0 | 4 |"``, unread; None if not two tokens."""
    m = _SCORE_TAIL_RE.match(text)
    if not m:
        return None
    return m.group(1), m.group(2)


def parse_budget_range(text: str) -> tuple[Decimal | None, Decimal | None]:
    """A card's budget band: ``100000-500000 €``, ``alle 100000 €``, ``yli 1000000 €``."""
    raw = text.strip()
    raw = re.sub(r"\s*(€|eur(?:oa)?)\s*$", "", raw, flags=re.I)
    low = raw.casefold()
    if low.startswith("alle "):
        return None, parse_amount(raw[5:])
    if low.startswith("yli "):
        return parse_amount(raw[4:]), None
    parts = _RANGE_SPLIT_RE.split(raw)
    if len(parts) == 2:
        return parse_amount(parts[0]), parse_amount(parts[1])
    if len(parts) == 1:
        value = parse_amount(parts[0])
        return value, value
    raise ValueError("not a budget range")


def join_paragraphs(paragraphs: Iterable[Sequence[str]]) -> str | None:
    """Paragraphs joined with a blank line, their lines with a newline; None if no text."""
    out = ["\n".join(lines) for lines in paragraphs if lines]
    text = "\n\n".join(p for p in out if p.strip())
    return text or None


def paragraphs_from_lines(lines: Iterable[str]) -> list[list[str]]:
    """Lines grouped into paragraphs at blank lines (no-break-space-only lines are blank)."""
    out: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        text = clean_line(line)
        if not text:
            if current:
                out.append(current)
                current = []
            continue
        current.append(text)
    if current:
        out.append(current)
    return out


def text_block(lines: Iterable[str]) -> str | None:
    """A long text from its lines: paragraphs at blank lines, see :func:`join_paragraphs`."""
    return join_paragraphs(paragraphs_from_lines(lines))


def fund_from_code(code: str | None) -> str | None:
    """The fund a EURA code implies: S… projects are ESR, A… projects EAKR."""
    if not code:
        return None
    return {"S": "ESR", "A": "EAKR"}.get(code[:1].upper())


Converter = Callable[[str], Any]


class RecordDraft:
    """A record being read: values by dotted JSON path, problems, and line coverage.

    Parsers fill it line by line and call :meth:`build` once; keeping values in one flat
    mapping lets every layout use the same field names that problems and coverage report.
    """

    def __init__(self, path: str, sha256: str, layout: str, lines: Sequence[tuple[int, str]]) -> None:
        self.path = path
        self.sha256 = sha256
        self.layout = layout
        self.lines = list(lines)
        self.first_line = self.lines[0][0] if self.lines else 1
        self.values: dict[str, Any] = {}
        self.value_lines: dict[str, int] = {}
        self.uses: dict[int, LineUse] = {}
        self._problems: list[tuple[int | None, str, str, str]] = []
        self.co_implementers: list[CoImplementer] = []
        self.gender: dict[str, dict[str, Any]] = {}
        self.sustainability: list[dict[str, Any]] = []
        #: What the parser had to infer or mend to read the record, one phrase each.
        self.repairs: list[str] = []

    # -- coverage and problems -------------------------------------------------
    def use(self, line: int, text: str, field: str | None, labelled: bool = False) -> None:
        """Record that input ``line`` fed ``field`` (a later call for the same line wins)."""
        self.uses[line] = LineUse(line=line, field=field, text=text, labelled=labelled)

    def problem(self, line: int | None, field: str, value: str, message: str) -> None:
        self._problems.append((line, field, value, message))

    # -- values ------------------------------------------------------------------
    def put(self, field: str, value: Any, line: int | None = None) -> None:
        if value is None:
            return
        self.values[field] = value
        if line is not None:
            self.value_lines[field] = line

    def read(self, field: str, raw: str | None, line: int, convert: Converter | None = None) -> Any:
        """Store ``convert(raw)`` at ``field``; a garbled value becomes a problem, not a value."""
        value = value_or_none(raw)
        if value is None:
            return None
        if convert is None:
            self.put(field, value, line)
            return value
        try:
            out = convert(value)
        except ValueError as exc:
            self.problem(line, field, value, str(exc))
            return None
        self.put(field, out, line)
        return out

    def confirm(self, field: str, value: Any, line: int, what: str = "") -> None:
        """Use ``value`` if ``field`` is empty; report a contradiction if it differs."""
        if value is None:
            return
        old = self.values.get(field)
        if old is None:
            self.put(field, value, line)
        elif old != value:
            where = self.value_lines.get(field)
            self.problem(
                line,
                field,
                str(value),
                f"contradicts {old!s} given on line {where}" + (f" ({what})" if what else ""),
            )

    def get(self, field: str) -> Any:
        return self.values.get(field)

    # -- building ----------------------------------------------------------------
    def _obj(self, cls: type, prefix: str, names: Iterable[str]) -> Any:
        kwargs = {n: self.values.get(f"{prefix}.{n}") for n in names}
        if all(v is None for v in kwargs.values()):
            return None
        return cls(**kwargs)

    def build(self) -> ProjectRecord:
        """The finished record; lines no parser step claimed are listed as unused."""
        v = self.values.get
        contact = self._obj(ContactPerson, "applicant.contact", ("name", "role", "email", "phone"))
        applicant_fields = (
            "name", "organisation_type", "business_id", "street_address",
            "postal_code", "post_office", "phone", "website",
        )
        applicant = self._obj(Applicant, "applicant", applicant_fields)
        if contact is not None:
            base = applicant or Applicant()
            applicant = Applicant(**{n: getattr(base, n) for n in applicant_fields}, contact=contact)
        gender = None
        if self.gender:
            answers = {k: GenderAnswer(answer=d.get("answer"), text=d.get("text")) for k, d in self.gender.items()}
            gender = GenderEquality(**answers)
        code = v("code")
        fund = v("fund") or fund_from_code(code)
        problems = tuple(
            ParseProblem(path=self.path, line=line, record=code, field=field, value=value, message=message)
            for line, field, value, message in self._problems
        )
        coverage = dict(self.uses)
        for line, text in self.lines:
            if line not in coverage and text.strip():
                coverage[line] = LineUse(line=line, field=None, text=text, labelled=False)
        return ProjectRecord(
            source=SourceInfo(path=self.path, sha256=self.sha256, layout=self.layout, first_line=self.first_line),
            code=code,
            name=v("name"),
            fund=fund,
            priority_axis=self._obj(PriorityAxis, "priority_axis", ("number", "name")),
            specific_objective=self._obj(SpecificObjective, "specific_objective", ("code", "name")),
            start_date=v("start_date"),
            end_date=v("end_date"),
            status=v("status"),
            authority=v("authority"),
            applicant=applicant,
            applicant_mode=v("applicant_mode"),
            co_implementers=tuple(self.co_implementers),
            summary=v("summary"),
            target_groups=self._obj(TargetGroups, "target_groups", ("direct", "indirect")),
            funding=self._obj(
                Funding,
                "funding",
                ("eu_state_granted", "eu_state_realised", "public_planned", "public_realised", "budget_min", "budget_max"),
            ),
            regions=tuple(v("regions") or ()),
            subregions=tuple(v("subregions") or ()),
            municipalities=tuple(v("municipalities") or ()),
            implementation_address=self._obj(
                Address, "implementation_address", ("street_address", "postal_code", "post_office")
            ),
            monitoring=self._obj(Monitoring, "monitoring", ("companies_planned", "companies_actual", "persons_planned")),
            gender_equality=gender,
            sustainability=tuple(
                SustainabilityScore(
                    criterion=s["criterion"],
                    group=s.get("group"),
                    direct=s.get("direct"),
                    indirect=s.get("indirect"),
                    justification=s.get("justification"),
                )
                for s in self.sustainability
            ),
            final_report=v("final_report"),
            description=v("description"),
            problems=problems,
            coverage=tuple(coverage[k] for k in sorted(coverage)),
            repairs=tuple(self.repairs),
        )


def numbered_lines(text: str) -> list[tuple[int, str]]:
    """``(line number, text)`` for every line; ``\\r`` left by a CRLF file is dropped."""
    return [(i, line.rstrip("\r")) for i, line in enumerate(text.split("\n"), start=1)]
