"""``esrgraph parse``: what the parsers read, as JSON Lines or line coverage."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

import click

from esrgraph.cli.common import CONTEXT, EXIT_CODES_HELP, echo_err
from esrgraph.core.model import ProjectRecord


@click.command("parse", context_settings=CONTEXT, epilog=EXIT_CODES_HELP)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON Lines, one object per record (the default).")
@click.option("--coverage", is_flag=True, help="Print which input lines fed which field, and the lines no field used.")
@click.option("--encoding", help="Input encoding (detected when not given).")
@click.option("--layout", help="Input layout (detected when not given).")
def parse_command(files: Sequence[Path], as_json: bool, coverage: bool, encoding: str | None, layout: str | None) -> None:
    """Parse record files and print what was read, as JSON Lines."""
    from esrgraph.parsers.inputs import parse_paths

    batch = parse_paths(files, encoding=encoding, layout=layout)
    for record in batch.records:
        if coverage:
            click.echo(_coverage_text(record))
        else:
            click.echo(json.dumps(record.to_json(), ensure_ascii=False, sort_keys=False))
    for failure in batch.failed_files:
        echo_err(f"error: {failure.error}")
    for q in batch.quarantined:
        echo_err(f"quarantined: {q}")
    for record in batch.records:
        for problem in record.problems:
            echo_err(f"problem: {problem}")
    if batch.failed_files or batch.quarantined:
        sys.exit(2)
    if any(r.problems for r in batch.records):
        sys.exit(1)


def _coverage_text(record: ProjectRecord) -> str:
    lines = [f"# {record.label} ({record.source.layout}, {record.source.path})"]
    unused = 0
    for use in record.coverage:
        mark = use.field or "-- unused --"
        if use.field is None:
            unused += 1
        text = use.text if len(use.text) <= 60 else use.text[:57] + "..."
        lines.append(f"{use.line:5d}  {mark:32s}  {text}")
    lines.append(f"# {len(record.coverage)} lines, {unused} unused")
    return "\n".join(lines)
