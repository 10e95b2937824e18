"""The release's graph files made chunk by chunk (esrgraph.publish.pieces): the same files as one pass over the
whole graph, cut where the content says, and kept so that a rebuild makes only a changed chunk again."""

from __future__ import annotations

import gzip
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Triple

import esrgraph.publish.pieces as pieces
from esrgraph.core.vocab import CODE, ESR, PREFIXES, RDF
from esrgraph.io.export import JSONLD_GZIP_LEVEL, gzip_member, read_ntriples_bytes, serialize_triples
from esrgraph.io.formats import OutputFormat
from esrgraph.publish.catalog import GraphCounter, graph_stats
from esrgraph.publish.jsonld import DOCUMENT_TAIL, JsonLdWriter, document_head
from esrgraph.publish.vocabdocs import VocabDocsCollector

BASE = "https://w3id.org/esrgraph/id/"
PREFIX_MAP = {"code": CODE, **PREFIXES}


def _graph(projects: int, renamed: int | None = None) -> bytes:
    """Sorted N-Triples of ``projects`` projects sharing funds, codes and dates (so objects repeat across chunks),
    with project ``renamed`` given a longer name."""
    triples = []
    for n in range(projects):
        p = NamedNode(f"{BASE}project/S2{n:04d}")
        name = f"Hanke {n}" + (" muutettu nimi" if n == renamed else "")
        triples += [Triple(p, NamedNode(RDF + "type"), NamedNode(ESR + "Project")),
                    Triple(p, NamedNode(ESR + "name"), Literal(name, language="fi")),
                    Triple(p, NamedNode(ESR + "fund"), NamedNode(f"{CODE}fund/{'ESR' if n % 3 else 'EAKR'}")),
                    Triple(p, NamedNode(ESR + "startDate"), Literal(f"20{15 + n % 6}-0{1 + n % 9}-01")),
                    Triple(p, NamedNode(ESR + "grantedFunding"), Literal(str(1000 * (n % 17)))),
                    Triple(p, NamedNode(ESR + "region"), NamedNode(f"{CODE}region/{n % 19:02d}"))]
    for r in range(19):
        triples.append(Triple(NamedNode(f"{CODE}region/{r:02d}"), NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"),
                              Literal(f"Maakunta {r}", language="fi")))
    return serialize_triples(triples, OutputFormat.NTRIPLES)


def _whole(data: bytes) -> tuple[bytes, bytes, object, dict[str, str]]:
    """What one pass over the whole graph gives: the N-Triples, the JSON-LD document, the statistics, the documents."""
    triples = list(read_ntriples_bytes(data))
    out = io.BytesIO()
    writer = JsonLdWriter(PREFIX_MAP, "context.jsonld", out.write)
    docs = VocabDocsCollector()
    for t in triples:
        writer.add(t)
        docs.add(t)
    writer.close()
    return data, out.getvalue(), graph_stats(triples, BASE), docs.documents()


@dataclass
class Made:
    """What ``_assembled`` saw of a PieceSet."""

    counter: GraphCounter
    docs: VocabDocsCollector
    distinct_objects: int
    chunks: int
    made: int
    ntriples_digest: str


def _assembled(data: bytes | Path, tmp: Path, cache: Path | None = None) -> tuple[bytes, bytes, Made]:
    """The gzipped N-Triples and the gzipped JSON-LD as the release writes them, and what else the set gave."""
    packed, nodes = io.BytesIO(), io.BytesIO()
    nodes.write(gzip_member(document_head("context.jsonld"), JSONLD_GZIP_LEVEL))
    with pieces.PieceSet(data, pieces.PieceSettings(BASE, PREFIX_MAP), cache=cache, scratch=tmp) as made:
        written = made.write(packed.write, nodes.write)
    nodes.write(gzip_member(DOCUMENT_TAIL, JSONLD_GZIP_LEVEL))
    return packed.getvalue(), nodes.getvalue(), Made(written.counter, written.docs, written.distinct_objects,
                                                     len(made.keys), made.made, made.ntriples_digest)


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pieces, "CHUNK_BYTES", 2000)
    monkeypatch.setattr(pieces, "CUT_EVERY", 4)


