"""Write everything a build produces: graph, SHACL reports, quality report, quarantine, release.

This module sits above ``pipeline``, ``quality`` and ``publish``: the orchestrator returns a
``BuildResult`` and the writers read it, never the other way round.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

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


def write_outputs(result: BuildResult, out_dir: str | os.PathLike[str], options: BuildOptions | None = None) -> list[Path]:
    """Write the graph, both reports and the release folder (esrgraph.publish) into ``out_dir``; return the paths."""
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
