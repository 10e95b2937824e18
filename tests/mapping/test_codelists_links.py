"""The code lists say only what is true of other publishers' codes, and link out to them (issue 20).

Checked on the SKOS the code lists write (``skos_triples``): NUTS and yearly JHS codes are the same
entity as a concept only when territories agree; ``skos:broader`` stays within one scheme; funds reach the
EU Publications Office's table, regions the uri.suomi.fi region codes, programmes their CCI numbers.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import DCTERMS, RDF, SKOS

from esrgraph.core.vocab import ADMS, CODE, NUTS
from esrgraph.core.vocab import ESR as ESR_NS
from esrgraph.mapping.codelists import CodeLists, concept_iri, scheme_iri
from repo_paths import REPO

DATA = REPO / "data" / "codelists"
AUTHORITY = "http://publications.europa.eu/resource/authority/"
MAAKUNTA = "http://uri.suomi.fi/codelist/jhs/maakunta_1_{year}0101/code/{code}"
KUNTA = "http://uri.suomi.fi/codelist/jhs/kunta_1_{year}0101/code/{code}"
ESR = rdflib.Namespace(ESR_NS)


def _u(iri: str) -> rdflib.URIRef:
    return rdflib.URIRef(iri)


def _scheme_of(iri: str) -> str:
    return iri.removeprefix(CODE).partition("/")[0]


# --- true links --------------------------------------------------------------------------------


def test_no_concept_is_exact_match_to_two_nuts_codes(graph: rdflib.Graph) -> None:
    exact: dict[str, set[str]] = defaultdict(set)
    for s, o in graph.subject_objects(SKOS.exactMatch):
        if str(o).startswith(NUTS):
            exact[str(s)].add(str(o))
    assert exact, "no region is the same as a NUTS region any more"
    assert {s: codes for s, codes in exact.items() if len(codes) > 1} == {}
    # Uusimaa kept one territory and one code (FI1B1) through NUTS 2013-2024: the same region.
    assert exact[concept_iri("region", "01")] == {NUTS + "FI1B1"}


def test_a_region_whose_territory_changed_is_only_close_to_its_nuts_codes(graph: rdflib.Graph) -> None:
    keski_suomi = _u(concept_iri("region", "13"))  # Kuhmoinen left for Pirkanmaa in 2021
    assert set(graph.objects(keski_suomi, SKOS.closeMatch)) >= {_u(NUTS + "FI193"), _u(NUTS + "FI198")}
    assert not [o for o in graph.objects(keski_suomi, SKOS.exactMatch) if str(o).startswith(NUTS)]
    # Pirkanmaa gained Kuhmoinen while its NUTS code stayed FI197 until NUTS 2024: not the same either.
    assert _u(NUTS + "FI197") in set(graph.objects(_u(concept_iri("region", "06")), SKOS.closeMatch))


def test_each_nuts_version_has_a_dated_node_with_the_regions_code(graph: rdflib.Graph, lists: CodeLists) -> None:
    region = _u(concept_iri("region", "13"))
    by_version = {}
    for node in graph.objects(region, ESR.nutsCorrespondence):
        assert (node, RDF.type, ESR.NutsCorrespondence) in graph
        by_version[str(graph.value(node, ESR.nutsVersion))] = (str(graph.value(node, ESR.nutsRegion)), node)
    assert {v: code for v, (code, _) in by_version.items()} == {
        "2013": NUTS + "FI193", "2016": NUTS + "FI193", "2021": NUTS + "FI193", "2024": NUTS + "FI198"}
    assert {v.version for v in lists.nuts_versions} == set(by_version)
    node_2021 = by_version["2021"][1]
    assert str(graph.value(node_2021, _u("https://schema.org/validFrom"))) == "2021-01-01"
    assert str(graph.value(node_2021, _u("https://schema.org/validThrough"))) == "2023-12-31"
    assert (_u(NUTS + "FI198"), SKOS.inScheme, _u("http://data.europa.eu/nuts/scheme/2024")) in graph


def test_yearly_municipality_codes_are_the_same_entity_only_without_a_merger(graph: rdflib.Graph) -> None:
    alajarvi = _u(concept_iri("municipality", "005"))
    assert (alajarvi, SKOS.exactMatch, _u(KUNTA.format(year=2023, code="005"))) in graph
    lahti = _u(concept_iri("municipality", "398"))  # Nastola joined Lahti in 2016
    yearly = {str(o) for o in graph.objects(lahti, SKOS.closeMatch)}
    assert {KUNTA.format(year=y, code="398") for y in (2013, 2015, 2016, 2026)} <= yearly
    assert not [o for o in graph.objects(lahti, SKOS.exactMatch) if "uri.suomi.fi" in str(o)]
    nastola = _u(concept_iri("municipality", "532"))  # kept its territory until it was abolished
    assert (nastola, SKOS.exactMatch, _u(KUNTA.format(year=2015, code="532"))) in graph
    assert (nastola, SKOS.exactMatch, _u(KUNTA.format(year=2016, code="532"))) not in graph


def test_broader_stays_within_one_scheme_and_top_concepts_have_none(graph: rdflib.Graph) -> None:
    for s, o in graph.subject_objects(SKOS.broader):
        assert _scheme_of(str(s)) == _scheme_of(str(o)), (s, o)
    for concept, scheme in graph.subject_objects(SKOS.topConceptOf):
        assert not [b for b in graph.objects(concept, SKOS.broader) if (b, SKOS.inScheme, scheme) in graph], concept
    for concept in graph.subjects(RDF.type, SKOS.Concept):
        if graph.value(concept, SKOS.broader) is None:
            assert graph.value(concept, SKOS.topConceptOf) is not None, concept


def test_cross_scheme_relations_have_their_own_properties(graph: rdflib.Graph) -> None:
    axis = _u(concept_iri("priority-axis", "2014-2020/5"))
    assert graph.value(axis, ESR.financedByFund) == _u(concept_iri("fund", "ESR"))
    assert graph.value(axis, DCTERMS.isPartOf) == _u(concept_iri("programme", "2014-2020/manner-suomi"))
    objective = _u(concept_iri("specific-objective", "2014-2020/10.1"))
    assert graph.value(objective, DCTERMS.isPartOf) == axis
    assert graph.value(_u(concept_iri("subregion", "131")), DCTERMS.isPartOf) == _u(concept_iri("region", "13"))
    part = _u(concept_iri("programme-part", "2007-2013/esr/etela-suomi"))
    assert graph.value(part, DCTERMS.isPartOf) == _u(concept_iri("programme", "2007-2013/esr"))
    # A municipality's sub-regions changed over time: only its dated membership periods name them.
    kuhmoinen = _u(concept_iri("municipality", "291"))
    assert graph.value(kuhmoinen, SKOS.broader) is None
    periods = list(graph.objects(kuhmoinen, ESR.membershipPeriod))
    assert {str(graph.value(p, ESR.inRegion))[-2:] for p in periods} == {"13", "06"}


# --- outward links -----------------------------------------------------------------------------


def test_funds_reach_the_eu_authority_table(graph: rdflib.Graph) -> None:
    table = AUTHORITY + "eu-programme/"
    esr = _u(concept_iri("fund", "ESR"))
    assert (esr, SKOS.narrowMatch, _u(table + "ESF")) in graph
    assert (_u(concept_iri("fund", "ESRplus")), SKOS.exactMatch, _u(table + "ESF_PLUS")) in graph
    assert (_u(concept_iri("fund", "JTF")), SKOS.exactMatch, _u(table + "JTF")) in graph
    eakr = {str(o) for o in graph.objects(_u(concept_iri("fund", "EAKR")), SKOS.narrowMatch)}
    assert eakr == {table + "ERDF", table + "ERDF_2021"}


def test_regions_reach_their_uri_suomi_fi_codes_of_every_year(graph: rdflib.Graph, lists: CodeLists) -> None:
    first, last = lists.classification_years
    for region in lists.in_scheme("region"):
        links = {str(o) for p in (SKOS.exactMatch, SKOS.closeMatch) for o in graph.objects(_u(region.iri), p)}
        expected = {MAAKUNTA.format(year=y, code=region.notation) for y in range(first, last + 1)}
        assert expected <= links, region.notation
    uusimaa = _u(concept_iri("region", "01"))
    assert (uusimaa, SKOS.exactMatch, _u(MAAKUNTA.format(year=2024, code="01"))) in graph
    assert (_u(concept_iri("region", "13")), SKOS.exactMatch, _u(MAAKUNTA.format(year=2024, code="13"))) not in graph


def test_every_programme_with_a_verified_cci_carries_it(graph: rdflib.Graph, lists: CodeLists) -> None:
    verified = {p.iri: p.extra["cci"] for p in lists.in_scheme("programme") if p.extra.get("cci_verified") == "yes"}
    assert concept_iri("programme", "2014-2020/manner-suomi") in verified
    for iri, cci in verified.items():
        assert cci and (_u(iri), DCTERMS.identifier, rdflib.Literal(cci)) in graph, iri
        (identifier,) = graph.objects(_u(iri), _u(ADMS + "identifier"))
        assert (identifier, RDF.type, _u(ADMS + "Identifier")) in graph
        assert graph.value(identifier, SKOS.notation) == rdflib.Literal(cci)
    unverified = [p for p in lists.in_scheme("programme") if p.iri not in verified]
    assert unverified and all(graph.value(_u(p.iri), _u(ADMS + "identifier")) is None for p in unverified)


def test_place_schemes_name_their_country(graph: rdflib.Graph) -> None:
    finland = _u(AUTHORITY + "country/FIN")
    for scheme in ("municipality", "subregion", "region", "programme"):
        assert (_u(scheme_iri(scheme)), DCTERMS.spatial, finland) in graph, scheme


def test_the_links_file_is_reviewable_and_every_target_is_an_authority_iri() -> None:
    with (DATA / "eu-authority-links.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows
    for row in rows:
        assert row["source"].startswith("https://") and row["trust"] in {"high", "medium", "low"}, row
        for target in row["targets"].split("|"):
            assert target.startswith(AUTHORITY), target


def test_a_bad_link_row_is_reported_with_the_file(tmp_path: Path) -> None:
    for path in DATA.glob("*.csv"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    links = tmp_path / "eu-authority-links.csv"
    links.write_text(links.read_text(encoding="utf-8") + "fund/NOPE,skos:exactMatch,http://x.example/a,https://s,low,\n",
                     encoding="utf-8")
    with pytest.raises(ValueError, match="eu-authority-links.csv.*fund/NOPE"):
        CodeLists.from_directory(tmp_path)
