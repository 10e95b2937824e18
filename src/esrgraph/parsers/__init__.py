"""One parser module per input layout, found through :mod:`esrgraph.parsers.registry`."""
