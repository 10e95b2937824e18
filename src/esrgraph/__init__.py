"""esrgraph: EU structural-fund project records as a validated, linked knowledge graph.

The library API (the ``esrgraph`` command is a thin shell over it)::

    >>> import esrgraph
    >>> outcome = esrgraph.parse_file("data/samples/S21093.txt")
    >>> outcome.records[0].funding.eu_state_granted
    Decimal('199775')
    >>> result = esrgraph.run_build(["data/samples"])      # parse, merge, map, validate
    >>> result.exit_code, len(result.projects)
    (0, 5)
    >>> import shutil, tempfile
    >>> out = tempfile.mkdtemp()
    >>> paths = esrgraph.write_outputs(result, out)         # the build folder: esrgraph.ttl, reports ...
    >>> answer = esrgraph.query(out, name="funding-by-fund")   # a named query, or SPARQL text
    >>> answer.variables
    ('fund', 'fundCode', 'projects', 'grantedTotal', 'realisedTotal')
    >>> answer.rows[0]["projects"], answer.rows[0]["grantedTotal"]
    (5, Decimal('797931'))
    >>> frame = answer.to_pandas()                          # doctest: +SKIP
    >>> answer.write_parquet("funding.parquet")             # doctest: +SKIP
    >>> shutil.rmtree(out)

``build_graph(records)`` maps records that are already parsed, and ``validate_graph(graph)``
checks any rdflib graph against the shapes. ``query(graph, sparql, name=, params=)`` answers SPARQL
on an RDF file, a build folder or a store from ``open_graph(path)`` (open once, ask many), with
values typed by their datatypes; ``to_pandas()``, ``to_arrow()`` and ``write_parquet()`` need the
``research`` extra (``pip install 'esrgraph[research]'``). ``named_queries()`` lists the shipped
queries. Heavy modules load on first use; ``run_build`` is ``esrgraph.pipeline.build.build``.
"""

from __future__ import annotations

from typing import Any

from esrgraph.core.version import __version__
from esrgraph.parsers.inputs import parse_file, parse_paths

_LAZY = {
    "run_build": ("esrgraph.pipeline.build", "build"),
    "build_graph": ("esrgraph.pipeline.stages", "build_graph"),
    "write_outputs": ("esrgraph.outputs", "write_outputs"),
    "BuildOptions": ("esrgraph.pipeline.result", "BuildOptions"),
    "validate_graph": ("esrgraph.validation.report", "validate_graph"),
    "validate_file": ("esrgraph.validation.files", "validate_file"),
    "Severity": ("esrgraph.core.findings", "Severity"),
    "query": ("esrgraph.sparql.answers", "query"),
    "open_graph": ("esrgraph.sparql.answers", "open_graph"),
    "Answer": ("esrgraph.sparql.answers", "Answer"),
    "named_queries": ("esrgraph.sparql.queries", "named_queries"),
}

__all__ = ["__version__", "parse_file", "parse_paths", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attribute = _LAZY[name]
        return getattr(importlib.import_module(module), attribute)
    raise AttributeError(f"module 'esrgraph' has no attribute {name!r}")
