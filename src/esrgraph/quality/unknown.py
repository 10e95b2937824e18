"""Values the code lists do not know, grouped: one group per field and value, with the file to extend.

The readers keep a status, fund, authority, code shape ... that no code list knows as written, and the
mapping reports it once per record and value (``unresolved-code``; ``unknown-code-shape`` for a project code
of no known shape). A list of 20,000 rows with one new status word then holds 20,000 such findings: a
publisher needs one line, "status 'X', 20,000 records, extend statuses.csv". ``unknown_values`` makes those
groups; the build summary shows the first few per field, the quality report all of them (unknown-values.csv).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from esrgraph.core.findings import Finding
from esrgraph.quality.spreadsheet import spreadsheet_csv

#: Rules whose findings name a value missing from a code list.
UNKNOWN_VALUE_RULES = frozenset({"unresolved-code", "unknown-code-shape"})

#: The quality report's file of every group, one row each.
UNKNOWN_VALUES_FILE = "unknown-values.csv"

#: Record codes kept per group as examples.
EXAMPLE_RECORDS = 3

#: The code-list file (in data/codelists/) a field's values come from; keyed by (rule, field), then by field.
CODE_LIST_FILES: dict[tuple[str | None, str], str] = {
    ("unknown-code-shape", "code"): "code-shapes.csv",
    ("unresolved-code", "code"): "periods.csv",  # the mapping resolves the programme period under "code"
    (None, "code"): "code-shapes.csv",
    (None, "status"): "statuses.csv",
    (None, "fund"): "funds.csv",
    (None, "authority"): "authorities.csv",
    (None, "priority_axis"): "priority-axes.csv",
    (None, "specific_objective"): "specific-objectives.csv",
    (None, "programme"): "programmes.csv",
    (None, "programme_period"): "periods.csv",
    (None, "period"): "periods.csv",
    (None, "regions"): "regions.csv",
    (None, "subregions"): "subregions.csv",
    (None, "municipalities"): "municipalities.csv",
    (None, "applicant.organisation_type"): "organisation-types.csv",
    (None, "gender_equality"): "gender-questions.csv",
    (None, "sustainability.criterion"): "sustainability-criteria.csv",
}

UNKNOWN_VALUES_COLUMNS = ("field", "value", "code_list", "records", "first_records", "rule")

_INDEX = re.compile(r"\[\d+\]")
_CSV_NAME = re.compile(r"\b([a-z0-9][a-z0-9-]*\.csv)\b")
_DIGITS = re.compile(r"\d")
_CODE_LIKE = re.compile(r"[A-Za-z0-9]+")


@dataclass(frozen=True, slots=True)
class UnknownValue:
    """One value no code list knows, in one field: how many records give it, and which list to extend."""

    field: str
    #: As written; for a code shape, the shape (each digit written ``#``: ``X123456`` -> ``X######``).
    value: str
    #: The file in data/codelists/ to extend; None when no file is known for the field.
    code_list: str | None
    #: Records (or, for findings of no record, source lines) that give the value.
    records: int
    #: The first few record codes that give it, in the order of the findings.
    examples: tuple[str, ...]
    rule: str

    @property
    def code_list_text(self) -> str:
        return self.code_list or "the code lists"


def field_of(finding: Finding) -> str:
    """The field a group is kept under: list indexes dropped (``sustainability[2].criterion``) and the
    questions of one list gathered (``gender_equality.*``)."""
    field = _INDEX.sub("", finding.field or "")
    if field.startswith("gender_equality."):
        return "gender_equality"
    return field or "?"


def code_list_of(finding: Finding, field: str) -> str | None:
    """The code-list file to extend: from the field, else the first ``*.csv`` the message names outside the
    value (the mapping's messages name it)."""
    known = CODE_LIST_FILES.get((finding.rule, field)) or CODE_LIST_FILES.get((None, field))
    if known:
        return known
    message = finding.message.replace(finding.value, "") if finding.value else finding.message
    match = _CSV_NAME.search(message)
    return match.group(1) if match else None


def code_shape(code: str) -> str:
    """A project code's shape, each digit written ``#``: the codes of one new shape make one group.
    Text that is not a plain code (the finding may already name a shape) is kept as it is.

    >>> code_shape("X123456"), code_shape("a 12")
    ('X######', 'a 12')
    """
    return _DIGITS.sub("#", code.upper()) if _CODE_LIKE.fullmatch(code) else code


def unknown_values(findings: Iterable[Finding], *, examples: int = EXAMPLE_RECORDS) -> list[UnknownValue]:
    """The findings of ``UNKNOWN_VALUE_RULES`` grouped by field, value (a code by its shape) and file,
    sorted by field, then the most records first, then value. Memory grows with the records of a group
    (counted once each), not with the findings.

    >>> from esrgraph.core.findings import Severity
    >>> f = [Finding(Severity.WARNING, "unresolved-code", "m", record=f"S{n}", field="status", value="Lumottu")
    ...      for n in (1, 2, 2)]
    >>> [(u.value, u.code_list, u.records, u.examples) for u in unknown_values(f)]
    [('Lumottu', 'statuses.csv', 2, ('S1', 'S2'))]
    """
    groups: dict[tuple[str, str, str | None], tuple[str, set[str], list[str]]] = {}
    for f in findings:
        if f.rule not in UNKNOWN_VALUE_RULES or f.value is None:
            continue
        field = field_of(f)
        value = code_shape(f.value) if f.rule == "unknown-code-shape" else f.value
        key = (field, value, code_list_of(f, field))
        group = groups.get(key)
        if group is None:
            group = groups[key] = (f.rule, set(), [])
        code = f.record.split(" ")[0] if f.record else None
        seen = code or f"{f.path or ''}:{f.line or 0}:{len(group[1])}"  # no record: each finding counts
        if seen not in group[1]:
            group[1].add(seen)
            if code and len(group[2]) < examples:
                group[2].append(code)
    out = [UnknownValue(field, value, code_list, len(seen), tuple(first), rule)
           for (field, value, code_list), (rule, seen, first) in groups.items()]
    out.sort(key=lambda u: (u.field, -u.records, u.value, u.code_list or ""))
    return out


def by_list(values: Iterable[UnknownValue]) -> dict[tuple[str, str | None], list[UnknownValue]]:
    """The groups of each field and code-list file, in ``unknown_values`` order."""
    out: dict[tuple[str, str | None], list[UnknownValue]] = {}
    for u in values:
        out.setdefault((u.field, u.code_list), []).append(u)
    return out


def counted(n: int, groups: list[UnknownValue] | None = None, *, more: bool = False, noun: str = "") -> str:
    """``3 values``, ``1 more code shape`` or ``2 records``: a count and what it counts."""
    noun = noun or ("code shape" if groups and groups[0].rule == "unknown-code-shape" else "value")
    return f"{n:,} {'more ' if more else ''}{noun}{'' if n == 1 else 's'}"


def unknown_values_csv(values: Iterable[UnknownValue]) -> str:
    """Every group once, one row each (unknown-values.csv), as one string (``unknown_values_chunks``)."""
    return "".join(unknown_values_chunks(values))


def unknown_values_chunks(values: Iterable[UnknownValue]) -> Iterator[str]:
    """unknown-values.csv in pieces for the atomic writer; spreadsheet-safe like fix-list.csv."""
    return spreadsheet_csv(UNKNOWN_VALUES_COLUMNS, (
        (u.field, u.value, u.code_list or "", u.records, " ".join(u.examples), u.rule) for u in values))
