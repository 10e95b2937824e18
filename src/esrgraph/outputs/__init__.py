"""Write everything a build produces: graph, SHACL reports, quality report, quarantine, release.

This module sits above ``pipeline``, ``quality`` and ``publish``: the orchestrator returns a
``BuildResult`` and the writers read it, never the other way round.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from pyoxigraph import Store

from esrgraph.core.errors import EnvironmentFault, InputError
from esrgraph.core.vocab import SH
from esrgraph.io.atomic import atomic_write_bytes, atomic_write_text
from esrgraph.io.export import serialize_triples
from esrgraph.io.formats import OutputFormat
from esrgraph.outputs.kept import kept_folder, write_kept, write_kept_files
from esrgraph.outputs.quarantine import FOLDER, write_quarantine
from esrgraph.outputs.summary import nuts_link_lines_of
from esrgraph.pipeline.result import GRAPH_FILES, BuildOptions, BuildResult, report_json
from esrgraph.pipeline.stages import long_lived_frozen
from esrgraph.publish.pieces import PieceSet
from esrgraph.publish.release import (
    check_release_base,
    check_release_options,
    refuse_link,
    release_pieces,
    write_build_release,
)
from esrgraph.quality import (
    FINDINGS_FILES,
    MEASURE_FILES,
    QUALITY_FILES,
    QualityReport,
    site_links_for,
    write_build_quality,
    write_quality_findings,
    write_quality_measures,
    write_quality_reports,
)
from esrgraph.quality.checks import Queryable, build_queries, findings_queries
from esrgraph.quality.report import (
    FindingsSummary,
    QualityMeasures,
    from_build,
    from_validation,
    graph_store,
    measures_of_build,
)
from esrgraph.sparql.answer_cache import AnswerCache, AnsweringStore
from esrgraph.sparql.answers import ANSWERS_DIR, keep_named_answers, named_answers
from esrgraph.sparql.store import DerivedGraph, StoreInfo, store_folder
from esrgraph.validation.files import FileValidation

#: The kept set of the quality report's findings files, and the summary of its findings kept with it, which its
#: measures read (``FindingsSummary``).
FINDINGS_KIND, FINDINGS_SUMMARY = "quality-findings", "findings-summary.json"
#: The files ``write_ci_reports`` writes into OUT, by format.
CI_REPORT_FILES = {"github": "validation-github.txt", "sarif": "validation.sarif", "junit": "validation-junit.xml"}


def write_outputs(result: BuildResult, out_dir: str | os.PathLike[str], options: BuildOptions | None = None,
                  *, ci_reports: Sequence[str] = (), allow_example_base: bool = False) -> list[Path]:
    """Write the graph, both reports and the release folder (esrgraph.publish) into ``out_dir``; return the paths.

    ``ci_reports`` names formats of ``CI_REPORT_FILES`` to write too (``esrgraph build --ci-report``).
    A result whose base lies under a host meant for examples is refused unless ``allow_example_base``
    (``esrgraph build --allow-example-base``): the release would publish IRIs that resolve nowhere.
    """
    check_build_output(out_dir, options, allow_example_base=allow_example_base)
    check_release_base(result.base, allow_example_base)
    if result.read_nothing:  # an empty graph must not replace a good one (the CLI says which files failed)
        raise InputError(os.fspath(out_dir), "the build read no input file, so it has nothing to write here",
                         "fix the inputs that failed; nothing was written, the previous outputs are as they were")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with long_lived_frozen():  # the build's result lives to the end: collections need not scan it again
        return _write_outputs(result, out, options, ci_reports)


def _write_outputs(result: BuildResult, out: Path, options: BuildOptions | None, ci_reports: Sequence[str]) -> list[Path]:
    """``write_outputs`` once the output folder was checked."""
    step = _Steps(result.timings)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="esrgraph-graph") as placer:
        sources = result.graph_files
        if sources is None:  # a graph built in this process: its files are written first, and read from OUT
            with step("graph files"):
                turtle, ntriples = result.write_graph(out)
            sources, placed = {"turtle": turtle, "ntriples": ntriples}, None
        else:
            # A sharded build's files are linked into OUT and synced to disk (1.7 GB at 30,000 descriptions) on a
            # thread of their own; everything up to the query store reads the build's own files, the same inodes.
            placed = placer.submit(_timed, step, "graph files", result.write_graph, out)
        return _write_from(result, out, options, ci_reports, step, sources, placed)


def _timed(step: _Steps, name: str, work: Callable[[Path], list[Path]], out: Path) -> list[Path]:
    with step(name):
        return work(out)


def _write_from(result: BuildResult, out: Path, options: BuildOptions | None, ci_reports: Sequence[str], step: _Steps,
                sources: dict[str, Path], placed: Future[list[Path]] | None) -> list[Path]:
    """``_write_outputs`` once the graph's files are written (``sources``) and, unless ``placed`` is None, being put
    into OUT; waits for them before the query store reads OUT."""
    written = [out / name for name in GRAPH_FILES]
    ntriples = written[1]
    # The release's pieces of the graph (esrgraph.publish.pieces) are made first, in worker processes while the
    # SHACL reports are written: the collaboration network comes from them, and the release joins them.
    with release_pieces(sources["ntriples"], result.base, result.prefixes(), options.cache_dir if options else None,
                        out) as pieces:
        report_ttl = out / "validation-report.ttl"
        report_path = out / "validation-report.json"
        with step("SHACL reports"):
            report_data = write_shacl_reports(result, report_ttl, report_path, options.cache_dir if options else None)
        written += [report_ttl, report_path]
        graph_files = {"ntriples": sources["ntriples"], "turtle": sources["turtle"], "report": report_ttl}
        # The release (and the quarantine and CI reports) need nothing the store gives: they are written in a thread
        # from here on, while the pieces are finished, the collaboration network is made (the release waits for it
        # only after it wrote the graph's files from the pieces), the store is brought in step and the quality report
        # and named answers read it.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="esrgraph-release") as releaser:
            released = releaser.submit(_release, result, out, options, step, graph_files, pieces, ci_reports)
            try:
                with step("release pieces"):
                    pieces.wait()
                # The collaboration network comes before the query store, so that the store is loaded once with both
                # graphs and the quality report and the named queries read it, not a second copy of the whole graph.
                derived = out / "collaboration.ttl"
                with step("collaboration network"):
                    network = pieces.write_collaboration_turtle(derived)
                written.append(derived)
                if placed is not None:
                    placed.result()  # the graph's files are in OUT: the store stamps them
                with step("query store"):
                    store, info = write_query_store(out, ntriples, network)
                del network
                answers = None
                if store is not None and info is not None:
                    answers = AnswerCache(store_folder(out) / ANSWERS_DIR, info.generation)
                    if info.previous is not None and info.changes is not None:
                        with step("answers kept"):
                            answers.carry(info.previous, info.changes)
                quality = _quality_and_answers(result, out, step, store, answers, options.cache_dir if options else None,
                                               report_data)
                written.append(store_folder(out))
                written += released.result()
            except BaseException:
                pieces.cancel()  # the release's thread stops at its next piece: Ctrl-C does not wait for the release
                raise
        written += quality
    return written


def write_shacl_reports(result: BuildResult, turtle: Path, report: Path, cache_dir: str | None) -> bytes:
    """validation-report.ttl and validation-report.json; with a build cache, the files kept for the same results
    and findings are linked instead of written again (``outputs.kept``: a rebuild whose change altered no finding
    writes neither). The report's data as compact JSON, which the quality report's key reads too."""
    prefixes = result.prefixes()
    validation = result.validation
    results = sorted({json.dumps([r.severity, r.focus, r.path, r.value, r.value_is_literal, r.source_shape,
                                  r.component, r.message, r.message_language], ensure_ascii=False)
                      for r in validation.results}) if validation else None
    write_kept(turtle, cache_dir, json.dumps([results, validation.conforms if validation else None, prefixes],
                                             ensure_ascii=False).encode("utf-8"),
               lambda: validation.report_turtle(prefixes) if validation
               else serialize_triples([], OutputFormat.TURTLE, {"sh": SH, **prefixes}))
    data = report_json(result)
    compact = json.dumps(data, ensure_ascii=False).encode("utf-8")  # the C encoder: fast
    write_kept(report, cache_dir, compact,
               lambda: (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode("utf-8"))
    return compact


def _release(result: BuildResult, out: Path, options: BuildOptions | None, step: _Steps,
             graph_files: dict[str, Path], pieces: PieceSet, ci_reports: Sequence[str]) -> list[Path]:
    """The quarantine, the release and the CI reports: what reads the build and its files, not the store."""
    with step("quarantine"):
        written = write_quarantine(result, out, options)
    with step("release"):
        written.append(write_build_release(result, out, options, graph_files, pieces).folder)
    with step("CI reports"):
        written += write_ci_reports(result, out, ci_reports, options.shapes if options else None)
    return written


def _quality_and_answers(result: BuildResult, out: Path, step: _Steps, store: Store | None,
                         answers: AnswerCache | None, cache_dir: str | None, report_data: bytes) -> list[Path]:
    """The quality report and the named queries' answers, read from the store in two threads: Oxigraph lets go of
    the GIL while it evaluates a query, so they share the cores (with the release's thread). Both keep their
    answers in ``answers`` (the store generation's), and read back those kept from the generation before that the
    changes could not alter."""
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="esrgraph-quality") as pool:
        reports = pool.submit(_quality, result, out, step,
                              AnsweringStore(store, answers) if store is not None and answers is not None else store,
                              cache_dir, report_data)
        named = pool.submit(_answers, result, step, store, answers)
        del store
        written = reports.result()
        named.result()
    return written


def _quality(result: BuildResult, out: Path, step: _Steps, store: Queryable | None, cache_dir: str | None,
             report_data: bytes) -> list[Path]:
    """The quality files, from the query store (or, when it could not be written, from the graph in memory). With a
    build cache and the store's kept answers, the files are kept too, in two sets, each under a digest of everything
    it is made of (``report_data``: the build's report data as compact JSON; the digests of the answers to the
    quality report's queries it reads; where the findings' records are); a rebuild whose change altered none of it
    links the set."""
    with step("quality report"):
        if store is None:
            return write_build_quality(result, out, graph_store(result))
        if cache_dir is None or not isinstance(store, AnsweringStore) or result.locations is None \
                or result.name_owners is None:  # an in-process build locates findings from its records
            return write_build_quality(result, out, store)
        site = site_links_for(out, None) is not None
        shapes = result.validation.shapes_files if result.validation else []
        common = [hashlib.sha256(report_data).hexdigest(),
                  hashlib.sha256(json.dumps([result.locations, result.name_owners], sort_keys=True,
                                            ensure_ascii=False).encode("utf-8")).hexdigest(),
                  [[str(path), hashlib.sha256(Path(path).read_bytes()).hexdigest()] for path in shapes], result.base]
        made: list[QualityReport] = []  # this build's report: made once, and only when a set is not kept
        made_measures: list[QualityMeasures] = []

        def report() -> QualityReport:
            if not made:
                made.append(from_build(result, store))
            return made[0]

        def report_measures() -> QualityMeasures:
            if not made_measures:
                made_measures.append(report().measures())
            return made_measures[0]

        def write_findings(folder: Path) -> None:
            write_quality_findings(report(), folder)
            atomic_write_bytes(folder / FINDINGS_SUMMARY, report_measures().summary.to_json(), durable=False)

        def build_measures() -> QualityMeasures:
            """The measures of the report this build made; else of the summary of its findings the kept set holds
            (a changed amount reaches neither the findings nor the name groups, which take seconds to make; the
            summary is read in a blink, the findings in seconds), with the measures read again."""
            if not made:
                try:
                    kept = FindingsSummary.from_json((kept_folder(cache_dir, FINDINGS_KIND, findings_inputs)
                                                      / FINDINGS_SUMMARY).read_bytes())
                except OSError:
                    kept = None
                if kept is not None:
                    return measures_of_build(result, kept, store)
            return report_measures()

        # The fix list, unknown values and name groups are kept apart from the measures: a changed amount (read by
        # the funding measure only) makes the page, the summary and the DQV file again, not a large fix list.
        findings_inputs = json.dumps([*common, [store.answer_digest(q) for q in findings_queries()]]).encode("utf-8")
        findings = write_kept_files(out, FINDINGS_FILES, cache_dir, FINDINGS_KIND, findings_inputs, write_findings,
                                    internal=(FINDINGS_SUMMARY,))
        measures = write_kept_files(
            out, MEASURE_FILES, cache_dir, "quality",
            json.dumps([*common, [store.answer_digest(q) for q in build_queries()], site]).encode("utf-8"),
            lambda folder: write_quality_measures(build_measures(), folder, site=site))
        return sorted(findings + measures, key=lambda path: QUALITY_FILES.index(path.name))


def _answers(result: BuildResult, step: _Steps, store: Store | None, answers: AnswerCache | None) -> None:
    """The named queries' answers, kept for the store's generation (none without a store); those kept already
    (``AnswerCache.carry``) are not run again. And the summary's NUTS-link lines, through the same cache."""
    if store is not None and answers is not None:
        with step("named answers"):
            keep_named_answers(answers, named_answers(store, skip=answers.has))
            result.nuts_links = nuts_link_lines_of(AnsweringStore(store, answers))


class _Steps:
    """Times each step of ``write_outputs`` into the build's ``timings`` (``outputs: <step>``, seconds), where
    the benchmark reads where the whole command's time went."""

    def __init__(self, timings: dict[str, float]) -> None:
        self.timings = timings

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[f"outputs: {name}"] = time.perf_counter() - start


def write_query_store(out: Path, ntriples: Path, derived: DerivedGraph | None = None
                      ) -> tuple[Store | None, StoreInfo | None]:
    """Bring OUT's persistent query store (OUT/.store/) in step with the graph files just written (OUT/esrgraph.ttl
    and the derived files, of which ``derived`` is what the build knows), changing only the subjects that changed
    when the previous build left a store; the store, open read-only, and its generation's ``StoreInfo``. A store that cannot be written (a full disk) is not the build's failure:
    (None, None), with a ``StoreWarning``, and the first query makes it or answers from memory."""
    import warnings

    from esrgraph.sparql.store import StoreWarning, update_build_store

    try:
        info = update_build_store(out, ntriples=ntriples, lenient=True, derived=derived)
        return Store.read_only(str(info.path)), info
    except OSError as exc:
        warnings.warn(f"{store_folder(out)}: the query store could not be written ({exc}); the first query on "
                      f"{out} will make it", StoreWarning, stacklevel=2)
    return None, None


def check_build_output(out_dir: str | os.PathLike[str], options: BuildOptions | None = None, *,
                       allow_example_base: bool = False) -> None:
    """Raise what would stop ``write_outputs`` half-way, before it writes anything, so the last good build
    stays whole: OUT or a folder above it is a file, OUT cannot be written, OUT/quarantine or the release
    folder is a symbolic link, a bad release name, date or download base, a base under a host meant for
    examples (unless ``allow_example_base``). Cheap: call it before a build too, so a long build does not
    end in the refusal."""
    out = Path(out_dir)
    nearest = next(folder for folder in (out, *out.parents, Path(".")) if folder.exists() or folder.is_symlink())
    if not nearest.is_dir():
        problem = ("is a symbolic link to nothing" if nearest.is_symlink() and not nearest.exists()
                   else "is a file, not a folder" if nearest.is_file() else "is not a folder")
        raise EnvironmentFault(str(nearest), problem, "give -o a folder: a new one or an earlier build's")
    if not os.access(nearest, os.W_OK | os.X_OK):
        read_only = hasattr(os, "statvfs") and bool(os.statvfs(nearest).f_flag & os.ST_RDONLY)
        raise EnvironmentFault(str(nearest), "read-only file system" if read_only else "no permission to write here",
                               "give -o a folder you may write to" + (", or remount it read-write" if read_only
                                                                     else ", or change its permissions"))
    refuse_link(out / FOLDER)  # OUT/quarantine
    check_release_options(out, options, allow_example_base=allow_example_base)


def write_ci_reports(result: BuildResult, out: Path, formats: Sequence[str], shapes: str | None = None) -> list[Path]:
    """Every finding of the build (of every stage) in the formats CI systems read, as ``esrgraph validate`` writes
    them; the findings name OUT/esrgraph.ttl where they have no source line. JUnit fails at Violations, as the
    build's exit code does."""
    from esrgraph.core.findings import Severity
    from esrgraph.core.version import __version__
    from esrgraph.validation import ci_reports
    from esrgraph.validation.report import load_shapes

    if not formats:
        return []
    unknown = sorted(set(formats) - set(CI_REPORT_FILES))
    if unknown:
        raise InputError(", ".join(unknown), "unknown CI report format", f"use {', '.join(CI_REPORT_FILES)}")
    # CI systems place a finding by its path from the repository root, so each source file is named as the
    # user named it (data/samples/S21093.txt), not as the graph's provenance does (samples/S21093.txt).
    given = {shown: path.as_posix() for shown, path in result.batch.paths.items()}
    findings = [replace(f, path=given.get(f.path, f.path)) if f.path else f for f in result.findings]
    runs = [ci_reports.GraphFindings(str(out / "esrgraph.ttl"), findings)]
    rules = ci_reports.rule_catalogue(load_shapes(shapes)[0])
    written = []
    for fmt in sorted(set(formats)):
        path = out / CI_REPORT_FILES[fmt]
        if fmt == "github":
            atomic_write_text(path, ci_reports.github_annotations(runs, rules=rules))
        elif fmt == "sarif":
            atomic_write_bytes(path, ci_reports.sarif_log(runs, rules, tool_version=__version__))
        else:
            atomic_write_bytes(path, ci_reports.junit_xml(runs, rules, fail_on=Severity.VIOLATION))
        written.append(path)
    return written


def write_validation_outputs(outcome: FileValidation, out_dir: str | os.PathLike[str],
                             shapes: str | os.PathLike[str] | None = None) -> list[Path]:
    """What ``esrgraph validate GRAPH --out DIR`` writes: the SHACL report (Turtle and JSON) and the quality files."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    report_ttl, report_json = out / "validation-report.ttl", out / "validation-report.json"
    atomic_write_bytes(report_ttl, outcome.report.report_turtle())
    atomic_write_text(report_json, json.dumps(outcome.to_json(), ensure_ascii=False, indent=2) + "\n")
    return [report_ttl, report_json] + write_quality_reports(from_validation(outcome.path, outcome.report, shapes), out)
