"""The benchmark's whole-command pieces: the table of every file written, the comparison of two build folders,
the targets, and that its command writes what ``esrgraph build`` writes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from benchmarks import generate, run

from repo_paths import REPO


def _write(path: Path, size: int, byte: bytes = b"x") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(byte * size)


def _folder(root: Path) -> Path:
    _write(root / "esrgraph.nt", 1000)
    _write(root / "fix-list.csv", 2500)  # above 2x the N-Triples
    _write(root / "release" / "esrgraph.nt.gz", 100)
    _write(root / ".store" / "db" / "000001.sst", 3000)
    _write(root / ".store" / "CURRENT", 16)
    _write(root / ".cache" / "parts" / "a", 5000)
    return root


def test_output_files_lists_every_file_and_the_private_folders_as_totals(tmp_path: Path) -> None:
    rows = run.output_files(_folder(tmp_path))
    assert rows == [("esrgraph.nt", 1000, False), ("fix-list.csv", 2500, False), ("release/esrgraph.nt.gz", 100, False),
                    (".cache/", 5000, True), (".store/", 3016, True)]


def test_size_table_gives_ratios_and_flags_only_files_above_twice_the_ntriples(tmp_path: Path) -> None:
    rows = run.output_files(_folder(tmp_path))
    table = run.size_table(rows, 1000)
    assert table[0].startswith("| file | bytes | MB | x N-Triples")
    assert len(table) == 2 + len(rows)
    line = {row.split(" | ")[0].strip("| "): row for row in table[2:]}
    assert line["esrgraph.nt"] == "| esrgraph.nt | 1,000 | 0.0 | 1.00 |  |"
    assert "2.50" in line["fix-list.csv"] and "above 2x the N-Triples" in line["fix-list.csv"]
    assert "above" not in line["release/esrgraph.nt.gz"]
    assert "5.00" in line[".cache/"] and "above" not in line[".cache/"]  # a folder total: shown, not flagged
    assert run.oversized(rows, 1000) == ["fix-list.csv"]
    assert run.oversized(rows, 1250) == []  # exactly 2x is within the target


def test_differing_files_compares_every_byte_but_the_private_folders(tmp_path: Path) -> None:
    a, b = _folder(tmp_path / "a"), _folder(tmp_path / "b")
    _write(b / ".store" / "db" / "000001.sst", 10, b"y")  # the store's files may differ between equal builds
    assert run.differing_files(a, b) == (3, [])
    _write(b / "release" / "esrgraph.nt.gz", 100, b"y")  # same size, other bytes
    _write(b / "name-groups.csv", 1)  # a file only one build wrote
    assert run.differing_files(a, b) == (4, ["name-groups.csv", "release/esrgraph.nt.gz"])


def test_fix_list_rows_counts_records_not_lines(tmp_path: Path) -> None:
    (tmp_path / "fix-list.csv").write_text('rule,problem\nA,"two\nlines"\nB,one\n', encoding="utf-8")
    assert run.fix_list_rows(tmp_path) == 2
    assert run.fix_list_rows(tmp_path / "nothing") == 0


def test_counting_a_fix_list_with_a_huge_cell_leaves_the_csv_limit_as_it_was(tmp_path: Path) -> None:
    """The csv module's cell limit is process-wide, and the parsers quarantine a row whose cell passes it."""
    import csv

    (tmp_path / "fix-list.csv").write_text("rule,problem\nA," + "x" * 200_000 + "\n", encoding="utf-8")
    before = csv.field_size_limit()
    assert run.fix_list_rows(tmp_path) == 1
    assert csv.field_size_limit() == before


def _run(corpus: str, size: int, seconds: float, peak_mb: float) -> run.CommandRun:
    return run.CommandRun(corpus, size, seconds, peak_mb, False, {"records": size})


