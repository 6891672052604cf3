"""Cashier login with a PIN, offline, against the scrypt hash synced from the back office.

Five wrong PINs in a row lock that employee for five minutes; when the cashier types only a PIN
(no employee chosen), five wrong ones in a row lock PIN-only login on this register for five
minutes, so a 4-digit PIN cannot be guessed by trying them all. An employee the back office
deleted is gone from the table after the next employees sync, so they cannot log in at all.

Each attempt is counted as a failure, and the lock set by the last one allowed, in one write
transaction *before* its PIN is checked; a right PIN then clears the count. Counting after the slow
scrypt check let concurrent requests all pass the lock's check first and try many more PINs than
the limit in one window.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import select

from agent.i18n import N_
from agent.pin_hash import verify_pin
from agent.store import Store
from agent.store.models import Employee, Setting
from common.errors import KassaError

MAX_FAILED = 5
LOCKOUT = timedelta(minutes=5)
PIN_ONLY = "pin_only_login"  # Setting: {"failed": n, "locked_until": ISO time | None}


class LoginError(KassaError):
    def __init__(self, code: str, message: str, status: int = 401, **params: object):
        self.code = code
        super().__init__(message, status=status, **params)


WRONG_PIN = N_("wrong PIN")
LOCKED = N_("too many wrong PINs: {name} is locked until {until}; try again later")
NO_EMPLOYEE = N_("no such employee on this register (deleted in the back office, or not synced yet)")
NO_EMPLOYEES = N_("no employees on this register yet: sync employees from the back office first")
PIN_ONLY_LOCKED = N_("too many wrong PINs: PIN login is locked until {until}; try again later")


def identity(employee: Employee) -> str:
    """What a session is bound to. Not the id alone: SQLite gives a deleted employee's id to the
    next one added, and a PIN reset in the back office must end the sessions the old PIN opened."""
    text = "\0".join((str(employee.id), employee.remote_id or "", employee.pin_hash))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class LoggedIn:
    id: int
    name: str
    role: str
    inn: str | None
    identity: str = field(repr=False, compare=False)  # ``identity()`` of the row the PIN was checked on

    def as_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "role": self.role, "inn": self.inn}


def logged_in(employee: Employee) -> LoggedIn:
    return LoggedIn(employee.id, employee.name, employee.role, employee.inn, identity(employee))


def login(store: Store, pin: str, clock: Callable[[], datetime], employee_id: int | None = None) -> LoggedIn:
    """Who this PIN belongs to; with ``employee_id`` only that one is tried (and locked on failures)."""
    now = clock()
    candidates, lock = _reserve(store, now, employee_id)
    for employee in candidates:
        if verify_pin(pin, employee.pin_hash):
            _succeeded(store, employee, pin_only=employee_id is None)
            return logged_in(employee)
    if lock is not None:  # this attempt was the last one allowed: its lock holds from now
        raise lock
    raise LoginError("wrong_pin", WRONG_PIN, 401)


def _reserve(
    store: Store, now: datetime, employee_id: int | None
) -> tuple[list[Employee], LoginError | None]:
    """The employees to try and the attempt counted as failed up front, atomically (BEGIN IMMEDIATE)
    with the lock's check; with the error to answer if the PIN is wrong and this attempt set the lock."""
    with store.write() as session:
        if employee_id is not None:
            row = session.get(Employee, employee_id)
            if row is None:
                raise LoginError("employee_not_found", NO_EMPLOYEE, 404)
            if row.locked_until and row.locked_until > now:
                raise _employee_locked(row)
            row.failed_pins += 1
            lock = None
            if row.failed_pins >= MAX_FAILED:
                row.failed_pins, row.locked_until = 0, now + LOCKOUT
                lock = _employee_locked(row)
            session.add(row)
            return [row], lock
        _check_pin_only_lock(session, now)
        candidates = list(session.exec(select(Employee).order_by(Employee.id)).all())
        if not candidates:
            raise LoginError("no_employees", NO_EMPLOYEES, 409)
        usable = [e for e in candidates if not (e.locked_until and e.locked_until > now)]
        if not usable:
            raise _employee_locked(candidates[0])
        setting = session.get(Setting, PIN_ONLY)
        failed = (setting.value.get("failed", 0) if setting else 0) + 1
        locked_until = None
        if failed >= MAX_FAILED:
            failed, locked_until = 0, now + LOCKOUT
        value = {"failed": failed, "locked_until": locked_until.isoformat() if locked_until else None}
        session.merge(Setting(key=PIN_ONLY, value=value, updated_at=now))
        lock = (
            LoginError("pin_login_locked", PIN_ONLY_LOCKED, 423, until=_hhmm(locked_until))
            if locked_until
            else None
        )
        return usable, lock


def _succeeded(store: Store, employee: Employee, pin_only: bool) -> None:
    """A right PIN clears the failures counted (its own attempt's too) and any lock they set."""
    with store.write() as session:
        row = session.get(Employee, employee.id)
        # deleted, or replaced by another employee of the same id, by a sync meanwhile
        if row is None or identity(row) != identity(employee):
            raise LoginError("employee_not_found", NO_EMPLOYEE, 404)
        row.failed_pins, row.locked_until = 0, None
        session.add(row)
        if pin_only:
            session.merge(Setting(key=PIN_ONLY, value={"failed": 0, "locked_until": None}))


def _check_pin_only_lock(session, now: datetime) -> None:
    setting = session.get(Setting, PIN_ONLY)
    until = setting.value.get("locked_until") if setting else None
    if until and datetime.fromisoformat(until) > now:
        raise LoginError("pin_login_locked", PIN_ONLY_LOCKED, 423, until=_hhmm(datetime.fromisoformat(until)))


def _employee_locked(row: Employee) -> LoginError:
    return LoginError("employee_locked", LOCKED, 423, name=row.name, until=_hhmm(row.locked_until))


def _hhmm(moment: datetime | None) -> str:
    return moment.astimezone().strftime("%H:%M") if moment else ""
