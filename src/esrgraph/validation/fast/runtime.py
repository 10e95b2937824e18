"""Running the compiled checks: the graph bulk-loaded into an Oxigraph store, then checked.

docs/decisions/20261123-fast-validation.md says why the checks run on Oxigraph.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pyoxigraph import RdfFormat, Store, Triple

if TYPE_CHECKING:
    from esrgraph.validation.report import Locator, ValidationReport


def store_of(ntriples: bytes | Path) -> Store:
    """An in-memory Oxigraph store holding the graph (bulk-loaded from its N-Triples, or from
    the N-Triples file ``ntriples``, which is then not held in memory as well).

    ``lenient``: the text comes from pyoxigraph's own writer, whose terms were checked when
    they were made, so checking every IRI again only costs time (about 5 %).
    """
    store = Store()
    if isinstance(ntriples, Path):
        store.bulk_load(path=str(ntriples), format=RdfFormat.N_TRIPLES, lenient=True)
    elif ntriples:
        store.bulk_load(input=ntriples, format=RdfFormat.N_TRIPLES, lenient=True)
    return store


def validate_fast(
    triples: Sequence[Triple],
    ntriples: bytes,
    shapes: str | None,
    locate: Locator | None,
) -> ValidationReport:
    """Validate with the compiled shapes on Oxigraph; pyshacl only for shapes that need it."""
    from esrgraph.validation.fast.compiler import compile_shapes
    from esrgraph.validation.report import triples_to_rdflib

    validator = compile_shapes(shapes)
    as_rdflib: Callable[[], object] = lambda: triples_to_rdflib(triples)  # noqa: E731
    return validator.validate(store_of(ntriples), locate=locate, pyshacl_graph=as_rdflib)  # type: ignore[arg-type]
