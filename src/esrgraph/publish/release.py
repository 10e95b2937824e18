"""Release folders: every file a portal downloads, the catalogue that describes them, and
what changed since the previous release.

``write_release`` writes ``OUT/release/`` (an unnamed snapshot) or, with a name,
``OUT/releases/NAME/``::

    esrgraph.ttl  esrgraph.nt.gz  esrgraph.jsonld.gz  context.jsonld   the graph
    esr-ontology.ttl  shapes/*.ttl  validation-report.ttl           vocabulary, rules, report
    collaboration.ttl  collaboration-edges.csv                      the collaboration network, derived
    collaboration-organisations.csv  collaboration.graphml          (esrgraph.publish.collaboration)
    vocabulary.html  codelists.html  CHANGELOG.md                   for people
    catalog.ttl                                                     DCAT-AP 3 + VoID

The previous release is the release folder in ``OUT/releases/`` whose name sorts just
before this one (names compare as versions: ``2025-02`` < ``2025-10``, ``1.9`` < ``1.10``);
an unnamed snapshot compares with the newest release. Nothing reads the clock: dates come
from ``--issued``, a date at the start of the release name, ``SOURCE_DATE_EPOCH``, or the
newest project start date in the data, in that order. The same input therefore gives the
same release, byte for byte.
"""

from __future__ import annotations

import gzip
import hashlib
import ipaddress
import os
import re
import shutil
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from pyoxigraph import Triple

from esrgraph.core.errors import EnvironmentFault, UsageError, name_file
from esrgraph.core.vocab import CODE, DCTERMS, DEFAULT_BASE, ESR, ORG, PREFIXES, RDF
from esrgraph.io.atomic import atomic_copy_file
from esrgraph.io.digests import sha256_of_open
from esrgraph.io.export import JSONLD_GZIP_LEVEL, gzip_member, serialize_triples
from esrgraph.io.formats import OutputFormat
from esrgraph.io.pagecache import drop_cached
from esrgraph.publish.catalog import (
    COLLABORATION,
    DistributionFile,
    GraphStats,
    ReleaseInfo,
    catalog_prefixes,
    catalog_triples,
    check_download_base,
)
from esrgraph.publish.collaboration import COLLABORATION_FILES
from esrgraph.publish.jsonld import context, dumps
from esrgraph.publish.publisher import Publisher, load_publisher

if TYPE_CHECKING:
    from esrgraph.pipeline.result import BuildOptions, BuildResult
    from esrgraph.publish.collaboration import CollaborationFiles
    from esrgraph.publish.pieces import PieceSet

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$")
_DATE_PREFIX = re.compile(r"^(\d{4})-(\d\d)(?:-(\d\d))?")


@dataclass(frozen=True, slots=True)
class PublishOptions:
    """How to publish a build: release name, download location, date, publisher facts."""

    release: str | None = None
    download_base: str | None = None
    issued: date | None = None
    publisher_file: str | None = None
    #: The build cache (``--incremental``), where the release keeps its graph files' pieces; None: keep none.
    cache_dir: str | None = None


@dataclass
class ReleaseChanges:
    """What changed since the previous release (all lists sorted)."""

    previous: str | None = None
    projects_added: list[str] = field(default_factory=list)
    projects_removed: list[str] = field(default_factory=list)
    projects_changed: list[str] = field(default_factory=list)
    organisations_added: list[str] = field(default_factory=list)
    organisations_removed: list[str] = field(default_factory=list)
    triples_added: int = 0
    triples_removed: int = 0
    titles: dict[str, str] = field(default_factory=dict)  # project code -> title

    def summary(self) -> str:
        """One paragraph for adms:versionNotes."""
        if self.previous is None:
            return "First release: no earlier release to compare with."

        def part(label: str, codes: list[str]) -> str:
            return f"{len(codes)} {label}" + (f" ({', '.join(codes)})" if codes else "")

        return (f"Changes since release {self.previous}: " + "; ".join([
            part("projects added", self.projects_added), part("projects removed", self.projects_removed),
            part("projects changed", self.projects_changed),
            f"{len(self.organisations_added)} organisations added, {len(self.organisations_removed)} removed",
            f"{self.triples_added} triples added, {self.triples_removed} triples removed"]) + ".")


