"""How many worker processes a build uses: one policy for the parse pool and the sharded build.

Threads per validating process are the validator's own policy (``validation.fast`` ``check_threads``).
"""

from __future__ import annotations

import os

#: Processes when ``BuildOptions.workers`` is not set, at most one a core (records come back pickled, so
#: more processes give less than their count; docs/decisions/20261123-fast-validation.md).
DEFAULT_PROCESSES = 2


def process_count(workers: int | None, *, few: bool = False) -> int:
    """Worker processes to start: ``workers`` when set (at least one); else one when the work is
    ``few`` (processes would cost more to start than they save), else ``DEFAULT_PROCESSES`` or the
    core count if smaller."""
    if workers is not None:
        return max(1, workers)
    if few:
        return 1
    return max(1, min(DEFAULT_PROCESSES, os.cpu_count() or 1))
