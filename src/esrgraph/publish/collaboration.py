"""The collaboration network as derived data: which organisations worked together, in which projects.

Counting every pair of organisations that shared a project is a self-join over all participation links,
which took 5.3 s at 30,000 projects as a query; researchers who study collaboration want the network as
data anyway (networkx, igraph, Gephi, data frames). So it is computed once, from the release's pieces of the
graph (esrgraph.publish.pieces: each chunk's ``CollaborationCollector.share``), before the query store is loaded;
its files are kept, and when the network's facts changed they are written from parts of which only those whose
facts changed are made again (esrgraph.publish.network_parts). The release publishes it as

- ``collaboration.ttl``: one ``esr:Collaboration`` node per pair of two or more shared projects (a
  qualified relation, like ``org:Membership``) and ``esr:projectCount``/``esr:projectCodes`` on each organisation; the named queries
  ``co-implementer-pairs`` and ``organisations-in-several-projects`` read it beside ``esrgraph.ttl``;
- ``collaboration-edges.csv`` and ``collaboration-organisations.csv``: every pair, and every organisation, as
  tables;
- ``collaboration.graphml``: the same as a graph file (typed keys for every attribute).

docs/decisions/20261204-collaboration-network.md says why the network is modelled so. Every writer is a
pure function of the network (or, for a part, of some organisations' rows), and every order is fixed (pairs by
IRIs, organisations by IRI, projects by code), so the same graph gives the same bytes.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from esrgraph.core.vocab import DCTERMS, ESR, PROV, RDF, SKOS, XSD
from esrgraph.io.export import serialize_triples
from esrgraph.io.formats import OutputFormat

_APPLICANT, _CO_IMPLEMENTER, _PARTNER = ESR + "applicant", ESR + "coImplementer", ESR + "partner"
_IDENTIFIER, _GRANTED = DCTERMS + "identifier", ESR + "grantedEUAndStateFunding"
_START, _END = ESR + "plannedStartDate", ESR + "plannedEndDate"
_PREF_LABEL, _BUSINESS_ID = SKOS + "prefLabel", ESR + "businessId"
_YEAR = re.compile(r"^(\d{4})-")

#: The fewest shared projects of a pair in the derived graph (a repeated collaboration); the tables hold every pair.
REPEATED = 2

#: The columns of the two tables: a contract that notebooks and the site rely on.
EDGE_COLUMNS = ("source", "target", "source_name", "target_name", "shared_projects", "granted_funding",
                "first_year", "last_year", "projects")
ORGANISATION_COLUMNS = ("id", "name", "business_id", "projects", "project_codes")


@dataclass(frozen=True, slots=True)
class ProjectRef:
    """A project as the network names it: its IRI and its code (dcterms:identifier)."""

    iri: str
    code: str


@dataclass(frozen=True, slots=True)
class Collaboration:
    """Two organisations (``a`` < ``b`` as IRI strings) and the projects they both took part in."""

    a: str
    b: str
    a_name: str
    b_name: str
    projects: tuple[ProjectRef, ...]  # sorted by code, then IRI
    granted: Decimal  # granted EU and state funding of the shared projects, summed
    first_year: int | None  # earliest planned start year of the shared projects
    last_year: int | None  # latest planned end year of the shared projects

    @property
    def shared(self) -> int:
        return len(self.projects)


@dataclass(frozen=True, slots=True)
class OrganisationNode:
    """An organisation that took part in at least one project, as applicant or co-implementer."""

    iri: str
    name: str
    business_id: str
    projects: tuple[ProjectRef, ...]  # sorted by code, then IRI


@dataclass(frozen=True, slots=True)
class CollaborationNetwork:
    """Pairs sorted by (a, b) and organisations sorted by IRI."""

    pairs: tuple[Collaboration, ...]
    organisations: tuple[OrganisationNode, ...]


class CollaborationCollector:
    """Gathers participations and the project and organisation facts the network needs, one triple at a time.

    ``add`` is called for every triple of the graph (about 4.5 million at 30,000 projects), so it looks
    only at the predicate until it is one of the eight it wants.

    Years: the ontology has only the planned implementation period (``esr:plannedStartDate``,
    ``esr:plannedEndDate``); no actual dates are published, so a pair's first year is the earliest planned
    start year of its shared projects and its last year the latest planned end year.
    """

    #: The predicates ``add`` reads; every other triple is passed over.
    PREDICATES = (_APPLICANT, _CO_IMPLEMENTER, _PARTNER, _IDENTIFIER, _GRANTED, _START, _END, _PREF_LABEL, _BUSINESS_ID)

    def __init__(self) -> None:
        self._members: dict[str, set[str]] = defaultdict(set)
        self._identifiers: dict[str, str] = {}
        self._granted: dict[str, list[str]] = defaultdict(list)
        self._starts: dict[str, int] = {}
        self._ends: dict[str, int] = {}
        self._labels: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self._business_ids: dict[str, str] = {}
        self._handlers: dict[str, Callable[[str, NamedNode | BlankNode | Literal | Triple], None]] = {
            _APPLICANT: self._member, _CO_IMPLEMENTER: self._member, _PARTNER: self._member,
            _IDENTIFIER: self._identifier,
            _GRANTED: self._grant, _START: self._start, _END: self._end, _PREF_LABEL: self._label,
            _BUSINESS_ID: self._business_id,
        }

    def add(self, t: Triple) -> None:
        handler = self._handlers.get(t.predicate.value)
        if handler is not None:
            subject = t.subject
            if not isinstance(subject, Triple):
                handler(subject.value, t.object)

    def _member(self, subject: str, o: NamedNode | BlankNode | Literal | Triple) -> None:
        if isinstance(o, NamedNode):
            self._members[subject].add(o.value)

    def _identifier(self, subject: str, o: NamedNode | BlankNode | Literal | Triple) -> None:
        if isinstance(o, Literal):
            known = self._identifiers.get(subject)
            if known is None or o.value < known:
                self._identifiers[subject] = o.value

    def _grant(self, subject: str, o: NamedNode | BlankNode | Literal | Triple) -> None:
        if isinstance(o, Literal):
            self._granted[subject].append(o.value)

    def _start(self, subject: str, o: NamedNode | BlankNode | Literal | Triple) -> None:
        if isinstance(o, Literal) and (m := _YEAR.match(o.value)):
            year = int(m.group(1))
            self._starts[subject] = min(year, self._starts.get(subject, year))

    def _end(self, subject: str, o: NamedNode | BlankNode | Literal | Triple) -> None:
        if isinstance(o, Literal) and (m := _YEAR.match(o.value)):
            year = int(m.group(1))
            self._ends[subject] = max(year, self._ends.get(subject, year))

    def _label(self, subject: str, o: NamedNode | BlankNode | Literal | Triple) -> None:
        if isinstance(o, Literal):
            self._labels[subject].append((o.language or "", o.value))

    def _business_id(self, subject: str, o: NamedNode | BlankNode | Literal | Triple) -> None:
        if isinstance(o, Literal):
            known = self._business_ids.get(subject)
            if known is None or o.value < known:
                self._business_ids[subject] = o.value

    def share(self) -> dict[str, Any]:
        """What was gathered, as JSON for ``merge`` (one release chunk's share: esrgraph.publish.pieces)."""
        return {"members": {s: sorted(v) for s, v in self._members.items()}, "identifiers": self._identifiers,
                "granted": self._granted, "starts": self._starts, "ends": self._ends,
                "labels": {s: [list(label) for label in v] for s, v in self._labels.items()},
                "business_ids": self._business_ids}

    def merge(self, share: dict[str, Any]) -> None:
        """Add another collector's ``share``, as if its triples had been added here."""
        for s, members in share["members"].items():
            self._members[s].update(members)
        for mine, theirs, pick in ((self._identifiers, share["identifiers"], min), (self._starts, share["starts"], min),
                                   (self._ends, share["ends"], max), (self._business_ids, share["business_ids"], min)):
            for s, value in theirs.items():
                known = mine.get(s)
                mine[s] = value if known is None else pick(known, value)
        for s, values in share["granted"].items():
            self._granted[s].extend(values)
        for s, labels in share["labels"].items():
            self._labels[s].extend((lang, value) for lang, value in labels)

    def facts(self) -> NetworkFacts:
        """What was gathered, indexed for making the network organisation by organisation."""
        return NetworkFacts(self)

    def network(self) -> CollaborationNetwork:
        """The pairs and the organisations, from what ``add`` gathered."""
        return self.facts().network()


@dataclass(frozen=True, slots=True)
class _ProjectFact:
    ref: ProjectRef
    granted: Decimal
    start: int | None
    end: int | None


def _funding(values: Iterable[str]) -> Decimal:
    total = Decimal(0)
    for value in values:
        try:
            total += Decimal(value)
        except InvalidOperation:
            continue  # not a decimal: the SHACL report names it; SUM in SPARQL would fail on it too
    return total


class NetworkFacts:
    """A collector's facts indexed by organisation: the network's pairs can be made for some organisations at a
    time (``pairs_of``), so that its files can be made in parts (esrgraph.publish.network_parts) and a part
    whose facts did not change is kept.

    Projects are visited in code order, so each pair's and organisation's list comes out sorted without a sort
    of its own (792,620 pairs at 30,000 projects).
    """

    def __init__(self, collector: CollaborationCollector) -> None:
        c = collector
        ordered = sorted((c._identifiers.get(p) or p.rsplit("/", 1)[-1], p) for p in c._members)
        self._facts: dict[str, _ProjectFact] = {}
        self._members: dict[str, tuple[str, ...]] = {}
        self._projects_of: dict[str, list[str]] = defaultdict(list)
        for code, project in ordered:
            self._facts[project] = _ProjectFact(ProjectRef(project, code), _funding(c._granted.get(project, ())),
                                                c._starts.get(project), c._ends.get(project))
            members = self._members[project] = tuple(sorted(c._members[project]))
            for org in members:
                self._projects_of[org].append(project)
        self._granted = c._granted
        #: Organisations that took part in a project, sorted by IRI.
        self.organisations = sorted(self._projects_of)
        self._names = {org: _name(c._labels.get(org)) for org in self.organisations}
        self._business_ids = c._business_ids
        self._project_digest_table: dict[str, bytes] = {}

    def name(self, org: str) -> str:
        return self._names[org]

    def organisation(self, org: str) -> OrganisationNode:
        return OrganisationNode(org, self._names[org], self._business_ids.get(org, ""),
                                tuple(self._facts[p].ref for p in self._projects_of[org]))

    def pairs_of(self, orgs: Iterable[str]) -> Iterator[Collaboration]:
        """The pairs whose first organisation is one of ``orgs`` (sorted), sorted by (a, b)."""
        names = self._names
        for a in orgs:
            by_b: dict[str, list[_ProjectFact]] = defaultdict(list)
            for project in self._projects_of[a]:
                fact = self._facts[project]
                for b in self._members[project]:
                    if b > a:
                        by_b[b].append(fact)
            a_name = names[a]
            for b in sorted(by_b):
                shared = by_b[b]
                if len(shared) == 1:
                    f = shared[0]
                    yield Collaboration(a, b, a_name, names[b], (f.ref,), f.granted, f.start, f.end)
                    continue
                starts = [f.start for f in shared if f.start is not None]
                ends = [f.end for f in shared if f.end is not None]
                yield Collaboration(a, b, a_name, names[b], tuple(f.ref for f in shared),
                                    sum((f.granted for f in shared), Decimal(0)), min(starts) if starts else None,
                                    max(ends) if ends else None)

    def part_digest(self, orgs: Iterable[str], salt: bytes) -> str:
        """A digest of every fact the rows of ``orgs`` depend on in every file of the network: each organisation's
        name and business id and, for each of its projects, the project's code, funding, years and organisations
        with their names. Rows of organisations whose digest is the same are the same bytes."""
        digest = hashlib.sha256(salt)
        projects = self._project_digests
        for org in orgs:
            digest.update(json.dumps([org, self._names[org], self._business_ids.get(org, "")],
                                     ensure_ascii=False).encode("utf-8"))
            for project in self._projects_of[org]:
                digest.update(projects(project))
        return digest.hexdigest()

    def _project_digests(self, project: str) -> bytes:
        table = self._project_digest_table
        known = table.get(project)
        if known is None:
            f = self._facts[project]
            members = self._members[project]
            known = table[project] = hashlib.sha256(json.dumps(
                [project, f.ref.code, self._granted.get(project, []), f.start, f.end,
                 [[org, self._names[org]] for org in members]], ensure_ascii=False).encode("utf-8")).digest()
        return known

    def network(self) -> CollaborationNetwork:
        """The whole network."""
        return CollaborationNetwork(tuple(self.pairs_of(self.organisations)),
                                    tuple(self.organisation(org) for org in self.organisations))


def _name(labels: list[tuple[str, str]] | None) -> str:
    """An organisation's prefLabel: the Finnish one, else the one without a language, else the first."""
    if not labels:
        return ""
    return min(labels, key=lambda label: ({"fi": 0, "": 1}.get(label[0], 2), label))[1]


def collaboration_network(triples: Iterable[Triple]) -> CollaborationNetwork:
    """The network of a graph given whole (tests, small graphs)."""
    collector = CollaborationCollector()
    for t in triples:
        collector.add(t)
    return collector.network()


@dataclass(frozen=True, slots=True)
class DerivedCollaboration:
    """The network's ``collaboration.ttl`` and the number of its triples (which the catalogue states)."""

    turtle: bytes
    triples: int


#: The collaboration dataset's files, in the order the release lists them.
COLLABORATION_FILES = ("collaboration.ttl", "collaboration-edges.csv", "collaboration-organisations.csv",
                       "collaboration.graphml")


@dataclass(frozen=True, slots=True)
class CollaborationFiles:
    """The collaboration dataset's files (``COLLABORATION_FILES``) written in ``folder``, each one's size and
    SHA-256, and the number of triples of its RDF: what the build keeps, so that a rebuild whose network did not
    change makes none of them again."""

    folder: Path
    sizes_and_digests: dict[str, tuple[int, str]]
    triples: int
    #: The names of the kept parts the files were written from (esrgraph.publish.network_parts).
    parts: tuple[str, ...] = ()

    _MANIFEST = "manifest.json"

    @classmethod
    def write(cls, folder: Path, fill: Callable[[dict[str, Callable[[bytes], object]]], int], *,
              parts: Sequence[str] = ()) -> CollaborationFiles:
        """Write the files into ``folder``: ``fill`` writes their bytes through one writer per name (in any order
        between the files, each file's in order) and returns the number of triples of ``collaboration.ttl``;
        ``parts`` names the kept parts they are made of. The folder is made whole beside ``folder``, then renamed
        into place."""
        import shutil
        import tempfile

        made = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".tmp", dir=folder.parent))
        try:
            with ExitStack() as stack:
                handles = {name: stack.enter_context(open(made / name, "wb")) for name in COLLABORATION_FILES}
                digests = {name: hashlib.sha256() for name in COLLABORATION_FILES}

                def writer(name: str) -> Callable[[bytes], object]:
                    handle, digest = handles[name], digests[name]

                    def write(data: bytes) -> None:
                        handle.write(data)
                        digest.update(data)
                    return write

                triples = fill({name: writer(name) for name in COLLABORATION_FILES})
                sizes_and_digests = {name: (handles[name].tell(), digests[name].hexdigest())
                                     for name in COLLABORATION_FILES}
            (made / cls._MANIFEST).write_text(json.dumps({"files": sizes_and_digests, "triples": triples,
                                                          "parts": list(parts)}), encoding="utf-8")
            shutil.rmtree(folder, ignore_errors=True)
            os.rename(made, folder)
        except BaseException:
            shutil.rmtree(made, ignore_errors=True)
            raise
        return cls(folder, sizes_and_digests, triples, tuple(parts))

    @classmethod
    def read(cls, folder: Path, *, check: Iterable[str] = COLLABORATION_FILES) -> CollaborationFiles | None:
        """The files ``write`` left in ``folder``; None when one of ``check`` is missing or not as written (a file of a
        release is a hard link to its kept file, and could have been edited in place: its SHA-256 is read
        again, as its time is not to be trusted, and linking it changes its ctime)."""
        try:
            manifest = json.loads((folder / cls._MANIFEST).read_text(encoding="utf-8"))
            files = {name: (int(manifest["files"][name][0]), str(manifest["files"][name][1]))
                     for name in COLLABORATION_FILES}
            for name in check:
                size, digest = files[name]
                with open(folder / name, "rb") as handle:
                    if os.fstat(handle.fileno()).st_size != size or hashlib.file_digest(handle, "sha256").hexdigest() != digest:
                        return None
            parts = manifest["parts"]
            if not (isinstance(parts, list) and all(isinstance(name, str) for name in parts)):
                return None
            return cls(folder, files, int(manifest["triples"]), tuple(parts))
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            return None

    def path(self, name: str) -> Path:
        return self.folder / name


