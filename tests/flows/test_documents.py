"""`kassa documents` and "send again": what reached the back office, what did not and why, from a shell,
through a real daemon, KKT emulator and back office."""

from __future__ import annotations

import csv
import io
import json
import time
import uuid as uuidlib

import httpx
import pytest
from sqlalchemy import delete

from sim.backoffice import tables as t
from tests.conftest import run_kassa
from tests.fixtures.backoffice import EMULATOR_REGISTER
from tests.flows.conftest import paired_stack


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with paired_stack(tmp_path_factory.mktemp("documents"), products=2, employees=2) as stack:
        yield stack


def wait_state(client, document_uuid: str, states: set[str], timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for doc in client.get("/v1/documents")["items"]:
            if doc["uuid"] == document_uuid and doc["state"] in states:
                return doc
        client.post("/v1/sync", json={"streams": ["receipts"], "wait": True})
        time.sleep(0.2)
    raise AssertionError(f"{document_uuid} not in {states}: {client.get('/v1/documents')['items']}")


def foreign_document(bo, document_uuid: str) -> None:
    """Another register sends a different document under the same uuid first."""
    token = bo.pair(dict(EMULATOR_REGISTER, kkt_serial="0099999999", fn_serial="9960440300999999"))
    now = "2026-11-30T10:00:00+00:00"
    doc = {
        "uuid": document_uuid, "type": "sale", "created_at": now, "fiscalized_at": now, "total": 100,
        "lines": [{"code": "X", "name": "x", "quantity": "1.000", "price": 100, "amount": 100}],
        "payments": [{"kind": "cash", "amount": 100, "change": 0}],
    }  # fmt: skip
    answer = httpx.post(
        f"{bo.url}/api/v1/documents",
        json={"documents": [doc]},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert answer.json()["results"][0]["status"] == "accepted"


def test_documents_their_state_and_send_again(stack):
    daemon, bo, client = stack
    good = str(uuidlib.uuid4())
    clash = str(uuidlib.uuid4())
    foreign_document(bo, clash)
    for key in (good, clash):
        sold = run_kassa(
            "sale", "--item", "Хлеб=4500", "--pay", "cash", "--uuid", key, env=daemon.env, timeout=120
        )
        assert sold.returncode == 0, sold.stderr
    wait_state(client, good, {"accepted"})
    conflict = wait_state(client, clash, {"conflict"})
    assert "different document with this uuid" in conflict["message"]

    listed = run_kassa("documents", env=daemon.env)
    assert listed.returncode == 0, listed.stderr
    lines = {line.split()[0]: line for line in listed.stdout.splitlines() if line.strip()[:1].isdigit()}
    assert "accepted" in lines[str(wait_state(client, good, {"accepted"})["id"])]
    assert "conflict: a different document" in lines[str(conflict["id"])]
    assert "kassa documents resend ID" in listed.stdout

    problems = json.loads(run_kassa("documents", "--state", "problems", "--json", env=daemon.env).stdout)
    assert [doc["uuid"] for doc in problems] == [clash]
    table = list(csv.DictReader(io.StringIO(run_kassa("documents", "--csv", env=daemon.env).stdout)))
    assert {row["uuid"]: row["state"] for row in table}[clash] == "conflict"
    assert {row["uuid"]: row["total"] for row in table}[good] == "45.00"
    today = run_kassa("documents", "--since", time.strftime("%Y-%m-%d"), "--json", env=daemon.env)
    assert {doc["uuid"] for doc in json.loads(today.stdout)} >= {good, clash}
    future = run_kassa("documents", "--since", "2099-01-01", "--json", env=daemon.env)
    assert json.loads(future.stdout) == []
    bad = run_kassa("documents", "--since", "вчера", env=daemon.env)
    assert bad.returncode == 2 and "--since" in bad.stderr

    refused = run_kassa(
        "documents", "resend", str(wait_state(client, good, {"accepted"})["id"]), env=daemon.env
    )
    assert refused.returncode == 1 and "not rejected or in conflict" in refused.stderr

    with bo.engine.begin() as conn:  # the back office's operator removes the other register's document
        conn.execute(delete(t.document).where(t.document.c.uuid == clash))
    again = run_kassa("documents", "resend", str(conflict["id"]), env=daemon.env)
    assert again.returncode == 0, again.stderr
    assert wait_state(client, clash, {"accepted"})["state"] == "accepted"
    ru = run_kassa("documents", env=dict(daemon.env, LANG="ru_RU.UTF-8"))
    assert "принят" in ru.stdout and "продажа" in ru.stdout


@pytest.mark.anyio
async def test_f3_shows_the_back_office_state_and_sends_again(stack, russian):
    from tests.fixtures.pilot import text, until
    from tui.api import KassaApi
    from tui.app import KassaApp
    from tui.widgets.plain import PlainTable

    daemon, bo, client = stack
    client.post("/v1/sync", json={"streams": ["employees"], "wait": True})
    clash = str(uuidlib.uuid4())
    foreign_document(bo, clash)
    sold = run_kassa(
        "sale", "--item", "Молоко=9900", "--pay", "cash", "--uuid", clash, env=daemon.env, timeout=120
    )
    assert sold.returncode == 0, sold.stderr
    conflict = wait_state(client, clash, {"conflict"})

    async def open_receipts(app, pilot, pin: str):
        await pilot.pause(0.3)
        await pilot.press(*pin, "enter")
        await until(pilot, lambda: app.current_mode == "sale", what="login")
        await pilot.press("f3")
        await until(
            pilot, lambda: app.screen.query_one("#receipts", PlainTable).row_count > 0, what="receipts"
        )
        table = app.screen.query_one("#receipts", PlainTable)
        assert table.get_row_at(0)[5].plain == "конфликт"  # the newest first
        await until(pilot, lambda: "Бэк-офис: конфликт" in text(app, "#receipt-detail"), what="detail")

    cashier = KassaApp(KassaApi(daemon.socket, language="ru"), poll_seconds=1)
    async with cashier.run_test(size=(120, 40)) as pilot:
        await open_receipts(cashier, pilot, "2222")
        assert not cashier.screen.may("resend")  # an administrator's action

    with bo.engine.begin() as conn:  # the cause is fixed in the back office
        conn.execute(delete(t.document).where(t.document.c.uuid == clash))
    admin = KassaApp(KassaApi(daemon.socket, language="ru"), poll_seconds=1)
    async with admin.run_test(size=(120, 40)) as pilot:
        await open_receipts(admin, pilot, "1111")
        await pilot.press("f11")
        await until(pilot, lambda: wait_state(client, clash, {"accepted"}, timeout=1), what="accepted")
        await pilot.press("ctrl+r")
        table = admin.screen.query_one("#receipts", PlainTable)
        await until(pilot, lambda: table.get_row_at(0)[5].plain == "принят", what="accepted on screen")
    assert conflict["id"] == wait_state(client, clash, {"accepted"})["id"]
