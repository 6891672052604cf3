"""What the local API and the CLI ask of sync: sync now, settings, the product-sync confirmation."""

from __future__ import annotations

import asyncio

from agent.sync import deletions
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

    def streams(self) -> list[str]:
        return list(self.engine.streams)

    async def sync_now(self, streams: list[str] | None = None, wait: bool = True) -> list[dict]:
        """ "Обновить сейчас": the scheduler's own code path, for any stream, "never" included.

        A stream already running is joined, not queued a second time; ValueError names an unknown one.
        """
        for name in streams or ():
            self.engine.stream(name)
        chosen = [name for name in self.engine.streams if name in (streams or self.engine.streams)]
        runs = [(name, *self.scheduler.start(name)) for name in chosen]
        if not wait:
            return [{"stream": name, "started": True, "joined": joined} for name, _task, joined in runs]
        results = await asyncio.gather(*(task for _name, task, _joined in runs))
        return [
            {**result.as_dict(), "joined": joined}
            for (_name, _task, joined), result in zip(runs, results, strict=True)
        ]

    def settings(self) -> dict:
        defaults = {name: self.engine.streams[name].interval for name in self.engine.interval_streams()}
        with self.store.read() as session:
            out = sync_settings.snapshot(session, defaults)
            out["confirmation"] = deletions.describe(session)
            return out

    def update_settings(self, changes: dict) -> dict:
        """Intervals, product sync and zero-total orders; validated before anything is saved
        (ValueError names the key)."""
        intervals = {}
        for stream in self.engine.interval_streams():
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
        zero_total = changes.get("zero_total_orders")
        if zero_total is not None and zero_total not in sync_settings.ZERO_TOTAL_CHOICES:
            raise ValueError("zero_total_orders")
        if intervals:
            self.engine.set_intervals(intervals)
        with self.store.write() as session:
            if share is not None:
                sync_settings.put(session, sync_settings.MASS_DELETE_KEY, share)
            if zero_total is not None:
                sync_settings.put(session, sync_settings.ZERO_TOTAL_KEY, zero_total)
            if changes.get("product_sync") is not None:
                deletions.set_product_sync(
                    session, self.engine.clock(), bool(changes["product_sync"]), bool(changes.get("confirm"))
                )
        self.scheduler.wake()
        return self.settings()

    def confirm(self, accept: bool) -> dict:
        with self.store.write() as session:
            if deletions.pending(session) is None:
                return {"deleted": None, "settings": None}
            deleted = deletions.resolve(session, accept)
        return {"deleted": deleted, "settings": self.settings()}
