"""The collaboration network's files made in parts, each part kept by a digest of the facts it depends on, so that
a rebuild after a changed project makes the parts of that project's organisations again and writes the same
bytes as a full build.

A *part* is what the network's files hold for a run of organisations (sorted by IRI): their rows in
``collaboration-organisations.csv``, their nodes in ``collaboration.graphml``, and the pairs whose first
organisation they are: rows in ``collaboration-edges.csv``, edges in the GraphML and, for a pair of two or more
shared projects, its node in ``collaboration.ttl``. Every file lists organisations, and pairs, in that order, so
each file is its parts one after the other (the GraphML's nodes, then its edges, numbered as they come).

Where runs end depends on the organisations alone: a run starts at the first organisation, and at each whose
CRC-32 is a multiple of ``PART_EVERY``, so a new organisation changes the run it falls in and no other. A part's
key is ``NetworkFacts.part_digest`` of its organisations: their names and business ids and, for each of their
projects, its code, funding, years and organisations with their names. A changed granted amount changes the
keys of the parts of the project's organisations, about one part each; at 30,000 projects there are about 500.

docs/decisions/20261205-network-in-parts.md says why the parts are cut by organisation.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from esrgraph.io.atomic import atomic_write_bytes
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
    ProjectRef,
    csv_rows,
    derive_collaboration,
    edge_rows,
    edge_tails,
    graphml_edges,
    graphml_nodes,
    organisation_rows,
)

#: A run of organisations starts at each whose CRC-32 is a multiple of this (and at the first).
PART_EVERY = 128
#: A kept part's file name starts with this, then its key.
KEPT_PART = "network-"
#: The parts' layout; a part of another layout is made again.
PART_FORMAT = b"esrgraph-network-part 1\n"

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
    repeated: tuple[Collaboration, ...]  # the pairs of REPEATED or more shared projects, for collaboration.ttl

    def to_bytes(self) -> bytes:
        return framed(PART_FORMAT, {"pairs": self.pairs, "repeated": [_pair_json(p) for p in self.repeated]},
                      (self.edges, self.organisations, self.nodes, self.tails))

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
            return cls(edges, organisations, nodes, tails, pairs, tuple(_pair_of(p) for p in head["repeated"]))
        except (ValueError, KeyError, TypeError, ArithmeticError):
            return None

    def edge_elements(self, first: int) -> bytes:
        """The part's GraphML edges, numbered from ``first``."""
        return graphml_edges(self.tails.split(b"\0"), first) if self.pairs else b""


def make_part(facts: NetworkFacts, organisations: Sequence[str]) -> NetworkPart:
    """The part of a run of ``organisations``."""
    pairs = list(facts.pairs_of(organisations))
    nodes = [facts.organisation(org) for org in organisations]
    return NetworkPart(edge_rows(pairs), organisation_rows(nodes), graphml_nodes(nodes), b"\0".join(edge_tails(pairs)),
                       len(pairs), tuple(p for p in pairs if p.shared >= REPEATED))


def _pair_json(pair: Collaboration) -> list[object]:
    return [pair.a, pair.b, pair.a_name, pair.b_name, [[r.iri, r.code] for r in pair.projects], str(pair.granted),
            pair.first_year, pair.last_year]


def _pair_of(row: list[object]) -> Collaboration:
    a, b, a_name, b_name, refs, granted, first, last = row
    if not (isinstance(refs, list) and all(isinstance(x, str) for x in (a, b, a_name, b_name, granted))
            and all(y is None or isinstance(y, int) for y in (first, last))):
        raise TypeError("not a pair")
    return Collaboration(str(a), str(b), str(a_name), str(b_name), tuple(ProjectRef(str(i), str(c)) for i, c in refs),
                         Decimal(str(granted)), first if isinstance(first, int) else None,
                         last if isinstance(last, int) else None)


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
        used.update(self.keys)
        self.counts = counts if counts is not None else PartsMade()
        self._derived: DerivedCollaboration | None = None

    def part(self, k: int, *, again: bool = False) -> NetworkPart:
        """The ``k``-th part, kept or made (and kept); ``again``: read once already (not counted twice)."""
        path = self.folder / self.keys[k]
        try:
            kept = NetworkPart.parse(path.read_bytes())
        except OSError:
            kept = None
        if kept is not None:
            self.counts.kept += not again
            return kept
        made = make_part(self.facts, self.runs[k])
        atomic_write_bytes(path, made.to_bytes(), durable=False)
        self.counts.made += 1
        return made

    def turtle(self) -> DerivedCollaboration:
        """``collaboration.ttl`` and its number of triples, from the parts' pairs of ``REPEATED`` or more shared
        projects (made once)."""
        if self._derived is None:
            repeated: list[Collaboration] = []
            for k in range(len(self.runs)):
                repeated += self.part(k).repeated
            self._derived = derive_collaboration(CollaborationNetwork(tuple(repeated), tuple(
                self.facts.organisation(org) for org in self.facts.organisations)), self.base)
        return self._derived

    def write(self, folder: Path) -> CollaborationFiles:
        """The network's files written into ``folder``: each table is its parts one after the other (read again,
        not held: a part is in memory only while it is written)."""
        derived = self.turtle()

        def fill(write: dict[str, Callable[[bytes], object]]) -> int:
            write[_EDGES](csv_rows([EDGE_COLUMNS]))
            write[_ORGANISATIONS](csv_rows([ORGANISATION_COLUMNS]))
            write[_GRAPHML](GRAPHML_HEAD)
            for k in range(len(self.runs)):
                p = self.part(k, again=True)
                write[_EDGES](p.edges)
                write[_ORGANISATIONS](p.organisations)
                write[_GRAPHML](p.nodes)
            first = 0
            for k in range(len(self.runs)):
                p = self.part(k, again=True)
                write[_GRAPHML](p.edge_elements(first))
                first += p.pairs
            write[_GRAPHML](GRAPHML_TAIL)
            write[_TTL](derived.turtle)
            return derived.triples

        return CollaborationFiles.write(folder, fill, parts=self.keys)
