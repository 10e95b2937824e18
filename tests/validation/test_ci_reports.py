"""CI report formats (GitHub workflow commands, SARIF 2.1.0, JUnit XML) from hand-made findings.

The SARIF log is checked against the official OASIS schema kept in tests/data/ (see its README), and
the rules' texts come from esrgraph's own shapes.
"""

from __future__ import annotations

import json
import random
import xml.etree.ElementTree as ET
from dataclasses import replace
from typing import Any

import jsonschema
import pytest
import rdflib

from esrgraph.core.findings import Finding, Severity
from esrgraph.validation.ci_reports import (
    GraphFindings,
    RuleInfo,
    escape_data,
    escape_property,
    github_annotations,
    junit_xml,
    rule_catalogue,
    sarif_log,
)
from esrgraph.validation.report import load_shapes
from repo_paths import TESTS

GRAPH = "out/esrgraph.ttl"
SOURCE = "sources/eura,2021.csv"

#: A Violation with a file and line, on an organisation node.
VIOLATION = Finding(
    Severity.VIOLATION, "O03-business-id-check-digit", "The check digit of the business ID is wrong",
    record="S21001", field="applicant.business_id", value="1234567-8", path=SOURCE, line=7,
    focus="https://w3id.org/esrgraph/organisation/1234567-8",
)
#: A lighter finding about the same record, on the next line.
SAME_RECORD_WARNING = Finding(
    Severity.WARNING, "P03-project-has-one-name", "A project must have exactly one language-tagged name",
    record="S21001", field="name", path=SOURCE, line=8,
)
#: A Warning without a file; its message has a newline, comma, colon, % and a control character (BEL),
#: its value markup.
WARNING = Finding(
    Severity.WARNING, "C01-municipality-in-project-region",
    "Municipality Kuhmo lies outside the project's regions (Uusimaa, Pirkanmaa)\nsee: 100% of\x07 years",
    record="S21002", field="municipality", value="<b>Kuhmo</b> & co",
)
#: An Info of a rule no shape describes, tied to no record or node.
INFO = Finding(Severity.INFO, "unknown-municipality", "No such municipality; nearest: Kuhmoinen", value="Kuhmo",
               stage="mapping")

FINDINGS = [VIOLATION, SAME_RECORD_WARNING, WARNING, INFO]
RUNS = [GraphFindings(GRAPH, FINDINGS)]


@pytest.fixture(scope="module")
def rules() -> dict[str, RuleInfo]:
    graph, _files = load_shapes(None)
    return rule_catalogue(graph)


