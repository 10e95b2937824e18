"""esrgraph site and the vocabulary docs (issue 5): pages, links, escaping, embedded JSON-LD."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag

import pytest
import rdflib
from pyoxigraph import Literal, NamedNode, Triple

from esrgraph.core.vocab import DCTERMS, ESR
from esrgraph.publish.site_pages import write_site
from esrgraph.publish.vocabdocs import load_ontology, load_shapes_graph, ontology_terms, vocabulary_html

BASE = "https://w3id.org/esrgraph/id/"


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.ids: set[str] = set()
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._script: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("a", "link") and a.get("href"):
            self.hrefs.append(a["href"] or "")
        if a.get("id"):
            self.ids.add(a["id"] or "")
        if tag == "script":
            self._script = a
            self.scripts.append((a, ""))

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None


_IDS: dict[Path, set[str]] = {}


def ids_of(path: Path) -> set[str]:
    if path not in _IDS:
        _IDS[path] = parse(path).ids
    return _IDS[path]


def parse(path: Path) -> Links:
    p = Links()
    p.feed(path.read_text(encoding="utf-8"))
    return p


@pytest.fixture(scope="module")
def site(sample_out: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from esrgraph.publish.site import build_site

    out = tmp_path_factory.mktemp("site")
    build_site(out, build_out=sample_out)
    return out


def test_a_page_and_a_turtle_file_per_resource(site: Path, sample_build) -> None:  # type: ignore[no-untyped-def]
    for project in sample_build.projects:
        code = project.record.code
        assert (site / "project" / f"{code}.html").is_file()
        assert (site / "project" / f"{code}.ttl").is_file()
    assert len(list((site / "organisation").rglob("*.html"))) == sample_build.organisations
    assert (site / "code" / "fund" / "ESR.html").is_file()
    assert (site / "code" / "region" / "13.html").is_file()  # a place
    assert (site / "code" / "municipality" / "077.html").is_file()
    for name in ("index.html", "organisations.html", "vocabulary.html", "codelists.html", "style.css",
                 "download/catalog.ttl", "download/esrgraph.nt.gz"):
        assert (site / name).is_file(), name


def test_every_relative_link_resolves(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 50
    checked = 0
    for page in pages:
        for ref in parse(page).hrefs:
            if re.match(r"^[a-z]+:", ref) or ref.startswith("#"):
                continue
            target, fragment = urldefrag(ref)
            path = (page.parent / unquote(target)).resolve()
            assert path.is_file(), f"{page.relative_to(site)} -> {ref}"
            if fragment and path.suffix == ".html":
                assert fragment in ids_of(path), f"{page.relative_to(site)} -> {ref}"
            checked += 1
    assert checked > 500


def test_index_browses_by_region_fund_year_and_organisation(site: Path) -> None:
    html = (site / "index.html").read_text(encoding="utf-8")
    for heading in ("By region", "By fund", "By start year", "By organisation"):
        assert f"<h2>{heading}</h2>" in html
    assert 'href="code/region/13.html">Keski-Suomi</a> (3)' in html
    assert 'href="year/2017.html"' in html and 'href="download/catalog.ttl"' in html
    region = (site / "code" / "region" / "13.html").read_text(encoding="utf-8")
    assert region.count('href="../../project/') >= 3


def test_project_page_shows_name_period_funding_who_where(site: Path) -> None:
    html = (site / "project" / "S20885.html").read_text(encoding="utf-8")
    assert "<h1>Yhdessä enemmän -maahanmuuttajat osana yhteisöä</h1>" in html
    assert "2017-01-01 – 2018-12-31" in html
    assert "281\u00a0250\u00a0€" in html
    assert 'href="../organisation/1710217-7.html">Keski-Suomen Yhteisöjen Tuki ry</a>' in html
    assert 'href="../code/region/13.html">Keski-Suomi</a>' in html


def _fact(html: str, name: str) -> str:
    """The value of one row of a page's facts (``<dt>name</dt><dd>...</dd>``), '' when the row is absent."""
    found = re.search(rf"<dt>{re.escape(name)}</dt><dd>(.*?)</dd>", html)
    return found.group(1) if found else ""


