"""The ``operations-list`` layout: the 2021-2027 list of operations (EURA 2021 export, Article 49(3) list).

The fixtures are synthetic rows under real headers (tests/data/operations-list/README.md names the sources);
the tests read them field for field, as CSV and as a workbook, quarantine damaged rows with reasons, and keep
this layout apart from the 2007-2020 project lists.
"""

from __future__ import annotations

import csv
import gzip
import io
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from esrgraph.cli import main
from esrgraph.io.sources import source_from_bytes
from esrgraph.parsers.base import SourceText
from esrgraph.parsers.inputs import parse_file
from esrgraph.parsers.operations_list import OperationsListParser, is_operations_header, read_date, read_rows
from esrgraph.parsers.registry import detect_layout
from esrgraph.pipeline.build import build
from repo_paths import REPO

DATA = REPO / "tests" / "data" / "operations-list"
EXPORT = DATA / "eura2021-export-synthetic.csv"
ARTICLE49 = DATA / "article49-synthetic.csv"
DAMAGED = DATA / "damaged.csv"
LISTS = REPO / "tests" / "data" / "projectlist-csv"
PARSER = OperationsListParser()


def _plain(record_json: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record_json.items() if k not in ("source", "coverage")}


# -- the EURA 2021 export ------------------------------------------------------------------------------------


def test_the_export_is_read_field_for_field() -> None:
    outcome = parse_file(EXPORT, layout="operations-list")
    assert outcome.units == 4 and not outcome.quarantined  # the two footer rows are not list rows
    first, eakr, jtf, unknown = outcome.records
    assert first.code == "SYNTH-S-001" and first.source.first_line == 2 and first.source.layout == "operations-list"
    assert first.name == "Esimerkkipolku työhön"
    assert first.fund == "ESR+"
    assert first.priority_axis is not None
    assert (first.priority_axis.number, first.priority_axis.name) == ("4", None)
    assert first.specific_objective is not None
    assert (first.specific_objective.code, first.specific_objective.name) == ("4.1", "Polkuja töihin")
    assert first.authority == "Keski-Suomen elinkeino-, liikenne- ja ympäristökeskus"
    assert first.status == "Toiminnassa"
    assert (first.start_date, first.end_date) == (date(2023, 3, 1), date(2026, 2, 28))
    assert first.applicant is not None
    assert (first.applicant.name, first.applicant.business_id) == ("Esimerkkiyhdistys ry", "1234567-1")
    assert (first.applicant.postal_code, first.applicant.post_office) == ("40100", "Jyväskylä")
    assert first.implementation_address is not None
    assert (first.implementation_address.postal_code, first.implementation_address.post_office) == ("40100", "Jyväskylä")
    assert first.regions == ("Keski-Suomi",)  # "FI193 Keski-Suomi": the NUTS 3 code dropped
    assert first.funding is not None
    assert first.funding.eu_state_granted == Decimal("250000")
    assert first.funding.public_planned == Decimal("312500")
    assert first.funding.eu_state_realised == Decimal("80123.45")
    assert first.funding.public_realised == Decimal("100154.31")
    assert first.summary is not None and first.summary.startswith("Synteettinen tiivistelmä:")
    assert "\nToinen kappale, jossa on pilkku." in first.summary  # a quoted cell over two lines
    assert not first.problems

    assert (eakr.code, eakr.fund, eakr.specific_objective, eakr.source.first_line) == ("SYNTH-A-002", "EAKR", None, 4)  # row 2 spans lines 2-3
    assert eakr.funding is not None and eakr.funding.eu_state_granted == Decimal("1200000")  # "1 200 000"
    assert eakr.funding.eu_state_realised is None and eakr.funding.public_realised is None  # empty: not yet realised
    assert eakr.regions == () and eakr.implementation_address is None

    assert jtf.priority_axis is not None
    assert (jtf.fund, jtf.priority_axis.number, jtf.status) == ("JTF", "7", "Toiminta päättynyt")
    assert jtf.specific_objective is not None and jtf.specific_objective.code == "7.1"
    assert jtf.specific_objective.name == "Turpeesta luopumisen alueellisesti oikeudenmukainen siirtymä"
    assert jtf.funding is not None and jtf.funding.eu_state_granted == Decimal("95000.50")


