"""`esrgraph serve`: the SPARQL 1.1 Protocol, its limits, and resource pages, on a real server process.

The server runs as a subprocess on a free 127.0.0.1 port with a short time limit (2 s) and a small
row limit (50), so that the limits can be shown to cut. The checks that need no server (update and
SERVICE detection, content negotiation, HTML escaping) run in-process at the end.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
import rdflib
from pyoxigraph import Literal, NamedNode, QueryResultsFormat, Store, Triple, parse_query_results

from esrgraph.server.endpoint import Endpoint, Refused, check_query, negotiate, ontology_labels
from esrgraph.server.pages import resource_page
from esrgraph.sparql.queries import load_store, named_queries, run_query
from servers import executable, free_port, running
from sparqlrows import json_set, records, solutions_set

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n1 ?o }"
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")


def fetch(url: str, *, data: bytes | None = None, headers: dict[str, str] | None = None, method: str | None = None,
          timeout: float = 30) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


@pytest.fixture(scope="module")
def server(sample_out: Path, tmp_path_factory: pytest.TempPathFactory):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    args = [str(executable("esrgraph")), "serve", str(sample_out), "--port", str(port), "--timeout", "2",
            "--max-rows", "50", "--max-request-bytes", "20000", "--workers", "2", "-q"]
    with running(args, url + "/sparql", tmp_path_factory.mktemp("serve") / "serve.log", within=60):
        yield url


@pytest.fixture(scope="module")
def store(sample_out: Path):
    return load_store(sample_out)


def select(url: str, sparql: str, accept: str = "application/sparql-results+json") -> tuple[int, dict[str, str], bytes]:
    return fetch(f"{url}/sparql?{urlencode({'query': sparql})}", headers={"Accept": accept})


# --- the protocol -----------------------------------------------------------------------------------


@pytest.mark.server
@pytest.mark.parametrize("name", sorted(named_queries()))
def test_each_named_query_answers_as_locally(server: str, store, name: str) -> None:
    sparql = named_queries()[name].sparql
    status, headers, body = select(server, sparql)
    assert status == 200, body
    assert headers["Content-Type"].startswith("application/sparql-results+json")
    assert json_set(body) == solutions_set(run_query(store, sparql))


@pytest.mark.server
def test_post_form_and_direct_post_and_result_formats(server: str, store) -> None:
    sparql = named_queries()["funding-by-region"].sparql
    expected = solutions_set(run_query(store, sparql))
    form = fetch(server + "/sparql", data=urlencode({"query": sparql}).encode(),
                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    direct = fetch(server + "/sparql", data=sparql.encode(), headers={"Content-Type": "application/sparql-query"})
    assert json_set(form[2]) == expected and json_set(direct[2]) == expected
    for accept, fmt in (("application/sparql-results+xml", QueryResultsFormat.XML),
                        ("text/tab-separated-values", QueryResultsFormat.TSV)):
        status, headers, body = select(server, sparql, accept)
        assert status == 200 and headers["Content-Type"].startswith(accept)
        assert solutions_set(parse_query_results(body, format=fmt)) == expected
    status, headers, body = select(server, sparql, "text/csv")
    assert headers["Content-Type"].startswith("text/csv")
    assert body.decode().splitlines()[1].endswith("Keski-Suomi,3,481025")


@pytest.mark.server
def test_construct_negotiates_rdf(server: str) -> None:
    # the projects (by their code) and the organisations registered with a Y-tunnus (rov:registration)
    sparql = ("CONSTRUCT { ?p a ?t } WHERE { ?p a ?t . { ?p a <https://w3id.org/esrgraph/ontology#Project> ; "
              "<http://purl.org/dc/terms/identifier> ?c } UNION { ?p <http://www.w3.org/ns/regorg#registration> ?r } }")
    for accept, fmt in (("text/turtle", "turtle"), ("application/n-triples", "nt"), ("application/ld+json", "json-ld")):
        status, headers, body = select(server, sparql, accept)
        assert status == 200 and headers["Content-Type"].startswith(accept)
        assert len(rdflib.Graph().parse(data=body, format=fmt)) == 5 + 5 * 2  # projects; organisations with 2 types


@pytest.mark.server
def test_updates_are_refused(server: str) -> None:
    status, _, body = select(server, 'INSERT DATA { <urn:a> <urn:b> "c" }')
    assert status == 400 and b"read-only" in body
    status, _, body = fetch(server + "/sparql", data=urlencode({"update": "CLEAR ALL"}).encode(),
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 400 and b"read-only" in body
    status, _, body = fetch(server + "/sparql", data=b"DROP ALL", headers={"Content-Type": "application/sparql-update"})
    assert status == 400 and b"read-only" in body
    status, headers, _ = fetch(server + "/sparql", data=b"x", method="PUT")
    assert status == 405 and "POST" in headers["Allow"]
    assert json_set(select(server, "SELECT (COUNT(*) AS ?n) WHERE { <urn:a> ?p ?o }")[2]) == {(("n", "0"),)}


@pytest.mark.server
def test_service_is_refused(server: str) -> None:
    status, _, body = select(server, "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }")
    assert status == 400 and b"--allow-service" in body


@pytest.mark.server
def test_runaway_query_is_cut_while_others_are_answered(server: str) -> None:
    outcome: dict[str, object] = {}

    def runaway() -> None:
        outcome["runaway"] = select(server, RUNAWAY)

    thread = threading.Thread(target=runaway)
    started = time.monotonic()
    thread.start()
    time.sleep(0.3)  # the runaway now holds one worker
    quick_started = time.monotonic()
    status, _, body = select(server, "ASK { ?s a <https://w3id.org/esrgraph/ontology#Project> }")
    quick = time.monotonic() - quick_started
    assert status == 200 and json.loads(body)["boolean"] is True
    assert quick < 1.5, f"a simple query waited {quick:.1f} s behind the runaway"
    thread.join(timeout=30)
    status, headers, body = outcome["runaway"]  # type: ignore[misc]
    assert status == 503 and b"time limit" in body
    assert time.monotonic() - started < 10
    # The killed worker is replaced: the endpoint keeps answering, also two queries at once.
    answers = [select(server, "ASK { ?s ?p ?o }")[0] for _ in range(4)]
    assert answers == [200] * 4


@pytest.mark.server
def test_row_limit_says_it_cut(server: str) -> None:
    status, headers, body = select(server, "SELECT * WHERE { ?s ?p ?o }")
    assert status == 200 and headers["X-Esrgraph-Truncated"] == "max-rows=50"
    doc = json.loads(body)
    assert doc["esrgraph"]["truncated"] is True and "50 rows" in doc["esrgraph"]["message"]
    assert len(doc["results"]["bindings"]) == 50
    status, headers, body = select(server, "SELECT * WHERE { ?s ?p ?o }", "text/csv")
    assert headers["X-Esrgraph-Truncated"] == "max-rows=50" and len(body.decode().splitlines()) == 51
    status, headers, _ = select(server, "SELECT * WHERE { ?s ?p ?o } LIMIT 3")
    assert "X-Esrgraph-Truncated" not in headers and headers["X-Esrgraph-Rows"] == "3"


@pytest.mark.server
def test_request_size_limit(server: str) -> None:
    big = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 30000
    status, _, body = fetch(server + "/sparql", data=big.encode(), headers={"Content-Type": "application/sparql-query"})
    assert status == 413 and b"--max-request-bytes" in body


@pytest.mark.server
def test_cors_and_preflight(server: str) -> None:
    _, headers, _ = select(server, "ASK {}")
    assert headers["Access-Control-Allow-Origin"] == "*"
    status, headers, _ = fetch(server + "/sparql", method="OPTIONS",
                               headers={"Origin": "https://example.org", "Access-Control-Request-Method": "POST"})
    assert status == 204 and "POST" in headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in headers["Access-Control-Allow-Headers"]


@pytest.mark.server
def test_service_description(server: str) -> None:
    status, headers, body = fetch(server + "/sparql", headers={"Accept": "text/turtle"})
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    graph = rdflib.Graph().parse(data=body, format="turtle")
    service = next(graph.subjects(rdflib.RDF.type, SD.Service))
    assert (service, SD.endpoint, rdflib.URIRef(server + "/sparql")) in graph
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert (None, SD.feature, SD.BasicFederatedQuery) not in graph  # SERVICE is off


# --- resources --------------------------------------------------------------------------------------


@pytest.mark.server
def test_project_iri_gives_its_triples_as_turtle(server: str) -> None:
    status, headers, body = fetch(server + "/esrgraph/id/project/S21093", headers={"Accept": "text/turtle"})
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    graph = rdflib.Graph().parse(data=body, format="turtle")
    project = rdflib.URIRef("https://w3id.org/esrgraph/id/project/S21093")
    esr = rdflib.Namespace("https://w3id.org/esrgraph/ontology#")
    assert graph.value(project, rdflib.DCTERMS.title) == rdflib.Literal("Mahdollisuudet todeksi", lang="fi")
    assert int(graph.value(project, esr.grantedEUAndStateFunding)) == 199775
    assert len(list(graph.objects(project, esr.sustainabilityAssessment))) == 15
    assessment = next(graph.objects(project, esr.sustainabilityAssessment))
    assert graph.value(assessment, esr.directImpactScore) is not None  # its parts come with it


@pytest.mark.server
@pytest.mark.parametrize(("suffix", "fmt"), [("ttl", "turtle"), ("nt", "nt"), ("jsonld", "json-ld")])
def test_suffixes_choose_the_format(server: str, suffix: str, fmt: str) -> None:
    status, _, body = fetch(f"{server}/esrgraph/id/project/S21199.{suffix}", headers={"Accept": BROWSER})
    assert status == 200
    graph = rdflib.Graph().parse(data=body, format=fmt)
    assert (rdflib.URIRef("https://w3id.org/esrgraph/id/project/S21199"), rdflib.DCTERMS.identifier,
            rdflib.Literal("S21199")) in graph


@pytest.mark.server
def test_project_page_for_browsers(server: str) -> None:
    status, headers, body = fetch(server + "/esrgraph/id/project/S21093", headers={"Accept": BROWSER})
    page = body.decode("utf-8")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "<h1>S21093 Mahdollisuudet todeksi</h1>" in page
    assert '<data value="199775">199\u202f775 €</data>' in page
    assert "2017-09-01" in page and "2019-08-31" in page
    assert "K-S monikulttuuristen yhdistysten liitto Wari ry" in page
    assert 'href="/esrgraph/id/organisation/2542088-8"' in page
    assert "Keski-Suomi" in page and "Jyväskylä" in page


@pytest.mark.server
def test_organisation_and_place_pages_link_back(server: str, store) -> None:
    city = quote("jyväskylän-kaupunki")
    status, _, body = fetch(f"{server}/esrgraph/id/organisation/name/{city}", headers={"Accept": BROWSER})
    page = body.decode("utf-8")
    assert status == 200 and "Jyväskylän kaupunki" in page
    assert 'href="/esrgraph/id/project/S20398"' in page
    region = next(r["region"] for r in records(run_query(store, named_queries()["funding-by-region"].sparql))
                  if r["regionName"] == "Keski-Suomi")
    status, _, body = fetch(f"{server}/resource?iri={quote(region, safe='')}", headers={"Accept": BROWSER})
    page = body.decode("utf-8")
    assert status == 200 and "<h1>Keski-Suomi</h1>" in page
    for code in ("S20398", "S20885", "S21093"):
        assert f'href="/esrgraph/id/project/{code}"' in page


@pytest.mark.server
def test_unknown_resources_are_404(server: str) -> None:
    assert fetch(server + "/esrgraph/id/project/NOPE", headers={"Accept": "text/turtle"})[0] == 404
    assert fetch(server + "/esrgraph/id/project/NOPE", headers={"Accept": BROWSER})[0] == 404
    assert fetch(server + "/elsewhere")[0] == 404


@pytest.mark.server
def test_query_page_lists_the_named_queries(server: str) -> None:
    status, _, body = fetch(server + "/", headers={"Accept": BROWSER})
    page = body.decode("utf-8")
    assert status == 200 and "<form" in page
    for name in named_queries():
        assert f"<code>{name}</code>" in page
    status, headers, body = select(server, named_queries()["funding-by-region"].sparql, BROWSER)
    assert headers["Content-Type"].startswith("text/html") and "Keski-Suomi" in body.decode("utf-8")


# --- in-process checks ------------------------------------------------------------------------------


@pytest.mark.parametrize("sparql", [
    "INSERT DATA { <urn:a> <urn:b> 1 }",
    "PREFIX x: <urn:x#>\nDELETE WHERE { ?s ?p ?o }",
    "WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "load <http://example.org/data.ttl>",
    "CLEAR SILENT GRAPH <urn:g>",
    "DROP ALL",
])
def test_updates_are_recognised(sparql: str) -> None:
    with pytest.raises(Refused, match="read-only"):
        check_query(sparql, allow_service=True)


@pytest.mark.parametrize("sparql", [
    'SELECT * WHERE { ?s ?p "INSERT DATA { <a> <b> <c> }" }',
    "SELECT ?service ?insert WHERE { ?service <urn:x#delete> ?insert } # DROP ALL",
    "SELECT * WHERE { ?s <http://example.org/SERVICE> ?o }",
])
def test_keywords_in_strings_iris_and_names_are_not_refused(sparql: str) -> None:
    check_query(sparql, allow_service=False)


def test_service_needs_the_switch() -> None:
    with pytest.raises(Refused, match="--allow-service"):
        check_query("SELECT * { service <http://x/sparql> { ?s ?p ?o } }", allow_service=False)
    check_query("SELECT * { SERVICE <http://x/sparql> { ?s ?p ?o } }", allow_service=True)


def test_negotiation() -> None:
    offers = ["text/turtle", "text/html", "application/ld+json"]
    assert negotiate(BROWSER, offers) == "text/html"
    assert negotiate("application/ld+json;q=0.9, text/turtle;q=0.5", offers) == "application/ld+json"
    assert negotiate("text/*", offers) == "text/turtle"
    assert negotiate(None, offers) == "text/turtle"
    assert negotiate("text/html;q=0", ["text/html"]) is None


def test_record_text_is_escaped_on_pages() -> None:
    iri = "https://data.example.fi/esr/project/X1"
    triples = [Triple(NamedNode(iri), NamedNode("http://purl.org/dc/terms/title"), Literal("<script>alert(1)</script> & co")),
               Triple(NamedNode(iri), NamedNode("https://w3id.org/esrgraph/ontology#applicant"),
                      NamedNode("https://data.example.fi/esr/organisation/a&b"))]
    page = resource_page(iri=iri, triples=triples, incoming=[], incoming_total=0,
                         labels={iri: "X1 <i>name</i>"}, href=lambda i: i, curie=lambda i: i)
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page
    assert "<i>name</i>" not in page and 'href="https://data.example.fi/esr/organisation/a&amp;b"' in page


def _summary(store: Store, iri: str) -> str:
    """The first facts of ``iri``'s page (before "All statements"), as the endpoint writes it, in-process."""
    endpoint = Endpoint(store, "https://w3id.org/esrgraph/id/", "/esrgraph/id/", ontology_labels())
    response = endpoint.resource(iri, BROWSER)
    assert response.status == 200 and response.content_type.startswith("text/html")
    page = response.body.decode("utf-8")
    return page[:page.index("<h2>All statements</h2>")]


