"""Sums and quantities the cashier types (or a scanner sends into a focused field) are plain decimal
numbers: "nan", "inf" and "1e30" made the TUI's readers raise InvalidOperation out of the payment
screen's recompute on every keystroke and out of the quantity dialog's check, which ended the app;
other scripts' digits ("١٢") and Python's grouping ("1_000") were read as numbers. Each is refused in
words, and the cart and the daemon never see it."""

from __future__ import annotations

import pytest

from tests.tui.fake_api import EMPLOYEES, FakeApi, FakeDaemon
from tui.app import KassaApp
from tui.screens.dialogs import PromptScreen
from tui.screens.payment import PaymentScreen

pytestmark = pytest.mark.anyio

HOSTILE = ["nan", "inf", "1e30", "١٢", "1_000"]


async def settle(pilot, seconds: float = 0.05) -> None:
    await pilot.pause(seconds)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def shown(app) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_a_quantity_or_a_sum_that_is_no_plain_number_is_refused_in_words(english):
    daemon = FakeDaemon()
    app = KassaApp(FakeApi(daemon), employee=EMPLOYEES["2222"], poll_seconds=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(*"4600000000017", "enter")
        await settle(pilot)
        sale = app.screen
        for text in HOSTILE:
            await pilot.press("f8")
            await settle(pilot)
            assert isinstance(app.screen, PromptScreen)
            await pilot.press("ctrl+u", *text, "enter")
            await settle(pilot)
            assert app.is_running and isinstance(app.screen, PromptScreen), text
            assert "Enter a quantity, e.g. 2 or 0.350" in shown(app), text
            await pilot.press("escape")
            await settle(pilot)
            assert str(sale.cart.lines[0].quantity) == "1.000"

        await pilot.press("f10")
        await settle(pilot)
        assert isinstance(app.screen, PaymentScreen)
        for text in HOSTILE:
            await pilot.press("ctrl+u", *text)
            await settle(pilot)
            assert app.is_running and isinstance(app.screen, PaymentScreen), text
            assert "Enter sums like 500 or 500.50" in shown(app), text
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, PaymentScreen), text
        assert not [call for call in daemon.calls if call[1] == "/v1/receipts"]
        await pilot.press("ctrl+u", *"100", "enter")
        await settle(pilot)
        body = next(call[2] for call in daemon.calls if call[1] == "/v1/receipts")
        assert body["payments"] == [{"kind": "cash", "amount": 10000}]
