"""Shared fixtures: the bundled samples, ../shared (skipped when absent), a built sample graph."""

from __future__ import annotations

from pathlib import Path

import pytest

from repo_paths import REPO, SHARED

SAMPLES = REPO / "data" / "samples"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--slow", action="store_true", default=False, help="also run slow tests (deeper fuzzing)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--slow"):
        return
    skip = pytest.mark.skip(reason="slow test: run with --slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return SAMPLES


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} not found: tests that read ../shared/ need it beside the checkout")
    return SHARED


@pytest.fixture(scope="session")
def sample_build():
    """The bundled samples, built once per test session."""
    from esrgraph.pipeline.build import build

    return build()


@pytest.fixture(scope="session")
def sample_out(tmp_path_factory: pytest.TempPathFactory, sample_build) -> Path:
    from esrgraph.outputs import write_outputs

    out = tmp_path_factory.mktemp("sample-out")
    write_outputs(sample_build, out)
    return out
