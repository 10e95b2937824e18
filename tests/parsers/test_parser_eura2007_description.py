"""The ``eura2007-description`` layout: the 2007–2013 project description, field for field.

The fixtures in tests/data/eura2007-description/ are reconstructed (no full real page could be found;
its README says which labels and values are real and where they come from).
"""

from __future__ import annotations

import gzip
import random
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import rdflib
from hypothesis import given, settings
from hypothesis import strategies as st

from esrgraph.cli import main
from esrgraph.core.errors import EsrgraphError, ParseError
from esrgraph.core.model import ProjectRecord
from esrgraph.io.sources import source_from_bytes
from esrgraph.parsers.base import SourceText
from esrgraph.parsers.eura2007_description import Eura2007DescriptionParser
from esrgraph.parsers.inputs import parse_file
from esrgraph.parsers.registry import detect_layout
from repo_paths import REPO

DATA = REPO / "tests" / "data" / "eura2007-description"
SAMPLES = REPO / "data" / "samples"
PARSER = Eura2007DescriptionParser()
GOOD = ("S10789-esr.txt", "A30896-eakr.txt", "synthetic-national.txt")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
ESR = rdflib.Namespace("https://w3id.org/esrgraph/ontology#")
CODE = "https://w3id.org/esrgraph/code/"


def source(text: str, path: str = "mem.txt") -> SourceText:
    return source_from_bytes(text.encode("utf-8"), path)


def one(name: str) -> ProjectRecord:
    outcome = parse_file(DATA / name, layout="eura2007-description")
    assert outcome.quarantined == []
    (record,) = outcome.records
    return record


