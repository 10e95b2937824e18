"""The command line: documented commands, JSON contract, exit codes, no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from esrgraph.cli import main
from repo_paths import REPO

CONTRACT_KEYS = {
    "code", "name", "fund", "priority_axis", "specific_objective", "start_date", "end_date", "status",
    "authority", "applicant", "applicant_mode", "co_implementers", "summary", "target_groups", "funding",
    "regions", "subregions", "municipalities", "implementation_address", "monitoring", "gender_equality",
    "sustainability", "final_report", "source",
}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).parent / "esrgraph"
    return subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=300)


def call(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


def test_parse_json_prints_one_object_per_record_with_the_contract_keys(samples_dir: Path, capsys) -> None:
    code, out, err = call(capsys, "parse", "--json", *sorted(str(p) for p in samples_dir.glob("*.txt")))
    assert code == 0, err
    objects = [json.loads(line) for line in out.splitlines()]
    assert [o["code"] for o in objects] == ["S20398", "S20885", "S21093", "S21199", "S21860"]
    for obj in objects:
        assert CONTRACT_KEYS <= obj.keys(), CONTRACT_KEYS - obj.keys()
        assert set(obj["funding"]) >= {"eu_state_granted", "eu_state_realised", "public_planned", "public_realised", "budget_min", "budget_max"}
        assert set(obj["source"]) >= {"path", "sha256", "layout"}
    s21093 = objects[2]
    assert s21093["funding"]["eu_state_granted"] == 199775
    assert s21093["start_date"] == "2017-09-01"
    assert s21093["applicant"]["contact"]["email"] == "ceesay.anne@gmail.com"
    assert objects[0]["funding"]["budget_min"] == 100000 and objects[0]["funding"]["budget_max"] == 500000


def test_parse_coverage_shows_no_unused_labelled_lines_on_the_samples(samples_dir: Path, capsys) -> None:
    code, out, _ = call(capsys, "parse", "--coverage", str(samples_dir / "S21093.txt"))
    assert code == 0
    assert out.startswith("# S21093")
    assert "Hankekoodi: S21093" in out
    assert "funding.eu_state_granted" in out


def test_validate_exit_codes(sample_out: Path, tmp_path: Path, capsys) -> None:
    code, out, _ = call(capsys, "validate", str(sample_out / "esrgraph.ttl"))
    assert code == 0 and "conforms" in out
    broken = (sample_out / "esrgraph.ttl").read_text(encoding="utf-8").replace('"2017-09-01"^^xsd:date', '"2030-09-01"^^xsd:date')
    assert broken != (sample_out / "esrgraph.ttl").read_text(encoding="utf-8")
    bad = tmp_path / "bad.ttl"
    bad.write_text(broken, encoding="utf-8")
    code, out, _ = call(capsys, "validate", str(bad), "--format", "json")
    assert code == 1
    report = json.loads(out)
    assert report["conforms"] is False
    assert any(f["rule"] == "P07-start-not-after-end" and f["record"] == "S21093" for f in report["findings"])


def test_validate_unreadable_file_is_exit_code_2(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "broken.ttl"
    bad.write_text("<a> <b> .", encoding="utf-8")
    code, _, err = call(capsys, "validate", str(bad))
    assert code == 2
    assert "broken.ttl" in err and "Traceback" not in err


def test_query_expression_on_a_build(sample_out: Path, capsys) -> None:
    code, out, _ = call(
        capsys, "query", str(sample_out), "-e",
        "PREFIX esr: <https://w3id.org/esrgraph/ontology#> SELECT (COUNT(?p) AS ?n) WHERE { ?p a esr:Project }",
        "--format", "csv",
    )
    assert code == 0
    assert out.splitlines() == ["n", "5"]


def test_bad_sparql_is_a_usage_error(sample_out: Path, capsys) -> None:
    code, _, err = call(capsys, "query", str(sample_out), "-e", "SELECT WHERE {")
    assert code == 2
    assert "not valid SPARQL" in err


def test_unknown_option_is_exit_code_2(capsys) -> None:
    code, _, err = call(capsys, "build", "--no-such-option")
    assert code == 2
    assert "no-such-option" in err


def test_internal_error_is_exit_code_3_without_traceback(monkeypatch, capsys) -> None:
    import esrgraph.pipeline.build

    def broken(*args, **kwargs):
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(esrgraph.pipeline.build, "build", broken)
    monkeypatch.delenv("ESRGRAPH_DEBUG", raising=False)
    code, out, err = call(capsys, "build", "-o", "/tmp/never-written")
    assert code == 3
    assert "internal error: RuntimeError: simulated bug" in err
    assert "report" in err
    assert "Traceback" not in err + out


def _commands(help_text: str) -> list[str]:
    """Command names from the 'Commands:' block of --help (it ends at the first blank line)."""
    block = help_text.split("Commands:")[1].strip("\n").split("\n\n")[0]
    return [line.split()[0] for line in block.splitlines() if line.startswith("  ") and line.strip()]


def test_every_command_has_help_and_the_exit_codes_are_documented() -> None:
    top = run("--help")
    assert top.returncode == 0
    assert "Exit codes: 0" in top.stdout
    commands = _commands(top.stdout)
    assert {"build", "parse", "validate", "query", "queries"} <= set(commands)
    for command in commands:
        helped = run(command, "--help")
        assert helped.returncode == 0, (command, helped.stderr)
        assert "Usage:" in helped.stdout


def test_readme_documents_every_command() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    commands = _commands(run("--help").stdout)
    assert "push" in commands and "serve" in commands
    for command in commands:
        assert f"esrgraph {command}" in readme, command


def test_unusable_shapes_are_a_clear_error_not_a_crash(tmp_path: Path, capsys) -> None:
    data = tmp_path / "data.ttl"
    data.write_text("<http://example.org/x> a <http://example.org/C> .\n", encoding="utf-8")
    dangling = tmp_path / "dangling.ttl"
    dangling.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .\n"
        "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property ex:Missing .\n",
        encoding="utf-8",
    )
    code, _, err = call(capsys, "validate", str(data), "--shapes", str(dangling))
    assert code == 2
    assert "dangling.ttl" in err and "cannot be used" in err and "Traceback" not in err
