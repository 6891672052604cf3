"""Orders of every source settled at the register and seen from the back office, as the accountant
meets them: the emulated register on a pty, the reference back office and the fake Allegro over HTTP
on loopback, `kassa run`, and the CLI by subprocess. A PLN shop, as Allegro sells in PLN."""

from __future__ import annotations

import json
import subprocess
import time
import zlib

import pytest

from tests.conftest import KASSA, REPO
from tests.fixtures.allegro import allegro_config, fake_allegro
from tests.fixtures.backoffice import backoffice_server
from tests.fixtures.daemon import running_daemon
from tests.fixtures.kkt import kkt_config, kkt_emulator
from tests.sync.harness import wait_register_ready

pytestmark = pytest.mark.slow


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
    base = tmp_path_factory.mktemp("orders")
    with (
        fake_allegro() as fake,
        kkt_emulator(base) as kkt,
        backoffice_server(base, products=0, employees=1) as office,
        running_daemon(base, config=kkt_config(kkt) + allegro_config(fake)) as daemon,
    ):
        office.upsert_product(code="KUBEK-1", name="Kubek", price=1250)
        office.upsert_product(code="GRATIS-1", name="Próbka", price=0)
        with daemon.client(timeout=60) as client:
            wait_register_ready(client)
            client.put(
                "/v1/sync/settings", json={"products": "never", "employees": "never", "orders": "never"}
            )
            client.post("/v1/pairing", json={"code": office.code(), "backoffice_url": office.url})
            client.post("/v1/sync", json={"streams": ["products"], "wait": True})
        yield {"fake": fake, "kkt": kkt, "office": office, "daemon": daemon}


def kassa(stack, *args: str, lang: str = "en", timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**stack["daemon"].env, "LANG": "ru_RU.UTF-8" if lang == "ru" else "C.UTF-8", "LC_ALL": ""}
    env.pop("LANGUAGE", None)
    return subprocess.run(
        [*KASSA, *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout
    )  # fmt: skip


def order_of(client, remote_id: str) -> dict:
    return next(item for item in client.get("/v1/orders")["items"] if item["remote_id"] == remote_id)


def connect_allegro(stack, login: str) -> None:
    fake = stack["fake"]
    with stack["daemon"].client() as client:
        flow = client.post("/v1/marketplace/accounts", json={"name": login})
        assert fake.decide(flow["user_code"], True, login)
        wait_for(
            lambda: client.get(f"/v1/marketplace/connect/{flow['id']}")["state"] == "connected",
            what="the account connected",
        )


def test_an_allegro_receipt_reaches_the_back_office_linked_to_its_order(stack):
    fake, office = stack["fake"], stack["office"]
    connect_allegro(stack, "sklep")
    form = fake.add_order("sklep", lines=[("KUBEK-1", "Kubek", 2, "12.50")])
    with stack["daemon"].client() as client:
        client.post("/v1/marketplace/import", json={})
        order = order_of(client, form)
    assert order["status"] == "waiting"

    fiscalized = kassa(stack, "orders", "fiscalize", str(order["id"]))
    assert fiscalized.returncode == 0, fiscalized.stderr
    synced = kassa(stack, "sync", "--stream", "receipts", "--wait")
    assert synced.returncode == 0, synced.stderr

    link = {"source": "allegro", "account": str(zlib.crc32(b"sklep")), "external_id": form}
    sales = [entry for entry in office.documents() if entry["type"] == "sale"]
    assert [entry["status"] for entry in sales] == ["accepted"]
    assert sales[0]["order"] == link and sales[0]["document"]["order"] == link
    assert sales[0]["document"]["order_id"] is None  # the back office relayed no order of that id
    assert sales[0]["document"]["total"] == 2500

    # the back office's own CLI lists the order's documents by its Allegro id
    listed = subprocess.run(
        [*KASSA, "backoffice", "documents", "--db", str(office.db), "--order", form],
        cwd=REPO, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    assert [entry["uuid"] for entry in json.loads(listed.stdout)] == [sales[0]["uuid"]]
    assert fake.fulfillments[-1] == (form, "PROCESSING")


def test_a_relayed_order_links_its_receipt_as_before_and_by_the_new_field(stack):
    office = stack["office"]
    relayed = office.add_order(lines=[{"code": "KUBEK-1", "name": "Kubek", "quantity": 1, "price": 1250}],
                               currency="PLN", marketplace="ozon")  # fmt: skip
    with stack["daemon"].client(timeout=120) as client:
        client.post("/v1/sync", json={"streams": ["orders"], "wait": True})
        order = order_of(client, relayed)
        client.post(f"/v1/orders/{order['id']}/fiscalize", json={})
        client.post("/v1/sync", json={"streams": ["receipts", "orders"], "wait": True})
    entry = next(e for e in office.documents() if (e["order"] or {}).get("external_id") == relayed)
    assert entry["order"] == {"source": "backoffice", "account": None, "external_id": relayed}
    assert entry["document"]["order_id"] == relayed
    bo_order = next(o for o in office.orders() if o["id"] == relayed)
    assert bo_order["status"] == "fiscalized" and bo_order["receipt_uuid"] == entry["uuid"]
