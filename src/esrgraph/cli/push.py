"""``esrgraph push``: load a graph into a triple store (Graph Store Protocol)."""

from __future__ import annotations

from pathlib import Path

import click

from esrgraph.cli.common import CONTEXT
from esrgraph.sparql.remote import DEFAULT_TIMEOUT, push_graph


@click.command("push", context_settings=CONTEXT)
@click.argument("graph", type=click.Path(path_type=Path))
@click.option("--store", required=True, help="The store's Graph Store Protocol URL (Oxigraph: http://127.0.0.1:7878/store).")
@click.option("--graph", "graph_iri", help="Load into this named graph (the default graph when not given).")
@click.option("--replace", is_flag=True, help="Replace the graph's content (PUT) instead of adding to it (POST).")
@click.option("--timeout", default=DEFAULT_TIMEOUT, show_default=True, type=float, help="Seconds to wait for the store.")
def push_command(graph: Path, store: str, graph_iri: str | None, replace: bool, timeout: float) -> None:
    """Load GRAPH (an RDF file or a build folder) into a triple store through the SPARQL 1.1 Graph Store Protocol."""
    status, url = push_graph(graph, store, graph_iri, replace, timeout)
    target = f"graph <{graph_iri}>" if graph_iri else "the default graph"
    click.echo(f"{'replaced' if replace else 'added to'} {target} at {url} (HTTP {status})")
