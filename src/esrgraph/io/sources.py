"""Reading input files: find them, hash them, decode them.

Only regular files are read, up to a size limit (``max_input_bytes``): a FIFO would block a
build and ``/dev/zero`` would fill the memory.

Encodings are detected in a fixed order so the same bytes always decode the same way:
a BOM (UTF-8, UTF-16) wins; then strict UTF-8; then UTF-16 without BOM when the bytes
look like it; then Windows-1252, whose undefined bytes fall back to Latin-1. A caller
that knows better names the encoding (``--encoding``).

A workbook (.xlsx, .xlsm, .xls, .ods: recognised from its bytes by ``io.workbook``) is not decoded
but read into sheets; its ``SourceText`` carries them, with the sheets as tab-separated text beside
them so that layout sniffing and the text-based tools (the quarantine copy) work on it unchanged.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import io
import os
import re
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from esrgraph.core.errors import InputError, UsageError
from esrgraph.io.workbook import Sheet, read_workbook, sheets_as_text, workbook_kind

#: Files a folder walk picks up; anything else in a folder is skipped (and said so by the caller).
#: Workbooks are listed by name here only to be picked up: what a file is, is told from its bytes.
INPUT_SUFFIXES = (".txt", ".csv", ".tsv", ".text", ".xlsx", ".xlsm", ".xls", ".ods")


@dataclass(frozen=True, slots=True)
class SourceText:
    """A decoded input file: text with ``\\n`` line ends, plus where it came from.

    For a workbook, ``sheets`` holds its worksheets, ``text`` their tab-separated rendering and
    ``encoding`` the workbook's kind (``xlsx``, ``xls``, ``ods``).
    """

    path: str
    sha256: str
    text: str
    encoding: str
    sheets: tuple[Sheet, ...] | None = None


def iter_input_files(inputs: Iterable[str | os.PathLike[str]], *,
                     exclude: Iterable[str | os.PathLike[str]] = ()) -> Iterator[tuple[Path, str]]:
    """Files named, and files under folders named (recursively, sorted), with display names.

    The display name is what reports and the graph's provenance call the file: the path
    below the named folder's parent (``samples/S21093.txt``) or the file's own name, so it
    does not depend on where the build was started. Display names are unique: when two files
    would get one (``a/list.csv`` and ``b/list.csv`` both ``list.csv``), each takes as many more
    of its folders as tell them apart (``a/list.csv``, ``b/list.csv``); a file named twice (on its
    own and in its folder) is listed once, under the name it got first.

    A folder walk skips the folders in ``exclude`` (a build passes its output folder, so that an
    output folder inside an input folder is never read back); files named are taken as named.
    """
    skip = _folder_ids(exclude)
    listed: list[tuple[Path, str, tuple[str, ...]]] = []  # (path, display name, the folders above it)
    seen: set[str] = set()
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            if _folder_id(str(path)) in skip:
                continue
            resolved = path.resolve()
            top = resolved.name  # the named folder's own name, also for "." or ".." ("" for "/")
            prefix = f"{top}/" if top else ""
            above = _parts(resolved.parent) if top else ()
            # below the named folder as walked, not resolved (slow per file, and a link to a file
            # outside the folder has no path below it: docs/decisions/20261203-one-way-layers.md); sorted by path parts, as Paths sort
            found = [(path.joinpath(*parts), prefix + "/".join(parts)) for parts in sorted(_files_below(str(path), (), skip))]
        else:
            above = _parts(path.parent.resolve())
            found = [(path, path.name)]
        where = "/".join(above) + "/"
        for file, shown in found:
            if where + shown not in seen:  # the same file named twice is read once
                seen.add(where + shown)
                listed.append((file, shown, above))
    for (path, _shown, _above), shown in zip(listed, _distinct_names([(shown, above) for _, shown, above in listed])):
        yield path, shown


def _parts(folder: Path) -> tuple[str, ...]:
    """A resolved folder's names from the top down, without the root."""
    return tuple(part for part in folder.parts if part != folder.anchor)


def _distinct_names(named: list[tuple[str, tuple[str, ...]]]) -> list[str]:
    """Unique display names for (display name, folders above it) of distinct files: the name, and where
    names clash, with as many of the folders above as make every name unique (all of a clashing group
    take one more folder at a time; names that do not clash are left as they are)."""
    names = [shown for shown, _ in named]
    more = [0] * len(named)
    while True:
        holders: dict[str, list[int]] = {}
        for i, shown in enumerate(names):
            holders.setdefault(shown, []).append(i)
        grown = False
        for group in holders.values():
            if len(group) < 2:
                continue
            for i in group:
                shown, above = named[i]
                if more[i] < len(above):
                    more[i] += 1
                    names[i] = "/".join((*above[len(above) - more[i]:], shown))
                    grown = True
        if not grown:  # no clash left (distinct files always part before their folders run out)
            return names


#: A folder's identity: device and inode, the same by every path to it (links, ``..``, bind mounts aside).
FolderId = tuple[int, int]


