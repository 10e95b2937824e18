"""SHACL validation. The only module that imports pyshacl.

pyshacl's report graph is turned into our own ``Finding``s that name the record (project
code), the field (JSON path of ``esrgraph parse``), the value and, when the build knows
it, the source file and line. The raw SHACL report is kept too and written as
deterministic Turtle (result nodes numbered in sorted order), so CI tools that read
standard SHACL reports can.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import rdflib
from pyoxigraph import BlankNode, Literal, NamedNode, Triple
from rdflib.namespace import SH

from esrgraph.core.errors import ShapeLoadError
from esrgraph.core.findings import Finding, Severity
from esrgraph.core.vocab import DCTERMS, ESR, PROV, RDF, XSD
from esrgraph.core.vocab import SH as SH_NS
from esrgraph.io.export import serialize_triples
from esrgraph.io.formats import OutputFormat
from esrgraph.mapping.mapper import FIELD_OF_PREDICATE
from esrgraph.validation.ci_reports import rule_id
from esrgraph.validation.compare import less_or_equal, rdflib_parts

_SEVERITY = {
    str(SH.Violation): Severity.VIOLATION,
    str(SH.Warning): Severity.WARNING,
    str(SH.Info): Severity.INFO,
}

#: Fields named for paths on nodes other than projects (organisations, assessments, sources).
_SUBNODE_FIELDS = {
    ("organisation", DCTERMS + "identifier"): "applicant.business_id",
    ("organisation", "http://www.w3.org/ns/regorg#registration"): "applicant.business_id",
    ("organisation", "http://www.w3.org/2004/02/skos/core#prefLabel"): "applicant.name",
    ("source", ESR + "sha256"): "source.sha256",
    ("source", ESR + "sourcePath"): "source.path",
}

Locator = Callable[[str, str], tuple[str | None, int | None]]


@dataclass(frozen=True, slots=True)
class ShaclResult:
    """One sh:ValidationResult, as plain strings (IRIs, or N-Triples text for literals)."""

    severity: str
    focus: str
    path: str | None
    value: str | None
    value_is_literal: bool
    source_shape: str
    component: str
    message: str
    #: The language tag of the shape's sh:message (kept in validation-report.ttl), None when untagged.
    message_language: str | None = None


@dataclass(slots=True)
class ValidationReport:
    """What validation found; ``conforms`` is False when any Violation was found."""

    findings: list[Finding] = field(default_factory=list)
    results: list[ShaclResult] = field(default_factory=list)
    shapes_files: list[str] = field(default_factory=list)

    @property
    def conforms(self) -> bool:
        return not any(f.severity is Severity.VIOLATION for f in self.findings)

    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in Severity}
        for f in self.findings:
            out[f.severity.value] += 1
        return out

    def report_turtle(self, prefixes: dict[str, str] | None = None) -> bytes:
        """The SHACL report as Turtle (``validation-report.ttl``), with ``sh:`` and ``prefixes``."""
        return serialize_triples(self.report_triples(), OutputFormat.TURTLE, {"sh": SH_NS, **(prefixes or {})})

    def report_triples(self) -> list[Triple]:
        """The SHACL report as triples; blank nodes numbered in sorted result order."""
        report = BlankNode("report")
        sh = SH_NS
        triples = [
            Triple(report, NamedNode(RDF + "type"), NamedNode(sh + "ValidationReport")),
            Triple(
                report,
                NamedNode(sh + "conforms"),
                Literal("true" if self.conforms else "false", datatype=NamedNode(XSD + "boolean")),
            ),
        ]
        ordered = sorted(set(self.results), key=lambda r: (r.focus, r.path or "", r.source_shape, r.value or "", r.message))
        for index, result in enumerate(ordered, start=1):
            node = BlankNode(f"r{index:05d}")
            triples.append(Triple(report, NamedNode(sh + "result"), node))
            triples.append(Triple(node, NamedNode(RDF + "type"), NamedNode(sh + "ValidationResult")))
            triples.append(Triple(node, NamedNode(sh + "resultSeverity"), NamedNode(result.severity)))
            triples.append(Triple(node, NamedNode(sh + "focusNode"), _node(result.focus)))
            if result.path:
                triples.append(Triple(node, NamedNode(sh + "resultPath"), NamedNode(result.path)))
            if result.value is not None:
                value = _literal_from_n3(result.value) if result.value_is_literal else _node(result.value)
                triples.append(Triple(node, NamedNode(sh + "value"), value))
            triples.append(Triple(node, NamedNode(sh + "sourceShape"), _node(result.source_shape)))
            triples.append(Triple(node, NamedNode(sh + "sourceConstraintComponent"), NamedNode(result.component)))
            message = Literal(result.message, language=result.message_language) if result.message_language \
                else Literal(result.message)
            triples.append(Triple(node, NamedNode(sh + "resultMessage"), message))
        return triples


def _node(text: str) -> NamedNode | BlankNode:
    if text.startswith("_:"):
        return BlankNode(text[2:] or "b")
    return NamedNode(text)


def _literal_from_n3(text: str) -> Literal:
    term = rdflib.util.from_n3(text)
    if isinstance(term, rdflib.Literal):
        if term.language:
            return Literal(str(term), language=term.language)
        if term.datatype:
            return Literal(str(term), datatype=NamedNode(str(term.datatype)))
        return Literal(str(term))
    return Literal(text)


def default_shapes_dir() -> Path:
    from esrgraph.core.resources import resource_dir

    return resource_dir("shapes")


def shapes_files(shapes: str | os.PathLike[str] | None = None) -> list[Path]:
    """The shapes files to use: a file, every *.ttl in a folder, or our own shapes."""
    where = Path(shapes) if shapes is not None else default_shapes_dir()
    if where.is_dir():
        files = sorted(where.glob("*.ttl"))
    elif where.is_file():
        files = [where]
    else:
        raise ShapeLoadError(f"{where}: no such shapes file or folder")
    if not files:
        raise ShapeLoadError(f"{where}: holds no .ttl shapes files")
    return files


def load_shapes(shapes: str | os.PathLike[str] | None = None) -> tuple[rdflib.Graph, list[Path]]:
    files = shapes_files(shapes)
    graph = rdflib.Graph()
    for path in files:
        try:
            graph.parse(path, format="turtle")
        except Exception as exc:  # rdflib raises many types for bad Turtle
            raise ShapeLoadError(f"{path}: cannot be read as Turtle: {exc}") from None
    return graph, files


def triples_to_rdflib(triples: Iterable[Triple]) -> rdflib.Graph:
    """An rdflib graph holding ``triples`` (through N-Triples, which both sides read exactly)."""
    from esrgraph.io.export import serialize_triples
    from esrgraph.io.formats import OutputFormat

    data = serialize_triples(triples, OutputFormat.NTRIPLES)
    graph = rdflib.Graph()
    graph.parse(data=data.decode("utf-8"), format="nt")
    return graph


def validate_graph(
    data: rdflib.Graph,
    shapes: str | os.PathLike[str] | None = None,
    *,
    locate: Locator | None = None,
) -> ValidationReport:
    """Validate ``data`` against our shapes (or the ones named) and describe each result.

    Args:
        data: the graph to check.
        shapes: a shapes file or folder; esrgraph's own shapes when None.
        locate: optional (record code, field) -> (source path, line), to point at input lines.

    Returns:
        A ValidationReport; ``report.conforms`` is False when any Violation was found.
    """
    shapes_graph, files = load_shapes(shapes)
    results = pyshacl_results(data, shapes_graph, files)
    context = FocusContext(data)
    report = ValidationReport(shapes_files=[str(f) for f in files])
    for raw in results:
        report.results.append(raw)
        report.findings.append(finding(raw, context, locate))
    report.findings.sort(key=Finding.sort_key)
    return report


def pyshacl_results(data: rdflib.Graph, shapes_graph: rdflib.Graph, files: Iterable[Path] = ()) -> list[ShaclResult]:
    """pyshacl's results for ``data``; also the fast validator's fallback for shapes it cannot compile."""
    import pyshacl
    import pyshacl.errors

    _compare_as_the_spec_says()
    try:
        _conforms, report_graph, _text = pyshacl.validate(
            data,
            shacl_graph=shapes_graph,
            inference="none",
            advanced=True,
            allow_warnings=True,
            allow_infos=True,
        )
    except (
        pyshacl.errors.ShapeLoadError,
        pyshacl.errors.ConstraintLoadError,
        pyshacl.errors.RuleLoadError,
        pyshacl.errors.ReportableRuntimeError,
    ) as exc:
        names = ", ".join(str(f) for f in files)
        raise ShapeLoadError(f"the shapes ({names}) cannot be used: {exc}") from None
    if not isinstance(report_graph, rdflib.Graph):  # pyshacl's ValidationFailure: the shapes are unusable
        raise ShapeLoadError(f"the shapes ({', '.join(str(f) for f in files)}) cannot be used: {report_graph}")
    results = [_raw_result(report_graph, r) for r in report_graph.subjects(rdflib.RDF.type, SH.ValidationResult)]
    return [_with_message_language(r, shapes_graph) for r in results]


def _with_message_language(result: ShaclResult, shapes_graph: rdflib.Graph) -> ShaclResult:
    """pyshacl drops the language tag of a SHACL-SPARQL message it fills in; the shape's message keeps it."""
    if result.message_language is not None or not result.message or result.source_shape.startswith("_:"):
        return result
    shape = rdflib.URIRef(result.source_shape)
    messages = list(shapes_graph.objects(shape, SH.message))
    for constraint in shapes_graph.objects(shape, SH.sparql):
        messages += list(shapes_graph.objects(constraint, SH.message))
    languages = {m.language for m in messages if isinstance(m, rdflib.Literal)}
    if len(languages) != 1:
        return result
    return replace(result, message_language=languages.pop())