def test_chunks_cover_the_file_and_end_between_subjects(small_chunks: None) -> None:
    data = _graph(300)
    spans = pieces.chunk_spans(data)
    assert len(spans) > 20
    assert spans[0][0] == 0 and spans[-1][1] == len(data)
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:], strict=False))
    for start, end in spans[1:]:
        before = data[:start].rsplit(b"\n", 2)[-2]
        after = data[start:end].split(b"\n", 1)[0]
        assert before.split(b" ", 1)[0] != after.split(b" ", 1)[0]  # a subject is never cut in two
        assert end - start >= pieces.CHUNK_BYTES or end == len(data)


def test_an_edit_changes_only_the_chunks_around_it(small_chunks: None) -> None:
    before, after = _graph(300), _graph(300, renamed=150)
    old = {hashlib.sha256(before[a:b]).digest() for a, b in pieces.chunk_spans(before)}
    new = [hashlib.sha256(after[a:b]).digest() for a, b in pieces.chunk_spans(after)]
    assert 1 <= sum(d not in old for d in new) <= 2
    assert len(new) >= 20


@pytest.mark.parametrize("chunk_bytes", [2000, 50_000, 1 << 30])
def test_chunked_files_and_figures_equal_one_pass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  chunk_bytes: int) -> None:
    monkeypatch.setattr(pieces, "CHUNK_BYTES", chunk_bytes)
    data = _graph(400)
    nt, jsonld, stats, documents = _whole(data)
    packed, nodes, made = _assembled(data, tmp_path)
    assert gzip.decompress(packed) == nt
    assert gzip.decompress(nodes) == jsonld
    assert made.counter.stats(made.distinct_objects) == stats
    assert made.docs.documents() == documents
    assert made.ntriples_digest == hashlib.sha256(nt).hexdigest()
    assert made.chunks == len(pieces.chunk_spans(data)) and made.made == made.chunks > 0
    assert not list(tmp_path.iterdir())  # the scratch folder is gone


def test_an_empty_graph_gives_a_gzip_of_nothing_and_an_empty_document(tmp_path: Path) -> None:
    packed, nodes, made = _assembled(b"", tmp_path)
    assert gzip.decompress(packed) == b"" and packed.startswith(b"\x1f\x8b")
    assert gzip.decompress(nodes) == document_head("context.jsonld") + DOCUMENT_TAIL
    assert made.counter.stats(made.distinct_objects).triples == 0


def test_a_rebuild_makes_only_the_changed_chunk_and_writes_the_same_bytes(tmp_path: Path, small_chunks: None) -> None:
    cache = tmp_path / "cache"
    first = tmp_path / "first.nt"
    first.write_bytes(_graph(300))
    _, _, made = _assembled(first, tmp_path, cache)
    assert made.made == made.chunks > 20
    kept = set(cache.iterdir())
    assert len(kept) == made.chunks

    again = _assembled(first, tmp_path, cache)
    assert again[2].made == 0

    changed = tmp_path / "changed.nt"
    changed.write_bytes(_graph(300, renamed=150))
    packed, nodes, remade = _assembled(changed, tmp_path, cache)
    assert 1 <= remade.made <= 2
    assert len(set(cache.iterdir()) - kept) == remade.made
    assert len(list(cache.iterdir())) == remade.chunks  # the replaced pieces are removed
    full_packed, full_nodes, full = _assembled(changed, tmp_path / "no-cache")
    assert (packed, nodes) == (full_packed, full_nodes)
    assert remade.counter.stats(remade.distinct_objects) == full.counter.stats(full.distinct_objects)


def test_a_damaged_or_foreign_piece_is_made_again(tmp_path: Path, small_chunks: None) -> None:
    cache = tmp_path / "cache"
    graph = tmp_path / "g.nt"
    graph.write_bytes(_graph(120))
    expected = _assembled(graph, tmp_path, cache)[:2]
    names = sorted(cache.iterdir())
    names[0].write_bytes(names[0].read_bytes()[:-3])  # cut short
    names[1].write_bytes(b"not a piece")
    packed, nodes, made = _assembled(graph, tmp_path, cache)
    # Which pieces are kept is read from the folder's names: both are found not whole when read, and made there.
    assert made.made == 0
    assert (packed, nodes) == expected
    assert pieces.Piece.parse(names[0].read_bytes()) is not None
    assert pieces.Piece.parse(names[1].read_bytes()) is not None


