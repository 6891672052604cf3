"""A new register's first exchange brings the marketplace orders and the catalog at once; an order
stored before its goods is fiscalized by F8 on the orders screen once the goods are there, the key
pressed as soon as the list is shown. Against `kassa run`, the reference back office and the KKT
emulator, with the exchange's order forced: orders first, then the catalog."""

from __future__ import annotations

import pytest

from tests.fixtures.backoffice import backoffice_server
from tests.fixtures.daemon import running_daemon
from tests.fixtures.kkt import kkt_config, kkt_emulator
from tests.fixtures.pilot import logged_in, text, until
from tui.api import KassaApi
from tui.app import KassaApp

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


@pytest.fixture
def anyio_backend():
    return "asyncio"


def synced(client, stream: str) -> None:
    results = client.post("/v1/sync", json={"streams": [stream]})["results"]
    assert all(result.get("ok", True) for result in results), results


def paired_orders_first(daemon, office) -> None:
    """Paired, then the orders exchanged before the catalog (each stream run by hand)."""
    with daemon.client() as client:
        client.put("/v1/sync/settings", json={"products": "never", "employees": "never", "orders": "never"})
        client.post("/v1/pairing", json={"code": office.code()})
        synced(client, "orders")
        assert all(order["unmatched"] for order in client.get("/v1/orders")["items"])  # no goods yet
        synced(client, "employees")
        synced(client, "products")
        client.post("/v1/shift/open", json={})


async def test_an_order_relayed_before_its_goods_is_fiscalized_by_f8_once_they_came(tmp_path, english):
    with kkt_emulator(tmp_path) as kkt, backoffice_server(tmp_path, products=12, orders=2) as office:
        config = kkt_config(kkt) + f'\n[backoffice]\nurl = "{office.url}"\n'
        with running_daemon(tmp_path, config=config) as daemon:
            await fiscalized_at_once(kkt, daemon, office)


async def fiscalized_at_once(kkt, daemon, office) -> None:
    """F8 pressed the moment the orders list is shown fiscalizes the first order."""
    paired_orders_first(daemon, office)
    app = KassaApp(KassaApi(daemon.socket, language="en"), poll_seconds=1)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.3)
        await logged_in(pilot, "2222")
        await pilot.press("f5")
        await until(pilot, lambda: app.screen.orders, what="relayed orders")
        first = app.screen.orders[0]
        assert first["status"] == "waiting" and not first["unmatched"], first
        await pilot.press("f8")  # at once
        await until(
            pilot,
            lambda: app.screen.orders and app.screen.orders[0]["status"] == "fiscalized",
            what="fiscalized order",
        )
        assert "Receipt: FD" in text(app, "#order-detail")
    assert kkt.receipts()[-1]["total"] == first["total"]
