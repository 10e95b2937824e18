"""Real IRIs by default (issue 20): the default build mints no IRI under a host reserved for examples, and a
release or a push under such a base is refused (exit 2, naming the base and the option) unless the user
says --allow-example-base."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import NamedNode, RdfFormat, parse

from esrgraph.cli import main
from esrgraph.core.errors import UsageError
from esrgraph.core.vocab import DEFAULT_BASE
from esrgraph.publish.publisher import load_publisher
from esrgraph.publish.release import check_release_base, example_host, published_base

EXAMPLE_BASE = "https://data.example.fi/esr/"


def call(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


@pytest.mark.parametrize(("iri", "host"), [
    ("https://data.example.fi/esr/", "data.example.fi"),
    ("https://example.org/x", "example.org"),
    ("http://www.example.com/", "www.example.com"),
    ("https://a.example.net/", "a.example.net"),
    ("https://esr.example/", "esr.example"),
    ("https://DATA.EXAMPLE.FI./esr/", "data.example.fi"),
    ("http://localhost:8000/esr/", "localhost"),
    ("http://esr.localhost/", "esr.localhost"),
    ("https://esr.test/", "esr.test"),
    ("https://x.invalid/", "x.invalid"),
    ("http://printer.local/", "printer.local"),
    ("http://127.0.0.1:8000/esr/", "127.0.0.1"),
    ("http://[::1]/esr/", "::1"),
    ("http://192.168.1.10/esr/", "192.168.1.10"),
    ("https://192.0.2.1/", "192.0.2.1"),  # a documentation range (RFC 5737)
])
def test_example_hosts_are_recognised_from_the_parsed_host(iri: str, host: str) -> None:
    assert example_host(iri) == host


@pytest.mark.parametrize("iri", [
    DEFAULT_BASE, "https://w3id.org/esrgraph/ontology#", "https://data.europa.eu/nuts/code/FI1B1",
    "https://example.org.fi/esr/",          # "example" is not the label under the top-level domain
    "https://w3id.org/data.example.fi/",    # the example host in the path, not in the host
    "https://examples.org/", "https://myexample.com/", "https://8.8.8.8/", "urn:uuid:1", "mailto:x@example.org",
    "not an iri",
])
def test_real_hosts_and_hostless_iris_are_not_example_hosts(iri: str) -> None:
    assert example_host(iri) is None


def test_the_default_base_is_the_projects_w3id_namespace() -> None:
    assert DEFAULT_BASE == "https://w3id.org/esrgraph/id/"
    check_release_base(DEFAULT_BASE)
    with pytest.raises(UsageError, match="--allow-example-base"):
        check_release_base(EXAMPLE_BASE)
    check_release_base(EXAMPLE_BASE, allow_example_base=True)


def _iris(path: Path) -> set[str]:
    return {term.value for t in parse(path=str(path), format=RdfFormat.TURTLE)
            for term in (t.subject, t.predicate, t.object) if isinstance(term, NamedNode)}


def test_the_default_build_mints_no_iri_under_an_example_host(sample_out: Path) -> None:
    """The graph and the derived network hold none; the catalogue only the publisher's placeholder facts
    from data/publisher.toml, which the publisher replaces."""
    for name in ("esrgraph.ttl", "collaboration.ttl"):
        iris = _iris(sample_out / name)
        assert any(i.startswith(DEFAULT_BASE + "project/") for i in iris) or name != "esrgraph.ttl"
        assert sorted(i for i in iris if example_host(i)) == [], name
    publisher = load_publisher()
    placeholders = {publisher.homepage, f"mailto:{publisher.email}"}
    catalog = _iris(sample_out / "release" / "catalog.ttl")
    assert DEFAULT_BASE + "dataset" in catalog
    assert {i for i in catalog if example_host(i)} <= placeholders
    assert published_base(sample_out) == DEFAULT_BASE


def test_a_release_under_an_example_base_is_refused_before_anything_is_written(tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    code, _, err = call(capsys, "build", "-q", "-o", str(out), "--base", EXAMPLE_BASE)
    assert code == 2, err
    assert "error: " in err and EXAMPLE_BASE in err and "data.example.fi" in err and "--allow-example-base" in err
    assert not out.exists()


def test_with_the_option_the_example_release_is_written(tmp_path: Path, capsys) -> None:
    out = tmp_path / "out"
    code, _, err = call(capsys, "build", "-q", "-o", str(out), "--base", EXAMPLE_BASE, "--allow-example-base")
    assert code in (0, 1), err
    assert (out / "release" / "catalog.ttl").is_file()
    assert f"<{EXAMPLE_BASE}dataset>" in (out / "release" / "catalog.ttl").read_text(encoding="utf-8")
    assert published_base(out) == EXAMPLE_BASE


def test_write_outputs_refuses_a_result_under_an_example_base(tmp_path: Path) -> None:
    from esrgraph.outputs import write_outputs
    from esrgraph.pipeline.build import build
    from esrgraph.pipeline.result import BuildOptions

    result = build(options=BuildOptions(base=EXAMPLE_BASE))
    with pytest.raises(UsageError, match="data.example.fi"):
        write_outputs(result, tmp_path / "refused")
    assert not (tmp_path / "refused").exists()


def test_push_refuses_an_example_base_or_graph_unless_allowed(sample_out: Path, tmp_path: Path, capsys) -> None:
    """Refused before any connection; with the option the push goes on (to a port where no store listens)."""
    store = "http://127.0.0.1:9/store"
    example_out = tmp_path / "example.ttl"
    example_out.write_text(f"<{EXAMPLE_BASE}project/S1> a <https://w3id.org/esrgraph/ontology#Project> .\n",
                           encoding="utf-8")
    code, _, err = call(capsys, "push", str(example_out), "--store", store)
    assert code == 2 and str(example_out) in err and "data.example.fi" in err and "--allow-example-base" in err, err
    assert "cannot reach" not in err
    code, _, err = call(capsys, "push", str(sample_out), "--store", store, "--graph", "https://example.org/g")
    assert code == 2 and "--graph" in err and "example.org" in err and "cannot reach" not in err, err
    code, _, err = call(capsys, "push", str(example_out), "--store", store, "--allow-example-base")
    assert code == 2 and "cannot reach the store" in err, err
