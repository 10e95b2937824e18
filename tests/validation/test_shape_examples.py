"""Every SHACL shape has a conforming and a non-conforming example, and each fails as intended.

``tests/shapes/<rule id>/valid-*.ttl`` must give no validation result of any severity;
``invalid-*.ttl`` must give exactly the results its header announces (see tests/shapehelpers.py),
all from the shape under test except ``also`` lines, which name a result another shape
necessarily reports for the same value. Examples are whole, small graphs of one project
(S21093) with its source record, organisation, assessment nodes and SKOS concepts, validated
with ``esrgraph.validate.validate_graph`` against all shapes, as users run it.

The meta-test lists the shapes in ``shapes/*.ttl`` and fails when one has no valid or no
invalid example, so a new shape needs its examples in the same change.
"""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest
import rdflib
from pyshacl.entrypoints import meta_validate  # pyshacl's validate(meta_shacl=True) uses the same graph
from rdflib.namespace import RDF, SH, SKOS
from stdnum.fi import ytunnus

from esrgraph.core.vocab import ESRSH
from esrgraph.validation.report import ValidationReport, validate_graph
from shapehelpers import (
    EXAMPLES_DIR,
    SHAPES_DIR,
    describe,
    example_files,
    load_shapes_graph,
    parse_header,
    result_terms,
    rule_shapes,
)

ESRSH_NS = rdflib.Namespace(ESRSH)
SHAPES = load_shapes_graph()
RULES = rule_shapes(SHAPES)
VALID = example_files("valid-")
INVALID = example_files("invalid-")


def _ids(paths: list[Path]) -> list[str]:
    return [f"{p.parent.name}/{p.stem}" for p in paths]


def _load(path: Path) -> rdflib.Graph:
    return rdflib.Graph().parse(path, format="turtle")


# ------------------------------------------------------------------ coverage


def test_shapes_are_found() -> None:
    # Guards the meta-test below: if shape discovery broke, it would pass vacuously.
    assert "P07-start-not-after-end" in RULES
    assert "O03-business-id-check-digit" in RULES  # a node shape with a SPARQL constraint
    assert "W12-project-has-funding-figure" in RULES  # a node shape with sh:or
    assert "ProjectShape" not in RULES  # groups property shapes, no constraint of its own
    assert "core" not in RULES  # the owl:Ontology holding sh:declare


def test_every_shape_has_valid_and_invalid_examples() -> None:
    missing = []
    for rule in RULES:
        folder = EXAMPLES_DIR / rule
        for kind in ("valid", "invalid"):
            if not list(folder.glob(f"{kind}-*.ttl")):
                missing.append(f"tests/shapes/{rule}/{kind}-*.ttl")
    assert not missing, "shapes without examples (add a conforming and a non-conforming file):\n" + "\n".join(missing)


def test_every_example_folder_names_a_shape() -> None:
    folders = sorted(p.name for p in EXAMPLES_DIR.iterdir() if p.is_dir())
    stale = [name for name in folders if name not in RULES]
    assert not stale, f"example folders for shapes that do not exist (renamed?): {stale}"
    for folder in folders:
        odd = [p.name for p in (EXAMPLES_DIR / folder).iterdir() if not p.name.startswith(("valid-", "invalid-"))]
        assert not odd, f"{folder}: files that are neither valid-* nor invalid-*: {odd}"


# ------------------------------------------------------------------ examples


@pytest.mark.parametrize("path", VALID, ids=_ids(VALID))
def test_valid_example_gives_no_result(path: Path) -> None:
    graph = _load(path)
    assert not [e for e in parse_header(path, graph)], f"{path.name}: a valid example announces results"
    report = validate_graph(graph)
    assert report.results == [], "\n".join(describe(r) for r in report.results)


@pytest.mark.parametrize("path", INVALID, ids=_ids(INVALID))
def test_invalid_example_fails_on_exactly_the_intended_shape(path: Path) -> None:
    graph = _load(path)
    rule = ESRSH_NS[path.parent.name]
    expected = parse_header(path, graph)
    assert any(e.kind == "expect" for e in expected), f"{path.name}: no '# expect:' line in the header"
    for e in expected:
        if e.kind == "expect":
            assert e.source_shape == rule, f"{path.name}: expect line names another shape: {e.line}"
        else:
            assert e.source_shape != rule, f"{path.name}: an also line names the shape under test: {e.line}"

    report = validate_graph(graph)
    results = list(report.results)
    unmatched = list(expected)
    surplus = []
    for result in results:
        hit = next((e for e in unmatched if e.matches(result)), None)
        if hit is None:
            surplus.append(result)
        else:
            unmatched.remove(hit)
    message = (
        "results not announced in the header:\n  " + "\n  ".join(describe(r) for r in surplus)
        + "\nheader lines without a result:\n  " + "\n  ".join(e.line for e in unmatched)
    )
    assert not surplus and not unmatched, message

    # Each result carries the severity its shape declares (core: Violation, recommended: Warning).
    for result in results:
        declared = SHAPES.value(rdflib.URIRef(result.source_shape), SH.severity) or SH.Violation
        assert result.severity == str(declared), describe(result)


