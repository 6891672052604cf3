"""An order is settled only by the receipt the register built from it, as a cashier meets it: the
emulated register, the reference back office relaying orders, `kassa run`, and the local API with
a cashier's login. A cheap receipt that names the order, or takes the uuid its receipt goes under
(both visible in GET /v1/orders), is refused in words; it never settles the order, and the order is
then fiscalized from its own lines and the back office hears of that receipt."""

from __future__ import annotations

import time
import uuid as uuidlib

import pytest

from agent.marketplace.orders import ORDER_NAMESPACE
from tests.fixtures.backoffice import backoffice_server
from tests.fixtures.daemon import running_daemon
from tests.fixtures.kkt import kkt_config, kkt_emulator
from tests.sync.harness import wait_register_ready

pytestmark = pytest.mark.slow

TV = 1_500_000  # 15,000.00 RUB
CASHIER_PIN = "2222"  # the seeded back office's first cashier


def wait_for(check, timeout: float = 30.0, what: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout} s: {what}")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    base = tmp_path_factory.mktemp("order-receipt")
    with (
        kkt_emulator(base) as kkt,
        backoffice_server(base, products=0, employees=2) as office,
        running_daemon(base, config=kkt_config(kkt)) as daemon,
    ):
        office.upsert_product(code="GUM", name="Gum", price=100)
        office.upsert_product(code="TV", name="Television", price=TV)
        with daemon.client(timeout=60) as client:
            wait_register_ready(client)
            client.put(
                "/v1/sync/settings", json={"products": "never", "employees": "never", "orders": "never"}
            )
            client.post("/v1/pairing", json={"code": office.code(), "backoffice_url": office.url})
            client.post("/v1/sync", json={"streams": ["products", "employees"], "wait": True})
        with daemon.http(timeout=60) as http:
            token = http.post("/v1/login", json={"pin": CASHIER_PIN}).json()["token"]
        yield {"kkt": kkt, "office": office, "daemon": daemon, "token": token}


def cashier(stack, method: str, path: str, lang: str = "en", **kwargs):
    headers = {"Authorization": f"Bearer {stack['token']}", "Accept-Language": lang}
    with stack["daemon"].http(timeout=120) as http:
        return http.request(method, path, headers=headers, **kwargs)


def sync(stack, *streams: str) -> None:
    with stack["daemon"].client(timeout=120) as client:
        client.post("/v1/sync", json={"streams": list(streams), "wait": True})


def relayed_order(stack, remote_id: str) -> dict:
    listed = cashier(stack, "GET", "/v1/orders").json()["items"]
    return next(item for item in listed if item["remote_id"] == remote_id)


def uuid_of(source: str, account: int | None, remote_id: str) -> str:
    """What anyone who reads GET /v1/orders can compute: the uuid the order's receipt goes under."""
    key = f"{source}:{account}:{remote_id}" if account else f"{source}:{remote_id}"
    return str(uuidlib.uuid5(ORDER_NAMESPACE, key))


def gum(receipt_uuid: str, **extra) -> dict:
    return {"uuid": receipt_uuid, "lines": [{"code": "GUM"}], **extra}


def fiscalized_by(stack, remote_id: str, receipt_uuid: str) -> None:
    """The back office has the order fiscalized by ``receipt_uuid``, a receipt of the order's total."""
    sync(stack, "receipts", "orders")
    office = stack["office"]
    bo_order = wait_for(
        lambda: next(
            (o for o in office.orders() if o["id"] == remote_id and o["status"] == "fiscalized"), None
        ),
        what="the back office told the order is fiscalized",
    )
    assert bo_order["receipt_uuid"] == receipt_uuid
    document = next(entry for entry in office.documents() if entry["uuid"] == receipt_uuid)
    assert document["document"]["total"] == TV
    assert document["document"]["order_id"] == remote_id