def test_worker_processes_make_the_same_pieces(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_chunks: None) -> None:
    graph = tmp_path / "g.nt"
    graph.write_bytes(_graph(200))
    alone = _assembled(graph, tmp_path / "a")
    monkeypatch.setattr(pieces, "PROCESS_BYTES", 0)
    pooled = _assembled(graph, tmp_path / "b")
    assert alone[:2] == pooled[:2]
    assert alone[2].distinct_objects == pooled[2].distinct_objects


def test_a_large_graphs_few_missing_pieces_are_made_by_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                small_chunks: None) -> None:
    """After one change of a large graph a few pieces are missing: workers make them at once, beside the build's
    SHACL reports, not the first thread that asks (the network's step, which the query store waits for)."""
    graph = tmp_path / "g.nt"
    graph.write_bytes(_graph(200))
    cache = tmp_path / "cache"
    settings = pieces.PieceSettings(BASE, PREFIX_MAP)
    with pieces.PieceSet(graph, settings, cache=cache, scratch=tmp_path) as first:
        first.write(lambda _: None, lambda _: None)
    one = sorted(cache.iterdir(), key=lambda p: p.name)[0]
    one.unlink()
    monkeypatch.setattr(pieces, "PROCESS_BYTES", graph.stat().st_size)  # a graph this large counts as large
    with pieces.PieceSet(graph, settings, cache=cache, scratch=tmp_path) as again:
        assert again.made == 1 and len(again._futures) == 1  # one piece, given to a worker at once
        again.wait()
        assert one.is_file()
    monkeypatch.setattr(pieces, "PROCESS_BYTES", graph.stat().st_size + 1)  # a smaller graph: made where asked
    one.unlink()
    with pieces.PieceSet(graph, settings, cache=cache, scratch=tmp_path) as small:
        assert small.made == 1 and not small._futures


def test_jena_reads_every_member_of_the_gzip(tmp_path: Path, small_chunks: None) -> None:
    """A reader that stopped after the first member would see one chunk's triples only."""
    import subprocess

    from jena import SETUP_SCRIPT

    if not SETUP_SCRIPT.is_file():
        pytest.skip(f"{SETUP_SCRIPT} not found: the Jena reference engine needs ../shared/ beside the checkout")
    setup = subprocess.run(["bash", str(SETUP_SCRIPT), str(tmp_path / "jena")], capture_output=True, text=True,
                           timeout=900)
    if setup.returncode != 0:
        pytest.skip(f"Apache Jena could not be set up: {setup.stderr.strip()[-300:]}")
    data = _graph(200)
    packed, _, made = _assembled(data, tmp_path)
    assert made.chunks > 10
    dump = tmp_path / "esrgraph.nt.gz"
    dump.write_bytes(packed)
    counted = subprocess.run([str(tmp_path / "jena" / "bin" / "riot"), "--count", str(dump)], capture_output=True,
                             text=True, timeout=300)
    lines = data.count(b"\n")
    assert f"Triples = {lines:,}" in counted.stdout + counted.stderr


def test_a_killed_builds_scratch_folder_is_removed_by_the_next(tmp_path: Path) -> None:
    stale = tmp_path / ".release-pieces.abc123.tmp"
    stale.mkdir()
    (stale / "piece").write_bytes(b"left by a build that was killed")
    _assembled(_graph(5), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_cancelled_set_stops_writing_at_the_next_piece_and_makes_no_network(tmp_path: Path,
                                                                              small_chunks: None) -> None:
    """The build cancels its pieces when it stops (Ctrl-C, an error): the release's thread must not go on writing
    the whole graph, nor make the network the build's own step did not make, before the build can exit."""
    from concurrent.futures import CancelledError

    written: list[bytes] = []
    with pieces.PieceSet(_graph(300), pieces.PieceSettings(BASE, PREFIX_MAP), scratch=tmp_path) as made:
        assert len(made.keys) > 3

        def write_and_stop(member: bytes) -> None:
            written.append(member)
            if len(written) == 2:
                made.cancel()  # as the build's thread would, while this one writes

        with pytest.raises(CancelledError):
            made.write(write_and_stop, lambda _: None)
        with pytest.raises(CancelledError):
            made.collaboration_files()
    assert len(written) == 2
