"""One code path for every stream, whether the scheduler or "Обновить сейчас" started it.

The engine knows streams only through ``agent.sync.stream.Stream``. ``run(name)`` is blocking
(HTTP + SQLite) and is called from one of sync's own worker threads; a per-stream lock keeps two
runs of the same stream from overlapping. Every attempt records its outcome in ``SyncStatus``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Executor
from datetime import datetime, timedelta

from sqlalchemy import func, select

from agent.backoffice import errors
from agent.i18n import N_
from agent.store import Store
from agent.store.models import Product, SyncStatus
from agent.sync import deletions
from agent.sync import settings as sync_settings
from agent.sync.registry import StreamOptions, builtin
from agent.sync.stream import Attempt, RunResult, Stream
from common.errors import KassaError

log = logging.getLogger(__name__)

INTERNAL_ERROR = N_("the sync stopped on an unexpected error: the daemon's log has the details")
ATTEMPT_KEY = "sync.attempt.{stream}"  # the last attempt's error and refused records, kept in Setting


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
        self.pool: Executor | None = None  # the scheduler's threads, which streams may also use
        for stream in builtin(StreamOptions(**options)) if streams is None else streams:
            self.add_stream(stream)

    def add_stream(self, stream: Stream) -> None:
        """Register a stream (built-in ones at construction, per-account ones by their component)."""
        if stream.name in self.streams:
            raise ValueError(f"sync stream {stream.name} is registered twice")
        self.streams[stream.name] = stream
        self._locks[stream.name] = threading.Lock()

    def remove_stream(self, name: str) -> None:
        """Forget a per-account stream (its account was removed); a run in progress ends on its own."""
        self.streams.pop(name, None)

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
            attempt = Attempt(name, self.store, self.clock, self.stopping, backoffice=opener, pool=self.pool)
            self.running[name] = attempt
            try:
                stream.run(attempt)
            except errors.Unauthorized as exc:
                self.pairing.mark_needs_repair()
                self._failed(attempt.result, exc)
            except KassaError as exc:  # the back office's errors, a marketplace's, any other source's
                self._failed(attempt.result, exc)
            except Exception:
                log.exception("sync %s crashed", name)
                attempt.result.ok = False
                attempt.result.error = attempt.result.message_id = INTERNAL_ERROR
                attempt.result.error_code = "internal_error"
            finally:
                self.running.pop(name, None)
                attempt.close()
            self._record(stream, attempt.result)
            return attempt.result

    def _backoffice(self):
        return self.pairing.client(timeout=self.timeout)

    def abort(self) -> None:
        """Shutdown: no new request, and every request in flight is broken now."""
        self.stopping.set()
        for attempt in list(self.running.values()):
            attempt.abort()

    def _failed(self, result: RunResult, exc: KassaError) -> None:
        result.ok = False
        result.error = exc.text
        result.error_code = exc.code
        result.message_id = exc.message
        result.params = {k: v for k, v in exc.params.items() if isinstance(v, str | int)}
        log.info("sync %s failed: %s", result.stream, exc.text)

    def _record(self, stream: Stream, result: RunResult) -> None:
        """The attempt's outcome replaces the previous one's: a success clears the last error."""
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
            sync_settings.put(session, ATTEMPT_KEY.format(stream=stream.name), _attempt_record(result, now))

    def forget_errors(self) -> None:
        """A new pairing: the errors of attempts made with the old credentials are no longer true,
        and the interval streams run at once with the new ones."""
        now = self.clock()
        names = [name for name, stream in self.streams.items() if stream.remote == "backoffice"]
        with self.store.write() as session:
            for name in names:
                row = session.get(SyncStatus, name)
                if row is None:
                    continue
                row.last_error = row.last_error_at = None
                if self.streams[name].interval is not None and row.next_run_at is not None:
                    row.next_run_at = now
                session.add(row)
                sync_settings.put(session, ATTEMPT_KEY.format(stream=name), None)

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
                    # nothing will be attempted: the last attempt's error is not a state to fix
                    row.next_run_at = None
                    row.last_error = row.last_error_at = None
                    sync_settings.put(session, ATTEMPT_KEY.format(stream=name), None)
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
                attempt = sync_settings.get(session, ATTEMPT_KEY.format(stream=name)) or {}
                running = self.running.get(name)
                entry = {
                    "last_success": _iso(row.last_success_at if row else None),
                    "next_run": _iso(row.next_run_at if row else None),
                    "items_moved": row.items_moved if row else 0,
                    **stream.status(session),  # interval, next run and the stream's own fields
                }
                state = _state(row, running is not None)
                if entry.get("interval") == sync_settings.NEVER and state == "idle":
                    state = "off"
                entry.update(  # the engine's: the last attempt and the one running now
                    label=stream.label,
                    state=state,
                    last_error=row.last_error if row else None,
                    error=attempt.get("error") if row and row.last_error else None,
                    skipped=attempt.get("skipped", 0),
                    skipped_records=attempt.get("skipped_records", []),
                    progress=running.progress.view() if running is not None else None,
                )
                streams[name] = entry
            count = session.execute(select(func.count()).select_from(Product)).scalar_one()
            return {
                "streams": streams,
                "products": {"count": count, "product_sync": sync_settings.product_sync(session)},
                "sync": {"confirmation": deletions.describe(session)},
            }


def _state(row: SyncStatus | None, running: bool) -> str:
    """running | failed (its last attempt failed) | ok | idle (never attempted)."""
    if running:
        return "running"
    if row is not None and row.last_error:
        return "failed"
    if row is not None and row.last_success_at is not None:
        return "ok"
    return "idle"


def _attempt_record(result: RunResult, now: datetime) -> dict:
    """What status shows of an attempt after it ended: its error (translatable) and refused records."""
    error = None
    if not result.ok:
        error = {
            "code": result.error_code,
            "message_id": result.message_id,
            "params": result.params,
            "text": result.error,
        }
    return {
        "at": now.isoformat(),
        "ok": result.ok,
        "moved": result.moved,
        "error": error,
        "skipped": result.skipped_count,
        "skipped_records": [s.as_dict() for s in result.skipped],
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
