"""The period and programme of a project from the code lists: code shapes, programmes and their parts,
and priority axes numbered per programme (issue 19)."""

from __future__ import annotations

from datetime import date
from typing import Any

import rdflib

from esrgraph.core.findings import Finding
from esrgraph.core.model import PriorityAxis, ProjectRecord, SourceInfo, SpecificObjective
from esrgraph.io.export import serialize_triples
from esrgraph.io.formats import OutputFormat
from esrgraph.mapping.codelists import CodeLists
from esrgraph.mapping.resolve import Resolver
from esrgraph.pipeline.result import BuildOptions
from esrgraph.pipeline.stages import build_records

ESR = rdflib.Namespace("https://w3id.org/esrgraph/ontology#")
CODE = "https://w3id.org/esrgraph/code/"
BASE = "https://w3id.org/esrgraph/id/"


def _record(code: str, **kw: Any) -> ProjectRecord:
    return ProjectRecord(
        source=SourceInfo(path="list.csv", sha256="0" * 64, layout="projectlist-csv", first_line=2),
        code=code, name=f"Hanke {code}", **kw,
    )


def _build(records: list[ProjectRecord]) -> tuple[rdflib.Graph, list[Finding]]:
    _, triples, findings, *_ = build_records(records, BuildOptions())
    g = rdflib.Graph()
    g.parse(data=serialize_triples(triples, OutputFormat.NTRIPLES).decode("utf-8"), format="nt")
    return g, findings


def _one(g: rdflib.Graph, code: str, prop: str) -> str:
    (value,) = set(g.objects(rdflib.URIRef(f"{BASE}project/{code}"), ESR[prop]))
    return str(value)


def test_a_2007_2013_esr_record_maps_to_its_period_programme_part_and_axis() -> None:
    record = _record("S10324", fund="ESR", programme_part="Etelä-Suomen suuralueosio",
                     priority_axis=PriorityAxis(number="1"), start_date=date(2008, 3, 1), status="Toiminta päättynyt")
    g, findings = _build([record])
    assert _one(g, "S10324", "programmePeriod") == CODE + "period/2007-2013"
    assert _one(g, "S10324", "programme") == CODE + "programme/2007-2013/esr"
    assert _one(g, "S10324", "programmePart") == CODE + "programme-part/2007-2013/esr/etela-suomi"
    assert _one(g, "S10324", "priorityAxis") == CODE + "priority-axis/2007-2013/esr/1"
    assert not [f for f in findings if f.rule in ("unresolved-code", "unknown-code-shape")]


def test_axis_3_of_a_2007_2013_programme_is_not_the_2014_2020_axis_3() -> None:
    esr = _record("S10001", fund="ESR", programme_part="Valtakunnallinen osio", priority_axis=PriorityAxis(number="3"))
    eakr = _record("A543697", fund="EAKR", programme_part="Itä-Suomi", priority_axis=PriorityAxis(number="3"))
    g, _ = _build([esr, eakr])
    assert _one(g, "S10001", "priorityAxis") == CODE + "priority-axis/2007-2013/esr/3"
    assert _one(g, "A543697", "programme") == CODE + "programme/2007-2013/ita-suomi"
    assert not list(g.objects(rdflib.URIRef(f"{BASE}project/A543697"), ESR.programmePart))
    assert _one(g, "A543697", "priorityAxis") == CODE + "priority-axis/2007-2013/ita-suomi/3"


def test_every_programme_part_of_the_real_2007_2013_list_resolves() -> None:
    resolver = Resolver()
    parts = ("Valtakunnallinen osio", "Etelä-Suomen suuralueosio", "Itä-Suomen suuralueosio",
             "Länsi-Suomen suuralueosio", "Pohjois-Suomen suuralueosio")
    for text in parts:
        assert resolver.programme_part(text, "2007-2013").concept is not None, text
    for text in ("Etelä-Suomi", "Itä-Suomi", "Länsi-Suomi", "Pohjois-Suomi"):
        found = resolver.programme(text, "2007-2013").concept
        assert found is not None and found.extra["funds"] == "EAKR", text
    mainland = resolver.programme("Kestävää kasvua ja työtä 2014-2020, Manner-Suomi", "2014-2020").concept
    assert mainland is not None and mainland.extra["cci"] == "2014FI16M2OP001"
    assert resolver.programme("Itä-Suomi", "2014-2020").concept is None  # a 2007-2013 programme only


