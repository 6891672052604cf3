"""Uploading fiscal documents from the outbox: oldest first, in batches, exactly once.

Exactly once rests on two things: the payload of a document never changes (the server compares
hashes, so a resend after a lost answer comes back ``duplicate``), and an outbox row leaves
``pending`` only in the transaction that records the server's verdict. The queue is strictly
ordered: when the oldest pending document is waiting out its backoff, nothing behind it jumps ahead.
Backoff (exponential with jitter) lives in ``OutboxItem.next_attempt_at``, so it survives restarts.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session, select

from agent.backoffice import BackofficeClient, errors
from agent.store import Store
from agent.store.models import FiscalDocument, OutboxItem

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


@dataclass
class UploadRun:
    sent: int = 0  # documents the back office now holds (accepted + duplicate)
    kept: int = 0  # conflict or rejected: kept for the operator
    failed_batches: int = 0


def _payload_builder() -> Callable[[Session, FiscalDocument], dict]:
    from agent.journal.payload import document_payload

    return document_payload


def head(session: Session, limit: int) -> list[OutboxItem]:
    return list(
        session.exec(
            select(OutboxItem).where(OutboxItem.status == "pending").order_by(OutboxItem.id).limit(limit)
        ).all()
    )


def due(session: Session, now: datetime) -> bool:
    """Is the oldest pending document ready to go?"""
    first = head(session, 1)
    return bool(first) and (first[0].next_attempt_at is None or first[0].next_attempt_at <= now)


def next_attempt(session: Session) -> datetime | None:
    first = head(session, 1)
    return first[0].next_attempt_at if first else None


def upload(
    store: Store,
    client: BackofficeClient,
    clock: Callable[[], datetime],
    *,
    batch: int = 50,
    backoff: Backoff | None = None,
    on_unauthorized: Callable[[], None] | None = None,
    payload: Callable[[Session, FiscalDocument], dict] | None = None,
) -> UploadRun:
    """Send batches while the head of the queue is due; stops at the first failed request."""
    backoff = backoff or Backoff()
    payload = payload or _payload_builder()
    run = UploadRun()
    while True:
        now = clock()
        with store.read() as session:
            if not due(session, now):
                return run
            items = []
            for item in head(session, batch):
                if item.next_attempt_at is not None and item.next_attempt_at > now:
                    break  # keep the order: nothing overtakes a document that is waiting
                items.append(item)
            documents = [payload(session, session.get(FiscalDocument, item.document_id)) for item in items]
        ids = [item.id for item in items]
        try:
            results = client.send_documents(documents)
        except errors.Stopped:
            raise  # nothing was sent: no backoff
        except errors.Unauthorized:
            if on_unauthorized:
                on_unauthorized()
            raise
        except errors.BackofficeError as exc:
            run.failed_batches += 1
            _retry_later(store, ids, clock(), exc, backoff)
            raise
        sent, kept = _apply_results(store, ids, [d["uuid"] for d in documents], results, clock(), backoff)
        run.sent += sent
        run.kept += kept


def _retry_later(
    store: Store, ids: list[int], now: datetime, exc: errors.BackofficeError, backoff: Backoff
) -> None:
    at_least = float(exc.params.get("seconds") or 0) if isinstance(exc, errors.RateLimited) else 0.0
    with store.write() as session:
        items = [session.get(OutboxItem, item_id) for item_id in ids]
        items = [item for item in items if item is not None and item.status == "pending"]
        if not items:
            return
        # one delay for the whole batch (from its oldest document) keeps the batch in order
        retry_at = now + timedelta(seconds=backoff.delay(items[0].attempts + 1, at_least))
        for item in items:
            item.attempts += 1
            item.next_attempt_at = retry_at
            item.last_error = exc.text[:500]
            session.add(item)


def _apply_results(
    store: Store, ids: list[int], uuids: list[str], results: list[dict], now: datetime, backoff: Backoff
) -> tuple[int, int]:
    """Every verdict of one answer in one transaction; a document the answer forgot is retried."""
    verdicts = {str(r.get("uuid")): r for r in results if isinstance(r, dict)}
    sent = kept = 0
    with store.write() as session:
        for item_id, uuid in zip(ids, uuids, strict=True):
            item = session.get(OutboxItem, item_id)
            if item is None or item.status != "pending":
                continue
            verdict = verdicts.get(uuid)
            status = str(verdict.get("status")) if verdict else ""
            if status not in DONE:
                item.attempts += 1
                item.next_attempt_at = now + timedelta(seconds=backoff.delay(item.attempts))
                item.last_error = f"no verdict for {uuid}" if not verdict else f"unknown verdict {status}"
            else:
                item.status = status
                item.done_at = now
                item.result_message = (verdict.get("message") or None) if verdict else None
                item.last_error = None
                item.attempts += 1
                if status in ("accepted", "duplicate"):
                    sent += 1
                else:
                    kept += 1
            session.add(item)
    return sent, kept
