"""A static linked-data site: one HTML page and one Turtle file per resource, and an index.

Every project, organisation and code-list concept the data uses (places are concepts of
the region, sub-region and municipality lists) gets ``<path>.html`` and ``<path>.ttl``;
the index browses by region, fund, start year and organisation; the release folder
(catalogue and dumps) is copied to ``download/`` and linked. Links are relative, so any
static web server (or none) serves the folder. All text from records goes through
:func:`esrgraph.publish.html.esc`; each page embeds its resource's triples as JSON-LD in a
``<script type="application/ld+json">`` whose text cannot close the element.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
import shutil
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import unquote

from pyoxigraph import BlankNode, Literal, NamedNode, Triple

from esrgraph.core.vocab import ADMS, CODE, DCTERMS, ESR, FOAF, ORG, PREFIXES, RDF, RDFS, ROV, SCHEMA, SKOS
from esrgraph.io.atomic import atomic_write_bytes, atomic_write_text
from esrgraph.io.export import serialize_triples
from esrgraph.io.formats import OutputFormat
from esrgraph.publish.html import esc, href, link, page, stylesheet
from esrgraph.publish.jsonld import compact_iri, jsonld_document, script_safe, used_prefixes

RDF_TYPE = RDF + "type"
_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._~-]*$")
MONEY = {
    ESR + "grantedEUAndStateFunding": "Granted EU and state funding",
    ESR + "plannedPublicFunding": "Planned public funding",
    ESR + "realisedEUAndStateFunding": "Realised EU and state funding",
    ESR + "realisedPublicFunding": "Realised public funding",
    ESR + "budgetMinimum": "Budget minimum",
    ESR + "budgetMaximum": "Budget maximum",
}
WHO = {ESR + "applicant": "Applicant", ESR + "coImplementer": "Co-implementers", ESR + "partner": "Partners",
       ESR + "participant": "Participants"}
WHERE = {ESR + "region": "Region", ESR + "subregion": "Sub-regions", ESR + "municipality": "Municipalities"}
WHAT = {ESR + "fund": "Fund", ESR + "programmePeriod": "Programme period", ESR + "priorityAxis": "Priority axis",
        ESR + "specificObjective": "Specific objective", ESR + "status": "Status",
        ESR + "fundingAuthority": "Funding authority"}
#: How a concept lies under another: within its scheme (skos:broader) or across schemes (issue 20).
UPWARD = (SKOS + "broader", DCTERMS + "isPartOf", ESR + "financedByFund")
#: Links to other publishers' codes a concept page shows, at most MATCHES_SHOWN each (All statements has every one).
MATCHES = {SKOS + "exactMatch": "Same as", SKOS + "closeMatch": "Close to", SKOS + "broadMatch": "Broader match",
           SKOS + "narrowMatch": "Narrower match"}
MATCHES_SHOWN = 6
LANGS = ("fi", "en", "sv", "")
TEXTS = {ESR + "planSummary": "Plan", ESR + "finalReportSummary": "Final report",
         DCTERMS + "description": "Description", ESR + "directTargetGroups": "Direct target groups",
         ESR + "indirectTargetGroups": "Indirect target groups"}


@dataclass
class SiteResult:
    folder: Path
    pages: dict[str, str] = field(default_factory=dict)  # IRI -> page path (relative, .html)
    projects: list[str] = field(default_factory=list)


def _safe_segment(segment: str) -> str:
    text = unquote(segment)
    if _SAFE.match(text):
        return text
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    folded = re.sub(r"[^A-Za-z0-9._~-]+", "-", folded).strip("-.") or "x"
    return f"{folded}-{hashlib.sha256(text.encode('utf-8')).hexdigest()[:8]}"


def page_path(iri: str, base: str) -> str | None:
    """Where ``iri``'s page lives in the site, without extension; None for IRIs we do not host.

    >>> page_path("https://x.fi/organisation/name/jyv%C3%A4skyl%C3%A4n-kaupunki", "https://x.fi/")
    'organisation/name/jyvaskylan-kaupunki-e46526ee'
    >>> page_path("https://w3id.org/esrgraph/code/fund/ESR", "https://x.fi/")
    'code/fund/ESR'
    """
    if iri.startswith(base):
        rest = iri[len(base):]
    elif iri.startswith(CODE):
        rest = "code/" + iri[len(CODE):]
    else:
        return None
    parts = [p for p in rest.split("/") if p]
    if not parts:
        return None
    return "/".join(_safe_segment(p) for p in parts)


#: An object a page shows as a fact.
Value = NamedNode | BlankNode | Literal


def _subject_text(term: NamedNode | BlankNode | Triple) -> str:
    """A subject's IRI or blank-node id; a triple term (RDF 1.2; esrgraph writes none) as its text."""
    return str(term) if isinstance(term, Triple) else term.value