@dataclass
class ReleaseResult:
    folder: Path
    version: str
    files: list[Path]
    changes: ReleaseChanges
    catalog: Path
    stats: GraphStats
    #: The release's ``collaboration.ttl`` (the derived collaboration network); the build writes the same bytes
    #: as ``OUT/collaboration.ttl`` so that ``esrgraph query OUT`` loads it beside ``OUT/esrgraph.ttl``.
    collaboration: Path | None = None


#: The release's JSON-LD: gzipped like the N-Triples (a tenth of the bytes), its ``@context`` the ``context.jsonld``
#: beside it (docs/decisions/20261205-gzipped-jsonld.md).
JSONLD_FILE = "esrgraph.jsonld.gz"


def check_release_name(name: str) -> str:
    if not _NAME.match(name) or name in (".", ".."):
        raise UsageError(f"release name {name!r} must be 1-64 letters, digits, '.', '_', '+' or '-' "
                         "(for example 2025-06-30 or 1.2.0)")
    return name


#: Top-level domains no published dataset can live under: reserved for examples, tests, invalid names and
#: the local machine (RFC 2606 section 2, RFC 6761 section 6) and for multicast DNS on a local network
#: (RFC 6762, ``.local``).
_RESERVED_TLDS = frozenset({"example", "test", "invalid", "localhost", "local"})


def example_host(iri: str) -> str | None:
    """The host of ``iri`` when no published dataset can live under it, else None: a reserved top-level domain
    (``.example``, ``.test``, ``.invalid``, ``.localhost``, ``.local``), ``example.`` directly under any
    top-level domain (RFC 2606's example.com, .net and .org, and the ``data.example.fi`` esrgraph once
    defaulted to), ``localhost``, or an IP address that is not globally reachable (loopback, private,
    documentation ranges). Decided on the parsed host, never on the text around it.

    >>> example_host("https://data.example.fi/esr/"), example_host("http://[::1]:8000/esr/")
    ('data.example.fi', '::1')
    >>> example_host("https://w3id.org/esrgraph/id/"), example_host("https://example.org.fi/data.example.org/")
    (None, None)
    """
    try:
        host = urlsplit(iri).hostname
    except ValueError:
        return None
    if not host:
        return None
    host = host.rstrip(".").lower()
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        labels = host.split(".")
        reserved = labels[-1] in _RESERVED_TLDS or (len(labels) >= 2 and labels[-2] == "example")
        return host if reserved else None
    return None if address.is_global else host


def check_release_base(base: str, allow_example_base: bool = False, *, what: str = "base",
                       fix: str = f"give --base an IRI under a domain you publish at (the default is {DEFAULT_BASE})"
                       ) -> None:
    """Refuse (UsageError, exit 2) to release or push data whose IRIs lie under an ``example_host``: they
    resolve nowhere, and IRIs once published cannot be taken back. ``allow_example_base``
    (``--allow-example-base``) lets tests and demonstrations through. ``what`` and ``fix`` name the IRI and
    the remedy in the message."""
    host = example_host(base)
    if host is not None and not allow_example_base:
        raise UsageError(f"{what} {base} lies under {host}, a host meant for examples, tests or one machine, so "
                         f"the published IRIs would resolve nowhere: {fix}, or give --allow-example-base to go on "
                         "anyway (for tests and demonstrations; do not publish the result)")


def published_base(path: Path) -> str | None:
    """The data base IRI of what ``esrgraph push`` would publish (a build folder or an RDF file), read off its
    first project IRI (``<base>project/<code>``); None when it holds no project."""
    from typing import BinaryIO, cast

    from pyoxigraph import NamedNode, parse

    from esrgraph.core.errors import InputError
    from esrgraph.io.formats import rdf_format_of

    graph = path / "esrgraph.ttl" if path.is_dir() else path
    project_type = NamedNode(ESR + "Project")
    try:
        fmt = rdf_format_of(graph)
        with gzip.open(graph, "rb") if graph.name.lower().endswith(".gz") else open(graph, "rb") as handle:
            for t in parse(cast(BinaryIO, handle), format=fmt):
                if t.object == project_type and isinstance(t.subject, NamedNode) and "/project/" in t.subject.value:
                    return t.subject.value[: t.subject.value.rindex("project/")]
    except (OSError, SyntaxError, ValueError, InputError):
        return None  # push itself reports a file it cannot read
    return None


def release_folder(out: Path, name: str | None) -> Path:
    """The folder a release is written to: ``OUT/releases/NAME`` or ``OUT/release``.

    Raises:
        EnvironmentFault: it is a symbolic link. A release is swapped in whole by renames (so a build
            killed half-way leaves the previous one), and a rename replaces the link, not the folder it
            points to: the first build would move the link aside and every later one fail on it.
    """
    folder = out / "releases" / check_release_name(name) if name else out / "release"
    refuse_link(folder)
    return folder


