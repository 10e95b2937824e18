"""Which files a build reads and what it calls them (issue 21, the careless user).

Display names are unique (two inputs with one basename are told apart by their folders), a folder
walk leaves out the build's output folder, and only regular files up to a size limit are read: a
FIFO would block, ``/dev/zero`` never ends.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from esrgraph.core.errors import InputError, UsageError
from esrgraph.io import sources
from esrgraph.io.sources import iter_input_files, read_source
from esrgraph.parsers.inputs import parse_paths
from repo_paths import REPO

SAMPLES = REPO / "data" / "samples"


def _touch(path: Path, text: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_two_files_with_one_basename_get_names_that_tell_them_apart(tmp_path: Path) -> None:
    a, b = _touch(tmp_path / "a" / "list.csv"), _touch(tmp_path / "b" / "list.csv")
    assert list(iter_input_files([a, b])) == [(a, "a/list.csv"), (b, "b/list.csv")]


def test_two_folders_with_one_name_get_names_that_tell_them_apart(tmp_path: Path) -> None:
    x, y = _touch(tmp_path / "x" / "in" / "S1.txt"), _touch(tmp_path / "y" / "in" / "S1.txt")
    only_x = _touch(tmp_path / "x" / "in" / "S2.txt")
    found = list(iter_input_files([tmp_path / "x" / "in", tmp_path / "y" / "in"]))
    # only the clashing names take a folder more; S2.txt keeps today's name
    assert found == [(x, "x/in/S1.txt"), (only_x, "in/S2.txt"), (y, "y/in/S1.txt")]


def test_names_grow_until_they_differ_and_a_longer_name_may_clash_anew(tmp_path: Path) -> None:
    deep_a = _touch(tmp_path / "p" / "a" / "x" / "list.csv")
    deep_b = _touch(tmp_path / "p" / "b" / "x" / "list.csv")
    walked = _touch(tmp_path / "q" / "x" / "list.csv")
    found = dict((shown, path) for path, shown in iter_input_files([deep_a, deep_b, tmp_path / "q" / "x"]))
    assert found == {"a/x/list.csv": deep_a, "b/x/list.csv": deep_b, "q/x/list.csv": walked}


def test_without_a_clash_the_names_are_as_before(tmp_path: Path) -> None:
    found = list(iter_input_files([SAMPLES, _touch(tmp_path / "one.txt")]))
    assert [shown for _, shown in found] == [f"samples/{p.name}" for p in sorted(SAMPLES.glob("*.txt"))] + ["one.txt"]


def test_a_file_named_twice_is_listed_once(tmp_path: Path) -> None:
    one = _touch(tmp_path / "in" / "S1.txt")
    found = list(iter_input_files([one, tmp_path / "in", tmp_path / ".." / tmp_path.name / "in" / "S1.txt"]))
    assert found == [(one, "S1.txt")]


def test_a_folder_walk_skips_the_excluded_folder_however_it_is_named(tmp_path: Path) -> None:
    _touch(tmp_path / "in" / "S1.txt")
    _touch(tmp_path / "in" / "out" / "validation-github.txt")
    _touch(tmp_path / "in" / "out" / "quarantine" / "records" / "in" / "S1.txt")
    _touch(tmp_path / "in" / "outside" / "S2.txt")
    (tmp_path / "link-to-out").symlink_to(tmp_path / "in" / "out", target_is_directory=True)
    everything = [shown for _, shown in iter_input_files([tmp_path / "in"])]
    assert "in/out/validation-github.txt" in everything  # not excluded: read, as before
    for named in (tmp_path / "in" / "out", tmp_path / "link-to-out", "in/../in/out"):
        found = [shown for _, shown in iter_input_files([tmp_path / "in"],
                                                         exclude=[named if isinstance(named, Path) else tmp_path / named])]
        assert found == ["in/S1.txt", "in/outside/S2.txt"], named
    # an excluded folder that does not exist yet excludes nothing
    assert len(list(iter_input_files([tmp_path / "in"], exclude=[tmp_path / "not-yet"]))) == len(everything)


def test_parse_paths_passes_the_exclusion_on(tmp_path: Path) -> None:
    shutil.copy(SAMPLES / "S21093.txt", tmp_path / "S21093.txt")
    shutil.copytree(SAMPLES, tmp_path / "out")
    assert parse_paths([tmp_path], exclude=[tmp_path / "out"]).files_read == 1


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this system")
def test_a_fifo_is_refused_without_being_opened(tmp_path: Path) -> None:
    """In a child process with a time limit: today's code waits for a writer for ever."""
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    script = ("import sys\nfrom esrgraph.parsers.inputs import parse_paths\n"
              "batch = parse_paths([sys.argv[1], sys.argv[2]])\n"
              "print(batch.files_read, len(batch.records), [str(f.error) for f in batch.failed_files])\n")
    done = subprocess.run([sys.executable, "-c", script, str(fifo), str(SAMPLES / "S21093.txt")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("2 1 ")  # the batch goes on
    assert "pipe.txt: is not a regular file but a named pipe (FIFO)" in done.stdout


def _limited_memory() -> None:  # pragma: no cover - runs in the child
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (4 * 1024**3, 4 * 1024**3))


@pytest.mark.skipif(not Path("/dev/zero").exists() or sys.platform == "win32", reason="no /dev/zero here")
def test_dev_zero_is_refused_not_read_until_memory_runs_out() -> None:
    """In a child process with 4 GiB of address space and a time limit: today's code reads until it dies."""
    script = ("from esrgraph.io.sources import read_source\nfrom esrgraph.core.errors import InputError\n"
              "try:\n    read_source('/dev/zero')\nexcept InputError as exc:\n    print(exc)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                          preexec_fn=_limited_memory)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("/dev/zero: is not a regular file but a character device"), done.stdout


def test_a_file_over_the_size_limit_is_refused_and_the_limit_can_be_set(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 5000)
    monkeypatch.delenv("ESRGRAPH_MAX_INPUT_BYTES", raising=False)
    assert sources.max_input_bytes() == sources.MAX_INPUT_BYTES == 512 * 1024 * 1024
    monkeypatch.setenv("ESRGRAPH_MAX_INPUT_BYTES", "4K")
    with pytest.raises(InputError, match=r"big\.txt: is 5,000 bytes, more than esrgraph reads from one file "
                                         r"\(4,096 bytes\).*ESRGRAPH_MAX_INPUT_BYTES="):
        read_source(big)
    monkeypatch.setenv("ESRGRAPH_MAX_INPUT_BYTES", "5000")
    assert sources.read_input_bytes(big) == b"x" * 5000
    for value, limit in (("1m", 1024**2), ("2 GiB", 2 * 1024**3), ("10kb", 10 * 1024)):
        monkeypatch.setenv("ESRGRAPH_MAX_INPUT_BYTES", value)
        assert sources.max_input_bytes() == limit
    for bad in ("lots", "-1", "0", "1.5G"):
        monkeypatch.setenv("ESRGRAPH_MAX_INPUT_BYTES", bad)
        with pytest.raises(UsageError, match="ESRGRAPH_MAX_INPUT_BYTES"):
            sources.max_input_bytes()


def test_the_size_limit_fails_the_file_and_the_batch_goes_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    small = SAMPLES / "S21093.txt"
    (tmp_path / "big.txt").write_bytes(small.read_bytes() * 3)
    monkeypatch.setenv("ESRGRAPH_MAX_INPUT_BYTES", str(small.stat().st_size))
    batch = parse_paths([small, tmp_path / "big.txt"])
    assert batch.files_read == 2 and len(batch.records) == 1
    assert [f.path for f in batch.failed_files] == ["big.txt"]
    assert "more than esrgraph reads from one file" in batch.failed_files[0].error.message


def test_a_missing_file_and_a_folder_are_still_said_so_as_before(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="nothing.txt: no such file"):
        read_source(tmp_path / "nothing.txt")
    with pytest.raises(InputError, match="is a folder"):
        read_source(tmp_path)
