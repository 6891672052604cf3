"""SVG snapshots of the main screens in Russian and English, at 80×24 and 120×40.

They check layout, so they render on the in-memory daemon with fixed data and a fixed clock
(tests/tui/fake_api.py); update with ``pytest tests/tui --snapshot-update`` and look at the SVGs.
"""

from __future__ import annotations

import pytest

from agent.i18n import set_language
from tests.tui.fake_api import EMPLOYEES, FakeApi, FakeDaemon
from tui.app import KassaApp

SIZES = {"80x24": (80, 24), "120x40": (120, 40)}
SALE_LINES = [
    {
        "code": "MILK-1L",
        "name": "Молоко 3,2% 1 л",
        "quantity": "2.000",
        "price": 8990,
        "discount": 0,
        "amount": 17980,
    },
    {
        "code": "BREAD-W",
        "name": "Хлеб белый",
        "quantity": "1.000",
        "price": 4500,
        "discount": 500,
        "amount": 4000,
    },
]


async def settle(pilot) -> None:
    await pilot.pause(0.05)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def fill_cart(pilot) -> None:
    await settle(pilot)
    await pilot.press(*"4600000000017", "enter")
    await settle(pilot)
    await pilot.press(*"4600000000017", "enter")
    await settle(pilot)
    await pilot.press(*"BREAD-W", "enter")
    await settle(pilot)


async def login(pilot) -> None:
    await settle(pilot)


async def sale(pilot) -> None:
    await fill_cart(pilot)


async def payment(pilot) -> None:
    await fill_cart(pilot)
    await pilot.press("f10")
    await settle(pilot)
    await pilot.press(*"300")
    await settle(pilot)


async def receipts(pilot) -> None:
    await settle(pilot)
    await pilot.press("f3")
    await settle(pilot)


async def connection(pilot) -> None:
    await settle(pilot)
    await pilot.press("f6")
    await settle(pilot)


SCREENS = {"login": login, "sale": sale, "payment": payment, "receipts": receipts, "connection": connection}


def make_app(screen: str) -> KassaApp:
    daemon = FakeDaemon()
    daemon.add_receipt(SALE_LINES, [{"kind": "cash", "amount": 25000}])
    daemon.status["queue"]["depth"] = 1
    employee = None if screen == "login" else EMPLOYEES["2222"]
    return KassaApp(FakeApi(daemon), employee=employee, poll_seconds=0)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("lang", ["ru", "en"])
@pytest.mark.parametrize("screen", SCREENS)
def test_screen_layout(snap_compare, screen, lang, size):
    set_language(lang)
    try:
        assert snap_compare(make_app(screen), terminal_size=SIZES[size], run_before=SCREENS[screen])
    finally:
        set_language("en")
