"""Findings: everything a build has to tell about the data, from any stage, in one shape."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

#: Findings ``esrgraph build`` prints before it only counts the rest by rule (all are in the reports).
MAX_FINDINGS_SHOWN = 100

#: What can break or reorder a line of text on a console: C0 and C1 controls and DEL, the Unicode line and
#: paragraph separators, the bidirectional embeddings, overrides and isolates, and lone surrogates (a file
#: name that is not UTF-8, as Python decodes it; a UTF-8 console cannot print one).
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def one_line(text: str) -> str:
    r"""``text`` with the characters in ``_UNPRINTABLE`` written as Python writes them in a string literal
    (``\n``, ``\x1b``, ``\u202e``), so a file name or value from the data cannot split a finding into two
    lines, forge another or hide its end. Backslashes stay as they are: Windows paths stay readable.

    >>> print(one_line("a\nb.txt: \x1b[31m"))
    a\nb.txt: \x1b[31m
    """
    return _UNPRINTABLE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED_ESCAPES:
        return _NAMED_ESCAPES[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


class Severity(enum.Enum):
    """Ordered by weight: a Violation fails the build (exit 1), the others do not."""

    VIOLATION = "Violation"
    WARNING = "Warning"
    INFO = "Info"

    @property
    def rank(self) -> int:
        return {"Violation": 0, "Warning": 1, "Info": 2}[self.value]


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing wrong (or worth knowing) about one record: rule, record, field and value."""

    severity: Severity
    rule: str
    message: str
    record: str | None = None
    field: str | None = None
    value: str | None = None
    path: str | None = None
    line: int | None = None
    focus: str | None = None
    #: "parse", "merge", "mapping" or "shacl": which stage found it.
    stage: str = "shacl"

    def sort_key(self) -> tuple[object, ...]:
        return (
            self.path or "",
            self.line or 0,
            self.record or "",
            self.severity.rank,
            self.rule,
            self.field or "",
            self.value or "",
            self.focus or "",
            self.message,
        )

    def to_json(self) -> dict[str, object]:
        return {
            "severity": self.severity.value,
            "rule": self.rule,
            "stage": self.stage,
            "record": self.record,
            "field": self.field,
            "value": self.value,
            "path": self.path,
            "line": self.line,
            "focus": self.focus,
            "message": self.message,
        }

    def __str__(self) -> str:
        """One line for a console or a log, whatever the path, record or message hold (``one_line``)."""
        where = ""
        if self.path:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        parts = [f"{self.severity.value.upper()} {self.rule}", f"record {self.record or '?'}"]
        if self.field:
            parts.append(f"field {self.field}")
        if self.value is not None:
            shown = self.value if len(self.value) <= 80 else self.value[:77] + "..."
            parts.append(f"value {shown!r}")
        return one_line(where + ": ".join(parts) + f": {self.message}")