def refuse_link(folder: Path) -> None:
    """Raise EnvironmentFault when ``folder``, a folder a build replaces whole, is a symbolic link."""
    if folder.is_symlink():
        raise EnvironmentFault(str(folder), f"is a symbolic link (to {os.readlink(folder)}); a build replaces this "
                               "folder whole, by renames, which would move the link, not write where it points",
                               "remove the link (what it points to stays) and build again; to publish elsewhere, "
                               "make OUT itself the link, or copy the folder after the build")


def version_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that compares digit runs as numbers: ``1.9`` < ``1.10``, ``2025-2`` < ``2025-10``."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in re.findall(r"\d+|[^\d]+", name))


def existing_releases(out: Path) -> list[str]:
    """Names of the complete releases in ``out/releases``, oldest first."""
    root = out / "releases"
    if not root.is_dir():
        return []
    names = [p.name for p in root.iterdir() if (p / "catalog.ttl").is_file() and (p / "esrgraph.nt.gz").is_file()]
    return sorted(names, key=version_key)


def previous_release(out: Path, name: str | None) -> str | None:
    names = [n for n in existing_releases(out) if n != name]
    if name is not None:
        names = [n for n in names if version_key(n) < version_key(name)]
    return names[-1] if names else None


def release_date(name: str | None, issued: date | None, stats: GraphStats) -> date:
    """This release's date, never from the clock (see the module docstring)."""
    if issued:
        return issued
    if name and (m := _DATE_PREFIX.match(name)):
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3) or 1))
        except ValueError:
            pass
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC).date()
    if stats.latest_start:
        return stats.latest_start
    return date(1970, 1, 1)


# --------------------------------------------------------------------- changes

def _subject(line: str) -> str | None:
    if line.startswith("<"):
        return line[1:line.index(">")]
    return None


def _owner(subject: str, root: str) -> str | None:
    """The top resource under ``root`` that ``subject`` belongs to (project/S1/x -> S1)."""
    if not subject.startswith(root):
        return None
    return subject[len(root):].split("/", 1)[0] or None


def _typed(lines: Iterable[str], cls: str) -> set[str]:
    tail = f" <{RDF}type> <{cls}> ."
    return {s for line in lines if line.endswith(tail) and (s := _subject(line))}


def _titles(lines: Iterable[str], root: str) -> dict[str, str]:
    import json

    out: dict[str, str] = {}
    pred = f" <{DCTERMS}title> "
    for line in lines:
        if pred in line and line.startswith(f"<{root}"):
            code = _owner(_subject(line) or "", root)
            literal = line.split(pred, 1)[1]
            m = re.match(r'^("(?:[^"\\]|\\.)*")', literal)
            if code and m and code not in out:
                out[code] = json.loads(m.group(1))
    return out


def compare_graphs(old: Sequence[str], new: Sequence[str], base: str, previous: str | None) -> ReleaseChanges:
    """Projects and organisations added, removed and changed, and triple counts, from N-Triples lines."""
    old_set, new_set = set(old), set(new)
    changes = ReleaseChanges(previous=previous)
    changes.triples_added = len(new_set - old_set)
    changes.triples_removed = len(old_set - new_set)
    proj_root, org_root = f"{base}project/", f"{base}organisation/"
    old_projects = {code for s in _typed(old_set, ESR + "Project") if (code := _owner(s, proj_root)) is not None}
    new_projects = {code for s in _typed(new_set, ESR + "Project") if (code := _owner(s, proj_root)) is not None}
    by_project: dict[str, list[set[str]]] = defaultdict(lambda: [set(), set()])
    for index, lines in enumerate((old_set - new_set, new_set - old_set)):
        for line in lines:
            subj = _subject(line)
            code = _owner(subj, proj_root) if subj else None
            if code:
                by_project[code][index].add(line)
    changes.projects_added = sorted(new_projects - old_projects)
    changes.projects_removed = sorted(old_projects - new_projects)
    changes.projects_changed = sorted(c for c in (old_projects & new_projects) if c in by_project and any(by_project[c]))
    old_orgs = _typed(old_set, ORG + "Organization")
    new_orgs = _typed(new_set, ORG + "Organization")
    changes.organisations_added = sorted(o[len(org_root):] for o in new_orgs - old_orgs)
    changes.organisations_removed = sorted(o[len(org_root):] for o in old_orgs - new_orgs)
    changes.titles = {**_titles(old_set, proj_root), **_titles(new_set, proj_root)}
    return changes


