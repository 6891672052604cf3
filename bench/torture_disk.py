"""The state dir on a small file system of its own that the torture fills up and empties again.

A size-limited tmpfs mounted over the state dir (root only): when full, SQLite gets a real
ENOSPC from the kernel, exactly as on a full SD card. ``fill`` writes a filler file until the
kernel refuses a byte more; ``empty`` removes it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
from pathlib import Path

SIZE = "32m"
CHUNK = 64 * 1024


class DiskUnavailable(RuntimeError):
    pass


class SmallDisk:
    def __init__(self, path: Path, size: str = SIZE):
        self.path = Path(path)
        self.size = size
        self.filler = self.path / "filler.bin"
        self.mounted = False

    def mount(self) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={self.size},mode=0700", "tmpfs", str(self.path)],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise DiskUnavailable(
                f"--disk needs a small file system of its own (mount -t tmpfs, as root): "
                f"{result.stderr.strip() or result.returncode}"
            )
        self.mounted = True

    def unmount(self) -> None:
        if self.mounted:
            subprocess.run(["umount", "-l", str(self.path)], capture_output=True)
            self.mounted = False

    def free(self) -> int:
        stats = os.statvfs(self.path)
        return stats.f_bavail * stats.f_frsize

    def fill(self) -> int:
        """Write the filler until the file system refuses; returns the bytes written."""
        written = 0
        block = b"\0" * CHUNK
        with open(self.filler, "ab", buffering=0) as out:
            for size in (CHUNK, 4096, 512, 1):
                while True:
                    try:
                        written += out.write(block[:size])
                    except OSError as exc:
                        if exc.errno != errno.ENOSPC:
                            raise
                        break
        return written

    def empty(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.filler.unlink()