def test_places_show_what_they_are_part_of_as_the_graph_says_it(site: Path) -> None:
    """Issue 20: a sub-region is dcterms:isPartOf its region; a municipality's sub-regions and regions changed
    over time, so its page names them per dated membership period (Kuhmoinen moved to Pirkanmaa in 2021)."""
    subregion = (site / "code" / "subregion" / "131.html").read_text(encoding="utf-8")
    assert _fact(subregion, "Part of") == '<a href="../region/13.html">Keski-Suomi</a>'
    assert _fact(subregion, "Broader") == ""  # no cross-scheme skos:broader any more
    kuhmoinen = _fact((site / "code" / "municipality" / "291.html").read_text(encoding="utf-8"), "Part of")
    assert ('<a href="../subregion/134.html">Jämsä</a>, <a href="../region/13.html">Keski-Suomi</a> '
            "(2017-01-01 – 2020-12-31)") in kuhmoinen
    assert ('<a href="../subregion/064.html">Tampere</a>, <a href="../region/06.html">Pirkanmaa</a> '
            "(2021-01-01 – 2023-12-31)") in kuhmoinen
    jyvaskyla = _fact((site / "code" / "municipality" / "179.html").read_text(encoding="utf-8"), "Part of")
    assert '<a href="../subregion/131.html">Jyväskylä</a>' in jyvaskyla  # the sub-region got a page of its own
    axis = (site / "code" / "priority-axis" / "2014-2020" / "5.html").read_text(encoding="utf-8")
    assert 'href="../../programme/2014-2020/manner-suomi.html"' in _fact(axis, "Part of")
    assert _fact(axis, "Financed by") == '<a href="../../fund/ESR.html">Euroopan sosiaalirahasto</a>'


def test_a_region_page_shows_its_nuts_codes_as_close_not_the_same(site: Path) -> None:
    page = site / "code" / "region" / "13.html"
    html = page.read_text(encoding="utf-8")
    close = _fact(html, "Close to")
    assert '<a href="http://data.europa.eu/nuts/code/FI193">' in close  # Kuhmoinen left in 2021: not the same
    assert '<a href="http://data.europa.eu/nuts/code/FI198">' in close and "more (see All statements)" in close
    assert "nuts/code" not in _fact(html, "Same as")
    assert _fact(html, "NUTS 3") == ('<a href="http://data.europa.eu/nuts/code/FI193">FI193</a> (NUTS 2013, 2016, 2021), '
                                     '<a href="http://data.europa.eu/nuts/code/FI198">FI198</a> (NUTS 2024)')
    turtle = rdflib.Graph().parse(page.with_suffix(".ttl"), format="turtle")  # the version nodes come with it
    version = rdflib.URIRef("https://w3id.org/esrgraph/code/region/13/nuts/2024")
    assert turtle.value(version, rdflib.URIRef(ESR + "nutsRegion")) == rdflib.URIRef("http://data.europa.eu/nuts/code/FI198")
    codes = (site / "codelists.html").read_text(encoding="utf-8")
    row = re.search(r'<tr id="code:region/13">.*?</tr>', codes)
    assert row and '≈ <a href="http://data.europa.eu/nuts/code/FI193">nuts:FI193</a>' in row.group(0)
    row = re.search(r'<tr id="code:subregion/131">.*?</tr>', codes)
    assert row and 'part of <a href="codelists.html#code:region/13">code:region/13</a>' in row.group(0)