def _md(text: str) -> str:
    """Markdown-escape record text so a title cannot become markup or HTML."""
    return re.sub(r"([\\`*_\[\]<>#|!])", r"\\\1", " ".join(text.split()))


def changelog_text(version: str, released: date, changes: ReleaseChanges, earlier: str | None) -> str:
    """CHANGELOG.md of a release: this release first, then the previous release's log."""
    lines = ["# Changelog of the esrgraph dataset", "", f"## {version} ({released.isoformat()})", ""]
    if changes.previous is None:
        lines += ["First release.", ""]
    else:
        lines += [f"Compared with release {changes.previous}: {changes.triples_added} triples added, "
                  f"{changes.triples_removed} triples removed.", ""]
        for label, codes in (("Projects added", changes.projects_added),
                             ("Projects removed", changes.projects_removed),
                             ("Projects changed", changes.projects_changed)):
            lines.append(f"### {label} ({len(codes)})")
            lines.append("")
            lines += [f"- {_md(c)}: {_md(changes.titles.get(c, ''))}".rstrip(": ") for c in codes] or ["- none"]
            lines.append("")
        lines.append(f"### Organisations added ({len(changes.organisations_added)}), "
                     f"removed ({len(changes.organisations_removed)})")
        lines.append("")
        lines += [f"- added {_md(o)}" for o in changes.organisations_added]
        lines += [f"- removed {_md(o)}" for o in changes.organisations_removed]
        if not (changes.organisations_added or changes.organisations_removed):
            lines.append("- none")
        lines.append("")
    if earlier:
        body = earlier.split("\n", 1)[1] if earlier.startswith("# ") else earlier
        lines.append(body.strip("\n"))
        lines.append("")
    return "\n".join(lines)


# --------------------------------------------------------------------- writing

def _shapes_files() -> list[Path]:
    from esrgraph.core.resources import resource_dir

    return sorted(resource_dir("shapes").glob("*.ttl"))


