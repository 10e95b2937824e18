"""Query answers as Python values, data frames and Parquet: results in the tools researchers use.

A SPARQL answer is text typed by datatype IRIs; an analysis wants ints, decimals and dates. ``Answer`` keeps
the terms and gives each value the Python type of its datatype, never failing on a value that does not fit
(it stays the literal's text), and hands the columns on to pandas, polars or Arrow/Parquet with the same
types. The data-frame libraries are the optional ``research`` extra, imported only when asked for.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from pyoxigraph import (
    BlankNode,
    DefaultGraph,
    NamedNode,
    QueryBoolean,
    QueryResultsFormat,
    QuerySolutions,
    QueryTriples,
    RdfFormat,
    Store,
    Triple,
    parse,
    parse_query_results,
)
from pyoxigraph import Literal as RdfLiteral

from esrgraph.core.errors import QueryError, UsageError
from esrgraph.io.atomic import atomic_write_bytes

if TYPE_CHECKING:
    from esrgraph.sparql.answer_cache import AnswerCache
    from esrgraph.sparql.queries import NamedQuery
    from esrgraph.sparql.store import Notice

#: The folder of kept answers inside a build folder's store folder (``OUT/.store/answers/``).
ANSWERS_DIR = "answers"

Value: TypeAlias = str | int | float | bool | Decimal | date | datetime | None
Term: TypeAlias = NamedNode | BlankNode | RdfLiteral | Triple | DefaultGraph | None
Kind: TypeAlias = Literal["select", "ask", "graph"]

XSD = "http://www.w3.org/2001/XMLSchema#"
#: xsd:integer and the types derived from it (XML Schema 1.1 part 2, 3.4.13 ff.): all are Python ints.
INTEGER_TYPES = frozenset(XSD + name for name in (
    "integer", "nonNegativeInteger", "positiveInteger", "nonPositiveInteger", "negativeInteger", "long", "int",
    "short", "byte", "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte"))
RESEARCH_EXTRA = "pip install 'esrgraph[research]' (in a checkout: pip install -e '.[research]')"

# The lexical spaces of XML Schema, matched whole: Python's own parsers accept more (int("1_000"), " 7 ",
# date.fromisoformat("20190101")), and a value outside the lexical space is malformed and stays text.
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_DOUBLE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?INF|NaN")
_ZONE = r"(?P<zone>Z|[+-](?:(?:0[0-9]|1[0-3]):[0-5][0-9]|14:00))?"
_DATE = re.compile(r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})" + _ZONE)
_DATETIME = re.compile(r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})T(?P<time>[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?)"
                       + _ZONE)
_GYEAR = re.compile(r"(?P<year>-?[0-9]{4,})" + _ZONE)


class MissingExtraError(UsageError):
    """An optional package of the ``research`` extra is not installed (exit 2: the user installs it)."""

    def __init__(self, package: str, wanted: str, install: str = RESEARCH_EXTRA) -> None:
        self.package = package
        self.install = install
        super().__init__(f"{wanted} needs the Python package {package!r}, which is not installed: {install}")


def python_value(term: Term) -> Value:
    """The Python value of one term: typed by the literal's datatype, text where the datatype is unknown or the
    value is malformed (it never raises); IRIs are their text, blank nodes ``_:id``, unbound ``None``.

    >>> from pyoxigraph import Literal, NamedNode
    >>> python_value(Literal("12", datatype=NamedNode(XSD + "integer")))
    12
    >>> python_value(Literal("12.50", datatype=NamedNode(XSD + "decimal")))
    Decimal('12.50')
    >>> python_value(Literal("twelve", datatype=NamedNode(XSD + "integer")))
    'twelve'
    """
    if term is None:
        return None
    if isinstance(term, NamedNode):
        return term.value
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    if isinstance(term, RdfLiteral):
        return _literal_value(term.value, term.datatype.value)
    return str(term)  # an RDF-star triple term or the default graph: its N-Triples text


def _literal_value(text: str, datatype: str) -> Value:
    try:
        if datatype in INTEGER_TYPES:
            return int(text) if _INTEGER.fullmatch(text) else text
        if datatype == XSD + "decimal":
            return Decimal(text) if _DECIMAL.fullmatch(text) else text
        if datatype in (XSD + "double", XSD + "float"):
            return float(text.replace("INF", "inf")) if _DOUBLE.fullmatch(text) else text
        if datatype == XSD + "boolean":
            return {"true": True, "1": True, "false": False, "0": False}.get(text, text)
        if datatype == XSD + "date":
            # A time zone on a date is dropped: a Python date cannot hold one, and a day is what is meant.
            match = _DATE.fullmatch(text)
            return date.fromisoformat(match.group("date")) if match else text
        if datatype == XSD + "dateTime":
            match = _DATETIME.fullmatch(text)
            if not match:
                return text
            stamp = datetime.fromisoformat(f"{match.group('date')}T{_microseconds(match.group('time'))}")
            zone = match.group("zone")
            if zone:
                stamp = stamp.replace(tzinfo=UTC) if zone == "Z" else datetime.fromisoformat(
                    f"{stamp.isoformat()}{zone}")
            return stamp
        if datatype == XSD + "gYear":
            match = _GYEAR.fullmatch(text)
            return int(match.group("year")) if match else text
    except (ValueError, InvalidOperation, OverflowError):  # 2019-02-30, 24:00:00, a year Python cannot hold
        return text
    return text  # xsd:string, rdf:langString and any other datatype: the lexical text


def _microseconds(time: str) -> str:
    """``hh:mm:ss.fff…`` cut to the microseconds a Python datetime holds."""
    whole, _, fraction = time.partition(".")
    return f"{whole}.{fraction[:6]}" if fraction else whole


def _text(term: Term) -> str | None:
    """The lexical text of a term, for a column whose values have no common type."""
    if term is None:
        return None
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    if isinstance(term, NamedNode | RdfLiteral):
        return term.value
    return str(term)


@dataclass(frozen=True, slots=True)
class Answer:
    """The answer to one query: a SELECT's variables and rows, an ASK's truth value, or a graph's triples.

    ``rows`` are dicts of variable name -> Python value (see ``python_value``). Every kind is also a table, so
    every kind goes into a data frame: an ASK answer is one column ``_askResult`` with one row (the form
    Apache Jena writes for CSV), and a CONSTRUCT or DESCRIBE answer has the columns subject, predicate, object.
    """

    kind: Kind
    variables: tuple[str, ...]
    terms: tuple[tuple[Term, ...], ...]
    boolean: bool | None = None
    triples: tuple[Triple, ...] | None = None
    sparql: str | None = field(default=None, compare=False)

    @classmethod
    def from_result(cls, result: QuerySolutions | QueryBoolean | QueryTriples, sparql: str | None = None) -> Answer:
        """The answer pyoxigraph gave (``Store.query`` or ``parse_query_results``), read whole."""
        if isinstance(result, QueryBoolean):
            return cls("ask", ("_askResult",), ((RdfLiteral(str(bool(result)).lower(),
                                                           datatype=NamedNode(XSD + "boolean")),),),
                       boolean=bool(result), sparql=sparql)
        if isinstance(result, QueryTriples):
            return cls.from_triples(list(result), sparql)
        variables = tuple(v.value for v in result.variables)
        rows = tuple(tuple(solution[v] for v in variables) for solution in result)
        return cls("select", variables, rows, sparql=sparql)

    @classmethod
    def from_triples(cls, triples: list[Triple], sparql: str | None = None) -> Answer:
        rows = tuple((t.subject, t.predicate, t.object) for t in triples)
        return cls("graph", ("subject", "predicate", "object"), rows, triples=tuple(triples), sparql=sparql)

    @property
    def rows(self) -> list[dict[str, Value]]:
        """Each row as variable name -> Python value; an unbound variable is None."""
        return [{v: python_value(t) for v, t in zip(self.variables, row)} for row in self.terms]

    def column(self, name: str) -> list[Value]:
        """The Python values of one variable, row by row."""
        if name not in self.variables:
            raise QueryError(f"the answer has no variable {name!r} (it has: {', '.join(self.variables)})")
        i = self.variables.index(name)
        return [python_value(row[i]) for row in self.terms]

    def __len__(self) -> int:
        return len(self.terms)

    def __iter__(self) -> Iterator[dict[str, Value]]:
        return iter(self.rows)

    def to_arrow(self) -> Any:
        """A ``pyarrow.Table`` with one typed column per variable (see ``column_types``); decimals are
        decimal128, exact, as in Parquet."""
        return self._arrow(decimals_as_float=False, wanted="to_arrow()")

    def to_pandas(self) -> Any:
        """A ``pandas.DataFrame``: integers Int64 (nullable), booleans boolean, decimals float64, dates
        date32[pyarrow] (dates, not timestamps), dateTimes datetime64, text str; None is missing.

        Decimals become float64 because data frames compute in floats: the amounts here are euros with at
        most two decimals, and float64 holds every such amount below 10^13 euros exactly to the cent (15-16
        significant digits). For exact sums use ``rows`` (Decimal) or Parquet (decimal128).
        """
        pd = require("pandas", "to_pandas()")
        pa = require("pyarrow", "to_pandas()")
        table = self._arrow(decimals_as_float=True, wanted="to_pandas()")
        mapping = {pa.int64(): pd.Int64Dtype(), pa.bool_(): pd.BooleanDtype(), pa.date32(): pd.ArrowDtype(pa.date32())}
        return table.to_pandas(types_mapper=mapping.get)

    def to_polars(self) -> Any:
        """A ``polars.DataFrame`` with the types of ``to_pandas`` (decimals float64, dates as dates); polars is
        not in the research extra: ``pip install polars``."""
        pl = require("polars", "to_polars()", install="pip install polars")
        return pl.from_arrow(self._arrow(decimals_as_float=True, wanted="to_polars()"))

    def parquet_bytes(self) -> bytes:
        """The answer as a Parquet file; the same answer gives the same bytes.

        Decimals stay decimal128 with the largest scale in the column (precision 38): Parquet is for keeping and
        exchanging, so amounts stay exact, and pandas, polars, DuckDB, R and Spark all read decimal128. The
        writer's options are fixed (format 2.6, zstd level 3, one row group, statistics on), and the file holds
        no time stamp: its key-value metadata is the Arrow schema and, when known, the SPARQL text.
        """
        pq = require("pyarrow.parquet", "write_parquet()", package="pyarrow")
        table = self.to_arrow()
        if self.sparql is not None:
            table = table.replace_schema_metadata({"esrgraph.sparql": self.sparql})
        buffer = io.BytesIO()
        pq.write_table(table, buffer, version="2.6", compression="zstd", compression_level=3,
                       row_group_size=max(1, len(self)), use_dictionary=True, write_statistics=True,
                       data_page_version="1.0", store_schema=True)
        return buffer.getvalue()

    def write_parquet(self, path: str | os.PathLike[str]) -> None:
        """Write the answer to ``path`` as Parquet, atomically (a reader never sees half a file)."""
        atomic_write_bytes(path, self.parquet_bytes())

    def column_types(self) -> dict[str, str]:
        """The type each column takes in Arrow and Parquet, by variable: ``int``, ``bool``, ``decimal``, ``float``,
        ``date``, ``datetime``, ``datetime-utc`` or ``str`` (also for a column with no value or mixed types)."""
        return {v: _column_type([python_value(row[i]) for row in self.terms])
                for i, v in enumerate(self.variables)}

    def _arrow(self, *, decimals_as_float: bool, wanted: str) -> Any:
        pa = require("pyarrow", wanted)
        arrays = []
        for i in range(len(self.variables)):
            terms = [row[i] for row in self.terms]
            values = [python_value(t) for t in terms]
            kind = _column_type(values)
            arrays.append(_arrow_array(pa, kind, values, terms, decimals_as_float))
        return pa.table(arrays, names=list(self.variables))


def _column_type(values: list[Value]) -> str:
    """The one type a column's values share (None aside), or ``str`` when they share none."""
    kinds = {_kind(v) for v in values if v is not None}
    if not kinds:
        return "str"
    if len(kinds) == 1:
        return kinds.pop()
    if kinds <= {"int", "decimal"}:  # SUM(COALESCE(?g, 0)) is the integer 0 where every ?g is missing
        return "decimal"
    if kinds <= {"int", "decimal", "float"}:
        return "float"
    return "str"


