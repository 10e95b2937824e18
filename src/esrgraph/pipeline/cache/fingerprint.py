"""One fingerprint of the program, in every key of the build caches (per-file parses, shard parts).

Why: a cached part is a function of its inputs and of the code that made it; hashing the whole
package and the resource files it reads means a changed program never reuses a part, with no list
of "the modules that matter" to keep up to date.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def program_fingerprint() -> str:
    """SHA-256 over esrgraph's source and the resource files a build reads."""
    from esrgraph.core.resources import resource_dir
    from esrgraph.core.version import __version__

    package = Path(__file__).resolve().parents[2]
    digest = hashlib.sha256(__version__.encode())
    files = sorted(package.rglob("*.py"))
    for name in ("data", "shapes", "ontology"):
        folder = resource_dir(name)
        files += sorted(p for p in folder.rglob("*") if p.is_file() and "samples" not in p.relative_to(folder).parts)
    for path in files:
        digest.update(str(path.name).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()