class _HashingFile:
    """A file being written into the staging folder, with its size and SHA-256 kept on the way (a failed
    write names it: a write to an open file names no file)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._handle = open(path, "wb")  # noqa: SIM115 - closed in close()
        self._hash = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self._hash.update(data)
        self.size += len(data)
        try:
            return self._handle.write(data)
        except OSError as exc:
            name_file(exc, self.path)
            raise

    def flush(self) -> None:
        try:
            self._handle.flush()
        except OSError as exc:
            name_file(exc, self.path)
            raise

    def close(self) -> tuple[int, str]:
        """Flush to disk and close; the size and digest."""
        try:
            self._handle.flush()
            os.fsync(self._handle.fileno())
            self._handle.close()
        except OSError as exc:
            name_file(exc, self.path)
            raise
        return self.size, self._hash.hexdigest()


def _write_file(path: Path, data: bytes) -> tuple[int, str]:
    """Write ``data`` to ``path`` (and to disk); its size and digest."""
    out = _HashingFile(path)
    out.write(data)
    return out.close()


def _copy_file(source: Path, target: Path) -> tuple[int, str]:
    """``source`` into ``target`` (``atomic_copy_file``: a hard link where the file system allows); its
    size and digest."""
    atomic_copy_file(source, target)
    with open(target, "rb") as handle:  # a hard link to the build's file: the store's stamp reads it once with this
        return os.fstat(handle.fileno()).st_size, sha256_of_open(handle)


def write_release(
    triples: Sequence[Triple],
    out_dir: str | os.PathLike[str],
    *,
    base: str = DEFAULT_BASE,
    prefixes: dict[str, str] | None = None,
    report_triples: Sequence[Triple] = (),
    options: PublishOptions | None = None,
    publisher: Publisher | None = None,
    graph_files: dict[str, Path] | None = None,
    pieces: PieceSet | None = None,
) -> ReleaseResult:
    """Write a release folder into ``out_dir`` and return what was written and what changed.

    Args:
        triples: the built graph (data and code lists) in sorted order, as ``BuildResult.triples``.
        out_dir: the build output folder; the release goes to ``release/`` or ``releases/NAME/`` in it.
        base: the data base IRI.
        prefixes: Turtle prefixes (``BuildResult.prefixes()``).
        report_triples: the SHACL validation report.
        options: release name, download base, issued date, publisher file.
        publisher: publisher facts (read from ``options.publisher_file`` or data/publisher.toml when None).
        graph_files: the same graph already written as sorted N-Triples and Turtle with ``prefixes``
            (``{"ntriples": path, "turtle": path}``, as ``BuildResult.write_graph`` writes them),
            and optionally ``"report"``, the SHACL report as Turtle with ``prefixes`` (then
            ``report_triples`` is not read): the release copies and streams those instead of
            holding and serialising the triples, which lets it keep up with tens of thousands of
            projects.
        pieces: the pieces of ``graph_files["ntriples"]`` (``esrgraph.publish.pieces``), when the caller made them
            already (the build does, for its collaboration network); else the release makes its own.

    Raises:
        UsageError: a bad release name or publisher file.
    """
    options = options or PublishOptions()
    out = Path(out_dir)
    name = options.release or None
    folder = release_folder(out, name)
    rel_folder = f"releases/{name}/" if name else "release/"
    publisher = _publisher(options, publisher)
    prefixes = prefixes if prefixes is not None else {**PREFIXES, "project": f"{base}project/",
                                                      "organisation": f"{base}organisation/"}
    previous = previous_release(out, name)
    # The release is written whole into a hidden staging folder and then swapped in, so a rerun
    # leaves no stale file and a build killed half-way leaves the previous release as it was.
    staging = _staging_folder(folder)
    try:
        result = _write_release(triples, out, folder, rel_folder, staging, name, base, prefixes, report_triples,
                                options, publisher, graph_files, previous, pieces)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, OSError):
            _name_in_release(exc, staging, folder)
        raise
    _swap_in(staging, folder)
    return result


def _publisher(options: PublishOptions, publisher: Publisher | None) -> Publisher:
    """The publisher facts (read from the publisher file when None) with the download base of ``options``,
    ending in "/"; the base checked, as an absolute http(s) URL, wherever it came from."""
    publisher = publisher or load_publisher(options.publisher_file)
    if options.download_base:
        check_download_base(options.download_base)
        publisher = publisher.with_download_base(options.download_base)
    elif publisher.download_base:
        check_download_base(publisher.download_base, f"download_base in {options.publisher_file or 'data/publisher.toml'}")
    if publisher.download_base and not publisher.download_base.endswith("/"):
        publisher = publisher.with_download_base(publisher.download_base + "/")
    return publisher


def _name_in_release(exc: OSError, staging: Path, folder: Path) -> None:
    """Let ``exc`` name the release file it was writing, not its copy in the hidden staging folder."""
    if exc.filename is None:
        exc.filename = str(folder)
    elif isinstance(exc.filename, str) and Path(exc.filename).is_relative_to(staging):
        exc.filename = str(folder / Path(exc.filename).relative_to(staging))


def _write_release(triples: Sequence[Triple], out: Path, folder: Path, rel_folder: str, staging: Path,
                   name: str | None, base: str, prefixes: dict[str, str], report_triples: Sequence[Triple],
                   options: PublishOptions, publisher: Publisher, graph_files: dict[str, Path] | None,
                   previous: str | None, pieces: PieceSet | None) -> ReleaseResult:
    from concurrent.futures import ThreadPoolExecutor
    from contextlib import ExitStack

    from esrgraph.core.resources import ontology_file
    from esrgraph.publish.jsonld import DOCUMENT_TAIL, document_head

    dists: dict[str, DistributionFile | None] = {}

    def add(name_: str, size: int, digest: str, title_en: str, title_fi: str, media: str | None, ftype: str = "",
            compress: str | None = None, role: str = "data", dataset: str = "") -> None:
        dists[name_] = (DistributionFile(name_, title_en, title_fi, media, ftype, size, digest, compress, role, dataset)
                        if media else None)

    def add_bytes(name_: str, data: bytes, title_en: str, title_fi: str, media: str | None, ftype: str = "",
                  compress: str | None = None, role: str = "data", dataset: str = "") -> None:
        add(name_, *_write_file(staging / name_, data), title_en, title_fi, media, ftype, compress, role, dataset)

    jsonld_prefixes = _jsonld_prefixes(prefixes)
    with ThreadPoolExecutor(max_workers=1) as pool, ExitStack() as stack:
        # hashlib lets go of the GIL, so the Turtle is copied and hashed beside the pieces below.
        if graph_files is not None:
            turtle = pool.submit(_copy_file, graph_files["turtle"], staging / "esrgraph.ttl")
            source: Path | bytes = graph_files["ntriples"]
        else:
            source = nt = serialize_triples(triples, OutputFormat.NTRIPLES, presorted=True)
            turtle_bytes = serialize_triples(triples, OutputFormat.TURTLE, prefixes, presorted=True)
        if pieces is None:
            pieces = stack.enter_context(release_pieces(source, base, prefixes, options.cache_dir, staging.parent))
        # The gzipped N-Triples, the gzipped JSON-LD, the statistics and the vocabulary documents' facts come from the
        # pieces of the graph's chunks (esrgraph.publish.pieces): kept in the build cache, only a changed chunk's
        # piece is made again.
        drop_cached([folder / "esrgraph.nt.gz", folder / JSONLD_FILE])  # the last release's: replaced (io.pagecache)
        packed, jsonld_file = _HashingFile(staging / "esrgraph.nt.gz"), _HashingFile(staging / JSONLD_FILE)
        jsonld_file.write(gzip_member(document_head("context.jsonld"), JSONLD_GZIP_LEVEL))
        made = pieces.write(packed.write, jsonld_file.write)
        jsonld_file.write(gzip_member(DOCUMENT_TAIL, JSONLD_GZIP_LEVEL))
        gz_size, gz_digest = packed.close()
        jsonld_size, jsonld_digest = jsonld_file.close()
        nt_digest = pieces.ntriples_digest
        network = pieces.collaboration_files()
        if graph_files is not None:
            turtle_size, turtle_digest = turtle.result()
        else:
            turtle_size, turtle_digest = _write_file(staging / "esrgraph.ttl", turtle_bytes)
        counter, docs = made.counter, made.docs
        derived_triples = {COLLABORATION: _add_collaboration(add, staging, network)}
    stats = counter.stats(made.distinct_objects)
    add("esrgraph.ttl", turtle_size, turtle_digest, "The graph (Turtle)", "Verkko (Turtle)", "text/turtle",
        "RDF_TURTLE")
    add("esrgraph.nt.gz", gz_size, gz_digest, "The graph (N-Triples, gzip)", "Verkko (N-Triples, gzip)",
        "application/n-triples", "RDF_N_TRIPLES", compress="application/gzip")
    add(JSONLD_FILE, jsonld_size, jsonld_digest, "The graph (JSON-LD, gzip, with context.jsonld)",
        "Verkko (JSON-LD, gzip, context.jsonld-kontekstilla)", "application/ld+json", "JSON_LD",
        compress="application/gzip")
    add_bytes("context.jsonld", dumps(context(jsonld_prefixes)).encode("utf-8"),
              f"JSON-LD context of {JSONLD_FILE}", f"{JSONLD_FILE}-tiedoston JSON-LD-konteksti", "application/ld+json",
              "JSON_LD", role="context")
    add_bytes("esr-ontology.ttl", ontology_file().read_bytes(), "The esrgraph ontology (OWL, Turtle)",
              "esrgraph-ontologia (OWL, Turtle)", "text/turtle", "RDF_TURTLE", role="ontology")
    for path in _shapes_files():
        add_bytes(f"shapes/{path.name}", path.read_bytes(), f"SHACL shapes {path.stem}", f"SHACL-muodot {path.stem}",
                  "text/turtle", "RDF_TURTLE", role="shapes")
    report_titles = ("SHACL validation report of this release", "Julkaisun SHACL-validointiraportti", "text/turtle",
                     "RDF_TURTLE")
    if graph_files is not None and "report" in graph_files:
        add("validation-report.ttl", *_copy_file(graph_files["report"], staging / "validation-report.ttl"),
            *report_titles, role="report")
    else:
        add_bytes("validation-report.ttl", serialize_triples(report_triples, OutputFormat.TURTLE,
                                                             {"sh": "http://www.w3.org/ns/shacl#", **prefixes}),
                  *report_titles, role="report")

    old_lines: list[str] = []
    earlier_log: str | None = None
    previous_issued: date | None = None
    if previous:
        prev_dir = out / "releases" / previous
        old_lines = gzip.decompress((prev_dir / "esrgraph.nt.gz").read_bytes()).decode("utf-8").splitlines()
        if (prev_dir / "CHANGELOG.md").is_file():
            earlier_log = (prev_dir / "CHANGELOG.md").read_text(encoding="utf-8")
        previous_issued = _catalog_issued(prev_dir / "catalog.ttl", base)
        new_text = graph_files["ntriples"].read_text(encoding="utf-8") if graph_files is not None else nt.decode("utf-8")
        changes = compare_graphs(old_lines, new_text.splitlines(), base, previous)
    else:
        changes = ReleaseChanges(previous=None)
    modified = release_date(name, options.issued, stats)
    issued = min(previous_issued, modified) if previous_issued else modified
    version = name or f"snapshot-{nt_digest[:12]}"
    add_bytes("CHANGELOG.md", changelog_text(version, modified, changes, earlier_log).encode("utf-8"), "", "", None)
    for doc_name, html in docs.documents().items():
        add_bytes(doc_name, html.encode("utf-8"), "", "", None)

    release = ReleaseInfo(version=version, folder=rel_folder, issued=issued, modified=modified, previous=previous,
                          notes_en=changes.summary(), pages=("vocabulary.html", "codelists.html", "CHANGELOG.md"))
    catalog = catalog_triples(stats, base, publisher, release, [d for d in dists.values() if d], derived_triples)
    add_bytes("catalog.ttl", serialize_triples(catalog, OutputFormat.TURTLE, catalog_prefixes(base)), "", "", None)
    written = [folder / file_name for file_name in dists]
    return ReleaseResult(folder=folder, version=version, files=written, changes=changes, catalog=folder / "catalog.ttl",
                         stats=stats, collaboration=folder / "collaboration.ttl")


#: Each collaboration file's titles, media type and DCAT-AP file type.
_COLLABORATION_TITLES = {
    "collaboration.ttl": ("Collaboration network (Turtle; load it with esrgraph.ttl)",
                          "Yhteistyöverkosto (Turtle; ladataan esrgraph.ttl:n kanssa)", "text/turtle", "RDF_TURTLE"),
    "collaboration-edges.csv": ("Collaboration network: pairs of organisations (CSV)",
                                "Yhteistyöverkosto: organisaatioparit (CSV)", "text/csv", "CSV"),
    "collaboration-organisations.csv": ("Collaboration network: organisations and their projects (CSV)",
                                        "Yhteistyöverkosto: organisaatiot ja niiden hankkeet (CSV)", "text/csv", "CSV"),
    "collaboration.graphml": ("Collaboration network (GraphML, XML)", "Yhteistyöverkosto (GraphML, XML)",
                              "application/xml", "XML"),
}


def _add_collaboration(add: Callable[..., None], staging: Path, files: CollaborationFiles) -> int:
    """Put the files of the collaboration network, distributions of the collaboration dataset, into the release
    (hard links to the kept files where the file system allows); the number of triples of its RDF."""
    for name in COLLABORATION_FILES:
        atomic_copy_file(files.path(name), staging / name)
        add(name, *files.sizes_and_digests[name], *_COLLABORATION_TITLES[name], dataset=COLLABORATION)
    return files.triples


def _jsonld_prefixes(prefixes: dict[str, str]) -> dict[str, str]:
    """The JSON-LD context's prefixes: the Turtle ones and ``code``."""
    return {"code": CODE, **prefixes}