def _resource(iri: str) -> str:
    return "/resource?iri=" + quote(iri, safe="")


def test_place_pages_show_part_of_and_close_matches(store: Store) -> None:
    """Issue 20: isPartOf and closeMatch among the first facts; a municipality's sub-region and region per dated
    membership period, linked by what the period says."""
    code = "https://w3id.org/esrgraph/code/"
    subregion = _summary(store, code + "subregion/131")
    assert f'<dt>dcterms:isPartOf</dt><dd><a href="{_resource(code + "region/13")}">Keski-Suomi</a></dd>' in subregion
    region = _summary(store, code + "region/13")
    assert '<a href="http://data.europa.eu/nuts/code/FI193">' in region.split("skos:closeMatch</dt>")[1]
    assert "skos:exactMatch" not in region  # the territory changed: close, not the same
    assert f'<a href="{_resource(code + "region/13/nuts/2024")}">FI198 (NUTS 2024)</a>' in region
    kuhmoinen = _summary(store, code + "municipality/291")
    period = code + "municipality/291/membership/2021-01-01"
    assert f'<a href="{_resource(period)}">Tampere, Pirkanmaa (2021-01-01 – 2023-12-31)</a>' in kuhmoinen
    axis = _summary(store, code + "priority-axis/2014-2020/5")
    assert f'<a href="{_resource(code + "fund/ESR")}">Euroopan sosiaalirahasto</a>' in axis.split("<h2>Funding</h2>")[1]


