"""SPARQL results written with a row limit: JSON, XML, CSV, TSV (and an HTML table).

pyoxigraph writes the standard formats itself, but only for a whole result. The endpoint must
stop at ``--max-rows`` and say that it did, so it takes the first rows and writes them here.
A cut JSON result carries a note as its first member (parsers that follow the standard, such
as pyoxigraph's and rdflib's, skip unknown members before ``head``):

    {"esrgraph": {"truncated": true, "maxRows": 2, "message": "..."}, "head": ..., "results": ...}

>>> from pyoxigraph import Literal, NamedNode
>>> rows = Rows(["s", "n"], [[NamedNode("http://example.org/a"), Literal("1")]], truncated=False)
>>> write_rows(rows, "csv").splitlines()
['s,n', 'http://example.org/a,1']
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from pyoxigraph import BlankNode, Literal, NamedNode, QuerySolutions, Triple

from esrgraph.publish.html import esc
from esrgraph.publish.html import href as safe_href
from esrgraph.sparql.queries import ask_as_table, xml_results_text

#: A value in a solution; a triple term (RDF 1.2) is written as its text.
Term = NamedNode | BlankNode | Literal | Triple

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

#: Result formats by short name: media type.
MEDIA_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "html": "text/html",
}


@dataclass(frozen=True, slots=True)
class Rows:
    """The first rows of a SELECT result; ``truncated`` when more were left out."""

    variables: list[str]
    rows: list[list[Term | None]]
    truncated: bool
    max_rows: int | None = None


class AnswerTooLarge(Exception):
    """The answer would pass the byte limit (``--max-answer-bytes``); nothing more is read or written."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(f"the answer is larger than {max_bytes} bytes")
        self.max_bytes = max_bytes


def take_rows(result: QuerySolutions, max_rows: int | None, max_bytes: int | None = None) -> Rows:
    """At most ``max_rows`` rows of ``result`` (all when None), reading one more to know if it was cut.

    Raises:
        AnswerTooLarge: the text of the values read so far passes ``max_bytes`` (a row limit bounds no
            bytes: one row can hold a value of any length). Checked row by row, so a huge result stops early.
    """
    variables = [v.value for v in result.variables]
    rows: list[list[Term | None]] = []
    truncated = False
    size = 0
    for solution in result:
        if max_rows is not None and len(rows) >= max_rows:
            truncated = True
            break
        row = [solution[v] for v in variables]
        if max_bytes is not None:
            size += sum(len(plain(t)) for t in row)
            if size > max_bytes:
                raise AnswerTooLarge(max_bytes)
        rows.append(row)
    return Rows(variables, rows, truncated, max_rows)


def truncation_message(max_rows: int | None) -> str:
    return (f"the result was cut at {max_rows} rows (the endpoint's --max-rows limit); "
            "add LIMIT/OFFSET to page through it, or aggregate")


def write_rows(rows: Rows, fmt: str, link: Callable[[str], str] | None = None) -> str:
    """``rows`` as text in ``fmt`` (json, xml, csv, tsv or html; ``link`` maps IRIs to hrefs in html)."""
    if fmt == "html":
        return _html(rows, link or (lambda iri: iri))
    return {"json": _json, "xml": _xml, "csv": _csv, "tsv": _tsv}[fmt](rows)


def write_boolean(value: bool, fmt: str) -> str:
    """An ASK answer in ``fmt``."""
    if fmt == "json":
        return json.dumps({"head": {}, "boolean": value})
    if fmt == "xml":
        return ('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
                f"<head/><boolean>{'true' if value else 'false'}</boolean></sparql>\n")
    if fmt == "html":
        return f"<p>{'true' if value else 'false'}</p>"
    return ask_as_table(value, "\r\n" if fmt == "csv" else "\n")


def _json_term(term: Term) -> dict[str, str]:
    if isinstance(term, NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    return {"type": "literal", "value": str(term)}  # a quoted triple: written as its text


def _json(rows: Rows) -> str:
    doc: dict[str, object] = {}
    if rows.truncated:
        doc["esrgraph"] = {"truncated": True, "maxRows": rows.max_rows, "message": truncation_message(rows.max_rows)}
    doc["head"] = {"vars": rows.variables}
    doc["results"] = {"bindings": [
        {v: _json_term(t) for v, t in zip(rows.variables, row) if t is not None} for row in rows.rows
    ]}
    return json.dumps(doc, ensure_ascii=False)


def _xml_term(term: Term) -> str:
    if isinstance(term, NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
        if term.datatype.value != XSD_STRING:
            return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
        return f"<literal>{escape(term.value)}</literal>"
    return f"<literal>{escape(str(term))}</literal>"


def _xml(rows: Rows) -> str:
    out = ['<?xml version="1.0"?>', '<sparql xmlns="http://www.w3.org/2005/sparql-results#">', "<head>"]
    out += [f"<variable name={quoteattr(v)}/>" for v in rows.variables]
    if rows.truncated:
        out.append(f"<!-- {escape(truncation_message(rows.max_rows))} -->")
    out.append("</head>")
    out.append("<results>")
    for row in rows.rows:
        out.append("<result>")
        out += [f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
                for v, t in zip(rows.variables, row) if t is not None]
        out.append("</result>")
    out.append("</results>")
    out.append("</sparql>")
    return xml_results_text("\n".join(out) + "\n")  # literals may hold what XML 1.0 cannot


def plain(term: Term | None) -> str:
    """The CSV form of a term: an IRI or a literal's lexical form, ``_:id`` for a blank node."""
    if term is None:
        return ""
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    if isinstance(term, (NamedNode, Literal)):
        return term.value
    return str(term)


def _csv(rows: Rows) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(rows.variables)
    for row in rows.rows:
        writer.writerow([plain(t) for t in row])
    return buffer.getvalue()


def _tsv_term(term: Term | None) -> str:
    if term is None:
        return ""
    return str(term).replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _tsv(rows: Rows) -> str:
    lines = ["\t".join(f"?{v}" for v in rows.variables)]
    lines += ["\t".join(_tsv_term(t) for t in row) for row in rows.rows]
    return "\n".join(lines) + "\n"


def _html(rows: Rows, link: Callable[[str], str]) -> str:
    out = []
    if rows.truncated:
        out.append(f'<p class="warning">{esc(truncation_message(rows.max_rows))}</p>')
    out.append('<table class="results"><thead><tr>')
    out += [f"<th>{esc(v)}</th>" for v in rows.variables]
    out.append("</tr></thead><tbody>")
    for row in rows.rows:
        out.append("<tr>" + "".join(f"<td>{_html_term(t, link)}</td>" for t in row) + "</tr>")
    out.append(f"</tbody></table><p>{len(rows.rows)} row{'s' if len(rows.rows) != 1 else ''}</p>")
    return "\n".join(out)


def _html_term(term: Term | None, link: Callable[[str], str]) -> str:
    if isinstance(term, NamedNode):
        return f'<a href="{safe_href(link(term.value))}">{esc(term.value)}</a>'
    return esc(plain(term))


def rows_as_records(variables: Sequence[str], rows: Iterable[Sequence[Term | None]]) -> list[dict[str, str]]:
    """Rows as dicts of plain strings (for tests and tables)."""
    return [{v: plain(t) for v, t in zip(variables, row)} for row in rows]
