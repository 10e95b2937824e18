"""``esrgraph site``: write the static linked-data site (library: :mod:`esrgraph.publish.site_pages`)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from esrgraph.core.errors import InputError
from esrgraph.core.vocab import DCAT, DEFAULT_BASE, PREFIXES, RDF

if TYPE_CHECKING:
    from pyoxigraph import Triple

    from esrgraph.publish.site_pages import SiteResult


@dataclass
class SiteSource:
    triples: list[Triple]
    base: str
    release_dir: Path | None


def latest_release_dir(build_out: Path) -> Path | None:
    """The build's release folder: ``release/`` or else the newest of ``releases/*``."""
    from esrgraph.publish.release import existing_releases

    if (build_out / "release" / "catalog.ttl").is_file():
        return build_out / "release"
    names = existing_releases(build_out)
    return build_out / "releases" / names[-1] if names else None


def _catalog_base(release_dir: Path | None) -> str | None:
    from pyoxigraph import NamedNode, RdfFormat, parse

    if release_dir is None:
        return None
    for t in parse(path=str(release_dir / "catalog.ttl"), format=RdfFormat.TURTLE):
        subject = t.subject
        if (t.predicate == NamedNode(RDF + "type") and t.object == NamedNode(DCAT + "Catalog")
                and isinstance(subject, NamedNode)):
            iri = subject.value
            if iri.endswith("catalog"):
                return iri[: -len("catalog")]
    return None


def load_build(build_out: str | os.PathLike[str], base: str | None = None) -> SiteSource:
    """The graph and release of a build folder written by ``esrgraph build``."""
    from pyoxigraph import RdfFormat, parse

    folder = Path(build_out)
    graph = folder / "esrgraph.ttl"
    if not graph.is_file():
        raise InputError(str(graph), "no esrgraph.ttl here", "run `esrgraph build -o FOLDER` first")
    release = latest_release_dir(folder)
    triples = list(parse(path=str(graph), format=RdfFormat.TURTLE))
    return SiteSource(triples, base or _catalog_base(release) or DEFAULT_BASE, release)


def build_site(out: str | os.PathLike[str], *, build_out: str | os.PathLike[str] | None = None,
               inputs: Sequence[str | os.PathLike[str]] = (), base: str | None = None) -> SiteResult:
    """Write the site into ``out`` from a build folder, or by building ``inputs`` (the samples when empty)."""
    from esrgraph.publish.site_pages import write_site

    if build_out is not None:
        src = load_build(build_out, base)
        prefixes = dict(PREFIXES)
        return write_site(src.triples, out, base=src.base, prefixes=prefixes, release_dir=src.release_dir)
    from esrgraph.pipeline.build import build
    from esrgraph.pipeline.result import BuildOptions
    from esrgraph.publish.release import write_build_release

    result = build(list(inputs), BuildOptions(base=base or DEFAULT_BASE))
    with tempfile.TemporaryDirectory(prefix="esrgraph-site-") as tmp:
        release = write_build_release(result, tmp)
        return write_site(result.triples, out, base=result.base, prefixes=result.prefixes(),
                          release_dir=release.folder)
