"""An administrator's actions at the register against the real parts (`kassa run`, the KKT emulator on
a pty, the reference back office over HTTP), in Russian: a correction receipt, and a product added
while product sync is off. A cashier is not offered either."""

from __future__ import annotations

import contextlib
import json

import pytest

from agent.store import DATABASE_NAME, Store
from agent.store.models import Barcode, Product
from sim.kkt.marks import issue
from tests.conftest import uid
from tests.fixtures.backoffice import backoffice_server
from tests.fixtures.daemon import running_daemon
from tests.fixtures.kkt import kkt_config, kkt_emulator
from tests.fixtures.pilot import click, text, until
from tests.sync.harness import wait_register_ready
from tests.tui.test_marks import scan
from tui.api import KassaApi
from tui.app import KassaApp
from tui.screens.correction import CorrectionScreen
from tui.screens.dialogs import ConfirmScreen
from tui.screens.product import ProductScreen

pytestmark = [pytest.mark.anyio, pytest.mark.slow]
ADMIN_PIN, CASHIER_PIN = "1111", "2222"  # the reference back office's seed


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    base = tmp_path_factory.mktemp("tui-admin")
    with (
        kkt_emulator(base) as kkt,
        backoffice_server(base, products=5, employees=2) as office,
        running_daemon(base, config=kkt_config(kkt)) as daemon,
    ):
        client = daemon.client(timeout=120)
        wait_register_ready(client)
        client.post("/v1/pairing", json={"code": office.code(), "backoffice_url": office.url})
        client.post("/v1/sync", json={"streams": ["employees", "products"]})
        yield {"kkt": kkt, "office": office, "daemon": daemon, "client": client}


async def logged_in(pilot, app, pin: str) -> None:
    await until(pilot, lambda: app.screen.query("#pin"), what="the login screen")
    await pilot.pause(0.3)
    await pilot.press(*pin, "enter")
    await until(pilot, lambda: app.current_mode == "sale", what="login")


def app_for(stack) -> KassaApp:
    return KassaApp(KassaApi(stack["daemon"].socket, language="ru"), poll_seconds=1)


def fill(screen, **values: str) -> None:
    for key, value in values.items():
        screen.query_one(f"#{key}").value = value


async def test_an_administrator_makes_a_correction_receipt_by_order(stack, russian):
    kkt = stack["kkt"]
    app = app_for(stack)
    async with app.run_test(size=(80, 24)) as pilot:
        await logged_in(pilot, app, ADMIN_PIN)
        await pilot.press("f3")
        await until(pilot, lambda: app.screen.query("#receipts"), what="receipts")
        await pilot.press("ctrl+k")
        await until(pilot, lambda: isinstance(app.screen, CorrectionScreen), what="the correction dialog")
        dialog = app.screen
        fill(dialog, basis="order", date="20.11.2026", reason="продажа при неработающей кассе")
        fill(dialog, name="Хлеб", amount="49,90")
        await click(pilot, "#yes")
        await until(pilot, lambda: "номер предписания" in text(app, "#correction-error"), what="refusal")
        assert isinstance(app.screen, CorrectionScreen) and not kkt.journal()[1:]
        fill(dialog, number="12-34/5", payment="card")
        await click(pilot, "#yes")
        await until(pilot, lambda: not isinstance(app.screen, CorrectionScreen), what="the dialog closes")
        await until(pilot, lambda: [d for d in kkt.journal() if d["type"] == "correction"], what="the FN")
        await until(pilot, lambda: "коррекция" in text(app, "#receipt-detail"), what="the new receipt")
        detail = text(app, "#receipt-detail")
        assert "Коррекция за 20.11.2026 (по предписанию налогового органа 12-34/5)" in detail, detail
        assert "продажа при неработающей кассе" in detail and "ИТОГ: 49.90" in detail, detail
    (on_fn,) = [doc for doc in kkt.journal() if doc["type"] == "correction"]
    assert on_fn["total"] == 4990 and on_fn["tags"]["1173"] == "1"
    assert json.loads(on_fn["tags"]["1174"]) == {"1178": "2026-11-20", "1179": "12-34/5"}


async def test_a_cashier_is_not_offered_a_correction(stack, russian):
    app = app_for(stack)
    async with app.run_test(size=(80, 24)) as pilot:
        await logged_in(pilot, app, CASHIER_PIN)
        await pilot.press("f3")
        await until(pilot, lambda: app.screen.query("#receipts"), what="receipts")
        assert not app.screen.may("correction")
        await pilot.press("ctrl+k")
        await pilot.pause(0.5)
        assert not isinstance(app.screen, CorrectionScreen)


