"""The readable build summary printed on screen: counts, then every finding by name."""

from __future__ import annotations

import mmap
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

from pyoxigraph import QuerySolutions, Triple

from esrgraph.core.findings import MAX_FINDINGS_SHOWN, Severity, one_line
from esrgraph.pipeline.result import BuildResult
from esrgraph.quality.checks import Queryable
from esrgraph.quality.unknown import UNKNOWN_VALUES_FILE, UnknownValue, by_list, counted, unknown_values

_PERSONAL_FIELD_NAMES = {
    "applicant.contact.name": "contact-person names",
    "applicant.contact.role": "contact-person roles",
    "applicant.contact.email": "contact-person e-mails",
    "applicant.contact.phone": "contact-person phones",
    "applicant.phone": "organisation phones that are a contact person's own number",
}


def build_summary(result: BuildResult, written: list[Path], *, quiet: bool = False,
                  max_findings: int = MAX_FINDINGS_SHOWN) -> str:
    """What ``esrgraph build`` prints: counts, failed files, quarantined records, the findings
    (violations only when ``quiet``) and, past ``max_findings`` of them (0: no limit), the count of
    each rule's other findings, so 30,000 projects' 34,000 findings do not flood a CI log. When
    some are left out, the ones printed are the weightiest (violations first), each weight in the
    report's order. Each line is one line whatever file names and values hold (``one_line``)."""
    counts = result.counts()
    lines = [
        f"esrgraph: {result.batch.files_read} files read, {result.records_found} records found, "
        f"{result.records_built} built into {len(result.projects)} projects, "
        f"{len(result.quarantined)} quarantined, {len(result.batch.failed_files)} files failed",
        f"graph: {len(result.triples)} triples, {len(result.projects)} projects, {result.organisations} organisations",
    ]
    verdict = "conforms" if result.conforms else "DOES NOT CONFORM"
    lines.append(
        f"validation: {verdict} ({counts['Violation']} violations, {counts['Warning']} warnings, {counts['Info']} notes)"
    )
    for failure in result.batch.failed_files:
        lines.append(f"FILE FAILED {failure.error}")
    for q in sorted(result.quarantined, key=lambda q: (q.path, q.line or 0)):
        lines.append(f"QUARANTINED {q}")
    shown = [f for f in result.findings if not quiet or f.severity is Severity.VIOLATION]
    left_out = bool(max_findings) and len(shown) > max_findings
    if left_out:
        shown.sort(key=lambda f: f.severity.rank)  # stable: the report's order within a weight
    lines.extend(str(finding) for finding in shown[:max_findings or None])
    if left_out:
        rest = shown[max_findings:]
        reports = [p.name for p in written if p.name.startswith("validation-report.")]
        lines.append(f"... and {len(rest):,} more findings, not shown (--max-findings 0 prints every one)"
                     + (f"; every finding is in {' and '.join(reports)}" if reports else "") + ":")
        by_rule = Counter((f.rule, f.severity) for f in rest)
        for (rule, severity), n in sorted(by_rule.items(), key=lambda item: (-item[1], item[0][1].rank, item[0][0])):
            lines.append(f"  {n:7,}  {severity.value:9s} {rule}")
    if not quiet:
        lines.extend(unknown_value_lines(unknown_values(result.findings), written))
    if result.withheld:
        withheld = ", ".join(
            f"{n} {_PERSONAL_FIELD_NAMES.get(k, k)}" for k, n in sorted(result.withheld.items())
        )
        lines.append(f"personal data withheld (use --include-personal-data to publish): {withheld}")
    if result.reuse:
        lines.append("reused from the build cache: " + ", ".join(
            f"{reused} of {total} {_REUSE_NAMES[kind]}" for kind, (reused, total) in result.reuse.items()))
    if result.cache_note:
        lines.append(f"warning: {result.cache_note}")
    for line in nuts_link_lines(result):
        lines.append(line)
    lines.append("wrote: " + ", ".join(str(p) for p in written))
    return "\n".join(one_line(line) for line in lines)


