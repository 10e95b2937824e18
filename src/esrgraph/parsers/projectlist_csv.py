"""The portal's bulk project list (CSV), one project per row, read and repaired.

The list the structural-funds portal published is a header line and one row per physical
line, but the rows are messy: unquoted commas split names and authorities over several
cells, stray cells (``,,;``) or a ``;`` trail the last amount, and a few rows were quoted
as one cell. Columns are mapped **by header name** through :data:`HEADER_ALIASES`, never
by position, and each row is re-split by *anchors*: columns whose values have a shape that
cannot be mistaken (code, fund, priority-axis number, status word, dates, amounts) take
exactly one cell each, and the free-text columns between them (name, authority,
implementer) take whatever cells are left between their anchors. A row is read only when
exactly one such split exists; otherwise it is quarantined with a reason naming its line,
field and cells. Each repair made is listed in ``ProjectRecord.repairs``.

Decisions (see ``docs/decisions/20261123-projectlist-csv-repairs.md`` for the why):

* Rows are split line by line: the portal never wrapped a value over lines, and a broken
  quote must not swallow the rows after it.
* Cells split by unquoted commas are joined with ``,`` again, so the text is as written.
* ``|`` (the exporter's stand-in for some commas) is kept as written: not every ``|`` is
  known to have been a comma, and the spacing around them varies.
* An empty date cell is read as no date, reported as a problem; a cell that should hold an
  amount and does not (empty, a date, a word) quarantines the row.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import ClassVar

from esrgraph.core.errors import ParseError
from esrgraph.core.model import Applicant, Funding, LineUse, ParseProblem, PriorityAxis, ProjectRecord, SourceInfo
from esrgraph.parsers.base import ParseOutcome, SourceText
from esrgraph.parsers.textutil import THOUSANDS_SEPARATORS

LAYOUT = "projectlist-csv"

#: Field -> header names used for it in the portal's lists of different periods.
#: Matching ignores case, surrounding spaces, runs of spaces and a trailing ``;``.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("Koodi", "Hankekoodi", "Projektikoodi", "Hankkeen koodi", "Projektin koodi", "EURA-tunnus", "Tunnus"),
    "fund": ("Rahasto",),
    "name": ("Hankkeen nimi", "Projektin nimi", "Nimi"),
    "priority_axis": ("Tl", "Toimintalinja", "Toimintalinjan numero", "Prioriteetti"),
    "authority": ("Viranomainen", "Rahoittava viranomainen", "Välittävä toimielin"),
    "status": ("Tila", "Toiminnan tila", "Hankkeen tila", "Projektin tila"),
    "start_date": ("Aloituspvm", "Alkamispvm", "Aloituspäivä", "Alkamispäivä", "Alkupvm"),
    "end_date": ("Päättymispvm", "Päättymispäivä", "Loppupvm", "Lopetuspäivä"),
    "applicant": ("Toteuttajan nimi", "Toteuttaja", "Tuensaaja", "Hakija"),
    "eu_state_granted": ("Myönnetty EU- ja valtion rahoitus",),
    "eu_state_realised": ("Toteutunut EU- ja valtion rahoitus",),
    "public_planned": ("Suunniteltu julkinen rahoitus yhteensä", "Suunniteltu julkinen rahoitus"),
    "public_realised": ("Toteutunut julkinen rahoitus yhteensä", "Toteutunut julkinen rahoitus"),
    # Known, read as free text and not kept: the programme part of later periods' lists.
    "programme": ("Ohjelma / osio", "Ohjelma", "Osio"),
}

#: Funds a row may name (the anchor of the second column).
FUNDS: frozenset[str] = frozenset({"ESR", "EAKR", "ESR+", "JTF", "EMKR"})

#: Status words the portal uses; a row's status cell must be one of these.
STATUS_WORDS: frozenset[str] = frozenset(
    {
        "Toiminnassa",
        "Käynnissä",
        "Hyväksytty",
        "Päättynyt",
        "Loppuraportoitu",
        "Suljettu",
        "Keskeytetty",
        "Peruttu",
        "Hylätty",
        "Valmisteilla",
    }
)

_ELY = "elinkeino-, liikenne- ja ympäristökeskus"
_ELY_REGIONS = (
    "Uudenmaan", "Varsinais-Suomen", "Satakunnan", "Hämeen", "Pirkanmaan", "Kaakkois-Suomen", "Etelä-Savon",
    "Pohjois-Savon", "Pohjois-Karjalan", "Keski-Suomen", "Etelä-Pohjanmaan", "Pohjanmaan", "Pohjois-Pohjanmaan",
    "Kainuun", "Lapin",
)  # fmt: skip

#: Authorities' official spellings. A value equal to one of them but for commas and spaces
#: is given the official spelling; a value that *ends* with one after other words (a name
#: that ran into the authority column) quarantines the row.
AUTHORITIES: tuple[str, ...] = (
    *(f"{region} {_ELY}" for region in _ELY_REGIONS),
    "Uudenmaan liitto", "Varsinais-Suomen liitto", "Satakuntaliitto", "Hämeen liitto", "Pirkanmaan liitto",
    "Päijät-Hämeen liitto", "Kymenlaakson liitto", "Etelä-Karjalan liitto", "Etelä-Savon maakuntaliitto",
    "Pohjois-Savon liitto", "Pohjois-Karjalan maakuntaliitto", "Keski-Suomen liitto", "Etelä-Pohjanmaan liitto",
    "Pohjanmaan liitto", "Keski-Pohjanmaan liitto", "Pohjois-Pohjanmaan liitto", "Kainuun liitto", "Lapin liitto",
    "Innovaatiorahoituskeskus Tekes", "Innovaatiorahoituskeskus Business Finland", "Business Finland",
    "Työ- ja elinkeinoministeriö", "Sosiaali- ja terveysministeriö", "Opetus- ja kulttuuriministeriö",
    "Ruokavirasto",
)  # fmt: skip

#: A file is this layout when its header has these columns (and at least MIN_KNOWN known ones).
REQUIRED_FIELDS = ("code", "fund", "name")
MIN_KNOWN = 6

#: Free-text columns (None: a column no alias names): they take one or more cells of a row.
_FREE_TEXT = frozenset({"name", "authority", "applicant", "programme", None})

_AMOUNT_FIELDS = ("eu_state_granted", "eu_state_realised", "public_planned", "public_realised")

#: How a field is named in quarantine reasons: its path in ProjectRecord.
_FIELD_PATH: dict[str, str] = {f: f"funding.{f}" for f in _AMOUNT_FIELDS} | {
    "priority_axis": "priority_axis.number",
    "applicant": "applicant.name",
}

_CODE_RE = re.compile(r"[A-Z]\d{4,6}")
_TL_RE = re.compile(r"\d{1,2}")
_DATE_RE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_AMOUNT_RE = re.compile(rf"-?(?:\d{{1,3}}(?:[{THOUSANDS_SEPARATORS}]\d{{3}})+|\d+)(?:[.,]\d+)?")
_SPACES = re.compile(f"[{THOUSANDS_SEPARATORS}]")
_JUNK = frozenset({"", ";"})


def _authority_key(name: str) -> str:
    return " ".join(name.replace(",", " ").split()).casefold()


_AUTHORITY_INDEX: dict[str, str] = {_authority_key(a): a for a in AUTHORITIES}


def _norm_header(name: str) -> str:
    return " ".join(name.replace("\ufeff", "").strip().rstrip(";").split()).casefold()


_ALIAS_INDEX: dict[str, str] = {_norm_header(alias): fld for fld, aliases in HEADER_ALIASES.items() for alias in aliases}


# -- cell kinds --------------------------------------------------------------------------


def _is_code(cell: str) -> bool:
    return _CODE_RE.fullmatch(cell.strip()) is not None


def _is_fund(cell: str) -> bool:
    return cell.strip().upper() in FUNDS


def _is_tl(cell: str) -> bool:
    return _TL_RE.fullmatch(cell.strip()) is not None


def _is_status(cell: str) -> bool:
    return cell.strip() in STATUS_WORDS


def _is_date_or_empty(cell: str) -> bool:
    cell = cell.strip()
    return not cell or _DATE_RE.fullmatch(cell) is not None


def _is_amount(cell: str) -> bool:
    return _AMOUNT_RE.fullmatch(cell.strip()) is not None


_KIND_CHECK: Mapping[str, Callable[[str], bool]] = {
    "code": _is_code,
    "fund": _is_fund,
    "priority_axis": _is_tl,
    "status": _is_status,
    "start_date": _is_date_or_empty,
    "end_date": _is_date_or_empty,
} | {f: _is_amount for f in _AMOUNT_FIELDS}

_KIND_TEXT = {
    "code": "a project code",
    "fund": "a fund (" + ", ".join(sorted(FUNDS)) + ")",
    "priority_axis": "a priority-axis number",
    "status": "a known status word (" + ", ".join(sorted(STATUS_WORDS)) + ")",
    "start_date": "a date d.m.yyyy",
    "end_date": "a date d.m.yyyy",
} | {f: "an amount" for f in _AMOUNT_FIELDS}


# -- header --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Column:
    """One header column: its text and the field it feeds (None: a column no alias names)."""

    header: str
    field: str | None

    @property
    def free(self) -> bool:
        return self.field in _FREE_TEXT

    def label(self) -> str:
        if self.field is None:
            return f"column {self.header!r}"
        return f"{_FIELD_PATH.get(self.field, self.field)} ({self.header!r})"


def _split_header(line: str) -> tuple[str, list[Column]]:
    """The delimiter that maps most header names, and the columns it gives."""
    best: tuple[int, str, list[Column]] = (-1, ",", [])
    for delimiter in (",", ";", "\t"):
        try:
            cells = next(csv.reader([line], delimiter=delimiter), [])
        except csv.Error:  # a cell over the csv module's size limit: not a header with this delimiter
            continue
        while cells and not cells[-1].strip(" ;"):
            cells.pop()
        columns = [Column(c.strip().rstrip(";").strip(), _ALIAS_INDEX.get(_norm_header(c))) for c in cells]
        known = sum(c.field is not None for c in columns)
        if known > best[0]:
            best = (known, delimiter, columns)
    return best[1], best[2]


def _header_ok(columns: Sequence[Column]) -> bool:
    fields = [c.field for c in columns if c.field is not None]
    return all(f in fields for f in REQUIRED_FIELDS) and len(fields) >= MIN_KNOWN and len(fields) == len(set(fields))


def _first_line(text: str) -> tuple[int, str] | None:
    for number, line in enumerate(text.split("\n"), 1):
        if line.strip():
            return number, line
    return None


# -- aligning cells to columns ---------------------------------------------------------------


class _Aligner:
    """Counts the ways columns can consume a row's cells: anchors one cell, free text one or more."""

    def __init__(self, columns: Sequence[Column], cells: Sequence[str]) -> None:
        self.columns = columns
        self.cells = cells
        self.n = len(cells)
        self.extra = self.n - len(columns)
        self._memo: dict[tuple[int, int], int] = {}
        self._fits: dict[tuple[int, int], bool] = {}

    def fits(self, ci: int, j: int) -> bool:
        key = (ci, j)
        hit = self._fits.get(key)
        if hit is None:
            fld = self.columns[ci].field
            check = _KIND_CHECK.get(fld or "")
            hit = self._fits[key] = check is None or check(self.cells[j])
        return hit

    def ways(self, ci: int = 0, j: int = 0) -> int:
        """Number of alignments of columns[ci:] to cells[j:], capped at 2."""
        key = (ci, j)
        if key in self._memo:
            return self._memo[key]
        if ci == len(self.columns):
            result = 1 if j == self.n else 0
        elif j >= self.n:
            result = 0
        elif self.columns[ci].free:
            result = 0
            for k in range(j + 1, min(self.n, j + 1 + max(self.extra, 0)) + 1):
                result += self.ways(ci + 1, k)
                if result >= 2:
                    result = 2
                    break
        else:
            result = self.ways(ci + 1, j + 1) if self.fits(ci, j) else 0
        self._memo[key] = result
        return result

    def spans(self, limit: int = 2) -> list[list[tuple[int, int]]]:
        """Up to ``limit`` alignments, each a (start, end) cell span per column."""
        out: list[list[tuple[int, int]]] = []

        def walk(ci: int, j: int, acc: list[tuple[int, int]]) -> None:
            if len(out) >= limit or self.ways(ci, j) == 0:
                return
            if ci == len(self.columns):
                out.append(list(acc))
                return
            if self.columns[ci].free:
                for k in range(j + 1, self.n + 1):
                    walk(ci + 1, k, acc + [(j, k)])
            else:
                walk(ci + 1, j + 1, acc + [(j, j + 1)])

        walk(0, 0, [])
        return out

    # diagnosis of a row that does not align --------------------------------------------

    def forward_failure(self) -> tuple[int, list[int]]:
        """First column no prefix alignment reaches, and the cells it could have started at."""
        starts = {0}
        for ci, col in enumerate(self.columns):
            nxt: set[int] = set()
            for j in starts:
                if j >= self.n:
                    continue
                if col.free:
                    nxt.update(range(j + 1, self.n + 1))
                elif self.fits(ci, j):
                    nxt.add(j + 1)
            if not nxt:
                return ci, sorted(starts)
            starts = nxt
        return len(self.columns), sorted(starts)

    def backward_failure(self) -> tuple[int, list[int]]:
        """Last column no suffix alignment reaches, and the cells it could have ended at."""
        ends = {self.n}
        for ci in range(len(self.columns) - 1, -1, -1):
            col = self.columns[ci]
            nxt: set[int] = set()
            for j in ends:
                if j <= 0:
                    continue
                if col.free:
                    nxt.update(range(0, j))
                elif self.fits(ci, j - 1):
                    nxt.add(j - 1)
            if not nxt:
                return ci, sorted(ends)
            ends = nxt
        return -1, sorted(ends)


