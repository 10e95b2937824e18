"""The ``esrgraph`` command: a thin click shell over the library.

Each command parses its options, calls one library function and prints the result.
Exit codes: 0 the data conforms (warnings allowed), 1 violations found, 2 bad input or
usage, 3 internal error (a bug: please report it).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path

import click

from esrgraph import __version__
from esrgraph.errors import EsrgraphError
from esrgraph.findings import MAX_FINDINGS_SHOWN
from esrgraph.vocab import DEFAULT_BASE

EXIT_CODES_HELP = (
    "Exit codes: 0 conforms (warnings allowed), 1 violations found, "
    "2 bad input or usage (unreadable file, quarantined record), 3 internal error."
)
ISSUE_HINT = "This is a bug in esrgraph; please report it with the command you ran (rerun with ESRGRAPH_DEBUG=1 for details)."

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


#: Commands that live in their own modules: "name" -> "module:attribute", imported on first use
#: so that `esrgraph --help` and the core commands start fast.
LAZY_COMMANDS: dict[str, str] = {
    "serve": "esrgraph.serve:serve_command",
    "push": "esrgraph.remote:push_command",
    "site": "esrgraph.site:site_command",
    "quality": "esrgraph.quality:quality_command",
}


class LazyGroup(click.Group):
    """A click group whose extra commands are imported only when used or listed."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(LAZY_COMMANDS))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_COMMANDS:
            import importlib

            module_name, _, attribute = LAZY_COMMANDS[cmd_name].partition(":")
            command: click.Command = getattr(importlib.import_module(module_name), attribute)
            return command
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, context_settings=CONTEXT, epilog=EXIT_CODES_HELP)
@click.version_option(__version__, "-V", "--version", prog_name="esrgraph")
def cli() -> None:
    """Turn ESR/EAKR project records into a validated, linked RDF knowledge graph."""


def _echo_err(text: str) -> None:
    click.echo(text, err=True)


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON Lines, one object per record (the default).")
@click.option("--coverage", is_flag=True, help="Print which input lines fed which field, and the lines no field used.")
@click.option("--encoding", help="Input encoding (detected when not given).")
@click.option("--layout", help="Input layout (detected when not given).")
def parse(files: Sequence[Path], as_json: bool, coverage: bool, encoding: str | None, layout: str | None) -> None:
    """Parse record files and print what was read, as JSON Lines."""
    from esrgraph.parsing import parse_paths

    batch = parse_paths(files, encoding=encoding, layout=layout)
    for record in batch.records:
        if coverage:
            click.echo(_coverage_text(record))
        else:
            click.echo(json.dumps(record.to_json(), ensure_ascii=False, sort_keys=False))
    for failure in batch.failed_files:
        _echo_err(f"error: {failure.error}")
    for q in batch.quarantined:
        _echo_err(f"quarantined: {q}")
    for record in batch.records:
        for problem in record.problems:
            _echo_err(f"problem: {problem}")
    if batch.failed_files or batch.quarantined:
        sys.exit(2)
    if any(r.problems for r in batch.records):
        sys.exit(1)


def _coverage_text(record) -> str:  # type: ignore[no-untyped-def]
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


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("inputs", nargs=-1, type=click.Path(path_type=Path))
@click.option("-o", "--out", "out_dir", type=click.Path(path_type=Path), default=Path("out"), show_default=True,
              help="Folder for esrgraph.ttl and the validation reports.")
@click.option("--base", default=DEFAULT_BASE, show_default=True, help="Base IRI of projects and organisations.")
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
@click.option("--download-base", metavar="URL", help="URL where OUT/ is published (catalogue download URLs).")
@click.option("--issued", metavar="YYYY-MM-DD", help="Release date for the catalogue (default: derived, never the clock).")
@click.option("--validator", type=click.Choice(["fast", "pyshacl"]), default="fast", show_default=True,
              help="fast: shapes compiled to SPARQL on Oxigraph; pyshacl: the reference validator (slow on large inputs).")
@click.option("--incremental", is_flag=True,
              help="Keep a build cache in OUT/.cache and redo only what changed: changed files are parsed again and, "
                   "on large (sharded) inputs, only changed shards mapped and validated again (automatic when OUT/.cache exists).")
