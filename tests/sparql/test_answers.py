"""Query answers as typed Python values, data frames and Parquet (esrgraph.sparql.answers).

Typed values are checked on literals made here, one per datatype, malformed ones included; the data-frame
and Parquet paths on the bundled samples' build, whose funding numbers tests/sparql/test_queries.py pins.
"""

from __future__ import annotations

import io
import sys
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, Store

import esrgraph
from esrgraph.core.errors import QueryError, UsageError
from esrgraph.sparql.answers import XSD, Answer, MissingExtraError, open_graph, python_value, query

pd = pytest.importorskip("pandas", reason="the research extra (pandas) is not installed")
pa = pytest.importorskip("pyarrow", reason="the research extra (pyarrow) is not installed")
pq = pytest.importorskip("pyarrow.parquet", reason="the research extra (pyarrow) is not installed")


def typed(text: str, datatype: str) -> Literal:
    return Literal(text, datatype=NamedNode(XSD + datatype))


@pytest.mark.parametrize(("text", "datatype", "expected"), [
    ("42", "integer", 42),
    ("-7", "integer", -7),
    ("+0012", "integer", 12),
    ("5", "nonNegativeInteger", 5),
    ("300", "unsignedShort", 300),
    ("-128", "byte", -128),
    ("199775", "long", 199775),
    ("12.50", "decimal", Decimal("12.50")),
    ("-.5", "decimal", Decimal("-0.5")),
    ("97216.29", "decimal", Decimal("97216.29")),
    ("1.5E3", "double", 1500.0),
    ("2.25", "float", 2.25),
    ("-INF", "double", float("-inf")),
    ("true", "boolean", True),
    ("0", "boolean", False),
    ("2018-06-01", "date", date(2018, 6, 1)),
    ("2018-06-01Z", "date", date(2018, 6, 1)),
    ("2018-06-01T10:20:30", "dateTime", datetime(2018, 6, 1, 10, 20, 30)),
    ("2018-06-01T10:20:30.1234567Z", "dateTime", datetime(2018, 6, 1, 10, 20, 30, 123456, tzinfo=UTC)),
    ("2018-06-01T10:20:30+02:00", "dateTime", datetime(2018, 6, 1, 10, 20, 30, tzinfo=timezone(timedelta(hours=2)))),
    ("2019", "gYear", 2019),
    ("2019Z", "gYear", 2019),
])
def test_literals_take_the_python_type_of_their_datatype(text: str, datatype: str, expected: object) -> None:
    value = python_value(typed(text, datatype))
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(("text", "datatype"), [
    ("twelve", "integer"),
    ("1_000", "integer"),  # int() would take it
    (" 7 ", "integer"),  # int() would take it
    ("1.5", "integer"),
    ("1,5", "decimal"),
    ("1e3", "decimal"),
    ("NaN%", "double"),
    ("yes", "boolean"),
    ("TRUE", "boolean"),
    ("2019-02-30", "date"),  # no such day
    ("20190101", "date"),  # date.fromisoformat would take it
    ("1.6.2018", "date"),
    ("2018-06-01 10:20:30", "dateTime"),
    ("2018-06-01T24:00:00", "dateTime"),
    ("19", "gYear"),
    ("MMXIX", "gYear"),
])
def test_a_malformed_literal_stays_its_text(text: str, datatype: str) -> None:
    assert python_value(typed(text, datatype)) == text


def test_strings_iris_blank_nodes_and_unbound() -> None:
    assert python_value(Literal("Keski-Suomi", language="fi")) == "Keski-Suomi"
    assert python_value(Literal("plain")) == "plain"
    assert python_value(typed("x", "anyURI")) == "x"
    assert python_value(NamedNode("https://w3id.org/esrgraph/code/fund/ESR")) == "https://w3id.org/esrgraph/code/fund/ESR"
    assert python_value(BlankNode("b0")) == "_:b0"
    assert python_value(None) is None


def small_store() -> Store:
    """Three rows, with an unbound amount, a malformed date and a blank start."""
    store = Store()
    store.load(b"""
        @prefix ex: <http://example.org/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
        ex:a ex:code "A1" ; ex:amount "10.5"^^xsd:decimal ; ex:count 3 ; ex:start "2015-03-01"^^xsd:date ;
             ex:open true .
        ex:b ex:code "B2" ; ex:count 4 ; ex:start "2016-01-15"^^xsd:date ; ex:open false .
        ex:c ex:code "C3" ; ex:amount "7"^^xsd:decimal ; ex:count 5 ; ex:start "15.1.2016"^^xsd:date .
    """, format=RdfFormat.TURTLE)
    return store


