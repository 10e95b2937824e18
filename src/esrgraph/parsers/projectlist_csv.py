"""The portal's bulk project list (CSV or a workbook's sheet), one project per row, read and repaired.

The list the structural-funds portal published is a header line and one row per physical
line, but the rows are messy: unquoted commas split names and authorities over several
cells, stray cells (``,,;``) or a ``;`` trail the last amount, and a few rows were quoted
as one cell. Columns are mapped **by header name** through :data:`HEADER_ALIASES`, never
by position.

**Strict about structure, tolerant about vocabulary.** A row with as many cells as its header is
read as it stands, checked only for structure: dates are dates (or empty), amounts are amounts,
the priority axis a number (or empty), the code a token without spaces, the fund and status
words without digits, and no two neighbouring cells that together spell a known authority (the
sign of a row that has the header's cell count only because a cell went missing elsewhere). A
status, fund, code shape or authority the code lists do not know is kept as written: the mapping
stage reports it against the lists.

A row with more cells than its header is re-split by *anchors*: columns whose values have a shape
that cannot be mistaken take exactly one cell each, and the free-text columns between them (name,
authority, implementer) take whatever cells are left between their anchors. The anchors are tried
strongest first (:mod:`esrgraph.parsers.vocabulary`, and what the file's own clean rows show):

1. known words (status words, funds and code shapes of the code lists, and the values the file's
   rows read as they stand use at least twice) and a programme part the clean rows use;
2. the same without the programme part;
3. loose shapes: a status of words without digits, a fund of capital letters, a code of letters
   and digits.

A row is read when a tier gives exactly one split; when a tier gives more than one, the row is
quarantined as ambiguous (a looser tier only adds splits), and when none does, it is quarantined
with a reason naming its line, field and cells. Each repair made is listed in ``ProjectRecord.repairs``.

Decisions (see ``docs/decisions/20261123-projectlist-csv-repairs.md`` and
``docs/decisions/20261204-tolerant-lists-and-workbooks.md`` for the why):

* Rows are split line by line: the portal never wrapped a value over lines, and a broken
  quote must not swallow the rows after it.
* Cells split by unquoted commas are joined with ``,`` again, so the text is as written.
* ``|`` (the exporter's stand-in for some commas) is kept as written: not every ``|`` is
  known to have been a comma, and the spacing around them varies.
* An empty date cell is read as no date, reported as a problem; a cell that should hold an
  amount and does not (empty, a date, a word) quarantines the row.
* A workbook's sheet is read with the same rules; its findings name the sheet, the row and the
  column letters instead of line and cell numbers.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import ClassVar

from esrgraph.core.errors import ParseError
from esrgraph.core.model import Applicant, Funding, LineUse, ParseProblem, PriorityAxis, ProjectRecord, SourceInfo
from esrgraph.io.workbook import Sheet, column_letter
from esrgraph.parsers.base import ParseOutcome, SourceText
from esrgraph.parsers.textutil import THOUSANDS_SEPARATORS, csv_cell_limit
from esrgraph.parsers.vocabulary import Vocabulary, authority_key, vocabulary

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
    # The programme part ("Valtakunnallinen osio") or regional programme ("Itä-Suomi") of 2007-2013,
    # the programme of later lists: kept as written in ProjectRecord.programme_part.
    "programme": ("Ohjelma / osio", "Ohjelma", "Osio"),
}

#: A file is this layout when its header has these columns (and at least MIN_KNOWN known ones).
REQUIRED_FIELDS = ("code", "fund", "name")
MIN_KNOWN = 6

#: Free-text columns (None: a column no alias names): they take one or more cells of a row.
_FREE_TEXT = frozenset({"name", "authority", "applicant", "programme", None})
#: Free-text columns with few values: the values the file's clean rows use anchor them (tier 1).
_CATEGORICAL = ("programme",)
#: Anchor columns whose clean-row values count as known words (tier 1 and 2).
_OBSERVED = ("status", "fund", "code", "programme")
#: How often a value must be used by rows read as they stand to count as known.
_OBSERVED_MIN = 2

_AMOUNT_FIELDS = ("eu_state_granted", "eu_state_realised", "public_planned", "public_realised")

#: How a field is named in quarantine reasons: its path in ProjectRecord.
_FIELD_PATH: dict[str, str] = {f: f"funding.{f}" for f in _AMOUNT_FIELDS} | {
    "priority_axis": "priority_axis.number",
    "applicant": "applicant.name",
    "programme": "programme_part",
}

_TL_RE = re.compile(r"\d{1,2}")
_DATE_RE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_AMOUNT_RE = re.compile(rf"-?(?:\d{{1,3}}(?:[{THOUSANDS_SEPARATORS}]\d{{3}})+|\d+)(?:[.,]\d+)?")
_SPACES = re.compile(f"[{THOUSANDS_SEPARATORS}]")
_JUNK = frozenset({"", ";"})
_DIGIT = re.compile(r"\d")
_TOKEN = re.compile(r"\S+")
_LOOSE_CODE = re.compile(r"(?=[^\s]*[A-Za-zÅÄÖåäö])(?=[^\s]*\d)[A-Za-zÅÄÖåäö0-9][\w./-]*")
_LOOSE_FUND = re.compile(r"[A-ZÅÄÖ][A-ZÅÄÖ+]{1,9}")
_LOOSE_STATUS = re.compile(r"[^\W\d_][^\d]*")


def _norm_header(name: str) -> str:
    return " ".join(name.replace("\ufeff", "").strip().rstrip(";").split()).casefold()


_ALIAS_INDEX: dict[str, str] = {_norm_header(alias): fld for fld, aliases in HEADER_ALIASES.items() for alias in aliases}


def _code_shape(code: str) -> str:
    """A code's shape as an expression: letters as written, each run of digits by its length."""
    return re.sub(r"\d+", lambda m: rf"\d{{{len(m.group())}}}", re.escape(code.strip()))


