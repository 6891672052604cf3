"""Every screen's main path, driven by keys through Textual's pilot, on the in-memory daemon.

These check the screens' behaviour quickly; test_real_daemon.py drives the same paths against a
real daemon, the KKT emulator and the reference back office.
"""

from __future__ import annotations

import pytest

from agent.client import DaemonError
from tests.fixtures.pilot import click
from tests.tui.fake_api import EMPLOYEES, WHEN, FakeApi, FakeDaemon
from tui.app import KassaApp
from tui.screens.dialogs import ConfirmScreen, PromptScreen, RegisterProblemScreen
from tui.screens.pairing import PairScreen, SyncSettingsScreen
from tui.screens.payment import PaymentScreen

pytestmark = pytest.mark.anyio

CASHIER = EMPLOYEES["2222"]
ADMIN = EMPLOYEES["1111"]


def app_on(daemon: FakeDaemon | None = None, employee: dict | None = None) -> KassaApp:
    return KassaApp(FakeApi(daemon or FakeDaemon()), employee=employee, poll_seconds=0)


async def settle(pilot, seconds: float = 0.05) -> None:
    await pilot.pause(seconds)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_login_refuses_a_wrong_pin_then_lets_the_cashier_in(english):
    app = app_on()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.current_mode == "login"
        await pilot.press("f3")  # no screens before login
        assert app.current_mode == "login"
        await pilot.press(*"9999", "enter")
        await settle(pilot)
        assert "Wrong PIN" in str(app.screen.query_one("#login-error").render())
        await pilot.press(*"2222", "enter")
        await settle(pilot)
        assert app.current_mode == "sale"
        assert app.api.employee["name"] == CASHIER["name"]
        await pilot.press("f12")
        await settle(pilot)
        assert app.current_mode == "login" and app.api.employee is None


async def test_sale_by_barcode_and_name_paid_in_cash_with_change(english):
    daemon = FakeDaemon()
    app = app_on(daemon, CASHIER)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(*"4600000000017", "enter")  # a scanner: digits, then Enter at once
        await settle(pilot)
        await pilot.press(*"хлеб")
        await settle(pilot, 0.4)
        assert "Хлеб белый" in str(app.screen.query_one("#results").get_row_at(0))
        await pilot.press("enter")
        await settle(pilot)
        sale = app.screen
        assert [line.code for line in sale.cart.lines] == ["MILK-1L", "BREAD-W"]
        await pilot.press("f8")  # quantity of the selected (last) line
        await pilot.press(*"3", "enter")
        await settle(pilot)
        assert str(sale.cart.lines[1].quantity) == "3.000"
        assert "TOTAL: 224.90" in str(sale.query_one("#totals").render())
        await pilot.press("enter")  # Enter on an empty search: payment
        await settle(pilot)
        assert isinstance(app.screen, PaymentScreen)
        await pilot.press(*"300", "enter")
        await settle(pilot)
        assert app.screen is sale
        message = str(sale.query_one("#sale-message").render())
        assert "Receipt printed" in message and "CHANGE: 75.10" in message
        body = next(call[2] for call in daemon.calls if call[1] == "/v1/receipts")
        assert body["payments"] == [{"kind": "cash", "amount": 30000}]
        assert "cashier" not in body  # the daemon signs with the session's employee
        assert sale.cart.lines == []


async def test_mixed_payment_and_buyer_contact(english):
    daemon = FakeDaemon()
    app = app_on(daemon, CASHIER)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(*"TEA-100", "enter")
        await settle(pilot)
        await pilot.press("f10")
        await settle(pilot)
        await pilot.press("ctrl+u", *"100", "tab", *"59", "tab", *"a@b.ru", "enter")
        await settle(pilot)
        body = next(call[2] for call in daemon.calls if call[1] == "/v1/receipts")
        assert body["payments"] == [{"kind": "cash", "amount": 10000}, {"kind": "card", "amount": 5900}]
        assert body["buyer_contact"] == "a@b.ru"


async def test_paper_out_asks_for_paper_then_continue_repeats_the_same_sale(english):
    daemon = FakeDaemon()
    paper_out = DaemonError("paper_out", "The fiscal register is out of paper.", 409, retryable=True)
    daemon.fail_next.append(paper_out)
    app = app_on(daemon, CASHIER)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(*"MILK-1L", "enter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RegisterProblemScreen)
        assert "out of paper" in str(app.screen.query_one("#problem").render())
        assert "Fix the problem, then press Continue." in str(app.screen.query_one("#remedy").render())
        await pilot.press("enter")  # Continue
        await settle(pilot)
        sales = [call[2] for call in daemon.calls if call[1] == "/v1/receipts"]
        assert len(sales) == 2 and sales[0]["uuid"] == sales[1]["uuid"]
        assert len(daemon.receipts) == 1


async def test_receipts_detail_and_full_return(english):
    daemon = FakeDaemon()
    daemon.add_receipt(
        [
            {
                "code": "MILK-1L",
                "name": "Молоко",
                "quantity": "1.000",
                "price": 8990,
                "discount": 0,
                "amount": 8990,
            }
        ],
        [{"kind": "cash", "amount": 10000}],
    )
    app = app_on(daemon, CASHIER)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press("f8")  # a return is an administrator's: hidden from a cashier
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmScreen)
    app = app_on(daemon, ADMIN)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        assert "Receipt FD 101" in str(app.screen.query_one("#receipt-detail").render())
        await pilot.press("f8")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("enter")
        await settle(pilot)
        assert [r["type"] for r in daemon.receipts] == ["return", "sale"]
        assert any(call[1] == "/v1/receipts/1/return" for call in daemon.calls)