def test_header_values_are_checked() -> None:
    # The header parser must notice a wrong value: this P07 example claims the end date.
    path = EXAMPLES_DIR / "P07-start-not-after-end" / "invalid-01-start-after-end.ttl"
    graph = _load(path)
    (expected,) = parse_header(path, graph)
    (result,) = validate_graph(graph).results
    assert expected.matches(result)
    assert result_terms(result)[3] == rdflib.Literal("2019-09-01", datatype=rdflib.XSD.date)
    wrong = type(expected)(**{**expected.__dict__, "value": rdflib.Literal("2019-08-31", datatype=rdflib.XSD.date)})
    assert not wrong.matches(result)


# ------------------------------------------------------------------ the shapes files themselves


@pytest.mark.parametrize("path", sorted(SHAPES_DIR.glob("*.ttl")), ids=lambda p: p.name)
def test_shapes_file_is_valid_shacl(path: Path) -> None:
    """Each shapes file conforms to SHACL-for-SHACL (pyshacl's meta-shacl shapes)."""
    conforms, _graph, text = meta_validate(rdflib.Graph().parse(path, format="turtle"), inference="none")
    assert conforms, text


def test_meta_shacl_catches_a_broken_shape() -> None:
    broken = rdflib.Graph().parse(
        data="""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <https://example.org/> .
        ex:S a sh:PropertyShape ; sh:path ex:p ; sh:minCount "one" .""",
        format="turtle",
    )
    conforms, _graph, _text = meta_validate(broken, inference="none")
    assert not conforms


@pytest.mark.parametrize("rule", list(RULES), ids=list(RULES))
def test_shape_is_documented(rule: str) -> None:
    shape = RULES[rule]
    missing = [p for p in ("name", "description") if SHAPES.value(shape, SH[p]) is None]
    messages = list(SHAPES.objects(shape, SH.message)) + [
        m for c in SHAPES.objects(shape, SH.sparql) for m in SHAPES.objects(c, SH.message)
    ]
    if not messages:
        missing.append("message")
    if SHAPES.value(shape, ESRSH_NS.category) is None:
        missing.append("esrsh:category")
    assert not missing, f"esrsh:{rule} lacks {', '.join(missing)}"
    assert SHAPES.value(shape, SH.severity) in (SH.Violation, SH.Warning, SH.Info)


# ------------------------------------------------------------------ O03 against python-stdnum


def _check_digit(base: str) -> int | None:
    """The check digit of a seven-digit base, None when the remainder is 1 (never issued)."""
    rest = sum(w * int(d) for w, d in zip((7, 9, 10, 5, 8, 4, 2), base)) % 11
    return None if rest == 1 else (0 if rest == 0 else 11 - rest)


def _organisations(ids: set[str]) -> rdflib.Graph:
    org = rdflib.Namespace("https://data.example.fi/esr/organisation/")
    graph = rdflib.Graph()
    for i in sorted(ids):
        node = org[i]
        graph.add((node, RDF.type, rdflib.URIRef("http://www.w3.org/ns/org#Organization")))
        registration = rdflib.URIRef(f"{node}/registration")
        graph.add((node, rdflib.URIRef("http://www.w3.org/ns/regorg#registration"), registration))
        graph.add((registration, SKOS.notation, rdflib.Literal(i)))
        graph.add((node, SKOS.prefLabel, rdflib.Literal(f"Yhdistys {i} ry", lang="fi")))
    return graph


def _flagged_by_o03(report: ValidationReport) -> set[str]:
    o03 = str(ESRSH_NS["O03-business-id-check-digit"])
    others = Counter(r.source_shape for r in report.results if r.source_shape != o03)
    assert not others, others
    return {str(rdflib.util.from_n3(r.value)) for r in report.results if r.source_shape == o03}


def test_check_digit_rule_agrees_with_stdnum() -> None:
    """O03 flags exactly the Y-tunnus python-stdnum rejects: 405 of them through the fast validator (what a
    build runs), and the first 120 through pyshacl, the reference (which takes most of a minute per 100 here)."""
    from esrgraph.validation.fast import validate_store
    from esrgraph.validation.fast.runtime import store_of

    rng = random.Random(20261123)
    ids: set[str] = set()
    while len(ids) < 400:
        base = f"{rng.randrange(10**7):07d}"
        right = _check_digit(base)
        digit = right if right is not None and rng.random() < 0.5 else rng.randrange(10)
        ids.add(f"{base}-{digit}")
    ids |= {"2542088-8", "0116480-8", "0944845-0", "2542087-0", "0000000-0"}
    rejected = {i for i in ids if not ytunnus.is_valid(i)}
    # Both outcomes are well represented, including remainder 1 (stdnum rejects every digit).
    assert 100 < len(rejected) < 300
    assert any(_check_digit(i[:7]) is None for i in rejected)

    graph = _organisations(ids)
    flagged = _flagged_by_o03(validate_store(store_of(graph.serialize(format="nt", encoding="utf-8"))))
    assert flagged == rejected, (sorted(flagged - rejected)[:10], sorted(rejected - flagged)[:10])
    some = set(sorted(ids)[:120])
    assert 20 < len(some & rejected) < 100 and any(_check_digit(i[:7]) is None for i in some & rejected)
    assert _flagged_by_o03(validate_graph(_organisations(some))) == some & rejected