def test_target_rows_say_met_or_not_met_next_to_each_figure() -> None:
    runs = [_run("standard", 30_000, 55.0, 3000.0), _run("standard", 100_000, 250.0, 3900.0),
            _run("findings-heavy", 30_000, 75.0, 5000.0)]
    rebuilds = [run.Rebuild("standard", 30_000, "name", 5.0, 900.0, 60.0, 31, [], "map 99 of 100"),
                run.Rebuild("findings-heavy", 30_000, "amount", 5.0, 900.0, 40.0, 31, ["fix-list.csv"], "none")]
    rows = run.target_rows(runs, rebuilds, ["standard", "findings-heavy"],
                           {("findings-heavy", 30_000): ["fix-list.csv"]})
    text = "\n".join(rows)
    assert "| 30,000 descriptions, whole command <= 60 s | standard | 55.0 s | **met** |" in rows
    assert "| 30,000 descriptions, peak <= 4 GiB over all processes | standard | 3,000 MB | **met** |" in rows
    assert "| 100,000 descriptions <= 4x the 30,000 time | standard | 250.0 s = 4.55x | **not met** |" in rows
    assert "| 100,000 descriptions, peak <= 4 GiB over all processes | standard | 3,900 MB | **met** |" in rows
    assert "| 30,000 descriptions, whole command <= 60 s | findings-heavy | 75.0 s | **not met** |" in rows
    assert "| 30,000 descriptions, peak <= 4 GiB over all processes | findings-heavy | 5,000 MB | **not met** |" in rows
    assert "| rebuild after one change (name) <= 10 % of the full command, same bytes (30,000) | standard | 5.0 s = 8.3 %, " \
        "same bytes | **met** |" in rows
    assert "| rebuild after one change (amount) <=" in text
    assert "findings-heavy | 5.0 s = 12.5 %, 1 files differ | **not met** |" in text
    assert "| no output file above 2x the N-Triples (30,000) | findings-heavy | fix-list.csv | **not met** |" in rows
    assert "| findings-heavy | not measured (add 100000 to --sizes) | |" in text


def test_the_benchmark_command_writes_what_esrgraph_build_writes(tmp_path: Path) -> None:
    """The benchmark times the library calls the CLI makes; a step the CLI gains and the benchmark lacks fails here."""
    inputs = tmp_path / "in"
    generate.write_corpus(inputs, 6, seed=4, corpus="findings-heavy")
    env = {**os.environ, "CI": "1"}
    cli = subprocess.run([str(Path(sys.executable).parent / "esrgraph"), "build", str(inputs), "-o", str(tmp_path / "cli")],
                         capture_output=True, text=True, env=env, timeout=300)
    bench = subprocess.run([sys.executable, "-m", "benchmarks.run", "--child", "command", str(inputs),
                            str(tmp_path / "bench"), ""], capture_output=True, text=True, env=env, cwd=REPO,
                           check=True, timeout=300)
    *summary, last = bench.stdout.splitlines()
    measured = json.loads(last)
    assert measured["exit_code"] == cli.returncode
    assert measured["records"] == 6
    compared, differ = run.differing_files(tmp_path / "cli", tmp_path / "bench")
    assert compared > 20 and differ == []
    assert "\n".join(summary).replace(str(tmp_path / "bench"), "OUT") == cli.stdout.rstrip("\n").replace(
        str(tmp_path / "cli"), "OUT")


def test_the_sampler_sums_the_tree_of_another_process() -> None:
    """The whole command's peak is sampled from the benchmark's process, rooted at the command's: this one's own
    memory is not in it, the command's child is."""
    script = ("import subprocess, sys, time; subprocess.run([sys.executable, '-c', "
              "\"x = bytearray(200 * 2**20); x[::4096] = b'1' * len(x[::4096]); import time; time.sleep(0.6)\"]); "
              "time.sleep(0.1)")
    ballast = bytearray(300 * 2**20)  # in this process: must not be counted
    ballast[::4096] = b"1" * len(ballast[::4096])
    process = subprocess.Popen([sys.executable, "-c", script])
    with run.TreeMemorySampler(interval=0.02, root=process.pid) as sampler:
        assert process.wait(timeout=60) == 0
    del ballast
    assert 200 < sampler.peak_mb < 300  # the child's 200 MB and two interpreters, not this process's 300 MB


