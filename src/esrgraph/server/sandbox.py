"""Limits a query worker puts on itself: no network, and a memory ceiling.

**No network.** A SPARQL query can name any URL in ``SERVICE`` and Oxigraph calls it (a POST from
the server: server-side request forgery). Looking for the keyword in the query text cannot be the
barrier: a ``#`` comment ended by a bare carriage return, or a ``<`` ... ``>`` that a regular
expression takes for an IRI, hides it while Oxigraph still parses it, and pyoxigraph has no switch
to turn federation off. So a worker that is not allowed SERVICE installs a seccomp filter before it
loads the graph: from then on the ``socket()`` system call fails for every address family except
AF_UNIX (the worker's pipe to the server exists already), and so does ``io_uring_setup``, the other
way to make a socket. Whatever the query text, the engine cannot open a connection; the call fails
and the query is answered with 400.

**Memory.** ``RLIMIT_AS`` caps the worker's address space at what it holds after loading the graph
plus a budget per query. A query that needs more fails to allocate: Python raises ``MemoryError``,
Rust aborts the process. Either way the worker ends and the pool replaces it (``query_pool.py``).

Both are Linux features (seccomp on x86-64 and arm64); elsewhere the functions return False and the
server says so when it starts.
"""

from __future__ import annotations

import ctypes
import errno
import platform
import socket
import sys
from pathlib import Path

_PR_SET_NO_NEW_PRIVS = 38
_PR_SET_SECCOMP = 22
_SECCOMP_MODE_FILTER = 2
_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000
# Classic BPF opcodes: load a 32-bit word of seccomp_data, compare and jump, return.
_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JGE_K = 0x35
_RET_K = 0x06
# Offsets in struct seccomp_data: nr, arch, then args[0] (its low half first, on little-endian machines).
_NR, _ARCH, _ARG0 = 0, 4, 16
#: machine -> (AUDIT_ARCH_* value, socket syscall number, io_uring_setup syscall number)
_MACHINES = {
    "x86_64": (0xC000003E, 41, 425),
    "amd64": (0xC000003E, 41, 425),
    "aarch64": (0xC00000B7, 198, 425),
    "arm64": (0xC00000B7, 198, 425),
}
#: Syscall numbers from here on belong to the x32 ABI (on x86-64): refused, the worker never uses them.
_X32_BIT = 0x40000000


class _Instruction(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint32)]


class _Program(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(_Instruction))]


def _program(arch: int, socket_nr: int, io_uring_nr: int) -> list[tuple[int, int, int, int]]:
    """The filter: socket() only for AF_UNIX, no io_uring, nothing from another ABI; all else allowed."""
    deny_other_abi = _RET_K, 0, 0, _RET_ERRNO | errno.EPERM
    return [
        (_LD_W_ABS, 0, 0, _ARCH),  # 0
        (_JEQ_K, 1, 0, arch),  # 1: our ABI -> 3
        deny_other_abi,  # 2
        (_LD_W_ABS, 0, 0, _NR),  # 3
        (_JGE_K, 6, 0, _X32_BIT),  # 4: x32 -> 11
        (_JEQ_K, 5, 0, io_uring_nr),  # 5: io_uring_setup -> 11
        (_JEQ_K, 1, 0, socket_nr),  # 6: socket -> 8
        (_RET_K, 0, 0, _RET_ALLOW),  # 7
        (_LD_W_ABS, 0, 0, _ARG0),  # 8: the address family
        (_JEQ_K, 0, 1, socket.AF_UNIX),  # 9: AF_UNIX -> 10, else 11
        (_RET_K, 0, 0, _RET_ALLOW),  # 10
        (_RET_K, 0, 0, _RET_ERRNO | errno.EACCES),  # 11
    ]


def deny_network() -> bool:
    """Make every later attempt of this process to open a network socket fail. False when not possible here.

    Irreversible for the process (and its threads and children), as a sandbox must be.
    """
    machine = _MACHINES.get(platform.machine().lower())
    if not sys.platform.startswith("linux") or machine is None or sys.byteorder != "little":
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return False
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    prctl.restype = ctypes.c_int
    code = _program(*machine)
    instructions = (_Instruction * len(code))(*(_Instruction(*line) for line in code))
    program = _Program(len(code), instructions)
    if prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return False
    return bool(prctl(_PR_SET_SECCOMP, _SECCOMP_MODE_FILTER, ctypes.addressof(program), 0, 0) == 0)


def address_space() -> int | None:
    """The bytes of address space this process has mapped now (None where /proc is missing)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def cap_memory(budget: int) -> int | None:
    """Cap this process's address space at what it maps now plus ``budget`` bytes; the cap, or None if not set."""
    now = address_space()
    if now is None or budget <= 0:
        return None
    limit = now + budget
    try:
        import resource  # POSIX only

        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY and hard < limit:
            limit = hard
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, AttributeError, ValueError, OSError):
        return None
    return limit
