"""Running compiled checks on a store: the graph bulk-loaded into Oxigraph, each check's SPARQL run
there, and the results named as pyshacl names them.

The compiler (``compiler.py``) turns shapes into ``Check``s built from the runners here; this module
knows nothing of shapes graphs. docs/decisions/20261123-fast-validation.md says why the checks run
on Oxigraph.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import rdflib
from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, QuerySolutions, RdfFormat, Store, Triple
from rdflib.namespace import RDFS as RDFS_NS
from rdflib.namespace import SH

from esrgraph.core.findings import Finding
from esrgraph.core.vocab import DCTERMS, ESR
from esrgraph.validation.compare import less_or_equal, oxigraph_parts
from esrgraph.validation.fast.value_checks import RDF_TYPE, XSD, Unsupported, ValueCheck
from esrgraph.validation.report import FocusContext, Locator, ShaclResult, ValidationReport, finding

log = logging.getLogger(__name__)

SHNS = str(SH)
PY_REGEX = "urn:esrgraph:fn:regex"
PY_REPLACE = "urn:esrgraph:fn:replace"
#: The SHACL constraint component each shape parameter checks.
COMPONENT = {
    "minCount": "MinCountConstraintComponent", "maxCount": "MaxCountConstraintComponent",
    "datatype": "DatatypeConstraintComponent", "nodeKind": "NodeKindConstraintComponent",
    "class": "ClassConstraintComponent", "pattern": "PatternConstraintComponent",
    "minInclusive": "MinInclusiveConstraintComponent", "maxInclusive": "MaxInclusiveConstraintComponent",
    "minExclusive": "MinExclusiveConstraintComponent", "maxExclusive": "MaxExclusiveConstraintComponent",
    "in": "InConstraintComponent", "hasValue": "HasValueConstraintComponent",
    "lessThanOrEquals": "LessThanOrEqualsConstraintComponent", "not": "NotConstraintComponent",
    "or": "OrConstraintComponent", "sparql": "SPARQLConstraintComponent",
}


def store_of(ntriples: bytes | Path) -> Store:
    """An in-memory Oxigraph store holding the graph (bulk-loaded from its N-Triples, or from
    the N-Triples file ``ntriples``, which is then not held in memory as well).

    ``lenient``: the text comes from pyoxigraph's own writer, whose terms were checked when
    they were made, so checking every IRI again only costs time
    (docs/decisions/20261123-build-hot-paths.md).
    """
    store = Store()
    if isinstance(ntriples, Path):
        store.bulk_load(path=str(ntriples), format=RdfFormat.N_TRIPLES, lenient=True)
    elif ntriples:
        store.bulk_load(input=ntriples, format=RdfFormat.N_TRIPLES, lenient=True)
    return store


#: A Python function a query may call (Oxigraph's ``custom_functions``).
CustomFunction = Callable[..., NamedNode | BlankNode | Literal | Triple | None]


def solutions(store: Store, query: str, custom_functions: dict[NamedNode, CustomFunction] | None = None) -> QuerySolutions:
    """The solutions of the SELECT ``query`` on ``store`` (a SELECT gives nothing else)."""
    found = store.query(query, custom_functions=custom_functions)
    assert isinstance(found, QuerySolutions)
    return found


def to_rdflib(term: NamedNode | BlankNode | Literal) -> rdflib.term.Identifier:
    """The rdflib term an N-Triples round trip gives (what pyshacl sees)."""
    if isinstance(term, NamedNode):
        return rdflib.URIRef(term.value)
    if isinstance(term, BlankNode):
        return rdflib.BNode(term.value)
    if term.language:
        return rdflib.Literal(term.value, lang=term.language)
    dt = term.datatype.value
    return rdflib.Literal(term.value, datatype=None if dt == XSD + "string" else rdflib.URIRef(dt))


def term_text(term: NamedNode | BlankNode | Literal) -> str:
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    return term.value


def value_text(term: NamedNode | BlankNode | Literal | None) -> tuple[str | None, bool]:
    if term is None:
        return None, False
    if isinstance(term, Literal):
        return to_rdflib(term).n3(), True
    return term_text(term), False


# ---------------------------------------------------------------------------- python regex (as rdflib)


@lru_cache(maxsize=256)
def _compile(pattern: str, flags: str) -> re.Pattern[str]:
    value = 0
    for f in flags:
        value |= {"i": re.IGNORECASE, "s": re.DOTALL, "m": re.MULTILINE}.get(f, 0)
    return re.compile(pattern, value)


def _string_of(term: object) -> str | None:
    if isinstance(term, Literal) and (term.language or term.datatype.value == XSD + "string"):
        return term.value
    return None


def _py_regex(text: object, pattern: object, flags: object = None) -> Literal | None:
    s, p = _string_of(text), _string_of(pattern)
    if s is None or p is None:
        return None
    f = _string_of(flags) if flags is not None else ""
    found = _compile(p, f or "").search(s) is not None
    return Literal("true" if found else "false", datatype=NamedNode(XSD + "boolean"))


def _py_replace(text: object, pattern: object, replacement: object, flags: object = None) -> Literal | None:
    s, p, r = _string_of(text), _string_of(pattern), _string_of(replacement)
    if s is None or p is None or r is None:
        return None
    f = _string_of(flags) if flags is not None else ""
    r = re.sub("\\$([0-9]*)", r"\\\1", r)
    out = _compile(p, f or "").sub(r, s)
    assert isinstance(text, Literal)
    if text.language:
        return Literal(out, language=text.language)
    return Literal(out, datatype=text.datatype)


CUSTOM_FUNCTIONS: dict[NamedNode, CustomFunction] = {
    NamedNode(PY_REGEX): _py_regex,
    NamedNode(PY_REPLACE): _py_replace,
}


# ---------------------------------------------------------------------------- compiled checks


@dataclass
class Check:
    """One compiled constraint of one shape."""

    shape: str
    severity: str
    message: str
    component: str
    run: Callable[[Store, str], list[ShaclResult]]
    #: The SPARQL group binding ``?this`` to the shape's focus nodes (every result's focus is one).
    focus: str = ""


def check_threads(processes: int = 1) -> int:
    """Threads for the checks when ``processes`` processes (this one among them) validate at once:
    this process's share of the cores, at most four (``ESRGRAPH_THREADS`` overrides): more threads
    than cores only contend (docs/decisions/20261202-cores-and-rebuild.md)."""
    wanted = os.environ.get("ESRGRAPH_THREADS")
    if wanted and wanted.isdigit() and int(wanted) > 0:
        return int(wanted)
    return max(1, min(4, (os.cpu_count() or 1) // max(1, processes)))


@dataclass
class FastValidator:
    """Our shapes, compiled once; ``validate(store)`` runs them all."""

    shapes_files: list[str]
    checks: list[Check] = field(default_factory=list)
    fallback_shapes: dict[str, str] = field(default_factory=dict)  # shape IRI -> why
    shapes_graph: rdflib.Graph | None = None

    def validate(self, store: Store, *, locate: Locator | None = None, pyshacl_graph: Callable[[], rdflib.Graph] | None = None,
                 owns: Callable[[str], bool] | None = None, threads: int | None = None,
                 skip_unowned_focus: bool = False) -> ValidationReport:
        """Validate the graph in ``store`` (its default graph).

        Args:
            store: the data.
            locate: optional (record code, field) -> (source path, line).
            pyshacl_graph: gives the data as an rdflib graph, for shapes that need pyshacl;
                when None it is read from the store.
            owns: keep only results whose focus node this says the store owns (the sharded
                build validates each part of a graph on a store that also holds, as context,
                nodes another part validates).
            threads: threads for the checks (default: ``check_threads()``).
            skip_unowned_focus: with ``owns``, run only the checks of which ``owns`` claims at
                least one focus node; the others could only give results that are dropped. (A part
                of the sharded build holds other parts' nodes as context: an organisation part
                holds the projects that link to its organisations, and every project check would
                run on them for nothing.)
        """
        results: list[ShaclResult] = []
        checks = self.checks
        if owns is not None and skip_unowned_focus:
            checks = self._checks_with_owned_focus(store, owns)
        # Oxigraph evaluates queries without holding the GIL, so the checks run on one thread
        # per core; the results are gathered in check order, so the report is the same.
        with ThreadPoolExecutor(max_workers=threads or check_threads()) as pool:
            for found in pool.map(lambda check: check.run(store, ""), checks):
                results.extend(found)
        if self.fallback_shapes:
            results.extend(self._fallback(store, pyshacl_graph))
        if owns is not None:
            results = [r for r in results if owns(r.focus)]
        report = ValidationReport(shapes_files=list(self.shapes_files))
        context = focus_context(store, {r.focus for r in results})
        for raw in results:
            report.results.append(raw)
            report.findings.append(finding(raw, context, locate))
        report.findings.sort(key=Finding.sort_key)
        return report

    def _checks_with_owned_focus(self, store: Store, owns: Callable[[str], bool]) -> list[Check]:
        """The checks with a focus node that ``owns`` claims (each distinct focus group asked once,
        up to its first owned node)."""
        owned: dict[str, bool] = {}
        for focus in sorted({check.focus for check in self.checks}):
            owned[focus] = not focus or any(owns(term_text(row["this"])) for row in solutions(store, f"SELECT ?this WHERE {focus}"))
        return [check for check in self.checks if owned[check.focus]]

    def _fallback(self, store: Store, graph: Callable[[], rdflib.Graph] | None) -> list[ShaclResult]:
        from esrgraph.validation.report import pyshacl_results

        for shape, why in sorted(self.fallback_shapes.items()):
            log.warning("shape %s is validated by pyshacl (slow path): %s", shape, why)
        data = graph() if graph is not None else store_to_rdflib(store)
        assert self.shapes_graph is not None
        return [r for r in pyshacl_results(data, self.shapes_graph, [Path(f) for f in self.shapes_files])
                if r.source_shape in self.fallback_shapes]


def store_to_rdflib(store: Store) -> rdflib.Graph:
    data = store.dump(format=RdfFormat.N_TRIPLES, from_graph=DefaultGraph()) or b""
    graph = rdflib.Graph()
    graph.parse(data=data.decode("utf-8"), format="nt")
    return graph


def focus_context(store: Store, focus: set[str]) -> FocusContext:
    """The record/field naming context of report.py, read from the store for ``focus`` only."""
    context = FocusContext()
    if not focus:
        return context
    iris = sorted(f for f in focus if not f.startswith("_:"))
    projects: dict[str, str] = {}
    links: list[tuple[str, str, str]] = []
    rdf_type, project_class = NamedNode(RDF_TYPE), NamedNode(ESR + "Project")
    ident = NamedNode(DCTERMS + "identifier")
    known: dict[str, bool] = {}

    def is_project(node: NamedNode) -> bool:
        if node.value not in known:
            known[node.value] = next(iter(store.quads_for_pattern(node, rdf_type, project_class)), None) is not None
            if known[node.value]:
                codes = sorted(q.object.value for q in store.quads_for_pattern(node, ident, None)
                               if not isinstance(q.object, Triple))
                projects[node.value] = codes[0] if codes else node.value.rsplit("/", 1)[-1]  # as report.py
        return known[node.value]

    # Index lookups per focus node (SPARQL joins of VALUES with ?p ?pred ?f were slow in Oxigraph).
    for f in iris:
        node = NamedNode(f)
        is_project(node)
        for quad in store.quads_for_pattern(None, None, node):
            subject = quad.subject
            if isinstance(subject, NamedNode) and is_project(subject):
                links.append((subject.value, quad.predicate.value, f))
    context.add(projects, sorted(set(links)))
    return context


# ---------------------------------------------------------------------------- runners


def result(shape: str, severity: str, component: str, message: str, focus: NamedNode | BlankNode | Literal,
            path: str | None, value: NamedNode | BlankNode | Literal | None) -> ShaclResult:
    text, is_literal = value_text(value)
    return ShaclResult(severity=severity, focus=term_text(focus), path=path, value=text, value_is_literal=is_literal,
                       source_shape=shape, component=SHNS + component, message=message)


def _class_closure_query(cls: str) -> str:
    return f"SELECT DISTINCT ?c WHERE {{ ?c <{RDFS_NS.subClassOf}>* <{cls}> }}"


def _closure(store: Store, check: ValueCheck) -> None:
    if check.name == "class":
        check.classes = sorted({r["c"].value for r in solutions(store, _class_closure_query(str(check.param)))})


def _types_of(store: Store, values: Iterable[NamedNode | BlankNode | Literal]) -> dict[str, set[str]]:
    nodes = sorted({v.value for v in values if isinstance(v, NamedNode)})
    out: dict[str, set[str]] = {}
    for start in range(0, len(nodes), 2000):
        vals = " ".join(f"<{n}>" for n in nodes[start:start + 2000])
        for r in solutions(store, f"SELECT ?v ?t WHERE {{ VALUES ?v {{ {vals} }} ?v <{RDF_TYPE}> ?t }}"):
            out.setdefault(r["v"].value, set()).add(r["t"].value)
    return out


def value_runner(shape: str, severity: str, message: str, name: str, check: ValueCheck, focus: str,
                  path: str) -> Callable[[Store, str], list[ShaclResult]]:
    component = COMPONENT[name]

    def run(store: Store, _: str) -> list[ShaclResult]:
        _closure(store, check)
        q = f"SELECT ?this ?v WHERE {{ {focus} ?this <{path}> ?v . FILTER(!({check.sure_pass()})) }}"
        rows = [(r["this"], r["v"]) for r in solutions(store, q)]
        types = _types_of(store, [v for _, v in rows]) if name == "class" else {}
        return [result(shape, severity, component, message, this, path, v)
                for this, v in rows if not check.passes(to_rdflib(v), types.get(v.value, set()))]

    return run


def ltoe_runner(shape: str, severity: str, message: str, focus: str, path: str,
                 other: str) -> Callable[[Store, str], list[ShaclResult]]:
    def run(store: Store, _: str) -> list[ShaclResult]:
        # certainly comparable and in order: numbers, or dates written without a time zone
        sure = (f"COALESCE(((isNumeric(?v) && isNumeric(?o)) || (DATATYPE(?v) = <{XSD}date> && "
                f"DATATYPE(?o) = <{XSD}date> && STRLEN(STR(?v)) = 10 && STRLEN(STR(?o)) = 10)) && ?v <= ?o, false)")
        q = f"SELECT ?this ?v ?o WHERE {{ {focus} ?this <{path}> ?v . ?this {other} ?o . FILTER(!({sure})) }}"
        out = []
        for r in solutions(store, q):
            v = r["v"]
            if isinstance(v, BlankNode) or isinstance(r["o"], BlankNode):
                raise Unsupported("sh:lessThanOrEquals on a blank node")  # pyshacl raises too
            if less_or_equal(oxigraph_parts(v), oxigraph_parts(r["o"])) is not True:
                out.append(result(shape, severity, "LessThanOrEqualsConstraintComponent", message, r["this"], path, v))
        return out

    return run


def not_runner(shape: str, severity: str, message: str, focus: str, path: str,
                inner: list[ValueCheck]) -> Callable[[Store, str], list[ShaclResult]]:
    def run(store: Store, _: str) -> list[ShaclResult]:
        for check in inner:
            _closure(store, check)
        # A value fails sh:not when it conforms to the inner shape: leave out the values that
        # certainly fail an inner check (numeric ranges compare in SPARQL) and decide every
        # other one exactly, as pyshacl does.
        sure_fail = " || ".join(c.sure_fail() for c in inner)
        q = f"SELECT ?this ?v WHERE {{ {focus} ?this <{path}> ?v . FILTER(!({sure_fail})) }}"
        rows = [(r["this"], r["v"]) for r in solutions(store, q)]
        types = _types_of(store, [v for _, v in rows]) if any(c.name == "class" for c in inner) else {}
        return [result(shape, severity, "NotConstraintComponent", message, this, path, v) for this, v in rows
                if all(c.passes(to_rdflib(v), types.get(v.value, set())) for c in inner)]

    return run
