"""Headless Chromium on the static site (issue 5).

Uses Chromium's command-line modes, not the DevTools protocol: ``--dump-dom`` prints the DOM
after the page has loaded and rendered, and ``--screenshot`` saves a PNG. That is all this
test needs (the site has no scripts to drive), and it keeps the test free of a websocket
client dependency. "Following a link" is done the way a browser does it: the href is read
from the DOM Chromium rendered for the index and resolved against the index's URL.
"""

from __future__ import annotations

import http.server
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from functools import partial
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import pytest
import rdflib

from repo_paths import REPO

pytestmark = pytest.mark.browser



def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    pytest.skip("Chromium not found: install Debian's `chromium` package (scripts/test.sh does it when run as root)")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="module")
def served_site(sample_out: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from esrgraph.publish.site import build_site

    site = tmp_path_factory.mktemp("browser-site")
    build_site(site, build_out=sample_out)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def run_chromium(tmp_path: Path, *args: str) -> str:
    cmd = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-extensions",
           f"--user-data-dir={tmp_path / 'chromium-profile'}", *args]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=90, env={**os.environ, "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self.text: list[str] = []
        self.jsonld: list[str] = []
        self._a: str | None = None
        self._script: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a":
            self._a = a.get("href") or ""
            self.links.append((self._a, ""))
        if tag == "script":
            self._script = a.get("type") or ""
            if self._script == "application/ld+json":
                self.jsonld.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._a = None
        if tag == "script":
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script == "application/ld+json":
            self.jsonld[-1] += data
        elif self._script is None:
            self.text.append(data)
            if self._a is not None:
                href, text = self.links[-1]
                self.links[-1] = (href, text + data)


def dom(tmp_path: Path, url: str) -> Page:
    page = Page()
    page.feed(run_chromium(tmp_path, "--dump-dom", url))
    return page


def test_index_to_project_page_in_chromium(served_site: str, tmp_path: Path) -> None:
    index = dom(tmp_path, served_site + "index.html")
    links = dict((text.strip(), href) for href, text in index.links)
    name = "Yhdessä enemmän -maahanmuuttajat osana yhteisöä"
    assert name in links, sorted(links)[:20]
    url = urljoin(served_site + "index.html", links[name])
    assert url == served_site + "project/S20885.html"
    project = dom(tmp_path, url)
    text = re.sub(r"\s+", " ", " ".join(project.text)).replace("\u00a0", " ")
    assert name in text
    assert "Period 2017-01-01 – 2018-12-31" in text
    assert "Granted EU and state funding 281 250 €" in text

    # the JSON-LD the browser saw is exactly the resource's graph
    assert len(project.jsonld) == 1
    embedded = rdflib.Graph().parse(data=project.jsonld[0], format="json-ld")
    title = rdflib.URIRef("http://purl.org/dc/terms/title")
    project_iri = rdflib.URIRef("https://w3id.org/esrgraph/id/project/S20885")
    assert str(embedded.value(project_iri, title)) == name


def test_embedded_data_matches_the_built_graph(served_site: str, sample_out: Path, tmp_path: Path) -> None:
    project = dom(tmp_path, served_site + "project/S21093.html")
    embedded = rdflib.Graph().parse(data=project.jsonld[0], format="json-ld")
    built = rdflib.Graph().parse(sample_out / "esrgraph.ttl", format="turtle")
    iri = "https://w3id.org/esrgraph/id/project/S21093"
    expected = {t for t in built if str(t[0]) == iri or str(t[0]).startswith(iri + "/")}
    assert len(expected) > 20
    assert set(embedded) == expected


def test_screenshot_of_a_project_page(served_site: str, tmp_path: Path) -> None:
    shot = tmp_path / "project-page.png"
    run_chromium(tmp_path, "--window-size=1200,1400", "--hide-scrollbars", f"--screenshot={shot}",
                 served_site + "project/S20885.html")
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    target = REPO / "docs" / "img" / "project-page.png"
    if os.environ.get("ESRGRAPH_UPDATE_SCREENSHOT") or not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, target)
