"""While the outputs are written, the build's objects are left out of full collections, and collected after."""

from __future__ import annotations

import gc
import weakref

from esrgraph.pipeline.stages import long_lived_frozen


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


def test_objects_alive_before_are_frozen_and_a_cycle_dropped_meanwhile_is_collected_after() -> None:
    before = _Node()
    dropped = weakref.ref(before)
    assert gc.get_freeze_count() == 0
    with long_lived_frozen():
        assert gc.get_freeze_count() > 0
        made = _Node()
        made_ref = weakref.ref(made)
        del before, made
        gc.collect()
        assert made_ref() is None  # made in the block: collected as ever
        assert dropped() is not None  # frozen: not scanned
    assert gc.get_freeze_count() == 0
    gc.collect()
    assert dropped() is None


def test_the_freeze_ends_when_the_block_fails() -> None:
    try:
        with long_lived_frozen():
            raise KeyboardInterrupt
    except KeyboardInterrupt:
        pass
    assert gc.get_freeze_count() == 0
