"""The sample build's quality report in headless Chromium: a screenshot for the README.

Saves docs/img/quality-report.png (committed; the README links it) and checks, through
``--dump-dom``, that the page a browser renders shows the headline numbers. Skipped when
Chromium is missing (Debian: ``apt-get install chromium``).
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from repo_paths import REPO

SCREENSHOT = REPO / "docs" / "img" / "quality-report.png"
WIDTH, HEIGHT = 1280, 2000

pytestmark = pytest.mark.browser


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium"
    pytest.skip("headless Chromium not found: install it (Debian: apt-get install chromium) to run browser tests")


def _run_chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [
        _chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
        f"--user-data-dir={tmp_path / 'profile'}", f"--window-size={WIDTH},{HEIGHT}", *args,
    ]
    env = {**os.environ, "HOME": str(tmp_path)}
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env=env, check=False)


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_sample_report_screenshot(sample_out: Path, tmp_path: Path) -> None:
    page = (sample_out / "quality-report.html").resolve()
    shot = tmp_path / "quality-report.png"
    done = _run_chromium(tmp_path, f"--screenshot={shot}", page.as_uri())
    assert shot.is_file(), f"chromium wrote no screenshot:\n{done.stderr[-2000:]}"
    assert _png_size(shot) == (WIDTH, HEIGHT)
    assert shot.stat().st_size > 20_000  # a rendered page, not a blank one
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot, SCREENSHOT)
    assert _png_size(SCREENSHOT) == (WIDTH, HEIGHT)


def test_sample_report_dom_shows_the_headline(sample_out: Path, sample_build, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = (sample_out / "quality-report.html").resolve()
    done = _run_chromium(tmp_path, "--dump-dom", page.as_uri())
    dom = done.stdout
    assert "<h1>" in dom, done.stderr[-2000:]
    cards = dict(re.findall(r'data-metric="([\w-]+)"><dt>[^<]*</dt><dd>([^<]*)</dd>', dom))
    assert cards["records-read"] == str(sample_build.records_found)
    assert cards["records-built"] == str(sample_build.records_built)
    assert cards["projects-in-graph"] == str(len(sample_build.projects))
    assert cards["violations"] == "0"
    assert "Conforms: no violations" in dom