def derive_collaboration(network: CollaborationNetwork, base: str) -> DerivedCollaboration:
    """``network``'s ``collaboration.ttl`` (the derived graph as Turtle, in ``collaboration_triples``' order) and its
    number of triples."""
    triples = collaboration_triples(network, base)
    return DerivedCollaboration(serialize_triples(triples, OutputFormat.TURTLE, collaboration_prefixes(base),
                                                  presorted=True), len(triples))


# --------------------------------------------------------------------- RDF

#: A local part ``_key_text`` keeps as it is but for ``/`` -> ``.``: words of letters, digits and ``_`` joined
#: by single ``-`` or ``/``.
_PLAIN_KEY = re.compile(r"^\w+(?:[-/]\w+)*$")


def _key_text(iri: str, root: str) -> str:
    """One organisation's part of a pair IRI: readable, percent-safe, and never holding ``--``.

    The IRI relative to ``{base}organisation/`` (the whole IRI for another one), with letters, digits and
    ``_`` kept, ``/`` written ``.`` (our organisation IRIs hold no dot), a ``-`` kept unless it would start,
    end or double a dash, and everything else percent-encoded (UTF-8):
    ``name/jyväskylän-kaupunki`` -> ``name.jyväskylän-kaupunki``.
    Two different organisations therefore never give the same pair IRI, and ``--`` separates the two.
    """
    local = iri[len(root):] if iri.startswith(root) and len(iri) > len(root) else iri
    if _PLAIN_KEY.match(local):  # every IRI esrgraph mints: no character to encode
        return local.replace("/", ".")
    out: list[str] = []
    last = len(local) - 1
    for i, ch in enumerate(local):
        if ch.isalnum() or ch == "_":
            out.append(ch)
        elif ch == "/":
            out.append(".")
        elif ch == "-" and 0 < i < last and not (out and out[-1].endswith("-")) and local[i + 1] != "-":
            out.append("-")
        else:
            out.append(quote(ch, safe="").replace("~", "%7E").replace("-", "%2D").replace(".", "%2E"))
    return "".join(out)


