"""The journal's place in the daemon: the service, and recovery at start.

Recovery runs in the background at start (the register may still be connecting) and is
retried with a growing pause until nothing is left ``pending``; a sale settles pending rows
itself first, and every driver error reconciles the document it hit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from agent.journal.journal import Journal

log = logging.getLogger(__name__)

RETRY_SECONDS = (1, 2, 5, 10, 30, 60)


class JournalComponent:
    def __init__(self, ctx):
        self.ctx = ctx
        self.journal = Journal(ctx)
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        self.ctx.services.journal = self.journal
        self._task = asyncio.create_task(self._recover_loop(), name="journal-recovery")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _recover_loop(self) -> None:
        attempt = 0
        while not self.ctx.stopping:
            try:
                left = await self.journal.recover()
            except Exception:  # never let recovery kill the daemon; it is retried
                log.exception("journal recovery failed")
                left = -1
            if left == 0 and self.journal.shift.known:
                return
            await asyncio.sleep(RETRY_SECONDS[min(attempt, len(RETRY_SECONDS) - 1)])
            attempt += 1
