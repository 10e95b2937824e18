"""Safe output: hostile record text cannot break or redirect the graph, and HTML escapes it (issue 6, part 4).

Hostile values (spaces, ``>``, quotes, ``#``, ``javascript:``, ``<script>``, IRIs of another site,
backslashes, braces) are put into every layout's organisation name, business ID, web address, places
and project name, and built through the whole pipeline. Then: every IRI in the graph is a well-formed
http(s) IRI, nothing points at the hostile site, IRIs under the base hold no ``#`` or ``?``, the
hostile text survives intact as literals, every output format re-parses to the same graph, and every
HTML page written (quality report, static site, endpoint pages) shows ``<script>`` as text.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import rdflib
from pyoxigraph import Literal, NamedNode

from esrgraph.core.vocab import DEFAULT_BASE
from esrgraph.io.export import serialize_triples
from esrgraph.io.formats import RDFLIB_PARSERS, OutputFormat
from esrgraph.outputs import write_outputs
from esrgraph.pipeline.build import build
from esrgraph.pipeline.result import BuildOptions
from esrgraph.validation.report import triples_to_rdflib
from graphs import assert_same_graph
from repo_paths import REPO

SAMPLES = REPO / "data" / "samples"
CSV = REPO / "tests" / "data" / "projectlist-csv" / "period-2014-2020.csv"

SCRIPT = "<script>alert(1)</script>"
HOSTILE = f'Evil "Org" > <http://evil.example/x> #frag javascript:alert(1) {SCRIPT} \' ` {{ }} | \\ ^ %zz'
HOSTILE_SITES = ["javascript:alert(1)", "http://evil.example/a b> <x", "https://x.fi:l", "https://www.x.fi/%zz",
                 'http://evil.example/"><script>alert(1)</script>']
IRI_OK = re.compile(r"^https?://[^\s<>\"{}|\\^`]+$")


def _label(text: str, label: str, value: str) -> str:
    return re.sub(rf"(?m)^({re.escape(label)}:) ?.*$", lambda m: f"{m.group(1)} {value}", text)


def hostile_texts(site: str) -> dict[str, str]:
    """Each sample with hostile values in the fields that feed IRIs and pages."""
    out = {}
    for path in sorted(SAMPLES.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        for label in ("Hakijan virallinen nimi", "Toteuttajaorganisaatio", "Hankkeen nimi"):
            text = _label(text, label, HOSTILE)
        text = _label(text, "Y-tunnus", "1710217-7> <http://evil.example/y")
        text = _label(text, "WWW-osoite", site)
        text = _label(text, "Kunnat", "Jyväskylä, Evil> <x #y, javascript:z")
        text = _label(text, "Maakunta", HOSTILE)
        if path.stem == "S20398":  # the portal card's title line is its name
            text = text.replace("Rainer S20398", f"{SCRIPT} S20398", 1)
        out[path.name] = text
    header, *rows = CSV.read_text(encoding="utf-8").split("\n")
    quoted = '"' + HOSTILE.replace('"', '""') + '"'
    rows = [re.sub(r",JEPETRON OY,", f",{quoted},", r) for r in rows]
    rows = [r.replace("Arctic spa, tunturikylpylä", SCRIPT.replace(",", "")) for r in rows]
    out["list.csv"] = "\n".join([header, *rows])
    return out


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory):
    """One build of every sample once per hostile web address (copies get their own project codes)."""
    folder = tmp_path_factory.mktemp("hostile")
    for i, site in enumerate(HOSTILE_SITES):
        for name, text in hostile_texts(site).items():
            if i:
                for code in set(re.findall(r"\b[SA]\d{5}\b", text)):
                    text = re.sub(rf"\b{code}\b", f"{code[0]}{i + 2}{code[2:]}", text)
            (folder / f"{i}-{name}").write_text(text, encoding="utf-8")
    result = build([folder], BuildOptions())
    out = folder.parent / (folder.name + "-out")
    write_outputs(result, out)
    return result, out


def test_every_layout_took_the_hostile_values(hostile) -> None:
    result, _ = hostile
    layouts = {r.source.layout for r in result.batch.records}
    assert layouts == {"eura-description", "eura-flattened", "portal-card", "projectlist-csv"}
    names = {r.applicant.name for r in result.batch.records if r.applicant}
    assert HOSTILE in names


def test_every_iri_is_well_formed_and_stays_home(hostile) -> None:
    """Found by this test: a web address such as https://x.fi:l or %zz crashed the build (pyoxigraph ValueError)."""
    result, _ = hostile
    iris = {t.value for triple in result.triples for t in (triple.subject, triple.predicate, triple.object)
            if isinstance(t, NamedNode)}
    assert iris
    for iri in iris:
        assert IRI_OK.match(iri), iri
        parts = urlsplit(iri)
        assert parts.scheme in ("http", "https") and parts.hostname != "evil.example", iri
        if iri.startswith(DEFAULT_BASE):
            assert "#" not in iri and "?" not in iri, iri
    # The hostile name is an organisation known by name: a percent-encoded slug under the base.
    orgs = [i for i in iris if i.startswith(DEFAULT_BASE + "organisation/name/")]
    assert any("evil" in i for i in orgs) and all(IRI_OK.match(i) for i in orgs)


