"""The collaboration network's files written from parts kept by their facts: the same bytes as the files written
whole, and after a change only the parts whose facts changed made again."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Triple

from esrgraph.core.vocab import DCTERMS, ESR, SKOS, XSD
from esrgraph.publish import network_parts
from esrgraph.publish.collaboration import (
    COLLABORATION_FILES,
    CollaborationCollector,
    collaboration_network,
    collaboration_turtle,
    edges_csv,
    graphml,
    organisations_csv,
)
from esrgraph.publish.network_parts import (
    KEPT_PART,
    NetworkPart,
    NetworkParts,
    PartGraph,
    PartsMade,
    make_part,
    part_runs,
)
from esrgraph.sparql import store

B = "https://data.example.fi/esr/"
#: Names a writer could get wrong: a formula start, XML's specials, a control character, CR, a NUL, no name.
NAMES = ["Alfa ry", "=SUM(A1)", 'Beta <&> "Oy"', "Gamma\x01\r\nAb", "Delta\x00", "", "Östersundom kylä"]


def _t(s: str, p: str, o: str | Literal) -> Triple:
    return Triple(NamedNode(s), NamedNode(p), NamedNode(o) if isinstance(o, str) else o)


def _graph(seed: int, projects: int = 60, organisations: int = 25) -> list[Triple]:
    """A random graph: projects of one to five organisations, some without a code, an amount or dates, and
    organisations with the names above, some without a name or a business id."""
    rng = random.Random(seed)
    orgs = [f"{B}organisation/{'name/' if i % 3 else ''}o{i:03d}" for i in range(organisations)]
    out: list[Triple] = []
    for i, org in enumerate(orgs):
        if i % 7:
            out.append(_t(org, SKOS + "prefLabel", Literal(rng.choice(NAMES) + str(i), language="fi")))
        if i % 2:
            out.append(_t(org, ESR + "businessId", Literal(f"{1000000 + i}-{i % 10}")))
    for k in range(projects):
        p = f"{B}project/P{k:04d}"
        if k % 11:
            out.append(_t(p, DCTERMS + "identifier", Literal(f"S{rng.randrange(10000):05d}")))
        if k % 5:
            out.append(_t(p, ESR + "grantedEUAndStateFunding",
                          Literal(f"{rng.randrange(10 ** 6)}.{rng.randrange(100):02d}", datatype=NamedNode(XSD + "decimal"))))
        if k % 4:
            out.append(_t(p, ESR + "plannedStartDate", Literal(f"{rng.randrange(2014, 2021)}-01-01",
                                                               datatype=NamedNode(XSD + "date"))))
            out.append(_t(p, ESR + "plannedEndDate", Literal(f"{rng.randrange(2018, 2024)}-12-31",
                                                             datatype=NamedNode(XSD + "date"))))
        for j, org in enumerate(rng.sample(orgs, rng.randrange(1, 6))):
            out.append(_t(p, ESR + ("applicant" if j == 0 else "coImplementer"), org))
    return out


def _files(graph: list[Triple], tmp_path: Path, parts: Path, name: str,
           counts: PartsMade | None = None) -> dict[str, bytes]:
    collector = CollaborationCollector()
    for t in graph:
        collector.add(t)
    parts.mkdir(exist_ok=True)
    used: set[str] = set()
    files = NetworkParts(collector.facts(), B, parts=parts, salt=b"test", used=used, counts=counts).write(tmp_path / name)
    assert set(files.parts) == used and all((parts / key).is_file() for key in used)
    return {n: files.path(n).read_bytes() for n in COLLABORATION_FILES}


def _whole(graph: list[Triple]) -> dict[str, bytes]:
    network = collaboration_network(graph)
    return dict(zip(COLLABORATION_FILES, (collaboration_turtle(network, B), edges_csv(network),
                                          organisations_csv(network), graphml(network)), strict=True))


@pytest.mark.parametrize("every", [1, 3, 128])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_files_written_from_parts_are_the_files_written_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               seed: int, every: int) -> None:
    monkeypatch.setattr(network_parts, "PART_EVERY", every)
    graph = _graph(seed)
    counts = PartsMade()
    assert _files(graph, tmp_path, tmp_path / "parts", "made", counts) == _whole(graph)
    assert counts.made > (5 if every == 1 else 0) and counts.kept == 0
    again = PartsMade()
    assert _files(graph, tmp_path, tmp_path / "parts", "kept", again) == _whole(graph)  # from kept parts
    assert again.made == 0 and again.kept == counts.made


def test_no_organisation_gives_the_files_of_an_empty_network(tmp_path: Path) -> None:
    graph = [_t(f"{B}project/P1", DCTERMS + "identifier", Literal("S00001"))]
    assert _files(graph, tmp_path, tmp_path / "parts", "empty") == _whole(graph)


def _changed(graph: list[Triple], predicate: str, subject: str, value: Literal) -> list[Triple]:
    """``graph`` with ``subject``'s ``predicate`` set to ``value``."""
    kept = [t for t in graph if not (t.subject.value == subject and t.predicate.value == predicate)]
    return [*kept, _t(subject, predicate, value)]


