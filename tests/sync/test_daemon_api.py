"""The sync, products, documents, login and orders endpoints and CLI on a real daemon + KKT + back office."""

from __future__ import annotations

import time
import uuid as uuidlib

import pytest

from agent.client import DaemonError
from tests.conftest import run_kassa
from tests.fixtures.backoffice import backoffice_server
from tests.fixtures.daemon import running_daemon
from tests.fixtures.kkt import kkt_config, kkt_emulator
from tests.sync.harness import wait_register_ready
from tests.sync.helpers import unmarked


@pytest.fixture(scope="module")
def register(tmp_path_factory):
    with kkt_emulator(tmp_path_factory.mktemp("register")) as kkt:
        yield kkt


@pytest.fixture(scope="module")
def stack(tmp_path_factory, register):
    tmp = tmp_path_factory.mktemp("stack")
    kkt = register
    with (
        backoffice_server(tmp, products=30, employees=2) as bo,
        running_daemon(tmp, config=kkt_config(kkt)) as daemon,
    ):
        client = daemon.client()
        wait_register_ready(client)
        client.put("/v1/sync/settings", json={"products": "never", "employees": "never", "orders": "never"})
        client.post("/v1/pairing", json={"code": bo.code(), "backoffice_url": bo.url})
        yield daemon, bo, client


def test_sync_now_with_never_and_the_cli(stack):
    daemon, bo, client = stack
    assert client.get("/v1/sync/settings")["products"] == "never"
    result = run_kassa("sync", "--stream", "products", "--wait", env=daemon.env)
    assert result.returncode == 0, result.stderr
    assert "products: " in result.stdout and " moved" in result.stdout
    products = client.get("/v1/products", params={"limit": 1000})
    assert products["total"] == len(bo.products())
    status = client.get("/v1/status")
    assert (
        status["streams"]["products"]["last_success"] and status["streams"]["products"]["interval"] == "never"
    )
    assert status["products"]["count"] == len(bo.products())


def test_product_search_by_name_code_and_barcode(stack):
    _daemon, bo, client = stack
    client.post("/v1/sync", json={"streams": ["products"], "wait": True})
    product = next(p for p in bo.products() if p["barcodes"])
    assert client.get("/v1/products", params={"q": product["code"]})["items"][0]["code"] == product["code"]
    assert (
        client.get("/v1/products", params={"q": product["barcodes"][0]})["items"][0]["code"]
        == product["code"]
    )
    word = product["name"].split()[0]
    assert product["code"] in [
        p["code"] for p in client.get("/v1/products", params={"q": word, "limit": 1000})["items"]
    ]
    found = client.get("/v1/products", params={"q": word[:3].swapcase(), "limit": 1000})["items"]
    assert product["code"] in [p["code"] for p in found]  # a name's prefix in any case
    middle = product["name"].split()[-1]
    assert product["code"] in [  # and, after the prefixes, a word inside the name
        p["code"] for p in client.get("/v1/products", params={"q": middle, "limit": 1000})["items"]
    ]


def test_local_edits_are_refused_while_product_sync_is_on(stack):
    _daemon, bo, client = stack
    body = {"code": "LOCAL-9", "name": "Свой товар", "price": 1000, "tax": "vat20"}
    with pytest.raises(DaemonError) as caught:
        client.post("/v1/products", json=body)
    assert caught.value.code == "product_sync_on" and "product sync" in caught.value.message
    client.put("/v1/sync/settings", json={"product_sync": False})
    assert client.post("/v1/products", json=body)["origin"] == "local"
    changed = client.put("/v1/products/LOCAL-9", json={**body, "price": 1200, "barcodes": ["2000000000091"]})
    assert changed["price"] == 1200 and changed["barcodes"] == ["2000000000091"]
    client.post("/v1/sync", json={"streams": ["products"], "wait": True})
    backoffice_code = bo.products()[0]["code"]
    with pytest.raises(DaemonError) as caught:
        client.delete(f"/v1/products/{backoffice_code}")
    assert caught.value.code == "product_from_backoffice"
    settings = client.put("/v1/sync/settings", json={"product_sync": True})
    assert settings["confirmation"]["local_products"]["count"] == 1
    assert client.post("/v1/sync/confirm", json={"accept": True})["deleted"]["local_products"] == 1
    assert client.get("/v1/products", params={"q": "LOCAL-9"})["items"] == []
    with pytest.raises(DaemonError) as caught:
        client.post("/v1/sync/confirm", json={"accept": True})
    assert caught.value.code == "nothing_to_confirm"


def test_a_search_for_percent_or_underscore_finds_them_not_everything(stack):
    """SQL's LIKE wildcards typed into the search box are the characters themselves."""
    _daemon, bo, client = stack
    bo.upsert_product(code="CHOC_70", name="Шоколад горький 70% какао", price=15990)
    client.post("/v1/sync", json={"streams": ["products"], "wait": True})
    for typed in ["%", "70%", "_", "C_7", "%_%", "1_"]:
        found = client.get("/v1/products", params={"q": typed, "limit": 1000})["items"]
        strays = [
            p["code"] for p in found if typed.casefold() not in (p["name"] + " " + p["code"]).casefold()
        ]
        assert strays == [], typed
    assert [p["code"] for p in client.get("/v1/products", params={"q": "70%"})["items"]] == ["CHOC_70"]
    assert [p["code"] for p in client.get("/v1/products", params={"q": "c_7"})["items"]] == ["CHOC_70"]
    assert client.get("/v1/products", params={"q": "%%"})["items"] == []


