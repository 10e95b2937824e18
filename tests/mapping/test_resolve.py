"""Names as records write them resolve to the right codes, and misses never raise."""

from __future__ import annotations

import csv
import doctest
import re
from datetime import date

import pytest

import esrgraph.mapping.resolve as resolve_module
from esrgraph.mapping.resolve import Resolution, Resolver, normalise
from repo_paths import REPO

ROOT = REPO
SAMPLES = ROOT / "data" / "samples"
REFERENCE = ROOT.parent / "shared" / "reference"


@pytest.fixture(scope="module")
def r() -> Resolver:
    return Resolver()


def _code(res: Resolution) -> str | None:
    return res.concept.notation if res.concept else None


def _reference(name: str) -> list[dict[str, str]]:
    path = REFERENCE / name
    if not path.is_file():
        pytest.skip(f"{path} is absent: the shared reference data is only on the team's machines")
    with path.open(encoding="utf-8", newline="") as f:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(f)]


def _forms(*names: str) -> set[str]:
    """Each name as written, in upper case and with doubled inner spaces."""
    out = set()
    for name in filter(None, names):
        out |= {name, name.upper(), name.lower(), f"  {name}. "}
    return out


def _field(sample: str, label: str) -> str:
    match = re.search(rf"^{re.escape(label)}:? *(.*)$", (SAMPLES / sample).read_text(encoding="utf-8"), re.M)
    assert match, f"{label} not in {sample}"
    return match.group(1).strip()


# --- every name in the reference ----------------------------------------------------


def test_every_reference_municipality_name_resolves(r: Resolver) -> None:
    seen = 0
    for row in _reference("municipalities_by_year.csv"):
        on = date(int(row["year"]), 6, 30)
        for form in _forms(row["name_fi"], " ".join(row["name_sv"].split())):
            res = r.municipality(form, on=on)
            assert _code(res) == row["municipality_code"], (form, row["year"], res)
            seen += 1
    assert seen > 4365


def test_every_reference_subregion_name_resolves(r: Resolver) -> None:
    for row in _reference("subregions.csv"):
        for form in _forms(row["name_fi"], row["name_sv"], row["name_fi_genitive_c2014"]):
            assert _code(r.subregion(form)) == row["subregion_code"], form
    for row in _reference("municipalities_by_year.csv"):
        for form in (row["subregion_name_fi"], row["subregion_name_sv"]):
            assert _code(r.subregion(form)) == row["subregion_code"], form


def test_every_reference_region_name_resolves(r: Resolver) -> None:
    rows = _reference("regions.csv")
    for row in rows:
        for form in _forms(row["name_fi"], row["name_sv"]):
            assert _code(r.region(form)) == row["region_code"], form
        for column in ("nuts3_in_2017_classification", "nuts3_in_2018_2023_classification", "nuts3_in_2024_2026_classification"):
            assert _code(r.region(row[column])) == row["region_code"]
    for row in _reference("municipalities_by_year.csv"):
        for form in (row["region_name_fi"], row["region_name_sv"]):
            assert _code(r.region(form)) == row["region_code"], form


def test_every_reference_ely_centre_resolves(r: Resolver) -> None:
    for row in _reference("ely_centres.csv"):
        genitive = row["ely_name_fi"].removesuffix(" ELY-keskus")
        long_form = f"{genitive} elinkeino-, liikenne- ja ympäristökeskus"
        for form in _forms(row["ely_name_fi"], row["ely_name_sv"], long_form):
            res = r.authority(form)
            assert res.concept is not None and res.concept.extra["ely_code"] == row["ely_code"], form


def test_every_reference_objective_and_axis_resolves(r: Resolver) -> None:
    for row in _reference("programme-2014-2020.csv"):
        if row["specific_objective"]:
            code = row["specific_objective"]
            assert _code(r.specific_objective(code)) == f"2014-2020/{code}"
            if row["specific_objective_name_fi"]:
                for form in _forms(row["specific_objective_name_fi"]):
                    assert _code(r.specific_objective(None, form)) == f"2014-2020/{code}", form
                written = f"{code}. {row['specific_objective_name_fi']}"
                assert _code(r.specific_objective(None, written)) == f"2014-2020/{code}"
        if row["priority_axis"]:
            axis = f"2014-2020/{row['priority_axis']}"
            assert _code(r.priority_axis(row["priority_axis"])) == axis
            assert _code(r.priority_axis(None, row["priority_axis_name_fi"], row["fund"])) == axis
            assert r.priority_axis(row["priority_axis"], row["priority_axis_name_fi"], row["fund"]).note is None