#: Values shown per field in the summary's "Values not in the code lists" (all are in unknown-values.csv).
UNKNOWN_VALUES_SHOWN = 5
_VALUE_SHOWN = 60


def unknown_value_lines(values: list[UnknownValue], written: Iterable[Path] = (),
                        per_field: int = UNKNOWN_VALUES_SHOWN) -> list[str]:
    """"Values not in the code lists": per field, the file to extend and its ``per_field`` values given by
    the most records, each with its count and first records, then how many more; a few lines whatever the
    build's size."""
    if not values:
        return []
    every = [p.name for p in written if p.name == UNKNOWN_VALUES_FILE]
    lines = ["Values not in the code lists (kept as written; extend the file named to make them known"
             + (f"; every value is in {every[0]}" if every else "") + "):"]
    for (field, _), groups in by_list(values).items():
        lines.append(f"  {field} -> {groups[0].code_list_text}: {counted(len(groups), groups)} in "
                     f"{counted(sum(u.records for u in groups), noun='record')}")
        for u in groups[:per_field]:
            value = u.value if len(u.value) <= _VALUE_SHOWN else u.value[:_VALUE_SHOWN - 1] + "…"
            first = ", ".join(u.examples) + (", ..." if u.records > len(u.examples) else "")
            lines.append(f"  {u.records:7,}  {value!r}" + (f": {first}" if first else ""))
        if len(groups) > per_field:
            rest = groups[per_field:]
            lines.append(f"           and {counted(len(rest), rest, more=True)} in "
                         f"{counted(sum(u.records for u in rest), noun='record')}")
    return lines


_REUSE_NAMES = {"chunks": "parse chunks", "map": "mapped shards", "check": "validated shards",
                "org": "organisation parts", "common": "code-list parts"}
_REGION = "https://w3id.org/esrgraph/ontology#region"
_EXACT = "http://www.w3.org/2004/02/skos/core#exactMatch"
#: A region whose territory changed is only close to its NUTS codes (issue 20); both kinds are its NUTS links.
_CLOSE = "http://www.w3.org/2004/02/skos/core#closeMatch"
_IN_SCHEME = "http://www.w3.org/2004/02/skos/core#inScheme"
_PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"
_NOTATION = "http://www.w3.org/2004/02/skos/core#notation"
_NUTS = "http://data.europa.eu/nuts/code/"


#: What every N-Triples line with a predicate ``_nuts_lines`` reads holds: a space, then that IRI.
_PICKED = (b" <http://www.w3.org/2004/02/skos/core#", f" <{_REGION}> ".encode())


def nuts_link_lines(result: BuildResult) -> list[str]:
    """One line per region the projects name: its NUTS 3 links and the NUTS versions of each.

    ``write_outputs`` reads them from the query store (``nuts_link_lines_of``), where a rebuild keeps the answer
    when no region changed. Else a sharded build's graph file is not parsed whole (too slow at scale:
    docs/decisions/20261203-one-way-layers.md): only the lines that name one of the predicates read here
    (``_lines_naming``) are.
    """
    if result.nuts_links is not None:
        return list(result.nuts_links)
    if result.graph_files is None or result.graph_files["ntriples"].stat().st_size == 0:  # mmap needs a byte
        return _nuts_lines(result.iter_triples())
    from pyoxigraph import RdfFormat, parse

    with open(result.graph_files["ntriples"], "rb") as handle, \
            mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        picked = _lines_naming(data, _PICKED)
    return _nuts_lines(quad.triple for quad in parse(picked, format=RdfFormat.N_TRIPLES))


