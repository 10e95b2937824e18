"""The project's code lists, loaded from the reviewable CSV files in ``data/codelists``.

The lists are data, not code: a reviewer changes a CSV row, not Python. This module only
reads them into immutable :class:`Concept` values and writes them out as SKOS, so that
graphs link projects to coded municipalities, regions, funds and objectives instead of
to free-text names. ``data/codelists/README.md`` names each file's source and trust.

>>> lists = CodeLists.load()
>>> lists.get("region", "13").labels["fi"]
'Keski-Suomi'
>>> lists.get("specific-objective", "2014-2020/10.1").broader
('https://w3id.org/esrgraph/code/priority-axis/2014-2020/5',)
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

import pyoxigraph as ox

from esrgraph.core.vocab import ADMS, CODE, DCTERMS, ESR, NUTS, RDF, SCHEMA, SKOS, XSD

#: Where the wheel puts ``data/`` (see pyproject's force-include).
_PACKAGED = ("_resources", "data", "codelists")
#: koodistot.suomi.fi versioned municipality code lists, one per classification year.
JHS_KUNTA = "http://uri.suomi.fi/codelist/jhs/kunta_1_{year}0101/code/{code}"
#: koodistot.suomi.fi versioned region (maakunta) code lists, one per classification year.
JHS_MAAKUNTA = "http://uri.suomi.fi/codelist/jhs/maakunta_1_{year}0101/code/{code}"
#: The file of links to other publishers' code lists (EU authority tables), and the properties it may use.
OUTWARD_LINKS_FILE = "eu-authority-links.csv"
_LINK_PROPERTIES = {
    "skos:exactMatch": SKOS + "exactMatch",
    "skos:closeMatch": SKOS + "closeMatch",
    "skos:narrowMatch": SKOS + "narrowMatch",
    "skos:broadMatch": SKOS + "broadMatch",
    "dcterms:spatial": DCTERMS + "spatial",
}

SCHEME_FILES: dict[str, str] = {
    "authority": "authorities.csv",
    "fund": "funds.csv",
    "gender-question": "gender-questions.csv",
    "municipality": "municipalities.csv",
    "organisation-type": "organisation-types.csv",
    "period": "periods.csv",
    "priority-axis": "priority-axes.csv",
    "programme": "programmes.csv",
    "programme-part": "programme-parts.csv",
    "region": "regions.csv",
    "specific-objective": "specific-objectives.csv",
    "status": "statuses.csv",
    "subregion": "subregions.csv",
    "sustainability-criterion": "sustainability-criteria.csv",
}


def concept_iri(scheme: str, notation: str) -> str:
    """IRI of a concept; one rule so that mapping and code lists never disagree.

    >>> concept_iri("municipality", "005")
    'https://w3id.org/esrgraph/code/municipality/005'
    """
    return f"{CODE}{scheme}/{notation}"


def scheme_iri(scheme: str) -> str:
    """IRI of a concept scheme."""
    return f"{CODE}{scheme}"


@dataclass(frozen=True, slots=True)
class Concept:
    """One coded value; ``extra`` keeps the file's other columns for callers that need them."""

    scheme: str
    notation: str
    iri: str
    labels: dict[str, str] = field(hash=False)
    alt_labels: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False)
    broader: tuple[str, ...] = ()
    valid_from: date | None = None
    valid_to: date | None = None
    extra: dict[str, str] = field(default_factory=dict, hash=False)

    @property
    def label(self) -> str:
        """The Finnish label, or any label: what to show a reviewer."""
        return self.labels.get("fi") or next(iter(self.labels.values()), self.notation)

    def valid_on(self, on: date) -> bool:
        """Whether the concept was in force on ``on`` (open ends count as valid)."""
        return (self.valid_from is None or self.valid_from <= on) and (
            self.valid_to is None or on <= self.valid_to
        )


@dataclass(frozen=True, slots=True)
class Scheme:
    """A code list's own metadata, from ``schemes.csv``."""

    name: str
    iri: str
    file: str
    title_fi: str
    title_en: str
    source: str
    source_iris: tuple[str, ...]
    licence: str
    trust: str


@dataclass(frozen=True, slots=True)
class MunicipalityPeriod:
    """A municipality's name and membership while they stayed the same."""

    code: str
    name_fi: str
    name_sv: str
    subregion_code: str
    region_code: str
    nuts3: str
    valid_from: date | None
    valid_to: date | None

    def covers(self, on: date) -> bool:
        """Whether ``on`` falls in this period."""
        return (self.valid_from is None or self.valid_from <= on) and (
            self.valid_to is None or on <= self.valid_to
        )


