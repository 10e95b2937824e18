"""The three SHACL engines give the same findings: esrgraph's fast validator, its pyshacl path and Jena's.

Apache Jena's SHACL engine (Debian's libapache-jena-java, set up by tests/jena.py) is the independent
reference. Compared per data file: the set of (focus node, source shape, severity, result path, value)
of every result, values as rdflib terms (so ``1`` and ``"1"^^xsd:integer`` are one value) and blank
nodes as "a blank node". Messages and constraint components are not compared: engines word and
attribute results in their own ways, which SHACL allows.

The data: every shape example (tests/shapes/<rule>/*.ttl) and a build of the bundled samples with
injected faults (``FAULTS``), whose findings must all be there, so agreement cannot be vacuous.

Cost: Jena validates everything in one JVM (a few seconds) and the fast validator takes milliseconds a
file, but pyshacl takes about 0.7 s an example (it parses every SPARQL constraint on each run), two
minutes for all of them. So the examples are compared three ways only with ``--slow``; the default run
compares the fast validator with Jena on every example (test_fastvalidate.py compares it with pyshacl
on every example, so together the three are compared) and all three on the built graph.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import pytest
import rdflib
from rdflib.namespace import SH
from rdflib.util import from_n3

import esrgraph
from esrgraph.core.vocab import ESR, ESRSH
from esrgraph.pipeline.result import BuildResult
from esrgraph.validation.fast.compiler import compile_shapes
from esrgraph.validation.fast.runtime import FastValidator, store_of
from esrgraph.validation.report import ShaclResult, shapes_files, validate_graph
from jena import JenaShacl, JenaUnavailable, set_up
from repo_paths import REPO, SHARED, TESTS

EXAMPLES = sorted((TESTS / "shapes").glob("*/*.ttl"))
SAMPLES = REPO / "data" / "samples"

#: How a blank node is compared: engines label them differently, and none of ours should matter.
BLANK = "a blank node"
Term = rdflib.term.Node | str


class Result(NamedTuple):
    """What is compared of one sh:ValidationResult."""

    focus: Term
    shape: Term
    severity: Term
    path: Term | None
    value: Term | None


def _example_id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


# ------------------------------------------------------------------ the built graph's faults


@dataclass(frozen=True)
class Fault:
    """An edit of a copy of one sample (``old``, which it holds once, becomes ``new``) and the rules it must set off."""

    file: str
    old: str
    new: str
    shacl: tuple[str, ...] = ()  # shapes whose results every engine must give
    pipeline: tuple[str, ...] = ()  # rules the build reports outside SHACL (parse, mapping)


FAULTS = (
    Fault("S21093.txt", "Y-tunnus: 2542088-8", "Y-tunnus: 2542088-7", shacl=("O03-business-id-check-digit",)),
    Fault("S21093.txt", "Toiminnan tila: Toiminta päättynyt", "Toiminnan tila: Toiminta keskeytetty kuuhun",
          pipeline=("unresolved-code",)),  # an unknown status: the mapping reports it and leaves it out
    Fault("S21093.txt", "näistä maahanmuuttajia 6,6 %.",
          "näistä maahanmuuttajia 6,6 %. Kysy lisää: hanke@example.fi tai 040 123 4567.",
          shacl=("Q05-no-email-in-free-text", "Q06-no-phone-in-free-text")),
    Fault("S20885.txt", "Alkaa 1.1.2017 ja päättyy 31.12.2018", "Alkaa 1.1.2019 ja päättyy 31.12.2018",
          shacl=("P07-start-not-after-end",)),
    Fault("S20885.txt", "Myönnetty EU- ja valtion rahoitus: 281 250", "Myönnetty EU- ja valtion rahoitus: 0",
          shacl=("Q03-granted-funding-not-zero", "W01-realised-funding-within-granted")),
    Fault("S21199.txt", "Toteutunut EU- ja valtion rahoitus: 89 108", "Toteutunut EU- ja valtion rahoitus: 99 108",
          shacl=("W01-realised-funding-within-granted",)),
    Fault("S21199.txt", "Toteutunut julkinen rahoitus yhteensä: 89 108",
          "Toteutunut julkinen rahoitus yhteensä: 95 000", shacl=("W02-realised-public-within-planned",)),
    Fault("S21199.txt", "Alkaa 1.1.2018 ja päättyy 31.12.2019", "Alkaa 1.1.2018 ja päättyy 31.9.2019",
          shacl=("W09-project-has-end-date",), pipeline=("unreadable-value",)),  # no 31 September: left out
    Fault("S21860.txt", "Kunnat: Mikkeli", "Kunnat: Mikkeli, Helsinki", shacl=("C01-municipality-in-project-region",)),
    Fault("S21860.txt", "Erityistavoite: 10.1. Työelämän ulkopuolella olevien työ- ja toimintakyvyn parantaminen",
          "Erityistavoite: 6.1. Nuorten ja muiden heikossa työmarkkina-asemassa olevien työllistymisen edistäminen",
          shacl=("C03-objective-belongs-to-axis",)),  # an objective of axis 3 under axis 5
    Fault("S21860.txt", "Y-tunnus: 2253658-6", "Y-tunnus: 0116480-8",  # S21199's applicant's id, another name
          shacl=("Q07-business-id-names-agree",)),
    Fault("S20398.txt", "Budjetti: 100000-500000 €", "Budjetti: 500000-100000 €",
          shacl=("P14-budget-min-not-above-max",)),
)


@dataclass(frozen=True)
class FaultyBuild:
    result: BuildResult
    out: Path

    @property
    def graph_file(self) -> Path:
        return self.out / "esrgraph.ttl"


@pytest.fixture(scope="module")
def faulty_build(tmp_path_factory: pytest.TempPathFactory) -> FaultyBuild:
    """The bundled samples with FAULTS injected into copies, built into OUT with the library API."""
    inputs = tmp_path_factory.mktemp("faulty-samples")
    for sample in sorted(SAMPLES.glob("*.txt")):
        shutil.copy(sample, inputs / sample.name)
    for fault in FAULTS:
        path = inputs / fault.file
        text = path.read_text(encoding="utf-8")
        assert text.count(fault.old) == 1, f"data/samples/{fault.file} no longer holds {fault.old!r} once: update FAULTS"
        path.write_text(text.replace(fault.old, fault.new), encoding="utf-8")
    result = esrgraph.run_build([inputs])
    out = tmp_path_factory.mktemp("faulty-out")
    esrgraph.write_outputs(result, out)
    return FaultyBuild(result, out)


# ------------------------------------------------------------------ the three engines


@pytest.fixture(scope="session")
def jena(tmp_path_factory: pytest.TempPathFactory) -> JenaShacl:
    """Jena set up in this session's own folder (installed from Debian when root and missing), or a skip."""
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} not found: the Jena reference engine's set-up lives in ../shared/ beside the checkout")
    try:
        return set_up(tmp_path_factory.mktemp("jena"))
    except JenaUnavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="module")
