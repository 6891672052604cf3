"""Employees by cursor, PIN login offline against the synced hash, lockout, deleted employees."""

from __future__ import annotations

import pytest
from sqlmodel import select

from agent.staff.login import LoginError, login
from agent.store.models import Employee


@pytest.fixture
def staffed(paired, bo):
    bo.upsert_employee(
        name="Иванова Мария", role="cashier", pin="4711", employee_id="emp-maria", inn="500100732259"
    )
    bo.upsert_employee(name="Петров Пётр", role="administrator", pin="9000", employee_id="emp-petr")
    assert paired.engine.run("employees").ok
    return paired


def _id(reg, remote_id: str) -> int:
    with reg.store.read() as session:
        return session.exec(select(Employee.id).where(Employee.remote_id == remote_id)).one()


def test_login_with_the_synced_pin_works_offline(staffed, bo):
    bo.stop()  # offline: the PIN is checked against the local hash
    who = login(staffed.store, "4711", staffed.clock)
    assert (who.name, who.role, who.inn) == ("Иванова Мария", "cashier", "500100732259")
    with pytest.raises(LoginError) as caught:
        login(staffed.store, "0000", staffed.clock)
    assert caught.value.code == "wrong_pin"


def test_five_wrong_pins_lock_that_employee_for_five_minutes(staffed):
    maria = _id(staffed, "emp-maria")
    for _ in range(4):
        with pytest.raises(LoginError) as caught:
            login(staffed.store, "1111", staffed.clock, maria)
        assert caught.value.code == "wrong_pin"
    with pytest.raises(LoginError) as caught:
        login(staffed.store, "1111", staffed.clock, maria)
    assert caught.value.code == "employee_locked"
    with pytest.raises(LoginError) as caught:  # even the right PIN waits out the lock
        login(staffed.store, "4711", staffed.clock, maria)
    assert caught.value.code == "employee_locked"
    assert login(staffed.store, "9000", staffed.clock, _id(staffed, "emp-petr")).role == "administrator"
    staffed.clock.advance(5 * 60 + 1)
    assert login(staffed.store, "4711", staffed.clock, maria).name == "Иванова Мария"


def test_an_employee_deleted_in_the_back_office_cannot_log_in_after_the_next_sync(staffed, bo):
    assert login(staffed.store, "4711", staffed.clock).name == "Иванова Мария"
    bo.delete_employee("emp-maria")
    assert staffed.engine.run("employees").ok
    with pytest.raises(LoginError):
        login(staffed.store, "4711", staffed.clock)


def test_employees_full_resync_after_410_drops_the_removed(staffed, bo):
    bo.delete_employee("emp-petr")
    bo.compact()
    assert staffed.engine.run("employees").ok
    with staffed.store.read() as session:
        names = set(session.exec(select(Employee.name)).all())
    assert "Петров Пётр" not in names and "Иванова Мария" in names


def test_five_wrong_pin_only_logins_lock_pin_login_for_five_minutes(staffed):
    """With only a PIN typed, a 4-digit PIN must not be guessable by trying them all."""
    for _ in range(4):
        with pytest.raises(LoginError) as caught:
            login(staffed.store, "0000", staffed.clock)
        assert caught.value.code == "wrong_pin"
    with pytest.raises(LoginError) as caught:
        login(staffed.store, "0001", staffed.clock)
    assert caught.value.code == "pin_login_locked"
    with pytest.raises(LoginError) as caught:  # even the right PIN waits out the lock
        login(staffed.store, "4711", staffed.clock)
    assert caught.value.code == "pin_login_locked"
    staffed.clock.advance(5 * 60 + 1)
    assert login(staffed.store, "4711", staffed.clock).name == "Иванова Мария"
    for _ in range(4):  # a good login starts the count again
        with pytest.raises(LoginError):
            login(staffed.store, "0000", staffed.clock)
    assert login(staffed.store, "4711", staffed.clock).name == "Иванова Мария"