def release_pieces(ntriples: Path | bytes, base: str, prefixes: dict[str, str], cache_dir: str | None,
                   scratch: Path) -> PieceSet:
    """The pieces of a graph's sorted N-Triples (a file or its bytes) as a release with ``base`` and Turtle
    ``prefixes`` makes them, kept in ``cache_dir``/release when given (``esrgraph.publish.pieces``)."""
    from esrgraph.pipeline.cache.fingerprint import program_fingerprint
    from esrgraph.publish.pieces import PieceSet, PieceSettings

    cache = Path(cache_dir) / "release" if cache_dir else None
    settings = PieceSettings(base, _jsonld_prefixes(prefixes), program_fingerprint() if cache is not None else "")
    return PieceSet(ntriples, settings, cache=cache, scratch=scratch)


def _staging_folder(folder: Path) -> Path:
    """A new empty hidden folder beside ``folder`` (stale ones from killed builds are removed first)."""
    import tempfile

    folder.parent.mkdir(parents=True, exist_ok=True)
    for stale in folder.parent.glob(f".{folder.name}.*.tmp"):
        _remove(stale)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".tmp", dir=folder.parent))
    os.chmod(staging, 0o755)  # mkdtemp makes 0700
    return staging


def _swap_in(staging: Path, folder: Path) -> None:
    """Replace ``folder`` by ``staging`` with two renames (the previous one is removed afterwards)."""
    old = folder.with_name(f".{folder.name}.old.tmp")
    if folder.exists():
        _remove(old)
        os.rename(folder, old)
    os.rename(staging, folder)
    _remove(old)