async def test_shift_open_x_report_and_z_for_a_cashier_cash_out_only_for_an_administrator(english):
    daemon = FakeDaemon()
    daemon.status["shift"] = {"open": False, "number": 7}
    app = app_on(daemon, CASHIER)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        assert "The shift is closed." in str(app.screen.query_one("#shift-info").render())
        await pilot.press("f8")
        await settle(pilot)
        app.refresh_status()
        await settle(pilot)
        assert "Shift 8 is open" in str(app.screen.query_one("#shift-info").render())
        await pilot.press("f9")
        await settle(pilot)
        assert "X report printed." in str(app.screen.query_one("#shift-message").render())
        await pilot.press("minus")  # cash out is an administrator's: hidden from a cashier
        await settle(pilot)
        assert not isinstance(app.screen, PromptScreen)
        assert not app.screen.query_one("#cash_out").display
        await pilot.press("plus")
        await settle(pilot)
        assert isinstance(app.screen, PromptScreen)
        await pilot.press(*"1000", "enter")
        await settle(pilot)
        cash_in = next(call[2] for call in daemon.calls if call[1] == "/v1/cash/in")
        assert cash_in["amount"] == 100000
        await pilot.press("f10")  # a cashier closes their shift
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("enter")
        await settle(pilot)
        assert any(call[1] == "/v1/shift/close" for call in daemon.calls)
    app = app_on(daemon, ADMIN)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        assert app.screen.query_one("#cash_out").display


async def test_orders_fiscalize_and_reject(english):
    daemon = FakeDaemon()
    second = {**daemon.orders[0], "id": 2, "remote_id": "A-1002"}
    daemon.orders.append(second)
    app = app_on(daemon, CASHIER)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("f8")  # the newest first, as the daemon lists them
        await settle(pilot)
        assert daemon.orders[1]["status"] == "fiscalized"
        await pilot.press("down", "f10")
        await settle(pilot)
        await pilot.press(*"out of stock", "enter")
        await settle(pilot)
        assert daemon.orders[0]["status"] == "rejected"
        reject = next(call[2] for call in daemon.calls if call[1] == "/v1/orders/1/reject")
        assert reject == {"reason": "out of stock"}


async def test_first_connection_pairs_then_saves_settings_with_confirmation(russian):
    daemon = FakeDaemon(paired=False)
    app = app_on(daemon, ADMIN)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        screen = app.screen
        assert screen.query_one("#connect").display and not screen.query_one("#settings").display
        assert "Подключить ККТ" in str(screen.query_one("#connect").label)
        await click(pilot, "#connect")
        await settle(pilot)
        assert isinstance(app.screen, PairScreen)
        await pilot.press(*"http://backoffice.example", "enter", *"ABCD-EFGH-J", "enter")
        await settle(pilot)
        assert "https://" in str(app.screen.query_one("#pair-result").render())  # plain http: only loopback
        app.screen.query_one("#url").focus()
        await pilot.press("home", "right", "right", "right", "right", "s", "enter", *["backspace"] * 11)
        await pilot.press(*"WRONG", "enter")
        await settle(pilot)
        assert "Unknown or used sync code" in str(app.screen.query_one("#pair-result").render())
        await pilot.press(*["backspace"] * 5, *"ABCD-EFGH-J", "enter")
        await settle(pilot)
        assert "Соединение установлено" in str(app.screen.query_one("#pair-result").render())
        await pilot.press("enter")  # Далее
        await settle(pilot)
        assert isinstance(app.screen, SyncSettingsScreen)
        app.screen.query_one("#products").value = "never"
        app.screen.query_one("#product_sync").value = False
        await click(pilot, "#yes")  # Сохранить
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert str(app.screen.query_one("#yes").label) == "Отключить синхронизацию"
        await pilot.press("enter")
        await settle(pilot)
        assert daemon.settings["products"] == "never" and daemon.settings["product_sync"] is False
        app.refresh_status()
        await settle(pilot)
        assert "Соединение установлено" in str(screen.query_one("#connection-state").render())
        assert "Никогда" in str(screen.query_one("#streams").get_row_at(1))
        await pilot.press("f8")  # Обновить сейчас
        await settle(pilot)
        assert daemon.synced == 1
        assert "Обмен данными с бэк-офисом выполнен" in str(screen.query_one("#sync-result").render())


