"""The named query library: every query's answer on the bundled samples, pinned by names and numbers.

The numbers come from the sample texts (data/samples/*.txt, "Myönnetty EU- ja valtion rahoitus"):
S21093 199 775 and S20885 281 250 in Keski-Suomi, S20398 (Keski-Suomi) without a granted amount,
S21199 92 062 in Uusimaa, S21860 224 844 in Etelä-Savo. IRIs of code-list concepts are not pinned.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad, QueryResultsFormat, RdfFormat, Store, parse_query_results

from esrgraph.cli import cli
from esrgraph.core.errors import QueryError
from esrgraph.publish.collaboration import collaboration_network, collaboration_turtle
from esrgraph.sparql.queries import bind_parameters, load_store, named_queries, query_parameters, run_query
from sparqlrows import json_set, records, solutions_set

ISSUE_QUESTIONS = [
    "funding-by-region", "funding-by-fund", "funding-by-priority-axis", "funding-by-year",
    "largest-beneficiaries", "organisations-in-several-projects", "co-implementer-pairs",
    "projects-per-municipality", "realised-versus-granted", "projects-running-on-date",
    "sustainability-scores-by-criterion",
]
EXTRA = ["funding-by-nuts3", "projects-by-organisation-type"]


@pytest.fixture(scope="module")
def store(sample_out: Path):
    return load_store(sample_out)


def answer(store, name: str, **params: str) -> list[dict[str, str]]:
    sparql = bind_parameters(named_queries()[name].sparql, params) if params else named_queries()[name].sparql
    return records(run_query(store, sparql))


def test_library_has_the_researcher_questions_with_titles_and_descriptions() -> None:
    queries = named_queries()
    assert len(queries) >= 12
    for name in ISSUE_QUESTIONS + EXTRA:
        assert name in queries, name
        assert queries[name].title != name and len(queries[name].description) > 20, name


def test_queries_command_lists_each_with_its_title() -> None:
    result = CliRunner().invoke(cli, ["queries"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert len(lines) >= 12
    assert any(line.startswith("funding-by-nuts3 ") and "NUTS 3" in line for line in lines)


def test_every_named_query_is_pinned_below() -> None:
    pinned = {name.removeprefix("test_").replace("_", "-") for name in globals() if name.startswith("test_")}
    assert set(named_queries()) <= pinned


def test_funding_by_region(store) -> None:
    rows = answer(store, "funding-by-region")
    assert [(r["regionName"], r["projects"], r["grantedTotal"]) for r in rows] == [
        ("Keski-Suomi", "3", "481025"), ("Etelä-Savo", "1", "224844"), ("Uusimaa", "1", "92062")]


def test_funding_by_nuts3(store) -> None:
    rows = answer(store, "funding-by-nuts3")
    assert [(r["nuts3"], r["regionName"], r["projects"], r["grantedTotal"]) for r in rows] == [
        ("FI193", "Keski-Suomi", "3", "481025"), ("FI1D1", "Etelä-Savo", "1", "224844"), ("FI1B1", "Uusimaa", "1", "92062")]
    rows_2024 = answer(store, "funding-by-nuts3", nutsVersion="2024")
    assert [r["nuts3"] for r in rows_2024] == ["FI198", "FI1DA", "FI1B1"]


def test_funding_by_fund(store) -> None:
    rows = answer(store, "funding-by-fund")
    assert [(r["fundCode"], r["projects"], r["grantedTotal"], r["realisedTotal"]) for r in rows] == [
        ("ESR", "5", "797931", "734423")]  # 199775+281250+92062+224844; 192360+252493+89108+200462


def test_funding_by_priority_axis(store) -> None:
    rows = answer(store, "funding-by-priority-axis")
    assert {(r["axisName"], r["projects"], r["grantedTotal"]) for r in rows} == {
        ("Työllisyys ja työvoiman liikkuvuus", "1", "199775"),
        ("Sosiaalinen osallisuus ja köyhyyden torjunta", "4", "598156")}


def test_funding_by_year(store) -> None:
    rows = answer(store, "funding-by-year")
    assert [(r["year"], r["projects"], r["grantedTotal"]) for r in rows] == [
        ("2015", "1", "0"), ("2017", "2", "481025"), ("2018", "1", "92062"), ("2020", "1", "224844")]


def test_largest_beneficiaries(store) -> None:
    rows = answer(store, "largest-beneficiaries")
    assert [(r["name"], r["businessId"], r["grantedTotal"]) for r in rows] == [
        ("Keski-Suomen Yhteisöjen Tuki ry", "1710217-7", "281250"),
        ("Etelä-Savon hyvinvointijärjestöjen tuki ry", "2253658-6", "224844"),
        ("K-S monikulttuuristen yhdistysten liitto Wari ry", "2542088-8", "199775"),
        ("Helsingin Diakonissalaitoksen säätiö", "0116480-8", "92062"),
        ("Jyväskylän kaupunki", "", "0"),  # S20398: no granted amount on its card
    ]


def test_organisations_in_several_projects(store, sample_out: Path) -> None:
    assert answer(store, "organisations-in-several-projects") == []  # no organisation repeats in the samples
    # Let Jyväskylän kaupunki also co-implement S21093: it then takes part in two projects.
    city = next(r["organisation"] for r in answer(store, "largest-beneficiaries") if r["name"] == "Jyväskylän kaupunki")
    copy = with_co_implementers(sample_out, "S21093", [city])
    rows = answer(copy, "organisations-in-several-projects")
    assert [(r["name"], r["projects"], sorted(r["codes"].split())) for r in rows] == [
        ("Jyväskylän kaupunki", "2", ["S20398", "S21093"])]


def store_project(store, code: str) -> str:
    sparql = f'SELECT ?p WHERE {{ ?p <http://purl.org/dc/terms/identifier> "{code}" }}'
    return records(run_query(store, sparql))[0]["p"]


def with_co_implementers(sample_out: Path, code: str, organisations: list[str]) -> Store:
    """The samples' graph with ``organisations`` as co-implementers of project ``code`` too, and the collaboration
    network derived again from it, as a build of such records would derive it."""
    main = load_store(sample_out / "esrgraph.ttl")
    project = NamedNode(store_project(main, code))
    for org in organisations:
        main.add(Quad(project, NamedNode("https://w3id.org/esrgraph/ontology#coImplementer"), NamedNode(org)))
    graph = [q.triple for q in main.quads_for_pattern(None, None, None, DefaultGraph())]
    base = sample_out_base(main)
    main.bulk_load(collaboration_turtle(collaboration_network(graph), base), format=RdfFormat.TURTLE)
    return main


def sample_out_base(store: Store) -> str:
    project = store_project(store, "S21093")
    return project[: project.index("project/")]


def test_co_implementer_pairs(store, sample_out: Path) -> None:
    assert answer(store, "co-implementer-pairs") == []  # by default repeated collaborations only: none in the samples
    rows = answer(store, "co-implementer-pairs", minShared="1")
    pairs = {(frozenset((r["aName"], r["bName"])), r["sharedProjects"]) for r in rows}
    assert pairs == {
        (frozenset(("Jyväskylän ammattikorkeakoulu JAMK", "Jyväskylän kaupunki")), "1"),
        (frozenset(("Jyväskylän ammattikorkeakoulu JAMK", "Keski-Suomen sosiaalialan osaamiskeskus KOSKE")), "1"),
        (frozenset(("Jyväskylän kaupunki", "Keski-Suomen sosiaalialan osaamiskeskus KOSKE")), "1"),
        (frozenset(("Mikkelin Toimintakeskus ry", "Etelä-Savon hyvinvointijärjestöjen tuki ry")), "1"),
    }
    # Let JAMK and KOSKE (partners in S20398) also co-implement S21093: they then share two projects,
    # and only that pair reaches the default threshold; with minShared=3 none does.
    partners = {r["aName"]: r["a"] for r in rows} | {r["bName"]: r["b"] for r in rows}
    copy = with_co_implementers(sample_out, "S21093", [partners[name] for name in (
        "Jyväskylän ammattikorkeakoulu JAMK", "Keski-Suomen sosiaalialan osaamiskeskus KOSKE")])
    repeated = answer(copy, "co-implementer-pairs")
    assert [({r["aName"], r["bName"]}, r["sharedProjects"]) for r in repeated] == [
        ({"Jyväskylän ammattikorkeakoulu JAMK", "Keski-Suomen sosiaalialan osaamiskeskus KOSKE"}, "2")]
    assert answer(copy, "co-implementer-pairs", minShared="3") == []
    assert len(answer(copy, "co-implementer-pairs", minShared="1")) > len(rows)  # the new pairs with S21093's own


def test_projects_per_municipality(store) -> None:
    rows = answer(store, "projects-per-municipality")
    counts = {r["name"]: (r["code"], r["projects"]) for r in rows}
    assert len(rows) == 25
    # S21093 and S20885 both cover Jyväskylä and its six neighbours.
    for name in ("Jyväskylä", "Hankasalmi", "Laukaa", "Muurame", "Petäjävesi", "Toivakka", "Uurainen"):
        assert counts[name][1] == "2", name
    assert counts["Jyväskylä"] == ("179", "2")
    assert counts["Helsinki"] == ("091", "1") and counts["Mikkeli"] == ("491", "1")
    assert [r["projects"] for r in rows] == sorted((r["projects"] for r in rows), reverse=True)


def test_realised_versus_granted(store) -> None:
    rows = answer(store, "realised-versus-granted")
    assert [(r["code"], r["granted"], r["realised"], r["percentRealised"]) for r in rows] == [
        ("S20885", "281250", "252493", "89.78"), ("S21093", "199775", "192360", "96.29"),
        ("S21199", "92062", "89108", "96.79"), ("S21860", "224844", "200462", "89.16")]


def test_projects_running_on_date(store) -> None:
    assert [r["code"] for r in answer(store, "projects-running-on-date")] == ["S20885", "S21093", "S21199"]
    rows = answer(store, "projects-running-on-date", date="2019-12-01")
    assert [(r["code"], r["name"], r["start"], r["end"]) for r in rows] == [
        ("S21199", "Työtä ja toivoa", "2018-01-01", "2019-12-31")]


def test_sustainability_scores_by_criterion(store) -> None:
    rows = answer(store, "sustainability-scores-by-criterion")
    by_name = {r["name"]: (r["assessments"], r["averageDirect"], r["averageIndirect"]) for r in rows}
    assert len(rows) == 15
    assert {r["assessments"] for r in rows} == {"4"}  # S20398 has no sustainability table
    assert by_name["Hyvinvoinnin edistäminen"] == ("4", "10", "7.5")
    assert by_name["Tasa-arvon edistäminen"] == ("4", "7.5", "3.25")
    assert by_name["Natura 2000 -ohjelman kohteet"] == ("4", "0", "0")


def test_projects_by_organisation_type(store) -> None:
    rows = answer(store, "projects-by-organisation-type")
    got = {r["typeName"]: (r["organisations"], r["projects"], r["projectsLed"], r["grantedAsApplicant"]) for r in rows}
    assert got == {
        "Muu järjestö tai yhdistys": ("3", "3", "3", "705869"),  # 281250 + 199775 + 224844
        "Säätiö": ("1", "1", "1", "92062"),
        "": ("4", "2", "1", "0"),  # organisations known by name only: S20398's three, S21860's partner
    }
    # the query groups those under a placeholder IRI; it must not come out as their type
    assert [r["type"] for r in rows if not r["typeName"]] == [""]
    assert all(r["type"].startswith("https://") for r in rows if r["typeName"])


# --- parameters -------------------------------------------------------------------------------------


def test_parameters_are_listed_and_keep_their_form() -> None:
    sparql = named_queries()["projects-running-on-date"].sparql
    assert query_parameters(sparql) == {"date": '"2018-06-01"^^xsd:date'}
    assert 'VALUES ?date { "2020-02-29"^^xsd:date }' in bind_parameters(sparql, {"date": "2020-02-29"})
    assert "VALUES ?nutsVersion { \"2016\" }" in bind_parameters(named_queries()["funding-by-nuts3"].sparql,
                                                                 {"nutsVersion": "2016"})


def test_parameter_values_cannot_inject_sparql(store) -> None:
    sparql = bind_parameters(named_queries()["funding-by-nuts3"].sparql, {"nutsVersion": '2021" } ?s ?p ?o { "'})
    assert records(run_query(store, sparql)) == []  # one odd string, not a new pattern


def test_unknown_parameter_names_the_ones_there_are() -> None:
    with pytest.raises(QueryError, match="no parameter year .*its parameters: date"):
        bind_parameters(named_queries()["projects-running-on-date"].sparql, {"year": "2019"})


# --- output formats -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["table", "csv", "tsv", "json", "xml"])
def test_query_command_writes_each_format(sample_out: Path, store, fmt: str) -> None:
    result = CliRunner().invoke(cli, ["query", str(sample_out), "--name", "funding-by-region", "--format", fmt])
    assert result.exit_code == 0, result.output
    expected = solutions_set(run_query(store, named_queries()["funding-by-region"].sparql))
    text = result.output
    if fmt == "table":
        assert "Keski-Suomi" in text and "481025" in text and text.rstrip().endswith("(3 rows)")
    elif fmt == "csv":
        rows = list(csv.reader(io.StringIO(text)))
        assert rows[0] == ["region", "regionName", "projects", "grantedTotal"]
        assert ["Keski-Suomi", "3", "481025"] == rows[1][1:]
    elif fmt == "json":
        assert json_set(text) == expected
    else:
        parsed = parse_query_results(text.encode("utf-8"), format=QueryResultsFormat.TSV if fmt == "tsv"
                                     else QueryResultsFormat.XML)
        assert solutions_set(parsed) == expected


def test_query_command_param_option(sample_out: Path) -> None:
    result = CliRunner().invoke(cli, ["query", str(sample_out), "-n", "projects-running-on-date",
                                      "--param", "date=2019-12-01", "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert [row[0] for row in csv.reader(io.StringIO(result.output))] == ["code", "S21199"]


def test_numbers_are_typed_literals(store) -> None:
    result = run_query(store, named_queries()["funding-by-region"].sparql)
    first = next(iter(result))
    assert isinstance(first["grantedTotal"], Literal) and first["grantedTotal"].datatype.value.endswith("decimal")
