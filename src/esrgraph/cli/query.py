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
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "tsv", "json", "xml", "parquet"]),
              default="table", show_default=True,
              help="parquet (typed columns, for pandas, polars, R, DuckDB) needs --output and esrgraph[research].")
@click.option("-o", "--output", type=click.Path(path_type=Path), metavar="FILE",
              help="Write the answer to FILE (atomically) instead of standard output.")
@click.option("-p", "--param", "params", multiple=True, metavar="NAME=VALUE",
              help="Set the query's `VALUES ?NAME { ... }` line to VALUE (repeatable).")
@click.option("--cache/--no-cache", default=True, show_default=True,
              help="On a build folder, answer from the answers kept for its graph (OUT/.store/answers/) and keep "
                   "new ones; --no-cache runs the query on the store every time.")
def query_command(graph: Path | None, query_file: Path | None, expression: str | None, name: str | None,
          endpoint: str | None, fmt: str, output: Path | None, params: Sequence[str], cache: bool) -> None:
    """Answer a SPARQL query on GRAPH (an RDF file or a build folder).

    A build folder is queried on its persistent store (OUT/.store/, made by the build or the first query).

    Give the query as QUERY_FILE, as -e TEXT, or as --name NAME.
    """
    from esrgraph.core.errors import UsageError
    from esrgraph.sparql import answers
    from esrgraph.sparql.queries import ResultFormat, bind_parameters, format_results, get_named_query

    if fmt == "parquet" and (output is None or str(output) == "-"):
        raise UsageError("--format parquet writes a binary file: name it with --output FILE (e.g. -o answer.parquet)")
    given = [x for x in (query_file, expression, name) if x]
    if len(given) != 1:
        raise UsageError("give exactly one of QUERY_FILE, -e SPARQL or --name NAME")
    named = get_named_query(name) if name else None
    if query_file:
        sparql = _read_query_file(query_file)
    elif named:
        sparql = named.sparql
    else:
        sparql = expression or ""
    if params:
        pairs = [p.partition("=") for p in params]
        if any(not sep or not key for key, sep, _ in pairs):
            raise UsageError("give --param as NAME=VALUE, e.g. --param date=2019-01-01")
        sparql = bind_parameters(sparql, {key: value for key, _, value in pairs})
    if endpoint and fmt == "parquet" and output is not None:
        answers.query_endpoint(endpoint, sparql).write_parquet(output)
        return
    if endpoint:
        from esrgraph.sparql.remote import query_endpoint

        _emit(query_endpoint(endpoint, sparql, ResultFormat(fmt)), output)
        return
    if graph is None:
        raise UsageError("name the GRAPH file (or --endpoint URL)")
    result = answers.answer_on(graph, sparql, named=named, cached=cache,
                               notice=lambda message: click.echo(f"esrgraph: {message}", err=True))
    if fmt == "parquet" and output is not None:
        answers.Answer.from_result(result, sparql).write_parquet(output)
        return
    _emit(format_results(result, ResultFormat(fmt)), output)


def _emit(text: str, output: Path | None) -> None:
    """``text`` to standard output, or atomically to ``output`` (``-`` is standard output)."""
    if output is None or str(output) == "-":
        click.echo(text, nl=False)
        return
    from esrgraph.io.atomic import atomic_write_text

    atomic_write_text(output, text)


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
