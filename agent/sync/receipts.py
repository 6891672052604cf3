"""Uploading fiscal documents from the outbox: oldest first, in batches, exactly once.

Exactly once rests on two things: the payload of a document never changes (the server compares
hashes, so a resend after a lost answer comes back ``duplicate``), and an outbox row leaves
``pending`` only in the transaction that records the server's verdict. The queue is strictly
ordered: when the oldest pending document is waiting out its backoff, nothing behind it jumps ahead.
Backoff (exponential with jitter) lives in ``OutboxItem.next_attempt_at``, so it survives restarts.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, update
from sqlmodel import Session, select

from agent.backoffice import BackofficeClient, errors
from agent.backoffice.client import encode_documents
from agent.i18n import N_
from agent.journal.payload import plain_rows
from agent.journal.records import outbox_queue
from agent.store import Store
from agent.store.models import FiscalDocument, OutboxItem, SyncStatus
from agent.sync.read_ahead import read_ahead
from agent.sync.stream import Attempt

DONE = {"accepted", "duplicate", "conflict", "rejected"}


@dataclass
class Backoff:
    base: float = 2.0  # seconds before the first retry
    cap: float = 600.0  # never wait longer than this
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempts: int, at_least: float = 0.0) -> float:
        """Full exponential step with jitter in [50%, 100%] of it: retries from many registers spread out."""
        step = min(self.cap, self.base * (2 ** max(0, attempts - 1)))
        return max(at_least, step * self.rng.uniform(0.5, 1.0))


def _payload_builder() -> Callable[[Session, list[FiscalDocument]], list[dict]]:
    from agent.journal.payload import document_payloads

    return document_payloads


HEARTBEAT_EVERY = 300  # seconds between heartbeats, documents or not
# documents built at a time for one request: a batch's rows and payloads never all live at once,
# so a backlog sent after an outage takes no more of the heap than a sale does (each burst that
# outgrew it left the daemon's RSS a megabyte or two higher for good)
BUILD_CHUNK = 100


class ReceiptStream:
    """Fiscal documents up to the back office, continuously; the heartbeat rides along."""

    name = "receipts"
    label = N_("receipts")
    interval = None
    remote = "backoffice"

    def __init__(self, options):
        self.batch = options.batch
        self.backoff = options.backoff or Backoff()  # the daemon passes none: the defaults
        self.payload = options.payload or _payload_builder()
        self.printer_state = options.printer_state
        self.fn_state = options.fn_state
        self._last_heartbeat: datetime | None = None

    def _heartbeat_due(self, now: datetime) -> bool:
        return self._last_heartbeat is None or (now - self._last_heartbeat).total_seconds() >= HEARTBEAT_EVERY

    def due(self, session: Session, now: datetime, row: SyncStatus | None) -> bool:
        return due(session, now) or self._heartbeat_due(now)

    def next_run(self, session: Session, now: datetime, ok: bool) -> datetime | None:
        return next_attempt(session)

    def status(self, session: Session) -> dict:
        out: dict = {"interval": "continuous"}
        retry = next_attempt(session)
        if retry is not None:
            out["next_run"] = retry.isoformat()
        return out

    def run(self, attempt: Attempt) -> None:
        with attempt.store.read() as session:
            attempt.progress.total = session.exec(
                select(func.count()).select_from(OutboxItem).where(OutboxItem.status == "pending")
            ).one()
        client = attempt.backoffice()
        sent = self._upload(attempt, client)
        if sent == 0 or self._heartbeat_due(attempt.clock()):
            self._heartbeat(attempt, client)

    def _upload(self, attempt: Attempt, client: BackofficeClient) -> int:
        """Send batches while the head of the queue is due; stops at the first failed request.
        Returns how many requests went out.

        A pipeline of three steps, each on its own thread (``read_ahead``): the batch after next
        is read and encoded, the next one is at the back office, and this one's verdicts are
        written, all at once. Requests still go one at a time, each only after the answer to the
        one before it, and only if its batch is still the head of the queue then (see
        ``_sends``). The verdicts of a batch may be written after the next batch went out: a
        crash in between loses nothing but sends that batch again, which the back office answers
        ``duplicate``; a document is never marked sent without its own answer."""
        requests = 0
        while not attempt.stopped():
            answered = 0
            with contextlib.closing(read_ahead(self._batches(attempt), attempt.pool)) as batches:
                sends = self._sends(attempt, client, batches)
                with contextlib.closing(read_ahead(sends, attempt.pool)) as answers:
                    for batch, results in answers:
                        answered += 1
                        sent, kept = _apply_results(
                            attempt.store, batch.ids, batch.uuids, results, attempt.clock(), self.backoff
                        )
                        attempt.moved(sent + kept)
            if answered == 0:
                break  # nothing was due
            requests += answered  # the pipeline stopped: the head of the queue decides what next
        return requests

    def _batches(self, attempt: Attempt) -> Iterator[_Batch]:
        """The due head of the queue, batch after batch, while each is full."""
        after = None
        while (batch := self._read(attempt, after)) is not None:
            yield batch
            if not batch.full:
                return
            after = batch.ids[-1]

    def _sends(
        self, attempt: Attempt, client: BackofficeClient, batches: Iterator[_Batch]
    ) -> Iterator[tuple[_Batch, list[dict]]]:
        """Each batch with the back office's answer to it. A batch goes out only if, once the
        verdicts of the one before are written, it will be the head of the queue: every document
        before it got a final verdict and nothing older is pending (else this ends, and the
        caller starts again from the head once those verdicts are written)."""
        before: tuple[_Batch, list[dict]] | None = None
        for batch in batches:
            if attempt.stopped() or (before is not None and not _next_in_line(attempt.store, *before, batch)):
                return
            try:
                results = client.send_documents(batch.body)
            except (errors.Stopped, errors.Unauthorized):
                raise  # nothing was sent (or nothing may be): no backoff
            except errors.BackofficeError as exc:
                _retry_later(attempt.store, batch.ids, attempt.clock(), exc, self.backoff)
                raise
            before = (batch, results)
            yield before

    def _read(self, attempt: Attempt, after: int | None) -> _Batch | None:
        """The due head of the queue (after outbox id ``after``) as one encoded request body."""
        now = attempt.clock()
        with attempt.store.read() as session:
            items = []
            for item in _head_rows(session, self.batch, after):
                if item.next_attempt_at is not None and item.next_attempt_at > now:
                    break  # keep the order: nothing overtakes a document that is waiting
                items.append(item)
            if not items:
                return None
            uuids: list[str] = []
            body = encode_documents(self._documents(session, items, uuids))
        return _Batch(ids=[item.id for item in items], uuids=uuids, body=body, full=len(items) == self.batch)

    def _documents(self, session: Session, items: list, uuids: list[str]) -> Iterator[list[dict]]:
        """The items' payloads, ``BUILD_CHUNK`` at a time (their uuids appended to ``uuids``)."""
        table = FiscalDocument.__table__
        for start in range(0, len(items), BUILD_CHUNK):
            chunk = [item.document_id for item in items[start : start + BUILD_CHUNK]]
            by_id = {
                doc.id: doc
                for doc in plain_rows(session.execute(table.select().where(table.c.id.in_(chunk))))
            }
            documents = self.payload(session, [by_id[document_id] for document_id in chunk])
            uuids.extend(document["uuid"] for document in documents)
            yield documents

    def _heartbeat(self, attempt: Attempt, client: BackofficeClient) -> None:
        """Tell the back office the register is alive. It is also the attempt's round trip when no
        document went out, so a back office that cannot be reached fails the attempt (no document
        is held back by it: they have their own backoff)."""
        now = attempt.clock()
        self._last_heartbeat = now  # tried: the next one in HEARTBEAT_EVERY, answered or not
        with attempt.store.read() as session:
            depth = outbox_queue(session, now)["depth"]
        client.heartbeat(self.printer_state(), depth, self.fn_state())


