"""The cashier fiscalizes a marketplace order of marked goods from the orders screen, against the real
parts (`kassa run`, the fake Allegro, the KKT emulator, the fake marking system): F8 asks for the
code of each unit, each scan is checked by the daemon as a sale's is, and the order's receipt
carries the codes into the FN."""

from __future__ import annotations

import pytest

from agent.pin_hash import hash_pin
from agent.store import open_store
from agent.store.models import Employee
from sim.kkt.marks import issue
from tests.fixtures.pilot import text, until
from tests.marketplace.test_marked_orders import (
    MILK_GTIN,
    SHOES_GTIN,
    connect,
    imported,
    marked_order_stack,
)
from tests.tui.test_marketplace_tui import logged_in
from tests.tui.test_marks import scan
from tui.api import KassaApi
from tui.app import KassaApp
from tui.screens.mark_scan import OrderMarkScanScreen
from tui.screens.orders import OrdersScreen

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

CASHIER = "2222"


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with marked_order_stack(tmp_path_factory.mktemp("tui-marked-order")) as parts:
        store = open_store(parts["daemon"].state_dir, migrate=False)
        with store.write() as session:
            session.add(Employee(name="Петров", role="cashier", pin_hash=hash_pin(CASHIER)))
        store.close()
        yield parts


def prompt(app) -> str:
    return text(app, "#prompt-error")


async def test_the_cashier_scans_each_unit_of_the_order_then_it_is_fiscalized_with_the_codes(stack, english):
    fake, kkt, daemon = stack["fake"], stack["kkt"], stack["daemon"]
    with daemon.client() as client:
        connect(client, fake, "mleczarnia")
        form = fake.add_order("mleczarnia", lines=[("MILK-M", "Mleko", 2, "4.50")])
        imported(client, form)
    codes = [issue(MILK_GTIN), issue(MILK_GTIN)]
    receipts = len(kkt.receipts())
    app = KassaApp(KassaApi(daemon.socket, language="en"), poll_seconds=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await logged_in(app, pilot, CASHIER)
        await pilot.press("f5")
        await until(pilot, lambda: isinstance(app.screen, OrdersScreen))
        await until(pilot, lambda: any(o["remote_id"] == form for o in app.screen.orders), what="the order")
        detail = text(app, "#order-detail")
        assert "marked goods: 2 codes to scan" in detail and "scan the marking codes of 2 items" in detail

        # Esc calls it off: nothing is fiscalized, the order keeps waiting
        await pilot.press("f8")
        await until(pilot, lambda: isinstance(app.screen, OrderMarkScanScreen), what="the scan dialog")
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, OrdersScreen))
        assert len(kkt.receipts()) == receipts

        await pilot.press("f8")
        await until(pilot, lambda: isinstance(app.screen, OrderMarkScanScreen), what="the scan dialog")
        dialog = app.screen
        assert "“Молоко”: scan the code of each unit (0 of 2)" in text(app, "#mark-progress")
        scan(app, issue(SHOES_GTIN, "shoes"))  # a pack of another product
        await until(pilot, lambda: "another product" in prompt(app), what="another product refused")
        scan(app, issue(MILK_GTIN, forged=True))
        await until(pilot, lambda: "do not sell" in prompt(app), what="a forged code refused")
        scan(app, codes[0])
        await until(pilot, lambda: "(1 of 2)" in text(app, "#mark-progress"), what="the first unit")
        assert "may be sold" in text(app, "#mark-note")
        scan(app, codes[0])  # the same pack again
        await until(pilot, lambda: "already scanned" in prompt(app), what="the same pack refused")
        assert dialog.codes == [codes[0]]
        scan(app, codes[1])
        await until(pilot, lambda: isinstance(app.screen, OrdersScreen), what="the dialog closed")
        await until(
            pilot,
            lambda: any(o["remote_id"] == form and o["status"] == "fiscalized" for o in app.screen.orders),
            what="the order fiscalized",
        )
    fiscal = kkt.receipts()[receipts:]
    assert len(fiscal) == 1 and fiscal[0]["total"] == 900
    fn_doc = next(doc for doc in kkt.journal() if doc["fd"] == fiscal[0]["fd"])
    assert [item["mark"]["code"] for item in fn_doc["items"] if item.get("mark")] == codes
