"""SPARQL over a built graph, locally on pyoxigraph, with the named queries in ``queries/``.

pyoxigraph answers aggregate queries far faster than rdflib at our scale
(docs/decisions/20261123-build-hot-paths.md), and writes SPARQL JSON, XML, CSV and TSV results itself.
"""

from __future__ import annotations

import enum
import gzip
import io
import os
import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast
from xml.parsers import expat

from pyoxigraph import (
    BlankNode,
    Literal,
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Store,
)

from esrgraph.core.errors import InputError, QueryError
from esrgraph.io.formats import rdf_format_of
from esrgraph.io.jsonld import local_jsonld
from esrgraph.io.sources import read_input_unpacked


class ResultFormat(enum.Enum):
    TABLE = "table"
    CSV = "csv"
    TSV = "tsv"
    JSON = "json"
    XML = "xml"

    @property
    def media_type(self) -> str:
        return {
            "table": "text/plain",
            "csv": "text/csv",
            "tsv": "text/tab-separated-values",
            "json": "application/sparql-results+json",
            "xml": "application/sparql-results+xml",
        }[self.value]


@dataclass(frozen=True, slots=True)
class NamedQuery:
    """A shipped query: its name (file stem), one-line description and SPARQL text."""

    name: str
    title: str
    description: str
    sparql: str
    path: Path
    reads: tuple[str, ...] = ()  # derived files it reads beside the graph (``# reads:`` header), e.g. collaboration.ttl


#: The derived files a build folder may hold beside esrgraph.ttl, loaded into the same default graph.
DERIVED_FILES = ("collaboration.ttl",)
ESR_NS = "https://w3id.org/esrgraph/ontology#"
#: A class each derived file's data has, by file: ``check_query_inputs`` asks for one of its instances.
_DERIVED_CLASS = {"collaboration.ttl": ESR_NS + "CollaborationNetwork"}


def load_store(path: str | os.PathLike[str]) -> Store:
    """An in-memory store holding the RDF file at ``path``; for a build folder, OUT/esrgraph.ttl and the
    derived files beside it (``DERIVED_FILES``: OUT/collaboration.ttl, when present) in the same default graph."""
    p = Path(path)
    if p.is_dir():
        store = _load_file(p / "esrgraph.ttl")
        for name in DERIVED_FILES:
            if (p / name).is_file():
                _load_file(p / name, store)
        return store
    return _load_file(p)


def check_query_inputs(store: Store, query: NamedQuery) -> None:
    """Raise QueryError when ``query`` reads derived data (``# reads: collaboration.ttl``) that ``store`` lacks,
    so it does not answer silently empty; the CLI calls it before it runs a named query.

    Raises:
        QueryError: naming the file to load and the build folder to give instead of a lone graph file.
    """
    for name in query.reads:
        cls = _DERIVED_CLASS.get(name)
        if cls is None:
            continue
        if not bool(store.query(f"ASK {{ ?x a <{cls}> }}")):
            raise QueryError(f"the query {query.name!r} reads {name}, the derived data the build writes beside "
                             f"esrgraph.ttl, and the store holds none of it; give the build folder (OUT, which "
                             f"holds esrgraph.ttl and {name}) instead of a lone graph file")


def _load_file(p: Path, store: Store | None = None) -> Store:
    """``store`` (a new one when None) with the RDF file ``p`` loaded into its default graph."""
    if not p.is_file():
        raise InputError(str(p), "no such RDF file", "run `esrgraph build` first, or name a .ttl/.nt/.jsonld file")
    fmt = rdf_format_of(p)
    if fmt == RdfFormat.RDF_XML:
        _refuse_entity_declarations(p)
    store = Store() if store is None else store
    gzipped = p.name.lower().endswith(".gz")
    try:
        if fmt == RdfFormat.JSON_LD:  # read whole, for its local context to be inlined (a release's .jsonld.gz too)
            data, remote = local_jsonld(read_input_unpacked(p), p.parent)
            if remote:
                raise InputError(str(p), f"names a JSON-LD context esrgraph does not fetch: {remote[0]}",
                                 "inline the context, or save it beside the file and name it by its file name")
            store.bulk_load(data, format=fmt)
        elif gzipped:
            with gzip.open(p, "rb") as handle:
                # GzipFile is a binary file object, which bulk_load reads; typeshed does not call it IO[bytes].
                store.bulk_load(cast(IO[bytes], handle), format=fmt)
        else:
            store.bulk_load(path=str(p), format=fmt)
    except (SyntaxError, ValueError, OSError, EOFError, zlib.error) as exc:
        raise InputError(str(p), f"cannot be read as RDF: {exc}") from None
    return store


class _PrologRead(Exception):
    """Stops expat at the first entity declaration or element: the rest of the document is Oxigraph's."""


