"""Every finding's text is bounded and the quality files are written as streams (issue 23).

On a register where organisations' names and Y-tunnus disagree at random, each
``org-name-several-business-ids`` finding named every other Y-tunnus of its name, so fix-list.csv grew with
the square of a group's size (1.26 GB for 69,781 findings). A finding now names the first few and a count;
name-groups.csv lists every member once.
"""

from __future__ import annotations

import csv
import io
import random
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pyoxigraph import BlankNode, Literal, NamedNode, Quad, Store

from esrgraph.core.findings import Finding, Severity
from esrgraph.core.vocab import DCTERMS, ESR, ORG, RDF, ROV, SKOS
from esrgraph.io.atomic import atomic_write_chunks
from esrgraph.quality import QUALITY_FILES, load_rules, write_quality_reports
from esrgraph.quality.checks import NAME_GROUPS_FILE, OTHER_IDS_SHOWN, name_group_message
from esrgraph.quality.render import NAME_GROUPS_COLUMNS, fix_list_chunks, fix_list_csv
from esrgraph.quality.report import Headline, QualityReport, assemble
from esrgraph.quality.spreadsheet import CHUNK_CHARS

BASE = "https://w3id.org/esrgraph/id/"
RULE = "org-name-several-business-ids"
#: What no finding's message may exceed, whatever the size of the data.
MESSAGE_BOUND = 300


def _business_id(n: int) -> str:
    return f"{1_000_000 + n:07d}-{n % 10}"


def _store(members: int, name: str = "Yhteinen Nimi ry", *, seed: int = 23) -> Store:
    """One organisation name given under ``members`` Y-tunnus (every other one spelt in capitals), each
    organisation the applicant of one project; inserted in a shuffled order."""
    order = list(range(members))
    random.Random(seed).shuffle(order)
    store = Store()
    quads = []
    for n in order:
        bid = _business_id(n)
        org, project = NamedNode(f"{BASE}organisation/{bid}"), NamedNode(f"{BASE}project/S{20000 + n}")
        registration = BlankNode()
        quads += [
            Quad(org, NamedNode(RDF + "type"), NamedNode(ORG + "Organization")),
            Quad(org, NamedNode(ROV + "registration"), registration),
            Quad(registration, NamedNode(SKOS + "notation"), Literal(bid)),
            Quad(org, NamedNode(SKOS + "prefLabel"), Literal(name.upper() if n % 2 else name)),
            Quad(project, NamedNode(RDF + "type"), NamedNode(ESR + "Project")),
            Quad(project, NamedNode(DCTERMS + "identifier"), Literal(f"S{20000 + n}")),
            Quad(project, NamedNode(ESR + "applicant"), org),
        ]
    store.extend(quads)
    return store


def _report(members: int, name: str = "Yhteinen Nimi ry") -> QualityReport:
    return assemble(Headline(conforms=True, counts={}, projects=members), [], _store(members, name))


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> tuple[QualityReport, Path]:
    report = _report(500)
    out = tmp_path_factory.mktemp("name-group-500")
    write_quality_reports(report, out)
    return report, out


def test_a_finding_of_a_large_group_names_the_first_few_others_and_counts_the_rest(
        large: tuple[QualityReport, Path]) -> None:
    report, _ = large
    findings = [f for f in report.findings if f.rule == RULE]
    assert len(findings) == 500  # one per organisation: linear in the members
    every_id = sorted(_business_id(n) for n in range(500))
    for f in findings:
        own = f.message.split("(Y-tunnus ", 1)[1].split(")", 1)[0]
        others = [bid for bid in every_id if bid != own][:OTHER_IDS_SHOWN]
        assert f"under Y-tunnus {', '.join(others)} and 496 more (all 500 in {NAME_GROUPS_FILE})" in f.message, \
            f.message
    assert max(len(f.message) for f in report.findings) < MESSAGE_BOUND


def test_a_small_group_names_every_other_and_points_to_the_file() -> None:
    message = name_group_message("Yhteinen Nimi ry", "2222222-9", ["2222222-9", "3333333-8"])
    assert message == ("'Yhteinen Nimi ry' (Y-tunnus 2222222-9) is also given under Y-tunnus 3333333-8 "
                       f"(all 2 in {NAME_GROUPS_FILE})")
    four = ["1", "2", "3", "4"]
    assert name_group_message("N", "4", four).endswith("Y-tunnus 1, 2, 3 (all 4 in name-groups.csv)")


def test_a_long_name_or_business_id_is_clipped_in_the_message_and_kept_whole_in_the_value() -> None:
    long_name, long_id = "Yhdistys " * 1000, "x" * 5000
    message = name_group_message(long_name, long_id, sorted([long_id, *(f"y{n}" * 1000 for n in range(500))]))
    assert len(message) < MESSAGE_BOUND
    report = _report(3, long_name.strip())
    (f, *_) = [f for f in report.findings if f.rule == RULE]
    assert f.value == long_name.strip() and len(f.message) < MESSAGE_BOUND


