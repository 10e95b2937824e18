"""The collaboration network derived in the release: pairs, organisations, the RDF, CSV and GraphML files,
and the release and catalogue that carry them."""

from __future__ import annotations

import csv
import io
import random
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, RdfFormat, Triple, parse

from esrgraph.core.vocab import DCAT, DCTERMS, ESR, PROV, RDF, SKOS, XSD
from esrgraph.io.export import sort_triples
from esrgraph.publish.collaboration import (
    EDGE_COLUMNS,
    ORGANISATION_COLUMNS,
    collaboration_iri,
    collaboration_network,
    collaboration_triples,
    collaboration_turtle,
    edges_csv,
    graphml,
    organisations_csv,
)
from esrgraph.publish.release import write_release

B = "https://data.example.fi/esr/"
O1, O2 = f"{B}organisation/1111111-1", f"{B}organisation/2222222-2"
O3, O4 = f"{B}organisation/name/gamma", f"{B}organisation/name/delta"
P1, P2, P3 = f"{B}project/A00001", f"{B}project/A00002", f"{B}project/A00003"


def _t(s: str, p: str, o: str | Literal) -> Triple:
    return Triple(NamedNode(s), NamedNode(p), NamedNode(o) if isinstance(o, str) else o)


def _date(value: str) -> Literal:
    return Literal(value, datatype=NamedNode(XSD + "date"))


#: P1: O1 applies with O2 and O3; P2: O2 applies with O3 (O3 named in both roles); P3: O4 alone.
GRAPH = [
    _t(P1, RDF + "type", ESR + "Project"), _t(P1, DCTERMS + "identifier", Literal("A00001")),
    _t(P1, ESR + "applicant", O1), _t(P1, ESR + "coImplementer", O2), _t(P1, ESR + "coImplementer", O3),
    _t(P1, ESR + "grantedEUAndStateFunding", Literal("100.50", datatype=NamedNode(XSD + "decimal"))),
    _t(P1, ESR + "plannedStartDate", _date("2017-01-01")), _t(P1, ESR + "plannedEndDate", _date("2019-12-31")),
    _t(P2, RDF + "type", ESR + "Project"), _t(P2, DCTERMS + "identifier", Literal("A00002")),
    _t(P2, ESR + "applicant", O2), _t(P2, ESR + "coImplementer", O3), _t(P2, ESR + "applicant", O3),
    _t(P2, ESR + "grantedEUAndStateFunding", Literal("200", datatype=NamedNode(XSD + "decimal"))),
    _t(P2, ESR + "plannedStartDate", _date("2018-03-01")), _t(P2, ESR + "plannedEndDate", _date("2020-06-30")),
    _t(P3, RDF + "type", ESR + "Project"), _t(P3, DCTERMS + "identifier", Literal("A00003")),
    _t(P3, ESR + "applicant", O4),
    _t(O1, SKOS + "prefLabel", Literal("=HYPERLINK(1) ry", language="fi")), _t(O1, ESR + "businessId", Literal("1111111-1")),
    _t(O1, DCTERMS + "identifier", Literal("1111111-1")),
    _t(O2, SKOS + "prefLabel", Literal("Beta, Oy", language="fi")), _t(O2, SKOS + "prefLabel", Literal("Beta Ab", language="sv")),
    _t(O3, SKOS + "prefLabel", Literal('Gamma <&> "ry"', language="fi")),
    _t(O4, SKOS + "prefLabel", Literal("Delta", language="fi")),
]


@pytest.fixture(scope="module")
def network():
    return collaboration_network(GRAPH)


def test_pairs_count_each_project_once_with_funding_and_years(network) -> None:
    pairs = {(p.a, p.b): p for p in network.pairs}
    assert list(pairs) == [(O1, O2), (O1, O3), (O2, O3)]  # sorted by IRI string; O4 worked alone
    assert [r.code for r in pairs[(O2, O3)].projects] == ["A00001", "A00002"]  # O3 in both roles of P2: once
    assert pairs[(O2, O3)].granted == Decimal("300.50")
    assert (pairs[(O2, O3)].first_year, pairs[(O2, O3)].last_year) == (2017, 2020)
    assert (pairs[(O1, O2)].shared, pairs[(O1, O2)].granted, pairs[(O1, O2)].last_year) == (1, Decimal("100.50"), 2019)
    assert pairs[(O1, O2)].b_name == "Beta, Oy"  # the Finnish label, not the Swedish one


