"""Issue 20 in the data graph: organisations as registered agents, funding authorities as organisations,
participation roles, amounts with their currency, the budget range as one amount, the project's EURA page
and the country of an address in the EU authority table."""

from __future__ import annotations

from decimal import Decimal

import rdflib

from esrgraph.core.model import Address, Applicant, CoImplementer, Funding, ProjectRecord, SourceInfo
from esrgraph.io.export import serialize_triples
from esrgraph.io.formats import OutputFormat
from esrgraph.pipeline.result import BuildOptions
from esrgraph.pipeline.stages import build_records

BASE = "https://data.example.fi/esr/"
ESR = rdflib.Namespace("https://w3id.org/esrgraph/ontology#")
SKOS = rdflib.Namespace("http://www.w3.org/2004/02/skos/core#")
ROV = rdflib.Namespace("http://www.w3.org/ns/regorg#")
ADMS = rdflib.Namespace("http://www.w3.org/ns/adms#")
ORG = rdflib.Namespace("http://www.w3.org/ns/org#")
SCHEMA = rdflib.Namespace("https://schema.org/")
FOAF = rdflib.Namespace("http://xmlns.com/foaf/0.1/")
DCTERMS = rdflib.DCTERMS


def record(code: str, layout: str = "eura-description", **kw) -> ProjectRecord:
    return ProjectRecord(source=SourceInfo(path=f"{code}.txt", sha256=f"{abs(hash(code)):064d}"[-64:], layout=layout),
                         code=code, name=f"Hanke {code}", fund="ESR", **kw)


def graph_of(records: list[ProjectRecord], with_codelists: bool = True) -> rdflib.Graph:
    _, triples, *_ = build_records(records, BuildOptions(base=BASE, with_codelists=with_codelists))
    g = rdflib.Graph()
    g.parse(data=serialize_triples(triples, OutputFormat.NTRIPLES).decode("utf-8"), format="nt")
    return g


def project(code: str) -> rdflib.URIRef:
    return rdflib.URIRef(f"{BASE}project/{code}")


def test_the_y_tunnus_is_one_registration_with_its_agency() -> None:
    g = graph_of([record("S21093", applicant=Applicant(name="Wari ry", business_id="25420888"))], with_codelists=False)
    node = rdflib.URIRef(BASE + "organisation/2542088-8")
    registration = g.value(node, ROV.registration)
    assert registration == rdflib.URIRef(BASE + "organisation/2542088-8/registration")
    assert (registration, rdflib.RDF.type, ADMS.Identifier) in g
    assert g.value(registration, SKOS.notation) == rdflib.Literal("2542088-8")
    assert rdflib.Literal("Patentti- ja rekisterihallitus", lang="fi") in set(g.objects(registration, ADMS.schemaAgency))
    # one form of the identifier, and the one shortcut queries read; no dcterms:identifier, no second node
    assert g.value(node, ESR.businessId) == rdflib.Literal("2542088-8")
    assert g.value(node, DCTERMS.identifier) is None
    assert g.value(node, ADMS.identifier) is None


def test_a_rejected_y_tunnus_is_a_registration_as_written_without_agency() -> None:
    g = graph_of([record("S21093", applicant=Applicant(name="Wari ry", business_id="2542088-9"))], with_codelists=False)
    node = g.value(project("S21093"), ESR.applicant)
    registration = g.value(node, ROV.registration)
    assert g.value(registration, SKOS.notation) == rdflib.Literal("2542088-9")
    assert g.value(registration, ADMS.schemaAgency) is None
    assert g.value(node, ESR.businessId) is None


def test_the_funding_authority_is_an_organisation_that_an_applicant_of_its_name_shares() -> None:
    official = "Keski-Suomen elinkeino-, liikenne- ja ympäristökeskus"
    g = graph_of([
        record("S21093", authority="Keski-Suomen ELY-keskus", applicant=Applicant(name="Wari ry", business_id="2542088-8")),
        record("S21094", authority="Keski-Suomen ELY-keskus", applicant=Applicant(name=official, business_id="0116480-8")),
    ])
    concept = g.value(project("S21093"), ESR.fundingAuthority)
    assert str(concept).endswith("/authority/ely-keski-suomi")
    organisations = set(g.subjects(ORG.classification, concept))
    assert organisations == {rdflib.URIRef(BASE + "organisation/0116480-8")}  # the applicant's node, by name
    assert (rdflib.URIRef(BASE + "organisation/0116480-8"), rdflib.RDF.type, ORG.Organization) in g


