"""What a sync stream is: the protocol every stream implements and the engine relies on.

A stream moves one kind of data between the register and one remote: receipts up to the back
office, products, employees and back-office orders down, and (plugged in the same way) orders from
a marketplace account. The engine (``agent.sync.engine``) knows streams only through this protocol;
it never branches on a stream's name.

A stream is an object with

- ``name: str`` — its key in ``/v1/status`` ``streams``, in ``SyncStatus`` and in
  ``kassa sync --stream`` (``receipts``, ``products``, ``orders.allegro.shop1`` ...);
- ``label: str`` — a gettext msgid (``N_(...)``) naming it for people;
- ``interval: int | str | None`` — its default interval in seconds or ``"never"``; ``None`` for a
  continuous stream (receipts), whose interval the operator cannot set;
- ``due(session, now, row) -> bool`` — should the scheduler start it now? ``row`` is its
  ``SyncStatus`` (None before the first run). Called on the scheduler's poll, so it must be cheap;
- ``run(attempt: Attempt) -> None`` — blocking (HTTP + SQLite); runs in one of sync's own worker
  threads, never in the threads the journal uses. It reports through ``attempt``: ``page_done()``
  (or ``moved()``) as it goes, ``progress.total`` when it knows it, ``skip(record, reason)`` for a
  record it refused, ``details``. It raises a ``common.errors.KassaError`` for a failed attempt;
  it ends early with ``errors.Stopped`` when ``attempt.stopped()`` turns true (shutdown); a stream
  with its own remote breaks its request in flight at shutdown itself (``agent.http_exchange``);
  work it does beside its requests goes to ``attempt.pool`` (sync's own threads; None outside
  the daemon), never to a thread of its own;
- ``next_run(session, now, ok) -> datetime | None`` — when it is due next after an attempt that
  ended ``ok`` or not (None: only when asked);
- ``status(session) -> dict`` — extra fields for its entry in ``/v1/status`` (may be ``{}``); the
  engine's own keys (``state``, ``progress``, ``error``, ``skipped``...) are not the stream's to set.

``IntervalStream`` implements ``due``/``next_run``/``status`` for streams that run every N seconds
(the operator's interval from ``agent.sync.settings``). A back-office stream also sets
``remote = "backoffice"``: the engine then runs it only while the register is paired and gives
``attempt.backoffice()`` a client with the register's credentials. Any other remote (a marketplace
account) brings its own client and decides readiness in ``due``.

Adding a built-in stream is one module plus its line in ``agent.sync.registry.BUILTIN``; a stream
whose number depends on the configuration (one per marketplace account) is added at run time with
``SyncEngine.add_stream(stream)`` by the component that owns it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from sqlmodel import Session

from agent.sync import settings as sync_settings

if TYPE_CHECKING:
    from agent.backoffice import BackofficeClient
    from agent.store import Store
    from agent.store.models import SyncStatus

ERROR_RETRY = 60  # seconds before an interval stream that failed is tried again (at most its interval)
MAX_SKIPPED = 20  # refused records kept per attempt for the operator; the rest are counted


@runtime_checkable
class Stream(Protocol):
    name: str
    label: str
    interval: int | str | None
    remote: str

    def due(self, session: Session, now: datetime, row: SyncStatus | None) -> bool: ...

    def run(self, attempt: Attempt) -> None: ...

    def next_run(self, session: Session, now: datetime, ok: bool) -> datetime | None: ...

    def status(self, session: Session) -> dict: ...


@dataclass
class Progress:
    """Done of total for a running attempt; ``total`` is None until the stream knows it."""

    done: int = 0
    total: int | None = None
    started: float = field(default_factory=time.monotonic)

    def view(self) -> dict:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = self.done / elapsed
        left = None
        if self.total is not None and rate > 0:
            left = max(self.total - self.done, 0) / rate
        return {
            "done": self.done,
            "total": self.total,
            "rate": round(rate, 1),
            "seconds_left": round(left) if left is not None else None,
        }


@dataclass
class Skipped:
    """A record the stream refused: which one and why (a msgid with its parameters)."""

    record: str
    reason: str
    params: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"record": self.record, "reason": self.reason, "params": self.params}


@dataclass
class RunResult:
    """One attempt of one stream: what moved, what was refused, and how it ended."""

    stream: str
    moved: int = 0
    ok: bool = True
    error: str | None = None  # English text (logs); the API translates message_id with params
    error_code: str | None = None
    message_id: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    skipped: list[Skipped] = field(default_factory=list)
    skipped_count: int = 0
    details: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        out = {
            "stream": self.stream,
            "moved": self.moved,
            "ok": self.ok,
            "error": self.error,
            "skipped": self.skipped_count,
            "skipped_records": [s.as_dict() for s in self.skipped],
        }
        if self.error_code:
            out["error_code"] = self.error_code
        if self.message_id:
            out["message_id"] = self.message_id
            out["params"] = self.params
        out.update(self.details)
        return out


class Attempt:
    """What a stream's ``run`` gets: the store, the clock, its remote, and where to report."""

    def __init__(
        self,
        stream: str,
        store: Store,
        clock: Callable[[], datetime],
        stop: threading.Event,
        backoffice: Callable[[], BackofficeClient] | None = None,
        pool: Executor | None = None,
    ):
        self.stream = stream
        self.pool = pool  # sync's own threads, for work a stream does beside its requests (or None)
        self.store = store
        self.clock = clock
        self.result = RunResult(stream)
        self.progress = Progress()
        self.details = self.result.details
        self._stop = stop
        self._open_backoffice = backoffice
        self._client: BackofficeClient | None = None
        self._refused_before = 0

    def stopped(self) -> bool:
        return self._stop.is_set()

    def moved(self, count: int = 1) -> None:
        self.result.moved += count
        self.progress.done += count

    def page_done(self, items: int, page: Any = None) -> None:
        """``items`` records were read and applied or refused; ``page.remaining`` (when the remote
        says) gives the total. Moved counts what was applied, progress what was read."""
        refused = self.result.skipped_count - self._refused_before
        self._refused_before = self.result.skipped_count
        self.result.moved += max(items - refused, 0)
        self.progress.done += items
        remaining = getattr(page, "remaining", None)
        if isinstance(remaining, int) and remaining >= 0:
            self.progress.total = self.progress.done + remaining

    def skip(self, record: str, reason: str, **params: Any) -> None:
        self.result.skipped_count += 1
        if len(self.result.skipped) < MAX_SKIPPED:
            self.result.skipped.append(Skipped(record, reason, params))

    def backoffice(self) -> BackofficeClient:
        """The back office with this register's credentials (opened once per attempt)."""
        if self._client is None:
            if self._open_backoffice is None:
                raise RuntimeError(f"stream {self.stream} has no back office")
            client = self._open_backoffice()
            client.stop_requested = self.stopped
            self._client = client
            if self.stopped():  # shutdown began while it was opening
                client.abort()
        return self._client

    def abort(self) -> None:
        """Shutdown, from another thread: break the HTTP request waiting right now."""
        client = self._client
        if client is not None:
            client.abort()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


class IntervalStream:
    """Due every ``interval`` seconds of the operator's setting; never when it is ``"never"``."""

    name: str
    label: str
    interval: int | str | None = 900
    remote: str = "backoffice"

    def due(self, session: Session, now: datetime, row: SyncStatus | None) -> bool:
        if sync_settings.interval(session, self.name, self.interval) == sync_settings.NEVER:
            return False
        return row is None or row.next_run_at is None or row.next_run_at <= now

    def next_run(self, session: Session, now: datetime, ok: bool) -> datetime | None:
        interval = sync_settings.interval(session, self.name, self.interval)
        if interval == sync_settings.NEVER:
            return None
        return now + timedelta(seconds=interval if ok else min(interval, ERROR_RETRY))

    def status(self, session: Session) -> dict:
        return {"interval": sync_settings.interval(session, self.name, self.interval)}

    def run(self, attempt: Attempt) -> None:  # pragma: no cover - every stream has its own
        raise NotImplementedError
