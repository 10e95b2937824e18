"""The bulk list reader on another period's list: the real 2007-2013 list, and made-up vocabulary.

The real list (19,940 rows, Windows-1252, committed gzipped with a README) is checked against an
independent reading that uses no alignment at all: a row's programme part and status word are found by
their exact values (the nine programme parts and two status words the list uses, see the README), and
everything else follows from where they stand. The reader must agree with it on every row it covers,
and read at least 99 % of the rows. Rows are also pinned by hand, all 14 fields.
"""

from __future__ import annotations

import csv
import gzip
import time
from collections import Counter
from decimal import Decimal

import pytest

from esrgraph.core.model import ProjectRecord
from esrgraph.io.sources import source_from_bytes
from esrgraph.parsers.base import ParseOutcome
from esrgraph.parsers.projectlist_csv import ProjectListCsvParser
from esrgraph.parsers.registry import detect_layout
from repo_paths import TESTS

LIST_GZ = TESTS / "data" / "projectlist-csv" / "projektilista-2007-2013.csv.gz"
HEADER_2007 = (
    "Koodi,Rahasto,Projektin nimi,Ohjelma / osio,Tl,Viranomainen,Toiminnan tila,Aloituspvm,Päättymispvm,"
    "Toteuttajan nimi,Myönnetty EU- ja valtion rahoitus,Toteutunut EU- ja valtion rahoitus,"
    "Suunniteltu julkinen rahoitus yhteensä,Toteutunut julkinen rahoitus yhteensä"
)
PROGRAMME_PARTS = frozenset({
    "Itä-Suomi", "Länsi-Suomi", "Pohjois-Suomi", "Etelä-Suomi", "Valtakunnallinen osio", "Itä-Suomen suuralueosio",
    "Pohjois-Suomen suuralueosio", "Länsi-Suomen suuralueosio", "Etelä-Suomen suuralueosio",
})
STATUSES = frozenset({"Toiminta päättynyt", "Keskeytynyt"})

parser = ProjectListCsvParser()


def fields(record: ProjectRecord) -> tuple[object, ...]:
    """The 14 fields of a list row, as read."""
    assert record.priority_axis is not None and record.applicant is not None and record.funding is not None
    f = record.funding
    return (
        record.code, record.fund, record.name, record.programme_part, record.priority_axis.number, record.authority,
        record.status, record.start_date.strftime("%-d.%-m.%Y") if record.start_date else None,
        record.end_date.strftime("%-d.%-m.%Y") if record.end_date else None, record.applicant.name,
        str(f.eu_state_granted), str(f.eu_state_realised), str(f.public_planned), str(f.public_realised),
    )


def independent_reading(cells: list[str]) -> tuple[object, ...] | None:
    """The 14 fields of a row found from its one programme-part cell and its one status cell; None when
    either is not found exactly once (the row is left to the other checks)."""
    parts = [j for j, c in enumerate(cells) if c in PROGRAMME_PARTS]
    statuses = [j for j, c in enumerate(cells) if c in STATUSES]
    if len(parts) != 1 or len(statuses) != 1:
        return None
    p, s = parts[0], statuses[0]
    if s < p + 3 or len(cells) < s + 8:
        return None
    return (
        cells[0], cells[1], ",".join(cells[2:p]).strip(), cells[p], cells[p + 1], ",".join(cells[p + 2:s]).strip(),
        cells[s], cells[s + 1], cells[s + 2], ",".join(cells[s + 3:-4]).strip(), *(c.strip() for c in cells[-4:]),
    )


@pytest.fixture(scope="module")
def raw() -> bytes:
    return gzip.decompress(LIST_GZ.read_bytes())


@pytest.fixture(scope="module")
def read(raw: bytes) -> tuple[ParseOutcome, float]:
    source = source_from_bytes(raw, "projektilista-2007-2013.csv")
    started = time.perf_counter()
    outcome = parser.parse(source)
    return outcome, time.perf_counter() - started


@pytest.fixture(scope="module")
def rows(raw: bytes) -> dict[int, list[str]]:
    """Physical line -> its cells as csv.reader gives them."""
    lines = raw.decode("cp1252").split("\r\n" if b"\r\n" in raw else "\n")
    assert lines[0] == HEADER_2007
    return {n: next(csv.reader([line])) for n, line in enumerate(lines[1:], 2) if line.strip()}


