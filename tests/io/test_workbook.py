"""Workbooks read into sheets of the texts a CSV export would hold (io/workbook.py, io/sources.py)."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest

from esrgraph.core.errors import InputError
from esrgraph.io.sources import MAX_INPUT_BYTES_VARIABLE, read_source, source_from_bytes
from esrgraph.io.workbook import Sheet, cell_text, column_letter, read_workbook, sheets_as_text, workbook_kind

openpyxl = pytest.importorskip("openpyxl")


def xlsx_bytes(rows: list[list[object]], title: str = "Taulukko1") -> bytes:
    book = openpyxl.Workbook()
    book.active.title = title
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""), ("", ""), ("teksti", "teksti"), (True, "TRUE"), (False, "FALSE"), (12770, "12770"),
        (12770.0, "12770"), (97216.29, "97216.29"), (0.1, "0.1"), (1e-07, "0.0000001"), (1.5e20, "150000000000000000000"),
        (-2.5, "-2.5"), (date(2014, 9, 16), "16.9.2014"), (datetime(2015, 3, 1), "1.3.2015"),
        (datetime(2015, 3, 1, 8, 5, 9), "1.3.2015 8:05:09"), (time(13, 30), "13:30:00"),
        (timedelta(days=1, hours=2), "1 day, 2:00:00"),
    ],
)
def test_cell_text(value: object, text: str) -> None:
    assert cell_text(value) == text


def test_no_float_is_written_with_an_exponent() -> None:
    for value in (1e-9, 3.0e-5, 2.5e16, 1.2345678901234567e19, 123456.789):
        text = cell_text(value)
        assert "e" not in text.lower() and float(text) == value


@pytest.mark.parametrize(("index", "letters"), [(0, "A"), (9, "J"), (25, "Z"), (26, "AA"), (27, "AB"), (701, "ZZ"), (702, "AAA")])
def test_column_letter(index: int, letters: str) -> None:
    assert column_letter(index) == letters


def test_kinds_are_told_from_bytes() -> None:
    assert workbook_kind(xlsx_bytes([["a"]])) == "xlsx"
    assert workbook_kind(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100) == "xls"
    assert workbook_kind(b"Koodi,Rahasto\n") is None
    assert workbook_kind(b"PK\x03\x04 not really a zip") is None
    cut = xlsx_bytes([["a"]])
    assert workbook_kind(cut[: len(cut) // 2]) == "xlsx"  # damaged, but its parts say what it was


def test_sheets_keep_row_and_column_positions() -> None:
    book = openpyxl.Workbook()
    book.active.title = "Lista"
    book.active["C3"] = "Koodi"
    book.active["D4"] = 5
    book.create_sheet("Toinen")["A1"] = "x"
    buffer = io.BytesIO()
    book.save(buffer)
    sheets = read_workbook(buffer.getvalue(), "w.xlsx")
    assert [s.name for s in sheets] == ["Lista", "Toinen"]
    assert sheets[0].rows[2][2] == "Koodi" and sheets[0].rows[3][3] == "5"
    assert sheets[1].rows == (("x",),)


def test_text_rendering_is_tab_separated_with_first_sheet_rows_as_lines() -> None:
    sheets = (Sheet("A", (("", ""), ("a\tb", "c\nd"), ("1", ""))), Sheet("B", (("x",),)))
    assert sheets_as_text(sheets) == "\n" + "a b\tc d\n" + "1\n" + "\n" + "x\n"


def test_read_source_gives_sheets_and_text(tmp_path: Path) -> None:
    path = tmp_path / "ei-paatetta"  # no suffix: the bytes say what it is
    path.write_bytes(xlsx_bytes([["Koodi", "Summa"], ["S20001", 12.5]], "Projektit"))
    source = read_source(path)
    assert source.encoding == "xlsx" and source.sheets is not None
    assert source.sheets[0].rows == (("Koodi", "Summa"), ("S20001", "12.5"))
    assert source.text == "Koodi\tSumma\nS20001\t12.5\n"
    assert len(source.sha256) == 64


@pytest.mark.parametrize("data", [b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, None])
def test_damaged_workbook_is_an_input_error_naming_the_file(data: bytes | None) -> None:
    if data is None:
        whole = xlsx_bytes([["a", 1]] * 50)
        data = whole[: len(whole) // 2]
    with pytest.raises(InputError, match=r"^lista\.x: is a damaged or unreadable (xls|xlsx) \(") as info:
        source_from_bytes(data, "lista.x")
    assert info.value.hint and "save it again" in info.value.hint


def test_size_limit_holds_for_workbooks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "iso.xlsx"
    path.write_bytes(xlsx_bytes([["x" * 100] for _ in range(200)]))
    monkeypatch.setenv(MAX_INPUT_BYTES_VARIABLE, "1K")
    with pytest.raises(InputError, match=r"iso\.xlsx: is [\d,]+ bytes, more than esrgraph reads"):
        read_source(path)


def test_text_files_are_not_taken_for_workbooks() -> None:
    source = source_from_bytes(b"Koodi,Rahasto\nS1,ESR\n", "a.csv")
    assert source.sheets is None and source.encoding == "utf-8"