def head(session: Session, limit: int) -> list[OutboxItem]:
    return list(
        session.exec(
            select(OutboxItem).where(OutboxItem.status == "pending").order_by(OutboxItem.id).limit(limit)
        ).all()
    )


def _head_rows(session: Session, limit: int, after: int | None = None) -> list:
    """The head of the queue (past outbox id ``after``) as plain rows (id, document_id,
    next_attempt_at): a batch is read once per request, and model instances would cost more than
    the upload itself."""
    table = OutboxItem.__table__
    query = select(table.c.id, table.c.document_id, table.c.next_attempt_at)
    query = query.where(table.c.status == "pending")
    if after is not None:
        query = query.where(table.c.id > after)
    return list(session.execute(query.order_by(table.c.id).limit(limit)).all())


def _next_in_line(store: Store, previous: _Batch, results: list[dict], batch: _Batch) -> bool:
    """Will ``batch`` be the head of the queue once the verdicts in ``results`` on ``previous``
    are written? Asked before they are, so it can go out while they are: every document of
    ``previous`` has a final verdict, and no other document before ``batch`` is pending (one
    whose upload failed, or released by a pairing)."""
    final = {str(r.get("uuid")) for r in results if isinstance(r, dict) and str(r.get("status")) in DONE}
    if not final.issuperset(previous.uuids):
        return False
    table = OutboxItem.__table__
    with store.read() as session:
        older = session.execute(
            select(table.c.id).where(table.c.status == "pending", table.c.id < batch.ids[0])
        ).scalars()
        return set(older) <= set(previous.ids)


