"""``esrgraph site``: write the static linked-data site (library: :mod:`esrgraph.publish.pages`)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import click

from esrgraph.errors import InputError
from esrgraph.vocab import DCAT, DEFAULT_BASE, PREFIXES, RDF


@dataclass
class SiteSource:
    triples: list
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
        if t.predicate == NamedNode(RDF + "type") and t.object == NamedNode(DCAT + "Catalog"):
            iri = t.subject.value
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
               inputs: Sequence[str | os.PathLike[str]] = (), base: str | None = None):  # type: ignore[no-untyped-def]
    """Write the site into ``out`` from a build folder, or by building ``inputs`` (the samples when empty)."""
    from esrgraph.publish.pages import write_site

    if build_out is not None:
        src = load_build(build_out, base)
        prefixes = dict(PREFIXES)
        return write_site(src.triples, out, base=src.base, prefixes=prefixes, release_dir=src.release_dir)
    from esrgraph.build import BuildOptions, build
    from esrgraph.publish.release import write_build_release

    result = build(list(inputs), BuildOptions(base=base or DEFAULT_BASE))
    with tempfile.TemporaryDirectory(prefix="esrgraph-site-") as tmp:
        release = write_build_release(result, tmp)
        return write_site(result.triples, out, base=result.base, prefixes=result.prefixes(),
                          release_dir=release.folder)


@click.command("site", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("out", type=click.Path(path_type=Path))
@click.argument("inputs", nargs=-1, type=click.Path(path_type=Path))
@click.option("--from", "build_out", type=click.Path(path_type=Path),
              help="A folder written by `esrgraph build` (uses its esrgraph.ttl and release).")
@click.option("--base", help="Base IRI of the data (default: read from the build's catalogue).")
def site_command(out: Path, inputs: Sequence[Path], build_out: Path | None, base: str | None) -> None:
    """Write a static linked-data site into OUT.

    One HTML page and one Turtle file per project, organisation and code-list concept, an
    index browsing by region, fund, year and organisation, the vocabulary documentation,
    and the catalogue and dumps under OUT/download/. Serve OUT with any static web server.
    Without --from, builds INPUTS (the bundled samples when none) first.
    """
    if build_out is not None and inputs:
        raise click.UsageError("give either --from BUILD_OUT or INPUTS, not both")
    result = build_site(out, build_out=build_out, inputs=list(inputs), base=base)
    click.echo(f"site: {len(result.pages)} resource pages ({len(result.projects)} projects) in {result.folder}; "
               f"open {result.folder / 'index.html'}")
