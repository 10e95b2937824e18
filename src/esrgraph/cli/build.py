"""``esrgraph build``: parse, map, validate and write a build folder."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import click

from esrgraph.cli.common import CONTEXT, EXIT_CODES_HELP, echo_err
from esrgraph.core.findings import MAX_FINDINGS_SHOWN
from esrgraph.core.vocab import DEFAULT_BASE


@click.command("build", context_settings=CONTEXT, epilog=EXIT_CODES_HELP)
@click.argument("inputs", nargs=-1, type=click.Path(path_type=Path))
@click.option("-o", "--out", "out_dir", type=click.Path(path_type=Path), default=Path("out"), show_default=True,
              help="Folder for esrgraph.ttl and the validation reports.")
@click.option("--base", default=DEFAULT_BASE, show_default=True, help="Base IRI of projects and organisations.")
@click.option("--allow-example-base", is_flag=True,
              help="Write the release even when --base lies under a host meant for examples, tests or one machine "
                   "(example.org, data.example.fi, *.test, localhost, ...), which is refused otherwise (exit 2).")
@click.option("--include-personal-data", is_flag=True,
              help="Also write contact persons' names, e-mails and phones (left out by default).")
@click.option("--shapes", type=click.Path(path_type=Path), help="Validate with these SHACL shapes instead of ours.")
@click.option("--encoding", help="Input encoding (detected when not given).")
@click.option("--layout", help="Input layout (detected when not given).")
@click.option("-q", "--quiet", is_flag=True, help="Print only the summary line and violations.")
@click.option("--max-findings", type=click.IntRange(min=0), default=MAX_FINDINGS_SHOWN, show_default=True, metavar="N",
              help="Print the first N findings and count the rest by rule (0: print every one); all are in the reports.")
@click.option("--release", "release_name", metavar="NAME",
              help="Write a versioned release to OUT/releases/NAME/ (default: a snapshot in OUT/release/).")
@click.option("--publisher", "publisher_file", type=click.Path(path_type=Path), metavar="FILE",
              help="The catalogue's publisher facts (a copy of data/publisher.toml with your organisation's; "
                   "default: the bundled example, which the build names as such).")
@click.option("--download-base", metavar="URL", help="URL where OUT/ is published (catalogue download URLs).")
@click.option("--issued", metavar="YYYY-MM-DD", help="Release date for the catalogue (default: derived, never the clock).")
@click.option("--validator", type=click.Choice(["fast", "pyshacl"]), default="fast", show_default=True,
              help="fast: shapes compiled to SPARQL on Oxigraph; pyshacl: the reference validator (slow on large inputs).")
@click.option("--incremental", is_flag=True,
              help="Keep a build cache in OUT/.cache and redo only what changed: changed files are parsed again and, "
                   "on large (sharded) inputs, only changed shards mapped and validated again (automatic when OUT/.cache exists).")
@click.option("--ci-report", "ci_reports", multiple=True, type=click.Choice(["github", "sarif", "junit"]),
              help="Also write every finding for CI systems: OUT/validation-github.txt (workflow commands), "
                   "OUT/validation.sarif (SARIF 2.1.0), OUT/validation-junit.xml (JUnit). Repeatable.")
def build_command(inputs: Sequence[Path], out_dir: Path, base: str, allow_example_base: bool,
          include_personal_data: bool, shapes: Path | None,
          encoding: str | None, layout: str | None, quiet: bool, max_findings: int, release_name: str | None,
          download_base: str | None, issued: str | None, validator: str, incremental: bool,
          ci_reports: Sequence[str], publisher_file: Path | None) -> None:
    """Parse, map, validate and write the graph.

    INPUTS are files or folders (read recursively, OUT left out); with none, the bundled sample records.
    A build that finds no file to read, or can read none, writes nothing (exit 2).
    Writes OUT/esrgraph.ttl, OUT/validation-report.ttl and OUT/validation-report.json, and a
    release folder (dumps, ontology, shapes, catalog.ttl) in OUT/release/ or OUT/releases/NAME/.
    """
    from esrgraph.outputs import check_build_output, write_outputs
    from esrgraph.outputs.summary import build_summary
    from esrgraph.pipeline.build import build as run_build
    from esrgraph.pipeline.build import unread_error
    from esrgraph.pipeline.result import BuildOptions
    from esrgraph.publish.release import example_publisher

    options = BuildOptions(base=base, include_personal_data=include_personal_data,
                           shapes=str(shapes) if shapes else None, encoding=encoding, layout=layout,
                           release=release_name, download_base=download_base, issued=issued,
                           publisher_file=str(publisher_file) if publisher_file else None, validator=validator,
                           cache_dir=str(out_dir / ".cache") if incremental or (out_dir / ".cache").is_dir() else None)
    # an OUT that cannot be written, or a release under an example host, is refused before the work, not after
    check_build_output(out_dir, options, allow_example_base=allow_example_base)
    result = run_build(list(inputs), options, out_dir=out_dir)  # refuses inputs that hold nothing to read
    if result.read_nothing:  # every file failed: an empty graph must not replace OUT
        for failure in result.batch.failed_files:
            echo_err(f"FILE FAILED {failure.error}")
        raise unread_error(list(inputs), result)
    written = write_outputs(result, out_dir, options, ci_reports=ci_reports, allow_example_base=allow_example_base)
    click.echo(build_summary(result, written, quiet=quiet, max_findings=max_findings))
    notice = example_publisher(options)
    if notice:
        echo_err(f"note: {notice}")
    sys.exit(result.exit_code)
