"""`esrgraph serve` under abuse: load, oversized and slow requests, runaway queries, updates (issue 6, part 6).

One server subprocess on a free 127.0.0.1 port serves the sample build with short limits (2 s per
query, 2 s client timeout, 20 kB requests, 3 workers). A bounded load test runs 32 concurrent clients
(about 8 s by default, 30 s with ``--slow``) while one abusive client sends runaway queries, updates
and SERVICE calls and others hold connections open byte by byte; no well-behaved request may fail,
and the resident memory of the server and its workers must stay bounded. All traffic is local.
"""

from __future__ import annotations

import http.client
import json
import random
import socket
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

import pytest

from servers import executable, free_port, running

pytestmark = pytest.mark.server

ASK = "ASK { ?s a <https://w3id.org/esrgraph/ontology#Project> }"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n1 ?o }"
QUERIES = [
    ASK,
    "SELECT ?p ?t WHERE { ?p a <https://w3id.org/esrgraph/ontology#Project> ; <http://purl.org/dc/terms/title> ?t }",
    "SELECT * WHERE { ?s ?p ?o } LIMIT 20",
    "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 30",
]
PATHS = ["/esrgraph/id/project/S21093", "/esrgraph/id/project/S20398.ttl", "/", "/sparql"]


def rss_kib(pid: int) -> int:
    """Resident memory of ``pid`` and its children (the workers), in KiB."""
    total = 0
    pids = [pid]
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            pids += [int(c) for c in (task / "children").read_text().split()]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


@pytest.fixture(scope="module")
def server(sample_out: Path, tmp_path_factory: pytest.TempPathFactory):
    port = free_port()
    args = [str(executable("esrgraph")), "serve", str(sample_out), "--host", "127.0.0.1", "--port", str(port),
            "--timeout", "2", "--max-rows", "200", "--max-request-bytes", "20000", "--workers", "3",
            "--client-timeout", "2", "-q"]
    with running(args, f"http://127.0.0.1:{port}/sparql", tmp_path_factory.mktemp("abuse") / "serve.log") as process:
        yield port, process


def request(port: int, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None,
            timeout: float = 15) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def select(port: int, sparql: str, accept: str = "application/sparql-results+json") -> tuple[int, bytes]:
    return request(port, "GET", "/sparql?" + urlencode({"query": sparql}), headers={"Accept": accept})


# --- the load test --------------------------------------------------------------------------------


def _client(port: int, seed: int, until: float, tally: Counter[str], failures: list[str]) -> None:
    rng = random.Random(seed)
    while time.monotonic() < until:
        if rng.random() < 0.6:
            sparql = rng.choice(QUERIES)
            try:
                status, body = select(port, sparql)
            except OSError as exc:
                failures.append(f"{sparql[:30]}: {exc!r}")
                continue
        else:
            path = rng.choice(PATHS)
            try:
                status, body = request(port, "GET", path, headers={"Accept": rng.choice(["text/html", "text/turtle"])})
            except OSError as exc:
                failures.append(f"{path}: {exc!r}")
                continue
        tally["requests"] += 1
        if status != 200 or not body:
            failures.append(f"status {status}: {body[:120]!r}")


def _abuser(port: int, until: float, tally: Counter[str]) -> None:
    """Runaway queries, updates, SERVICE and oversized bodies, one at a time, for the whole test."""
    while time.monotonic() < until:
        status, _ = select(port, RUNAWAY)
        tally[f"runaway {status}"] += 1
        for sparql in ("INSERT DATA { <a:s> <a:p> 1 }", "SELECT * WHERE { SERVICE <http://127.0.0.1:9/x> { ?s ?p ?o } }"):
            tally[f"refused {select(port, sparql)[0]}"] += 1
        status, _ = request(port, "POST", "/sparql", body=b"DROP ALL", headers={"Content-Type": "application/sparql-update"})
        tally[f"update {status}"] += 1
        time.sleep(1.5)  # let the killed worker's replacement load


def _slowloris(port: int, until: float, tally: Counter[str]) -> None:
    """A client that sends its request line a byte at a time, slower than nothing at all."""
    line = b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n"
    while time.monotonic() < until:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            try:
                for byte in line:
                    sock.sendall(bytes([byte]))
                    time.sleep(0.3)
                    if time.monotonic() > until:
                        break
            except OSError:
                tally["slowloris dropped"] += 1


