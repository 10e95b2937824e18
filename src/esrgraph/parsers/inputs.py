"""Parse files of any known layout into records: the library entry point for reading."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from esrgraph.core.errors import InputError, ParseError
from esrgraph.core.model import ProjectRecord
from esrgraph.io.sources import iter_input_files, read_source
from esrgraph.parsers.base import ParseOutcome, SourceText
from esrgraph.parsers.operations_list import OperationsListParser, operations_sheets
from esrgraph.parsers.projectlist_csv import ProjectListCsvParser, list_sheets
from esrgraph.parsers.registry import LAYOUTS, detect_layout, get_parser


def parse_source(source: SourceText, layout: str | None = None) -> ParseOutcome:
    """Parse decoded text (or a workbook's sheets); the layout is detected unless named.

    A workbook is a 2021-2027 list of operations when one of its sheets is, else a project list when one of
    its sheets is (a sheet's first non-empty row its header); no other layout is read from sheets, so a
    workbook of anything else fails naming its sheets.
    """
    if layout is None and source.sheets is not None:
        if not any(any(c.strip() for c in row) for sheet in source.sheets for row in sheet.rows):
            raise InputError(source.path, "is an empty workbook")
        if operations_sheets(source.sheets):
            layout = OperationsListParser.layout
        elif not list_sheets(source.sheets):
            shown = ", ".join(repr(sheet.name) for sheet in source.sheets)
            raise InputError(
                source.path,
                f"is a workbook whose sheets ({shown}) hold no project list esrgraph knows",
                "a list sheet's first non-empty row is its header (Koodi, Rahasto, Hankkeen nimi...); "
                "other layouts are read from text files",
            )
        else:
            layout = ProjectListCsvParser.layout
    if layout is None:
        layout = detect_layout(source.text)
        if layout is None:
            if not source.text.strip():
                raise InputError(source.path, "is empty")
            raise InputError(
                source.path,
                "is not in a layout esrgraph knows",
                f"known layouts: {', '.join(LAYOUTS)}; name one with --layout if detection fails",
            )
    try:
        parser = get_parser(layout)
    except KeyError:
        raise InputError(source.path, f"unknown layout {layout!r}", f"known layouts: {', '.join(LAYOUTS)}") from None
    try:
        return parser.parse(source)
    except (InputError, ParseError):
        raise
    except Exception as exc:  # noqa: BLE001 - a parser bug fails this file, not the build
        raise ParseError(source.path, f"the {layout} parser failed on this file ({type(exc).__name__}: {exc}); "
                         "this is a bug in esrgraph, please report it") from exc


def parse_file(
    path: str | os.PathLike[str],
    *,
    encoding: str | None = None,
    layout: str | None = None,
    display_path: str | None = None,
) -> ParseOutcome:
    """Parse one file.

    Args:
        path: the file to read.
        encoding: the file's encoding; detected when None.
        layout: a name from ``LAYOUTS``; detected when None.

    Returns:
        The records read and the records quarantined with their reasons.

    Raises:
        InputError: the file cannot be read or its layout is unknown.
    """
    return parse_source(read_source(path, encoding, display_path=display_path), layout)


@dataclass(slots=True)
class FileFailure:
    path: str
    error: InputError


@dataclass(slots=True)
class ParseBatch:
    """Everything read from a set of inputs: what built, what was set aside, what failed."""

    #: A list while the batch is read; a sharded build's result holds a lazy sequence read from disk.
    records: Sequence[ProjectRecord] = field(default_factory=list)
    quarantined: list[ParseError] = field(default_factory=list)
    failed_files: list[FileFailure] = field(default_factory=list)
    files_read: int = 0
    units: int = 0
    #: Display path -> the file it was read from (the quarantine writer copies records out of it).
    paths: dict[str, Path] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.quarantined and not self.failed_files


def parse_paths(
    inputs: Iterable[str | os.PathLike[str]],
    *,
    encoding: str | None = None,
    layout: str | None = None,
    exclude: Iterable[str | os.PathLike[str]] = (),
) -> ParseBatch:
    """Parse files and folders (recursively; folders in ``exclude`` are not walked). A bad file is
    recorded and the batch goes on."""
    batch = ParseBatch()
    for path, shown in iter_input_files(inputs, exclude=exclude):
        batch.files_read += 1
        batch.paths[shown] = path
        try:
            outcome = parse_file(path, encoding=encoding, layout=layout, display_path=shown)
        except InputError as exc:
            batch.failed_files.append(FileFailure(shown, exc))
            continue
        except ParseError as exc:  # the whole file is unreadable in the layout chosen
            batch.failed_files.append(FileFailure(shown, InputError(shown, exc.message, "check --layout")))
            continue
        assert isinstance(batch.records, list)  # a batch being read
        batch.records.extend(outcome.records)
        batch.quarantined.extend(outcome.quarantined)
        batch.units += outcome.units
    return batch
