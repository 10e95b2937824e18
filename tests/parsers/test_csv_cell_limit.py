"""A list row with a cell longer than the csv module's default limit is quarantined the same way whatever the
process-wide ``csv.field_size_limit`` is: a program embedding esrgraph may have raised it, and the benchmark's
fix-list counter once did inside the test process. The list parsers set the limit for each call and put the
caller's back."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest

from esrgraph.parsers.base import SourceText
from esrgraph.parsers.inputs import parse_source
from esrgraph.parsers.textutil import MAX_CSV_CELL
from repo_paths import TESTS

LISTS = [TESTS / "data" / "projectlist-csv" / "period-2014-2020.csv",
         TESTS / "data" / "operations-list" / "eura2021-export-synthetic.csv"]


@pytest.fixture(params=[None, 2**31 - 1, 1_000_000], ids=["default", "raised-to-max", "raised"])
def caller_limit(request: pytest.FixtureRequest) -> Iterator[int]:
    """The process-wide limit as the embedding program left it; restored after the test."""
    before = csv.field_size_limit()
    if request.param is not None:
        csv.field_size_limit(request.param)
    try:
        yield csv.field_size_limit()
    finally:
        csv.field_size_limit(before)


def _with_a_huge_cell(path: Path) -> str:
    header, first, *rest = path.read_text(encoding="utf-8").split("\n")
    delimiter = ";" if header.count(";") > header.count(",") else ","
    big = first.replace(delimiter, f'{delimiter}"' + "x" * (MAX_CSV_CELL + 10) + f'"{delimiter}', 1)
    return "\n".join([header, big, first, *rest])


@pytest.mark.parametrize("path", LISTS, ids=lambda p: p.name)
def test_a_huge_cell_quarantines_its_row_whatever_the_callers_limit(path: Path, caller_limit: int) -> None:
    outcome = parse_source(SourceText(path.name, "0" * 64, _with_a_huge_cell(path), "utf-8"))
    assert [(q.line, "not readable as CSV" in q.message) for q in outcome.quarantined] == [(2, True)]
    plain = parse_source(SourceText(path.name, "0" * 64, path.read_text(encoding="utf-8"), "utf-8"))
    assert len(outcome.records) == len(plain.records)
    assert csv.field_size_limit() == caller_limit  # the caller's setting is put back