def test_an_organisation_page_shows_its_registration_and_a_project_page_its_eura_page(site: Path) -> None:
    organisation = (site / "organisation" / "1710217-7.html").read_text(encoding="utf-8")
    assert _fact(organisation, "Registration") == "1710217-7 <small>(Patentti- ja rekisterihallitus)</small>"
    project = (site / "project" / "S20885.html").read_text(encoding="utf-8")
    eura = "https://www.eura2014.fi/rrtiepa/projekti.php?projektikoodi=S20885"
    assert _fact(project, "EURA page") == f'<a href="{eura}">{eura}</a>'


def test_embedded_json_ld_is_the_resource_graph(site: Path) -> None:
    for page in sorted((site / "project").glob("*.html")):
        scripts = [text for attrs, text in parse(page).scripts if attrs.get("type") == "application/ld+json"]
        assert len(scripts) == 1
        embedded = rdflib.Graph().parse(data=scripts[0], format="json-ld")
        turtle = rdflib.Graph().parse(page.with_suffix(".ttl"), format="turtle")
        assert len(embedded) > 10
        assert set(embedded) == set(turtle)


def test_record_text_is_escaped(tmp_path: Path, sample_build) -> None:  # type: ignore[no-untyped-def]
    evil = '<script>alert("x")</script></script><img src=x onerror=alert(1)> & "quotes"'
    title = NamedNode(DCTERMS + "title")
    project = NamedNode(BASE + "project/S20885")
    triples = [t for t in sample_build.triples if not (t.subject == project and t.predicate == title)]
    triples.append(Triple(project, title, Literal(evil, language="fi")))
    triples.append(Triple(project, NamedNode("http://xmlns.com/foaf/0.1/homepage"), NamedNode("javascript:alert(1)")))
    triples.append(Triple(project, NamedNode("http://xmlns.com/foaf/0.1/page"), NamedNode("javascript:alert(2)")))
    region = NamedNode("https://w3id.org/esrgraph/code/region/13")
    triples.append(Triple(region, NamedNode("http://www.w3.org/2004/02/skos/core#closeMatch"), NamedNode("javascript:x")))
    write_site(triples, tmp_path, base=BASE, prefixes=sample_build.prefixes())
    assert 'href="javascript:' not in (tmp_path / "code" / "region" / "13.html").read_text(encoding="utf-8")
    html = (tmp_path / "project" / "S20885.html").read_text(encoding="utf-8")
    assert "javascript:alert(2)" in _fact(html, "EURA page")  # shown as text, never as a link
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html
    parsed = parse(tmp_path / "project" / "S20885.html")
    assert [a.get("type") for a, _ in parsed.scripts] == ["application/ld+json"]  # nothing else became a script
    doc = json.loads(parsed.scripts[0][1])
    node = next(n for n in doc["@graph"] if n["@id"] in ("project:S20885", BASE + "project/S20885"))
    assert node["dcterms:title"] == [{"@value": evil, "@language": "fi"}]
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "<script>" not in index and "&lt;script&gt;" in index


def test_vocabulary_docs_cover_every_ontology_term_and_shape(site: Path) -> None:
    terms = ontology_terms(load_ontology())
    assert len(terms) > 40
    ids = parse(site / "vocabulary.html").ids
    for iri in terms:
        assert "esr:" + iri[len(ESR):] in ids, iri
    _shapes, origin = load_shapes_graph()
    for shape in origin:
        assert shape.replace("https://w3id.org/esrgraph/shapes#", "esrsh:") in ids, shape
    html = (site / "vocabulary.html").read_text(encoding="utf-8")
    fund = html[html.index('id="esr:fund"'):]
    fund = fund[:fund.index("</section>")]
    assert "rahasto" in fund and "The EU fund that finances" in fund and "esrsh:P04-project-has-one-fund" in fund
    assert "<code>code:fund/" in fund  # an example from the data
    codes = parse(site / "codelists.html").ids
    assert {"code:fund", "code:region", "code:municipality", "code:fund/ESR", "code:region/13"} <= codes


def test_vocabulary_docs_are_deterministic() -> None:
    assert vocabulary_html() == vocabulary_html()
