"""The work folder of a sharded build, in the temporary folder (``TMPDIR``), and the clean-up of those
that killed builds left behind.

Why: a build killed with SIGKILL (or by the out-of-memory killer, or a power cut) runs no clean-up, and
its work folder (records, blocks, graph files: as large as the input several times over) stayed for good.
The folder's name says whose it is, ``esrgraph-shards-<pid>-<random>``, so the next sharded build
removes the folders whose process has ended.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
import time
from pathlib import Path

from esrgraph.pipeline.workers import process_alive

PREFIX = "esrgraph-shards-"
#: A folder younger than this is never removed: its build may have just started (or its pid be
#: reused already), and a minute is no cost to the disk.
STALE_AFTER_SECONDS = 60.0
_NAME = re.compile(rf"{re.escape(PREFIX)}(\d+)-[a-z0-9_]+")


def work_folder() -> tempfile.TemporaryDirectory[str]:
    """A new work folder named for this process, after removing those of ended builds."""
    remove_stale_work_folders()
    return tempfile.TemporaryDirectory(prefix=f"{PREFIX}{os.getpid()}-")


def remove_stale_work_folders(temp_dir: str | os.PathLike[str] | None = None) -> list[Path]:
    """Remove the work folders in ``temp_dir`` (the temporary folder when None) whose build has ended:
    named ``PREFIX<pid>-…``, owned by this user, a folder (not a link), unchanged for
    ``STALE_AFTER_SECONDS``, and no process ``pid`` alive. Return the folders removed.

    A build in another pid namespace (another container) sharing the folder is not seen: give such
    builds a TMPDIR each.
    """
    if os.name != "posix":  # os.kill(pid, 0) would end the process on Windows
        return []
    root = Path(temp_dir) if temp_dir is not None else Path(tempfile.gettempdir())
    try:
        entries = list(os.scandir(root))
    except OSError:
        return []
    now, me, uid = time.time(), os.getpid(), os.getuid()
    removed = []
    for entry in entries:
        match = _NAME.fullmatch(entry.name)
        if match is None:
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        pid = int(match.group(1))
        if (not stat.S_ISDIR(info.st_mode) or info.st_uid != uid or now - info.st_mtime < STALE_AFTER_SECONDS
                or pid == me or process_alive(pid)):
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        removed.append(Path(entry.path))
    return removed