def jena_results(
    jena: JenaShacl, faulty_build: FaultyBuild, tmp_path_factory: pytest.TempPathFactory
) -> dict[Path, frozenset[Result]]:
    """Jena's results for every example and the faulty build's graph, from one JVM."""
    data = [*EXAMPLES, faulty_build.graph_file]
    reports = jena.validate(shapes_files(None), data, tmp_path_factory.mktemp("jena-reports"))
    return {path: jena_report_results(report) for path, report in zip(data, reports, strict=True)}


@pytest.fixture(scope="module")
def fast_validator() -> FastValidator:
    return compile_shapes(None)


def _node(text: str) -> Term:
    return BLANK if text.startswith("_:") else rdflib.URIRef(text)


def _term(term: rdflib.term.Node | None) -> Term | None:
    return BLANK if isinstance(term, rdflib.BNode) else term


def esrgraph_results(results: list[ShaclResult]) -> frozenset[Result]:
    """Our ShaclResults (IRIs as text, literal values as N3) as comparable terms."""
    out = set()
    for r in results:
        value: Term | None = None
        if r.value is not None:
            value = from_n3(r.value) if r.value_is_literal else _node(r.value)
        out.add(Result(_node(r.focus), _node(r.source_shape), rdflib.URIRef(r.severity),
                       rdflib.URIRef(r.path) if r.path else None, value))
    return frozenset(out)


