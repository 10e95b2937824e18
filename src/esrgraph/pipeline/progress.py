"""Progress of long runs on a terminal: records done, rate and time left.

Shown only when stderr is a terminal and the ``CI`` environment variable is not set, so
CI logs and pipes stay quiet. Updates are throttled to a few per second.
"""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO


def wanted(stream: TextIO | None = None) -> bool:
    """True when progress should be shown: a terminal, and not in CI."""
    stream = stream or sys.stderr
    if os.environ.get("CI"):
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Progress:
    """A one-line counter: ``label: done/total unit (rate/s, ~time left)``.

    >>> p = Progress(10, "parse", enabled=False)
    >>> p.update(4); p.done
    4
    >>> p.close()
    """

    def __init__(self, total: int, label: str, unit: str = "records", *, enabled: bool | None = None,
                 stream: TextIO | None = None, every: float = 0.25) -> None:
        self.total = total
        self.label = label
        self.unit = unit
        self.stream = stream or sys.stderr
        self.enabled = wanted(self.stream) if enabled is None else enabled
        self.every = every
        self.done = 0
        self.start = time.monotonic()
        self._last = 0.0
        self._shown = False

    def update(self, n: int = 1) -> None:
        self.done += n
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < self.every and self.done < self.total:
            return
        self._last = now
        self.stream.write("\r" + self.line(now) + "\x1b[K")
        self.stream.flush()
        self._shown = True

    def line(self, now: float | None = None) -> str:
        elapsed = max((now or time.monotonic()) - self.start, 1e-9)
        rate = self.done / elapsed
        left = (self.total - self.done) / rate if rate > 0 else 0.0
        return f"{self.label}: {self.done}/{self.total} {self.unit} ({rate:,.0f}/s, ~{left:,.0f} s left)"

    def close(self) -> None:
        if self.enabled and self._shown:
            self.stream.write("\r" + self.line() + "\x1b[K\n")
            self.stream.flush()
