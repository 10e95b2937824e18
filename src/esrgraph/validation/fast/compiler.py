"""Compiling our SHACL shapes (an rdflib graph) into checks that ``runtime`` runs on an Oxigraph store.

pyshacl (``esrgraph.validation.report``) stays the reference; the checks give the same
``ShaclResult``s (focus, path, value, source shape, severity, component, message) for
the subset of SHACL our shapes use, far faster on large graphs
(docs/decisions/20261123-fast-validation.md):

- targets: ``sh:targetClass`` (with ``rdfs:subClassOf*`` in the data), ``sh:targetNode``,
  ``sh:targetSubjectsOf``, ``sh:targetObjectsOf``;
- property shapes whose ``sh:path`` is one IRI, with ``sh:minCount``, ``sh:maxCount``,
  ``sh:datatype``, ``sh:nodeKind``, ``sh:class``, ``sh:pattern`` (+ ``sh:flags``),
  ``sh:minInclusive``/``sh:maxInclusive``/``sh:minExclusive``/``sh:maxExclusive``,
  ``sh:in``, ``sh:hasValue``, ``sh:lessThanOrEquals`` and ``sh:not`` of a shape made of
  those value checks;
- node shapes with ``sh:or`` of property shapes that only count (``sh:minCount``);
- SHACL-SPARQL ``sh:sparql`` SELECT constraints on node shapes, with ``$this``. The
  focus nodes are joined into the query's top group (the same as pre-binding for
  the queries we write), and ``REGEX``/``REPLACE`` run through Python's ``re``
  exactly as rdflib does, so look-around patterns work and match the reference.

Value checks whose outcome depends on literal semantics are decided in two steps
(``value_checks``): SPARQL selects every value that is not *certainly* fine, and Python
re-checks those candidates with pyshacl's own rules. The candidates are a superset of the
failures, so the results are the same as pyshacl's.

A shape using anything else is not skipped: it is validated by pyshacl (only the
shapes that need it), and ``FastValidator.fallback_shapes`` names them, with a log
line.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache

import rdflib
from pyoxigraph import BlankNode, Literal, NamedNode, QuerySolution, Store
from rdflib.namespace import RDF as RDF_NS
from rdflib.namespace import RDFS as RDFS_NS
from rdflib.namespace import SH

from esrgraph.validation.fast.runtime import (
    COMPONENT,
    CUSTOM_FUNCTIONS,
    PY_REGEX,
    PY_REPLACE,
    SHNS,
    Check,
    FastValidator,
    ltoe_runner,
    not_runner,
    result,
    solutions,
    term_text,
    to_rdflib,
    value_runner,
    value_text,
)
from esrgraph.validation.fast.value_checks import RDF_TYPE, Unsupported, ValueCheck, nt
from esrgraph.validation.report import ShaclResult, load_shapes

log = logging.getLogger(__name__)

#: sh: terms that a property shape may carry without needing a constraint of ours.
_PASSIVE = {
    "path", "severity", "message", "name", "description", "order", "group", "deactivated", "defaultValue",
    "flags",  # read with sh:pattern
}
_VALUE_PARAMS = {"datatype", "nodeKind", "class", "pattern", "minInclusive", "maxInclusive", "minExclusive",
                 "maxExclusive", "in"}
_PROPERTY_PARAMS = _VALUE_PARAMS | {"minCount", "maxCount", "hasValue", "lessThanOrEquals", "not"}
_NODE_PARAMS = {"targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf", "property", "sparql", "or",
                "severity", "message", "name", "description", "deactivated", "declare", "prefixes"}


# ---------------------------------------------------------------------------- python regex (runtime.CUSTOM_FUNCTIONS)


_TOKEN = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""' r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"' r"|'(?:[^'\\\n]|\\.)*'"
    r"|<[^<>\"{}|^`\\\s]*>|#[^\n]*|\b(?:REGEX|REPLACE)\s*\(",
    re.IGNORECASE,
)


def python_regex_functions(sparql: str) -> str:
    """``REGEX(`` and ``REPLACE(`` calls (outside strings, IRIs, comments) -> our Python functions."""

    def swap(m: re.Match[str]) -> str:
        token = m.group(0)
        if token[0] in "\"'<#":
            return token
        name = PY_REGEX if token.upper().startswith("REGEX") else PY_REPLACE
        return f"<{name}>("

    return _TOKEN.sub(swap, sparql)


# ---------------------------------------------------------------------------- compiler


def _local(term: rdflib.term.Node) -> str:
    return str(term)[len(SHNS):] if str(term).startswith(SHNS) else ""


def _message(shapes: rdflib.Graph, node: rdflib.term.Node) -> str:
    messages = sorted(str(m) for m in shapes.objects(node, SH.message))
    return messages[0] if messages else ""


def _message_language(shapes: rdflib.Graph, node: rdflib.term.Node) -> str | None:
    """The language tag of the message ``_message`` chooses (pyshacl keeps it in the report)."""
    messages = sorted(shapes.objects(node, SH.message), key=str)
    first = messages[0] if messages else None
    return first.language if isinstance(first, rdflib.Literal) else None


def _tagged(run: Callable[[Store, str], list[ShaclResult]], language: str | None) -> Callable[[Store, str], list[ShaclResult]]:
    """``run`` with its results' messages tagged ``language``."""
    if language is None:
        return run
    return lambda store, graph: [replace(r, message_language=language) for r in run(store, graph)]


def _severity(shapes: rdflib.Graph, node: rdflib.term.Node) -> str:
    return str(shapes.value(node, SH.severity) or SH.Violation)


def compile_shapes(shapes: str | os.PathLike[str] | None = None) -> FastValidator:
    """Compile the shapes (a file, a folder, or esrgraph's own) for ``FastValidator.validate``."""
    graph, files = load_shapes(shapes)
    validator = FastValidator(shapes_files=[str(f) for f in files], shapes_graph=graph)
    node_shapes = set(graph.subjects(RDF_NS.type, SH.NodeShape))
    for pred in (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.sparql, SH["or"]):
        node_shapes.update(s for s in graph.subjects(pred, None) if not graph.value(s, SH.path))
    for shape in sorted(node_shapes, key=str):
        if (shape, SH.deactivated, rdflib.Literal(True)) in graph:
            continue
        try:
            validator.checks.extend(_compile_node_shape(graph, shape))
        except Unsupported as exc:
            validator.fallback_shapes[str(shape)] = str(exc)
            for prop in graph.objects(shape, SH.property):
                validator.fallback_shapes[str(prop)] = f"its node shape {shape}: {exc}"
    if validator.fallback_shapes:
        validator.checks = [c for c in validator.checks if c.shape not in validator.fallback_shapes]
        for name, why in sorted(validator.fallback_shapes.items()):
            log.info("fast validation cannot compile %s (%s); pyshacl validates it", name, why)
    return validator


def _targets(graph: rdflib.Graph, shape: rdflib.term.Node) -> str:
    """A SPARQL group binding ``?this`` to each focus node of ``shape`` (distinct)."""
    parts = []
    for c in graph.objects(shape, SH.targetClass):
        parts.append(f"{{ ?this <{RDF_TYPE}> ?_tc . ?_tc <{RDFS_NS.subClassOf}>* {nt(c)} . }}")
    for n in graph.objects(shape, SH.targetNode):
        parts.append(f"{{ BIND({nt(n)} AS ?this) }}")
    for p in graph.objects(shape, SH.targetSubjectsOf):
        parts.append(f"{{ ?this {nt(p)} ?_to . }}")
    for p in graph.objects(shape, SH.targetObjectsOf):
        parts.append(f"{{ ?_ts {nt(p)} ?this . }}")
    if (shape, RDF_NS.type, RDFS_NS.Class) in graph:
        raise Unsupported("implicit class target")
    if not parts:
        return ""
    return "{ SELECT DISTINCT ?this WHERE { " + " UNION ".join(sorted(parts)) + " } }"


def _compile_node_shape(graph: rdflib.Graph, shape: rdflib.term.Node) -> list[Check]:
    focus = _targets(graph, shape)
    if not focus:
        return []  # a shape without targets is only used from other shapes (sh:or, sh:not, sh:node)
    for p in graph.predicates(shape, None):
        name = _local(p)
        if name and name not in _NODE_PARAMS:
            raise Unsupported(f"sh:{name} on a node shape")
    checks: list[Check] = []
    for prop in sorted(graph.objects(shape, SH.property), key=str):
        checks.extend(_compile_property_shape(graph, prop, focus))
    for constraint in graph.objects(shape, SH.sparql):
        checks.append(_compile_sparql(graph, shape, constraint, focus))
    for alternatives in graph.objects(shape, SH["or"]):
        checks.append(_compile_or(graph, shape, alternatives, focus))
    for check in checks:
        check.focus = focus
    return checks


def _property_path(graph: rdflib.Graph, prop: rdflib.term.Node) -> str:
    path = graph.value(prop, SH.path)
    if not isinstance(path, rdflib.URIRef):
        raise Unsupported("a property path that is not a single IRI")
    return str(path)


def _compile_property_shape(graph: rdflib.Graph, prop: rdflib.term.Node, focus: str) -> list[Check]:
    if isinstance(prop, rdflib.BNode):
        raise Unsupported("a blank-node property shape (results could not be compared by IRI)")
    path = _property_path(graph, prop)
    for p in graph.predicates(prop, None):
        name = _local(p)
        if name and name not in _PROPERTY_PARAMS and name not in _PASSIVE:
            raise Unsupported(f"sh:{name} on a property shape")
    if (prop, SH.deactivated, rdflib.Literal(True)) in graph:
        return []
    shape, severity, message = str(prop), _severity(graph, prop), _message(graph, prop)
    checks: list[Check] = []

    language = _message_language(graph, prop)

    def add(name: str, run: Callable[[Store, str], list[ShaclResult]]) -> None:
        checks.append(Check(shape, severity, message, COMPONENT[name], _tagged(run, language)))

    for n in graph.objects(prop, SH.minCount):
        count = int(str(n))
        if count <= 0:
            continue

        def min_count(store: Store, _: str, count: int = count) -> list[ShaclResult]:
            if count == 1:
                q = f"SELECT ?this WHERE {{ {focus} FILTER NOT EXISTS {{ ?this <{path}> ?v }} }}"
            else:
                q = (f"SELECT ?this WHERE {{ {focus} OPTIONAL {{ ?this <{path}> ?v }} }} "
                     f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) < {count})")
            return [result(shape, severity, "MinCountConstraintComponent", message, r["this"], path, None)
                    for r in solutions(store, q)]

        add("minCount", min_count)
    for n in graph.objects(prop, SH.maxCount):
        count = int(str(n))

        def max_count(store: Store, _: str, count: int = count) -> list[ShaclResult]:
            if count == 1:  # two distinct terms: a self-join (docs/decisions/20261202-checks-and-payloads.md)
                q = (f"SELECT DISTINCT ?this WHERE {{ {focus} ?this <{path}> ?v . ?this <{path}> ?w . "
                     "FILTER(!sameTerm(?v, ?w)) }")
            else:
                q = (f"SELECT ?this WHERE {{ {focus} ?this <{path}> ?v }} "
                     f"GROUP BY ?this HAVING (COUNT(DISTINCT ?v) > {count})")
            return [result(shape, severity, "MaxCountConstraintComponent", message, r["this"], path, None)
                    for r in solutions(store, q)]

        add("maxCount", max_count)
    for h in graph.objects(prop, SH.hasValue):
        def has_value(store: Store, _: str, h: rdflib.term.Node = h) -> list[ShaclResult]:
            q = f"SELECT ?this WHERE {{ {focus} FILTER NOT EXISTS {{ ?this <{path}> {nt(h)} }} }}"
            return [result(shape, severity, "HasValueConstraintComponent", message, r["this"], path, None)
                    for r in solutions(store, q)]

        add("hasValue", has_value)
    for name in sorted(_VALUE_PARAMS):
        for param in graph.objects(prop, SH[name]):
            check = ValueCheck(name, param, graph, prop, lambda c: [c])
            add(name, value_runner(shape, severity, message, name, check, focus, path))
    for other in graph.objects(prop, SH.lessThanOrEquals):
        add("lessThanOrEquals", ltoe_runner(shape, severity, message, focus, path, nt(other)))
    for inner in graph.objects(prop, SH["not"]):
        inner_checks: list[ValueCheck] = []
        for p in graph.predicates(inner, None):
            name = _local(p)
            if name in _VALUE_PARAMS:
                inner_checks.extend(ValueCheck(name, param, graph, inner, lambda c: [c])
                                    for param in graph.objects(inner, p))
            elif name and name not in _PASSIVE and p != RDF_NS.type:
                raise Unsupported(f"sh:not of a shape with sh:{name}")
            elif not name and p != RDF_NS.type:
                continue
        add("not", not_runner(shape, severity, message, focus, path, inner_checks))
    return checks


def _compile_or(graph: rdflib.Graph, shape: rdflib.term.Node, alternatives: rdflib.term.Node, focus: str) -> Check:
    exprs = []
    for alt in rdflib.collection.Collection(graph, alternatives):
        path = _property_path(graph, alt)
        conditions: list[str | None] = []
        for p, o in graph.predicate_objects(alt):
            name = _local(p)
            if name == "minCount":
                conditions.append(f"EXISTS {{ ?this <{path}> ?_x }}" if int(str(o)) == 1 else None)
            elif name == "maxCount" and int(str(o)) == 0:
                conditions.append(f"NOT EXISTS {{ ?this <{path}> ?_x }}")
            elif name and name not in _PASSIVE:
                conditions.append(None)
        if not conditions or None in conditions:
            raise Unsupported("sh:or of shapes that do more than count values")
        exprs.append("(" + " && ".join(c for c in conditions if c is not None) + ")")
    iri, severity, message = str(shape), _severity(graph, shape), _message(graph, shape)

    def run(store: Store, _: str) -> list[ShaclResult]:
        q = f"SELECT ?this WHERE {{ {focus} FILTER(!({' || '.join(exprs)})) }}"
        return [result(iri, severity, "OrConstraintComponent", message, r["this"], None, r["this"])
                for r in solutions(store, q)]

    return Check(iri, severity, message, "OrConstraintComponent", _tagged(run, _message_language(graph, shape)))


_SELECT_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


def _prefixes(graph: rdflib.Graph, constraint: rdflib.term.Node) -> str:
    lines = []
    for ontology in graph.objects(constraint, SH.prefixes):
        for decl in graph.objects(ontology, SH.declare):
            prefix, ns = graph.value(decl, SH.prefix), graph.value(decl, SH.namespace)
            if prefix is not None and ns is not None:
                lines.append(f"PREFIX {prefix}: <{ns}>")
    return "\n".join(sorted(set(lines)))


def _compile_sparql(graph: rdflib.Graph, shape: rdflib.term.Node, constraint: rdflib.term.Node, focus: str) -> Check:
    if (constraint, SH.deactivated, rdflib.Literal(True)) in graph:
        return Check(str(shape), "", "", "SPARQLConstraintComponent", lambda store, _: [])
    select = graph.value(constraint, SH.select)
    if select is None:
        raise Unsupported("sh:sparql without sh:select")
    text = str(select)
    body = re.sub(r"\$this\b", "?this", text)
    if re.search(r"\$(currentShape|shapesGraph|PATH)\b", body) or re.search(r"\bSERVICE\b|\bMINUS\b", body, re.I):
        raise Unsupported("SPARQL constraint uses $currentShape/$shapesGraph/$PATH, SERVICE or MINUS")
    if len(re.findall(r"\bSELECT\b", body, re.IGNORECASE)) != 1:
        raise Unsupported("SPARQL constraint with a subquery")
    match = _SELECT_WHERE.search(body)
    if match is None:
        raise Unsupported("SPARQL constraint without WHERE {")
    body = body[:match.end()] + f" {focus} " + body[match.end():]
    body = not_exists_as_optional(body)
    query = _prefixes(graph, constraint) + "\n" + python_regex_functions(body)
    iri, severity = str(shape), _severity(graph, shape)
    shape_messages = sorted(str(m) for m in graph.objects(shape, SH.message))
    constraint_messages = sorted(str(m) for m in graph.objects(constraint, SH.message))
    language = _message_language(graph, shape) if shape_messages else _message_language(graph, constraint)

    def run(store: Store, _: str) -> list[ShaclResult]:
        out = []
        seen = set()
        for row in solutions(store, query, custom_functions=CUSTOM_FUNCTIONS):
            this, path, value = row["this"], _get(row, "path"), _get(row, "value")
            if _get(row, "failure") is not None:
                raise Unsupported("SPARQL constraint reported ?failure")
            variables = {name: _get(row, name) for name in _variables(query)}
            key = (term_text(this), path.value if path is not None else None,
                   value_text(value), tuple(sorted((k, str(v)) for k, v in variables.items() if v is not None)))
            if key in seen:
                continue
            seen.add(key)
            if value is None:
                value = this  # pyshacl: a node shape's result names the focus node as the value
            # pyshacl formats the other variables first, then this, path and value
            bound = {k: v for k, v in variables.items() if v is not None}
            bound["this"] = this
            if path is not None:
                bound["path"] = path
            bound["value"] = value
            messages = [_format(m, bound) for m in shape_messages]
            messages += [_format(m, bound) for m in constraint_messages if m not in shape_messages]
            out.append(result(iri, severity, "SPARQLConstraintComponent", messages[0] if messages else "", this,
                               path.value if isinstance(path, NamedNode) else None, value))
        return out

    return Check(iri, severity, "", "SPARQLConstraintComponent", _tagged(run, language))


def _close_brace(text: str, start: int) -> int:
    """Index of the ``}`` closing the ``{`` at ``start`` (quoted strings skipped); -1 if none."""
    depth, i, quote = 0, start, ""
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


_NOT_EXISTS = re.compile(r"FILTER\s+NOT\s+EXISTS\s*\{", re.IGNORECASE)
_VAR = re.compile(r"[?$]([A-Za-z_][A-Za-z0-9_]*)")


def not_exists_as_optional(body: str) -> str:
    """A last ``FILTER NOT EXISTS { P }`` of the WHERE group as ``OPTIONAL { P BIND(true AS ?e) } FILTER(!BOUND(?e))``.

    The same solutions (the optional group's FILTER is the left join's condition, so it
    sees the outer variables, and rows with a match are dropped, so none is duplicated),
    but Oxigraph evaluates it as one join instead of one sub-query per row
    (docs/decisions/20261123-fast-validation.md). Applied only when the block closes the WHERE group and its own
    variables appear nowhere else in the query; otherwise the text is kept as it is.
    """
    match = None
    for m in _NOT_EXISTS.finditer(body):
        match = m
    if match is None:
        return body
    open_at = match.end() - 1
    close_at = _close_brace(body, open_at)
    if close_at < 0:
        return body
    where = _SELECT_WHERE.search(body)
    if where is None or _close_brace(body, where.end() - 1) != close_at + 1 + (len(body[close_at + 1:]) - len(body[close_at + 1:].lstrip())):
        return body
    inner = body[open_at + 1:close_at]
    outside = body[:match.start()] + body[close_at + 1:]
    outer_vars = set(_VAR.findall(outside))
    inner_only = set(_VAR.findall(inner)) - outer_vars
    # every inner-only variable must be local to the block (not bound or read outside it)
    if any(re.search(rf"[?$]{v}\b", outside) for v in inner_only):
        return body
    flag = "_esrgraph_exists"
    if flag in body:
        return body
    return (body[:match.start()] + "OPTIONAL {" + inner + f" BIND(true AS ?{flag}) }} FILTER(!BOUND(?{flag}))"
            + body[close_at + 1:])


def _get(row: QuerySolution, name: str) -> NamedNode | BlankNode | Literal | None:
    try:
        value: NamedNode | BlankNode | Literal | None = row[name]
    except (KeyError, IndexError):
        return None
    return value


@lru_cache(maxsize=64)
def _variables(query: str) -> tuple[str, ...]:
    where = _SELECT_WHERE.search(query)
    assert where is not None  # _compile_sparql gave up on queries without one
    head = query[: where.start()]
    names = re.findall(r"(?:AS\s+)?[?$]([A-Za-z_][A-Za-z0-9_]*)", head)
    return tuple(n for n in dict.fromkeys(names) if n not in ("this", "path", "value", "failure"))


def _format(message: str, bound: dict[str, NamedNode | BlankNode | Literal]) -> str:
    for var, val in bound.items():
        message = re.sub(f"{{[?$]{var}}}", str(to_rdflib(val)), message)  # as pyshacl does
    return message


__all__ = ["Unsupported", "compile_shapes", "not_exists_as_optional", "python_regex_functions"]
