"""The build's quality report and named answers read its query store, which holds the graph and the derived
collaboration network (issue 23: no second copy of the whole graph in memory). Where the store cannot be
written, the same files come from the graph in memory: the store's extra graph changes no quality figure."""

from __future__ import annotations

import errno
import warnings
from pathlib import Path

import pytest

from esrgraph.outputs import write_outputs
from esrgraph.pipeline.build import build
from esrgraph.quality import QUALITY_FILES
from esrgraph.sparql.store import StoreWarning, build_store_info, store_folder
from repo_paths import REPO

INPUTS = [str(REPO / "data" / "samples"), str(REPO / "tests" / "data" / "quality" / "eura-records.txt"),
          str(REPO / "tests" / "data" / "quality" / "projects.csv")]


def _no_space(*_args: object, **_kwargs: object) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The same build written twice: with its query store, and with a store that cannot be written."""
    root = tmp_path_factory.mktemp("store-or-memory")
    with_store, without = root / "with-store", root / "without"
    with warnings.catch_warnings():
        warnings.simplefilter("error", StoreWarning)  # the normal build warns of nothing
        write_outputs(build(INPUTS), with_store)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("esrgraph.sparql.store.update_build_store", _no_space)
        with pytest.warns(StoreWarning, match="could not be written"):
            write_outputs(build(INPUTS), without)
    return with_store, without


def test_the_build_queries_its_store_which_holds_the_network_too(both: tuple[Path, Path]) -> None:
    with_store, _ = both
    info = build_store_info(with_store)
    assert info is not None and {f.name for f in info.files} == {"esrgraph.ttl", "collaboration.ttl"}
    assert (with_store / "collaboration.ttl").read_bytes() == (with_store / "release" / "collaboration.ttl").read_bytes()
    assert any((store_folder(with_store) / "answers" / info.generation).glob("*.srj"))  # the answers are kept


@pytest.mark.parametrize("name", QUALITY_FILES)
def test_the_quality_files_are_the_same_from_the_store_and_from_memory(both: tuple[Path, Path], name: str) -> None:
    with_store, without = both
    assert build_store_info(without) is None
    assert (with_store / name).read_bytes() == (without / name).read_bytes()


def test_a_build_whose_store_cannot_be_written_still_writes_everything_else(both: tuple[Path, Path]) -> None:
    with_store, without = both
    files = sorted(p.relative_to(with_store).as_posix() for p in with_store.rglob("*")
                   if p.is_file() and ".store" not in p.parts)
    assert files == sorted(p.relative_to(without).as_posix() for p in without.rglob("*")
                           if p.is_file() and ".store" not in p.parts)
    assert all((with_store / f).read_bytes() == (without / f).read_bytes() for f in files)


def test_reasons_csv_is_written_by_chunks_with_the_bytes_of_one_string() -> None:
    """OUT/quarantine/reasons.csv is streamed (issue 23: everything the command writes grows with its input, and
    none of it is one string in memory); the chunks join to what one csv writer gives, formulas defused."""
    import csv
    import io

    from esrgraph.outputs.quarantine import COLUMNS, _reasons_csv
    from esrgraph.quality.spreadsheet import spreadsheet_cell

    rows: list[dict[str, object]] = [{"file": f"list-{i % 7}.csv", "line": i + 2, "record": f"S2{i:04d}",
                                      "field": "amount", "reason": "=SUM(A1) is not an amount" if i % 3 else "ok",
                                      "quarantine_line": i % 5 or ""} for i in range(2_345)]
    chunks = list(_reasons_csv(rows, batch=1000))
    assert len(chunks) == 3
    whole = io.StringIO()
    writer = csv.DictWriter(whole, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: spreadsheet_cell(v) for k, v in row.items()} for row in rows)
    assert b"".join(chunks) == whole.getvalue().encode("utf-8")
    assert b"\n=SUM" not in b"".join(chunks) and b",=SUM" not in b"".join(chunks)
