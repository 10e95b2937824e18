"""Report files kept in the build cache under a digest of what they are made from.

Writing the SHACL reports is linear in the findings (12 MB of Turtle and 29 MB of JSON at 30,000 generated
descriptions, 3 s), and a rebuild whose change did not alter any finding would write the same bytes again. With a
build cache (``--incremental``) each report is kept in ``OUT/.cache/reports/`` under a digest of its inputs, and a
later build with the same inputs links the kept file into OUT instead of making it again. The kept file's name
has a manifest of the SHA-256 of its bytes, checked before it is used: OUT's file is a hard link to it, and an edit
in place must not reach the next build.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

from esrgraph.io.atomic import atomic_copy_file, atomic_write_bytes

#: The folder of kept reports inside the build cache.
REPORTS = "reports"


def write_kept(path: Path, cache_dir: str | os.PathLike[str] | None, inputs: bytes, make: Callable[[], bytes]) -> None:
    """Write ``make()`` to ``path`` atomically; with ``cache_dir``, kept as a set of one (``write_kept_files``)."""
    if cache_dir is None:
        atomic_write_bytes(path, make())
        return
    write_kept_files(path.parent, (path.name,), cache_dir, path.name, inputs,
                     lambda folder: atomic_write_bytes(folder / path.name, make(), durable=False))


def kept_folder(cache_dir: str | os.PathLike[str], kind: str, inputs: bytes) -> Path:
    """The folder a set of ``kind`` made from ``inputs`` is kept in (``write_kept_files``)."""
    from esrgraph.pipeline.cache.fingerprint import program_fingerprint

    key = hashlib.sha256(program_fingerprint().encode() + b"\0" + inputs).hexdigest()[:32]
    return Path(cache_dir) / REPORTS / f"{kind}.{key}"


def write_kept_files(out: Path, names: tuple[str, ...], cache_dir: str | os.PathLike[str], kind: str, inputs: bytes,
                     make: Callable[[Path], object], *, internal: tuple[str, ...] = ()) -> list[Path]:
    """The files ``names`` in ``out``, made together by ``make(folder)`` into a folder; kept as ``kind`` in the build
    cache under a digest of ``inputs`` (and program), with a manifest of their SHA-256s checked before use, and
    linked into ``out`` when a later build has the same inputs. Their paths in ``out``. ``make`` writes the files
    ``internal`` too, kept and checked with the set (``kept_folder``) but not linked into ``out``."""
    import json
    import shutil

    kept = kept_folder(cache_dir, kind, inputs)
    folder = kept.parent
    linked, names = names, names + internal
    if not _whole_set(kept, names):
        shutil.rmtree(kept, ignore_errors=True)
        staging = folder / f".{kept.name}.{os.getpid()}.tmp"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        try:
            make(staging)
            manifest = {}
            for name in names:
                with open(staging / name, "rb") as handle:
                    manifest[name] = hashlib.file_digest(handle, "sha256").hexdigest()
            atomic_write_bytes(staging / MANIFEST, json.dumps(manifest, sort_keys=True).encode(), durable=False)
            os.replace(staging, kept)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    paths = []
    for name in linked:
        atomic_copy_file(kept / name, out / name)
        paths.append(out / name)
    for other in folder.glob(f"{kind}.*"):  # the last build's only
        if other != kept:
            shutil.rmtree(other, ignore_errors=True)
    return paths


#: The file of a kept set's SHA-256s, by name.
MANIFEST = "manifest.json"


def _whole_set(kept: Path, names: tuple[str, ...]) -> bool:
    """Whether ``kept`` holds every one of ``names`` with the bytes its manifest says."""
    import json

    try:
        manifest = json.loads((kept / MANIFEST).read_bytes())
        for name in names:
            with open(kept / name, "rb") as handle:
                if hashlib.file_digest(handle, "sha256").hexdigest() != manifest[name]:
                    return False
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return True