def test_every_reference_merger_resolves_by_date(r: Resolver) -> None:
    for row in _reference("municipality_mergers_2013_2026.csv"):
        last = date(int(row["last_year_in_classification"]), 12, 31)
        effective = date.fromisoformat(row["effective_date"])
        assert _code(r.municipality(row["abolished_name_fi"], on=last)) == row["abolished_code"]
        after = r.municipality(row["abolished_name_fi"], on=effective)
        assert _code(after) == row["merged_into_code"]
        assert after.note and row["merged_into_name_fi"] in after.note


# --- mergers and moves ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "on", "code"),
    [
        ("Nastola", date(2015, 6, 1), "532"),
        ("Nastola", date(2015, 12, 31), "532"),
        ("Nastola", date(2016, 1, 1), "398"),
        ("Nastola", date(2017, 3, 1), "398"),
        ("Jalasjärvi", date(2015, 1, 1), "164"),
        ("Jalasjärvi", date(2017, 1, 1), "301"),
        ("Juankoski", date(2016, 5, 1), "174"),
        ("Juankoski", date(2018, 5, 1), "297"),
        ("Lahti", date(2015, 1, 1), "398"),
    ],
)
def test_merged_municipalities_by_date(r: Resolver, name: str, on: date, code: str) -> None:
    assert _code(r.municipality(name, on=on)) == code


def test_merged_municipality_without_a_date_is_itself_with_a_note(r: Resolver) -> None:
    res = r.municipality("Nastola")
    assert _code(res) == "532"
    assert res.note and "Lahti" in res.note and "2016-01-01" in res.note
    after = r.municipality("Nastola", on=date(2017, 1, 1))
    assert after.note and "Nastola" in after.note and "Lahti" in after.note


def test_regions_follow_the_date(r: Resolver) -> None:
    assert r.region_of_municipality("291", date(2017, 1, 1)) == "13"  # Kuhmoinen
    assert r.region_of_municipality("291", date(2022, 1, 1)) == "06"
    assert r.region_of_municipality("785", date(2015, 1, 1)) == "18"  # Vaala
    assert r.region_of_municipality("785", date(2016, 1, 1)) == "17"
    assert r.region_of_municipality("532", date(2020, 1, 1)) == "07"  # Nastola, via Lahti
    assert r.region_of_municipality("179", date(2000, 1, 1)) == "13"  # before the data: earliest known
    assert r.region_of_municipality("999") is None
    assert r.subregion_of_municipality("785", date(2015, 1, 1)) == "182"
    assert r.region_of_subregion("138") == "13"
    assert r.region_of_subregion("999") is None


def test_nuts3_by_version(r: Resolver) -> None:
    assert r.nuts3("17", date(2016, 1, 1)) == "FI1D6"
    assert r.nuts3("17", date(2019, 1, 1)) == "FI1D9"
    assert r.nuts3("13", date(2023, 12, 31)) == "FI193"
    assert r.nuts3("13", date(2024, 1, 1)) == "FI198"
    assert r.nuts3("13") == "FI198"
    assert r.nuts3("99") is None
    assert r.nuts3_of_municipality("291", date(2022, 1, 1)) == "FI193"  # Kuhmoinen kept Keski-Suomi's code
    assert r.nuts3_of_municipality("291", date(2015, 1, 1)) == "FI193"


# --- the bundled samples ---------------------------------------------------------------


def test_s20885_places_are_all_in_keski_suomi(r: Resolver) -> None:
    on = date(2017, 1, 1)
    municipalities = [m.strip() for m in _field("S20885.txt", "Kunnat").split(",")]
    subregions = [s.strip() for s in _field("S20885.txt", "Seutukunnat").split(",")]
    assert len(municipalities) == 23 and len(subregions) == 6
    for name in municipalities:
        res = r.municipality(name, on=on)
        assert res.concept is not None, res
        assert r.region_of_municipality(res.concept.notation, on) == "13", name
    codes = []
    for name in subregions:
        res = r.subregion(name)
        assert res.concept is not None, res
        assert r.region_of_subregion(res.concept.notation, on) == "13"
        codes.append(res.concept.notation)
    assert sorted(codes) == ["131", "132", "133", "134", "135", "138"]
    assert _code(r.region(_field("S20885.txt", "Maakunnat"))) == "13"


