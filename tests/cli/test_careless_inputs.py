"""``esrgraph build`` under a careless user's mistakes (issue 21): the inputs and the output folder.

- A mistyped input, an empty folder, a folder of other files, a folder of files that all fail, or OUT
  itself named as the input: exit 2 naming the path and the fix, and the last good OUT untouched
  (byte for byte, release included).
- OUT inside the input folder is not read back: every build reads the same files.
- Two inputs with one basename are told apart in the reports, the graph and the quarantine.
- A FIFO or ``/dev/zero`` as an input fails that file; the build goes on and ends.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from esrgraph.cli import main
from esrgraph.core.errors import InputError
from esrgraph.pipeline.build import build
from repo_paths import REPO

SAMPLES = REPO / "data" / "samples"
CSV_HEADER = (REPO / "tests" / "data" / "projectlist-csv" / "period-2014-2020.csv").read_text(encoding="utf-8").split("\n")[0]
GOOD_ROW = ("A70213,EAKR,Kasettihirsitalot,1,Etelä-Savon elinkeino-, liikenne- ja ympäristökeskus,"
            "Toiminnassa,16.9.2014,31.12.2016,JALKAPUU TMI,12770,1825,12770,1825;")
BAD_ROW = "A70214,EAKR,Kaksi,1,Pirkanmaan liitto,Toiminnassa,1.1.2015,31.12.2016,X Oy,paljon,1825,12770,1825;"


def call(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


def snapshot(folder: Path) -> dict[str, bytes | str]:
    """Every file (bytes) and link (target) under ``folder``, by relative path."""
    found: dict[str, bytes | str] = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = Path(root) / name
            rel = path.relative_to(folder).as_posix()
            if path.is_symlink():
                found[rel] = f"-> {os.readlink(path)}"
            elif path.is_file():
                found[rel] = path.read_bytes()
            else:
                found[rel + "/"] = b""
    return found


@pytest.fixture(scope="module")
def good_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A good build of the bundled samples (``esrgraph build`` with no inputs: still the samples)."""
    out = tmp_path_factory.mktemp("good") / "out"
    with pytest.raises(SystemExit) as exit_info:
        main(["build", "-o", str(out), "-q"])
    assert exit_info.value.code == 0
    report = json.loads((out / "validation-report.json").read_text(encoding="utf-8"))
    assert report["counts"]["projects_in_graph"] == 5
    assert (out / "release").is_dir()
    return out


def _careless_inputs(tmp_path: Path, out: Path) -> dict[str, tuple[Path, str]]:
    """Inputs that hold nothing to build, and what the error must say of each."""
    (tmp_path / "empty").mkdir()
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "report.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "other" / "notes.md").write_text("# notes\n", encoding="utf-8")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "empty.txt").write_bytes(b"")
    (tmp_path / "bad" / "prose.txt").write_text("Tämä ei ole hanke.\n", encoding="utf-8")
    return {
        "mistyped": (tmp_path / "sampels", "no such file or folder"),
        "empty folder": (tmp_path / "empty", "holds no input file"),
        "folder of other files": (tmp_path / "other", "holds no input file"),
        "files that all fail": (tmp_path / "bad", "no input file could be read: 2 failed"),
        "OUT itself": (out, "is the output folder of this build"),
    }


#: (case, --incremental); files that all fail are parsed before the build gives up, so with --incremental
#: their outcomes are kept in the parse cache (OUT/.cache, not an output): that pair is left out.
CASES = [(case, incremental) for case in ("mistyped", "empty folder", "folder of other files", "files that all fail",
                                          "OUT itself")
         for incremental in (False, True) if not (incremental and case == "files that all fail")]