def test_unknown_vocabulary_is_kept_as_written_and_never_quarantines() -> None:
    *_, unknown = parse_file(EXPORT, layout="operations-list").records
    assert (unknown.code, unknown.fund, unknown.status) == ("SYNTH-X-004", "Uusi rahasto", "Keksitty tila")
    assert unknown.authority == "Esimerkkiviranomainen"
    assert unknown.specific_objective is not None and unknown.specific_objective.code == "4.3"
    assert unknown.funding is None and unknown.end_date is None and not unknown.problems


def test_the_article_49_list_is_read_field_for_field() -> None:
    outcome = parse_file(ARTICLE49, layout="operations-list")
    assert outcome.units == 3 and not outcome.quarantined
    esf, jtf, erdf = outcome.records
    assert (esf.code, esf.name, esf.fund) == ("SYNTH-S-201", "Esimerkkipolku työhön", "ESF+")
    assert esf.applicant is not None and esf.applicant.name == "Esimerkkiyhdistys ry"
    assert esf.summary == "Synthetic: pathways to work for jobseekers."
    assert (esf.start_date, esf.end_date) == (date(2023, 3, 1), date(2026, 2, 28))  # ISO dates
    assert esf.specific_objective is not None and esf.specific_objective.code == "4.1"
    assert esf.regions == ("Keski-Suomi",)
    assert esf.funding is None  # total cost and co-financing rate have no field in the record contract
    assert jtf.specific_objective is not None
    assert (jtf.code, jtf.fund, jtf.specific_objective.code) == ("SYNTH-J-202", "JTF", "7.1")
    assert (erdf.fund, erdf.end_date, erdf.specific_objective) == ("ERDF", None, None)


def test_parsing_is_deterministic() -> None:
    first = [r.to_json() for r in parse_file(EXPORT, layout="operations-list").records]
    assert first == [r.to_json() for r in parse_file(EXPORT, layout="operations-list").records]


# -- damaged rows ---------------------------------------------------------------------------------------------


def test_damaged_rows_are_quarantined_naming_line_field_and_value() -> None:
    outcome = parse_file(DAMAGED, layout="operations-list")
    assert outcome.units == len(outcome.records) + len(outcome.quarantined) == 7
    reasons = {(q.line, q.field, q.record): str(q) for q in outcome.quarantined}
    assert set(reasons) == {
        (3, "start_date", "SYNTH-S-102"),
        (4, "funding.public_realised", "SYNTH-S-103"),
        (5, "code", None),
        (7, "row", "SYNTH-S-106"),
        (8, "row", "SYNTH-S-107"),
    }
    assert "'maaliskuu 2023'" in reasons[(3, "start_date", "SYNTH-S-102")]
    assert "cell 12" in reasons[(3, "start_date", "SYNTH-S-102")]
    assert "'n/a'" in reasons[(4, "funding.public_realised", "SYNTH-S-103")]
    assert "no operation code" in reasons[(5, "code", None)]
    assert "3 cells for a header of 35" in reasons[(7, "row", "SYNTH-S-106")]
    assert "'ylimääräinen'" in reasons[(8, "row", "SYNTH-S-107")]


def test_values_of_the_right_shape_but_wrong_are_problems_not_quarantine() -> None:
    records = {r.code: r for r in parse_file(DAMAGED, layout="operations-list").records}
    bad_id = records["SYNTH-S-101"]
    assert bad_id.applicant is None and bad_id.start_date == date(2023, 3, 1)
    (problem,) = bad_id.problems
    assert (problem.field, problem.value, problem.line) == ("applicant.business_id", "123456-1", 2)
    no_day = records["SYNTH-S-105"]
    (problem,) = no_day.problems
    assert (problem.field, problem.value) == ("end_date", "31.2.2025") and no_day.end_date is None