def test_an_authority_no_applicant_names_gets_its_own_organisation() -> None:
    g = graph_of([record("S21093", authority="Keski-Suomen ELY-keskus")])
    concept = g.value(project("S21093"), ESR.fundingAuthority)
    (organisation,) = set(g.subjects(ORG.classification, concept))
    assert str(organisation).startswith(BASE + "organisation/name/")
    assert str(g.value(organisation, SKOS.prefLabel)) == "Keski-Suomen elinkeino-, liikenne- ja ympäristökeskus"


def participations(g: rdflib.Graph, code: str) -> dict[str, tuple[set[str], str | None]]:
    """Organisation IRI -> (role classes, funded) of each participation node of the project."""
    out = {}
    for node in g.objects(project(code), ESR.participation):
        classes = {str(c).rsplit("#", 1)[-1] for c in g.objects(node, rdflib.RDF.type)}
        funded = g.value(node, ESR.funded)
        out[str(g.value(node, ESR.organisation))] = (classes, None if funded is None else str(funded))
    return out


def test_osatoteuttajat_are_funded_co_implementers_and_a_cards_partners_are_partners() -> None:
    co = (CoImplementer(name="Mikkelin Toimintakeskus ry", business_id="0944845-0"),)
    g = graph_of([
        record("S21860", applicant=Applicant(name="Estery ry", business_id="2253658-6"), co_implementers=co),
        record("S20398", layout="portal-card", applicant=Applicant(name="Jyväskylän kaupunki"),
               co_implementers=(CoImplementer(name="Jyväskylän ammattikorkeakoulu JAMK"),)),
    ], with_codelists=False)
    mikkeli, estery = BASE + "organisation/0944845-0", BASE + "organisation/2253658-6"
    jamk = BASE + "organisation/name/jyväskylän-ammattikorkeakoulu-jamk"
    assert participations(g, "S21860") == {
        estery: ({"Participation", "ApplicantParticipation"}, "true"),
        mikkeli: ({"Participation", "CoImplementerParticipation"}, "true"),
    }
    assert (project("S21860"), ESR.coImplementer, rdflib.URIRef(mikkeli)) in g
    partners = participations(g, "S20398")
    assert partners[jamk] == ({"Participation", "PartnerParticipation"}, None)  # the card does not say it is funded
    assert (project("S20398"), ESR.partner, rdflib.URIRef(jamk)) in g
    assert (project("S20398"), ESR.coImplementer, rdflib.URIRef(jamk)) not in g


def test_amounts_carry_their_currency_and_the_range_is_one_amount() -> None:
    funding = Funding(eu_state_granted=Decimal("199775"), budget_min=Decimal("100000"), budget_max=Decimal("500000"))
    g = graph_of([record("S21093", funding=funding)], with_codelists=False)
    p = project("S21093")
    amount = g.value(p, ESR.grantedEUAndStateFundingAmount)
    assert (amount, rdflib.RDF.type, SCHEMA.MonetaryAmount) in g
    assert g.value(amount, SCHEMA.value) == rdflib.Literal("199775", datatype=rdflib.XSD.decimal)
    assert g.value(amount, SCHEMA.currency) == rdflib.Literal("EUR")
    assert g.value(p, ESR.grantedEUAndStateFunding) == rdflib.Literal("199775", datatype=rdflib.XSD.decimal)
    (budget,) = set(g.objects(p, ESR.budgetRange))
    assert g.value(budget, SCHEMA.minValue) == rdflib.Literal("100000", datatype=rdflib.XSD.decimal)
    assert g.value(budget, SCHEMA.maxValue) == rdflib.Literal("500000", datatype=rdflib.XSD.decimal)
    assert g.value(budget, SCHEMA.currency) == rdflib.Literal("EUR")
    assert g.value(p, ESR.realisedEUAndStateFundingAmount) is None


def test_a_project_links_the_eura_page_of_its_period() -> None:
    g = graph_of([record("S21093"), record("S10789")])
    assert g.value(project("S21093"), FOAF.page) == rdflib.URIRef(
        "https://www.eura2014.fi/rrtiepa/projekti.php?projektikoodi=S21093")
    assert g.value(project("S10789"), FOAF.page) == rdflib.URIRef(
        "https://www.eura2007.fi/rrtiepa/projekti.php?projektikoodi=S10789")


def test_a_code_of_no_known_shape_links_no_page() -> None:
    g = graph_of([record("X-1")])
    assert g.value(project("X-1"), FOAF.page) is None


def test_an_address_names_its_country_in_the_eu_authority_table() -> None:
    g = graph_of([record("S21093", implementation_address=Address(street_address="Matarankatu 4"))],
                 with_codelists=False)
    address = g.value(project("S21093"), ESR.implementationAddress)
    assert set(g.objects(address, SCHEMA.addressCountry)) == {
        rdflib.Literal("FI"), rdflib.URIRef("http://publications.europa.eu/resource/authority/country/FIN")}