def _kind(value: Value) -> str:
    if isinstance(value, bool):  # before int: a bool is an int to Python
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, Decimal):
        return "decimal"
    if isinstance(value, float):
        return "float"
    if isinstance(value, datetime):  # before date: a datetime is a date to Python
        return "datetime" if value.tzinfo is None else "datetime-utc"
    if isinstance(value, date):
        return "date"
    return "str"


def _arrow_array(pa: Any, kind: str, values: list[Value], terms: list[Term], decimals_as_float: bool) -> Any:
    if kind == "int":
        if all(v is None or -(2**63) <= v < 2**63 for v in values if isinstance(v, int)):
            return pa.array(values, pa.int64())
        kind = "decimal"  # beyond 64 bits: exact as a decimal where it fits, else text
    if kind == "decimal":
        numbers = [Decimal(v) if isinstance(v, int | Decimal) else None for v in values]
        if decimals_as_float:
            return pa.array([None if v is None else float(v) for v in numbers], pa.float64())
        exact = [v for v in numbers if v is not None]
        scale = max((max(0, -int(v.as_tuple().exponent)) for v in exact), default=0)
        digits = max((len(str(abs(int(v)))) for v in exact), default=1)
        if digits + scale <= 38:
            return pa.array(numbers, pa.decimal128(38, scale))
        return pa.array([_text(t) for t in terms], pa.string())
    if kind == "float":
        return pa.array([float(v) if isinstance(v, int | float | Decimal) else None for v in values], pa.float64())
    if kind == "bool":
        return pa.array(values, pa.bool_())
    if kind == "date":
        return pa.array(values, pa.date32())
    if kind == "datetime":
        return pa.array(values, pa.timestamp("us"))
    if kind == "datetime-utc":
        utc = [v.astimezone(UTC) if isinstance(v, datetime) else None for v in values]
        return pa.array(utc, pa.timestamp("us", tz="UTC"))
    return pa.array([_text(t) for t in terms], pa.string())