@pytest.fixture(scope="module")
def by_line(read: tuple[ParseOutcome, float]) -> dict[int, ProjectRecord]:
    return {r.source.first_line: r for r in read[0].records}


def test_the_list_is_detected(raw: bytes) -> None:
    assert detect_layout(source_from_bytes(raw[:20000], "x.csv").text) == "projectlist-csv"


def test_at_least_99_percent_of_rows_become_records_in_seconds(
        read: tuple[ParseOutcome, float], rows: dict[int, list[str]]) -> None:
    outcome, seconds = read
    assert outcome.units == len(rows) == 19940
    assert len(outcome.records) + len(outcome.quarantined) == outcome.units
    assert len(outcome.records) >= 0.99 * outcome.units, [str(q) for q in outcome.quarantined[:10]]
    for error in outcome.quarantined:  # whatever is set aside says where and why
        assert error.line and error.field and error.record, str(error)
    assert Counter(r.fund for r in outcome.records) == {"EAKR": 17165, "ESR": 2775} or outcome.quarantined
    assert seconds < 15, f"parsing the 2007-2013 list took {seconds:.2f} s"


def test_vocabulary_the_code_lists_do_not_know_is_kept_as_written(read: tuple[ParseOutcome, float]) -> None:
    records = read[0].records
    assert Counter(r.status for r in records) == {"Toiminta päättynyt": 18578, "Keskeytynyt": 1362}
    assert {r.programme_part for r in records} == PROGRAMME_PARTS
    lengths = Counter(len(r.code or "") for r in records)
    assert set(lengths) == {6, 7, 10}  # S10324 / A54369 (6), A543697 (7), A616110435 (10)
    assert Counter(r.authority for r in records)["Finnvera"] > 6000


def test_rows_with_the_header_cell_count_are_read_as_they_stand(
        by_line: dict[int, ProjectRecord], rows: dict[int, list[str]]) -> None:
    plain = {n: cells for n, cells in rows.items() if len(cells) == 14}
    assert len(plain) == 8839
    for n, cells in plain.items():
        record = by_line.get(n)
        assert record is not None, f"line {n} not read"
        assert fields(record) == tuple(c.strip() for c in cells), f"line {n}"
        assert all(r.startswith("trimmed spaces around") for r in record.repairs), record.repairs


def test_every_row_agrees_with_an_independent_reading(
        by_line: dict[int, ProjectRecord], rows: dict[int, list[str]]) -> None:
    compared = 0
    for n, cells in rows.items():
        expected = independent_reading(cells)
        if expected is None:
            continue
        compared += 1
        record = by_line.get(n)
        assert record is not None, f"line {n} not read"
        assert fields(record) == expected, f"line {n}"
    assert compared >= 0.99 * len(rows)


def test_split_authorities_are_joined_to_their_known_spelling(
        by_line: dict[int, ProjectRecord], rows: dict[int, list[str]]) -> None:
    ely = "elinkeino-, liikenne- ja ympäristökeskus"
    split = [n for n, cells in rows.items() if any(c.endswith(" elinkeino-") for c in cells[4:7])]
    assert len(split) > 10000
    for n in split:
        record = by_line[n]
        assert record.authority is not None and ely in record.authority, f"line {n}: {record.authority!r}"
        assert record.authority.split(",")[0].endswith(" elinkeino-")
        assert any(r.startswith("joined authority from cells") for r in record.repairs)


