"""The main job: inputs -> records -> one merged, mapped, validated graph.

Each stage reports what it found as ``Finding``s; nothing read is dropped without a
finding or a quarantine entry, and the counts add up: records found = records built +
records quarantined. Large inputs take the sharded path (``pipeline.sharded``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from esrgraph.core.findings import Finding
from esrgraph.io.export import serialize_triples
from esrgraph.io.formats import OutputFormat
from esrgraph.pipeline.result import VALIDATORS, BuildOptions, BuildResult, _locator
from esrgraph.pipeline.stages import build_records, cyclic_gc_paused
from esrgraph.validation.report import triples_to_rdflib, validate_graph


def default_inputs() -> list[Path]:
    """The bundled sample records (``data/samples``)."""
    from esrgraph.core.resources import resource_dir

    return [resource_dir("data") / "samples"]


def build(inputs: Sequence[str | os.PathLike[str]] | None = None, options: BuildOptions | None = None) -> BuildResult:
    """Parse, merge, map and validate ``inputs`` (the bundled samples when None).

    Returns:
        A BuildResult; ``result.exit_code`` is 0 (conforms), 1 (violations) or 2 (bad input).
    """
    with cyclic_gc_paused():
        return _build(inputs, options)


def _build(inputs: Sequence[str | os.PathLike[str]] | None, options: BuildOptions | None) -> BuildResult:
    import time

    options = options or BuildOptions()
    if options.validator not in VALIDATORS:
        from esrgraph.core.errors import UsageError

        raise UsageError(f"unknown validator {options.validator!r}; choose one of {', '.join(VALIDATORS)}")
    timings: dict[str, float] = {}
    start = time.perf_counter()
    from esrgraph.io.sources import iter_input_files
    from esrgraph.pipeline.parse_pool import parse_files
    from esrgraph.pipeline.sharded.build import build_sharded
    from esrgraph.pipeline.sharded.layout import wants_shards

    files = [(str(path), shown) for path, shown in iter_input_files(inputs if inputs else default_inputs())]
    if wants_shards(len(files), options):
        return build_sharded(files, options)
    batch = parse_files(files, options)
    timings["parse"] = time.perf_counter() - start
    start = time.perf_counter()
    projects, triples, findings, quarantined, withheld, organisations = build_records(batch.records, options)
    quarantined = batch.quarantined + quarantined
    timings["map"] = time.perf_counter() - start
    start = time.perf_counter()
    ntriples = None
    if options.validator == "fast":
        from esrgraph.validation.fast import validate_fast

        ntriples = serialize_triples(triples, OutputFormat.NTRIPLES, presorted=True)
        validation = validate_fast(triples, ntriples, options.shapes, _locator(batch.records))
    else:
        validation = validate_graph(triples_to_rdflib(triples), options.shapes, locate=_locator(batch.records))
    all_findings = sorted(findings + validation.findings, key=Finding.sort_key)
    timings["validate"] = time.perf_counter() - start
    return BuildResult(
        batch=batch,
        projects=projects,
        triples=triples,
        findings=all_findings,
        validation=validation,
        quarantined=quarantined,
        withheld=withheld,
        organisations=organisations,
        base=options.base,
        ntriples=ntriples,
        timings=timings,
    )
