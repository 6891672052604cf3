"""Employees from the back office: delta by cursor (page and cursor in one transaction), tombstones delete.

From the beginning (first sync or after 410) every page is read first and applied in one
transaction that also deletes whoever is no longer listed: employees are few, and a half-applied
full list must never let a removed cashier keep logging in.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import Session, select

from agent.backoffice import BackofficeClient, errors
from agent.store import Store
from agent.store.models import Employee, SyncCursor

STREAM = "employees"


def pull(store: Store, client: BackofficeClient, clock: Callable[[], datetime], *, limit: int = 500) -> int:
    with store.read() as session:
        row = session.get(SyncCursor, STREAM)
        since = row.cursor if row else None
    if since is not None:
        try:
            return _delta(store, client, since, clock, limit)
        except errors.CursorExpired:
            pass
    return _full(store, client, clock, limit)


def _delta(store: Store, client: BackofficeClient, since: str, clock, limit: int) -> int:
    moved = 0
    for page in client.pages("employees", since, limit):
        with store.write() as session:
            for item in page.items:
                _apply(session, item, clock())
            since = page.next if page.next is not None else since
            _save_cursor(session, since, clock())
        moved += len(page.items)
    return moved


def _full(store: Store, client: BackofficeClient, clock, limit: int) -> int:
    items: list[dict] = []
    cursor = None
    for page in client.pages("employees", None, limit):
        items.extend(page.items)
        cursor = page.next if page.next is not None else cursor
    with store.write() as session:
        listed = {str(item["id"]) for item in items if not item.get("deleted")}
        for item in items:
            _apply(session, item, clock())
        stale = [e.id for e in session.exec(select(Employee)).all() if e.remote_id not in listed]
        if stale:
            session.execute(delete(Employee).where(Employee.id.in_(stale)))
        _save_cursor(session, cursor, clock())
    return len(items)


def _apply(session: Session, item: dict, now: datetime) -> None:
    remote_id = str(item["id"])
    if item.get("deleted"):
        session.execute(delete(Employee).where(Employee.remote_id == remote_id))
        return
    values = {
        "name": str(item.get("name") or ""),
        "role": str(item.get("role") or "cashier"),
        "inn": item.get("inn") or None,
        "pin_hash": str(item.get("pin_hash") or ""),
        "updated_at": now,
    }
    if not session.execute(update(Employee).where(Employee.remote_id == remote_id).values(**values)).rowcount:
        session.add(Employee(remote_id=remote_id, **values))
        session.flush()


def _save_cursor(session: Session, cursor: str | None, now: datetime) -> None:
    row = session.get(SyncCursor, STREAM) or SyncCursor(stream=STREAM)
    row.cursor = cursor
    row.updated_at = now
    session.add(row)