#: Rows read by hand from the published file: (line, the 14 fields).
HAND_CHECKED: dict[str, tuple[int, tuple[object, ...]]] = {
    # a comma in the name next to the programme part
    "S10327": (5, ("S10327", "ESR", "Samapalkkaisuus, tasa-arvo ja uudet palkkausjärjestelmät (SATU)",
                   "Valtakunnallinen osio", "1", "Sosiaali- ja terveysministeriö", "Toiminta päättynyt", "1.9.2008",
                   "31.12.2010", "Palkansaajien tutkimuslaitos", "426925", "426925", "426925", "426925")),
    # name split, ELY authority with its unit ", yritystuet" (kept as written)
    "A566055": (10790, ("A566055", "EAKR", "Kuntoutus Korte Oy:n omistaman lastensuojelulaitoksen perustaminen ja "
                        "toiminnan käynnistäminen. Laitoksen psykiatrinen erityisosaaminen perustuu täysin "
                        "kognitiiviseen käyttäytymisterapiaan, ja on Itä-Suomen alueella ensimmäinen laatuaan.",
                        "Itä-Suomi", "1", "Etelä-Savon elinkeino-, liikenne- ja ympäristökeskus, yritystuet",
                        "Toiminta päättynyt", "4.12.2013", "31.3.2015", "KUNTOUTUS KORTE OY",
                        "13726", "13726", "13726", "13726")),
    # name, authority and implementer (an ELY centre and its area of responsibility) all split
    "S10802": (577, ("S10802", "ESR", "Aikuisopiskelun tieto-, neuvonta- ja ohjauspalveluiden kehittäminen",
                     "Valtakunnallinen osio", "3", "Pohjois-Pohjanmaan elinkeino-, liikenne- ja ympäristökeskus",
                     "Toiminta päättynyt", "1.3.2009", "31.1.2012",
                     "Lapin elinkeino-, liikenne- ja ympäristökeskus, Elinkeinot, työvoima, osaaminen ja kulttuuri",
                     "231000", "173834", "231000", "173834")),
    # a name split five ways (20 cells)
    "A559592": (13229, ("A559592", "EAKR", "Automaattisten, langattomien ja ympärivuotisten "
                        "ympäristömittausratkaisujen etablointi Venäjän kaivos- ja öljyteollisuuteen Nenetsian, Komin, "
                        "Svedlovskin, Permin ja Tseljabinskin alueille.", "Pohjois-Suomi", "1",
                        "Pohjois-Pohjanmaan elinkeino-, liikenne- ja ympäristökeskus, yritystuet", "Toiminta päättynyt",
                        "22.5.2012", "31.8.2014", "EHP-TEKNIIKKA OY", "76500", "76500", "76500", "76500")),
    # a short name of three cells, an ELY centre as the implementer
    "S10534": (259, ("S10534", "ESR", "Länsi, sivo, palkat", "Valtakunnallinen osio", "5",
                     "Keski-Suomen elinkeino-, liikenne- ja ympäristökeskus", "Toiminta päättynyt", "1.1.2008",
                     "31.12.2011", "Pirkanmaan elinkeino-, liikenne- ja ympäristökeskus",
                     "745000", "745000", "745000", "745000")),
    # implementer split three ways
    "S11707": (1626, ("S11707", "ESR", "Palvelupiste - AikuiskoulutusEP", "Valtakunnallinen osio", "3",
                      "Keski-Suomen elinkeino-, liikenne- ja ympäristökeskus", "Toiminta päättynyt", "1.8.2011",
                      "30.6.2014", "Seinäjoen koulutuskuntayhtymä, Sedu Aikuiskoulutus, liikelaitos",
                      "236283", "235895", "279171", "279871")),
    # 'EAKR' and digits inside the name
    "A30738": (3985, ("A30738", "EAKR", "P-S  EAKR tekninen tuki 2007-3013, toimeenpano ja hallinnointi",
                      "Pohjois-Suomi", "4", "Keski-Pohjanmaan liitto", "Toiminta päättynyt", "1.1.2007", "31.12.2015",
                      "Keski-Pohjanmaan liitto", "555000", "555000", "555000", "556908")),
    # a ten-character EAKR code (Finnvera)
    "A616110435": (19923, ("A616110435", "EAKR", "Investointi ja kehittäminen", "Etelä-Suomi", "1", "Finnvera",
                           "Toiminta päättynyt", "27.4.2011", "30.9.2015", "Sähkötyö Romppainen",
                           "2250", "1569", "2250", "1569")),
    # an interrupted project
    "A601070113": (10268, ("A601070113", "EAKR", "Investointi ja kehittäminen", "Itä-Suomi", "1", "Finnvera",
                           "Keskeytynyt", "1.3.2007", "31.12.2013", "Joensuun PR-Optiikka Oy",
                           "6250", "3240", "6250", "3240")),
}


@pytest.mark.parametrize("code", sorted(HAND_CHECKED))
def test_hand_checked_rows(by_line: dict[int, ProjectRecord], code: str) -> None:
    line, expected = HAND_CHECKED[code]
    record = by_line[line]
    assert fields(record) == expected
    assert record.source.layout == "projectlist-csv" and record.source.path == "projektilista-2007-2013.csv"


def test_hand_checked_repairs_are_listed(by_line: dict[int, ProjectRecord]) -> None:
    assert by_line[577].repairs == (
        "joined name from cells 3–4 split by unquoted ','",
        "joined authority from cells 7–8 split by unquoted ','",
        "joined applicant from cells 12–16 split by unquoted ','",
    )
    assert by_line[19923].repairs == ()