@dataclass
class _Batch:
    """One request's worth of the queue: the outbox ids, their documents' uuids, the body to send."""

    ids: list[int]
    uuids: list[str]
    body: bytes
    full: bool  # as many as a request takes: more may wait behind it


def due(session: Session, now: datetime) -> bool:
    """Is the oldest pending document ready to go?"""
    first = head(session, 1)
    return bool(first) and (first[0].next_attempt_at is None or first[0].next_attempt_at <= now)


def next_attempt(session: Session) -> datetime | None:
    first = head(session, 1)
    return first[0].next_attempt_at if first else None


def _retry_later(
    store: Store, ids: list[int], now: datetime, exc: errors.BackofficeError, backoff: Backoff
) -> None:
    at_least = float(exc.params.get("seconds") or 0) if isinstance(exc, errors.RateLimited) else 0.0
    table = OutboxItem.__table__
    still = table.c.id.in_(ids) & (table.c.status == "pending")
    with store.write() as session:
        oldest = session.execute(select(table.c.attempts).where(still).order_by(table.c.id).limit(1)).scalar()
        if oldest is None:
            return
        # one delay for the whole batch (from its oldest document) keeps the batch in order; one
        # statement, not a model instance per document of a failed batch
        retry_at = now + timedelta(seconds=backoff.delay(oldest + 1, at_least))
        session.execute(
            update(table)
            .where(still)
            .values(attempts=table.c.attempts + 1, next_attempt_at=retry_at, last_error=exc.text[:500])
        )


def _apply_results(
    store: Store, ids: list[int], uuids: list[str], results: list[dict], now: datetime, backoff: Backoff
) -> tuple[int, int]:
    """Every verdict of one answer in one transaction; a document the answer forgot is retried.

    The verdicts go in as one executemany; only the rare retries are written row by row."""
    verdicts = {str(r.get("uuid")): r for r in results if isinstance(r, dict)}
    table = OutboxItem.__table__
    sent = kept = 0
    done: list[dict] = []
    with store.write() as session:
        pending = dict(
            session.execute(
                select(table.c.id, table.c.attempts).where(table.c.id.in_(ids), table.c.status == "pending")
            ).all()
        )
        for item_id, uuid in zip(ids, uuids, strict=True):
            if item_id not in pending:
                continue
            verdict = verdicts.get(uuid)
            status = str(verdict.get("status")) if verdict else ""
            if status not in DONE:
                attempts = pending[item_id] + 1
                session.execute(
                    update(table)
                    .where(table.c.id == item_id)
                    .values(
                        attempts=attempts,
                        next_attempt_at=now + timedelta(seconds=backoff.delay(attempts)),
                        last_error=f"no verdict for {uuid}" if not verdict else f"unknown verdict {status}",
                    )
                )
                continue
            done.append(
                {
                    "_id": item_id,
                    "_status": status,
                    "_message": (verdict.get("message") or None) if verdict else None,
                }
            )
            if status in ("accepted", "duplicate"):
                sent += 1
            else:
                kept += 1
        if done:
            statement = (
                update(table)
                .where(table.c.id == bindparam("_id"))
                .values(
                    status=bindparam("_status"),
                    done_at=now,
                    result_message=bindparam("_message"),
                    last_error=None,
                    attempts=table.c.attempts + 1,
                )
            )
            session.execute(statement, done)
    return sent, kept
