"""The DCAT-AP 3 catalogue and VoID statistics of one build (``catalog.ttl``).

Everything that depends on the build is computed from its triples and its files: the
temporal coverage from the projects' dates, the spatial coverage from the NUTS codes of
the regions the projects name, keywords from the funds used, the VoID counts, and each
distribution's byte size and SHA-256. Only the publisher's facts come from
``data/publisher.toml``. Dates come from the release (its name, ``--issued`` or the
data), never from the clock, so the same build gives the same bytes.

The catalogue also carries the few typing triples SEMIC's DCAT-AP 3.0.1 shapes need for
the EU vocabulary terms it uses (``skos:Concept`` for themes, ``dcterms:LicenseDocument``
for the licence, ...), as publishers do, so it validates stand-alone.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from hashlib import blake2b
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from esrgraph.core.errors import UsageError
from esrgraph.core.vocab import (
    ADMS,
    CODE,
    DCAT,
    DCTERMS,
    ESR,
    ESRSH,
    FOAF,
    NUTS,
    OWL,
    PREFIXES,
    PROV,
    RDF,
    RDFS,
    SKOS,
    VCARD,
    VOID,
    XSD,
)
from esrgraph.publish.publisher import PUBLISHER_TYPE_LABELS, PUBLISHER_TYPE_SCHEME, Publisher

SPDX = "http://spdx.org/rdf/terms#"
CC = "http://creativecommons.org/ns#"
EU = "http://publications.europa.eu/resource/authority/"
IANA = "http://www.iana.org/assignments/media-types/"
FILE_TYPE = EU + "file-type/"
DATA_THEME = EU + "data-theme"
COUNTRY_FIN = EU + "country/FIN"
LANGUAGES = {"fi": EU + "language/FIN", "en": EU + "language/ENG", "sv": EU + "language/SWE"}

#: Prefixes written into catalog.ttl.
CATALOG_PREFIXES: dict[str, str] = {
    **{k: v for k, v in PREFIXES.items() if k not in ("org", "rov", "schema", "locn")},
    "void": VOID, "spdx": SPDX, "cc": CC, "vcard": VCARD,
    "filetype": FILE_TYPE, "theme": DATA_THEME + "/", "eulang": EU + "language/", "eulicence": EU + "licence/",
    "iana": IANA,
}

#: EU data themes of the dataset (http://publications.europa.eu/resource/authority/data-theme).
THEMES: dict[str, dict[str, str]] = {
    "ECON": {"en": "Economy and finance", "fi": "Talous ja raha-asiat"},
    "GOVE": {"en": "Government and public sector", "fi": "Hallinto ja julkinen sektori"},
    "REGI": {"en": "Regions and cities", "fi": "Alueet ja kaupungit"},
    "SOCI": {"en": "Population and society", "fi": "Väestö ja yhteiskunta"},
}

KEYWORDS: dict[str, tuple[str, ...]] = {
    "fi": ("rakennerahastot", "EU-hankkeet", "hankkeet", "aluekehitys", "linkitetty data"),
    "en": ("structural funds", "EU projects", "projects", "regional development", "linked data"),
}

#: Namespaces of our own resources; objects outside them (and outside plain classes) are links.
EXTERNAL_TARGETS: tuple[tuple[str, str, str], ...] = (
    ("nuts", NUTS, "Eurostat NUTS"),
    ("nuts-scheme", "http://data.europa.eu/nuts/", "Eurostat NUTS"),
    ("suomi-fi", "http://uri.suomi.fi/", "Finnish interoperability platform code lists (uri.suomi.fi)"),
    ("eu-authority", EU, "EU Vocabularies authority tables"),
    ("creativecommons", "https://creativecommons.org/", "Creative Commons licences"),
)


def _n(iri: str) -> NamedNode:
    return NamedNode(iri)


def _lit(value: str, lang: str | None = None) -> Literal:
    return Literal(value, language=lang) if lang else Literal(value)


def _typed(value: object, datatype: str) -> Literal:
    return Literal(str(value), datatype=NamedNode(XSD + datatype))


@dataclass(frozen=True, slots=True)
class DistributionFile:
    """One file of a release, as the catalogue describes it."""

    name: str  # path inside the release folder, '/'-separated
    title_en: str
    title_fi: str
    media_type: str  # IANA media type, e.g. text/turtle
    file_type: str  # EU file-type code, e.g. RDF_TURTLE
    size: int
    sha256: str
    compress: str | None = None  # IANA media type of the compression, e.g. application/gzip
    role: str = "data"  # data | context | ontology | shapes | report
    dataset: str = ""  # the dataset it is a distribution of: "" the graph, COLLABORATION the derived network


#: ``DistributionFile.dataset`` of the collaboration network's files (esrgraph.publish.collaboration).
COLLABORATION = "collaboration"


@dataclass(frozen=True, slots=True)
class ReleaseInfo:
    """What the catalogue says about this release."""

    version: str
    folder: str  # the release folder relative to the published build folder, e.g. releases/2025-01/
    issued: date  # when the dataset was first issued
    modified: date  # this release's date
    previous: str | None = None
    notes_en: str | None = None
    pages: tuple[str, ...] = ()  # documentation files in the release folder (vocabulary, changelog)


@dataclass
class GraphStats:
    """VoID-style statistics and the coverage the catalogue reports, all from the triples."""

    triples: int = 0
    entities: int = 0
    distinct_subjects: int = 0
    distinct_objects: int = 0
    classes: Counter[str] = field(default_factory=Counter)
    properties: Counter[str] = field(default_factory=Counter)
    links: Counter[tuple[str, str]] = field(default_factory=Counter)  # (target key, predicate) -> count
    projects: list[str] = field(default_factory=list)
    start: date | None = None
    end: date | None = None
    latest_start: date | None = None
    nuts: list[str] = field(default_factory=list)
    funds: list[str] = field(default_factory=list)
    labels: dict[str, dict[str, str]] = field(default_factory=dict)


def _target(iri: str) -> str | None:
    for key, ns, _title in EXTERNAL_TARGETS:
        if iri.startswith(ns):
            return key
    if iri.startswith(("http://", "https://")):
        return "web"
    return None


def _subject_text(term: NamedNode | BlankNode | Triple) -> str:
    """A subject's IRI or blank-node id; a triple term (RDF 1.2; esrgraph writes none) as its text."""
    return str(term) if isinstance(term, Triple) else term.value


