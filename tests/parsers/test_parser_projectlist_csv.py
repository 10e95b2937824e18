"""The project-list CSV parser (``projectlist-csv``) on the real list and on small fixtures.

The real list is read in place from ``../shared/corpus/`` (never copied into the project); the
tests that need it are skipped when it is absent.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import date
from decimal import Decimal

import pytest

from esrgraph.core.errors import ParseError
from esrgraph.core.model import ProjectRecord
from esrgraph.io.sources import read_source, source_from_bytes
from esrgraph.parsers.base import ParseOutcome
from esrgraph.parsers.projectlist_csv import HEADER_ALIASES, ProjectListCsvParser
from esrgraph.parsers.registry import detect_layout, get_parser
from repo_paths import SHARED, TESTS

HERE = TESTS
DATA = HERE / "data" / "projectlist-csv"
SAMPLES = HERE.parent / "data" / "samples"
CORPUS = SHARED / "corpus"
REAL_LIST = CORPUS / "projektilista-2014-2020.csv"

HEADER = (
    "Koodi,Rahasto,Hankkeen nimi,Tl,Viranomainen,Tila,Aloituspvm,Päättymispvm,Toteuttajan nimi,"
    "Myönnetty EU- ja valtion rahoitus,Toteutunut EU- ja valtion rahoitus,"
    "Suunniteltu julkinen rahoitus yhteensä,Toteutunut julkinen rahoitus yhteensä;"
)

parser = ProjectListCsvParser()

ROW = "S20001,ESR,Hanke,3,Uudenmaan liitto,Toiminnassa,1.2.2016,31.1.2018,Toteuttaja ry,{a},0,1000,0"


def parse_text(text: str, path: str = "list.csv") -> ParseOutcome:
    return parser.parse(source_from_bytes(text.encode("utf-8"), path))


def row_values(record: ProjectRecord) -> tuple[object, ...]:
    """The pinned fields of a record, in the header's order."""
    assert record.priority_axis is not None and record.applicant is not None and record.funding is not None
    f = record.funding
    return (
        record.code,
        record.fund,
        record.name,
        record.priority_axis.number,
        record.authority,
        record.status,
        record.start_date.isoformat() if record.start_date else None,
        record.end_date.isoformat() if record.end_date else None,
        record.applicant.name,
        str(f.eu_state_granted),
        str(f.eu_state_realised),
        str(f.public_planned),
        str(f.public_realised),
    )


@pytest.fixture(scope="module")
def real() -> tuple[ParseOutcome, float]:
    if not REAL_LIST.is_file():
        pytest.skip(f"{CORPUS} not found: the real project list is read in place")
    source = read_source(REAL_LIST)
    started = time.perf_counter()
    outcome = parser.parse(source)
    return outcome, time.perf_counter() - started


@pytest.fixture(scope="module")
def real_by_line(real: tuple[ParseOutcome, float]) -> dict[int, ProjectRecord]:
    return {r.source.first_line: r for r in real[0].records}


# -- 30 real rows, one per kind of mess, with their repaired values ------------------------------

