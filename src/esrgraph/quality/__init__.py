"""The data-quality report that publishers read and act on.

Every build (and ``esrgraph validate --out DIR``) writes, beside the SHACL report:

* ``quality-report.html``: one self-contained page: headline, findings by rule with the
  rule's explanation from its shape, first examples with source file and line, charts;
* ``fix-list.csv``: every finding, sorted by source file and line, with what is expected;
* ``quality-summary.md``: a short summary for a CI job summary or a pull-request comment;
* ``quality.ttl``: the same measurements as W3C DQV, linked from ``<base>dataset``.

``esrgraph quality OUT`` writes them again from a build folder.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from esrgraph.quality.report import QualityReport, from_build, from_folder, from_validation
from esrgraph.quality.rules import Rule, load_rules

if TYPE_CHECKING:
    from esrgraph.build import BuildResult
    from esrgraph.validate_file import FileValidation

__all__ = [
    "QUALITY_FILES",
    "QualityReport",
    "Rule",
    "from_build",
    "from_folder",
    "from_validation",
    "load_rules",
    "quality_command",
    "write_build_quality",
    "write_quality_reports",
    "write_validation_quality",
]

#: The files written, in order.
QUALITY_FILES = ("quality-report.html", "fix-list.csv", "quality-summary.md", "quality.ttl")
SITE_PROJECT_DIR = "site/project/"


def site_links_for(out_dir: Path, site: bool | None) -> str | None:
    """The relative link prefix to record pages: given by ``site``, or found (OUT/site/project/)."""
    if site is None:
        site = (out_dir / SITE_PROJECT_DIR).is_dir()
    return SITE_PROJECT_DIR if site else None


def write_quality_reports(report: QualityReport, out_dir: str | os.PathLike[str], *, examples: int = 10,
                          site: bool | None = None) -> list[Path]:
    """Write the four quality files into ``out_dir`` atomically; return their paths."""
    from esrgraph.export import OutputFormat, atomic_write_bytes, atomic_write_text, serialize_triples
    from esrgraph.quality.dqv import PREFIXES, dqv_triples
    from esrgraph.quality.render import fix_list_csv, quality_html, summary_markdown

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    html_path, csv_path, md_path, ttl_path = (out / name for name in QUALITY_FILES)
    atomic_write_text(html_path, quality_html(report, examples=examples, site_links=site_links_for(out, site)))
    atomic_write_text(csv_path, fix_list_csv(report))
    atomic_write_text(md_path, summary_markdown(report))
    atomic_write_bytes(ttl_path, serialize_triples(dqv_triples(report), OutputFormat.TURTLE,
                                                   PREFIXES))
    return [html_path, csv_path, md_path, ttl_path]


def write_build_quality(result: BuildResult, out_dir: str | os.PathLike[str]) -> list[Path]:
    """The quality files of a build (called by ``build.write_outputs``)."""
    return write_quality_reports(from_build(result), out_dir)


def write_validation_quality(outcome: FileValidation, out_dir: str | os.PathLike[str],
                             shapes: str | os.PathLike[str] | None = None) -> list[Path]:
    """What ``esrgraph validate GRAPH --out DIR`` writes: the SHACL report (Turtle and JSON) and the quality files."""
    import json

    from esrgraph.export import OutputFormat, atomic_write_bytes, atomic_write_text, serialize_triples

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    report_ttl, report_json = out / "validation-report.ttl", out / "validation-report.json"
    atomic_write_bytes(report_ttl, serialize_triples(outcome.report.report_triples(), OutputFormat.TURTLE,
                                                     {"sh": "http://www.w3.org/ns/shacl#"}))
    atomic_write_text(report_json, json.dumps(outcome.to_json(), ensure_ascii=False, indent=2) + "\n")
    return [report_ttl, report_json] + write_quality_reports(from_validation(outcome.path, outcome.report, shapes), out)


@click.command("quality", context_settings={"help_option_names": ["-h", "--help"]},
               epilog="Exit codes: 0 conforms (warnings allowed), 1 violations found, 2 bad input or usage.")
@click.argument("out_dir", metavar="OUT", type=click.Path(path_type=Path, file_okay=False))
@click.option("--to", "to_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Write the reports here instead of into OUT.")
@click.option("--examples", default=10, show_default=True, type=click.IntRange(min=0),
              help="Examples shown per rule in the HTML page (fix-list.csv always has all).")
@click.option("--site-links/--no-site-links", "site", default=None,
              help="Link each example to site/project/<code>.html (default: when OUT/site/project/ exists).")
def quality_command(out_dir: Path, to_dir: Path | None, examples: int, site: bool | None) -> None:
    """Write the data-quality reports of build folder OUT again.

    Reads OUT/validation-report.json and OUT/esrgraph.ttl; writes quality-report.html,
    fix-list.csv, quality-summary.md and quality.ttl (into OUT, or --to DIR).
    """
    import sys

    report = from_folder(out_dir)
    written = write_quality_reports(report, to_dir or out_dir, examples=examples, site=site)
    counts = report.counts()
    click.echo(f"quality: {'conforms' if report.conforms else 'DOES NOT CONFORM'} "
               f"({counts['Violation']} violations, {counts['Warning']} warnings, {counts['Info']} notes)")
    click.echo("wrote: " + ", ".join(str(p) for p in written))
    sys.exit(0 if report.conforms else 1)
