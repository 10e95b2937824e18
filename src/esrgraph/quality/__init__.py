"""The data-quality report that publishers read and act on.

Every build (and ``esrgraph validate --out DIR``) writes, beside the SHACL report:

* ``quality-report.html``: one self-contained page: headline, findings by rule with the
  rule's explanation from its shape, first examples with source file and line, charts;
* ``fix-list.csv``: every finding, sorted by source file and line, with what is expected;
* ``quality-summary.md``: a short summary for a CI job summary or a pull-request comment;
* ``quality.ttl``: the same measurements as W3C DQV, linked from ``<base>dataset``;
* ``unknown-values.csv``: every value no code list knows, once per field and value, with its number of
  records and the code-list file to extend (``quality.unknown``);
* ``name-groups.csv``: every organisation of a name given under several Y-tunnus, once, which the
  ``org-name-several-business-ids`` findings name only the first few of (``checks.name_groups``).

The CSV files are written as they are made, so memory never holds a whole file; a finding about a name
group names the first few of its Y-tunnus and a count, never the whole group, so the fix list grows with
the findings, not with the square of a group's size.

``esrgraph quality OUT`` writes them again from a build folder.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from esrgraph.quality.report import (
    DEFAULT_EXAMPLES,
    QualityMeasures,
    QualityReport,
    from_build,
    from_folder,
    from_validation,
)
from esrgraph.quality.rules import Rule, load_rules
from esrgraph.quality.unknown import UnknownValue, unknown_values

if TYPE_CHECKING:
    from esrgraph.pipeline.result import BuildResult
    from esrgraph.quality.checks import Queryable

__all__ = [
    "FINDINGS_FILES",
    "MEASURE_FILES",
    "QUALITY_FILES",
    "QualityMeasures",
    "QualityReport",
    "Rule",
    "UnknownValue",
    "from_build",
    "from_folder",
    "from_validation",
    "load_rules",
    "unknown_values",
    "write_build_quality",
    "write_quality_findings",
    "write_quality_measures",
    "write_quality_reports",
]

#: The files written, in order.
QUALITY_FILES = ("quality-report.html", "fix-list.csv", "quality-summary.md", "quality.ttl", "unknown-values.csv",
                 "name-groups.csv")
#: The files that hold the measures (funding among them) ...
MEASURE_FILES = ("quality-report.html", "quality-summary.md", "quality.ttl")
#: ... and those made from the findings and name groups alone: a build cache keeps them apart, so that a changed
#: amount does not write a large fix list again.
FINDINGS_FILES = ("fix-list.csv", "unknown-values.csv", "name-groups.csv")
SITE_PROJECT_DIR = "site/project/"


def site_links_for(out_dir: Path, site: bool | None) -> str | None:
    """The relative link prefix to record pages: given by ``site``, or found (OUT/site/project/)."""
    if site is None:
        site = (out_dir / SITE_PROJECT_DIR).is_dir()
    return SITE_PROJECT_DIR if site else None


def write_quality_reports(report: QualityReport, out_dir: str | os.PathLike[str], *,
                          examples: int = DEFAULT_EXAMPLES, site: bool | None = None) -> list[Path]:
    """Write the quality files (``QUALITY_FILES``) into ``out_dir`` atomically; return their paths."""
    written = write_quality_measures(report.measures(examples), out_dir, examples=examples, site=site) \
        + write_quality_findings(report, out_dir)
    return sorted(written, key=lambda path: QUALITY_FILES.index(path.name))


def write_quality_measures(report: QualityMeasures, out_dir: str | os.PathLike[str], *,
                           examples: int = DEFAULT_EXAMPLES, site: bool | None = None) -> list[Path]:
    """Write ``MEASURE_FILES``: the page, the summary and the DQV measurements, which hold every measure."""
    from esrgraph.io.atomic import atomic_write_bytes, atomic_write_text
    from esrgraph.io.export import serialize_triples
    from esrgraph.io.formats import OutputFormat
    from esrgraph.quality.dqv import PREFIXES, dqv_triples
    from esrgraph.quality.render import quality_html, summary_markdown

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    html_path, md_path, ttl_path = (out / name for name in MEASURE_FILES)
    atomic_write_text(html_path, quality_html(report, examples=examples, site_links=site_links_for(out, site)))
    atomic_write_text(md_path, summary_markdown(report))
    atomic_write_bytes(ttl_path, serialize_triples(dqv_triples(report), OutputFormat.TURTLE, PREFIXES))
    return [html_path, md_path, ttl_path]


def write_quality_findings(report: QualityReport, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Write ``FINDINGS_FILES``: the fix list, the unknown values and the name groups, made from the findings and
    the name groups only (no funding measure reaches them)."""
    from esrgraph.io.atomic import atomic_write_chunks
    from esrgraph.quality.render import fix_list_chunks, name_groups_chunks
    from esrgraph.quality.unknown import unknown_values_chunks

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    csv_path, unknown_path, groups_path = (out / name for name in FINDINGS_FILES)
    # written as they are made: a large build's fix list is never one string in memory
    atomic_write_chunks(csv_path, _utf8(fix_list_chunks(report)))
    atomic_write_chunks(unknown_path, _utf8(unknown_values_chunks(report.unknown_values())))
    atomic_write_chunks(groups_path, _utf8(name_groups_chunks(report.name_groups)))
    return [csv_path, unknown_path, groups_path]


def _utf8(chunks: Iterable[str]) -> Iterator[bytes]:
    return (chunk.encode("utf-8") for chunk in chunks)


def write_build_quality(result: BuildResult, out_dir: str | os.PathLike[str], store: Queryable | None = None) -> list[Path]:
    """The quality files of a build (called by ``build.write_outputs``); ``store``: the graph, when loaded already."""
    return write_quality_reports(from_build(result, store), out_dir)