def test_organisations_with_sorted_codes(network) -> None:
    assert [(o.iri, o.business_id, [r.code for r in o.projects]) for o in network.organisations] == [
        (O1, "1111111-1", ["A00001"]), (O2, "", ["A00001", "A00002"]), (O4, "", ["A00003"]), (O3, "", ["A00001", "A00002"])]


def test_edges_csv_has_the_contract_columns_and_harmless_cells(network) -> None:
    rows = list(csv.reader(io.StringIO(edges_csv(network).decode("utf-8"))))
    assert tuple(rows[0]) == EDGE_COLUMNS == ("source", "target", "source_name", "target_name", "shared_projects",
                                              "granted_funding", "first_year", "last_year", "projects")
    assert rows[1] == [O1, O2, "'=HYPERLINK(1) ry", "Beta, Oy", "1", "100.50", "2017", "2019", "A00001"]
    assert rows[3] == [O2, O3, "Beta, Oy", 'Gamma <&> "ry"', "2", "300.50", "2017", "2020", "A00001 A00002"]
    assert edges_csv(network).count(b"\r\n") == 4


def test_organisations_csv(network) -> None:
    rows = list(csv.reader(io.StringIO(organisations_csv(network).decode("utf-8"))))
    assert tuple(rows[0]) == ORGANISATION_COLUMNS == ("id", "name", "business_id", "projects", "project_codes")
    assert rows[1:] == [[O1, "'=HYPERLINK(1) ry", "1111111-1", "1", "A00001"], [O2, "Beta, Oy", "", "2", "A00001 A00002"],
                        [O4, "Delta", "", "1", "A00003"], [O3, 'Gamma <&> "ry"', "", "2", "A00001 A00002"]]


def test_graphml_has_typed_keys_and_escaped_values(network) -> None:
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    root = ET.fromstring(graphml(network))
    keys = {(k.get("for"), k.get("attr.name")): k.get("attr.type") for k in root.findall("g:key", ns)}
    assert keys == {("node", "name"): "string", ("node", "business_id"): "string", ("node", "projects"): "int",
                    ("node", "project_codes"): "string", ("edge", "shared_projects"): "int",
                    ("edge", "granted_funding"): "double", ("edge", "first_year"): "int", ("edge", "last_year"): "int",
                    ("edge", "projects"): "string"}
    graph = root.find("g:graph", ns)
    assert graph is not None and graph.get("edgedefault") == "undirected"
    names = {n.get("id"): n.find("g:data[@key='n_name']", ns).text for n in graph.findall("g:node", ns)}
    assert names[O3] == 'Gamma <&> "ry"'
    edges = [(e.get("source"), e.get("target")) for e in graph.findall("g:edge", ns)]
    assert edges == [(O1, O2), (O1, O3), (O2, O3)]


def test_graphml_loads_in_networkx(network) -> None:
    nx = pytest.importorskip("networkx", reason="networkx is not installed: the GraphML is checked with ElementTree only")
    g = nx.read_graphml(io.BytesIO(graphml(network)))
    assert g.number_of_nodes() == 4 and g.number_of_edges() == 3
    assert g.edges[O2, O3]["shared_projects"] == 2 and g.edges[O2, O3]["granted_funding"] == 300.5
    assert g.nodes[O4]["projects"] == 1 and g.nodes[O1]["business_id"] == "1111111-1"


def test_same_graph_in_any_order_gives_the_same_bytes(network) -> None:
    shuffled = list(GRAPH)
    random.Random(3).shuffle(shuffled)
    other = collaboration_network(shuffled)
    assert other == network
    for write in (edges_csv, organisations_csv, graphml):
        assert write(other) == write(network)
    assert collaboration_turtle(other, B) == collaboration_turtle(network, B)


