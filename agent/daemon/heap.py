"""Give the heap a burst of work freed back to the system once the daemon is at rest.

glibc keeps what a thread freed inside its arenas: after a catalog sync of 100,000 products
or a run of searches the daemon holds megabytes of free heap for the rest of the day.
``malloc_trim(0)`` returns the free pages (measured: 5 to 10 MiB after a full catalog sync,
in about 6 ms). It runs at most once a period, and only when malloc holds more free memory
than after the last trim, so a daemon that stays at rest does not trim again.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import logging

log = logging.getLogger("kassa.daemon")

PERIOD = 10.0  # seconds between looks at the heap
WORTH = 1024 * 1024  # bytes freed since the last trim before another is worth it


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


class Heap:
    """glibc's malloc: its free bytes and ``malloc_trim``; ``available`` is False elsewhere."""

    def __init__(self) -> None:
        self._trim = self._info = None
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            self._trim = libc.malloc_trim
            self._trim.argtypes = [ctypes.c_size_t]
            info = libc.mallinfo2  # glibc 2.33 and newer
            info.restype = _MallInfo2
            self._info = info
        except (OSError, AttributeError):  # another C library, or an older glibc: no trim
            self._trim = self._info = None

    @property
    def available(self) -> bool:
        return self._info is not None

    def free_bytes(self) -> int:
        """Bytes malloc holds free in its arenas (what a trim may give back, fragments included)."""
        return self._info().fordblks

    def trim(self) -> None:
        self._trim(0)


async def trim_at_rest(heap: Heap | None = None, period: float = PERIOD, worth: int = WORTH) -> None:
    """Every ``period`` s: if malloc holds ``worth`` more free bytes than after the last trim, trim."""
    heap = heap or Heap()
    if not heap.available:
        return
    kept = heap.free_bytes()
    while True:
        await asyncio.sleep(period)
        free = heap.free_bytes()
        if free < kept:
            kept = free  # reused since: the next trim is measured from here
        elif free - kept >= worth:
            # a worker thread: the trim holds malloc's locks for a few ms, not the event loop
            await asyncio.to_thread(heap.trim)
            kept = heap.free_bytes()
            log.debug("heap trimmed: %d bytes left free in malloc's arenas", kept)