@pytest.mark.parametrize(("case", "incremental"), CASES)
def test_a_build_that_reads_nothing_leaves_the_good_out_untouched(case: str, incremental: bool, good_out: Path,
                                                                  tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    shutil.copytree(good_out, out, symlinks=True)
    before = snapshot(out)
    given, problem = _careless_inputs(tmp_path, out)[case]
    code, stdout, err = call(capsys, "build", given, "-o", out, *(["--incremental"] if incremental else []))
    assert code == 2, stdout + err
    assert f"error: {given}: {problem}" in err, err
    assert "nothing was" in err and "Traceback" not in err
    assert snapshot(out) == before, f"{case}: OUT changed"


def test_the_library_says_that_nothing_was_read(tmp_path: Path) -> None:
    inputs = _careless_inputs(tmp_path, tmp_path / "out")
    (tmp_path / "out").mkdir()
    for case in ("mistyped", "empty folder", "folder of other files"):
        with pytest.raises(InputError, match="nothing was built or written"):
            build([inputs[case][0]])
    with pytest.raises(InputError, match="is the output folder"):
        build([tmp_path / "out"], out_dir=tmp_path / "out")
    result = build([inputs["files that all fail"][0]])
    assert result.read_nothing and result.batch.files_read == 2
    assert not build([SAMPLES / "S21093.txt", inputs["files that all fail"][0]]).read_nothing


def test_a_mistyped_input_beside_good_ones_is_refused_too(good_out: Path, tmp_path: Path, capsys) -> None:
    """A build without the folder meant would replace the graph with part of it."""
    out = tmp_path / "out"
    shutil.copytree(good_out, out, symlinks=True)
    before = snapshot(out)
    code, _, err = call(capsys, "build", SAMPLES, tmp_path / "2025", "-o", out)
    assert code == 2 and f"error: {tmp_path / '2025'}: no such file or folder" in err
    assert snapshot(out) == before


def test_an_output_folder_inside_the_input_folder_is_not_read_back(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("S20398.txt", "S21093.txt"):
        shutil.copy(SAMPLES / name, folder / name)
    (folder / "list.csv").write_text("\n".join([CSV_HEADER, GOOD_ROW, BAD_ROW]) + "\n", encoding="utf-8")
    (folder / "empty.txt").write_bytes(b"")
    reads, graphs = [], []
    for _ in range(3):
        code, stdout, err = call(capsys, "build", folder, "-o", folder / "out", "-q")
        assert code == 2, stdout + err  # a quarantined row and an empty file
        counts = json.loads((folder / "out" / "validation-report.json").read_text(encoding="utf-8"))["counts"]
        reads.append((counts["files_read"], counts["files_failed"], counts["records_found"]))
        graphs.append((folder / "out" / "esrgraph.nt").read_bytes())
    assert reads == [(4, 1, 4)] * 3
    assert graphs[1] == graphs[0] and graphs[2] == graphs[0]
    copies = sorted(p.relative_to(folder / "out" / "quarantine").as_posix()
                    for p in (folder / "out" / "quarantine").rglob("*") if p.is_file())
    assert copies == ["reasons.csv", "records/in/empty.txt", "records/in/list.csv"]


def test_two_inputs_with_one_basename_are_told_apart(tmp_path: Path, capsys) -> None:
    """a/list.csv has a quarantined row, b/list.csv only good ones: the reports name each by its folder and
    the quarantine copy of a's file holds a's bad row (it held b's good rows)."""
    a, b = tmp_path / "work" / "a" / "list.csv", tmp_path / "work" / "b" / "list.csv"
    a.parent.mkdir(parents=True)
    b.parent.mkdir(parents=True)
    a.write_text("\n".join([CSV_HEADER, GOOD_ROW, BAD_ROW]) + "\n", encoding="utf-8")
    b.write_text("\n".join([CSV_HEADER, GOOD_ROW.replace("A70213", "A70217"), GOOD_ROW.replace("A70213", "A70218")])
                 + "\n", encoding="utf-8")
    out = tmp_path / "out"
    code, stdout, err = call(capsys, "build", a, b, "-o", out)
    assert code == 2, stdout + err
    assert "QUARANTINED a/list.csv:3: record A70214" in stdout
    with (out / "quarantine" / "reasons.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["file"], r["line"], r["record"], r["quarantine_line"]) for r in rows] == [("a/list.csv", "3", "A70214", "2")]
    copy = (out / "quarantine" / "records" / "a" / "list.csv").read_text(encoding="utf-8")
    assert copy == f"{CSV_HEADER}\n{BAD_ROW}\n"
    assert not (out / "quarantine" / "records" / "list.csv").exists()
    graph = (out / "esrgraph.nt").read_text(encoding="utf-8")
    assert '"a/list.csv"' in graph and '"b/list.csv"' in graph and '"list.csv"' not in graph
    report = json.loads((out / "validation-report.json").read_text(encoding="utf-8"))
    assert report["counts"]["files_read"] == 2 and report["counts"]["projects_in_graph"] == 3


def _limited_memory() -> None:  # pragma: no cover - runs in the child
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (6 * 1024**3, 6 * 1024**3))


@pytest.mark.skipif(not hasattr(os, "mkfifo") or not Path("/dev/zero").exists(), reason="no FIFOs or /dev/zero here")
def test_a_fifo_and_dev_zero_fail_their_files_and_the_build_ends(tmp_path: Path) -> None:
    """Run with a time limit and a memory ceiling: today's build hangs on the FIFO, and reads /dev/zero
    until memory runs out."""
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    exe = Path(sys.executable).parent / "esrgraph"
    done = subprocess.run([str(exe), "build", str(fifo), "/dev/zero", str(SAMPLES / "S21093.txt"), "-o", "out", "-q"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=180, preexec_fn=_limited_memory)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "FILE FAILED pipe.txt: is not a regular file but a named pipe (FIFO)" in done.stdout
    assert "FILE FAILED zero: is not a regular file but a character device" in done.stdout
    report = json.loads((tmp_path / "out" / "validation-report.json").read_text(encoding="utf-8"))
    assert report["counts"]["projects_in_graph"] == 1 and report["counts"]["files_failed"] == 2
    # the failed files are named in the quarantine, and not copied into it
    assert sorted(p.name for p in (tmp_path / "out" / "quarantine").rglob("*") if p.is_file()) == ["reasons.csv"]


def test_records_inside_out_are_refused_since_the_build_replaces_out(tmp_path: Path, capsys) -> None:
    # The quarantine's own folder as input, written back into the same OUT: the build would delete its input.
    out = tmp_path / "out"
    shutil.copytree(REPO / "data" / "samples", tmp_path / "in")
    (tmp_path / "in" / "broken.txt").write_text("Hankekoodi: \n", encoding="utf-8")
    assert call(capsys, "build", tmp_path / "in", "-o", out, "-q")[0] == 2
    records = out / "quarantine" / "records"
    assert records.is_dir()
    before = snapshot(out)
    code, _, err = call(capsys, "build", records, "-o", out)
    assert code == 2 and str(records) in err and "inside the output folder" in err and "Traceback" not in err
    assert snapshot(out) == before
    fixed = tmp_path / "fixed"
    shutil.copytree(records, fixed)  # what the message says to do
    assert call(capsys, "build", fixed, "-o", tmp_path / "out2", "-q")[0] == 2  # still broken, but read