def test_rdf_is_in_file_order_and_holds_the_repeated_collaborations_only(network) -> None:
    triples = collaboration_triples(network, B)
    assert triples == sort_triples(triples)  # minted IRIs: collaboration/ < dataset/ < organisation/
    kinds = [str(t.subject).split("/")[-2] for t in triples]  # the pairs, the graph's own node, the organisations
    assert kinds == sorted(kinds, key=["collaboration", "dataset", "organisation", "name"].index)
    reread = {(t.subject.value, t.predicate.value, t.object.value)
              for t in parse(collaboration_turtle(network, B), format=RdfFormat.TURTLE)}
    assert len(reread) == len(triples)
    pair = collaboration_iri(B, O2, O3)
    assert pair == f"{B}collaboration/2222222-2--name.gamma"
    assert (pair, RDF + "type", ESR + "Collaboration") in reread
    single = collaboration_iri(B, O1, O2)  # one shared project: in the tables, not in the graph
    assert not any(s == single for s, _, _ in reread)
    assert any(line.startswith(f"{O1},{O2},") for line in edges_csv(network).decode().splitlines())
    assert (f"{B}dataset/collaboration", RDF + "type", ESR + "CollaborationNetwork") in reread
    assert (f"{B}dataset/collaboration", PROV + "wasDerivedFrom", f"{B}dataset") in reread
    assert {(p, o) for s, p, o in reread if s == pair} >= {
        (ESR + "collaborator", O2), (ESR + "collaborator", O3), (ESR + "sharedProjectCount", "2"),
        (ESR + "sharedProject", P1), (ESR + "sharedProject", P2), (ESR + "sharedGrantedFunding", "300.50"),
        (ESR + "firstYear", "2017"), (ESR + "lastYear", "2020")}
    assert (O2, ESR + "projectCodes", "A00001 A00002") in reread and (O4, ESR + "projectCount", "1") in reread


@pytest.mark.parametrize("a, b", [
    ("https://other.org/x--y", "https://other.org/x"),
    (f"{B}organisation/a-", f"{B}organisation/a"),
    (f"{B}organisation/a/b", f"{B}organisation/a.b"),
    (f"{B}organisation/a~b", f"{B}organisation/a%7Eb"),
])
def test_pair_iris_are_valid_and_never_collide(a: str, b: str) -> None:
    c = f"{B}organisation/zzz"
    first, second = collaboration_iri(B, a, c), collaboration_iri(B, b, c)
    assert first != second
    for iri in (first, second):
        NamedNode(iri)  # a valid IRI
        assert iri.count("--") == 1


def test_release_carries_the_files_in_a_derived_dataset(tmp_path: Path) -> None:
    result = write_release(sort_triples(GRAPH), tmp_path, base=B)
    names = {p.name for p in result.files}
    assert {"collaboration.ttl", "collaboration-edges.csv", "collaboration-organisations.csv",
            "collaboration.graphml"} <= names
    assert result.collaboration == result.folder / "collaboration.ttl"
    assert result.collaboration.read_bytes() == collaboration_turtle(collaboration_network(GRAPH), B)
    catalog = {(t.subject.value, t.predicate.value, t.object.value)
               for t in parse(path=str(result.catalog), format=RdfFormat.TURTLE)}
    main, derived = f"{B}dataset", f"{B}dataset/collaboration"
    assert (f"{B}catalog", DCAT + "dataset", derived) in catalog
    assert (derived, RDF + "type", DCAT + "Dataset") in catalog
    assert (derived, PROV + "wasDerivedFrom", main) in catalog and (derived, DCTERMS + "source", main) in catalog
    dists = {o for s, p, o in catalog if s == derived and p == DCAT + "distribution"}
    urls = {o.rsplit("/", 1)[-1] for s, p, o in catalog if s in dists and p == DCAT + "downloadURL"}
    assert urls == {"collaboration.ttl", "collaboration-edges.csv", "collaboration-organisations.csv",
                    "collaboration.graphml"}
    main_urls = {o for s, p, o in catalog if p == DCAT + "downloadURL"
                 and (main, DCAT + "distribution", s) in catalog}
    assert main_urls and not any("collaboration" in u for u in main_urls)
    titles = {(o, lang) for s, p, o in catalog if s == derived and p == DCTERMS + "title" for lang in ("x",)}
    assert len(titles) == 2  # Finnish and English


# --- the build's way: the network merged from the release's pieces of the graph's chunks ---------------------