def _describe_cell(j: int, cells: Sequence[str]) -> str:
    return f"cell {j + 1} {cells[j]!r}"


def _why_not(field: str, cell: str) -> str:
    if field in _AMOUNT_FIELDS and _DATE_RE.fullmatch(cell.strip()):
        return "is a date where an amount belongs"
    if not cell.strip():
        return f"is empty where {_KIND_TEXT[field]} belongs"
    return f"is not {_KIND_TEXT[field]}"


def _diagnose(aligner: _Aligner) -> tuple[str, str]:
    """(field, reason) for a row that has no alignment."""
    columns, cells = aligner.columns, aligner.cells
    last_free = max((i for i, c in enumerate(columns) if c.free), default=-1)
    ci, positions = aligner.forward_failure()
    if ci > last_free and ci < len(columns):
        bi, ends = aligner.backward_failure()
        if bi >= 0:
            col = columns[bi]
            assert col.field is not None
            inside = [j - 1 for j in ends if j > 0]
            if len(inside) == 1:
                j = inside[0]
                return col.field, f"{col.label()}: {_describe_cell(j, cells)} {_why_not(col.field, cells[j])}"
            return col.field, f"{col.label()}: no cell before cell {min(ends) + 1} reads as {_KIND_TEXT[col.field]}"
    if ci >= len(columns):
        extra = positions[0] if positions else len(cells)
        return "row", f"{len(cells) - extra} cell(s) left over after the last column, from {_describe_cell(extra, cells)}"
    col = columns[ci]
    fld = col.field or "row"
    inside = [j for j in positions if j < len(cells)]
    if not inside:
        return fld, f"{col.label()}: the row ends before this column ({len(cells)} cells)"
    if len(inside) == 1:
        j = inside[0]
        return fld, f"{col.label()}: {_describe_cell(j, cells)} {_why_not(fld, cells[j])}"
    return fld, (
        f"{col.label()}: no cell from cell {inside[0] + 1} to cell {inside[-1] + 1} reads as {_KIND_TEXT[fld]}"
    )