#: physical line -> (code, fund, name, Tl, authority, status, start, end, implementer,
#:                   EU+state granted, EU+state realised, public planned, public realised)
REAL_ROWS: dict[int, tuple[object, ...]] = {
    # '|' in the name, leading space before the authority, trailing ',,;'
    2: ('A70301', 'EAKR', 'Reaktoritekniikkaan perustuvat uudet prosessit |prosessikemikaalit ja (rainattavat)biotuotteet  - Reaktek', '2', 'Innovaatiorahoituskeskus Tekes', 'Toiminnassa', '2015-03-01', '2017-02-28', 'Mikkelin Ammattikorkeakoulu Oy', '443909', '71641', '443909', '54941'),
    # trailing ',,;'
    3: ('A70302', 'EAKR', 'INKA-Uudet tekniikat sähköverkon vikatilanteiden ja hajautetun tuotannon hallinnassa', '2', 'Innovaatiorahoituskeskus Tekes', 'Toiminnassa', '2015-03-01', '2017-02-28', 'Lappeenrannan teknillinen yliopisto', '280000', '57227', '319258', '59451'),
    # clean row, ';' glued to the last amount
    202: ('A70251', 'EAKR', 'INKA - Biomassa CHP teknologian kehitys globaaleille markkinoille', '2', 'Innovaatiorahoituskeskus Tekes', 'Toiminnassa', '2015-01-01', '2016-12-31', 'Itä-Suomen yliopisto', '135000', '15065', '142575', '15911'),
    # clean ESR row with decimal amounts
    2100: ('S20159', 'ESR', 'Kestävää kasvua ja työtä 2014?2020 - Suomen rakennerahasto-ohjelman viestintähanke', '7', 'Työ- ja elinkeinoministeriö', 'Toiminnassa', '2014-12-01', '2017-11-30', 'Työ- ja elinkeinoministeriö', '407622', '91179.75', '548971', '91179.75'),
    # authority split over two cells
    264: ('A70213', 'EAKR', 'Kasettihirsitalot', '1', 'Etelä-Savon elinkeino-, liikenne- ja ympäristökeskus', 'Toiminnassa', '2014-09-16', '2016-12-31', 'JALKAPUU TMI', '12770', '1825', '12770', '1825'),
    # name split in two, 'EAKR' inside the name
    204: ('A70253', 'EAKR', 'INKA EAKR Laiteläheinen tietoturvateknologia ja sovellutusmahdollisuudet, LaiTSo', '2', 'Innovaatiorahoituskeskus Tekes', 'Toiminnassa', '2015-01-01', '2016-06-30', 'Jyväskylän yliopisto', '331650', '30132', '354500', '33480'),
    # name split in two
    276: ('A70225', 'EAKR', 'Arctic spa, tunturikylpylä', '1', 'Pohjois-Pohjanmaan elinkeino-, liikenne- ja ympäristökeskus', 'Toiminnassa', '2014-09-17', '2015-05-31', 'JEPETRON OY', '15000', '14798', '15000', '14798'),
    # name split three ways
    458: ('A70007', 'EAKR', 'Kasvua Kainuuseen - Kasvu, kansainvälistyminen, omistajanvaihdos', '1', 'Kainuun liitto', 'Toiminnassa', '2014-12-01', '2017-11-30', 'KAINUUN ETU OY', '907096', '450861.51', '1431687', '558638.47'),
    # name split four ways, decimals
    308: ('A70057', 'EAKR', 'T3K, Tuotteita, tehokkuutta, tuottavuutta ja kilpailukykyä teknologisilla innovaatioilla', '2', 'Pirkanmaan liitto', 'Toiminnassa', '2014-11-01', '2017-09-30', 'Huittisten kaupunki', '444809', '97216.29', '599844', '121620.96'),
    # name split four ways (17 cells)
    1247: ('A71498', 'EAKR', 'peltiprofiloinnin uudet koneet, classic-profiilikone, listaprofiilikone, koneiden oheislaitteet tilauksesta tuotantoon ja toimitukseen atk-järjestelmän räätälöinti esittelyvaunu profiilituotteille', '1', 'Pohjois-Pohjanmaan elinkeino-, liikenne- ja ympäristökeskus', 'Toiminnassa', '2015-12-08', '2017-12-31', 'PELTISEPÄNLIIKE H. PEURA OY', '77000', '0', '77000', '0'),
    # name split six ways (19 cells)
    1628: ('A71879', 'EAKR', 'Puurakennusten vientitoimitusten konseptointi Pohjoismaihin kattaen myynnin, suunnittelun, rakenneosien valmistuttamisen, kaiken materiaalihankinnan, logistiikan, pystytyksen ja jälkimarkkinoinnin.', '2', 'Pohjois-Pohjanmaan elinkeino-, liikenne- ja ympäristökeskus', 'Toiminnassa', '2016-04-28', '2018-04-30', 'ECOSTE OY', '150610', '0', '150610', '0'),
    # name split six ways (19 cells)
    1815: ('A71666', 'EAKR', 'Kuivaamoiden ja höyläyslinjan modernisointi, Paketointilaitteisto, puutavarakuormain, Varastoalueen rakentaminen, asfaltointi, tietojärjestelmien ja sähköisten tiedonsiirtolaitteiden hankkiminen.', '1', 'Pohjois-Pohjanmaan elinkeino-, liikenne- ja ympäristökeskus', 'Toiminnassa', '2016-01-20', '2018-12-31', 'VK TIMBER OY', '222000', '0', '222000', '0'),
    # name, authority and implementer all split
    2614: ('S20518', 'ESR', 'Kaikki Mukaan, KaMu-hanke', '5', 'Etelä-Savon elinkeino-, liikenne- ja ympäristökeskus', 'Toiminnassa', '2016-01-04', '2016-12-31', 'Pallokissat, Kuopio ry.', '29685', '0', '35250', '0'),
    # implementer split (an ELY name)
    2819: ('S20723', 'ESR', 'Minä pystyn -rinnakkaishanke', '3', 'Etelä-Savon elinkeino-, liikenne- ja ympäristökeskus', 'Toiminnassa', '2016-05-01', '2017-04-30', 'Elinkeino-, liikenne ja ympäristö', '225000', '0', '318500', '0'),
    # implementer split
    470: ('A70019', 'EAKR', 'Resurssitehokkaan kiviaineshuollon ja pohjavesien suojelun avoin kehittämisympäristö laajalle metropolialueelle', '2', 'Uudenmaan liitto', 'Toiminnassa', '2015-01-01', '2016-02-28', 'Hämeen Maakuntaliitto, kuntayhtymä', '70000', '0', '100000', '0'),
    # Swedish and trade names run together, implementer split
    1067: ('A71266', 'EAKR', 'utvecklande av produkter och produktgrupper samt tillverkningsprocesser för Varjopuoli', '1', 'Keski-Suomen elinkeino-, liikenne- ja ympäristökeskus', 'Toiminnassa', '2015-10-12', '2017-12-31', 'VIKSTRÖMS PLÅTSLAGERI AB OYVARJOPUOLI AB, APUTOIMINIMI', '61780', '0', '61780', '0'),
    # trade name run together
    295: ('A70244', 'EAKR', 'Tuotannollisen toiminnan Uusi Aalto -ÄRM hanke', '2', 'Pohjois-Pohjanmaan elinkeino-, liikenne- ja ympäristökeskus', 'Toiminnassa', '2014-09-26', '2016-06-30', 'OULUN KAUPUNKIBUSINESSOULU LIIKELAITOS', '236460', '176172', '337800', '251675'),
    # c/o name run together
    281: ('A70230', 'EAKR', 'Pikaduuni - palvelu', '2', 'Pohjois-Pohjanmaan elinkeino-, liikenne- ja ympäristökeskus', 'Toiminnassa', '2014-09-19', '2015-12-31', 'SIJAISHALTIJA OYC/O SOLINUM', '6170', '6170', '6170', '6170'),
    # Swedish name
    284: ('A70233', 'EAKR', 'TUOTEBRÄNDIN JA KANSAINVÄLISTYMISVALMIUKSEN KEHITTÄMINEN', '2', 'Keski-Suomen elinkeino-, liikenne- ja ympäristökeskus', 'Toiminnassa', '2014-01-31', '2016-12-31', 'AB SARINS BÅTAR OY', '184000', '92939', '184000', '92939'),
    # quoted as one cell, re-split without quote handling
    200: ('A70499', 'EAKR', '"Musculo"-hieronta/lihashuoltoapuvälineen kehittäminen ja valmistus.', '1', 'Pohjois-Pohjanmaan elinkeino-, liikenne- ja ympäristökeskus', 'Toiminnassa', '2015-02-02', '2016-12-31', 'STENBERG HELLSTEN OY', '15500', '12476', '15500', '12476'),
    # quoted as one cell, unwrapped
    411: ('A70160', 'EAKR', 'Auto2020" - Nykyautotekniikan oppimisympäristön rakentaminen"', '2', 'Pohjois-Pohjanmaan liitto', 'Toiminnassa', '2015-01-01', '2017-06-30', 'Oulun seudun koulutuskuntayhtymä', '156716', '40196.99', '223880', '57424.28'),
    # quoted as one cell, re-split, doubled quotes
    437: ('A70186', 'EAKR', '"Auto2020" - Nykyautotekniikan oppimisympäristön rakentaminen (investointiosio)', '2', 'Pohjois-Pohjanmaan liitto', 'Toiminnassa', '2015-03-01', '2017-06-30', 'Oulun seudun koulutuskuntayhtymä', '238000', '0', '340000', '0'),
    # quoted as one cell, name split
    878: ('A70577', 'EAKR', 'Satakuntalainen meriosaaminen nousuun kansainvälisellä vesi- ja hygieniatutkimusyhteistyöllä, "MESI"', '2', 'Pirkanmaan liitto', 'Toiminnassa', '2015-05-04', '2016-04-29', 'Satakunnan ammattikorkeakoulu Oy', '16000', '0', '20000', '0'),
    # quoted as one cell, authority comma lost
    918: ('A70617', 'EAKR', 'Opiferus "Johtamistyökalun" tuotteistus ja kaupallistaminen', '1', 'Keski-Suomen elinkeino-, liikenne- ja ympäristökeskus', 'Toiminnassa', '2014-10-27', '2016-12-31', 'SOFTWAVE OHJELMISTOT OY', '66260', '54274', '66260', '54274'),
    # quoted as one cell, unclosed quote
    1065: ('A71264', 'EAKR', '"Utvecklande av "Bema Vikdörr', '1', 'Keski-Suomen elinkeino-, liikenne- ja ympäristökeskus', 'Toiminnassa', '2015-10-22', '2018-12-31', 'OY BEMASYSTEM AB', '64580', '0', '64580', '0'),
    # ESR row quoted as one cell
    2870: ('S20774', 'ESR', 'PIKKU-MUSTIKKA" - Sosiaalisen osallisuuden ja työllistymismahdollisuuksien lisääminen maahanmuuttajanaisilla - Alueellinen Opetuskotimalli  - kokeilu Turun seutukunnassa"', '5', 'Keski-Suomen elinkeino-, liikenne- ja ympäristökeskus', 'Toiminnassa', '2016-08-01', '2019-07-31', 'Sateenkaari Koto ry', '80000', '0', '507835', '0'),
    # empty cell where the end date belongs
    1033: ('A71334', 'EAKR', 'Robottiekosysteemi uudistuvan teollisuuden kehityskyvyn takaajana automaatio? ja palvelusektorilla', '2', 'Pirkanmaan liitto', 'Toiminnassa', '2016-01-01', None, 'TTY-säätiö', '56035', '0', '110230', '0'),
    # ';' inside the name, trailing ',,'
    110: ('A70409', 'EAKR', 'Solar 2016; uusien auringon- ja näkösuojatuotteiden kehitys ikkunoihin sekä oviin.', '2', 'Pohjois-Pohjanmaan elinkeino-, liikenne- ja ympäristökeskus', 'Toiminnassa', '2014-11-10', '2016-12-31', 'SOLAR KAIHDIN KY', '83250', '0', '83250', '0'),
    # '|' in the name, decimals
    889: ('A70588', 'EAKR', 'P-P Verkkopalvelu | kasvuyritysten kumppani', '1', 'Pohjois-Pohjanmaan liitto', 'Toiminnassa', '2015-01-01', '2017-12-31', 'Haapaveden-Siikalatvan seudun kuntayhtymä', '339752', '107277.34', '713479', '150148'),
    # commas inside parentheses in the name
    1734: ('A71985', 'EAKR', 'Liiketoiminnan kehittämishanke kansainvälisille markkinoille (Japani, Saksa, Iso-Britannia)', '1', 'Pohjois-Pohjanmaan elinkeino-, liikenne- ja ympäristökeskus', 'Toiminnassa', '2016-05-17', '2017-11-30', 'LASTEN METSOLA OY', '50700', '0', '50700', '0'),
}


