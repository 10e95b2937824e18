"""Mapping records to RDF: organisation identity, IRIs, typed literals, personal data."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import rdflib

from esrgraph.core.model import Applicant, CoImplementer, ContactPerson, Funding, ProjectRecord, SourceInfo
from esrgraph.io.export import serialize_triples
from esrgraph.io.formats import OutputFormat
from esrgraph.mapping.organisation_ids import parse_business_id
from esrgraph.pipeline.result import BuildOptions
from esrgraph.pipeline.stages import build_records

BASE = "https://w3id.org/esrgraph/id/"
ESR = rdflib.Namespace("https://w3id.org/esrgraph/ontology#")
SKOS = rdflib.Namespace("http://www.w3.org/2004/02/skos/core#")


def record(code: str, applicant: Applicant | None = None, co: tuple[CoImplementer, ...] = (), **kw) -> ProjectRecord:
    return ProjectRecord(
        source=SourceInfo(path=f"{code}.txt", sha256=f"{abs(hash(code)):064d}"[-64:], layout="eura-description"),
        code=code, name=f"Hanke {code}", fund="ESR", applicant=applicant, co_implementers=co, **kw,
    )


def graph_of(records: list[ProjectRecord], **options) -> rdflib.Graph:
    _, triples, *_ = build_records(records, BuildOptions(with_codelists=False, **options))
    g = rdflib.Graph()
    g.parse(data=serialize_triples(triples, OutputFormat.NTRIPLES).decode("utf-8"), format="nt")
    return g


def org(bid: str) -> rdflib.URIRef:
    return rdflib.URIRef(f"{BASE}organisation/{bid}")


def test_business_ids_are_normalised_with_stdnum() -> None:
    assert parse_business_id("2542088-8").normal == "2542088-8"
    assert parse_business_id("25420888").normal == "2542088-8"
    assert parse_business_id("FI25420888").normal == "2542088-8"
    assert parse_business_id("116480-8").normal == "0116480-8"  # old ID without its leading zero
    wrong = parse_business_id("2542088-9")
    assert wrong.written == "2542088-9" and wrong.normal is None and not wrong.valid
    assert parse_business_id("  ") is None


def test_same_business_id_under_two_spellings_is_one_organisation_with_both_names() -> None:
    g = graph_of([
        record("S20001", Applicant(name="Wari ry", business_id="2542088-8")),
        record("S20002", Applicant(name="K-S monikulttuuristen yhdistysten liitto Wari ry", business_id="25420888")),
    ])
    node = org("2542088-8")
    names = {str(x) for x in g.objects(node, SKOS.prefLabel)} | {str(x) for x in g.objects(node, SKOS.altLabel)}
    assert names == {"Wari ry", "K-S monikulttuuristen yhdistysten liitto Wari ry"}
    assert len(list(g.objects(node, SKOS.prefLabel))) == 1
    assert (node, rdflib.RDFS.seeAlso, rdflib.URIRef("https://tietopalvelu.ytj.fi/yritys/2542088-8")) in g
    registration = g.value(node, rdflib.URIRef("http://www.w3.org/ns/regorg#registration"))
    assert str(g.value(registration, SKOS.notation)) == "2542088-8"


def test_a_name_without_business_id_is_matched_when_unambiguous() -> None:
    g = graph_of([
        record("S20001", Applicant(name="Mikkelin Toimintakeskus ry", business_id="0944845-0")),
        record("S20002", Applicant(name="Etelä-Savon hyvinvointijärjestöjen tuki ry", business_id="2253658-6"),
               co=(CoImplementer(name="MIKKELIN TOIMINTAKESKUS RY."),)),
    ])
    project = rdflib.URIRef(BASE + "project/S20002")
    assert (project, ESR.coImplementer, org("0944845-0")) in g
    assert str(g.value(org("0944845-0"), ESR.matchedByName)) == "MIKKELIN TOIMINTAKESKUS RY."


def test_an_ambiguous_name_is_not_matched() -> None:
    g = graph_of([
        record("S20001", Applicant(name="Jyväskylän kaupunki", business_id="0208201-1")),
        record("S20002", Applicant(name="Jyväskylän kaupunki", business_id="2542088-8")),
        record("S20003", Applicant(name="Jyväskylän kaupunki")),
    ])
    target = g.value(rdflib.URIRef(BASE + "project/S20003"), ESR.applicant)
    assert str(target) == BASE + "organisation/name/jyväskylän-kaupunki"
    assert g.value(target, ESR.matchedByName) is None


def test_a_wrong_check_digit_identifies_nothing_but_is_kept_for_validation() -> None:
    g = graph_of([record("S20001", Applicant(name="Wari ry", business_id="2542088-9"))])
    target = g.value(rdflib.URIRef(BASE + "project/S20001"), ESR.applicant)
    assert str(target) == BASE + "organisation/name/wari-ry"
    registration = g.value(target, rdflib.URIRef("http://www.w3.org/ns/regorg#registration"))
    assert str(g.value(registration, SKOS.notation)) == "2542088-9"
    assert (target, rdflib.RDF.type, rdflib.URIRef("http://www.w3.org/ns/regorg#RegisteredOrganization")) not in g


def test_literals_are_typed_and_tagged() -> None:
    g = graph_of([record("S20001", start_date=date(2017, 9, 1), funding=Funding(eu_state_granted=Decimal("97216.29")))])
    p = rdflib.URIRef(BASE + "project/S20001")
    assert g.value(p, ESR.plannedStartDate) == rdflib.Literal("2017-09-01", datatype=rdflib.XSD.date)
    assert g.value(p, ESR.grantedEUAndStateFunding) == rdflib.Literal("97216.29", datatype=rdflib.XSD.decimal)
    assert g.value(p, rdflib.URIRef("http://purl.org/dc/terms/title")).language == "fi"


def test_iris_minted_from_input_cannot_break_the_graph() -> None:
    evil = 'S2>1 "x"#frag\njavascript:alert(1)'
    g = graph_of([record(evil, Applicant(name='Evil <org> "name"#x\n'))])
    for s, _, o in g:
        for term in (s, o):
            if isinstance(term, rdflib.URIRef):
                assert str(term).startswith(("https://w3id.org/esrgraph/id/", "https://w3id.org/", "http://", "https://")), term
                assert not any(ch in str(term) for ch in ' <>"\n{}|\\^`'), term
    projects = list(g.subjects(rdflib.RDF.type, ESR.Project))
    assert len(projects) == 1 and str(projects[0]).startswith(BASE + "project/S2%3E1")


def test_contact_person_only_with_personal_data_option() -> None:
    applicant = Applicant(name="Wari ry", business_id="2542088-8", phone="+358504630120",
                          contact=ContactPerson(name="Anne Ceesay", email="a@b.fi", phone="0504630120"))
    plain = graph_of([record("S20001", applicant)])
    text = plain.serialize(format="nt")
    assert "Anne Ceesay" not in text and "a@b.fi" not in text and "4630120" not in text
    personal = graph_of([record("S20001", applicant)], include_personal_data=True)
    text = personal.serialize(format="nt")
    assert "Anne Ceesay" in text and "a@b.fi" in text and "+358504630120" in text
