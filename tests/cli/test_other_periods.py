"""Issue 19 end to end: what a publisher meets with a list of another period or with new vocabulary.

``esrgraph build`` on a list that uses a status word and a project-code shape no code list knows builds
every row (the values kept as written in the graph) and its summary names both values with the file to
extend; the real 2007-2013 list builds its projects into the 2007-2013 period.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from pyoxigraph import Store

from esrgraph.cli import main
from repo_paths import REPO

ESR = "https://w3id.org/esrgraph/ontology#"
HEADER = (REPO / "tests" / "data" / "projectlist-csv" / "period-2014-2020.csv").read_text(encoding="utf-8").split("\n")[0]
ROWS = [
    # a status word no list knows, on rows the anchoring repair has to split (the authority's comma)
    "A70213,EAKR,Kasettihirsitalot,1,Etelä-Savon elinkeino-, liikenne- ja ympäristökeskus,Hautumassa,"
    "16.9.2014,31.12.2016,JALKAPUU TMI,12770,1825,12770,1825;",
    "A70214,EAKR,Toinen hanke,1,Pirkanmaan liitto,Hautumassa,1.1.2015,31.12.2016,Esimerkki Oy,1000,0,2000,0;",
    # a project code of a shape no period has
    "Z12-3456,ESR,Kolmas hanke,3,Hämeen elinkeino-, liikenne- ja ympäristökeskus,Toiminnassa,1.2.2015,"
    "31.1.2017,Toinen Oy,5000,100,6000,120;",
    "S20001,ESR,Neljäs hanke,3,Pirkanmaan liitto,Toiminnassa,1.3.2015,28.2.2017,Kolmas Oy,700,0,800,0;",
]


def call(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


def projects(out: Path) -> dict[str, dict[str, set[str]]]:
    store = Store()
    store.load(path=str(out / "esrgraph.nt"), format=__import__("pyoxigraph").RdfFormat.N_TRIPLES)
    found: dict[str, dict[str, set[str]]] = {}
    for row in store.query(f"""SELECT ?code ?p ?label WHERE {{
            ?project a <{ESR}Project> ; <http://purl.org/dc/terms/identifier> ?code ; ?p ?o .
            OPTIONAL {{ ?o <http://www.w3.org/2004/02/skos/core#prefLabel> ?l }}
            BIND(COALESCE(?l, ?o) AS ?label) }}"""):
        found.setdefault(row["code"].value, {}).setdefault(row["p"].value, set()).add(row["label"].value)
    return found


def test_unknown_status_and_code_shape_build_every_row_and_the_summary_names_them(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    listing = tmp_path / "lista.csv"
    listing.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    code, out, err = call(capsys, "build", listing, "--out", tmp_path / "out")
    assert code == 0, err
    built = projects(tmp_path / "out")
    assert sorted(built) == ["A70213", "A70214", "S20001", "Z12-3456"]
    assert built["A70213"][ESR + "status"] == {"Hautumassa"}
    assert built["A70213"][ESR + "fundingAuthority"] == {"Etelä-Savon ELY-keskus"} or any(
        "Etelä-Savon" in label for label in built["A70213"][ESR + "fundingAuthority"])
    summary = out + err
    assert "Hautumassa" in summary and "statuses.csv" in summary
    assert "Z12-3456" in summary and "code-shapes.csv" in summary
    # grouped: one line per field with the file to extend, then the value with its count and first records
    assert "status -> statuses.csv: 1 value in 2 records" in summary
    assert "2  'Hautumassa': A70213, A70214" in summary
    assert "code -> code-shapes.csv: 1 code shape in 1 record" in summary


@pytest.mark.skipif(not (REPO / "tests" / "data" / "projectlist-csv" / "projektilista-2007-2013.csv.gz").exists(),
                    reason="the 2007-2013 list is not in this checkout")
def test_the_real_2007_2013_list_builds_into_its_period(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The first 3,000 rows (ESR and EAKR, split authorities included) as published: the whole command on all
    # 19,940 takes about 45 s, which the benchmark measures; tests/parsers/test_projectlist_periods.py reads
    # every row.
    lines = gzip.decompress((REPO / "tests" / "data" / "projectlist-csv" / "projektilista-2007-2013.csv.gz")
                            .read_bytes()).split(b"\n")
    listing = tmp_path / "projektilista-2007-2013.csv"
    listing.write_bytes(b"\n".join(lines[:3001]) + b"\n")
    code, out, err = call(capsys, "build", listing, "--out", tmp_path / "out")
    assert code in (0, 1), err
    assert "3000 records found, 3000 built into 3000 projects, 0 quarantined" in out + err
    built = projects(tmp_path / "out")
    assert len(built) == 3000
    periods = {label for facts in built.values() for label in facts.get(ESR + "programmePeriod", set())}
    assert any("2007" in p for p in periods), periods
    s10324 = built["S10324"]
    assert "Toiminta päättynyt" in s10324[ESR + "status"]
    assert s10324[ESR + "programme"] and s10324[ESR + "programmePart"]
