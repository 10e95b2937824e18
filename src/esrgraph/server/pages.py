"""HTML for people: a page per resource, the query page and result tables.

The pages use the static site's shell and escaping (:mod:`esrgraph.publish.html`): every piece
of record text goes through ``esc``; links come from the server's ``href`` so that IRIs under
the base stay on this server, and every link target then goes through the site's one safe-href rule
(``publish.html.href``: relative, http, https or mailto, anything else ``#``), because a graph
esrgraph did not build can hold ``javascript:`` IRIs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from urllib.parse import quote

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from esrgraph.publish.html import esc
from esrgraph.publish.html import href as safe_href
from esrgraph.publish.html import page as site_page

ESR = "https://w3id.org/esrgraph/ontology#"
DCT = "http://purl.org/dc/terms/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
ROV = "http://www.w3.org/ns/regorg#"
ADMS = "http://www.w3.org/ns/adms#"
FOAF = "http://xmlns.com/foaf/0.1/"
SCHEMA = "https://schema.org/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD = "http://www.w3.org/2001/XMLSchema#"

#: A linking resource on a page (the subject of a quad that points at the resource shown).
Subject = NamedNode | BlankNode | Triple

#: The facts shown first, under a heading, in this order; the full list of statements follows.
SUMMARY: list[tuple[str, list[str]]] = [
    ("What", [DCT + "identifier", DCT + "title", SKOS + "prefLabel", ROV + "legalName", ESR + "businessId",
              ROV + "registration", ROV + "orgType", SKOS + "notation", ESR + "status", ESR + "programmePeriod",
              FOAF + "page"]),
    ("When", [ESR + "plannedStartDate", ESR + "plannedEndDate"]),
    ("Funding", [ESR + "grantedEUAndStateFunding", ESR + "realisedEUAndStateFunding", ESR + "plannedPublicFunding",
                 ESR + "realisedPublicFunding", ESR + "budgetRange", ESR + "fund", ESR + "priorityAxis",
                 ESR + "specificObjective", ESR + "fundingAuthority", ESR + "financedByFund"]),
    ("Who", [ESR + "applicant", ESR + "coImplementer", ESR + "partner"]),
    ("Where", [ESR + "region", ESR + "subregion", ESR + "municipality", DCT + "isPartOf", ESR + "membershipPeriod",
               SKOS + "broader", SKOS + "inScheme", ESR + "nutsCorrespondence", SKOS + "exactMatch",
               SKOS + "closeMatch"]),
]

#: Amounts of a schema:MonetaryAmount node (its currency is stated beside them).
AMOUNT = (SCHEMA + "value", SCHEMA + "minValue", SCHEMA + "maxValue")

#: What the endpoint's pages show beyond the site's stylesheet: plain fact lists, the query form,
#: result tables, warnings and language tags.
STYLE = """
table{margin:.5rem 0 1.5rem} th{background:#f4f4f4} dl{display:grid;grid-template-columns:16rem 1fr;gap:.2rem 1rem}
dt{font-weight:600} dd{margin:0} .warning{background:#fff3cd;padding:.4rem .6rem} textarea{width:100%;font-family:monospace}
.lang{color:#777;font-size:.8rem} code{background:#f4f4f4}
"""

NAV = (("/", "Query"), ("/sparql", "Service description"))


def page(title: str, body: str) -> str:
    """A whole page in the site's shell, its stylesheet embedded (the endpoint serves no files)."""
    return site_page(title, body, lang="en", head_extra=f"<style>{STYLE}</style>\n", nav=NAV, inline_css=True,
                     footer=False)


def _amount(value: str) -> str | None:
    """``281250.50`` as ``281\u202f250.5``; None when it is no number."""
    try:
        return f"{float(value):,.2f}".rstrip("0").rstrip(".").replace(",", "\u202f")
    except ValueError:
        return None


def _part_label(facts: dict[str, list[str]]) -> str | None:
    """A minted node's link text from its facts (predicate -> values, objects as their labels), or None."""

    def one(predicate: str) -> str:
        return facts.get(predicate, [""])[0]

    amounts = [_amount(one(p)) or one(p) for p in AMOUNT if p in facts]
    if amounts:
        return " – ".join(amounts) + (f" {one(SCHEMA + 'currency')}" if SCHEMA + "currency" in facts else "")
    if SKOS + "notation" in facts:
        agency = one(ADMS + "schemaAgency")
        return one(SKOS + "notation") + (f" ({agency})" if agency else "")
    if ESR + "inSubregion" in facts or ESR + "inRegion" in facts:
        places = ", ".join(one(p) for p in (ESR + "inSubregion", ESR + "inRegion") if p in facts)
        return f"{places} ({one(SCHEMA + 'validFrom') or '…'} – {one(SCHEMA + 'validThrough') or '…'})"
    if ESR + "nutsRegion" in facts:
        return f"{one(ESR + 'nutsRegion').rsplit('/', 1)[-1]} (NUTS {one(ESR + 'nutsVersion') or '?'})"
    return None


def _part_labels(parts: Sequence[Triple], labels: dict[str, str]) -> dict[str, str]:
    """Link texts for the nodes minted under a resource, which have no label of their own: an amount with its
    currency, an identifier with its issuing agency (a Y-tunnus), a municipality's sub-region and region in a
    dated period, a region's NUTS code in one NUTS version."""
    order = {"fi": 0, "en": 1, "sv": 2}  # as the endpoint picks labels
    found: dict[str, dict[str, list[tuple[int, str]]]] = {}
    for t in parts:
        if isinstance(t.subject, NamedNode) and isinstance(t.object, (NamedNode, Literal)):
            o = t.object
            ranked = (order.get(o.language or "", 3), o.value) if isinstance(o, Literal) else (0, labels.get(o.value, o.value))
            found.setdefault(t.subject.value, {}).setdefault(t.predicate.value, []).append(ranked)
    facts = {node: {p: [v for _, v in sorted(vs)] for p, vs in f.items()} for node, f in found.items()}
    out = {node: _part_label(f) for node, f in facts.items()}
    return {node: text for node, text in out.items() if text}


def _term(term: NamedNode | BlankNode | Literal | Triple, labels: dict[str, str], href: Callable[[str], str],
          predicate: str | None = None) -> str:
    if isinstance(term, NamedNode):
        text = labels.get(term.value, term.value)
        return f'<a href="{safe_href(href(term.value))}">{esc(text)}</a>'
    if isinstance(term, BlankNode):
        return esc(f"_:{term.value}")
    if isinstance(term, Literal):
        value = term.value
        datatype = term.datatype.value
        if datatype == XSD + "decimal" and predicate and ("Funding" in predicate or "budget" in predicate
                                                          or predicate in AMOUNT):
            shown = _amount(value)
            if shown is not None:
                euro = "" if predicate in AMOUNT else " €"  # a MonetaryAmount names its currency itself
                return f'<data value="{esc(value)}">{esc(shown)}{euro}</data>'
        text = esc(value).replace("\n", "<br>")
        if term.language:
            text += f' <span class="lang">@{esc(term.language)}</span>'
        return text
    return esc(str(term))


def _sort_text(term: Subject) -> str:
    """The text a linking resource's label is looked up by (and sorted by when it has none)."""
    return str(term) if isinstance(term, Triple) else term.value


def resource_page(*, iri: str, triples: Sequence[Triple], incoming: Sequence[tuple[Subject, NamedNode]],
                  incoming_total: int, labels: dict[str, str], href: Callable[[str], str],
                  curie: Callable[[str], str]) -> str:
    """A readable page for one resource: its main facts, every statement, and what links to it."""
    own = [t for t in triples if isinstance(t.subject, NamedNode) and t.subject.value == iri]
    parts = [t for t in triples if not (isinstance(t.subject, NamedNode) and t.subject.value == iri)]
    labels = {**_part_labels(parts, labels), **labels}
    by_predicate: dict[str, list[Triple]] = {}
    for t in own:
        by_predicate.setdefault(t.predicate.value, []).append(t)
    title = labels.get(iri, iri.rstrip("/").rsplit("/", 1)[-1])
    types = [labels.get(t.object.value, curie(t.object.value)) for t in by_predicate.get(RDF_TYPE, [])
             if isinstance(t.object, NamedNode)]

    def name(predicate: str) -> str:
        return labels.get(predicate, curie(predicate))

    def values(predicate: str) -> str:
        items = sorted(by_predicate.get(predicate, []), key=lambda t: labels.get(str(t.object), str(t.object)))
        return "<br>".join(_term(t.object, labels, href, predicate) for t in items)

    body = [f"<h1>{esc(title)}</h1>",
            f'<p class="iri">{esc(", ".join(types))} · <code>{esc(iri)}</code></p>',
            "<p>Also as " + " · ".join(
                f'<a href="{safe_href(href(iri) + "." + ext)}">{name_}</a>'
                for ext, name_ in (("ttl", "Turtle"), ("nt", "N-Triples"), ("jsonld", "JSON-LD"))) + "</p>"]
    for heading, predicates in SUMMARY:
        present = [p for p in predicates if p in by_predicate]
        if present:
            body.append(f"<h2>{heading}</h2><dl>")
            body += [f"<dt>{esc(name(p))}</dt><dd>{values(p)}</dd>" for p in present]
            body.append("</dl>")
    body.append("<h2>All statements</h2><table><thead><tr><th>Property</th><th>Value</th></tr></thead><tbody>")
    for predicate in sorted(by_predicate, key=lambda p: (p != RDF_TYPE, name(p).lower())):
        body.append(f'<tr><td><a href="{safe_href(href(predicate))}">{esc(name(predicate))}</a></td>'
                    f"<td>{values(predicate)}</td></tr>")
    body.append("</tbody></table>")
    if parts:
        body.append("<h2>Parts</h2><table><thead><tr><th>Part</th><th>Property</th><th>Value</th></tr></thead><tbody>")
        for t in sorted(parts, key=lambda t: (str(t.subject), name(t.predicate.value))):
            subject = t.subject
            shown = (esc(subject.value[len(iri) + 1:]) if isinstance(subject, NamedNode)
                     and subject.value.startswith(iri + "/") else _term(subject, labels, href))
            body.append(f"<tr><td>{shown}</td><td>{esc(name(t.predicate.value))}</td>"
                        f"<td>{_term(t.object, labels, href, t.predicate.value)}</td></tr>")
        body.append("</tbody></table>")
    if incoming:
        body.append("<h2>Linked from</h2>")
        if incoming_total > len(incoming):
            body.append(f'<p class="warning">The first {len(incoming)} of {incoming_total} links; '
                        "query the endpoint for all of them.</p>")
        body.append("<table><thead><tr><th>Resource</th><th>Property</th></tr></thead><tbody>")
        rows = sorted(incoming, key=lambda sp: (labels.get(_sort_text(sp[0]), str(sp[0])), str(sp[1])))
        for linker, link_predicate in rows:
            shown = _term(linker, labels, href) if isinstance(linker, (NamedNode, BlankNode)) else esc(str(linker))
            body.append(f"<tr><td>{shown}</td><td>{esc(name(link_predicate.value))}</td></tr>")
        body.append("</tbody></table>")
    return page(title, "\n".join(body))


def results_page(sparql: str, table: str) -> str:
    """A result table with the query above it, for browsers."""
    return page("Query results", f'<h1>Query results</h1><form action="/" method="get">'
                f'<textarea name="query" rows="8">{esc(sparql)}</textarea>'
                f'<p><button>Edit</button></p></form>{table}')


def query_page(named: Iterable[tuple[str, str, str, str]], sparql: str, limits: str) -> str:
    """The query form with the named queries (name, title, description, SPARQL) as examples."""
    rows = []
    for name, title, description, text in named:
        run = "/sparql?format=html&query=" + quote(text, safe="")
        edit = "/?name=" + quote(name, safe="")
        rows.append(f"<tr><td><code>{esc(name)}</code></td><td><strong>{esc(title)}</strong><br>"
                    f"{esc(description)}</td><td><a href=\"{safe_href(run)}\">run</a> · "
                    f"<a href=\"{safe_href(edit)}\">edit</a></td></tr>")
    formats = "".join(f'<option value="{f}">{label}</option>' for f, label in
                      (("html", "HTML table"), ("json", "SPARQL JSON"), ("xml", "SPARQL XML"), ("csv", "CSV"),
                       ("tsv", "TSV"), ("ttl", "Turtle (CONSTRUCT/DESCRIBE)")))
    body = (f"<h1>esrgraph SPARQL endpoint</h1><p>Endpoint: <code>/sparql</code> (SPARQL 1.1 Protocol, read-only). "
            f"{esc(limits)}</p>"
            f'<form action="/sparql" method="post"><textarea name="query" rows="16">{esc(sparql)}</textarea>'
            f'<p><label>Format <select name="format">{formats}</select></label> <button>Run</button></p></form>'
            "<h2>Named queries</h2><table><thead><tr><th>Name</th><th>Question</th><th></th></tr></thead><tbody>"
            + "\n".join(rows) + "</tbody></table>")
    return page("esrgraph SPARQL endpoint", body)


def error_page(status: int, message: str) -> str:
    return page(f"{status}", f"<h1>{status}</h1><p>{esc(message)}</p>")
