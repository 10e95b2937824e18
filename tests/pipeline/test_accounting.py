"""Nothing lost: every build accounts for every file and record, and writes the quarantine (issue 6, part 3).

A mixed batch of good and bad files (good samples, a file with two records one of which is unreadable,
a CSV list with good and bad rows, a record without a code, an empty file, random bytes, a file in no
known layout) is built; the counts in the report must add up to what the batch holds, and the
quarantined records must come out in ``OUT/quarantine/records/`` with their reasons in
``OUT/quarantine/reasons.csv``, so that fixing them and building the folder again builds them.
"""

from __future__ import annotations

import csv
import json
import random
import shutil
from pathlib import Path

import pytest

from esrgraph.outputs import write_outputs
from esrgraph.pipeline.build import build
from esrgraph.pipeline.result import BuildOptions
from repo_paths import REPO

SAMPLES = REPO / "data" / "samples"
DATA = REPO / "tests" / "data"
CSV_HEADER = (DATA / "projectlist-csv" / "period-2014-2020.csv").read_text(encoding="utf-8").split("\n")[0]
GOOD_ROW = ("A70213,EAKR,Kasettihirsitalot,1,Etelä-Savon elinkeino-, liikenne- ja ympäristökeskus,"
            "Toiminnassa,16.9.2014,31.12.2016,JALKAPUU TMI,12770,1825,12770,1825;")
#: (row, field the quarantine names): a word where an amount belongs; no status word; a date for an amount.
BAD_ROWS = [
    ("A70214,EAKR,Kaksi,1,Pirkanmaan liitto,Toiminnassa,1.1.2015,31.12.2016,X Oy,paljon,1825,12770,1825;",
     "funding.eu_state_granted"),
    ("A70215,EAKR,Kolme,1,Pirkanmaan liitto,1.1.2015,31.12.2016,X Oy,1,2,3,4;", "status"),
    ("A70216,EAKR,Neljä,1,Pirkanmaan liitto,Toiminnassa,1.1.2015,31.12.2016,X Oy,1,2,3.3.2020,4;",
     "funding.public_planned"),
]