def graph_stats(triples: Iterable[Triple], base: str) -> GraphStats:
    """Count the graph and find its projects, dates, NUTS regions and funds.

    >>> from pyoxigraph import NamedNode as N, Triple
    >>> s = graph_stats([Triple(N("https://x.fi/project/A"), N(RDF + "type"), N(ESR + "Project"))], "https://x.fi/")
    >>> (s.triples, s.entities, s.projects)
    (1, 1, ['https://x.fi/project/A'])
    """
    counter = GraphCounter(base)
    for t in triples:
        counter.add(t)
    return counter.stats()


class GraphCounter:
    """``graph_stats`` fed one triple at a time, so a release reads a large graph only once."""

    def __init__(self, base: str) -> None:
        self._stats = GraphStats()
        self._subjects: set[object] = set()
        self._objects: set[object] = set()
        self._own = (base, CODE, ESR, ESRSH)
        self._base = base
        self._regions: set[str] = set()
        self._broader: dict[str, set[str]] = defaultdict(set)
        self._subregions: set[str] = set()
        self._exact: dict[str, set[str]] = defaultdict(set)
        self._funds: set[str] = set()
        self._starts: list[str] = []
        self._ends: list[str] = []
        self._link_keys: dict[str, str | None] = {}
        self._merged_subjects = self._merged_entities = 0

    def add(self, t: Triple) -> None:
        stats = self._stats
        subject, p, o = t.subject, t.predicate.value, t.object
        self._subjects.add(subject)
        self._objects.add(o)
        stats.properties[p] += 1
        if p == _RDF_TYPE and isinstance(o, NamedNode):
            stats.classes[o.value] += 1
            if o.value == _PROJECT:
                stats.projects.append(_subject_text(subject))
            return
        if isinstance(o, NamedNode):
            value = o.value
            s = _subject_text(subject)
            if s.startswith(self._own) and not value.startswith(self._own):
                key = self._link_keys.get(value, "")
                if key == "":
                    key = self._link_keys[value] = _target(value)
                if key:
                    stats.links[(key, p)] += 1
            if p == _REGION:
                self._regions.add(value)
            elif p == _SUBREGION:
                self._subregions.add(value)
            elif p in (_BROADER, _PART_OF):  # a sub-region is dcterms:isPartOf its region (issue 20)
                self._broader[s].add(value)
            elif p in (_EXACT, _CLOSE) and value.startswith(NUTS):  # a region is close to a code of another territory
                self._exact[s].add(value)
            elif p == _FUND:
                self._funds.add(value)
        elif isinstance(o, Literal):
            if p == _START:
                self._starts.append(o.value)
            elif p == _END:
                self._ends.append(o.value)
            elif p == _PREF_LABEL and o.language:
                stats.labels.setdefault(_subject_text(subject), {})[o.language] = o.value

    def stats(self, distinct_objects: int | None = None) -> GraphStats:
        """The statistics of everything added and merged; ``distinct_objects`` when the caller counted them across
        merged shares (``merge`` cannot: one object may occur in many)."""
        stats = self._stats
        stats.triples = sum(stats.properties.values())
        stats.distinct_subjects = len(self._subjects) + self._merged_subjects
        stats.distinct_objects = len(self._objects) if distinct_objects is None else distinct_objects
        stats.entities = self._entities() + self._merged_entities
        stats.projects.sort()
        regions = set(self._regions)
        for sub in self._subregions:
            regions |= self._broader.get(sub, set())
        stats.nuts = sorted({n for r in regions for n in self._exact.get(r, ())})
        stats.funds = sorted(self._funds)
        good = _good_dates(self._starts)
        stats.start = date.fromisoformat(min(good)) if good else None
        stats.latest_start = date.fromisoformat(max(good)) if good else None
        good = _good_dates(self._ends)
        stats.end = date.fromisoformat(max(good)) if good else None
        return stats

    def _entities(self) -> int:
        # VoID: entities are the resources whose IRIs start with the dataset's void:uriSpace (the data base),
        # not the code concepts, vocabulary terms or NUTS regions the graph also describes
        return sum(1 for s in self._subjects if isinstance(s, NamedNode) and s.value.startswith(self._base))

    def share(self) -> dict[str, Any]:
        """What was added, as JSON for ``merge``: one release chunk's share of the statistics. Counts sum across
        shares when no subject is in two of them (chunks of sorted N-Triples cut between subjects); the objects
        are not in it (``object_digests``)."""
        stats = self._stats
        starts, ends = _good_dates(self._starts), _good_dates(self._ends)
        return {"properties": dict(stats.properties), "classes": dict(stats.classes),
                "links": [[key, p, n] for (key, p), n in stats.links.items()], "projects": stats.projects,
                "subjects": len(self._subjects), "entities": self._entities(),
                "regions": sorted(self._regions), "subregions": sorted(self._subregions),
                "broader": {s: sorted(v) for s, v in self._broader.items()},
                "exact": {s: sorted(v) for s, v in self._exact.items()}, "funds": sorted(self._funds),
                "starts": [min(starts), max(starts)] if starts else [], "ends": [max(ends)] if ends else [],
                "labels": stats.labels}

    def merge(self, share: dict[str, Any]) -> None:
        """Add a ``share`` (of another counter, over other subjects) to this counter."""
        stats = self._stats
        stats.properties.update(share["properties"])
        stats.classes.update(share["classes"])
        for key, p, n in share["links"]:
            stats.links[(key, p)] += n
        stats.projects.extend(share["projects"])
        self._merged_subjects += share["subjects"]
        self._merged_entities += share["entities"]
        self._regions.update(share["regions"])
        self._subregions.update(share["subregions"])
        for s, values in share["broader"].items():
            self._broader[s].update(values)
        for s, values in share["exact"].items():
            self._exact[s].update(values)
        self._funds.update(share["funds"])
        self._starts.extend(share["starts"])
        self._ends.extend(share["ends"])
        for s, labels in share["labels"].items():
            stats.labels.setdefault(s, {}).update(labels)

    def object_digests(self) -> list[int]:
        """A 64-bit BLAKE2b digest of each distinct object added (of its N-Triples form), sorted: what counts the
        distinct objects across shares. Two objects share a digest with odds of about n²/2⁶⁵ for n objects
        (3·10⁻⁶ at ten million)."""
        return sorted(int.from_bytes(blake2b(str(o).encode(), digest_size=8).digest(), "little")
                      for o in self._objects)


