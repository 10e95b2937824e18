"""The main job end to end on the bundled samples and on bad input."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import rdflib

from esrgraph.core.findings import Severity
from esrgraph.outputs import write_outputs
from esrgraph.pipeline.build import build
from esrgraph.pipeline.result import EXIT_BAD_INPUT, EXIT_OK, EXIT_VIOLATIONS

ESR = rdflib.Namespace("https://w3id.org/esrgraph/ontology#")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
PROV = rdflib.Namespace("http://www.w3.org/ns/prov#")
BASE = "https://w3id.org/esrgraph/id/"


def test_samples_build_into_a_conforming_graph(sample_build) -> None:
    result = sample_build
    assert result.exit_code == EXIT_OK, [str(f) for f in result.findings if f.severity is Severity.VIOLATION]
    assert result.conforms
    assert sorted(p.code for p in result.projects) == ["S20398", "S20885", "S21093", "S21199", "S21860"]
    assert result.batch.files_read == 5
    assert result.records_found == result.records_built + len(result.quarantined) == 5
    assert not result.quarantined and not result.batch.failed_files


def test_sample_graph_links_projects_and_organisations(sample_out: Path) -> None:
    g = rdflib.Graph().parse(sample_out / "esrgraph.ttl")
    s21860 = rdflib.URIRef(BASE + "project/S21860")
    assert (s21860, ESR.coImplementer, rdflib.URIRef(BASE + "organisation/0944845-0")) in g
    assert (s21860, ESR.applicant, rdflib.URIRef(BASE + "organisation/2253658-6")) in g
    granted = g.value(rdflib.URIRef(BASE + "project/S21093"), ESR.grantedEUAndStateFunding)
    assert granted == rdflib.Literal("199775", datatype=rdflib.XSD.decimal)
    start = g.value(rdflib.URIRef(BASE + "project/S21093"), ESR.plannedStartDate)
    assert start == rdflib.Literal("2017-09-01", datatype=rdflib.XSD.date)
    title = g.value(rdflib.URIRef(BASE + "project/S21093"), DCT.title)
    assert title.language == "fi" and str(title) == "Mahdollisuudet todeksi"


def test_every_project_carries_provenance(sample_out: Path) -> None:
    g = rdflib.Graph().parse(sample_out / "esrgraph.ttl")
    for project in g.subjects(rdflib.RDF.type, ESR.Project):
        sources = list(g.objects(project, PROV.wasDerivedFrom))
        assert sources, project
        for source in sources:
            assert len(str(g.value(source, ESR.sha256))) == 64
            assert str(g.value(source, ESR.sourcePath)).startswith("samples/")
        assert g.value(project, PROV.wasGeneratedBy) is not None


def test_reports_are_written_and_machine_readable(sample_out: Path) -> None:
    report = json.loads((sample_out / "validation-report.json").read_text(encoding="utf-8"))
    assert report["conforms"] is True
    assert report["exit_code"] == 0
    counts = report["counts"]
    assert counts["records_found"] == counts["records_built"] + counts["records_quarantined"]
    assert counts["projects_in_graph"] == 5
    shacl = rdflib.Graph().parse(sample_out / "validation-report.ttl")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    reports = list(shacl.subjects(rdflib.RDF.type, sh.ValidationReport))
    assert len(reports) == 1
    assert shacl.value(reports[0], sh.conforms).toPython() is True


def _run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).parent / "esrgraph"
    return subprocess.run([str(exe), *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_two_builds_give_byte_identical_files(tmp_path: Path) -> None:
    first = _run_cli("build", "-o", str(tmp_path / "a"))
    second = _run_cli("build", "-o", str(tmp_path / "b"), cwd=tmp_path)
    assert first.returncode == second.returncode == 0, first.stdout + first.stderr
    for name in ("esrgraph.ttl", "validation-report.ttl", "validation-report.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_personal_data_is_withheld_unless_asked(sample_build, tmp_path: Path) -> None:
    text = (Path(write_outputs(sample_build, tmp_path / "plain")[0])).read_text(encoding="utf-8")
    for secret in ("Anne Ceesay", "ceesay.anne@gmail.com", "Jenni Tissari", "0503375041", "raili.haaki"):
        assert secret not in text
    assert sample_build.withheld["applicant.contact.name"] == 4
    assert sample_build.withheld["applicant.contact.email"] == 4
    from esrgraph.pipeline.result import BuildOptions

    with_personal = build(options=BuildOptions(include_personal_data=True))
    text = write_outputs(with_personal, tmp_path / "personal")[0].read_text(encoding="utf-8")
    assert "Anne Ceesay" in text and "ceesay.anne@gmail.com" in text
    assert not with_personal.withheld


def _bad_batch(samples_dir: Path, folder: Path) -> Path:
    """The five samples plus three broken copies of S21093 (new codes so they do not merge)."""
    folder.mkdir()
    for sample in samples_dir.glob("*.txt"):
        shutil.copy(sample, folder / sample.name)
    original = (samples_dir / "S21093.txt").read_text(encoding="utf-8")
    (folder / "bad-ytunnus.txt").write_text(
        original.replace("S21093", "S29001").replace("2542088-8", "2542088-9"), encoding="utf-8"
    )
    (folder / "bad-dates.txt").write_text(
        original.replace("S21093", "S29002").replace("Alkaa 1.9.2017 ja päättyy 31.8.2019", "Alkaa 1.9.2019 ja päättyy 31.8.2017"),
        encoding="utf-8",
    )
    (folder / "bad-amount.txt").write_text(
        original.replace("S21093", "S29003").replace("Myönnetty EU- ja valtion rahoitus: 199 775", "Myönnetty EU- ja valtion rahoitus: 199 7x5"),
        encoding="utf-8",
    )
    return folder


def _by_record(result, code: str) -> list:
    return [f for f in result.findings if f.record == code and f.severity is Severity.VIOLATION]


def test_bad_records_are_named_and_the_rest_still_builds(samples_dir: Path, tmp_path: Path) -> None:
    result = build([_bad_batch(samples_dir, tmp_path / "in")])
    assert result.exit_code == EXIT_VIOLATIONS
    assert len(result.projects) == 8
    ytunnus = _by_record(result, "S29001")
    assert any(f.rule == "O03-business-id-check-digit" and f.value == "2542088-9" and f.field == "applicant.business_id" for f in ytunnus), ytunnus
    dates = _by_record(result, "S29002")
    assert any(f.rule == "P07-start-not-after-end" and f.field == "start_date" and f.value == "2019-09-01" for f in dates), dates
    amount = _by_record(result, "S29003")
    assert any(f.field == "funding.eu_state_granted" and "199 7x5" in (f.value or "") and f.path == "in/bad-amount.txt" and f.line for f in amount), amount
    for code in ("S20398", "S20885", "S21093", "S21199", "S21860"):
        assert not _by_record(result, code), code


def test_cli_build_reports_bad_records_with_exit_code_1(samples_dir: Path, tmp_path: Path) -> None:
    folder = _bad_batch(samples_dir, tmp_path / "in")
    run = _run_cli("build", str(folder), "-o", str(tmp_path / "out"))
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    assert "S29001" in run.stdout and "2542088-9" in run.stdout
    assert "does not conform".upper() in run.stdout.upper()
    assert (tmp_path / "out" / "esrgraph.ttl").is_file()


def test_unreadable_input_gives_exit_code_2_and_the_rest_builds(samples_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(samples_dir / "S21093.txt", folder)
    (folder / "garbage.txt").write_text("this is not a project record\nat all\n", encoding="utf-8")
    result = build([folder])
    assert result.exit_code == EXIT_BAD_INPUT
    assert [p.code for p in result.projects] == ["S21093"]
    assert [f.path for f in result.batch.failed_files] == ["in/garbage.txt"]
    run = _run_cli("build", str(folder), "-o", str(tmp_path / "out"))
    assert run.returncode == 2
    assert "in/garbage.txt" in run.stdout


def test_card_and_description_of_one_project_merge(samples_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(samples_dir / "S20398.txt", folder / "card.txt")
    description = (samples_dir / "S20885.txt").read_text(encoding="utf-8").replace("S20885", "S20398")
    (folder / "description.txt").write_text(description, encoding="utf-8")
    result = build([folder])
    assert [p.code for p in result.projects] == ["S20398"]
    merged = result.projects[0]
    assert {s.layout for s in merged.sources} == {"portal-card", "eura-description"}
    # the description is the more detailed source: its name and amounts win
    assert merged.record.name == "Yhdessä enemmän -maahanmuuttajat osana yhteisöä"
    assert merged.record.funding.eu_state_granted == 281250
    assert merged.record.funding.budget_max == 500000  # only the card has it
    disagreements = [f for f in result.findings if f.rule == "sources-disagree"]
    assert any(f.field == "name" for f in disagreements)
    g = rdflib.Graph()
    g.parse(data=write_outputs(result, tmp_path / "out")[0].read_text(encoding="utf-8"), format="turtle")
    project = rdflib.URIRef(BASE + "project/S20398")
    assert len(list(g.objects(project, PROV.wasDerivedFrom))) == 2
    assert len(list(g.objects(project, DCT.title))) == 1