def _folder_id(folder: str) -> FolderId | None:
    try:
        st = os.stat(folder)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


def _folder_ids(folders: Iterable[str | os.PathLike[str]]) -> frozenset[FolderId]:
    return frozenset(fid for fid in (_folder_id(os.fspath(f)) for f in folders) if fid is not None)


def _files_below(folder: str, parts: tuple[str, ...], skip: frozenset[FolderId] = frozenset()) -> Iterator[tuple[str, ...]]:
    """Path parts (below the walk's top) of the input files under ``folder``: ``os.scandir`` with
    no ``pathlib`` object per entry (docs/decisions/20261203-one-way-layers.md). Like
    ``rglob``, it does not follow links to folders and skips folders it may not read; and it
    skips the folders ``skip`` names (one stat per folder, none per file)."""
    try:
        with os.scandir(folder) as entries:
            found = list(entries)
    except PermissionError:
        return
    for entry in found:
        try:
            if entry.is_dir(follow_symlinks=False):
                if skip:
                    st = entry.stat(follow_symlinks=False)
                    if (st.st_dev, st.st_ino) in skip:
                        continue
                yield from _files_below(entry.path, (*parts, entry.name), skip)
            elif os.path.splitext(entry.name)[1].lower() in INPUT_SUFFIXES and entry.is_file():
                yield (*parts, entry.name)
        except OSError:
            continue


def decode_bytes(data: bytes, path: str, encoding: str | None = None) -> tuple[str, str]:
    """Text and the encoding used; see the module docstring for the detection order."""
    if encoding:
        try:
            _check_named_encoding(data, path, encoding)
            return data.decode(encoding), encoding
        except LookupError:
            raise InputError(path, f"unknown encoding {encoding!r}", "try utf-8, utf-16, cp1252 or latin-1") from None
        except UnicodeDecodeError as exc:
            raise InputError(
                path,
                f"cannot be read as {encoding} (byte {exc.start})",
                "leave out --encoding to let esrgraph detect it, or name another one",
            ) from None
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="strict"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise InputError(
                path,
                f"has a UTF-8 byte-order mark but byte {exc.start + len(codecs.BOM_UTF8)} is not UTF-8 (mixed encodings?)",
                "re-save the file as UTF-8",
            ) from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise InputError(path, "has a UTF-16 byte-order mark but is not valid UTF-16", "try --encoding") from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if _looks_utf16(data):
        # Latin text in UTF-16 has its zero bytes second (LE) or first (BE) in each pair.
        big_endian = data[:4000:2].count(0) > data[1:4000:2].count(0)
        for enc in ("utf-16-be", "utf-16-le") if big_endian else ("utf-16-le", "utf-16-be"):
            try:
                return data.decode(enc), enc
            except UnicodeDecodeError:
                continue
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _check_named_encoding(data: bytes, path: str, encoding: str) -> None:
    """Refuse a named encoding that the bytes plainly contradict (it would decode, but to mojibake).

    Plain means: a byte-order mark of another encoding, valid UTF-8 with non-ASCII bytes read as a
    single-byte encoding, or UTF-16 named for bytes without the zero bytes UTF-16 text has (or the reverse).
    """
    name = codecs.lookup(encoding).name  # LookupError for an unknown name
    utf16 = name.startswith("utf-16")
    if data.startswith(codecs.BOM_UTF8):
        looks = "utf-8" if not name.startswith("utf-8") else None
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        looks = "utf-16" if not utf16 else None
    elif _looks_utf16(data):
        looks = "utf-16" if not utf16 else None
    elif utf16:
        looks = "utf-8" if _is_utf8(data) else "cp1252"
    elif not name.startswith("utf-8") and not data.isascii() and _is_utf8(data):
        looks = "utf-8"
    else:
        looks = None
    if looks:
        raise InputError(path, f"looks like {looks}, not {encoding}: read as {encoding} its text would be garbled",
                         f"leave out --encoding to let esrgraph detect it, or use --encoding {looks}")


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _looks_utf16(data: bytes) -> bool:
    sample = data[:4000]
    if len(sample) < 4:
        return False
    zeros_even = sample[0::2].count(0)
    zeros_odd = sample[1::2].count(0)
    half = len(sample) / 2
    return zeros_even > 0.3 * half or zeros_odd > 0.3 * half


def normalise_newlines(text: str) -> str:
    """CRLF and lone CR become LF; a leading BOM character is dropped."""
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n")


#: Largest input file esrgraph reads, in bytes (512 MiB): a file is held whole, with its decoded text.
MAX_INPUT_BYTES = 512 * 1024 * 1024
#: Environment variable that sets another limit: bytes, or with a K, M or G suffix (powers of 1024).
MAX_INPUT_BYTES_VARIABLE = "ESRGRAPH_MAX_INPUT_BYTES"
_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3}


