"""W05 asks a project for its specific objective (erityistavoite) only where its period had them: the 2007-2013
programmes had none, so their projects are not warned (it fired on every one of them before); a 2014-2020
project without one is, and the finding names no value (nothing is at the path)."""

from __future__ import annotations

from esrgraph.pipeline.build import build
from repo_paths import REPO, TESTS

W05 = "W05-project-has-specific-objective"


def _w05(result) -> list:  # type: ignore[no-untyped-def]
    return [f for f in result.findings if f.rule == W05]


def test_2007_2013_projects_are_not_asked_for_a_specific_objective() -> None:
    result = build([str(TESTS / "data" / "eura2007-description" / name) for name in ("A30896-eakr.txt", "S10789-esr.txt")])
    assert len(result.projects) == 2
    assert _w05(result) == []


def test_a_2014_2020_project_without_one_is_warned_with_no_value(tmp_path) -> None:  # type: ignore[no-untyped-def]
    sample = (REPO / "data" / "samples" / "S21093.txt").read_text(encoding="utf-8")
    lines = sample.split("\n")
    kept = [line for line in lines if not line.startswith("Erityistavoite")]
    assert len(kept) == len(lines) - 1
    (tmp_path / "S21093.txt").write_text("\n".join(kept), encoding="utf-8")
    (finding,) = _w05(build([str(tmp_path / "S21093.txt")]))
    assert finding.record and finding.record.startswith("S21093")
    assert finding.field == "specific_objective" and finding.value is None
    assert finding.message == "The project names no specific objective"
