"""``esrgraph validate`` for CI: located findings in GitHub, SARIF and JUnit form, --fail-on, both validators.

A build of the bundled samples with one wrong check digit (S21093's Y-tunnus, line 27 of its record)
is validated as a CI job would: from the repository root, with ``--sources`` naming the records.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest

import esrgraph
from esrgraph.cli import main
from repo_paths import REPO, TESTS

SCHEMA = TESTS / "data" / "sarif-schema-2.1.0.json"
WARNING_ONLY = TESTS / "shapes" / "W03-project-has-applicant" / "invalid-01-no-applicant.ttl"


def call(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project folder: records under data/samples (one with a wrong check digit), built into out/."""
    root = tmp_path_factory.mktemp("repo")
    samples = root / "data" / "samples"
    shutil.copytree(REPO / "data" / "samples", samples)
    record = samples / "S21093.txt"
    text = record.read_text(encoding="utf-8")
    assert "\nY-tunnus: 2542088-8\n" in text
    record.write_text(text.replace("\nY-tunnus: 2542088-8\n", "\nY-tunnus: 2542088-7\n"), encoding="utf-8")
    result = esrgraph.run_build([str(samples)])
    esrgraph.write_outputs(result, root / "out")
    return root


@pytest.fixture
def in_repo(repo: Path) -> Iterator[Path]:
    cwd = Path.cwd()
    os.chdir(repo)
    try:
        yield repo
    finally:
        os.chdir(cwd)


def test_github_annotation_names_the_record_file_line_and_value(in_repo: Path, capsys) -> None:
    code, out, _ = call(capsys, "validate", "out", "--format", "github", "--sources", "data")
    assert code == 1
    errors = [line for line in out.splitlines() if line.startswith("::error ")]
    assert len(errors) == 1, out
    assert errors[0].startswith("::error file=data/samples/S21093.txt,line=27,title=O03-business-id-check-digit")
    assert "2542088-7" in errors[0]


def test_without_the_records_at_hand_findings_point_at_the_record_the_provenance_names(repo: Path, capsys) -> None:
    code, out, _ = call(capsys, "validate", str(repo / "out"), "--format", "github")
    assert code == 1
    (error,) = [line for line in out.splitlines() if line.startswith("::error ")]
    assert error.startswith("::error file=samples/S21093.txt,line=1,"), error  # the record's first line


def test_a_record_whose_bytes_changed_is_not_used_to_place_findings(repo: Path, tmp_path: Path, capsys) -> None:
    moved = tmp_path / "data"
    shutil.copytree(repo / "data", moved)
    (moved / "samples" / "S21093.txt").write_text("Hankekoodi: S21093\n", encoding="utf-8")
    code, out, _ = call(capsys, "validate", str(repo / "out"), "--format", "github", "--sources", str(moved))
    assert code == 1
    assert "line=27" not in out and "file=samples/S21093.txt,line=1," in out


