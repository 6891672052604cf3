"""A session is bound to the employee row it logged in as, on a real daemon, from a real
unprivileged process (root would fall back to the technician): SQLite gives a deleted employee's
id to the next one added, and a fired cashier's token must not become the new employee's; a PIN
reset in the back office ends the sessions the old PIN opened."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from sqlalchemy import delete
from sqlmodel import select

from agent.pin_hash import hash_pin
from agent.store import open_store
from agent.store.models import Employee
from tests.fixtures.daemon import running_daemon

NOBODY, NOGROUP = 65534, 65534
ADMIN_PIN, CASHIER_PIN, NEW_ADMIN_PIN = "1357", "2468", "8642"

# one unprivileged client for the whole test: a JSON request per line in, a JSON answer per line out
CLIENT = r"""
import json, sys, httpx
http = httpx.Client(transport=httpx.HTTPTransport(uds=sys.argv[1]), base_url="http://kassa", timeout=60)
for line in sys.stdin:
    method, path, token, body = json.loads(line)
    headers = {"Authorization": "Bearer " + token} if token else {}
    r = http.request(method, path, json=body, headers=headers)
    print(json.dumps([r.status_code, r.json() if r.content else None]), flush=True)
"""


class Unprivileged:
    def __init__(self, socket):
        drop = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOGROUP}", "--clear-groups"]
        self.process = subprocess.Popen(
            [*drop, sys.executable, "-c", CLIENT, str(socket)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def __call__(self, method: str, path: str, token: str | None = None, body: dict | None = None):
        self.process.stdin.write(json.dumps([method, path, token, body]) + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def login(self, pin: str) -> str:
        status, answer = self("POST", "/v1/login", body={"pin": pin})
        assert status == 200, answer
        return answer["token"]

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.fixture
def register(tmp_path):
    with running_daemon(tmp_path, config='[agent]\nsocket_group = "nogroup"\n') as daemon:
        os.chmod(daemon.socket.parent, 0o755)
        store = open_store(daemon.state_dir, migrate=False)
        with store.write() as session:
            session.add(
                Employee(
                    remote_id="emp-a", name="Иванова", role="administrator", pin_hash=hash_pin(ADMIN_PIN)
                )
            )
            session.add(
                Employee(remote_id="emp-c", name="Петров", role="cashier", pin_hash=hash_pin(CASHIER_PIN))
            )
        client = Unprivileged(daemon.socket)
        try:
            yield store, client
        finally:
            client.close()
            store.close()


def employee_id(store, remote_id: str) -> int:
    with store.read() as session:
        return session.exec(select(Employee.id).where(Employee.remote_id == remote_id)).one()


def test_a_deleted_employees_token_does_not_pass_to_the_next_one_given_the_same_id(register):
    store, client = register
    token = client.login(CASHIER_PIN)
    status, session = client("GET", "/v1/session", token)
    assert (status, session["employee"]["name"]) == (200, "Петров")
    fired = employee_id(store, "emp-c")
    with store.write() as session:  # what the employees sync does: a tombstone, then a new employee
        session.execute(delete(Employee).where(Employee.remote_id == "emp-c"))
    with store.write() as session:
        session.add(
            Employee(
                remote_id="emp-n", name="Сидорова", role="administrator", pin_hash=hash_pin(NEW_ADMIN_PIN)
            )
        )
    assert employee_id(store, "emp-n") == fired  # SQLite reused the id
    status, answer = client("GET", "/v1/session", token)
    assert status == 401 and answer["error"]["code"] == "login_required", answer
    status, answer = client(
        "POST", "/v1/cash/out", token, {"uuid": "9d0e1f2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a", "amount": 100}
    )
    assert status == 401 and answer["error"]["code"] == "login_required", answer
    # the new employee logs in with their own PIN and is themselves
    status, session = client("GET", "/v1/session", client.login(NEW_ADMIN_PIN))
    assert (status, session["employee"]["name"], session["role"]) == (200, "Сидорова", "administrator")


def test_a_pin_change_ends_the_session_and_a_rename_does_not(register):
    store, client = register
    token = client.login(CASHIER_PIN)
    with store.write() as session:  # the sync's update of a renamed employee keeps the session
        row = session.get(Employee, employee_id(store, "emp-c"))
        row.name = "Петров П."
        session.add(row)
    status, session = client("GET", "/v1/session", token)
    assert (status, session["employee"]["name"]) == (200, "Петров П.")
    with store.write() as session:  # a PIN reset in the back office, synced
        row = session.get(Employee, employee_id(store, "emp-c"))
        row.pin_hash = hash_pin("1111")
        session.add(row)
    status, answer = client("GET", "/v1/session", token)
    assert status == 401 and answer["error"]["code"] == "login_required", answer
    assert client("GET", "/v1/session", client.login("1111"))[0] == 200
