"""The screens' main paths against the real parts: `kassa run`, the KKT emulator on a pty and the
reference back office over HTTP. One stack per module; the tests run in order on it, as a
register's day does: connect, log in, sell, send, then shift report and a marketplace order."""

from __future__ import annotations

import pytest

from tests.fixtures.backoffice import backoffice_server
from tests.fixtures.daemon import running_daemon
from tests.fixtures.kkt import kkt_config, kkt_emulator
from tests.fixtures.pilot import click, logged_in, text, until
from tui.api import KassaApi
from tui.app import KassaApp
from tui.screens.dialogs import PromptScreen, RegisterProblemScreen, SessionEndedScreen
from tui.screens.pairing import PairScreen, SyncSettingsScreen
from tui.screens.payment import PaymentScreen

pytestmark = [pytest.mark.anyio, pytest.mark.slow]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    base = tmp_path_factory.mktemp("tui-real")
    with kkt_emulator(base) as kkt, backoffice_server(base, products=12, employees=3, orders=2) as office:
        config = kkt_config(kkt) + f'\n[backoffice]\nurl = "{office.url}"\n'
        with running_daemon(base, config=config) as daemon:
            yield {"kkt": kkt, "office": office, "daemon": daemon}


@pytest.fixture
def anyio_backend():
    return "asyncio"


def app_for(stack, lang: str = "en") -> KassaApp:
    return KassaApp(KassaApi(stack["daemon"].socket, language=lang), poll_seconds=1)


async def test_first_connection_from_the_login_screen_then_a_sale_reaches_the_back_office(stack, english):
    office = stack["office"]
    products = [p for p in office.products() if not p["weighted"] and not p["marked"]]
    scanned = next(p for p in products if p["barcodes"])
    typed = next(p for p in products if p["code"] != scanned["code"] and not p["name"].isascii())
    app = app_for(stack)
    async with app.run_test(size=(120, 40)) as pilot:
        # an unpaired register opens "Подключить ККТ" first for the technician (tests run as root),
        # with the configured address filled in
        await until(pilot, lambda: isinstance(app.screen, PairScreen), what="the first-run window")
        await pilot.pause(0.3)  # its inputs take focus on mount
        assert app.screen.query_one("#url").value == office.url
        await pilot.press(*office.code(), "enter")
        await until(pilot, lambda: "Connection established" in text(app, "#pair-result"), what="pairing")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, SyncSettingsScreen))
        await click(pilot, "#yes")
        await until(pilot, lambda: "Employees loaded" in text(app, "#login-error"), what="employees")
        await logged_in(pilot, "2222")

        await pilot.press(*scanned["barcodes"][0], "enter")
        await until(pilot, lambda: len(app.screen.cart.lines) == 1, what="scanned product")
        await pilot.press(*typed["name"].split()[0].lower())
        await until(pilot, lambda: app.screen.found, what="search by name")
        await pilot.press("enter")
        await until(pilot, lambda: len(app.screen.cart.lines) == 2, what="typed product")
        sale = app.screen
        total = sale.cart.total
        await pilot.press("f10")
        await until(pilot, lambda: isinstance(app.screen, PaymentScreen))
        await pilot.press("ctrl+u", *"10000", "enter")
        await until(pilot, lambda: "Receipt printed" in text(app, "#sale-message"), what="fiscalized receipt")
        assert f"CHANGE: {(1000000 - total) // 100:,}".replace(",", " ") in text(app, "#sale-message")

        await pilot.press("f3")
        await until(pilot, lambda: "Receipt FD" in text(app, "#receipt-detail"), what="receipt list")
        assert typed["name"] in text(app, "#receipt-detail")

        await pilot.press("f6")
        await until(pilot, lambda: "Connection established" in text(app, "#connection-state"))
        await pilot.press("f8")
        await until(pilot, lambda: "Data exchanged" in text(app, "#sync-result"), what="Update now")
    sales = [doc for doc in office.documents() if doc["type"] == "sale"]
    assert [doc["document"]["total"] for doc in sales] == [total]
    assert {line["code"] for line in sales[0]["document"]["lines"]} == {scanned["code"], typed["code"]}
    assert [doc["type"] for doc in stack["kkt"].receipts()] == ["receipt"]