@dataclass(frozen=True, slots=True)
class Merger:
    """A municipality abolished by joining another one."""

    abolished_code: str
    abolished_name_fi: str
    merged_into_code: str
    merged_into_name_fi: str
    effective_date: date
    source: str


@dataclass(frozen=True, slots=True)
class NutsVersion:
    """A NUTS version and the dates its codes apply in EU statistics."""

    version: str
    valid_from: date
    valid_to: date | None
    scheme_iri: str


@dataclass(frozen=True, slots=True)
class OutwardLink:
    """One reviewed link from a concept (or, with no notation, a whole scheme) to another publisher's IRI
    (a row of eu-authority-links.csv has one per target)."""

    scheme: str
    notation: str
    prop: str
    target: str
    source: str
    trust: str

    @property
    def subject(self) -> str:
        return concept_iri(self.scheme, self.notation) if self.notation else scheme_iri(self.scheme)


@dataclass(frozen=True, slots=True)
class CodeShape:
    """A regular expression a whole project code of one period and fund matches (code-shapes.csv)."""

    period: str
    fund: str
    pattern: re.Pattern[str]
    example: str

    def matches(self, code: str) -> bool:
        return self.pattern.fullmatch(code) is not None


def _date(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split("|") if part.strip()]


def _alt(*pairs: tuple[str, Iterable[str]]) -> dict[str, tuple[str, ...]]:
    """Group alternative labels by language, dropping blanks and duplicates."""
    out: dict[str, list[str]] = {}
    for lang, names in pairs:
        for name in names:
            if name and name not in out.setdefault(lang, []):
                out[lang].append(name)
    return {lang: tuple(names) for lang, names in sorted(out.items()) if names}


def _tagged(cell: str, default: str = "fi") -> list[tuple[str, list[str]]]:
    """Read ``a|b@sv|c@en``: alternative names with an optional ``@lang`` suffix."""
    pairs: list[tuple[str, list[str]]] = []
    for part in _split(cell):
        name, _, lang = part.rpartition("@") if "@" in part else (part, "", default)
        pairs.append((lang or default, [name]))
    return pairs


def _labels(**labels: str) -> dict[str, str]:
    return {lang: text for lang, text in labels.items() if text}


def default_directory() -> Traversable:
    """The installed package's code lists, else the source tree's ``data/codelists``."""
    packaged = resources.files("esrgraph").joinpath(*_PACKAGED)
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "data" / "codelists"


class CodeLists:
    """Every code list, indexed by scheme and notation.

    Use :meth:`load` for the project's own files (cached); :meth:`from_directory` reads
    another copy, for example in tests.
    """

    def __init__(
        self,
        schemes: dict[str, Scheme],
        concepts: dict[str, dict[str, Concept]],
        municipality_periods: dict[str, tuple[MunicipalityPeriod, ...]],
        mergers: dict[str, Merger],
        nuts_versions: tuple[NutsVersion, ...],
        classification_years: tuple[int, int],
        code_shapes: tuple[CodeShape, ...] = (),
        outward_links: tuple[OutwardLink, ...] = (),
    ) -> None:
        self.schemes = schemes
        self.concepts = concepts
        self.municipality_periods = municipality_periods
        self.mergers = mergers
        self.nuts_versions = nuts_versions
        self.classification_years = classification_years
        self.code_shapes = code_shapes
        self.outward_links = outward_links

    @classmethod
    def load(cls) -> CodeLists:
        """The project's code lists, read once per process."""
        return _load_default()

    @classmethod
    def from_directory(cls, directory: Traversable | Path) -> CodeLists:
        """Read the CSV files of one ``codelists`` directory."""
        return _Reader(directory).read()

    def get(self, scheme: str, notation: str) -> Concept | None:
        """The concept with this notation, or None."""
        return self.concepts.get(scheme, {}).get(notation)

    def in_scheme(self, scheme: str) -> tuple[Concept, ...]:
        """All concepts of one scheme, in notation order."""
        return tuple(self.concepts.get(scheme, {}).values())

    def __iter__(self) -> Iterator[Concept]:
        for scheme in sorted(self.concepts):
            yield from self.concepts[scheme].values()

    def by_iri(self, iri: str) -> Concept | None:
        """The concept with this IRI, or None."""
        scheme, _, notation = iri.removeprefix(CODE).partition("/")
        return self.get(scheme, notation)

    def periods_of_code(self, code: str) -> tuple[str, ...]:
        """The periods whose code shapes (code-shapes.csv) the whole ``code`` matches, in file order.

        >>> CodeLists.load().periods_of_code("S10324"), CodeLists.load().periods_of_code("X1")
        (('2007-2013',), ())
        """
        return tuple(dict.fromkeys(s.period for s in self.code_shapes if s.matches(code.strip())))

    def skos_triples(self) -> Iterator[ox.Triple]:
        """See :func:`skos_triples`."""
        return skos_triples(self)

    @functools.cached_property
    def regions_with_changed_territory(self) -> frozenset[str]:
        """Regions that gained or lost a municipality in the years loaded (moves between regions, mergers
        across a region border): such a region is not one territory over its life, so no code of one year
        is the same (``skos:exactMatch``) as the region concept.

        >>> sorted(CodeLists.load().regions_with_changed_territory)[:4]
        ['06', '07', '08', '10']
        """
        changed: set[str] = set()
        for periods in self.municipality_periods.values():
            regions = {p.region_code for p in periods}
            if len(regions) > 1:
                changed |= regions
        for merger in self.mergers.values():
            gone = self.municipality_periods.get(merger.abolished_code, ())
            into = self.municipality_periods.get(merger.merged_into_code, ())
            if gone and into:
                after = next((p.region_code for p in into if p.covers(merger.effective_date)), into[-1].region_code)
                if gone[-1].region_code != after:
                    changed |= {gone[-1].region_code, after}
        return frozenset(changed)

    @functools.cached_property
    def municipalities_with_changed_territory(self) -> frozenset[str]:
        """Municipalities that absorbed another one in the years loaded: their code of one year is not the
        same territory as the municipality over its whole life (a municipality that was abolished kept its
        territory until then)."""
        return frozenset(m.merged_into_code for m in self.mergers.values())