def test_split_costs_shares_the_worker_steps_among_the_workers() -> None:
    sharded = run.CommandRun("standard", 1000, 30.0, 500.0, False, {
        "records": 1000, "details": {"worker: map": 20.0, "worker: checks": 10.0, "validate: merge organisations (main)": 2.0}})
    w, s = run.split_costs(sharded, 2) or (0.0, 0.0)
    assert (round(w, 6), round(s, 6)) == (30.0, 15.0)  # 30 s of worker steps; 30 - 30 / 2 s for the rest
    assert run.split_costs(run.CommandRun("standard", 10, 3.0, 100.0, False, {"records": 10, "details": {}}), 2) is None


def test_command_note_says_where_the_time_went() -> None:
    report = {"records": 1000, "build": 12.0, "outputs": 15.0,
              "stages": {"parse": 4.0, "map": 3.0, "validate": 4.5, "write": 0.5},
              "details": {"worker: map": 20.0, "worker: checks": 10.0}}
    note = run.command_note(run.CommandRun("findings-heavy", 1000, 30.0, 500.0, True, report), 2)
    assert note.startswith("- findings-heavy, 1,000: build stage 12.0 s (parse 4.0, map 3.0, validate 4.5, merge 0.5), "
                           "outputs 15.0 s, start-up and the rest 3.0 s; steps (seconds, worker steps summed over the "
                           "workers): worker: map 20.0, worker: checks 10.0;")
    assert note.endswith("w (the worker steps) 30.00 ms and s (the rest, with the worker steps shared by 2 workers) "
                         "15.00 ms.")
    small = run.CommandRun("standard", 10, 3.0, 100.0, False, {**report, "records": 10, "details": {}})
    assert "steps" not in run.command_note(small, 2) and "w (" not in run.command_note(small, 2)
    assert run.command_note(small, 2, "amount").startswith("- standard, 10, after a changed amount: build stage 12.0 s")


def test_a_change_is_one_field_of_the_middle_description_and_is_put_back(tmp_path: Path) -> None:
    folder = tmp_path / "corpus"
    folder.mkdir()
    texts = {name: f"Hankkeen nimi: Hanke {name}\nMyönnetty EU- ja valtion rahoitus: {amount}\n"
             for name, amount in (("a", "9 100"), ("b", "171 909"), ("c", "5"))}
    for name, text in texts.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    with run.changed_description(folder, "name") as victim:
        assert victim.name == "b.txt" and victim.read_text(encoding="utf-8").startswith("Hankkeen nimi: Muutettu Hanke b")
        with run.changed_description(folder, "amount"):
            assert "rahoitus: 971 909" in victim.read_text(encoding="utf-8") and "Muutettu" in victim.read_text(
                encoding="utf-8")
    assert {p.stem: p.read_text(encoding="utf-8") for p in folder.iterdir()} == texts
    (folder / "b.txt").write_text("Hankkeen nimi: x\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no amount to change"), run.changed_description(folder, "amount"):
        pass


def test_written_bytes_is_dirtied_less_cancelled() -> None:
    text = ("rchar: 10\nwchar: 20\nsyscr: 1\nsyscw: 2\nread_bytes: 4096\nwrite_bytes: 81920\n"
            "cancelled_write_bytes: 8192\n")
    assert run.written_bytes(text) == 73728
    assert run.written_bytes("write_bytes: 4096\n") == 4096
    assert run.written_bytes("rchar: 1\n") is None
    assert run.written_bytes("write_bytes: many\n") is None


