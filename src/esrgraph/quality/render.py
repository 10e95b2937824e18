"""Render a quality report: one self-contained HTML page and a Markdown summary from its measures
(``QualityMeasures``), the fix list and the name groups (CSV) from its findings (``QualityReport``).

The HTML has inline CSS and inline SVG charts and needs neither network nor JavaScript.
It shows the first examples of each rule (10 by default) so that the page stays light on
large builds; fix-list.csv holds every finding. The CSV files come in pieces (``*_chunks``), for
the atomic writer to write as they come.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from decimal import Decimal
from html import escape
from importlib.resources import files
from string import Template

from esrgraph.core.findings import Finding, one_line
from esrgraph.quality.checks import NAME_GROUPS_FILE, NameGroupMember
from esrgraph.quality.report import DEFAULT_EXAMPLES, QualityMeasures, QualityReport, RuleGroup, fix_list_key
from esrgraph.quality.spreadsheet import spreadsheet_csv
from esrgraph.quality.unknown import UNKNOWN_VALUES_FILE, UnknownValue, by_list, counted

#: Values shown per field and code list: in the HTML page and in the Markdown summary (all in unknown-values.csv).
UNKNOWN_VALUES_HTML = 20
UNKNOWN_VALUES_MD = 5
_VALUE_CLIP = 160

FIX_LIST_COLUMNS = (
    "source_file", "line", "record", "severity", "rule", "rule_name", "category", "importance",
    "field", "current_value", "problem", "expected",
)
#: name-groups.csv: one row per organisation of each group; ``business_ids_of_name`` is the group's size.
NAME_GROUPS_COLUMNS = (
    "name_key", "business_id", "names", "organisation", "projects", "first_project", "business_ids_of_name",
)


def _template(name: str) -> str:
    return files("esrgraph").joinpath("templates", "quality", name).read_text(encoding="utf-8")


def _clip(text: str | None, limit: int = _VALUE_CLIP) -> str:
    if text is None:
        return ""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _pct(share: Decimal) -> str:
    value = (share * 100).quantize(Decimal("0.1"))
    if value == 0 and share > 0:
        return "< 0.1 %"
    return f"{value} %"


def _int(n: int | None) -> str:
    return "—" if n is None else f"{n:,}".replace(",", "\u202f")


def _meur(amount: Decimal) -> str:
    return f"{(amount / Decimal(1_000_000)).quantize(Decimal('0.01'))}"


def _where(f: Finding) -> str:
    if not f.path:
        return ""
    return f"{f.path}:{f.line}" if f.line else f.path


# ---------------------------------------------------------------------------- CSV

def fix_list_csv(report: QualityReport) -> str:
    """The whole fix list as one string (``fix_list_chunks``); for tests and small reports."""
    return "".join(fix_list_chunks(report))


def fix_list_chunks(report: QualityReport) -> Iterator[str]:
    """Every finding, one row each, by source file and line, with what is expected, in pieces for the atomic
    writer (a large build's fix list is never one string). People open it in a spreadsheet, so no cell starts
    like a formula (``spreadsheet_csv``)."""
    def rows() -> Iterator[tuple[object, ...]]:
        for f in sorted(report.findings, key=fix_list_key):
            rule = report.rule(f.rule, f.severity)
            yield (f.path, f.line, f.record, f.severity.value, f.rule, rule.name, rule.category, rule.importance,
                   f.field, f.value, f.message, rule.description)

    return spreadsheet_csv(FIX_LIST_COLUMNS, rows())


def name_groups_chunks(members: Iterable[NameGroupMember]) -> Iterator[str]:
    """Every organisation of a name given under several Y-tunnus, once (name-groups.csv), sorted by name key
    and Y-tunnus: what the ``org-name-several-business-ids`` findings name only the first few of."""
    return spreadsheet_csv(NAME_GROUPS_COLUMNS, (
        (m.key, m.business_id, "; ".join(sorted(m.names)), m.organisation, len(m.projects),
         m.projects[0] if m.projects else None, len(m.group_ids))
        for m in members))


# ---------------------------------------------------------------------------- Markdown

def summary_markdown(report: QualityMeasures, *, max_rules: int = 20) -> str:
    """A short summary for a CI job summary or a pull-request comment."""
    h = report.headline
    counts = report.counts()
    verdict = "conforms" if report.conforms else "does not conform"
    lines = [
        f"## esrgraph data quality: {verdict}",
        "",
        "| records read | built | set aside | projects | violations | warnings | notes |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        f"| {_md_int(h.records_read)} | {_md_int(h.records_built)} | {_md_int(h.records_quarantined)} | "
        f"{h.projects} | {counts['Violation']} | {counts['Warning']} | {counts['Info']} |",
        "",
    ]
    groups = report.groups()
    if not groups:
        lines.append("No findings: every rule holds.")
    else:
        lines += [
            "| severity | rule | category | findings | projects affected | first at |",
            "|---|---|---|---:|---:|---|",
        ]
        for g in groups[:max_rules]:
            first = g.examples[0]
            where = _md_text(_where(first) or first.field or "")
            lines.append(
                f"| {g.severity.value} | {_md_text(g.rule.name)} ({_md_text(g.rule.id, code=True)}) | "
                f"{_md_text(g.rule.category)} | {g.findings} | {g.records} ({_pct(g.share)}) | {where} |"
            )
        if len(groups) > max_rules:
            lines.append(f"\n…and {len(groups) - max_rules} more rules.")
    summary = report.summary
    lines += _unknown_markdown(list(summary.unknown_values))
    lines += ["", f"Every finding, by source file and line: `fix-list.csv` ({summary.total} rows). "
              "Explanations and charts: `quality-report.html`."]
    if summary.name_group_rows:
        lines.append(f"Names given under several Y-tunnus, each organisation once: `{NAME_GROUPS_FILE}` "
                     f"({counted(summary.name_group_names, noun='name')}, "
                     f"{counted(summary.name_group_rows, noun='row')}).")
    lines.append("")
    return "\n".join(lines)


def _unknown_markdown(values: list[UnknownValue], per_field: int = UNKNOWN_VALUES_MD) -> list[str]:
    """The values no code list knows: the first ``per_field`` of each field, then how many more."""
    if not values:
        return []
    lines = ["", "### Values not in the code lists", "",
             "Kept as written; extend the code-list file (data/codelists/) to make them known. "
             f"Every value, once: `{UNKNOWN_VALUES_FILE}` ({counted(len(values), noun='row')}).", "",
             "| field | value | records | extend | first records |", "|---|---|---:|---|---|"]
    for (field, _), groups in by_list(values).items():
        for u in groups[:per_field]:
            lines.append(f"| {_md_text(field, code=True)} | {_md_text(u.value, code=True)} | {u.records} | "
                         f"{_md_text(u.code_list_text)} | {_md_text(', '.join(u.examples))} |")
        if len(groups) > per_field:
            rest = groups[per_field:]
            lines.append(f"| {_md_text(field, code=True)} | …and {counted(len(rest), rest, more=True)}"
                         f" | {sum(u.records for u in rest)} | {_md_text(groups[0].code_list_text)} | |")
    return lines


def _md_int(n: int | None) -> str:
    return "–" if n is None else str(n)


#: Characters that start Markdown or HTML in GitHub's and GitLab's renderers: emphasis, code, links and
#: images, raw HTML and entities, strikethrough, math, table cells; an underscore only at a word's edge
#: (inside a word, as in ``target_groups``, it is text in CommonMark).
_MD_SPECIAL = re.compile(r"[\\`*\[\]<>&|~$]|(?<![^\W_])_|_(?![^\W_])")
_BACKTICKS = re.compile(r"`+")


def _md_text(text: str, *, code: bool = False, limit: int = 80) -> str:
    """Text from the data or the shapes (file names, fields, rule names) as a Markdown table cell that
    shows exactly that text and is never markup: control characters escaped (``one_line``), clipped, then
    each character that could start markup backslash-escaped (CommonMark lets any ASCII punctuation be).
    With ``code``, a code span whose fence is longer than any run of backticks inside."""
    text = _clip(one_line(text), limit)
    if not code:
        return _MD_SPECIAL.sub(lambda m: "\\" + m.group(), text)
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}".replace("|", "\\|")  # GitHub splits cells at | even in code


# ---------------------------------------------------------------------------- SVG charts

def _hbar_chart(rows: list[tuple[str, float, str]], *, width: int = 520, max_value: float | None = None,
                marker: float | None = None, color: str = "#3e6ea8", colors: list[str] | None = None,
                empty: str = "nothing to show") -> str:
    """Horizontal bars: (label, value, shown text) per row."""
    if not rows:
        return f'<p class="empty">{escape(empty)}</p>'
    label_w, value_w, bar_h, gap = 190, 70, 16, 6
    plot_w = width - label_w - value_w
    top = max_value if max_value is not None else max(v for _, v, _ in rows) or 1.0
    height = len(rows) * (bar_h + gap) + gap
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="100%" viewBox="0 0 {width} {height}" role="img">']
    for i, (label, value, shown) in enumerate(rows):
        y = gap + i * (bar_h + gap)
        w = max(0.0, min(1.0, value / top)) * plot_w if top else 0
        parts.append(
            f'<text x="{label_w - 6}" y="{y + bar_h - 4}" text-anchor="end">{escape(_clip(label, 30))}</text>'
            f'<rect x="{label_w}" y="{y}" width="{plot_w}" height="{bar_h}" fill="#f0f2f5"/>'
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colors[i] if colors else color}">'
            f'<title>{escape(label)}: '
            f'{escape(shown)}</title></rect>'
            f'<text x="{label_w + plot_w + 6}" y="{y + bar_h - 4}">{escape(shown)}</text>'
        )
    if marker is not None and top:
        x = label_w + marker / top * plot_w
        parts.append(f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{height}" stroke="#b42318" stroke-dasharray="4 3"/>')
    parts.append("</svg>")
    return "".join(parts)


def _vbar_chart(rows: list[tuple[str, float, str]], *, width: int = 520, height: int = 220,
                empty: str = "nothing to show") -> str:
    if not rows:
        return f'<p class="empty">{escape(empty)}</p>'
    bottom, top_pad, left = 34, 18, 8
    plot_h = height - bottom - top_pad
    slot = (width - 2 * left) / len(rows)
    bar_w = max(4.0, min(48.0, slot * 0.7))
    top = max(v for _, v, _ in rows) or 1.0
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="100%" viewBox="0 0 {width} {height}" role="img">',
             f'<line x1="{left}" y1="{height - bottom}" x2="{width - left}" y2="{height - bottom}" stroke="#9aa3af"/>']
    for i, (label, value, shown) in enumerate(rows):
        h = value / top * plot_h
        x = left + i * slot + (slot - bar_w) / 2
        y = height - bottom - h
        cx = x + bar_w / 2
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="#3e6ea8"><title>{escape(label)}: '
            f'{escape(shown)}</title></rect>'
            f'<text x="{cx:.1f}" y="{y - 4:.1f}" text-anchor="middle">{escape(shown)}</text>'
            f'<text x="{cx:.1f}" y="{height - bottom + 16}" text-anchor="middle">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


_SEVERITY_COLOR = {"Violation": "#b42318", "Warning": "#b54708", "Info": "#175cd3"}


def _rules_chart(groups: list[RuleGroup]) -> str:
    shown = groups[:15]
    if not shown:
        return '<p class="empty">no findings</p>'
    chart = _hbar_chart([(g.rule.name, float(g.findings), str(g.findings)) for g in shown],
                        colors=[_SEVERITY_COLOR.get(g.severity.value, "#3e6ea8") for g in shown])
    if len(groups) > len(shown):
        chart += f'<p class="empty">…and {len(groups) - len(shown)} more rules</p>'
    return chart


# ---------------------------------------------------------------------------- HTML

def _record_cell(record: str | None, site_links: str | None) -> str:
    if not record:
        return '<span class="empty">dataset</span>'
    code = record.split(" ")[0]
    text = escape(record)
    if site_links is not None:
        return f'<a href="{escape(site_links)}{escape(code)}.html">{text}</a>'
    return text


def _cards(report: QualityMeasures) -> str:
    h = report.headline
    counts = report.counts()
    items = []
    if h.records_read is not None:
        items += [("records read", _int(h.records_read), ""), ("records built", _int(h.records_built), ""),
                  ("records set aside", _int(h.records_quarantined), "")]
    items += [("projects in graph", _int(h.projects), "")]
    items += [(label, _int(counts[key]), cls if counts[key] else "")
              for label, key, cls in (("violations", "Violation", "violation"), ("warnings", "Warning", "warning"),
                                      ("notes", "Info", "info"))]
    return "\n".join(
        f'    <div class="{cls}" data-metric="{escape(label.replace(" ", "-"))}"><dt>{escape(label)}</dt><dd>{value}</dd></div>'
        for label, value, cls in items
    )


def _rules_table(groups: list[RuleGroup]) -> str:
    if not groups:
        return '<p class="empty">No findings: every rule holds.</p>'
    rows = []
    for g in groups:
        pct = float(g.share * 100)
        rows.append(
            f'<tr><td><span class="sev {g.severity.value}">{g.severity.value}</span></td>'
            f'<td><a href="#rule-{escape(g.rule.id)}">{escape(g.rule.name)}</a></td>'
            f'<td><span class="tag">{escape(g.rule.category)}</span></td><td>{escape(g.rule.importance)}</td>'
            f'<td class="num">{g.findings}</td>'
            f'<td class="num">{g.records} ({_pct(g.share)})<span class="share"><span style="width:{pct:.1f}%">'
            f"</span></span></td></tr>"
        )
    return (
        '<table id="rules"><thead><tr><th>severity</th><th>rule</th><th>category</th><th>importance</th>'
        '<th class="num">findings</th><th class="num">projects affected</th></tr></thead><tbody>'
        + "".join(rows) + "</tbody></table>"
    )


def _unknown_table(values: list[UnknownValue], per_field: int = UNKNOWN_VALUES_HTML) -> str:
    """One table of the values no code list knows: per field, the first ``per_field`` by records."""
    if not values:
        return '<p class="empty">Every coded value is in its code list.</p>'
    rows = []
    for (field, _), groups in by_list(values).items():
        for u in groups[:per_field]:
            first = ", ".join(u.examples) + (", …" if u.records > len(u.examples) else "")
            rows.append(
                f"<tr><td><code>{escape(field)}</code></td><td class=\"value\">{escape(_clip(u.value))}</td>"
                f'<td class="num">{_int(u.records)}</td><td><code>{escape(u.code_list_text)}</code></td>'
                f"<td>{escape(first)}</td></tr>"
            )
        if len(groups) > per_field:
            rest = groups[per_field:]
            rows.append(
                f'<tr class="more"><td><code>{escape(field)}</code></td>'
                f"<td>…and {escape(counted(len(rest), rest, more=True))}</td>"
                f'<td class="num">{_int(sum(u.records for u in rest))}</td>'
                f"<td><code>{escape(groups[0].code_list_text)}</code></td><td></td></tr>"
            )
    return (
        '<table id="unknown-values"><thead><tr><th>field</th><th>value as written</th><th class="num">records</th>'
        "<th>extend</th><th>first records</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
        f'<p class="count">{counted(len(values))} in all, each once in <a href="{UNKNOWN_VALUES_FILE}">'
        f"{UNKNOWN_VALUES_FILE}</a>.</p>"
    )


def _rule_section(g: RuleGroup, examples: int, site_links: str | None) -> str:
    rule = g.rule
    shown = g.examples[:examples]
    rows = "".join(
        f"<tr><td>{_record_cell(f.record, site_links)}</td><td><code>{escape(f.field or '')}</code></td>"
        f'<td class="value">{escape(_clip(f.value))}</td><td class="mono">{escape(_where(f))}</td>'
        f"<td>{escape(_clip(f.message, 200))}</td></tr>"
        for f in shown
    )
    more = g.findings - len(shown)
    more_text = (f" Showing the first {len(shown)}; all {g.findings} are in "
                 f'<a href="fix-list.csv">fix-list.csv</a>.') if more > 0 else ""
    return (
        f'<article class="rule {g.severity.value}" id="rule-{escape(rule.id)}">'
        f"<h3>{escape(rule.name)}</h3>"
        f'<p class="meta"><span class="sev {g.severity.value}">{g.severity.value}</span>'
        f'<span class="tag">{escape(rule.category)}</span><span class="tag">importance: {escape(rule.importance)}</span>'
        f'<code>{escape(rule.id)}</code></p>'
        f'<p class="what">{escape(rule.description or rule.message or rule.id)}</p>'
        f'<table><thead><tr><th>record</th><th>field</th><th>value</th><th>source file:line</th><th>problem</th>'
        f"</tr></thead><tbody>{rows}</tbody></table>"
        f'<p class="count">{g.findings} findings in {g.records} projects ({_pct(g.share)} of the '
        f"projects).{more_text}</p></article>"
    )


def quality_html(report: QualityMeasures, *, examples: int = DEFAULT_EXAMPLES, site_links: str | None = None) -> str:
    """The report page: self-contained HTML (inline CSS and SVG, no scripts, no network).

    Args:
        report: what to show.
        examples: how many findings to show per rule (all are in fix-list.csv).
        site_links: when given, a relative prefix (``site/project/``) under which each record has ``<code>.html``.
    """
    h = report.headline
    groups = report.groups()
    verdict_ok = report.conforms
    what = "build" if h.subject == "build" else f"graph {h.subject}"
    lede = (f"This {what} holds {_int(h.projects)} projects"
            + (f", built from {_int(h.records_built)} of {_int(h.records_read)} records read" if h.records_read is not None else "")
            + f". {report.summary.total} findings under {len(groups)} rules.")
    completeness_rows = [(c.spec.label, float(c.share), _pct(c.share)) for c in report.completeness]
    region_rows = [(name, float(v), _meur(v)) for name, v in report.funding_by_region[:20]]
    year_rows = [(year, float(v), _meur(v)) for year, v in report.funding_by_year]
    css = _template("report.css")
    return Template(_template("report.html")).substitute(
        version=escape(report.version),
        subject=escape(h.subject),
        title="Data quality of the " + escape(what),
        verdict_class="ok" if verdict_ok else "bad",
        verdict="Conforms: no violations" if verdict_ok else "Does not conform: violations to fix",
        lede=escape(lede),
        css=css,
        cards=_cards(report),
        projects=_int(h.projects),
        rules_table=_rules_table(groups),
        unknown_values=_unknown_table(list(report.summary.unknown_values)),
        chart_rules=_rules_chart(groups),
        chart_completeness=_hbar_chart(completeness_rows, max_value=1.0, marker=0.2, empty="no projects"),
        chart_regions=_hbar_chart(region_rows, empty="no granted funding with a region"),
        chart_years=_vbar_chart(year_rows, empty="no granted funding with a start date"),
        rule_sections="\n".join(_rule_section(g, examples, site_links) for g in groups)
        or '<p class="empty">No findings.</p>',
    )
