"""Readable HTML documentation of the vocabulary, generated from the Turtle so it cannot drift.

``vocabulary.html`` documents every class and property of ``ontology/esr.ttl`` (labels in
every language, definition, domain, range, examples from the ontology and from the data)
and every shape of ``shapes/*.ttl``, with each term linked to the shapes that constrain
it. ``codelists.html`` documents every SKOS concept scheme and concept in the graph.
Anchors are stable: ``#esr:fund``, ``#esrsh:P03-project-has-one-name``, ``#code:fund/ESR``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

import rdflib
import rdflib.collection
from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from esrgraph.core.vocab import CODE, DCTERMS, ESR, ESRSH, PREFIXES, SKOS
from esrgraph.io.export import read_ntriples_bytes
from esrgraph.publish.html import esc, link, page
from esrgraph.publish.jsonld import Compactor

SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
RDFS = rdflib.RDFS
OWL = rdflib.OWL
SKOSN = rdflib.Namespace(SKOS)
_PREFIXES = {**PREFIXES, "code": CODE, "esrsh": ESRSH, "sh": str(SH)}
LANG_ORDER = ("fi", "sv", "en")


#: ``curie``: IRIs compacted with every prefix the documents know, each worked out once.
curie = Compactor(_PREFIXES)


def _labels(g: rdflib.Graph, node: rdflib.term.Node, pred: rdflib.URIRef) -> list[tuple[str, str]]:
    values = [(o.language or "", str(o)) for o in g.objects(node, pred) if isinstance(o, rdflib.Literal)]
    return sorted(values, key=lambda v: (LANG_ORDER.index(v[0]) if v[0] in LANG_ORDER else 9, v))


def _lang_list(values: Sequence[tuple[str, str]]) -> str:
    return "<br>".join(f'<span lang="{esc(lang)}">{esc(text)}</span>' + (f" <small>@{esc(lang)}</small>" if lang else "")
                       for lang, text in values) or "—"


def _term_ref(iri: str) -> str:
    short = curie(iri)
    if iri.startswith((ESR, ESRSH)):
        return link(f"#{short}", short)
    if iri.startswith(CODE):
        return link(f"codelists.html#{short}", short)
    return link(iri, short)


def load_ontology(path: Path | None = None) -> rdflib.Graph:
    from esrgraph.core.resources import ontology_file

    g = rdflib.Graph()
    g.parse(path or ontology_file(), format="turtle")
    return g


def load_shapes_graph(files: Iterable[Path] | None = None) -> tuple[rdflib.Graph, dict[str, str]]:
    """All shapes, and which file each shape came from."""
    from esrgraph.core.resources import resource_dir

    g = rdflib.Graph()
    origin: dict[str, str] = {}
    for path in files if files is not None else sorted(resource_dir("shapes").glob("*.ttl")):
        one = rdflib.Graph()
        one.parse(path, format="turtle")
        for s in set(one.subjects(rdflib.RDF.type, SH.NodeShape)) | set(one.subjects(rdflib.RDF.type, SH.PropertyShape)):
            if isinstance(s, rdflib.URIRef):  # blank-node shapes have no stable name to document
                origin[str(s)] = path.name
        g += one
    return g, origin


def ontology_terms(g: rdflib.Graph) -> list[str]:
    """IRIs of every class and property the ontology defines in the esr: namespace, sorted."""
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, RDFS.Class, rdflib.RDF.Property,
             OWL.AnnotationProperty)
    return sorted({str(s) for k in kinds for s in g.subjects(rdflib.RDF.type, k) if str(s).startswith(ESR)})


def _constraining_shapes(shapes: rdflib.Graph) -> dict[str, set[str]]:
    """term IRI -> shapes that target it (sh:targetClass) or constrain it (sh:path)."""
    out: dict[str, set[str]] = defaultdict(set)
    for shape, cls in shapes.subject_objects(SH.targetClass):
        out[str(cls)].add(str(shape))
        for prop_shape in shapes.objects(shape, SH.property):
            out[str(cls)].add(str(prop_shape))
    for shape, path in shapes.subject_objects(SH.path):
        if isinstance(path, rdflib.URIRef):
            out[str(path)].add(str(shape))
        elif isinstance(path, rdflib.BNode):  # a sequence path: every property on it
            for step in rdflib.collection.Collection(shapes, path):
                if isinstance(step, rdflib.URIRef):
                    out[str(step)].add(str(shape))
    for shape, cls in shapes.subject_objects(SH["class"]):
        out[str(cls)].add(str(shape))
    return {term: {s for s in found if not s.startswith("_:") and "://" in s} for term, found in out.items()}


#: An object of a code-list triple.
Value = NamedNode | BlankNode | Literal


class VocabDocsCollector:
    """What the vocabulary documents read from the data, fed one triple at a time (so a release
    reads a large graph once): up to ``limit`` example values per class and property, and the
    triples of the code lists."""

    def __init__(self, limit: int = 2) -> None:
        self.limit = limit
        self.examples: dict[str, list[str]] = defaultdict(list)
        self.code_triples: dict[str, dict[str, list[Value]]] = defaultdict(lambda: defaultdict(list))

    def add(self, t: Triple) -> None:
        subject_term, obj = t.subject, t.object
        if isinstance(subject_term, Triple) or isinstance(obj, Triple):
            return  # a triple term (RDF 1.2): esrgraph writes none, and the documents have no place for one
        subject = subject_term.value
        if subject.startswith(CODE):
            self.code_triples[subject][t.predicate.value].append(obj)
        if t.predicate.value == _RDF_TYPE:
            key = obj.value
            found = self.examples[key]
            if len(found) < self.limit:
                value = curie(subject)
                if value not in found:
                    found.append(value)
            return
        found = self.examples[t.predicate.value]
        if len(found) < self.limit:
            value = curie(obj.value) if isinstance(obj, NamedNode) else obj.value
            if isinstance(obj, Literal) and len(value) > 80:
                value = value[:77] + "..."
            if value not in found:
                found.append(value)

    def share(self) -> tuple[dict[str, list[str]], bytes]:
        """What was added, for ``merge``: the examples, and the code lists' triples as N-Triples."""
        lines = [f"<{s}> <{p}> {o} .\n" for s, by_predicate in self.code_triples.items()
                 for p, values in by_predicate.items() for o in values]
        return dict(self.examples), "".join(lines).encode("utf-8")

    def merge(self, examples: dict[str, list[str]], code_ntriples: bytes) -> None:
        """Add a ``share`` of the triples that follow those added so far: the same documents as adding them. A
        share keeps the first ``limit`` distinct values of a key, and no earlier share can hold more than that
        many of them, so the first ``limit`` new ones are always among them."""
        for key, values in examples.items():
            found = self.examples[key]
            for value in values:
                if len(found) >= self.limit:
                    break
                if value not in found:
                    found.append(value)
        for t in read_ntriples_bytes(code_ntriples):
            subject, obj = t.subject, t.object
            if not isinstance(subject, Triple) and not isinstance(obj, Triple):  # ``add`` keeps none
                self.code_triples[subject.value][t.predicate.value].append(obj)

    def documents(self) -> dict[str, str]:
        """File name -> HTML."""
        return {"vocabulary.html": vocabulary_html(examples=self.examples),
                "codelists.html": _codelists_html(self.code_triples)}


