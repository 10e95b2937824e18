"""The collaboration network's files made in parts, each part kept by a digest of the facts it depends on, so that
a rebuild after a changed project makes the parts of that project's organisations again and writes the same
bytes as a full build.

A *part* is what the network's files hold for a run of organisations (sorted by IRI): their rows in
``collaboration-organisations.csv``, their nodes in ``collaboration.graphml``, and the pairs whose first
organisation they are: rows in ``collaboration-edges.csv``, edges in the GraphML and, for a pair of two or more
shared projects, its node in ``collaboration.ttl``. Every file lists organisations, and pairs, in that order, so
each file is its parts one after the other (the GraphML's nodes, then its edges, numbered as they come; the
Turtle's pairs, the graph's own node, then its organisations).

A part's share of ``collaboration.ttl`` is kept in a small file of its own (``PartGraph``) beside its tables' rows,
with each of its subjects' digests: the Turtle is joined from those files alone (12 MB at 30,000 descriptions,
against 480 MB of tables), and the build's query store learns which subjects of the network changed from the
digests, and reads the triples of those only (``NetworkGraph``), without parsing ``collaboration.ttl``.

Where runs end depends on the organisations alone: a run starts at the first organisation, and at each whose
CRC-32 is a multiple of ``PART_EVERY``, so a new organisation changes the run it falls in and no other. A part's
key is ``NetworkFacts.part_digest`` of its organisations: their names and business ids and, for each of their
projects, its code, funding, years and organisations with their names. A changed granted amount changes the
keys of the parts of the project's organisations, about one part each; at 30,000 projects there are about 500.

docs/decisions/20261205-network-in-parts.md says why the parts are cut by organisation.
"""

from __future__ import annotations

import itertools
import zlib
from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import NamedNode, RdfFormat, Triple, parse

from esrgraph.io.atomic import atomic_write_bytes
from esrgraph.io.export import serialize_triples, split_turtle_header
from esrgraph.io.formats import OutputFormat
from esrgraph.io.framed import framed, unframed
from esrgraph.publish.collaboration import (
    COLLABORATION_FILES,
    EDGE_COLUMNS,
    GRAPHML_HEAD,
    GRAPHML_TAIL,
    ORGANISATION_COLUMNS,
    REPEATED,
    Collaboration,
    CollaborationFiles,
    CollaborationNetwork,
    DerivedCollaboration,
    NetworkFacts,
    OrganisationNode,
    collaboration_prefixes,
    collaboration_triples,
    csv_rows,
    edge_rows,
    edge_tails,
    graphml_edges,
    graphml_nodes,
    organisation_rows,
)
from esrgraph.sparql.store import subject_digest

#: A run of organisations starts at each whose CRC-32 is a multiple of this (and at the first).
PART_EVERY = 128
#: A kept part's file name starts with this, then its key.
KEPT_PART = "network-"
#: The parts' layout; a part of another layout is made again.
PART_FORMAT = b"esrgraph-network-part 2\n"
#: A part's share of collaboration.ttl is kept under its key and this ending, in this layout.
GRAPH_SUFFIX, GRAPH_FORMAT = ".graph", b"esrgraph-network-graph 1\n"


def graph_name(key: str) -> str:
    """The name of the file that keeps the share of collaboration.ttl of the part kept under ``key``."""
    return key + GRAPH_SUFFIX


_TTL, _EDGES, _ORGANISATIONS, _GRAPHML = COLLABORATION_FILES


def part_runs(organisations: Sequence[str]) -> list[tuple[int, int]]:
    """Where the runs of the sorted ``organisations`` start and end (see the module's docstring)."""
    if not organisations:
        return []
    starts = [i for i, org in enumerate(organisations)
              if i == 0 or zlib.crc32(org.encode("utf-8")) % PART_EVERY == 0]
    return list(zip(starts, [*starts[1:], len(organisations)], strict=True))


@dataclass(frozen=True, slots=True)
class NetworkPart:
    """One run's share of the network's files."""

    edges: bytes  # rows of collaboration-edges.csv
    organisations: bytes  # rows of collaboration-organisations.csv
    nodes: bytes  # node elements of collaboration.graphml
    tails: bytes  # its edge elements after their numbers (edge_tails), joined by NUL
    pairs: int

    def to_bytes(self) -> bytes:
        return framed(PART_FORMAT, {"pairs": self.pairs}, (self.edges, self.organisations, self.nodes, self.tails))

    @classmethod
    def parse(cls, data: bytes) -> NetworkPart | None:
        """The part in ``data``; None when it is not a whole part of this layout."""
        read = unframed(data, PART_FORMAT, 4)
        if read is None:
            return None
        head, (edges, organisations, nodes, tails) = read
        try:
            pairs = int(head["pairs"])
            if (tails.count(b"\0") + 1 if tails else 0) != pairs:
                return None
            return cls(edges, organisations, nodes, tails, pairs)
        except (ValueError, KeyError, TypeError):
            return None

    def edge_elements(self, first: int) -> bytes:
        """The part's GraphML edges, numbered from ``first``."""
        return graphml_edges(self.tails.split(b"\0"), first) if self.pairs else b""


