"""Failed pairing attempts per client address: a sliding window so codes cannot be guessed."""

from __future__ import annotations

import math
import threading
from collections import defaultdict, deque
from datetime import timedelta

from sim.backoffice.clock import Clock

MAX_FAILURES = 5
WINDOW = timedelta(minutes=1)


class AttemptLimiter:
    """After ``limit`` failures within ``window`` an address waits until the oldest one ages out."""

    def __init__(self, clock: Clock, limit: int = MAX_FAILURES, window: timedelta = WINDOW):
        self.clock = clock
        self.limit = limit
        self.window = window
        self._failures: dict[str, deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def _prune(self, address: str):
        now = self.clock()
        failures = self._failures[address]
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return now, failures

    def retry_after(self, address: str) -> int | None:
        """Seconds the address must wait, or None when it may try now."""
        with self._lock:
            now, failures = self._prune(address)
            if len(failures) < self.limit:
                return None
            wait = (failures[0] + self.window - now).total_seconds()
            return max(1, math.ceil(wait))

    def failed(self, address: str) -> None:
        with self._lock:
            now, failures = self._prune(address)
            failures.append(now)
