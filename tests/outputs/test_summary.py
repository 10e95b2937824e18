"""What `esrgraph build` prints: the first findings in full, the rest counted by rule."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from benchmarks import generate

from esrgraph.core.findings import Severity
from esrgraph.outputs.summary import build_summary
from esrgraph.pipeline.build import build
from esrgraph.pipeline.result import BuildOptions
from repo_paths import REPO


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("faulty")
    generate.write_corpus(folder, 40, faulty_share=0.5)
    result = build([folder], BuildOptions())
    assert len(result.findings) > 20 and any(f.severity is not Severity.VIOLATION for f in result.findings)
    return result


def _finding_lines(text: str, result) -> list[str]:  # type: ignore[no-untyped-def]
    every = {str(f) for f in result.findings}
    return [line for line in text.splitlines() if line in every]


def _weightiest(findings):  # type: ignore[no-untyped-def]
    return sorted(findings, key=lambda f: f.severity.rank)


def test_past_the_limit_findings_are_counted_by_rule_and_the_reports_named(faulty) -> None:  # type: ignore[no-untyped-def]
    written = [Path("out/esrgraph.ttl"), Path("out/validation-report.ttl"), Path("out/validation-report.json")]
    limit = sum(f.severity is Severity.VIOLATION for f in faulty.findings) + 2  # every violation and two more
    text = build_summary(faulty, written, max_findings=limit)
    shown = _finding_lines(text, faulty)
    assert shown == [str(f) for f in _weightiest(faulty.findings)[:limit]]
    severity = {str(f): f.severity for f in faulty.findings}
    assert [severity[line] for line in shown][-3:] == [Severity.VIOLATION, Severity.WARNING, Severity.WARNING]
    rest = _weightiest(faulty.findings)[limit:]
    assert f"... and {len(rest):,} more findings, not shown (--max-findings 0 prints every one); every finding " \
           f"is in validation-report.ttl and validation-report.json:" in text.splitlines()
    counted = Counter()
    for line in text.splitlines():
        if line.startswith("Values not in the code lists"):  # the next section counts values, not findings
            break
        if line.startswith("  ") and line.split()[0].replace(",", "").isdigit():
            n, severity, rule = line.split()
            counted[(rule, severity)] = int(n.replace(",", ""))
    assert counted == Counter((f.rule, f.severity.value) for f in rest)
    weight = {"Violation": 0, "Warning": 1, "Info": 2}
    order = [(-counted[(rule, severity)], weight[severity], rule) for rule, severity in counted]
    assert order == sorted(order)  # most frequent first; the weightier first among equals


def test_zero_prints_every_finding_and_quiet_limits_the_violations(faulty) -> None:  # type: ignore[no-untyped-def]
    assert _finding_lines(build_summary(faulty, [], max_findings=0), faulty) == [str(f) for f in faulty.findings]
    violations = [f for f in faulty.findings if f.severity is Severity.VIOLATION]
    assert len(violations) > 3
    quiet = build_summary(faulty, [], quiet=True, max_findings=3)
    assert _finding_lines(quiet, faulty) == [str(f) for f in violations[:3]]
    assert f"... and {len(violations) - 3:,} more findings, not shown (--max-findings 0 prints every one):" in quiet


def test_the_build_command_takes_the_limit(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from esrgraph.cli import cli

    generate.write_corpus(tmp_path / "in", 40, faulty_share=0.5)
    run = CliRunner().invoke(cli, ["build", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--max-findings", "4"])
    assert run.exit_code == 1, run.output  # violations among the findings
    result = build([tmp_path / "in"], BuildOptions())
    findings = result.findings
    assert _finding_lines(run.output, result) == [str(f) for f in _weightiest(findings)[:4]]
    severity = {str(f): f.severity for f in findings}
    assert {severity[line] for line in _finding_lines(run.output, result)} == {Severity.VIOLATION}
    assert (f"... and {len(findings) - 4:,} more findings, not shown (--max-findings 0 prints every one); every finding "
            "is in validation-report.ttl and validation-report.json:") in run.output


@pytest.mark.parametrize("shards", [1, 3])
def test_the_nuts_lines_read_from_the_query_store_are_those_read_from_the_graph(tmp_path: Path, shards: int) -> None:
    """write_outputs reads the summary's NUTS-link lines from the query store (a rebuild keeps that answer while no
    region changes); they are the lines the graph file gives, regions without a NUTS code included."""
    from dataclasses import replace

    from esrgraph.outputs import write_outputs
    from esrgraph.outputs.summary import nuts_link_lines

    folder = tmp_path / "in"
    folder.mkdir()
    generate.write_corpus(folder, 40, faulty_share=0.5)
    sample = (REPO / "data" / "samples" / "S20885.txt").read_text(encoding="utf-8")
    (folder / "S20885.txt").write_text(sample.replace("Maakunnat: Keski-Suomi", "Maakunnat: Atlantis"), encoding="utf-8")
    options = BuildOptions(shards=shards)
    result = build([folder], options)
    from_graph = nuts_link_lines(replace(result, nuts_links=None))
    write_outputs(result, tmp_path / "out", options)
    assert result.nuts_links is not None and len(result.nuts_links) > 3
    assert "NUTS link: Atlantis: none (not a coded region)" in result.nuts_links
    assert result.nuts_links == from_graph
    assert nuts_link_lines(result) == from_graph