def test_bad_interval_is_a_clear_validation_error(stack):
    _daemon, _bo, client = stack
    with pytest.raises(DaemonError) as caught:
        client.put("/v1/sync/settings", json={"products": 61})
    assert caught.value.status == 422 and "products" in caught.value.message


def test_login_with_a_synced_pin(stack):
    _daemon, bo, client = stack
    bo.upsert_employee(name="Кассир Тестовый", pin="2468", employee_id="emp-test")
    client.post("/v1/sync", json={"streams": ["employees"], "wait": True})
    assert client.post("/v1/login", json={"pin": "2468"})["employee"]["name"] == "Кассир Тестовый"
    with pytest.raises(DaemonError) as caught:
        client.post("/v1/login", json={"pin": "0001"})
    assert caught.value.code == "wrong_pin"


def test_a_sale_uploads_by_itself_and_documents_show_it(stack):
    _daemon, bo, client = stack
    product = unmarked(bo)[0]
    sale = client.post(
        "/v1/receipts",
        json={
            "uuid": str(uuidlib.uuid4()),
            "lines": [{"code": product["code"]}],
            "payments": [{"kind": "card"}],
        },
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        documents = client.get("/v1/documents")["items"]
        if any(d["uuid"] == sale["uuid"] and d["upload"] == "accepted" for d in documents):
            break
        time.sleep(0.2)
    else:
        pytest.fail(f"not uploaded: {documents}")
    assert sale["uuid"] in [d["uuid"] for d in bo.documents()]


def test_orders_fiscalize_once_and_foreign_currency_refused(stack):
    daemon, bo, client = stack
    product = unmarked(bo)[1]
    line = {"code": product["code"], "name": product["name"], "quantity": "1.000", "price": product["price"]}
    rub = bo.add_order(lines=[line])
    eur = bo.add_order(lines=[line], currency="EUR")
    declined = bo.add_order(lines=[line])
    client.post("/v1/sync", json={"streams": ["orders"], "wait": True})
    orders = {o["remote_id"]: o for o in client.get("/v1/orders")["items"]}
    assert orders[eur]["status"] == "unsupported" and "EUR" in orders[eur]["reason"]
    with pytest.raises(DaemonError) as caught:
        client.post(f"/v1/orders/{orders[eur]['id']}/fiscalize", json={"pay": "card"})
    assert caught.value.code == "order_currency" and "EUR" in caught.value.message
    client.post(f"/v1/orders/{orders[declined]['id']}/reject", json={"reason": "out of stock"})
    with pytest.raises(DaemonError) as caught:
        client.post(f"/v1/orders/{orders[declined]['id']}/fiscalize", json={"pay": "card"})
    assert caught.value.code == "order_not_waiting"
    result = run_kassa("orders", "fiscalize", str(orders[rub]["id"]), "--pay", "card", env=daemon.env)
    assert result.returncode == 0, result.stderr
    again = client.post(f"/v1/orders/{orders[rub]['id']}/fiscalize", json={"pay": "card"})
    assert again["replayed"] is True and again["order"]["status"] == "fiscalized"
    client.post("/v1/sync", json={"streams": ["receipts", "orders"], "wait": True})
    reported = {o["id"]: o["status"] for o in bo.orders()}
    assert reported[rub] == "fiscalized" and reported[declined] == "rejected"
    sales = [d for d in bo.documents() if (d["document"] or {}).get("order_id") == rub]
    assert len(sales) == 1
    listing = run_kassa("orders", env=daemon.env)
    assert listing.returncode == 0 and "fiscalized" in listing.stdout


def test_a_relayed_order_gives_the_buyer_an_e_receipt_and_names_a_business_buyer(stack, register):
    """Tag 1008 from the order's e-mail (else phone), and 1227/1228 when the order names an INN."""
    _daemon, bo, client = stack
    product = unmarked(bo)[2]
    line = {"code": product["code"], "name": product["name"], "quantity": "1.000", "price": product["price"]}
    b2b = bo.add_order(
        lines=[line],
        buyer={"name": "ООО «Ромашка»", "email": "", "phone": "+7 999 000-00-01", "inn": "7707083893"},
    )
    typo = bo.add_order(
        lines=[line], buyer={"name": "ООО Ошибка", "email": "", "phone": "", "inn": "7707083894"}
    )
    client.post("/v1/sync", json={"streams": ["orders"], "wait": True})
    orders = {o["remote_id"]: o for o in client.get("/v1/orders")["items"]}
    assert typo not in orders  # refused when stored, named in the sync's errors
    fiscalized = client.post(f"/v1/orders/{orders[b2b]['id']}/fiscalize", json={"pay": "card"})
    tags = next(doc for doc in register.journal() if doc["fd"] == fiscalized["receipt"]["fd"])["tags"]
    assert tags["1008"] == "+79990000001"
    assert (tags["1227"], tags["1228"]) == ('ООО "Ромашка"', "7707083893")
