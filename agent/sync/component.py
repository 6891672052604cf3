"""The daemon's sync component: offers ``ctx.services.sync`` and runs the scheduler."""

from __future__ import annotations

import asyncio
import contextlib

from agent.fn_state import fn_summary, printer_state
from agent.sync.engine import SyncEngine
from agent.sync.records import Known
from agent.sync.scheduler import Scheduler
from agent.sync.service import SyncService


class SyncComponent:
    def __init__(self, ctx):
        self.ctx = ctx
        self.task: asyncio.Task | None = None
        self.scheduler: Scheduler | None = None
        self.engine: SyncEngine | None = None

    def _printer_state(self) -> str:
        return printer_state(self.ctx.devices.fiscal_register)

    def _fn_state(self) -> dict | None:
        handle = self.ctx.devices.fiscal_register
        return fn_summary(handle, self.ctx.clock)

    def _known(self) -> Known:
        """The codes the fiscal register's profile maps; the FFD's taxes until it is loaded."""
        handle = self.ctx.devices.fiscal_register
        profile = handle.profile if handle is not None else None
        fiscal = profile.fiscal if profile is not None else None
        if fiscal is None:
            return Known()
        return Known(
            taxes=tuple(fiscal.taxes),
            units=tuple(fiscal.units),
            payment_objects=tuple(fiscal.payment_objects),
        )

    async def start(self) -> None:
        pairing = self.ctx.services.pairing
        config = self.ctx.settings.config
        engine = SyncEngine(
            self.ctx.store,
            pairing,
            shop_currency=config.shop.currency,
            clock=lambda: self.ctx.clock(),
            printer_state=self._printer_state,
            fn_state=self._fn_state,
            known=self._known,
            timeout=config.backoffice.timeout,
        )
        self.engine = engine
        self.scheduler = Scheduler(engine)
        self.scheduler.start_workers()
        service = SyncService(engine, self.scheduler)
        pairing.listeners.append(self._pairing_changed)
        self._loop = asyncio.get_running_loop()
        self.ctx.services.sync = service
        self.task = asyncio.create_task(self.scheduler.run_forever(), name="sync-scheduler")

    def _pairing_changed(self, event: str) -> None:
        if event == "paired" and self.engine is not None:
            self.engine.forget_errors()
        self._wake_threadsafe()

    def _wake_threadsafe(self) -> None:
        if self.scheduler is not None:
            self._loop.call_soon_threadsafe(self.scheduler.wake)

    async def stop(self) -> None:
        self.ctx.services.sync = None
        if self.scheduler is not None:
            await self.scheduler.stop()
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
