"""``esrgraph validate``: check RDF files against the shapes, with findings in the formats CI systems read."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import click

from esrgraph.cli.common import CONTEXT

VALIDATE_EXIT_CODES = (
    "Exit codes: 0 nothing at or above --fail-on (warnings allowed by default), 1 findings at or above it, "
    "2 bad input or usage (unreadable file, unknown format), 3 internal error."
)


@click.command("validate", context_settings=CONTEXT, epilog=VALIDATE_EXIT_CODES)
@click.argument("graphs", nargs=-1, required=True, metavar="GRAPH...", type=click.Path(path_type=Path))
@click.option("--shapes", type=click.Path(path_type=Path), help="Shapes file or folder (esrgraph's own when not given).")
@click.option("--validator", type=click.Choice(["fast", "pyshacl"]), default="fast", show_default=True,
              help="fast: the shapes compiled to SPARQL on Oxigraph; pyshacl: the reference (slow on large graphs).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github", "sarif", "junit"]), default="text",
              show_default=True,
              help="github: workflow-command annotations; sarif: SARIF 2.1.0; junit: JUnit XML (a test case per record).")
@click.option("--output", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the findings in --format to FILE instead of standard output.")
@click.option("--fail-on", type=click.Choice(["violation", "warning", "info"], case_sensitive=False),
              default="violation", show_default=True, help="The lightest finding that makes the exit code 1.")
@click.option("--sources", "source_dirs", multiple=True, type=click.Path(path_type=Path, file_okay=False),
              metavar="DIR", help="Folder holding the records the graph was built from, to point findings at their "
                                  "lines (repeatable; default: the working folder).")
@click.option("--report", type=click.Path(path_type=Path), help="Also write the SHACL report as Turtle to this file.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Also write the SHACL report and the data-quality reports (quality-report.html...) into DIR.")
def validate_command(graphs: Sequence[Path], shapes: Path | None, validator: str, fmt: str, output: Path | None,
                     fail_on: str, source_dirs: Sequence[Path], report: Path | None, out_dir: Path | None) -> None:
    """Validate RDF files (or build folders) against the SHACL shapes, for people and for CI."""
    from esrgraph.io.atomic import atomic_write_bytes
    from esrgraph.validation.files import render, severity_named, validate_file

    if report is not None and len(graphs) > 1:
        raise click.UsageError("--report takes one GRAPH (it writes one SHACL report)")
    if out_dir is not None and len(graphs) > 1:
        raise click.UsageError("--out takes one GRAPH (it writes one set of reports)")
    level = severity_named(fail_on)
    outcomes = [validate_file(g, shapes, report, validator=validator, sources=source_dirs) for g in graphs]
    if out_dir is not None:
        from esrgraph.outputs import write_validation_outputs

        write_validation_outputs(outcomes[0], out_dir, shapes)
    rendered = render(outcomes, fmt, fail_on=level, shapes=shapes)
    if output is not None:
        atomic_write_bytes(output, rendered)
    else:
        sys.stdout.buffer.write(rendered)
        sys.stdout.flush()
    sys.exit(max(o.exit_code_at(level) for o in outcomes))