class Graph:
    """The triples indexed by subject and by object, with labels."""

    def __init__(self, triples: Iterable[Triple]) -> None:
        self.triples = list(triples)
        self.out: dict[str, dict[str, list[Value]]] = defaultdict(lambda: defaultdict(list))
        self.incoming: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self.by_subject: dict[str, list[Triple]] = defaultdict(list)
        for t in self.triples:
            s = _subject_text(t.subject)
            if not isinstance(t.object, Triple):  # a triple term is no fact; "All statements" shows it as text
                self.out[s][t.predicate.value].append(t.object)
            self.by_subject[s].append(t)
            if isinstance(t.object, NamedNode) and t.predicate.value != RDF_TYPE:
                self.incoming[t.object.value].append((s, t.predicate.value))

    def typed(self, cls: str) -> list[str]:
        return sorted(s for s, props in self.out.items() if any(o.value == cls for o in props.get(RDF_TYPE, [])))

    def values(self, s: str, p: str) -> list[Value]:
        return sorted(self.out.get(s, {}).get(p, []), key=lambda o: o.value)

    def first(self, s: str, p: str) -> str | None:
        vals = self.values(s, p)
        return vals[0].value if vals else None

    def label(self, iri: str) -> str:
        props = self.out.get(iri, {})
        for pred in (DCTERMS + "title", SKOS + "prefLabel", ROV + "legalName", FOAF + "name"):
            vals = [o for o in props.get(pred, []) if isinstance(o, Literal)]
            for lang in ("fi", "en", "sv", ""):
                for o in sorted(vals, key=lambda o: o.value):
                    if (o.language or "") == lang:
                        return o.value
            if vals:
                return sorted(vals, key=lambda o: o.value)[0].value
        return compact_iri(iri, PREFIXES)


def _money(value: str) -> str:
    try:
        amount = Decimal(value)
    except InvalidOperation:
        return value
    text = f"{amount:,.0f}" if amount == amount.to_integral_value() else f"{amount:,.2f}"
    return text.replace(",", "\u00a0") + "\u00a0€"


def _period(g: Graph, iri: str) -> str:
    start, end = g.first(iri, ESR + "plannedStartDate"), g.first(iri, ESR + "plannedEndDate")
    if not (start or end):
        return "—"
    return f"{start or '?'} – {end or '?'}"


