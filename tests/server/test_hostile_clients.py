"""`esrgraph serve` attacked by hostile clients and misused by careless operators (issue 21, the endpoint).

Each test is one break that issue 21 found, re-run against a real server subprocess on a free 127.0.0.1
port: SERVICE hidden from the text check (with a second local listener standing in for the machine
the server must not call), a body answered as a second request, a Host header copied into the service
description, odd resource paths, string-doubling queries and huge one-row answers, ``javascript:`` links
on pages for a graph esrgraph did not build, and bad ``serve`` options. All traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode

import pytest
from pyoxigraph import Literal, NamedNode, QuerySolutions, Store, Triple

from esrgraph.server.endpoint import Refused, check_query
from esrgraph.server.pages import resource_page
from esrgraph.server.results import take_rows, write_rows
from servers import executable, free_port, running

pytestmark = pytest.mark.server

MARKER = "answer-from-the-other-machine"
ASK = "ASK { ?s a <https://w3id.org/esrgraph/ontology#Project> }"
SMUGGLED = b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n\r\n"


@pytest.fixture(scope="module")
def served(sample_out: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    """The sample build behind a server started with options the endpoint has always had."""
    port = free_port()
    log = tmp_path_factory.mktemp("hostile") / "serve.log"
    args = [str(executable("esrgraph")), "serve", str(sample_out), "--port", str(port), "--timeout", "5",
            "--max-rows", "200", "--max-request-bytes", "20000", "--workers", "2", "--client-timeout", "3", "-q"]
    with running(args, f"http://127.0.0.1:{port}/sparql", log):
        yield port, log


# --- helpers ----------------------------------------------------------------------------------------


def exchange(port: int, raw: bytes, quiet_for: float = 1.5) -> list[bytes]:
    """Send ``raw`` on one kept-alive connection; every response that comes back before the server closes
    it or stays silent for ``quiet_for`` seconds."""
    data = b""
    with socket.create_connection(("127.0.0.1", port), timeout=quiet_for) as sock:
        sock.sendall(raw)
        try:
            while chunk := sock.recv(65536):
                data += chunk
        except (TimeoutError, ConnectionResetError):
            pass
    responses = []
    while data:
        head, sep, rest = data.partition(b"\r\n\r\n")
        length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                       if line.lower().startswith(b"content-length:")), 0)
        responses.append(head + sep + rest[:length])
        data = rest[length:]
    return responses


def status_of(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


def body_of(response: bytes) -> bytes:
    return response.partition(b"\r\n\r\n")[2]


def get(port: int, target: str, headers: dict[str, str] | None = None) -> bytes:
    """One GET written by hand (so that no client library checks or fixes the headers); its response.

    The request says ``Connection: close``, so the server ends the connection after its answer; the wait for
    silence is long because a query cut by the memory ceiling or the time limit answers only when it is cut
    (a loaded CI machine took more than 1.5 s)."""
    lines = [f"GET {target} HTTP/1.1", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in (headers or {"Host": "127.0.0.1"}).items()]
    responses = exchange(port, ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8"), quiet_for=30)
    assert len(responses) == 1, responses
    return responses[0]


def query(port: int, sparql: str, accept: str = "application/sparql-results+json") -> bytes:
    return get(port, "/sparql?" + urlencode({"query": sparql}), {"Host": "127.0.0.1", "Accept": accept})


@contextmanager
def other_machine() -> Iterator[tuple[int, list[bytes]]]:
    """A local HTTP listener standing in for a machine the endpoint must never call; it records each
    request and answers like a SPARQL endpoint, with a marker the test looks for in the server's answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    requests: list[bytes] = []
    stop = threading.Event()
    answer = json.dumps({"head": {"vars": ["s"]},
                         "results": {"bindings": [{"s": {"type": "literal", "value": MARKER}}]}}).encode()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(2)
                try:
                    requests.append(conn.recv(65536))
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
                                 b"Content-Length: " + str(len(answer)).encode() + b"\r\nConnection: close\r\n\r\n"
                                 + answer)
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], requests
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()


# --- 1. SERVICE hidden from the text check: no call leaves the server ---------------------------------

