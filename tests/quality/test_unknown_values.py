"""Values no code list knows, grouped (issue 19): the groups, the file to extend, and the quality report's forms.

The build-level test (a synthetic list, the summary) is tests/outputs/test_summary_unknown_values.py.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from esrgraph.core.findings import Finding, Severity
from esrgraph.quality import QUALITY_FILES, load_rules, unknown_values, write_quality_reports
from esrgraph.quality.render import UNKNOWN_VALUES_HTML, UNKNOWN_VALUES_MD
from esrgraph.quality.report import Headline, QualityReport
from esrgraph.quality.unknown import code_list_of, code_shape, field_of, unknown_values_csv


def _unresolved(field: str, value: str, record: str | None = "S20001", message: str = "not in the code list",
                rule: str = "unresolved-code") -> Finding:
    return Finding(Severity.WARNING, rule, message, record=record, field=field, value=value, path="a.csv", line=2)


def _report(findings: list[Finding]) -> QualityReport:
    return QualityReport(headline=Headline(conforms=True, counts={}, projects=100), findings=findings,
                         rules=load_rules())


def test_each_field_names_the_file_to_extend() -> None:
    expected = {
        "status": "statuses.csv", "fund": "funds.csv", "authority": "authorities.csv",
        "priority_axis": "priority-axes.csv", "specific_objective": "specific-objectives.csv",
        "municipalities": "municipalities.csv", "subregions": "subregions.csv", "regions": "regions.csv",
        "applicant.organisation_type": "organisation-types.csv",
        "gender_equality.gender_impact": "gender-questions.csv",
        "sustainability[3].criterion": "sustainability-criteria.csv",
    }
    for field, file in expected.items():
        f = _unresolved(field, "x")
        assert code_list_of(f, field_of(f)) == file, field
    assert code_list_of(_unresolved("code", "S99"), "code") == "periods.csv"  # the programme period, by the mapping
    assert code_list_of(_unresolved("code", "S99", rule="unknown-code-shape"), "code") == "code-shapes.csv"


def test_a_field_of_no_known_list_takes_the_file_the_message_names_outside_the_value() -> None:
    f = _unresolved("programme_part", "osio.csv", message="programme part 'osio.csv' is not in programme-parts.csv")
    assert code_list_of(f, "programme_part") == "programme-parts.csv"
    g = _unresolved("programme_part", "osio.csv", message="programme part 'osio.csv' is not in the code list")
    assert code_list_of(g, "programme_part") is None
    assert unknown_values([g])[0].code_list_text == "the code lists"


def test_codes_of_one_new_shape_are_one_group() -> None:
    findings = [_unresolved("code", c, record=c, rule="unknown-code-shape") for c in ("X123456", "x123457", "X12")]
    groups = unknown_values(findings)
    assert [(u.value, u.records, u.examples) for u in groups] == [("X######", 2, ("X123456", "x123457")),
                                                                ("X##", 1, ("X12",))]
    assert code_shape("not a code 12") == "not a code 12"


def test_groups_are_sorted_by_field_then_records_then_value_and_count_records_once() -> None:
    findings = [_unresolved("status", "Uinuva", record=f"S{n}") for n in range(3)]
    findings += [_unresolved("status", "Lumottu", record=f"S{n}") for n in (1, 2, 2, 3)]  # S2 twice: one record
    findings += [_unresolved("status", "Aave", record=f"S{n}") for n in range(3)]
    findings += [_unresolved("fund", "ESR++")]
    findings += [_unresolved("fund", "X", record=None), _unresolved("fund", "X", record=None)]  # no record: each counts
    findings += [Finding(Severity.WARNING, "W11-project-has-summary", "m", record="S1", field="status", value="a")]
    groups = unknown_values(findings)
    assert [(u.field, u.value, u.records) for u in groups] == [
        ("fund", "X", 2), ("fund", "ESR++", 1),
        ("status", "Aave", 3), ("status", "Lumottu", 3), ("status", "Uinuva", 3),
    ]
    assert groups[0].examples == ()


def test_twenty_thousand_records_of_one_value_are_one_group() -> None:
    findings = [_unresolved("status", "Toiminta päättynyt", record=f"S{10000 + n}") for n in range(20000)]
    (group,) = unknown_values(findings)
    assert group.records == 20000 and group.examples == ("S10000", "S10001", "S10002")


def test_the_report_shows_the_first_values_per_field_and_lists_every_one_once(tmp_path: Path) -> None:
    findings = [_unresolved("municipalities", f"Kylä {n:04d}", record=f"S{30000 + n}") for n in range(5000)]
    findings += [_unresolved("status", "Lumottu", record=f"S{40000 + n}") for n in range(20000)]
    written = write_quality_reports(_report(findings), tmp_path)
    assert [p.name for p in written] == list(QUALITY_FILES)
    rows = list(csv.DictReader(io.StringIO((tmp_path / "unknown-values.csv").read_text(encoding="utf-8"))))
    assert len(rows) == 5001
    assert rows[0] == {"field": "municipalities", "value": "Kylä 0000", "code_list": "municipalities.csv",
                       "records": "1", "first_records": "S30000", "rule": "unresolved-code"}
    assert rows[-1]["value"] == "Lumottu" and rows[-1]["records"] == "20000"
    html = (tmp_path / "quality-report.html").read_text(encoding="utf-8")
    table = html[html.index('<table id="unknown-values">'):]
    table = table[:table.index("</table>")]
    assert table.count("<tr>") == 1 + UNKNOWN_VALUES_HTML + 1  # the header row, the first values, the status
    assert f"…and {5000 - UNKNOWN_VALUES_HTML:,} more values" in table
    assert "5,001 values in all, each once in" in html
    md = (tmp_path / "quality-summary.md").read_text(encoding="utf-8")
    section = md[md.index("### Values not in the code lists"):]
    assert section.count("| `municipalities` |") == UNKNOWN_VALUES_MD + 1
    assert f"…and {5000 - UNKNOWN_VALUES_MD:,} more values | {5000 - UNKNOWN_VALUES_MD} |" in section
    assert "| `status` | `Lumottu` | 20000 | statuses.csv | S40000, S40001, S40002 |" in section
    assert len(md.encode()) < 5_000


def test_a_clean_report_says_every_value_is_known(tmp_path: Path) -> None:
    write_quality_reports(_report([]), tmp_path)
    assert "Every coded value is in its code list." in (tmp_path / "quality-report.html").read_text(encoding="utf-8")
    assert "Values not in the code lists" not in (tmp_path / "quality-summary.md").read_text(encoding="utf-8")
    assert (tmp_path / "unknown-values.csv").read_text(encoding="utf-8") == \
        "field,value,code_list,records,first_records,rule\n"


def test_values_stay_text_in_every_form(tmp_path: Path) -> None:
    formula = '=HYPERLINK("http://example.org","x")'
    markup = "<b>*Lumottu*</b> | `x`"
    findings = [_unresolved("status", formula), _unresolved("status", markup, record="S2")]
    rows = list(csv.DictReader(io.StringIO(unknown_values_csv(unknown_values(findings)))))
    assert {r["value"] for r in rows} == {"'" + formula, markup}  # a spreadsheet shows the formula, never runs it
    write_quality_reports(_report(findings), tmp_path)
    html = (tmp_path / "quality-report.html").read_text(encoding="utf-8")
    assert "<b>*Lumottu*</b>" not in html and "&lt;b&gt;*Lumottu*&lt;/b&gt;" in html
    md = (tmp_path / "quality-summary.md").read_text(encoding="utf-8")
    row = next(line for line in md.splitlines() if "Lumottu" in line)
    assert row.count(" | ") == 4 and "<b>" in row  # inside a code span, its | escaped: one cell, shown as text
    assert "\\|" in row