def test_an_unreadable_csv_row_is_quarantined_and_counted_and_the_rows_after_it_are_read() -> None:
    from esrgraph.parsers.textutil import MAX_CSV_CELL

    header = "Hankekoodi,Rahasto,Et,Hankkeen nimi,Toteuttajan nimi\n"
    text = (header + "SYNTH-S-1,ESR+,4.1,Hyvä,Esimerkki ry\n"
            + "SYNTH-S-2,ESR+,4.1," + "x" * (MAX_CSV_CELL + 1) + ",Esimerkki ry\n"
            + 'SYNTH-S-3,ESR+,4.1,"Kaksi\nriviä",Esimerkki ry\n' + "SYNTH-S-4,ESR+,4.1,Hyvä,Esimerkki ry\n")
    outcome = PARSER.parse(SourceText("big.csv", "0" * 64, text, "utf-8"))
    assert [(r.code, r.source.first_line) for r in outcome.records] == [("SYNTH-S-1", 2), ("SYNTH-S-3", 4),
                                                                        ("SYNTH-S-4", 6)]
    (error,) = outcome.quarantined
    assert error.line == 3 and "not readable as CSV" in str(error) and outcome.units == 4


def test_a_file_without_the_header_is_refused() -> None:
    from esrgraph.core.errors import ParseError

    with pytest.raises(ParseError, match="not a list-of-operations header"):
        PARSER.parse(SourceText("x.csv", "0" * 64, "Koodi,Rahasto,Hankkeen nimi\nS1,ESR,Nimi\n", "utf-8"))


# -- rows of cell texts, and workbooks -----------------------------------------------------------------------


def test_read_rows_reads_plain_rows_of_cell_texts() -> None:
    rows = [["Hankekoodi", "Rahasto", "Et", "Hankkeen nimi", "Toteuttajan nimi"],
            ["SYNTH-S-1", "ESR+", "4.2 Uutta osaamista työelämään", "Nimi", "Esimerkki ry"],
            ["SYNTH-S-2", "ESR+", "4.3"]]  # a sheet's row without its trailing empty cells
    outcome = read_rows(rows, SourceText("rows", "0" * 64, "", "utf-8"), sheet="Hankkeet")
    assert [(r.code, r.source.first_line) for r in outcome.records] == [("SYNTH-S-1", 2), ("SYNTH-S-2", 3)]
    objective = outcome.records[0].specific_objective
    assert objective is not None and objective.name == "Uutta osaamista työelämään"
    assert outcome.records[1].name is None


def _export_workbook(damage: bool = False) -> bytes:
    """The synthetic export as the portal's Excel holds it: numbers as numbers, dates as dates."""
    with EXPORT.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Hankkeet"
    header = rows[0]
    for r, row in enumerate(rows, 1):
        for c, text in enumerate(row, 1):
            value: Any = text
            name = header[c - 1]
            if r > 1 and text and name in ("Aloituspvm", "Päättymispvm"):
                day, month, year = (int(x) for x in text.split("."))
                value = date(year, month, day)
            elif r > 1 and text and name.startswith(("Suunniteltu", "Toteutunut")):
                value = float(text.replace(" ", "").replace(",", "."))
            if damage and r == 3 and name == "Aloituspvm":
                value = "ei päivä"
            if value != "":
                sheet.cell(row=r, column=c, value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_workbook_gives_the_same_records_as_the_csv() -> None:
    source = source_from_bytes(_export_workbook(), "export.xlsx")
    assert source.sheets is not None
    from_book = PARSER.parse(source)
    from_csv = parse_file(EXPORT, layout="operations-list")
    assert from_book.units == 4 and not from_book.quarantined
    assert [_plain(r.to_json()) for r in from_book.records] == [_plain(r.to_json()) for r in from_csv.records]


def test_workbook_findings_name_sheet_row_and_column() -> None:
    outcome = PARSER.parse(source_from_bytes(_export_workbook(damage=True), "export.xlsx"))
    (error,) = outcome.quarantined
    assert error.line == 3 and error.field == "start_date" and error.record == "SYNTH-A-002"
    assert "sheet 'Hankkeet', row 3" in str(error) and "column L" in str(error) and "'ei päivä'" in str(error)


# -- telling the layout apart ---------------------------------------------------------------------------------


def _first_line(path: Path) -> str:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="cp1252" if path.suffix == ".gz" else "utf-8") as handle:
        return str(handle.readline())