HIDDEN_SERVICE = [
    # a comment ended by a bare carriage return: the old check read the whole line as the comment
    "SELECT * WHERE { #x\rSERVICE <http://127.0.0.1:PORT/sparql> { ?s ?p ?o } }",
    # "<2)SERVICE?x#>" looks like an IRI to a regular expression; to Oxigraph it is a less-than, the
    # keyword, a variable and a comment
    "SELECT * WHERE { VALUES ?x { <http://127.0.0.1:PORT/sparql> } LATERAL { FILTER(1<2)SERVICE?x#>\n{ ?s ?p ?o } } }",
]


@pytest.mark.parametrize("template", HIDDEN_SERVICE, ids=["comment-ended-by-CR", "fake-IRI"])
def test_service_hidden_from_the_text_check_calls_no_other_machine(served: tuple[int, Path], template: str) -> None:
    """Issue 21: the old server POSTed the query to the listener and returned its answer (or a 500)."""
    port, _ = served
    with other_machine() as (target, requests):
        sparql = template.replace("PORT", str(target))
        answers = [query(port, sparql)]
        form = urlencode({"query": sparql}).encode()
        answers += exchange(port, b"POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                                  b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: "
                            + str(len(form)).encode() + b"\r\n\r\n" + form)
        time.sleep(0.5)  # a connection the server made would have arrived by now
    assert requests == [], f"the server called the other machine: {requests[0][:80]!r}"
    for answer in answers:
        assert status_of(answer) == 400, answer[:300]
        assert MARKER.encode() not in answer
        assert b"SERVICE" in body_of(answer) and b"--allow-service" in body_of(answer)


def test_allow_service_gives_the_workers_their_network_back(sample_out: Path, tmp_path: Path) -> None:
    """The switch still works, so the refusal above comes from the sandbox and not from a broken engine."""
    port = free_port()
    args = [str(executable("esrgraph")), "serve", str(sample_out), "--port", str(port), "--workers", "1",
            "--allow-service", "-q"]
    with running(args, f"http://127.0.0.1:{port}/sparql", tmp_path / "serve.log"), other_machine() as (target, requests):
        reply = query(port, HIDDEN_SERVICE[1].replace("PORT", str(target)))
    assert status_of(reply) == 200 and MARKER.encode() in body_of(reply), reply[:400]
    assert len(requests) == 1 and requests[0].startswith(b"POST /sparql")


SANDBOXED = """
import socket, sys
from esrgraph.server.sandbox import deny_network
assert deny_network()
for family in (socket.AF_INET, socket.AF_INET6):
    try:
        socket.socket(family, socket.SOCK_STREAM)
    except OSError:
        continue
    sys.exit(f"family {family} could still open a socket")
a, b = socket.socketpair()
socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).close()
from pyoxigraph import Store
try:
    list(Store().query("SELECT * WHERE { SERVICE <http://127.0.0.1:" + sys.argv[1] + "/> { ?s ?p ?o } }"))
except OSError as exc:
    print("refused:", exc)
"""


def test_a_sandboxed_process_opens_no_network_socket_but_keeps_its_pipes() -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("the network sandbox is a Linux feature")
    with other_machine() as (target, requests):
        done = subprocess.run([sys.executable, "-c", SANDBOXED, str(target)], capture_output=True, text=True,
                              timeout=60)
        time.sleep(0.3)
    assert done.returncode == 0, done.stderr
    assert "refused:" in done.stdout and requests == []


def test_a_comment_ends_at_a_carriage_return_in_the_query_check() -> None:
    with pytest.raises(Refused, match="--allow-service"):
        check_query("SELECT * WHERE { #x\rSERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", allow_service=False)


