"""Findings: everything a build has to tell about the data, from any stage, in one shape."""

from __future__ import annotations

import enum
from dataclasses import dataclass

#: Findings ``esrgraph build`` prints before it only counts the rest by rule (all are in the reports).
MAX_FINDINGS_SHOWN = 100


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
        where = ""
        if self.path:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        parts = [f"{self.severity.value.upper()} {self.rule}", f"record {self.record or '?'}"]
        if self.field:
            parts.append(f"field {self.field}")
        if self.value is not None:
            shown = self.value if len(self.value) <= 80 else self.value[:77] + "..."
            parts.append(f"value {shown!r}")
        return where + ": ".join(parts) + f": {self.message}"
