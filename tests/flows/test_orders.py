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
from tests.fixtures.pilot import click, logged_in, text, until
from tests.sync.harness import wait_register_ready
from tui.api import KassaApi
from tui.app import KassaApp
from tui.screens.login import LoginScreen
from tui.screens.orders import OrdersScreen
from tui.screens.pairing import SyncSettingsScreen

pytestmark = pytest.mark.slow


@pytest.fixture
def anyio_backend():
    return "asyncio"


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
        backoffice_server(base, products=0, employees=2) as office,
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
            client.post("/v1/sync", json={"streams": ["products", "employees"], "wait": True})
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
        if any(account["name"] == login for account in client.get("/v1/marketplace/accounts")["items"]):
            return
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


def zero_order(office, code: str = "GRATIS-1") -> str:
    line = {"code": code, "name": "Próbka", "quantity": 1, "price": 0}
    return office.add_order(lines=[line], currency="PLN", marketplace="ozon")


def test_zero_total_orders_are_settled_without_a_receipt_and_reported_by_default(stack):
    fake, office, kkt = stack["fake"], stack["office"], stack["kkt"]
    connect_allegro(stack, "sklep")
    receipts = len(kkt.receipts())
    relayed = zero_order(office)
    form = fake.add_order("sklep", lines=[("GRATIS-1", "Próbka", 1, "0.00")], paid=False)

    shown = kassa(stack, "sync", "settings")
    assert shown.returncode == 0 and "Zero-total orders: settled without a receipt" in shown.stdout
    synced = kassa(stack, "sync", "--stream", "orders", "--wait")
    assert synced.returncode == 0, synced.stderr
    imported = kassa(stack, "marketplace", "import")
    assert imported.returncode == 0, imported.stderr

    listed = json.loads(kassa(stack, "orders", "--json").stdout)
    by_remote = {order["remote_id"]: order for order in listed}
    for remote in (relayed, form):
        assert by_remote[remote]["status"] == "settled", by_remote[remote]
        assert by_remote[remote]["receipt_uuid"] is None
        assert "settled without a receipt" in by_remote[remote]["reason"]
    ru = kassa(stack, "orders", lang="ru")
    assert "закрыт без чека" in ru.stdout and "нулевая сумма" in ru.stdout, ru.stdout
    assert len(kkt.receipts()) == receipts  # the register was never asked for a zero-total receipt

    # the sources hear of it: the back office's order is settled, Allegro's is being processed
    wait_for(lambda: next(o for o in office.orders() if o["id"] == relayed)["status"] == "settled",
             what="the back office told")  # fmt: skip
    settled = next(o for o in office.orders() if o["id"] == relayed)
    assert settled["receipt_uuid"] is None and "zero total" in settled["reason"]
    wait_for(lambda: (form, "PROCESSING") in fake.fulfillments, what="Allegro told")
    again = kassa(stack, "orders", "fiscalize", str(by_remote[relayed]["id"]))
    assert again.returncode == 0 and "settled without a receipt" in again.stdout
    refused = kassa(stack, "orders", "reject", str(by_remote[relayed]["id"]), lang="ru")
    assert refused.returncode != 0 and "уже закрыт без чека" in refused.stderr