@dataclass(frozen=True, slots=True)
class PartGraph:
    """One run's share of ``collaboration.ttl``: the Turtle statements (no ``@prefix`` lines) of its pairs of
    ``REPEATED`` or more shared projects and of its organisations, and each statement's subject and the digest of
    its triples (``subject_digest``), in the same order."""

    pairs: bytes
    organisations: bytes
    subjects: tuple[str, ...]
    digests: tuple[str, ...]
    triples: int

    def to_bytes(self) -> bytes:
        return framed(GRAPH_FORMAT, {"subjects": list(self.subjects), "digests": list(self.digests),
                                     "triples": self.triples}, (self.pairs, self.organisations))

    @classmethod
    def parse(cls, data: bytes) -> PartGraph | None:
        """The share in ``data``; None when it is not a whole one of this layout."""
        read = unframed(data, GRAPH_FORMAT, 2)
        if read is None:
            return None
        head, (pairs, organisations) = read
        subjects, digests, triples = head.get("subjects"), head.get("digests"), head.get("triples")
        if not (isinstance(subjects, list) and isinstance(digests, list) and len(subjects) == len(digests)
                and all(isinstance(x, str) for x in (*subjects, *digests)) and isinstance(triples, int)):
            return None
        return cls(pairs, organisations, tuple(subjects), tuple(digests), triples)


def make_part(facts: NetworkFacts, organisations: Sequence[str], base: str) -> tuple[NetworkPart, PartGraph]:
    """The part of a run of ``organisations``: its tables' rows, and its share of the derived graph."""
    pairs = list(facts.pairs_of(organisations))
    nodes = [facts.organisation(org) for org in organisations]
    return (NetworkPart(edge_rows(pairs), organisation_rows(nodes), graphml_nodes(nodes),
                        b"\0".join(edge_tails(pairs)), len(pairs)),
            part_graph([p for p in pairs if p.shared >= REPEATED], nodes, base))


def part_graph(pairs: Sequence[Collaboration], organisations: Sequence[OrganisationNode], base: str) -> PartGraph:
    """The share of ``collaboration.ttl`` of the repeated ``pairs`` and ``organisations`` (both in the network's
    order)."""
    prefixes = collaboration_prefixes(base)
    subjects: list[str] = []
    digests: list[str] = []
    bodies: list[bytes] = []
    triples = 0
    for network in (CollaborationNetwork(tuple(pairs), ()), CollaborationNetwork((), tuple(organisations))):
        made = collaboration_triples(network, base, dataset=False)
        for subject, group in itertools.groupby(made, key=_subject):
            subjects.append(subject)
            digests.append(subject_digest(group))
        bodies.append(turtle_body(made, prefixes))
        triples += len(made)
    return PartGraph(bodies[0], bodies[1], tuple(subjects), tuple(digests), triples)


def turtle_body(triples: list[Triple], prefixes: dict[str, str]) -> bytes:
    """``triples`` (in order) as Turtle statements without the ``@prefix`` lines the serialiser starts with."""
    return split_turtle_header(serialize_triples(triples, OutputFormat.TURTLE, prefixes, presorted=True))[1] if triples else b""


def _subject(t: Triple) -> str:
    """The subject's IRI (the derived graph has no other subjects)."""
    return t.subject.value if isinstance(t.subject, NamedNode) else str(t.subject)


@dataclass
class PartsMade:
    """How many parts a build made, and how many it found kept."""

    made: int = 0
    kept: int = 0


