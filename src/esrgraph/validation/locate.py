"""Where a finding in a graph came from: the source record its provenance names, to the line.

A graph esrgraph built says of each project which record it was read from (``prov:wasDerivedFrom``
a source with ``esr:sourcePath``, ``esr:sha256`` and ``esr:sourceLine``). That is enough to point a
finding at the record's first line. When the record itself is at hand (at that path under a folder the
user names, or at a path below it that ends so, with the same SHA-256), it is parsed again and the
finding points at the line of its field, as in the build (``core.model.first_lines``).

The graph is untrusted input: a source path is only read inside the folders named, as the build reads
its inputs (``io.sources.read_source``: regular files up to the size limit), and parsed only when its
SHA-256 is the graph's.
"""

from __future__ import annotations

import itertools
import logging
import os
from collections.abc import Sequence
from pathlib import Path

from pyoxigraph import Literal, QuerySolutions, Store

from esrgraph.core.errors import EsrgraphError
from esrgraph.core.model import field_head, field_path, first_lines
from esrgraph.core.vocab import DCTERMS, ESR, PROV, RDF
from esrgraph.io.sources import SourceText, read_source
from esrgraph.parsers.inputs import parse_source

log = logging.getLogger(__name__)

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
#: A source file's records by code: [(first line, {field: line})].
_Records = dict[str, list[tuple[int, dict[str, int]]]]


class ProvenanceLocator:
    """(record code, field) -> (source path, line), from the provenance in a graph (a ``Locator``)."""

    def __init__(self, sources: dict[str, list[_Source]], folders: Sequence[Path]) -> None:
        self._sources = sources
        self._folders = list(folders)
        #: (graph path, sha256) -> (path to show, its records' lines), or None: not at hand.
        self._parsed: dict[tuple[str, str], tuple[str, _Records] | None] = {}
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

    def _read(self, path: str, sha: str | None) -> tuple[str, _Records | None]:
        """The path to name and the records of the source ``path`` with ``sha`` (None: not at hand)."""
        if sha is None:
            return path, None
        if (path, sha) not in self._parsed:
            self._parsed[(path, sha)] = self._parse(path, sha)
        return self._parsed[(path, sha)] or (path, None)

    def _parse(self, path: str, sha: str) -> tuple[str, _Records] | None:
        source = self._find(path, sha)
        if source is None:
            return None
        try:
            outcome = parse_source(source)
        except EsrgraphError as exc:
            log.info("%s: not read again to place findings: %s", source.path, exc)
            return None
        records: _Records = {}
        for record in outcome.records:
            if record.code:
                records.setdefault(record.code, []).append((record.source.first_line, first_lines(record.coverage)))
        self.sources_read.add(source.path)
        return source.path, records

    def _find(self, path: str, sha: str) -> SourceText | None:
        """The source ``path`` names under one of the folders, read once, when its SHA-256 is ``sha``:
        ``FOLDER/path``, else a file below FOLDER whose path ends in ``path`` (the graph names a record below
        the folder the build was given, ``samples/S21093.txt``, which a repository keeps as
        ``data/samples/S21093.txt``). Read as the build reads inputs (``read_source``: regular files only,
        up to the input size limit), and only inside the folder."""
        relative = Path(path)
        if relative.is_absolute() or ".." in relative.parts or not relative.parts:
            return None
        direct = ((folder, relative) for folder in self._folders)
        below_it = ((folder, below) for folder in self._folders for below in self._files_named(folder).get(relative.name, [])
                    if below.parts[-len(relative.parts):] == relative.parts and below != relative)
        for folder, below in itertools.chain(direct, below_it):  # the folders are walked only when needed
            source = _read_inside(folder, below)
            if source is not None and source.sha256 == sha:
                return source
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


def _read_inside(folder: Path, relative: Path) -> SourceText | None:
    """``folder/relative`` read as an input, named as findings name it, when it lies inside ``folder``."""
    candidate = folder / relative
    try:
        if not candidate.resolve().is_relative_to(folder.resolve()) or not candidate.is_file():
            return None
        return read_source(candidate, display_path=_shown(folder, relative).as_posix())
    except (OSError, EsrgraphError):
        return None


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
