"""Reading input files: find them, hash them, decode them.

Encodings are detected in a fixed order so the same bytes always decode the same way:
a BOM (UTF-8, UTF-16) wins; then strict UTF-8; then UTF-16 without BOM when the bytes
look like it; then Windows-1252, whose undefined bytes fall back to Latin-1. A caller
that knows better names the encoding (``--encoding``).
"""

from __future__ import annotations

import codecs
import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from esrgraph.core.errors import InputError

#: Files a folder walk picks up; anything else in a folder is skipped (and said so by the caller).
INPUT_SUFFIXES = (".txt", ".csv", ".tsv", ".text")


@dataclass(frozen=True, slots=True)
class SourceText:
    """A decoded input file: text with ``\\n`` line ends, plus where it came from."""

    path: str
    sha256: str
    text: str
    encoding: str


def iter_input_files(inputs: Iterable[str | os.PathLike[str]]) -> Iterator[tuple[Path, str]]:
    """Files named, and files under folders named (recursively, sorted), with display names.

    The display name is what reports and the graph's provenance call the file: the path
    below the named folder's parent (``samples/S21093.txt``) or the file's own name, so it
    does not depend on where the build was started.
    """
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            top = path.resolve().name  # the named folder's own name, also for "." or ".." ("" for "/")
            prefix = f"{top}/" if top else ""
            # below the named folder as walked, not resolved (slow per file, and a link to a file
            # outside the folder has no path below it: docs/decisions/20261203-one-way-layers.md); sorted by path parts, as Paths sort
            for parts in sorted(_files_below(str(path), ())):
                yield path.joinpath(*parts), prefix + "/".join(parts)
        else:
            yield path, path.name


def _files_below(folder: str, parts: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
    """Path parts (below the walk's top) of the input files under ``folder``: ``os.scandir`` with
    no ``pathlib`` object per entry (docs/decisions/20261203-one-way-layers.md). Like
    ``rglob``, it does not follow links to folders and skips folders it may not read."""
    try:
        with os.scandir(folder) as entries:
            found = list(entries)
    except PermissionError:
        return
    for entry in found:
        try:
            if entry.is_dir(follow_symlinks=False):
                yield from _files_below(entry.path, (*parts, entry.name))
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


def read_source(path: str | os.PathLike[str], encoding: str | None = None, *, display_path: str | None = None) -> SourceText:
    """Read and decode one file. Raises InputError naming the file and the fix."""
    p = Path(path)
    shown = display_path or str(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise InputError(shown, "no such file") from None
    except IsADirectoryError:
        raise InputError(shown, "is a folder") from None
    except OSError as exc:
        raise InputError(shown, f"cannot be read: {exc.strerror or exc}") from None
    return source_from_bytes(data, shown, encoding)


def source_from_bytes(data: bytes, path: str, encoding: str | None = None) -> SourceText:
    """Decode in-memory bytes as if they were the file ``path``."""
    sha = hashlib.sha256(data).hexdigest()
    text, used = decode_bytes(data, path, encoding)
    if "\x00" in text:
        text = text.replace("\x00", "")
    return SourceText(path=path, sha256=sha, text=normalise_newlines(text), encoding=used)
