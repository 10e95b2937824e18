"""The catalogue's publisher: ``esrgraph build --publisher FILE`` puts an organisation's facts in catalog.ttl,
and a build with the bundled example facts says so, naming what is only an example and the option to give."""

from __future__ import annotations

from pathlib import Path

import pytest

from esrgraph.cli import main
from repo_paths import REPO

REAL = """[publisher]
name_fi = "Esimerkkiviraston tietopalvelu"
name_en = "Open data service of the agency"
homepage = "https://www.tietopalvelu.fi/"
email = "avoindata@tietopalvelu.fi"
type = "NationalAuthority"
"""


def call(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main([str(a) for a in args])
    out, err = capsys.readouterr()
    return int(exit_info.value.code or 0), out, err


SAMPLE = REPO / "data" / "samples" / "S21093.txt"


def test_the_bundled_example_publisher_is_named_as_an_example(tmp_path: Path, capsys) -> None:
    code, _, err = call(capsys, "build", SAMPLE, "-q", "-o", tmp_path / "out")
    assert code == 0, err
    assert "note: the catalogue's publisher is an example" in err
    assert "home page https://data.example.fi/" in err and "e-mail opendata@example.fi" in err
    assert "--publisher FILE" in err


def test_a_publisher_file_reaches_the_catalogue_and_silences_the_note(tmp_path: Path, capsys) -> None:
    facts = tmp_path / "publisher.toml"
    facts.write_text(REAL, encoding="utf-8")
    code, _, err = call(capsys, "build", SAMPLE, "-q", "-o", tmp_path / "out", "--publisher", facts)
    assert code == 0, err
    assert "publisher is an example" not in err
    catalog = (tmp_path / "out" / "release" / "catalog.ttl").read_text(encoding="utf-8")
    assert "Open data service of the agency" in catalog and "<https://www.tietopalvelu.fi/>" in catalog
    assert "data.example.fi" not in catalog


def test_an_example_e_mail_alone_is_named(tmp_path: Path, capsys) -> None:
    facts = tmp_path / "publisher.toml"
    facts.write_text(REAL.replace("avoindata@tietopalvelu.fi", "opendata@example.org"), encoding="utf-8")
    code, _, err = call(capsys, "build", SAMPLE, "-q", "-o", tmp_path / "out", "--publisher", facts)
    assert code == 0, err
    assert "e-mail opendata@example.org" in err and "home page" not in err.split("note:")[1]


def test_a_missing_publisher_file_is_refused_before_anything_is_written(tmp_path: Path, capsys) -> None:
    missing = tmp_path / "nowhere.toml"
    code, _, err = call(capsys, "build", SAMPLE, "-q", "-o", tmp_path / "out", "--publisher", missing)
    assert code == 2
    assert str(missing) in err and "publisher file not found" in err
    assert not (tmp_path / "out").exists()
