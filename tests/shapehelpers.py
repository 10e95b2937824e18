"""Helpers for tests/validation/test_shape_examples.py: which shapes need examples, and the example headers.

An example file under ``tests/shapes/<rule id>/`` starts with comment lines that state what
validation must report for it::

    # expect: sourceShape esrsh:P07-start-not-after-end ; path esr:plannedStartDate ; value "2019-09-01"^^xsd:date ; component sh:LessThanOrEqualsConstraintComponent
    # also: sourceShape esrsh:Q01-start-date-plausible ; path esr:plannedStartDate ; value "1.9.2017"^^xsd:date ; component sh:MinInclusiveConstraintComponent

``expect`` lines name results of the shape under test (the folder's rule), ``also`` lines
results that another shape necessarily reports for the same bad value (the file says why).
Each line stands for exactly one result. Keys: ``sourceShape`` (required), ``focus`` (default:
the file's one ``esr:Project``), ``path`` and ``value`` (default: the result has none),
``component`` (default: not checked). Terms are written in Turtle with the file's prefixes.
A ``valid-*.ttl`` file has no such lines: it must give no result at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import rdflib
from rdflib.namespace import RDF, SH
from rdflib.util import from_n3

from esrgraph.core.vocab import ESR, ESRSH
from esrgraph.validation.report import ShaclResult
from repo_paths import REPO

SHAPES_DIR = REPO / "shapes"
EXAMPLES_DIR = Path(__file__).resolve().parent / "shapes"

#: Parameters of SHACL constraint components (core and SPARQL), except sh:property: a node
#: shape with none of these only groups property shapes (esrsh:ProjectShape, for example)
#: and is checked through them, so it needs no examples of its own.
CONSTRAINT_PARAMETERS = frozenset(
    SH[name]
    for name in (
        "class datatype nodeKind minCount maxCount minExclusive minInclusive maxExclusive maxInclusive "
        "minLength maxLength pattern languageIn uniqueLang equals disjoint lessThan lessThanOrEquals "
        "not and or xone node qualifiedValueShape qualifiedMinCount qualifiedMaxCount closed hasValue "
        "in sparql"
    ).split()
)
SHAPE_TYPES = (SH.NodeShape, SH.PropertyShape)


def load_shapes_graph(files: Iterable[Path] | None = None) -> rdflib.Graph:
    """All shapes files (``shapes/*.ttl``, as validate_graph loads them) in one graph."""
    graph = rdflib.Graph()
    for path in files if files is not None else sorted(SHAPES_DIR.glob("*.ttl")):
        graph.parse(path, format="turtle")
    return graph


def is_shape(graph: rdflib.Graph, node: rdflib.term.Node) -> bool:
    """A node the SHACL spec counts as a shape: typed as one, or with sh:path or a target."""
    if any((node, RDF.type, t) in graph for t in SHAPE_TYPES):
        return True
    targets = (SH.path, SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
    return any(graph.value(node, p) is not None for p in targets)


def is_grouping_shape(graph: rdflib.Graph, node: rdflib.term.Node) -> bool:
    """A node shape without a constraint of its own: it only lists property shapes (sh:property)."""
    if graph.value(node, SH.path) is not None:
        return False
    return not any(graph.value(node, p) is not None for p in CONSTRAINT_PARAMETERS)


def rule_shapes(graph: rdflib.Graph) -> dict[str, rdflib.URIRef]:
    """Every esrsh: shape that needs examples, by rule id (the IRI's local name)."""
    out: dict[str, rdflib.URIRef] = {}
    for node in set(graph.subjects()):
        if not (isinstance(node, rdflib.URIRef) and str(node).startswith(ESRSH)):
            continue
        if is_shape(graph, node) and not is_grouping_shape(graph, node):
            out[str(node)[len(ESRSH):]] = node
    return dict(sorted(out.items()))


@dataclass(frozen=True)
class Expected:
    """One result an example file announces."""

    kind: str  # "expect" or "also"
    source_shape: rdflib.term.Node
    focus: rdflib.term.Node
    path: rdflib.term.Node | None
    value: rdflib.term.Node | None
    component: rdflib.term.Node | None
    line: str

    def matches(self, result: ShaclResult) -> bool:
        actual = result_terms(result)
        return (
            actual[0] == self.source_shape
            and actual[1] == self.focus
            and actual[2] == self.path
            and actual[3] == self.value
            and (self.component is None or actual[4] == self.component)
        )


def result_terms(r: ShaclResult) -> tuple[rdflib.term.Node | None, ...]:
    """(sourceShape, focus, path, value, component) of a result as rdflib terms."""

    def node(text: str) -> rdflib.term.Node:
        return rdflib.BNode(text[2:]) if text.startswith("_:") else rdflib.URIRef(text)

    value: rdflib.term.Node | None = None
    if r.value is not None:
        value = from_n3(r.value) if r.value_is_literal else node(r.value)
    return (
        node(r.source_shape),
        node(r.focus),
        rdflib.URIRef(r.path) if r.path else None,
        value,
        rdflib.URIRef(r.component),
    )


def describe(r: ShaclResult) -> str:
    """A result on one line, for failure messages."""
    short = r.source_shape.removeprefix(ESRSH)
    path = (r.path or "-").replace(ESR, "esr:")
    return f"{short} | focus {r.focus} | path {path} | value {r.value} | {r.component.rsplit('#', 1)[-1]} | {r.message}"


def parse_header(path: Path, graph: rdflib.Graph) -> list[Expected]:
    """The ``# expect:`` and ``# also:`` lines of an example, read with the file's prefixes."""
    nsm = graph.namespace_manager
    projects = list(graph.subjects(RDF.type, rdflib.URIRef(ESR + "Project")))
    default_focus = projects[0] if len(projects) == 1 else None
    out: list[Expected] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        if not raw.startswith("#"):
            if raw.strip():
                break  # the header ends at the first line of Turtle
            continue
        text = raw.lstrip("#").strip()
        kind, sep, rest = text.partition(":")
        if not sep or kind not in ("expect", "also"):
            continue
        fields: dict[str, str] = {}
        for part in rest.split(" ; "):
            key, _, term = part.strip().partition(" ")
            if key in fields:
                raise ValueError(f"{path.name}: {key} given twice in: {raw}")
            if key not in ("sourceShape", "focus", "path", "value", "component"):
                raise ValueError(f"{path.name}: unknown key {key!r} in: {raw}")
            fields[key] = term.strip()
        if "sourceShape" not in fields:
            raise ValueError(f"{path.name}: no sourceShape in: {raw}")

        def term(key: str, fields: dict[str, str] = fields) -> rdflib.term.Node | None:
            return from_n3(fields[key], nsm=nsm) if key in fields else None

        focus = term("focus") or default_focus
        if focus is None:
            raise ValueError(f"{path.name}: say the focus node; the file has {len(projects)} projects")
        out.append(
            Expected(kind, term("sourceShape"), focus, term("path"), term("value"), term("component"), text)
        )
    return out


def example_files(prefix: str) -> list[Path]:
    """Every ``<prefix>*.ttl`` under tests/shapes/<rule id>/."""
    return sorted(EXAMPLES_DIR.glob(f"*/{prefix}*.ttl"))
