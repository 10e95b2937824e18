"""The readable build summary printed on screen: counts, then every finding by name."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from esrgraph.build import BuildResult
from esrgraph.findings import Severity

_PERSONAL_FIELD_NAMES = {
    "applicant.contact.name": "contact-person names",
    "applicant.contact.role": "contact-person roles",
    "applicant.contact.email": "contact-person e-mails",
    "applicant.contact.phone": "contact-person phones",
    "applicant.phone": "organisation phones that are a contact person's own number",
}


def build_summary(result: BuildResult, written: list[Path], *, quiet: bool = False) -> str:
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
    for finding in result.findings:
        if quiet and finding.severity is not Severity.VIOLATION:
            continue
        lines.append(str(finding))
    if result.withheld:
        withheld = ", ".join(
            f"{n} {_PERSONAL_FIELD_NAMES.get(k, k)}" for k, n in sorted(result.withheld.items())
        )
        lines.append(f"personal data withheld (use --include-personal-data to publish): {withheld}")
    if result.reuse:
        lines.append("reused from the build cache: " + ", ".join(
            f"{reused} of {total} {_REUSE_NAMES[kind]}" for kind, (reused, total) in result.reuse.items()))
    for line in nuts_link_lines(result):
        lines.append(line)
    lines.append("wrote: " + ", ".join(str(p) for p in written))
    return "\n".join(lines)


_REUSE_NAMES = {"chunks": "parse chunks", "map": "mapped shards", "check": "validated shards",
                "org": "organisation parts", "common": "code-list parts"}
_REGION = "https://w3id.org/esrgraph/ontology#region"
_EXACT = "http://www.w3.org/2004/02/skos/core#exactMatch"
_IN_SCHEME = "http://www.w3.org/2004/02/skos/core#inScheme"
_PREF = "http://www.w3.org/2004/02/skos/core#prefLabel"
_NOTATION = "http://www.w3.org/2004/02/skos/core#notation"
_NUTS = "http://data.europa.eu/nuts/code/"


def nuts_link_lines(result: BuildResult) -> list[str]:
    """One line per region the projects name: its NUTS 3 links and the NUTS versions of each."""
    used: set[str] = set()
    links: dict[str, list[str]] = defaultdict(list)
    versions: dict[str, list[str]] = defaultdict(list)
    labels: dict[str, str] = {}
    notations: dict[str, str] = {}
    for t in result.iter_triples():
        p = t.predicate.value
        if p == _REGION:
            used.add(t.object.value)
        elif p == _EXACT and t.object.value.startswith(_NUTS):
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
