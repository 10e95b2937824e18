"""Fast SHACL validation: the shapes compiled to SPARQL (``compiler``) and run on Oxigraph (``runtime``),
with pyshacl's per-value rules re-checking the uncertain values (``value_checks``).

The two entry points that compile and then run live here, above both halves, so that the compiler
may build on the runtime without the runtime importing the compiler back.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import rdflib
from pyoxigraph import Store, Triple

from esrgraph.validation.fast.compiler import compile_shapes
from esrgraph.validation.fast.runtime import store_of
from esrgraph.validation.report import Locator, ValidationReport, triples_to_rdflib


def validate_store(store: Store, shapes: str | os.PathLike[str] | None = None, *, locate: Locator | None = None) -> ValidationReport:
    """Compile the shapes and validate ``store``: the fast twin of ``report.validate_graph``."""
    return compile_shapes(shapes).validate(store, locate=locate)


def validate_fast(
    triples: Sequence[Triple],
    ntriples: bytes,
    shapes: str | None,
    locate: Locator | None,
) -> ValidationReport:
    """Validate with the compiled shapes on Oxigraph; pyshacl only for shapes that need it."""
    validator = compile_shapes(shapes)

    def as_rdflib() -> rdflib.Graph:
        return triples_to_rdflib(triples)

    return validator.validate(store_of(ntriples), locate=locate, pyshacl_graph=as_rdflib)