def build(inputs: Sequence[Path], out_dir: Path, base: str, include_personal_data: bool, shapes: Path | None,
          encoding: str | None, layout: str | None, quiet: bool, max_findings: int, release_name: str | None,
          download_base: str | None, issued: str | None, validator: str, incremental: bool) -> None:
    """Parse, map, validate and write the graph.

    INPUTS are files or folders (read recursively); with none, the bundled sample records.
    Writes OUT/esrgraph.ttl, OUT/validation-report.ttl and OUT/validation-report.json, and a
    release folder (dumps, ontology, shapes, catalog.ttl) in OUT/release/ or OUT/releases/NAME/.
    """
    from esrgraph.build import BuildOptions, build as run_build, write_outputs
    from esrgraph.summary import build_summary

    options = BuildOptions(base=base, include_personal_data=include_personal_data,
                           shapes=str(shapes) if shapes else None, encoding=encoding, layout=layout,
                           release=release_name, download_base=download_base, issued=issued,
                           validator=validator,
                           cache_dir=str(out_dir / ".cache") if incremental or (out_dir / ".cache").is_dir() else None)
    result = run_build(list(inputs), options)
    written = write_outputs(result, out_dir, options)
    click.echo(build_summary(result, written, quiet=quiet, max_findings=max_findings))
    sys.exit(result.exit_code)


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("graph", type=click.Path(path_type=Path))
@click.option("--shapes", type=click.Path(path_type=Path), help="Shapes file or folder (esrgraph's own when not given).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--report", type=click.Path(path_type=Path), help="Also write the SHACL report as Turtle to this file.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Also write the SHACL report and the data-quality reports (quality-report.html...) into DIR.")
def validate(graph: Path, shapes: Path | None, fmt: str, report: Path | None, out_dir: Path | None) -> None:
    """Validate any RDF file against the SHACL shapes (for CI)."""
    from esrgraph.validate_file import validate_file

    outcome = validate_file(graph, shapes, report, out_dir)
    if fmt == "json":
        click.echo(json.dumps(outcome.to_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(outcome.text())
    sys.exit(outcome.exit_code)


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("graph", required=False, type=click.Path(path_type=Path))
@click.argument("query_file", required=False, type=click.Path(path_type=Path))
@click.option("-e", "--expression", help="SPARQL text to run.")
@click.option("-n", "--name", help="A named query (see `esrgraph queries`).")
@click.option("--endpoint", help="Run on this remote SPARQL query endpoint instead of a local file.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json", "xml"]), default="table",
              show_default=True)
@click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE",
              help="Set the query's `VALUES ?NAME { ... }` line to VALUE (repeatable).")
def query(graph: Path | None, query_file: Path | None, expression: str | None, name: str | None,
          endpoint: str | None, fmt: str, params: Sequence[str]) -> None:
    """Answer a SPARQL query on GRAPH (an RDF file or a build folder).

    Give the query as QUERY_FILE, as -e TEXT, or as --name NAME.
    """
    from esrgraph.errors import UsageError
    from esrgraph.query import ResultFormat, bind_parameters, format_results, get_named_query, load_store, run_query

    given = [x for x in (query_file, expression, name) if x]
    if len(given) != 1:
        raise UsageError("give exactly one of QUERY_FILE, -e SPARQL or --name NAME")
    if query_file:
        sparql = Path(query_file).read_text(encoding="utf-8")
    elif name:
        sparql = get_named_query(name).sparql
    else:
        sparql = expression or ""
    if params:
        pairs = [p.partition("=") for p in params]
        if any(not sep or not key for key, sep, _ in pairs):
            raise UsageError("give --param as NAME=VALUE, e.g. --param date=2019-01-01")
        sparql = bind_parameters(sparql, {key: value for key, _, value in pairs})
    if endpoint:
        from esrgraph.remote import query_endpoint

        click.echo(query_endpoint(endpoint, sparql, ResultFormat(fmt)), nl=False)
        return
    if graph is None:
        raise UsageError("name the GRAPH file (or --endpoint URL)")
    store = load_store(graph)
    click.echo(format_results(run_query(store, sparql), ResultFormat(fmt)), nl=False)


@cli.command()
def queries() -> None:
    """List the named queries with a one-line description."""
    from esrgraph.query import named_queries

    for q in named_queries().values():
        click.echo(f"{q.name:32s} {q.title}")


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: run the CLI, turning our errors into messages and exit codes."""
    import os

    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="esrgraph", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(2)
    except click.exceptions.Abort:
        _echo_err("aborted")
        sys.exit(2)
    except EsrgraphError as exc:
        _echo_err(f"error: {exc}")
        sys.exit(exc.exit_code)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        _echo_err("interrupted")
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as exc:  # the last line of defence: no traceback for users
        if os.environ.get("ESRGRAPH_DEBUG"):
            raise
        _echo_err(f"internal error: {type(exc).__name__}: {exc}")
        _echo_err(ISSUE_HINT)
        sys.exit(3)
    sys.exit(0)


if __name__ == "__main__":  # pragma: no cover
    main()
