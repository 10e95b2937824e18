"""benchmarks.floor: the compiled steps under the whole command, measured on the samples' build folder."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from esrgraph.io.export import GZIP_LEVEL

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"


def test_the_floor_handles_every_input_file_and_triple(sample_out: Path, tmp_path: Path) -> None:
    from benchmarks import floor

    steps = floor.measure(SAMPLES, sample_out, tmp_path)
    assert [s.label for s in steps] == ["read every input file", "load them into a new query store (pyoxigraph)",
                                        "gzip the N-Triples (zlib)"]
    files = sorted(SAMPLES.glob("S2*.txt"))  # the records the build reads; SOURCES.md beside them is not one
    assert len(files) == 5 and (SAMPLES / "SOURCES.md").is_file()
    megabytes = sum(p.stat().st_size for p in files) / 1e6
    assert steps[0].amount == f"{len(files):,} files, {megabytes:,.1f} MB"
    ntriples = (sample_out / "esrgraph.nt").read_bytes()
    assert steps[1].amount == f"{sum(1 for line in ntriples.splitlines() if line.strip()):,} quads"
    assert steps[2].amount == f"{len(gzip.compress(ntriples, GZIP_LEVEL)) / 1e6:,.1f} MB at level {GZIP_LEVEL}"
    assert list(tmp_path.iterdir()) == []  # the store went with its temporary folder


def test_the_floor_is_the_cpu_time_over_the_cores_and_says_which_side_of_the_target_it_is() -> None:
    from benchmarks.floor import Step, floor_seconds, report

    steps = [Step("a", 2.0, 3.0, "x"), Step("b", 5.0, 9.0, "y")]
    assert floor_seconds(steps, 2) == 6.0
    assert floor_seconds(steps, 4) == 3.0
    assert "Floor on 2 cores: 6.0 s (the CPU time over the cores), above the target of 5 s." in "\n".join(
        report(steps, 2, 5.0))
    assert "below the target of 60 s" in "\n".join(report(steps, 2, 60.0))
    assert "| all steps | 7.0 | 12.0 | |" in report(steps, 2, 60.0)


def test_the_floor_refuses_a_folder_that_is_no_build(tmp_path: Path) -> None:
    from benchmarks import floor

    with pytest.raises(SystemExit, match="esrgraph.nt: no such file"):
        floor.measure(SAMPLES, tmp_path)