def _refuse_entity_declarations(path: Path) -> None:
    """Refuse an RDF/XML file whose DTD declares entities, before Oxigraph reads it.

    Oxigraph's RDF/XML parser expands internal entities, nested ones too: 798 bytes declaring seven
    entities, each sixteen references to the one before, grow to a 1 GiB literal (14 s and 3.2 GB
    to validate; one more level is 16 GiB). Expat reads the prolog only, expanding nothing: it stops at
    the first entity declaration (general or parameter) or at the root element.
    """
    declared: list[str] = []

    def entity_declared(name: str, is_parameter_entity: bool, *_: object) -> None:
        declared.append(("%" if is_parameter_entity else "") + name)
        raise _PrologRead

    def element_started(*_: object) -> None:
        raise _PrologRead

    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)  # no external DTD or entity is read
    parser.EntityDeclHandler = entity_declared
    parser.StartElementHandler = element_started
    try:
        with gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb") as handle:
            while chunk := handle.read(1 << 16):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except _PrologRead:
        pass
    except expat.ExpatError as exc:
        if exc.code != expat.errors.codes[expat.errors.XML_ERROR_NO_ELEMENTS]:  # no element: Oxigraph decides
            raise InputError(str(path), f"cannot be read as RDF: not well-formed XML: {exc}") from None
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(str(path), f"cannot be read as RDF: {exc}") from None
    if declared:
        raise InputError(
            str(path),
            f"declares the XML entity {declared[0]!r} in its DOCTYPE; esrgraph does not read RDF/XML that declares "
            "entities, for nested ones can grow a few hundred bytes into gigabytes",
            "write out each entity's text where it is used and remove the DOCTYPE, or convert the file to Turtle",
        )


_HEADER = re.compile(r"^#\s*(title|description|reads):\s*(.+?)\s*$", re.MULTILINE)