@given(name=st.text(max_size=2000), ids=st.lists(st.text(max_size=200), min_size=1, max_size=40, unique=True),
       own=st.integers(min_value=0))
def test_no_name_or_business_id_makes_a_message_longer_than_the_bound(name: str, ids: list[str], own: int) -> None:
    group = sorted(ids)
    assert len(name_group_message(name, group[own % len(group)], group)) < MESSAGE_BOUND


def test_the_fix_list_grows_linearly_with_a_group(tmp_path: Path) -> None:
    sizes = {}
    for members in (100, 400):
        write_quality_reports(_report(members), tmp_path / str(members))
        sizes[members] = (tmp_path / str(members) / "fix-list.csv").stat().st_size
        assert len(_rows(tmp_path / str(members) / "fix-list.csv")) >= members
    assert sizes[400] / sizes[100] < 5, sizes  # every other Y-tunnus in each row: about 16


def test_name_groups_csv_lists_each_member_once_sorted(large: tuple[QualityReport, Path]) -> None:
    _, out = large
    rows = _rows(out / NAME_GROUPS_FILE)
    assert len(rows) == 500
    assert tuple(rows[0]) == NAME_GROUPS_COLUMNS
    assert [r["business_id"] for r in rows] == sorted(_business_id(n) for n in range(500))
    assert {r["name_key"] for r in rows} == {"yhteinen nimi ry"}
    first = rows[0]
    assert first == {"name_key": "yhteinen nimi ry", "business_id": "1000000-0", "names": "Yhteinen Nimi ry",
                     "organisation": f"{BASE}organisation/1000000-0", "projects": "1", "first_project": "S20000",
                     "business_ids_of_name": "500"}
    assert rows[1]["names"] == "YHTEINEN NIMI RY"  # as written


def test_the_summary_and_the_page_point_to_the_name_groups(large: tuple[QualityReport, Path]) -> None:
    _, out = large
    md = (out / "quality-summary.md").read_text(encoding="utf-8")
    assert f"`{NAME_GROUPS_FILE}` (1 name, 500 rows)" in md
    assert f'<a href="{NAME_GROUPS_FILE}">' in (out / "quality-report.html").read_text(encoding="utf-8")


def test_no_group_writes_the_header_only(tmp_path: Path) -> None:
    report = QualityReport(Headline(conforms=True, counts={}, projects=0), [], load_rules())
    written = write_quality_reports(report, tmp_path)
    assert [p.name for p in written] == list(QUALITY_FILES) and NAME_GROUPS_FILE in QUALITY_FILES
    assert (tmp_path / NAME_GROUPS_FILE).read_text(encoding="utf-8") == ",".join(NAME_GROUPS_COLUMNS) + "\n"
    assert NAME_GROUPS_FILE not in (tmp_path / "quality-summary.md").read_text(encoding="utf-8")


def test_names_in_the_name_groups_stay_text_in_a_spreadsheet(tmp_path: Path) -> None:
    formula = '=HYPERLINK("http://example.org","x")'
    write_quality_reports(_report(2, formula), tmp_path)
    rows = _rows(tmp_path / NAME_GROUPS_FILE)
    assert {r["names"] for r in rows} == {"'" + formula, "'" + formula.upper()}


# ------------------------------------------------------------------ streams


def _findings(n: int) -> list[Finding]:
    return [Finding(Severity.WARNING, "Q03-granted-funding-not-zero", "Granted EU and state funding is 0 euros " * 5,
                    record=f"S{20000 + i}", field="funding.eu_state_granted", value="=0" * 100, path="big.csv",
                    line=i + 2) for i in range(n)]


def test_the_fix_list_comes_in_pieces_that_make_the_same_file() -> None:
    report = QualityReport(Headline(conforms=True, counts={}, projects=1), _findings(2000), load_rules())
    pieces = list(fix_list_chunks(report))
    assert len(pieces) > 3 and all(len(p) < 2 * CHUNK_CHARS for p in pieces)
    assert "".join(pieces) == fix_list_csv(report)


def test_writing_the_fix_list_never_holds_the_whole_file(tmp_path: Path) -> None:
    report = QualityReport(Headline(conforms=True, counts={}, projects=1), _findings(20000), load_rules())
    target = tmp_path / "fix-list.csv"
    tracemalloc.start()
    try:
        atomic_write_chunks(target, (piece.encode("utf-8") for piece in fix_list_chunks(report)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    size = target.stat().st_size
    assert size > 8_000_000
    # one string of the file and its bytes would be twice its size; the pieces and the findings' sort keys, a fifth
    assert peak < size / 2, (peak, size)


def test_a_stream_that_fails_half_way_leaves_the_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "fix-list.csv"
    target.write_bytes(b"previous\n")

    def pieces() -> Iterator[bytes]:
        yield b"half of a new"
        raise RuntimeError("stopped")

    with pytest.raises(RuntimeError, match="stopped"):
        atomic_write_chunks(target, pieces())
    assert target.read_bytes() == b"previous\n"
    assert [p.name for p in tmp_path.iterdir()] == ["fix-list.csv"]