def require(module: str, wanted: str, *, package: str | None = None, install: str = RESEARCH_EXTRA) -> ModuleType:
    """The optional ``module``, or a ``MissingExtraError`` naming what to install."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise MissingExtraError(package or module.partition(".")[0], wanted, install) from None


def open_graph(path: str | os.PathLike[str], *, notice: Notice | None = None) -> Store:
    """The store to query for ``path``: a build folder's persistent store (``esrgraph.sparql.store``: opened
    read-only in a few milliseconds, made or brought in step with the graph files first when needed), or an RDF
    file loaded into memory. ``notice`` is told when a build folder's store cannot be used (default: a warning).
    """
    from esrgraph.sparql.queries import load_store
    from esrgraph.sparql.store import open_build

    return open_build(path, notice=notice).store if Path(path).is_dir() else load_store(path)


def answer_on(graph: str | os.PathLike[str] | Store, sparql: str, *, named: NamedQuery | None = None,
              cached: bool = True, notice: Notice | None = None) -> QuerySolutions | QueryBoolean | QueryTriples:
    """The answer to ``sparql`` on ``graph`` (a build folder, an RDF file or an open store), as Oxigraph gives it.

    On a build folder the answer is looked up first among the answers kept for the store's generation
    (``answer_cache``), and kept once computed, unless ``cached`` is False; a kept answer is never stale, since
    any change of the graph files makes a new generation. ``named``, the named query ``sparql`` comes from, is
    checked against the store: one that reads derived data the store lacks raises instead of answering empty.

    Raises:
        QueryError: a malformed query, or a named query's derived data missing (``check_query_inputs``).
        InputError: ``graph`` cannot be read.
    """
    from esrgraph.sparql.answer_cache import AnswerCache
    from esrgraph.sparql.queries import check_query_inputs, load_store, run_query
    from esrgraph.sparql.store import open_build, store_folder

    cache = None
    if isinstance(graph, Store):
        store = graph
    elif Path(graph).is_dir():
        opened = open_build(graph, notice=notice)
        store = opened.store
        if cached and opened.info is not None:
            cache = AnswerCache(store_folder(graph) / ANSWERS_DIR, opened.info.generation)
            kept = cache.get(sparql)
            if kept is not None:
                return kept
    else:
        store = load_store(graph)
    if named is not None:
        check_query_inputs(store, named)
    result = run_query(store, sparql)
    return cache.keep(sparql, result) if cache is not None else result


def named_answers(store: Store, skip: Callable[[str], bool] | None = None) -> dict[str, bytes]:
    """The answers of the named queries, with their default parameters, on ``store``, as SPARQL JSON results by
    query text; ``skip``: the texts not to run (answers kept already). The build computes them on its query store,
    which holds the derived files beside the graph, and keeps them for it (``keep_named_answers``)."""
    from concurrent.futures import ThreadPoolExecutor

    from esrgraph.sparql.queries import named_queries, run_query

    def answer(sparql: str) -> bytes | None:
        result = run_query(store, sparql)
        if isinstance(result, QueryTriples):
            return None
        buffer = io.BytesIO()
        result.serialize(buffer, format=QueryResultsFormat.JSON)
        return buffer.getvalue()

    texts = [named.sparql for named in named_queries().values()]
    texts = [sparql for sparql in texts if skip is None or not skip(sparql)]
    # Oxigraph lets go of the GIL while it evaluates, so two queries run at once on two cores.
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="esrgraph-answers") as pool:
        return {sparql: data for sparql, data in zip(texts, pool.map(answer, texts), strict=True) if data is not None}


def keep_named_answers(cache: AnswerCache, answers: Mapping[str, bytes]) -> None:
    """Keep ``answers`` (``named_answers``) in ``cache``, the answers of a store generation, so that a researcher's
    first named query after a build is read back too. The answers must have been computed on the same triples as
    that generation holds."""
    for sparql, data in answers.items():
        cache.keep_results(sparql, data)


def query(graph: str | os.PathLike[str] | Store, sparql: str | None = None, *, name: str | None = None,
          params: Mapping[str, str] | None = None, cached: bool = True) -> Answer:
    """Answer ``sparql`` (or the named query ``name``) on ``graph``: a build folder (its persistent store, and the
    answers kept for it: see ``answer_on``), an RDF file, or a store from ``open_graph`` (open it once to ask it
    many questions).

    ``params`` set the query's ``VALUES ?NAME { default }`` lines (``esrgraph query --param``).

    Raises:
        QueryError: no query or two, an unknown name or parameter, a malformed query.
        InputError: ``graph`` cannot be read.
    """
    from esrgraph.sparql.queries import bind_parameters, get_named_query

    if (sparql is None) == (name is None):
        raise QueryError("give exactly one of a SPARQL text or name=NAME (esrgraph.named_queries() lists them)")
    named = get_named_query(name) if name is not None else None
    text = named.sparql if named is not None else sparql or ""
    if params:
        text = bind_parameters(text, dict(params))
    return Answer.from_result(answer_on(graph, text, named=named, cached=cached), text)


def query_endpoint(url: str, sparql: str) -> Answer:
    """Answer ``sparql`` on a remote SPARQL endpoint (fetched as SPARQL JSON results, or Turtle for a graph)."""
    from esrgraph.sparql.queries import ResultFormat
    from esrgraph.sparql.remote import query_endpoint as fetch

    text = fetch(url, sparql, ResultFormat.JSON)
    if text.lstrip().startswith("{"):
        data = io.BytesIO(text.encode("utf-8"))
        return Answer.from_result(parse_query_results(data, format=QueryResultsFormat.JSON), sparql)
    return Answer.from_triples([q.triple for q in parse(text.encode("utf-8"), format=RdfFormat.TURTLE)], sparql)
