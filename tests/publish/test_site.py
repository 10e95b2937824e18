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
    write_site(triples, tmp_path, base=BASE, prefixes=sample_build.prefixes())
    html = (tmp_path / "project" / "S20885.html").read_text(encoding="utf-8")
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
