"""The quality report's findings as a build cache keeps them (``ReportFindings``) read back as they were."""

from __future__ import annotations

import pytest

from esrgraph.core.findings import Finding, Severity
from esrgraph.quality.checks import NameGroupMember
from esrgraph.quality.report import ReportFindings


def test_findings_and_name_groups_read_back_equal() -> None:
    found = ReportFindings(
        [Finding(Severity.VIOLATION, "O03-business-id-check-digit", "The check digit is wrong", "S20398",
                 "applicant.business_id", "0570401-7", "in/S20398.txt", 27, "https://w3id.org/esrgraph/id/org/x",
                 "shacl"),
         Finding(Severity.INFO, "unknown-code", "ei koodistossa: ”Å”\n", stage="mapping"),
         Finding(Severity.WARNING, "Q07", "", record="A1 (+2 more)", value="")],
        [NameGroupMember("oy ab", "1234567-1", "https://w3id.org/esrgraph/id/org/1234567-1", ("Oy Ab", "OY AB"),
                         ("S1", "S2"), ("1234567-1", "7654321-0"))])
    again = ReportFindings.from_json(found.to_json())
    assert again == found


@pytest.mark.parametrize("data", [b"", b"[]", b'{"findings": [{"rule": "x"}], "name_groups": []}',
                                  b'{"findings": [], "name_groups": [[1, 2]]}', b"\xff",
                                  b'{"findings": [["error", "R1", "a finding of three fields"]], "name_groups": []}'])
def test_what_it_did_not_write_reads_as_none(data: bytes) -> None:
    assert ReportFindings.from_json(data) is None