def test_sarif_is_valid_2_1_0_with_a_located_result(in_repo: Path, capsys) -> None:
    code, _, _ = call(capsys, "validate", "out", "--format", "sarif", "--sources", "data", "--output", "v.sarif")
    assert code == 1
    log = json.loads((in_repo / "v.sarif").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(json.loads(SCHEMA.read_text(encoding="utf-8"))).validate(log)
    (result,) = log["runs"][0]["results"]
    assert result["ruleId"] == "O03-business-id-check-digit" and result["level"] == "error"
    place = result["locations"][0]["physicalLocation"]
    assert place["artifactLocation"]["uri"] == "data/samples/S21093.txt" and place["region"]["startLine"] == 27
    rule = log["runs"][0]["tool"]["driver"]["rules"][result["ruleIndex"]]
    assert rule["id"] == "O03-business-id-check-digit" and rule["fullDescription"]["text"]


def test_junit_has_a_failing_case_for_the_record(in_repo: Path, capsys) -> None:
    code, out, _ = call(capsys, "validate", "out", "--format", "junit", "--sources", "data")
    assert code == 1
    root = ET.fromstring(out.encode("utf-8"))
    failed = [case for case in root.iter("testcase") if case.find("failure") is not None]
    assert [case.get("name") for case in failed] == ["S21093"]
    assert "data/samples/S21093.txt:27" in (failed[0].find("failure").text or "")


def test_fail_on_chooses_what_fails(capsys) -> None:
    code, out, _ = call(capsys, "validate", str(WARNING_ONLY), "--format", "json")
    assert code == 0 and json.loads(out)["counts"]["Warning"] >= 1
    assert call(capsys, "validate", str(WARNING_ONLY), "--fail-on", "warning")[0] == 1
    assert call(capsys, "validate", str(WARNING_ONLY), "--fail-on", "info")[0] == 1


def test_several_graphs_exit_with_the_worst(repo: Path, capsys) -> None:
    good = TESTS / "shapes" / "W03-project-has-applicant" / "valid-01.ttl"
    code, out, _ = call(capsys, "validate", str(good), str(repo / "out"), "--format", "json")
    assert code == 1
    assert [g["conforms"] for g in json.loads(out)] == [True, False]


def test_fast_and_pyshacl_give_the_same_findings(repo: Path, capsys) -> None:
    outs = {}
    for validator in ("fast", "pyshacl"):
        code, out, _ = call(capsys, "validate", str(repo / "out"), "--format", "json", "--validator", validator)
        assert code == 1
        outs[validator] = json.loads(out)["findings"]
    assert outs["fast"] == outs["pyshacl"] and outs["fast"]


def test_a_graph_whose_json_ld_names_a_remote_context_is_refused_without_a_connection(tmp_path: Path, capsys) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(3)
    port = listener.getsockname()[1]
    connections: list[object] = []

    def accept() -> None:
        try:
            connections.append(listener.accept())
        except OSError:
            pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    graph = tmp_path / "remote.jsonld"
    graph.write_text(json.dumps({"@context": f"http://127.0.0.1:{port}/context.jsonld",
                                 "@id": "http://example.org/x", "name": "x"}), encoding="utf-8")
    try:
        code, _, err = call(capsys, "validate", str(graph))
        thread.join(timeout=4)
    finally:
        listener.close()
    assert code == 2 and "remote.jsonld" in err and "Traceback" not in err
    assert connections == []


@pytest.mark.parametrize("args", [["--format", "yaml"], ["--fail-on", "error"], ["--validator", "jena"]])
def test_bad_options_are_usage_errors(args: list[str], capsys) -> None:
    assert call(capsys, "validate", str(WARNING_ONLY), *args)[0] == 2


def test_build_writes_the_same_ci_reports_into_out(in_repo: Path, capsys) -> None:
    args = ["build", "data/samples", "--ci-report", "github", "--ci-report", "sarif", "--ci-report", "junit", "-q"]
    code, _, _ = call(capsys, *args, "-o", "ci1")
    assert code == 1
    github = (in_repo / "ci1" / "validation-github.txt").read_text(encoding="utf-8")
    assert github.startswith("::error file=data/samples/S21093.txt,line=27,title=O03-business-id-check-digit")
    log = json.loads((in_repo / "ci1" / "validation.sarif").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(json.loads(SCHEMA.read_text(encoding="utf-8"))).validate(log)
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == ["O03-business-id-check-digit"]
    junit = ET.parse(in_repo / "ci1" / "validation-junit.xml").getroot()
    assert junit.get("failures") == "1"
    names = ("validation-github.txt", "validation.sarif", "validation-junit.xml")
    first = {name: (in_repo / "ci1" / name).read_bytes() for name in names}
    assert call(capsys, *args, "-o", "ci1")[0] == 1
    for name in names:
        assert (in_repo / "ci1" / name).read_bytes() == first[name], name


def test_records_below_the_working_folder_are_found_without_sources(in_repo: Path, capsys) -> None:
    # the graph names samples/S21093.txt (below the folder the build was given); the repository keeps it in data/
    code, out, _ = call(capsys, "validate", "out", "--format", "github")
    assert code == 1
    assert out.startswith("::error file=data/samples/S21093.txt,line=27,"), out
