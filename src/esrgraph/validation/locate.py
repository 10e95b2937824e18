"""Where a finding in a graph came from: the source record its provenance names, to the line.

A graph esrgraph built says of each project which record it was read from (``prov:wasDerivedFrom``
a source with ``esr:sourcePath``, ``esr:sha256`` and ``esr:sourceLine``). That is enough to point a
finding at the record's first line. When the record itself is at hand (at that path under a folder the
user names, or at a path below it that ends so, with the same SHA-256), it is parsed again and the
finding points at the line of its field, as in the build (``core.model.first_lines``).

The graph is untrusted input: a source path is only read inside the folders named, when it is a
regular file no larger than ``MAX_SOURCE_BYTES``, and parsed only when its SHA-256 is the graph's.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Sequence
from pathlib import Path

from pyoxigraph import Literal, QuerySolutions, Store

from esrgraph.core.errors import InputError
from esrgraph.core.model import field_head, field_path, first_lines
from esrgraph.core.vocab import DCTERMS, ESR, PROV, RDF

log = logging.getLogger(__name__)

#: Source files larger than this are not read again (their findings keep the record's first line).
MAX_SOURCE_BYTES = 256 * 1024 * 1024
#: Files looked at below a folder when a record is not at the path the graph gives.
MAX_FILES_WALKED = 200_000

_SOURCES = f"""
SELECT ?code ?path ?sha ?line WHERE {{
  ?project <{RDF}type> <{ESR}Project> ; <{DCTERMS}identifier> ?code ; <{PROV}wasDerivedFrom> ?source .
  ?source <{ESR}sourcePath> ?path .
  OPTIONAL {{ ?source <{ESR}sha256> ?sha }}
  OPTIONAL {{ ?source <{ESR}sourceLine> ?line }}
}}
"""

#: One source record of a project: the path as the graph gives it, its SHA-256 and first line.
_Source = tuple[str, str | None, int | None]


class ProvenanceLocator:
    """(record code, field) -> (source path, line), from the provenance in a graph (a ``Locator``)."""

    def __init__(self, sources: dict[str, list[_Source]], folders: Sequence[Path]) -> None:
        self._sources = sources
        self._folders = list(folders)
        #: (graph path, sha256) -> (path to show, {code: [(first line, field lines)]}), or None: not at hand.
        self._parsed: dict[tuple[str, str], tuple[str, dict[str, list[tuple[int, dict[str, int]]]]] | None] = {}
        #: Source files found and read again (their findings' lines are exact).
        self.sources_read: set[str] = set()
        self._walked: dict[Path, dict[str, list[Path]]] = {}

    def __call__(self, code: str, field_name: str) -> tuple[str | None, int | None]:
        places = sorted(self._sources.get(code, []), key=lambda s: (s[0], s[2] or 0))
        if not places:
            return None, None
        exact, head = field_path(field_name), field_head(field_name)
        read = [(shown, records) for shown, records in (self._read(path, sha) for path, sha, _ in places) if records]
        for key in (exact, head):
            for shown, records in read:
                for _first, lines in records.get(code, []):
                    if key in lines:
                        return shown, lines[key]
        for shown, records in read:
            for first, _lines in records.get(code, []):
                return shown, first
        path, _sha, line = places[0]
        return path, line

    def _read(self, path: str, sha: str | None) -> tuple[str, dict[str, list[tuple[int, dict[str, int]]]] | None]:
        if sha is None:
            return path, None
        key = (path, sha)
        if key not in self._parsed:
            self._parsed[key] = self._parse(path, sha)
        found = self._parsed[key]
        return (found[0], found[1]) if found else (path, None)

    def _parse(self, path: str, sha: str) -> tuple[str, dict[str, list[tuple[int, dict[str, int]]]]] | None:
        file = self._find(path, sha)
        if file is None:
            return None
        from esrgraph.parsers.inputs import parse_file

        shown = file.as_posix() if not file.is_absolute() else str(file)
        try:
            outcome = parse_file(file, display_path=shown)
        except InputError as exc:
            log.info("%s: not read again to place findings: %s", file, exc)
            return None
        records: dict[str, list[tuple[int, dict[str, int]]]] = {}
        for record in outcome.records:
            if record.code:
                records.setdefault(record.code, []).append((record.source.first_line, first_lines(record.coverage)))
        self.sources_read.add(shown)
        return shown, records

    def _find(self, path: str, sha: str) -> Path | None:
        """The file ``path`` names under one of the folders, with ``sha``: ``FOLDER/path``, else a file below
        FOLDER whose path ends in ``path`` (the graph names a record below the folder the build was given,
        ``samples/S21093.txt``, which a repository keeps as ``data/samples/S21093.txt``)."""
        relative = Path(path)
        if relative.is_absolute() or ".." in relative.parts or not relative.parts:
            return None
        for folder in self._folders:
            if _has_sha(folder, folder / relative, sha):
                return _shown(folder, relative)
        for folder in self._folders:
            for below in self._files_named(folder).get(relative.name, []):
                if below.parts[-len(relative.parts):] == relative.parts and _has_sha(folder, folder / below, sha):
                    return _shown(folder, below)
        return None

    def _files_named(self, folder: Path) -> dict[str, list[Path]]:
        """Files below ``folder`` by name (paths relative to it), hidden folders and links to folders skipped;
        walked once per folder, at most ``MAX_FILES_WALKED`` files."""
        if folder not in self._walked:
            found: dict[str, list[Path]] = {}
            count = 0
            for top, dirs, files in os.walk(folder):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    found.setdefault(name, []).append(Path(top, name).relative_to(folder))
                    count += 1
                if count >= MAX_FILES_WALKED:
                    log.info("%s: stopped looking for records after %d files", folder, count)
                    break
            self._walked[folder] = found
        return self._walked[folder]


def _has_sha(folder: Path, candidate: Path, sha: str) -> bool:
    """Whether ``candidate`` lies inside ``folder``, is a regular file of at most ``MAX_SOURCE_BYTES`` and has ``sha``."""
    try:
        if not candidate.resolve().is_relative_to(folder.resolve()):
            return False
        if not candidate.is_file() or candidate.stat().st_size > MAX_SOURCE_BYTES:
            return False
        digest = hashlib.sha256()
        with candidate.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return False
    return digest.hexdigest() == sha


def _shown(folder: Path, relative: Path) -> Path:
    """The path to name in findings: relative to the working folder when the folder is the working folder."""
    if folder == Path.cwd() or str(folder) in ("", "."):
        return relative
    return folder / relative


def provenance_locator(store: Store, folders: Sequence[str | os.PathLike[str]] = ()) -> ProvenanceLocator:
    """A locator for the projects in ``store``, reading records again from under ``folders``."""
    found = store.query(_SOURCES)
    assert isinstance(found, QuerySolutions)
    sources: dict[str, list[_Source]] = {}
    for row in found:
        code, path, sha, line = row["code"], row["path"], row["sha"], row["line"]
        number = int(line.value) if isinstance(line, Literal) and line.value.isdigit() else None
        sources.setdefault(code.value, []).append(
            (path.value, sha.value if isinstance(sha, Literal) else None, number))
    return ProvenanceLocator(sources, [Path(f) for f in folders])
