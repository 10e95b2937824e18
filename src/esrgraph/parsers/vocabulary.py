"""What the list readers know of the portals' words: status words, funds, code shapes, authorities.

Read from the code lists in ``data/codelists/`` (statuses.csv, funds.csv, code-shapes.csv,
authorities.csv), so that a period's vocabulary is data, not code. The readers use it as *anchors*:
a cell that is a known status word or fund, or a code of a known shape, tells where a messy row's
columns lie. It is never a gate: a value the lists do not know is kept as written, and the mapping
stage reports it against the lists.

Until ``code-shapes.csv`` exists the code shapes fall back to :data:`BUILTIN_CODE_SHAPES`
(``Vocabulary.code_shapes_builtin`` says so).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from esrgraph.core.resources import resource_dir

#: Code shapes used when data/codelists/code-shapes.csv is absent: ESR (S + 5 digits, 2007-2020)
#: and EAKR (A + 5 to 9 digits: A70301 in 2014-2020, A543697 and A616110435 in 2007-2013).
BUILTIN_CODE_SHAPES: tuple[str, ...] = (r"S\d{5}", r"A\d{5,9}")


def authority_key(name: str) -> str:
    """An authority's name compared without commas, case or runs of spaces (how the lists mangle it)."""
    return " ".join(name.replace(",", " ").split()).casefold()


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The known words, read once per process (:func:`vocabulary`)."""

    #: Status words as written (name_fi and alt_names_fi of statuses.csv).
    statuses: frozenset[str]
    #: Fund names, upper-cased (notation and alt_names of funds.csv, without their ``@lang`` tags).
    funds: frozenset[str]
    #: Regular expressions a whole project code matches.
    code_shapes: tuple[re.Pattern[str], ...]
    #: True when code-shapes.csv was absent and the built-in shapes are used.
    code_shapes_builtin: bool
    #: authority_key(name) -> the name's spelling in authorities.csv (name_fi and short_names_fi).
    authorities: dict[str, str]
    #: Last words (casefolded) of the parts before a comma in known authority names (``elinkeino-``):
    #: where an unquoted comma splits an authority.
    split_ends: frozenset[str]

    def authority_ending(self, key: str) -> str | None:
        """The known authority of several words that ``key`` (an authority_key) ends with after other words."""
        at = key.find(" ")
        while at >= 0:
            name = self.authorities.get(key[at + 1:])
            if name is not None and " " in key[at + 1:]:
                return name
            at = key.find(" ", at + 1)
        return None

    def is_status(self, cell: str) -> bool:
        return cell.strip() in self.statuses

    def is_fund(self, cell: str) -> bool:
        return cell.strip().upper() in self.funds

    def is_code(self, cell: str) -> bool:
        text = cell.strip()
        return any(p.fullmatch(text) for p in self.code_shapes)


def _split_ends(names: Iterable[str]) -> frozenset[str]:
    ends = set()
    for name in names:
        for part in name.split(",")[:-1]:
            if part.split():
                ends.add(part.split()[-1].casefold())
    return frozenset(ends)


def _rows(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        return [{k: (v or "") for k, v in row.items() if k} for row in csv.DictReader(handle)]


def _split(cell: str) -> list[str]:
    """A ``|``-separated list cell; a trailing ``@lang`` tag is dropped."""
    return [re.sub(r"@[a-z]{2,3}$", "", part).strip() for part in cell.split("|") if part.strip()]


@cache
def _compiled(pattern: str) -> re.Pattern[str] | None:
    """A code shape's expression; one that does not compile is left out (the code-list checks report it)."""
    try:
        return re.compile(pattern)
    except re.error:
        return None


def load_vocabulary(folder: Path) -> Vocabulary:
    """The vocabulary of the code lists in ``folder`` (missing files give empty sets)."""
    statuses = {v for row in _rows(folder / "statuses.csv") for v in [row.get("name_fi", "").strip(),
                                                                    *_split(row.get("alt_names_fi", ""))] if v}
    funds = {v.upper() for row in _rows(folder / "funds.csv")
             for v in [row.get("notation", "").strip(), *_split(row.get("alt_names", ""))] if v}
    shapes_file = folder / "code-shapes.csv"
    patterns = [row["pattern"].strip() for row in _rows(shapes_file) if row.get("pattern", "").strip()]
    builtin = not shapes_file.is_file() or not patterns
    if builtin:
        patterns = list(BUILTIN_CODE_SHAPES)
    authorities: dict[str, str] = {}
    for row in _rows(folder / "authorities.csv"):
        for name in [row.get("name_fi", "").strip(), *_split(row.get("short_names_fi", ""))]:
            if name:
                authorities.setdefault(authority_key(name), name)
    return Vocabulary(
        statuses=frozenset(statuses),
        funds=frozenset(funds),
        code_shapes=tuple(c for c in map(_compiled, dict.fromkeys(patterns)) if c is not None),
        code_shapes_builtin=builtin,
        authorities=authorities,
        split_ends=_split_ends(authorities.values()),
    )


@cache
def vocabulary() -> Vocabulary:
    """The packaged code lists' vocabulary, loaded once per process."""
    return load_vocabulary(resource_dir("data") / "codelists")