def _good_dates(values: Iterable[str]) -> list[str]:
    return [d for d in values if re.match(r"^\d{4}-\d\d-\d\d$", d)]


_RDF_TYPE = RDF + "type"
_PROJECT = ESR + "Project"
_REGION, _SUBREGION, _FUND = ESR + "region", ESR + "subregion", ESR + "fund"
_START, _END = ESR + "plannedStartDate", ESR + "plannedEndDate"
_BROADER, _EXACT, _PREF_LABEL = SKOS + "broader", SKOS + "exactMatch", SKOS + "prefLabel"
_CLOSE, _PART_OF = SKOS + "closeMatch", DCTERMS + "isPartOf"


def _slug(iri: str) -> str:
    from esrgraph.publish.jsonld import compact_iri

    curie = compact_iri(iri, {**PREFIXES, **CATALOG_PREFIXES})
    return re.sub(r"[^A-Za-z0-9._-]+", "-", curie).strip("-")


class _Graph:
    def __init__(self) -> None:
        self.triples: list[Triple] = []

    def add(self, s: str, p: str, o: NamedNode | Literal | str) -> None:
        self.triples.append(Triple(_n(s), _n(p), _n(o) if isinstance(o, str) else o))

    def a(self, s: str, *classes: str) -> None:
        for c in classes:
            self.add(s, RDF + "type", c)

    def text(self, s: str, p: str, **by_lang: str) -> None:
        for lang, value in by_lang.items():
            self.add(s, p, _lit(value, lang))