def test_a_cheap_receipt_cannot_settle_an_order(stack):
    office, kkt = stack["office"], stack["kkt"]
    remote = office.add_order(lines=[{"code": "TV", "name": "Television", "quantity": 1, "price": TV}])
    sync(stack, "orders")
    order = relayed_order(stack, remote)
    assert order["status"] == "waiting" and order["total"] == TV
    taken = uuid_of(order["source"], order["account"], remote)
    printed = len(kkt.receipts())

    # the order's uuid with the order's id, the order's uuid alone, the order's id with a new uuid
    for body in (
        gum(taken, order_id=order["id"]),
        gum(taken),
        gum(str(uuidlib.uuid4()), order_id=order["id"]),
    ):
        for lang, words in (
            ("en", "fiscalize the order from the orders screen"),
            ("ru", "на экране «Заказы»"),
        ):
            answer = cashier(stack, "POST", "/v1/receipts", lang=lang, json=body)
            assert answer.status_code == 409, answer.text
            error = answer.json()["error"]
            assert error["code"] == "order_receipt" and words in error["message"], error
            assert f"kassa orders fiscalize {order['id']}" in error["message"]
    assert len(kkt.receipts()) == printed  # the register was never asked

    sync(stack, "orders")
    assert relayed_order(stack, remote)["status"] == "waiting"
    assert next(o for o in office.orders() if o["id"] == remote)["status"] != "fiscalized"

    # the order itself is fiscalized from its own lines, under its own uuid
    answer = cashier(stack, "POST", f"/v1/orders/{order['id']}/fiscalize", json={})
    assert answer.status_code == 200, answer.text
    receipt = answer.json()["receipt"]
    assert receipt["uuid"] == taken and receipt["total"] == TV and receipt["fd"]
    assert answer.json()["order"]["status"] == "fiscalized"
    assert len(kkt.receipts()) == printed + 1
    fiscalized_by(stack, remote, taken)

    # a repeated tap replays the order's receipt; a plain sale still cannot take its uuid
    again = cashier(stack, "POST", f"/v1/orders/{order['id']}/fiscalize", json={})
    assert again.status_code == 200 and again.json()["replayed"] and again.json()["receipt"]["uuid"] == taken
    refused = cashier(stack, "POST", "/v1/receipts", json=gum(str(uuidlib.uuid4()), order_id=order["id"]))
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "order_receipt"
    assert len(kkt.receipts()) == printed + 1


def test_a_receipt_that_took_an_order_uuid_before_the_order_came_is_not_its_receipt(stack):
    """A back office's order ids can be guessed: a plain sale under the uuid of an order not yet at
    the register is a sale like any other, not the order's receipt, and the order goes under its next
    uuid."""
    office, kkt = stack["office"], stack["kkt"]
    remote = "ord-" + uuidlib.uuid4().hex[:12]
    early = uuid_of("backoffice", None, remote)
    sold = cashier(stack, "POST", "/v1/receipts", json=gum(early))
    assert sold.status_code == 201, sold.text
    assert sold.json()["total"] == 100 and sold.json()["order_id"] is None

    office.add_order(
        lines=[{"code": "TV", "name": "Television", "quantity": 1, "price": TV}], order_id=remote
    )
    sync(stack, "orders")
    order = relayed_order(stack, remote)
    assert uuid_of(order["source"], order["account"], remote) == early
    sync(stack, "orders")  # reconcile runs first: the gum receipt does not settle the order
    order = relayed_order(stack, remote)
    assert order["status"] == "waiting" and order["receipt_uuid"] is None, order

    printed = len(kkt.receipts())
    answer = cashier(stack, "POST", f"/v1/orders/{order['id']}/fiscalize", json={})
    assert answer.status_code == 200, answer.text
    receipt = answer.json()["receipt"]
    assert receipt["uuid"] != early and receipt["total"] == TV
    assert len(kkt.receipts()) == printed + 1
    fiscalized_by(stack, remote, receipt["uuid"])
    again = cashier(stack, "POST", f"/v1/orders/{order['id']}/fiscalize", json={})
    assert again.status_code == 200 and again.json()["receipt"]["uuid"] == receipt["uuid"]
    assert len(kkt.receipts()) == printed + 1


def test_an_order_whose_buyer_contact_tag_1008_cannot_take_is_fiscalized_without_it(stack):
    """A buyer's e-mail in Cyrillic or a placeholder ("n/a") from the marketplace made the order's
    sale request invalid inside the daemon: 500 internal_error, and the order could never be
    fiscalized. The contact tag 1008 takes goes on the receipt (here the phone), else none."""
    office, kkt = stack["office"], stack["kkt"]
    line = [{"code": "GUM", "name": "Gum", "quantity": 1, "price": 100}]
    buyers = [
        ({"name": "Иван", "email": "ivan@почта.рф", "phone": "8 (999) 123-45-67"}, "+79991234567"),
        ({"name": "Jan", "email": "n/a", "phone": "ext. 5"}, None),
    ]
    for buyer, contact in buyers:
        remote = office.add_order(lines=line, buyer=buyer)
        sync(stack, "orders")
        order = relayed_order(stack, remote)
        answer = cashier(stack, "POST", f"/v1/orders/{order['id']}/fiscalize", json={})
        assert answer.status_code == 200, answer.text
        receipt = answer.json()["receipt"]
        assert answer.json()["order"]["status"] == "fiscalized" and receipt["fd"]
        (on_fn,) = [doc for doc in kkt.receipts() if doc["fd"] == receipt["fd"]]
        assert on_fn["tags"].get("1008") == contact, on_fn["tags"]