@pytest.fixture(scope="module")
def sarif_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((TESTS / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    return schema


def _shuffled(runs: list[GraphFindings], seed: int) -> list[GraphFindings]:
    out = []
    for run in runs:
        findings = list(run.findings)
        random.Random(seed).shuffle(findings)
        out.append(GraphFindings(run.graph, findings))
    return out


# ------------------------------------------------------------------ rule catalogue


def test_rule_catalogue_reads_the_real_shapes(rules: dict[str, RuleInfo]) -> None:
    p02 = rules["P02-project-code-shape"]
    assert p02.name == "project code shape"
    assert p02.description.startswith("A project code is one token")
    assert p02.severity is Severity.VIOLATION
    assert p02.help_uri == "https://w3id.org/esrgraph/shapes#P02-project-code-shape"
    assert rules["C01-municipality-in-project-region"].severity is Severity.WARNING
    # Rules checked in Python carry the same metadata, so parse-stage findings get descriptions too.
    assert rules["impossible-date"].description
    # A node shape with a name but no severity or description.
    assert rules["ProjectShape"] == RuleInfo("ProjectShape", "Project", "", Severity.VIOLATION,
                                             "https://w3id.org/esrgraph/shapes#ProjectShape")


def test_rule_catalogue_prefers_english_and_names_other_iris_by_local_name() -> None:
    graph = rdflib.Graph().parse(format="turtle", data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix esrsh: <https://w3id.org/esrgraph/shapes#> .
        esrsh:X01-both sh:name "nimi"@fi , "the name"@en , "plain" ; sh:severity sh:Info ;
            sh:description "kuvaus"@fi .
        <http://example.org/shapes/Other> sh:name "toinen"@fi ; sh:severity sh:Warning .
        <http://example.org/shapes#Hash> sh:description "no name" .
        [] sh:name "a blank node has no rule id" .
    """)
    rules = rule_catalogue(graph)
    assert sorted(rules) == ["Hash", "Other", "X01-both"]
    assert rules["X01-both"] == RuleInfo("X01-both", "the name", "kuvaus", Severity.INFO,
                                         "https://w3id.org/esrgraph/shapes#X01-both")
    assert rules["Other"] == RuleInfo("Other", "toinen", "", Severity.WARNING, None)
    assert rules["Hash"] == RuleInfo("Hash", "Hash", "no name", Severity.VIOLATION, None)


# ------------------------------------------------------------------ GitHub


def test_escaping_follows_the_actions_toolkit() -> None:
    assert escape_data("100% a:b,c\r\nd") == "100%25 a:b,c%0D%0Ad"
    assert escape_property("100% a:b,c\r\nd") == "100%25 a%3Ab%2Cc%0D%0Ad"
    # "%" is escaped first: an escape already in the text is not decoded by the runner.
    assert escape_data("%0A") == "%250A"


def test_github_annotations_exact_lines(rules: dict[str, RuleInfo]) -> None:
    assert github_annotations(RUNS, rules=rules).splitlines() == [
        # No file: the graph, no line. Sorted by Finding.sort_key: path, line, record ...
        "::notice file=out/esrgraph.ttl,title=unknown-municipality::value 'Kuhmo': No such municipality; nearest: "
        "Kuhmoinen",
        "::warning file=out/esrgraph.ttl,title=C01-municipality-in-project-region (municipality within the "
        "project's regions)::record S21002: field municipality: value '<b>Kuhmo</b> & co': Municipality Kuhmo "
        "lies outside the project's regions (Uusimaa, Pirkanmaa)%0Asee: 100%25 of\x07 years",
        "::error file=sources/eura%2C2021.csv,line=7,title=O03-business-id-check-digit (Y-tunnus check digit)::"
        "record S21001: field applicant.business_id: value '1234567-8': The check digit of the business ID is wrong",
        "::warning file=sources/eura%2C2021.csv,line=8,title=P03-project-has-one-name (one project name)::"
        "record S21001: field name: A project must have exactly one language-tagged name",
    ]


def test_github_title_escapes_rule_names_and_works_without_rules() -> None:
    rules = {"R1": RuleInfo("R1", "check: a, b", "", Severity.VIOLATION, None)}
    finding = Finding(Severity.VIOLATION, "R1", "m", record="S1", path="a\\b.csv")
    run = [GraphFindings(GRAPH, [finding])]
    assert github_annotations(run, rules=rules) == "::error file=a/b.csv,title=R1 (check%3A a%2C b)::record S1: m\n"
    assert github_annotations(run) == "::error file=a/b.csv,title=R1::record S1: m\n"
    assert github_annotations([GraphFindings(GRAPH, [])]) == ""


def test_github_line_only_with_a_file() -> None:
    finding = Finding(Severity.WARNING, "R1", "m", line=12)
    assert github_annotations([GraphFindings(GRAPH, [finding])]) == "::warning file=out/esrgraph.ttl,title=R1::m\n"


# ------------------------------------------------------------------ SARIF


def test_sarif_validates_against_the_oasis_schema(rules: dict[str, RuleInfo], sarif_schema: dict[str, Any]) -> None:
    validator_class = jsonschema.validators.validator_for(sarif_schema)
    assert sarif_schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    assert validator_class is jsonschema.Draft4Validator
    validator_class.check_schema(sarif_schema)
    validator = validator_class(sarif_schema, format_checker=validator_class.FORMAT_CHECKER)
    log = json.loads(sarif_log(RUNS, rules, tool_version="1.2.3"))
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
    assert errors == []
    # The schema does reject a broken log: a result without a message.
    del log["runs"][0]["results"][0]["message"]
    assert not validator.is_valid(log)


def test_sarif_results_rules_and_locations(rules: dict[str, RuleInfo]) -> None:
    log = json.loads(sarif_log(RUNS, rules, tool_version="1.2.3"))
    assert log["version"] == "2.1.0"
    [run] = log["runs"]
    driver = run["tool"]["driver"]
    assert (driver["name"], driver["version"]) == ("esrgraph", "1.2.3")
    assert [r["id"] for r in driver["rules"]] == [
        "C01-municipality-in-project-region", "O03-business-id-check-digit", "P03-project-has-one-name",
        "unknown-municipality",
    ]
    o03 = driver["rules"][1]
    assert o03["name"] == "Y-tunnus check digit"
    assert o03["fullDescription"]["text"] == rules["O03-business-id-check-digit"].description
    assert "weights 7,9,10,5,8,4,2" in o03["fullDescription"]["text"]
    assert o03["helpUri"] == "https://w3id.org/esrgraph/shapes#O03-business-id-check-digit"
    assert o03["defaultConfiguration"] == {"level": "error"}
    assert driver["rules"][0]["defaultConfiguration"] == {"level": "warning"}
    # A rule no shape describes: made from its id and its findings' severity.
    assert driver["rules"][3] == {
        "id": "unknown-municipality", "name": "unknown-municipality", "shortDescription": {"text": "unknown-municipality"},
        "fullDescription": {"text": "unknown-municipality"}, "help": {"text": "unknown-municipality"},
        "defaultConfiguration": {"level": "note"},
    }

    results = run["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [
        ("unknown-municipality", "note"), ("C01-municipality-in-project-region", "warning"),
        ("O03-business-id-check-digit", "error"), ("P03-project-has-one-name", "warning"),
    ]
    for result in results:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
    located = results[2]
    [location] = located["locations"]
    assert location["physicalLocation"] == {"artifactLocation": {"uri": "sources/eura,2021.csv"},
                                            "region": {"startLine": 7}}
    assert location["logicalLocations"] == [{"fullyQualifiedName": VIOLATION.focus, "kind": "resource"}]
    assert located["properties"] == {"graph": GRAPH, "record": "S21001", "field": "applicant.business_id",
                                     "value": "1234567-8", "stage": "shacl"}
    assert located["message"]["text"] == ("record S21001: field applicant.business_id: value '1234567-8': "
                                          "The check digit of the business ID is wrong")
    unlocated = results[1]
    assert unlocated["locations"] == [{"physicalLocation": {"artifactLocation": {"uri": GRAPH}}}]
    assert unlocated["message"]["text"].endswith("(Uusimaa, Pirkanmaa)\nsee: 100% of\x07 years")
    assert unlocated["properties"]["value"] == "<b>Kuhmo</b> & co"
    assert results[0]["properties"] == {"graph": GRAPH, "value": "Kuhmo", "stage": "mapping"}


def test_sarif_uris_are_uri_references() -> None:
    findings = [Finding(Severity.WARNING, "R", "m", record=str(i), path=p)
                for i, p in enumerate(["data\\my records.csv", "C:\\data\\x.csv", "a:b/100%.csv"])]
    log = json.loads(sarif_log([GraphFindings(GRAPH, findings)], {}, tool_version="0"))
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]]
    assert uris == ["file:///C:/data/x.csv", "a%3Ab/100%25.csv", "data/my%20records.csv"]


def test_sarif_fingerprints_survive_moved_lines_but_tell_records_apart(rules: dict[str, RuleInfo]) -> None:
    def fingerprint(finding: Finding) -> str:
        log = json.loads(sarif_log([GraphFindings(GRAPH, [finding])], rules, tool_version="0"))
        value: str = log["runs"][0]["results"][0]["partialFingerprints"]["esrgraphFinding/v1"]
        return value

    assert fingerprint(replace(VIOLATION, line=70)) == fingerprint(VIOLATION)
    assert fingerprint(replace(VIOLATION, record="S21009")) != fingerprint(VIOLATION)
    assert fingerprint(replace(VIOLATION, field="name")) != fingerprint(VIOLATION)
    # Tied to no record or node: the place and message tell findings apart.
    assert fingerprint(INFO) != fingerprint(replace(INFO, message="other"))


def test_sarif_bytes_are_utf8_with_a_trailing_newline_even_for_lone_surrogates() -> None:
    finding = Finding(Severity.WARNING, "R", "Kärsämäki \udce4", record="S1")
    data = sarif_log([GraphFindings(GRAPH, [finding])], {}, tool_version="0")
    assert data.endswith(b"}\n")
    text = data.decode("utf-8")
    assert "Kärsämäki" in text
    assert json.loads(text)["runs"][0]["results"][0]["message"]["text"] == "record S1: Kärsämäki \udce4"


# ------------------------------------------------------------------ JUnit


def _cases(root: ET.Element) -> dict[str, ET.Element]:
    return {case.attrib["name"]: case for case in root.iter("testcase")}


def test_junit_parses_with_one_case_per_record(rules: dict[str, RuleInfo]) -> None:
    root = ET.fromstring(junit_xml(RUNS, rules, fail_on=Severity.VIOLATION))
    assert root.tag == "testsuites"
    [suite] = root.findall("testsuite")
    assert suite.attrib == {"name": GRAPH, "tests": "3", "failures": "1", "errors": "0", "skipped": "0"}
    cases = _cases(root)
    assert list(cases) == ["S21001", "S21002", GRAPH]
    assert {case.attrib["classname"] for case in cases.values()} == {GRAPH}
    failure = cases["S21001"].find("failure")
    assert failure is not None
    assert failure.attrib["type"] == "O03-business-id-check-digit"
    assert failure.attrib["message"].startswith("O03-business-id-check-digit (Y-tunnus check digit): record S21001")
    assert failure.text == ("sources/eura,2021.csv:7: VIOLATION O03-business-id-check-digit: record S21001: "
                            "field applicant.business_id: value '1234567-8': The check digit of the business ID "
                            "is wrong")
    # The lighter finding of the same record is output, not a failure.
    out = cases["S21001"].find("system-out")
    assert out is not None and out.text is not None
    assert out.text.startswith("sources/eura,2021.csv:8: WARNING P03-project-has-one-name")
    assert cases["S21002"].find("failure") is None
    assert cases[GRAPH].find("failure") is None


@pytest.mark.parametrize(("fail_on", "failing"), [
    (Severity.VIOLATION, {"S21001"}),
    (Severity.WARNING, {"S21001", "S21002"}),
    (Severity.INFO, {"S21001", "S21002", GRAPH}),
])
def test_junit_failures_follow_fail_on(rules: dict[str, RuleInfo], fail_on: Severity, failing: set[str]) -> None:
    root = ET.fromstring(junit_xml(RUNS, rules, fail_on=fail_on))
    assert {name for name, case in _cases(root).items() if case.find("failure") is not None} == failing
    assert root.attrib["failures"] == str(len(failing))
    assert root.attrib["tests"] == "3"
    if fail_on is Severity.WARNING:
        failure = _cases(root)["S21001"].find("failure")
        assert failure is not None and failure.text is not None
        assert failure.attrib["message"].endswith(" (+1 more)")
        assert len(failure.text.splitlines()) == 2


def test_junit_is_well_formed_despite_control_characters(rules: dict[str, RuleInfo]) -> None:
    nasty = Finding(Severity.VIOLATION, "R\x00", "bad\x1b[31m red\x0c \ufffe \udc80", record="S\x01", value="<a>&\x02")
    data = junit_xml(RUNS + [GraphFindings("graph\x03.ttl", [nasty])], rules, fail_on=Severity.INFO)
    assert data.startswith(b"<?xml version='1.0' encoding='utf-8'?>\n") and data.endswith(b"</testsuites>\n")
    for forbidden in (b"\x00", b"\x01", b"\x02", b"\x03", b"\x07", b"\x0c", b"\x1b"):
        assert forbidden not in data
    root = ET.fromstring(data)
    suite = root.findall("testsuite")[1]
    assert suite.attrib["name"] == "graph\\x03.ttl"
    [case] = suite.iter("testcase")
    assert case.attrib["name"] == "S\\x01"
    failure = case.find("failure")
    assert failure is not None and failure.text is not None
    assert failure.attrib["type"] == "R\\x00"
    assert "bad\\x1b[31m red\\x0c \\ufffe \\udc80" in failure.text
    assert "value '<a>&\\x02'" in failure.text  # markup comes back as text
    # The BEL of the shared warning too, and the newline of its message survives in the attribute.
    s21002 = _cases(root)["S21002"].find("failure")
    assert s21002 is not None
    assert "\n" in s21002.attrib["message"] and "of\\x07 years" in s21002.attrib["message"]


def test_junit_graph_without_findings_has_one_passing_case(rules: dict[str, RuleInfo]) -> None:
    root = ET.fromstring(junit_xml([GraphFindings("clean.ttl", [])], rules, fail_on=Severity.INFO))
    assert root.attrib["tests"] == "1" and root.attrib["failures"] == "0"
    [case] = root.iter("testcase")
    assert case.attrib == {"classname": "clean.ttl", "name": "clean.ttl"}
    assert list(case) == []


# ------------------------------------------------------------------ determinism


def test_outputs_are_byte_identical_whatever_the_order_of_findings(rules: dict[str, RuleInfo]) -> None:
    runs = RUNS + [GraphFindings("second.ttl", [WARNING, INFO, VIOLATION])]
    first = (github_annotations(runs, rules=rules), sarif_log(runs, rules, tool_version="0.1.0"),
             junit_xml(runs, rules, fail_on=Severity.WARNING))
    assert first[0].endswith("\n") and first[1].endswith(b"\n") and first[2].endswith(b"\n")
    orders = set()
    for seed in range(6):
        shuffled = _shuffled(runs, seed)
        orders.add(tuple(f.rule for f in shuffled[0].findings))
        again = (github_annotations(shuffled, rules=rules), sarif_log(shuffled, rules, tool_version="0.1.0"),
                 junit_xml(shuffled, rules, fail_on=Severity.WARNING))
        assert again == first
    assert len(orders) > 1  # the shuffles did reorder the findings
