"""The shared text readers: Finnish amounts, dates, periods, lists and answers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from esrgraph.mapping.organisation_ids import parse_business_id
from esrgraph.parsers.textutil import (
    RecordDraft,
    clean_line,
    fund_from_code,
    parse_amount,
    parse_budget_range,
    parse_count,
    parse_email,
    parse_fi_date,
    parse_postal_code,
    parse_score,
    parse_yes_no,
    read_business_id,
    split_list,
    split_period,
    split_score_pair,
    strip_cells,
    text_block,
    value_or_none,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("199 775", Decimal("199775")),
        ("199\u00a0775", Decimal("199775")),
        ("1\u202f234\u202f567", Decimal("1234567")),
        ("199\u2009775", Decimal("199775")),
        ("97216.29", Decimal("97216.29")),
        ("1 234,50", Decimal("1234.50")),
        ("1.234,50", Decimal("1234.50")),
        ("1,234.50", Decimal("1234.50")),
        ("266 367 €", Decimal("266367")),
        ("66 092e", Decimal("66092")),
        ("0", Decimal("0")),
        ("  281 250  ", Decimal("281250")),
    ],
)
def test_parse_amount_reads_finnish_amounts(text: str, expected: Decimal) -> None:
    assert parse_amount(text) == expected


@pytest.mark.parametrize("text", ["12x 000", "abc", "", "€", "1 2 3,4,5", "92 O62"])
def test_parse_amount_rejects_garbled(text: str) -> None:
    with pytest.raises(ValueError, match="amount"):
        parse_amount(text)


def test_parse_count_reads_whole_numbers_only() -> None:
    assert parse_count("1 200") == 1200
    assert parse_count("0") == 0
    with pytest.raises(ValueError, match="whole number"):
        parse_count("2,5")
    with pytest.raises(ValueError, match="whole number"):
        parse_count("kaksi")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1.9.2017", date(2017, 9, 1)), ("01.06.2015", date(2015, 6, 1)), ("31.12.2021", date(2021, 12, 31))],
)
def test_parse_fi_date(text: str, expected: date) -> None:
    assert parse_fi_date(text) == expected


@pytest.mark.parametrize("text", ["31.9.2017", "29.2.2019", "0.1.2017", "1.13.2017"])
def test_parse_fi_date_rejects_impossible_dates(text: str) -> None:
    with pytest.raises(ValueError, match="no such date"):
        parse_fi_date(text)


def test_parse_fi_date_rejects_other_shapes() -> None:
    with pytest.raises(ValueError, match="d.m.yyyy"):
        parse_fi_date("2017-09-01")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Alkaa 1.9.2017 ja päättyy 31.8.2019", ("1.9.2017", "31.8.2019")),
        ("alkaa 1.1.2020 ja päättyy 31.12.2021", ("1.1.2020", "31.12.2021")),
        ("01.06.2015 – 31.01.2018", ("01.06.2015", "31.01.2018")),
        ("01.06.2015 — 31.01.2018", ("01.06.2015", "31.01.2018")),
        ("1.6.2015-31.1.2018", ("1.6.2015", "31.1.2018")),
        ("1.6.2015 - 31.1.2018", ("1.6.2015", "31.1.2018")),
    ],
)
def test_split_period(text: str, expected: tuple[str, str]) -> None:
    assert split_period(text) == expected


def test_split_period_keeps_impossible_dates_for_the_caller() -> None:
    # The period splits; reading 31.9.2017 as a date is what fails.
    start, end = split_period("Alkaa 31.9.2017 ja päättyy 31.8.2019")
    assert start == "31.9.2017"
    with pytest.raises(ValueError):
        parse_fi_date(start)
    assert parse_fi_date(end or "") == date(2019, 8, 31)


def test_split_period_rejects_text() -> None:
    with pytest.raises(ValueError, match="not a period"):
        split_period("kaksi vuotta")


def test_parse_email_reads_at() -> None:
    assert parse_email("ceesay.anne(at)gmail.com") == "ceesay.anne@gmail.com"
    assert parse_email("jenni (at) estery.fi") == "jenni@estery.fi"
    assert parse_email("a.b@c.fi") == "a.b@c.fi"
    with pytest.raises(ValueError, match="e-mail"):
        parse_email("ceesay.anne gmail.com")


def test_value_or_none() -> None:
    assert value_or_none("") is None
    assert value_or_none("   ") is None
    assert value_or_none(" | || ") is None
    assert value_or_none(None) is None
    assert value_or_none(" Helsinki |") == "Helsinki"


def test_split_list_keeps_order_and_spelling() -> None:
    assert split_list("Jyväskylä, Hankasalmi,Uurainen ,  Laukaa") == ("Jyväskylä", "Hankasalmi", "Uurainen", "Laukaa")
    assert split_list("Helsinki") == ("Helsinki",)
    assert split_list("") == ()


def test_parse_yes_no() -> None:
    assert parse_yes_no("Kyllä") is True
    assert parse_yes_no(" ei ") is False
    assert parse_yes_no("Kyllä |") is True
    with pytest.raises(ValueError, match="Kyllä or Ei"):
        parse_yes_no("Ehkä")


def test_score_pairs() -> None:
    assert split_score_pair(" 0 4") == ("0", "4")
    assert split_score_pair(" | 10 | 0 |") == ("10", "0")
    assert split_score_pair("ei ole prioriteettina, mutta") is None
    assert parse_score("11") == 11  # out of range is kept; SHACL checks 0-10
    with pytest.raises(ValueError, match="score"):
        parse_score("abc")


def test_budget_range() -> None:
    assert parse_budget_range("100000-500000 €") == (Decimal("100000"), Decimal("500000"))
    assert parse_budget_range("100 000 – 500 000 €") == (Decimal("100000"), Decimal("500000"))
    assert parse_budget_range("alle 100000 €") == (None, Decimal("100000"))
    assert parse_budget_range("yli 1000000 €") == (Decimal("1000000"), None)
    with pytest.raises(ValueError):
        parse_budget_range("paljon €")


def test_business_id_and_postal_code() -> None:
    assert read_business_id("0944845-0") == "0944845-0"
    assert read_business_id("2542088-8") == "2542088-8"
    assert read_business_id("2542088-9") == "2542088-9"  # form only; validation checks the digit
    # the check digit itself is python-stdnum's business, through esrgraph.orgids
    assert parse_business_id("2542088-8").valid and parse_business_id("0944845-0").valid
    assert not parse_business_id("2542088-9").valid
    assert not parse_business_id("254208-8").valid
    with pytest.raises(ValueError, match="business ID"):
        read_business_id("254208-8")
    assert parse_postal_code("00530") == "00530"
    with pytest.raises(ValueError, match="postal code"):
        parse_postal_code("0053")


def test_text_helpers() -> None:
    assert clean_line("  abc \u00a0\r") == "abc"
    assert strip_cells("Luonnonvarojen käytön kestävyys | 0 | 0 |") == "Luonnonvarojen käytön kestävyys 0 0"
    assert strip_cells("Teksti. | ||") == "Teksti."
    assert text_block(["a", "b", "", "\u00a0", "c", ""]) == "a\nb\n\nc"
    assert text_block(["", " "]) is None
    assert fund_from_code("S21093") == "ESR"
    assert fund_from_code("A70123") == "EAKR"
    assert fund_from_code(None) is None


def test_record_draft_turns_garbled_values_into_problems() -> None:
    draft = RecordDraft("x.txt", "0" * 64, "eura-description", [(1, "Hankekoodi: S1"), (2, "Myönnetty: 12x")])
    draft.put("code", "S21093", 1)
    assert draft.read("funding.eu_state_granted", "12x 000", 2, parse_amount) is None
    draft.use(1, "Hankekoodi: S1", "code", True)
    record = draft.build()
    assert record.funding is None
    (problem,) = record.problems
    assert (problem.path, problem.line, problem.record, problem.field, problem.value) == (
        "x.txt",
        2,
        "S21093",
        "funding.eu_state_granted",
        "12x 000",
    )
    assert [(u.line, u.field, u.labelled) for u in record.coverage] == [(1, "code", True), (2, None, False)]
    assert record.fund == "ESR"  # from the code prefix, as a last resort


def test_record_draft_confirm_reports_contradictions() -> None:
    draft = RecordDraft("x.txt", "0" * 64, "portal-card", [(1, "a")])
    draft.put("authority", "Keski-Suomen ELY-keskus", 1)
    draft.confirm("authority", "Keski-Suomen ELY-keskus", 5)
    draft.confirm("authority", "Pohjois-Savon ELY-keskus", 9, "Rahoittaja")
    draft.confirm("status", "Hanke käynnissä", 3)
    record = draft.build()
    assert record.authority == "Keski-Suomen ELY-keskus"
    assert record.status == "Hanke käynnissä"
    assert [(p.line, p.field) for p in record.problems] == [(9, "authority")]
    assert "line 1" in record.problems[0].message
