"""The PIN lockout holds against concurrent logins: 30 wrong PINs at once, on a real SQLite file,
have at most ``MAX_FAILED`` of them checked in the window, and the right PIN is then refused until
the lock ends. Counting failures after the slow scrypt check let every request pass the lock first."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from agent.pin_hash import hash_pin
from agent.staff import login as staff_login
from agent.staff.login import LOCKOUT, MAX_FAILED, LoginError, login
from agent.store import open_store
from agent.store.models import Employee

PIN = "4711"
ATTEMPTS = 30


@pytest.fixture
def store(tmp_path):
    store = open_store(tmp_path / "state")
    with store.write() as session:
        session.add(Employee(remote_id="emp-maria", name="Иванова", role="cashier", pin_hash=hash_pin(PIN)))
    yield store
    store.close()


@pytest.fixture
def checked(monkeypatch):
    """The PINs scrypt checked, each after a pause that lets the other requests catch up."""
    seen: list[str] = []
    lock = threading.Lock()
    verify = staff_login.verify_pin

    def counting(pin: str, pin_hash: str) -> bool:
        with lock:
            seen.append(pin)
        threading.Event().wait(0.05)
        return verify(pin, pin_hash)

    monkeypatch.setattr(staff_login, "verify_pin", counting)
    return seen


@pytest.mark.parametrize("by_employee", [False, True], ids=["pin-only", "employee"])
def test_concurrent_wrong_pins_check_no_more_than_the_limit(store, checked, by_employee):
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    employee_id = 1 if by_employee else None
    locked = "employee_locked" if by_employee else "pin_login_locked"
    start = threading.Barrier(ATTEMPTS)

    def attempt(number: int) -> str:
        start.wait()
        try:
            login(store, f"{number:04d}", lambda: now, employee_id)
        except LoginError as error:
            return error.code
        return "logged_in"

    with ThreadPoolExecutor(ATTEMPTS) as pool:
        codes = list(pool.map(attempt, range(ATTEMPTS)))
    assert len(checked) <= MAX_FAILED, checked
    assert set(codes) <= {"wrong_pin", locked}
    assert codes.count("wrong_pin") == MAX_FAILED - 1  # the last one allowed answers the lock
    with pytest.raises(LoginError) as caught:  # even the right PIN waits out the lock
        login(store, PIN, lambda: now + timedelta(minutes=1), employee_id)
    assert caught.value.code == locked
    assert len(checked) <= MAX_FAILED
    assert login(store, PIN, lambda: now + LOCKOUT + timedelta(seconds=1), employee_id).name == "Иванова"


def test_the_right_pin_among_the_allowed_clears_the_count(store, checked):
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    for _ in range(MAX_FAILED - 1):
        with pytest.raises(LoginError):
            login(store, "0000", lambda: now, 1)
    assert login(store, PIN, lambda: now, 1).name == "Иванова"
    for _ in range(MAX_FAILED - 1):  # a fresh count: four more wrong ones do not lock
        with pytest.raises(LoginError) as caught:
            login(store, "0000", lambda: now, 1)
        assert caught.value.code == "wrong_pin"
