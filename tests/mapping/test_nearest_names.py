"""The nearest-name search is bounded: difflib looks at a handful of code-list names per unknown name, not
at every one, and the nearest names are the same as when it looked at every one (issue 21).

Not timed: the tests count the names difflib examines. benchmarks/nearest_names.py measures the time.
"""

from __future__ import annotations

import difflib
import functools
import random

import pytest
from benchmarks.nearest_names import unknown_names
from hypothesis import given, settings
from hypothesis import strategies as st

from esrgraph.mapping.resolve import Resolver, _Index, normalise


@functools.cache
def _resolver() -> Resolver:
    """One resolver for the tests that only read its indexes (hypothesis cannot take a fixture)."""
    return Resolver()


def _everyone_scored(index: _Index, key: str) -> tuple[str, ...]:
    """What ``_Index.nearest`` answered when difflib scored every name of the index (before issue 21)."""
    labels: list[str] = []
    for match in difflib.get_close_matches(key, index.exact, n=12, cutoff=0.6):
        for notation in sorted(index.exact[match]):
            label = index.concepts[notation].label
            if label not in labels:
                labels.append(label)
    return tuple(labels[:3])


def _near_misses(name: str) -> list[str]:
    """Ways records get a name wrong: a letter dropped, changed, added; a genitive; a word glued on."""
    return [name[:-1], name[1:], name + "n", name.replace("a", "e"), name + " kaupunki", name[: len(name) // 2],
            name + name[::-1], "ylä " + name]


def _count_examined(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the names difflib examines: each becomes a SequenceMatcher's first sequence (so does "" once
    for each SequenceMatcher made)."""
    examined = [0]
    original = difflib.SequenceMatcher.set_seq1

    def set_seq1(self: difflib.SequenceMatcher[str], a: str) -> None:
        examined[0] += 1
        original(self, a)

    monkeypatch.setattr(difflib.SequenceMatcher, "set_seq1", set_seq1)
    return examined


def test_the_nearest_names_are_the_ones_difflib_finds_scoring_every_name() -> None:
    rng = random.Random(21)
    checked = 0
    for scheme, index in sorted(_resolver()._indexes.items()):
        names = sorted(index.exact)
        texts = [t for name in rng.sample(names, min(len(names), 15)) for t in _near_misses(name)]
        texts += ["".join(rng.choice("aeiouyäöklmnprstvj -") for _ in range(rng.randint(1, 60))) for _ in range(40)]
        for text in filter(None, (normalise(t) for t in texts)):
            assert index.closest(text) == tuple(difflib.get_close_matches(text, index.exact, n=12, cutoff=0.6))
            assert index.nearest(text) == _everyone_scored(index, text), (scheme, text)
            checked += 1
    assert checked > 1_500


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("aeijklmnoprstuvyäöå -x1"), min_size=1, max_size=80))
def test_any_text_gets_the_nearest_names_of_scoring_every_name(text: str) -> None:
    key = normalise(text)
    for index in _resolver()._indexes.values():
        assert index.nearest(key) == _everyone_scored(index, key)


def test_difflib_examines_a_few_names_per_unknown_name_not_every_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """20,000 distinct unknown place names took 54 s: difflib examined all 755 municipality names for each
    (and again for each of its words: 1,360 a name). Now it examines only the names that can come near
    enough (2.3 a name)."""
    resolver = Resolver()
    municipalities = len(resolver._indexes["municipality"].exact)
    names = unknown_names(1_000)
    examined = _count_examined(monkeypatch)
    answers = [resolver.municipality(name) for name in names]
    assert all(a.concept is None for a in answers)
    assert sum(1 for a in answers if a.candidates) > 500  # most still get a nearest name
    assert municipalities > 700
    assert examined[0] <= 10 * len(names), f"{examined[0] / len(names):.1f} names examined per unknown name"


def test_an_answer_is_remembered_per_distinct_text(monkeypatch: pytest.MonkeyPatch) -> None:
    index = Resolver()._indexes["municipality"]
    examined = _count_examined(monkeypatch)
    first = index.nearest("jyvaskyla city")
    after_first = examined[0]
    assert after_first > 0 and first == ("Jyväskylä",)
    assert index.nearest("jyvaskyla city") == first and examined[0] == after_first


@pytest.mark.parametrize("length", [200, 10_000, 1_000_000])
def test_a_text_longer_than_any_name_can_match_is_not_compared(monkeypatch: pytest.MonkeyPatch, length: int) -> None:
    resolver = Resolver()
    examined = _count_examined(monkeypatch)
    res = resolver.municipality("Jyväskylä" * (length // 9))
    assert res.concept is None and res.candidates == ()
    assert examined[0] == 0