def test_held_zero_total_orders_wait_for_the_cashier_who_settles_or_rejects_them(stack):
    office, kkt, daemon = stack["office"], stack["kkt"], stack["daemon"]
    # the setting is an administrator's: a cashier is refused, in words
    with daemon.http() as http:
        token = http.post("/v1/login", json={"pin": "2222"}).json()["token"]
        answer = http.put("/v1/sync/settings", json={"zero_total_orders": "hold"},
                          headers={"Authorization": f"Bearer {token}", "Accept-Language": "ru"})  # fmt: skip
        assert answer.status_code == 403 and "администратор" in answer.json()["error"]["message"]
    bad = kassa(stack, "sync", "settings", "--zero-total-orders", "later")
    assert bad.returncode == 2 and "later" in bad.stderr

    changed = kassa(stack, "sync", "settings", "--zero-total-orders", "hold", lang="ru")
    assert changed.returncode == 0, changed.stderr
    assert "Заказы с нулевой суммой: ждут решения кассира" in changed.stdout
    with daemon.client() as client:
        assert client.get("/v1/sync/settings")["zero_total_orders"] == "hold"

    receipts = len(kkt.receipts())
    kept, dropped = zero_order(office), zero_order(office)
    assert kassa(stack, "sync", "--stream", "orders", "--wait").returncode == 0
    listed = {order["remote_id"]: order for order in json.loads(kassa(stack, "orders", "--json").stdout)}
    assert listed[kept]["status"] == listed[dropped]["status"] == "waiting"
    ru = kassa(stack, "orders", lang="ru")
    assert "нулевая сумма: фискальный регистратор не пробивает по нему чек" in ru.stdout, ru.stdout
    assert [o["status"] for o in office.orders() if o["id"] in (kept, dropped)] == ["new", "new"]

    settled = kassa(stack, "orders", "fiscalize", str(listed[kept]["id"]), lang="ru")
    assert settled.returncode == 0 and "закрыт без чека" in settled.stdout, settled.stderr
    rejected = kassa(stack, "orders", "reject", str(listed[dropped]["id"]), "--reason", "brak")
    assert rejected.returncode == 0, rejected.stderr
    assert kassa(stack, "sync", "--stream", "orders", "--wait").returncode == 0
    states = {o["id"]: (o["status"], o["reason"]) for o in office.orders()}
    assert states[kept][0] == "settled" and states[dropped] == ("rejected", "brak")
    assert len(kkt.receipts()) == receipts

    # back to the default: a held order still waiting is settled at the next exchange
    waiting = zero_order(office)
    assert kassa(stack, "sync", "--stream", "orders", "--wait").returncode == 0
    assert kassa(stack, "sync", "settings", "--zero-total-orders", "settle").returncode == 0
    assert kassa(stack, "sync", "--stream", "orders", "--wait").returncode == 0
    wait_for(lambda: next(o for o in office.orders() if o["id"] == waiting)["status"] == "settled",
             what="the held order settled once the setting changed")  # fmt: skip


@pytest.mark.anyio
async def test_an_administrator_holds_zero_total_orders_in_the_tui_and_the_cashier_settles_one(
    stack, russian
):
    office, daemon = stack["office"], stack["daemon"]
    app = KassaApp(KassaApi(daemon.socket, language="ru"), poll_seconds=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, LoginScreen), what="the login screen")
        await logged_in(pilot, "1111")
        await pilot.press("f6", "f9")
        await until(pilot, lambda: isinstance(app.screen, SyncSettingsScreen), what="the exchange settings")
        dialog = app.screen
        labels = [str(label.render()) for label in dialog.query("#settings-grid Label")]
        assert "Нулевые заказы" in labels
        choice = dialog.query_one("#zero_total_orders")
        current = choice.query_one("SelectCurrent").label
        assert choice.value == "settle" and "Закрывать без чека" in str(current)
        dialog.query_one("#zero_total_orders").value = "hold"
        await click(pilot, "#yes")
        await until(pilot, lambda: not isinstance(app.screen, SyncSettingsScreen), what="saved")
        with daemon.client() as client:
            assert client.get("/v1/sync/settings")["zero_total_orders"] == "hold"

        held = zero_order(office)
        with daemon.client(timeout=120) as client:
            client.post("/v1/sync", json={"streams": ["orders"], "wait": True})
        await pilot.press("f5")
        await until(pilot, lambda: isinstance(app.screen, OrdersScreen), what="the orders screen")
        screen = app.screen
        await until(pilot, lambda: any(o["remote_id"] == held for o in screen.orders), what="the held order")
        table = screen.query_one("#orders")
        table.move_cursor(row=next(i for i, o in enumerate(screen.orders) if o["remote_id"] == held))
        await until(pilot, lambda: held in text(app, "#order-detail"), what="its detail")
        detail = text(app, "#order-detail")
        assert "нулевая сумма: фискальный регистратор не пробивает по нему чек" in detail
        assert "ожидает" in str(table.get_row_at(table.cursor_row))
        await pilot.press("f8")
        await until(
            pilot,
            lambda: next(o for o in screen.orders if o["remote_id"] == held)["status"] == "settled",
            what="settled",
        )
        assert "закрыт без чека" in text(app, "#order-detail")
    with daemon.client(timeout=120) as client:
        client.put("/v1/sync/settings", json={"zero_total_orders": "settle"})
        client.post("/v1/sync", json={"streams": ["orders"], "wait": True})
    assert next(o for o in office.orders() if o["id"] == held)["status"] == "settled"