def _describe_ambiguity(aligner: _Aligner, two: list[list[tuple[int, int]]]) -> tuple[str, str]:
    """(field, reason) for a row with more than one alignment: where the two first readings differ."""
    columns, cells = aligner.columns, aligner.cells
    a, b = two
    differ = [ci for ci, (sa, sb) in enumerate(zip(a, b, strict=True)) if sa != sb]
    anchor = next((ci for ci in differ if not columns[ci].free), None)
    if anchor is not None:
        sa, sb = a[anchor], b[anchor]
        return columns[anchor].field or "row", (
            f"ambiguous split: {columns[anchor].label()} could be {_describe_cell(sa[0], cells)} "
            f"or {_describe_cell(sb[0], cells)}, so the cells between could belong to either neighbouring text column"
        )

    def reading(spans: list[tuple[int, int]]) -> str:
        return ", ".join(f"{columns[ci].field or columns[ci].label()} = {_cell_range(*spans[ci])}" for ci in differ)

    first = columns[differ[0]]
    start = min(a[differ[0]][0], b[differ[0]][0])
    end = max(a[differ[-1]][1], b[differ[-1]][1])
    return first.field or "row", (
        f"ambiguous split: {_cell_range(start, end)} could be shared between adjacent text columns "
        f"in more than one way ({reading(a)}; or {reading(b)})"
    )


