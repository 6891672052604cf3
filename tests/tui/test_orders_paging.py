"""The orders screen against a busy marketplace: no waiting order drops out of sight."""

from __future__ import annotations

import pytest

from tests.tui.fake_api import FakeDaemon
from tests.tui.test_register_flow import ADMIN, app_on, settle

pytestmark = pytest.mark.anyio


async def test_an_order_waiting_behind_many_newer_ones_is_on_the_orders_screen(english):
    daemon = FakeDaemon()
    oldest = daemon.orders[0]
    for number in range(2, 1202):  # a busy marketplace: 1,200 newer orders, all settled
        daemon.orders.append({**oldest, "id": number, "remote_id": f"A-{number}", "status": "settled"})
    app = app_on(daemon, ADMIN)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        shown = app.screen.orders
        assert len(shown) == 201 and shown[-1]["remote_id"] == "A-1001" and shown[-1]["status"] == "waiting"