EXPECTED: dict[str, dict[str, Any]] = {
    "S10789-esr.txt": {
        "code": "S10789",
        "name": "Medios - Osallistuvan median menetelmien ja työkalujen kehittämishanke",
        "fund": "ESR",
        "priority_axis": {
            "number": "3",
            "name": "Työmarkkinoiden toimintaa edistävien osaamis-, innovaatio- ja palvelujärjestelmien kehittäminen",
        },
        "programme_part": "Etelä-Suomen suuralueosio",
        "specific_objective": {"code": None, "name": None},
        "start_date": "2008-12-01",
        "end_date": "2011-03-31",
        "status": "Toiminta päättynyt",
        "authority": "Hämeen elinkeino-, liikenne- ja ympäristökeskus",
        "applicant": {
            "name": "Metropolia Ammattikorkeakoulu Oy",
            "organisation_type": "Ammattikorkeakoulu",
            "business_id": None,
            "street_address": "Bulevardi 31",
            "postal_code": None,
            "post_office": None,
            "phone": None,
            "website": None,
            "contact": {
                "name": "Testi Yhteyshenkilö",
                "role": None,
                "email": "testi.yhteyshenkilo@example.invalid",
                "phone": "040 000 0000",
            },
        },
        "summary": "Projekti kehittää osallistuvan median menetelmiä ja työkaluja koulutukseen ja työelämään.\n\n"
        "Tämä tiivistelmä on rekonstruoitu testiaineistoksi: oikean sivun tiivistelmää ei löytynyt.",
        "target_groups": {
            "direct": "Osallistuvan median menetelmiä kehittävät opettajat, kouluttajat ja järjestöjen työntekijät.\n"
            "(Reconstructed text: the real page's target groups were not found.)",
            "indirect": None,
        },
        "funding": {
            "eu_state_granted": 370912, "eu_state_realised": 370912, "public_planned": 491795,
            "public_realised": 491666, "budget_min": None, "budget_max": None,
        },
        "regions": ["Uusimaa"],
        "subregions": ["Helsingin"],
        "municipalities": ["Helsinki"],
        "co_implementers": [],
        "description": None,
        "problems": [],
        "repairs": [],
    },
    "A30896-eakr.txt": {
        "code": "A30896",
        "name": "Paikkatiedon innovaatioverkoston kehittäminen Pohjois-Pohjanmaalla",
        "fund": "EAKR",
        "priority_axis": {
            "number": "2",
            "name": "Innovaatiotoiminnan ja verkostoitumisen edistäminen sekä osaamisrakenteiden vahvistaminen",
        },
        "programme_part": "Pohjois-Suomi",
        "start_date": "2009-04-01",
        "end_date": "2012-08-31",
        "status": "Toiminta päättynyt",
        "authority": "Pohjois-Pohjanmaan liitto",
        "applicant": {
            "name": "Oulun seudun ammattikorkeakoulu, luonnonvara-alan yksikkö",
            "organisation_type": None,
            "business_id": None,
            "street_address": None,
            "postal_code": None,
            "post_office": None,
            "phone": None,
            "website": None,
            "contact": {
                "name": "Testi Vastuuhenkilö",
                "role": None,
                "email": "testi.vastuuhenkilo@example.invalid",
                "phone": "040 111 1111",
            },
        },
        "summary": "Projekti kehittää paikkatiedon innovaatioverkostoa Pohjois-Pohjanmaalla.\n"
        "Rekonstruoitu testiteksti: oikean sivun tiivistelmää ei löytynyt.",
        "target_groups": {"direct": None, "indirect": None},
        "funding": {
            "eu_state_granted": 456000, "eu_state_realised": 455680, "public_planned": 570000,
            "public_realised": 569601, "budget_min": None, "budget_max": None,
        },
        "regions": ["Pohjois-Pohjanmaa"],
        "subregions": ["Oulun"],
        "municipalities": ["Oulu", "Liminka"],
        "problems": [],
        "repairs": [],
    },
    "synthetic-national.txt": {
        "code": "S19999",
        "name": "Esimerkkiprojekti, jonka nimi on niin pitkä että se jatkuu seuraavalle riville",
        "fund": "ESR",
        "priority_axis": {
            "number": "2",
            "name": "Työllistymisen ja työmarkkinoilla pysymisen edistäminen sekä syrjäytymisen ehkäisy",
        },
        "programme_part": "Valtakunnallinen osio",
        "start_date": "2009-01-01",
        "end_date": "2012-12-31",
        "status": "Keskeytynyt",
        "authority": "Esimerkkiviranomainen",
        "applicant": {
            "name": "Esimerkkiyhdistys ry",
            "organisation_type": "Yhdistys",
            "business_id": "0000000-0",
            "street_address": "Esimerkkikatu 1",
            "postal_code": "00100",
            "post_office": "Helsinki",
            "phone": "09 000 0000",
            "website": "www.example.invalid",
            "contact": {
                "name": "Testi Henkilö",
                "role": "Projektipäällikkö",
                "email": "testi.henkilo@example.invalid",
                "phone": "040 222 2222",
            },
        },
        "summary": "Synteettinen tiivistelmä.",
        "target_groups": {"direct": "Työttömät nuoret.", "indirect": "Työvoimaviranomaiset."},
        "funding": {
            "eu_state_granted": 100000, "eu_state_realised": None, "public_planned": 120000.5,
            "public_realised": None, "budget_min": None, "budget_max": None,
        },
        "regions": [],
        "subregions": [],
        "municipalities": [],
        "description": "6 Horisontaaliset periaatteet\n\nSynteettinen teksti osiosta, jota jäsennin ei tunne.",
        "problems": [],
        "repairs": ["name continued on line 10"],
    },
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_field_for_field(name: str) -> None:
    got = one(name).to_json()
    for key, want in EXPECTED[name].items():
        assert got[key] == want, key


def test_values_are_typed() -> None:
    record = one("S10789-esr.txt")
    assert record.start_date == date(2008, 12, 1)
    assert record.funding is not None and record.funding.public_realised == Decimal("491666")
    synthetic = one("synthetic-national.txt").funding
    assert synthetic is not None and synthetic.public_planned == Decimal("120000.50")


@pytest.mark.parametrize("name", GOOD)
def test_every_line_is_accounted_for(name: str) -> None:
    path = DATA / name
    record = one(name)
    assert record.source.layout == "eura2007-description"
    assert record.source.first_line == 1
    lines = path.read_text(encoding="utf-8").split("\n")
    nonblank = {i for i, t in enumerate(lines, start=1) if t.strip()}
    assert {u.line for u in record.coverage} == nonblank
    assert [u for u in record.coverage if u.field is None] == []
    by_line = {u.line: u for u in record.coverage}
    assert by_line[1].field == "chrome"
    title = next(i for i, t in enumerate(lines, start=1) if t.endswith("rahoittaman projektin kuvaus"))
    assert by_line[title].field == "fund" and by_line[title].labelled
    code = next(i for i, t in enumerate(lines, start=1) if t.startswith("Projektikoodi:"))
    assert by_line[code].field == "code" and by_line[code].labelled


def test_coverage_names_the_fields_a_line_fed() -> None:
    by_text = {u.text: u.field for u in one("S10789-esr.txt").coverage}
    assert by_text["RAKENNERAHASTOTIETOPALVELU"] == "chrome"
    assert by_text["Osio: Etelä-Suomen suuralueosio"] == "programme_part"
    assert by_text["Ohjelma: Manner-Suomen ESR-ohjelma"] == "unmodelled:ohjelma"
    assert by_text["Projektityyppi: Projekti, jossa on henkilöitä mukana"] == "unmodelled:projektityyppi"
    assert by_text["Projektin kesto: 1.12.2008 - 31.3.2011"] == "start_date,end_date"
    assert by_text["3.1 Maantieteellinen kohdealue"] == "section:3.1"
    assert by_text["Kunnat: Helsinki"] == "municipalities"
    # with no Osio, the programme line (an EAKR regional programme) is the programme part
    by_text = {u.text: u.field for u in one("A30896-eakr.txt").coverage}
    assert by_text["Ohjelma: Pohjois-Suomi"] == "programme_part"
    national = {u.text: u.field for u in one("synthetic-national.txt").coverage}
    assert national["Valtakunnallinen projekti"] == "regions"
    assert national["Toimenpidekokonaisuus: Esimerkkikokonaisuus"] == "unmodelled:toimenpidekokonaisuus"
    assert national["Kokonaisrahoitus: 150 000"] == "unmodelled:kokonaisrahoitus"
    assert national["jatkuu seuraavalle riville"] == "name"


def test_fixtures_hold_no_real_contact_data() -> None:
    for name in GOOD:
        applicant = one(name).applicant
        assert applicant is not None
        contact = applicant.contact
        assert contact.name is not None and contact.name.startswith("Testi ")
        assert contact.email is not None and contact.email.endswith("@example.invalid")


# -- detection ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [*GOOD, "S10789-damaged.txt"])
def test_sniff_and_detect_accept_the_2007_description(name: str) -> None:
    text = (DATA / name).read_text(encoding="utf-8")
    assert PARSER.sniff(text)
    assert detect_layout(text) == "eura2007-description"


OTHER_LAYOUTS = {
    "eura-description": [SAMPLES / "S21093.txt", SAMPLES / "S21860.txt", REPO / "tests/data/eura-description/A70123-eakr.txt"],
    "eura-flattened": [SAMPLES / "S21199.txt"],
    "portal-card": [SAMPLES / "S20398.txt"],
    "projectlist-csv": sorted((REPO / "tests" / "data" / "projectlist-csv").glob("*.csv")),
}


@pytest.mark.parametrize(
    ("layout", "path"), [(layout, p) for layout, paths in OTHER_LAYOUTS.items() for p in paths], ids=str
)
def test_sniff_refuses_the_other_layouts(layout: str, path: Path) -> None:
    text = path.read_text(encoding="utf-8", errors="replace")
    assert not PARSER.sniff(text)
    assert detect_layout(text) == layout


def test_sniff_refuses_the_2007_project_list() -> None:
    raw = gzip.decompress((REPO / "tests/data/projectlist-csv/projektilista-2007-2013.csv.gz").read_bytes())
    head = raw[:20000].decode("cp1252")
    assert not PARSER.sniff(head)
    assert detect_layout(head) == "projectlist-csv"


def test_sniff_without_the_title_needs_a_label_of_its_own() -> None:
    assert PARSER.sniff("Projektikoodi: S10324\nProjektin nimi: HoivaRekry\n")
    assert PARSER.sniff("Projektikoodi: S10324\n3.1 Maantieteellinen kohdealue\n")
    assert not PARSER.sniff("Projektikoodi: S10324\nToimintalinja: 1\n")
    assert not PARSER.sniff("Euroopan sosiaalirahaston (ESR) rahoittaman hankkeen kuvaus\nHankekoodi: S21093\n")
    assert not PARSER.sniff("")


def test_text_of_another_layout_raises_parse_error() -> None:
    text = (SAMPLES / "S21093.txt").read_text(encoding="utf-8")
    with pytest.raises(ParseError) as info:
        PARSER.parse(source(text, "S21093.txt"))
    assert info.value.path == "S21093.txt"
    assert "not a 2007-2013 project description" in info.value.message


# -- damaged input -----------------------------------------------------------------------------------


def test_damaged_fixture_gives_problems_not_a_crash() -> None:
    record = one("S10789-damaged.txt")
    problems = {(p.line, p.field, p.value) for p in record.problems}
    assert problems == {
        (25, "end_date", "31.13.2011"),
        (39, "applicant.contact.email", "ei osoitetta"),
        (59, "funding.eu_state_granted", "370 9I2"),
    }
    assert all(p.record == "S10789" and p.path.endswith("S10789-damaged.txt") for p in record.problems)
    # the readable neighbours of a bad value are kept; the missing section leaves its lists empty
    assert record.start_date == date(2008, 12, 1) and record.end_date is None
    assert record.funding is not None and record.funding.eu_state_realised == Decimal("370912")
    assert record.regions == record.subregions == record.municipalities == ()
    assert [u for u in record.coverage if u.field is None] == []


def test_garbled_code_and_business_id_are_problems() -> None:
    text = (
        "Euroopan sosiaalirahaston (ESR) rahoittaman projektin kuvaus\n"
        "Projektikoodi: S-10 324\n"
        "Projektin nimi: Nimi\n"
        "Y-tunnus: 123\n"
        "Postinumero: 1234\n"
        "Aloituspäivämäärä: huomenna\n"
    )
    (record,) = PARSER.parse(source(text)).records
    assert record.code is None and record.name == "Nimi"
    assert [(p.line, p.field) for p in record.problems] == [
        (2, "code"), (4, "applicant.business_id"), (5, "applicant.postal_code"), (6, "start_date"),
    ]


def test_a_record_with_neither_code_nor_name_is_quarantined() -> None:
    text = "Euroopan sosiaalirahaston (ESR) rahoittaman projektin kuvaus\nProjektikoodi:\nToiminnan tila: Keskeytynyt\n"
    outcome = PARSER.parse(source(text))
    assert outcome.records == [] and outcome.units == 1
    (error,) = outcome.quarantined
    assert error.line == 1 and error.field == "code"


def test_heading_contradicting_the_code_is_a_problem() -> None:
    text = "Euroopan aluekehitysrahaston (EAKR) rahoittaman projektin kuvaus\nProjektikoodi: S10324\n"
    (record,) = PARSER.parse(source(text)).records
    assert record.fund == "EAKR"
    assert [(p.line, p.field) for p in record.problems] == [(1, "fund")]


def test_unknown_label_is_an_unused_labelled_line() -> None:
    text = "Projektikoodi: S10324\nProjektin nimi: HoivaRekry\nKeksitty kenttä: arvo\n"
    (record,) = PARSER.parse(source(text)).records
    (unused,) = [u for u in record.coverage if u.field is None]
    assert unused.line == 3 and unused.labelled


def test_a_label_inside_the_summary_ends_it() -> None:
    text = "Projektikoodi: S10324\n4 Projektin tiivistelmä\nTeksti.\nMyönnetty EU- ja valtion rahoitus: 1 000\n"
    (record,) = PARSER.parse(source(text)).records
    assert record.summary == "Teksti."
    assert record.funding is not None and record.funding.eu_state_granted == Decimal("1000")
    assert record.repairs == ("section heading missing before line 4: the summary text taken to end there",)


def test_two_descriptions_in_one_file() -> None:
    first = (DATA / "S10789-esr.txt").read_text(encoding="utf-8")
    second = (DATA / "A30896-eakr.txt").read_text(encoding="utf-8")
    outcome = PARSER.parse(source(first + "\n" + second))
    assert [r.code for r in outcome.records] == ["S10789", "A30896"]
    assert outcome.records[1].source.first_line == first.count("\n") + 2
    assert outcome.records[1].coverage[0].field == "chrome"
    no_titles = "Projektikoodi: S10324\nProjektin nimi: A\n\nProjektikoodi: S10325\nProjektin nimi: B\n"
    assert [(r.code, r.name) for r in PARSER.parse(source(no_titles)).records] == [("S10324", "A"), ("S10325", "B")]


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10**6), cuts=st.integers(1, 6))
def test_mutated_fixtures_never_crash(seed: int, cuts: int) -> None:
    rng = random.Random(seed)
    lines = (DATA / rng.choice(GOOD)).read_text(encoding="utf-8").split("\n")
    for _ in range(cuts):
        i = rng.randrange(len(lines))
        op = rng.randrange(3)
        if op == 0:
            del lines[i]
        elif op == 1:
            lines[i] = lines[i][: rng.randrange(len(lines[i]) + 1)]
        else:
            lines.insert(i, rng.choice(lines) + rng.choice(["", ":", " 31.13.2020", " |", "\u00a0"]))
    try:
        outcome = PARSER.parse(source("\n".join(lines)))
    except EsrgraphError:
        return
    assert outcome.units == len(outcome.records) + len(outcome.quarantined)
    assert all("parser failed" not in q.message for q in outcome.quarantined)
    for record in outcome.records:
        record.to_json()


