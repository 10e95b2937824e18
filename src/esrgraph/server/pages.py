"""HTML for people: a page per resource, the query page and result tables.

Every piece of record text goes through ``html.escape``; links come from the server's ``href``
so that IRIs under the base stay on this server.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Sequence
from urllib.parse import quote

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

ESR = "https://w3id.org/esrgraph/ontology#"
DCT = "http://purl.org/dc/terms/"
SKOS = "http://www.w3.org/2004/02/skos/core#"
ROV = "http://www.w3.org/ns/regorg#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD = "http://www.w3.org/2001/XMLSchema#"

#: The facts shown first, under a heading, in this order; the full list of statements follows.
SUMMARY: list[tuple[str, list[str]]] = [
    ("What", [DCT + "identifier", DCT + "title", SKOS + "prefLabel", ROV + "legalName", ESR + "businessId",
              ROV + "orgType", SKOS + "notation", ESR + "status", ESR + "programmePeriod"]),
    ("When", [ESR + "plannedStartDate", ESR + "plannedEndDate"]),
    ("Funding", [ESR + "grantedEUAndStateFunding", ESR + "realisedEUAndStateFunding", ESR + "plannedPublicFunding",
                 ESR + "realisedPublicFunding", ESR + "fund", ESR + "priorityAxis", ESR + "specificObjective",
                 ESR + "fundingAuthority"]),
    ("Who", [ESR + "applicant", ESR + "coImplementer"]),
    ("Where", [ESR + "region", ESR + "subregion", ESR + "municipality", SKOS + "broader", SKOS + "inScheme",
               SKOS + "exactMatch"]),
]

STYLE = """
body{font-family:system-ui,sans-serif;max-width:70rem;margin:1.5rem auto;padding:0 1rem;line-height:1.45;color:#222}
h1{font-size:1.6rem;margin-bottom:.2rem} .iri{color:#555;font-size:.9rem;word-break:break-all}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem} th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;
text-align:left;vertical-align:top} th{background:#f4f4f4} dl{display:grid;grid-template-columns:16rem 1fr;gap:.2rem 1rem}
dt{font-weight:600} dd{margin:0} .warning{background:#fff3cd;padding:.4rem .6rem} textarea{width:100%;font-family:monospace}
nav a{margin-right:1rem} .lang{color:#777;font-size:.8rem} code{background:#f4f4f4}
"""


def page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{STYLE}</style></head>'
            f'<body><nav><a href="/">Query</a><a href="/sparql">Service description</a></nav>\n{body}\n</body></html>\n')


def _term(term: NamedNode | BlankNode | Literal | Triple, labels: dict[str, str], href: Callable[[str], str],
          predicate: str | None = None) -> str:
    if isinstance(term, NamedNode):
        text = labels.get(term.value, term.value)
        return f'<a href="{html.escape(href(term.value))}">{html.escape(text)}</a>'
    if isinstance(term, BlankNode):
        return html.escape(f"_:{term.value}")
    if isinstance(term, Literal):
        value = term.value
        datatype = term.datatype.value
        if datatype == XSD + "decimal" and predicate and ("Funding" in predicate or "budget" in predicate):
            try:
                amount = float(value)
                shown = f"{amount:,.2f}".rstrip("0").rstrip(".").replace(",", "\u202f")
                return f'<data value="{html.escape(value)}">{html.escape(shown)} €</data>'
            except ValueError:
                pass
        text = html.escape(value).replace("\n", "<br>")
        if term.language:
            text += f' <span class="lang">@{html.escape(term.language)}</span>'
        return text
    return html.escape(str(term))


def resource_page(*, iri: str, triples: Sequence[Triple], incoming: Sequence[tuple[object, NamedNode]],
                  incoming_total: int, labels: dict[str, str], href: Callable[[str], str],
                  curie: Callable[[str], str]) -> str:
    """A readable page for one resource: its main facts, every statement, and what links to it."""
    own = [t for t in triples if isinstance(t.subject, NamedNode) and t.subject.value == iri]
    parts = [t for t in triples if not (isinstance(t.subject, NamedNode) and t.subject.value == iri)]
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

    body = [f"<h1>{html.escape(title)}</h1>",
            f'<p class="iri">{html.escape(", ".join(types))} · <code>{html.escape(iri)}</code></p>',
            "<p>Also as " + " · ".join(
                f'<a href="{html.escape(href(iri))}.{ext}">{name_}</a>'
                for ext, name_ in (("ttl", "Turtle"), ("nt", "N-Triples"), ("jsonld", "JSON-LD"))) + "</p>"]
    for heading, predicates in SUMMARY:
        present = [p for p in predicates if p in by_predicate]
        if present:
            body.append(f"<h2>{heading}</h2><dl>")
            body += [f"<dt>{html.escape(name(p))}</dt><dd>{values(p)}</dd>" for p in present]
            body.append("</dl>")
    body.append("<h2>All statements</h2><table><thead><tr><th>Property</th><th>Value</th></tr></thead><tbody>")
    for predicate in sorted(by_predicate, key=lambda p: (p != RDF_TYPE, name(p).lower())):
        body.append(f'<tr><td><a href="{html.escape(href(predicate))}">{html.escape(name(predicate))}</a></td>'
                    f"<td>{values(predicate)}</td></tr>")
    body.append("</tbody></table>")
    if parts:
        body.append("<h2>Parts</h2><table><thead><tr><th>Part</th><th>Property</th><th>Value</th></tr></thead><tbody>")
        for t in sorted(parts, key=lambda t: (str(t.subject), name(t.predicate.value))):
            subject = t.subject
            shown = (html.escape(subject.value[len(iri) + 1:]) if isinstance(subject, NamedNode)
                     and subject.value.startswith(iri + "/") else _term(subject, labels, href))
            body.append(f"<tr><td>{shown}</td><td>{html.escape(name(t.predicate.value))}</td>"
                        f"<td>{_term(t.object, labels, href, t.predicate.value)}</td></tr>")
        body.append("</tbody></table>")
    if incoming:
        body.append("<h2>Linked from</h2>")
        if incoming_total > len(incoming):
            body.append(f'<p class="warning">The first {len(incoming)} of {incoming_total} links; '
                        "query the endpoint for all of them.</p>")
        body.append("<table><thead><tr><th>Resource</th><th>Property</th></tr></thead><tbody>")
        rows = sorted(incoming, key=lambda sp: (labels.get(str(getattr(sp[0], "value", sp[0])), str(sp[0])), str(sp[1])))
        for subject, predicate in rows:
            shown = _term(subject, labels, href) if isinstance(subject, (NamedNode, BlankNode)) else html.escape(str(subject))
            body.append(f"<tr><td>{shown}</td><td>{html.escape(name(predicate.value))}</td></tr>")
        body.append("</tbody></table>")
    return page(title, "\n".join(body))


def results_page(sparql: str, table: str) -> str:
    """A result table with the query above it, for browsers."""
    return page("Query results", f'<h1>Query results</h1><form action="/" method="get">'
                f'<textarea name="query" rows="8">{html.escape(sparql)}</textarea>'
                f'<p><button>Edit</button></p></form>{table}')


def query_page(named: Iterable[tuple[str, str, str, str]], sparql: str, limits: str) -> str:
    """The query form with the named queries (name, title, description, SPARQL) as examples."""
    rows = []
    for name, title, description, text in named:
        run = "/sparql?format=html&query=" + quote(text, safe="")
        edit = "/?name=" + quote(name, safe="")
        rows.append(f"<tr><td><code>{html.escape(name)}</code></td><td><strong>{html.escape(title)}</strong><br>"
                    f"{html.escape(description)}</td><td><a href=\"{html.escape(run)}\">run</a> · "
                    f"<a href=\"{html.escape(edit)}\">edit</a></td></tr>")
    formats = "".join(f'<option value="{f}">{label}</option>' for f, label in
                      (("html", "HTML table"), ("json", "SPARQL JSON"), ("xml", "SPARQL XML"), ("csv", "CSV"),
                       ("tsv", "TSV"), ("ttl", "Turtle (CONSTRUCT/DESCRIBE)")))
    body = (f"<h1>esrgraph SPARQL endpoint</h1><p>Endpoint: <code>/sparql</code> (SPARQL 1.1 Protocol, read-only). "
            f"{html.escape(limits)}</p>"
            f'<form action="/sparql" method="post"><textarea name="query" rows="16">{html.escape(sparql)}</textarea>'
            f'<p><label>Format <select name="format">{formats}</select></label> <button>Run</button></p></form>'
            "<h2>Named queries</h2><table><thead><tr><th>Name</th><th>Question</th><th></th></tr></thead><tbody>"
            + "\n".join(rows) + "</tbody></table>")
    return page("esrgraph SPARQL endpoint", body)


def error_page(status: int, message: str) -> str:
    return page(f"{status}", f"<h1>{status}</h1><p>{html.escape(message)}</p>")
