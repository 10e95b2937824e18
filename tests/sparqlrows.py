"""Helpers for comparing SPARQL answers across local runs, `esrgraph serve` and a remote store."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation

from pyoxigraph import QueryResultsFormat, QuerySolutions, parse_query_results

from esrgraph.sparql.queries import rows_of

# Variables holding IRIs of code-list concepts, which may move while code lists are wired in.
IRI_VARIABLES = {"region", "fund", "axis", "municipality", "criterion", "type", "organisation", "a", "b"}


def normalise(value: str) -> str:
    """Numbers compare by value (``481025`` == ``481025.0``); everything else as is."""
    try:
        number = Decimal(value)
    except (InvalidOperation, ValueError):
        return value
    if not number.is_finite():
        return value
    return format(number.normalize(), "f") if number == number.to_integral_value() else str(round(number, 6))


def row_set(variables: list[str], rows: list[list[str]]) -> frozenset[tuple[tuple[str, str], ...]]:
    """Rows as a set of (variable, normalised value) tuples."""
    return frozenset(tuple((v, normalise(cell)) for v, cell in zip(variables, row)) for row in rows)


def solutions_set(result: QuerySolutions) -> frozenset[tuple[tuple[str, str], ...]]:
    variables, rows = rows_of(result)
    return row_set(variables, rows)


def json_set(text: str | bytes) -> frozenset[tuple[tuple[str, str], ...]]:
    """The row set of a SPARQL JSON answer (checked to be valid JSON first)."""
    json.loads(text)
    result = parse_query_results(text if isinstance(text, bytes) else text.encode("utf-8"),
                                 format=QueryResultsFormat.JSON)
    assert isinstance(result, QuerySolutions)
    return solutions_set(result)


def records(result: QuerySolutions) -> list[dict[str, str]]:
    """Rows as dicts of plain strings, in the query's order."""
    variables, rows = rows_of(result)
    return [dict(zip(variables, row)) for row in rows]
