"""JSON-LD contexts that live beside a document, inlined before Oxigraph reads it.

Oxigraph's JSON-LD parser loads no remote context, which keeps untrusted input off the network. A
document may still name a context file next to it (esrgraph's own release writes ``esrgraph.jsonld.gz``
with ``"@context": "context.jsonld"``): such a relative reference is replaced by that file's
``@context`` when the file lies in the document's folder. Absolute IRIs are left alone, so Oxigraph
refuses them, and ``remote_contexts`` names them for the error message.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

#: Context files larger than this are not inlined.
MAX_CONTEXT_BYTES = 16 * 1024 * 1024


def _local_file(reference: str, folder: Path) -> Path | None:
    """The file a relative context reference names inside ``folder``, or None."""
    if urlsplit(reference).scheme or reference.startswith(("/", "\\")) or not reference:
        return None
    candidate = folder / reference
    try:
        if ".." in Path(reference).parts or not candidate.resolve().is_relative_to(folder.resolve()):
            return None
        if not candidate.is_file() or candidate.stat().st_size > MAX_CONTEXT_BYTES:
            return None
    except OSError:
        return None
    return candidate


def _context_of(path: Path) -> Any:
    try:
        loaded = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    return loaded.get("@context") if isinstance(loaded, dict) else None


def inline_local_contexts(document: Any, folder: Path) -> tuple[Any, list[str]]:
    """``document`` (parsed JSON) with relative ``@context`` references to files in ``folder`` inlined, and the
    context references left as they were (remote or missing), in document order."""
    left: list[str] = []
    cache: dict[Path, Any] = {}

    def resolve(value: Any) -> Any:
        if isinstance(value, str):
            file = _local_file(value, folder)
            if file is None:
                left.append(value)
                return value
            if file not in cache:
                cache[file] = _context_of(file)
            if cache[file] is None:
                left.append(value)
                return value
            return cache[file]
        if isinstance(value, list):
            return [resolve(item) for item in value]
        return value

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {key: resolve(value) if key == "@context" else walk(value) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    return walk(document), left


def local_jsonld(data: bytes, folder: Path) -> tuple[bytes, list[str]]:
    """The JSON-LD text ``data`` with its local contexts inlined (unchanged when it names none), and the
    references left. Text that is not JSON is returned as it is, for the parser to report."""
    if b"@context" not in data:
        return data, []
    try:
        document = json.loads(data)
    except ValueError:
        return data, []
    inlined, left = inline_local_contexts(document, folder)
    return json.dumps(inlined, ensure_ascii=False).encode("utf-8"), left
