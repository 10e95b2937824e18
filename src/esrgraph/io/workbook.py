"""Excel and OpenDocument workbooks (.xlsx, .xlsm, .xls, .ods) read into sheets of cell texts.

The portals offer their lists as workbooks as often as CSV. A workbook is read with python-calamine
(no formulas are evaluated: a formula cell gives the value the workbook cached, or nothing) and each
cell becomes the text the portal's CSV would hold, so the list readers treat both alike:

* dates as ``d.m.yyyy`` (a date-time with a time of day adds `` h:mm:ss``),
* whole numbers without ``.0``; other numbers in plain decimal notation, exactly as the shortest
  ``repr`` of the float gives them (``1e-07`` becomes ``0.0000001``, never an exponent),
* booleans as ``TRUE``/``FALSE`` (as Excel writes them to CSV), empty cells as ``""``.

A workbook is recognised from its bytes, never from its name: a zip holding ``xl/workbook.xml``
(xlsx, xlsm) or an OpenDocument spreadsheet ``mimetype``, or an OLE2 compound file (xls).
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import python_calamine

from esrgraph.core.errors import InputError

_ZIP = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


@dataclass(frozen=True, slots=True)
class Sheet:
    """One worksheet: its name and its rows of cell texts, row 1 first and column A first.

    Rows keep the sheet's empty rows and columns before the data, so ``rows[i][j]`` is the cell in
    row ``i + 1`` and column ``column_letter(j)``; rows are as wide as the sheet's used range.
    """

    name: str
    rows: tuple[tuple[str, ...], ...]


def workbook_kind(data: bytes) -> str | None:
    """``"xlsx"``, ``"ods"`` or ``"xls"`` when ``data`` is a workbook of that kind, else None."""
    if data.startswith(_OLE2):
        return "xls"
    if not data.startswith(_ZIP):
        return None
    # An OpenDocument file stores its mimetype first and uncompressed (ODF 1.2, section 3.3).
    if data[30:38] == b"mimetype" and data[38:38 + len(_ODS_MIMETYPE)] == _ODS_MIMETYPE:
        return "ods"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
                return "xlsx"
            if "mimetype" in names and archive.read("mimetype").strip() == _ODS_MIMETYPE:
                return "ods"
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError):
        # A damaged zip (cut short, say) whose local entries are a workbook's parts is still meant as one.
        return "xlsx" if any(name.startswith(b"xl/") for name in _local_names(data)) else None
    return None


def _local_names(data: bytes) -> list[bytes]:
    """Entry names of a zip's local file headers, read in order from the start (for a damaged zip)."""
    names: list[bytes] = []
    at = data.find(_ZIP)
    while 0 <= at and at + 30 <= len(data) and len(names) < 10000:
        size = int.from_bytes(data[at + 26:at + 28], "little")
        names.append(data[at + 30:at + 30 + size])
        at = data.find(_ZIP, at + 30 + size)
    return names


def column_letter(index: int) -> str:
    """The spreadsheet name of the 0-based column ``index``: 0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def cell_text(value: object) -> str:
    """A calamine cell value as the text a CSV export would hold (see the module docstring)."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    if isinstance(value, datetime):
        text = f"{value.day}.{value.month}.{value.year}"
        if value.time() != time(0, 0):
            text += f" {value.hour}:{value.minute:02d}:{value.second:02d}"
        return text
    if isinstance(value, date):
        return f"{value.day}.{value.month}.{value.year}"
    if isinstance(value, time):
        return f"{value.hour}:{value.minute:02d}:{value.second:02d}"
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def read_workbook(data: bytes, path: str) -> tuple[Sheet, ...]:
    """The worksheets of the workbook ``data`` (chart and macro sheets left out), in workbook order.

    Raises:
        InputError: the workbook is damaged, encrypted or not a workbook calamine reads.
    """
    kind = workbook_kind(data) or "workbook"
    try:
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        with book:
            sheets = []
            for index, meta in enumerate(book.sheets_metadata):
                if meta.typ not in (python_calamine.SheetTypeEnum.WorkSheet, python_calamine.SheetTypeEnum.DialogSheet):
                    continue
                values = book.get_sheet_by_index(index).to_python(skip_empty_area=False)
                rows = tuple(tuple(cell_text(v) for v in row) for row in values)
                sheets.append(Sheet(meta.name, rows))
    except python_calamine.PasswordError:
        raise InputError(path, f"is a password-protected {kind}: esrgraph cannot read it",
                         "save it again without a password") from None
    except (python_calamine.CalamineError, ValueError, OSError, OverflowError) as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(path, f"is a damaged or unreadable {kind} ({detail})",
                         "open it in a spreadsheet program and save it again, or export the sheet as CSV") from None
    return tuple(sheets)


def sheets_as_text(sheets: tuple[Sheet, ...]) -> str:
    """The sheets as tab-separated text, sheet after sheet (a blank line between two), for text-based tools.

    The first sheet's rows are the text's lines of the same number. Tabs and line breaks inside a cell
    become spaces: the text is a view for sniffing and quoting, the sheets stay what is read.
    """
    out: list[str] = []
    for sheet in sheets:
        if out:
            out.append("")
        for row in sheet.rows:
            cells = list(row)
            while cells and not cells[-1]:
                cells.pop()
            out.append("\t".join(" ".join(c.replace("\t", " ").splitlines()) if c else "" for c in cells))
    return "\n".join(out) + ("\n" if out else "")
