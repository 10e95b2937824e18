"""The code-list files stay reviewable, and their SKOS form is complete and stable."""

from __future__ import annotations

import csv
import doctest
import re
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import DCTERMS, RDF, SKOS

import esrgraph.mapping.codelists as codelists_module
from esrgraph.core.vocab import CODE
from esrgraph.mapping.codelists import (
    SCHEME_FILES,
    CodeLists,
    _sort_key,
    concept_iri,
    default_directory,
    skos_ntriples,
    skos_triples,
)
from repo_paths import REPO

ROOT = REPO
DATA = ROOT / "data" / "codelists"
SAMPLES = ROOT / "data" / "samples"
SCHEMA = rdflib.Namespace("https://schema.org/")
NUTS = rdflib.Namespace("http://data.europa.eu/nuts/code/")
CSV_FILES = sorted(DATA.glob("*.csv"))


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


# --- the files ------------------------------------------------------------------------


def test_every_scheme_file_exists_and_is_listed_in_schemes_csv() -> None:
    _, rows = _rows(DATA / "schemes.csv")
    assert {r[0]: r[1] for r in rows} == SCHEME_FILES
    assert all((DATA / name).is_file() for name in SCHEME_FILES.values())


@pytest.mark.parametrize("path", CSV_FILES, ids=lambda p: p.name)
def test_csv_is_tidy_and_sorted_by_code(path: Path) -> None:
    header, rows = _rows(path)
    assert rows, "a code list without rows"
    assert len(set(header)) == len(header)
    for number, row in enumerate(rows, start=2):
        assert len(row) == len(header), f"{path.name}:{number} has {len(row)} cells"
        for cell in row:
            assert cell == cell.strip() and "  " not in cell, f"{path.name}:{number} stray spaces in {cell!r}"
    keys = [_sort_key(r[0]) for r in rows]
    assert keys == sorted(keys), f"{path.name} is not sorted by its first column"
    if path.name == "code-shapes.csv":  # one row per shape, several per period: the pattern is the key
        assert len({r[header.index("pattern")] for r in rows}) == len(rows), "duplicate patterns in code-shapes.csv"
    elif path.name != "municipalities.csv":  # one row per validity period there
        assert len({r[0] for r in rows}) == len(rows), f"duplicate codes in {path.name}"


def test_readme_names_every_file_its_source_and_licence() -> None:
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    for path in CSV_FILES:
        assert f"`{path.name}`" in readme, f"README.md does not describe {path.name}"
    assert "CC BY 4.0" in readme and "2014FI16M2OP001" in readme


# --- loading ------------------------------------------------------------------------


def test_load_is_cached(lists: CodeLists) -> None:
    assert CodeLists.load() is lists


def test_default_directory_has_the_files() -> None:
    assert default_directory().joinpath("schemes.csv").is_file()


