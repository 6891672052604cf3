"""The daemon's marketplace component: offers ``ctx.services.marketplace``, plugs every account
into sync's scheduler as a stream (``orders.allegro.<id>``), and settles paid orders of accounts
that say so, through the journal, as the cashier would."""

from __future__ import annotations

import asyncio
import logging

from agent.marketplace.service import MarketplaceService
from agent.marketplace.stream import AccountStream, stream_name

log = logging.getLogger(__name__)


class MarketplaceComponent:
    def __init__(self, ctx):
        self.ctx = ctx
        self.service: MarketplaceService | None = None
        self._settling: asyncio.Task | None = None

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        service = MarketplaceService(
            self.ctx.store,
            self.ctx.settings.state_dir,
            self.ctx.settings.config,
            clock=lambda: self.ctx.clock(),
        )
        service.on_connected = lambda account_id: self._loop.call_soon_threadsafe(
            self._add_stream, account_id
        )
        service.on_removed = lambda account_id: self._loop.call_soon_threadsafe(
            self._remove_stream, account_id
        )
        service.wake = self.wake
        service.import_now = self.import_now
        self.service = service
        for account in await asyncio.to_thread(service.list_accounts):
            self._add_stream(account["id"])
        self.ctx.services.marketplace = service

    def _sync(self):
        return self.ctx.services.sync

    def _add_stream(self, account_id: int) -> None:
        sync = self._sync()
        if sync is None:
            log.warning("sync is not running: marketplace account %s is not imported", account_id)
            return
        if stream_name("allegro", account_id) not in sync.engine.streams:
            sync.engine.add_stream(AccountStream(self.service, account_id, after_import=self._after_import))
        sync.kick()

    def _remove_stream(self, account_id: int) -> None:
        sync = self._sync()
        if sync is not None:
            sync.engine.remove_stream(stream_name("allegro", account_id))

    def wake(self) -> None:
        sync = self._sync()
        if sync is not None:
            self._loop.call_soon_threadsafe(sync.kick)

    async def import_now(self, account_ids: list[int] | None = None) -> list[dict]:
        """«Обновить сейчас» for accounts (all when None): sync's own path, then settling."""
        sync = self._sync()
        if sync is None:
            return []
        names = [name for name in sync.engine.streams if name.startswith("orders.allegro.")]
        if account_ids is not None:
            names = [
                stream_name("allegro", account_id)
                for account_id in account_ids
                if stream_name("allegro", account_id) in names
            ]
        results = await sync.sync_now(names) if names else []
        await self._auto_settle()
        return results

    def _after_import(self) -> None:
        """Called in sync's worker thread after an import: settle on the event loop, do not wait."""
        self._loop.call_soon_threadsafe(self._start_settling)

    def _start_settling(self) -> None:
        if self._settling is None or self._settling.done():
            self._settling = asyncio.create_task(self._auto_settle(), name="marketplace-settle")

    async def _auto_settle(self) -> None:
        """Fiscalize paid orders of accounts that settle automatically; a refusal leaves the order waiting."""
        from agent.api.access import check_total, default_cashier
        from agent.marketplace.settle import fiscalize
        from common.errors import KassaError

        journal = self.ctx.services.journal
        if journal is None or self.service is None:
            return
        settled = 0
        for order_id in await asyncio.to_thread(self.service.auto_settle_candidates):
            if self.ctx.stopping:
                return
            config = self.ctx.settings.config
            try:
                await fiscalize(
                    journal,
                    self.ctx.store,
                    order_id,
                    config.shop.currency,
                    cashier=default_cashier(config),
                    limits=lambda request, config=config: check_total(request, journal, config),
                )
                settled += 1
            except KassaError as exc:  # a refusal or a register problem: the order keeps waiting
                log.info("order %s not settled automatically: %s", order_id, getattr(exc, "code", exc))
        if settled:
            self.wake()  # the outcomes go back to Allegro now

    async def stop(self) -> None:
        self.ctx.services.marketplace = None
        if self.service is not None:
            self.service.stop()
        if self._settling is not None and not self._settling.done():
            await asyncio.gather(self._settling, return_exceptions=True)