def test_card_objective_name_resolves_to_10_1(r: Resolver) -> None:
    card = "S20398.txt"
    assert _code(r.specific_objective(None, _field(card, "Erityistavoite"))) == "2014-2020/10.1"
    assert _code(r.priority_axis(_field(card, "Toimintalinja"))) == "2014-2020/5"
    assert _code(r.fund(_field(card, "Toimintalinja"))) == "ESR"
    assert _code(r.status("Hanke käynnissä")) == "active"


@pytest.mark.parametrize(
    ("sample", "label", "expected"),
    [
        ("S20885.txt", "Vastuuviranomainen", "ely-keski-suomi"),
        ("S21093.txt", "Vastuuviranomainen", "ely-hame"),
        ("S21199.txt", "Vastuuviranomainen", "ely-hame"),
        ("S21860.txt", "Vastuuviranomainen", "ely-etela-savo"),
        ("S20398.txt", "Hankkeen rahoittaja", "ely-keski-suomi"),
    ],
)
def test_each_samples_authority_resolves(r: Resolver, sample: str, label: str, expected: str) -> None:
    res = r.authority(_field(sample, label))
    assert _code(res) == expected, res
    assert res.note is None


@pytest.mark.parametrize("sample", ["S20885.txt", "S21093.txt", "S21199.txt", "S21860.txt"])
def test_each_samples_coded_fields_resolve(r: Resolver, sample: str) -> None:
    assert r.organisation_type(_field(sample, "Organisaatiotyyppi")).concept is not None
    assert r.status(_field(sample, "Toiminnan tila")).concept is not None
    objective = r.specific_objective(None, _field(sample, "Erityistavoite"))
    assert objective.concept is not None and objective.note is None
    axis = r.priority_axis(_field(sample, "Toimintalinja"), fund="ESR")
    assert axis.concept is not None and axis.note is None, axis


@pytest.mark.parametrize(
    "written",
    [
        "Etelä-Savon elinkeino-  liikenne- ja ympäristökeskus",
        "Pohjois-Pohjanmaan elinkeino- liikenne- ja ympäristökeskus",
        "Innovaatiorahoituskeskus Tekes",
        "Etelä-Savon maakuntaliitto",
        "Pohjois-Karjalan Maakuntaliitto",
        "Pirkanmaan Liitto",
        "Sosiaali- ja terveysministeriö",
        "Työ- ja elinkeinoministeriö",
        "Keski-Suomen ELY-keskus.",
        "Keski-Suomen ELY",
        "NTM-centralen i Mellersta Finland",
    ],
)
def test_authorities_as_the_project_list_writes_them(r: Resolver, written: str) -> None:
    assert r.authority(written).concept is not None


def test_authority_inside_a_glued_cell(r: Resolver) -> None:
    res = r.authority("sekä energia- ja resurssitehokkuuden edistäminen Keski-Suomen elinkeino-  liikenne- ja ympäristökeskus")
    assert _code(res) == "ely-keski-suomi" and res.note


