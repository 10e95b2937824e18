"""``esrgraph query`` and ``esrgraph queries``: SPARQL on a built graph or an endpoint."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from esrgraph.cli.common import CONTEXT, EXIT_CODES_HELP


@click.command("query", context_settings=CONTEXT, epilog=EXIT_CODES_HELP)
@click.argument("graph", required=False, type=click.Path(path_type=Path))
@click.argument("query_file", required=False, type=click.Path(path_type=Path))
@click.option("-e", "--expression", help="SPARQL text to run.")
@click.option("-n", "--name", help="A named query (see `esrgraph queries`).")
@click.option("--endpoint", help="Run on this remote SPARQL query endpoint instead of a local file.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json", "xml"]), default="table",
              show_default=True)
@click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE",
              help="Set the query's `VALUES ?NAME { ... }` line to VALUE (repeatable).")
def query_command(graph: Path | None, query_file: Path | None, expression: str | None, name: str | None,
          endpoint: str | None, fmt: str, params: Sequence[str]) -> None:
    """Answer a SPARQL query on GRAPH (an RDF file or a build folder).

    Give the query as QUERY_FILE, as -e TEXT, or as --name NAME.
    """
    from esrgraph.core.errors import UsageError
    from esrgraph.sparql.queries import (
        ResultFormat,
        bind_parameters,
        format_results,
        get_named_query,
        load_store,
        run_query,
    )

    given = [x for x in (query_file, expression, name) if x]
    if len(given) != 1:
        raise UsageError("give exactly one of QUERY_FILE, -e SPARQL or --name NAME")
    if query_file:
        sparql = _read_query_file(query_file)
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
        from esrgraph.sparql.remote import query_endpoint

        click.echo(query_endpoint(endpoint, sparql, ResultFormat(fmt)), nl=False)
        return
    if graph is None:
        raise UsageError("name the GRAPH file (or --endpoint URL)")
    store = load_store(graph)
    click.echo(format_results(run_query(store, sparql), ResultFormat(fmt)), nl=False)


def _read_query_file(path: Path) -> str:
    """The SPARQL text of ``path``; a user fault naming it when it cannot be read."""
    from esrgraph.core.errors import InputError

    hint = "check the path, or give the query with -e SPARQL or --name NAME; `esrgraph queries` lists the names"
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(str(path), "query file not found", hint) from None
    except IsADirectoryError:
        raise InputError(str(path), "is a folder, not a query file", hint) from None
    except UnicodeDecodeError as exc:
        raise InputError(str(path), f"not UTF-8 text (byte {exc.start})", "save the query as UTF-8") from None
    except OSError as exc:
        raise InputError(str(path), f"cannot be read: {exc.strerror}", hint) from None


@click.command("queries", context_settings=CONTEXT)
def queries_command() -> None:
    """List the named queries with a one-line description."""
    from esrgraph.sparql.queries import named_queries

    for q in named_queries().values():
        click.echo(f"{q.name:32s} {q.title}")
