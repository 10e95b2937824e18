"""The ``eura-flattened`` layout: the S21199 seed field by field, position rules, edge cases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from esrgraph.core.model import ProjectRecord
from esrgraph.io.sources import source_from_bytes
from esrgraph.parsers.base import SourceText
from esrgraph.parsers.eura_flattened import EuraFlattenedParser, flat_paragraphs, split_target_groups
from esrgraph.parsers.inputs import parse_file
from repo_paths import REPO

ROOT = REPO
SEED = ROOT / "data" / "samples" / "S21199.txt"
DATA = ROOT / "tests" / "data" / "eura-flattened"
PARSER = EuraFlattenedParser()


@pytest.fixture(scope="module")
def record() -> ProjectRecord:
    (rec,) = parse_file(SEED, layout="eura-flattened").records
    return rec


def test_identity_and_programme_fields(record: ProjectRecord) -> None:
    assert record.code == "S21199"
    assert record.name == "Työtä ja toivoa"
    assert record.fund == "ESR"
    assert record.priority_axis is not None
    assert (record.priority_axis.number, record.priority_axis.name) == (
        "5",
        "Sosiaalinen osallisuus ja köyhyyden torjunta",
    )
    assert record.specific_objective is not None
    assert (record.specific_objective.code, record.specific_objective.name) == (
        "10.1",
        "Työelämän ulkopuolella olevien työ- ja toimintakyvyn parantaminen",
    )
    assert (record.start_date, record.end_date) == (date(2018, 1, 1), date(2019, 12, 31))
    assert record.status == "Toiminta päättynyt"
    assert record.authority == "Hämeen elinkeino-, liikenne- ja ympäristökeskus"
    assert record.description is None
    assert record.problems == ()


def test_applicant(record: ProjectRecord) -> None:
    data = record.to_json()
    assert data["applicant"] == {
        "name": "Helsingin Diakonissalaitoksen säätiö",
        "organisation_type": "Säätiö",
        "business_id": "0116480-8",
        "street_address": "Alppikatu 2",
        "postal_code": "00530",
        "post_office": "Helsinki",
        "phone": "09 77 501",
        "website": "http://www.hdl.fi",
        "contact": {
            "name": "TUIJA ÅSTEDT",
            "role": "palvelualuejohtaja",
            "email": "eura.neuvonta@gov.fi",
            "phone": "+358407190094",
        },
    }
    assert data["applicant_mode"] is None
    assert data["co_implementers"] == []


def test_funding_area_and_the_second_address(record: ProjectRecord) -> None:
    data = record.to_json()
    assert data["funding"] == {
        "eu_state_granted": 92062,
        "eu_state_realised": 89108,
        "public_planned": 92062,
        "public_realised": 89108,
        "budget_min": None,
        "budget_max": None,
    }
    assert record.regions == ("Uusimaa",)
    assert record.subregions == ("Helsingin",)
    assert record.municipalities == ("Helsinki",)
    assert data["implementation_address"] == {
        "street_address": "Mäkelänkatu 58-60",
        "postal_code": "00510",
        "post_office": "Helsinki",
    }


def test_monitoring_figures_by_order(record: ProjectRecord) -> None:
    assert record.monitoring is not None
    assert record.monitoring.companies_planned == 0
    assert record.monitoring.companies_actual == 0
    assert record.monitoring.persons_planned == 30


def test_no_gender_section_in_this_seed(record: ProjectRecord) -> None:
    assert record.gender_equality is None


def test_summary_and_target_groups_split(record: ProjectRecord) -> None:
    summary = record.summary or ""
    assert summary.startswith("Hanke edistää heikossa työmarkkina-asemassa olevien")
    assert summary.endswith("Itämeren strategian hyvinvoinnin kasvattamisen tavoitetta.")
    assert len(summary.split("\n\n")) == 6
    assert "\n\nHankkeen tavoitteena on\n1) Edistää" in summary  # a cut line continues its paragraph
    assert "3) Luoda edellytykset kohderyhmän kestävään" in summary  # a mere mention stays in the summary
    assert record.target_groups is not None
    direct = record.target_groups.direct or ""
    assert direct.startswith("Hankkeen välittömänä kohderyhmänä on Itä-Euroopasta")
    assert direct.endswith("osuuskunta saa kestäväksi kehitetyn palvelutuotteen.")
    assert len(direct.split("\n\n")) == 6
    assert record.target_groups.indirect is None
    assert "|" not in summary + direct
    assert record.repairs == ("target_groups.direct told from the summary by its opening words (line 32)",)


def test_every_line_of_the_unlabelled_block_lands_in_one_field(record: ProjectRecord) -> None:
    by_line = {u.line: u for u in record.coverage}
    fields = [by_line[n].field for n in range(23, 41)]
    assert fields == ["summary"] * 9 + ["target_groups.direct"] * 9
    summary_lines = (record.summary or "").replace("\n\n", "\n").split("\n")
    direct_lines = (record.target_groups.direct or "").replace("\n\n", "\n").split("\n")  # type: ignore[union-attr]
    seed_lines = SEED.read_text(encoding="utf-8").split("\n")
    assert summary_lines == seed_lines[22:31]
    assert direct_lines == seed_lines[31:40]


def test_sustainability_table(record: ProjectRecord) -> None:
    rows = record.sustainability
    assert len(rows) == 15
    assert [(r.direct, r.indirect) for r in rows] == [
        (0, 0), (0, 0), (0, 0), (0, 0), (0, 0),
        (0, 0), (0, 0), (10, 10), (10, 10), (0, 1),
        (10, 10), (10, 0), (10, 10), (0, 0), (0, 1),
    ]
    assert [r.group for r in rows] == ["Ekologinen kestävyys"] * 5 + ["Taloudellinen kestävyys"] * 5 + [
        "Sosiaalinen ja kulttuurinen kestävyys sekä yhdenvertaisuus"
    ] * 5
    assert rows[0].criterion == "Luonnonvarojen käytön kestävyys"
    assert rows[3].criterion == "Pinta- ja pohjavedet, maaperä sekä ilma (ja kasvihuonekaasujen väheneminen)"
    assert rows[14].criterion == "Ympäristöosaaminen"
    assert rows[0].justification == (
        "Helsingin Diakonissalaitoksen ympäristövastuullisuuden olennaisuusarviossa luonnonvarojen käytön "
        "kestävyys on huomioitu, mutta hankkeen kannalta se ei ole olennainen."
    )
    assert rows[4].justification == "Helsingin Diakonissalaitoksella ei ole yhteyttä Natura 2000-ohjelman kohteisiin."
    assert rows[11].justification is not None and rows[11].justification.endswith("ja ”miesten töinä”.")
    assert (rows[14].justification or "").endswith("ympäristöystävällisistä työtavoista ja -tuotteista.")
    assert all(r.justification and "|" not in r.justification for r in rows)


def test_final_report_after_the_table(record: ProjectRecord) -> None:
    report = record.final_report or ""
    assert report.startswith("Hanke on edistänyt monipuolisesti romanisiirtolaisten")
    assert report.endswith("oli aktiivinen myös sosiaalisessa mediassa.")
    paragraphs = report.split("\n\n")
    assert len(paragraphs) == 5
    assert paragraphs[1].startswith("Projektissa saavutettiin seuraavia määrällisiä tuloksia:\n- 152")
    assert len(paragraphs[1].split("\n")) == 9
    assert paragraphs[2].startswith("Tulosten vaikutukset ovat seuraavia:\n- Kohderyhmän")


def test_coverage_uses_every_labelled_line(record: ProjectRecord) -> None:
    assert [u for u in record.coverage if u.labelled and u.field is None] == []
    assert all(u.field is not None for u in record.coverage)
    seed_lines = SEED.read_text(encoding="utf-8").split("\n")
    assert {u.line for u in record.coverage} == {i for i, t in enumerate(seed_lines, 1) if t.strip()}
    by_line = {u.line: u for u in record.coverage}
    assert by_line[1].field == by_line[2].field == "chrome"
    assert by_line[13].field == "applicant.street_address"
    assert by_line[48].field == "implementation_address.street_address"
    assert (by_line[51].field, by_line[52].field, by_line[53].field) == (
        "monitoring.companies_planned",
        "monitoring.companies_actual",
        "monitoring.persons_planned",
    )
    assert by_line[56].field == "sustainability[0]" and by_line[56].labelled
    assert by_line[57].field == "sustainability[0].justification"
    assert by_line[88].field == "final_report"


def test_parse_file_detects_the_layout() -> None:
    (rec,) = parse_file(SEED).records
    assert rec.source.layout == "eura-flattened"
    assert rec.source.first_line == 1


def test_sniff() -> None:
    samples = ROOT / "data" / "samples"
    assert PARSER.sniff(SEED.read_text(encoding="utf-8"))
    for other in ("S21093", "S21860", "S20885", "S20398"):
        assert not PARSER.sniff((samples / f"{other}.txt").read_text(encoding="utf-8")), other
    assert not PARSER.sniff("Hankekoodi;Hankkeen nimi;Toimintalinja\nS21199;Työtä ja toivoa;5\n")
    assert not PARSER.sniff("Hankekoodi: S21199\nmuuta tekstiä\n")
    assert not PARSER.sniff("Lorem ipsum\n")


def test_two_records_split_at_the_second_code() -> None:
    path = DATA / "two-records.txt"
    outcome = parse_file(path)
    assert [r.code for r in outcome.records] == ["S21199", "S21200"]
    assert outcome.units == 2 and not outcome.quarantined
    first, second = outcome.records
    assert second.name == "Työtä ja toivoa II"
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[second.source.first_line - 1] == "![]() |"  # chrome above the code opens the record
    assert lines[second.source.first_line + 1].startswith("Hankekoodi: S21200")
    assert first.final_report is not None and first.final_report.endswith("sosiaalisessa mediassa.")
    assert second.monitoring is not None and second.monitoring.persons_planned == 30
    assert len(second.sustainability) == 15


def test_garbled_values() -> None:
    (rec,) = parse_file(DATA / "S21199-garbled.txt").records
    problems = {p.field: p for p in rec.problems}
    assert set(problems) == {"end_date", "applicant.postal_code", "funding.eu_state_granted", "sustainability[0].direct"}
    assert problems["funding.eu_state_granted"].value == "92 O62"
    assert problems["end_date"].value == "31.2.2019"
    assert problems["applicant.postal_code"].line == 15
    assert rec.start_date == date(2018, 1, 1) and rec.end_date is None
    assert rec.funding is not None and rec.funding.eu_state_granted is None
    assert rec.funding.eu_state_realised == Decimal("89108")
    assert rec.applicant is not None and rec.applicant.postal_code is None
    assert rec.sustainability[0].direct is None and rec.sustainability[0].indirect == 0


def test_gender_questions_co_implementers_and_indirect_target_groups() -> None:
    (rec,) = parse_file(DATA / "S21199-gender-partners.txt").records
    assert rec.applicant_mode == "Hakijoita on useampi kuin yksi (yhteishanke)"
    assert [(c.name, c.business_id) for c in rec.co_implementers] == [("Emmaus Helsinki ry", "0944845-0")]
    ge = rec.gender_equality
    assert ge is not None and ge.environment_analysis and ge.mainstreaming and ge.primary_objective
    assert (ge.environment_analysis.answer, ge.environment_analysis.text) == (True, "Analyysi tehtiin.")
    assert (ge.mainstreaming.answer, ge.mainstreaming.text) == (True, "Huomioitu koko ajan.")
    assert (ge.primary_objective.answer, ge.primary_objective.text) == (False, "Ei ole päätavoite.")
    assert rec.target_groups is not None
    assert (rec.target_groups.indirect or "").startswith("Välillisiä kohderyhmiä ovat TE-palvelut ja kunnat.")
    assert (rec.target_groups.direct or "").endswith("Suomen romanien kanssa on syrjintää ennaltaehkäisevää.")
    assert len(rec.sustainability) == 15
    assert [u for u in rec.coverage if u.labelled and u.field is None] == []


def test_crlf_file_reads_like_the_lf_file() -> None:
    data = SEED.read_bytes()
    lf = PARSER.parse(source_from_bytes(data, "a.txt")).records[0].to_json()
    raw = SourceText("b.txt", "0" * 64, data.decode("utf-8").replace("\n", "\r\n"), "utf-8")
    crlf = PARSER.parse(raw).records[0].to_json()
    assert {k: v for k, v in crlf.items() if k != "source"} == {k: v for k, v in lf.items() if k != "source"}


def test_paragraph_rule() -> None:
    lines = [(1, "Tavoitteena on"), (2, "1) yksi."), (3, "Uusi kappale."), (4, "- kohta."), (5, "Loppu:"), (6, "jatkuu.")]
    assert [[n for n, _ in p] for p in flat_paragraphs(lines)] == [[1, 2], [3, 4], [5, 6]]


def test_target_group_split_is_conservative() -> None:
    paras = [[(1, "Hanke auttaa kohderyhmän jäseniä.")], [(2, "Kohderyhmä koostuu nuorista.")], [(3, "Lisäksi.")]]
    summary, direct, indirect = split_target_groups(paras)
    assert [p[0][0] for p in summary] == [1]
    assert [p[0][0] for p in direct] == [2, 3]
    assert indirect == []
    summary, direct, indirect = split_target_groups([[(1, "Teksti.")], [(2, "Mitään ei määritellä.")]])
    assert (len(summary), direct, indirect) == (2, [], [])


def test_record_without_code_or_name_is_quarantined() -> None:
    text = "![]() |\nHankekoodi:\nHankkeen nimi:\nToiminnan tila: Toiminta päättynyt\nKunnat: Helsinki\n"
    outcome = PARSER.parse(SourceText("q.txt", "0" * 64, text, "utf-8"))
    assert outcome.records == [] and outcome.units == 1
    (error,) = outcome.quarantined
    assert (error.path, error.line, error.field) == ("q.txt", 1, "code")


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from([
    "Hankekoodi: S21199", "Hankekoodi:", "Suunniteltu: 3", "Välitön | Välillinen | |", "Ekologinen kestävyys | ||",
    "Natura 2000 -ohjelman kohteet | x | 0 |", "teksti | ||", "Myönnetty EU- ja valtion rahoitus: 1", "Osatoteuttajat",
    "A ry, 0944845-0", "Jakeluosoite: X", "", "![]() |", "Hankkeen kohderyhmänä on kaikki.",
]) | st.text(max_size=40), max_size=30))
def test_any_text_yields_records_or_quarantine_never_an_exception(lines: list[str]) -> None:
    outcome = PARSER.parse(SourceText("f.txt", "0" * 64, "\n".join(lines), "utf-8"))
    assert outcome.units == len(outcome.records) + len(outcome.quarantined)
