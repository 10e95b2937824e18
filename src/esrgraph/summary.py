"""The readable build summary printed on screen: counts, then every finding by name."""

from __future__ import annotations

from collections import Counter
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
    links = Counter(t.object.value for t in result.triples if t.predicate.value.endswith("skos/core#exactMatch")
                    and t.object.value.startswith("http://data.europa.eu/nuts/"))
    if links:
        lines.append(f"links to NUTS: {len(links)} NUTS 3 codes linked from regions")
    lines.append("wrote: " + ", ".join(str(p) for p in written))
    return "\n".join(lines)
