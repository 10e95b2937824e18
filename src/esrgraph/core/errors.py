"""One error hierarchy for everything esrgraph raises on purpose.

Each error carries where it happened (file, line, record, field) so the CLI can print a
message that names the place and the fix, and map it to a documented exit code.
"""

from __future__ import annotations


class EsrgraphError(Exception):
    """Base of every error esrgraph raises deliberately."""

    exit_code = 2


class InputError(EsrgraphError):
    """A file cannot be read: missing, unreadable, wrong encoding, unknown layout."""

    def __init__(self, path: str, message: str, hint: str | None = None) -> None:
        self.path = path
        self.message = message
        self.hint = hint
        text = f"{path}: {message}"
        if hint:
            text += f" ({hint})"
        super().__init__(text)


class ParseError(EsrgraphError):
    """A record cannot be parsed at all; it is quarantined with this reason."""

    def __init__(
        self,
        path: str,
        message: str,
        *,
        line: int | None = None,
        field: str | None = None,
        record: str | None = None,
    ) -> None:
        self.path = path
        self.line = line
        self.field = field
        self.record = record
        self.message = message
        where = f"{path}:{line}" if line else path
        parts = [where]
        if record:
            parts.append(f"record {record}")
        if field:
            parts.append(f"field {field}")
        super().__init__(": ".join(parts) + f": {message}")


class ShapeLoadError(EsrgraphError):
    """The SHACL shapes (ours or the user's) cannot be loaded."""


class QueryError(EsrgraphError):
    """A SPARQL query is malformed, unknown, or failed on the store."""


class UsageError(EsrgraphError):
    """The command line asks for something that cannot be done."""
