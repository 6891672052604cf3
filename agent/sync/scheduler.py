"""The scheduler: runs due streams in sync's own worker threads; a stream never overlaps itself.

Sync has its own bounded thread pool, so a slow back office can hold at most these threads and
never the ones the journal and the local API need for a sale. A "sync now" for a stream that is
already running joins that run instead of queueing a second one behind it.

Time comes from the clock it is given (the daemon's ``ctx.clock``), so tests move time by hand and
call ``tick()``; the daemon calls ``run_forever()``, which ticks every ``poll`` seconds or as soon as
someone ``wake()``s it (a new document in the outbox, a new pairing).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from agent.sync.engine import SyncEngine
from agent.sync.stream import RunResult
from agent.thread_pool import WarmPool

log = logging.getLogger(__name__)

WORKERS = 8  # sync's threads: every stream at once, the due check, the outbox's read ahead; more queue
STOP_GRACE = 5.0  # seconds shutdown waits for runs to notice; a request in flight is broken at once


class Scheduler:
    def __init__(self, engine: SyncEngine, poll: float = 1.0, workers: int = WORKERS):
        self.engine = engine
        self.poll = poll
        self.running: dict[str, asyncio.Task] = {}
        self._executor = WarmPool(workers, "kassa-sync")
        engine.pool = self._executor
        self._wake = asyncio.Event()
        self._stopping = False

    def start_workers(self) -> None:
        """Start all of sync's threads now (the daemon does, before READY)."""
        self._executor.start_all()

    def wake(self) -> None:
        self._wake.set()

    async def _call(self, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    def start(self, stream: str) -> tuple[asyncio.Task, bool]:
        """The run of ``stream``: the one in progress (joined: True) or a new one."""
        self.engine.stream(stream)  # ValueError for an unknown stream
        task = self.running.get(stream)
        if task is not None and not task.done():
            return task, True
        task = asyncio.create_task(self._run(stream), name=f"sync-{stream}")
        self.running[stream] = task
        return task, False

    async def tick(self) -> list[str]:
        """Start every due stream that is not already running; returns the streams started."""
        if self._stopping:
            return []
        due = await self._call(self.engine.due_streams, self.engine.clock())
        started = []
        for stream in due:
            _task, joined = self.start(stream)
            if not joined:
                started.append(stream)
        return started

    async def _run(self, stream: str) -> RunResult:
        try:
            return await self._call(self.engine.run, stream)
        except Exception:
            log.exception("sync %s crashed", stream)
            return RunResult(stream, ok=False, error="internal error")

    async def settle(self) -> None:
        """Wait until every started run is over (tests, shutdown)."""
        tasks = [task for task in self.running.values() if not task.done()]
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    async def run_forever(self) -> None:
        while not self._stopping:
            try:
                await self.tick()
            except Exception:
                log.exception("sync scheduler tick failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll)
            self._wake.clear()

    async def stop(self) -> None:
        """End every run promptly: no new request, the one in flight broken, then the threads go."""
        self._stopping = True
        self.engine.abort()
        self._wake.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.settle(), timeout=STOP_GRACE)
        self._executor.shutdown(wait=False, cancel_futures=True)
