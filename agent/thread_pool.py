"""A thread pool of a fixed size, every worker started at once.

A ThreadPoolExecutor starts a worker only when a task finds none idle and never ends one before
shutdown, so its thread count climbs to the busiest moment it has seen, hours into a day. Started
whole before the daemon says READY, a pool holds the same threads from the first sale to the last
(docs/architecture.md, "Threads").
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

START_TIMEOUT = 10.0  # seconds for every worker to come up


class WarmPool(ThreadPoolExecutor):
    def __init__(self, workers: int, name: str):
        super().__init__(max_workers=workers, thread_name_prefix=name)
        self.workers = workers

    def start_all(self) -> None:
        """Start every worker now: each waits for all the others, so no task finds one idle."""
        gate = threading.Barrier(self.workers, timeout=START_TIMEOUT)
        for future in [self.submit(gate.wait) for _ in range(self.workers)]:
            future.result()
