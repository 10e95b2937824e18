"""The quality report's funding measure (``checks.funding_by``), summed by the store: a project in several regions
shared equally, a region named by its Finnish label, what has no region or start date summed as "(none)"."""

from __future__ import annotations

from decimal import Decimal

from pyoxigraph import RdfFormat, Store

from esrgraph.quality import checks

TURTLE = """
@prefix esr: <https://w3id.org/esrgraph/ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix r: <https://w3id.org/esrgraph/code/region/> .
@prefix p: <https://w3id.org/esrgraph/id/project/> .

r:01 skos:prefLabel "Nyland"@sv, "Uusimaa"@fi, "Helsinki-Uusimaa"@en .
r:02 skos:prefLabel "Varsinais-Suomi"@fi .
r:19 skos:prefLabel "Lappland"@sv, "Lapland"@en .

p:A a esr:Project ; esr:grantedEUAndStateFunding "100"^^xsd:decimal ; esr:plannedStartDate "2015-03-01"^^xsd:date ;
    esr:region r:01, r:02, r:99 .
p:B a esr:Project ; esr:grantedEUAndStateFunding "50.5"^^xsd:decimal ; esr:plannedStartDate "2016-01-01"^^xsd:date ;
    esr:region r:01 .
p:C a esr:Project ; esr:grantedEUAndStateFunding "7"^^xsd:decimal ; esr:region r:19 .
p:D a esr:Project ; esr:grantedEUAndStateFunding "1"^^xsd:decimal ; esr:plannedStartDate "2015-12-31"^^xsd:date .
p:E a esr:Project ; esr:grantedEUAndStateFunding "a lot" ; esr:region r:02 .
p:F a esr:Project ; esr:region r:02 .
"""


def _store() -> Store:
    store = Store()
    store.load(TURTLE.encode(), RdfFormat.TURTLE)
    return store


def test_funding_is_shared_between_a_projects_regions_and_summed_by_year() -> None:
    by_region, by_year = checks.funding_by(_store())
    third = Decimal(100) / 3
    assert dict(by_region) == {"Uusimaa": third + Decimal("50.5"), "Varsinais-Suomi": third, "99": third,
                               "Lapland": Decimal(7), "(none)": Decimal(1)}
    assert by_region[0][0] == "Uusimaa"  # the most first
    assert sum(amount for _, amount in by_region) == Decimal("158.5")  # every project once, "a lot" left out
    assert by_year == [("(none)", Decimal(7)), ("2015", Decimal(101)), ("2016", Decimal("50.5"))]


def test_an_empty_graph_has_no_funding() -> None:
    assert checks.funding_by(Store()) == ([], [])