def test_thirty_rows_are_pinned() -> None:
    assert len(REAL_ROWS) == 30


@pytest.mark.parametrize("line", sorted(REAL_ROWS))
def test_real_row_repaired_values(real_by_line: dict[int, ProjectRecord], line: int) -> None:
    record = real_by_line.get(line)
    assert record is not None, f"line {line} was quarantined"
    assert row_values(record) == REAL_ROWS[line]
    assert record.source.layout == "projectlist-csv"
    assert record.source.path.endswith("projektilista-2014-2020.csv")
    assert len(record.source.sha256) == 64
    assert [(u.line, u.field) for u in record.coverage] == [(line, "row")]


@pytest.mark.parametrize(
    ("line", "repairs"),
    [
        (202, ("stripped ';' glued to the last cell",)),
        (2, ("dropped 2 stray trailing cell(s) ',,;'", "trimmed spaces around authority")),
        (308, ("stripped ';' glued to the last cell", "joined name from cells 3–6 split by unquoted ','")),
        (
            2614,
            (
                "stripped ';' glued to the last cell",
                "joined name from cells 3–4 split by unquoted ','",
                "joined authority from cells 6–7 split by unquoted ','",
                "joined applicant from cells 11–12 split by unquoted ','",
            ),
        ),
        (
            200,
            (
                "the row was quoted as one cell: unwrapped it",
                "re-split on every delimiter without quote handling",
                "collapsed doubled quotes in name",
                "joined authority from cells 5–6 split by unquoted ','",
            ),
        ),
        (
            918,
            (
                "the row was quoted as one cell: unwrapped it",
                "dropped 2 stray trailing cell(s) ',,'",
                "restored the authority's official spelling (was 'Keski-Suomen elinkeino-  liikenne- ja ympäristökeskus')",
            ),
        ),
    ],
)
def test_real_row_repairs_are_listed(real_by_line: dict[int, ProjectRecord], line: int, repairs: tuple[str, ...]) -> None:
    assert real_by_line[line].repairs == repairs


