"""Rule metadata for the quality report, read from the shapes and the pipeline-rules file.

Every rule's explanation lives with the rule: ``sh:name``, ``sh:description``,
``sh:message``, ``sh:severity``, ``esrsh:category`` and ``esrsh:importance`` on the shape
(shapes/*.shapes.ttl), or on an ``esrsh:PipelineRule`` for the checks made in Python
(shapes/esr-pipeline-rules.ttl). The report code only reads them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import rdflib

from esrgraph.core.findings import Severity
from esrgraph.core.vocab import ESRSH, SH

#: The categories of the issue, in the order the report lists them.
CATEGORIES = ("identifiers", "dates", "money", "places", "organisations", "personal data", "text")
#: Importance, most important first.
IMPORTANCE = ("high", "medium", "low")

PIPELINE_RULES_FILE = "esr-pipeline-rules.ttl"

_SEVERITY = {SH + "Violation": Severity.VIOLATION, SH + "Warning": Severity.WARNING, SH + "Info": Severity.INFO}


@dataclass(frozen=True, slots=True)
class Rule:
    """What a rule checks and why, as the shapes (or the pipeline-rules file) say."""

    id: str
    name: str
    description: str
    message: str
    category: str
    importance: str
    severity: Severity
    iri: str | None = None
    stage: str = "shacl"

    @property
    def importance_rank(self) -> int:
        return IMPORTANCE.index(self.importance) if self.importance in IMPORTANCE else len(IMPORTANCE)

    @classmethod
    def unknown(cls, rule_id: str, severity: Severity) -> Rule:
        """A rule no shapes file describes (for example one of a user's own shapes without metadata)."""
        return cls(rule_id, rule_id, "", "", "other", "medium", severity)


def rule_id_of(iri: str) -> str:
    """The rule id of a shape IRI, as validate.py names findings."""
    if iri.startswith(ESRSH):
        return iri[len(ESRSH):]
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1] or iri


def _english(graph: rdflib.Graph, node: rdflib.term.Node, pred: rdflib.URIRef) -> str | None:
    values = [o for o in graph.objects(node, pred) if isinstance(o, rdflib.Literal)]
    if not values:
        return None
    values.sort(key=lambda o: (o.language not in ("en", None), o.language or "", str(o)))
    return str(values[0])


def rules_from_graph(graph: rdflib.Graph) -> dict[str, Rule]:
    """Rules described in ``graph``: every node with ``esrsh:category`` or ``sh:name`` and a severity."""
    sh = rdflib.Namespace(SH)
    esrsh = rdflib.Namespace(ESRSH)
    nodes = set(graph.subjects(esrsh.category, None)) | set(graph.subjects(sh.severity, None))
    rules: dict[str, Rule] = {}
    for node in nodes:
        if not isinstance(node, rdflib.URIRef):
            continue
        severity = _SEVERITY.get(str(graph.value(node, sh.severity)), Severity.VIOLATION)
        message = _english(graph, node, sh.message)
        if message is None:  # SHACL-SPARQL shapes keep the message on the constraint
            for constraint in graph.objects(node, sh.sparql):
                message = _english(graph, constraint, sh.message)
                if message:
                    break
        rule_id = rule_id_of(str(node))
        rules[rule_id] = Rule(
            id=rule_id,
            name=_english(graph, node, sh.name) or rule_id,
            description=_english(graph, node, sh.description) or "",
            message=message or "",
            category=str(graph.value(node, esrsh.category) or "other"),
            importance=str(graph.value(node, esrsh.importance) or "medium"),
            severity=severity,
            iri=str(node),
            stage=str(graph.value(node, esrsh.stage) or "shacl"),
        )
    return rules


def load_rules(shapes: str | os.PathLike[str] | None = None) -> dict[str, Rule]:
    """Metadata of every rule: the shapes used (ours when None) plus our pipeline rules.

    >>> rules = load_rules()
    >>> rules["Q03-granted-funding-not-zero"].category
    'money'
    >>> rules["impossible-date"].severity.value
    'Violation'
    """
    from esrgraph.core.resources import resource_dir
    from esrgraph.validation.report import shapes_files

    files = list(shapes_files(shapes))
    ours = resource_dir("shapes")
    files += sorted(p for p in ours.glob("*.ttl") if p not in files)
    graph = rdflib.Graph()
    for path in files:
        graph.parse(Path(path), format="turtle")
    return rules_from_graph(graph)
