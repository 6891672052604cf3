"""The scheduler: runs due streams in worker threads; a stream never overlaps itself.

Time comes from the clock it is given (the daemon's ``ctx.clock``), so tests move time by hand and
call ``tick()``; the daemon calls ``run_forever()``, which ticks every ``poll`` seconds or as soon as
someone ``wake()``s it (a new document in the outbox, a new pairing).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from agent.sync.engine import RunResult, SyncEngine

log = logging.getLogger(__name__)


class Scheduler:
    def __init__(self, engine: SyncEngine, poll: float = 1.0):
        self.engine = engine
        self.poll = poll
        self.running: dict[str, asyncio.Task] = {}
        self._wake = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        self._wake.set()

    async def tick(self) -> list[str]:
        """Start every due stream that is not already running; returns the streams started."""
        due = await asyncio.to_thread(self.engine.due_streams, self.engine.clock())
        started = []
        for stream in due:
            task = self.running.get(stream)
            if task is not None and not task.done():
                continue
            self.running[stream] = asyncio.create_task(self._run(stream), name=f"sync-{stream}")
            started.append(stream)
        return started

    async def _run(self, stream: str) -> RunResult:
        try:
            return await asyncio.to_thread(self.engine.run, stream)
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
        self._stopping = True
        self.engine.stopping.set()
        self._wake.set()
        await self.settle()