def test_a_finished_childs_writes_count_in_this_process(tmp_path: Path) -> None:
    """The premise of the benchmark's "MB written": Linux adds a reaped child's I/O (and its own reaped
    children's) to its parent's /proc/PID/io."""
    io_file = Path("/proc/self/io")
    if not io_file.is_file() or run.written_bytes(io_file.read_text()) is None:
        pytest.skip("this kernel keeps no task I/O accounting (/proc/self/io)")
    before = run.written_bytes(io_file.read_text())
    writer = tmp_path / "writer.py"  # the grandchild: writes 8 MB and makes them durable
    writer.write_text("import os, sys\nwith open(sys.argv[1], 'wb') as f:\n    f.write(os.urandom(8 << 20))\n"
                      "    f.flush()\n    os.fsync(f.fileno())\n", encoding="utf-8")
    parent = tmp_path / "parent.py"  # the child: starts the grandchild and reaps it
    parent.write_text("import subprocess, sys\nsubprocess.run([sys.executable, *sys.argv[1:]], check=True)\n",
                      encoding="utf-8")
    subprocess.run([sys.executable, str(parent), str(writer), str(tmp_path / "eight-mb")], check=True)
    after = run.written_bytes(io_file.read_text())
    assert before is not None and after is not None
    assert after - before >= 8 << 20


def test_mb_written_between_readings_and_its_cell() -> None:
    assert run.written_mb(1_000_000, 4_500_000) == 3.5
    assert run.written_mb(None, 4_500_000) is None and run.written_mb(1, None) is None
    assert run.mb_text(11_342.4) == "11,342" and run.mb_text(None) == "n/a"