class NetworkParts:
    """The network's parts for ``facts``: each taken from ``parts`` when kept there under its key (salted with
    ``salt``), else made and kept. The name of every part used is added to ``used``.

    ``turtle`` comes before ``write``, and apart: the build's query store waits for ``collaboration.ttl``, while the
    tables (484 MB at 30,000 descriptions) are the release's alone, written on its thread."""

    def __init__(self, facts: NetworkFacts, base: str, *, parts: Path, salt: bytes, used: set[str],
                 counts: PartsMade | None = None) -> None:
        self.facts, self.base, self.folder = facts, base, parts
        organisations = facts.organisations
        self.runs = [organisations[start:end] for start, end in part_runs(organisations)]
        self.keys = [KEPT_PART + facts.part_digest(run, salt) for run in self.runs]
        #: Every file the parts are kept in: each part's rows and its share of the graph.
        self.kept_files = [*self.keys, *map(graph_name, self.keys)]
        used.update(self.kept_files)
        self.counts = counts if counts is not None else PartsMade()
        self._derived: DerivedCollaboration | None = None
        self._graph: NetworkGraph | None = None

    def part(self, k: int) -> NetworkPart:
        """The ``k``-th part's tables' rows, kept or made (and kept)."""
        try:
            kept = NetworkPart.parse((self.folder / self.keys[k]).read_bytes())
        except OSError:
            kept = None
        return kept if kept is not None else self._make(k)[0]

    def graph_part(self, k: int) -> PartGraph:
        """The ``k``-th part's share of the derived graph, kept or made (and kept, with its tables' rows)."""
        try:
            kept = PartGraph.parse((self.folder / graph_name(self.keys[k])).read_bytes())
        except OSError:
            kept = None
        if kept is not None:
            self.counts.kept += 1
            return kept
        return self._make(k)[1]

    def _make(self, k: int) -> tuple[NetworkPart, PartGraph]:
        table, graph = make_part(self.facts, self.runs[k], self.base)
        atomic_write_bytes(self.folder / self.keys[k], table.to_bytes(), durable=False)
        atomic_write_bytes(self.folder / graph_name(self.keys[k]), graph.to_bytes(), durable=False)
        self.counts.made += 1
        return table, graph

    def turtle(self) -> DerivedCollaboration:
        """``collaboration.ttl`` and its number of triples, joined from the parts' shares (made once)."""
        if self._derived is None:
            prefixes = collaboration_prefixes(self.base)
            dataset = collaboration_triples(CollaborationNetwork((), ()), self.base)  # the graph's own node
            header, own = split_turtle_header(serialize_triples(dataset, OutputFormat.TURTLE, prefixes, presorted=True))
            graphs = [self.graph_part(k) for k in range(len(self.runs))]
            self._derived = DerivedCollaboration(
                b"".join([header, *(g.pairs for g in graphs), own, *(g.organisations for g in graphs)]),
                sum(g.triples for g in graphs) + len(dataset))
            self._graph = NetworkGraph(self.folder, self.keys, header, [g.subjects for g in graphs],
                                       [g.digests for g in graphs], dataset)
        return self._derived

    def graph(self) -> NetworkGraph:
        """What the query store's update needs to know of ``collaboration.ttl`` (``turtle`` first)."""
        self.turtle()
        assert self._graph is not None
        return self._graph

    def write(self, folder: Path) -> CollaborationFiles:
        """The network's files written into ``folder``: each table is its parts one after the other (read again,
        not held: a part is in memory only while it is written)."""
        derived = self.turtle()

        def fill(write: dict[str, Callable[[bytes], object]]) -> int:
            write[_EDGES](csv_rows([EDGE_COLUMNS]))
            write[_ORGANISATIONS](csv_rows([ORGANISATION_COLUMNS]))
            write[_GRAPHML](GRAPHML_HEAD)
            for k in range(len(self.runs)):
                p = self.part(k)
                write[_EDGES](p.edges)
                write[_ORGANISATIONS](p.organisations)
                write[_GRAPHML](p.nodes)
            first = 0
            for k in range(len(self.runs)):
                p = self.part(k)
                write[_GRAPHML](p.edge_elements(first))
                first += p.pairs
            write[_GRAPHML](GRAPHML_TAIL)
            write[_TTL](derived.turtle)
            return derived.triples

        return CollaborationFiles.write(folder, fill, parts=self.kept_files)


class NetworkGraph:
    """``collaboration.ttl`` as the build that joined it knows it (esrgraph.sparql.store.DerivedGraph): each
    subject's digest, and the triples of some subjects read from the kept shares that hold them. Holds no facts of
    the network, which are let go once its tables are written."""

    def __init__(self, folder: Path, keys: Sequence[str], header: bytes, subjects: Sequence[tuple[str, ...]],
                 digests: Sequence[tuple[str, ...]], dataset: list[Triple]) -> None:
        self._folder, self._keys, self._header = folder, list(keys), header
        self._subjects, self._digests, self._dataset = list(subjects), list(digests), dataset

    def digests(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for subjects, digests in zip(self._subjects, self._digests, strict=True):
            out.update(zip(subjects, digests, strict=True))
        out[_subject(self._dataset[0])] = subject_digest(self._dataset)
        return out

    def triples_of(self, subjects: Collection[str]) -> dict[str, list[Triple]]:
        wanted = set(subjects)
        out: dict[str, list[Triple]] = defaultdict(list)
        for t in self._dataset:
            if _subject(t) in wanted:
                out[_subject(t)].append(t)
        for k, held in enumerate(self._subjects):
            if wanted.isdisjoint(held):
                continue
            path = self._folder / graph_name(self._keys[k])
            graph = PartGraph.parse(path.read_bytes())
            if graph is None or graph.subjects != held:
                raise OSError(f"{path}: the network's kept part changed while the build read it")
            for quad in parse(input=self._header + graph.pairs + graph.organisations, format=RdfFormat.TURTLE):
                subject = _subject(quad.triple)
                if subject in wanted:
                    out[subject].append(quad.triple)
        return dict(out)
