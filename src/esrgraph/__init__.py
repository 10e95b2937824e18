"""esrgraph: EU structural-fund project records as a validated, linked knowledge graph."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("esrgraph")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+unknown"

from esrgraph.parsing import parse_file, parse_paths  # noqa: E402

__all__ = ["__version__", "parse_file", "parse_paths"]
