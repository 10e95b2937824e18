"""benchmarks.query_forms: the named queries' forms of an earlier revision against this checkout's."""

from __future__ import annotations

from pathlib import Path

import pytest

from esrgraph.sparql.store import open_build

#: The revision before the funding queries read each property of the projects by a sub-select of its own.
BEFORE_SUB_SELECTS = "e1e99f5"
CHANGED = {"funding-by-fund", "funding-by-nuts3", "funding-by-priority-axis", "funding-by-region", "funding-by-year",
           "largest-beneficiaries", "projects-by-organisation-type", "projects-per-municipality",
           "projects-running-on-date", "realised-versus-granted"}


def test_the_sub_select_forms_give_the_rows_of_the_forms_before(sample_out: Path) -> None:
    from benchmarks import query_forms

    if query_forms.text_at(BEFORE_SUB_SELECTS, "funding-by-fund") is None:
        pytest.skip(f"this clone does not hold revision {BEFORE_SUB_SELECTS} (a shallow clone?)")
    compared = {c.name: c for c in query_forms.compare_forms(open_build(sample_out, build=False).store,
                                                             BEFORE_SUB_SELECTS, runs=1)}
    changed = {name for name, c in compared.items() if c.same is not None}
    assert changed == CHANGED
    assert all(compared[name].same and compared[name].rows > 0 for name in CHANGED)
    table = query_forms.table(BEFORE_SUB_SELECTS, list(compared.values()))
    assert "| sustainability-scores-by-criterion | same text |" in table and "**NO**" not in table