def collaboration_iri(base: str, a: str, b: str) -> str:
    """``{base}collaboration/{a}--{b}`` for organisations ``a`` < ``b`` (see ``_key_text``).

    >>> collaboration_iri("https://x.fi/", "https://x.fi/organisation/0116480-8",
    ...                   "https://x.fi/organisation/name/jyväskylän-kaupunki")
    'https://x.fi/collaboration/0116480-8--name.jyväskylän-kaupunki'
    """
    root = f"{base}organisation/"
    return f"{base}collaboration/{_key_text(a, root)}--{_key_text(b, root)}"


def collaboration_triples(network: CollaborationNetwork, base: str, *, dataset: bool = True) -> list[Triple]:
    """The derived graph, built in its files' order: the repeated pairs in the network's order (by their two
    organisations' IRIs), then the graph's own node (unless not ``dataset``: a part of the network), then the
    organisations by IRI; each subject's triples as ``esrgraph.io.export.sort_triples`` orders them (rdf:type
    first, then by predicate and object). So the network's parts, one after another, are the whole (minted IRIs
    give the subjects' sorted order too: ``collaboration/`` < ``dataset/`` < ``organisation/``).

    The graph names itself (``{base}dataset/collaboration``, an ``esr:CollaborationNetwork`` derived from
    ``{base}dataset``), so a query can tell a store without it from a network with no pair. Each pair that
    shared two or more projects (a repeated collaboration) is an ``esr:Collaboration``; each organisation gets
    its ``esr:projectCount`` and ``esr:projectCodes``. Pairs of one shared project are in the tables and the
    GraphML only: at 30,000 generated projects they are 769,753 of 792,620 pairs, 6.1 million triples that would
    make the derived graph larger than the main one, and the named query counts them from the participation
    links when asked (``--param minShared=1``). Years are xsd:integer: see the decision record.
    """
    rdf_type, collaboration = NamedNode(RDF + "type"), NamedNode(ESR + "Collaboration")
    collaborator, first_year, last_year = NamedNode(ESR + "collaborator"), NamedNode(ESR + "firstYear"), NamedNode(
        ESR + "lastYear")
    funding, shared_project = NamedNode(ESR + "sharedGrantedFunding"), NamedNode(ESR + "sharedProject")
    shared_count, project_codes = NamedNode(ESR + "sharedProjectCount"), NamedNode(ESR + "projectCodes")
    project_count = NamedNode(ESR + "projectCount")
    decimal = NamedNode(XSD + "decimal")
    integers: dict[int, Literal] = {}

    def integer(value: int) -> Literal:
        literal = integers.get(value)
        if literal is None:
            literal = integers[value] = Literal(str(value), datatype=NamedNode(XSD + "integer"))
        return literal

    nodes: dict[str, NamedNode] = {}

    def node(iri: str) -> NamedNode:
        term = nodes.get(iri)
        if term is None:
            term = nodes[iri] = NamedNode(iri)
        return term

    subjects: list[tuple[str, int, int]] = [(collaboration_iri(base, p.a, p.b), 0, i)
                                            for i, p in enumerate(network.pairs) if p.shared >= REPEATED]
    if dataset:
        subjects.append((f"{base}dataset/collaboration", 2, 0))
    subjects += [(o.iri, 1, i) for i, o in enumerate(network.organisations)]
    out: list[Triple] = []
    append = out.append
    for iri, kind, index in subjects:
        s = NamedNode(iri)
        if kind == 2:  # the derived graph itself
            append(Triple(s, rdf_type, NamedNode(ESR + "CollaborationNetwork")))
            append(Triple(s, NamedNode(PROV + "wasDerivedFrom"), NamedNode(f"{base}dataset")))
            continue
        if kind == 1:  # an organisation: projectCodes < projectCount
            org = network.organisations[index]
            append(Triple(s, project_codes, Literal(" ".join(p.code for p in org.projects))))
            append(Triple(s, project_count, integer(len(org.projects))))
            continue
        pair = network.pairs[index]
        append(Triple(s, rdf_type, collaboration))
        append(Triple(s, collaborator, node(pair.a)))
        append(Triple(s, collaborator, node(pair.b)))
        if pair.first_year is not None:
            append(Triple(s, first_year, integer(pair.first_year)))
        if pair.last_year is not None:
            append(Triple(s, last_year, integer(pair.last_year)))
        append(Triple(s, funding, Literal(_decimal_text(pair.granted), datatype=decimal)))
        for iri_ in sorted(p.iri for p in pair.projects):
            append(Triple(s, shared_project, node(iri_)))
        append(Triple(s, shared_count, integer(pair.shared)))
    return out


