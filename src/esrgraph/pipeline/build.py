"""The main job: inputs -> records -> one merged, mapped, validated graph.

Each stage reports what it found as ``Finding``s; nothing read is dropped without a
finding or a quarantine entry, and the counts add up: records found = records built +
records quarantined. Large inputs take the sharded path (``pipeline.sharded``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from esrgraph.core.errors import InputError
from esrgraph.core.findings import Finding
from esrgraph.io.export import serialize_triples
from esrgraph.io.formats import OutputFormat
from esrgraph.pipeline.result import GRAPH_FILES, VALIDATORS, BuildOptions, BuildResult, _locator
from esrgraph.pipeline.stages import build_records, cyclic_gc_paused
from esrgraph.validation.report import triples_to_rdflib, validate_graph


def default_inputs() -> list[Path]:
    """The bundled sample records (``data/samples``)."""
    from esrgraph.core.resources import resource_dir

    return [resource_dir("data") / "samples"]


def build(inputs: Sequence[str | os.PathLike[str]] | None = None, options: BuildOptions | None = None, *,
          out_dir: str | os.PathLike[str] | None = None) -> BuildResult:
    """Parse, merge, map and validate ``inputs`` (the bundled samples when None).

    ``out_dir``: the folder the outputs will be written to. A folder walk skips it, so a build never
    reads its own outputs back, and naming it as an input is refused.

    Returns:
        A BuildResult; ``result.exit_code`` is 0 (conforms), 1 (violations) or 2 (bad input).
        ``result.read_nothing`` says that no input file could be read: do not write it over a build.

    Raises:
        InputError: an input named does not exist, is ``out_dir``, or the inputs hold no file to read.
    """
    with cyclic_gc_paused():
        return _build(inputs, options, out_dir)


def list_inputs(inputs: Sequence[str | os.PathLike[str]], out_dir: str | os.PathLike[str] | None = None
                ) -> list[tuple[str, str]]:
    """The input files (path, display name) of a build of ``inputs``, ``out_dir`` left out.

    Refuses (InputError) what would build nothing from what the user meant: a path that does not
    exist (mistyped), the output folder itself, and inputs that hold no file esrgraph reads (an
    empty folder, a folder of other files): each would replace a good build with an empty graph.
    """
    from esrgraph.io.sources import INPUT_SUFFIXES, iter_input_files

    nothing_built = "nothing was built or written"
    for item in inputs:
        if not os.path.exists(item):
            raise InputError(os.fspath(item), "no such file or folder", f"check the path; {nothing_built}")
        if out_dir is not None and os.path.isdir(item) and os.path.isdir(out_dir) and os.path.samefile(item, out_dir):
            raise InputError(os.fspath(item), "is the output folder of this build, not a folder of records",
                             f"name the folder of input records, or write the outputs elsewhere with -o; {nothing_built}")
        if out_dir is not None and os.path.isdir(out_dir) and Path(item).resolve().is_relative_to(Path(out_dir).resolve()):
            # OUT/quarantine/records among them: the build replaces OUT/quarantine, so it would delete its own input
            raise InputError(os.fspath(item), "lies inside the output folder, which this build replaces",
                             f"copy the records out of it first (cp -r OUT/quarantine/records fixed/) or write the "
                             f"outputs elsewhere with -o; {nothing_built}")
    files = [(str(path), shown) for path, shown in iter_input_files(inputs, exclude=[out_dir] if out_dir else [])]
    if not files:
        raise InputError(", ".join(os.fspath(item) for item in inputs),
                         f"holds no input file: esrgraph reads the {', '.join(INPUT_SUFFIXES)} files in a folder",
                         f"name the folder of ESR records, or the files themselves; {nothing_built}")
    return files


def unread_error(inputs: Sequence[str | os.PathLike[str]], result: BuildResult) -> InputError:
    """The error for a build that read no input file (``result.read_nothing``): every file failed."""
    failed = result.batch.failed_files
    first = f", the first {failed[0].path}: {failed[0].error.message}" if failed else ""
    return InputError(", ".join(os.fspath(item) for item in inputs) if inputs else "the bundled samples",
                      f"no input file could be read: {len(failed)} failed{first}",
                      "fix or replace the files that failed; nothing was written, the previous outputs are as they were")


def _build(inputs: Sequence[str | os.PathLike[str]] | None, options: BuildOptions | None,
           out_dir: str | os.PathLike[str] | None = None) -> BuildResult:
    import time

    options = options or BuildOptions()
    if options.validator not in VALIDATORS:
        from esrgraph.core.errors import UsageError

        raise UsageError(f"unknown validator {options.validator!r}; choose one of {', '.join(VALIDATORS)}")
    timings: dict[str, float] = {}
    start = time.perf_counter()
    from esrgraph.io.sources import max_input_bytes
    from esrgraph.pipeline.parse_pool import parse_files
    from esrgraph.pipeline.sharded.build import build_sharded
    from esrgraph.pipeline.sharded.layout import wants_shards

    max_input_bytes()  # a bad ESRGRAPH_MAX_INPUT_BYTES fails here, once, not in every file
    files = list_inputs(list(inputs) if inputs else default_inputs(), out_dir)
    if wants_shards(len(files), options):
        return build_sharded(files, options, [Path(out_dir) / name for name in GRAPH_FILES] if out_dir else [])
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
