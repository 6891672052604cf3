"""Marked goods on the sale screen: a DataMatrix scan (GS as Ctrl+] or the configured substitute),
a marked product added without its code asks for one, and every check result is said in words."""

from __future__ import annotations

from decimal import Decimal

import pytest
from textual import events

from tests.tui import fake_api
from tests.tui.fake_api import EMPLOYEES, FakeApi, FakeDaemon, catalog_product
from tests.tui.test_scans import until_looked_up
from tui.app import KassaApp

CASHIER = EMPLOYEES["2222"]
KEFIR_EAN = "4607009780047"
GS = "\x1d"


def code(serial: str = "5jX6ng", tail: str = "H2kk") -> str:
    return f"01{KEFIR_EAN.zfill(14)}21{serial}{GS}93{tail}"


@pytest.fixture
def kefir(monkeypatch):
    product = catalog_product(9, "KEFIR-M", "Кефир [b]маркированный[/b]", 7490, [KEFIR_EAN], marking="milk")
    monkeypatch.setattr(fake_api, "PRODUCTS", [*fake_api.PRODUCTS, product])
    return product


def app_on(daemon: FakeDaemon, substitutes: tuple[str, ...] = ()) -> KassaApp:
    api = FakeApi(daemon)
    api.mark_substitutes = substitutes
    return KassaApp(api, employee=CASHIER, poll_seconds=0)


def scan(app: KassaApp, text: str) -> None:
    """A keyboard-mode scanner: GS arrives as Ctrl+] (the terminal's 0x1D), then Enter."""
    for char in text:
        if char == GS:
            app.post_message(events.Key("ctrl+right_square_bracket", GS))
        else:
            app.post_message(events.Key(char, char))
    app.post_message(events.Key("enter", "\r"))


def message(sale) -> str:
    return str(sale.query_one("#sale-message").render())


@pytest.mark.anyio
async def test_a_datamatrix_scan_adds_its_product_with_the_code_and_says_it_is_valid(english, kefir):
    daemon = FakeDaemon()
    app = app_on(daemon)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.1)
        sale = app.screen
        scan(app, code())
        await until_looked_up(pilot)
        assert [(line.code, line.quantity, line.marks) for line in sale.cart.lines] == [
            ("KEFIR-M", Decimal("1.000"), [code()])
        ]
        assert "may be sold" in message(sale)
        scan(app, code())  # the same pack again
        await until_looked_up(pilot)
        assert sale.cart.lines[0].quantity == Decimal("1.000") and "already in the cart" in message(sale)
        scan(app, code("7kY2ab"))
        await until_looked_up(pilot)
        assert sale.cart.lines[0].quantity == Decimal("2.000") and len(sale.cart.lines[0].marks) == 2
        await pilot.press("f10")
        await pilot.pause(0.2)
        await pilot.press("enter")
        await until_looked_up(pilot)
        sold = next(body for method, path, body in daemon.calls if path == "/v1/receipts")
        assert sold["lines"][0]["marks"] == [code(), code("7kY2ab")]


@pytest.mark.anyio
async def test_a_marked_product_without_its_code_asks_for_the_code(english, kefir):
    app = app_on(FakeDaemon(), substitutes=("~",))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.1)
        sale = app.screen
        scan(app, KEFIR_EAN)  # the linear barcode: the product, not the unit
        await until_looked_up(pilot)
        assert sale.cart.lines == [] and "scan the DataMatrix" in message(sale)
        assert "[b]" in message(sale)  # the name shown as it is, never as markup
        scan(app, code().replace(GS, "~"))  # a scanner set to send ~ for GS
        await until_looked_up(pilot)
        assert [line.marks for line in sale.cart.lines] == [[code()]]
        await pilot.press("f8")  # the quantity follows the codes
        await pilot.pause(0.1)
        assert sale.cart.lines[0].quantity == Decimal("1.000") and app.screen is sale


@pytest.mark.anyio
async def test_refused_codes_are_explained_and_not_added(english, kefir):
    daemon = FakeDaemon()
    daemon.sold_marks.add(code("SOLD01"))
    app = app_on(daemon)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.1)
        sale = app.screen
        scan(app, code("SOLD01"))
        await until_looked_up(pilot)
        assert sale.cart.lines == [] and "already sold" in message(sale)
        scan(app, code("FORGED"))
        await until_looked_up(pilot)
        assert sale.cart.lines == [] and "not valid" in message(sale)
        scan(app, f"01{KEFIR_EAN.zfill(14)}21abc")  # a partial scan: no crypto tail
        await until_looked_up(pilot)
        assert sale.cart.lines == [] and "does not read as a GS1 DataMatrix" in message(sale)
        daemon.marks_offline = True
        scan(app, code("OFF001"))
        await until_looked_up(pilot)
        assert len(sale.cart.lines) == 1 and "could not be checked online" in message(sale)


