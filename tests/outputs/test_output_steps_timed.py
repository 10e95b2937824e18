"""write_outputs times each of its steps into the build's timings, where the benchmark says where the whole
command's time went (issue 23); the steps' names are the ones docs/performance.md reads."""

from __future__ import annotations

from pathlib import Path

from esrgraph.outputs import write_outputs
from esrgraph.pipeline.build import build

STEPS = ("graph files", "SHACL reports", "release pieces", "collaboration network", "query store", "quality report", "named answers",
         "quarantine", "release", "CI reports")


def test_every_output_step_is_timed(tmp_path: Path) -> None:
    result = build()
    before = dict(result.timings)
    write_outputs(result, tmp_path / "out")
    timed = {k.removeprefix("outputs: "): v for k, v in result.timings.items() if k.startswith("outputs: ")}
    assert set(timed) == set(STEPS)
    assert all(v >= 0 for v in timed.values())
    assert timed["release"] > 0 and timed["query store"] > 0
    assert {k: v for k, v in result.timings.items() if not k.startswith("outputs: ")} == before