def named_queries() -> dict[str, NamedQuery]:
    """The shipped queries, by name, sorted."""
    from esrgraph.core.resources import resource_dir

    out: dict[str, NamedQuery] = {}
    folder = resource_dir("queries")
    for path in sorted(folder.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        meta = dict((k, v) for k, v in _HEADER.findall(text))
        out[path.stem] = NamedQuery(
            name=path.stem,
            title=meta.get("title", path.stem),
            description=meta.get("description", ""),
            sparql=text,
            path=path,
            reads=tuple(meta.get("reads", "").replace(",", " ").split()),
        )
    return out


def get_named_query(name: str) -> NamedQuery:
    queries = named_queries()
    if name not in queries:
        raise QueryError(f"no named query {name!r}; `esrgraph queries` lists them: {', '.join(queries)}")
    return queries[name]


_VALUES_LINE = re.compile(r"\bVALUES[ \t]+\?(?P<name>\w+)[ \t]*\{[ \t]*(?P<value>[^{}\n]*?)[ \t]*\}", re.MULTILINE)
_TYPED = re.compile(r'^"(?:[^"\\]|\\.)*"(?P<suffix>\^\^\S+|@[A-Za-z-]+)$')


def query_parameters(sparql: str) -> dict[str, str]:
    """The parameters a query offers: ``VALUES ?name { default }`` lines, name -> default value text.

    >>> query_parameters('SELECT * WHERE { VALUES ?date { "2018-06-01"^^xsd:date } }')
    {'date': '"2018-06-01"^^xsd:date'}
    """
    return {m.group("name"): m.group("value") for m in _VALUES_LINE.finditer(sparql)}


def bind_parameters(sparql: str, params: dict[str, str]) -> str:
    """``sparql`` with each ``VALUES ?NAME { default }`` line set to ``params[NAME]``.

    The new value takes the form of the default: a typed literal keeps its datatype, a plain
    literal stays a string, an IRI stays an IRI, a number stays a number. Values are escaped,
    so a parameter cannot inject SPARQL.

    Raises:
        QueryError: a parameter the query does not have (the message lists the ones it has).

    >>> bind_parameters('VALUES ?date { "2018-06-01"^^xsd:date }', {"date": "2020-01-01"})
    'VALUES ?date { "2020-01-01"^^xsd:date }'
    >>> print(bind_parameters('VALUES ?v { "2021" }', {"v": 'say "hi"'}))
    VALUES ?v { "say \\"hi\\"" }
    """
    offered = query_parameters(sparql)
    unknown = sorted(set(params) - set(offered))
    if unknown:
        have = ", ".join(offered) or "none"
        raise QueryError(f"the query has no parameter {', '.join(unknown)} (its parameters: {have})")

    def replace(match: re.Match[str]) -> str:
        name = match.group("name")
        if name not in params:
            return match.group(0)
        return f"VALUES ?{name} {{ {_value_like(match.group('value'), params[name])} }}"

    return _VALUES_LINE.sub(replace, sparql)


def _value_like(default: str, value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    if default.startswith("<"):
        if re.search(r'[\s<>"{}|^`\\]', value):
            raise QueryError(f"{value!r} is not an IRI")
        return f"<{value}>"
    typed = _TYPED.match(default)
    if typed:
        return f'"{escaped}"{typed.group("suffix")}'
    if default.startswith('"'):
        return f'"{escaped}"'
    if re.fullmatch(r"[+-]?\d+(\.\d+)?", value):
        return value
    raise QueryError(f"{value!r} is not a number")


def run_query(store: Store, sparql: str) -> QuerySolutions | QueryBoolean | QueryTriples:
    try:
        return store.query(sparql)
    except SyntaxError as exc:
        raise QueryError(f"the query is not valid SPARQL: {exc}") from None
    except (OSError, ValueError, RuntimeError) as exc:
        raise QueryError(f"the query failed: {exc}") from None


def term_text(term: NamedNode | BlankNode | Literal | None) -> str:
    if term is None:
        return ""
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    return term.value


def format_results(result: QuerySolutions | QueryBoolean | QueryTriples, fmt: ResultFormat) -> str:
    """Text of the results in ``fmt`` (a table is for people; the others are standard formats)."""
    if isinstance(result, QueryTriples):
        from pyoxigraph import serialize

        return (serialize(list(result), format=RdfFormat.TURTLE) or b"").decode("utf-8")
    if fmt is ResultFormat.TABLE:
        return _table(result)
    if isinstance(result, QueryBoolean) and fmt in (ResultFormat.CSV, ResultFormat.TSV):
        return ask_as_table(bool(result), "\r\n" if fmt is ResultFormat.CSV else "\n")
    oxfmt = {
        ResultFormat.CSV: QueryResultsFormat.CSV,
        ResultFormat.TSV: QueryResultsFormat.TSV,
        ResultFormat.JSON: QueryResultsFormat.JSON,
        ResultFormat.XML: QueryResultsFormat.XML,
    }[fmt]
    buffer = io.BytesIO()
    result.serialize(buffer, format=oxfmt)
    text = buffer.getvalue().decode("utf-8")
    return xml_results_text(text) if fmt is ResultFormat.XML else text


def ask_as_table(value: bool, newline: str = "\r\n") -> str:
    """An ASK answer as CSV or TSV, which SPARQL 1.1 defines only for SELECT: one column ``_askResult`` and one
    row, the form Apache Jena writes, which CSV readers take as a table (a bare ``true`` has no header).

    >>> ask_as_table(True, "\\n")
    '_askResult\\ntrue\\n'
    """
    return f"_askResult{newline}{'true' if value else 'false'}{newline}"


#: Characters XML 1.0 cannot hold, even as a character reference (its Char production): the C0 controls but
#: tab, line feed and carriage return, and U+FFFE and U+FFFF. Oxigraph writes them into XML results as they are.
_NOT_XML_CHAR = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_results_text(document: str) -> str:
    r"""SPARQL XML results that every XML parser reads: each character XML 1.0 cannot hold becomes U+FFFD,
    and a carriage return ``&#13;``, so it is not read back as a line feed.

    U+FFFD, not a visible escape such as ``\x1b``: results are data for programs, and an escape would
    turn the value into other text that could equally be real, where U+FFFD is Unicode's own mark for a
    character that could not be represented. SPARQL JSON, CSV and TSV results keep the exact value.
    Oxigraph writes only literals, IRIs and names from the data there (markup is ASCII), and only
    a literal can hold these characters, so replacing them in the whole document changes literals only.

    >>> xml_results_text("<literal>a\x1bb\rc</literal>") == "<literal>a\ufffdb&#13;c</literal>"
    True
    """
    return _NOT_XML_CHAR.sub("\ufffd", document).replace("\r", "&#13;")


def rows_of(result: QuerySolutions) -> tuple[list[str], list[list[str]]]:
    """Variable names and rows as plain strings (for tables and tests)."""
    variables = [v.value for v in result.variables]
    rows = [[term_text(solution[v]) for v in variables] for solution in result]
    return variables, rows


def _table(result: QuerySolutions | QueryBoolean) -> str:
    if isinstance(result, QueryBoolean):
        return ("true" if bool(result) else "false") + "\n"
    variables, rows = rows_of(result)
    widths = [len(v) for v in variables]
    shown = [[_clip(cell) for cell in row] for row in rows]
    for row in shown:
        widths = [max(w, len(c)) for w, c in zip(widths, row)]
    lines = ["  ".join(v.ljust(w) for v, w in zip(variables, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in shown:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines) + "\n"


def _clip(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
