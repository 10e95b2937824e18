"""Parsing over worker processes with a per-file cache.

``pipeline.build.build`` calls these; the results are the same as the plain path's
(same records in the same order, same findings), only sooner.

The parse cache (``BuildOptions.cache_dir``, ``esrgraph build --incremental``) keeps one
pickle per input file (read and written by whichever process parses it), named by the
SHA-256 of the file's bytes, its display name, the encoding and layout asked for, and the
source of the parsing code. A rebuild re-parses
only the files whose bytes changed; merge, mapping and validation run again on all
records, so the output is byte-identical to a full build. A sharded build does not use
it: its shard cache (``pipeline.cache.shards``) keeps whole parse chunks, mapped shards and
their checks, so a rebuild also skips the mapping and validation of unchanged shards.
"""

from __future__ import annotations

import copyreg
import hashlib
import os
import pickle
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from esrgraph.core.errors import InputError, ParseError
from esrgraph.parsers.inputs import FileFailure, ParseBatch, parse_file
from esrgraph.pipeline.progress import Progress

if TYPE_CHECKING:
    from esrgraph.pipeline.result import BuildOptions

def _rebuild_error(cls: type[Exception], state: dict[str, object]) -> Exception:
    error = cls.__new__(cls)
    Exception.__init__(error, *state.pop("__args__", ()))  # type: ignore[arg-type]
    error.__dict__.update(state)
    return error


def _reduce_error(error: Exception) -> tuple[object, ...]:
    return _rebuild_error, (type(error), {"__args__": error.args, **error.__dict__})


# Our errors take keyword arguments, which exceptions' default pickling loses: keep their attributes.
for _cls in (InputError, ParseError):
    copyreg.pickle(_cls, _reduce_error)  # type: ignore[arg-type]

#: Below this many files to parse, worker processes cost more than they save.
PARALLEL_MIN_FILES = 64
_CHUNK = 64


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """SHA-256 over the source of everything that decides what a file parses to."""
    from esrgraph.core.version import __version__

    root = Path(__file__).resolve().parent
    digest = hashlib.sha256(__version__.encode())
    for path in sorted([*root.glob("parsers/*.py"), root / "model.py", root / "sources.py", root / "parsing.py"]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _cache_key(data: bytes, shown: str, encoding: str | None, layout: str | None) -> str:
    digest = hashlib.sha256(code_fingerprint().encode())
    for part in (shown, encoding or "", layout or ""):
        digest.update(b"\0" + part.encode())
    digest.update(b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()


def parse_outcome(path: str, shown: str, encoding: str | None, layout: str | None) -> tuple[str, object]:
    """Parse one file: ("ok", ParseResult) or ("failed", FileFailure)."""
    try:
        return ("ok", parse_file(path, encoding=encoding, layout=layout, display_path=shown))
    except InputError as exc:
        return ("failed", FileFailure(shown, exc))
    except ParseError as exc:  # the whole file is unreadable in the layout chosen
        return ("failed", FileFailure(shown, InputError(shown, exc.message, "check --layout")))


#: What parsing one file gives: ("ok", ParseResult) or ("failed", FileFailure).
Outcome = tuple[str, object]


def parse_cached(path: str, shown: str, encoding: str | None, layout: str | None, cache: str | None) -> Outcome:
    """``parse_outcome`` through the parse cache folder ``cache`` (None: no cache).

    A hit is the outcome kept for the same bytes, display name, options and parsing code;
    a miss is parsed and kept (written atomically, so parallel workers never see half a file).
    """
    if cache is None:
        return parse_outcome(path, shown, encoding, layout)
    try:
        data = Path(path).read_bytes()
    except OSError:
        return parse_outcome(path, shown, encoding, layout)  # reports the failure
    key = _cache_key(data, shown, encoding, layout)
    target = Path(cache) / key[:2] / f"{key}.pickle"
    try:
        return pickle.loads(target.read_bytes())  # type: ignore[no-any-return]
    except OSError:
        pass
    outcome = parse_outcome(path, shown, encoding, layout)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL))
    os.replace(tmp, target)
    return outcome


def _parse_chunk(jobs: list[tuple[str, str, str | None, str | None, str | None]]) -> list[Outcome]:
    return [parse_cached(*job) for job in jobs]


def _workers(options: BuildOptions, todo: int) -> int:
    if options.workers is not None:
        return max(1, options.workers)
    if todo < PARALLEL_MIN_FILES:
        return 1
    return min(2, os.cpu_count() or 1)


def parse_cache_dir(options: BuildOptions) -> str | None:
    return str(Path(options.cache_dir) / "parse") if options.cache_dir else None


def parse_files(files: list[tuple[str, str]], options: BuildOptions) -> ParseBatch:
    """Like ``parsing.parse_paths`` for files listed as (path, display name), over worker
    processes and through the parse cache.

    Records come back in input order whatever the number of workers, so the build is the same.
    """
    cache = parse_cache_dir(options)
    jobs = [(path, shown, options.encoding, options.layout, cache) for path, shown in files]
    outcomes: list[Outcome] = []
    progress = Progress(len(files), "parse", "files")
    workers = _workers(options, len(jobs))
    if workers > 1:
        chunks = [jobs[i:i + _CHUNK] for i in range(0, len(jobs), _CHUNK)]
        with ProcessPoolExecutor(max_workers=workers) as pool:
            for chunk in pool.map(_parse_chunk, chunks):
                outcomes.extend(chunk)
                progress.update(len(chunk))
    else:
        for job in jobs:
            outcomes.append(parse_cached(*job))
            progress.update()
    progress.close()
    batch = ParseBatch()
    for (path, shown), outcome in zip(files, outcomes):
        add_outcome(batch, path, shown, outcome)
    return batch


def add_outcome(batch: ParseBatch, path: str, shown: str, outcome: Outcome) -> None:
    """Add one file's parse outcome to ``batch``."""
    status, payload = outcome
    batch.files_read += 1
    batch.paths[shown] = Path(path)  # for the quarantine writer
    if status == "failed":
        batch.failed_files.append(payload)  # type: ignore[arg-type]
        return
    batch.records.extend(payload.records)  # type: ignore[attr-defined]
    batch.quarantined.extend(payload.quarantined)  # type: ignore[attr-defined]
    batch.units += payload.units  # type: ignore[attr-defined]