SMALL = """PREFIX ex: <http://example.org/>
SELECT ?code ?amount ?count ?start ?open WHERE {
  ?s ex:code ?code ; ex:count ?count . OPTIONAL { ?s ex:amount ?amount } OPTIONAL { ?s ex:start ?start }
  OPTIONAL { ?s ex:open ?open }
} ORDER BY ?code"""


def test_select_rows_are_typed_and_unbound_is_none() -> None:
    answer = query(small_store(), SMALL)
    assert answer.kind == "select" and answer.variables == ("code", "amount", "count", "start", "open")
    assert answer.rows == [
        {"code": "A1", "amount": Decimal("10.5"), "count": 3, "start": date(2015, 3, 1), "open": True},
        {"code": "B2", "amount": None, "count": 4, "start": date(2016, 1, 15), "open": False},
        {"code": "C3", "amount": Decimal("7"), "count": 5, "start": "15.1.2016", "open": None},
    ]
    assert answer.column("count") == [3, 4, 5] and len(answer) == 3
    with pytest.raises(QueryError, match="no variable 'nope'"):
        answer.column("nope")
    # the malformed date makes its column text, the lexical value of each cell
    assert answer.column_types() == {"code": "str", "amount": "decimal", "count": "int", "start": "str",
                                     "open": "bool"}


def test_ask_is_a_bool_and_a_one_row_table() -> None:
    yes = query(small_store(), "ASK { ?s <http://example.org/code> 'A1' }")
    no = query(small_store(), "ASK { ?s <http://example.org/code> 'Z9' }")
    assert (yes.kind, yes.boolean, no.boolean) == ("ask", True, False)
    assert yes.rows == [{"_askResult": True}]
    assert yes.to_pandas()["_askResult"].tolist() == [True]


def test_construct_gives_triples_and_a_subject_predicate_object_table() -> None:
    answer = query(small_store(), "CONSTRUCT { ?s <http://example.org/count> ?n } WHERE { ?s <http://example.org/count> ?n }")
    assert answer.kind == "graph" and answer.triples is not None and len(answer.triples) == 3
    assert answer.variables == ("subject", "predicate", "object")
    assert sorted(answer.column("object"), key=str) == [3, 4, 5]


def test_query_needs_exactly_one_query_and_reads_params(sample_out: Path) -> None:
    with pytest.raises(QueryError, match="exactly one"):
        query(sample_out)
    with pytest.raises(QueryError, match="exactly one"):
        query(sample_out, "ASK {}", name="funding-by-fund")
    running = query(sample_out, name="projects-running-on-date", params={"date": "2016-01-01"})
    assert running.sparql is not None and '"2016-01-01"' in running.sparql


def test_named_query_on_a_build_folder_through_the_api(sample_out: Path) -> None:
    answer = esrgraph.query(sample_out, name="funding-by-region")
    by_name = {r["regionName"]: r for r in answer.rows}
    assert by_name["Keski-Suomi"]["grantedTotal"] == Decimal("481025")  # 199 775 + 281 250
    assert by_name["Keski-Suomi"]["projects"] == 3
    assert "funding-by-region" in esrgraph.named_queries()
    assert isinstance(esrgraph.open_graph(sample_out), Store)


def test_data_frame_columns_are_typed(sample_out: Path) -> None:
    frame = query(open_graph(sample_out), name="funding-by-region").to_pandas()
    assert str(frame["projects"].dtype) == "Int64"
    assert frame["grantedTotal"].dtype == "float64"
    assert frame.set_index("regionName").loc["Uusimaa", "grantedTotal"] == 92062.0
    dates = query(sample_out, """PREFIX esr: <https://w3id.org/esrgraph/ontology#>
        PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT ?code ?start WHERE { ?p dcterms:identifier ?code ; esr:plannedStartDate ?start } ORDER BY ?code""")
    frame = dates.to_pandas()
    assert frame["start"].dtype == pd.ArrowDtype(pa.date32())  # dates, not timestamps
    assert frame["start"].dt.year.tolist() == [d.year for d in dates.column("start") if isinstance(d, date)]
    assert len(frame) == 5


def test_nullable_columns_keep_missing_values_missing() -> None:
    frame = query(small_store(), SMALL).to_pandas()
    assert frame["amount"].isna().tolist() == [False, True, False]
    assert frame["open"].dtype == "boolean" and frame["open"].isna().tolist() == [False, False, True]
    assert frame["start"].tolist() == ["2015-03-01", "2016-01-15", "15.1.2016"]  # a malformed date: text column


