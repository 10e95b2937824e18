"""The ``eura-description`` layout: every field of the three seeds, and the awkward cases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from esrgraph.core.errors import ParseError
from esrgraph.core.model import ProjectRecord
from esrgraph.io.sources import source_from_bytes
from esrgraph.parsers.base import SourceText
from esrgraph.parsers.eura_description import EuraDescriptionParser
from esrgraph.parsers.inputs import parse_file
from repo_paths import REPO

ROOT = REPO
SAMPLES = ROOT / "data" / "samples"
DATA = ROOT / "tests" / "data" / "eura-description"
SEEDS = ("S21093", "S21860", "S20885")
PARSER = EuraDescriptionParser()

ECO = "Ekologinen kestävyys"
ECON = "Taloudellinen kestävyys"
SOC = "Sosiaalinen ja kulttuurinen kestävyys sekä yhdenvertaisuus"
CRITERIA = (
    (ECO, "Luonnonvarojen käytön kestävyys"),
    (ECO, "Ilmastonmuutoksen aiheuttamien riskien vähentäminen"),
    (ECO, "Kasvillisuus, eliöt ja luonnon monimuotoisuus"),
    (ECO, "Pinta- ja pohjavedet, maaperä sekä ilma (ja kasvihuonekaasujen väheneminen)"),
    (ECO, "Natura 2000 -ohjelman kohteet"),
    (ECON, "Materiaalit ja jätteet"),
    (ECON, "Uusiutuvien energialähteiden käyttö"),
    (ECON, "Paikallisen elinkeinorakenteen kestävä kehittäminen"),
    (ECON, "Aineettomien tuotteiden ja palvelujen kehittäminen"),
    (ECON, "Liikkuminen ja logistiikka"),
    (SOC, "Hyvinvoinnin edistäminen"),
    (SOC, "Tasa-arvon edistäminen"),
    (SOC, "Yhteiskunnallinen ja kulttuurinen yhdenvertaisuus"),
    (SOC, "Kulttuuriympäristö"),
    (SOC, "Ympäristöosaaminen"),
)


def parse(path: Path) -> list[ProjectRecord]:
    return parse_file(path, layout="eura-description").records


def one(name: str) -> ProjectRecord:
    (record,) = parse(SAMPLES / f"{name}.txt")
    return record


def assert_long(text: str | None, first: str, last: str, paragraphs: int) -> None:
    """A long text: its first and last words and how many paragraphs it has."""
    assert text is not None
    assert text.startswith(first), text[:80]
    assert text.endswith(last), text[-80:]
    assert len(text.split("\n\n")) == paragraphs
    assert "|" not in text or "|" in first + last


EXPECTED: dict[str, dict[str, Any]] = {
    "S21093": {
        "code": "S21093",
        "name": "Mahdollisuudet todeksi",
        "fund": "ESR",
        "priority_axis": {"number": "3", "name": "Työllisyys ja työvoiman liikkuvuus"},
        "specific_objective": {
            "code": "6.1",
            "name": "Nuorten ja muiden heikossa työmarkkina-asemassa olevien työllistymisen edistäminen",
        },
        "start_date": "2017-09-01",
        "end_date": "2019-08-31",
        "status": "Toiminta päättynyt",
        "authority": "Hämeen elinkeino-, liikenne- ja ympäristökeskus",
        "applicant": {
            "name": "K-S monikulttuuristen yhdistysten liitto Wari ry",
            "organisation_type": "Muu järjestö tai yhdistys",
            "business_id": "2542088-8",
            "street_address": "Matarankatu 4, 2. krs, huoneet 202 ja 203",
            "postal_code": "40100",
            "post_office": "Jyväskylä",
            "phone": "+358504630120",
            "website": None,
            "contact": {
                "name": "Anne Ceesay",
                "role": "Työntekijä",
                "email": "ceesay.anne@gmail.com",
                "phone": "+358504630120",
            },
        },
        "applicant_mode": "Vain yksi hakija",
        "co_implementers": [],
        "funding": {
            "eu_state_granted": 199775,
            "eu_state_realised": 192360,
            "public_planned": 265867,
            "public_realised": 253421,
            "budget_min": None,
            "budget_max": None,
        },
        "regions": ["Keski-Suomi"],
        "subregions": ["Jyväskylän"],
        "municipalities": ["Jyväskylä", "Hankasalmi", "Uurainen", "Petäjävesi", "Muurame", "Toivakka", "Laukaa"],
        "implementation_address": {"street_address": None, "postal_code": None, "post_office": None},
        "monitoring": {"companies_planned": 25, "companies_actual": 6, "persons_planned": 70},
        "description": None,
        "problems": [],
    },
    "S21860": {
        "code": "S21860",
        "name": "OLET MUKANA! - osallistumisen, hyvinvoinnin edistämisen ja työllistymisen tuen -hanke",
        "fund": "ESR",
        "priority_axis": {"number": "5", "name": "Sosiaalinen osallisuus ja köyhyyden torjunta"},
        "specific_objective": {
            "code": "10.1",
            "name": "Työelämän ulkopuolella olevien työ- ja toimintakyvyn parantaminen",
        },
        "start_date": "2020-01-01",
        "end_date": "2021-12-31",
        "status": "Toiminta päättynyt",
        "authority": "Etelä-Savon elinkeino-, liikenne- ja ympäristökeskus",
        "applicant": {
            "name": "Etelä-Savon hyvinvointijärjestöjen tuki ry",
            "organisation_type": "Muu järjestö tai yhdistys",
            "business_id": "2253658-6",
            "street_address": "Otto Mannisen katu 4",
            "postal_code": "50100",
            "post_office": "Mikkeli",
            "phone": "0453274774",
            "website": "http://www.estery.fi",
            "contact": {
                "name": "Jenni Tissari",
                "role": "Projektipäällikkö",
                "email": "jenni@estery.fi",
                "phone": "0503375041",
            },
        },
        "applicant_mode": "Hakijoita on useampi kuin yksi (yhteishanke)",
        "co_implementers": [{"name": "Mikkelin Toimintakeskus ry", "business_id": "0944845-0"}],
        "funding": {
            "eu_state_granted": 224844,
            "eu_state_realised": 200462,
            "public_planned": 274028,
            "public_realised": 249646,
            "budget_min": None,
            "budget_max": None,
        },
        "regions": ["Etelä-Savo"],
        "subregions": ["Mikkelin"],
        "municipalities": ["Mikkeli"],
        "implementation_address": {"street_address": None, "postal_code": None, "post_office": None},
        "monitoring": {"companies_planned": 0, "companies_actual": 4, "persons_planned": 65},
        "description": None,
        "problems": [],
    },
    "S20885": {
        "code": "S20885",
        "name": "Yhdessä enemmän -maahanmuuttajat osana yhteisöä",
        "fund": "ESR",
        "priority_axis": {"number": "5", "name": "Sosiaalinen osallisuus ja köyhyyden torjunta"},
        "specific_objective": {
            "code": "10.1",
            "name": "Työelämän ulkopuolella olevien työ- ja toimintakyvyn parantaminen",
        },
        "start_date": "2017-01-01",
        "end_date": "2018-12-31",
        "status": "Toiminta päättynyt",
        "authority": "Keski-Suomen elinkeino-, liikenne- ja ympäristökeskus",
        "applicant": {
            "name": "Keski-Suomen Yhteisöjen Tuki ry",
            "organisation_type": "Muu järjestö tai yhdistys",
            "business_id": "1710217-7",
            "street_address": "Matarankatu 4, 3.krs",
            "postal_code": "40100",
            "post_office": "Jyväskylä",
            "phone": "+358503046245",
            "website": "http://www.kyt.fi",
            "contact": {
                "name": "Raili Haaki",
                "role": "Toiminnanjohtaja",
                "email": "raili.haaki@kyt.fi",
                "phone": "+358503046245",
            },
        },
        "applicant_mode": None,
        "co_implementers": [],
        "funding": {
            "eu_state_granted": 281250,
            "eu_state_realised": 252493,
            "public_planned": 375000,
            "public_realised": 341406,
            "budget_min": None,
            "budget_max": None,
        },
        "regions": ["Keski-Suomi"],
        "subregions": ["Saarijärven-Viitasaaren", "Jämsän", "Jyväskylän", "Joutsan", "Keuruun", "Äänekosken"],
        "municipalities": [
            "Uurainen", "Pihtipudas", "Saarijärvi", "Kinnula", "Kannonkoski", "Petäjävesi", "Keuruu",
            "Jyväskylä", "Hankasalmi", "Joutsa", "Kyyjärvi", "Viitasaari", "Äänekoski", "Karstula",
            "Kuhmoinen", "Jämsä", "Konnevesi", "Multia", "Muurame", "Luhanka", "Laukaa", "Kivijärvi", "Toivakka",
        ],
        "implementation_address": {"street_address": None, "postal_code": None, "post_office": None},
        "monitoring": {"companies_planned": 0, "companies_actual": 0, "persons_planned": 250},
        "description": None,
        "problems": [],
    },
}

#: (first words, last words, paragraphs) of each long text.
LONG: dict[str, dict[str, tuple[str, str, int]]] = {
    "S21093": {
        "summary": ("Jyväskylässä asuu liki 6000", "myös kotoutumisajan jälkeen.", 5),
        "final_report": ("Ennen hanketta Keski-Suomen", "osoitteesta http://wari.fi/mato.html", 14),
        "direct": ("Hankkeen varsinaisena kohderyhmänä ovat", "terveys- tai perhesyyt).", 1),
        "indirect": ("Hankkeen välillisenä kohderyhmänä", "osaksi heidän toimintaansa.", 1),
    },
    "S21860": {
        "summary": ("Hankkeella vahvistetaan osallisuutta", "kaupungin palveluiden kehittämiseen.", 8),
        "final_report": ("Olet Mukana!-hanke oli moniulotteinen", "yhdistysten toiveiden mukaisesti.", 12),
        "direct": ("Työelämän ulkopuolella olevat työikäiset", "ottamalla itse yhteyttä.", 3),
        "indirect": ("Mikkelin kaupungin luottamushenkilöt, viranhaltijat", "luottamushenkilöt, viranhaltijat", 1),
    },
    "S20885": {
        "summary": ("Keski-Suomen maakunnassa asuu yli 7 400", "ja hyödyntää hankekunnissa.", 6),
        "final_report": ("Keski-Suomen maakunnassa asuu yli 8 900", "yhteistyökumppaneille ja hankekuntiin.", 5),
        "direct": ("Toimenpiteessä 1 varsinaiseen kohderyhmään", "on Saarijärvi-Viitasaari alueelta.", 2),
        "indirect": ("Toimenpiteessä 1 välilliseen kohderyhmään", "koskettaa ja maahanmuuttajat.", 1),
    },
}

#: (answer, first words, last words) for environment_analysis, mainstreaming, primary_objective.
GENDER: dict[str, tuple[tuple[bool, str, str], ...]] = {
    "S21093": (
        (True, "Hankkeen tomintaympäristön analyysissä", "huomioiduksi hankkeen toteutuksessa."),
        (True, "Hanke koskee molempia sukupuolia.", "enenevässä määrin ovat naisia."),
        (False, "Sukupuolten tasa-arvon edistäminen huomioidaan", "se ei ole päätavoite."),
    ),
    "S21860": (
        (True, "Hankkeen suunnittelijat ovat tutustuneet", "hyvinvointikokeiluja ja pakohuoneita."),
        (True, "Hankkeen toimintaympäristö ja toimenpiteet", "sukupuoli on edustettuna."),
        (False, "Hankkeen päätavoite ei ole", "toteutusta ja arviointia."),
    ),
    "S20885": (
        (False, "Toimintaympäristön analyysiä sukupuolinäkökulmasta ei ole tehty.", "hankkeen toteutuksessa."),
        (False, "Sukupuolinäkökulmaa ei ole tarkemmin analysoitu.", "suomalaisen yhteiskunnan jäseninä."),
        (False, "Tavoitteena on luoda hankkeessa", "ja yhdenvertaisuuden edistämistä."),
    ),
}

#: Per criterion, in order: (direct, indirect, first words of justification or None).
SCORES: dict[str, tuple[tuple[int, int, str | None], ...]] = {
    "S21093": (
        (0, 4, "Retkillä roskat otetaan mukaan."), (0, 0, None), (5, 0, "Retkillä opetetaan suojelemaan"),
        (0, 0, None), (0, 0, None), (3, 0, "Jätteiden lajittelu ja kierrätys."), (0, 0, None),
        (8, 0, "Maahanmuuttajien työllistyminen, yrittäjyys"), (10, 0, "Hankkeessa kehitetään uutena"),
        (0, 0, None), (10, 0, "Hankkeella on suora vaikutus"), (7, 0, "Tasa-arvon edistäminen ei ole prioriteettina"),
        (9, 0, "Hankkeella on suora vaikutus kohderyhmän yhteiskunnalliseen"),
        (0, 5, "Maahanmuuttajien työllistyminen sekä kaksisuuntainen"), (0, 4, "Retkien ja käsiteltävien"),
    ),
    "S21860": (
        (1, 1, "Asiakkaita ja osallistujia"), (1, 1, "Hankkeessa suositaan julkisia"),
        (0, 0, "Hankkeella ei ole vaikutusta."), (0, 0, "Hankkeella ei ole vaikutusta."),
        (0, 0, "Hankkeella ei ole vaikutusta."), (2, 2, "Hankkeen toimitiloissa"),
        (0, 0, "Hanke ei voi itse vaikuttaa"), (5, 5, "Hankkeessa työskennellään"), (8, 8, "Hankkeessa edistetään"),
        (1, 1, "Hanke suosii julkista"), (10, 10, "Hankkeen päämääränä"), (5, 5, "Kaikkia asiakkaita"),
        (8, 8, "Hankkeen toiminnassa kaikki"), (2, 2, "Hankkeen toiminnassa tutustutaan"),
        (1, 1, "Hankkeen toiminnassa on myönteinen"),
    ),
    "S20885": (
        (0, 0, "Hankkeella on neutraalit vaikutukset luonnonvarojen"),
        (0, 0, "Hankkeella on neutraalit vaikutukset ilmastonmuutoksen"),
        (0, 0, "Hankkeella on neutraalit vaikutukset kasvillisuuteen"),
        (0, 0, "Hankkeella on neutraalit vaikutukset pinta-"), (0, 0, "Hankkeella on neutraalit vaikutukset Natura"),
        (0, 3, "Yhteiskuntatietouden ja neuvontapalveluiden"), (0, 0, "Hankkeella on neutraalit vaikutukset uusiutuvien"),
        (0, 0, "Hankkeella on neutraalit vaikutukset paikallisen"), (5, 5, "Hankkeen yhtenä tavoitteena"),
        (0, 0, "Hankkeella on neutraalit vaikutukset liikkumiseen"), (10, 10, "Hankkeella on välittömiä"),
        (8, 8, "Hankkeella on välittömiä"), (10, 10, "Hanke edistää monikulttuurisuutta"),
        (0, 0, "Hankkeella on neutraalit vaikutukset kulttuuriympäristöön."),
        (2, 2, "Ympäristöosaaminen ja tietoisuus vahvistuu"),
    ),
}


@pytest.mark.parametrize("seed", SEEDS)
def test_seed_short_fields(seed: str) -> None:
    data = one(seed).to_json()
    for key, expected in EXPECTED[seed].items():
        assert data[key] == expected, key


@pytest.mark.parametrize("seed", SEEDS)
def test_seed_long_texts(seed: str) -> None:
    record = one(seed)
    assert record.target_groups is not None
    texts = {
        "summary": record.summary,
        "final_report": record.final_report,
        "direct": record.target_groups.direct,
        "indirect": record.target_groups.indirect,
    }
    for key, (first, last, paragraphs) in LONG[seed].items():
        assert_long(texts[key], first, last, paragraphs)


@pytest.mark.parametrize("seed", SEEDS)
def test_seed_gender_equality(seed: str) -> None:
    ge = one(seed).gender_equality
    assert ge is not None
    answers = (ge.environment_analysis, ge.mainstreaming, ge.primary_objective)
    for got, (answer, first, last) in zip(answers, GENDER[seed], strict=True):
        assert got is not None
        assert got.answer is answer
        assert_long(got.text, first, last, 1)


@pytest.mark.parametrize("seed", SEEDS)
def test_seed_sustainability_has_all_fifteen_criteria(seed: str) -> None:
    rows = one(seed).sustainability
    assert [(r.group, r.criterion) for r in rows] == list(CRITERIA)
    for row, (direct, indirect, first) in zip(rows, SCORES[seed], strict=True):
        assert (row.direct, row.indirect) == (direct, indirect), row.criterion
        if first is None:
            assert row.justification is None, row.criterion
        else:
            assert row.justification is not None and row.justification.startswith(first), row.criterion
            assert not row.justification.startswith(row.criterion + " ")  or first.startswith(row.criterion)


def test_justification_that_begins_with_its_criterion_name_is_not_a_row() -> None:
    rows = one("S21093").sustainability
    assert rows[11].criterion == "Tasa-arvon edistäminen"
    assert rows[11].justification is not None
    assert rows[11].justification.endswith("Vertaistuki ja esimerkit editävät myös tasa-arvoa.")
    assert len(rows) == 15


@pytest.mark.parametrize("seed", SEEDS)
def test_seed_source_and_coverage(seed: str) -> None:
    path = SAMPLES / f"{seed}.txt"
    record = one(seed)
    assert record.source.layout == "eura-description"
    assert record.source.first_line == 1
    assert record.source.path == str(path)
    assert len(record.source.sha256) == 64
    unused_labelled = [u for u in record.coverage if u.labelled and u.field is None]
    assert unused_labelled == []
    assert record.repairs == ()
    lines = path.read_text(encoding="utf-8").split("\n")
    nonblank = {i for i, t in enumerate(lines, start=1) if t.strip()}
    assert {u.line for u in record.coverage} == nonblank
    assert all(u.field is not None for u in record.coverage), [u for u in record.coverage if u.field is None]
    by_line = {u.line: u for u in record.coverage}
    assert by_line[1].field == "chrome"
    assert by_line[3].field == "fund" and by_line[3].labelled
    assert by_line[5].field == "section:1" and by_line[5].labelled
    assert by_line[7].field == "code" and by_line[7].labelled


@pytest.mark.parametrize("seed", SEEDS)
def test_parse_file_detects_the_layout(seed: str) -> None:
    (record,) = parse_file(SAMPLES / f"{seed}.txt").records
    assert record.source.layout == "eura-description"
    assert record.code == seed


def test_eakr_variant_heading_gives_eakr() -> None:
    (record,) = parse(DATA / "A70123-eakr.txt")
    assert record.code == "A70123"
    assert record.fund == "EAKR"
    assert record.problems == ()
    assert record.funding is not None and record.funding.eu_state_granted == Decimal("199775")


def test_fund_heading_that_contradicts_the_code_is_reported() -> None:
    text = (DATA / "A70123-eakr.txt").read_text(encoding="utf-8").replace("(EAKR)", "(ESR)").replace(
        "aluekehitysrahaston", "sosiaalirahaston"
    )
    outcome = PARSER.parse(SourceText("mixed.txt", "0" * 64, text, "utf-8"))
    (record,) = outcome.records
    assert record.fund == "ESR"
    assert [p.field for p in record.problems] == ["fund"]


def test_garbled_values_become_problems_and_the_record_still_builds() -> None:
    (record,) = parse(DATA / "S21093-garbled.txt")
    problems = {p.field: p for p in record.problems}
    assert set(problems) == {
        "start_date",
        "applicant.postal_code",
        "applicant.contact.email",
        "funding.eu_state_granted",
        "monitoring.persons_planned",
        "gender_equality.mainstreaming.answer",
        "sustainability[0].direct",
    }
    assert problems["funding.eu_state_granted"].value == "12x 000"
    assert problems["funding.eu_state_granted"].line == 73
    assert problems["start_date"].value == "31.9.2017"
    assert problems["start_date"].record == "S21093"
    assert all(p.path.endswith("S21093-garbled.txt") for p in record.problems)
    assert record.start_date is None
    assert record.end_date == date(2019, 8, 31)
    assert record.funding is not None
    assert record.funding.eu_state_granted is None
    assert record.funding.eu_state_realised == Decimal("192360")
    assert record.applicant is not None
    # a well-formed business ID with a wrong check digit is kept for validation to report
    assert (record.applicant.business_id, record.applicant.postal_code, record.applicant.contact.email) == (
        "2542088-9",
        None,
        None,
    )
    assert record.monitoring is not None and record.monitoring.persons_planned is None
    assert record.gender_equality is not None and record.gender_equality.mainstreaming is not None
    assert record.gender_equality.mainstreaming.answer is None
    assert record.gender_equality.mainstreaming.text is not None
    assert record.sustainability[0].direct is None and record.sustainability[0].indirect == 4
    assert record.sustainability[2].direct == 11  # out of range but a number: kept for SHACL
    assert len(record.sustainability) == 15


def test_missing_section_leaves_its_fields_empty() -> None:
    (record,) = parse(DATA / "S21860-no-funding-section.txt")
    assert record.funding is None
    assert record.problems == ()
    assert record.municipalities == ("Mikkeli",)
    assert record.target_groups is not None
    assert record.target_groups.indirect == "Mikkelin kaupungin luottamushenkilöt, viranhaltijat"
    assert len(record.sustainability) == 15


def test_missing_heading_does_not_swallow_the_next_section() -> None:
    text = (SAMPLES / "S21860.txt").read_text(encoding="utf-8").replace("5 Projektin julkinen rahoitus, euroa\n", "")
    (record,) = PARSER.parse(SourceText("x.txt", "0" * 64, text, "utf-8")).records
    assert record.target_groups is not None
    assert record.target_groups.indirect == "Mikkelin kaupungin luottamushenkilöt, viranhaltijat"
    assert record.funding is not None and record.funding.eu_state_granted == Decimal("224844")
    assert record.repairs == ("section 5 heading missing: section taken to start at line 86",)


def test_value_wrapped_onto_the_next_line_is_joined() -> None:
    text = (SAMPLES / "S20885.txt").read_text(encoding="utf-8").replace(
        "Hankkeen nimi: Yhdessä enemmän -maahanmuuttajat", "Hankkeen nimi: Yhdessä enemmän\n-maahanmuuttajat"
    )
    (record,) = PARSER.parse(SourceText("w.txt", "0" * 64, text, "utf-8")).records
    assert record.name == "Yhdessä enemmän -maahanmuuttajat osana yhteisöä"
    assert record.repairs == ("name continued on line 10",)
    assert {u.line: u.field for u in record.coverage}[10] == "name"


def test_crlf_file_reads_like_the_lf_file() -> None:
    data = (SAMPLES / "S21093.txt").read_bytes()
    lf = PARSER.parse(source_from_bytes(data, "lf.txt")).records[0].to_json()
    crlf_source = source_from_bytes(data.replace(b"\n", b"\r\n"), "crlf.txt")
    crlf = PARSER.parse(crlf_source).records[0].to_json()
    raw = SourceText("raw.txt", "0" * 64, data.decode("utf-8").replace("\n", "\r\n"), "utf-8")
    raw_crlf = PARSER.parse(raw).records[0].to_json()
    for other in (crlf, raw_crlf):
        for key in lf:
            if key != "source":
                assert other[key] == lf[key], key
    assert raw_crlf["summary"] is not None and "\r" not in raw_crlf["summary"]


def test_two_records_in_one_file() -> None:
    outcome = parse_file(DATA / "two-records.txt")
    assert outcome.units == 2 and not outcome.quarantined
    first, second = outcome.records
    assert (first.code, second.code) == ("S21093", "S21860")
    assert (first.source.first_line, second.source.first_line) == (1, 182)
    assert second.coverage[0].line == 182 and second.coverage[0].field == "chrome"
    assert first.final_report is not None and first.final_report.endswith("http://wari.fi/mato.html")
    assert second.co_implementers[0].business_id == "0944845-0"
    assert max(u.line for u in first.coverage) < 182


def test_two_records_without_fund_headings_split_at_the_second_code() -> None:
    outcome = parse_file(DATA / "two-records-no-headings.txt")
    assert [r.code for r in outcome.records] == ["S21860", "S20885"]
    second = outcome.records[1]
    lines = (DATA / "two-records-no-headings.txt").read_text(encoding="utf-8").split("\n")
    assert lines[second.source.first_line - 1] == "1 Hanke"
    assert len(second.municipalities) == 23
    assert outcome.records[0].fund == "ESR"  # from the code prefix


def test_unreadable_record_is_quarantined_with_path_line_and_field() -> None:
    path = DATA / "unreadable-second.txt"
    outcome = parse_file(path)
    assert [r.code for r in outcome.records] == ["S20885"]
    (error,) = outcome.quarantined
    assert isinstance(error, ParseError)
    assert error.path == str(path)
    assert error.field == "code"
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[(error.line or 0) - 1] == "Euroopan unioni Vipuvoimaa EU:lta"
    assert outcome.units == len(outcome.records) + len(outcome.quarantined) == 2


def test_numbered_paragraphs_of_the_final_report_are_not_headings() -> None:
    report = one("S21093").final_report or ""
    assert "\n\n1. Hankkeen päätavoitteena" in report
    assert "\n\n4. Hankkeen neljäntenä tavoitteena" in report


def test_sniff() -> None:
    for seed in SEEDS:
        assert PARSER.sniff((SAMPLES / f"{seed}.txt").read_text(encoding="utf-8"))
    assert not PARSER.sniff((SAMPLES / "S21199.txt").read_text(encoding="utf-8"))
    assert not PARSER.sniff((SAMPLES / "S20398.txt").read_text(encoding="utf-8"))
    assert not PARSER.sniff("Hankekoodi;Hankkeen nimi;Toimintalinja\nS21093;Mahdollisuudet todeksi;3\n")
    assert not PARSER.sniff("Hankekoodi,Hankkeen nimi\nS21093,Mahdollisuudet todeksi\n")
    assert not PARSER.sniff("Lorem ipsum dolor sit amet.\nHanke on hyvä.\n")
    assert not PARSER.sniff("")


def test_empty_text_gives_no_units() -> None:
    outcome = PARSER.parse(SourceText("e.txt", "0" * 64, "\n\n", "utf-8"))
    assert (outcome.units, outcome.records, outcome.quarantined) == (0, [], [])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from([
    "1 Hanke", "Hankekoodi: S21093", "Hankekoodi:", "Hankkeen nimi: X", "8.2 Kestävä kehitys", "Natura 2000 -ohjelman kohteet 0 x",
    "Euroopan sosiaalirahaston (ESR) rahoittaman hankkeen kuvaus", "Osatoteuttajat", "Nimi, 123", "", "Kunnat: A, B",
    "Suunniteltu: 2", "9 Loppuraportin tiivistelmä", "Hankkeen päätavoite on sukupuolten tasa-arvon edistäminen: ?",
]) | st.text(max_size=40), max_size=30))
def test_any_text_yields_records_or_quarantine_never_an_exception(lines: list[str]) -> None:
    outcome = PARSER.parse(SourceText("f.txt", "0" * 64, "\n".join(lines), "utf-8"))
    assert outcome.units == len(outcome.records) + len(outcome.quarantined)
    for record in outcome.records:
        assert record.code is not None or record.name is not None