def test_memtrace_sees_a_child_that_holds_200_mib(capsys: pytest.CaptureFixture[str]) -> None:
    """benchmarks.memtrace (the decision record's per-process figures) finds the memory of a process the command
    starts, not only of the command itself."""
    from benchmarks import memtrace

    if not Path("/proc/self/statm").is_file():
        pytest.skip("no /proc")
    holder = "import subprocess, sys; subprocess.run([sys.executable, '-c', " \
             "'import time; b = bytearray(200 << 20); time.sleep(1.5)'], check=True)"
    assert memtrace.main(["--interval", "0.05", "--every", "100", "--", sys.executable, "-c", holder]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    peak = int(last.split()[1].replace(",", ""))
    assert last.startswith("peak ") and peak >= 200


def test_profile_rebuild_shows_the_amount_rebuild_reading_the_kept_findings(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """benchmarks.profile_rebuild (the profiled figures of docs/performance.md) profiles every output thread, and an
    amount rebuild's quality thread reads the kept findings back instead of making the name groups again."""
    from benchmarks import generate, profile_rebuild

    from esrgraph.pipeline.sharded import layout

    if (os.cpu_count() or 1) < 2:
        pytest.skip("the sharded build, whose quality files are kept, needs two cores")
    monkeypatch.setattr(layout, "SHARD_MIN_FILES", 100)  # 400 files take the sharded path, as 30,000 do
    corpus, out = tmp_path / "corpus", tmp_path / "out"
    generate.write_corpus(corpus, 400, faulty_share=0.3)
    assert profile_rebuild.main([str(corpus), str(out), "--lines", "400"]) == 0
    full = capsys.readouterr().out
    assert profile_rebuild.main([str(corpus), str(out), "--change", "amount", "--lines", "400"]) == 0
    rebuilt = capsys.readouterr().out
    for text in (full, rebuilt):
        for name in (*profile_rebuild.PROFILED, "collaboration network"):
            assert f"===== {name}\n" in text
        assert "cyclic collector: generation 0 " in text
    quality = rebuilt.split("===== _quality\n")[1].split("=====")[0]
    assert "(from_json)" in quality and "(name_groups)" not in quality
    assert "(name_groups)" in full.split("===== _quality\n")[1].split("=====")[0]
    # The network's tables are written inside the release's profile; alone, they are profiled on their own.
    assert "(collaboration_files)" in full.split("===== _release\n")[1].split("=====")[0]
    # --timeline: each output step's start and end; the query store is brought in step before the answers read it.
    assert profile_rebuild.main([str(corpus), str(out), "--change", "name", "--timeline"]) == 0
    spans = {line.split(")  ", 1)[1]: (float(line.split()[0]), float(line.split()[2]))
             for line in capsys.readouterr().out.splitlines() if ")  " in line}
    assert {"query store", "named answers", "quality report", "release"} <= set(spans)
    assert all(start <= end for start, end in spans.values())
    assert spans["query store"][1] <= spans["named answers"][0] and spans["query store"][1] <= spans["quality report"][0]
    # --spans: the functions inside the steps, each with its thread; the network's tables are written on the
    # release's thread after the main thread joined the network's Turtle, and every function is put back afterwards.
    import esrgraph.outputs as outputs
    from esrgraph.publish.collaboration import CollaborationFiles
    from esrgraph.publish.network_parts import NetworkParts

    assert profile_rebuild.main([str(corpus), str(out), "--change", "amount", "--timeline", "--spans"]) == 0
    calls = {line.split(" fn ", 1)[1].split(" (", 1)[0]: (float(line.split()[0]), float(line.split()[2]))
             for line in capsys.readouterr().out.splitlines() if " fn " in line}
    assert "outputs.write_shacl_reports [MainThread]" in calls
    tables = calls["network_parts.NetworkParts.write [esrgraph-release_0]"]
    joined = calls["network_parts.NetworkParts.turtle [MainThread]"]
    assert joined[0] <= tables[0] and all(start <= end for start, end in calls.values())
    assert not hasattr(outputs.write_shacl_reports, "__wrapped__") and not hasattr(NetworkParts.write, "__wrapped__")
    assert "collaboration.CollaborationFiles.read [MainThread]" in calls  # a class method, timed and put back as one
    assert not hasattr(CollaborationFiles.__dict__["read"].__func__, "__wrapped__")
    with pytest.raises(SystemExit) as refused:  # refused before any work: no rebuild, no page cache dropped
        profile_rebuild.main([str(corpus), str(out), "--spans"])
    assert refused.value.code == 2
    assert profile_rebuild.main([str(corpus), str(out), "--change", "name", "--only", "network tables"]) == 0
    alone = capsys.readouterr().out
    assert alone.count("=====") == 1 and "===== network tables\n" in alone and "(collaboration_files)" in alone


def test_rebuilds_change_the_amount_anew_each_time_and_put_the_description_back(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """benchmarks.rebuilds (the before-and-after figures of the page-cache decision record): each rebuild builds
    an amount no earlier one had, and the corpus is as it was afterwards."""
    from benchmarks import rebuilds

    from esrgraph.pipeline.sharded import layout

    monkeypatch.setattr(layout, "SHARD_MIN_FILES", 100)
    corpus, out = tmp_path / "corpus", tmp_path / "out"
    generate.write_corpus(corpus, 200)
    victim = run._middle_description(corpus)
    original = victim.read_bytes()
    assert rebuilds.main([str(corpus), str(out), "--runs", "2"]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("rebuild ")]
    amounts = [line.split("amount ")[1].split(":")[0] for line in lines]
    assert [line[:10] for line in lines] == ["rebuild 1:", "rebuild 2:"] and len(set(amounts)) == 2
    assert all(" s, CPU user " in line and ", system " in line for line in lines)
    assert victim.read_bytes() == original
    granted = [line for line in (out / "esrgraph.nt").read_text(encoding="utf-8").splitlines()
               if "grantedEUAndStateFunding" in line]
    assert any(f'> "{amounts[-1]}"' in line for line in granted)  # the last rebuild's amount is in the graph


def test_fresh_pages_writes_what_it_says_three_times(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from benchmarks import fresh_pages

    path = tmp_path / "f"
    wall, system = fresh_pages.write_timed(path, 3, b"x" * 4096)
    assert path.stat().st_size == 3 << 20 and wall >= 0 and system >= 0
    assert fresh_pages.main(["--mb", "4", "--wait", "0", "--folder", str(tmp_path)]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert [row.split(":")[0] for row in rows] == ["4 MB into fresh pages",
                                                    "4 MB right after another file's pages were dropped",
                                                    "4 MB 0 s after another file's pages were dropped"]
    assert list(tmp_path.iterdir()) == [path]  # its scratch folder is gone
