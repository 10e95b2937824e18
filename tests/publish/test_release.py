"""Release folders (issue 5): files, JSON-LD with context, reproducibility, and changes between releases."""

from __future__ import annotations

import gzip
import shutil
from datetime import date
from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner

from esrgraph.core.errors import UsageError
from esrgraph.parsers.inputs import parse_paths
from esrgraph.pipeline.result import BuildOptions
from esrgraph.pipeline.stages import build_records
from esrgraph.publish.release import (
    PublishOptions,
    compare_graphs,
    previous_release,
    release_date,
    version_key,
    write_release,
)
from esrgraph.sparql.queries import load_store

EXPECTED_FILES = {"esrgraph.ttl", "esrgraph.nt.gz", "esrgraph.jsonld.gz", "context.jsonld", "esr-ontology.ttl",
                  "validation-report.ttl", "catalog.ttl", "CHANGELOG.md", "vocabulary.html", "codelists.html"}


def graph_of(paths) -> list:  # type: ignore[no-untyped-def]
    """Parse and map (no SHACL run: the release does not depend on it), fast enough for many builds."""
    batch = parse_paths(paths)
    return build_records(batch.records, BuildOptions())[1]


@pytest.fixture(scope="module")
def sample_triples(samples_dir: Path) -> list:  # type: ignore[type-arg]
    return graph_of([samples_dir])


def release(triples, out: Path, name: str | None = None, **kw):  # type: ignore[no-untyped-def]
    return write_release(triples, out, options=PublishOptions(release=name, **kw))


def test_build_writes_the_release_folder_beside_the_old_outputs(sample_out: Path) -> None:
    for name in ("esrgraph.ttl", "validation-report.ttl", "validation-report.json"):
        assert (sample_out / name).is_file()
    folder = sample_out / "release"
    names = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert EXPECTED_FILES <= names
    assert any(n.startswith("shapes/") and n.endswith(".ttl") for n in names)
    assert (folder / "esrgraph.ttl").read_bytes() == (sample_out / "esrgraph.ttl").read_bytes()


def test_every_dump_holds_the_same_graph(sample_out: Path, tmp_path: Path) -> None:
    folder = sample_out / "release"
    ttl = rdflib.Graph().parse(folder / "esrgraph.ttl", format="turtle")
    nt = rdflib.Graph().parse(data=gzip.decompress((folder / "esrgraph.nt.gz").read_bytes()).decode("utf-8"),
                              format="nt")
    # the JSON-LD names its context by a relative reference, resolved against the file's location: a user
    # unpacks it beside context.jsonld
    shutil.copy(folder / "context.jsonld", tmp_path / "context.jsonld")
    (tmp_path / "esrgraph.jsonld").write_bytes(gzip.decompress((folder / "esrgraph.jsonld.gz").read_bytes()))
    jl = rdflib.Graph().parse((tmp_path / "esrgraph.jsonld").resolve().as_uri(), format="json-ld")
    assert len(ttl) > 1000
    assert set(ttl) == set(nt)
    assert set(ttl) == set(jl)
    assert len(load_store(folder / "esrgraph.jsonld.gz")) == len(ttl)  # as `esrgraph query GRAPH` reads it


def test_same_input_gives_the_same_release_byte_for_byte(sample_triples, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    a = release(sample_triples, tmp_path / "a", "2025-03-01")
    b = release(sample_triples, tmp_path / "b", "2025-03-01")
    files_a = sorted(p.relative_to(a.folder) for p in a.folder.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b.folder) for p in b.folder.rglob("*") if p.is_file())
    assert files_a == files_b
    for rel in files_a:
        assert (a.folder / rel).read_bytes() == (b.folder / rel).read_bytes(), rel
    again = release(sample_triples, tmp_path / "a", "2025-03-01")  # a rerun replaces the release identically
    assert (again.folder / "catalog.ttl").read_bytes() == (b.folder / "catalog.ttl").read_bytes()


