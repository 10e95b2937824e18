"""One error hierarchy for everything esrgraph raises on purpose.

Each error carries where it happened (file, line, record, field) so the CLI can print a
message that names the place and the fix, and map it to a documented exit code.
"""

from __future__ import annotations

import errno
import os


class EsrgraphError(Exception):
    """Base of every error esrgraph raises deliberately."""

    exit_code = 2


class InputError(EsrgraphError):
    """A file cannot be read: missing, unreadable, wrong encoding, unknown layout."""

    def __init__(self, path: str, message: str, hint: str | None = None) -> None:
        self.path = path
        self.message = message
        self.hint = hint
        text = f"{path}: {message}"
        if hint:
            text += f" ({hint})"
        super().__init__(text)


class ParseError(EsrgraphError):
    """A record cannot be parsed at all; it is quarantined with this reason."""

    def __init__(
        self,
        path: str,
        message: str,
        *,
        line: int | None = None,
        field: str | None = None,
        record: str | None = None,
    ) -> None:
        self.path = path
        self.line = line
        self.field = field
        self.record = record
        self.message = message
        where = f"{path}:{line}" if line else path
        parts = [where]
        if record:
            parts.append(f"record {record}")
        if field:
            parts.append(f"field {field}")
        super().__init__(": ".join(parts) + f": {message}")


class ShapeLoadError(EsrgraphError):
    """The SHACL shapes (ours or the user's) cannot be loaded."""


class QueryError(EsrgraphError):
    """A SPARQL query is malformed, unknown, or failed on the store."""


class UsageError(EsrgraphError):
    """The command line asks for something that cannot be done."""


class EnvironmentFault(EsrgraphError):
    """The machine refused a file operation: full disk, read-only or forbidden folder, a file where a
    folder must be. Not a bug of esrgraph's: the user can fix it, so the message names the path and the fix."""

    def __init__(self, path: str | None, problem: str, hint: str) -> None:
        self.path = path
        self.problem = problem
        self.hint = hint
        super().__init__(f"{path}: {problem} ({hint})" if path else f"{problem} ({hint})")


_SPACE = ("free space there, or write elsewhere: another -o folder for the output, TMPDIR for the work folder "
          "of a large build")
_WRITABLE = "use a folder you may write to (another -o)"
#: errno -> (what went wrong, how to fix it). Only faults of the environment a user can fix: an OSError
#: with another errno (EBADF, EINVAL ...) stays an internal error, for it points at esrgraph itself.
_ENVIRONMENT_FAULTS: dict[int, tuple[str, str]] = {
    errno.ENOSPC: ("no space left on the device", _SPACE),
    errno.EROFS: ("read-only file system", f"{_WRITABLE}, or mount it read-write"),
    errno.EACCES: ("permission denied", f"change its permissions, or {_WRITABLE}"),
    errno.EPERM: ("operation not permitted", f"change its permissions, or {_WRITABLE}"),
    errno.ENOTDIR: ("a part of this path is a file, not a folder", "give a path whose parts are folders"),
    errno.EEXIST: ("a file is in the way where a folder is needed",
                   "remove or rename that file, or give another -o folder"),
    errno.EISDIR: ("is a folder, not a file", "name a file"),
    errno.ENOENT: ("no such file or folder", "check the path"),
    errno.ELOOP: ("too many levels of symbolic links", "remove the symbolic-link loop"),
    errno.ENAMETOOLONG: ("file name too long", "give a shorter path"),
    errno.EFBIG: ("file too large for this file system", "write to another file system (-o, TMPDIR)"),
}
if hasattr(errno, "EDQUOT"):
    _ENVIRONMENT_FAULTS[errno.EDQUOT] = ("disk quota exceeded", _SPACE)
#: Faults that are never esrgraph's, even when the operating system does not say which file: a write
#: to an open file gives ENOSPC with no name.
_WITHOUT_NAME = {errno.ENOSPC, errno.EROFS, getattr(errno, "EDQUOT", errno.ENOSPC)}


def environment_fault(exc: OSError) -> EnvironmentFault | None:
    """The user's fault ``exc`` stands for, naming the path and the fix; None when it looks like a bug."""
    if exc.errno not in _ENVIRONMENT_FAULTS:
        return None
    if exc.filename is None and exc.errno not in _WITHOUT_NAME:
        return None
    problem, hint = _ENVIRONMENT_FAULTS[exc.errno]
    path = None if exc.filename is None else _shown(exc.filename)
    if path is not None and exc.filename2 is not None:
        path += f" -> {_shown(exc.filename2)}"
    return EnvironmentFault(path, problem, hint)


def _shown(name: object) -> str:
    return os.fsdecode(name) if isinstance(name, str | bytes | os.PathLike) else str(name)


def name_file(exc: OSError, path: str | os.PathLike[str]) -> None:
    """Let ``exc`` name ``path`` when it names no file (a failed ``write`` names none), so the message
    can say where the disk filled up; the caller raises it again."""
    if exc.filename is None:
        exc.filename = os.fspath(path)
