"""The sharded build's organisations merged across shards: shard by shard from their files, the same facts as
merging every mention in mention order (what one mapper over all projects gathers)."""

from __future__ import annotations

import copy
import random
from collections import Counter
from pathlib import Path

import pytest

from esrgraph.core.model import Applicant
from esrgraph.mapping.mapper import OrganisationFacts
from esrgraph.pipeline.cache import shards as shardcache
from esrgraph.pipeline.sharded.layout import organisation_facts
from esrgraph.pipeline.sharded.organisations import merge_organisations
from esrgraph.pipeline.sharded.workers import MapOutcome

Mentions = dict[str, tuple[tuple[str, int], OrganisationFacts]]


def _shards(rng: random.Random, shards: int) -> list[Mentions]:
    """Mentions of a few organisations by projects spread over ``shards``; a project (code) is in one shard."""
    orgs = [f"https://example.org/org/{n}" for n in range(12)]
    out: list[Mentions] = [{} for _ in range(shards)]
    for code_number in rng.sample(range(1000), 60):
        code, shard = f"S{code_number:05d}", rng.randrange(shards)
        for iri in rng.sample(orgs, 3):
            if iri in out[shard] and out[shard][iri][0] < (code, 0):
                continue  # a shard keeps its first mention, as its mapper does
            facts = OrganisationFacts(iri, business_id=rng.choice([None, f"{rng.randrange(10**6, 10**7)}-1"]),
                                      names={rng.choice(["Oy A", "A Oy", "Ab A", "Oy  A"])},
                                      websites={rng.choice(["https://a.fi", "https://b.fi"])} if rng.random() < 0.5
                                      else set())
            if rng.random() < 0.6:
                facts.latest = (f"20{rng.randrange(14, 24)}-0{rng.randrange(1, 10)}-01", code,
                                Applicant(name=next(iter(facts.names))))
            out[shard][iri] = ((code, 0), facts)
    return out


def _by_mention_order(shards: list[Mentions]) -> dict[str, OrganisationFacts]:
    """Every mention sorted by its order, the first absorbing the rest (the merge as it was)."""
    mentions: dict[str, list[tuple[tuple[str, int], OrganisationFacts]]] = {}
    for shard in shards:
        for iri, mention in shard.items():
            mentions.setdefault(iri, []).append(copy.deepcopy(mention))
    merged = {}
    for iri, found in mentions.items():
        found.sort(key=lambda mention: mention[0])
        first = found[0][1]
        for _, later in found[1:]:
            first.absorb(later)
        merged[iri] = first
    return merged


@pytest.mark.parametrize("seed", range(8))
def test_shard_by_shard_from_their_files_equals_merging_in_mention_order(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    shards = _shards(rng, 5)
    expected = _by_mention_order(shards)
    outcomes = []
    for n, mentions in enumerate(shards):
        stem = tmp_path / f"p{n:04d}"
        shardcache.dump(organisation_facts(stem), mentions)
        outcomes.append(MapOutcome(shard=f"{n:04d}", findings=[], withheld=Counter(),
                                   unresolved={}, projects=0, triples=0, links=[], codes={},
                                   locator={}, seconds={}, stem=str(stem)))
    rng.shuffle(outcomes)  # the order shards come in does not matter
    merged = merge_organisations(outcomes)
    assert merged == expected
    assert {iri: facts.business_id for iri, facts in merged.items()} == \
        {iri: facts.business_id for iri, facts in expected.items()}
