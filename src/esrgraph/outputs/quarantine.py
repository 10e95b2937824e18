"""The quarantine: records that could not be built, written out as they were read, with their reasons.

``write_quarantine(result, out)`` writes, for every input file that had a quarantined record,
``OUT/quarantine/records/<file>`` holding those records' original text (for the CSV project list: the
header and the quarantined rows), a copy of every file that could not be read at all, and
``OUT/quarantine/reasons.csv`` with one row per record or file: ``file, line, record, field, reason,
quarantine_line`` (the line in the copy). Fix the copies in place and build them again
(``esrgraph build OUT/quarantine/records``); reasons.csv stays outside that folder so it is not read as input.

A build that quarantines nothing removes the folder, so it never shows the previous build's records.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from esrgraph.core.errors import EsrgraphError, ParseError
from esrgraph.io.atomic import atomic_write_bytes, atomic_write_chunks, atomic_write_text
from esrgraph.quality.spreadsheet import spreadsheet_cell

if TYPE_CHECKING:
    from esrgraph.pipeline.result import BuildOptions, BuildResult

FOLDER = "quarantine"
RECORDS = "records"
REASONS = "reasons.csv"
COLUMNS = ("file", "line", "record", "field", "reason", "quarantine_line")


def _safe_relative(display: str) -> PurePosixPath:
    """The display path as a relative path inside the quarantine folder (no ``..``, no root)."""
    parts = [p for p in PurePosixPath(display.replace("\\", "/")).parts if p not in ("", ".", "..", "/")]
    return PurePosixPath(*parts) if parts else PurePosixPath("unnamed")


def _cut(text: str, lines_wanted: list[int], starts: list[int], csv_layout: bool) -> tuple[str, dict[int, int]]:
    """The text of the records starting at ``lines_wanted``; and original line -> line in the cut text."""
    lines = text.split("\n")
    out: list[str] = []
    where: dict[int, int] = {}
    if csv_layout:
        header = next((line for line in lines if line.strip()), "")
        out.append(header)
        for number in sorted(set(lines_wanted)):
            where[number] = len(out) + 1
            out.append(lines[number - 1] if 0 < number <= len(lines) else "")
        return "\n".join(out) + "\n", where
    bounds = sorted(set(starts) | set(lines_wanted))
    for number in sorted(set(lines_wanted)):
        later = [b for b in bounds if b > number]
        end = later[0] - 1 if later else len(lines)
        chunk = lines[number - 1:end]
        while chunk and not chunk[-1].strip():
            chunk.pop()
        if out:
            out.append("")
        where[number] = len(out) + 1
        out.extend(chunk)
    return "\n".join(out) + "\n", where


def _reasons_csv(rows: list[dict[str, object]], batch: int = 1000) -> Iterator[bytes]:
    """reasons.csv by chunks of ``batch`` rows (a large batch of faulty records is never one string); no cell
    starts a formula (``spreadsheet_cell``)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for start in range(0, len(rows), batch):
        writer.writerows({key: spreadsheet_cell(value) for key, value in row.items()} for row in rows[start:start + batch])
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


def write_quarantine(result: BuildResult, out_dir: str | Path, options: BuildOptions | None = None) -> list[Path]:
    """Write the quarantined records and unreadable files with their reasons; return the paths written."""
    from esrgraph.io.sources import read_input_bytes, read_source
    from esrgraph.parsers.registry import detect_layout

    folder = Path(out_dir) / FOLDER
    if folder.exists():
        shutil.rmtree(folder)
    batch = result.batch
    if not result.quarantined and not batch.failed_files:
        return []
    rows: list[dict[str, object]] = []
    written: list[Path] = []
    by_file: dict[str, list[ParseError]] = defaultdict(list)
    for q in result.quarantined:
        by_file[q.path].append(q)
    # where the built records of those files start (bounds of the quarantined ones), in one pass over the records
    starts_by_file: dict[str, list[int]] = defaultdict(list)
    if by_file:
        for r in batch.records:
            if r.source.path in by_file:
                starts_by_file[r.source.path].append(r.source.first_line)
    for shown, errors in sorted(by_file.items()):
        target = folder / RECORDS / _safe_relative(shown)
        where: dict[int, int] = {}
        copied = True
        real = batch.paths.get(shown)
        try:
            if real is None:
                raise EsrgraphError(shown)
            source = read_source(real, options.encoding if options else None, display_path=shown)
            layout = (options.layout if options else None) or detect_layout(source.text)
            starts = starts_by_file.get(shown, [])
            wanted = [q.line for q in errors if q.line]
            if len(wanted) == len(errors):
                text, where = _cut(source.text, wanted, starts + wanted, layout == "projectlist-csv")
            else:  # a record without a line: keep the whole file
                text = source.text
            atomic_write_text(target, text)
            written.append(target)
        except (OSError, EsrgraphError):
            copied = False
        for q in sorted(errors, key=lambda q: q.line or 0):
            rows.append({"file": shown, "line": q.line or "", "record": q.record or "", "field": q.field or "",
                         "reason": q.message,
                         "quarantine_line": where.get(q.line or 0, "") if copied else ""})
    for failure in batch.failed_files:
        real = batch.paths.get(failure.path)
        target = folder / RECORDS / _safe_relative(failure.path)
        copied = False
        if real is not None:
            try:  # as the parser read it: no pipe, device or file over the size limit is copied
                atomic_write_bytes(target, read_input_bytes(real, failure.path))
                written.append(target)
                copied = True
            except (OSError, EsrgraphError):
                pass
        reason = failure.error.message + (f" ({failure.error.hint})" if failure.error.hint else "")
        rows.append({"file": failure.path, "line": "", "record": "", "field": "", "reason": reason,
                     "quarantine_line": 1 if copied else ""})
    reasons = folder / REASONS
    atomic_write_chunks(reasons, _reasons_csv(rows))
    written.append(reasons)
    return written