def test_empty_date_cell_is_a_problem_not_a_guess(real_by_line: dict[int, ProjectRecord]) -> None:
    record = real_by_line[1033]
    assert record.end_date is None and record.start_date == date(2016, 1, 1)
    [problem] = record.problems
    assert (problem.line, problem.record, problem.field) == (1033, "A71334", "end_date")


def test_amounts_are_exact_decimals(real_by_line: dict[int, ProjectRecord]) -> None:
    funding = real_by_line[308].funding
    assert funding is not None
    assert funding.eu_state_realised == Decimal("97216.29")
    assert isinstance(funding.public_realised, Decimal) and str(funding.public_realised) == "121620.96"


# -- quarantined real rows ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "code", "field", "says"),
    [
        (56, "A70355", "funding.eu_state_realised", "cell 11 '15.10.2014' is a date where an amount belongs"),
        (57, "A70356", "funding.eu_state_granted", "cell 10 ' AVOIN YHTIÖ' is not an amount"),
        (60, "A70359", "start_date", "cell 7 '425180' is not a date"),
        (109, "A70408", "authority", "text 'Ruotsi' stands before the authority"),
    ],
)
def test_real_row_quarantined_with_reason(real: tuple[ParseOutcome, float], line: int, code: str, field: str, says: str) -> None:
    by_line = {q.line: q for q in real[0].quarantined}
    error = by_line[line]
    assert (error.record, error.field) == (code, field)
    assert says in error.message
    assert f"projektilista-2014-2020.csv:{line}: record {code}: field {field}" in str(error)


