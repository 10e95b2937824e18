"""The benchmark's memory sampler adds up a process tree, children started mid-step included."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import run  # noqa: E402

pytestmark = pytest.mark.skipif(not Path("/proc/self/statm").is_file(), reason="needs Linux /proc")


def test_the_sampled_peak_counts_a_child_once_and_only_while_it_lives() -> None:
    with run.TreeMemorySampler(interval=0.02) as alone:
        subprocess.run([sys.executable, "-c", "import time; time.sleep(0.3)"], check=True)
    with run.TreeMemorySampler(interval=0.02) as with_child:
        subprocess.run([sys.executable, "-c", "x = bytearray(200 * 2**20); x[::4096] = b'1' * len(x[::4096]);"
                        " import time; time.sleep(0.5)"], check=True)
    assert 180 < with_child.peak_mb - alone.peak_mb < 260  # the child's 200 MB, counted once