_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def _collected(triples: Iterable[Triple]) -> VocabDocsCollector:
    collector = VocabDocsCollector()
    for t in triples:
        collector.add(t)
    return collector


def vocabulary_html(triples: Sequence[Triple] = (), ontology: rdflib.Graph | None = None,
                    shapes: tuple[rdflib.Graph, dict[str, str]] | None = None,
                    examples: dict[str, list[str]] | None = None) -> str:
    """vocabulary.html: the ontology's classes and properties (with ``examples`` from the data, or
    those of ``triples``), then every shape."""
    g = ontology if ontology is not None else load_ontology()
    sg, origin = shapes if shapes is not None else load_shapes_graph()
    constrained = _constraining_shapes(sg)
    if examples is None:
        examples = _collected(triples).examples
    onto = next(iter(g.subjects(rdflib.RDF.type, OWL.Ontology)), None)
    body = ['<h1>esrgraph vocabulary</h1>']
    if onto is not None:
        version = g.value(onto, OWL.versionInfo)
        body.append(f'<p class="iri">{esc(str(onto))} — version {esc(version or "")}</p>')
        body.append("<p>" + "<br>".join(esc(t) for _, t in _labels(g, onto, rdflib.DCTERMS.description)) + "</p>")
    body.append('<p>Code lists: <a href="codelists.html">codelists.html</a>.</p>')
    terms = ontology_terms(g)
    for title, kinds in (("Classes", (OWL.Class, RDFS.Class)),
                         ("Properties", (OWL.ObjectProperty, OWL.DatatypeProperty, rdflib.RDF.Property,
                                         OWL.AnnotationProperty))):
        body.append(f"<h2>{esc(title)}</h2>")
        for iri in terms:
            node = rdflib.URIRef(iri)
            types = set(g.objects(node, rdflib.RDF.type))
            if not types & set(kinds):
                continue
            short = curie(iri)
            rows = [("IRI", f'<span class="iri">{esc(iri)}</span>'),
                    ("Type", ", ".join(esc(curie(t)) for t in sorted(str(t) for t in types))),
                    ("Label", _lang_list(_labels(g, node, RDFS.label))),
                    ("Definition", _lang_list(_labels(g, node, RDFS.comment)))]
            for pred, name in ((RDFS.subClassOf, "Subclass of"), (RDFS.subPropertyOf, "Subproperty of"),
                               (RDFS.domain, "Domain"), (RDFS.range, "Range")):
                values = sorted(str(o) for o in g.objects(node, pred) if isinstance(o, rdflib.URIRef))
                if values:
                    rows.append((name, ", ".join(_term_ref(v) for v in values)))
            ex = [esc(str(o)) for o in g.objects(node, SKOSN.example)] + [f"<code>{esc(v)}</code>" for v in examples.get(iri, [])]
            rows.append(("Examples", "<br>".join(ex) or "—"))
            shapes_for = sorted(constrained.get(iri, ()))
            rows.append(("Shapes", ", ".join(_term_ref(s) for s in shapes_for) or "—"))
            body.append(f'<section id="{esc(short)}"><h3>{esc(short)}</h3><dl class="facts">'
                        + "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in rows) + "</dl></section>")
    body.append("<h2>Shapes</h2>")
    body.append("<table><thead><tr><th>Shape</th><th>File</th><th>Severity</th><th>Applies to</th>"
                "<th>Description</th></tr></thead><tbody>")
    all_shapes = sorted(origin)
    for shape in all_shapes:
        node = rdflib.URIRef(shape)
        short = curie(shape)
        severity = sg.value(node, SH.severity)
        targets = [str(o) for o in sg.objects(node, SH.targetClass)] + [str(o) for o in sg.objects(node, SH.path)
                                                                          if isinstance(o, rdflib.URIRef)]
        text = [t for _, t in _labels(sg, node, SH.name)] + [t for _, t in _labels(sg, node, SH.description)]
        message = [t for _, t in _labels(sg, node, SH.message)]
        desc = "<br>".join(esc(t) for t in text) + ("<br><small>Message: " + esc("; ".join(message)) + "</small>" if message else "")
        body.append(f'<tr id="{esc(short)}"><td>{esc(short)}</td><td>{esc(origin[shape])}</td>'
                    f'<td>{esc(curie(str(severity)) if severity else "sh:Violation")}</td>'
                    f'<td>{", ".join(_term_ref(t) for t in sorted(targets))}</td><td>{desc}</td></tr>')
    body.append("</tbody></table>")
    return page("esrgraph vocabulary", "\n".join(body), lang="en", inline_css=True)


#: How a concept lies under another (issue 20): broader within its scheme, part of or financed by across schemes.
_UPWARD = ((SKOS + "broader", ""), (DCTERMS + "isPartOf", "part of "), (ESR + "financedByFund", "financed by "))
#: Links to other publishers' codes, each kind shown with at most _MATCHES_SHOWN targets.
_MATCHES = ((SKOS + "exactMatch", "="), (SKOS + "closeMatch", "≈"), (SKOS + "broadMatch", "broader:"),
            (SKOS + "narrowMatch", "narrower:"))
_MATCHES_SHOWN = 4


def _upward_cell(by_subject: dict[str, dict[str, list[Value]]], concept: str) -> str:
    """Broader, part-of and financed-by concepts; a municipality's sub-regions come from its dated membership
    periods (esr:membershipPeriod), as they changed over time."""
    props = by_subject[concept]
    items = [esc(word) + _term_ref(o.value) for p, word in _UPWARD for o in sorted(props.get(p, []), key=lambda o: o.value)]
    subregions = {o.value for period in props.get(ESR + "membershipPeriod", [])
                  for o in by_subject.get(period.value, {}).get(ESR + "inSubregion", [])}
    items += [esc("in ") + _term_ref(s) for s in sorted(subregions)]
    return ", ".join(items)


def _matches_cell(props: dict[str, list[Value]]) -> str:
    cells = []
    for pred, sign in _MATCHES:
        found = sorted(o.value for o in props.get(pred, []))
        if found:
            more = len(found) - _MATCHES_SHOWN
            cells.append(f"{esc(sign)} " + ", ".join(link(o, curie(o)) for o in found[:_MATCHES_SHOWN])
                         + (f" (+{more})" if more > 0 else ""))
    return "<br>".join(cells)


def codelists_html(triples: Sequence[Triple]) -> str:
    """codelists.html: every concept scheme in ``triples`` and its concepts."""
    return _codelists_html(_collected(triples).code_triples)


def _codelists_html(by_subject: dict[str, dict[str, list[Value]]]) -> str:
    rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
    schemes = sorted(s for s, p in by_subject.items() if any(o.value == SKOS + "ConceptScheme" for o in p[rdf_type]))
    concepts: dict[str, list[str]] = defaultdict(list)
    for s, props in by_subject.items():
        for scheme in props.get(SKOS + "inScheme", []):
            concepts[scheme.value].append(s)

    def labels(props: dict[str, list[Value]], pred: str) -> str:
        vals = sorted(((o.language or "", o.value) for o in props.get(pred, []) if isinstance(o, Literal)),
                      key=lambda v: (LANG_ORDER.index(v[0]) if v[0] in LANG_ORDER else 9, v))
        return _lang_list(vals)

    body = ["<h1>esrgraph code lists</h1>", '<p>SKOS concept schemes used by the graph. '
            'Vocabulary: <a href="vocabulary.html">vocabulary.html</a>.</p><ul class="cols">']
    body += [f"<li>{link('#' + curie(s), curie(s))} ({len(concepts[s])})</li>" for s in schemes]
    body.append("</ul>")
    for s in schemes:
        props = by_subject[s]
        body.append(f'<section id="{esc(curie(s))}"><h2>{esc(curie(s))}</h2>')
        body.append(f"<p>{labels(props, 'http://purl.org/dc/terms/title')}</p>")
        body.append(f"<p>{labels(props, 'http://purl.org/dc/terms/description')}</p>")
        body.append("<table><thead><tr><th>Notation</th><th>Labels</th><th>Broader, part of</th>"
                    "<th>Matches (= same, ≈ close)</th></tr></thead><tbody>")
        for c in sorted(concepts[s]):
            cp = by_subject[c]
            notation = ", ".join(esc(o.value) for o in cp.get(SKOS + "notation", []))
            body.append(f'<tr id="{esc(curie(c))}"><td>{notation}</td><td>{labels(cp, SKOS + "prefLabel")}</td>'
                        f"<td>{_upward_cell(by_subject, c)}</td><td>{_matches_cell(cp)}</td></tr>")
        body.append("</tbody></table></section>")
    return page("esrgraph code lists", "\n".join(body), lang="en", inline_css=True)


def write_vocab_docs(triples: Sequence[Triple]) -> dict[str, str]:
    """File name -> HTML of the vocabulary documentation for a build's ``triples``."""
    return _collected(triples).documents()