def test_cors_lets_pages_read_but_change_nothing(served: tuple[int, Path]) -> None:
    """Any origin may read (public data, no credentials); nothing it can send changes state."""
    port, _ = served
    reply = get(port, "/sparql?" + urlencode({"query": ASK}), {"Host": "127.0.0.1", "Origin": "https://evil.example"})
    assert status_of(reply) == 200 and b"Access-Control-Allow-Origin: *" in reply
    assert b"Access-Control-Allow-Credentials" not in reply
    for method in ("PUT", "DELETE", "PATCH"):
        (reply,) = exchange(port, f"{method} /sparql HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                  "Content-Length: 0\r\n\r\n".encode())
        assert status_of(reply) == 405
    update = urlencode({"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}).encode()
    (reply,) = exchange(port, b"POST /sparql HTTP/1.1\r\nHost: x\r\nConnection: close\r\nOrigin: https://evil.example\r\n"
                              b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: "
                        + str(len(update)).encode() + b"\r\n\r\n" + update)
    assert status_of(reply) == 400
    assert b"false" in body_of(query(port, "ASK { <urn:a> ?p ?o }"))


# --- 2. request desync: a body is never answered as a second request ---------------------------------

DESYNC = {
    "405 PUT": b"PUT /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n",
    "405 POST elsewhere": b"POST /esrgraph/id/project/S21093 HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n",
    "404 GET with a body": b"GET /nothing-here HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n",
    "200 GET with a body": b"GET /sparql?query=ASK%%7B%%7D HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n",
    "204 OPTIONS with a body": b"OPTIONS /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n",
    "415 POST": b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n",
    "400 update": b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-update\r\nContent-Length: %d\r\n\r\n",
    "400 bad length": b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\nContent-Length: 4x\r\n\r\n",
    "400 two lengths": b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                       b"Content-Length: 0\r\nContent-Length: %d\r\n\r\n",
    "411 chunked": b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                   b"Transfer-Encoding: chunked\r\n\r\n",
    "411 no length": b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n\r\n",
}


@pytest.mark.parametrize("head", list(DESYNC.values()), ids=list(DESYNC))
def test_a_body_is_never_answered_as_a_second_request(served: tuple[int, Path], head: bytes) -> None:
    """Issue 21: on early answers the body stayed unread and keep-alive went on, so the server answered
    the request hidden in it too (two responses for one request)."""
    port, _ = served
    raw = (head % len(SMUGGLED) if b"%d" in head else head) + SMUGGLED
    responses = exchange(port, raw)
    assert len(responses) == 1, [r.split(b"\r\n", 1)[0] for r in responses]
    assert status_of(responses[0]) < 500


def test_the_connection_stays_usable_after_a_drained_body(served: tuple[int, Path]) -> None:
    """A small unread body is read and dropped, so a well-formed next request on the connection is answered."""
    port, _ = served
    first = b"PUT /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
    second = b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    responses = exchange(port, first + second)
    assert [status_of(r) for r in responses] == [405, 200]


# --- 3. the Host header: checked, never copied as text -----------------------------------------------

BAD_HOSTS = [
    "x/sparql> . <urn:evil> <urn:said> \"pwned\" . <http://x",  # triples injected into the description
    "evil host",  # a space: the old server dropped the connection with a traceback
    "x>",
    "x:port",
    "[not-ipv6]",
    ":8000",
]


@pytest.mark.parametrize("host", BAD_HOSTS)
@pytest.mark.parametrize("accept", ["text/turtle", "application/n-triples"])
def test_a_bad_host_header_is_refused(served: tuple[int, Path], host: str, accept: str) -> None:
    port, log = served
    reply = get(port, "/sparql", {"Host": host, "Accept": accept})
    assert status_of(reply) == 400, reply[:300]
    assert b"Host header" in body_of(reply) and b"Content-Type: text/plain" in reply  # an error, not a description
    assert "Traceback" not in log.read_text(errors="replace")


def test_the_service_description_names_the_host_asked_for(served: tuple[int, Path]) -> None:
    import rdflib

    port, _ = served
    for host, endpoint in (("data.example.fi:8080", "http://data.example.fi:8080/sparql"),
                           ("[::1]:8000", "http://[::1]:8000/sparql")):
        reply = get(port, "/sparql", {"Host": host, "Accept": "text/turtle"})
        assert status_of(reply) == 200
        graph = rdflib.Graph().parse(data=body_of(reply), format="turtle")
        sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
        assert set(graph.objects(None, sd.endpoint)) == {rdflib.URIRef(endpoint)}


def test_a_request_without_host_is_refused(served: tuple[int, Path]) -> None:
    port, _ = served
    (reply,) = exchange(port, b"GET /sparql HTTP/1.1\r\nConnection: close\r\n\r\n")
    assert status_of(reply) == 400


# --- 4. odd resource paths are 4xx, never 500 --------------------------------------------------------

ODD_TARGETS = ["/esrgraph/id/a%20b", "/esrgraph/id/%ZZ", "/esrgraph/id/%3C", "/esrgraph/id/project/%3Cx%3E.ttl",
               "/esrgraph/id/%ZZ.ttl", "/esrgraph/id/%",
               "/resource?iri=%3Cx%3E", "/resource?iri=x", "/resource?iri=http%3A%2F%2Fa%20b", "/resource?iri=%25ZZ"]


@pytest.mark.parametrize("target", ODD_TARGETS)
@pytest.mark.parametrize("accept", ["text/turtle", "text/html"])
def test_odd_resource_paths_are_client_errors(served: tuple[int, Path], target: str, accept: str) -> None:
    port, _ = served
    reply = get(port, target, {"Host": "127.0.0.1", "Accept": accept})
    assert 400 <= status_of(reply) < 500, reply[:300]


# --- 5. memory and answer size ----------------------------------------------------------------------


def doubling(times: int) -> str:
    """A short query whose one value doubles ``times`` times ("ab" -> 2**(times+1) characters)."""
    binds = " ".join(f"BIND(CONCAT(?v{i}, ?v{i}) AS ?v{i + 1})" for i in range(times))
    return f'SELECT ?v{times} WHERE {{ BIND("ab" AS ?v0) {binds} }}'


HOSTILE_GRAPH = """\
@prefix esr: <https://w3id.org/esrgraph/ontology#> .
<https://data.example.fi/esr/project/X1> a esr:Project ;
    <http://purl.org/dc/terms/title> "Hostile links"@en ;
    <http://xmlns.com/foaf/0.1/page> <javascript:alert(document.domain)>,
        <data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==>, <vbscript:msgbox>, <https://example.org/ok> .
<javascript:alert(2)> <http://xmlns.com/foaf/0.1/topic> <https://data.example.fi/esr/project/X1> .
"""


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A graph esrgraph did not build, served with small memory and answer limits."""
    folder = tmp_path_factory.mktemp("limited")
    graph = folder / "hostile.ttl"
    graph.write_text(HOSTILE_GRAPH, encoding="utf-8")
    port = free_port()
    args = [str(executable("esrgraph")), "serve", str(graph), "--port", str(port), "--timeout", "20",
            "--workers", "1", "--max-query-memory", "200", "--max-answer-bytes", "1000000", "-q"]
    with running(args, f"http://127.0.0.1:{port}/sparql", folder / "serve.log"):
        yield port


def test_a_string_doubling_query_hits_the_memory_ceiling_and_the_worker_is_replaced(limited: int) -> None:
    """Issue 21: 786 bytes of query grew a worker to 775 MB. Here 2**30 characters are asked for."""
    started = time.monotonic()
    reply = query(limited, doubling(29).replace("SELECT ?v29", "SELECT (STRLEN(?v29) AS ?n)"))
    assert status_of(reply) == 422, reply[:400]
    assert b"--max-query-memory" in body_of(reply)
    assert time.monotonic() - started < 15  # cut by the ceiling, not by the 20 s time limit
    deadline = time.monotonic() + 60
    while status_of(reply := query(limited, "ASK { ?s ?p ?o }")) == 503 and time.monotonic() < deadline:
        time.sleep(0.5)  # the replacement worker is loading the graph
    assert status_of(reply) == 200 and json.loads(body_of(reply))["boolean"] is True


@pytest.mark.parametrize("form", ["select", "construct"])
def test_a_one_row_answer_over_the_byte_limit_is_refused(limited: int, form: str) -> None:
    """Issue 21: --max-rows bounds rows, not bytes; one row of 42 MB went out. 2**22 characters here."""
    sparql = doubling(21)
    if form == "construct":
        sparql = sparql.replace("SELECT ?v21 WHERE", "CONSTRUCT { <urn:a> <urn:b> ?v21 } WHERE")
    reply = query(limited, sparql, "text/turtle" if form == "construct" else "application/sparql-results+json")
    assert status_of(reply) == 422, reply[:400]
    assert b"--max-answer-bytes" in body_of(reply) and len(reply) < 10_000
    small = query(limited, doubling(10))
    assert status_of(small) == 200 and len(json.loads(body_of(small))["results"]["bindings"]) == 1


def test_the_default_answer_limit_refuses_a_huge_one_row_answer(served: tuple[int, Path]) -> None:
    """With the default limits: one row of 2**25 characters (the issue's case was 42 MB) is refused."""
    port, _ = served
    reply = query(port, doubling(24))
    assert status_of(reply) == 422, f"{reply[:200]!r}... ({len(reply)} bytes)"
    assert b"--max-answer-bytes" in body_of(reply)


# --- 6. one safe-href rule on every page ------------------------------------------------------------

UNSAFE = ("javascript:", "data:", "vbscript:")


def _unsafe_hrefs(page: str) -> list[str]:
    return [scheme for scheme in UNSAFE if f'href="{scheme}' in page.lower()]


def test_pages_show_unsafe_iris_as_text_not_links() -> None:
    """Issue 21: a graph esrgraph did not build put javascript: and data: IRIs into clickable hrefs."""
    iri = "https://data.example.fi/esr/project/X1"
    links = [NamedNode("javascript:alert(1)"), NamedNode("data:text/html;base64,PHNjcmlwdD4="),
             NamedNode("https://example.org/ok")]
    triples = [Triple(NamedNode(iri), NamedNode("http://xmlns.com/foaf/0.1/page"), link) for link in links]
    triples.append(Triple(NamedNode(iri), NamedNode("javascript:void(0)"), Literal("x")))
    page = resource_page(iri=iri, triples=triples, incoming=[(NamedNode("javascript:alert(2)"), links[2])],
                         incoming_total=1, labels={}, href=lambda i: i, curie=lambda i: i)
    assert _unsafe_hrefs(page) == [] and 'href="https://example.org/ok"' in page
    assert "javascript:alert(1)" in page  # still shown, as text

    store = Store()
    result = store.query('SELECT ?o WHERE { VALUES ?o { <javascript:alert(1)> <data:,x> <https://example.org/ok> } }')
    assert isinstance(result, QuerySolutions)
    table = write_rows(take_rows(result, None), "html", link=lambda i: i)
    assert _unsafe_hrefs(table) == [] and 'href="https://example.org/ok"' in table


def test_served_pages_of_a_foreign_graph_have_no_unsafe_links(limited: int) -> None:
    reply = get(limited, "/esr/project/X1", {"Host": "127.0.0.1", "Accept": "text/html"})
    page = body_of(reply).decode("utf-8")
    assert status_of(reply) == 200 and "Hostile links" in page
    assert _unsafe_hrefs(page) == [] and 'href="https://example.org/ok"' in page
    table = body_of(query(limited, "SELECT ?s ?o WHERE { ?s ?p ?o }", "text/html")).decode("utf-8")
    assert "javascript:alert(2)" in table and _unsafe_hrefs(table) == []


# --- 7. careless options: exit 2 with the fix, never a traceback or exit 3 ---------------------------


def serve(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(executable("esrgraph")), "serve", *args], capture_output=True, text=True,
                          timeout=timeout)


@pytest.mark.parametrize("option", [("--timeout", "-1"), ("--timeout", "0"), ("--max-clients", "0"),
                                    ("--workers", "0"), ("--port", "70000"), ("--max-request-bytes", "-5"),
                                    ("--client-timeout", "-1"), ("--max-rows", "-1")])
def test_out_of_range_options_are_usage_errors(sample_out: Path, option: tuple[str, str]) -> None:
    done = serve(str(sample_out), *option, timeout=60)
    assert done.returncode == 2, done.stderr
    assert option[0] in done.stderr and "Traceback" not in done.stderr


def test_a_port_in_use_is_exit_2_naming_it_and_the_fix(sample_out: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        done = serve(str(sample_out), "--host", "127.0.0.1", "--port", str(port), "--workers", "1")
    assert done.returncode == 2, done.stderr
    assert f"127.0.0.1:{port}" in done.stderr and "--port" in done.stderr and "in use" in done.stderr


@pytest.mark.parametrize("host", ["no-such-host.invalid", "192.0.2.1"])
def test_a_bad_host_is_exit_2_naming_it_and_the_fix(sample_out: Path, host: str) -> None:
    done = serve(str(sample_out), "--host", host, "--port", str(free_port()), "--workers", "1")
    assert done.returncode == 2, done.stderr
    assert host in done.stderr and "--host" in done.stderr and "Traceback" not in done.stderr


def test_the_worker_sandbox_is_in_place(sample_out: Path, tmp_path: Path) -> None:
    """The startup line says which limits this platform enforces; on Linux, both."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the network sandbox and the memory ceiling are Linux features")
    port = free_port()
    log = tmp_path / "serve.log"
    args = [str(executable("esrgraph")), "serve", str(sample_out), "--port", str(port), "--workers", "1"]
    with running(args, f"http://127.0.0.1:{port}/sparql", log):
        pass
    text = log.read_text(errors="replace")
    assert "query workers have no network" in text and "MiB of memory per query" in text, text
