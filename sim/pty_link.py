"""An emulator's port: a raw pseudo-terminal whose device side is symlinked where the user asked."""

from __future__ import annotations

import contextlib
import os
import tty
from pathlib import Path


def open_linked_pty(link: Path) -> tuple[int, int]:
    """A raw pty pair; the symlink at ``link`` is replaced atomically, so a client never sees it missing."""
    master, slave = os.openpty()
    tty.setraw(slave)
    temp = link.with_name(f".{link.name}.{os.getpid()}.tmp")
    if temp.is_symlink():
        temp.unlink()
    os.symlink(os.ttyname(slave), temp)
    os.replace(temp, link)
    return master, slave


def close_linked_pty(link: Path, master: int, slave: int) -> None:
    for fd in (master, slave):
        if fd >= 0:
            with contextlib.suppress(OSError):
                os.close(fd)
    if link.is_symlink():
        link.unlink()