def test_registration_eura_page_and_amounts_on_pages(store: Store) -> None:
    organisation = _summary(store, "https://w3id.org/esrgraph/id/organisation/1710217-7")
    assert ('<a href="/esrgraph/id/organisation/1710217-7/registration">1710217-7 (Patentti- ja rekisterihallitus)</a>'
            in organisation)
    project = _summary(store, "https://w3id.org/esrgraph/id/project/S20398")
    eura = "https://www.eura2014.fi/rrtiepa/projekti.php?projektikoodi=S20398"
    assert f'<a href="{eura}">{eura}</a>' in project.split("<h2>What</h2>")[1]
    assert ('<a href="/esrgraph/id/project/S20398/amount/budget-range">100\u202f000 – 500\u202f000 EUR</a>'
            in project.split("<h2>Funding</h2>")[1])


def test_amount_nodes_show_their_value_and_unsafe_links_are_not_followed() -> None:
    iri = "https://w3id.org/esrgraph/id/project/X1"
    amount = iri + "/amount/granted"
    schema = "https://schema.org/"
    triples = [Triple(NamedNode(iri), NamedNode("https://w3id.org/esrgraph/ontology#grantedEUAndStateFundingAmount"),
                      NamedNode(amount)),
               Triple(NamedNode(amount), NamedNode(schema + "value"),
                      Literal("1234.5", datatype=NamedNode("http://www.w3.org/2001/XMLSchema#decimal"))),
               Triple(NamedNode(amount), NamedNode(schema + "currency"), Literal("EUR")),
               Triple(NamedNode(iri), NamedNode("http://xmlns.com/foaf/0.1/page"), NamedNode("javascript:alert(1)"))]
    page = resource_page(iri=iri, triples=triples, incoming=[], incoming_total=0, labels={}, href=lambda i: i,
                         curie=lambda i: i)
    assert f'<a href="{amount}">1\u202f234.5 EUR</a>' in page  # the amount node linked by what it says
    assert '<data value="1234.5">1\u202f234.5</data>' in page  # in the parts table, its currency beside it
    assert 'href="javascript:' not in page and '<a href="#">javascript:alert(1)</a>' in page


@pytest.mark.server
@pytest.mark.parametrize(("accept", "separator"), [("text/csv", ","), ("text/tab-separated-values", "\t")])
def test_ask_as_csv_and_tsv_is_a_table_with_the_askresult_column(server: str, sample_out: Path, accept: str,
                                                                   separator: str, capsys) -> None:
    """SPARQL defines CSV/TSV for SELECT only; a bare `true` has no header, which table readers reject.
    Both the endpoint and `esrgraph query` answer in the form Jena writes: `_askResult`, then the value."""
    import csv
    import io

    from esrgraph.cli import main

    for ask, value in (("ASK { ?s a <https://w3id.org/esrgraph/ontology#Project> }", "true"),
                       ("ASK { ?s a <http://example.org/Nothing> }", "false")):
        status, _, body = select(server, ask, accept=accept)
        assert status == 200
        assert list(csv.reader(io.StringIO(body.decode("utf-8")), delimiter=separator)) == [["_askResult"], [value]]
        with pytest.raises(SystemExit):
            main(["query", str(sample_out), "-e", ask, "--format", "csv" if separator == "," else "tsv"])
        out = capsys.readouterr().out
        assert list(csv.reader(io.StringIO(out), delimiter=separator)) == [["_askResult"], [value]]
