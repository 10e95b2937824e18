"""The vocabulary file and the code that uses it stay in step."""

from __future__ import annotations

import re
from pathlib import Path

import rdflib
from rdflib.namespace import OWL, RDF, RDFS

import esrgraph
from esrgraph.core.resources import ontology_file
from repo_paths import REPO

ESR = "https://w3id.org/esrgraph/ontology#"
SRC = Path(esrgraph.__file__).resolve().parent


def _ontology() -> rdflib.Graph:
    return rdflib.Graph().parse(ontology_file())


def _defined_terms(g: rdflib.Graph) -> set[str]:
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
    return {str(s) for kind in kinds for s in g.subjects(RDF.type, kind) if str(s).startswith(ESR)}


def test_every_esr_term_the_code_writes_is_defined() -> None:
    used: set[str] = set()
    for module in SRC.rglob("*.py"):
        text = module.read_text(encoding="utf-8")
        used |= {ESR + m for m in re.findall(r'ESR \+ "([A-Za-z]+)"', text)}
        used |= {ESR + m for m in re.findall(r'\besr\("([A-Za-z]+)"\)', text)}
    assert used, "the scan found no esr: terms; has the mapping's style changed?"
    missing = sorted(used - _defined_terms(_ontology()))
    assert not missing, f"used in code but not defined in ontology/esr.ttl: {missing}"


def test_every_term_has_finnish_and_english_label_and_definition() -> None:
    g = _ontology()
    problems = []
    for term in sorted(_defined_terms(g)):
        node = rdflib.URIRef(term)
        labels = {lit.language for lit in g.objects(node, RDFS.label)}
        comments = {lit.language for lit in g.objects(node, RDFS.comment)}
        if not {"fi", "en"} <= labels:
            problems.append(f"{term}: labels {sorted(labels)}")
        if not {"fi", "en"} <= comments:
            problems.append(f"{term}: definitions {sorted(comments)}")
    assert not problems, problems


def test_ontology_version_matches_the_package() -> None:
    g = _ontology()
    ontology = next(g.subjects(RDF.type, OWL.Ontology))
    assert str(g.value(ontology, OWL.versionInfo)) == esrgraph.__version__
    assert str(g.value(ontology, OWL.versionIRI)).endswith("/" + esrgraph.__version__)


def test_properties_have_domains_or_ranges_that_are_defined_or_external() -> None:
    g = _ontology()
    for prop in g.subjects(RDF.type, OWL.ObjectProperty):
        for rng in g.objects(prop, RDFS.range):
            if str(rng).startswith(ESR):
                assert str(rng) in _defined_terms(g), (prop, rng)


def test_vocabulary_page_lists_every_term_of_ours() -> None:
    page = (REPO / "docs" / "vocabulary.md").read_text(encoding="utf-8")
    missing = [t for t in sorted(_defined_terms(_ontology())) if f"`esr:{t[len(ESR):]}`" not in page]
    assert not missing, f"docs/vocabulary.md does not list: {missing}"


def test_vocabulary_page_names_every_reused_term_the_mapping_writes() -> None:
    page = (REPO / "docs" / "vocabulary.md").read_text(encoding="utf-8")
    text = (SRC / "mapping" / "mapper.py").read_text(encoding="utf-8")
    prefixes = {"DCTERMS": "dcterms", "ROV": "rov", "SCHEMA": "schema", "SKOS": "skos", "FOAF": "foaf", "PROV": "prov", "ORG": "org", "ADMS": "adms"}
    used = {f"{prefixes[ns]}:{local}" for ns, local in re.findall(r'\b(DCTERMS|ROV|SCHEMA|SKOS|FOAF|PROV|ORG|ADMS) \+ "([A-Za-z]+)"', text)}
    assert used
    missing = sorted(term for term in used if f"`{term}`" not in page)
    assert not missing, f"docs/vocabulary.md does not name: {missing}"