def test_from_directory_reads_a_copy(tmp_path: Path) -> None:
    for path in DATA.glob("*.csv"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    copy = CodeLists.from_directory(tmp_path)
    assert [c.iri for c in copy] == [c.iri for c in CodeLists.load()]


def test_a_missing_scheme_is_reported(tmp_path: Path) -> None:
    for path in DATA.glob("*.csv"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    schemes = (tmp_path / "schemes.csv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "schemes.csv").write_text("\n".join(line for line in schemes if not line.startswith("status,")) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="status"):
        CodeLists.from_directory(tmp_path)


def test_concept_iris_follow_the_one_rule(lists: CodeLists) -> None:
    for concept in lists:
        assert concept.iri == f"{CODE}{concept.scheme}/{concept.notation}"
        assert concept.labels.get("fi"), concept.iri
        assert lists.by_iri(concept.iri) is concept


def test_broader_concepts_exist(lists: CodeLists) -> None:
    for concept in lists:
        for broader in concept.broader:
            assert lists.by_iri(broader) is not None, f"{concept.iri} -> {broader}"


def test_concepts_are_hashable_and_immutable(lists: CodeLists) -> None:
    concept = lists.get("region", "13")
    assert concept is not None
    assert concept in {concept}
    with pytest.raises(AttributeError):
        concept.notation = "14"  # type: ignore[misc]


def test_scheme_sizes(lists: CodeLists) -> None:
    sizes = {name: len(lists.in_scheme(name)) for name in lists.schemes}
    assert sizes["municipality"] == 320
    assert sizes["subregion"] == 70
    assert sizes["region"] == 19
    axes_by_period = Counter(c.extra["period"] for c in lists.in_scheme("priority-axis"))
    assert axes_by_period == {"2007-2013": 24, "2014-2020": 9, "2021-2027": 7}
    assert sizes["programme"] == 11
    assert sizes["programme-part"] == 5
    assert sizes["gender-question"] == 3
    assert len([c for c in lists.in_scheme("authority") if c.extra["kind"] == "ely-centre"]) == 15
    criteria = lists.in_scheme("sustainability-criterion")
    assert len([c for c in criteria if c.broader]) == 15
    assert len([c for c in criteria if not c.broader]) == 3


def test_municipality_periods_are_contiguous(lists: CodeLists) -> None:
    for code, periods in lists.municipality_periods.items():
        for before, after in zip(periods, periods[1:]):
            assert before.valid_to is not None and after.valid_from == before.valid_to + timedelta(days=1), code


def test_mergers_end_the_abolished_municipality(lists: CodeLists) -> None:
    assert len(lists.mergers) == 12
    for merger in lists.mergers.values():
        abolished = lists.get("municipality", merger.abolished_code)
        target = lists.get("municipality", merger.merged_into_code)
        assert abolished is not None and target is not None
        assert abolished.valid_to == merger.effective_date - timedelta(days=1)
        assert target.valid_on(merger.effective_date)


def test_funds_have_three_languages(lists: CodeLists) -> None:
    esr, eakr = lists.get("fund", "ESR"), lists.get("fund", "EAKR")
    assert esr is not None and eakr is not None
    assert esr.labels == {"fi": "Euroopan sosiaalirahasto", "sv": "Europeiska socialfonden", "en": "European Social Fund"}
    assert eakr.labels == {
        "fi": "Euroopan aluekehitysrahasto",
        "sv": "Europeiska regionala utvecklingsfonden",
        "en": "European Regional Development Fund",
    }


def test_objectives_hang_under_axes_and_funds(lists: CodeLists) -> None:
    for objective in lists.in_scheme("specific-objective"):
        (broader,) = objective.broader
        parent = lists.by_iri(broader)
        assert parent is not None
        if objective.extra["axis_verified"] == "yes":
            assert parent.scheme == "priority-axis"
            assert parent.extra["fund"] == objective.extra["fund"]
        else:
            assert parent.scheme == "fund"


def test_ely_long_names_follow_the_pattern(lists: CodeLists) -> None:
    for ely in (c for c in lists.in_scheme("authority") if c.extra["kind"] == "ely-centre"):
        genitive = ely.alt_labels["fi"][0].removesuffix(" ELY-keskus")
        assert ely.labels["fi"] == f"{genitive} elinkeino-, liikenne- ja ympäristökeskus"


def _sample_section(name: str, start: str, end: str) -> str:
    text = (SAMPLES / name).read_text(encoding="utf-8")
    return text[text.index(start) : text.index(end)]


def test_criteria_and_gender_questions_are_the_samples_wording(lists: CodeLists) -> None:
    section = _sample_section("S20885.txt", "8.2 Kestävä kehitys", "9 Loppuraportin")
    lines = {re.sub(r"(\s+\d+)+$", "", line) for line in section.splitlines()}
    for criterion in lists.in_scheme("sustainability-criterion"):
        assert criterion.labels["fi"] in lines, criterion.labels["fi"]
    section = _sample_section("S20885.txt", "8.1 Sukupuolten", "8.2 Kestävä")
    questions = {line.rpartition(":")[0] for line in section.splitlines() if line.endswith((": Ei", ": Kyllä"))}
    assert questions == {q.labels["fi"] for q in lists.in_scheme("gender-question")}


# --- SKOS ----------------------------------------------------------------------------


def test_skos_parses_and_every_concept_is_complete(graph: rdflib.Graph, lists: CodeLists) -> None:
    concepts = set(graph.subjects(RDF.type, SKOS.Concept))
    assert len(concepts) == sum(1 for _ in lists)
    for concept in concepts:
        assert graph.value(concept, SKOS.inScheme) is not None, concept
        assert graph.value(concept, SKOS.notation) is not None, concept
        fi = [o for o in graph.objects(concept, SKOS.prefLabel) if getattr(o, "language", None) == "fi"]
        assert len(fi) == 1, concept
        for broader in graph.objects(concept, SKOS.broader):
            assert (broader, RDF.type, SKOS.Concept) in graph


def test_skos_schemes_have_titles_sources_and_licence(graph: rdflib.Graph) -> None:
    schemes = set(graph.subjects(RDF.type, SKOS.ConceptScheme))
    assert {str(s) for s in schemes} == {CODE + name for name in SCHEME_FILES}
    for scheme in schemes:
        languages = {o.language for o in graph.objects(scheme, DCTERMS.title)}  # type: ignore[attr-defined]
        assert {"fi", "en"} <= languages
        assert graph.value(scheme, DCTERMS.license) is not None
        assert graph.value(scheme, DCTERMS.description) is not None
        assert graph.value(scheme, SKOS.hasTopConcept) is not None


def test_skos_is_deterministic() -> None:
    first, second = list(skos_triples()), list(skos_triples())
    assert first == second
    assert [str(t) for t in first] == [str(t) for t in second]
    assert skos_ntriples() == skos_ntriples()


def test_skos_region_links_every_nuts_version(graph: rdflib.Graph) -> None:
    region = rdflib.URIRef(concept_iri("region", "17"))
    # Vaala joined Pohjois-Pohjanmaa in 2016: the region is close to both its codes, the same as neither (issue 20).
    assert {o for o in graph.objects(region, SKOS.closeMatch) if str(o).startswith(str(NUTS))} == {NUTS.FI1D6, NUTS.FI1D9}
    assert not [o for o in graph.objects(region, SKOS.exactMatch) if str(o).startswith(str(NUTS))]
    assert (NUTS.FI1D6, SKOS.inScheme, rdflib.URIRef("http://data.europa.eu/nuts/scheme/2013")) in graph
    assert (NUTS.FI1D9, SKOS.inScheme, rdflib.URIRef("http://data.europa.eu/nuts/scheme/2024")) in graph
    assert (rdflib.URIRef(concept_iri("region", "21")), SKOS.prefLabel, rdflib.Literal("Åland", lang="sv")) in graph


def test_skos_municipality_links_and_validity(graph: rdflib.Graph) -> None:
    alajarvi = rdflib.URIRef(concept_iri("municipality", "005"))
    jhs = rdflib.URIRef("http://uri.suomi.fi/codelist/jhs/kunta_1_20230101/code/005")
    assert (alajarvi, SKOS.exactMatch, jhs) in graph
    esr = rdflib.Namespace("https://w3id.org/esrgraph/ontology#")
    alajarvi_subregions = {graph.value(p, esr.inSubregion) for p in graph.objects(alajarvi, esr.membershipPeriod)}
    assert alajarvi_subregions == {rdflib.URIRef(concept_iri("subregion", "146"))}
    assert graph.value(alajarvi, SKOS.broader) is None  # sub-regions only on the dated membership periods
    nastola = rdflib.URIRef(concept_iri("municipality", "532"))
    lahti = rdflib.URIRef(concept_iri("municipality", "398"))
    assert (nastola, DCTERMS.isReplacedBy, lahti) in graph
    assert graph.value(nastola, SCHEMA.validThrough) == rdflib.Literal(date(2015, 12, 31))
    assert (nastola, SKOS.exactMatch, rdflib.URIRef("http://uri.suomi.fi/codelist/jhs/kunta_1_20160101/code/532")) not in graph
    # Kuhmoinen moved from Keski-Suomi to Pirkanmaa in 2021: both sub-regions, each on its dated period.
    kuhmoinen = rdflib.URIRef(concept_iri("municipality", "291"))
    periods = list(graph.objects(kuhmoinen, esr.membershipPeriod))
    assert {str(graph.value(p, esr.inSubregion))[-3:] for p in periods} == {"064", "134"}


def test_skos_objective_chain_and_flags(graph: rdflib.Graph) -> None:
    objective = rdflib.URIRef(concept_iri("specific-objective", "2014-2020/10.1"))
    axis = graph.value(objective, DCTERMS.isPartOf)  # across code lists: not skos:broader (issue 20)
    assert axis == rdflib.URIRef(concept_iri("priority-axis", "2014-2020/5"))
    esr = rdflib.Namespace("https://w3id.org/esrgraph/ontology#")
    assert graph.value(axis, esr.financedByFund) == rdflib.URIRef(concept_iri("fund", "ESR"))
    unverified = rdflib.URIRef(concept_iri("specific-objective", "2014-2020/3.1"))
    notes = {str(o) for o in graph.objects(unverified, SKOS.editorialNote)}
    assert any(n.startswith("Not verified") for n in notes)


def test_module_docstring_examples_run() -> None:
    result = doctest.testmod(codelists_module)
    assert result.failed == 0 and result.attempted > 0
