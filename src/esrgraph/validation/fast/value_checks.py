"""Per-value checks: pyshacl's rules for one value of a property, as SPARQL pre-filters and exact re-checks.

A value check's outcome can depend on literal semantics (datatype well-formedness, comparisons
of mixed types, patterns), so it is decided in two steps: SPARQL selects every value that is
not *certainly* fine, and these rules re-check the candidates on rdflib terms.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

import rdflib
from rdflib.namespace import RDF as RDF_NS
from rdflib.namespace import SH

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = str(RDF_NS.type)
_RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


class Unsupported(Exception):
    """A shape uses SHACL this compiler does not handle; pyshacl validates it instead.

    Here, at the bottom of the fast path, because the checks and runners raise it too.
    """


# ---------------------------------------------------------------------------- terms


def nt(term: rdflib.term.Node) -> str:
    """A shapes-graph term as SPARQL/N-Triples text."""
    if isinstance(term, rdflib.URIRef):
        return f"<{term}>"
    if isinstance(term, rdflib.Literal):
        return term.n3()
    raise Unsupported(f"blank node {term} used as a constant")


# ---------------------------------------------------------------------------- exact value checks (pyshacl's rules)


def _wellformed_sparql(dt: str) -> str | None:
    """SPARQL that is true only for literals oxigraph reads as a valid ``dt``."""
    if dt in (XSD + "integer", XSD + "decimal", XSD + "double", XSD + "float", XSD + "boolean",
              XSD + "date", XSD + "dateTime"):
        return f"isLiteral(<{dt}>(STR(?v)))"
    if dt == XSD + "string":
        return "true"
    return None


class ValueCheck:
    """One value-level constraint: a SPARQL pre-filter ("certainly fine") and pyshacl's exact rule."""

    def __init__(self, name: str, param: rdflib.term.Node, shapes: rdflib.Graph, shape: rdflib.term.Node,
                 class_closure: Callable[[str], list[str]]) -> None:
        self.name = name
        self.param = param
        self.flags = str(shapes.value(shape, SH.flags) or "")
        self.members: list[rdflib.term.Node] = []
        self.classes: list[str] = []
        if name == "in":
            self.members = list(rdflib.collection.Collection(shapes, param))
        if name == "class":
            self.classes = class_closure(str(param))

    def sure_fail(self) -> str:
        """A SPARQL expression on ``?v``: true only when pyshacl certainly rejects ``?v`` (else "false")."""
        if self.name in ("minInclusive", "maxInclusive", "minExclusive", "maxExclusive"):
            op = {"minInclusive": ">=", "maxInclusive": "<=", "minExclusive": ">", "maxExclusive": "<"}[self.name]
            const = nt(self.param)
            return f"COALESCE(isNumeric(?v) && isNumeric({const}) && !(?v {op} {const}), false)"
        return "false"

    def sure_pass(self) -> str:
        """A SPARQL expression on ``?v``: true only when pyshacl certainly accepts ``?v``."""
        n, p = self.name, self.param
        if n == "datatype":
            dt = str(p)
            if dt == _RDF_LANGSTRING:
                return '(isLiteral(?v) && LANG(?v) != "")'
            ok = _wellformed_sparql(dt)
            if ok is None:
                return "false"
            return f'(isLiteral(?v) && LANG(?v) = "" && DATATYPE(?v) = <{dt}> && COALESCE({ok}, false))'
        if n == "nodeKind":
            return {
                "IRI": "isIRI(?v)", "BlankNode": "isBlank(?v)", "Literal": "isLiteral(?v)",
                "BlankNodeOrIRI": "(isBlank(?v) || isIRI(?v))", "BlankNodeOrLiteral": "(isBlank(?v) || isLiteral(?v))",
                "IRIOrLiteral": "(isIRI(?v) || isLiteral(?v))",
            }[str(p).rsplit("#", 1)[-1]]
        if n == "class":
            values = " ".join(f"<{c}>" for c in self.classes)
            return f"EXISTS {{ ?v <{RDF_TYPE}> ?_t . VALUES ?_t {{ {values} }} }}"
        if n == "pattern":
            flags = f", {rdflib.Literal(self.flags).n3()}" if self.flags else ""
            return f"(!isBlank(?v) && COALESCE(REGEX(STR(?v), {rdflib.Literal(str(p)).n3()}{flags}), false))"
        if n in ("minInclusive", "maxInclusive", "minExclusive", "maxExclusive"):
            op = {"minInclusive": ">=", "maxInclusive": "<=", "minExclusive": ">", "maxExclusive": "<"}[n]
            const = nt(p)
            return (f"COALESCE(((isNumeric(?v) && isNumeric({const})) || (DATATYPE(?v) = <{XSD}date> && "
                    f"DATATYPE({const}) = <{XSD}date>)) && ?v {op} {const}, false)")
        if n == "in":
            if not self.members:
                return "false"
            return "(" + " || ".join(f"sameTerm(?v, {nt(m)})" for m in self.members) + ")"
        raise Unsupported(n)

    def passes(self, v: rdflib.term.Identifier, types: set[str]) -> bool:
        """pyshacl's rule for this constraint on value ``v`` (``types``: v's rdf:types, for sh:class)."""
        n, p = self.name, self.param
        if n == "datatype":
            return _datatype_ok(v, p)
        if n == "nodeKind":
            kind = str(p).rsplit("#", 1)[-1]
            is_iri, is_blank, is_lit = (isinstance(v, rdflib.URIRef), isinstance(v, rdflib.BNode),
                                        isinstance(v, rdflib.Literal))
            return {"IRI": is_iri, "BlankNode": is_blank, "Literal": is_lit, "BlankNodeOrIRI": is_blank or is_iri,
                    "BlankNodeOrLiteral": is_blank or is_lit, "IRIOrLiteral": is_iri or is_lit}[kind]
        if n == "class":
            return bool(types & set(self.classes))
        if n == "pattern":
            if isinstance(v, rdflib.BNode):
                return False
            matcher = _pattern(str(p), self.flags)
            return bool(matcher.match(str(v)) or matcher.search(str(v)))
        if n in ("minInclusive", "maxInclusive", "minExclusive", "maxExclusive"):
            return _range_ok(n, v, p)
        if n == "in":
            return any(v == m for m in self.members)
        raise Unsupported(n)


