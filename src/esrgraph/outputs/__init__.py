"""Write everything a build produces: graph, SHACL reports, quality report, quarantine, release.

This module sits above ``pipeline``, ``quality`` and ``publish``: the orchestrator returns a
``BuildResult`` and the writers read it, never the other way round.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from esrgraph.core.errors import InputError
from esrgraph.core.vocab import SH
from esrgraph.io.atomic import atomic_write_bytes, atomic_write_text
from esrgraph.io.export import serialize_triples
from esrgraph.io.formats import OutputFormat
from esrgraph.outputs.quarantine import write_quarantine
from esrgraph.pipeline.result import BuildOptions, BuildResult, report_json
from esrgraph.publish.release import write_build_release
from esrgraph.quality import write_build_quality, write_quality_reports
from esrgraph.quality.report import from_validation
from esrgraph.validation.files import FileValidation

#: The files ``write_ci_reports`` writes into OUT, by format.
CI_REPORT_FILES = {"github": "validation-github.txt", "sarif": "validation.sarif", "junit": "validation-junit.xml"}


def write_outputs(result: BuildResult, out_dir: str | os.PathLike[str], options: BuildOptions | None = None,
                  *, ci_reports: Sequence[str] = ()) -> list[Path]:
    """Write the graph, both reports and the release folder (esrgraph.publish) into ``out_dir``; return the paths.

    ``ci_reports`` names formats of ``CI_REPORT_FILES`` to write too (``esrgraph build --ci-report``).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    turtle, ntriples = result.write_graph(out)
    written += [turtle, ntriples]
    report_ttl = out / "validation-report.ttl"
    atomic_write_bytes(report_ttl, result.validation.report_turtle(result.prefixes()) if result.validation
                       else serialize_triples([], OutputFormat.TURTLE, {"sh": SH, **result.prefixes()}))
    written.append(report_ttl)
    report_path = out / "validation-report.json"
    atomic_write_text(report_path, json.dumps(report_json(result), ensure_ascii=False, indent=2, sort_keys=False) + "\n")
    written.append(report_path)
    written += write_build_quality(result, out)
    written += write_quarantine(result, out, options)
    written.append(write_build_release(result, out, options, {"ntriples": ntriples, "turtle": turtle,
                                                                  "report": report_ttl}).folder)
    written += write_ci_reports(result, out, ci_reports, options.shapes if options else None)
    return written


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