def jena_report_results(report: rdflib.Graph) -> frozenset[Result]:
    """The results of a SHACL report graph as comparable terms."""
    out = set()
    for node in report.subjects(rdflib.RDF.type, SH.ValidationResult):
        focus, shape, severity = (_term(report.value(node, p)) for p in (SH.focusNode, SH.sourceShape, SH.resultSeverity))
        assert focus is not None and shape is not None and severity is not None, f"an incomplete result: {node}"
        out.add(Result(focus, shape, severity, _term(report.value(node, SH.resultPath)), _term(report.value(node, SH.value))))
    return frozenset(out)


def esrgraph_engines(graph: rdflib.Graph, fast_validator: FastValidator) -> dict[str, frozenset[Result]]:
    """The fast validator's and pyshacl's results for ``graph``."""
    ntriples = graph.serialize(format="nt", encoding="utf-8")
    return {
        "fast": esrgraph_results(fast_validator.validate(store_of(ntriples)).results),
        "pyshacl": esrgraph_results(validate_graph(graph).results),
    }


# ------------------------------------------------------------------ comparing


_NAMES = rdflib.Graph(bind_namespaces="none").namespace_manager
for _prefix, _namespace in (("esr", ESR), ("xsd", "http://www.w3.org/2001/XMLSchema#"), ("code", "https://w3id.org/esrgraph/code/")):
    _NAMES.bind(_prefix, _namespace)


def _short(term: Term | None) -> str:
    """A term as the failure messages show it: shapes and severities by name, others in Turtle."""
    if term is None:
        return "-"
    if not isinstance(term, rdflib.term.Identifier):
        return str(term)  # BLANK
    if isinstance(term, rdflib.URIRef) and str(term).startswith((ESRSH, str(SH))):
        return str(term).rsplit("#", 1)[-1]
    if isinstance(term, rdflib.Literal) and len(term) > 100:  # a whole summary: its start and its length
        start = " ".join(str(term)[:70].split())
        return f"{rdflib.Literal(start + '…', lang=term.language, datatype=term.datatype).n3(_NAMES)} ({len(term)} characters)"
    return term.n3(_NAMES)


def describe(r: Result) -> str:
    return f"{_short(r.shape)} ({_short(r.severity)}) | focus {_short(r.focus)} | path {_short(r.path)} | value {_short(r.value)}"


def disagreement(by_engine: Mapping[str, frozenset[Result]]) -> str:
    """'' when every engine gave the same results, else which engine reported what."""
    everything = sorted(frozenset().union(*by_engine.values()), key=describe)
    groups: dict[tuple[str, ...], list[Result]] = {}
    for result in everything:
        groups.setdefault(tuple(name for name, results in by_engine.items() if result in results), []).append(result)
    everyone = tuple(by_engine)
    if set(groups) <= {everyone}:
        return ""
    lines = []
    for who, results in sorted(groups.items()):
        if who != everyone:
            missing = ", ".join(name for name in everyone if name not in who)
            lines.append(f"  reported by {', '.join(who)}; not by {missing}:")
            lines += [f"    {describe(r)}" for r in results]
    lines.append("  reported by all:")
    lines += [f"    {describe(r)}" for r in groups.get(everyone, [])] or ["    nothing"]
    return "\n".join(lines)


def assert_agree(what: str, by_engine: Mapping[str, frozenset[Result]]) -> None:
    diff = disagreement(by_engine)
    assert not diff, f"{what}: the SHACL engines disagree\n{diff}"


# ------------------------------------------------------------------ the tests


