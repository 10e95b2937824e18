"""Findings point at the line that holds the value they are about, in the summary and fix-list.csv."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import esrgraph
from esrgraph.core.model import LineUse, first_lines
from repo_paths import REPO

SAMPLES = REPO / "data" / "samples"


def test_a_business_id_finding_points_at_the_y_tunnus_line_not_the_name_line(tmp_path: Path) -> None:
    inputs = tmp_path / "in"
    shutil.copytree(SAMPLES, inputs)
    record = inputs / "S21093.txt"
    lines = record.read_text(encoding="utf-8").splitlines()
    assert lines[26] == "Y-tunnus: 2542088-8"  # line 27; the applicant's name is on line 23
    lines[26] = "Y-tunnus: 2542088-7"  # a wrong check digit
    record.write_text("\n".join(lines) + "\n", encoding="utf-8")

    result = esrgraph.run_build([str(inputs)])
    found = [f for f in result.findings if f.rule == "O03-business-id-check-digit"]
    assert [(Path(f.path or "").name, f.line, f.value) for f in found] == [("S21093.txt", 27, "2542088-7")]

    out = tmp_path / "out"
    esrgraph.write_outputs(result, out)
    with (out / "fix-list.csv").open(encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if row["rule"] == "O03-business-id-check-digit"]
    assert [row["line"] for row in rows] == ["27"]


def test_first_lines_keeps_a_sub_field_only_where_its_line_differs_from_its_head() -> None:
    uses = [
        LineUse(23, "applicant.name", "Toteuttaja: X ry", True),
        LineUse(27, "applicant.business_id", "Y-tunnus: 2542088-8", True),
        LineUse(30, "funding.eu_state_granted", "EU- ja valtion rahoitus: 1 €", True),
        LineUse(31, "co_implementers[0].name,co_implementers[0].business_id", "Y ry 1234567-1", True),
        LineUse(32, "co_implementers[1].business_id", "2345678-2", True),
        LineUse(33, "regions[0]", "Keski-Suomi", True),
    ]
    assert first_lines(uses) == {
        "applicant": 23, "funding": 30, "co_implementers": 31, "regions": 33,
        "applicant.business_id": 27,  # on its own line
        # "funding.eu_state_granted" and "co_implementers.business_id" are on their heads' first lines
    }


def test_a_date_finding_points_at_the_line_that_gives_both_dates(tmp_path: Path) -> None:
    # "Alkaa 1.9.2020 ja päättyy 31.8.2019" gives start_date and end_date on one line (15): the finding
    # pointed at the record's first line, since that line's fields were looked up as one joined name
    inputs = tmp_path / "in"
    inputs.mkdir()
    text = (SAMPLES / "S21093.txt").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[14].endswith("Alkaa 1.9.2017 ja päättyy 31.8.2019")
    (inputs / "S21093.txt").write_text(text.replace("Alkaa 1.9.2017", "Alkaa 1.9.2020"), encoding="utf-8")
    result = esrgraph.run_build([str(inputs)])
    found = [(f.field, f.line) for f in result.findings if f.rule == "P07-start-not-after-end"]
    assert found == [("start_date", 15)]