# -- the whole real list --------------------------------------------------------------------------------------


def test_whole_real_list_accounts_for_every_row(real: tuple[ParseOutcome, float], capsys: pytest.CaptureFixture[str]) -> None:
    outcome, seconds = real
    data_rows = sum(1 for line in REAL_LIST.read_text(encoding="utf-8").splitlines()[1:] if line.strip())
    assert outcome.units == data_rows == 2881
    assert len(outcome.records) + len(outcome.quarantined) == outcome.units
    assert len(outcome.quarantined) <= 20
    for error in outcome.quarantined:
        assert isinstance(error, ParseError)
        assert error.line is not None and error.field and error.record
        assert f":{error.line}:" in str(error) and f"field {error.field}" in str(error)
    lines = [r.source.first_line for r in outcome.records] + [q.line for q in outcome.quarantined]
    assert sorted(lines) == sorted(set(lines))  # one outcome per row
    built = Counter(r.fund for r in outcome.records)
    assert built == {"EAKR": 2079, "ESR": 786}
    set_aside = Counter("EAKR" if (q.record or "").startswith("A") else "ESR" for q in outcome.quarantined)
    assert built["EAKR"] + set_aside["EAKR"] == 2095 and built["ESR"] + set_aside["ESR"] == 786
    assert all(r.code and r.name and r.status == "Toiminnassa" for r in outcome.records)
    assert seconds < 5, f"parsing the list took {seconds:.2f} s"
    assert capsys.readouterr() == ("", "")