def _remove(path: Path) -> None:
    """Remove what a killed build left at ``path``: a folder with its files, or a file or link alone (never
    what a link points to: earlier versions moved a linked OUT/release aside as ``.release.old.tmp``)."""
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path, ignore_errors=True)


def _catalog_issued(path: Path, base: str) -> date | None:
    from pyoxigraph import NamedNode, RdfFormat, parse

    try:
        for t in parse(path=str(path), format=RdfFormat.TURTLE):
            if t.subject == NamedNode(f"{base}dataset") and t.predicate == NamedNode(DCTERMS + "issued"):
                return date.fromisoformat(t.object.value[:10])
    except (OSError, SyntaxError, ValueError):
        return None
    return None


def write_build_release(result: BuildResult, out_dir: str | os.PathLike[str],
                        options: BuildOptions | PublishOptions | None = None,
                        graph_files: dict[str, Path] | None = None,
                        pieces: PieceSet | None = None) -> ReleaseResult:
    """``write_release`` for a ``BuildResult``; what ``esrgraph build`` calls from ``write_outputs``.

    ``options`` is a ``BuildOptions`` (its release, download_base and issued fields), a
    ``PublishOptions``, or None (an unnamed snapshot in ``OUT/release/``); ``graph_files`` the
    graph as ``result.write_graph`` wrote it.
    """
    options = publish_options(options)
    return write_release(
        result.triples, out_dir, base=result.base, prefixes=result.prefixes(),
        report_triples=result.validation.report_triples() if result.validation and not (
            graph_files and "report" in graph_files) else [],
        options=options, graph_files=graph_files, pieces=pieces,
    )