# -- the build ---------------------------------------------------------------------------------------


def test_build_on_a_folder_with_the_fixture(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "S10789-esr.txt").write_bytes((DATA / "S10789-esr.txt").read_bytes())
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as exit_info:
        main(["build", str(inputs), "-o", str(out)])
    _, err = capsys.readouterr()
    assert exit_info.value.code in (0, None), err
    graph = rdflib.Graph().parse(out / "esrgraph.ttl")
    projects = list(graph.subjects(rdflib.RDF.type, ESR.Project))
    assert len(projects) == 1
    (project,) = projects
    assert str(project).endswith("/project/S10789")
    assert graph.value(project, DCT.identifier) == rdflib.Literal("S10789")
    assert graph.value(project, DCT.title) == rdflib.Literal(
        "Medios - Osallistuvan median menetelmien ja työkalujen kehittämishanke", lang="fi"
    )
    assert set(graph.objects(project, ESR.municipality)) == {rdflib.URIRef(CODE + "municipality/091")}
    assert set(graph.objects(project, ESR.region)) == {rdflib.URIRef(CODE + "region/01")}
    assert set(graph.objects(project, ESR.subregion)) == {rdflib.URIRef(CODE + "subregion/011")}
    assert set(graph.objects(project, ESR.programmePeriod)) == {rdflib.URIRef(CODE + "period/2007-2013")}
