"""A rebuild with the build cache into the same folder, as users run `esrgraph build IN -o OUT --incremental`
again: the bytes of a full build, and nothing left behind in OUT (issue 23)."""

from __future__ import annotations

import shutil
from pathlib import Path

from esrgraph.outputs import write_outputs
from esrgraph.pipeline.build import build
from esrgraph.pipeline.result import BuildOptions


def _build(inputs: Path, out: Path, cache: bool) -> None:
    options = BuildOptions(cache_dir=str(out / ".cache") if cache else None)
    write_outputs(build([inputs], options, out_dir=out), out, options)


def _files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and not p.relative_to(out).as_posix().startswith((".cache/", ".store/"))}


def test_a_rebuild_in_place_writes_the_bytes_of_a_full_build_and_leaves_nothing_behind(samples_dir: Path,
                                                                                        tmp_path: Path) -> None:
    inputs, out = tmp_path / "in", tmp_path / "out"
    shutil.copytree(samples_dir, inputs)
    _build(inputs, out, cache=True)
    first = _files(out)
    kept = sorted(p.name for p in (out / ".cache" / "release").iterdir())
    assert sum(name.startswith("collaboration-") for name in kept) == 1 and len(kept) >= 2

    changed = sorted(inputs.glob("*.txt"))[0]
    changed.write_text("Uusi " + changed.read_text(encoding="utf-8"), encoding="utf-8")  # "Name CODE" comes first
    _build(inputs, out, cache=True)
    _build(inputs, tmp_path / "full", cache=False)
    assert _files(out) == _files(tmp_path / "full") != first
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == [".cache", ".store"]
    assert not [p for p in out.rglob(".*") if p.relative_to(out).parts[0] not in (".cache", ".store")]
    assert sorted(p.name for p in (tmp_path / "full").iterdir() if p.name.startswith(".")) == [".store"]
    # the changed name is not a fact of the collaboration network: its kept files are used again
    assert [n for n in kept if n.startswith("collaboration-")] == \
        [p.name for p in (out / ".cache" / "release").iterdir() if p.name.startswith("collaboration-")]