@functools.cache
def _load_default() -> CodeLists:
    return CodeLists.from_directory(default_directory())


class _Reader:
    """Turns the files of one directory into a :class:`CodeLists`."""

    def __init__(self, directory: Traversable | Path) -> None:
        self.directory = directory

    def rows(self, name: str) -> list[dict[str, str]]:
        text = self.directory.joinpath(name).read_text(encoding="utf-8")
        return [
            {key: (value or "").strip() for key, value in row.items()}
            for row in csv.DictReader(io.StringIO(text))
        ]

    def read(self) -> CodeLists:
        schemes = {
            row["scheme"]: Scheme(
                name=row["scheme"],
                iri=scheme_iri(row["scheme"]),
                file=row["file"],
                title_fi=row["title_fi"],
                title_en=row["title_en"],
                source=row["source"],
                source_iris=tuple(_split(row["source_iris"])),
                licence=row["licence"],
                trust=row["trust"],
            )
            for row in self.rows("schemes.csv")
        }
        subregion_rows = self.rows("subregions.csv")
        years = (
            min(int(r["first_year"]) for r in subregion_rows),
            max(int(r["last_year"]) for r in subregion_rows),
        )
        periods = self._periods()
        mergers = {
            r["abolished_code"]: Merger(
                abolished_code=r["abolished_code"],
                abolished_name_fi=r["abolished_name_fi"],
                merged_into_code=r["merged_into_code"],
                merged_into_name_fi=r["merged_into_name_fi"],
                effective_date=date.fromisoformat(r["effective_date"]),
                source=r["source"],
            )
            for r in self.rows("municipality-mergers.csv")
        }
        nuts = tuple(
            NutsVersion(r["version"], date.fromisoformat(r["valid_from"]), _date(r["valid_to"]), r["scheme_iri"])
            for r in self.rows("nuts-versions.csv")
        )
        concepts: dict[str, list[Concept]] = {
            "municipality": self._municipalities(periods, mergers),
            "subregion": self._subregions(subregion_rows, years),
            "region": self._regions(),
            "authority": self._authorities(),
            "period": self._periods_scheme(),
            "fund": self._funds(),
            "priority-axis": self._axes(),
            "programme": self._programmes(),
            "programme-part": self._programme_parts(),
            "specific-objective": self._objectives(),
            "organisation-type": self._simple("organisation-type"),
            "status": self._simple("status"),
            "sustainability-criterion": self._criteria(),
            "gender-question": self._simple("gender-question"),
        }
        missing = set(concepts) ^ set(schemes)
        if missing:
            raise ValueError(f"schemes.csv and the code list files disagree on: {sorted(missing)}")
        return CodeLists(
            schemes=dict(sorted(schemes.items())),
            concepts={
                name: {c.notation: c for c in sorted(items, key=lambda c: _sort_key(c.notation))}
                for name, items in sorted(concepts.items())
            },
            municipality_periods=periods,
            mergers=mergers,
            nuts_versions=nuts,
            classification_years=years,
            code_shapes=self._code_shapes(),
            outward_links=self._outward_links(concepts),
        )

    def _outward_links(self, concepts: dict[str, list[Concept]]) -> tuple[OutwardLink, ...]:
        """eu-authority-links.csv: ``subject`` is ``<scheme>/<notation>`` or a whole ``<scheme>``; a row naming
        an unknown code or property, or a target that is not an IRI, is an error of the file, named here."""
        known = {(name, c.notation) for name, items in concepts.items() for c in items}
        links = []
        for r in self.rows(OUTWARD_LINKS_FILE):
            scheme, _, notation = r["subject"].partition("/")
            if r["property"] not in _LINK_PROPERTIES:
                raise ValueError(f"{OUTWARD_LINKS_FILE}: property {r['property']!r} is not one of {sorted(_LINK_PROPERTIES)}")
            if scheme not in concepts or (notation and (scheme, notation) not in known):
                raise ValueError(f"{OUTWARD_LINKS_FILE}: no code list or code {r['subject']!r} to link from")
            for target in _split(r["targets"]):
                if not target.startswith(("http://", "https://")):
                    raise ValueError(f"{OUTWARD_LINKS_FILE}: target {target!r} of {r['subject']!r} is not an IRI")
                links.append(OutwardLink(scheme, notation, r["property"], target, r["source"], r["trust"]))
        return tuple(links)

    def _code_shapes(self) -> tuple[CodeShape, ...]:
        """code-shapes.csv; a pattern that does not compile is an error of the file, named here."""
        shapes = []
        for r in self.rows("code-shapes.csv"):
            try:
                pattern = re.compile(r["pattern"])
            except re.error as error:
                raise ValueError(f"code-shapes.csv: pattern {r['pattern']!r} does not compile: {error}") from None
            shapes.append(CodeShape(r["period"], r["fund"], pattern, r["example"]))
        return tuple(shapes)

    def _periods(self) -> dict[str, tuple[MunicipalityPeriod, ...]]:
        out: dict[str, list[MunicipalityPeriod]] = {}
        for r in self.rows("municipalities.csv"):
            out.setdefault(r["code"], []).append(
                MunicipalityPeriod(
                    code=r["code"],
                    name_fi=r["name_fi"],
                    name_sv=r["name_sv"],
                    subregion_code=r["subregion_code"],
                    region_code=r["region_code"],
                    nuts3=r["nuts3"],
                    valid_from=_date(r["valid_from"]),
                    valid_to=_date(r["valid_to"]),
                )
            )
        return {
            code: tuple(sorted(ps, key=lambda p: p.valid_from or date.min))
            for code, ps in sorted(out.items())
        }

    def _municipalities(
        self, periods: dict[str, tuple[MunicipalityPeriod, ...]], mergers: dict[str, Merger]
    ) -> list[Concept]:
        concepts = []
        for code, ps in periods.items():
            last = ps[-1]
            extra = {
                "subregion_code": last.subregion_code,
                "region_code": last.region_code,
                "nuts3": last.nuts3,
            }
            if code in mergers:
                extra["merged_into"] = mergers[code].merged_into_code
            concepts.append(
                Concept(
                    scheme="municipality",
                    notation=code,
                    iri=concept_iri("municipality", code),
                    labels=_labels(fi=last.name_fi, sv=last.name_sv),
                    alt_labels=_alt(
                        ("fi", [p.name_fi for p in ps if p.name_fi != last.name_fi]),
                        ("sv", [p.name_sv for p in ps if p.name_sv != last.name_sv]),
                    ),
                    broader=tuple(
                        sorted({concept_iri("subregion", p.subregion_code) for p in ps})
                    ),
                    # A blank start means "before the first year loaded", not a real date.
                    valid_from=ps[0].valid_from,
                    valid_to=last.valid_to,
                    extra=extra,
                )
            )
        return concepts

    def _subregions(self, rows: list[dict[str, str]], years: tuple[int, int]) -> list[Concept]:
        return [
            Concept(
                scheme="subregion",
                notation=r["code"],
                iri=concept_iri("subregion", r["code"]),
                labels=_labels(fi=r["name_fi"], sv=r["name_sv"]),
                alt_labels=_alt(
                    (r["genitive_lang"] or "fi", [r["genitive_fi"]] if r["genitive_fi"] not in (r["name_fi"], r["name_sv"]) else [])
                ),
                broader=(concept_iri("region", r["region_code"]),),
                valid_from=date(int(r["first_year"]), 1, 1) if int(r["first_year"]) > years[0] else None,
                valid_to=date(int(r["last_year"]), 12, 31) if int(r["last_year"]) < years[1] else None,
                extra={k: r[k] for k in ("genitive_fi", "region_code", "first_year", "last_year")},
            )
            for r in self.rows("subregions.csv")
        ]

    def _regions(self) -> list[Concept]:
        return [
            Concept(
                scheme="region",
                notation=r["code"],
                iri=concept_iri("region", r["code"]),
                labels=_labels(fi=r["name_fi"], sv=r["name_sv"], en=r["name_en"]),
                alt_labels=_alt(("fi", [r["genitive_fi"]]), *_tagged(r["alt_names"])),
                extra={k: v for k, v in r.items() if k.startswith("nuts3_") or k == "genitive_fi"},
            )
            for r in self.rows("regions.csv")
        ]

    def _authorities(self) -> list[Concept]:
        return [
            Concept(
                scheme="authority",
                notation=r["notation"],
                iri=concept_iri("authority", r["notation"]),
                labels=_labels(fi=r["name_fi"], sv=r["name_sv"], en=r["name_en"]),
                alt_labels=_alt(("fi", _split(r["short_names_fi"])), ("sv", _split(r["short_name_sv"]))),
                valid_from=_date(r["valid_from"]),
                valid_to=_date(r["valid_to"]),
                extra={
                    k: r[k]
                    for k in ("kind", "ely_code", "region_codes", "funded", "note", "source")
                },
            )
            for r in self.rows("authorities.csv")
        ]

    def _periods_scheme(self) -> list[Concept]:
        return [
            Concept(
                scheme="period",
                notation=r["notation"],
                iri=concept_iri("period", r["notation"]),
                labels=_labels(fi=r["name_fi"], sv=r["name_sv"], en=r["name_en"]),
                valid_from=_date(r["valid_from"]),
                valid_to=_date(r["valid_to"]),
                extra={k: r[k] for k in ("programme_fi", "cci", "note")},
            )
            for r in self.rows("periods.csv")
        ]

    def _funds(self) -> list[Concept]:
        return [
            Concept(
                scheme="fund",
                notation=r["notation"],
                iri=concept_iri("fund", r["notation"]),
                labels=_labels(fi=r["name_fi"], sv=r["name_sv"], en=r["name_en"]),
                alt_labels=_alt(*_tagged(r["alt_names"])),
                extra={k: r[k] for k in ("periods", "note")},
            )
            for r in self.rows("funds.csv")
        ]

    def _axes(self) -> list[Concept]:
        return [
            Concept(
                scheme="priority-axis",
                notation=r["notation"],
                iri=concept_iri("priority-axis", r["notation"]),
                labels=_labels(fi=r["name_fi"], en=r["name_en"]),
                alt_labels=_alt(("fi", [f"Toimintalinja {r['number']}"])),
                broader=(concept_iri("fund", r["fund"]),),
                extra={k: r[k] for k in ("period", "programme", "number", "fund", "verified", "note")},
            )
            for r in self.rows("priority-axes.csv")
        ]

    def _programmes(self) -> list[Concept]:
        return [
            Concept(
                scheme="programme",
                notation=r["notation"],
                iri=concept_iri("programme", r["notation"]),
                labels=_labels(fi=r["name_fi"], sv=r["name_sv"], en=r["name_en"]),
                alt_labels=_alt(*_tagged(r["alt_names"])),
                extra={k: r[k] for k in ("period", "cci", "funds", "eura_default", "cci_verified", "trust", "note")},
            )
            for r in self.rows("programmes.csv")
        ]

    def _programme_parts(self) -> list[Concept]:
        return [
            Concept(
                scheme="programme-part",
                notation=r["notation"],
                iri=concept_iri("programme-part", r["notation"]),
                labels=_labels(fi=r["name_fi"], sv=r["name_sv"]),
                alt_labels=_alt(*_tagged(r["alt_names"])),
                # A part lies within its programme: the programme is the part's broader concept.
                broader=(concept_iri("programme", r["programme"]),),
                extra={k: r[k] for k in ("programme", "note")},
            )
            for r in self.rows("programme-parts.csv")
        ]

    def _objectives(self) -> list[Concept]:
        concepts = []
        for r in self.rows("specific-objectives.csv"):
            axis = r["priority_axis"]
            broader = (
                concept_iri("priority-axis", f"{r['period']}/{axis}")
                if axis
                else concept_iri("fund", r["fund"])
            )
            concepts.append(
                Concept(
                    scheme="specific-objective",
                    notation=r["notation"],
                    iri=concept_iri("specific-objective", r["notation"]),
                    labels=_labels(fi=r["name_fi"]),
                    alt_labels=_alt(("fi", _split(r["alt_names_fi"]))),
                    broader=(broader,),
                    extra={
                        k: r[k]
                        for k in (
                            "period", "code", "priority_axis", "priority_axis_probable", "fund",
                            "name_verified", "axis_verified", "note",
                        )
                    },
                )
            )
        return concepts

    def _simple(self, scheme: str) -> list[Concept]:
        return [
            Concept(
                scheme=scheme,
                notation=r["notation"],
                iri=concept_iri(scheme, r["notation"]),
                labels=_labels(fi=r["name_fi"], sv=r.get("name_sv", ""), en=r.get("name_en", "")),
                alt_labels=_alt(("fi", _split(r.get("alt_names_fi", "")))),
                extra={k: r[k] for k in ("observed", "note") if k in r},
            )
            for r in self.rows(SCHEME_FILES[scheme])
        ]

    def _criteria(self) -> list[Concept]:
        return [
            Concept(
                scheme="sustainability-criterion",
                notation=r["notation"],
                iri=concept_iri("sustainability-criterion", r["notation"]),
                labels=_labels(fi=r["name_fi"], en=r["name_en"]),
                broader=(concept_iri("sustainability-criterion", r["group"]),) if r["group"] else (),
                extra={k: r[k] for k in ("group", "note")},
            )
            for r in self.rows("sustainability-criteria.csv")
        ]


