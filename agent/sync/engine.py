"""One code path for every stream, whether the scheduler or "Обновить сейчас" started it.

The engine knows streams only through ``agent.sync.stream.Stream``. ``run(name)`` is blocking
(HTTP + SQLite) and is called from one of sync's own worker threads; a per-stream lock keeps two
runs of the same stream from overlapping. Every attempt records its outcome in ``SyncStatus``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import func, select

from agent.backoffice import errors
from agent.store import Store
from agent.store.models import Product, SyncStatus
from agent.sync import deletions
from agent.sync import settings as sync_settings
from agent.sync.registry import StreamOptions, builtin
from agent.sync.stream import Attempt, RunResult, Stream

log = logging.getLogger(__name__)

INTERNAL_ERROR = "internal error"


class SyncEngine:
    def __init__(
        self,
        store: Store,
        pairing,  # agent.pairing.service.PairingService
        *,
        clock: Callable[[], datetime],
        timeout: float | None = None,
        streams: list[Stream] | None = None,
        **options,  # StreamOptions fields for the built-in streams
    ):
        self.store = store
        self.pairing = pairing
        self.clock = clock
        self.timeout = timeout
        self.streams: dict[str, Stream] = {}
        self._locks: dict[str, threading.Lock] = {}
        self.running: dict[str, Attempt] = {}  # attempts in progress, for status and shutdown
        self.stopping = threading.Event()  # set at shutdown: runs end between pages and batches
        for stream in builtin(StreamOptions(**options)) if streams is None else streams:
            self.add_stream(stream)

    def add_stream(self, stream: Stream) -> None:
        """Register a stream (built-in ones at construction, per-account ones by their component)."""
        if stream.name in self.streams:
            raise ValueError(f"sync stream {stream.name} is registered twice")
        self.streams[stream.name] = stream
        self._locks[stream.name] = threading.Lock()

    def stream(self, name: str) -> Stream:
        try:
            return self.streams[name]
        except KeyError:
            raise ValueError(name) from None

    # -- running ---------------------------------------------------------------------------
    def run(self, name: str) -> RunResult:
        stream = self.stream(name)
        with self._locks[name]:
            opener = self._backoffice if stream.remote == "backoffice" else None
            attempt = Attempt(name, self.store, self.clock, self.stopping, backoffice=opener)
            self.running[name] = attempt
            try:
                stream.run(attempt)
            except errors.Unauthorized as exc:
                self.pairing.mark_needs_repair()
                self._failed(attempt.result, exc)
            except errors.BackofficeError as exc:
                self._failed(attempt.result, exc)
            except Exception:
                log.exception("sync %s crashed", name)
                attempt.result.ok = False
                attempt.result.error = attempt.result.error_code = INTERNAL_ERROR
            finally:
                self.running.pop(name, None)
                attempt.close()
            self._record(stream, attempt.result)
            return attempt.result

    def _backoffice(self):
        return self.pairing.client(timeout=self.timeout)

    def _failed(self, result: RunResult, exc: errors.BackofficeError) -> None:
        result.ok = False
        result.error = exc.text
        result.error_code = exc.code
        result.message_id = exc.message
        result.params = {k: v for k, v in exc.params.items() if isinstance(v, str | int)}
        log.info("sync %s failed: %s", result.stream, exc.text)

    def _record(self, stream: Stream, result: RunResult) -> None:
        now = self.clock()
        with self.store.write() as session:
            row = session.get(SyncStatus, stream.name) or SyncStatus(stream=stream.name)
            if result.ok:
                row.last_success_at = now
                row.last_error = None
                row.last_error_at = None
            else:
                row.last_error = result.error
                row.last_error_at = now
            if result.ok or result.moved:
                row.items_moved = result.moved
            row.next_run_at = stream.next_run(session, now, result.ok)
            session.add(row)

    # -- scheduling ------------------------------------------------------------------------
    def ready(self) -> bool:
        """Paired and not waiting for a new code: back-office streams may run on their own."""
        info = self.pairing.info()
        return info is not None and not info.needs_repair and self.pairing.token() is not None

    def due_streams(self, now: datetime) -> list[str]:
        """The streams the scheduler should run at ``now`` ("never" streams are never due)."""
        paired = self.ready()
        due = []
        with self.store.read() as session:
            for stream in self.streams.values():
                if stream.remote == "backoffice" and not paired:
                    continue
                if stream.due(session, now, session.get(SyncStatus, stream.name)):
                    due.append(stream.name)
        return due

    def interval_streams(self) -> list[str]:
        """The streams whose interval the operator sets."""
        return [name for name, stream in self.streams.items() if stream.interval is not None]

    def set_intervals(self, changes: dict[str, int | str]) -> None:
        """Persist new intervals and reschedule those streams from now."""
        now = self.clock()
        with self.store.write() as session:
            for name, value in changes.items():
                sync_settings.put(session, sync_settings.INTERVAL_KEY.format(stream=name), value)
                row = session.get(SyncStatus, name) or SyncStatus(stream=name)
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
            for name, stream in self.streams.items():
                row = session.get(SyncStatus, name)
                entry = {
                    "label": stream.label,
                    "last_success": _iso(row.last_success_at if row else None),
                    "last_error": row.last_error if row else None,
                    "next_run": _iso(row.next_run_at if row else None),
                    "items_moved": row.items_moved if row else 0,
                }
                entry.update(stream.status(session))
                streams[name] = entry
            count = session.execute(select(func.count()).select_from(Product)).scalar_one()
            return {
                "streams": streams,
                "products": {"count": count, "product_sync": sync_settings.product_sync(session)},
                "sync": {"confirmation": deletions.describe(session)},
            }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