# -- values ----------------------------------------------------------------------------------------


def _parse_amount(cell: str) -> Decimal:
    text = _SPACES.sub("", cell.strip()).replace(",", ".")
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - guarded by _AMOUNT_RE
        raise ValueError(cell) from None


def _parse_date(cell: str) -> date:
    m = _DATE_RE.fullmatch(cell.strip())
    if not m:  # pragma: no cover - guarded by _is_date_or_empty
        raise ValueError(cell)
    d, mo, y = (int(g) for g in m.groups())
    return date(y, mo, d)


def _cell_range(start: int, end: int) -> str:
    return f"cell {start + 1}" if end - start == 1 else f"cells {start + 1}–{end}"


@dataclass(slots=True)
class _Split:
    """One way of cutting a line into cells, and what was done to get it."""

    cells: list[str]
    repairs: list[str]
    #: Cut on every delimiter, quotes ignored.
    raw: bool = False
    #: Read from a line whose quoting was broken: doubled quotes left in values are collapsed.
    requoted: bool = False


def _trim_trailing(cells: list[str], columns: Sequence[Column], repairs: list[str]) -> list[str]:
    """Drop stray trailing cells (``,,;``) and a ``;`` glued to the last cell."""
    cells = list(cells)
    last_is_anchor = bool(columns) and not columns[-1].free
    dropped: list[str] = []
    while cells and cells[-1].strip() in _JUNK and (last_is_anchor or len(cells) > len(columns)):
        dropped.append(cells.pop())
    if dropped:
        shown = "," + ",".join(reversed(dropped))
        repairs.append(f"dropped {len(dropped)} stray trailing cell(s) {shown!r}")
    if cells and cells[-1].rstrip().endswith(";"):
        cells[-1] = cells[-1].rstrip()[:-1]
        repairs.append("stripped ';' glued to the last cell")
    return cells


