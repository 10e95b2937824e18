"""Validate any RDF file (``esrgraph validate``): load, check, locate, summarise, exit code.

The file is read by Oxigraph's strict parsers (no network: a JSON-LD remote ``@context`` is not
fetched) and checked by the fast validator; ``validator="pyshacl"`` hands the same triples to pyshacl
through N-Triples, so no rdflib parser ever reads the user's file. Findings are placed on the source
record lines the graph's provenance names (``locate.py``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from esrgraph.core.errors import InputError
from esrgraph.core.findings import Severity, one_line
from esrgraph.io.atomic import atomic_write_bytes
from esrgraph.sparql.queries import load_store
from esrgraph.validation.locate import provenance_locator
from esrgraph.validation.report import ValidationReport

#: Validators ``validate_file`` may use: ``fast`` (compiled to SPARQL on Oxigraph) or ``pyshacl``.
VALIDATORS = ("fast", "pyshacl")


@dataclass(slots=True)
class FileValidation:
    path: str
    report: ValidationReport
    #: The validator that checked it ("fast" or "pyshacl").
    validator: str = "fast"
    #: Source files the findings were placed in by re-reading them (their lines are exact).
    sources_read: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 when the graph conforms (no Violation), else 1; ``exit_code_at`` for other levels."""
        return self.exit_code_at(Severity.VIOLATION)

    def exit_code_at(self, fail_on: Severity) -> int:
        """1 when a finding is at ``fail_on`` or heavier, else 0."""
        return 1 if any(f.severity.rank <= fail_on.rank for f in self.report.findings) else 0

    def to_json(self) -> dict[str, object]:
        return {
            "graph": self.path,
            "conforms": self.report.conforms,
            "validator": self.validator,
            "counts": self.report.counts(),
            "shapes": self.report.shapes_files,
            "findings": [f.to_json() for f in self.report.findings],
        }

    def text(self) -> str:
        counts = self.report.counts()
        verdict = "conforms" if self.report.conforms else "DOES NOT CONFORM"
        lines = [f"{one_line(self.path)}: {verdict} ({counts['Violation']} violations, {counts['Warning']} warnings, {counts['Info']} notes)"]
        lines += [str(f) for f in self.report.findings if f.severity is not Severity.INFO]
        return "\n".join(lines)


def graph_file(graph: str | os.PathLike[str]) -> Path:
    """The RDF file ``graph`` names: the file itself, or a build folder's ``esrgraph.ttl``."""
    p = Path(graph)
    return p / "esrgraph.ttl" if p.is_dir() else p


def validate_file(
    graph: str | os.PathLike[str],
    shapes: str | os.PathLike[str] | None = None,
    report_path: str | os.PathLike[str] | None = None,
    *,
    validator: str = "fast",
    sources: Sequence[str | os.PathLike[str]] = (),
) -> FileValidation:
    """Validate the RDF file (or build folder) ``graph`` against the shapes (esrgraph's own when None).

    Args:
        graph: an RDF file in any format ``esrgraph`` reads, or a build folder.
        shapes: a shapes file or folder.
        report_path: also write the SHACL report as Turtle there.
        validator: "fast" (the default) or "pyshacl"; both give the same results.
        sources: folders holding the source records the graph's provenance names; a record found
            there with the SHA-256 the graph gives is read again for its fields' exact lines.
    """
    if validator not in VALIDATORS:
        raise InputError(validator, "unknown validator", f"use one of {', '.join(VALIDATORS)}")
    path = graph_file(graph)
    store = load_store(path)
    locate = provenance_locator(store, [Path(s) for s in sources] or [Path.cwd()])
    if validator == "fast":
        from esrgraph.validation.fast.compiler import compile_shapes

        report = compile_shapes(shapes).validate(store, locate=locate)
    else:
        from esrgraph.validation.fast.runtime import store_to_rdflib
        from esrgraph.validation.report import validate_graph

        report = validate_graph(store_to_rdflib(store), shapes, locate=locate)
    if report_path:
        atomic_write_bytes(report_path, report.report_turtle())
    return FileValidation(str(graph), report, validator, sorted(locate.sources_read))


#: What ``render`` writes: the text summary, JSON, and the formats CI systems read (``ci_reports``).
FORMATS = ("text", "json", "github", "sarif", "junit")


def render(outcomes: Sequence[FileValidation], fmt: str, *, fail_on: Severity = Severity.VIOLATION,
           shapes: str | os.PathLike[str] | None = None) -> bytes:
    """The findings of ``outcomes`` in ``fmt``: the same bytes for the same findings.

    ``json`` gives one object for one graph (as before several could be given) and a list for several.
    """
    from esrgraph.core.version import __version__
    from esrgraph.validation import ci_reports
    from esrgraph.validation.report import load_shapes

    if fmt == "text":
        return ("\n".join(o.text() for o in outcomes) + "\n").encode("utf-8")
    if fmt == "json":
        body: object = outcomes[0].to_json() if len(outcomes) == 1 else [o.to_json() for o in outcomes]
        return (json.dumps(body, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    runs = [ci_reports.GraphFindings(o.path, o.report.findings) for o in outcomes]
    rules = ci_reports.rule_catalogue(load_shapes(shapes)[0])
    if fmt == "github":
        return ci_reports.github_annotations(runs, rules=rules).encode("utf-8")
    if fmt == "sarif":
        return ci_reports.sarif_log(runs, rules, tool_version=__version__)
    if fmt == "junit":
        return ci_reports.junit_xml(runs, rules, fail_on=fail_on)
    raise InputError(fmt, "unknown output format", f"use one of {', '.join(FORMATS)}")


def severity_named(name: str) -> Severity:
    """``violation``, ``warning`` or ``info`` (any case) as a Severity."""
    for severity in Severity:
        if severity.value.lower() == name.lower():
            return severity
    raise InputError(name, "unknown severity", "use violation, warning or info")