async def test_only_an_administrator_changes_the_connection(english):
    daemon = FakeDaemon()
    app = app_on(daemon, CASHIER)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f6")
        await settle(pilot)
        await pilot.press("f9")
        await settle(pilot)
        assert not isinstance(app.screen, SyncSettingsScreen)
        await pilot.press("f8")  # but anyone may press Update now
        await settle(pilot)
        assert daemon.synced == 1


async def test_devices_show_both_printers_and_test_print(english):
    daemon = FakeDaemon()
    app = app_on(daemon, CASHIER)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f7")
        await settle(pilot)
        assert "shtrih-m-01f" in str(app.screen.query_one("#fiscal-info").render())
        assert "epson-tm-t20ii" in str(app.screen.query_one("#printer-info").render())
        await pilot.press("f8")
        await settle(pilot)
        assert ("POST", "/v1/devices/test", {"device": "receipt_printer"}) in daemon.calls


async def test_devices_say_which_cash_move_needs_a_person(english):
    daemon = FakeDaemon()
    message = (
        "the register cannot confirm whether this cash move was made: count the cash in the drawer "
        "against an X report; if it was not made, make it again as a new cash move"
    )
    daemon.status["attention"] = [
        {"uuid": "u-1", "type": "cash_in", "total": 123450, "created_at": WHEN, "message": message}
    ]
    app = app_on(daemon, CASHIER)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f7")
        await settle(pilot)
        shown = " ".join(str(app.screen.query_one("#fn-info").render()).split())
        assert "Cash in of 1 234.50" in shown and "count the cash in the drawer" in shown


@pytest.mark.parametrize(
    ("language", "documents", "store"),
    [
        ("en", "2 documents need you (F7)", "Store damaged: call the technician"),
        ("ru", "2 документа ждут вас (F7)", "База повреждена: вызовите техника"),
    ],
)
async def test_the_sale_screens_status_bar_says_what_needs_a_person(language, documents, store, request):
    """A cashier selling sees it without opening F7: a document to settle, a store that failed its check."""
    request.getfixturevalue("english" if language == "en" else "russian")
    daemon = FakeDaemon()
    app = app_on(daemon, CASHIER)
    async with app.run_test(size=(160, 24)) as pilot:
        await settle(pilot)
        assert app.current_mode == "sale"
        shown = str(app.screen.query_one("#statusbar").render())
        assert documents not in shown and store not in shown
        item = {"uuid": "u-1", "type": "cash_in", "total": 100, "created_at": WHEN, "message": "count"}
        daemon.status["attention"] = [item, {**item, "uuid": "u-2"}]
        daemon.status["store"]["ok"] = False
        app.refresh_status()
        await settle(pilot)
        shown = str(app.screen.query_one("#statusbar").render())
        assert documents in shown and store in shown


async def test_status_bar_says_when_the_service_is_down(english):
    app = KassaApp(__import__("tui.api", fromlist=["KassaApi"]).KassaApi("/nonexistent/sock"), poll_seconds=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "Service not running" in str(app.screen.query_one("#statusbar").render())
        await pilot.press(*"1111", "enter")
        await settle(pilot)
        assert "not running" in str(app.screen.query_one("#login-error").render())


async def test_f1_opens_the_command_palette_with_every_screen(russian):
    app = app_on(employee=CASHIER)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await settle(pilot, 0.3)
        await pilot.press(*"смена")
        await settle(pilot, 0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert app.current_mode == "shift"


async def test_goods_sold_by_weight_ask_for_the_weight(english):
    app = app_on(employee=CASHIER)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(*"APPLE-KG", "enter")
        await settle(pilot)
        assert isinstance(app.screen, PromptScreen)
        await pilot.press(*"0,350", "enter")
        await settle(pilot)
        line = app.screen.cart.lines[0]
        assert (line.code, str(line.quantity), line.amount) == ("APPLE-KG", "0.350", 4515)


async def test_a_new_login_starts_with_fresh_screens(english):
    daemon = FakeDaemon()
    app = app_on(daemon)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(*"2222", "enter")
        await settle(pilot)
        await pilot.press(*"MILK-1L", "enter")
        await settle(pilot)
        for key in ("f4", "f6", "f7", "f12"):
            await pilot.press(key)
            await settle(pilot)
        await pilot.press(*"1111", "enter")
        await settle(pilot)
        assert app.current_mode == "sale" and app.screen.cart.lines == []
        assert "Иванова Анна (administrator)" in str(app.screen.query_one("#topbar").render())
        for key in ("f4", "f6", "f7"):
            await pilot.press(key)
            await settle(pilot)
        app.refresh_status()
        await settle(pilot)
        assert "Fiscal storage" in str(app.screen.query_one("#fn-info").render())