def test_comparison_sees_what_differs() -> None:
    """The comparison itself: blank nodes and literal spellings are one; any other difference is named."""
    integer = rdflib.URIRef("http://www.w3.org/2001/XMLSchema#integer")
    shape, focus = rdflib.URIRef(ESRSH + "P15-companies-planned-count"), rdflib.URIRef("https://example.org/p")
    ours = esrgraph_results([ShaclResult(str(SH.Violation), str(focus), ESR + "plannedCompanies", '"01"^^<' + integer + ">",
                                         True, "_:b0", str(SH.MinInclusiveConstraintComponent), "m")])
    report = rdflib.Graph().parse(format="turtle", data=f"""
        @prefix sh: <{SH}> .
        [] a sh:ValidationResult ; sh:focusNode <{focus}> ; sh:sourceShape [] ; sh:resultSeverity sh:Violation ;
           sh:resultPath <{ESR}plannedCompanies> ; sh:value 1 .""")
    theirs = jena_report_results(report)
    assert not disagreement({"fast": ours, "jena": theirs})
    other = Result(focus, shape, SH.Warning, None, None)
    diff = disagreement({"fast": ours, "pyshacl": ours, "jena": theirs | {other}})
    assert "reported by jena; not by fast, pyshacl:" in diff and "P15-companies-planned-count (Warning)" in diff


def test_all_examples_go_to_jena(jena_results: dict[Path, frozenset[Result]]) -> None:
    # Guards the comparisons below against passing on nothing: examples exist and Jena flags the invalid ones.
    assert len(EXAMPLES) > 100
    silent = [_example_id(p) for p in EXAMPLES if p.name.startswith("invalid-") and not jena_results[p]]
    assert not silent, f"Jena reports nothing on these invalid examples: {silent}"


@pytest.mark.parametrize("path", EXAMPLES, ids=[_example_id(p) for p in EXAMPLES])
def test_example_fast_validator_and_jena_agree(
    path: Path, jena_results: dict[Path, frozenset[Result]], fast_validator: FastValidator
) -> None:
    graph = rdflib.Graph().parse(path, format="turtle")
    fast = esrgraph_results(fast_validator.validate(store_of(graph.serialize(format="nt", encoding="utf-8"))).results)
    assert_agree(f"tests/shapes/{_example_id(path)}.ttl", {"fast": fast, "jena": jena_results[path]})


@pytest.mark.slow  # pyshacl: about two minutes for all examples
@pytest.mark.parametrize("path", EXAMPLES, ids=[_example_id(p) for p in EXAMPLES])
def test_example_all_three_engines_agree(
    path: Path, jena_results: dict[Path, frozenset[Result]], fast_validator: FastValidator
) -> None:
    graph = rdflib.Graph().parse(path, format="turtle")
    by_engine = {**esrgraph_engines(graph, fast_validator), "jena": jena_results[path]}
    assert_agree(f"tests/shapes/{_example_id(path)}.ttl", by_engine)


def test_built_graph_with_injected_faults(
    faulty_build: FaultyBuild, jena_results: dict[Path, frozenset[Result]], fast_validator: FastValidator
) -> None:
    graph = rdflib.Graph().parse(faulty_build.graph_file, format="turtle")
    by_engine = {**esrgraph_engines(graph, fast_validator), "jena": jena_results[faulty_build.graph_file]}
    assert_agree(f"{faulty_build.graph_file} (samples with injected faults)", by_engine)

    expected = {rule for fault in FAULTS for rule in fault.shacl}
    for engine, results in by_engine.items():
        rules = {str(r.shape).removeprefix(ESRSH) for r in results}
        assert rules == expected, (
            f"{engine}: injected faults not found: {sorted(expected - rules)}; unexpected rules: {sorted(rules - expected)}"
        )
    build_rules = {f.rule for f in faulty_build.result.findings}
    missing = {rule for fault in FAULTS for rule in (*fault.shacl, *fault.pipeline)} - build_rules
    assert not missing, f"the build's own findings lack {sorted(missing)}"
    assert faulty_build.result.exit_code == 1  # the Violations (O03, P07, P14) fail the build
