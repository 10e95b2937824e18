"""esrgraph: EU structural-fund project records as a validated, linked knowledge graph.

The library API (the ``esrgraph`` command is a thin shell over it)::

    >>> import esrgraph
    >>> outcome = esrgraph.parse_file("data/samples/S21093.txt")
    >>> outcome.records[0].funding.eu_state_granted
    Decimal('199775')
    >>> result = esrgraph.run_build(["data/samples"])      # parse, merge, map, validate
    >>> result.exit_code, len(result.projects)
    (0, 5)
    >>> paths = esrgraph.write_outputs(result, "out")       # doctest: +SKIP

``build_graph(records)`` maps records that are already parsed, and ``validate_graph(graph)``
checks any rdflib graph against the shapes. Heavy modules load on first use; ``run_build`` is
``esrgraph.pipeline.build.build``.
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
}

__all__ = ["__version__", "parse_file", "parse_paths", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attribute = _LAZY[name]
        return getattr(importlib.import_module(module), attribute)
    raise AttributeError(f"module 'esrgraph' has no attribute {name!r}")