# -- cell kinds --------------------------------------------------------------------------


def _is_tl(cell: str) -> bool:
    return _TL_RE.fullmatch(cell.strip()) is not None


def _is_tl_or_empty(cell: str) -> bool:
    return not cell.strip() or _is_tl(cell)


def _is_date_or_empty(cell: str) -> bool:
    cell = cell.strip()
    return not cell or _DATE_RE.fullmatch(cell) is not None


def _is_amount(cell: str) -> bool:
    return _AMOUNT_RE.fullmatch(cell.strip()) is not None


def _is_token(cell: str) -> bool:
    return _TOKEN.fullmatch(cell.strip()) is not None


def _is_word_cell(cell: str) -> bool:
    """Non-empty text without digits (a fund or status of the positional reading)."""
    text = cell.strip()
    return bool(text) and _DIGIT.search(text) is None


def _is_words_or_empty(cell: str) -> bool:
    return not cell.strip() or _DIGIT.search(cell) is None


_STRUCTURE: Mapping[str, Callable[[str], bool]] = {
    "start_date": _is_date_or_empty,
    "end_date": _is_date_or_empty,
} | {f: _is_amount for f in _AMOUNT_FIELDS}

#: What a cell of each anchor column must be, in words, per tier of checks.
_KIND_TEXT: dict[str, dict[str, str]] = {
    "positional": {
        "code": "a project code (a token without spaces)",
        "fund": "a fund (text without digits)",
        "priority_axis": "a priority-axis number",
        "status": "a status (text without digits)",
    },
    "strong": {
        "code": "a project code of a shape in code-shapes.csv",
        "fund": "a fund of funds.csv",
        "priority_axis": "a priority-axis number",
        "status": "a status word of statuses.csv",
    },
    "loose": {
        "code": "a project code (letters and digits)",
        "fund": "a fund (capital letters)",
        "priority_axis": "a priority-axis number",
        "status": "a status word (text without digits)",
    },
}
_STRUCTURE_TEXT = {"start_date": "a date d.m.yyyy", "end_date": "a date d.m.yyyy"} | {f: "an amount" for f in _AMOUNT_FIELDS}