def max_input_bytes() -> int:
    """The size limit on one input file: ``ESRGRAPH_MAX_INPUT_BYTES`` when set, else ``MAX_INPUT_BYTES``."""
    wanted = os.environ.get(MAX_INPUT_BYTES_VARIABLE, "").strip()
    if not wanted:
        return MAX_INPUT_BYTES
    size = re.fullmatch(r"([0-9]+) ?([KMG]?)(?:I?B)?", wanted.upper())
    if size is None or int(size[1]) == 0:
        raise UsageError(f"{MAX_INPUT_BYTES_VARIABLE}={wanted!r} is not a size: give bytes, or a number with K, M or G "
                         f"(e.g. {MAX_INPUT_BYTES_VARIABLE}=2G), or unset it for the default of 512M")
    return int(size[1]) * _UNITS[size[2]]


def _not_regular(mode: int) -> str | None:
    """What a file of this mode is, when it is not a regular file (None when it is)."""
    if stat.S_ISREG(mode):
        return None
    for test, kind in ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return kind
    return "another kind of special file"


def _check_input(mode: int, size: int, shown: str, limit: int) -> None:
    if stat.S_ISDIR(mode):
        raise InputError(shown, "is a folder")
    kind = _not_regular(mode)
    if kind:
        raise InputError(shown, f"is not a regular file but {kind}",
                         "name a file of records; esrgraph reads no pipes, devices or sockets: copy the data to a file first")
    _check_size(size, shown, limit)


def _check_size(size: int, shown: str, limit: int) -> None:
    if size > limit:
        raise InputError(shown, f"is {size:,} bytes, more than esrgraph reads from one file ({limit:,} bytes)",
                         f"split it into smaller files, or raise the limit: {MAX_INPUT_BYTES_VARIABLE}=2G")


def read_input_bytes(path: str | os.PathLike[str], display_path: str | None = None) -> bytes:
    """The bytes of an input file. Raises InputError naming the file and the fix when it is missing,
    unreadable, not a regular file (a FIFO would block, ``/dev/zero`` never ends) or over ``max_input_bytes``.

    Checked before it is opened and again on the open file (it may have been swapped in between);
    opened without blocking, so a pipe put in its place cannot hang the build.
    """
    shown = display_path or str(path)
    limit = max_input_bytes()
    try:
        st = os.stat(path)
        _check_input(st.st_mode, st.st_size, shown, limit)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise InputError(shown, "no such file") from None
    except IsADirectoryError:
        raise InputError(shown, "is a folder") from None
    except OSError as exc:
        raise InputError(shown, f"cannot be read: {exc.strerror or exc}") from None
    with open(fd, "rb", closefd=True) as handle:
        try:
            st = os.fstat(fd)
            _check_input(st.st_mode, st.st_size, shown, limit)
            data = handle.read(st.st_size + 1)
            if len(data) > st.st_size:  # it grew since: read on, to the limit
                data += handle.read(limit + 1 - len(data))
        except OSError as exc:
            raise InputError(shown, f"cannot be read: {exc.strerror or exc}") from None
    _check_size(len(data), shown, limit)
    return data


def read_input_unpacked(path: str | os.PathLike[str]) -> bytes:
    """``read_input_bytes``, gunzipped when the name ends in ``.gz`` (every member); the unpacked bytes within
    ``max_input_bytes`` too, so that a few kilobytes of gzip cannot grow into gigabytes in memory. Raises
    InputError naming the file when it is over the limit, and what ``gzip`` raises (``OSError``, ``EOFError``,
    ``zlib.error``) when it is not whole gzip, for the caller to say what it was reading."""
    data = read_input_bytes(path)
    if not str(path).lower().endswith(".gz"):
        return data
    limit = max_input_bytes()
    with gzip.GzipFile(fileobj=io.BytesIO(data)) as unpacked:
        data = unpacked.read(limit + 1)
    if len(data) > limit:
        raise InputError(str(path), f"unpacks to more than esrgraph reads from one file ({limit:,} bytes)",
                         f"unpack it and name the file, or raise the limit: {MAX_INPUT_BYTES_VARIABLE}=2G")
    return data


def read_source(path: str | os.PathLike[str], encoding: str | None = None, *, display_path: str | None = None) -> SourceText:
    """Read and decode one file. Raises InputError naming the file and the fix (``read_input_bytes``)."""
    shown = display_path or str(path)
    return source_from_bytes(read_input_bytes(path, shown), shown, encoding)


def source_from_bytes(data: bytes, path: str, encoding: str | None = None) -> SourceText:
    """Decode in-memory bytes as if they were the file ``path`` (a workbook is read into its sheets,
    whatever ``encoding`` says: a workbook names its own)."""
    sha = hashlib.sha256(data).hexdigest()
    kind = workbook_kind(data)
    if kind is not None:
        sheets = read_workbook(data, path)
        return SourceText(path=path, sha256=sha, text=sheets_as_text(sheets), encoding=kind, sheets=sheets)
    text, used = decode_bytes(data, path, encoding)
    if "\x00" in text:
        text = text.replace("\x00", "")
    return SourceText(path=path, sha256=sha, text=normalise_newlines(text), encoding=used)