def make_batch(root: Path) -> dict[str, int]:
    """Write the mixed batch under ``root/in``; return what it holds (the expected counts)."""
    folder = root / "in"
    folder.mkdir(parents=True)
    for name in ("S20398.txt", "S21093.txt", "S21199.txt"):
        shutil.copy(SAMPLES / name, folder / name)
    shutil.copy(DATA / "eura-description" / "unreadable-second.txt", folder / "two-one-unreadable.txt")
    rows = [CSV_HEADER, GOOD_ROW, BAD_ROWS[0][0], "", GOOD_ROW.replace("A70213", "A70217"), BAD_ROWS[1][0], BAD_ROWS[2][0]]
    (folder / "list.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    # A record without a project code: parsed, then quarantined by the build.
    nocode = (SAMPLES / "S20398.txt").read_text(encoding="utf-8").replace("EURA-tunnus: S20398", "EURA-tunnus:")
    nocode = nocode.replace("Rainer S20398", "Rainer")
    (folder / "sub").mkdir()
    (folder / "sub" / "no-code.txt").write_text(nocode, encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "noise.txt").write_bytes(bytes(random.Random(3).randrange(256) for _ in range(3000)))
    (folder / "prose.txt").write_text("Tämä ei ole hanke.\nEikä tämäkään.\n", encoding="utf-8")
    (folder / "ignored.pdf").write_bytes(b"%PDF-1.4")  # not an input suffix: not read, not counted
    return {"files_read": 9, "files_failed": 3, "records_found": 3 + 2 + 5 + 1, "records_quarantined": 1 + 3 + 1}


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("mixed")
    expected = make_batch(root)
    result = build([root / "in"], BuildOptions())
    write_outputs(result, root / "out")
    return root, expected, result


def test_the_counts_add_up(mixed) -> None:
    root, expected, result = mixed
    counts = json.loads((root / "out" / "validation-report.json").read_text(encoding="utf-8"))["counts"]
    assert counts["files_read"] == expected["files_read"]
    assert counts["files_failed"] == expected["files_failed"]
    assert counts["files_read"] == counts["files_parsed"] + counts["files_failed"]
    assert counts["records_found"] == expected["records_found"]
    assert counts["records_quarantined"] == expected["records_quarantined"]
    assert counts["records_found"] == counts["records_built"] + counts["records_quarantined"]
    # Built records are in the graph: one project per distinct code (no two records here share one).
    codes = {r.code for r in result.batch.records if r.code}
    assert counts["records_built"] == len(codes) == counts["projects_in_graph"]
    assert result.exit_code == 2


def test_the_summary_says_the_same(mixed) -> None:
    from esrgraph.outputs.summary import build_summary

    _, expected, result = mixed
    first = build_summary(result, []).splitlines()[0]
    assert first == (f"esrgraph: {expected['files_read']} files read, {expected['records_found']} records found, "
                     f"{expected['records_found'] - expected['records_quarantined']} built into "
                     f"{len(result.projects)} projects, {expected['records_quarantined']} quarantined, "
                     f"{expected['files_failed']} files failed")


def _reasons(root: Path) -> list[dict[str, str]]:
    with (root / "out" / "quarantine" / "reasons.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_quarantined_record_and_failed_file_has_a_reason(mixed) -> None:
    root, expected, _ = mixed
    rows = _reasons(root)
    assert len(rows) == expected["records_quarantined"] + expected["files_failed"]
    by_file: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        assert row["reason"], row
        by_file.setdefault(row["file"], []).append(row)
    assert sorted(by_file) == sorted(["in/list.csv", "in/two-one-unreadable.txt", "in/sub/no-code.txt", "in/empty.txt",
                                      "in/noise.txt", "in/prose.txt"])
    assert [(r["line"], r["field"]) for r in by_file["in/list.csv"]] == [("3", BAD_ROWS[0][1]), ("6", BAD_ROWS[1][1]),
                                                                         ("7", BAD_ROWS[2][1])]
    assert [r["quarantine_line"] for r in by_file["in/list.csv"]] == ["2", "3", "4"]
    assert by_file["in/sub/no-code.txt"][0]["field"] == "code"
    assert "is empty" in by_file["in/empty.txt"][0]["reason"]
    assert "layout" in by_file["in/prose.txt"][0]["reason"]


def test_the_quarantine_holds_the_original_text(mixed) -> None:
    root, _, _ = mixed
    q = root / "out" / "quarantine" / "records" / "in"
    assert (q / "list.csv").read_text(encoding="utf-8").split("\n") == [CSV_HEADER, *(row for row, _ in BAD_ROWS), ""]
    original = (DATA / "eura-description" / "unreadable-second.txt").read_text(encoding="utf-8")
    copied = (q / "two-one-unreadable.txt").read_text(encoding="utf-8")
    assert copied.strip() and copied.strip() in original and len(copied) < len(original)
    assert (q / "noise.txt").read_bytes() == (root / "in" / "noise.txt").read_bytes()
    assert (q / "sub" / "no-code.txt").read_text(encoding="utf-8").strip() in (root / "in" / "sub" / "no-code.txt").read_text(encoding="utf-8")
    assert not (q / "S20398.txt").exists()


def test_fixed_quarantine_files_build(mixed, tmp_path: Path) -> None:
    root, _, _ = mixed
    fixed = tmp_path / "records"
    shutil.copytree(root / "out" / "quarantine" / "records", fixed)
    listing = fixed / "in" / "list.csv"
    text = listing.read_text(encoding="utf-8")
    text = text.replace(",paljon,", ",1825,").replace("Pirkanmaan liitto,1.1.2015", "Pirkanmaan liitto,Toiminnassa,1.1.2015")
    listing.write_text(text.replace("3.3.2020", "3"), encoding="utf-8")
    nocode = fixed / "in" / "sub" / "no-code.txt"
    nocode.write_text(nocode.read_text(encoding="utf-8").replace("EURA-tunnus:", "EURA-tunnus: S20399"), encoding="utf-8")
    for name in ("empty.txt", "noise.txt", "prose.txt", "two-one-unreadable.txt"):
        (fixed / "in" / name).unlink()  # files and records beyond repair are left out of the re-run
    again = build([listing, nocode], BuildOptions())
    assert not again.quarantined and not again.batch.failed_files
    assert sorted(r.code for r in again.batch.records) == ["A70214", "A70215", "A70216", "S20399"]


def test_a_clean_build_removes_the_old_quarantine(mixed, tmp_path: Path) -> None:
    root, _, result = mixed
    out = tmp_path / "out"
    write_outputs(result, out)
    assert (out / "quarantine" / "reasons.csv").is_file()
    write_outputs(build([SAMPLES / "S21093.txt"], BuildOptions()), out)
    assert not (out / "quarantine").exists()


def test_hostile_display_paths_stay_inside_the_quarantine() -> None:
    from esrgraph.outputs.quarantine import _safe_relative

    assert str(_safe_relative("../../etc/passwd")) == "etc/passwd"
    assert str(_safe_relative("/abs/x.txt")) == "abs/x.txt"
    assert str(_safe_relative("..")) == "unnamed"
