"""The 2021-2027 list of operations: one operation a row, as EURA 2021 exports it or as Article 49(3) lists it.

Two public forms of one list, told apart only by their header's language:

* the export of the public EURA 2021 project information service (an Excel workbook, often saved as CSV):
  ``Hankekoodi``, ``Ryhmähanketunnus``, ``Rahasto``, ``Tl``, ``Et``, ``Hankkeen nimi``, ``Toteuttajan nimi``,
  ``Toteuttajan Y-tunnus``, ``Rahoittava viranomainen``, ``Toiminnan tila``, ... (35 columns, see
  ``docs/research/2021-2027-forms.md`` for the source of every header);
* the list of operations that Regulation (EU) 2021/1060 Article 49(3) requires of a managing authority, with
  the regulation's fields as English headers (``Operation name``, ``Beneficiary name``, ``Specific objective``,
  ``Union co-financing rate``...).

Columns are mapped **by header name** (:data:`HEADER_ALIASES`), never by position. The reading is strict about
structure and tolerant about vocabulary: a row with as many cells as its header is read as it stands; a date
cell must hold a date, an amount cell an amount, the code cell a token; a fund, status, code shape or
authority nobody has listed is kept as written. A row that cannot be read is quarantined with a ParseError
naming its line (or sheet row), field and value. Unlike the 2007-2020 lists, the rows are exported with
quoting, so no cell re-joining is attempted: a row whose cell count differs from its header's is quarantined.

The row reading (:func:`read_rows`) works on rows of cell texts, so a workbook's sheet and a CSV file are
read alike; :class:`OperationsListParser` is the thin front for both.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import ClassVar

from esrgraph.core.errors import ParseError
from esrgraph.core.model import (
    Address,
    Applicant,
    Funding,
    LineUse,
    ParseProblem,
    PriorityAxis,
    ProjectRecord,
    SourceInfo,
    SpecificObjective,
)
from esrgraph.io.workbook import Sheet, column_letter
from esrgraph.parsers.base import ParseOutcome, SourceText
from esrgraph.parsers.textutil import csv_cell_limit, parse_amount, read_business_id

LAYOUT = "operations-list"

#: Field -> header names of the two public forms. Matching ignores case, surrounding spaces (the EURA 2021
#: export writes ``"Hankekoodi "``), runs of spaces and a trailing ``;`` or ``:``.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("Hankekoodi", "Hankkeen koodi", "Operation code", "Unique code", "Operation unique code",
             "Unique code of the operation", "Operation ID"),
    "group_code": ("Ryhmähanketunnus",),
    "fund": ("Rahasto", "Fund", "Fund concerned"),
    "fund_subtype": ("EAKR-/JTF-alatyyppi",),
    "priority_axis": ("Tl", "Toimintalinja", "Priority", "Priority axis"),
    "specific_objective": ("Et", "Erityistavoite", "Specific objective", "Specific objective concerned"),
    "name": ("Hankkeen nimi", "Operation name", "Name of the operation"),
    "applicant": ("Toteuttajan nimi", "Tuensaajan nimi", "Tuensaaja", "Beneficiary name", "Beneficiary",
                  "Name of the beneficiary", "Beneficiary's name"),
    "business_id": ("Toteuttajan Y-tunnus", "Tuensaajan Y-tunnus", "Y-tunnus", "Business ID",
                    "Beneficiary business ID"),
    "authority": ("Rahoittava viranomainen", "Välittävä toimielin", "Intermediate body"),
    "status": ("Toiminnan tila", "Hankkeen tila", "Status"),
    "start_date": ("Aloituspvm", "Aloituspäivä", "Start date", "Start date of the operation"),
    "end_date": ("Päättymispvm", "Päättymispäivä", "End date", "Expected or actual end date",
                 "Expected or actual date of completion", "Expected end date", "Actual end date"),
    # Amounts: the EURA 2021 export's planned EU and state funding is the approved plan's, which the
    # 2007-2020 lists call granted ("Myönnetty"); see docs/research/2021-2027-forms.md.
    "eu_state_granted": ("Suunniteltu EU- ja valtion rahoitus", "Myönnetty EU- ja valtion rahoitus"),
    "eu_state_realised": ("Toteutunut EU- ja valtion rahoitus",),
    "public_planned": ("Suunniteltu julkinen rahoitus", "Suunniteltu julkinen rahoitus yhteensä"),
    "public_realised": ("Toteutunut julkinen rahoitus", "Toteutunut julkinen rahoitus yhteensä"),
    "total_planned": ("Suunniteltu rahoitus yhteensä", "Total cost", "Total cost of the operation"),
    "total_realised": ("Toteutunut rahoitus yhteensä",),
    "eu_realised": ("Toteutunut EU-rahoituksen määrä",),
    "cofinancing_rate": ("Union co-financing rate", "EU co-financing rate", "Co-financing rate"),
    "summary": ("Suunnitelman mukainen tiivistelmä hankkeen toteutuksesta", "Purpose and achievements",
                "Purpose of the operation and its achievements", "Purpose of the operation"),
    "location": ("Sijainti", "Location indicator", "Location", "Geolocation", "Location indicator or geolocation"),
    "country": ("Country", "Maa"),
    "beneficiary_location": ("Location of the beneficiary", "Beneficiary location"),
    "site_postal_code": ("Toteutuspaikan postinumero",),
    "site_post_office": ("Toteutuspaikan postitoimipaikka",),
    "applicant_postal_code": ("Tuensaajan postinumero",),
    "applicant_post_office": ("Tuensaajan postitoimipaikka",),
    "intervention_field": ("Tukitoimen ala", "Type of intervention", "Intervention field"),
    "form_of_support": ("Tukimuoto", "Form of support"),
    "territorial_delivery": ("Alueellinen täytäntöönpanomekanismi ja alueellinen painopiste",
                             "Territorial delivery mechanism"),
    "economic_activity": ("Taloudellinen toiminta", "Economic activity"),
    "secondary_theme": ("Toissijainen teema, vain ESR+", "ESF+ secondary theme"),
    "gender_equality": ("Sukupuolten tasa-arvo", "Gender equality dimension"),
    "macro_regional": ("Itämeren alueen strategia", "Macro-regional strategy"),
    "description_url": ("Hankekuvauksen osoite",),
    "website": ("Hankkeen kotisivun osoite", "Operation website"),
}

#: Columns recognised but with no field in the record contract (ProjectRecord): read past, never checked.
UNMAPPED = frozenset({
    "group_code", "fund_subtype", "total_planned", "total_realised", "eu_realised", "cofinancing_rate", "country",
    "beneficiary_location", "intervention_field", "form_of_support", "territorial_delivery", "economic_activity",
    "secondary_theme", "gender_equality", "macro_regional", "description_url", "website",
})

#: Columns only the 2021-2027 forms have: a header is this layout's only with one of them, so the 2007-2013
#: and 2014-2020 project lists (read by ``projectlist-csv``) are never taken for it.
MARKERS = frozenset({
    "specific_objective", "group_code", "fund_subtype", "business_id", "cofinancing_rate", "total_planned",
    "intervention_field", "territorial_delivery", "secondary_theme",
})
#: A header must map the code, the name and this many known columns in all.
MIN_KNOWN = 5

_AMOUNTS = ("eu_state_granted", "eu_state_realised", "public_planned", "public_realised")
_DATES = ("start_date", "end_date")

#: How a field is named in messages: its path in ProjectRecord (or its column, for unmapped ones).
_FIELD_PATH: dict[str, str] = {f: f"funding.{f}" for f in _AMOUNTS} | {
    "priority_axis": "priority_axis",
    "specific_objective": "specific_objective",
    "applicant": "applicant.name",
    "business_id": "applicant.business_id",
    "applicant_postal_code": "applicant.postal_code",
    "applicant_post_office": "applicant.post_office",
    "site_postal_code": "implementation_address.postal_code",
    "site_post_office": "implementation_address.post_office",
    "location": "regions",
}

_DATE_FI = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})(?:\s+\d{1,2}[:.]\d{2}(?:[:.]\d{2})?)?")
_DATE_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_TOKEN = re.compile(r"\S+")
_AXIS = re.compile(r"(\d{1,2})\.?(?:\s+(\S.*))?", re.S)
_OBJECTIVE = re.compile(r"((?:[A-Z]{2,4}\s?)?\d{1,2}\.\d{1,2}(?:\.\d{1,2})?)\.?(?:\s+(\S.*))?", re.S)
#: A NUTS 3 region as the EURA 2021 export's ``Sijainti`` writes it: ``FI193 Keski-Suomi``.
_NUTS3 = re.compile(r"FI[0-9A-Z]{3}\s+(\S.*)")


def _norm_header(name: str) -> str:
    return " ".join(name.replace("\ufeff", "").strip().rstrip(";:").split()).casefold()


_ALIAS_INDEX: dict[str, str] = {_norm_header(a): fld for fld, aliases in HEADER_ALIASES.items() for a in aliases}


def header_fields(cells: Sequence[str]) -> list[str | None]:
    """The field each header cell names (None: a column no alias names), trailing empty cells dropped."""
    cells = list(cells)
    while cells and not cells[-1].strip(" ;"):
        cells.pop()
    return [_ALIAS_INDEX.get(_norm_header(c)) for c in cells]


def is_operations_header(cells: Sequence[str]) -> bool:
    """True when ``cells`` is a header of a 2021-2027 list of operations (and not of an older project list)."""
    fields = [f for f in header_fields(cells) if f is not None]
    return ("code" in fields and "name" in fields and len(fields) >= MIN_KNOWN
            and len(fields) == len(set(fields)) and any(f in MARKERS for f in fields))


def _sheet_header(sheet: Sheet) -> tuple[list[tuple[int, tuple[str, ...]]], int] | None:
    """A list sheet's non-empty rows (with their index) and its header's first column; None for another sheet."""
    filled = [(i, row) for i, row in enumerate(sheet.rows) if any(c.strip() for c in row)]
    if not filled:
        return None
    header = filled[0][1]
    first = next(j for j, c in enumerate(header) if c.strip())
    return (filled, first) if is_operations_header(header[first:]) else None


def operations_sheets(sheets: Sequence[Sheet]) -> list[str]:
    """Names of the sheets whose first non-empty row is a header of a list of operations."""
    return [sheet.name for sheet in sheets if _sheet_header(sheet) is not None]


def _split_line(line: str) -> tuple[str, list[str]]:
    """The delimiter that maps most header names in ``line``, and the cells it gives."""
    best: tuple[int, str, list[str]] = (-1, ",", [])
    for delimiter in (",", ";", "\t"):
        try:
            cells = next(csv.reader([line], delimiter=delimiter), [])
        except csv.Error:
            continue
        known = sum(f is not None for f in header_fields(cells))
        if known > best[0]:
            best = (known, delimiter, cells)
    return best[1], best[2]


def _first_line(text: str) -> tuple[int, str] | None:
    for number, line in enumerate(text.split("\n"), 1):
        if line.strip():
            return number, line
    return None


# -- cells ------------------------------------------------------------------------------------------------


def read_date(text: str) -> date:
    """A date as the lists write it: ``1.3.2023`` (a workbook may add `` 0:00:00``) or ISO ``2023-03-01``.

    Raises ValueError naming what is wrong: not a date at all, or no such day.
    """
    raw = text.strip()
    m = _DATE_FI.fullmatch(raw)
    if m:
        day, month, year = (int(g) for g in m.groups())
    else:
        m = _DATE_ISO.fullmatch(raw)
        if m is None:
            raise ValueError("not a date (expected d.m.yyyy or yyyy-mm-dd)")
        year, month, day = (int(g) for g in m.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise _NoSuchDay("no such calendar date") from None


class _NoSuchDay(ValueError):
    """A date of the right shape that no calendar has (31.2.2023): a problem, not a reason to quarantine."""


def _axis(text: str) -> PriorityAxis:
    m = _AXIS.fullmatch(text)
    if m is None:
        return PriorityAxis(name=text)
    return PriorityAxis(number=str(int(m.group(1))), name=m.group(2))


def _objective(text: str) -> SpecificObjective:
    m = _OBJECTIVE.fullmatch(text)
    if m is None:
        return SpecificObjective(name=text)
    return SpecificObjective(code=m.group(1).replace(" ", ""), name=m.group(2))


def _region(text: str) -> str:
    m = _NUTS3.fullmatch(text)
    return m.group(1).strip() if m else text


# -- rows -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Where:
    """How messages name a row's place and cells: ``cell 10`` of a CSV line, ``column J`` of a sheet's row."""

    sheet: str | None = None
    #: Column index of the header's first cell in its sheet.
    offset: int = 0

    def row(self, number: int) -> str:
        return f"sheet {self.sheet!r}, row {number}: " if self.sheet is not None else ""

    def cell(self, j: int) -> str:
        return f"cell {j + 1}" if self.sheet is None else f"column {column_letter(self.offset + j)}"


class _Quarantine(Exception):
    def __init__(self, fld: str, reason: str) -> None:
        super().__init__(reason)
        self.field = fld
        self.reason = reason


def read_rows(rows: Sequence[Sequence[str]], source: SourceText, *, numbers: Sequence[int] | None = None,
              sheet: str | None = None, offset: int = 0) -> ParseOutcome:
    """Records of a list given as rows of cell texts, the header first.

    ``numbers`` are the rows' line (or sheet row) numbers, 1, 2, 3... when None; ``sheet`` and ``offset`` name
    a workbook's sheet and the column of the header's first cell, so findings name sheet, row and column. A
    sheet's row may be shorter than its header (its trailing empty cells are not stored); a CSV row may not.
    Trailing rows with a single filled cell (the EURA 2021 export's footer) are not list rows and are skipped.

    Raises:
        ParseError: the first row is not a header of this layout.
    """
    where = _Where(sheet, offset)
    lines = list(numbers) if numbers is not None else list(range(1, len(rows) + 1))
    if not rows:
        return ParseOutcome()
    fields = header_fields(rows[0])
    if not is_operations_header(rows[0]):
        raise ParseError(source.path, f"{where.row(lines[0])}is not a list-of-operations header; known headers are "
                         f"listed in {__name__}.HEADER_ALIASES", line=lines[0], field="header")
    body = list(zip(lines[1:], rows[1:]))
    while body and _footer(fields, body[-1][1]):
        body.pop()
    outcome = ParseOutcome()
    for number, cells in body:
        if not any(c.strip() for c in cells):
            continue
        outcome.units += 1
        try:
            outcome.records.append(_record(fields, list(cells), number, source, where))
        except _Quarantine as q:
            code = _cell(fields, list(cells), "code")
            outcome.quarantined.append(ParseError(
                source.path, f"row not read: {where.row(number)}{q.reason}", line=number,
                field=_FIELD_PATH.get(q.field, q.field), record=code if code and _TOKEN.fullmatch(code) else None))
    return outcome


def _footer(fields: Sequence[str | None], cells: Sequence[str]) -> bool:
    """A row of at most one filled cell that is not an operation code: a footer line (or a blank row)."""
    filled = [(j, c.strip()) for j, c in enumerate(cells) if c.strip()]
    if len(filled) > 1:
        return False
    if not filled:
        return True
    j, text = filled[0]
    return j >= len(fields) or fields[j] != "code" or _TOKEN.fullmatch(text) is None


def _cell(fields: Sequence[str | None], cells: Sequence[str], fld: str) -> str:
    return cells[fields.index(fld)].strip() if fld in fields and fields.index(fld) < len(cells) else ""


def _record(fields: Sequence[str | None], cells: list[str], number: int, source: SourceText,
            where: _Where) -> ProjectRecord:
    width = len(fields)
    if len(cells) > width:
        extra = [j for j in range(width, len(cells)) if cells[j].strip()]
        if extra:
            raise _Quarantine("row", f"{len(cells)} cells for a header of {width}: {where.cell(extra[0])} "
                              f"{cells[extra[0]]!r} is beyond the last column")
        cells = cells[:width]
    if len(cells) < width:
        if where.sheet is None:
            raise _Quarantine("row", f"{len(cells)} cells for a header of {width}: a cell is missing or a quote "
                              "is broken, so the columns cannot be told apart")
        cells = cells + [""] * (width - len(cells))
    values = {fld: cells[j].strip() for j, fld in enumerate(fields) if fld is not None and fld not in UNMAPPED}
    column = {fld: j for j, fld in enumerate(fields) if fld is not None}

    def bad(fld: str, what: str) -> _Quarantine:
        j = column[fld]
        return _Quarantine(fld, f"{_FIELD_PATH.get(fld, fld)} ({where.cell(j)} {cells[j]!r}): {what}")

    code = values.get("code", "")
    if not code:
        raise bad("code", "no operation code")
    if not _TOKEN.fullmatch(code):
        raise bad("code", "not an operation code (a token without spaces)")
    problems: list[ParseProblem] = []
    path = source.path

    def when(fld: str) -> date | None:
        text = values.get(fld, "")
        if not text:
            return None
        try:
            return read_date(text)
        except _NoSuchDay as exc:
            problems.append(ParseProblem(path, number, code, fld, text, f"{exc}; left empty"))
            return None
        except ValueError as exc:
            raise bad(fld, str(exc)) from None

    def amount(fld: str) -> Decimal | None:
        text = values.get(fld, "")
        if not text:
            return None
        try:
            return parse_amount(text)
        except ValueError as exc:
            raise bad(fld, str(exc)) from None

    start, end = when("start_date"), when("end_date")
    amounts = {f: amount(f) for f in _AMOUNTS if f in values}
    business_id: str | None = None
    if values.get("business_id"):
        try:
            business_id = read_business_id(values["business_id"])
        except ValueError as exc:
            problems.append(ParseProblem(path, number, code, "applicant.business_id", values["business_id"],
                                         f"{exc}; left empty"))
    applicant = Applicant(
        name=values.get("applicant") or None,
        business_id=business_id,
        postal_code=values.get("applicant_postal_code") or None,
        post_office=values.get("applicant_post_office") or None,
    )
    site = Address(postal_code=values.get("site_postal_code") or None,
                   post_office=values.get("site_post_office") or None)
    axis, objective, location = values.get("priority_axis"), values.get("specific_objective"), values.get("location")
    return ProjectRecord(
        source=SourceInfo(path, source.sha256, LAYOUT, first_line=number),
        code=code,
        name=values.get("name") or None,
        fund=values.get("fund") or None,
        priority_axis=_axis(axis) if axis else None,
        specific_objective=_objective(objective) if objective else None,
        start_date=start,
        end_date=end,
        status=values.get("status") or None,
        authority=values.get("authority") or None,
        applicant=applicant if applicant != Applicant() else None,
        summary=values.get("summary") or None,
        funding=Funding(**amounts) if any(v is not None for v in amounts.values()) else None,
        regions=(_region(location),) if location else (),
        implementation_address=None if site.is_empty() else site,
        problems=tuple(problems),
        coverage=(LineUse(number, "row", "\t".join(cells), labelled=True),),
    )


# -- the fronts: CSV text and workbooks -------------------------------------------------------------------


def csv_rows(text: str) -> tuple[list[list[str]], list[int], list[tuple[int, str]]]:
    """The rows of a CSV text and the line each starts on; the delimiter is the one its header line maps best.

    Quoted cells may span lines (an operation's summary often does). A row the csv module cannot read (a cell
    longer than ``MAX_CSV_CELL``) is left out and given in the third list as (line, reason); the reading goes
    on at the line after the lines it took, so one bad row costs no other.
    """
    found = _first_line(text)
    if found is None:
        return [], [], []
    delimiter, _ = _split_line(found[1])
    rows: list[list[str]] = []
    numbers: list[int] = []
    broken: list[tuple[int, str]] = []
    lines = io.StringIO(text).readlines()
    start = 0  # lines already read
    while start < len(lines):
        reader = csv.reader(itertools.islice(lines, start, None), delimiter=delimiter)
        line = start + 1
        try:
            for cells in reader:
                if cells and any(c.strip() for c in cells):
                    rows.append(cells)
                    numbers.append(line)
                line = start + reader.line_num + 1
            break
        except csv.Error as exc:
            broken.append((line, str(exc)))
            start = max(start + reader.line_num, line)
    return rows, numbers, broken


class OperationsListParser:
    """Reads a 2021-2027 list of operations (EURA 2021 export or Article 49(3) list), CSV or workbook.

    >>> text = (
    ...     "Hankekoodi ,Rahasto,Tl,Et,Hankkeen nimi,Toteuttajan nimi,Toteuttajan Y-tunnus,Aloituspvm\\n"
    ...     "SYNTH-S-001,ESR+,4,4.1 Polkuja töihin,Esimerkki,Esimerkkiyhdistys ry,1234567-1,1.3.2023\\n"
    ... )
    >>> parser = OperationsListParser()
    >>> parser.sniff(text)
    True
    >>> (record,) = parser.parse(SourceText("list.csv", "0" * 64, text, "utf-8")).records
    >>> record.code, record.fund, record.specific_objective.code, record.applicant.business_id
    ('SYNTH-S-001', 'ESR+', '4.1', '1234567-1')
    """

    layout: ClassVar[str] = LAYOUT

    @csv_cell_limit
    def sniff(self, text: str) -> bool:
        """True when the first non-blank line is a header of a 2021-2027 list of operations."""
        found = _first_line(text[:8192])
        if found is None:
            return False
        _, cells = _split_line(found[1])
        return is_operations_header(cells)

    @csv_cell_limit
    def parse(self, source: SourceText) -> ParseOutcome:
        """Every row of the list (of every sheet that is one, for a workbook): a record or a quarantined error.

        Raises:
            ParseError: the first non-blank line is not a header of this layout (no sheet is a list).
        """
        if source.sheets is not None:
            return self._parse_sheets(source, source.sheets)
        rows, numbers, broken = csv_rows(source.text)
        if broken and (not numbers or broken[0][0] < numbers[0]):
            raise ParseError(source.path, f"the header line is not readable as CSV ({broken[0][1]})",
                             line=broken[0][0], field="header")
        outcome = read_rows(rows, source, numbers=numbers)
        for line, reason in broken:
            outcome.units += 1
            outcome.quarantined.append(ParseError(source.path, f"row not read: not readable as CSV ({reason})",
                                                  line=line, field="row"))
        outcome.quarantined.sort(key=lambda e: e.line or 0)
        return outcome

    def _parse_sheets(self, source: SourceText, sheets: Sequence[Sheet]) -> ParseOutcome:
        outcome = ParseOutcome()
        found = False
        for sheet in sheets:
            located = _sheet_header(sheet)
            if located is None:
                continue
            filled, first = located
            found = True
            part = read_rows([list(row[first:]) for _, row in filled], source,
                             numbers=[i + 1 for i, _ in filled], sheet=sheet.name, offset=first)
            outcome.records.extend(part.records)
            outcome.quarantined.extend(part.quarantined)
            outcome.units += part.units
        if not found:
            shown = ", ".join(repr(s.name) for s in sheets) or "none"
            raise ParseError(source.path, f"no sheet is a list of operations (sheets: {shown}); a list sheet's first "
                             f"non-empty row is its header, see {__name__}.HEADER_ALIASES", field="header")
        return outcome
