"""Kept files of a layout line, a JSON head and sized blobs: read back whole, or not at all."""

from __future__ import annotations

import pytest

from esrgraph.io.framed import framed, unframed

LAYOUT = b"esrgraph-test 1\n"


def test_blobs_read_back_as_written_with_the_head() -> None:
    data = framed(LAYOUT, {"a": [1, "ä"]}, (b"x\ny", b"", b"\0\xff"))
    assert unframed(data, LAYOUT, 3) == ({"a": [1, "ä"], "sizes": [3, 0, 2]}, [b"x\ny", b"", b"\0\xff"])


@pytest.mark.parametrize("spoil", [
    lambda d: d[:-1],  # cut short
    lambda d: d + b"!",  # a byte more than the sizes say
    lambda d: b"esrgraph-test 2\n" + d[len(LAYOUT):],  # another layout
    lambda d: LAYOUT + b"[1, 2]\n",  # a head that is not an object
    lambda d: LAYOUT + b'{"sizes": [-1, 2]}\n\0\0',  # a negative size
    lambda d: LAYOUT + b"{not json\n",
    lambda d: LAYOUT + b'{"sizes": [1, 1]}',  # no end to the head
])
def test_anything_but_a_whole_file_of_the_layout_is_none(spoil) -> None:
    data = framed(LAYOUT, {}, (b"ab", b"c"))
    assert unframed(spoil(data), LAYOUT, 2) is None


def test_the_number_of_blobs_is_checked() -> None:
    assert unframed(framed(LAYOUT, {}, (b"ab", b"c")), LAYOUT, 3) is None
