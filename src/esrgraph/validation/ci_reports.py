"""Findings in the formats CI systems read: GitHub workflow commands, SARIF 2.1.0 and JUnit XML.

Pure functions from findings to text or bytes (no I/O, no click), so ``esrgraph validate --format``
and ``esrgraph build --ci-report`` write the same bytes for the same findings in any order.

Choices, and why:

* SARIF: one run holding the findings of every graph. GitHub code scanning rejects a file with several
  runs of one tool (https://github.blog/changelog/2025-07-21-code-scanning-will-stop-combining-multiple-
  sarif-runs-uploaded-in-the-same-sarif-file/); each result still names its graph (``properties.graph``,
  and its location when the finding has no source file). ``tool.driver.rules`` holds the rules the
  results use, sorted by id, so ``ruleIndex`` is stable.
* JUnit: one test case per record (``Finding.record``; else the focus node; findings with neither go
  into one test case named after the graph), one test suite per graph. A CI user fixes a record, not a
  rule, and GitLab's merge-request widget then lists the records to fix. A test case fails when it has a
  finding at or above ``fail_on``; the lighter ones go into its ``<system-out>``. A graph without
  findings gets one passing test case, so the report shows that it was checked.
* A finding's line is shown only together with its file: a line without a file would be read as a
  line of the graph.
"""

from __future__ import annotations

import hashlib
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote

import rdflib
from rdflib.namespace import SH

from esrgraph.core.findings import Finding, Severity
from esrgraph.core.vocab import ESRSH

#: The namespace of esrgraph's shapes; rule ids are the local names in it.
SHAPES_NS = ESRSH
#: Where SARIF viewers send users to read about the tool (the root of esrgraph's namespaces).
INFORMATION_URI = "https://w3id.org/esrgraph/"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SARIF_VERSION = "2.1.0"
#: The key of our own partial fingerprint; bump the version when what it hashes changes.
FINGERPRINT_KEY = "esrgraphFinding/v1"