def test_arrow_and_parquet_keep_decimals_exact_with_the_largest_scale(tmp_path: Path) -> None:
    answer = Answer.from_result(small_store().query(
        "SELECT ?x WHERE { VALUES ?x { 1.25 7 10.5 UNDEF } }"))  # integer 7 joins the decimal column
    table = answer.to_arrow()
    assert table.schema.field("x").type == pa.decimal128(38, 2)
    path = tmp_path / "x.parquet"
    answer.write_parquet(path)
    back = pq.read_table(path)
    assert back.schema.field("x").type == pa.decimal128(38, 2)
    assert back.column("x").to_pylist() == [Decimal("1.25"), Decimal("7.00"), Decimal("10.50"), None]


def test_parquet_round_trip_of_a_named_query(sample_out: Path, tmp_path: Path) -> None:
    answer = query(sample_out, name="funding-by-region")
    path = tmp_path / "sub" / "regions.parquet"
    answer.write_parquet(path)
    table = pq.read_table(path)
    assert table.column_names == list(answer.variables)
    assert table.schema.field("projects").type == pa.int64()
    assert table.column("grantedTotal").to_pylist() == answer.column("grantedTotal")
    assert table.column("regionName").to_pylist() == answer.column("regionName")
    assert table.schema.metadata[b"esrgraph.sparql"].decode("utf-8") == answer.sparql
    assert not list((tmp_path / "sub").glob(".*.tmp"))  # written through a temporary file, which is gone


def test_parquet_bytes_are_the_same_for_the_same_answer(sample_out: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a.parquet", tmp_path / "b.parquet"
    query(sample_out, name="largest-beneficiaries").write_parquet(first)
    query(open_graph(sample_out), name="largest-beneficiaries").write_parquet(second)  # another store, same data
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes()[:4] == b"PAR1"


def test_parquet_of_dates_and_timestamps_round_trips() -> None:
    answer = Answer.from_result(small_store().query(
        'PREFIX xsd: <http://www.w3.org/2001/XMLSchema#> SELECT ?d ?t WHERE { VALUES (?d ?t) { '
        '("2015-03-01"^^xsd:date "2015-03-01T12:00:00+02:00"^^xsd:dateTime) '
        '(UNDEF "2016-01-01T00:00:00Z"^^xsd:dateTime) } }'))
    table = pq.read_table(io.BytesIO(answer.parquet_bytes()))
    assert table.schema.field("d").type == pa.date32()
    assert table.schema.field("t").type == pa.timestamp("us", tz="UTC")
    assert table.column("d").to_pylist() == [date(2015, 3, 1), None]
    assert table.column("t").to_pylist() == [datetime(2015, 3, 1, 10, tzinfo=UTC), datetime(2016, 1, 1, tzinfo=UTC)]


def test_an_empty_answer_still_has_its_columns() -> None:
    answer = query(small_store(), "SELECT ?x ?y WHERE { ?x <http://example.org/none> ?y }")
    assert answer.rows == [] and list(answer.to_pandas().columns) == ["x", "y"]
    table = pq.read_table(io.BytesIO(answer.parquet_bytes()))
    assert table.num_rows == 0 and table.column_names == ["x", "y"]


@pytest.mark.parametrize(("missing", "call"), [
    ("pandas", lambda a: a.to_pandas()),
    ("pyarrow", lambda a: a.to_arrow()),
    ("pyarrow", lambda a: a.parquet_bytes()),
])
def test_a_missing_extra_names_the_install(monkeypatch: pytest.MonkeyPatch, missing: str, call) -> None:
    answer = query(small_store(), SMALL)
    monkeypatch.setitem(sys.modules, missing, None)  # import of it now raises ImportError
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    with pytest.raises(MissingExtraError, match=r"'" + missing + r"'.*pip install 'esrgraph\[research\]'") as info:
        call(answer)
    assert isinstance(info.value, UsageError) and info.value.exit_code == 2


def test_polars_is_optional_and_says_how_to_get_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "polars", None)
    with pytest.raises(MissingExtraError, match="pip install polars"):
        query(small_store(), SMALL).to_polars()


def test_to_polars_types_when_polars_is_installed() -> None:
    pl = pytest.importorskip("polars", reason="polars is optional and not installed")
    frame = query(small_store(), SMALL).to_polars()
    assert frame.schema["count"] == pl.Int64 and frame.schema["amount"] == pl.Float64
