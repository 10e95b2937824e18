"""Starting and stopping real servers on 127.0.0.1 for the tests (esrgraph serve, oxigraph)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def executable(name: str) -> Path:
    """A console script installed beside this Python (esrgraph, oxigraph)."""
    exe = Path(sys.executable).parent / name
    assert exe.exists(), f"{exe} is missing (pip install -e '.[test]' installs it)"
    return exe


def answers(url: str) -> bool:
    """True when ``url`` answers 200 within two seconds."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@contextmanager
def running(args: list[str], ready_url: str, log: Path, within: float = 90) -> Iterator[subprocess.Popen[bytes]]:
    """Start ``args``, wait (bounded) until ``ready_url`` answers, and always stop the process."""
    with log.open("wb") as out:
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + within
        while not answers(ready_url):
            if process.poll() is not None:
                pytest.fail(f"{Path(args[0]).name} exited: {log.read_text(errors='replace')}")
            if time.monotonic() > deadline:
                pytest.fail(f"{Path(args[0]).name} did not answer within {within:g} s: {log.read_text(errors='replace')}")
            time.sleep(0.2)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