@dataclass(frozen=True, slots=True)
class _Checks:
    """One tier of checks: a test per anchor column's cell, and per categorical text column's joined span."""

    name: str
    cell: Mapping[str, Callable[[str], bool]]
    span: Mapping[str, Callable[[str], bool]] = field(default_factory=dict)

    def text(self, fld: str) -> str:
        return _STRUCTURE_TEXT.get(fld) or _KIND_TEXT.get(self.name, _KIND_TEXT["loose"]).get(fld, f"a {fld}")


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


def _columns(cells: Sequence[str]) -> list[Column]:
    cells = list(cells)
    while cells and not cells[-1].strip(" ;"):
        cells.pop()
    return [Column(c.strip().rstrip(";").strip(), _ALIAS_INDEX.get(_norm_header(c))) for c in cells]


def _split_header(line: str) -> tuple[str, list[Column]]:
    """The delimiter that maps most header names, and the columns it gives."""
    best: tuple[int, str, list[Column]] = (-1, ",", [])
    for delimiter in (",", ";", "\t"):
        try:
            cells = next(csv.reader([line], delimiter=delimiter), [])
        except csv.Error:  # a cell over the csv module's size limit: not a header with this delimiter
            continue
        columns = _columns(cells)
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


def _sheet_header(sheet: Sheet) -> tuple[int, int, list[Column]] | None:
    """(row index, first column index, columns) of the sheet's first non-empty row, when it is a list header."""
    for index, row in enumerate(sheet.rows):
        if any(c.strip() for c in row):
            first = next(j for j, c in enumerate(row) if c.strip())
            columns = _columns(row[first:])
            return (index, first, columns) if _header_ok(columns) else None
    return None


def list_sheets(sheets: Sequence[Sheet]) -> list[str]:
    """Names of the sheets whose first non-empty row is a project-list header."""
    return [sheet.name for sheet in sheets if _sheet_header(sheet) is not None]


# -- naming cells in messages ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Names:
    """How messages name a row's cells: ``cell 10`` in a CSV line, ``column J`` in a sheet's row."""

    #: Column index of the row's first cell in its sheet; None for a CSV line.
    sheet_offset: int | None = None

    def cell(self, j: int) -> str:
        if self.sheet_offset is None:
            return f"cell {j + 1}"
        return f"column {column_letter(self.sheet_offset + j)}"

    def cells(self, start: int, end: int) -> str:
        if end - start == 1:
            return self.cell(start)
        if self.sheet_offset is None:
            return f"cells {start + 1}–{end}"
        return f"columns {column_letter(self.sheet_offset + start)}–{column_letter(self.sheet_offset + end - 1)}"

    def joined(self, fld: str, start: int, end: int, delimiter: str) -> str:
        if self.sheet_offset is None:
            return f"joined {fld} from {self.cells(start, end)} split by unquoted {delimiter!r}"
        return f"joined {fld} from {self.cells(start, end)} (one value split over cells at {delimiter!r})"


_CSV_NAMES = _Names()


# -- aligning cells to columns ---------------------------------------------------------------