def test_a_2021_2027_record_maps_to_its_period_and_programme() -> None:
    record = _record("X2021", fund="ESR+", programme_part="Uudistuva ja osaava Suomi 2021–2027",
                     priority_axis=PriorityAxis(number="4"), specific_objective=SpecificObjective(code="4.1"),
                     start_date=date(2023, 1, 1))
    g, findings = _build([record])
    assert _one(g, "X2021", "programmePeriod") == CODE + "period/2021-2027"
    assert _one(g, "X2021", "programme") == CODE + "programme/2021-2027/manner-suomi"
    assert _one(g, "X2021", "priorityAxis") == CODE + "priority-axis/2021-2027/4"
    assert _one(g, "X2021", "specificObjective") == CODE + "specific-objective/2021-2027/4.1"
    # No EURA 2021 code shape is known yet: the code is kept and reported, the date gives the period.
    assert [f.value for f in findings if f.rule == "unknown-code-shape"] == ["X2021"]


def test_an_unknown_code_shape_is_kept_and_reported_naming_the_file() -> None:
    g, findings = _build([_record("Q12", fund="ESR", start_date=date(2016, 5, 1))])
    (finding,) = [f for f in findings if f.rule == "unknown-code-shape"]
    assert finding.field == "code" and finding.value == "Q12" and "code-shapes.csv" in finding.message
    assert _one(g, "Q12", "programmePeriod") == CODE + "period/2014-2020"


def test_2014_2020_codes_keep_their_period_without_dates_and_give_no_finding() -> None:
    g, findings = _build([_record("S21093", fund="ESR", priority_axis=PriorityAxis(number="3")),
                          _record("A70726", fund="EAKR")])
    assert _one(g, "S21093", "programmePeriod") == CODE + "period/2014-2020"
    assert _one(g, "S21093", "priorityAxis") == CODE + "priority-axis/2014-2020/3"
    assert _one(g, "A70726", "programmePeriod") == CODE + "period/2014-2020"
    assert not [f for f in findings if f.rule == "unknown-code-shape"]
    # Neither names a programme: both belong to the period's one EURA programme for their fund (mainland
    # Finland's; Åland's programme is not in EURA), and no programme part is guessed.
    assert _one(g, "S21093", "programme") == _one(g, "A70726", "programme") == CODE + "programme/2014-2020/manner-suomi"
    assert not list(g.subject_objects(ESR.programmePart))


def test_a_2007_2013_project_that_names_no_programme_gets_one_only_where_the_fund_settles_it() -> None:
    """ESR had one mainland programme in 2007-2013; EAKR four regional ones, so an EAKR record naming none
    gets no programme rather than a guess."""
    g, _ = _build([_record("S10324", fund="ESR", start_date=date(2008, 4, 1)),
                   _record("A543697", fund="EAKR", start_date=date(2009, 1, 1))])
    assert _one(g, "S10324", "programme") == CODE + "programme/2007-2013/esr"
    assert not list(g.objects(rdflib.URIRef(f"{BASE}project/A543697"), ESR.programme))


def test_unresolved_values_name_the_code_list_file() -> None:
    record = _record("S10325", fund="ESR", status="Hautumassa", programme_part="Keksitty osio",
                     start_date=date(2009, 1, 1))
    _, findings = _build([record])
    messages = {f.field: f.message for f in findings if f.rule == "unresolved-code"}
    assert messages["status"].startswith("status 'Hautumassa' is not in statuses.csv")
    assert "programme-parts.csv" in messages["programme_part"]


def test_code_shapes_give_one_period_per_known_code() -> None:
    lists = CodeLists.load()
    for code, period in (("S10324", "2007-2013"), ("A32768", "2007-2013"), ("A543697", "2007-2013"),
                         ("A601070006", "2007-2013"), ("S21093", "2014-2020"), ("A70726", "2014-2020")):
        assert lists.periods_of_code(code) == (period,), code
    assert lists.periods_of_code("A7072") == ()
    for shape in lists.code_shapes:
        assert shape.matches(shape.example) and lists.periods_of_code(shape.example) == (shape.period,)