def collaboration_prefixes(base: str) -> dict[str, str]:
    return {"esr": ESR, "xsd": XSD, "prov": PROV, "collaboration": f"{base}collaboration/",
            "organisation": f"{base}organisation/",
            "project": f"{base}project/"}


def collaboration_turtle(network: CollaborationNetwork, base: str) -> bytes:
    """``collaboration.ttl``: the derived graph as Turtle, in ``collaboration_triples``' order."""
    return derive_collaboration(network, base).turtle


def _decimal_text(value: Decimal) -> str:
    return format(value, "f")


# --------------------------------------------------------------------- tables

#: Starts that make a spreadsheet read a cell as a formula (as esrgraph.quality.spreadsheet, which publish
#: may not import: the two packages share a layer and stay independent).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(text: str) -> str:
    """Text a spreadsheet shows and never runs: a leading quote before a formula start, CR as LF."""
    if text.startswith(_FORMULA_STARTS):
        text = "'" + text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _year(value: int | None) -> str:
    return "" if value is None else str(value)


def csv_rows(rows: Iterable[Iterable[str]]) -> bytes:
    """Rows as RFC 4180 CSV (UTF-8, CRLF): the tables are these bytes for the header, then for their rows."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8")


def edge_rows(pairs: Iterable[Collaboration]) -> bytes:
    """The rows of ``pairs`` in ``collaboration-edges.csv``."""
    return csv_rows((p.a, p.b, _cell(p.a_name), _cell(p.b_name), str(p.shared), _decimal_text(p.granted),
                     _year(p.first_year), _year(p.last_year), " ".join(r.code for r in p.projects)) for p in pairs)


def organisation_rows(organisations: Iterable[OrganisationNode]) -> bytes:
    """The rows of ``organisations`` in ``collaboration-organisations.csv``."""
    return csv_rows((o.iri, _cell(o.name), _cell(o.business_id), str(len(o.projects)),
                     " ".join(r.code for r in o.projects)) for o in organisations)


def edges_csv(network: CollaborationNetwork) -> bytes:
    """``collaboration-edges.csv`` (RFC 4180, UTF-8): one row per pair, columns ``EDGE_COLUMNS``."""
    return csv_rows([EDGE_COLUMNS]) + edge_rows(network.pairs)


def organisations_csv(network: CollaborationNetwork) -> bytes:
    """``collaboration-organisations.csv``: one row per organisation, columns ``ORGANISATION_COLUMNS``."""
    return csv_rows([ORGANISATION_COLUMNS]) + organisation_rows(network.organisations)


# --------------------------------------------------------------------- GraphML

#: Characters XML 1.0 cannot hold, even escaped: written as U+FFFD (as the SPARQL XML results do).
_NOT_XML_CHAR = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

_NODE_KEYS = (("name", "string"), ("business_id", "string"), ("projects", "int"), ("project_codes", "string"))
_EDGE_KEYS = (("shared_projects", "int"), ("granted_funding", "double"), ("first_year", "int"), ("last_year", "int"),
              ("projects", "string"))


def _xml(text: str) -> str:
    text = _NOT_XML_CHAR.sub("\ufffd", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;").replace(
        "\r", "&#13;").replace("\n", "&#10;").replace("\t", "&#9;")


#: The GraphML file up to its first node, and after its last edge.
GRAPHML_HEAD = "".join(line + "\n" for line in [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
    'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">',
    *(f'  <key id="n_{name}" for="node" attr.name="{name}" attr.type="{kind}"/>' for name, kind in _NODE_KEYS),
    *(f'  <key id="e_{name}" for="edge" attr.name="{name}" attr.type="{kind}"/>' for name, kind in _EDGE_KEYS),
    '  <graph id="collaboration" edgedefault="undirected">']).encode("utf-8")
GRAPHML_TAIL = b"  </graph>\n</graphml>\n"
#: What an edge element starts with, before its number (``e0``, ``e1``, ... in pair order) and ``edge_tails``.
GRAPHML_EDGE_START = b'    <edge id="e'


def graphml_nodes(organisations: Iterable[OrganisationNode]) -> bytes:
    """The node elements of ``organisations``."""
    lines = []
    for org in organisations:
        lines.append(f'    <node id="{_xml(org.iri)}">')
        lines.append(f'      <data key="n_name">{_xml(org.name)}</data>')
        if org.business_id:
            lines.append(f'      <data key="n_business_id">{_xml(org.business_id)}</data>')
        lines.append(f'      <data key="n_projects">{len(org.projects)}</data>')
        lines.append(f'      <data key="n_project_codes">{_xml(" ".join(r.code for r in org.projects))}</data>')
        lines.append("    </node>")
    return "".join(line + "\n" for line in lines).encode("utf-8")


def edge_tails(pairs: Iterable[Collaboration]) -> list[bytes]:
    """Each pair's edge element after its number: the element is ``GRAPHML_EDGE_START``, the pair's index, then
    this. A tail holds no NUL (XML cannot; ``_xml`` writes U+FFFD), so tails can be kept joined by one."""
    ids: dict[str, str] = {}  # each IRI escaped once, not once an edge

    def xml_id(iri: str) -> str:
        known = ids.get(iri)
        if known is None:
            known = ids[iri] = _xml(iri)
        return known

    tails: list[bytes] = []
    append = tails.append
    for pair in pairs:
        years = (f'\n      <data key="e_first_year">{pair.first_year}</data>' if pair.first_year is not None else "") + (
            f'\n      <data key="e_last_year">{pair.last_year}</data>' if pair.last_year is not None else "")
        append(f'" source="{xml_id(pair.a)}" target="{xml_id(pair.b)}">\n'
               f'      <data key="e_shared_projects">{pair.shared}</data>\n'
               f'      <data key="e_granted_funding">{_decimal_text(pair.granted)}</data>{years}\n'
               f'      <data key="e_projects">{_xml(" ".join(r.code for r in pair.projects))}</data>\n'
               "    </edge>\n".encode())
    return tails


def graphml_edges(tails: Iterable[bytes], first: int) -> bytes:
    """The edge elements of ``tails`` (``edge_tails``), numbered from ``first``."""
    return b"".join(b"%s%d%s" % (GRAPHML_EDGE_START, index, tail) for index, tail in enumerate(tails, first))


def graphml(network: CollaborationNetwork) -> bytes:
    """``collaboration.graphml``: an undirected graph, nodes the organisations (id = IRI), edges the pairs.

    Every attribute has a typed ``<key>`` (GraphML's int, double, string), so networkx, igraph and Gephi
    read numbers as numbers; a year a pair has no date for is left out, not written empty.
    """
    return b"".join((GRAPHML_HEAD, graphml_nodes(network.organisations),
                     graphml_edges(edge_tails(network.pairs), 0), GRAPHML_TAIL))