async def test_a_product_is_added_only_while_product_sync_is_off(stack, russian):
    client = stack["client"]
    app = app_for(stack)
    async with app.run_test(size=(120, 40)) as pilot:
        await logged_in(pilot, app, ADMIN_PIN)
        await pilot.press("f6")
        await until(pilot, lambda: app.screen.query("#add_product"), what="the connection screen")
        await until(pilot, lambda: app.screen.settings, what="the sync settings")
        await pilot.press("ctrl+n")  # sync is on: the manual's reason, no dialog
        await until(pilot, lambda: "Синхронизация товаров включена" in text(app, "#sync-result"))
        assert not isinstance(app.screen, ProductScreen)
    client.put("/v1/sync/settings", json={"product_sync": False})

    app = app_for(stack)
    async with app.run_test(size=(120, 40)) as pilot:
        await logged_in(pilot, app, ADMIN_PIN)
        await pilot.press("f6")
        await until(pilot, lambda: app.screen.settings.get("product_sync") is False, what="sync off")
        await click(pilot, "#add_product")
        await until(pilot, lambda: isinstance(app.screen, ProductScreen), what="the product dialog")
        fill(app.screen, code="LOCAL-7", name="Пирожок с капустой", price="45,50", barcode="4600000099993")
        await click(pilot, "#yes")
        await until(pilot, lambda: "ставку НДС" in text(app, "#product-error"), what="the VAT refusal")
        fill(app.screen, tax="none")
        await click(pilot, "#yes")
        await until(pilot, lambda: not isinstance(app.screen, ProductScreen), what="the dialog closes")
        await until(pilot, lambda: "Товар добавлен: Пирожок с капустой" in text(app, "#sync-result"))
    (product,) = client.get("/v1/products", params={"q": "LOCAL-7"})["items"]
    assert product["origin"] == "local" and product["price"] == 4550 and product["tax"] == "none"
    assert product["barcodes"] == ["4600000099993"]


async def test_a_cashier_is_not_offered_adding_a_product(stack, russian):
    app = app_for(stack)
    async with app.run_test(size=(120, 40)) as pilot:
        await logged_in(pilot, app, CASHIER_PIN)
        await pilot.press("f6")
        await until(pilot, lambda: app.screen.query("#add_product"), what="the connection screen")
        assert not app.screen.query_one("#add_product").display
        await pilot.press("ctrl+n")
        await pilot.pause(0.5)
        assert not isinstance(app.screen, ProductScreen)


async def test_a_cashier_is_told_who_may_close_a_shift_another_employee_opened(stack, russian):
    client, kkt = stack["client"], stack["kkt"]
    if not client.get("/v1/shift")["open"]:
        client.post("/v1/shift/open", json={"cashier": {"name": "Иванова Анна"}})
    app = app_for(stack)
    async with app.run_test(size=(80, 24)) as pilot:
        await logged_in(pilot, app, CASHIER_PIN)
        await pilot.press("f4")
        await until(pilot, lambda: "открыта" in text(app, "#shift-info"), what="the open shift")
        await until(pilot, lambda: "Открыл(а): Иванова Анна" in text(app, "#shift-totals"), what="opener")
        await pilot.press("f10")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the Z question")
        await click(pilot, "#yes")
        await until(pilot, lambda: "закрыть её может только" in text(app, "#shift-message"), what="refusal")
        assert "открыл(а) Иванова Анна" in text(app, "#shift-message")
    assert client.get("/v1/shift")["open"]
    assert not [doc for doc in kkt.journal() if doc["type"] == "shift_close"]


async def test_a_correction_of_a_marked_unit_carries_its_scanned_code(stack, russian):
    """The DataMatrix scanned into the dialog names the product, is checked as a sale's scan, and goes
    into the FN on the correction's position; a code of a unit sold already is refused in words."""
    kkt, daemon = stack["kkt"], stack["daemon"]
    with contextlib.closing(Store(daemon.state_dir / DATABASE_NAME)) as store, store.write() as session:
        product = Product(code="MILK-CM", name="Молоко маркированное", price=8990, tax="vat10",
                          marked=True, marking_group="milk")  # fmt: skip
        session.add(product)
        session.flush()
        session.add(Barcode(code="4607009780047", product_id=product.id))
    code, sold = issue("04607009780047"), issue("04607009780047")
    with daemon.client(timeout=120) as client:
        client.post(
            "/v1/receipts", json={"uuid": uid("tui-cm-sold"), "lines": [{"code": "MILK-CM", "marks": [sold]}]}
        )
    before = len([doc for doc in kkt.journal() if doc["type"] == "correction"])
    app = app_for(stack)
    async with app.run_test(size=(80, 24)) as pilot:
        await logged_in(pilot, app, ADMIN_PIN)
        await pilot.press("f3")
        await until(pilot, lambda: app.screen.query("#receipts"), what="receipts")
        await pilot.press("ctrl+k")
        await until(pilot, lambda: isinstance(app.screen, CorrectionScreen), what="the correction dialog")
        dialog = app.screen
        fill(dialog, reason="продажа при неработающей кассе", amount="89,90")
        dialog.query_one("#mark").focus()
        scan(app, sold)
        await until(pilot, lambda: dialog.query_one("#mark").value, what="the scanned code kept")
        await click(pilot, "#yes")
        await until(pilot, lambda: "уже продан" in text(app, "#correction-error"), what="a sold unit refused")
        dialog.query_one("#mark").value = ""
        dialog.query_one("#mark").focus()
        scan(app, code)
        await until(pilot, lambda: dialog.query_one("#mark").value, what="the scanned code kept")
        await click(pilot, "#yes")
        await until(pilot, lambda: not isinstance(app.screen, CorrectionScreen), what="the dialog closes")
        await until(
            pilot,
            lambda: len([d for d in kkt.journal() if d["type"] == "correction"]) > before,
            what="the correction on the FN",
        )
    on_fn = [doc for doc in kkt.journal() if doc["type"] == "correction"][-1]
    assert on_fn["total"] == 8990 and [item["mark"]["code"] for item in on_fn["items"]] == [code]