def _sort_key(notation: str) -> tuple[tuple[int, int | str], ...]:
    """Natural order, so that 2014-2020/9.2 comes before 2014-2020/10.1."""
    parts: list[tuple[int, int | str]] = []
    for chunk in notation.replace("/", ".").split("."):
        parts.append((0, int(chunk)) if chunk.isdigit() else (1, chunk))
    return tuple(parts)


# --- SKOS ---------------------------------------------------------------------------

_A = ox.NamedNode(RDF + "type")
_DATE = ox.NamedNode(XSD + "date")


def _n(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _skos(term: str) -> ox.NamedNode:
    return ox.NamedNode(SKOS + term)


def skos_triples(codelists: CodeLists | None = None) -> Iterator[ox.Triple]:
    """Every code list as SKOS, sorted so that output and diffs are stable.

    >>> triples = list(skos_triples())
    >>> triples == sorted(triples, key=_triple_key)
    True
    """
    lists = codelists or CodeLists.load()
    triples: set[ox.Triple] = set()
    add = triples.add
    for scheme in lists.schemes.values():
        s = _n(scheme.iri)
        add(ox.Triple(s, _A, _skos("ConceptScheme")))
        add(ox.Triple(s, _n(DCTERMS + "title"), ox.Literal(scheme.title_fi, language="fi")))
        add(ox.Triple(s, _n(DCTERMS + "title"), ox.Literal(scheme.title_en, language="en")))
        add(ox.Triple(s, _n(DCTERMS + "description"), ox.Literal(scheme.source, language="en")))
        for iri in scheme.source_iris:
            add(ox.Triple(s, _n(DCTERMS + "source"), _n(iri)))
        if scheme.licence:
            add(ox.Triple(s, _n(DCTERMS + "license"), _n(scheme.licence)))
    for concept in lists:
        for triple in _concept_triples(lists, concept):
            add(triple)
    for link in lists.outward_links:
        add(ox.Triple(_n(link.subject), _n(_LINK_PROPERTIES[link.prop]), _n(link.target)))
    yield from sorted(triples, key=_triple_key)


def _triple_key(triple: ox.Triple) -> tuple[str, str, str]:
    return (str(triple.subject), str(triple.predicate), str(triple.object))


def _concept_triples(lists: CodeLists, c: Concept) -> Iterator[ox.Triple]:
    s = _n(c.iri)
    scheme = _n(scheme_iri(c.scheme))
    yield ox.Triple(s, _A, _skos("Concept"))
    yield ox.Triple(s, _skos("inScheme"), scheme)
    yield ox.Triple(s, _skos("notation"), ox.Literal(c.notation))
    for lang, text in c.labels.items():
        yield ox.Triple(s, _skos("prefLabel"), ox.Literal(text, language=lang))
    for lang, texts in c.alt_labels.items():
        for text in texts:
            literal = ox.Literal(text, language=lang) if lang else ox.Literal(text)
            yield ox.Triple(s, _skos("altLabel"), literal)
    own = scheme_iri(c.scheme) + "/"
    for broader in c.broader:
        # skos:broader only within one scheme; a link into another scheme is said by its own property.
        link = _skos("broader") if broader.startswith(own) else _cross_scheme_property(broader)
        if link is not None:
            yield ox.Triple(s, link, _n(broader))
    if not any(b.startswith(own) for b in c.broader):
        yield ox.Triple(s, _skos("topConceptOf"), scheme)
        yield ox.Triple(scheme, _skos("hasTopConcept"), s)
    if c.valid_from:
        yield ox.Triple(s, _n(SCHEMA + "validFrom"), ox.Literal(c.valid_from.isoformat(), datatype=_DATE))
    if c.valid_to:
        yield ox.Triple(s, _n(SCHEMA + "validThrough"), ox.Literal(c.valid_to.isoformat(), datatype=_DATE))
    if c.extra.get("note"):
        yield ox.Triple(s, _skos("editorialNote"), ox.Literal(c.extra["note"], language="en"))
    yield from _specific_triples(lists, c, s)


def _cross_scheme_property(target: str) -> ox.NamedNode | None:
    """How a concept names a concept of another scheme it lies under (``Concept.broader``), or None.

    A municipality's sub-regions changed over time: they are said, dated, by its membership periods, not here.
    An axis or objective is financed by a fund (not narrower than it); an objective is part of an axis, a
    programme part of a programme, a sub-region of a region (``dcterms:isPartOf``).
    """
    target_scheme = target.removeprefix(CODE).partition("/")[0]
    if target_scheme == "subregion":
        return None
    if target_scheme == "fund":
        return _n(ESR + "financedByFund")
    return _n(DCTERMS + "isPartOf")


def _jhs_links(lists: CodeLists, c: Concept, s: ox.NamedNode, pattern: str, same_territory: bool) -> Iterator[ox.Triple]:
    """The concept's code in each yearly JHS code list: the same entity (``skos:exactMatch``) only when the
    concept kept one territory over its whole life, else ``skos:closeMatch`` (exactMatch is transitive: two
    yearly codes of different territories would become the same)."""
    first, last = lists.classification_years
    start = c.valid_from.year if c.valid_from else first
    end = c.valid_to.year if c.valid_to else last
    match = _skos("exactMatch" if same_territory else "closeMatch")
    for year in range(start, end + 1):
        yield ox.Triple(s, match, _n(pattern.format(year=year, code=c.notation)))


def _nuts_triples(lists: CodeLists, c: Concept, s: ox.NamedNode) -> Iterator[ox.Triple]:
    """A region's NUTS 3 code in each NUTS version, as a dated node carrying the version; on the concept,
    ``skos:exactMatch`` only when one code covers the region's whole life and its territory never changed,
    else ``skos:closeMatch`` to each code (NUTS lags behind the regions' changes: FI193 still held Kuhmoinen
    in 2021-2023, when region 13 no longer did)."""
    codes: list[str] = []
    for version in lists.nuts_versions:
        code = c.extra.get(f"nuts3_{version.version}")
        if not code:
            continue
        codes.append(code)
        nuts = _n(NUTS + code)
        node = _n(f"{s.value}/nuts/{version.version}")
        yield ox.Triple(s, _n(ESR + "nutsCorrespondence"), node)
        yield ox.Triple(node, _A, _n(ESR + "NutsCorrespondence"))
        yield ox.Triple(node, _n(ESR + "nutsVersion"), ox.Literal(version.version))
        yield ox.Triple(node, _n(ESR + "nutsRegion"), nuts)
        yield ox.Triple(node, _n(SCHEMA + "validFrom"), ox.Literal(version.valid_from.isoformat(), datatype=_DATE))
        if version.valid_to:
            yield ox.Triple(node, _n(SCHEMA + "validThrough"), ox.Literal(version.valid_to.isoformat(), datatype=_DATE))
        # Eurostat's own pattern: a NUTS code belongs to each version's scheme.
        yield ox.Triple(nuts, _skos("inScheme"), _n(version.scheme_iri))
    same = len(set(codes)) == 1 and c.notation not in lists.regions_with_changed_territory
    for code in sorted(set(codes)):
        yield ox.Triple(s, _skos("exactMatch" if same else "closeMatch"), _n(NUTS + code))


def _membership_triples(s: ox.NamedNode, period: MunicipalityPeriod) -> Iterator[ox.Triple]:
    """Which sub-region and region a municipality belonged to, and when (for the place shapes)."""
    start = period.valid_from.isoformat() if period.valid_from else "2013"
    node = _n(f"{s.value}/membership/{start}")
    yield ox.Triple(s, _n(ESR + "membershipPeriod"), node)
    yield ox.Triple(node, _n(RDF + "type"), _n(ESR + "MunicipalityPeriod"))
    yield ox.Triple(node, _n(ESR + "inSubregion"), _n(concept_iri("subregion", period.subregion_code)))
    yield ox.Triple(node, _n(ESR + "inRegion"), _n(concept_iri("region", period.region_code)))
    if period.valid_from:
        yield ox.Triple(node, _n(SCHEMA + "validFrom"), ox.Literal(period.valid_from.isoformat(), datatype=_DATE))
    if period.valid_to:
        yield ox.Triple(node, _n(SCHEMA + "validThrough"), ox.Literal(period.valid_to.isoformat(), datatype=_DATE))


def _specific_triples(lists: CodeLists, c: Concept, s: ox.NamedNode) -> Iterator[ox.Triple]:
    """Links that only some schemes have: NUTS, JHS codes, mergers, verification flags."""
    if c.scheme == "region":
        yield from _nuts_triples(lists, c, s)
        yield from _jhs_links(lists, c, s, JHS_MAAKUNTA, c.notation not in lists.regions_with_changed_territory)
    elif c.scheme == "municipality":
        same = c.notation not in lists.municipalities_with_changed_territory
        yield from _jhs_links(lists, c, s, JHS_KUNTA, same)
        for period in lists.municipality_periods.get(c.notation, ()):
            yield from _membership_triples(s, period)
        merger = lists.mergers.get(c.notation)
        if merger:
            target = _n(concept_iri("municipality", merger.merged_into_code))
            yield ox.Triple(s, _n(DCTERMS + "isReplacedBy"), target)
            yield ox.Triple(target, _n(DCTERMS + "replaces"), s)
    elif c.scheme == "authority":
        for region in _split(c.extra.get("region_codes", "")):
            yield ox.Triple(s, _skos("related"), _n(concept_iri("region", region)))
        funded = _split(c.extra.get("funded", ""))
        for mandate in funded:
            mandate_period, _, fund = mandate.partition(":")
            node = _n(f"{s.value}/funded/{mandate_period}-{fund}")
            yield ox.Triple(s, _n(ESR + "fundingMandate"), node)
            yield ox.Triple(node, _n(RDF + "type"), _n(ESR + "FundingMandate"))
            yield ox.Triple(node, _n(ESR + "mandateFund"), _n(concept_iri("fund", fund)))
            yield ox.Triple(node, _n(ESR + "mandatePeriod"), _n(concept_iri("period", mandate_period)))
        if funded:
            text = "Funded projects (seen in data): " + ", ".join(f.replace(":", " ") for f in funded)
            yield ox.Triple(s, _skos("scopeNote"), ox.Literal(text, language="en"))
    elif c.scheme == "programme":
        yield ox.Triple(s, _skos("related"), _n(concept_iri("period", c.extra["period"])))
        if c.extra.get("cci"):
            # The programme's CCI number, the EU's identifier of the programme.
            yield ox.Triple(s, _n(DCTERMS + "identifier"), ox.Literal(c.extra["cci"]))
            if c.extra.get("cci_verified") == "yes":
                node = _n(f"{s.value}/cci")
                yield ox.Triple(s, _n(ADMS + "identifier"), node)
                yield ox.Triple(node, _A, _n(ADMS + "Identifier"))
                yield ox.Triple(node, _skos("notation"), ox.Literal(c.extra["cci"]))
                yield ox.Triple(node, _n(ADMS + "schemaAgency"), ox.Literal("European Commission", language="en"))
        for fund in _split(c.extra.get("funds", "")):
            yield ox.Triple(s, _skos("related"), _n(concept_iri("fund", fund)))
    elif c.scheme in ("priority-axis", "specific-objective"):
        yield ox.Triple(s, _skos("related"), _n(concept_iri("period", c.extra["period"])))
        if c.extra.get("programme"):
            # An axis belongs to its programme (and is financed by its fund: esr:financedByFund).
            yield ox.Triple(s, _n(DCTERMS + "isPartOf"), _n(concept_iri("programme", c.extra["programme"])))
        if c.scheme == "specific-objective" and c.extra.get("priority_axis") and c.extra.get("fund"):
            yield ox.Triple(s, _n(ESR + "financedByFund"), _n(concept_iri("fund", c.extra["fund"])))
        unverified = [
            what
            for what, key in (("name", "name_verified"), ("axis", "axis_verified"), ("name", "verified"))
            if c.extra.get(key) == "no"
        ]
        if unverified:
            text = "Not verified against EURA: " + " and ".join(dict.fromkeys(unverified))
            yield ox.Triple(s, _skos("editorialNote"), ox.Literal(text, language="en"))


def skos_ntriples(codelists: CodeLists | None = None) -> bytes:
    """The SKOS output as sorted N-Triples, ready to write or diff."""
    data = ox.serialize(skos_triples(codelists), format=ox.RdfFormat.N_TRIPLES)
    assert data is not None
    return data
