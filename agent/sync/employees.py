"""Employees from the back office: delta by cursor (page and cursor in one transaction), tombstones delete.

From the beginning (first sync or after 410) every page is read first and applied in one
transaction that also deletes whoever is no longer listed: employees are few, and a half-applied
full list must never let a removed cashier keep logging in.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import Session, select

from agent.backoffice import BackofficeClient, errors
from agent.i18n import N_
from agent.store.models import Employee
from agent.sync import cursor, records
from agent.sync.stream import Attempt, IntervalStream

STREAM = "employees"


class EmployeeStream(IntervalStream):
    """Employees (names, roles, PIN hashes) down from the back office."""

    name = STREAM
    label = N_("employees")
    interval = 900

    def __init__(self, options):
        self.page_limit = options.page_limit

    def run(self, attempt: Attempt) -> None:
        client = attempt.backoffice()
        with attempt.store.read() as session:
            since = cursor.load(session, STREAM)
        if since is not None:
            try:
                _delta(attempt, client, since, self.page_limit)
                return
            except errors.CursorExpired:
                pass
        _full(attempt, client, self.page_limit)


def _delta(attempt: Attempt, client: BackofficeClient, since: str, limit: int) -> None:
    for page in client.pages("employees", since, limit):
        now = attempt.clock()
        with attempt.store.write() as session:
            for remote_id, checked in _checked(attempt, page.items):
                _apply(session, remote_id, checked, now)
            since = page.next if page.next is not None else since
            cursor.save(session, STREAM, since, now)
        attempt.page_done(len(page.items), page)


def _full(attempt: Attempt, client: BackofficeClient, limit: int) -> None:
    items: list[dict] = []
    since = None
    for page in client.pages("employees", None, limit):
        items.extend(page.items)
        since = page.next if page.next is not None else since
    now = attempt.clock()
    checked = _checked(attempt, items)
    with attempt.store.write() as session:
        listed = {remote_id for remote_id, values in checked if values is not None}
        for remote_id, values in checked:
            _apply(session, remote_id, values, now)
        stale = [e.id for e in session.exec(select(Employee)).all() if e.remote_id not in listed]
        if stale:
            session.execute(delete(Employee).where(Employee.id.in_(stale)))
        cursor.save(session, STREAM, since, now)
    attempt.page_done(len(items))


def _checked(attempt: Attempt, items: list) -> list[tuple[str, dict | None]]:
    """Each record's id and checked values (None: a tombstone); refused records are reported."""
    out = []
    for index, item in enumerate(items):
        try:
            remote_id, gone = records.deleted(item)
            out.append((remote_id, None if gone else records.check_employee(item)))
        except records.Refused as refused:
            attempt.skip(records.label(item, index), refused.reason, **refused.params)
    return out


def _apply(session: Session, remote_id: str, checked: dict | None, now: datetime) -> None:
    if checked is None:
        session.execute(delete(Employee).where(Employee.remote_id == remote_id))
        return
    values = {**checked, "updated_at": now}
    if not session.execute(update(Employee).where(Employee.remote_id == remote_id).values(**values)).rowcount:
        session.add(Employee(remote_id=remote_id, **values))
        session.flush()
