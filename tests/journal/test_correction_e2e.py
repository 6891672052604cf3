"""Correction receipts end to end: the real daemon's API and CLI, the KKT emulator over a pty and the
reference back office over HTTP; each correction is on the FN once and arrives at the back office once.
"""

from __future__ import annotations

import json
import time
from datetime import date, timedelta

import pytest

from agent.client import DaemonError
from tests.conftest import run_kassa, uid
from tests.fixtures.backoffice import backoffice_server
from tests.fixtures.daemon import running_daemon
from tests.fixtures.kkt import kkt_config, kkt_emulator
from tests.journal.e2e import agreement
from tests.sync.harness import wait_register_ready

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("correction")
    with (
        kkt_emulator(tmp) as kkt,
        backoffice_server(tmp, products=3, employees=1) as bo,
        running_daemon(tmp, config=kkt_config(kkt)) as daemon,
    ):
        client = daemon.client(timeout=120)
        wait_register_ready(client)
        client.put("/v1/sync/settings", json={"products": "never", "employees": "never", "orders": "never"})
        client.post("/v1/pairing", json={"code": bo.code(), "backoffice_url": bo.url})
        yield kkt, bo, daemon, client


def corrections(kkt) -> list[dict]:
    return [doc for doc in kkt.journal() if doc["type"] == "correction"]


def wait_accepted(client, uuids: set[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        items = client.get("/v1/documents")["items"]
        if uuids <= {d["uuid"] for d in items if d["upload"] == "accepted"}:
            return
        time.sleep(0.2)
    pytest.fail(f"not uploaded: {items}")


def test_a_correction_by_order_is_made_once_and_arrives_once(stack):
    kkt, bo, daemon, client = stack
    body = {
        "uuid": uid("correction-by-order"),
        "reason": "продажа при неработающей кассе",
        "document_date": "2026-11-20",
        "document_number": "12-34/5",
        "lines": [{"name": "Хлеб", "price": 4990, "quantity": "2"}, {"name": "Молоко", "price": 8990}],
        "discount_percent": "10",
        "payments": [{"kind": "cash", "amount": 20000}],
    }
    made = client.post("/v1/corrections", json=body)
    assert made["type"] == "correction" and made["status"] == "fiscalized" and not made["replayed"]
    assert made["correction"] == {
        "type": "order",
        "sign": "sale",
        "date": "2026-11-20",
        "number": "12-34/5",
        "reason": "продажа при неработающей кассе",
    }
    assert made["total"] == 17073 and made["change"] == 20000 - 17073
    (on_fn,) = corrections(kkt)
    assert on_fn["fd"] == made["fd"] and on_fn["total"] == made["total"] and on_fn["operation"] == 1
    assert on_fn["tags"]["1173"] == "1"
    assert json.loads(on_fn["tags"]["1174"]) == {"1178": "2026-11-20", "1179": "12-34/5"}
    assert all(item["tags"]["2108"] == "0" for item in on_fn["items"])

    again = client.post("/v1/corrections", json=body)
    assert again["replayed"] and again["fd"] == made["fd"]
    listed = client.get("/v1/receipts", params={"type": "correction"})["items"]
    assert [item["uuid"] for item in listed] == [body["uuid"]]
    assert client.get(f"/v1/receipts/{made['id']}")["correction"] == made["correction"]
    assert len(corrections(kkt)) == 1

    wait_accepted(client, {body["uuid"]})
    client.post("/v1/sync", json={"streams": ["receipts"], "wait": True})
    (arrived,) = [d for d in bo.documents() if d["uuid"] == body["uuid"]]
    assert arrived["status"] == "accepted" and arrived["type"] == "correction" and arrived["duplicates"] == 0
    assert arrived["document"]["correction"] == made["correction"]
    assert arrived["document"]["total"] == made["total"]
    assert agreement(kkt, daemon) == []


def test_the_cli_makes_a_correction_of_a_return_on_the_shops_own_initiative(stack):
    kkt, bo, daemon, client = stack
    uuid = uid("correction-cli")
    args = ("correction", "--item", "Пакет=500x2", "--sign", "return", "--reason", "возврат без чека")
    args += ("--document-date", "2026-11-19", "--pay", "cash", "--uuid", uuid, "--json")
    first = run_kassa(*args, env=daemon.env)
    assert first.returncode == 0, first.stderr
    result = json.loads(first.stdout)
    assert result["status"] == "fiscalized" and result["total"] == 1000 and not result["replayed"]
    second = run_kassa(*args, env=daemon.env)
    assert json.loads(second.stdout)["replayed"] is True
    on_fn = [doc for doc in corrections(kkt) if doc["fd"] == result["fd"]]
    assert len(on_fn) == 1 and on_fn[0]["operation"] == 2  # возврат прихода
    assert on_fn[0]["tags"] == {"1173": "0", "1174": '{"1178": "2026-11-19"}'}
    wait_accepted(client, {uuid})
    (arrived,) = [d for d in bo.documents() if d["uuid"] == uuid]
    assert arrived["document"]["correction"]["type"] == "self"
    assert arrived["document"]["correction"]["sign"] == "return"
    assert agreement(kkt, daemon) == []


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"type": "order"}, "validation_error"),  # by order without the order's number
        ({"document_date": (date.today() + timedelta(days=2)).isoformat()}, "invalid_receipt"),
        ({"reason": ""}, "validation_error"),
        ({"document_number": "1" * 33}, "validation_error"),
        ({"sign": "purchase"}, "validation_error"),
    ],
)
def test_a_bad_correction_is_refused_before_the_register(stack, change, code):
    kkt, _bo, _daemon, client = stack
    before = len(kkt.journal())
    body = {"uuid": uid(f"bad-{change}"), "reason": "x", "lines": [{"name": "Хлеб", "price": 4990}]}
    with pytest.raises(DaemonError) as refused:
        client.post("/v1/corrections", json=body | change)
    assert refused.value.status == 422 and refused.value.code == code
    assert len(kkt.journal()) == before