def run_load(port: int, process: subprocess.Popen[bytes], seconds: float) -> None:
    before = rss_kib(process.pid)
    tally: Counter[str] = Counter()
    abuse: Counter[str] = Counter()
    failures: list[str] = []
    until = time.monotonic() + seconds
    threads = [threading.Thread(target=_client, args=(port, n, until, tally, failures)) for n in range(32)]
    threads.append(threading.Thread(target=_abuser, args=(port, until, abuse)))
    threads += [threading.Thread(target=_slowloris, args=(port, until, abuse)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    assert not any(t.is_alive() for t in threads)
    after = rss_kib(process.pid)
    assert not failures, f"{len(failures)} of {tally['requests']} requests failed, e.g. {failures[:3]}"
    assert tally["requests"] >= 20 * seconds, tally
    assert abuse["runaway 503"] >= 1 and abuse["refused 400"] >= 2 and abuse["update 400"] >= 1, abuse
    assert not [k for k in abuse if k.startswith(("runaway 2", "refused 2", "update 2"))], abuse
    assert after < before + 150 * 1024, f"resident memory grew from {before} KiB to {after} KiB"
    print(f"load: {tally['requests']} requests in {seconds:g} s by 32 clients, 0 failed; abuse {dict(abuse)}; "
          f"RSS {before} -> {after} KiB")


def test_load_with_abuse_fails_no_request(server) -> None:
    port, process = server
    run_load(port, process, 8)


@pytest.mark.slow
def test_slow_thirty_seconds_of_load(server) -> None:
    port, process = server
    run_load(port, process, 30)


# --- single abuses ---------------------------------------------------------------------------------


def test_an_oversized_body_is_refused_unread(server) -> None:
    port, _ = server
    reply = _raw_post(port, b"Content-Length: 50000000", b"SELECT")
    assert reply.startswith(b"HTTP/1.1 413") and b"--max-request-bytes" in reply


def _raw_post(port: int, length_header: bytes, body: bytes) -> bytes:
    """A POST to /sparql written by hand (so its Content-Length can lie), and the server's reply."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                     + length_header + b"\r\n\r\n" + body)
        return _read_reply(sock)


def _read_reply(sock: socket.socket) -> bytes:
    """Bytes until the reply's body is complete (Content-Length) or the server closes."""
    data = b""
    while True:
        head, sep, body = data.partition(b"\r\n\r\n")
        if sep:
            length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), None)
            if length is not None and len(body) >= length:
                return data
        chunk = sock.recv(4096)
        if not chunk:
            return data
        data += chunk


def test_an_oversized_query_string_is_refused(server) -> None:
    port, _ = server
    status, body = select(port, "ASK {} #" + "x" * 30000)
    assert status == 413
    status, _ = request(port, "GET", "/sparql?query=" + "x" * 70000)
    assert status == 414  # the standard library's request-line limit


def test_a_negative_content_length_is_refused(server) -> None:
    """Found by this file: Content-Length -1 made the server read until the client closed (rfile.read(-1))."""
    port, _ = server
    reply = _raw_post(port, b"Content-Length: -1", b"ASK {}")
    assert reply.startswith(b"HTTP/1.1 400") and b"negative" in reply


def test_a_client_that_never_finishes_its_body_is_dropped_and_blocks_nobody(server) -> None:
    """Found by this file: with no socket timeout such a client held a thread and a client slot for ever."""
    port, _ = server
    socks = []
    for _ in range(8):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.sendall(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                     b"Content-Length: 1000\r\n\r\nSELECT")
        socks.append(sock)
    try:
        started = time.monotonic()
        status, body = select(port, ASK)
        assert status == 200 and json.loads(body)["boolean"] is True
        assert time.monotonic() - started < 1.5
        deadline = time.monotonic() + 10
        closed = 0
        for sock in socks:
            sock.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                while sock.recv(4096):
                    pass
                closed += 1
            except OSError:
                pass
        assert closed == len(socks), "the server did not drop the clients that stopped sending"
        assert time.monotonic() - started < 10
    finally:
        for sock in socks:
            sock.close()


def test_headers_sent_byte_by_byte_block_nobody(server) -> None:
    port, _ = server
    stop = time.monotonic() + 3
    tally: Counter[str] = Counter()
    threads = [threading.Thread(target=_slowloris, args=(port, stop, tally)) for _ in range(16)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(0.5)
        for _ in range(5):
            started = time.monotonic()
            assert select(port, ASK)[0] == 200
            assert time.monotonic() - started < 1.5
    finally:
        for thread in threads:
            thread.join(timeout=30)


def test_updates_and_service_are_refused_in_every_form(server) -> None:
    port, _ = server
    for sparql in ("INSERT DATA { <a:s> <a:p> 1 }", "DELETE WHERE { ?s ?p ?o }", "DROP ALL", "LOAD <http://127.0.0.1:9/>",
                   "CLEAR DEFAULT", "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"):
        assert select(port, sparql)[0] == 400, sparql
        status, _ = request(port, "POST", "/sparql", body=urlencode({"update": sparql}).encode(),
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 400
    for method in ("PUT", "DELETE", "PATCH"):
        assert request(port, method, "/sparql", body=b"x")[0] == 405
    assert select(port, ASK)[0] == 200  # and the data is still there


def test_clients_beyond_max_clients_get_503_and_the_server_recovers(sample_out: Path, tmp_path: Path) -> None:
    port = free_port()
    args = [str(executable("esrgraph")), "serve", str(sample_out), "--port", str(port), "--timeout", "3",
            "--workers", "1", "--max-clients", "1", "-q"]
    with running(args, f"http://127.0.0.1:{port}/sparql", tmp_path / "serve.log"):
        held: dict[str, int] = {}
        runaway = threading.Thread(target=lambda: held.update(status=select(port, RUNAWAY)[0]))
        runaway.start()
        time.sleep(0.5)  # the runaway now holds the only client slot
        status, body = select(port, ASK)
        runaway.join(timeout=30)
        assert status == 503 and b"too many clients" in body
        assert held["status"] == 503  # the runaway itself was cut at --timeout
        status, body = select(port, ASK)
        assert status == 200 and json.loads(body)["boolean"] is True