def publish_options(options: BuildOptions | PublishOptions | None) -> PublishOptions | None:
    """``options`` as PublishOptions: a ``BuildOptions``' release, download base and issued date (checked)."""
    if options is None or isinstance(options, PublishOptions):
        return options
    issued = getattr(options, "issued", None)
    try:
        issued_date = date.fromisoformat(issued) if isinstance(issued, str) else issued
    except ValueError:
        raise UsageError(f"--issued {issued!r} is not a date; use YYYY-MM-DD") from None
    return PublishOptions(release=getattr(options, "release", None),
                          download_base=getattr(options, "download_base", None), issued=issued_date,
                          publisher_file=getattr(options, "publisher_file", None),
                          cache_dir=getattr(options, "cache_dir", None))


def example_publisher(options: BuildOptions | PublishOptions | None = None) -> str | None:
    """What in the catalogue's publisher facts is only an example, for the build to say (None: nothing): a home
    page or e-mail domain under an ``example_host``, as the bundled data/publisher.toml has. A portal would
    harvest that publisher as the dataset's; the release is written all the same (the facts are not IRIs of
    the data), but the user is told which file to give."""
    publish = publish_options(options) or PublishOptions()
    publisher = load_publisher(publish.publisher_file)
    where = publish.publisher_file or "the bundled data/publisher.toml"
    found = []
    if example_host(publisher.homepage):
        found.append(f"home page {publisher.homepage}")
    if example_host(f"https://{publisher.email.rpartition('@')[2]}/"):
        found.append(f"e-mail {publisher.email}")
    if not found:
        return None
    return (f"the catalogue's publisher is an example ({', '.join(found)}, from {where}): give --publisher FILE "
            "with your organisation's facts (a copy of data/publisher.toml) before publishing")


def check_release_options(out_dir: str | os.PathLike[str],
                          options: BuildOptions | PublishOptions | None = None, *,
                          allow_example_base: bool = False) -> None:
    """Raise what ``write_build_release`` would refuse (a bad release name, date or download base, a
    linked release folder, a broken publisher file) and a build's base under an example host unless
    ``allow_example_base`` (``check_release_base``), before a build writes anything."""
    base = getattr(options, "base", None)  # a BuildOptions' (None: the default base)
    check_release_base(base if isinstance(base, str) else DEFAULT_BASE, allow_example_base)
    publish = publish_options(options) or PublishOptions()
    release_folder(Path(out_dir), publish.release or None)
    _publisher(publish, None)