_SEVERITY_OF_IRI: dict[rdflib.term.Node, Severity] = {
    SH.Violation: Severity.VIOLATION,
    SH.Warning: Severity.WARNING,
    SH.Info: Severity.INFO,
}
_GITHUB_COMMAND = {Severity.VIOLATION: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
_SARIF_LEVEL = {Severity.VIOLATION: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
#: Characters XML 1.0 does not allow (its Char production), and lone surrogates, which UTF-8 cannot hold.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:/")


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """What CI reports say about a rule: its shape's name, description, severity and IRI."""

    id: str
    name: str
    description: str
    severity: Severity
    help_uri: str | None


@dataclass(frozen=True, slots=True)
class GraphFindings:
    """The findings about one graph; ``graph`` is the file as the user named it."""

    graph: str
    findings: Sequence[Finding]


# ------------------------------------------------------------------ rules


def rule_id(iri: str) -> str:
    """The rule id of a shape: its local name in esrgraph's shapes namespace, else after the last # or /."""
    if iri.startswith(SHAPES_NS):
        return iri[len(SHAPES_NS):]
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1] or iri


def _preferred_text(graph: rdflib.Graph, subject: rdflib.URIRef, predicate: rdflib.URIRef) -> str | None:
    """The English literal of ``predicate`` (``@en``, then ``@en-*``), else the first of the others in sorted order."""
    literals = [o for o in graph.objects(subject, predicate) if isinstance(o, rdflib.Literal)]
    if not literals:
        return None

    def rank(lit: rdflib.Literal) -> tuple[int, str, str]:
        lang = (lit.language or "").lower()
        first = 0 if lang == "en" else 1 if lang.startswith("en-") else 2 if not lang else 3
        return (first, lang, str(lit))

    return str(min(literals, key=rank))


def rule_catalogue(shapes_graph: rdflib.Graph) -> dict[str, RuleInfo]:
    """Every named shape (or pipeline rule) with a sh:name, sh:description or sh:severity, by rule id.

    Blank-node shapes have no id a finding could name, so they are left out. When two IRIs share a
    rule id, the one in esrgraph's namespace wins, else the smaller IRI, so the result never depends
    on the order rdflib returns triples in.
    """
    subjects: set[rdflib.URIRef] = set()
    for predicate in (SH.name, SH.description, SH.severity):
        subjects.update(s for s in shapes_graph.subjects(predicate, None) if isinstance(s, rdflib.URIRef))
    catalogue: dict[str, RuleInfo] = {}
    for subject in sorted(subjects, key=lambda s: (not str(s).startswith(SHAPES_NS), str(s))):
        iri = str(subject)
        rid = rule_id(iri)
        if rid in catalogue:
            continue
        severities = [_SEVERITY_OF_IRI.get(o, Severity.VIOLATION) for o in shapes_graph.objects(subject, SH.severity)]
        catalogue[rid] = RuleInfo(
            id=rid,
            name=_preferred_text(shapes_graph, subject, SH.name) or rid,
            description=_preferred_text(shapes_graph, subject, SH.description) or "",
            severity=min(severities, key=lambda s: s.rank, default=Severity.VIOLATION),
            help_uri=iri if iri.startswith(SHAPES_NS) else None,
        )
    return catalogue


def _rules_used(runs: Sequence[GraphFindings], rules: Mapping[str, RuleInfo]) -> list[RuleInfo]:
    """The rules the findings name, sorted by id; a rule missing from ``rules`` is made from its id and
    the heaviest severity of its findings (the parse, merge and mapping stages' rules have no shape)."""
    heaviest: dict[str, Severity] = {}
    for run in runs:
        for finding in run.findings:
            known = heaviest.get(finding.rule)
            if known is None or finding.severity.rank < known.rank:
                heaviest[finding.rule] = finding.severity
    return [
        rules.get(rid) or RuleInfo(id=rid, name=rid, description="", severity=severity, help_uri=None)
        for rid, severity in sorted(heaviest.items())
    ]


# ------------------------------------------------------------------ shared helpers


def _ordered(findings: Sequence[Finding]) -> list[Finding]:
    """Findings in ``Finding.sort_key`` order (the stage breaks the last ties), whatever order they came in."""
    return sorted(findings, key=lambda f: (f.sort_key(), f.stage))


def _located(run: GraphFindings) -> Iterator[tuple[Finding, str, int | None]]:
    """Each finding of ``run`` in order, with its file (the record's, else the graph) and its line."""
    for finding in _ordered(run.findings):
        if finding.path:
            yield finding, _slashes(finding.path), finding.line
        else:
            yield finding, _slashes(run.graph), None


def _slashes(path: str) -> str:
    return path.replace("\\", "/")


def finding_text(finding: Finding) -> str:
    """A finding in one line without its place, severity and rule: record, field, value and message
    (``str(Finding)`` without the prefix CI reports show elsewhere)."""
    parts: list[str] = []
    if finding.record:
        parts.append(f"record {finding.record}")
    elif finding.focus:
        parts.append(f"node {finding.focus}")
    if finding.field:
        parts.append(f"field {finding.field}")
    if finding.value is not None:
        shown = finding.value if len(finding.value) <= 80 else finding.value[:77] + "..."
        parts.append(f"value {shown!r}")
    parts.append(finding.message)
    return ": ".join(parts)


def _rule_title(rid: str, rule: RuleInfo | None) -> str:
    if rule is None or rule.name == rid:
        return rid
    return f"{rid} ({rule.name})"


# ------------------------------------------------------------------ GitHub workflow commands


# Escaping as @actions/core does it, in actions/toolkit packages/core/src/command.ts
# (https://github.com/actions/toolkit/blob/main/packages/core/src/command.ts, escapeData and escapeProperty):
# data: % -> %25, \r -> %0D, \n -> %0A; property values also : -> %3A and , -> %2C. "%" goes first so the
# escapes themselves are not escaped again.
def escape_data(text: str) -> str:
    """A workflow command's message, escaped as the toolkit's ``escapeData``."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value, escaped as the toolkit's ``escapeProperty``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotations(runs: Sequence[GraphFindings], *, rules: Mapping[str, RuleInfo] | None = None) -> str:
    """One GitHub Actions workflow command per finding (``::error``, ``::warning``, ``::notice``), which the
    runner turns into annotations on the file and line; the title names the rule (and its shape's name
    when ``rules`` knows it). Graphs in the order given, findings in ``Finding.sort_key`` order.
    """
    lines: list[str] = []
    for run in runs:
        for finding, file, line in _located(run):
            props = [f"file={escape_property(file)}"]
            if line is not None:
                props.append(f"line={line}")
            rule = rules.get(finding.rule) if rules is not None else None
            props.append(f"title={escape_property(_rule_title(finding.rule, rule))}")
            command = _GITHUB_COMMAND[finding.severity]
            lines.append(f"::{command} {','.join(props)}::{escape_data(finding_text(finding))}\n")
    return "".join(lines)


# ------------------------------------------------------------------ SARIF


def artifact_uri(path: str) -> str:
    """A file as a SARIF ``uri-reference``: the path as given with forward slashes, percent-encoded where a
    URI needs it (``:`` too, so a first segment is never read as a scheme); Windows drive paths as file URIs."""
    path = _slashes(path)
    if _WINDOWS_DRIVE.match(path):
        return "file:///" + path[:2] + quote(path[2:], safe="/!$&'()*+,;=@")
    return quote(path, safe="/!$&'()*+,;=@")


def _fingerprint(finding: Finding, uri: str) -> str:
    """What makes a finding the same finding in the next run: rule, record, field, value and focus node,
    not its line (records move in their files). Findings tied to no record or node add place and message."""
    parts = [finding.rule, finding.record or "", finding.field or "", finding.value or "", finding.focus or ""]
    if not finding.record and not finding.focus:
        parts += [uri, finding.message]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def _sarif_rule(rule: RuleInfo) -> dict[str, object]:
    described = rule.description or rule.name
    out: dict[str, object] = {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.name},
        "fullDescription": {"text": described},
        "help": {"text": described + (f"\n\nRule {rule.id}: {rule.help_uri}" if rule.help_uri else "")},
        "defaultConfiguration": {"level": _SARIF_LEVEL[rule.severity]},
    }
    if rule.help_uri:
        out["helpUri"] = rule.help_uri
    return out


def _sarif_result(finding: Finding, graph: str, file: str, line: int | None, index: int) -> dict[str, object]:
    uri = artifact_uri(file)
    physical: dict[str, object] = {"artifactLocation": {"uri": uri}}
    if line is not None and line > 0:
        physical["region"] = {"startLine": line}
    location: dict[str, object] = {"physicalLocation": physical}
    if finding.focus and not finding.focus.startswith("_:"):  # blank-node labels change between runs
        location["logicalLocations"] = [{"fullyQualifiedName": finding.focus, "kind": "resource"}]
    properties: dict[str, object] = {"graph": graph, "stage": finding.stage}
    for key, value in (("record", finding.record), ("field", finding.field), ("value", finding.value)):
        if value is not None:
            properties[key] = value
    return {
        "ruleId": finding.rule,
        "ruleIndex": index,
        "level": _SARIF_LEVEL[finding.severity],
        "message": {"text": finding_text(finding)},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: _fingerprint(finding, uri)},
        "properties": properties,
    }


def sarif_log(runs: Sequence[GraphFindings], rules: Mapping[str, RuleInfo], *, tool_version: str) -> bytes:
    """A SARIF 2.1.0 log (GitHub code scanning, GitLab, IDE viewers) of every graph's findings in one run.

    Bytes are deterministic: keys sorted, results by graph (in the order given) then ``Finding.sort_key``,
    UTF-8 with a trailing newline.
    """
    used = _rules_used(runs, rules)
    index = {rule.id: i for i, rule in enumerate(used)}
    results = [
        _sarif_result(finding, run.graph, file, line, index[finding.rule])
        for run in runs
        for finding, file, line in _located(run)
    ]
    log = {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "esrgraph",
                        "version": tool_version,
                        "informationUri": INFORMATION_URI,
                        "rules": [_sarif_rule(rule) for rule in used],
                    }
                },
                "results": results,
            }
        ],
    }
    text = json.dumps(log, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    # A lone surrogate (undecodable input kept by surrogateescape) cannot be UTF-8; as "\udcxx" it is the
    # JSON escape json.dumps(ensure_ascii=True) would write, so the file stays valid JSON and lossless.
    return text.encode("utf-8", "backslashreplace")


# ------------------------------------------------------------------ JUnit XML


def xml_text(text: str) -> str:
    """``text`` with the characters XML 1.0 cannot hold (control characters, lone surrogates) written as
    visible escapes (``\\x1b``), so the document is always well-formed."""
    return _NOT_XML.sub(_visible_escape, text)


def _visible_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _located_text(finding: Finding, file: str, line: int | None) -> str:
    where = f"{file}:{line}" if line is not None else file
    return f"{where}: {finding.severity.value.upper()} {finding.rule}: {finding_text(finding)}"


def _test_cases(run: GraphFindings) -> list[tuple[str, list[tuple[Finding, str, int | None]]]]:
    """The test cases of one graph: records, then focus nodes, then the graph itself, each sorted by name."""
    cases: dict[tuple[int, str], list[tuple[Finding, str, int | None]]] = {}
    for item in _located(run):
        finding = item[0]
        key = (0, finding.record) if finding.record else (1, finding.focus) if finding.focus else (2, run.graph)
        cases.setdefault(key, []).append(item)
    if not cases:
        cases[(2, run.graph)] = []
    return [(name, items) for (_, name), items in sorted(cases.items())]


def junit_xml(runs: Sequence[GraphFindings], rules: Mapping[str, RuleInfo], *, fail_on: Severity) -> bytes:
    """JUnit XML as GitLab and Jenkins read it: a test suite per graph, a test case per record, failing when
    the record has a finding at or above ``fail_on`` (one ``<failure>`` listing them; the first finding's
    rule is its type). Deterministic bytes: attributes in a fixed order, cases sorted, UTF-8.
    """
    root = ET.Element("testsuites", {"name": "esrgraph validate"})
    total_tests = total_failures = 0
    for run in runs:
        suite = ET.SubElement(root, "testsuite", {"name": xml_text(run.graph)})
        tests = failures = 0
        for name, items in _test_cases(run):
            tests += 1
            case = ET.SubElement(suite, "testcase", {"classname": xml_text(run.graph), "name": xml_text(name)})
            failing = [item for item in items if item[0].severity.rank <= fail_on.rank]
            passing = [item for item in items if item[0].severity.rank > fail_on.rank]
            if failing:
                failures += 1
                first = failing[0][0]
                more = f" (+{len(failing) - 1} more)" if len(failing) > 1 else ""
                rule = rules.get(first.rule)
                failure = ET.SubElement(case, "failure", {
                    "message": xml_text(f"{_rule_title(first.rule, rule)}: {finding_text(first)}{more}"),
                    "type": xml_text(first.rule),
                })
                failure.text = xml_text("\n".join(_located_text(*item) for item in failing))
            if passing:
                out = ET.SubElement(case, "system-out")
                out.text = xml_text("\n".join(_located_text(*item) for item in passing))
        for key, value in (("tests", tests), ("failures", failures), ("errors", 0), ("skipped", 0)):
            suite.set(key, str(value))
        total_tests += tests
        total_failures += failures
    for key, value in (("tests", total_tests), ("failures", total_failures), ("errors", 0), ("skipped", 0)):
        root.set(key, str(value))
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"