def test_the_orders_number_is_recorded_as_the_fn_stores_it_and_one_it_cannot_is_refused(stack):
    """Tag 1179 went to the FN made safe (an escape's ESC gone) while the journal, the copy and the
    back office kept the number as sent: three different numbers for one correction. And a number of
    emoji alone went out as no 1179 at all on a correction by order."""
    kkt, bo, daemon, client = stack
    body = {
        "uuid": uid("correction-hostile-number"),
        "reason": "by order",
        "document_number": "12\x1b[31m34\t№5",
        "lines": [{"name": "Хлеб", "price": 4990}],
        "payments": [{"kind": "cash"}],
    }
    made = client.post("/v1/corrections", json=body)
    (on_fn,) = [doc for doc in corrections(kkt) if doc["fd"] == made["fd"]]
    stored = json.loads(on_fn["tags"]["1174"])["1179"]
    assert stored == "12[31m34 №5"
    assert made["correction"]["number"] == stored
    assert client.get(f"/v1/receipts/{made['id']}")["correction"]["number"] == stored
    wait_accepted(client, {body["uuid"]})
    (arrived,) = [d for d in bo.documents() if d["uuid"] == body["uuid"]]
    assert arrived["document"]["correction"]["number"] == stored
    assert agreement(kkt, daemon) == []

    before = len(kkt.journal())
    with daemon.client(language="ru") as russian, pytest.raises(DaemonError) as refused:
        russian.post(
            "/v1/corrections", json=body | {"uuid": uid("correction-emoji"), "document_number": "🙂"}
        )
    assert refused.value.status == 422 and refused.value.code == "invalid_receipt"
    assert (
        refused.value.message
        == "номер предписания налоговой: в номере нет ничего, что касса может напечатать"
    )
    assert len(kkt.journal()) == before
