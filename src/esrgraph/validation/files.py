"""Validate any RDF file (``esrgraph validate``): load, check, summarise, exit code."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import rdflib

from esrgraph.core.errors import InputError
from esrgraph.core.findings import Severity
from esrgraph.io.atomic import atomic_write_bytes
from esrgraph.io.formats import RDFLIB_PARSERS, rdf_format_of
from esrgraph.validation.report import ValidationReport, validate_graph


@dataclass(slots=True)
class FileValidation:
    path: str
    report: ValidationReport

    @property
    def exit_code(self) -> int:
        return 0 if self.report.conforms else 1

    def to_json(self) -> dict[str, object]:
        return {
            "graph": self.path,
            "conforms": self.report.conforms,
            "counts": self.report.counts(),
            "shapes": self.report.shapes_files,
            "findings": [f.to_json() for f in self.report.findings],
        }

    def text(self) -> str:
        counts = self.report.counts()
        verdict = "conforms" if self.report.conforms else "DOES NOT CONFORM"
        lines = [f"{self.path}: {verdict} ({counts['Violation']} violations, {counts['Warning']} warnings, {counts['Info']} notes)"]
        lines += [str(f) for f in self.report.findings if f.severity is not Severity.INFO]
        return "\n".join(lines)


def load_rdflib(path: str | os.PathLike[str]) -> rdflib.Graph:
    p = Path(path)
    if p.is_dir():
        p = p / "esrgraph.ttl"
    if not p.is_file():
        raise InputError(str(p), "no such RDF file")
    fmt = RDFLIB_PARSERS[rdf_format_of(p, gzipped=False)]
    graph = rdflib.Graph()
    try:
        graph.parse(p, format=fmt)
    except Exception as exc:  # rdflib raises many exception types for bad syntax
        raise InputError(str(p), f"cannot be read as {fmt}: {exc}") from None
    return graph


def validate_file(graph: str | os.PathLike[str], shapes: str | os.PathLike[str] | None = None,
                  report_path: str | os.PathLike[str] | None = None) -> FileValidation:
    report = validate_graph(load_rdflib(graph), shapes)
    if report_path:
        atomic_write_bytes(report_path, report.report_turtle())
    return FileValidation(str(graph), report)
