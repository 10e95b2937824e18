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
@click.option("--allow-example-base", is_flag=True,
              help="Push even when the data's base IRI or --graph lies under a host meant for examples, tests or one "
                   "machine (example.org, data.example.fi, localhost, ...), which is refused otherwise (exit 2).")
def push_command(graph: Path, store: str, graph_iri: str | None, replace: bool, timeout: float,
                 allow_example_base: bool) -> None:
    """Load GRAPH (an RDF file or a build folder) into a triple store through the SPARQL 1.1 Graph Store Protocol.

    Data built under a base meant for examples (read off GRAPH's first project IRI) is refused unless
    --allow-example-base, before anything is sent.
    """
    from esrgraph.publish.release import check_release_base, published_base

    base = published_base(graph)
    if base is not None:
        check_release_base(base, allow_example_base, what=f"{graph}: its data's base",
                           fix="build it again with --base under a domain you publish at")
    if graph_iri is not None:
        check_release_base(graph_iri, allow_example_base, what="--graph",
                           fix="name the graph with an IRI under a domain you publish at")
    status, url = push_graph(graph, store, graph_iri, replace, timeout)
    target = f"graph <{graph_iri}>" if graph_iri else "the default graph"
    click.echo(f"{'replaced' if replace else 'added to'} {target} at {url} (HTTP {status})")