class Site:
    def __init__(self, triples: Sequence[Triple], base: str, prefixes: dict[str, str]) -> None:
        self.g = Graph(triples)
        self.base = base
        self.prefixes = {**PREFIXES, "code": CODE, **prefixes}
        self.projects = self.g.typed(ESR + "Project")
        self.organisations = self.g.typed(ORG + "Organization")
        hosted = set(self.projects) | set(self.organisations)
        self.paths: dict[str, str] = {}
        used: set[str] = set()
        for s in list(hosted):
            for t in self._own_triples(s):
                if isinstance(t.object, NamedNode) and t.object.value.startswith(CODE):
                    used.add(t.object.value)
        todo = list(used)
        while todo:  # the concepts above too, so a municipality links to its sub-regions and they to their region
            for b in self._upward(todo.pop()):
                if b not in used and b.startswith(CODE):
                    used.add(b)
                    todo.append(b)
        self.concepts = sorted(c for c in used if c in self.g.out)
        taken: set[str] = set()
        for iri in [*self.projects, *self.organisations, *self.concepts]:
            path = page_path(iri, base)
            if path is None:
                continue
            while path in taken:  # two IRIs folding to one file name
                path += "-" + hashlib.sha256(iri.encode("utf-8")).hexdigest()[:6]
            taken.add(path)
            self.paths[iri] = path

    # -------------------------------------------------------------- helpers
    def _upward(self, iri: str) -> list[str]:
        """The concepts ``iri`` lies under: broader (one scheme), part of, financed by, and a municipality's
        sub-regions and regions, which changed over time and so are said by its dated membership periods."""
        up = [o.value for p in UPWARD for o in self.g.values(iri, p)]
        for period in self.g.values(iri, ESR + "membershipPeriod"):
            up += [o.value for p in (ESR + "inSubregion", ESR + "inRegion") for o in self.g.values(period.value, p)]
        return up

    def _own_triples(self, iri: str) -> list[Triple]:
        if iri.startswith(CODE):  # with the nodes under it that it links to (membership periods, NUTS versions)
            out = list(self.g.by_subject.get(iri, []))
            own = iri + "/"
            parts = {t.object.value for t in out if isinstance(t.object, NamedNode) and t.object.value.startswith(own)}
            for s in sorted(parts):
                if s not in self.paths:
                    out.extend(self.g.by_subject.get(s, []))
            return out
        prefix = iri + "/"
        out = list(self.g.by_subject.get(iri, []))
        for s in sorted(self.g.by_subject):
            if s.startswith(prefix) and s not in self.paths:
                out.extend(self.g.by_subject[s])
        return out

    def _rel(self, from_path: str, to: str) -> str:
        return posixpath.relpath(to, posixpath.dirname(from_path) or ".")

    def _ref(self, here: str, iri: str) -> str:
        """A link to ``iri``: its page here, or the IRI itself when http(s), else plain text."""
        target = self.paths.get(iri)
        label = self.g.label(iri)
        if target:
            return link(self._rel(here, target + ".html"), label)
        if iri.startswith(("http://", "https://", "mailto:")):
            return link(iri, label if label != iri else iri)
        return esc(label)

    def _value(self, here: str, o: NamedNode | BlankNode | Literal | Triple, pred: str = "") -> str:
        if isinstance(o, NamedNode):
            return self._ref(here, o.value)
        if not isinstance(o, Literal):  # a blank node or triple term (esrgraph writes neither): its N-Triples text
            return esc(str(o))
        if pred in MONEY:
            return esc(_money(o.value))
        lang = f' lang="{esc(o.language)}"' if o.language else ""
        return f'<span class="text"{lang}>{esc(o.value)}</span>'

    def _facts(self, here: str, rows: list[tuple[str, str]]) -> str:
        rows = [(k, v) for k, v in rows if v]
        return '<dl class="facts">' + "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in rows) + "</dl>"

    def _list(self, here: str, iri: str, pred: str) -> str:
        return ", ".join(self._value(here, o, pred) for o in self.g.values(iri, pred))

    def _text(self, iri: str, pred: str) -> str:
        """One literal of ``iri``, Finnish first (as labels are chosen), or ''."""
        vals = [o for o in self.g.values(iri, pred) if isinstance(o, Literal)]
        rank = {lang: i for i, lang in enumerate(LANGS)}
        ranked = sorted(vals, key=lambda o: (rank.get(o.language or "", len(LANGS)), o.value))
        return ranked[0].value if ranked else ""

    def _dates(self, node: str) -> str:
        start, end = self.g.first(node, SCHEMA + "validFrom"), self.g.first(node, SCHEMA + "validThrough")
        return f" ({start or '…'} – {end or '…'})" if start or end else ""

    def _part_of(self, here: str, iri: str) -> str:
        """What a concept is part of: dcterms:isPartOf, and a municipality's sub-region and region in each
        membership period, dated (a municipality can move: Kuhmoinen went to Pirkanmaa in 2021)."""
        items = [self._value(here, o) for o in self.g.values(iri, DCTERMS + "isPartOf")]
        periods = self.g.values(iri, ESR + "membershipPeriod")
        for period in sorted(periods, key=lambda o: self.g.first(o.value, SCHEMA + "validFrom") or ""):
            places = [self._value(here, o) for p in (ESR + "inSubregion", ESR + "inRegion")
                      for o in self.g.values(period.value, p)]
            if places:
                items.append(", ".join(places) + esc(self._dates(period.value)))
        return "<br>".join(items)

    def _nuts(self, here: str, iri: str) -> str:
        """A region's NUTS 3 codes and the NUTS versions each is the region's code in (esr:nutsCorrespondence)."""
        versions: dict[str, list[str]] = defaultdict(list)
        for node in self.g.values(iri, ESR + "nutsCorrespondence"):
            for code in self.g.values(node.value, ESR + "nutsRegion"):
                versions[code.value].append(self.g.first(node.value, ESR + "nutsVersion") or "?")
        return ", ".join(f"{link(code, code.rsplit('/', 1)[-1])} (NUTS {esc(', '.join(sorted(v)))})"
                         for code, v in sorted(versions.items(), key=lambda kv: (sorted(kv[1]), kv[0])))

    def _matches(self, iri: str, pred: str) -> str:
        found = self.g.values(iri, pred)
        shown = ", ".join(link(o.value, o.value) for o in found[:MATCHES_SHOWN])
        more = len(found) - MATCHES_SHOWN
        return shown + (f" and {more} more (see All statements)" if more > 0 else "")

    def _registration(self, iri: str) -> str:
        """The organisation's registered identifiers (rov:registration, an adms:Identifier): the Y-tunnus and
        the agency that issued it."""
        items = []
        for node in self.g.values(iri, ROV + "registration"):
            notation = self._text(node.value, SKOS + "notation")
            agency = self._text(node.value, ADMS + "schemaAgency")
            if notation:
                items.append(esc(notation) + (f" <small>({esc(agency)})</small>" if agency else ""))
        return "<br>".join(items)

    def _statements(self, here: str, triples: list[Triple]) -> str:
        rows = []
        vocab = self._rel(here, "vocabulary.html")
        for t in triples:
            p = compact_iri(t.predicate.value, self.prefixes)
            subject_text = _subject_text(t.subject)
            subject = "" if subject_text in self.paths else compact_iri(subject_text, self.prefixes)
            p_html = link(f"{vocab}#{p}", p) if t.predicate.value.startswith(ESR) else link(t.predicate.value, p)
            rows.append(f'<tr><td class="iri">{esc(subject)}</td><td>{p_html}</td>'
                        f"<td>{self._value(here, t.object, t.predicate.value)}</td></tr>")
        return ("<h2>All statements</h2><table><thead><tr><th>Part</th><th>Property</th><th>Value</th></tr></thead>"
                "<tbody>" + "".join(rows) + "</tbody></table>")

    def _incoming(self, here: str, iri: str) -> str:
        refs = sorted({(s, p) for s, p in self.g.incoming.get(iri, []) if s in self.paths},
                      key=lambda sp: (self.g.label(sp[0]), sp[1]))
        if not refs:
            return ""
        items = "".join(f"<li>{self._ref(here, s)} <small>({esc(compact_iri(p, self.prefixes))})</small></li>"
                        for s, p in refs)
        return f"<h2>Referenced by ({len(refs)})</h2><ul>{items}</ul>"

    def _write_resource(self, out: Path, iri: str, kind: str, main: str) -> None:
        path = self.paths[iri]
        triples = self._own_triples(iri)
        ttl = serialize_triples(triples, OutputFormat.TURTLE, used_prefixes(triples, self.prefixes))
        atomic_write_bytes(out / f"{path}.ttl", ttl)
        doc = jsonld_document(triples, self.prefixes)
        root = "../" * path.count("/")
        name = posixpath.basename(path)
        head = (f'<link rel="alternate" type="text/turtle" href="{esc(name)}.ttl">\n'
                f'<script type="application/ld+json">{script_safe(doc)}</script>\n')
        body = (f'<p class="kind">{esc(kind)}</p><h1>{esc(self.g.label(iri))}</h1>'
                f'<p class="iri">{esc(iri)} · <a href="{esc(name)}.ttl">Turtle</a></p>\n{main}\n'
                + self._incoming(path, iri) + self._statements(path, triples))
        atomic_write_text(out / f"{path}.html", page(self.g.label(iri), body, root=root, lang="en",
                                                     head_extra=head, nav=NAV))

    # -------------------------------------------------------------- pages
    def project_main(self, iri: str) -> str:
        here = self.paths[iri]
        rows = [("Code", esc(self.g.first(iri, DCTERMS + "identifier") or "")), ("Period", esc(_period(self.g, iri)))]
        rows += [(label, self._list(here, iri, p)) for p, label in MONEY.items()]
        rows += [(label, self._list(here, iri, p)) for p, label in WHO.items()]
        rows += [(label, self._list(here, iri, p)) for p, label in WHERE.items()]
        rows += [(label, self._list(here, iri, p)) for p, label in WHAT.items()]
        rows.append(("EURA page", self._list(here, iri, FOAF + "page")))
        texts = "".join(f"<h2>{esc(label)}</h2>" + "".join(self._value(here, o) for o in self.g.values(iri, p))
                        for p, label in TEXTS.items() if self.g.values(iri, p))
        return self._facts(here, rows) + texts

    def organisation_main(self, iri: str) -> str:
        here = self.paths[iri]
        rows = [("Business ID", self._list(here, iri, ESR + "businessId")),
                ("Registration", self._registration(iri)),
                ("Legal name", self._list(here, iri, ROV + "legalName")),
                ("Type", self._list(here, iri, ROV + "orgType")),
                ("Home page", self._list(here, iri, FOAF + "homepage")),
                ("See also", self._list(here, iri, RDFS + "seeAlso"))]
        return self._facts(here, rows)

    def concept_main(self, iri: str) -> str:
        here = self.paths[iri]
        rows = [("Notation", self._list(here, iri, SKOS + "notation")),
                ("Labels", "<br>".join(self._value(here, o) for o in self.g.values(iri, SKOS + "prefLabel"))),
                ("Scheme", self._list(here, iri, SKOS + "inScheme")),
                ("Part of", self._part_of(here, iri)),
                ("Financed by", self._list(here, iri, ESR + "financedByFund")),
                ("Broader", self._list(here, iri, SKOS + "broader")),
                ("NUTS 3", self._nuts(here, iri))]
        rows += [(label, self._matches(iri, p)) for p, label in MATCHES.items()]
        return self._facts(here, rows)

    def _project_table(self, here: str, projects: Iterable[str]) -> str:
        rows = []
        for p in sorted(projects, key=lambda p: (self.g.first(p, ESR + "plannedStartDate") or "", p)):
            granted = self.g.first(p, ESR + "grantedEUAndStateFunding")
            rows.append(f"<tr><td>{self._ref(here, p)}</td><td>{esc(self.g.first(p, DCTERMS + 'identifier') or '')}</td>"
                        f"<td>{esc(_period(self.g, p))}</td><td class=\"num\">{esc(_money(granted)) if granted else ''}</td></tr>")
        return ('<table><thead><tr><th>Project</th><th>Code</th><th>Period</th><th class="num">Granted</th></tr></thead>'
                "<tbody>" + "".join(rows) + "</tbody></table>")

    def write(self, out: Path, downloads: Sequence[tuple[str, str]] = ()) -> SiteResult:
        for iri in self.projects:
            if iri in self.paths:
                self._write_resource(out, iri, "Project", self.project_main(iri))
        for iri in self.organisations:
            if iri in self.paths:
                self._write_resource(out, iri, "Organisation", self.organisation_main(iri))
        for iri in self.concepts:
            self._write_resource(out, iri, "Code-list concept", self.concept_main(iri))
        self._write_browse(out, downloads)
        atomic_write_text(out / "style.css", stylesheet())
        return SiteResult(folder=out, pages={i: p + ".html" for i, p in self.paths.items()}, projects=self.projects)

    def _browse(self, pred: str) -> dict[str, list[str]]:
        groups: dict[str, list[str]] = defaultdict(list)
        for p in self.projects:
            for o in self.g.values(p, pred):
                groups[o.value].append(p)
        return groups

    def _write_browse(self, out: Path, downloads: Sequence[tuple[str, str]]) -> None:
        years: dict[str, list[str]] = defaultdict(list)
        for p in self.projects:
            start = self.g.first(p, ESR + "plannedStartDate")
            years[start[:4] if start else "unknown"].append(p)
        for year, projects in years.items():
            body = f"<h1>Projects starting in {esc(year)}</h1>" + self._project_table(f"year/{year}.html", projects)
            atomic_write_text(out / "year" / f"{year}.html", page(f"Projects starting in {year}", body, root="../",
                                                                   lang="en", nav=NAV))
        org_projects: dict[str, set[str]] = defaultdict(set)
        for p in self.projects:
            for pred in WHO:
                for o in self.g.values(p, pred):
                    org_projects[o.value].add(p)
        org_rows = "".join(f"<tr><td>{self._ref('organisations.html', o)}</td><td class=\"num\">{len(org_projects[o])}</td></tr>"
                           for o in sorted(self.organisations, key=self.g.label))
        atomic_write_text(out / "organisations.html", page("Organisations", "<h1>Organisations</h1><table><thead><tr>"
                          "<th>Organisation</th><th class=\"num\">Projects</th></tr></thead><tbody>" + org_rows
                          + "</tbody></table>", lang="en", nav=NAV))

        def group_list(pred: str) -> str:
            groups = self._browse(pred)
            return "<ul class=\"cols\">" + "".join(
                f"<li>{self._ref('index.html', c)} ({len(ps)})</li>"
                for c, ps in sorted(groups.items(), key=lambda kv: self.g.label(kv[0]))) + "</ul>"

        year_list = "<ul class=\"cols\">" + "".join(f"<li>{link(f'year/{y}.html', y)} ({len(ps)})</li>"
                                                  for y, ps in sorted(years.items())) + "</ul>"
        dl = "".join(f"<li>{link(url, text)}</li>" for url, text in downloads)
        body = ("<h1>EU structural-fund projects as linked data</h1>"
                f"<p>{len(self.projects)} projects, {len(self.organisations)} organisations, "
                f"{len(self.concepts)} code-list concepts. Every page has a Turtle twin and embedded JSON-LD.</p>"
                f"<h2>Data and documentation</h2><ul>{dl}"
                f"<li>{link('vocabulary.html', 'Vocabulary (classes, properties, shapes)')}</li>"
                f"<li>{link('codelists.html', 'Code lists')}</li></ul>"
                f"<h2>By region</h2>{group_list(ESR + 'region')}"
                f"<h2>By fund</h2>{group_list(ESR + 'fund')}"
                f"<h2>By start year</h2>{year_list}"
                f"<h2>By organisation</h2><p>{link('organisations.html', 'All organisations')}</p>"
                f"<h2>All projects</h2>{self._project_table('index.html', self.projects)}")
        atomic_write_text(out / "index.html", page("esrgraph: EU structural-fund projects", body, lang="en", nav=NAV))