def test_sniff_accepts_both_public_forms() -> None:
    assert PARSER.sniff(EXPORT.read_text(encoding="utf-8"))
    assert PARSER.sniff(ARTICLE49.read_text(encoding="utf-8"))
    assert detect_layout(ARTICLE49.read_text(encoding="utf-8")) == "operations-list"


@pytest.mark.parametrize("name", ["period-2014-2020.csv", "period-other.csv", "semicolon.csv",
                                  "projektilista-2007-2013.csv.gz"])
def test_sniff_refuses_the_older_project_lists(name: str) -> None:
    line = _first_line(LISTS / name)
    assert "Koodi" in line
    assert not PARSER.sniff(line)


def test_sniff_refuses_other_layouts_and_near_misses() -> None:
    for sample in sorted((REPO / "data" / "samples").glob("*.txt")):
        assert not PARSER.sniff(sample.read_text(encoding="utf-8")), sample.name
    assert not PARSER.sniff("")
    assert not PARSER.sniff("Hankekoodi,Hankkeen nimi,Et\n")  # too few columns
    assert not PARSER.sniff("Rahasto,Et,Tl,Toteuttajan nimi,Toteuttajan Y-tunnus,Aloituspvm\n")  # no code column
    assert not is_operations_header(["Hankekoodi", "Hankkeen nimi", "Rahasto", "Tl", "Aloituspvm", "Päättymispvm"])


def test_the_eura2021_export_is_detected_as_this_layout() -> None:
    """Its header also names a code, a fund and a name, which projectlist-csv accepts: operations-list is tried
    first (and refuses the older lists, above)."""
    assert detect_layout(EXPORT.read_text(encoding="utf-8")) == "operations-list"


def test_a_workbook_of_the_eura2021_export_is_read_as_this_layout(tmp_path: Path) -> None:
    """In a workbook too: the sheet whose header is a list of operations is read by this layout."""
    from esrgraph.parsers.inputs import parse_file

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Hankkeet"
    for row in csv.reader(io.StringIO(EXPORT.read_text(encoding="utf-8"))):
        sheet.append(row)
    path = tmp_path / "eura2021.xlsx"
    book.save(path)
    from_csv = PARSER.parse(SourceText("x.csv", "0" * 64, EXPORT.read_text(encoding="utf-8"), "utf-8"))
    from_book = parse_file(path)
    assert {r.source.layout for r in from_book.records} == {"operations-list"}
    assert [r.code for r in from_book.records] == [r.code for r in from_csv.records] != []


def test_read_date_forms() -> None:
    assert read_date("1.3.2023") == read_date("2023-03-01") == read_date("01.03.2023 0:00:00") == date(2023, 3, 1)
    with pytest.raises(ValueError, match="not a date"):
        read_date("3/1/2023")


# -- a build ---------------------------------------------------------------------------------------------------


def test_a_build_of_the_article_49_list_builds_its_projects(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = build([ARTICLE49])
    assert sorted(p.code for p in result.projects) == ["SYNTH-A-203", "SYNTH-J-202", "SYNTH-S-201"]
    assert not result.quarantined
    with pytest.raises(SystemExit) as exit_info:
        main(["build", str(ARTICLE49), "-o", str(tmp_path / "out")])
    out, err = capsys.readouterr()
    assert int(exit_info.value.code or 0) in (0, 1), err
    assert "3 built into 3 projects" in out + err
    assert (tmp_path / "out" / "esrgraph.ttl").is_file()