def _ntriples(triples: list[Triple]) -> bytes:
    from esrgraph.io.export import serialize_triples
    from esrgraph.io.formats import OutputFormat

    return serialize_triples(sort_triples(triples), OutputFormat.NTRIPLES, presorted=True)


def _pieces_network(data: bytes, tmp_path: Path) -> object:
    from esrgraph.publish.pieces import PieceSet, PieceSettings

    with PieceSet(data, PieceSettings(B, {}), scratch=tmp_path) as pieces:
        return pieces.collaboration()


@pytest.mark.parametrize("chunk_bytes", [200, 1 << 30])
def test_the_network_merged_from_chunks_is_the_network_of_the_graph(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                     chunk_bytes: int) -> None:
    """With a chunk of a few subjects, a project's organisations, names and business ids are in other chunks than
    the project: the shares merge into the same network."""
    import esrgraph.publish.pieces as pieces

    monkeypatch.setattr(pieces, "CHUNK_BYTES", chunk_bytes)
    monkeypatch.setattr(pieces, "CUT_EVERY", 1)
    data = _ntriples(GRAPH)
    assert (len(pieces.chunk_spans(data)) > 3) == (chunk_bytes == 200)
    assert _pieces_network(data, tmp_path) == collaboration_network(GRAPH)


@pytest.mark.parametrize("chunk_bytes", [10, 1 << 30])
def test_lines_written_otherwise_are_read_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                chunk_bytes: int) -> None:
    """Tabs between terms, a predicate IRI written with an escape, a comment, CRLF and a last line without its
    newline are all N-Triples: the chunks end where they can tell, and no participation is lost."""
    import esrgraph.publish.pieces as pieces

    monkeypatch.setattr(pieces, "CHUNK_BYTES", chunk_bytes)
    monkeypatch.setattr(pieces, "CUT_EVERY", 1)
    lines = [f"<{P1}>\t<{ESR}applicant>\t<{O1}> .",
             f"<{P1}> <{ESR}coImplement\\u0065r> <{O2}> .",  # coImplementer, one letter escaped
             "# a comment line",
             f"<{P1}> <{DCTERMS}identifier> \"A00001\" .\r",
             f"<{P2}> <{DCTERMS}identifier> \"A00002\" .",
             f"<{P2}> <{ESR}applicant> <{O2}> .",
             f"<{P2}> <{RDF}type> <{ESR}Project> .",
             f"<{P2}> <{ESR}partner> <{O3}> ."]  # no newline at the end of the file
    data = "\n".join(lines).encode()
    expected = collaboration_network(q.triple for q in parse(input=data, format=RdfFormat.N_TRIPLES))
    got = _pieces_network(data, tmp_path)
    assert got == expected
    assert [(p.a, p.b) for p in got.pairs] == [(O1, O2), (O2, O3)]


def test_a_bad_line_the_network_needs_is_an_error_not_a_gap(tmp_path: Path) -> None:
    with pytest.raises(SyntaxError):
        _pieces_network(f'<{P1}> <{ESR}applicant> "not closed .\n'.encode(), tmp_path)


