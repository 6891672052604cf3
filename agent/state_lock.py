"""One daemon per state dir: a second `kassa run` on the same journal would fiscalize twice.

flock() is released by the kernel when the process dies, even on SIGKILL, so a crashed
daemon never leaves a stale lock behind for the restarted one.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from agent.i18n import _

LOCK_NAME = "kassa.lock"


class StateDirLocked(Exception):
    """Another process holds the state dir; phrased for a person."""


class StateDirLock:
    def __init__(self, state_dir: Path):
        self.path = Path(state_dir) / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise StateDirLocked(
                _("another kassa daemon (pid {pid}) is already running on {dir}; stop it first").format(
                    pid=holder, dir=self.path.parent
                )
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> StateDirLock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()
