"""A session ends ``[access] session_max_hours`` after its login however busy it is, on a real daemon,
from a real unprivileged process: a token read off the socket (or left in a terminal's scrollback)
must not stay good for as long as someone keeps using it."""

from __future__ import annotations

import os
import time
from datetime import datetime

import pytest

from agent.pin_hash import hash_pin
from agent.store import open_store
from agent.store.models import Employee
from tests.daemon.test_session_identity import Unprivileged
from tests.fixtures.daemon import running_daemon

PIN = "2468"
LIFETIME = 8.0  # seconds; the idle limit stays at its 12 hours
CONFIG = f'[agent]\nsocket_group = "nogroup"\n[access]\nsession_max_hours = {LIFETIME / 3600:.6f}\n'


@pytest.fixture
def client(tmp_path):
    with running_daemon(tmp_path, config=CONFIG) as daemon:
        os.chmod(daemon.socket.parent, 0o755)
        store = open_store(daemon.state_dir, migrate=False)
        with store.write() as session:
            session.add(Employee(name="Петров", role="administrator", pin_hash=hash_pin(PIN)))
        store.close()
        client = Unprivileged(daemon.socket)
        try:
            yield client
        finally:
            client.close()


def test_a_busy_session_ends_at_its_lifetime_and_a_new_login_starts_a_new_one(client):
    status, login = client("POST", "/v1/login", body={"pin": PIN})
    assert status == 200, login
    logged_in = time.monotonic()
    token, expires_at = login["token"], datetime.fromisoformat(login["expires_at"])
    assert expires_at.tzinfo is not None
    status, session = client("GET", "/v1/session", login["token"])
    assert status == 200 and session["expires_at"] == login["expires_at"], session

    # a request every half second: the idle clock never runs out, the lifetime does
    while True:
        status, answer = client("GET", "/v1/session", token)
        if status != 200:
            break
        assert time.monotonic() - logged_in < LIFETIME + 10, "the session outlived its lifetime"
        time.sleep(0.5)
    ended = time.monotonic() - logged_in
    assert status == 401 and answer["error"]["code"] == "login_required", answer
    assert ended >= LIFETIME - 1, ended
    # an administrator's mutating route is refused with the same token, as for anyone logged out
    status, answer = client(
        "POST", "/v1/cash/out", token, {"uuid": "9d0e1f2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a", "amount": 1}
    )
    assert status == 401 and answer["error"]["code"] == "login_required", answer

    status, again = client("POST", "/v1/login", body={"pin": PIN})
    assert status == 200 and again["token"] != token
    status, session = client("GET", "/v1/session", again["token"])
    assert status == 200 and session["role"] == "administrator", session


def test_one_employees_logins_never_push_anothers_session_out(tmp_path):
    """The table of sessions is bounded (64) by ending the longest idle one: a cashier who logged in
    64 times (a script with their own PIN) ended the administrator's session. Now an employee's
    logins end only that employee's own older sessions."""
    with running_daemon(tmp_path, config='[agent]\nsocket_group = "nogroup"\n') as daemon:
        os.chmod(daemon.socket.parent, 0o755)
        store = open_store(daemon.state_dir, migrate=False)
        with store.write() as session:
            session.add(Employee(name="Иванова", role="administrator", pin_hash=hash_pin(PIN)))
            session.add(Employee(name="Петров", role="cashier", pin_hash=hash_pin("8642")))
        store.close()
        client = Unprivileged(daemon.socket)
        try:
            admin = client("POST", "/v1/login", body={"pin": PIN})[1]["token"]
            tokens = [client("POST", "/v1/login", body={"pin": "8642"})[1]["token"] for _ in range(70)]
            status, session = client("GET", "/v1/session", admin)
            assert status == 200 and session["role"] == "administrator", session
            assert client("GET", "/v1/session", tokens[-1])[0] == 200  # the cashier's latest works
            assert client("GET", "/v1/session", tokens[0])[0] == 401  # their oldest ended
        finally:
            client.close()