#: The triples ``_nuts_lines`` reads, as rows of ?s ?p ?o: the regions projects name (as objects of esr:region),
#: their Finnish labels and notations, and every NUTS link with the NUTS versions of its code. Each branch names its
#: predicate, so the answer is kept across a change of any other (esrgraph.sparql.reads: a variable predicate reads
#: everything, and a changed amount ran it again).
_NUTS_TRIPLES = f"""SELECT ?s ?p ?o WHERE {{
  {{ {{ SELECT DISTINCT ?o WHERE {{ ?project <{_REGION}> ?o }} }} BIND(?o AS ?s) BIND(<{_REGION}> AS ?p) }}
  UNION
  {{ {{ SELECT DISTINCT ?s WHERE {{ ?project <{_REGION}> ?s }} }} ?s <{_PREF}> ?o BIND(<{_PREF}> AS ?p) }}
  UNION
  {{ {{ SELECT DISTINCT ?s WHERE {{ ?project <{_REGION}> ?s }} }} ?s <{_NOTATION}> ?o BIND(<{_NOTATION}> AS ?p) }}
  UNION
  {{ ?s <{_EXACT}> ?o FILTER(STRSTARTS(STR(?o), "{_NUTS}")) BIND(<{_EXACT}> AS ?p) }}
  UNION
  {{ ?s <{_CLOSE}> ?o FILTER(STRSTARTS(STR(?o), "{_NUTS}")) BIND(<{_CLOSE}> AS ?p) }}
  UNION
  {{ ?s <{_IN_SCHEME}> ?o FILTER(STRSTARTS(STR(?s), "{_NUTS}")) BIND(<{_IN_SCHEME}> AS ?p) }}
}} ORDER BY ?s ?p ?o"""


def nuts_link_lines_of(store: Queryable) -> list[str]:
    """``nuts_link_lines`` from the graph in a store (the build's query store: one query, which a rebuild keeps
    while no region and no link changed)."""
    result = store.query(_NUTS_TRIPLES)
    assert isinstance(result, QuerySolutions)
    return _nuts_lines(Triple(row["s"], row["p"], row["o"]) for row in result)


def _lines_naming(data: bytes | mmap.mmap, needles: Iterable[bytes]) -> bytes:
    """The lines of ``data`` that contain one of ``needles``, each once, in file order. A prefilter:
    a needle inside a literal picks a line of another predicate, which the caller drops."""
    lines: dict[int, int] = {}
    for needle in needles:
        at = data.find(needle)
        while at != -1:
            start = data.rfind(b"\n", 0, at) + 1
            end = data.find(b"\n", at)
            end = len(data) if end == -1 else end + 1
            lines[start] = end
            at = data.find(needle, end)
    return b"".join(data[start:lines[start]] for start in sorted(lines))


def _nuts_lines(triples: Iterable[Triple]) -> list[str]:
    used: set[str] = set()
    links: dict[str, list[str]] = defaultdict(list)
    versions: dict[str, list[str]] = defaultdict(list)
    labels: dict[str, str] = {}
    notations: dict[str, str] = {}
    for t in triples:
        if isinstance(t.subject, Triple) or isinstance(t.object, Triple):
            continue  # a triple term: none of the links read here
        p = t.predicate.value
        if p == _REGION:
            used.add(t.object.value)
        elif p in (_EXACT, _CLOSE) and t.object.value.startswith(_NUTS):
            links[t.subject.value].append(t.object.value)
        elif p == _IN_SCHEME and t.subject.value.startswith(_NUTS):
            versions[t.subject.value].append(t.object.value.rsplit("/", 1)[-1])
        elif p == _PREF and getattr(t.object, "language", None) == "fi":
            labels[t.subject.value] = t.object.value
        elif p == _NOTATION:
            notations[t.subject.value] = t.object.value
    lines = []
    for region in sorted(used, key=lambda r: labels.get(r, r)):
        if not links.get(region):
            lines.append(f"NUTS link: {labels.get(region, region)}: none (not a coded region)")
            continue
        parts = [
            f"{code.rsplit('/', 1)[-1]} (NUTS {', '.join(sorted(versions.get(code, [])))})"
            for code in sorted(links[region])
        ]
        lines.append(f"NUTS link: {labels.get(region, region)} ({notations.get(region, '?')}) -> {'; '.join(parts)}")
    return lines