def test_real_list_is_detected(real: tuple[ParseOutcome, float]) -> None:
    text = read_source(REAL_LIST).text
    assert detect_layout(text) == "projectlist-csv"
    assert isinstance(get_parser("projectlist-csv"), ProjectListCsvParser)


# -- header aliases -----------------------------------------------------------------------------------------


def test_other_period_headers_parse_to_the_same_fields() -> None:
    ours = parser.parse(read_source(DATA / "period-2014-2020.csv"))
    other = parser.parse(read_source(DATA / "period-other.csv"))
    assert [row_values(r) for r in other.records] == [row_values(r) for r in ours.records]
    assert len(ours.records) == 3 and ours.units == 3 and not ours.quarantined
    assert other.records[0].repairs == (
        "joined programme from cells 2–3 split by unquoted ','",
        "joined name from cells 6–7 split by unquoted ','",
    )


def test_adjacent_text_columns_make_a_split_ambiguous() -> None:
    other = parser.parse(read_source(DATA / "period-other.csv"))
    assert other.units == 4
    [error] = other.quarantined
    assert (error.line, error.record) == (5, "S20999")
    assert error.field == "applicant.name"
    assert "ambiguous split: cells 9–12" in error.message
    assert "applicant = cell 9, authority = cells 10–12; or applicant = cells 9–10, authority = cells 11–12" in error.message


def test_semicolon_list_with_spaced_amounts() -> None:
    outcome = parser.parse(read_source(DATA / "semicolon.csv"))
    [record] = outcome.records
    assert record.name == "Kaikki Mukaan, KaMu-hanke" and record.applicant is not None
    assert record.applicant.name == "Pallokissat, Kuopio ry."
    assert record.funding is not None
    assert record.funding.eu_state_granted == Decimal("29685")
    assert record.funding.public_planned == Decimal("35250.00")


@pytest.mark.parametrize(
    ("fld", "alias"), [(fld, alias) for fld, aliases in HEADER_ALIASES.items() for alias in aliases[1:]]
)
def test_every_alias_maps_its_column(fld: str, alias: str) -> None:
    row = ROW.format(a="5")
    expected = row_values(parse_text(HEADER + "\n" + row + "\n").records[0])
    names = HEADER.rstrip(";").split(",")
    if fld in ("programme",):
        names.append(alias)
        row += ",Kestävää kasvua ja työtä 2014-2020"
    else:
        names[names.index(HEADER_ALIASES[fld][0])] = alias.upper() if fld == "status" else alias
    outcome = parse_text(",".join(names) + "\n" + row + "\n")
    assert outcome.units == 1 and not outcome.quarantined, outcome.quarantined
    assert row_values(outcome.records[0]) == expected


def test_unknown_header_column_takes_its_cells() -> None:
    names = HEADER.rstrip(";").split(",")
    names.insert(6, "Jokin muu sarake")
    row = ROW.format(a="5").replace("Toiminnassa,", "Toiminnassa,muuta, tekstiä,", 1)
    [record] = parse_text(",".join(names) + "\n" + row + "\n").records
    assert (record.status, record.start_date) == ("Toiminnassa", date(2016, 2, 1))
    assert record.repairs == ()  # the unknown column's cells are not kept, so nothing was repaired


def test_unknown_column_next_to_a_text_column_is_ambiguous() -> None:
    names = HEADER.rstrip(";").split(",")
    names.insert(3, "Jokin muu sarake")
    row = ROW.format(a="5").replace("Hanke,", "Hanke,muuta, tekstiä,", 1)
    [error] = parse_text(",".join(names) + "\n" + row + "\n").quarantined
    assert error.field == "name" and "ambiguous split: cells 3–5" in error.message


# -- sniff ------------------------------------------------------------------------------------------------------


def test_sniff_accepts_the_real_header() -> None:
    assert parser.sniff(HEADER + "\n")
    assert parser.sniff("\n\ufeff" + HEADER)


@pytest.mark.parametrize("sample", sorted(p.name for p in SAMPLES.glob("*.txt")))
def test_sniff_rejects_text_samples(sample: str) -> None:
    assert not parser.sniff(read_source(SAMPLES / sample).text)


def test_five_text_samples_exist() -> None:
    assert len(list(SAMPLES.glob("*.txt"))) == 5


