"""The benchmark generator is deterministic, writes every layout, and its records parse."""

from __future__ import annotations

from collections import Counter

from benchmarks import generate
from stdnum.fi import ytunnus

from esrgraph.parsers.base import SourceText
from esrgraph.parsers.inputs import parse_source


def test_same_seed_same_bytes_other_seed_other_bytes() -> None:
    assert list(generate.files(30, seed=5)) == list(generate.files(30, seed=5))
    assert list(generate.files(30, seed=5)) != list(generate.files(30, seed=6))


def test_business_ids_pass_stdnum_and_wrong_ones_fail() -> None:
    import random

    rng = random.Random(1)
    assert all(ytunnus.is_valid(generate.business_id(rng)) for _ in range(200))
    assert not any(ytunnus.is_valid(generate.business_id(rng, wrong=True)) for _ in range(200))


def test_every_layout_parses_and_faults_are_injected() -> None:
    projects = list(generate.projects(40, seed=2, faulty_share=0.25))
    assert {p.fault for p in projects if p.fault} == set(generate.FAULTS)
    assert all(1 <= len(p.municipalities) <= 30 and len(p.co_implementers) <= 12 for p in projects)
    for layout in generate.LAYOUTS:
        records = []
        for name, text in generate.files(10, seed=2, layout=layout):
            outcome = parse_source(SourceText(name, "0" * 64, text, "utf-8"))
            records += outcome.records
            assert not outcome.quarantined, (layout, outcome.quarantined)
        assert len(records) == 10, layout
        assert {r.source.layout for r in records} == {layout}
        assert all(r.code and r.name for r in records)


def test_organisations_recur_as_in_the_real_list() -> None:
    # The real 2014-2020 list: 2,865 projects, 1,606 distinct applicants (56 %), the busiest leading 83.
    projects = list(generate.projects(2865, seed=7))
    applicants = Counter(p.applicant for p in projects)
    assert 0.50 <= len(applicants) / len(projects) <= 0.62
    assert applicants.most_common(1)[0][1] >= 20
    # One organisation, one Y-tunnus (but the records with a wrong check digit on purpose), and no
    # project names one organisation twice.
    ids: dict[str, set[str]] = {}
    for p in projects:
        names = [p.applicant] + [name for name, _ in p.co_implementers]
        assert len(names) == len(set(names)), p.code
        pairs = ([] if p.fault == "bad-check-digit" else [(p.applicant, p.applicant_id)]) + p.co_implementers
        for name, bid in pairs:
            ids.setdefault(name, set()).add(bid)
    assert all(len(found) == 1 for found in ids.values())
