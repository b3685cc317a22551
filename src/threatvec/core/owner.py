"""Which process executes a row (a red-team run or cycle, a job run), and whether it is gone.

Such a row is executed in a thread of the process that created it (the server,
`threatvec agentbench run`, `threatvec jobs run`). SIGTERM and Ctrl-C are caught
and end the row; SIGKILL and the out-of-memory killer give no such chance, and
the row read 'running' for good (a red-team run locked its agent out, 409,
until the 15-minute stale rule). The owner stamped on the row lets any process
that shares the owner's process table (same host name, same boot, same PID
namespace) see at once that the owner is dead. An owner elsewhere (another host,
another container) cannot be checked: for red-team rows the stale rule still
covers it.

The token holds the boot id and PID namespace (where a pid means the same
process) and the process's start time (so a pid the kernel reused for another
process does not pass for the owner). Off Linux the parts are empty: the host
name and ``kill(pid, 0)`` decide, without the reuse check. On Windows nothing is
decided here (the stale rule applies).
"""

from __future__ import annotations

import functools
import os
import socket
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Owner", "current", "is_dead"]

_PROC = Path("/proc")


@dataclass(frozen=True)
class Owner:
    """The process that executes a row: host name, pid, ``boot:pidns:start`` token."""

    host: str
    pid: int
    token: str

    @property
    def place(self) -> str:
        """The token's boot id and PID namespace: where ``pid`` names this process."""
        return self.token.rsplit(":", 1)[0]


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return ""


def _pid_namespace() -> str:
    try:
        link = os.readlink(_PROC / "self" / "ns" / "pid")  # 'pid:[4026531836]'
    except OSError:
        return ""
    return "".join(ch for ch in link if ch.isdigit())


def _stat_fields(pid: int) -> list[str] | None:
    """/proc/PID/stat after the command name (which may hold spaces and ')'), or None."""
    raw = _read(_PROC / str(pid) / "stat")
    if ")" not in raw:
        return None
    return raw.rsplit(")", 1)[1].split()


def _start_time(pid: int) -> str:
    """When the process started (clock ticks since boot, field 22 of stat); '' if unknown."""
    fields = _stat_fields(pid)
    return fields[19] if fields is not None and len(fields) > 19 else ""


@functools.cache
def _place() -> str:
    boot = _read(_PROC / "sys" / "kernel" / "random" / "boot_id")
    return f"{boot}:{_pid_namespace()}"


def current() -> Owner:
    """This process as the owner of the rows it creates (its pid is read each time: fork)."""
    pid = os.getpid()
    return Owner(socket.gethostname()[:255], pid, f"{_place()}:{_start_time(pid)}")


def _gone(pid: int) -> bool | None:
    """True: no such process (or a zombie); False: it exists; None: cannot tell."""
    if os.name == "nt":
        return None  # os.kill(pid, 0) would terminate the process there, not probe it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # it exists, owned by another user
    except OSError:
        return None
    fields = _stat_fields(pid)
    # Killed but not yet reaped by its parent: the process no longer runs anything.
    return bool(fields and fields[0] in ("Z", "X"))


def is_dead(host: str | None, pid: int | None, token: str | None) -> bool:
    """True only when the owner is provably no longer running (never a guess).

    False for an owner on another host, boot or PID namespace, a row without an
    owner (written before owners were recorded), or a process that still runs.
    """
    if not host or not pid or token is None:
        return False
    me = current()
    recorded = Owner(host, pid, token)
    if host != me.host or recorded.place != me.place:
        return False
    gone = _gone(pid)
    if gone is None:
        return False
    if gone:
        return True
    started = token.rsplit(":", 1)[1]
    # The pid was given to another process after the owner ended.
    return bool(started) and _start_time(pid) not in ("", started)