class _Aligner:
    """Counts the ways columns can consume a row's cells: anchors one cell, free text one or more."""

    def __init__(self, columns: Sequence[Column], cells: Sequence[str], checks: _Checks, delimiter: str = ",") -> None:
        self.columns = columns
        self.cells = cells
        self.checks = checks
        self.delimiter = delimiter
        self.n = len(cells)
        self.extra = self.n - len(columns)
        self._memo: dict[tuple[int, int], int] = {}
        self._fits: dict[tuple[int, int], bool] = {}

    def fits(self, ci: int, j: int) -> bool:
        key = (ci, j)
        hit = self._fits.get(key)
        if hit is None:
            fld = self.columns[ci].field or ""
            check = _STRUCTURE.get(fld) or self.checks.cell.get(fld)
            hit = self._fits[key] = check is None or check(self.cells[j])
        return hit

    def span_ok(self, ci: int, j: int, k: int) -> bool:
        """A free column taking cells[j:k]: a categorical column's joined text must be a known value."""
        check = self.checks.span.get(self.columns[ci].field or "")
        return check is None or check(self.delimiter.join(self.cells[j:k]))

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
                if not self.span_ok(ci, j, k):
                    continue
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
                for k in range(j + 1, min(self.n, j + 1 + max(self.extra, 0)) + 1):
                    if self.span_ok(ci, j, k):
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


def _describe_cell(j: int, cells: Sequence[str], names: _Names) -> str:
    return f"{names.cell(j)} {cells[j]!r}"


def _why_not(field: str, cell: str, checks: _Checks) -> str:
    if field in _AMOUNT_FIELDS and _DATE_RE.fullmatch(cell.strip()):
        return "is a date where an amount belongs"
    if not cell.strip():
        return f"is empty where {checks.text(field)} belongs"
    return f"is not {checks.text(field)}"


def _diagnose(aligner: _Aligner, names: _Names) -> tuple[str, str]:
    """(field, reason) for a row that has no alignment."""
    columns, cells, checks = aligner.columns, aligner.cells, aligner.checks
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
                return col.field, f"{col.label()}: {_describe_cell(j, cells, names)} {_why_not(col.field, cells[j], checks)}"
            first = names.cell(min(ends))
            return col.field, f"{col.label()}: no cell before {first} reads as {checks.text(col.field)}"
    if ci >= len(columns):
        extra = positions[0] if positions else len(cells)
        return "row", (f"{len(cells) - extra} cell(s) left over after the last column, "
                       f"from {_describe_cell(extra, cells, names)}")
    col = columns[ci]
    fld = col.field or "row"
    inside = [j for j in positions if j < len(cells)]
    if not inside:
        return fld, f"{col.label()}: the row ends before this column ({len(cells)} cells)"
    if len(inside) == 1:
        j = inside[0]
        return fld, f"{col.label()}: {_describe_cell(j, cells, names)} {_why_not(fld, cells[j], checks)}"
    return fld, (
        f"{col.label()}: no cell from {names.cell(inside[0])} to {names.cell(inside[-1])} reads as {checks.text(fld)}"
    )