# -- made-up vocabulary: a status word and a code shape no list knows ------------------------------------------------

SYNTHETIC = "\n".join([
    HEADER_2007,
    # clean rows: read as they stand
    "Z12-3456,ESR,Uusi hanke,Valtakunnallinen osio,2,Opetushallitus,Hautumassa,1.1.2022,31.12.2023,Oppilaitos ry,"
    "1000,0,1200,0",
    "Z12-3457,EAKR,Toinen hanke,Itä-Suomi,1,Finnvera,Hautumassa,2.1.2022,,Yritys Oy,2000,10.5,2000,10.5",
    # messy rows: a name and the authority split by unquoted commas
    "Z12-3458,ESR,Kolmas, eikä viimeinen,Valtakunnallinen osio,3,Hämeen elinkeino-, liikenne- ja ympäristökeskus,"
    "Hautumassa,1.3.2022,28.2.2024,Kunta,500,0,600,0",
    "Q-77,EAKR,Neljäs hanke,Länsi-Suomi,1,Keski-Suomen elinkeino-, liikenne- ja ympäristökeskus, yritystuet,"
    "Odottaa,1.3.2022,28.2.2024,Firma, Ab,500,0,600,0",
    # a fund no list knows, a code of a known shape
    "S19999,ESX,Viides hanke,Valtakunnallinen osio,1,Opetushallitus,Hautumassa,1.3.2022,28.2.2024,Säätiö,1,0,1,0",
    "",
])


def test_made_up_status_and_code_shape_build_every_row() -> None:
    outcome = parser.parse(source_from_bytes(SYNTHETIC.encode("utf-8"), "synthetic.csv"))
    assert outcome.units == 5 and not outcome.quarantined, [str(q) for q in outcome.quarantined]
    got = {r.code: r for r in outcome.records}
    assert set(got) == {"Z12-3456", "Z12-3457", "Z12-3458", "Q-77", "S19999"}
    assert fields(got["Z12-3456"])[6] == "Hautumassa"
    assert fields(got["Z12-3458"]) == (
        "Z12-3458", "ESR", "Kolmas, eikä viimeinen", "Valtakunnallinen osio", "3",
        "Hämeen elinkeino-, liikenne- ja ympäristökeskus", "Hautumassa", "1.3.2022", "28.2.2024", "Kunta",
        "500", "0", "600", "0")
    assert fields(got["Q-77"]) == (
        "Q-77", "EAKR", "Neljäs hanke", "Länsi-Suomi", "1",
        "Keski-Suomen elinkeino-, liikenne- ja ympäristökeskus, yritystuet", "Odottaa", "1.3.2022", "28.2.2024",
        "Firma, Ab", "500", "0", "600", "0")
    assert got["S19999"].fund == "ESX"
    assert got["Z12-3457"].end_date is None and got["Z12-3457"].funding is not None
    assert got["Z12-3457"].funding.public_realised == Decimal("10.5")


def test_a_row_with_the_header_count_by_accident_is_caught() -> None:
    """A name split by a comma and the status cell missing: 14 cells, but read as they stand the
    programme part falls in the priority-axis column, which must hold a number."""
    row = "Z12-3459,ESR,Nimi, jatkuu,Valtakunnallinen osio,3,Opetushallitus,1.3.2022,28.2.2024,Kunta,500,0,600,0"
    assert len(next(csv.reader([row]))) == 14
    outcome = parser.parse(source_from_bytes((HEADER_2007 + "\n" + row + "\n").encode(), "accident.csv"))
    [error] = outcome.quarantined
    assert (error.line, error.record, error.field) == (2, "Z12-3459", "priority_axis.number")
    assert "cell 5 'Valtakunnallinen osio' is not a priority-axis number" in error.message


def test_split_authority_with_header_count_names_the_missing_cell() -> None:
    row = ("Z12-3460,ESR,Nimi,Valtakunnallinen osio,3,Hämeen elinkeino-, liikenne- ja ympäristökeskus,"
           "1.3.2022,28.2.2024,Kunta,500,0,600,0")
    assert len(next(csv.reader([row]))) == 14  # the status cell is missing
    [error] = parser.parse(source_from_bytes((HEADER_2007 + "\n" + row + "\n").encode(), "a.csv")).quarantined
    assert error.field == "authority" and "a cell is missing elsewhere" in error.message
    assert "cells 6–7" in error.message