def _compare_as_the_spec_says() -> None:
    """Give pyshacl's ``sh:lessThanOrEquals`` SHACL's rule: a pair that cannot be compared (an
    ill-typed date, a date against a number) is a result (``compare.py``; pyshacl 0.40 reports
    nothing for it). Replaces the one method that compares a focus node's pairs."""
    from pyshacl.constraints.core.property_pair_constraints import LessThanOrEqualsConstraintComponent
    from pyshacl.errors import ReportableRuntimeError

    if _PATCHED:
        return

    def compare_ltoe(self: LessThanOrEqualsConstraintComponent, value_nodes: Iterable[_Term],
                     compare_values: Iterable[_Term], datagraph: rdflib.Graph,
                     focus: _Term) -> tuple[bool, list[object]]:
        reports: list[object] = []
        others = list(compare_values)
        for value in value_nodes:
            for other in others:
                if isinstance(value, rdflib.BNode) or isinstance(other, rdflib.BNode):
                    raise ReportableRuntimeError("Cannot use sh:lessThanOrEquals to compare a BlankNode.")
                if less_or_equal(rdflib_parts(value), rdflib_parts(other)) is not True:
                    reports.append(self.make_v_result(datagraph, focus, value_node=value))
        return bool(reports), reports

    setattr(LessThanOrEqualsConstraintComponent, "_compare_ltoe", compare_ltoe)  # noqa: B010 (a method replaced)
    _PATCHED.append(True)


