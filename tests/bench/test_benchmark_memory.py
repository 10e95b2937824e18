"""The benchmark's memory sampler adds up a process tree, children started mid-step included."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from repo_paths import REPO

ROOT = REPO

pytestmark = pytest.mark.skipif(not Path("/proc/self/statm").is_file(), reason="needs Linux /proc")

# Run in a process of its own: this test process may have children of other tests, coming and going.
_SCRIPT = """
import json, subprocess, sys
from benchmarks import run
with run.TreeMemorySampler(interval=0.02) as alone:
    subprocess.run([sys.executable, "-c", "import time; time.sleep(0.3)"], check=True)
with run.TreeMemorySampler(interval=0.02) as with_child:
    subprocess.run([sys.executable, "-c", "x = bytearray(200 * 2**20); x[::4096] = b'1' * len(x[::4096]);"
                    " import time; time.sleep(0.5)"], check=True)
print(json.dumps([alone.peak_mb, with_child.peak_mb]))
"""


def test_the_sampled_peak_counts_a_child_once() -> None:
    done = subprocess.run([sys.executable, "-c", _SCRIPT], cwd=ROOT, capture_output=True, text=True,
                          check=True, timeout=60)
    alone, with_child = json.loads(done.stdout)
    assert 180 < with_child - alone < 260  # the child's 200 MB, counted once
