"""``esrgraph quality``: write a build folder's data-quality reports again."""

from __future__ import annotations

from pathlib import Path

import click

from esrgraph.cli.common import CONTEXT
from esrgraph.quality import write_quality_reports
from esrgraph.quality.report import from_folder


@click.command("quality", context_settings=CONTEXT,
               epilog="Exit codes: 0 conforms (warnings allowed), 1 violations found, 2 bad input or usage.")
@click.argument("out_dir", metavar="OUT", type=click.Path(path_type=Path, file_okay=False))
@click.option("--to", "to_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Write the reports here instead of into OUT.")
@click.option("--examples", default=10, show_default=True, type=click.IntRange(min=0),
              help="Examples shown per rule in the HTML page (fix-list.csv always has all).")
@click.option("--site-links/--no-site-links", "site", default=None,
              help="Link each example to site/project/<code>.html (default: when OUT/site/project/ exists).")
def quality_command(out_dir: Path, to_dir: Path | None, examples: int, site: bool | None) -> None:
    """Write the data-quality reports of build folder OUT again.

    Reads OUT/validation-report.json and OUT/esrgraph.ttl; writes quality-report.html,
    fix-list.csv, quality-summary.md, quality.ttl, unknown-values.csv and name-groups.csv
    (into OUT, or --to DIR).
    """
    import sys

    report = from_folder(out_dir)
    written = write_quality_reports(report, to_dir or out_dir, examples=examples, site=site)
    counts = report.counts()
    click.echo(f"quality: {'conforms' if report.conforms else 'DOES NOT CONFORM'} "
               f"({counts['Violation']} violations, {counts['Warning']} warnings, {counts['Info']} notes)")
    click.echo("wrote: " + ", ".join(str(p) for p in written))
    sys.exit(0 if report.conforms else 1)