async def test_x_report_and_a_marketplace_order(stack, english):
    app = app_for(stack)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.3)
        await logged_in(pilot, "2222")
        await pilot.press("f4")
        await until(pilot, lambda: "is open" in text(app, "#shift-info"), what="open shift")
        await pilot.press("f9")
        await until(pilot, lambda: "X report printed." in text(app, "#shift-message"), what="X report")

        await pilot.press("f5")
        await until(pilot, lambda: app.screen.orders, what="relayed orders")
        first = app.screen.orders[0]
        assert first["status"] == "waiting"
        await pilot.press("f8")
        await until(
            pilot,
            lambda: app.screen.orders and app.screen.orders[0]["status"] == "fiscalized",
            what="fiscalized order",
        )
        journal = stack["kkt"].receipts()
        fd, sign = journal[-1]["fd"], app.screen.orders[0]["receipt"]["fiscal_sign"]
        detail = text(app, "#order-detail")
        assert f"Receipt: FD {fd}, fiscal sign {sign}" in detail, detail
        assert f"&i={fd}&fp={sign}&n=1" in detail and "Check: t=" in detail, detail
    assert journal[-1]["total"] == first["total"]


async def test_paper_out_then_continue_finishes_the_same_sale(stack, english):
    kkt = stack["kkt"]
    product = next(p for p in stack["office"].products() if not p["weighted"] and not p["marked"])
    before = len(kkt.receipts())
    app = app_for(stack)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.3)
        await logged_in(pilot, "2222")
        await pilot.press(*product["code"], "enter")
        await until(pilot, lambda: len(app.screen.cart.lines) == 1, what="product")
        kkt.fault("paper-out")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, PaymentScreen))
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, RegisterProblemScreen), what="paper-out question")
        assert "out of paper" in text(app, "#problem") and "press Continue" in text(app, "#remedy")
        kkt.fault("clear")
        await pilot.press("enter")  # Continue
        await until(pilot, lambda: "Receipt printed" in text(app, "#sale-message"), what="sale after paper")
    receipts = kkt.receipts()
    assert len(receipts) == before + 1
    assert receipts[-1]["total"] == product["price"]


async def test_partial_return_of_a_sale(stack, english):
    kkt = stack["kkt"]
    app = app_for(stack)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.3)
        await logged_in(pilot, "1111")  # a return is an administrator's
        await pilot.press("f3")
        await until(pilot, lambda: app.screen.current is not None, what="receipt detail")
        sale = next(r for r in app.screen.receipts if r["type"] == "sale" and len(r["lines"]) == 2)
        app.screen.query_one("#receipts").move_cursor(row=app.screen.receipts.index(sale))
        await until(pilot, lambda: app.screen.current["id"] == sale["id"], what="the two-line sale")
        await pilot.press("f9")
        await until(pilot, lambda: isinstance(app.screen, PromptScreen))
        await pilot.press(*"2=1", "enter")
        await until(
            pilot,
            lambda: any(r["type"] == "return" for r in app.screen.receipts),
            what="return receipt",
        )
    returned = kkt.receipts()[-1]
    assert returned["type"] == "return"
    assert returned["total"] == sale["lines"][1]["amount"]


async def test_a_sale_cut_by_a_daemon_crash_is_finished_once_after_logging_in_again(stack, english):
    """SIGKILL while the register prints: the restarted daemon forgot every session, so Continue
    asks for the PIN over the open sale and then sends it again under its uuid: one receipt."""
    kkt, daemon = stack["kkt"], stack["daemon"]
    product = next(p for p in stack["office"].products() if not p["weighted"] and not p["marked"])
    before = len(kkt.receipts())
    app = app_for(stack)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.3)
        await logged_in(pilot, "2222")
        await pilot.press(*product["code"], "enter")
        await until(pilot, lambda: len(app.screen.cart.lines) == 1, what="product")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, PaymentScreen))
        kkt.fault("slow=0.3")
        await pilot.press("enter")
        await until(pilot, lambda: "printing" in text(app, "#sale-message"), what="the register at work")
        await pilot.pause(1.0)
        daemon.kill()
        kkt.fault("clear")
        await until(pilot, lambda: isinstance(app.screen, RegisterProblemScreen), what="the unknown outcome")
        daemon.start()
        await pilot.press("enter")  # Continue
        await until(pilot, lambda: isinstance(app.screen, SessionEndedScreen), what="log in again")
        await pilot.press(*"2222", "enter")
        await until(pilot, lambda: "Receipt printed" in text(app, "#sale-message"), what="the same sale")
    receipts = kkt.receipts()
    assert len(receipts) == before + 1
    assert receipts[-1]["total"] == product["price"]
