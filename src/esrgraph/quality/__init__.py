"""The data-quality report that publishers read and act on.

Every build (and ``esrgraph validate --out DIR``) writes, beside the SHACL report:

* ``quality-report.html``: one self-contained page: headline, findings by rule with the
  rule's explanation from its shape, first examples with source file and line, charts;
* ``fix-list.csv``: every finding, sorted by source file and line, with what is expected;
* ``quality-summary.md``: a short summary for a CI job summary or a pull-request comment;
* ``quality.ttl``: the same measurements as W3C DQV, linked from ``<base>dataset``;
* ``unknown-values.csv``: every value no code list knows, once per field and value, with its number of
  records and the code-list file to extend (``quality.unknown``).

``esrgraph quality OUT`` writes them again from a build folder.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from esrgraph.quality.report import QualityReport, from_build, from_folder, from_validation
from esrgraph.quality.rules import Rule, load_rules
from esrgraph.quality.unknown import UnknownValue, unknown_values

if TYPE_CHECKING:
    from pyoxigraph import Store

    from esrgraph.pipeline.result import BuildResult

__all__ = [
    "QUALITY_FILES",
    "QualityReport",
    "Rule",
    "UnknownValue",
    "from_build",
    "from_folder",
    "from_validation",
    "load_rules",
    "unknown_values",
    "write_build_quality",
    "write_quality_reports",
]

#: The files written, in order.
QUALITY_FILES = ("quality-report.html", "fix-list.csv", "quality-summary.md", "quality.ttl", "unknown-values.csv")
SITE_PROJECT_DIR = "site/project/"


def site_links_for(out_dir: Path, site: bool | None) -> str | None:
    """The relative link prefix to record pages: given by ``site``, or found (OUT/site/project/)."""
    if site is None:
        site = (out_dir / SITE_PROJECT_DIR).is_dir()
    return SITE_PROJECT_DIR if site else None


def write_quality_reports(report: QualityReport, out_dir: str | os.PathLike[str], *, examples: int = 10,
                          site: bool | None = None) -> list[Path]:
    """Write the quality files (``QUALITY_FILES``) into ``out_dir`` atomically; return their paths."""
    from esrgraph.io.atomic import atomic_write_bytes, atomic_write_text
    from esrgraph.io.export import serialize_triples
    from esrgraph.io.formats import OutputFormat
    from esrgraph.quality.dqv import PREFIXES, dqv_triples
    from esrgraph.quality.render import fix_list_csv, quality_html, summary_markdown
    from esrgraph.quality.unknown import unknown_values_csv

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    html_path, csv_path, md_path, ttl_path, unknown_path = (out / name for name in QUALITY_FILES)
    atomic_write_text(html_path, quality_html(report, examples=examples, site_links=site_links_for(out, site)))
    atomic_write_text(csv_path, fix_list_csv(report))
    atomic_write_text(md_path, summary_markdown(report))
    atomic_write_bytes(ttl_path, serialize_triples(dqv_triples(report), OutputFormat.TURTLE,
                                                   PREFIXES))
    atomic_write_text(unknown_path, unknown_values_csv(report.unknown_values()))
    return [html_path, csv_path, md_path, ttl_path, unknown_path]


def write_build_quality(result: BuildResult, out_dir: str | os.PathLike[str], store: Store | None = None) -> list[Path]:
    """The quality files of a build (called by ``build.write_outputs``); ``store``: the graph, when loaded already."""
    return write_quality_reports(from_build(result, store), out_dir)