_Term = rdflib.term.IdentifiedNode | rdflib.Literal
#: Holds True once pyshacl's comparison is replaced (a list: set once, read without ``global``).
_PATCHED: list[bool] = []


def compare_literal(a: rdflib.Literal, b: rdflib.Literal) -> int:
    """pyshacl's literal comparison (-1, 0, 1), for the fast validator's exact re-checks."""
    from pyshacl.rdfutil.compare import compare_literal as untyped_compare

    # pyshacl's function carries no annotations; this says what it takes and gives
    pyshacl_compare: Callable[[rdflib.Literal, rdflib.Literal], int] = untyped_compare
    return int(pyshacl_compare(a, b))


def _raw_result(g: rdflib.Graph, node: rdflib.term.Node) -> ShaclResult:
    def one(pred: rdflib.URIRef) -> rdflib.term.Node | None:
        return next(iter(g.objects(node, pred)), None)

    value = one(SH.value)
    path = one(SH.resultPath)
    shape = one(SH.sourceShape)
    message = one(SH.resultMessage)
    focus = one(SH.focusNode)
    return ShaclResult(
        severity=str(one(SH.resultSeverity)),
        focus=_text(focus),
        path=str(path) if isinstance(path, rdflib.URIRef) else None,
        value=(value.n3() if isinstance(value, rdflib.Literal) else _text(value)) if value is not None else None,
        value_is_literal=isinstance(value, rdflib.Literal),
        source_shape=_text(shape),
        component=str(one(SH.sourceConstraintComponent)),
        message=str(message) if message is not None else "",
        message_language=message.language if isinstance(message, rdflib.Literal) else None,
    )


