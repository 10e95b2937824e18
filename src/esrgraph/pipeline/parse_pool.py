"""Parsing over worker processes with a per-file cache.

``pipeline.build.build`` calls these; the results are the same as the plain path's
(same records in the same order, same findings), only sooner.

The parse cache (``BuildOptions.cache_dir``, ``esrgraph build --incremental``) keeps one
pickle per input file (read and written by whichever process parses it), named by the
SHA-256 of the file's bytes, its display name, the encoding and layout asked for, and the
program's fingerprint (``pipeline.cache.fingerprint``). A rebuild re-parses
only the files whose bytes changed; merge, mapping and validation run again on all
records, so the output is byte-identical to a full build. A sharded build does not use
it: its shard cache (``pipeline.cache.shards``) keeps whole parse chunks, mapped shards and
their checks, so a rebuild also skips the mapping and validation of unchanged shards.
"""

from __future__ import annotations

import copyreg
import hashlib
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from esrgraph.core.errors import InputError, ParseError
from esrgraph.io.atomic import atomic_write_bytes
from esrgraph.io.sources import read_input_bytes
from esrgraph.parsers.base import ParseOutcome
from esrgraph.parsers.inputs import FileFailure, ParseBatch, parse_file
from esrgraph.pipeline.cache.fingerprint import program_fingerprint
from esrgraph.pipeline.progress import Progress
from esrgraph.pipeline.workers import process_count, process_pool

if TYPE_CHECKING:
    from esrgraph.pipeline.result import BuildOptions

_E = TypeVar("_E", bound=Exception)


def _rebuild_error(cls: type[_E], state: dict[str, Any]) -> _E:
    error = cls.__new__(cls)
    Exception.__init__(error, *state.pop("__args__", ()))
    error.__dict__.update(state)
    return error


def _reduce_error(error: _E) -> tuple[Callable[[type[_E], dict[str, Any]], _E], tuple[type[_E], dict[str, Any]]]:
    return _rebuild_error, (type(error), {"__args__": error.args, **error.__dict__})


# Our errors take keyword arguments, which exceptions' default pickling loses: keep their attributes.
copyreg.pickle(InputError, _reduce_error)
copyreg.pickle(ParseError, _reduce_error)

#: Below this many files to parse, worker processes cost more than they save.
PARALLEL_MIN_FILES = 64
_CHUNK = 64


def _cache_key(data: bytes, shown: str, encoding: str | None, layout: str | None) -> str:
    digest = hashlib.sha256(program_fingerprint().encode())
    for part in (shown, encoding or "", layout or ""):
        digest.update(b"\0" + part.encode())
    digest.update(b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()


#: What parsing one file gives: ("ok", ParseOutcome) or ("failed", FileFailure).
Outcome = tuple[str, ParseOutcome | FileFailure]


def parse_outcome(path: str, shown: str, encoding: str | None, layout: str | None) -> Outcome:
    """Parse one file: ("ok", ParseOutcome) or ("failed", FileFailure)."""
    try:
        return ("ok", parse_file(path, encoding=encoding, layout=layout, display_path=shown))
    except InputError as exc:
        return ("failed", FileFailure(shown, exc))
    except ParseError as exc:  # the whole file is unreadable in the layout chosen
        return ("failed", FileFailure(shown, InputError(shown, exc.message, "check --layout")))


def parse_cached(path: str, shown: str, encoding: str | None, layout: str | None, cache: str | None) -> Outcome:
    """``parse_outcome`` through the parse cache folder ``cache`` (None: no cache).

    A hit is the outcome kept for the same bytes, display name, options and parsing code;
    a miss is parsed and kept (written atomically, so parallel workers never see half a file).
    """
    if cache is None:
        return parse_outcome(path, shown, encoding, layout)
    try:
        data = read_input_bytes(path, shown)  # never a pipe or a device, never past the size limit
    except InputError as exc:
        return ("failed", FileFailure(shown, exc))  # not kept: the file may be there next time
    key = _cache_key(data, shown, encoding, layout)
    target = Path(cache) / key[:2] / f"{key}.pickle"
    try:
        kept: Outcome = pickle.loads(target.read_bytes())
        return kept
    except OSError:
        pass
    outcome = parse_outcome(path, shown, encoding, layout)
    atomic_write_bytes(target, pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL), durable=False)
    return outcome


def _parse_chunk(jobs: list[tuple[str, str, str | None, str | None, str | None]]) -> list[Outcome]:
    return [parse_cached(*job) for job in jobs]


def parse_cache_dir(options: BuildOptions) -> str | None:
    return str(Path(options.cache_dir) / "parse") if options.cache_dir else None


def parse_files(files: list[tuple[str, str]], options: BuildOptions) -> ParseBatch:
    """Like ``parsers.inputs.parse_paths`` for files listed as (path, display name), over worker
    processes and through the parse cache.

    Records come back in input order whatever the number of workers, so the build is the same.
    """
    cache = parse_cache_dir(options)
    if cache is not None:
        program_fingerprint()  # once, before the workers fork: every key of this build uses the same
    jobs = [(path, shown, options.encoding, options.layout, cache) for path, shown in files]
    outcomes: list[Outcome] = []
    progress = Progress(len(files), "parse", "files")
    workers = process_count(options.workers, few=len(jobs) < PARALLEL_MIN_FILES)
    if workers > 1:
        chunks = [jobs[i:i + _CHUNK] for i in range(0, len(jobs), _CHUNK)]
        with process_pool(workers) as pool:
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
    _status, payload = outcome  # "failed" exactly when the payload is a FileFailure
    batch.files_read += 1
    batch.paths[shown] = Path(path)  # for the quarantine writer
    if isinstance(payload, FileFailure):
        batch.failed_files.append(payload)
        return
    assert isinstance(batch.records, list)  # a batch being read
    batch.records.extend(payload.records)
    batch.quarantined.extend(payload.quarantined)
    batch.units += payload.units
