"""The report's measurements as W3C DQV (quality.ttl), linked from ``<base>dataset``.

Deterministic: measurement IRIs are derived from the metric (and the rule or field), and
no timestamp is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from pyoxigraph import Literal, NamedNode, Triple

from esrgraph.core.iris import segment
from esrgraph.core.vocab import DQV, RDF, XSD
from esrgraph.quality.report import QualityMeasures

ESRQ = "https://w3id.org/esrgraph/quality#"
PREFIXES = {"dqv": DQV, "esrq": ESRQ, "xsd": XSD, "rdf": RDF}


def _int(n: int) -> Literal:
    return Literal(str(n), datatype=NamedNode(XSD + "integer"))


def _dec(d: Decimal) -> Literal:
    text = format(d.quantize(Decimal("0.0001")), "f")
    return Literal(text, datatype=NamedNode(XSD + "decimal"))


def dqv_triples(report: QualityMeasures) -> list[Triple]:
    """One dqv:QualityMeasurement per metric (per rule / per field where the metric is about one)."""
    dataset = NamedNode(f"{report.base}dataset")
    prefix = f"{report.base}dataset/quality/"
    triples: list[Triple] = []

    def measure(local: str, metric: str, value: Literal, extra: Sequence[tuple[str, NamedNode | Literal]] = ()) -> None:
        m = NamedNode(prefix + local)
        triples.append(Triple(dataset, NamedNode(DQV + "hasQualityMeasurement"), m))
        triples.append(Triple(m, NamedNode(RDF + "type"), NamedNode(DQV + "QualityMeasurement")))
        triples.append(Triple(m, NamedNode(DQV + "isMeasurementOf"), NamedNode(ESRQ + metric)))
        triples.append(Triple(m, NamedNode(DQV + "computedOn"), dataset))
        triples.append(Triple(m, NamedNode(DQV + "value"), value))
        for pred, obj in extra:
            triples.append(Triple(m, NamedNode(pred), obj))

    h = report.headline
    counts = report.counts()
    measure("conforms", "conforms", Literal("true" if report.conforms else "false", datatype=NamedNode(XSD + "boolean")))
    measure("violations", "violations", _int(counts["Violation"]))
    measure("warnings", "warnings", _int(counts["Warning"]))
    measure("notes", "notes", _int(counts["Info"]))
    measure("projects", "projects", _int(h.projects))
    for local, value in (("recordsRead", h.records_read), ("recordsBuilt", h.records_built),
                         ("recordsQuarantined", h.records_quarantined)):
        if value is not None:
            measure(local, local, _int(value))
    for g in report.groups():
        rule_node: NamedNode | Literal = NamedNode(g.rule.iri) if g.rule.iri else Literal(g.rule.id)
        extra = [(ESRQ + "rule", rule_node), (ESRQ + "category", Literal(g.rule.category))]
        measure(f"rule/{segment(g.rule.id)}/findings", "findingsOfRule", _int(g.findings), extra)
        measure(f"rule/{segment(g.rule.id)}/share", "shareOfProjectsAffected", _dec(g.share), extra)
    for c in report.completeness:
        measure(f"completeness/{segment(c.spec.field)}", "fieldCompleteness", _dec(c.share),
                [(ESRQ + "field", Literal(c.spec.field))])
    return triples
