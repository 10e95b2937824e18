"""The one atomic write: a temporary file in the target folder, renamed into place.

A reader never sees half a file, and a build killed at any moment leaves the previous file
intact. Published files are synced to disk first; cache files (``durable=False``) skip the
sync, since a lost cache entry is only work to redo. An ``OSError`` names the file the caller
asked for (or its folder, when no file can be made there), never the hidden temporary file: a
full disk or a read-only folder is reported where the user can find it.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


#: Read once at import (reading the umask means setting it, which is not thread-safe later on).
_UMASK = _current_umask()


#: Errors of writing bytes: they are the target's, whichever file the operating system names (the copy's source).
_WRITE_ERRORS = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}


def _name_target(exc: OSError, tmp: str | os.PathLike[str], target: Path) -> None:
    """Let ``exc`` name ``target`` where it names nothing, the temporary file, or the wrong file."""
    if exc.errno is None:  # not from the operating system: its text is all it says, keep it
        return
    if exc.filename is None or os.fspath(exc.filename) == os.fspath(tmp) or exc.errno in _WRITE_ERRORS:
        exc.filename, exc.filename2 = str(target), None


def _temporary_file(target: Path) -> tuple[int, str]:
    """A new temporary file beside ``target``; an error names the folder that takes no new file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        return tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        exc.filename, exc.filename2 = str(target.parent), None
        raise


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes, *, durable: bool = True) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename (synced first when ``durable``)."""
    atomic_write_chunks(path, (data,), durable=durable)


def atomic_write_chunks(path: str | os.PathLike[str], chunks: Iterable[bytes], *, durable: bool = True) -> None:
    """Write ``chunks`` one after the other to ``path``, as ``atomic_write_bytes`` writes one: a large file made
    piece by piece (the quality report's fix list) is never held whole in memory. An error while the chunks
    are made leaves the previous file as it was."""
    target = Path(path)
    fd, tmp = _temporary_file(target)
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o666 & ~_UMASK)  # mkstemp makes 0600; published files are for everyone
            for chunk in chunks:
                handle.write(chunk)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(exc, OSError):
            _name_target(exc, tmp, target)
        raise


def atomic_copy_file(source: str | os.PathLike[str], path: str | os.PathLike[str], *, durable: bool = True) -> None:
    """Copy ``source`` to ``path`` atomically (a hard link where the file system allows, else a copy); ``durable``:
    flushed to disk before it takes the name (not for what is made again when lost, such as a cache entry)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        tmp.unlink(missing_ok=True)
        try:
            os.link(source, tmp)
        except OSError:
            shutil.copyfile(source, tmp)
        os.chmod(tmp, 0o666 & ~_UMASK)
        if durable:
            with open(tmp, "rb") as handle:
                os.fsync(handle.fileno())
        os.replace(tmp, target)
        # When ``path`` is a hard link to ``source`` already, the link made above is one more name of the same
        # file, and POSIX rename() of one name of a file onto another does nothing: the extra name stays.
        tmp.unlink(missing_ok=True)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            _name_target(exc, tmp, target)
        raise


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))
