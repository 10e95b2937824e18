"""The data-quality report (issue 8): HTML, fix list, Markdown summary and DQV measurements.

tests/data/quality/ is a small build with one finding (at least) of each new rule: a CSV
list whose rows each break one rule, EURA descriptions with personal data in free text,
conflicting organisation names and a summary that repeats its title, and an empty file.
"""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import RDF

from esrgraph.core.findings import Finding, Severity
from esrgraph.outputs import write_outputs
from esrgraph.pipeline.build import build
from esrgraph.quality import QUALITY_FILES, from_folder, load_rules, write_quality_reports
from esrgraph.quality.checks import is_impossible_date
from esrgraph.quality.report import Headline, QualityReport
from esrgraph.quality.rules import CATEGORIES, IMPORTANCE
from repo_paths import REPO, TESTS

DATA = TESTS / "data" / "quality"
DQV = rdflib.Namespace("http://www.w3.org/ns/dqv#")
ESRQ = rdflib.Namespace("https://w3id.org/esrgraph/quality#")
ESRSH = rdflib.Namespace("https://w3id.org/esrgraph/shapes#")
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")


def _line_of(name: str, text: str) -> int:
    for number, line in enumerate((DATA / name).read_text(encoding="utf-8").splitlines(), start=1):
        if text in line:
            return number
    raise AssertionError(f"{text!r} not in {name}")


#: rule id -> (source file, the text on the line the finding must point at; None: no line)
EXPECTED: dict[str, tuple[str, str | None]] = {
    "impossible-date": ("projects.csv", "S29001;"),
    "Q01-start-date-plausible": ("projects.csv", "S29002;"),
    "Q02-end-date-plausible": ("projects.csv", "S29003;"),
    "Q03-granted-funding-not-zero": ("projects.csv", "S29004;"),
    "unresolved-code": ("projects.csv", "S29005;"),
    "unreadable-value": ("projects.csv", "S29006;"),
    "sources-disagree": ("projects.csv", "S29101;"),
    "record-quarantined": ("projects.csv", ";ESR;Koodi puuttuu"),
    "file-unreadable": ("empty-file.txt", None),
    "Q04-title-differs-from-summary": ("eura-records.txt", "Sama kuin tiivistelmä."),
    "Q05-no-email-in-free-text": ("eura-records.txt", "matti.meikalainen@example.fi"),
    "Q06-no-phone-in-free-text": ("eura-records.txt", "040 123 4567"),
    "Q07-business-id-names-agree": ("eura-records.txt", "Hakijan virallinen nimi: Testiyhtiö Oy"),
    "org-name-several-business-ids": ("eura-records.txt", "Hakijan virallinen nimi: Yhteinen Nimi ry"),
    "field-mostly-empty": ("", None),
}


def _where(rule: str) -> str:
    name, text = EXPECTED[rule]
    return f"quality/{name}:{_line_of(name, text)}" if text else (f"quality/{name}" if name else "")


@pytest.fixture(scope="module")
def quality_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("quality-out")
    write_outputs(build([DATA]), out)
    return out


@pytest.fixture(scope="module")
def fix_rows(quality_out: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO((quality_out / "fix-list.csv").read_text(encoding="utf-8"))))


def _section(html: str, rule: str) -> str:
    start = html.index(f'id="rule-{rule}"')
    return html[start: html.index("</article>", start)]


# ------------------------------------------------------------------ every build writes the reports


def test_build_writes_the_four_quality_files(quality_out: Path) -> None:
    for name in QUALITY_FILES:
        assert (quality_out / name).stat().st_size > 0, name


