"""A kept file of one layout line, one line of JSON and byte blobs whose sizes the JSON gives: the release's pieces
(esrgraph.publish.pieces) and the collaboration network's parts (esrgraph.publish.network_parts) are kept so, and
a file cut short or of another layout is told apart from a whole one."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any


def framed(layout: bytes, head: dict[str, Any], blobs: Sequence[bytes]) -> bytes:
    """``layout`` (a line), ``head`` with the blobs' ``sizes`` as one line of JSON, then the blobs."""
    line = json.dumps({**head, "sizes": [len(b) for b in blobs]}, ensure_ascii=False).encode("utf-8")
    return b"".join((layout, line, b"\n", *blobs))


def unframed(data: bytes, layout: bytes, blobs: int) -> tuple[dict[str, Any], list[bytes]] | None:
    """The head and the ``blobs`` blobs of ``framed`` bytes; None unless ``data`` is whole and of ``layout``."""
    if not data.startswith(layout):
        return None
    try:
        end = data.index(b"\n", len(layout))
        head = json.loads(data[len(layout):end])
        sizes = [int(n) for n in head["sizes"]]
    except (ValueError, KeyError, TypeError):  # json's and UnicodeDecodeError are ValueErrors
        return None
    if not isinstance(head, dict) or len(sizes) != blobs or min(sizes, default=0) < 0:
        return None
    parts, pos = [], end + 1
    for n in sizes:
        parts.append(data[pos:pos + n])
        pos += n
    return (head, parts) if pos == len(data) else None