def test_hostile_text_survives_as_literals(hostile) -> None:
    result, _ = hostile
    literals = {t.object.value for t in result.triples if isinstance(t.object, Literal)}
    assert HOSTILE in literals
    assert any(SCRIPT in v for v in literals)


@pytest.mark.parametrize("fmt", list(OutputFormat), ids=lambda f: f.name.lower())
def test_every_format_reparses_to_the_same_graph(hostile, fmt: OutputFormat) -> None:
    result, _ = hostile
    data = serialize_triples(result.triples, fmt, result.prefixes())
    expected = triples_to_rdflib(result.triples)
    again = rdflib.Graph().parse(data=data, format=RDFLIB_PARSERS[fmt.oxigraph])
    assert_same_graph(again, expected)


def test_html_outputs_escape_record_text(hostile, tmp_path: Path) -> None:
    from esrgraph.publish.site import build_site

    _, out = hostile
    site = tmp_path / "site"
    build_site(site, build_out=out)
    pages = sorted(out.rglob("*.html")) + sorted(site.rglob("*.html"))
    assert any(p.name == "quality-report.html" for p in pages) and len(pages) > 5
    shown = 0
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert SCRIPT not in html, page
        assert "javascript:alert" not in html.replace("javascript:alert(1)&lt;", "") or 'href="javascript:' not in html, page
        assert not re.search(r"""(?:href|src)\s*=\s*["']?\s*javascript:""", html, re.I), page
        shown += "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert shown, "the hostile name is shown, escaped, on some page"


def test_endpoint_pages_escape_record_text(hostile) -> None:
    from pyoxigraph import Store

    from esrgraph.server.endpoint import Endpoint

    result, _ = hostile
    store = Store()
    store.extend(t.as_quad() if hasattr(t, "as_quad") else _quad(t) for t in result.triples)  # type: ignore[attr-defined]
    endpoint = Endpoint(store, DEFAULT_BASE, "/esr/")
    for project in result.projects:
        page = endpoint.resource(DEFAULT_BASE + "project/" + project.record.code, "text/html").body.decode()
        assert SCRIPT not in page
        assert not re.search(r"""href\s*=\s*["']?\s*javascript:""", page, re.I)
    html = endpoint.query("SELECT ?o WHERE { ?s ?p ?o }", "text/html", None, 100000).body.decode()
    assert SCRIPT not in html and "&lt;script&gt;" in html


def _quad(t):  # type: ignore[no-untyped-def]
    from pyoxigraph import DefaultGraph, Quad

    return Quad(t.subject, t.predicate, t.object, DefaultGraph())


def test_base_iri_is_checked() -> None:
    from esrgraph.core.errors import UsageError
    from esrgraph.core.iris import check_base, organisation_iri, project_iri, segment

    for bad in ("javascript:alert(1)", "http://x.fi/a b/", "http://x.fi/<>/", "ftp://x.fi/"):
        with pytest.raises(UsageError):
            check_base(bad)
    assert segment('a b>"#\n') == "a%20b%3E%22%23"  # the newline is stripped at the ends, the rest encoded
    assert project_iri(DEFAULT_BASE, "S1 #x") == DEFAULT_BASE + "project/S1%20%23x"
    assert organisation_iri(DEFAULT_BASE, "1710217-7 >", HOSTILE).startswith(DEFAULT_BASE + "organisation/name/")