def test_a_release_streamed_from_the_graph_files_equals_one_made_from_triples(samples_dir: Path, tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """``esrgraph build`` hands the release its written graph files (streamed, never held whole;
    a large graph's JSON-LD by a child process): the same bytes in every file as from the
    triples, for a first release and for one compared with it."""
    import esrgraph.publish.pieces as pieces_module
    from esrgraph.core.vocab import PREFIXES
    from esrgraph.io.export import serialize_triples
    from esrgraph.io.formats import OutputFormat
    from esrgraph.validation.report import ShaclResult, ValidationReport

    first = graph_of([samples_dir])
    second = graph_of([_edit(samples_dir, tmp_path / "in2", drop="S21860")])
    sh = "http://www.w3.org/ns/shacl#"
    report = ValidationReport(results=[ShaclResult(
        sh + "Warning", "https://w3id.org/esrgraph/id/project/S21093", "https://w3id.org/esrgraph/ontology#name",
        '"Nimi"@fi', True, "https://w3id.org/esrgraph/shapes#P03", sh + "MaxCountConstraintComponent", "one name",
    )]).report_triples()
    folders = {}
    for how in ("triples", "files", "child"):
        monkeypatch.setattr(pieces_module, "PROCESS_BYTES", 0 if how == "child" else 1 << 40)
        out = tmp_path / how
        for name, triples in (("2025-01-15", first), ("2025-02-15", second)):
            files = None
            if how != "triples":
                graph = tmp_path / f"graph-{how}-{name}"
                graph.mkdir()
                files = {"ntriples": graph / "esrgraph.nt", "turtle": graph / "esrgraph.ttl",
                         "report": graph / "validation-report.ttl"}
                files["report"].write_bytes(serialize_triples(report, OutputFormat.TURTLE,
                                                              {"sh": "http://www.w3.org/ns/shacl#", **PREFIXES}))
                files["ntriples"].write_bytes(serialize_triples(triples, OutputFormat.NTRIPLES, presorted=True))
                files["turtle"].write_bytes(serialize_triples(triples, OutputFormat.TURTLE, dict(PREFIXES),
                                                              presorted=True))
            made = write_release(triples, out, prefixes=dict(PREFIXES), graph_files=files,
                                 report_triples=report if files is None else (), options=PublishOptions(release=name))
            folders[how, name] = made.folder
    for name in ("2025-01-15", "2025-02-15"):
        a = folders["triples", name]
        names = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
        assert len(names) >= len(EXPECTED_FILES)
        for how in ("files", "child"):
            b = folders[how, name]
            assert names == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
            for rel in names:
                assert (a / rel).read_bytes() == (b / rel).read_bytes(), (how, name, rel)
    log = (folders["files", "2025-02-15"] / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "### Projects removed (1)" in log and "- S21860" in log


def _edit(samples_dir: Path, target: Path, *, drop: str | None = None, rename: tuple[str, str, str] | None = None) -> Path:
    target.mkdir(parents=True)
    for path in sorted(samples_dir.glob("*.txt")):
        if drop and path.stem == drop:
            continue
        text = path.read_text(encoding="utf-8")
        if rename and path.stem == rename[0]:
            assert rename[1] in text
            text = text.replace(rename[1], rename[2])
        (target / path.name).write_text(text, encoding="utf-8")
    return target


def test_two_releases_of_changed_input_list_exactly_the_changed_projects(samples_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = release(graph_of([samples_dir]), out, "2025-01-15")
    assert first.changes.previous is None
    changed = _edit(samples_dir, tmp_path / "in2", drop="S21860",
                    rename=("S20885", "Hankkeen nimi: Yhdessä enemmän", "Hankkeen nimi: Yhdessä vielä enemmän"))
    second = release(graph_of([changed]), out, "2025-02-15")
    c = second.changes
    assert c.previous == "2025-01-15"
    assert c.projects_changed == ["S20885"]
    assert c.projects_removed == ["S21860"]
    assert c.projects_added == []
    assert c.triples_added > 0 and c.triples_removed > c.triples_added
    third = release(graph_of([samples_dir]), out, "2025-03-15")
    assert third.changes.previous == "2025-02-15"
    assert third.changes.projects_added == ["S21860"]
    assert third.changes.projects_changed == ["S20885"]
    assert third.changes.projects_removed == []
    log = (third.folder / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## 2025-03-15" in log and "## 2025-02-15" in log and "## 2025-01-15" in log  # history kept
    assert "- S21860: " in log
    catalog = rdflib.Graph().parse(third.catalog)
    notes = [str(o) for o in catalog.objects(None, rdflib.URIRef("http://www.w3.org/ns/adms#versionNotes"))]
    assert len(notes) == 1 and "1 projects added (S21860)" in notes[0] and "1 projects changed (S20885)" in notes[0]
    prev = list(catalog.objects(rdflib.URIRef("https://w3id.org/esrgraph/id/dataset"),
                                rdflib.URIRef("http://www.w3.org/ns/dcat#previousVersion")))
    assert [str(p) for p in prev] == ["https://w3id.org/esrgraph/id/dataset/version/2025-02-15"]
    issued = catalog.value(rdflib.URIRef("https://w3id.org/esrgraph/id/dataset"), rdflib.DCTERMS.issued)
    modified = catalog.value(rdflib.URIRef("https://w3id.org/esrgraph/id/dataset"), rdflib.DCTERMS.modified)
    assert (str(issued), str(modified)) == ("2025-01-15", "2025-03-15")


def test_an_unchanged_rerun_reports_no_changes(sample_triples, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    release(sample_triples, tmp_path, "1.0")
    second = release(sample_triples, tmp_path, "1.1")
    assert (second.changes.projects_added, second.changes.projects_removed, second.changes.projects_changed) == ([], [], [])
    assert second.changes.triples_added == second.changes.triples_removed == 0


def test_previous_release_compares_names_as_versions(tmp_path: Path) -> None:
    for name in ("1.9", "1.10", "2"):
        folder = tmp_path / "releases" / name
        folder.mkdir(parents=True)
        (folder / "catalog.ttl").write_text("")
        (folder / "esrgraph.nt.gz").write_bytes(b"")
    assert version_key("1.9") < version_key("1.10")
    assert previous_release(tmp_path, "1.10") == "1.9"
    assert previous_release(tmp_path, "1.11") == "1.10"
    assert previous_release(tmp_path, None) == "2"
    assert previous_release(tmp_path, "1.0") is None


def test_dates_never_come_from_the_clock(sample_triples, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from esrgraph.publish.catalog import graph_stats

    stats = graph_stats(sample_triples, "https://w3id.org/esrgraph/id/")
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert release_date("2024-06-30", None, stats) == date(2024, 6, 30)
    assert release_date("2024-06", None, stats) == date(2024, 6, 1)
    assert release_date("v1", date(2023, 1, 2), stats) == date(2023, 1, 2)
    assert release_date("v1", None, stats) == stats.latest_start
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert release_date("v1", None, stats) == date(2023, 11, 14)


def test_bad_release_names_are_usage_errors(sample_triples, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for bad in ("../x", "a/b", "", " x"):
        with pytest.raises(UsageError, match="release name"):
            release(sample_triples, tmp_path, bad or "..")


def test_compare_graphs_attributes_sub_resources_to_their_project() -> None:
    base = "https://x.fi/"
    t = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/esrgraph/ontology#Project> ."
    old = [f"<{base}project/A> {t}", f"<{base}project/A/s/1> <https://x.fi/p> \"1\" ."]
    new = [f"<{base}project/A> {t}", f"<{base}project/A/s/1> <https://x.fi/p> \"2\" .", f"<{base}project/B> {t}"]
    c = compare_graphs(old, new, base, "r1")
    assert (c.projects_added, c.projects_changed, c.projects_removed) == (["B"], ["A"], [])
    assert (c.triples_added, c.triples_removed) == (2, 1)


def test_cli_build_release_options(samples_dir: Path, tmp_path: Path) -> None:
    from esrgraph.cli import cli

    one = tmp_path / "in"
    one.mkdir()
    shutil.copy(samples_dir / "S21093.txt", one)
    result = CliRunner().invoke(cli, ["build", str(one), "-o", str(tmp_path / "out"), "-q", "--release", "r1",
                                      "--download-base", "https://dl.example.org/esr", "--issued", "2024-12-31"])
    assert result.exit_code == 0, result.output
    catalog = (tmp_path / "out" / "releases" / "r1" / "catalog.ttl").read_text(encoding="utf-8")
    assert "<https://dl.example.org/esr/releases/r1/esrgraph.nt.gz>" in catalog
    assert '"2024-12-31"^^xsd:date' in catalog