@lru_cache(maxsize=64)
def _pattern(pattern: str, flags: str) -> re.Pattern[str]:
    value = 0
    for f in flags:
        value |= {"i": re.IGNORECASE, "s": re.DOTALL, "m": re.MULTILINE, "x": re.VERBOSE}.get(f, 0)
    return re.compile(pattern, value)


def _datatype_ok(v: rdflib.term.Identifier, dt: rdflib.term.Node) -> bool:
    """pyshacl's DatatypeConstraintComponent (value_constraints.py) for one value."""
    if not isinstance(v, rdflib.Literal):
        return False
    if v.datatype == dt:
        return getattr(v, "ill_typed", None) is not True
    if str(dt) == "http://www.w3.org/2000/01/rdf-schema#Literal":
        return True
    if v.datatype is None and v.language is None and str(dt) == XSD + "string":
        return True
    if str(dt) == _RDF_LANGSTRING and v.language:
        return True
    return False


def _range_ok(name: str, v: rdflib.term.Identifier, bound: rdflib.term.Node) -> bool:
    """pyshacl's Min/Max In/Exclusive components (value_range_constraints.py) for one value."""
    from esrgraph.validation.report import compare_literal

    if not isinstance(v, rdflib.Literal) or not isinstance(bound, rdflib.Literal):
        return False
    v_is_string = isinstance(v.value, str)
    bound_is_string = isinstance(bound.value, str)
    if v_is_string != bound_is_string:
        return False
    try:
        cmp = compare_literal(v, bound)
    except (TypeError, NotImplementedError):
        return False
    return {"minInclusive": cmp >= 0, "maxInclusive": cmp <= 0, "minExclusive": cmp > 0, "maxExclusive": cmp < 0}[name]
