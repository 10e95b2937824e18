"""The ``portal-card`` layout: the S20398 card field by field, repeats, contradictions, edge cases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from esrgraph.core.model import ProjectRecord
from esrgraph.io.sources import source_from_bytes
from esrgraph.parsers.base import SourceText
from esrgraph.parsers.inputs import parse_file
from esrgraph.parsers.portal_card import PortalCardParser
from repo_paths import REPO

ROOT = REPO
SEED = ROOT / "data" / "samples" / "S20398.txt"
DATA = ROOT / "tests" / "data" / "portal-card"
PARSER = PortalCardParser()


@pytest.fixture(scope="module")
def record() -> ProjectRecord:
    (rec,) = parse_file(SEED, layout="portal-card").records
    return rec


def test_short_fields(record: ProjectRecord) -> None:
    data = record.to_json()
    assert data["code"] == "S20398"
    assert data["name"] == "Rainer"
    assert data["fund"] == "ESR"
    assert data["priority_axis"] == {"number": "5", "name": None}
    assert data["specific_objective"] == {
        "code": None,
        "name": "Työelämän ulkopuolella olevien työ- ja toimintakyvyn parantaminen",
    }
    assert (record.start_date, record.end_date) == (date(2015, 6, 1), date(2018, 1, 31))
    assert data["status"] == "Hanke käynnissä"
    assert data["authority"] == "Keski-Suomen ELY-keskus"  # trailing period dropped
    assert data["applicant"] == {
        "name": "Jyväskylän kaupunki",
        "organisation_type": None,
        "business_id": None,
        "street_address": None,
        "postal_code": None,
        "post_office": None,
        "phone": None,
        "website": None,
        "contact": {"name": None, "role": None, "email": None, "phone": None},
    }
    assert data["applicant_mode"] is None
    assert data["co_implementers"] == [
        {"name": "Jyväskylän ammattikorkeakoulu JAMK", "business_id": None},
        {"name": "Keski-Suomen sosiaalialan osaamiskeskus KOSKE", "business_id": None},
    ]
    assert data["funding"] == {
        "eu_state_granted": None,
        "eu_state_realised": None,
        "public_planned": None,
        "public_realised": None,
        "budget_min": 100000,
        "budget_max": 500000,
    }
    assert record.funding is not None
    assert (record.funding.budget_min, record.funding.budget_max) == (Decimal("100000"), Decimal("500000"))
    assert data["regions"] == ["Keski-Suomi"]
    assert data["subregions"] == [] and data["municipalities"] == []
    assert data["implementation_address"] == {"street_address": None, "postal_code": None, "post_office": None}
    assert data["monitoring"] == {"companies_planned": None, "companies_actual": None, "persons_planned": None}
    assert data["target_groups"] == {"direct": None, "indirect": None}
    assert data["gender_equality"] == {"environment_analysis": None, "mainstreaming": None, "primary_objective": None}
    assert data["sustainability"] == []
    assert data["problems"] == []


def test_summary(record: ProjectRecord) -> None:
    summary = record.summary or ""
    assert summary.startswith("Rainer-hankkeen toimenpiteillä edistetään keskisuomalaisten romanien")
    assert summary.endswith("on myös tutkimus- ja kehittämistoiminnan koordinointi.")
    paragraphs = summary.split("\n\n")
    assert len(paragraphs) == 3
    assert paragraphs[2].startswith("Keski-Suomen sosiaalialan osaamiskeskuksen rooli hankkeessa on kytkeä romaniasiat sosiaalialan\nosaamiskeskustoimintaan")
    assert len(paragraphs[2].split("\n")) == 3


def test_results_go_to_final_report(record: ProjectRecord) -> None:
    report = record.final_report or ""
    assert report.startswith("Rainer-hankkeessa on tuotettu opiskelijoille Tukea arkeen")
    assert report.endswith("(Rainer-hankkeesta s. 28 ja Suomen kokonaisarviointi s. 52-53)")
    paragraphs = report.split("\n\n")
    assert len(paragraphs) == 7
    assert paragraphs[3] == "Rainer-hankkeelle EU-tason tunnustusta"
    assert paragraphs[5] == "http://www.fonduri-ue.ro/images/files/transparenta/romi/04.07/Roma.report.2016.pdf"


def test_other_sections_go_to_description_with_their_headings(record: ProjectRecord) -> None:
    text = record.description or ""
    paragraphs = text.split("\n\n")
    assert paragraphs[0] == "Hankkeen toimenpiteillä edistetään romanien etenemistä kohti työelämää"  # the lead
    assert paragraphs[1] == "Projektitiimi:"
    assert paragraphs[2].startswith("Hanketta hallinnoi Jyväskylän kaupunki.")
    assert paragraphs[3] == "Hyvät käytännöt"
    assert paragraphs[4].startswith("(JAMK)\nTukea arkeen -valmennusohjelma\n")
    assert paragraphs[5].startswith("(KOSKE)\nOsana Rainer-hanketta")
    assert paragraphs[6] == "Kehittymisen paikat"
    assert paragraphs[7] == "Ennen hanketta:"
    assert text.endswith("integroituminen sosiaalialan\n\nosaamiskeskustoimintaan.")
    assert len(paragraphs) == 14
    # key lines, summary, results and the organisation sections are not repeated here
    for absent in ("EURA-tunnus", "Lyhyt selostus", "Rainer-hankkeessa on tuotettu", "Kumppanit", "Rahoittaja"):
        assert absent not in text


def test_coverage(record: ProjectRecord) -> None:
    assert [u for u in record.coverage if u.labelled and u.field is None] == []
    assert all(u.field is not None for u in record.coverage)
    lines = SEED.read_text(encoding="utf-8").split("\n")
    assert {u.line for u in record.coverage} == {i for i, t in enumerate(lines, 1) if t.strip()}
    by_line = {u.line: u for u in record.coverage}
    assert by_line[1].field == "name,code" and by_line[1].labelled
    assert by_line[5].labelled and "start_date" in (by_line[5].field or "")
    assert by_line[7].field == "status"
    assert by_line[8].field == "chrome"  # "Tutustu hankkeeseen"
    assert by_line[16].field == "section:tietoja hankkeesta" and by_line[16].labelled
    assert by_line[19].field == "code" and by_line[19].labelled
    assert by_line[24].field == "funding.budget_min,funding.budget_max"
    assert by_line[38].field == "section:tulokset"
    assert by_line[40].field == "final_report" and not by_line[40].labelled
    assert (by_line[99].field, by_line[100].field) == ("co_implementers[0]", "co_implementers[1]")
    assert by_line[104].field == "authority"


def test_parse_file_detects_the_layout() -> None:
    (rec,) = parse_file(SEED).records
    assert rec.source.layout == "portal-card"
    assert (rec.source.path, rec.source.first_line) == (str(SEED), 1)


def test_sniff() -> None:
    samples = ROOT / "data" / "samples"
    assert PARSER.sniff(SEED.read_text(encoding="utf-8"))
    for other in ("S21093", "S21860", "S20885", "S21199"):
        assert not PARSER.sniff((samples / f"{other}.txt").read_text(encoding="utf-8")), other
    assert not PARSER.sniff("EURA-tunnus;Nimi;Toimintalinja\nS20398;Rainer;Toimintalinja 5 (ESR)\n")
    assert not PARSER.sniff("Hanke käynnissä\nTulokset\n")


def test_repeats_that_contradict_the_keys_are_problems() -> None:
    (rec,) = parse_file(DATA / "S20398-contradicting.txt").records
    problems = {p.field: p for p in rec.problems}
    assert set(problems) == {"end_date", "authority"}
    assert problems["authority"].value == "Pohjois-Savon ELY-keskus"
    assert problems["authority"].line == 104
    assert problems["end_date"].line == 5
    assert problems["end_date"].record == "S20398"
    assert rec.authority == "Keski-Suomen ELY-keskus"  # the key wins
    assert rec.end_date == date(2018, 1, 31)


def test_garbled_values() -> None:
    (rec,) = parse_file(DATA / "S20398-garbled.txt").records
    assert sorted((p.field, p.line) for p in rec.problems) == [
        ("funding.budget_min", 24),
        ("start_date", 5),
        ("start_date", 22),
    ]
    assert rec.start_date is None
    assert rec.end_date == date(2018, 1, 31)
    assert rec.funding is None
    assert rec.code == "S20398"


def test_two_cards_in_one_file() -> None:
    path = DATA / "two-cards.txt"
    outcome = parse_file(path)
    assert outcome.units == 2 and not outcome.quarantined
    first, second = outcome.records
    assert (first.code, first.fund, first.name) == ("S20398", "ESR", "Rainer")
    assert (second.code, second.fund, second.name) == ("A70456", "EAKR", "Rainer II")
    assert second.priority_axis is not None and second.priority_axis.number == "1"
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[second.source.first_line - 1] == "Rainer II A70456"
    assert [c.name for c in first.co_implementers] == [
        "Jyväskylän ammattikorkeakoulu JAMK",
        "Keski-Suomen sosiaalialan osaamiskeskus KOSKE",
    ]
    assert first.authority == "Keski-Suomen ELY-keskus" and not first.problems and not second.problems


def test_crlf_file_reads_like_the_lf_file() -> None:
    data = SEED.read_bytes()
    lf = PARSER.parse(source_from_bytes(data, "a.txt")).records[0].to_json()
    crlf = PARSER.parse(source_from_bytes(data.replace(b"\n", b"\r\n"), "b.txt")).records[0].to_json()
    raw = SourceText("c.txt", "0" * 64, data.decode("utf-8").replace("\n", "\r\n"), "utf-8")
    raw_crlf = PARSER.parse(raw).records[0].to_json()
    strip = lambda d: {k: v for k, v in d.items() if k != "source"}  # noqa: E731
    assert strip(crlf) == strip(lf) == strip(raw_crlf)


def test_partner_with_business_id_and_card_without_title_code() -> None:
    text = (
        "Pieni hanke\n\nToimintalinja 3 (ESR) | 1.1.2019 – 31.12.2020 | Uusimaa, Kymenlaakso\n\n"
        "Kumppanit\n\nMikkelin Toimintakeskus ry, 0944845-0\nHuono Oy, 123456-70\n"
    )
    (rec,) = PARSER.parse(SourceText("p.txt", "0" * 64, text, "utf-8")).records
    assert rec.name == "Pieni hanke" and rec.code is None
    assert rec.fund == "ESR" and rec.regions == ("Uusimaa", "Kymenlaakso")
    assert (rec.start_date, rec.end_date) == (date(2019, 1, 1), date(2020, 12, 31))
    assert [(c.name, c.business_id) for c in rec.co_implementers] == [
        ("Mikkelin Toimintakeskus ry", "0944845-0"),
        ("Huono Oy", None),
    ]
    assert [p.field for p in rec.problems] == ["co_implementers[1].business_id"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from([
    "Rainer S20398", "Toimintalinja 5 (ESR) | 01.06.2015 – 31.13.2018 | Keski-Suomi", "Tietoja hankkeesta:",
    "EURA-tunnus: x", "Budjetti: 5-x €", "Kumppanit", "Rahoittaja", "Tulokset", "", "Hanke käynnissä", "A, 1-1",
]) | st.text(max_size=40), max_size=30))
def test_any_text_yields_records_or_quarantine_never_an_exception(lines: list[str]) -> None:
    outcome = PARSER.parse(SourceText("f.txt", "0" * 64, "\n".join(lines), "utf-8"))
    assert outcome.units == len(outcome.records) + len(outcome.quarantined)