NAV = (("index.html", "Index"), ("organisations.html", "Organisations"), ("vocabulary.html", "Vocabulary"),
       ("download/catalog.ttl", "Catalogue"))

DOWNLOADS = (("catalog.ttl", "Catalogue (DCAT-AP 3, VoID)"), ("esrgraph.ttl", "Whole graph (Turtle)"),
             ("esrgraph.nt.gz", "Whole graph (N-Triples, gzip)"), ("esrgraph.jsonld.gz", "Whole graph (JSON-LD, gzip)"),
             ("CHANGELOG.md", "Changes of this release"))


def write_site(triples: Sequence[Triple], out_dir: str | os.PathLike[str], *, base: str, prefixes: dict[str, str] | None = None,
               release_dir: Path | None = None) -> SiteResult:
    """Write the static site for ``triples`` into ``out_dir``.

    Args:
        triples: the built graph (data and code lists).
        out_dir: the site folder (created; files in it are replaced).
        base: the data base IRI (pages are made for IRIs under it and for code-list concepts).
        prefixes: Turtle/JSON-LD prefixes.
        release_dir: a release folder to copy to ``download/`` and link (catalogue and dumps).
    """
    from esrgraph.publish.vocabdocs import write_vocab_docs

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    downloads: list[tuple[str, str]] = []
    if release_dir is not None:
        target = out / "download"
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(release_dir, target)
        downloads = [(f"download/{name}", text) for name, text in DOWNLOADS if (target / name).is_file()]
    site = Site(triples, base, prefixes or {})
    for name, html_text in write_vocab_docs(triples).items():
        atomic_write_text(out / name, html_text)
    return site.write(out, downloads)


__all__ = ["SiteResult", "page_path", "write_site", "href"]