def _candidate_splits(line: str, delimiter: str, columns: Sequence[Column]) -> list[_Split]:
    """The ways to read ``line``, most trusted first."""
    first = next(csv.reader([line], delimiter=delimiter), [])
    out = [_Split(first, [])]
    text = line.strip()
    if len(first) == 1 and delimiter in line:
        # A row quoted as one cell: unwrap one level of quoting, then read it again.
        inner = text.rstrip(";").rstrip()
        repairs = []
        if len(inner) >= 2 and inner.startswith('"') and inner.endswith('"'):
            inner = inner[1:-1].replace('""', '"')
            repairs.append("the row was quoted as one cell: unwrapped it")
        again = next(csv.reader([inner], delimiter=delimiter), [])
        if len(again) > 1:
            out.append(_Split(again, list(repairs), requoted=True))
        resplit = repairs + ["re-split on every delimiter without quote handling"]
        out.append(_Split(inner.split(delimiter), resplit, raw=True, requoted=True))
    elif '"' in line:
        resplit = ["re-split on every delimiter without quote handling"]
        out.append(_Split(line.split(delimiter), resplit, raw=True, requoted=True))
    return out


# -- the parser --------------------------------------------------------------------------------------


class ProjectListCsvParser:
    """Parser for the portal's bulk project list (``projectlist-csv``).

    Example:
        >>> from esrgraph.parsers.base import SourceText
        >>> text = (
        ...     "Koodi,Rahasto,Hankkeen nimi,Tl,Viranomainen,Tila,Aloituspvm,Päättymispvm,"
        ...     "Toteuttajan nimi,Myönnetty EU- ja valtion rahoitus,Toteutunut EU- ja valtion rahoitus,"
        ...     "Suunniteltu julkinen rahoitus yhteensä,Toteutunut julkinen rahoitus yhteensä;\\n"
        ...     "A70213,EAKR,Kasettihirsitalot,1,Etelä-Savon elinkeino-, liikenne- ja ympäristökeskus,"
        ...     "Toiminnassa,16.9.2014,31.12.2016,JALKAPUU TMI,12770,1825,12770,1825;\\n"
        ... )
        >>> parser = ProjectListCsvParser()
        >>> parser.sniff(text)
        True
        >>> outcome = parser.parse(SourceText("list.csv", "0" * 64, text, "utf-8"))
        >>> record = outcome.records[0]
        >>> record.authority, str(record.funding.eu_state_realised), record.source.first_line
        ('Etelä-Savon elinkeino-, liikenne- ja ympäristökeskus', '1825', 2)
        >>> record.repairs
        ("stripped ';' glued to the last cell", "joined authority from cells 5–6 split by unquoted ','")
    """

    layout: ClassVar[str] = LAYOUT

    def sniff(self, text: str) -> bool:
        """True when the first non-blank line is a project-list header."""
        found = _first_line(text[:4096])
        if found is None:
            return False
        _, columns = _split_header(found[1])
        return _header_ok(columns)

    def parse(self, source: SourceText) -> ParseOutcome:
        """Every row of the list: a record, or a quarantined ParseError naming line and field.

        Raises:
            ParseError: the first non-blank line is not a project-list header.
        """
        outcome = ParseOutcome()
        lines = source.text.split("\n")
        found = _first_line(source.text)
        if found is None:
            return outcome
        header_line, header = found
        delimiter, columns = _split_header(header)
        if not _header_ok(columns):
            fields = {c.field for c in columns}
            missing = [HEADER_ALIASES[f][0] for f in REQUIRED_FIELDS if f not in fields]
            raise ParseError(
                source.path,
                "is not a project-list header"
                + (f": no column {', '.join(missing)}" if missing else ": too few known or repeated columns")
                + f"; known headers are listed in {__name__}.HEADER_ALIASES",
                line=header_line,
                field="header",
            )
        for number in range(header_line + 1, len(lines) + 1):
            line = lines[number - 1]
            if not line.strip():
                continue
            outcome.units += 1
            try:
                result = self._row(source, columns, delimiter, number, line)
            except csv.Error as exc:  # a cell over the csv module's size limit (131072 characters)
                result = ParseError(source.path, f"row not read: not readable as CSV ({exc})", line=number, field="row")
            if isinstance(result, ParseError):
                outcome.quarantined.append(result)
            else:
                outcome.records.append(result)
        return outcome

    # one row ------------------------------------------------------------------------------

    def _row(
        self, source: SourceText, columns: Sequence[Column], delimiter: str, number: int, line: str
    ) -> ProjectRecord | ParseError:
        tried: list[tuple[_Split, _Aligner]] = []
        for split in _candidate_splits(line, delimiter, columns):
            repairs = list(split.repairs)
            cells = _trim_trailing(split.cells, columns, repairs)
            aligner = _Aligner(columns, cells)
            count = aligner.ways() if len(cells) != len(columns) else self._positional(aligner)
            if count == 1:
                return self._build(source, columns, delimiter, number, line, _Split(cells, repairs, split.raw, split.requoted), aligner)
            if count >= 2:
                fld, reason = _describe_ambiguity(aligner, aligner.spans(2))
                return self._quarantine(source, number, cells, fld, reason)
            tried.append((split, aligner))
        split, aligner = tried[-1] if len(tried[0][0].cells) == 1 else tried[0]
        fld, reason = _diagnose(aligner)
        if split.raw:
            reason += " (after re-splitting without quote handling)"
        return self._quarantine(source, number, aligner.cells, fld, reason)

    @staticmethod
    def _positional(aligner: _Aligner) -> int:
        return int(all(aligner.fits(i, i) for i in range(len(aligner.columns))))

    @staticmethod
    def _quarantine(source: SourceText, number: int, cells: Sequence[str], fld: str, reason: str) -> ParseError:
        code = next((c.strip() for c in cells if _is_code(c)), None)
        return ParseError(source.path, f"row not read: {reason}", line=number, field=_FIELD_PATH.get(fld, fld), record=code)

    def _build(
        self,
        source: SourceText,
        columns: Sequence[Column],
        delimiter: str,
        number: int,
        line: str,
        split: _Split,
        aligner: _Aligner,
    ) -> ProjectRecord | ParseError:
        cells = split.cells
        repairs = split.repairs
        if len(cells) == len(columns):
            spans = [(i, i + 1) for i in range(len(columns))]
        else:
            spans = aligner.spans(1)[0]
        values: dict[str, str] = {}
        where: dict[str, tuple[int, int]] = {}
        for col, (start, end) in zip(columns, spans, strict=True):
            if col.field is None:
                continue
            where[col.field] = (start, end)
            raw = delimiter.join(cells[start:end])
            if end - start > 1:
                repairs.append(f"joined {col.field} from {_cell_range(start, end)} split by unquoted {delimiter!r}")
            if split.requoted and '""' in raw:
                raw = raw.replace('""', '"')
                repairs.append(f"collapsed doubled quotes in {col.field}")
            value = raw.strip()
            if value != raw and value:
                repairs.append(f"trimmed spaces around {col.field}")
            values[col.field] = value

        code = values.get("code") or None
        authority = values.get("authority")
        if authority:
            key = _authority_key(authority)
            official = _AUTHORITY_INDEX.get(key)
            if official is None:
                glued = next((a for k, a in _AUTHORITY_INDEX.items() if key.endswith(" " + k)), None)
                if glued is not None:
                    start, end = where["authority"]
                    before = authority[: len(authority) - len(glued)].strip()
                    return self._quarantine(
                        source,
                        number,
                        cells,
                        "authority",
                        f"{_FIELD_PATH.get('authority', 'authority')} ({_cell_range(start, end)} {authority!r}): "
                        f"text {before!r} stands before the authority {glued!r}; "
                        "part of the name ran into the authority column, so the split is not certain",
                    )
            elif official != authority:
                repairs.append(f"restored the authority's official spelling (was {authority!r})")
                values["authority"] = official
        problems: list[ParseProblem] = []

        def when(fld: str) -> date | None:
            text = values.get(fld, "")
            if not text:
                if fld in values:
                    problems.append(
                        ParseProblem(source.path, number, code, fld, text, "empty cell where a date belongs; left empty")
                    )
                return None
            try:
                return _parse_date(text)
            except ValueError:
                problems.append(ParseProblem(source.path, number, code, fld, text, "not a calendar date; left empty"))
                return None

        amounts = {f: _parse_amount(values[f]) for f in _AMOUNT_FIELDS if f in values}
        funding = Funding(**amounts) if amounts else None
        tl = values.get("priority_axis")
        applicant = values.get("applicant")
        return ProjectRecord(
            source=SourceInfo(source.path, source.sha256, LAYOUT, first_line=number),
            code=code,
            name=values.get("name") or None,
            fund=(values.get("fund") or "").upper() or None,
            priority_axis=PriorityAxis(number=str(int(tl))) if tl else None,
            start_date=when("start_date"),
            end_date=when("end_date"),
            status=values.get("status") or None,
            authority=values.get("authority") or None,
            applicant=Applicant(name=applicant) if applicant else None,
            funding=funding,
            problems=tuple(problems),
            coverage=(LineUse(number, "row", line, labelled=True),),
            repairs=tuple(repairs),
        )
