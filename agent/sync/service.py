"""What the local API and the CLI ask of sync: sync now, settings, the product-sync confirmation."""

from __future__ import annotations

import asyncio

from agent.sync import PULLED, STREAMS, confirmation
from agent.sync import settings as sync_settings
from agent.sync.engine import SyncEngine
from agent.sync.scheduler import Scheduler


class SyncService:
    def __init__(self, engine: SyncEngine, scheduler: Scheduler):
        self.engine = engine
        self.scheduler = scheduler
        self.store = engine.store

    def kick(self) -> None:
        """A new document is in the outbox (or a new pairing): look now rather than at the next poll."""
        self.scheduler.wake()

    def status_summary(self) -> dict:
        return self.engine.status_summary()

    async def sync_now(self, streams: list[str] | None = None, wait: bool = True) -> list[dict]:
        """ "Обновить сейчас": the scheduler's own code path, for any stream, "never" included."""
        chosen = [s for s in STREAMS if s in (streams or STREAMS)]
        runs = [asyncio.create_task(asyncio.to_thread(self.engine.run, stream)) for stream in chosen]
        if not wait:
            for task in runs:
                task.add_done_callback(lambda t: t.exception())
            return [{"stream": stream, "started": True} for stream in chosen]
        results = await asyncio.gather(*runs)
        return [result.as_dict() for result in results]

    def settings(self) -> dict:
        with self.store.read() as session:
            out = sync_settings.snapshot(session)
            out["confirmation"] = confirmation.describe(session)
            return out

    def update_settings(self, changes: dict) -> dict:
        """Intervals and product sync; validated before anything is saved (ValueError names the key)."""
        intervals = {}
        for stream in PULLED:
            if stream in changes and changes[stream] is not None:
                try:
                    intervals[stream] = sync_settings.check_interval(changes[stream])
                except ValueError:
                    raise ValueError(stream) from None
        share = changes.get("mass_delete_share")
        if share is not None and (
            isinstance(share, bool) or not isinstance(share, int | float) or not 0 < share <= 1
        ):
            raise ValueError("mass_delete_share")
        if intervals:
            self.engine.set_intervals(intervals)
        with self.store.write() as session:
            if share is not None:
                sync_settings.put(session, sync_settings.MASS_DELETE_KEY, share)
            if changes.get("product_sync") is not None:
                self._set_product_sync(session, bool(changes["product_sync"]), bool(changes.get("confirm")))
        self.scheduler.wake()
        return self.settings()

    def _set_product_sync(self, session, on: bool, confirmed: bool) -> None:
        from agent.sync import catalog

        sync_settings.put(session, sync_settings.PRODUCT_SYNC_KEY, on)
        question = confirmation.pending(session) or {}
        mass = int(question.get("mass_delete") or 0)
        total = int(question.get("catalog_size") or 0)
        local = catalog.count_local(session) if on else 0
        if on and local and confirmed:
            catalog.delete_local(session)
            local = 0
        confirmation.set_pending(
            session, self.engine.clock(), mass_delete=mass, total=total, local_products=local
        )

    def confirm(self, accept: bool) -> dict:
        with self.store.write() as session:
            if confirmation.pending(session) is None:
                return {"deleted": None, "settings": None}
            deleted = confirmation.resolve(session, accept)
        return {"deleted": deleted, "settings": self.settings()}
