"""``esrgraph validate``: check any RDF file against the shapes."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from esrgraph.cli.common import CONTEXT, EXIT_CODES_HELP


@click.command("validate", context_settings=CONTEXT, epilog=EXIT_CODES_HELP)
@click.argument("graph", type=click.Path(path_type=Path))
@click.option("--shapes", type=click.Path(path_type=Path), help="Shapes file or folder (esrgraph's own when not given).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--report", type=click.Path(path_type=Path), help="Also write the SHACL report as Turtle to this file.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Also write the SHACL report and the data-quality reports (quality-report.html...) into DIR.")
def validate_command(graph: Path, shapes: Path | None, fmt: str, report: Path | None, out_dir: Path | None) -> None:
    """Validate any RDF file against the SHACL shapes (for CI)."""
    from esrgraph.validation.files import validate_file

    outcome = validate_file(graph, shapes, report)
    if out_dir is not None:
        from esrgraph.outputs import write_validation_outputs

        write_validation_outputs(outcome, out_dir, shapes)
    if fmt == "json":
        click.echo(json.dumps(outcome.to_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(outcome.text())
    sys.exit(outcome.exit_code)