def _text(term: rdflib.term.Node | None) -> str:
    if term is None:
        return ""
    if isinstance(term, rdflib.BNode):
        return f"_:{term}"
    return str(term)


class FocusContext:
    """Which project (code) each focus node belongs to, read from the data graph."""

    def __init__(self, data: rdflib.Graph | None = None) -> None:
        self.codes: dict[str, list[str]] = {}
        self.kind: dict[str, str] = {}
        if data is None:
            return
        esr_ns = rdflib.Namespace(ESR)
        ident = rdflib.URIRef(DCTERMS + "identifier")
        projects: dict[str, str] = {}
        for p in data.subjects(rdflib.RDF.type, esr_ns.Project):
            codes = sorted(str(c) for c in data.objects(p, ident))  # sorted: several codes name the same record
            projects[str(p)] = codes[0] if codes else str(p).rsplit("/", 1)[-1]
        links = (
            (p_iri, str(pred), str(obj))
            for p_iri in projects
            for pred, obj in data.predicate_objects(rdflib.URIRef(p_iri))
            if isinstance(obj, rdflib.URIRef)
        )
        self.add(projects, links)

    def add(self, projects: dict[str, str], links: Iterable[tuple[str, str, str]]) -> None:
        """Record projects (IRI -> code) and their links (project IRI, predicate IRI, object IRI).

        Shared by pyshacl's path (links read from an rdflib graph) and the fast validator
        (links read from an Oxigraph store for the focus nodes it reports).
        """
        for p_iri, code in projects.items():
            self.codes.setdefault(p_iri, []).append(code)
            self.kind[p_iri] = "project"
        for p_iri, pred, o in links:
            code = projects[p_iri]
            if pred in (ESR + "applicant", ESR + "coImplementer", ESR + "partner"):
                self.kind[o] = "organisation"
            elif pred == PROV + "wasDerivedFrom":
                self.kind[o] = "source"
            elif o.startswith(p_iri + "/"):
                self.kind[o] = "subnode"
            else:
                continue
            self.codes.setdefault(o, []).append(code)

    def record(self, focus: str) -> str | None:
        codes = sorted(set(self.codes.get(focus, [])))
        if not codes:
            return None
        return codes[0] if len(codes) == 1 else f"{codes[0]} (+{len(codes) - 1} more)"

    def field(self, focus: str, path: str | None) -> str | None:
        if path is None:
            return None
        kind = self.kind.get(focus, "project")
        if (kind, path) in _SUBNODE_FIELDS:
            return _SUBNODE_FIELDS[(kind, path)]
        return FIELD_OF_PREDICATE.get(path, path.rsplit("#", 1)[-1].rsplit("/", 1)[-1])


def finding_place(record: str | None, field_name: str | None, locate: Locator | None) -> tuple[str | None, int | None]:
    """The file and line where a finding's field was read: the first record its text names (a node that
    several records share reads "S20001 (+2 more)"), asked for that field; nowhere without all three."""
    if locate and record and field_name:
        return locate(record.split(" ")[0], field_name)
    return None, None


def _filler_value(raw: ShaclResult) -> bool:
    """Whether the result's sh:value is only SHACL's filler: a SPARQL constraint that binds no ``?value`` reports
    its focus node as the value (SHACL 5.3.2), which is no value at the result's path (W05: nothing is there)."""
    return raw.component.endswith("SPARQLConstraintComponent") and raw.path is not None and raw.value == raw.focus


def finding(raw: ShaclResult, context: FocusContext, locate: Locator | None) -> Finding:
    record = context.record(raw.focus)
    field_name = context.field(raw.focus, raw.path)
    if raw.path is None and raw.source_shape.endswith("check-digit"):
        field_name = "applicant.business_id"
    value = None
    if raw.value is not None and not _filler_value(raw):
        value = str(rdflib.util.from_n3(raw.value)) if raw.value_is_literal else raw.value
    path, line = finding_place(record, field_name, locate)
    return Finding(
        severity=_SEVERITY.get(raw.severity, Severity.VIOLATION),
        rule=rule_id(raw.source_shape),
        message=raw.message or raw.component.rsplit("#", 1)[-1],
        record=record,
        field=field_name,
        value=value,
        path=path,
        line=line,
        focus=raw.focus,
        stage="shacl",
    )