@pytest.mark.anyio
async def test_the_refusal_is_in_russian(russian, kefir):
    app = app_on(FakeDaemon())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.1)
        scan(app, KEFIR_EAN)
        await until_looked_up(pilot)
        assert "маркированный товар" in message(app.screen)


@pytest.mark.anyio
async def test_a_partial_return_of_marked_goods_asks_for_the_returned_units_codes(english, kefir):
    daemon = FakeDaemon()
    sold = [code(), code("7kY2ab")]
    line = {"code": "KEFIR-M", "quantity": "2.000", "discount": 0, "marks": sold}
    daemon.answer("POST", "/v1/receipts", {"uuid": "u-1", "lines": [line], "payments": []}, {})
    app = KassaApp(FakeApi(daemon), employee=EMPLOYEES["1111"], poll_seconds=0)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.2)
        await pilot.press("f3")
        await pilot.pause(0.3)
        await pilot.press("f9")
        await pilot.pause(0.2)
        await pilot.press(*"1=1", "enter")
        await pilot.pause(0.2)
        dialog = app.screen
        assert "scan the code of each unit returned (0 of 1)" in str(
            dialog.query_one("#mark-progress").render()
        )
        scan(app, code("OTHER1"))
        await pilot.pause(0.2)
        assert "not sold on this receipt" in str(dialog.query_one("#prompt-error").render())
        scan(app, sold[1])
        await pilot.pause(0.5)
        await app.workers.wait_for_complete()
        returned = next(body for method, path, body in daemon.calls if path.endswith("/return"))
        assert returned["lines"] == [{"position": 1, "quantity": "1.000", "marks": [sold[1]]}]


@pytest.mark.anyio
async def test_a_partial_return_of_a_weighed_marked_good_needs_no_scan(english, monkeypatch):
    cheese = catalog_product(
        10, "CHEESE-M", "Сыр весовой", 89900, ["4650065600453"], unit="kg", marking="milk"
    )
    monkeypatch.setattr(fake_api, "PRODUCTS", [*fake_api.PRODUCTS, cheese])
    daemon = FakeDaemon()
    one = f"0104650065600453215jX6ng{GS}93H2kk"
    line = {"code": "CHEESE-M", "quantity": "1.000", "discount": 0, "marks": [one]}
    daemon.answer("POST", "/v1/receipts", {"uuid": "u-1", "lines": [line], "payments": []}, {})
    app = KassaApp(FakeApi(daemon), employee=EMPLOYEES["1111"], poll_seconds=0)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.2)
        await pilot.press("f3")
        await pilot.pause(0.3)
        await pilot.press("f9")
        await pilot.pause(0.2)
        await pilot.press(*"1=0.5", "enter")
        await pilot.pause(0.5)
        await app.workers.wait_for_complete()
        assert not app.screen.query("#mark-progress")  # no scan dialog: the sale's one code goes back
        returned = next(body for method, path, body in daemon.calls if path.endswith("/return"))
        assert returned["lines"] == [{"position": 1, "quantity": "0.500"}]


@pytest.mark.anyio
async def test_piece_or_weighed_is_the_products_weighted_not_its_unit(english, monkeypatch):
    water = catalog_product(11, "WATER-M", "Вода 1,5 л", 6990, ["4607009780116"], unit="l", marking="water")
    monkeypatch.setattr(fake_api, "PRODUCTS", [*fake_api.PRODUCTS, water])
    app = app_on(FakeDaemon())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.1)
        sale = app.screen
        water_code = f"0104607009780116215jX6ng{GS}93H2kk"
        sale.cart.add(water, marks=(water_code,))
        sale.show_cart()
        await pilot.pause(0.1)
        await pilot.press("f8")
        await pilot.pause(0.2)
        assert app.screen is sale and sale.cart.lines[0].quantity == Decimal("1.000")
        assert not sale.cart.lines[0].weighted


@pytest.mark.anyio
async def test_a_scan_finds_the_product_of_a_upc_a_barcode(english, monkeypatch):
    juice = catalog_product(12, "JUICE-M", "Сок", 15900, ["061234567899"], marking="water")
    monkeypatch.setattr(fake_api, "PRODUCTS", [*fake_api.PRODUCTS, juice])
    app = app_on(FakeDaemon())
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.1)
        sale = app.screen
        scanned = f"010006123456789921Ab3xYzQ{GS}93H2kk"
        scan(app, scanned)
        await until_looked_up(pilot)
        assert [(line.code, line.marks) for line in sale.cart.lines] == [("JUICE-M", [scanned])], message(
            sale
        )
