"""The SHACL reports kept in the build cache (outputs.kept): linked again for the same inputs, made again for
other inputs or when the kept file was edited through OUT's hard link (issue 23)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from esrgraph.outputs import write_outputs
from esrgraph.outputs.kept import REPORTS, write_kept
from esrgraph.pipeline.build import build
from esrgraph.pipeline.result import BuildOptions
from esrgraph.validation.report import ValidationReport


def test_the_same_inputs_link_the_kept_file_and_other_inputs_make_it_again(tmp_path: Path) -> None:
    made: list[bytes] = []

    def make(data: bytes):  # type: ignore[no-untyped-def]
        return lambda: made.append(data) or data

    target, cache = tmp_path / "out" / "report.ttl", tmp_path / "cache"
    target.parent.mkdir()
    write_kept(target, cache, b"inputs 1", make(b"first"))
    write_kept(target, cache, b"inputs 1", make(b"never made"))
    assert made == [b"first"] and target.read_bytes() == b"first"
    write_kept(target, cache, b"inputs 2", make(b"second"))
    assert made == [b"first", b"second"] and target.read_bytes() == b"second"
    assert len(list((cache / REPORTS).iterdir())) == 1  # the last build's only

    with open(target, "r+b") as handle:  # edited in place: the kept file is the same file
        handle.write(b"SECOND")
    write_kept(target, cache, b"inputs 2", make(b"second"))
    assert made[-1] == b"second" and len(made) == 3 and target.read_bytes() == b"second"


def test_without_a_cache_the_file_is_made_every_time(tmp_path: Path) -> None:
    made: list[int] = []
    for _ in range(2):
        write_kept(tmp_path / "r.json", None, b"same", lambda: made.append(1) or b"{}")
    assert len(made) == 2 and (tmp_path / "r.json").read_bytes() == b"{}"


def test_a_rebuild_whose_change_alters_no_finding_writes_neither_report(samples_dir: Path, tmp_path: Path) -> None:
    inputs, out = tmp_path / "in", tmp_path / "out"
    shutil.copytree(samples_dir, inputs)
    options = BuildOptions(cache_dir=str(out / ".cache"))
    write_outputs(build([inputs], options, out_dir=out), out, options)
    first = {name: (out / name).read_bytes() for name in ("validation-report.ttl", "validation-report.json")}

    description = inputs / "S20885.txt"
    description.write_text(description.read_text(encoding="utf-8").replace("Hankkeen nimi: ", "Hankkeen nimi: Uusi ",
                                                                            1), encoding="utf-8")
    serialised: list[object] = []
    real = ValidationReport.report_turtle
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ValidationReport, "report_turtle",
                      lambda self, prefixes=None: serialised.append(1) or real(self, prefixes))
        write_outputs(build([inputs], options, out_dir=out), out, options)
    assert serialised == []
    assert {name: (out / name).read_bytes() for name in first} == first
    [kept] = (out / ".cache" / REPORTS).glob("validation-report.ttl.*")  # one kept set of one file
    assert (out / "validation-report.ttl").stat().st_ino == (kept / "validation-report.ttl").stat().st_ino


def test_the_quality_files_are_kept_while_nothing_they_are_made_of_changed(tmp_path: Path) -> None:
    """A sharded build with a cache keeps its quality files under a digest of the findings, the quality queries'
    answers and the records' places: a changed title (read by one completeness count, whose number stays) links
    them; a changed amount (read by the funding measures) makes the measures' files again, with the full build's
    bytes, and links the fix list, unknown values and name groups, which no amount reaches."""
    from benchmarks import generate

    import esrgraph.outputs as outputs
    from esrgraph.quality import FINDINGS_FILES, QUALITY_FILES, checks

    inputs, out = tmp_path / "in", tmp_path / "out"
    generate.write_corpus(inputs, 60, faulty_share=0.3)
    options = BuildOptions(cache_dir=str(out / ".cache"), shards=3)
    made: list[str] = []
    measures, findings, groups = outputs.write_quality_measures, outputs.write_quality_findings, checks.name_groups

    def build_again() -> None:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(outputs, "write_quality_measures",
                          lambda report, folder, **kw: made.append("measures") or measures(report, folder, **kw))
            patch.setattr(outputs, "write_quality_findings",
                          lambda report, folder: made.append("findings") or findings(report, folder))
            patch.setattr(checks, "name_groups", lambda store: made.append("name groups") or groups(store))
            write_outputs(build([inputs], options, out_dir=out), out, options)

    build_again()
    assert sorted(made) == ["findings", "measures", "name groups"]
    fix_list = (out / "fix-list.csv").stat().st_ino
    victim = sorted(inputs.rglob("*.txt"))[10]
    victim.write_text(victim.read_text(encoding="utf-8").replace("Hankkeen nimi: ", "Hankkeen nimi: Uusi ", 1),
                      encoding="utf-8")
    build_again()
    assert len(made) == 3  # both linked
    text = victim.read_text(encoding="utf-8")
    start = text.index("Myönnetty EU- ja valtion rahoitus: ") + len("Myönnetty EU- ja valtion rahoitus: ")
    victim.write_text(text[:start] + ("8" if text[start] == "9" else "9") + text[start + 1:], encoding="utf-8")
    build_again()
    # the funding measures read the amount; the fix list is linked again, and the measures read the findings and name
    # groups kept with it rather than making them again
    assert made[3:] == ["measures"]
    assert (out / "fix-list.csv").stat().st_ino == fix_list
    full = tmp_path / "full"
    write_outputs(build([inputs], BuildOptions(shards=3), out_dir=full), full, BuildOptions(shards=3))
    assert {name: (out / name).read_bytes() for name in QUALITY_FILES} == \
        {name: (full / name).read_bytes() for name in QUALITY_FILES}
    assert len(list((out / ".cache" / REPORTS).glob("quality-findings.*"))) == 1  # the last build's set only
    assert all((out / name).stat().st_nlink == 2 for name in FINDINGS_FILES)  # OUT's file and the kept one