def _parts_of(graph: list[Triple], orgs: set[str]) -> int:
    collector = CollaborationCollector()
    for t in graph:
        collector.add(t)
    organisations = collector.facts().organisations
    return sum(1 for start, end in part_runs(organisations) if orgs & set(organisations[start:end]))


def test_a_changed_amount_makes_the_parts_of_its_organisations_only(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(network_parts, "PART_EVERY", 2)
    graph = _graph(7)
    parts = tmp_path / "parts"
    before = PartsMade()
    _files(graph, tmp_path, parts, "before", before)
    project = f"{B}project/P0001"
    members = {t.object.value for t in graph if t.subject.value == project and t.predicate.value in (
        ESR + "applicant", ESR + "coImplementer")}
    changed = _changed(graph, ESR + "grantedEUAndStateFunding", project,
                       Literal("123456789.01", datatype=NamedNode(XSD + "decimal")))
    after = PartsMade()
    files = _files(changed, tmp_path, parts, "after", after)
    assert files == _whole(changed) != _whole(graph)
    assert after.made == _parts_of(changed, members) and 0 < after.made < before.made
    assert after.kept == before.made - after.made


def test_a_changed_name_makes_the_parts_of_its_partners_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An organisation's name is in its partners' rows of the edges (source_name, target_name)."""
    monkeypatch.setattr(network_parts, "PART_EVERY", 1)
    graph = _graph(8)
    parts = tmp_path / "parts"
    _files(graph, tmp_path, parts, "before")
    org = f"{B}organisation/o000"
    projects = {t.subject.value for t in graph if t.object.value == org}
    partners = {t.object.value for t in graph if t.subject.value in projects and t.predicate.value in (
        ESR + "applicant", ESR + "coImplementer")}
    assert len(partners) > 2
    changed = _changed(graph, SKOS + "prefLabel", org, Literal("Uusi nimi Oy", language="fi"))
    after = PartsMade()
    assert _files(changed, tmp_path, parts, "after", after) == _whole(changed)
    assert after.made == len(partners)  # the organisation's own part and each partner's


def test_a_part_not_as_written_is_made_again(tmp_path: Path) -> None:
    graph = _graph(9)
    parts = tmp_path / "parts"
    first = _files(graph, tmp_path, parts, "first")
    for kept in parts.glob(f"{KEPT_PART}*"):
        data = kept.read_bytes()
        kept.write_bytes(data[:-1])  # cut short
    counts = PartsMade()
    assert _files(graph, tmp_path, parts, "again", counts) == first
    assert counts.made > 0 and counts.kept == 0


def test_a_part_reads_back_as_made() -> None:
    collector = CollaborationCollector()
    for t in _graph(10):
        collector.add(t)
    facts = collector.facts()
    part, graph = make_part(facts, facts.organisations[:8], B)
    assert part.pairs > 0 and graph.subjects
    assert NetworkPart.parse(part.to_bytes()) == part
    data = part.to_bytes()
    assert NetworkPart.parse(data.replace(b"\0", b"", 1)) is None  # one edge fewer than the head says
    assert NetworkPart.parse(b"esrgraph-network-part 0\n" + data.split(b"\n", 1)[1]) is None  # another layout
    assert PartGraph.parse(graph.to_bytes()) == graph
    assert PartGraph.parse(graph.to_bytes()[:-1]) is None  # cut short
    assert PartGraph.parse(data) is None  # a part's tables are not its graph


def test_the_network_graph_tells_the_store_what_parsing_the_file_would(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The digests and triples the parts give the query store's update are those it would read from
    collaboration.ttl itself (esrgraph.sparql.store), so an update from either leaves the same store."""
    monkeypatch.setattr(network_parts, "PART_EVERY", 3)
    collector = CollaborationCollector()
    for t in _graph(4, projects=120):
        collector.add(t)
    parts = tmp_path / "parts"
    parts.mkdir()
    made = NetworkParts(collector.facts(), B, parts=parts, salt=b"test", used=set())
    turtle = tmp_path / "collaboration.ttl"
    turtle.write_bytes(made.turtle().turtle)
    graph = made.graph()
    groups = store._collab_groups([turtle])
    assert groups is not None and len(groups) > 20
    assert graph.digests() == store._collab_digests(groups)
    some = sorted(groups)[::7] + ["https://data.example.fi/esr/organisation/none"]
    assert graph.triples_of(some) == {s: groups[s] for s in some if s in groups}
    assert graph.triples_of([]) == {}
