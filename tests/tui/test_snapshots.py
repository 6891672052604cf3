"""SVG snapshots of the main screens in Russian and English, at 80×24 and 120×40.

They check layout, so they render on the in-memory daemon with fixed data and a fixed clock
(tests/tui/fake_api.py); update with ``pytest tests/tui --snapshot-update`` and look at the SVGs.
"""

from __future__ import annotations

import pytest

from agent.client import DaemonError
from agent.i18n import set_language
from tests.tui.fake_api import EMPLOYEES, FakeApi, FakeDaemon, catalog_product
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


async def focused(pilot, widget_id: str) -> None:
    """Wait until focus is back on a widget: a busy machine restores it after the dialog's frame."""
    for _ in range(200):
        widget = pilot.app.focused
        if widget is not None and widget.id == widget_id:
            widget.cursor_blink = False  # a blinking cursor is drawn or not by the clock
            await pilot.pause()
            return
        await pilot.pause(0.01)
    raise AssertionError(f"focus never came back to #{widget_id}")


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


class MarkupNamesDaemon(FakeDaemon):
    """Products whose names look like Rich markup: they must show exactly as written."""

    EXTRA = (
        catalog_product(21, "JUICE-1", "Сок [new]", 12000, ["4600000000109"]),
        catalog_product(22, "ODD-1", "[/] [bold]Товар[/bold]", 500, ["4600000000116"]),
    )

    def answer(self, method, path, body, params):
        if (method, path) == ("GET", "/v1/products") and params.get("q") in (
            "4600000000109",
            "4600000000116",
        ):
            found = [p for p in self.EXTRA if params["q"] in p["barcodes"]]
            return {"items": found, "total": len(found), "product_sync": True}
        if (method, path) == ("POST", "/v1/receipts"):
            raise DaemonError(
                "store_failed_after_fiscalizing",
                "касса пробила документ, но журнал не смог его записать",
                507,
                outcome_unknown=True,
            )
        return super().answer(method, path, body, params)


async def open_sale(pilot) -> None:
    """A cart with markup-like names whose payment may have been printed: it stays, F10 finishes it."""
    await settle(pilot)
    await pilot.press(*"4600000000109", "enter", *"4600000000116", "enter")
    await settle(pilot)
    await pilot.press("f10")
    await settle(pilot)
    await pilot.press("enter")  # pay the total in cash
    await settle(pilot)
    await pilot.press("escape")  # not now: the cart stays with its uuid
    await settle(pilot)
    await focused(pilot, "search")


@pytest.mark.parametrize("size", SIZES)
def test_an_open_sale_with_markup_names(snap_compare, russian, size):
    app = KassaApp(FakeApi(MarkupNamesDaemon()), employee=EMPLOYEES["2222"], poll_seconds=0)
    assert snap_compare(app, terminal_size=SIZES[size], run_before=open_sale)


class UnmatchedDaemon(FakeDaemon):
    """The waiting order's line has a SKU no product of the register has."""

    def __init__(self) -> None:
        super().__init__()
        order = self.orders[0]
        order["lines"] = [{**order["lines"][0], "code": None, "sku": "CHLEB-[500]"}]
        order["unmatched"] = [1]
        order["reason"] = (
            "заказ 1: строки 1 не соответствуют ни одному товару кассы: выберите товар для каждой"
        )


async def marketplace_accounts(pilot) -> None:
    await settle(pilot)
    await pilot.press("f5")
    await settle(pilot)
    await pilot.press("ctrl+a")
    await settle(pilot)


async def account_to_reconnect(pilot) -> None:
    await marketplace_accounts(pilot)
    await pilot.press("down")
    await settle(pilot)


async def connect_account(pilot) -> None:
    await marketplace_accounts(pilot)
    await pilot.press("f8")
    await settle(pilot)


async def account_settings(pilot) -> None:
    await account_to_reconnect(pilot)
    await pilot.press("f9")
    await settle(pilot)


async def pick_product(pilot) -> None:
    await settle(pilot)
    await pilot.press("f5")
    await settle(pilot)
    await pilot.press("f11")
    await settle(pilot)
    await pilot.press(*"хлеб")
    await settle(pilot)


MARKETPLACE = {
    "accounts": account_to_reconnect,
    "connect": connect_account,
    "settings": account_settings,
    "pick": pick_product,
}


@pytest.mark.parametrize(
    ("screen", "lang"),
    [
        ("accounts", "ru"),
        ("accounts", "en"),
        ("connect", "ru"),
        ("connect", "en"),
        ("settings", "ru"),
        ("pick", "ru"),
    ],
)
def test_marketplace_accounts_layout(snap_compare, screen, lang):
    """An administrator's accounts (one connected, one to re-connect), the device-flow dialog, an
    account's settings, and picking the product of an order line that matches none."""
    set_language(lang)
    try:
        app = KassaApp(FakeApi(UnmatchedDaemon()), employee=EMPLOYEES["1111"], poll_seconds=0)
        assert snap_compare(app, terminal_size=SIZES["80x24"], run_before=MARKETPLACE[screen])
    finally:
        set_language("en")
