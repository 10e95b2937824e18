"""Every named query gives the same answers on the bundled samples' build as the reviewed CSVs in
tests/data/named-answers/: a mapping change that loses (or changes) an answer fails here.

The expected files were made with the CLI from the build before issue 20's mapping changes
(``esrgraph build data/samples -o OUT --base https://data.example.fi/esr/`` and
``esrgraph query OUT --name X --format csv``); a file named ``X@NAME=VALUE.csv`` is the answer with
``--param NAME=VALUE``. The base is explicit so that the answers do not depend on the default base.
A changed answer that is better is reviewed and its file updated, with the reason in the commit.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from esrgraph.cli import cli
from repo_paths import REPO, TESTS

EXPECTED = TESTS / "data" / "named-answers"
BASE = "https://data.example.fi/esr/"


def _cases() -> list[tuple[str, tuple[str, ...], Path]]:
    """(query name, --param values, expected file) of every expected CSV."""
    cases = []
    for path in sorted(EXPECTED.glob("*.csv")):
        name, _, param = path.stem.partition("@")
        cases.append((name, (param,) if param else (), path))
    return cases


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("named-answers") / "out"
    args = ["build", str(REPO / "data" / "samples"), "-o", str(out), "--base", BASE, "-q"]
    if "--allow-example-base" in CliRunner().invoke(cli, ["build", "--help"]).output:
        args.append("--allow-example-base")  # the example base is refused for a release unless asked for
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return out


def test_every_named_query_has_an_expected_answer() -> None:
    names = {path.stem for path in (REPO / "queries").glob("*.rq")}
    expected = {name for name, _, _ in _cases()}
    assert names <= expected, f"named queries without a reviewed answer in {EXPECTED}: {sorted(names - expected)}"
    assert expected <= names, f"expected answers of no named query: {sorted(expected - names)}"


@pytest.mark.parametrize(("name", "params", "path"), _cases(), ids=[p.stem for _, _, p in _cases()])
def test_named_query_answer_is_unchanged(built: Path, name: str, params: tuple[str, ...], path: Path) -> None:
    args = ["query", str(built), "--name", name, "--format", "csv", "--no-cache"]
    for param in params:
        args += ["--param", param]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == path.read_text(encoding="utf-8").splitlines()