def _describe_ambiguity(aligner: _Aligner, two: list[list[tuple[int, int]]], names: _Names) -> tuple[str, str]:
    """(field, reason) for a row with more than one alignment: where the two first readings differ."""
    columns, cells = aligner.columns, aligner.cells
    a, b = two
    differ = [ci for ci, (sa, sb) in enumerate(zip(a, b, strict=True)) if sa != sb]
    anchor = next((ci for ci in differ if not columns[ci].free), None)
    if anchor is not None:
        sa, sb = a[anchor], b[anchor]
        return columns[anchor].field or "row", (
            f"ambiguous split: {columns[anchor].label()} could be {_describe_cell(sa[0], cells, names)} "
            f"or {_describe_cell(sb[0], cells, names)}, so the cells between could belong to either neighbouring "
            "text column"
        )

    def reading(spans: list[tuple[int, int]]) -> str:
        return ", ".join(f"{columns[ci].field or columns[ci].label()} = {names.cells(*spans[ci])}" for ci in differ)

    first = columns[differ[0]]
    start = min(a[differ[0]][0], b[differ[0]][0])
    end = max(a[differ[-1]][1], b[differ[-1]][1])
    return first.field or "row", (
        f"ambiguous split: {names.cells(start, end)} could be shared between adjacent text columns "
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


def _candidate_splits(line: str, delimiter: str) -> list[_Split]:
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
        out.extend(_resplits(inner, delimiter, repairs))
    elif '"' in line:
        resplit = ["re-split on every delimiter without quote handling"]
        out.append(_Split(line.split(delimiter), resplit, raw=True, requoted=True))
    return out


def _resplits(inner: str, delimiter: str, repairs: list[str]) -> list[_Split]:
    """A row's text held in one cell, read as CSV and then cut on every delimiter."""
    out = []
    again = next(csv.reader([inner], delimiter=delimiter), [])
    if len(again) > 1:
        out.append(_Split(again, list(repairs), requoted=True))
    resplit = repairs + ["re-split on every delimiter without quote handling"]
    out.append(_Split(inner.split(delimiter), resplit, raw=True, requoted=True))
    return out


def _sheet_splits(cells: list[str], delimiter: str) -> list[_Split]:
    """The ways to read a sheet's row: its cells; and, when the whole row sits in its first cell
    (a CSV line pasted into one cell), that cell's text read as a CSV line."""
    out = [_Split(cells, [])]
    if cells and delimiter in cells[0] and all(c.strip() in _JUNK for c in cells[1:]):
        out.extend(_resplits(cells[0].strip().rstrip(";").rstrip(), delimiter, ["the row was held in one cell: split it"]))
    return out


# -- per-file vocabulary ------------------------------------------------------------------------------


def _positional_checks() -> _Checks:
    return _Checks("positional", {
        "code": _is_token,
        "fund": _is_word_cell,
        "priority_axis": _is_tl_or_empty,
        "status": _is_words_or_empty,
    })


def _tiers(vocab: Vocabulary, observed: Mapping[str, frozenset[str]]) -> list[_Checks]:
    """The anchored tiers of checks for one file, strongest first (see the module docstring)."""
    statuses = vocab.statuses | observed.get("status", frozenset())
    funds = vocab.funds | {f.upper() for f in observed.get("fund", frozenset())}
    shapes = [re.compile(s) for s in sorted(observed.get("code", frozenset()))]

    def strong_code(cell: str) -> bool:
        text = cell.strip()
        return vocab.is_code(text) or any(p.fullmatch(text) for p in shapes)

    def strong_status(cell: str) -> bool:
        return cell.strip() in statuses

    def strong_fund(cell: str) -> bool:
        return cell.strip().upper() in funds

    strong: dict[str, Callable[[str], bool]] = {
        "code": strong_code, "fund": strong_fund, "priority_axis": _is_tl, "status": strong_status,
    }
    loose: dict[str, Callable[[str], bool]] = {
        "code": lambda c: strong_code(c) or _LOOSE_CODE.fullmatch(c.strip()) is not None,
        "fund": lambda c: strong_fund(c) or _LOOSE_FUND.fullmatch(c.strip()) is not None,
        "priority_axis": _is_tl,
        "status": lambda c: strong_status(c) or _LOOSE_STATUS.fullmatch(c.strip()) is not None,
    }
    tiers: list[_Checks] = []
    categorical = {f: observed[f] for f in _CATEGORICAL if observed.get(f)}
    if categorical:
        spans = {f: _one_of(known) for f, known in categorical.items()}
        tiers.append(_Checks("strong", strong, spans))
    tiers.append(_Checks("strong", strong))
    tiers.append(_Checks("loose", loose))
    return tiers


def _one_of(known: frozenset[str]) -> Callable[[str], bool]:
    def check(text: str) -> bool:
        return text.strip() in known

    return check


def _split_authority(cells: Sequence[str], delimiter: str, vocab: Vocabulary) -> tuple[int, str] | None:
    """(index, name) when cells[index] and cells[index + 1] together spell a known authority of several words
    (``Hämeen elinkeino-`` and `` liikenne- ja ympäristökeskus``)."""
    ends = vocab.split_ends
    for j in range(len(cells) - 1):
        words = cells[j].split()
        if not words or words[-1].casefold() not in ends or not cells[j + 1].strip():
            continue
        left = cells[j].strip()
        name = vocab.authorities.get(authority_key(left + delimiter + cells[j + 1]))
        if name is not None and " " in name and authority_key(left) not in vocab.authorities:
            return j, name
    return None


# -- the parser --------------------------------------------------------------------------------------


class ProjectListCsvParser:
    """Parser for the portal's bulk project list (``projectlist-csv``), as CSV or as workbook sheets.

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

    @csv_cell_limit
    def sniff(self, text: str) -> bool:
        """True when the first non-blank line is a project-list header."""
        found = _first_line(text[:4096])
        if found is None:
            return False
        _, columns = _split_header(found[1])
        return _header_ok(columns)

    @csv_cell_limit
    def parse(self, source: SourceText) -> ParseOutcome:
        """Every row of the list (of every sheet that is a list, for a workbook): a record, or a
        quarantined ParseError naming line (sheet row) and field.

        Raises:
            ParseError: the first non-blank line is not a project-list header (no sheet is a list).
        """
        if source.sheets is not None:
            return self._parse_sheets(source, source.sheets)
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
        rows: list[tuple[int, str, list[_Split] | csv.Error]] = []
        for number in range(header_line + 1, len(lines) + 1):
            line = lines[number - 1]
            if line.strip():
                try:
                    rows.append((number, line, _candidate_splits(line, delimiter)))
                except csv.Error as exc:  # a cell over the csv module's size limit (131072 characters)
                    rows.append((number, line, exc))
        reader = _ListReader(source, columns, delimiter, _CSV_NAMES, None)
        reader.observe(split[0].cells for _, _, split in rows if not isinstance(split, csv.Error))
        for number, line, splits in rows:
            outcome.units += 1
            if isinstance(splits, csv.Error):
                result: ProjectRecord | ParseError = ParseError(
                    source.path, f"row not read: not readable as CSV ({splits})", line=number, field="row")
            else:
                result = reader.row(number, line, splits)
            if isinstance(result, ParseError):
                outcome.quarantined.append(result)
            else:
                outcome.records.append(result)
        return outcome

    def _parse_sheets(self, source: SourceText, sheets: Sequence[Sheet]) -> ParseOutcome:
        outcome = ParseOutcome()
        found = False
        for sheet in sheets:
            header = _sheet_header(sheet)
            if header is None:
                continue
            found = True
            index, first, columns = header
            rows: list[tuple[int, list[str]]] = []
            for number in range(index + 2, len(sheet.rows) + 1):
                cells = list(sheet.rows[number - 1][first:])
                while cells and not cells[-1]:  # the sheet's width, not the row's cells
                    cells.pop()
                if any(c.strip() for c in cells):
                    rows.append((number, cells))
            reader = _ListReader(source, columns, ",", _Names(first), sheet.name)
            reader.observe(cells for _, cells in rows)
            for number, cells in rows:
                outcome.units += 1
                result = reader.row(number, "\t".join(cells), _sheet_splits(cells, ","))
                if isinstance(result, ParseError):
                    outcome.quarantined.append(result)
                else:
                    outcome.records.append(result)
        if not found:
            shown = ", ".join(repr(s.name) for s in sheets) or "none"
            raise ParseError(source.path, f"no sheet is a project list (sheets: {shown}): a list sheet's first "
                             f"non-empty row is its header; known headers are listed in {__name__}.HEADER_ALIASES",
                             field="header")
        return outcome


class _ListReader:
    """Reads the rows of one list (a CSV file or one sheet): its columns, its checks, its known values."""

    def __init__(self, source: SourceText, columns: Sequence[Column], delimiter: str, names: _Names,
                 sheet: str | None) -> None:
        self.source = source
        self.columns = columns
        self.delimiter = delimiter
        self.names = names
        self.sheet = sheet
        self.vocab = vocabulary()
        self.positional = _positional_checks()
        self.tiers = _tiers(self.vocab, {})
        self._code_column = next((i for i, c in enumerate(columns) if c.field == "code"), None)

    def observe(self, rows: Iterable[Sequence[str]]) -> None:
        """Learn the values the rows read as they stand use (tiers 1 and 2 take them as known words)."""
        seen: dict[str, Counter[str]] = {f: Counter() for f in _OBSERVED}
        index = {c.field: i for i, c in enumerate(self.columns) if c.field in _OBSERVED}
        for cells in rows:
            repairs: list[str] = []
            cells = _trim_trailing(list(cells), self.columns, repairs)
            if len(cells) != len(self.columns) or not self._positional_ok(_Aligner(self.columns, cells, self.positional)):
                continue
            for fld, i in index.items():
                value = cells[i].strip()
                if value:
                    seen[fld][_code_shape(value) if fld == "code" else value] += 1
        observed = {f: frozenset(v for v, n in counts.items() if n >= _OBSERVED_MIN) for f, counts in seen.items()}
        self.tiers = _tiers(self.vocab, observed)

    def _positional_ok(self, aligner: _Aligner) -> bool:
        return all(aligner.fits(i, i) for i in range(len(aligner.columns))) and (
            _split_authority(aligner.cells, self.delimiter, self.vocab) is None)

    # one row ------------------------------------------------------------------------------

    def row(self, number: int, line: str, splits: list[_Split]) -> ProjectRecord | ParseError:
        tried: list[tuple[_Split, _Aligner]] = []
        for split in splits:
            repairs = list(split.repairs)
            cells = _trim_trailing(split.cells, self.columns, repairs)
            trimmed = _Split(cells, repairs, split.raw, split.requoted)
            if len(cells) == len(self.columns):
                aligner = _Aligner(self.columns, cells, self.positional, self.delimiter)
                if self._positional_ok(aligner):
                    return self._build(number, line, trimmed, [(i, i + 1) for i in range(len(cells))])
                tried.append((trimmed, aligner))
                continue
            for checks in self.tiers:
                aligner = _Aligner(self.columns, cells, checks, self.delimiter)
                count = aligner.ways()
                if count == 1:
                    return self._build(number, line, trimmed, aligner.spans(1)[0])
                if count >= 2:
                    fld, reason = _describe_ambiguity(aligner, aligner.spans(2), self.names)
                    return self._quarantine(number, cells, fld, reason)
            tried.append((trimmed, aligner))
        split, aligner = tried[-1] if len(tried[0][0].cells) == 1 else tried[0]
        if len(split.cells) == len(self.columns) and all(aligner.fits(i, i) for i in range(len(self.columns))):
            found = _split_authority(split.cells, self.delimiter, self.vocab)
            assert found is not None
            j, name = found
            fld, reason = "authority", (
                f"{self.names.cells(j, j + 2)} {split.cells[j]!r}, {split.cells[j + 1]!r} spell the authority "
                f"{name!r} split by {self.delimiter!r}, but the row has only the header's {len(self.columns)} cells: "
                "a cell is missing elsewhere, so the columns cannot be told apart")
        elif len(split.cells) == len(self.columns):  # read as it stands: the first cell that does not fit
            i = next(i for i in range(len(self.columns)) if not aligner.fits(i, i))
            col = self.columns[i]
            fld = col.field or "row"
            reason = f"{col.label()}: {_describe_cell(i, split.cells, self.names)} {_why_not(fld, split.cells[i], aligner.checks)}"
        else:
            # Named by the strong anchors (where the row breaks for a reader that knows the words), unless
            # what breaks is a word the lists do not know: that is never the reason, so the loose reading says.
            strong = _Aligner(self.columns, split.cells, self.tiers[-2], self.delimiter)
            fld, reason = _diagnose(strong, self.names)
            if fld in _OBSERVED:
                # A word the lists do not know is never the reason on its own: the row is quarantined only
                # because the loose reading (any word there) breaks too, so the reason gives both readings; the
                # field stays the strong one's (a missing status cell, the common case, is named where it is missing).
                reason = f"{reason}; read with any word there, {_diagnose(aligner, self.names)[1]}"
        if split.raw:
            reason += " (after re-splitting without quote handling)"
        return self._quarantine(number, aligner.cells, fld, reason)

    def _fund(self, text: str) -> str | None:
        """A fund abbreviation in capitals (``esr`` is ESR), as before; anything else as written."""
        if not text:
            return None
        return text.upper() if _LOOSE_FUND.fullmatch(text.upper()) else text

    def _record_code(self, cells: Sequence[str]) -> str | None:
        strong = self.tiers[-2].cell["code"]
        code = next((c.strip() for c in cells if strong(c)), None)
        if code is None and self._code_column is not None and self._code_column < len(cells):
            code = cells[self._code_column].strip() if _is_token(cells[self._code_column]) else None
        return code

    def _quarantine(self, number: int, cells: Sequence[str], fld: str, reason: str) -> ParseError:
        where = f"sheet {self.sheet!r}, row {number}: " if self.sheet is not None else ""
        return ParseError(self.source.path, f"row not read: {where}{reason}", line=number,
                          field=_FIELD_PATH.get(fld, fld), record=self._record_code(cells))

    def _build(self, number: int, line: str, split: _Split, spans: Sequence[tuple[int, int]]) -> ProjectRecord | ParseError:
        cells = split.cells
        repairs = split.repairs
        values: dict[str, str] = {}
        where: dict[str, tuple[int, int]] = {}
        for col, (start, end) in zip(self.columns, spans, strict=True):
            if col.field is None:
                continue
            where[col.field] = (start, end)
            raw = self.delimiter.join(cells[start:end])
            if end - start > 1:
                repairs.append(self.names.joined(col.field, start, end, self.delimiter))
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
            key = authority_key(authority)
            official = self.vocab.authorities.get(key)
            if official is None:
                glued = self.vocab.authority_ending(key)
                if glued is not None:
                    start, end = where["authority"]
                    before = authority[: len(authority) - len(glued)].strip()
                    return self._quarantine(
                        number,
                        cells,
                        "authority",
                        f"{_FIELD_PATH.get('authority', 'authority')} ({self.names.cells(start, end)} {authority!r}): "
                        f"text {before!r} stands before the authority {glued!r}; "
                        "part of the name ran into the authority column, so the split is not certain",
                    )
            elif official != authority:
                repairs.append(f"restored the authority's official spelling (was {authority!r})")
                values["authority"] = official
        problems: list[ParseProblem] = []
        path = self.source.path

        def when(fld: str) -> date | None:
            text = values.get(fld, "")
            if not text:
                if fld in values:
                    problems.append(ParseProblem(path, number, code, fld, text, "empty cell where a date belongs; left empty"))
                return None
            try:
                return _parse_date(text)
            except ValueError:
                problems.append(ParseProblem(path, number, code, fld, text, "not a calendar date; left empty"))
                return None

        amounts = {f: _parse_amount(values[f]) for f in _AMOUNT_FIELDS if f in values}
        funding = Funding(**amounts) if amounts else None
        tl = values.get("priority_axis")
        applicant = values.get("applicant")
        return ProjectRecord(
            source=SourceInfo(path, self.source.sha256, LAYOUT, first_line=number),
            code=code,
            name=values.get("name") or None,
            fund=self._fund(values.get("fund") or ""),
            priority_axis=PriorityAxis(number=str(int(tl))) if tl else None,
            programme_part=values.get("programme") or None,
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