def test_the_files_are_kept_and_made_again_only_when_the_network_changes(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import esrgraph.publish.network_parts as parts
    import esrgraph.publish.pieces as pieces
    from esrgraph.publish.collaboration import COLLABORATION_FILES

    monkeypatch.setattr(parts, "PART_EVERY", 1)  # every organisation a part of its own: O1, O2, O3, O4
    cache = tmp_path / "cache"

    def files_of(graph: list[Triple]) -> tuple[dict[str, bytes], tuple[int, int]]:
        with pieces.PieceSet(_ntriples(graph), pieces.PieceSettings(B, {}), cache=cache, scratch=tmp_path) as made:
            kept = made.collaboration_files()
            return ({name: kept.path(name).read_bytes() for name in COLLABORATION_FILES} | {"folder": bytes(kept.folder)},
                    (made.network_parts.made, made.network_parts.kept))

    first, counts = files_of(GRAPH)
    assert counts == (4, 0)
    renamed, counts = files_of([*GRAPH, _t(P1, DCTERMS + "title", Literal("Uusi nimi", language="fi"))])
    assert counts == (0, 0) and renamed == first  # a fact the network does not read: the kept files, no part read
    grown = [*GRAPH, _t(P3, ESR + "coImplementer", O1)]
    changed, counts = files_of(grown)
    assert counts == (2, 2)  # P3's organisations, O1 and O4, made again; O2 and O3 kept
    assert changed["folder"] != first["folder"]
    assert not Path(first["folder"].decode()).exists()  # the earlier files are removed with the pieces no one uses
    kept_parts = {path.name for path in cache.glob(f"{parts.KEPT_PART}*")}  # and the parts no one uses:
    assert len(kept_parts) == 8 and {name + parts.GRAPH_SUFFIX for name in kept_parts} & kept_parts == {
        name for name in kept_parts if name.endswith(parts.GRAPH_SUFFIX)}  # each part's rows and its graph share
    network = collaboration_network(grown)
    assert changed["collaboration.ttl"] == collaboration_turtle(network, B)
    assert changed["collaboration-edges.csv"] == edges_csv(network)
    assert changed["collaboration-organisations.csv"] == organisations_csv(network)
    assert changed["collaboration.graphml"] == graphml(network)


def test_collaboration_ttl_comes_before_the_tables_and_is_the_kept_one(tmp_path: Path) -> None:
    """The build's query store waits for collaboration.ttl, not for the tables the release publishes: the Turtle is
    written before any table, and is byte for byte the file the kept set then holds (and, kept, a link to it)."""
    import esrgraph.publish.pieces as pieces
    from esrgraph.publish.collaboration import COLLABORATION_FILES

    cache = tmp_path / "cache"
    network = collaboration_network(GRAPH)
    with pieces.PieceSet(_ntriples(GRAPH), pieces.PieceSettings(B, {}), cache=cache, scratch=tmp_path) as made:
        made.write_collaboration_turtle(tmp_path / "first.ttl")
        assert not list(cache.glob("collaboration-*"))  # no table yet: the release's thread writes them
        kept = made.collaboration_files()
        assert {p.name for p in kept.folder.iterdir()} >= set(COLLABORATION_FILES)
    assert (tmp_path / "first.ttl").read_bytes() == kept.path("collaboration.ttl").read_bytes() \
        == collaboration_turtle(network, B)
    with pieces.PieceSet(_ntriples(GRAPH), pieces.PieceSettings(B, {}), cache=cache, scratch=tmp_path) as again:
        again.write_collaboration_turtle(tmp_path / "again.ttl")
        assert again.network_parts.made == again.network_parts.kept == 0  # the kept files: no part read
    assert (tmp_path / "again.ttl").stat().st_ino == kept.path("collaboration.ttl").stat().st_ino
    # A table edited in place is found when the tables are asked for (on the release's thread), and made again.
    edges = kept.path("collaboration-edges.csv")
    expected = edges.read_bytes()
    with open(edges, "r+b") as handle:
        handle.write(b"X")
    with pieces.PieceSet(_ntriples(GRAPH), pieces.PieceSettings(B, {}), cache=cache, scratch=tmp_path) as third:
        third.write_collaboration_turtle(tmp_path / "third.ttl")
        assert third.network_parts.made == 0
        remade = third.collaboration_files()
        assert third.network_parts.made > 0
        assert remade.path("collaboration-edges.csv").read_bytes() == expected
        assert (tmp_path / "third.ttl").read_bytes() == remade.path("collaboration.ttl").read_bytes()


def test_a_kept_file_edited_in_place_is_made_again(tmp_path: Path) -> None:
    """A release's collaboration files are hard links to the kept ones: one edited in place must not be published
    again as if it were the network's."""
    import esrgraph.publish.pieces as pieces

    cache = tmp_path / "cache"

    def edges() -> bytes:
        with pieces.PieceSet(_ntriples(GRAPH), pieces.PieceSettings(B, {}), cache=cache, scratch=tmp_path) as made:
            return made.collaboration_files().path("collaboration-edges.csv").read_bytes()

    first = edges()
    kept = next(cache.glob("collaboration-*/collaboration-edges.csv"))
    with open(kept, "r+b") as handle:  # the same size, other bytes
        handle.write(b"X")
    assert edges() == first == edges_csv(collaboration_network(GRAPH))
