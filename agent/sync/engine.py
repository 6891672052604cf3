"""One code path for every stream, whether the scheduler or "Обновить сейчас" started it.

``run(stream)`` is blocking (httpx + SQLite) and is called from a worker thread; a per-stream lock
keeps two runs of the same stream from overlapping. Every run records its outcome in SyncStatus.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlmodel import Session

from agent.backoffice import BackofficeClient, errors
from agent.journal.records import outbox_queue
from agent.store import Store
from agent.store.models import Product, SyncStatus
from agent.sync import PULLED, STREAMS, catalog, confirmation, employees, orders, receipts
from agent.sync import settings as sync_settings

log = logging.getLogger(__name__)

ERROR_RETRY = 60  # seconds before a pulled stream that failed is tried again (at most its interval)
HEARTBEAT_EVERY = 300


@dataclass
class RunResult:
    stream: str
    moved: int = 0
    ok: bool = True
    error: str | None = None
    error_code: str | None = None
    details: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        out = {"stream": self.stream, "moved": self.moved, "ok": self.ok, "error": self.error}
        if self.error_code:
            out["error_code"] = self.error_code
        out.update(self.details)
        return out


class SyncEngine:
    def __init__(
        self,
        store: Store,
        pairing,  # agent.pairing.service.PairingService
        *,
        shop_currency: str = "RUB",
        clock: Callable[[], datetime],
        backoff: receipts.Backoff | None = None,
        page_limit: int = 500,
        batch: int = 50,
        printer_state: Callable[[], str] = lambda: "unknown",
        payload: Callable | None = None,
        timeout: float | None = None,
    ):
        self.store = store
        self.pairing = pairing
        self.shop_currency = shop_currency
        self.clock = clock
        self.backoff = backoff or receipts.Backoff()
        self.page_limit = page_limit
        self.batch = batch
        self.printer_state = printer_state
        self.payload = payload
        self.timeout = timeout
        self._locks = {stream: threading.Lock() for stream in STREAMS}
        self._last_heartbeat: datetime | None = None
        self.stopping = threading.Event()  # set at shutdown: runs end between pages and batches

    # -- running ---------------------------------------------------------------------------
    def run(self, stream: str, *, allow_mass_delete: bool = False) -> RunResult:
        if stream not in STREAMS:
            raise ValueError(stream)
        with self._locks[stream]:
            result = RunResult(stream)
            try:
                with self.pairing.client(timeout=self.timeout) as client:
                    client.stop_requested = self.stopping.is_set
                    self._run(stream, client, result, allow_mass_delete)
            except errors.Unauthorized as exc:
                self.pairing.mark_needs_repair()
                self._failed(result, exc)
            except errors.BackofficeError as exc:
                self._failed(result, exc)
            self._record(result)
            return result

    def _failed(self, result: RunResult, exc: errors.BackofficeError) -> None:
        result.ok = False
        result.error = exc.text
        result.error_code = exc.code
        result.details["message_id"] = exc.message
        result.details["params"] = {k: v for k, v in exc.params.items() if isinstance(v, str | int)}
        log.info("sync %s failed: %s", result.stream, exc.text)

    def _run(self, stream: str, client: BackofficeClient, result: RunResult, allow_mass_delete: bool) -> None:
        if stream == "receipts":
            upload = receipts.UploadRun()
            try:
                upload = receipts.upload(
                    self.store,
                    client,
                    self.clock,
                    batch=self.batch,
                    backoff=self.backoff,
                    payload=self.payload,
                )
            finally:
                result.moved = upload.sent + upload.kept
            self._heartbeat(client)
        elif stream == "products":
            run = catalog.pull(
                self.store, client, self.clock, limit=self.page_limit, allow_mass_delete=allow_mass_delete
            )
            result.moved = run.items
            result.details.update(deleted=run.deleted, resynced=run.resynced)
            with self.store.read() as session:
                question = confirmation.describe(session)
            if question:
                result.details["confirmation"] = question
        elif stream == "employees":
            result.moved = employees.pull(self.store, client, self.clock, limit=self.page_limit)
        else:
            result.moved = orders.pull(
                self.store, client, self.clock, self.shop_currency, limit=self.page_limit
            )

    def _heartbeat_due(self, now: datetime) -> bool:
        return self._last_heartbeat is None or (now - self._last_heartbeat).total_seconds() >= HEARTBEAT_EVERY

    def _heartbeat(self, client: BackofficeClient) -> None:
        now = self.clock()
        if not self._heartbeat_due(now):
            return
        self._last_heartbeat = now  # tried: the next one in HEARTBEAT_EVERY, answered or not
        with self.store.read() as session:
            depth = outbox_queue(session, now)["depth"]
        try:
            client.heartbeat(self.printer_state(), depth)
        except errors.Unauthorized:
            raise
        except errors.BackofficeError as exc:  # a missed heartbeat is not a failed upload
            log.debug("heartbeat failed: %s", exc.text)

    def _record(self, result: RunResult) -> None:
        now = self.clock()
        with self.store.write() as session:
            row = session.get(SyncStatus, result.stream) or SyncStatus(stream=result.stream)
            if result.ok:
                row.last_success_at = now
                row.last_error = None
                row.last_error_at = None
            else:
                row.last_error = result.error
                row.last_error_at = now
            if result.ok or result.moved:
                row.items_moved = result.moved
            row.next_run_at = self._next_run(session, result.stream, now, result.ok)
            session.add(row)

    def _next_run(self, session: Session, stream: str, now: datetime, ok: bool) -> datetime | None:
        if stream == "receipts":
            return receipts.next_attempt(session)
        interval = sync_settings.interval(session, stream)
        if interval == sync_settings.NEVER:
            return None
        return now + timedelta(seconds=interval if ok else min(interval, ERROR_RETRY))

    # -- scheduling ------------------------------------------------------------------------
    def ready(self) -> bool:
        """Paired and not waiting for a new code: automatic runs make sense."""
        info = self.pairing.info()
        return info is not None and not info.needs_repair and self.pairing.token() is not None

    def due_streams(self, now: datetime) -> list[str]:
        """The streams the scheduler should run at ``now`` ("never" streams are never due)."""
        if not self.ready():
            return []
        due = []
        with self.store.read() as session:
            if receipts.due(session, now) or self._heartbeat_due(now):
                due.append("receipts")
            for stream in PULLED:
                if sync_settings.interval(session, stream) == sync_settings.NEVER:
                    continue
                row = session.get(SyncStatus, stream)
                if row is None or row.next_run_at is None or row.next_run_at <= now:
                    due.append(stream)
                elif stream == "orders" and orders.unreported(session):
                    due.append(stream)  # the cashier's outcome goes back without waiting an interval
        return due

    def set_intervals(self, changes: dict[str, int | str]) -> None:
        """Persist new intervals and reschedule those streams from now."""
        now = self.clock()
        with self.store.write() as session:
            for stream, value in changes.items():
                sync_settings.put(session, sync_settings.INTERVAL_KEY.format(stream=stream), value)
                row = session.get(SyncStatus, stream) or SyncStatus(stream=stream)
                if value == sync_settings.NEVER:
                    row.next_run_at = None
                elif row.last_success_at is None:
                    row.next_run_at = now  # never synced: due at once
                else:
                    row.next_run_at = max(now, row.last_success_at + timedelta(seconds=value))
                session.add(row)

    # -- reporting -------------------------------------------------------------------------
    def status_summary(self) -> dict:
        with self.store.read() as session:
            streams = {}
            for stream in STREAMS:
                row = session.get(SyncStatus, stream)
                interval = "continuous" if stream == "receipts" else sync_settings.interval(session, stream)
                next_run = row.next_run_at if row else None
                if stream == "receipts":
                    next_run = receipts.next_attempt(session) or next_run
                streams[stream] = {
                    "interval": interval,
                    "last_success": _iso(row.last_success_at if row else None),
                    "last_error": row.last_error if row else None,
                    "next_run": _iso(next_run),
                    "items_moved": row.items_moved if row else 0,
                }
            count = session.execute(select(func.count()).select_from(Product)).scalar_one()
            return {
                "streams": streams,
                "products": {"count": count, "product_sync": sync_settings.product_sync(session)},
                "sync": {"confirmation": confirmation.describe(session)},
            }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
