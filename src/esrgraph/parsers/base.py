"""What every layout parser provides, and what it hands back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Protocol

from esrgraph.core.errors import ParseError
from esrgraph.core.model import ProjectRecord
from esrgraph.io.sources import SourceText

__all__ = ["ParseOutcome", "Parser", "SourceText"]


@dataclass(slots=True)
class ParseOutcome:
    """Records read from one file, and the records that had to be set aside with a reason."""

    records: list[ProjectRecord] = field(default_factory=list)
    quarantined: list[ParseError] = field(default_factory=list)
    #: Input units seen (records or CSV rows): records + quarantined == units, always.
    units: int = 0


class Parser(Protocol):
    """A layout parser. ``sniff`` must be cheap; ``parse`` never raises anything but ParseError."""

    layout: ClassVar[str]

    def sniff(self, text: str) -> bool:
        """True when ``text`` looks like this layout."""
        ...

    def parse(self, source: SourceText) -> ParseOutcome:
        """All records of the file; a record that cannot be read goes to ``quarantined``."""
        ...
