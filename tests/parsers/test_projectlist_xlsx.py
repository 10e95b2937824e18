"""The bulk list read from a workbook: the real 2014-2020 list as .xlsx gives the CSV's projects.

The workbook is written here with openpyxl from the real CSV: each line's csv.reader cells become the
sheet row's cells (so messy rows stay messy), ``d.m.yyyy`` cells are written as Excel dates and amount
cells as numbers. The real list is read in place from ``../shared/corpus/`` (skipped when absent).
"""

from __future__ import annotations

import csv
import re
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from esrgraph.cli import main
from esrgraph.core.errors import InputError
from esrgraph.core.model import ProjectRecord
from esrgraph.io.sources import iter_input_files, read_source
from esrgraph.parsers.base import ParseOutcome
from esrgraph.parsers.inputs import parse_file
from esrgraph.parsers.projectlist_csv import ProjectListCsvParser
from repo_paths import SHARED, TESTS

openpyxl = pytest.importorskip("openpyxl")

REAL_LIST = SHARED / "corpus" / "projektilista-2014-2020.csv"
FIXTURE = TESTS / "data" / "projectlist-csv" / "period-2014-2020.csv"
_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_INT = re.compile(r"-?[1-9]\d{0,14}|0")
_DEC = re.compile(r"-?(?:[1-9]\d{0,9}|0)\.\d{1,6}")

parser = ProjectListCsvParser()


def excel_value(cell: str) -> Any:
    """A CSV cell as a workbook would hold it: a date, a number, or the text as it is."""
    if m := _DATE.fullmatch(cell):
        day, month, year = (int(g) for g in m.groups())
        try:
            return datetime(year, month, day)
        except ValueError:
            return cell
    if _INT.fullmatch(cell):
        return int(cell)
    if _DEC.fullmatch(cell) and repr(float(cell)) == cell:
        return float(cell)
    return cell


def write_xlsx(csv_text: str, target: Path, sheet: str = "Projektit", before: list[list[Any]] | None = None) -> Path:
    book = openpyxl.Workbook()
    first = book.active
    if before is not None:  # a sheet that is not a list comes first
        first.title = "Ohje"
        for row in before:
            first.append(row)
        first = book.create_sheet(sheet)
    else:
        first.title = sheet
    for line in csv_text.split("\n"):
        if not line.strip():
            first.append([])
            continue
        first.append([excel_value(c) for c in next(csv.reader([line]))])
    book.save(target)
    return target


def comparable(record: ProjectRecord) -> dict[str, Any]:
    """A record's JSON without where it was read from (path, line, cells) and without repair wording."""
    out = record.to_json()
    for key in ("source", "coverage", "repairs"):
        out.pop(key, None)
    out["problems"] = [(p["field"], p["value"], p["message"]) for p in out["problems"]]
    return out


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[ParseOutcome, ParseOutcome]:
    if not REAL_LIST.is_file():
        pytest.skip(f"{REAL_LIST} not found: the real project list is read in place")
    text = read_source(REAL_LIST).text
    xlsx = write_xlsx(text, tmp_path_factory.mktemp("xlsx") / "projektilista.xlsx")
    return parser.parse(read_source(REAL_LIST)), parse_file(xlsx, display_path="projektilista.xlsx")


def test_the_xlsx_gives_the_csv_projects(both: tuple[ParseOutcome, ParseOutcome]) -> None:
    from_csv, from_xlsx = both
    assert from_xlsx.units == from_csv.units == 2881
    assert len(from_xlsx.records) == len(from_csv.records)
    for a, b in zip(from_csv.records, from_xlsx.records, strict=True):
        assert comparable(b) == comparable(a), a.code
        assert b.source.first_line == a.source.first_line  # sheet row = CSV line: header in row 1 both
        assert b.source.path == "projektilista.xlsx" and len(b.source.sha256) == 64


def test_the_xlsx_quarantines_the_same_codes(both: tuple[ParseOutcome, ParseOutcome]) -> None:
    from_csv, from_xlsx = both
    assert [(q.record, q.field, q.line) for q in from_xlsx.quarantined] == [
        (q.record, q.field, q.line) for q in from_csv.quarantined]
    for q in from_xlsx.quarantined:
        assert q.message.startswith(f"row not read: sheet 'Projektit', row {q.line}: "), q.message
        assert "column " in q.message and "cell " not in q.message


def test_a_finding_names_sheet_row_and_column(both: tuple[ParseOutcome, ParseOutcome]) -> None:
    by_line = {q.line: q for q in both[1].quarantined}
    error = by_line[57]
    assert error.record == "A70356" and error.field == "funding.eu_state_granted"
    assert "sheet 'Projektit', row 57: funding.eu_state_granted ('Myönnetty EU- ja valtion rahoitus'): column J " \
           "' AVOIN YHTIÖ' is not an amount" in error.message
    assert str(error).startswith("projektilista.xlsx:57: record A70356: field funding.eu_state_granted")