def test_sample_build_report_conforms(sample_out: Path) -> None:
    html = (sample_out / "quality-report.html").read_text(encoding="utf-8")
    assert "Conforms: no violations" in html
    assert "## esrgraph data quality: conforms" in (sample_out / "quality-summary.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("rule", sorted(EXPECTED))
def test_each_rule_is_in_the_csv_with_its_source_line(fix_rows: list[dict[str, str]], rule: str) -> None:
    rows = [r for r in fix_rows if r["rule"] == rule]
    assert rows, f"no {rule} row in fix-list.csv"
    name, text = EXPECTED[rule]
    if text is not None:
        wanted = (f"quality/{name}", str(_line_of(name, text)))
        assert wanted in {(r["source_file"], r["line"]) for r in rows}, [(r["source_file"], r["line"]) for r in rows]
    meta = load_rules()[rule]
    assert all(r["category"] == meta.category and r["expected"] == meta.description for r in rows)


@pytest.mark.parametrize("rule", sorted(EXPECTED))
def test_each_rule_is_in_the_html_with_its_explanation_and_source_line(quality_out: Path, rule: str) -> None:
    html = (quality_out / "quality-report.html").read_text(encoding="utf-8")
    section = _section(html, rule)
    meta = load_rules()[rule]
    assert rdflib.Literal(meta.description).n3()  # read from the shapes, not written in report code
    assert meta.description.replace("'", "&#x27;").replace('"', "&quot;") in section
    assert _where(rule) in section


@pytest.mark.parametrize("rule", sorted(EXPECTED))
def test_each_rule_is_in_the_markdown_with_its_first_source_line(quality_out: Path, rule: str) -> None:
    md = (quality_out / "quality-summary.md").read_text(encoding="utf-8")
    (line,) = [x for x in md.splitlines() if f"(`{rule}`)" in x]
    where = _where(rule)
    if where and EXPECTED[rule][1] is not None and rule not in ("Q07-business-id-names-agree",):
        assert line.rstrip(" |").endswith(where), line
    elif rule == "field-mostly-empty":
        assert line.rstrip(" |").endswith("target_groups.direct"), line


def test_fix_list_is_sorted_by_file_and_line(fix_rows: list[dict[str, str]]) -> None:
    keys = [(r["source_file"] == "", r["source_file"], r["line"] == "", int(r["line"] or 0)) for r in fix_rows]
    assert keys == sorted(keys)
    assert fix_rows[-1]["rule"] == "field-mostly-empty"  # dataset-level findings, no source line, come last


def test_headline_numbers(quality_out: Path) -> None:
    html = (quality_out / "quality-report.html").read_text(encoding="utf-8")
    cards = dict(re.findall(r'data-metric="([\w-]+)"><dt>[^<]*</dt><dd>([^<]*)</dd>', html))
    assert cards["records-read"] == "14"
    assert cards["records-built"] == "13"
    assert cards["records-set-aside"] == "1"
    assert cards["projects-in-graph"] == "12"
    assert int(cards["violations"]) == 4  # impossible date, empty date cell, quarantined row, empty file
    assert "Does not conform" in html


def test_html_is_self_contained(quality_out: Path) -> None:
    html = (quality_out / "quality-report.html").read_text(encoding="utf-8")
    assert "<script" not in html
    assert not re.search(r'(src|href)="(https?:)?//', html), "the page must not load anything from the network"
    assert "<svg" in html and "<style>" in html


def test_charts_show_funding_by_year(quality_out: Path) -> None:
    html = (quality_out / "quality-report.html").read_text(encoding="utf-8")
    assert "<title>2016: " in html  # a bar for the start year 2016


def test_impossible_date_is_told_apart() -> None:
    assert is_impossible_date("31.9.2016") and is_impossible_date("29.2.2019")
    assert not is_impossible_date("29.2.2020") and not is_impossible_date("") and not is_impossible_date("syyskuu")


# ------------------------------------------------------------------ DQV


def test_dqv_measurements(quality_out: Path) -> None:
    g = rdflib.Graph().parse(quality_out / "quality.ttl")
    vocab = rdflib.Graph().parse(REPO / "ontology" / "esr-quality.ttl")
    dataset = rdflib.URIRef("https://w3id.org/esrgraph/id/dataset")
    measurements = set(g.objects(dataset, DQV.hasQualityMeasurement))
    assert measurements == set(g.subjects(RDF.type, DQV.QualityMeasurement))
    metrics = set(vocab.subjects(RDF.type, DQV.Metric))
    for m in measurements:
        assert g.value(m, DQV.computedOn) == dataset
        assert g.value(m, DQV.isMeasurementOf) in metrics, m
        assert g.value(m, DQV.value) is not None
    violations = next(m for m in measurements if g.value(m, DQV.isMeasurementOf) == ESRQ.violations)
    assert g.value(violations, DQV.value).toPython() == 4
    by_rule = {g.value(m, ESRQ.rule) for m in measurements if g.value(m, DQV.isMeasurementOf) == ESRQ.findingsOfRule}
    assert ESRSH["Q05-no-email-in-free-text"] in by_rule


def test_quality_vocabulary_is_labelled() -> None:
    vocab = rdflib.Graph().parse(REPO / "ontology" / "esr-quality.ttl")
    terms = [s for s in set(vocab.subjects()) if str(s).startswith(str(ESRQ))]
    assert len(terms) > 10
    for term in terms:
        langs = {o.language for o in vocab.objects(term, rdflib.RDFS.label)}
        assert {"en", "fi"} <= langs, term
        assert vocab.value(term, rdflib.RDFS.comment) is not None, term


def test_reports_are_deterministic(quality_out: Path, tmp_path: Path) -> None:
    write_quality_reports(from_folder(quality_out), tmp_path)
    again = tmp_path / "again"
    write_quality_reports(from_folder(quality_out), again)
    for name in QUALITY_FILES:
        assert (tmp_path / name).read_bytes() == (again / name).read_bytes(), name


# ------------------------------------------------------------------ rule metadata


def test_every_rule_has_metadata() -> None:
    rules = load_rules()
    for rule in rules.values():
        assert rule.category in CATEGORIES, (rule.id, rule.category)
        assert rule.importance in IMPORTANCE, (rule.id, rule.importance)
        assert rule.name != rule.id and rule.description and rule.message, rule.id
    for rule in EXPECTED:
        assert rule in rules


#: Shapes files this feature gave an importance to (others may add theirs; the report then shows "medium").
IMPORTANCE_FILES = ("esr-core.shapes.ttl", "esr-recommended.shapes.ttl", "esr-quality.shapes.ttl", "esr-pipeline-rules.ttl")


def test_every_shape_carries_an_importance() -> None:
    g = rdflib.Graph()
    for name in IMPORTANCE_FILES:
        g.parse(REPO / "shapes" / name)
    with_category = set(g.subjects(ESRSH.category, None))
    assert len(with_category) > 40
    missing = sorted(str(s) for s in with_category if g.value(s, ESRSH.importance) is None)
    assert not missing, missing


# ------------------------------------------------------------------ a large build stays light


def test_large_report_shows_first_examples_only(tmp_path: Path) -> None:
    findings = [
        Finding(Severity.WARNING, "Q03-granted-funding-not-zero", "Granted EU and state funding is 0 euros",
                record=f"S{20000 + i}", field="funding.eu_state_granted", value="0" * 50, path="big.csv", line=i + 2)
        for i in range(20000)
    ]
    report = QualityReport(
        headline=Headline(conforms=True, counts={}, projects=20000, records_read=20000, records_built=20000,
                          records_quarantined=0),
        findings=findings, rules=load_rules(),
        funding_by_year=[(str(y), Decimal(10**6 * y)) for y in range(2014, 2024)],
    )
    write_quality_reports(report, tmp_path, examples=10)
    html = (tmp_path / "quality-report.html").read_text(encoding="utf-8")
    assert len(html.encode()) < 100_000
    assert html.count("big.csv:") == 10
    assert "all 20000 are in" in html
    assert (tmp_path / "fix-list.csv").read_text(encoding="utf-8").count("\n") == 20001


# ------------------------------------------------------------------ links to the site


def test_examples_link_to_record_pages_when_a_site_is_built(quality_out: Path, tmp_path: Path) -> None:
    (tmp_path / "site" / "project").mkdir(parents=True)
    write_quality_reports(from_folder(quality_out), tmp_path)
    html = (tmp_path / "quality-report.html").read_text(encoding="utf-8")
    assert '<a href="site/project/S29004.html">S29004</a>' in html
    write_quality_reports(from_folder(quality_out), tmp_path, site=False)
    assert "site/project/" not in (tmp_path / "quality-report.html").read_text(encoding="utf-8")


# ------------------------------------------------------------------ CLI


def _run(args: list[str]) -> int:
    from esrgraph.cli import main

    with pytest.raises(SystemExit) as exc:
        main(args)
    return int(exc.value.code or 0)


def test_quality_command_regenerates_from_a_build_folder(quality_out: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["quality", str(quality_out), "--to", str(tmp_path), "--examples", "3"]) == 1
    assert "DOES NOT CONFORM" in capsys.readouterr().out
    for name in QUALITY_FILES:
        assert (tmp_path / name).is_file()
    assert _run(["quality", str(tmp_path / "nowhere")]) == 2
    assert "esrgraph build" in capsys.readouterr().err  # the error names the fix


def test_validate_out_writes_the_reports(quality_out: Path, tmp_path: Path) -> None:
    assert _run(["validate", str(quality_out / "esrgraph.ttl"), "--out", str(tmp_path)]) == 0
    for name in QUALITY_FILES + ("validation-report.ttl", "validation-report.json"):
        assert (tmp_path / name).is_file(), name
    md = (tmp_path / "quality-summary.md").read_text(encoding="utf-8")
    assert "(`Q05-no-email-in-free-text`)" in md
    # the report of a validate folder can be written again too
    assert _run(["quality", str(tmp_path), "--to", str(tmp_path / "again")]) == 0
    assert (tmp_path / "again" / "fix-list.csv").read_text(encoding="utf-8") == (tmp_path / "fix-list.csv").read_text(
        encoding="utf-8")


# ------------------------------------------------------------------ the real bulk list


@pytest.mark.slow
def test_real_bulk_list_report_stays_light(shared_dir: Path, tmp_path: Path) -> None:
    result = build([shared_dir / "corpus"])
    write_outputs(result, tmp_path)
    html = (tmp_path / "quality-report.html").read_bytes()
    assert len(html) < 1_000_000
    rows = (tmp_path / "fix-list.csv").read_text(encoding="utf-8").count("\n") - 1
    assert rows >= len(result.findings)
