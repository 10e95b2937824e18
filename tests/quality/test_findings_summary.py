"""The summary of a quality report's findings (``FindingsSummary``): what the page, the Markdown summary and the DQV
measurements read of them, read back from a build cache as it was kept."""

from __future__ import annotations

import pytest

from esrgraph.core.findings import Finding, Severity
from esrgraph.quality.checks import NameGroupMember
from esrgraph.quality.dqv import dqv_triples
from esrgraph.quality.render import quality_html, summary_markdown
from esrgraph.quality.report import FindingsSummary, Headline, QualityReport, fix_list_key
from esrgraph.quality.rules import load_rules

FINDINGS = sorted([
    Finding(Severity.VIOLATION, "O03-business-id-check-digit", "The check digit is wrong", "S20398",
            "applicant.business_id", "0570401-7", "in/S20398.txt", 27, "https://w3id.org/esrgraph/id/org/x", "shacl"),
    Finding(Severity.INFO, "unresolved-code", "ei koodistossa: ”Å”\n", "S1", "status", "Lumottu", stage="mapping"),
    Finding(Severity.WARNING, "unresolved-code", "status not in statuses.csv", "S2", "status", "Lumottu",
            "in/S2.txt", 4, stage="mapping"),
    Finding(Severity.WARNING, "Q07", "", record="A1 (+2 more)", value=""),
    *(Finding(Severity.WARNING, "W05-project-has-specific-objective", "no objective", f"S{n}", "specific_objective",
              path=f"in/S{n}.txt", line=n) for n in (3, 4, 4, 5, 6, 7)),
], key=fix_list_key)
GROUPS = [NameGroupMember("oy ab", "1234567-1", "https://w3id.org/esrgraph/id/org/1234567-1", ("Oy Ab", "OY AB"),
                          ("S1", "S2"), ("1234567-1", "7654321-0")),
          NameGroupMember("oy ab", "7654321-0", "https://w3id.org/esrgraph/id/org/7654321-0", ("Oy Ab",),
                          ("S3",), ("1234567-1", "7654321-0"))]


def test_it_counts_each_rule_and_keeps_its_first_findings_in_order() -> None:
    summary = FindingsSummary.of(FINDINGS, GROUPS, examples=3)
    assert summary.counts == {"Violation": 1, "Warning": 8, "Info": 1} and summary.total == 10
    by_rule = {r.rule: r for r in summary.rules}
    objective = by_rule["W05-project-has-specific-objective"]
    assert (objective.findings, objective.records) == (6, 5)  # S4 twice, counted once
    assert [f.line for f in objective.examples] == [3, 4, 4]
    unresolved = by_rule["unresolved-code"]
    assert unresolved.severity is Severity.WARNING  # the most severe of Info and Warning
    assert unresolved.first_severity is FINDINGS[[f.rule for f in FINDINGS].index("unresolved-code")].severity
    assert [(u.value, u.records, u.code_list) for u in summary.unknown_values] == [("Lumottu", 2, "statuses.csv")]
    assert (summary.name_group_names, summary.name_group_rows) == (1, 2)


def test_read_back_equal() -> None:
    summary = FindingsSummary.of(FINDINGS, GROUPS)
    assert FindingsSummary.from_json(summary.to_json()) == summary


def test_the_measures_of_a_kept_summary_render_as_the_reports_own() -> None:
    """A rebuild renders the page, the summary and the DQV file from the kept summary: the bytes of the report's."""
    report = QualityReport(Headline(conforms=False, counts={}, projects=8), FINDINGS, load_rules(None),
                           name_groups=GROUPS)
    made = report.measures()
    kept = FindingsSummary.from_json(made.summary.to_json())
    assert kept is not None
    again = type(made)(made.headline, kept, made.rules, base=made.base)
    assert quality_html(again) == quality_html(made)
    assert summary_markdown(again) == summary_markdown(made)
    assert dqv_triples(again) == dqv_triples(made)
    assert "10 findings under 4 rules" in quality_html(made)
    assert "6 findings in 5 projects" in quality_html(made)


@pytest.mark.parametrize("data", [
    b"", b"[]", b"\xff", b'{"counts": {}, "rules": [], "unknown_values": [], "name_groups": [0, 0], "examples": 10}',
    b'{"counts": {"Violation": 0, "Warning": 0, "Info": 0}, "rules": [["R", "Violation", "Violation", 1, 1, '
    b'[["Violation", "R", "a finding of three fields"]]]], "unknown_values": [], "name_groups": [0, 0], "examples": 1}',
    b'{"counts": {"Violation": 0, "Warning": 0, "Info": 0}, "rules": [["R", "Bad", "Violation", 1, 1, []]], '
    b'"unknown_values": [], "name_groups": [0, 0], "examples": 1}',
])
def test_what_it_did_not_write_reads_as_none(data: bytes) -> None:
    assert FindingsSummary.from_json(data) is None