def test_repairs_name_columns(both: tuple[ParseOutcome, ParseOutcome]) -> None:
    record = next(r for r in both[1].records if r.code == "A70213")
    assert "joined authority from columns E–F (one value split over cells at ',')" in record.repairs


def test_list_on_a_second_sheet_after_leading_empty_rows_and_columns(tmp_path: Path) -> None:
    text = FIXTURE.read_text(encoding="utf-8")
    book = openpyxl.Workbook()
    intro = book.active
    intro.title = "Ohje"
    intro.append(["Rakennerahastot: rahoitetut hankkeet"])
    sheet = book.create_sheet("Hankkeet")
    for i, line in enumerate(t for t in text.split("\n") if t.strip()):
        for j, cell in enumerate(next(csv.reader([line]))):
            sheet.cell(row=i + 3, column=j + 2, value=excel_value(cell))
    path = tmp_path / "kaksi.xlsx"
    book.save(path)
    outcome = parse_file(path)
    assert [r.code for r in outcome.records] == ["A70225", "S20518", "A70057"]
    assert [r.source.first_line for r in outcome.records] == [4, 5, 6]
    assert outcome.records[0].name == "Arctic spa, tunturikylpylä"
    assert "joined name from columns D–E (one value split over cells at ',')" in outcome.records[0].repairs


def test_a_workbook_without_a_list_names_its_sheets(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.active.title = "Muistiinpanot"
    book.active.append(["Koodi", "Summa"])
    book.create_sheet("Toinen").append(["x"])
    book.save(tmp_path / "muu.xlsx")
    with pytest.raises(InputError, match=r"muu\.xlsx: is a workbook whose sheets \('Muistiinpanot', 'Toinen'\)"):
        parse_file(tmp_path / "muu.xlsx")


def test_formula_and_date_cells(tmp_path: Path) -> None:
    """A formula gives its cached value (none, when the writer cached none: then the row is quarantined,
    never evaluated); a date cell reads as d.m.yyyy."""
    header, row = FIXTURE.read_text(encoding="utf-8").split("\n")[:2]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(next(csv.reader([header])))
    cells = [excel_value(c) for c in next(csv.reader([row]))]
    sheet.append(cells)
    formula = list(cells)
    formula[0] = "A70226"
    formula[-2] = "=N2*2"  # openpyxl caches no value: the cell is empty to any reader that does not compute
    sheet.append(formula)
    book.save(tmp_path / "kaava.xlsx")
    outcome = parse_file(tmp_path / "kaava.xlsx")
    [record] = outcome.records
    assert record.start_date is not None and record.start_date.isoformat() == "2014-09-17"
    [error] = outcome.quarantined
    assert error.record == "A70226" and error.line == 3


def test_ods_written_by_hand_is_read(tmp_path: Path) -> None:
    header, row = FIXTURE.read_text(encoding="utf-8").split("\n")[:2]
    cells = [next(csv.reader([header])), next(csv.reader([row]))]

    def cell(text: str) -> str:
        text = text.replace("&", "&amp;").replace("<", "&lt;")
        return f'<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>'

    rows = "".join(f"<table:table-row>{''.join(cell(c) for c in r)}</table:table-row>" for r in cells)
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body>'
        f'<office:spreadsheet><table:table table:name="Projektit">{rows}</table:table></office:spreadsheet>'
        "</office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
    )
    path = tmp_path / "lista.ods"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
    assert read_source(path).encoding == "ods"
    [record] = parse_file(path).records
    assert (record.code, record.name) == ("A70225", "Arctic spa, tunturikylpylä")


def test_folders_pick_up_workbooks(tmp_path: Path) -> None:
    for name in ("a.xlsx", "b.xls", "c.ods", "d.xlsm", "e.docx"):
        (tmp_path / name).write_bytes(b"x")
    assert [shown for _, shown in iter_input_files([tmp_path])] == [
        f"{tmp_path.name}/{n}" for n in ("a.xlsx", "b.xls", "c.ods", "d.xlsm")]


def test_build_reads_an_xlsx_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    xlsx = write_xlsx(FIXTURE.read_text(encoding="utf-8"), tmp_path / "list.xlsx")
    with pytest.raises(SystemExit) as done:
        main(["build", str(xlsx), "-o", str(tmp_path / "out"), "-q"])
    out, err = capsys.readouterr()
    assert done.value.code in (0, None), err
    assert (tmp_path / "out").is_dir()
    assert "A70225" in "".join(p.read_text(encoding="utf-8", errors="replace")
                               for p in (tmp_path / "out").rglob("*.ttl"))


def test_corrupt_xlsx_fails_the_build_with_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write_xlsx(FIXTURE.read_text(encoding="utf-8"), tmp_path / "good.xlsx").read_bytes()
    bad = tmp_path / "rikki.xlsx"
    bad.write_bytes(good[: len(good) // 2])
    with pytest.raises(SystemExit) as done:
        main(["build", str(bad), "-o", str(tmp_path / "out"), "-q"])
    out, err = capsys.readouterr()
    assert done.value.code == 2
    assert "rikki.xlsx" in err and "damaged or unreadable xlsx" in err
    assert "Traceback" not in err + out
