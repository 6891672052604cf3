"""The pending row's commit as the register's thread sees it, while a receipt goes out beside it.

A receipt's open, lines and tags make no FN document: only its close does. So the row's commit
(an fsync) runs while they go out, and the close waits here until the row is durable. A kill in
between leaves at most an open receipt with no row, which the next operation or recovery at start
cancels; a commit that fails has the receipt cancelled and the sale refused (``StoreFailed``).
Every other operation commits first (``written=True``): its one command is the document.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from agent.journal.errors import StoreFailed

COMMIT_WAIT = 60.0  # seconds; far past SQLite's busy timeout, so only a wedged store meets it


class PendingRow:
    def __init__(self, state_dir: Path | None, *, written: bool, begin: Callable[[], None] | None = None):
        self.state_dir = state_dir
        self._begin = begin
        self._done = threading.Event()
        self._problem: str | None = None
        self.opened = threading.Event()  # the receipt is open with a line in (crash tests wait for it)
        if written:
            self._done.set()

    def begin(self) -> None:
        """The receipt is open: the row's commit starts now (the port's thread calls this). Its
        work then overlaps the first line's frame on the wire, not the open's short exchanges,
        where it held up the port's thread between the register's NAK and the frame."""
        if self._begin is not None:
            self._begin()

    def settle(self, problem: str | None) -> None:
        """The commit ended: durable (None) or failed with ``problem``."""
        self._problem = problem
        self._done.set()

    def durable(self) -> None:
        """Return once the row is committed; ``StoreFailed`` if it was not (runs in the port thread)."""
        if not self._done.wait(COMMIT_WAIT):
            raise StoreFailed(f"no commit within {COMMIT_WAIT:g} s")
        if self._problem is not None:
            raise StoreFailed(self._problem)
