"""SPARQL's ``<=`` on two RDF terms, for ``sh:lessThanOrEquals`` in both validators.

SHACL (§4.5.4) reports a value "not less than or equal to the other (based on SPARQL's <=
operator) or where the two values cannot be compared". pyshacl 0.40 compares what Python can
(an ill-typed ``"1.9.2017"^^xsd:date`` against a date, a date against a number) and reports
nothing; Apache Jena follows the spec. This module is the spec's rule, used by the fast
validator and patched into pyshacl (``report.py``), so all three engines agree
(docs/decisions/20261204-validators-in-ci.md).

Comparable pairs, as SPARQL 1.1 §17.3 defines ``<=`` (and Jena extends it to language-tagged
strings of one language): numbers, simple or ``xsd:string`` literals, booleans, ``xsd:date``
with ``xsd:date`` and ``xsd:dateTime`` with ``xsd:dateTime`` — each well-formed. A value with a
time zone against one without compares only when they are more than 14 hours apart (XML Schema's
rule for partial order); otherwise, and for everything else (IRIs, blank nodes, other
datatypes, mixed kinds, ill-typed literals), the pair cannot be compared.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

import rdflib
from pyoxigraph import BlankNode, Literal, NamedNode, Triple

XSD = "http://www.w3.org/2001/XMLSchema#"
_STRING = XSD + "string"
_NUMERIC = {XSD + name for name in (
    "integer decimal float double nonPositiveInteger negativeInteger long int short byte nonNegativeInteger "
    "unsignedLong unsignedInt unsignedShort unsignedByte positiveInteger"
).split()}
_FLOATING = {XSD + "float", XSD + "double"}
_DECIMAL_LEXICAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_FLOAT_LEXICAL = re.compile(r"[+-]?(?:(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|INF|NaN)|-INF")
_INTEGER_DATATYPES = _NUMERIC - _FLOATING - {XSD + "decimal"}
_TZ = r"(Z|[+-](?:(?:0[0-9]|1[0-3]):[0-5][0-9]|14:00))?"
_DATE = re.compile(r"(-?[0-9]{4,})-([0-9]{2})-([0-9]{2})" + _TZ)
_DATETIME = re.compile(r"(-?[0-9]{4,})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?" + _TZ)
_FOURTEEN_HOURS = timedelta(hours=14)

#: A moment: the naive date-time as written and its UTC offset (None: no time zone).
Moment = tuple[datetime, timedelta | None]
#: A comparable value and its kind ("number", "string", "lang:fi", "boolean", "date", "dateTime").
Comparable = tuple[str, Decimal | float | str | bool | Moment]


#: A literal as written: lexical form, datatype IRI, language tag; None for IRIs and blank nodes.
LiteralParts = tuple[str, str, str | None] | None


def rdflib_parts(term: rdflib.term.Node) -> LiteralParts:
    """An rdflib term's parts (rdflib normalises some lexical forms: ``"2017-01-01Z"^^xsd:date``
    reads as ``"2017-01-01"``, so the pyshacl path cannot see that time zone)."""
    if not isinstance(term, rdflib.Literal):
        return None
    return str(term), str(term.datatype) if term.datatype is not None else _STRING, term.language


def oxigraph_parts(term: NamedNode | BlankNode | Literal | Triple) -> LiteralParts:
    """A pyoxigraph term's parts, lexical form as written."""
    if not isinstance(term, Literal):
        return None
    return term.value, term.datatype.value, term.language


def less_or_equal(a: LiteralParts, b: LiteralParts) -> bool | None:
    """``a <= b`` as SPARQL evaluates it; None when the two cannot be compared."""
    left, right = _comparable(a), _comparable(b)
    if left is None or right is None or left[0] != right[0]:
        return None
    x, y = left[1], right[1]
    if isinstance(x, tuple) and isinstance(y, tuple):
        return _time_le(x, y)
    if isinstance(x, str) and isinstance(y, str):
        return x <= y
    if isinstance(x, bool) and isinstance(y, bool):
        return x <= y
    if isinstance(x, (Decimal, float)) and isinstance(y, (Decimal, float)):
        if x != x or y != y:  # NaN: every comparison is false
            return False
        return x <= y
    return None


def _comparable(term: LiteralParts) -> Comparable | None:
    if term is None:
        return None
    text, dt, language = term
    if language:
        return f"lang:{language.lower()}", text
    if dt == _STRING:
        return "string", text
    if dt in _NUMERIC:
        return _number(text.strip(), dt)
    if dt == XSD + "boolean":
        word = text.strip()
        return ("boolean", word in ("true", "1")) if word in ("true", "false", "1", "0") else None
    if dt == XSD + "date":
        return _moment("date", _DATE.fullmatch(text.strip()))
    if dt == XSD + "dateTime":
        return _moment("dateTime", _DATETIME.fullmatch(text.strip()))
    return None


def _number(text: str, dt: str) -> Comparable | None:
    if dt in _FLOATING:
        if not _FLOAT_LEXICAL.fullmatch(text):
            return None
        return "number", float(text.replace("INF", "inf"))
    if not _DECIMAL_LEXICAL.fullmatch(text) or (dt in _INTEGER_DATATYPES and "." in text):
        return None
    try:
        return "number", Decimal(text)
    except InvalidOperation:
        return None


def _moment(kind: str, match: re.Match[str] | None) -> Comparable | None:
    """(kind, (naive datetime, UTC offset or None)) for a well-formed date or dateTime."""
    if match is None:
        return None
    groups = match.groups()
    year, month, day = int(groups[0]), int(groups[1]), int(groups[2])
    if not 1 <= year <= 9999:
        return None  # outside what Python's datetime holds: not compared rather than guessed
    try:
        if kind == "date":
            moment = datetime.combine(date(year, month, day), datetime.min.time())
            zone = groups[3]
        else:
            hour, minute, second = int(groups[3]), int(groups[4]), int(groups[5])
            micro = int((groups[6] or ".0")[1:7].ljust(6, "0"))
            end_of_day = hour == 24 and minute == 0 and second == 0 and micro == 0
            moment = datetime(year, month, day, 0 if end_of_day else hour, minute, second, micro)
            if end_of_day:
                moment += timedelta(days=1)
            zone = groups[7]
    except ValueError:  # 2017-02-30, hour 25 ...
        return None
    return kind, (moment, _offset(zone))


def _offset(zone: str | None) -> timedelta | None:
    if zone is None:
        return None
    if zone == "Z":
        return timedelta(0)
    sign = -1 if zone[0] == "-" else 1
    return sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))


def _time_le(x: Moment, y: Moment) -> bool | None:
    (a, a_zone), (b, b_zone) = x, y
    if a_zone is not None and b_zone is not None:
        return a - a_zone <= b - b_zone
    if a_zone is None and b_zone is None:
        return a <= b
    # one with a zone, one without: the one without lies anywhere in [t - 14h, t + 14h] in UTC
    if a_zone is not None:
        utc_a = a - a_zone
        if utc_a <= b - _FOURTEEN_HOURS:
            return True
        if utc_a > b + _FOURTEEN_HOURS:
            return False
        return None
    assert b_zone is not None
    utc_b = b - b_zone
    if a + _FOURTEEN_HOURS <= utc_b:
        return True
    if a - _FOURTEEN_HOURS > utc_b:
        return False
    return None


__all__ = ["LiteralParts", "less_or_equal", "oxigraph_parts", "rdflib_parts"]
