"""Where the packaged ontology, shapes, queries and code lists live.

In a wheel they are inside the package (``esrgraph/_resources/``); in a source checkout
(an editable install, or running the tests) they are the repository's top-level folders.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent.parent
_REPO_DIR = _PACKAGE_DIR.parent.parent


@cache
def resource_dir(name: str) -> Path:
    """Folder ``name`` (ontology, shapes, queries, data) wherever this install keeps it."""
    packaged = _PACKAGE_DIR / "_resources" / name
    if packaged.is_dir():
        return packaged
    in_repo = _REPO_DIR / name
    if in_repo.is_dir():
        return in_repo
    raise FileNotFoundError(f"esrgraph resource folder {name!r} not found (looked in {packaged} and {in_repo})")


def ontology_file() -> Path:
    return resource_dir("ontology") / "esr.ttl"