#: Characters an IRI may not hold (RFC 3987): with one, the download IRIs could not be written.
_NOT_IN_IRI = frozenset('<>"{}|\\^`') | frozenset(chr(c) for c in (*range(0x21), *range(0x7F, 0xA0)))


def check_download_base(url: str, where: str = "--download-base") -> str:
    """``url`` when it is an absolute http(s) URL that can start the download IRIs; else a UsageError
    naming ``where`` it came from. Checked before anything is written: the catalogue is written last."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a port that is not a number raises here
        NamedNode(url + "release/")  # the IRI rules of the engine that writes the catalogue (%ZZ ...)
    except ValueError:
        parts = None
    if (parts is None or parts.scheme not in ("http", "https") or not parts.hostname or parts.query
            or parts.fragment or "#" in url or "?" in url or any(c in _NOT_IN_IRI for c in url)):
        raise UsageError(f"{where} {url!r} is not an absolute http(s) URL the download IRIs can start with; "
                         "give one such as https://PUBLISHER-HOST/esrgraph/download/ (no spaces, quotes, <>, query or "
                         "fragment)")
    return url


def catalog_triples(
    stats: GraphStats,
    base: str,
    publisher: Publisher,
    release: ReleaseInfo,
    files: Sequence[DistributionFile],
    derived_triples: dict[str, int] | None = None,
) -> list[Triple]:
    """The catalogue: catalog, dataset, distributions, SPARQL service, VoID, and the typing DCAT-AP needs.

    ``derived_triples`` gives the triple count of a derived dataset's RDF file (by ``DistributionFile.dataset``),
    for its ``void:triples``.
    """
    g = _Graph()
    catalog, dataset, service = f"{base}catalog", f"{base}dataset", f"{base}sparql"
    agent, contact = f"{base}publisher", f"{base}contact-point"
    download = (publisher.download_base or f"{base}download/") + release.folder
    licence = publisher.licence
    issued = _typed(release.issued.isoformat(), "date")
    modified = _typed(release.modified.isoformat(), "date")

    # ------------------------------------------------------------ catalogue
    g.a(catalog, DCAT + "Catalog")
    g.text(catalog, DCTERMS + "title", fi="EU:n rakennerahastohankkeet linkitettynä datana",
           en="EU structural-fund projects as linked data")
    g.text(catalog, DCTERMS + "description",
           fi="Luettelo, joka kuvaa esrgraph-tietoaineiston, sen ladattavat tiedostot ja SPARQL-rajapinnan.",
           en="Catalogue of the esrgraph dataset, its downloadable files and its SPARQL endpoint.")
    g.add(catalog, DCTERMS + "publisher", agent)
    g.add(catalog, FOAF + "homepage", publisher.site_base or base)
    g.a(publisher.site_base or base, FOAF + "Document")
    g.add(catalog, DCTERMS + "license", licence)
    g.add(catalog, DCTERMS + "issued", issued)
    g.add(catalog, DCTERMS + "modified", modified)
    for lang in ("fi", "en"):
        g.add(catalog, DCTERMS + "language", LANGUAGES[lang])
    for language in LANGUAGES.values():
        g.a(language, DCTERMS + "LinguisticSystem")
    g.add(catalog, DCAT + "dataset", dataset)
    g.add(catalog, DCAT + "service", service)
    g.add(catalog, DCAT + "themeTaxonomy", DATA_THEME)
    g.add(catalog, DCTERMS + "spatial", COUNTRY_FIN)

    # ------------------------------------------------------------ publisher and contact
    g.a(agent, FOAF + "Agent", FOAF + "Organization")
    g.text(agent, FOAF + "name", fi=publisher.name_fi, en=publisher.name_en)
    g.add(agent, FOAF + "homepage", publisher.homepage)
    g.a(publisher.homepage, FOAF + "Document")
    g.add(agent, FOAF + "mbox", f"mailto:{publisher.email}")
    g.add(agent, DCTERMS + "type", publisher.publisher_type_iri)
    g.a(publisher.publisher_type_iri, SKOS + "Concept")
    g.text(publisher.publisher_type_iri, SKOS + "prefLabel", en=PUBLISHER_TYPE_LABELS[publisher.type])
    g.add(publisher.publisher_type_iri, SKOS + "inScheme", PUBLISHER_TYPE_SCHEME)
    g.a(contact, VCARD + "Kind", VCARD + "Organization")
    g.text(contact, VCARD + "fn", fi=publisher.name_fi, en=publisher.name_en)
    g.add(contact, VCARD + "hasEmail", f"mailto:{publisher.email}")
    g.add(contact, VCARD + "hasURL", publisher.homepage)

    # ------------------------------------------------------------ dataset
    g.a(dataset, DCAT + "Dataset", VOID + "Dataset")
    g.text(dataset, DCTERMS + "title", fi="EU:n rakennerahastojen (ESR, EAKR) hankkeet Suomessa",
           en="EU structural-fund (ESF, ERDF) projects in Finland")
    n_projects = len(stats.projects)
    g.text(dataset, DCTERMS + "description",
           fi=(f"{n_projects} Euroopan sosiaalirahaston ja aluekehitysrahaston hanketta rahoituksineen, "
               "toteuttajineen, alueineen ja kestävän kehityksen arvioineen; validoitu SHACL-muodoilla. "
               "Koodistot (kunnat, maakunnat, rahastot, toimintalinjat) ovat mukana SKOS-muodossa."),
           en=(f"{n_projects} European Social Fund and Regional Development Fund projects with their funding, "
               "organisations, places and sustainability assessments; validated with SHACL shapes. "
               "The code lists (municipalities, regions, funds, priority axes) are included as SKOS."))
    _dataset_facts(g, dataset, agent, contact, issued, modified, release, publisher)
    g.a(EU + "access-right/PUBLIC", DCTERMS + "RightsStatement")
    g.add(dataset, DCTERMS + "accrualPeriodicity", EU + "frequency/IRREG")
    g.a(EU + "frequency/IRREG", DCTERMS + "Frequency")
    for lang in ("fi", "en", "sv"):
        g.add(dataset, DCTERMS + "language", LANGUAGES[lang])
    for lang, words in KEYWORDS.items():
        for word in words:
            g.add(dataset, DCAT + "keyword", _lit(word, lang))
    for fund in stats.funds:
        for lang in ("fi", "en"):
            label = stats.labels.get(fund, {}).get(lang)
            if label:
                g.add(dataset, DCAT + "keyword", _lit(label, lang))
    for code, labels in THEMES.items():
        theme = f"{DATA_THEME}/{code}"
        g.add(dataset, DCAT + "theme", theme)
        g.a(theme, SKOS + "Concept")
        g.text(theme, SKOS + "prefLabel", **labels)
        g.add(theme, SKOS + "inScheme", DATA_THEME)
    g.a(DATA_THEME, SKOS + "ConceptScheme")
    g.text(DATA_THEME, DCTERMS + "title", en="Data theme")
    if stats.start or stats.end:
        period = f"{dataset}/temporal-coverage"
        g.add(dataset, DCTERMS + "temporal", period)
        g.a(period, DCTERMS + "PeriodOfTime")
        if stats.start:
            g.add(period, DCAT + "startDate", _typed(stats.start.isoformat(), "date"))
        if stats.end:
            g.add(period, DCAT + "endDate", _typed(stats.end.isoformat(), "date"))
    for place in [COUNTRY_FIN, *stats.nuts]:
        g.add(dataset, DCTERMS + "spatial", place)
        g.a(place, DCTERMS + "Location")
    g.add(dataset, DCTERMS + "conformsTo", ESR.rstrip("#"))
    g.a(ESR.rstrip("#"), DCTERMS + "Standard")
    g.text(ESR.rstrip("#"), DCTERMS + "title", en="esrgraph vocabulary")
    g.add(dataset, PROV + "wasGeneratedBy", f"{base}activity/build/{_slug_text(release.version)}")
    activity = f"{base}activity/build/{_slug_text(release.version)}"
    g.a(activity, PROV + "Activity")
    g.text(activity, RDFS + "label", en=f"esrgraph build of release {release.version}")
    for page in release.pages:
        g.add(dataset, FOAF + "page", download + page)
        g.a(download + page, FOAF + "Document")
    if release.notes_en:
        g.add(dataset, ADMS + "versionNotes", _lit(release.notes_en, "en"))
    if release.previous:
        prev = f"{dataset}/version/{_slug_text(release.previous)}"
        g.add(dataset, DCAT + "previousVersion", prev)
        g.add(dataset, PROV + "wasRevisionOf", prev)
        g.add(prev, DCAT + "version", _lit(release.previous))
        g.add(prev, RDFS + "seeAlso", (publisher.download_base or f"{base}download/")
              + f"releases/{release.previous}/catalog.ttl")

    # ------------------------------------------------------------ distributions
    g.a(licence, DCTERMS + "LicenseDocument")
    g.add(licence, SKOS + "exactMatch", publisher.licence_cc)
    g.text(licence, RDFS + "label", en="Creative Commons Attribution 4.0 International")
    g.add(licence, DCTERMS + "type", "http://purl.org/adms/licencetype/Attribution")
    g.a("http://purl.org/adms/licencetype/Attribution", SKOS + "Concept")
    g.text("http://purl.org/adms/licencetype/Attribution", SKOS + "prefLabel", en="Attribution")
    dumps = []
    derived = f"{base}dataset/{COLLABORATION}"
    if any(f.dataset == COLLABORATION for f in files):
        _collaboration_dataset(g, derived, dataset, release, agent, contact, publisher, issued, modified,
                               f"{base}activity/build/{_slug_text(release.version)}")
        if stats.start or stats.end:
            g.add(derived, DCTERMS + "temporal", f"{dataset}/temporal-coverage")
        if derived_triples and COLLABORATION in derived_triples:
            g.a(derived, VOID + "Dataset")
            g.add(derived, VOID + "triples", _typed(derived_triples[COLLABORATION], "integer"))
            g.add(derived, VOID + "uriSpace", _lit(f"{base}{COLLABORATION}/"))
        g.add(catalog, DCAT + "dataset", derived)
    for f in files:
        owner = derived if f.dataset == COLLABORATION else dataset
        dist = f"{owner}/distribution/{_slug_text(release.version)}/{_slug_text(f.name)}"
        url = download + f.name
        g.add(owner, DCAT + "distribution", dist)
        g.a(dist, DCAT + "Distribution")
        g.text(dist, DCTERMS + "title", fi=f.title_fi, en=f.title_en)
        g.add(dist, DCAT + "accessURL", url)
        g.add(dist, DCAT + "downloadURL", url)
        media = IANA + f.media_type
        g.add(dist, DCAT + "mediaType", media)
        g.a(media, DCTERMS + "MediaType")
        fmt = FILE_TYPE + f.file_type
        g.add(dist, DCTERMS + "format", fmt)
        g.a(fmt, DCTERMS + "MediaTypeOrExtent")
        if f.compress:
            g.add(dist, DCAT + "compressFormat", IANA + f.compress)
            g.a(IANA + f.compress, DCTERMS + "MediaType")
        g.add(dist, DCAT + "byteSize", _typed(f.size, "nonNegativeInteger"))
        checksum = f"{dist}/checksum"
        g.add(dist, SPDX + "checksum", checksum)
        g.a(checksum, SPDX + "Checksum")
        g.add(checksum, SPDX + "algorithm", SPDX + "checksumAlgorithm_sha256")
        g.add(checksum, SPDX + "checksumValue", _typed(f.sha256, "hexBinary"))
        g.add(dist, DCTERMS + "license", licence)
        g.add(dist, DCTERMS + "issued", modified)
        if f.role == "data" and owner == dataset:
            g.add(dist, DCTERMS + "conformsTo", ESR.rstrip("#"))
            dumps.append(url)
        elif f.role == "data" and f.media_type == "text/turtle":
            g.add(dist, DCTERMS + "conformsTo", ESR.rstrip("#"))
    g.a(SPDX + "checksumAlgorithm_sha256", SPDX + "ChecksumAlgorithm")

    # ------------------------------------------------------------ SPARQL endpoint
    g.a(service, DCAT + "DataService")
    g.text(service, DCTERMS + "title", fi="esrgraph SPARQL-rajapinta", en="esrgraph SPARQL endpoint")
    g.text(service, DCTERMS + "description", fi="Vain luku -SPARQL 1.1 -kyselyrajapinta tietoaineistoon.",
           en="Read-only SPARQL 1.1 query endpoint over the dataset.")
    g.add(service, DCAT + "endpointURL", service)
    g.a(service, RDFS + "Resource")  # SEMIC's ranges.ttl wants the endpoint URL typed
    g.add(service, DCAT + "servesDataset", dataset)
    g.add(service, DCTERMS + "publisher", agent)
    g.add(service, DCAT + "contactPoint", contact)
    g.add(service, DCTERMS + "license", licence)
    sparql_protocol = "https://www.w3.org/TR/sparql11-protocol/"
    g.add(service, DCTERMS + "conformsTo", sparql_protocol)
    g.a(sparql_protocol, DCTERMS + "Standard")
    for code in THEMES:
        g.add(service, DCAT + "theme", f"{DATA_THEME}/{code}")

    # ------------------------------------------------------------ VoID
    g.add(dataset, VOID + "triples", _typed(stats.triples, "integer"))
    g.add(dataset, VOID + "entities", _typed(stats.entities, "integer"))
    g.add(dataset, VOID + "distinctSubjects", _typed(stats.distinct_subjects, "integer"))
    g.add(dataset, VOID + "distinctObjects", _typed(stats.distinct_objects, "integer"))
    g.add(dataset, VOID + "classes", _typed(len(stats.classes), "integer"))
    g.add(dataset, VOID + "properties", _typed(len(stats.properties), "integer"))
    g.add(dataset, VOID + "uriSpace", _lit(base))
    g.add(dataset, VOID + "sparqlEndpoint", service)
    for ns in (ESR, CODE, DCTERMS, SKOS, PROV, "http://www.w3.org/ns/org#", "http://www.w3.org/ns/regorg#",
               "https://schema.org/", FOAF):
        g.add(dataset, VOID + "vocabulary", ns)
    for url in dumps:
        g.add(dataset, VOID + "dataDump", url)
    if stats.projects:
        g.add(dataset, VOID + "exampleResource", stats.projects[0])
    for cls, count in sorted(stats.classes.items()):
        part = f"{dataset}/void/class/{_slug(cls)}"
        g.add(dataset, VOID + "classPartition", part)
        g.add(part, VOID + "class", cls)
        g.add(part, VOID + "entities", _typed(count, "integer"))
    for prop, count in sorted(stats.properties.items()):
        part = f"{dataset}/void/property/{_slug(prop)}"
        g.add(dataset, VOID + "propertyPartition", part)
        g.add(part, VOID + "property", prop)
        g.add(part, VOID + "triples", _typed(count, "integer"))
    titles = {key: (ns, title) for key, ns, title in EXTERNAL_TARGETS}
    titles["web"] = ("http://", "Other web resources (home pages and documents)")
    for (key, prop), count in sorted(stats.links.items()):
        linkset = f"{dataset}/void/linkset/{key}/{_slug(prop)}"
        target = f"{dataset}/void/target/{key}"
        g.add(dataset, VOID + "subset", linkset)
        g.a(linkset, VOID + "Linkset")
        g.add(linkset, VOID + "subjectsTarget", dataset)
        g.add(linkset, VOID + "objectsTarget", target)
        g.add(linkset, VOID + "linkPredicate", prop)
        g.add(linkset, VOID + "triples", _typed(count, "integer"))
        g.a(target, VOID + "Dataset")
        g.text(target, DCTERMS + "title", en=titles[key][1])
        if key != "web":
            g.add(target, VOID + "uriSpace", _lit(titles[key][0]))
    return g.triples


def _collaboration_dataset(g: _Graph, derived: str, dataset: str, release: ReleaseInfo, agent: str, contact: str,
                           publisher: Publisher, issued: Literal, modified: Literal, activity: str) -> None:
    """The collaboration network, a dataset of its own derived from the graph (``prov:wasDerivedFrom`` and
    DCAT-AP's ``dcterms:source``, "a related dataset from which the described dataset is derived")."""
    g.a(derived, DCAT + "Dataset")
    g.text(derived, DCTERMS + "title", fi="Rakennerahastohankkeiden organisaatioiden yhteistyöverkosto",
           en="Collaboration network of the organisations in EU structural-fund projects")
    g.text(derived, DCTERMS + "description",
           fi=("Organisaatioparit, jotka ovat toteuttaneet samoja hankkeita (hakijana tai osatoteuttajana), "
               "yhteisine hankkeineen, niille myönnettyine rahoituksineen ja vuosineen, sekä kunkin organisaation "
               "hankkeet: RDF:nä (esr:Collaboration), CSV-taulukoina ja GraphML-verkkona. Johdettu tietoaineistosta "
               "jokaisessa julkaisussa."),
           en=("Pairs of organisations that took part in the same projects (as applicant or co-implementer), with "
               "their shared projects, the funding granted to those and their years, and each organisation's "
               "projects: as RDF (esr:Collaboration), as CSV tables and as a GraphML network. Derived from the "
               "dataset in every release."))
    _dataset_facts(g, derived, agent, contact, issued, modified, release, publisher)
    g.add(derived, DCTERMS + "accrualPeriodicity", EU + "frequency/IRREG")
    for lang in ("fi", "en"):
        g.add(derived, DCTERMS + "language", LANGUAGES[lang])
    for lang, words in (("fi", ("yhteistyöverkosto", "verkostoanalyysi", "rakennerahastot")),
                        ("en", ("collaboration network", "network analysis", "structural funds"))):
        for word in words:
            g.add(derived, DCAT + "keyword", _lit(word, lang))
    for code in ("ECON", "REGI"):
        g.add(derived, DCAT + "theme", f"{DATA_THEME}/{code}")
    g.add(derived, DCTERMS + "spatial", COUNTRY_FIN)
    g.add(derived, DCTERMS + "conformsTo", ESR.rstrip("#"))
    g.add(derived, PROV + "wasDerivedFrom", dataset)
    g.add(derived, DCTERMS + "source", dataset)
    g.add(derived, PROV + "wasGeneratedBy", activity)


def _dataset_facts(g: _Graph, node: str, agent: str, contact: str, issued: Literal, modified: Literal,
                   release: ReleaseInfo, publisher: Publisher) -> None:
    """What every dataset of the catalogue says alike: identifier, publisher, contact, dates, version, licence,
    access rights."""
    g.add(node, DCTERMS + "identifier", _lit(node))
    g.add(node, DCTERMS + "publisher", agent)
    g.add(node, DCAT + "contactPoint", contact)
    g.add(node, DCTERMS + "issued", issued)
    g.add(node, DCTERMS + "modified", modified)
    g.add(node, DCAT + "version", _lit(release.version))
    g.add(node, CC + "license", publisher.licence_cc)
    g.add(node, DCTERMS + "accessRights", EU + "access-right/PUBLIC")


def _slug_text(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "x"


def catalog_prefixes(base: str) -> dict[str, str]:
    return {**CATALOG_PREFIXES, "owl": OWL}