# --- matching rules --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "text", "code"),
    [
        ("municipality", "HELSINGFORS", "091"),
        ("municipality", "Jyväskylän kaupunki", "179"),
        ("municipality", "Jyvaskyla", "179"),
        ("municipality", "Mustasaari", "499"),
        ("municipality", "Korsholm", "499"),
        ("subregion", "Pielisen-Karjalan", "125"),
        ("subregion", "Pielisen Karjala", "125"),
        ("subregion", "Jakobstadsregionen", "154"),
        ("subregion", "Jyväskylän seutukunta", "131"),
        ("subregion", "Saarijärven–Viitasaaren", "138"),
        ("region", "Keski-Suomen", "13"),
        ("region", "Central Finland", "13"),
        ("region", "Ahvenanmaa - Åland", "21"),
        ("region", "fi1d9", "17"),
        ("fund", "Euroopan sosiaalirahasto", "ESR"),
        ("fund", "Euroopan sosiaalirahaston (ESR) rahoittaman hankkeen kuvaus", "ESR"),
        ("fund", "European Regional Development Fund", "EAKR"),
        ("fund", "eakr", "EAKR"),
        ("fund", "ESR+", "ESRplus"),
        ("organisation_type", "muu järjestö tai yhdistys", "other-association"),
        ("organisation_type", "Säätiö", "foundation"),
        ("status", "Toiminta päättynyt", "activity-ended"),
        ("status", "Toiminnassa", "active"),
        ("status", "Päättynyt", "closed"),
        ("sustainability_criterion", "Natura 2000-ohjelman kohteet 0 0", "natura-2000"),
        ("sustainability_criterion", "Ekologinen kestävyys", "ecological"),
        ("gender_question", "Hankkeen päätavoite on sukupuolten tasa-arvon edistäminen: Ei", "primary-objective"),
        ("gender_question", "environment_analysis", "environment-analysis"),
        ("gender_question", "mainstreaming", "mainstreaming"),
        ("programme_period", "2014–2020", "2014-2020"),
        ("programme_period", "Kestävää kasvua ja työtä 2014–2020", "2014-2020"),
        ("programme_period", "2014FI16M2OP001", "2014-2020"),
        ("programme_period", "2007-2013", "2007-2013"),
    ],
)
def test_variants_resolve(r: Resolver, method: str, text: str, code: str) -> None:
    assert _code(getattr(r, method)(text)) == code


def test_priority_axis_needs_the_fund_when_the_name_is_shared(r: Resolver) -> None:
    ambiguous = r.priority_axis(None, "Tekninen tuki")
    assert ambiguous.concept is None and len(ambiguous.candidates) == 2
    assert _code(r.priority_axis(None, "Tekninen tuki", "ESR")) == "2014-2020/7"
    assert _code(r.priority_axis(None, "Tekninen tuki", "EAKR")) == "2014-2020/6"


def test_disagreements_are_noted_not_hidden(r: Resolver) -> None:
    res = r.priority_axis("3", "Pk-yritystoiminnan kilpailukyky", "EAKR")
    assert _code(res) == "2014-2020/3"
    assert res.note and "differs" in res.note and "EAKR" in res.note
    res = r.specific_objective("10.1", "Uuden liiketoiminnan luominen")
    assert _code(res) == "2014-2020/10.1" and res.note and "differs" in res.note
    assert r.specific_objective("99.9").concept is None


def test_unknown_names_give_candidates(r: Resolver) -> None:
    res = r.municipality("Jyväskylä-city")
    assert res.concept is None and res.candidates == ("Jyväskylä",)
    assert res.note and "Jyväskylä" in res.note
    res = r.authority("Keski-Suomen liito")
    assert res.concept is None and "Keski-Suomen liitto" in res.candidates
    assert 0 < len(r.region("Pohjois-Pohjanmaan maakuntaa").candidates) <= 3


@pytest.mark.parametrize("junk", [None, "", "   ", "???", "-", "x" * 500, "12345", "Tekninen tuki"])
def test_junk_never_raises(r: Resolver, junk: str | None) -> None:
    for method in ("municipality", "subregion", "region", "authority", "fund", "organisation_type", "status", "programme_period",
                   "sustainability_criterion", "gender_question"):
        res = getattr(r, method)(junk)
        assert isinstance(res, Resolution)
        assert len(res.candidates) <= 3
    assert isinstance(r.priority_axis(junk, junk, junk), Resolution)
    assert isinstance(r.specific_objective(junk, junk), Resolution)


def test_normalise_folds_dashes_case_and_punctuation() -> None:
    assert normalise("Saarijärven–Viitasaaren") == normalise("saarijärven-viitasaaren") == "saarijärven viitasaaren"
    assert normalise("Keski-Suomen ELY-keskus.") == normalise("KESKI SUOMEN ELY KESKUS")


def test_module_docstring_examples_run() -> None:
    result = doctest.testmod(resolve_module)
    assert result.failed == 0 and result.attempted > 0
