"""Incremental builds (the per-file parse cache) give the same bytes as a full build;
the fast and pyshacl validators give the same findings on a whole build."""

from __future__ import annotations

import shutil
from pathlib import Path

from esrgraph.outputs import write_outputs
from esrgraph.pipeline.build import build
from esrgraph.pipeline.result import BuildOptions
from repo_paths import REPO

ROOT = REPO

GRAPH_FILES = ("esrgraph.ttl", "esrgraph.nt", "validation-report.ttl", "validation-report.json")


def _corpus(folder: Path, n: int = 24) -> Path:
    from benchmarks.generate import write_corpus

    write_corpus(folder / "in", n, seed=11, faulty_share=0.2)
    write_corpus(folder / "in", 5, seed=12, layout="projectlist-csv")
    return folder / "in"


def _outputs(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in GRAPH_FILES}


def test_rebuild_after_one_change_equals_full_build_and_reparses_one_file(tmp_path: Path) -> None:
    inputs = _corpus(tmp_path)
    cache = tmp_path / "cache"
    first = build([inputs], BuildOptions(cache_dir=str(cache), workers=1))
    write_outputs(first, tmp_path / "out-first")
    cached = sorted(cache.rglob("*.pickle"))
    assert len(cached) == first.batch.files_read

    changed = sorted(inputs.rglob("*.txt"))[3]
    changed.write_text(changed.read_text(encoding="utf-8").replace("Hankkeen nimi: ", "Hankkeen nimi: Uusi "),
                       encoding="utf-8")
    again = build([inputs], BuildOptions(cache_dir=str(cache), workers=1))
    write_outputs(again, tmp_path / "out-incremental")
    assert len(sorted(cache.rglob("*.pickle"))) == len(cached) + 1  # only the changed file was parsed again

    full = build([inputs], BuildOptions(workers=1))
    write_outputs(full, tmp_path / "out-full")
    assert _outputs(tmp_path / "out-incremental") == _outputs(tmp_path / "out-full")
    assert _outputs(tmp_path / "out-first") != _outputs(tmp_path / "out-full")


def test_parallel_parsing_gives_the_same_build(tmp_path: Path) -> None:
    inputs = _corpus(tmp_path, n=20)
    one = build([inputs], BuildOptions(workers=1))
    two = build([inputs], BuildOptions(workers=2))
    assert [r.to_json() for r in one.batch.records] == [r.to_json() for r in two.batch.records]
    assert one.triples == two.triples
    assert one.findings == two.findings


def test_fast_and_pyshacl_builds_report_the_same_findings(tmp_path: Path) -> None:
    inputs = _corpus(tmp_path, n=5)
    fast = build([inputs], BuildOptions(validator="fast", workers=1))
    ref = build([inputs], BuildOptions(validator="pyshacl", workers=1))
    assert any(f.stage == "shacl" for f in ref.findings)
    assert [f.to_json() for f in fast.findings] == [f.to_json() for f in ref.findings]
    write_outputs(fast, tmp_path / "fast")
    write_outputs(ref, tmp_path / "ref")
    assert _outputs(tmp_path / "fast") == _outputs(tmp_path / "ref")
    shutil.rmtree(tmp_path / "fast")
