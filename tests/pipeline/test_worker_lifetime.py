"""Worker processes end with the build that started them, and a killed build's work folder is removed
by a later build.

A build killed with SIGKILL runs no clean-up: its workers used to wait on their task queue for good,
and its work folder in TMPDIR stayed. The tests kill real processes and look at /proc (Linux).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from esrgraph.pipeline.sharded.workdir import PREFIX, STALE_AFTER_SECONDS, remove_stale_work_folders
from repo_paths import REPO

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="reads processes from /proc (Linux)")

#: How long a worker may outlive its parent (the portable fallback polls twice a second).
GRACE_SECONDS = 5.0


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, parent pid, start time) of ``pid`` from /proc, None when there is no such process."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()
    return fields[0], int(fields[1]), int(fields[19])


def _children(pid: int) -> dict[int, int]:
    """The processes whose parent is ``pid``: pid -> start time."""
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (info := _stat(int(entry))) is not None and info[1] == pid:
            found[int(entry)] = info[2]
    return found


def _alive(pid: int, started: int) -> bool:
    """Whether the process ``pid`` that started at ``started`` still runs (a zombie has ended; a new
    process with the same pid is another)."""
    info = _stat(pid)
    return info is not None and info[2] == started and info[0] != "Z"


def _wait_gone(processes: dict[int, int]) -> dict[int, int]:
    """Those of ``processes`` still alive after GRACE_SECONDS (empty when all ended sooner)."""
    deadline = time.monotonic() + GRACE_SECONDS
    while time.monotonic() < deadline:
        left = {pid: started for pid, started in processes.items() if _alive(pid, started)}
        if not left:
            return {}
        time.sleep(0.05)
    left = {pid: started for pid, started in processes.items() if _alive(pid, started)}
    for pid in left:  # leave nothing behind for the next test
        os.kill(pid, signal.SIGKILL)
    return left


def _run(script: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(script)], cwd=REPO, text=True,
                            stdout=subprocess.PIPE, env={**os.environ, **(env or {})})


def _wait_for_children(process: subprocess.Popen[str], count: int, timeout: float = 60.0) -> dict[int, int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = _children(process.pid)
        if len(found) >= count:
            return found
        assert process.poll() is None, "the process ended before its workers were seen"
        time.sleep(0.01)
    process.kill()
    pytest.fail(f"no {count} workers appeared in {timeout} s")


def test_a_killed_sharded_build_leaves_no_worker_and_a_later_build_removes_its_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from benchmarks.generate import write_corpus

    from esrgraph.pipeline.build import build
    from esrgraph.pipeline.result import BuildOptions

    inputs, temp = tmp_path / "in", tmp_path / "tmp"
    write_corpus(inputs, 300, seed=3)
    temp.mkdir()
    driver = _run(f"""
        from esrgraph.pipeline.build import build
        from esrgraph.pipeline.result import BuildOptions
        build([{str(inputs)!r}], BuildOptions(shards=2, workers=2))
        print("built", flush=True)
    """, env={"TMPDIR": str(temp)})
    workers = _wait_for_children(driver, 2)
    deadline = time.monotonic() + 60
    while not any(temp.glob("*/records/*/*.pickle")) and time.monotonic() < deadline:  # the workers at work
        time.sleep(0.01)
    assert driver.poll() is None, "the build ended before it was killed: give it more input"
    driver.send_signal(signal.SIGKILL)
    driver.wait(timeout=10)
    assert _wait_gone(workers) == {}, "workers outlived the killed build"

    left = [p.name for p in temp.iterdir()]
    assert len(left) == 1 and left[0].startswith(f"{PREFIX}{driver.pid}-"), left
    stale = temp / left[0]
    assert any(stale.glob("records/*/*.pickle"))  # the killed build's records: what a later build must remove
    # an hour passes: the folder is older than STALE_AFTER_SECONDS
    hour_ago = time.time() - 3600
    os.utime(stale, (hour_ago, hour_ago))

    monkeypatch.setattr(tempfile, "tempdir", str(temp))  # what TMPDIR sets, read once per process
    result = build([inputs], BuildOptions(shards=2, workers=2))
    assert result.graph_files is not None  # the sharded path ran
    assert not stale.exists()
    own = [p.name for p in temp.iterdir()]
    assert own == [Path(result.graph_files["ntriples"]).parents[1].name] and own[0].startswith(
        f"{PREFIX}{os.getpid()}-"), own


def test_only_our_ended_builds_old_folders_are_removed(tmp_path: Path) -> None:
    old = time.time() - 2 * STALE_AFTER_SECONDS
    ended = _ended_pid()

    def folder(name: str, *, aged: bool = True, kind: str = "dir") -> Path:
        path = tmp_path / name
        if kind == "dir":
            path.mkdir()
            (path / "records").mkdir()
        elif kind == "file":
            path.write_text("x")
        else:
            path.symlink_to(tmp_path / "target", target_is_directory=True)
        if aged:
            os.utime(path, (old, old), follow_symlinks=False)
        return path

    (tmp_path / "target").mkdir()
    gone = folder(f"{PREFIX}{ended}-abc123de")
    kept = [
        folder(f"{PREFIX}{ended}-young123", aged=False),  # may have just started
        folder(f"{PREFIX}{os.getppid()}-alive123"),  # its process runs
        folder(f"{PREFIX}{os.getpid()}-mine1234"),  # this process's own
        folder(f"{PREFIX}{ended}-file1234", kind="file"),  # not a folder
        folder(f"{PREFIX}{ended}-link1234", kind="link"),  # a link: never followed
        folder(f"esrgraph-site-{ended}-abc"),  # not a work folder of ours
        folder(f"{PREFIX}x{ended}-abc"),  # no pid
    ]
    assert remove_stale_work_folders(tmp_path) == [gone]
    assert not gone.exists()
    assert all(p.exists() or p.is_symlink() for p in kept)
    assert (tmp_path / "target").is_dir()


def _ended_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_a_pools_workers_end_with_the_process_that_made_it(method: str) -> None:
    """Every pool esrgraph makes (the parse pool, the sharded build, the release's JSON-LD writer) is
    a ``process_pool``: killed while its workers are busy, the maker leaves none behind."""
    driver = _run(f"""
        import multiprocessing, time
        from esrgraph.pipeline.workers import process_pool
        with process_pool(2, multiprocessing.get_context({method!r})) as pool:
            busy = [pool.submit(time.sleep, 120) for _ in range(4)]
            time.sleep(120)
    """)
    workers = _wait_for_children(driver, 2)
    time.sleep(1.0)  # started and at their task (a spawned worker imports first)
    workers = {pid: started for pid, started in _children(driver.pid).items()}
    driver.send_signal(signal.SIGKILL)
    driver.wait(timeout=10)
    assert _wait_gone(workers) == {}


def test_the_portable_watch_ends_a_worker_whose_parent_ended() -> None:
    """Where the kernel does not end a worker with its parent (not Linux), a thread does: here alone,
    without the Linux request."""
    driver = _run("""
        import subprocess, sys, time
        worker = subprocess.Popen([sys.executable, "-c",
            "import os, threading, time\\n"
            "from esrgraph.pipeline.workers import watch_parent\\n"
            "threading.Thread(target=watch_parent, args=(os.getppid(),), daemon=True).start()\\n"
            "print('watching', flush=True)\\n"
            "time.sleep(120)\\n"], stdout=subprocess.PIPE, text=True)
        print(worker.pid if worker.stdout.readline() == "watching\\n" else "no watch", flush=True)
        time.sleep(120)
    """)
    assert driver.stdout is not None
    line = driver.stdout.readline().strip()
    info = _stat(int(line)) if line.isdigit() else None
    time.sleep(0.5)
    driver.send_signal(signal.SIGKILL)
    driver.wait(timeout=10)
    assert info is not None, f"the worker did not start watching: {line!r}"
    assert _wait_gone({int(line): info[2]}) == {}
