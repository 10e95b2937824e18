"""``esrgraph site``: a static linked-data site."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from esrgraph.cli.common import CONTEXT
from esrgraph.publish.site import build_site


@click.command("site", context_settings=CONTEXT)
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