@pytest.mark.parametrize(
    "text",
    ["", "\n\n", "Koodi,Rahasto,Summa\n", "Koodi: S20398\nRahasto: ESR\nHankkeen nimi: x\n", "a,b,c,d,e,f,g\n"],
)
def test_sniff_rejects_other_text(text: str) -> None:
    assert not parser.sniff(text)


# -- synthetic rows ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "value"),
    [("443909", "443909"), ("97216.29", "97216.29"), ("0", "0"), ('"1 234 567"', "1234567"), ('"12\u00a0500,50"', "12500.50")],
)
def test_amount_cells(cell: str, value: str) -> None:
    [record] = parse_text(HEADER + "\n" + ROW.format(a=cell) + "\n").records
    assert record.funding is not None and record.funding.eu_state_granted == Decimal(value)


@pytest.mark.parametrize(("cell", "says"), [("", "is empty where an amount belongs"), ("n/a", "is not an amount"), ("1.2.2016", "date")])
def test_not_an_amount_is_quarantined(cell: str, says: str) -> None:
    outcome = parse_text(HEADER + "\n" + ROW.format(a=cell) + "\n")
    assert not outcome.records and outcome.units == 1
    [error] = outcome.quarantined
    assert (error.line, error.record, error.field) == (2, "S20001", "funding.eu_state_granted")
    assert says in error.message


def test_blank_lines_are_not_rows_and_lines_are_physical() -> None:
    outcome = parse_text("\n" + HEADER + "\n\n" + ROW.format(a="5") + "\n  \n" + ROW.format(a="6") + "\n\n")
    assert outcome.units == 2
    assert [r.source.first_line for r in outcome.records] == [4, 6]


def test_two_possible_priority_axes_are_ambiguous() -> None:
    row = "S20001,ESR,Hanke, 2, vaihe,3,Uudenmaan liitto,Toiminnassa,1.2.2016,31.1.2018,Toteuttaja ry,5,0,1000,0"
    [error] = parse_text(HEADER + "\n" + row + "\n").quarantined
    assert error.field == "priority_axis.number"
    assert "ambiguous" in error.message and "cell 4 ' 2'" in error.message and "cell 6 '3'" in error.message


def test_unknown_status_word_is_kept_as_written() -> None:
    """The status vocabulary is not a gate: a word no code list knows is read (the mapping reports it)."""
    row = ROW.format(a="5").replace("Toiminnassa", "Jotain")
    outcome = parse_text(HEADER + "\n" + row + "\n")
    assert not outcome.quarantined
    assert outcome.records[0].status == "Jotain"


def test_unknown_status_word_in_a_row_that_needs_repair() -> None:
    """Known words anchor a messy row first; when they do not, loose shapes do, if the split is unique."""
    row = ROW.format(a="5").replace("Toiminnassa", "Odottaa").replace("Hanke,", "Hanke, osa 2,", 1)
    [record] = parse_text(HEADER + "\n" + row + "\n").records
    assert (record.name, record.status) == ("Hanke, osa 2", "Odottaa")


def test_status_with_digits_names_the_cell() -> None:
    row = ROW.format(a="5").replace("Toiminnassa", "Vaihe 2")
    [error] = parse_text(HEADER + "\n" + row + "\n").quarantined
    assert error.field == "status" and "cell 6 'Vaihe 2' is not a status (text without digits)" in error.message


def test_impossible_values_are_kept() -> None:
    row = "S20001,ESR,Hanke,3,Uudenmaan liitto,Toiminnassa,1.2.2019,31.1.2018,Toteuttaja ry,5,0,1000,0"
    [record] = parse_text(HEADER + "\n" + row + "\n").records
    assert record.start_date == date(2019, 2, 1) and record.end_date == date(2018, 1, 31)


def test_header_only_and_crlf() -> None:
    assert parse_text(HEADER + "\r\n").units == 0
    outcome = parse_text(HEADER + "\r\n" + ROW.format(a="5") + "\r\n")
    assert len(outcome.records) == 1 and outcome.records[0].applicant is not None
    assert outcome.records[0].applicant.name == "Toteuttaja ry"


def test_parse_of_a_non_list_raises_parse_error() -> None:
    with pytest.raises(ParseError, match=r"x\.csv:1: field header: is not a project-list header: no column Koodi"):
        parse_text("Nimi,Tila\nA,B\n", "x.csv")
