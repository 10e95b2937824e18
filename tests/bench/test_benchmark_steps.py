"""benchmarks/steps.py, where docs/performance.md's per-step figures come from, prints every output step."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from benchmarks import steps


def test_every_output_step_gets_a_row_and_the_command_a_peak(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "corpus"
    subprocess.run([sys.executable, "-m", "benchmarks.generate", "--records", "30", str(corpus)], check=True,
                   capture_output=True)
    assert steps.main([str(corpus), str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err
    rows = {line.split(" | ")[0].removeprefix("| ") for line in err.splitlines() if line.startswith("| ") and "---" not in line}
    assert {"collaboration network", "query store", "quality report", "named answers", "release"} <= rows
    peak = float(err.split("peak over the process tree ")[1].split(" MiB")[0].replace(",", ""))
    assert peak > 50
    assert (tmp_path / "out" / "release" / "catalog.ttl").is_file()


def test_the_rebuild_is_measured_after_one_changed_name_and_the_corpus_is_put_back(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = tmp_path / "corpus"
    subprocess.run([sys.executable, "-m", "benchmarks.generate", "--records", "30", str(corpus)], check=True,
                   capture_output=True)
    before = {p: p.read_bytes() for p in corpus.rglob("*.txt")}
    assert steps.main(["--rebuild", str(corpus), str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err
    assert "full build with a cache" in err and "| release pieces |" in err
    assert b"Muutettu" in (tmp_path / "out" / "esrgraph.nt").read_bytes()  # the measured run built the change
    assert {p: p.read_bytes() for p in corpus.rglob("*.txt")} == before
