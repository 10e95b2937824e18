"""docs/research/example.py runs on a build of the real 2014-2020 project list and answers its three questions
rightly: each answer is checked against a computation that does not use the named queries (the CSV read with the
csv module, or per-project rows of a plain SPARQL query summed in Python), and its chart is a real PNG."""

from __future__ import annotations

import csv
import os
import runpy
import struct
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from esrgraph.sparql.answers import query
from repo_paths import REPO, SHARED

pytest.importorskip("pandas", reason="the research extra (pandas) is not installed")
pytest.importorskip("matplotlib", reason="the research extra (matplotlib) is not installed")

EXAMPLE = REPO / "docs" / "research" / "example.py"
CORPUS = SHARED / "corpus" / "projektilista-2014-2020.csv"
ESR = "PREFIX esr: <https://w3id.org/esrgraph/ontology#> PREFIX dcterms: <http://purl.org/dc/terms/>\n"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """The example run as a script into a new folder (so it builds the corpus itself): OUT, chart, stdout."""
    if not CORPUS.is_file():
        pytest.skip(f"{CORPUS} not found: the research example needs ../shared/corpus/ beside the checkout")
    out = tmp_path_factory.mktemp("research") / "build"
    chart = out.parent / "chart.png"
    done = subprocess.run([sys.executable, str(EXAMPLE), str(out), str(chart)], capture_output=True, text=True,
                          timeout=300, env={**os.environ, "ESRGRAPH_CORPUS": str(CORPUS), "MPLBACKEND": "Agg"})
    assert done.returncode == 0, done.stderr
    return out, chart, done.stdout


@pytest.fixture(scope="module")
def names(run: tuple[Path, Path, str]) -> dict[str, Any]:
    """The example's variables, from running it again in this process on the build the script made."""
    out, chart, _ = run
    argv = sys.argv
    sys.argv = [str(EXAMPLE), str(out), str(chart.with_name("again.png"))]
    try:
        return runpy.run_path(str(EXAMPLE), run_name="__main__")
    finally:
        sys.argv = argv


def csv_projects(out: Path) -> dict[str, tuple[str, Decimal, Decimal]]:
    """code -> (fund, granted, realised) of every row the build did not quarantine, read with the csv module.

    The list's project and authority names hold unquoted commas, so cells are counted from the end, where the
    four amounts are; a few rows are quoted whole and read as one cell, which is read again as a row.
    """
    with open(out / "quarantine" / "reasons.csv", encoding="utf-8", newline="") as handle:
        quarantined = {row["record"] for row in csv.DictReader(handle)}
    projects: dict[str, tuple[str, Decimal, Decimal]] = {}
    with open(CORPUS, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))[1:]
    for row in rows:
        if len(row) == 1:
            row = next(csv.reader([row[0]], quoting=csv.QUOTE_NONE))
        cells = [c.strip() for c in row]
        while cells and cells[-1] in ("", ";"):
            cells.pop()
        cells[-1] = cells[-1].rstrip(";")
        if cells[0] in quarantined:
            continue
        projects[cells[0]] = (cells[1], Decimal(cells[-4]), Decimal(cells[-3]))
    return projects


def test_it_prints_three_answers_and_writes_the_chart(run: tuple[Path, Path, str]) -> None:
    out, chart, stdout = run
    for heading in ("1. Granted and realised funding per fund", "2. Granted funding by planned start year",
                    "3. The ten largest beneficiaries", f"chart: {chart}"):
        assert heading in stdout
    data = chart.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk
    assert (width, height) == (800, 450)
    assert (out / "esrgraph.ttl").is_file()  # the build it made


def test_the_chart_is_the_same_file_on_a_second_run(run: tuple[Path, Path, str], names: dict[str, Any]) -> None:
    _, chart, _ = run
    assert chart.with_name("again.png").read_bytes() == chart.read_bytes()


def test_funding_per_fund_matches_the_csv(run: tuple[Path, Path, str], names: dict[str, Any]) -> None:
    projects = csv_projects(run[0])
    assert len(projects) == 2865  # 2,881 rows, 16 quarantined
    count = Counter(fund for fund, _, _ in projects.values())
    granted: dict[str, Decimal] = defaultdict(Decimal)
    realised: dict[str, Decimal] = defaultdict(Decimal)
    for fund, g, r in projects.values():
        granted[fund] += g
        realised[fund] += r
    frame = names["by_fund"].set_index("fundCode")
    assert sorted(frame.index) == ["EAKR", "ESR"]
    for fund in ("EAKR", "ESR"):
        assert frame.loc[fund, "projects"] == count[fund]
        assert frame.loc[fund, "grantedTotal"] == pytest.approx(float(granted[fund]), abs=0.005)
        assert frame.loc[fund, "realisedTotal"] == pytest.approx(float(realised[fund]), abs=0.005)
        assert frame.loc[fund, "realisedShare"] == pytest.approx(float(realised[fund] / granted[fund]))
    assert names["total_granted"] == pytest.approx(float(sum(granted.values())), abs=0.005)


def test_funding_by_year_matches_per_project_rows(run: tuple[Path, Path, str], names: dict[str, Any]) -> None:
    rows = query(run[0], ESR + """SELECT ?p ?start ?g WHERE {
        ?p a esr:Project ; esr:plannedStartDate ?start . OPTIONAL { ?p esr:grantedEUAndStateFunding ?g } }""").rows
    projects: Counter[int] = Counter()
    granted: dict[int, Decimal] = defaultdict(Decimal)
    for row in rows:
        start, amount = row["start"], row["g"]
        assert isinstance(start, date) and isinstance(amount, Decimal | None)
        projects[start.year] += 1
        granted[start.year] += amount or Decimal(0)
    frame = names["by_year"]
    assert frame["year"].tolist() == sorted(projects)
    assert frame["projects"].tolist() == [projects[y] for y in sorted(projects)]
    assert frame["grantedTotal"].tolist() == pytest.approx([float(granted[y]) for y in sorted(granted)], abs=0.005)
    assert frame["share"].sum() == pytest.approx(1.0)


def test_top10_share_matches_per_project_rows(run: tuple[Path, Path, str], names: dict[str, Any]) -> None:
    rows = query(run[0], ESR + """SELECT ?p ?applicant ?g WHERE {
        ?p a esr:Project ; esr:applicant ?applicant . OPTIONAL { ?p esr:grantedEUAndStateFunding ?g } }""").rows
    per_applicant: dict[str, Decimal] = defaultdict(Decimal)
    led: Counter[str] = Counter()
    for row in rows:
        applicant, amount = str(row["applicant"]), row["g"]
        assert isinstance(amount, Decimal | None)
        per_applicant[applicant] += amount or Decimal(0)
        led[applicant] += 1
    top = sorted(per_applicant, key=lambda a: per_applicant[a], reverse=True)[:10]
    total = sum(g for _, g, _ in csv_projects(run[0]).values())
    top10 = names["top10"]
    assert top10["organisation"].tolist() == top
    assert top10["projects"].tolist() == [led[a] for a in top]
    assert names["top10_share"] == pytest.approx(float(sum(per_applicant[a] for a in top) / total))
    assert 0.1 < names["top10_share"] < 0.5
