"""One "register problem → Continue → retry" flow for every operation, and answers that may mean
"done" (a 507 after fiscalizing, a timeout, a dropped connection) never lead to a second sale."""

from __future__ import annotations

import pytest

from agent.client import DaemonError
from tests.tui.fake_api import EMPLOYEES, FakeApi, FakeDaemon
from tui.app import KassaApp
from tui.screens.dialogs import RegisterProblemScreen, SessionEndedScreen
from tui.screens.payment import PaymentScreen

pytestmark = pytest.mark.anyio

CASHIER = EMPLOYEES["2222"]
ADMIN = EMPLOYEES["1111"]
STORE_FAILED = DaemonError(
    "store_failed_after_fiscalizing",
    "the register fiscalized the document but the journal could not record it",
    507,
    outcome_unknown=True,
)


def app_on(daemon: FakeDaemon, employee: dict = CASHIER) -> KassaApp:
    return KassaApp(FakeApi(daemon), employee=employee, poll_seconds=0)


async def settle(pilot, seconds: float = 0.05) -> None:
    await pilot.pause(seconds)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def sales(daemon: FakeDaemon) -> list[dict]:
    return [call[2] for call in daemon.calls if call[1] == "/v1/receipts" and call[0] == "POST"]


async def start_sale(pilot) -> None:
    await settle(pilot)
    await pilot.press(*"MILK-1L", "enter")
    await settle(pilot)
    await pilot.press("f10")
    await settle(pilot)
    assert isinstance(pilot.app.screen, PaymentScreen)
    await pilot.press("ctrl+u", *"100", "enter")  # cash 100.00 for 89.90
    await settle(pilot)


@pytest.mark.parametrize(
    "error",
    [
        STORE_FAILED,
        DaemonError("daemon_timeout", "the kassa daemon did not answer within 180 s", outcome_unknown=True),
        DaemonError("daemon_disconnected", "the kassa daemon closed the connection", outcome_unknown=True),
    ],
    ids=["507", "timeout", "disconnected"],
)
async def test_a_sale_that_may_be_printed_keeps_its_uuid_and_pay_finishes_it_once(english, error):
    daemon = FakeDaemon()
    daemon.fail_after_next.append(error)  # the receipt is fiscalized, the answer never arrives
    app = app_on(daemon)
    async with app.run_test(size=(100, 30)) as pilot:
        await start_sale(pilot)
        assert isinstance(app.screen, RegisterProblemScreen)
        assert "never done twice" in str(app.screen.query_one("#remedy").render())
        await pilot.press("escape")  # the cashier does not continue now
        await settle(pilot)
        sale = app.screen
        assert len(sale.cart.lines) == 1
        assert "may already be printed" in str(sale.query_one("#sale-message").render())
        await pilot.press(*"BREAD-W", "enter")  # the cart of an open sale does not change
        await settle(pilot)
        assert [line.code for line in sale.cart.lines] == ["MILK-1L"]
        await pilot.press("f10")  # Pay again: the same request, no payment dialog
        await settle(pilot)
        assert not isinstance(app.screen, PaymentScreen)
        assert "Receipt printed" in str(sale.query_one("#sale-message").render())
        assert "CHANGE: 10.10" in str(sale.query_one("#sale-message").render())
        first, second = sales(daemon)
        assert first == second  # same uuid, same lines, same payments
        assert len(daemon.receipts) == 1
        assert sale.cart.lines == [] and sale.unsettled is None
        await pilot.press("escape", *"BREAD-W", "enter")  # the next sale is a new one
        await settle(pilot)
        await pilot.press("f10")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert len(daemon.receipts) == 2
        assert sales(daemon)[-1]["uuid"] != first["uuid"]


async def test_continue_after_a_lost_answer_replays_instead_of_selling_again(english):
    daemon = FakeDaemon()
    daemon.fail_after_next.append(STORE_FAILED)
    app = app_on(daemon)
    async with app.run_test(size=(100, 30)) as pilot:
        await start_sale(pilot)
        assert isinstance(app.screen, RegisterProblemScreen)
        await pilot.press("enter")  # Continue
        await settle(pilot)
        first, second = sales(daemon)
        assert first == second and len(daemon.receipts) == 1
        assert app.screen.cart.lines == []


async def test_a_refused_sale_gets_a_new_uuid(english):
    daemon = FakeDaemon()
    daemon.fail_next.append(DaemonError("shift_expired", "close the shift first", 409))
    app = app_on(daemon)
    async with app.run_test(size=(100, 30)) as pilot:
        await start_sale(pilot)
        assert not isinstance(app.screen, RegisterProblemScreen)
        assert app.screen.unsettled is None
        await pilot.press("f10")
        await settle(pilot)
        assert isinstance(app.screen, PaymentScreen)  # a new sale: the cashier may pay another way
        await pilot.press("enter")
        await settle(pilot)
        first, second = sales(daemon)
        assert first["uuid"] != second["uuid"]


async def test_cash_in_with_a_lost_answer_keeps_its_key_for_the_same_amount(english):
    daemon = FakeDaemon()
    daemon.fail_after_next.append(DaemonError("daemon_timeout", "no answer in 180 s", outcome_unknown=True))
    app = app_on(daemon, ADMIN)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        for _attempt in range(2):
            await pilot.press("plus", *"500", "enter")
            await settle(pilot)
            if isinstance(app.screen, RegisterProblemScreen):
                await pilot.press("escape")  # not now
                await settle(pilot)
        keys = [call[2]["uuid"] for call in daemon.calls if call[1] == "/v1/cash/in"]
        assert len(keys) == 2 and keys[0] == keys[1]
        assert "Cash in: 500.00" in str(app.screen.query_one("#shift-message").render())
        await pilot.press("plus", *"500", "enter")  # known outcome: the next cash-in is a new one
        await settle(pilot)
        keys = [call[2]["uuid"] for call in daemon.calls if call[1] == "/v1/cash/in"]
        assert keys[2] != keys[0]


async def test_a_return_with_a_lost_answer_is_repeated_with_the_same_key(english):
    daemon = FakeDaemon()
    daemon.add_receipt(
        [
            {
                "code": "TEA-100",
                "name": "Чай",
                "quantity": "1.000",
                "price": 15900,
                "discount": 0,
                "amount": 15900,
            }
        ],
        [{"kind": "card", "amount": 15900}],
    )
    daemon.fail_after_next.append(
        DaemonError("daemon_disconnected", "the connection dropped", outcome_unknown=True)
    )
    app = app_on(daemon, ADMIN)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        await pilot.press("f8")
        await settle(pilot)
        await pilot.press("enter")  # yes, return
        await settle(pilot)
        assert isinstance(app.screen, RegisterProblemScreen)
        await pilot.press("escape")
        await settle(pilot)
        if app.screen.current["type"] != "sale":  # the list now shows the return first
            await pilot.press("down")
            await settle(pilot)
        await pilot.press("f8")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        keys = [call[2]["uuid"] for call in daemon.calls if call[1].endswith("/return")]
        assert len(keys) == 2 and keys[0] == keys[1]
        assert [r["type"] for r in daemon.receipts].count("return") == 1


async def test_every_register_operation_offers_continue_for_a_register_problem(english):
    """Sale, return, shift, cash and order all go through the same dialog and repeat the request."""
    paper = DaemonError("paper_out", "The fiscal register is out of paper.", 409, retryable=True)
    daemon = FakeDaemon()
    daemon.add_receipt(
        [
            {
                "code": "TEA-100",
                "name": "Чай",
                "quantity": "1.000",
                "price": 15900,
                "discount": 0,
                "amount": 15900,
            }
        ],
        [{"kind": "card", "amount": 15900}],
    )
    app = app_on(daemon, ADMIN)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        for keys, path in (
            (("f3", "f8", "enter"), "/return"),
            (("f4", "f9"), "/v1/reports/x"),
            (("f4", "plus", "1", "0", "enter"), "/v1/cash/in"),
            (("f5", "f8"), "/fiscalize"),
        ):
            daemon.fail_next.append(paper)
            await pilot.press(keys[0])
            await settle(pilot)
            await pilot.press(*keys[1:])
            await settle(pilot)
            assert isinstance(app.screen, RegisterProblemScreen), path
            assert "out of paper" in str(app.screen.query_one("#problem").render())
            assert "press Continue" in str(app.screen.query_one("#remedy").render())
            await pilot.press("enter")
            await settle(pilot)
            calls = [call for call in daemon.calls if call[1].endswith(path)]
            assert len(calls) == 2 and calls[0][2] == calls[1][2], path


SESSION_ENDED = DaemonError("login_required", "your session has ended: log in again", 401)


async def test_a_retry_refused_for_an_ended_session_logs_in_again_and_never_sells_twice(english):
    """The daemon restarted with the sale's outcome unknown, so it forgot the session: the retry's
    401 says nothing of the first attempt. Logging in again over the open sale sends the same uuid."""
    daemon = FakeDaemon()
    daemon.fail_after_next.append(STORE_FAILED)
    app = app_on(daemon)
    async with app.run_test(size=(100, 30)) as pilot:
        await start_sale(pilot)
        assert isinstance(app.screen, RegisterProblemScreen)
        daemon.fail_next.append(SESSION_ENDED)
        await pilot.press("enter")  # Continue
        await settle(pilot)
        assert isinstance(app.screen, SessionEndedScreen)
        assert "session has ended" in str(app.screen.query_one(".dialog-text").render())
        await pilot.press(*"2222", "enter")
        await settle(pilot)
        await settle(pilot)
        assert {sale["uuid"] for sale in sales(daemon)} == {sales(daemon)[0]["uuid"]}
        assert len(sales(daemon)) == 3 and len(daemon.receipts) == 1
        assert app.screen.cart.lines == []


async def test_a_cancelled_login_keeps_the_sale_unsettled_under_its_uuid(english):
    daemon = FakeDaemon()
    daemon.fail_after_next.append(STORE_FAILED)
    app = app_on(daemon)
    async with app.run_test(size=(100, 30)) as pilot:
        await start_sale(pilot)
        daemon.fail_next.append(SESSION_ENDED)
        await pilot.press("enter")  # Continue
        await settle(pilot)
        await pilot.press("escape")  # not now
        await settle(pilot)
        assert app.screen.unsettled is not None  # F10 finishes it, never a second sale
        await pilot.press("f10")
        await settle(pilot)
        assert {sale["uuid"] for sale in sales(daemon)} == {sales(daemon)[0]["uuid"]}
        assert len(daemon.receipts) == 1


async def test_a_cash_in_refused_for_another_cashiers_rights_after_a_lost_answer_keeps_its_key(english):
    daemon = FakeDaemon()
    daemon.fail_after_next.append(DaemonError("daemon_timeout", "no answer in 180 s", outcome_unknown=True))
    app = app_on(daemon, ADMIN)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        await pilot.press("plus", *"500", "enter")
        await settle(pilot)
        assert isinstance(app.screen, RegisterProblemScreen)
        daemon.fail_next.append(DaemonError("forbidden", "only an administrator may do this", 403))
        await pilot.press("enter")  # Continue: refused, which says nothing of the first attempt
        await settle(pilot)
        assert isinstance(app.screen, RegisterProblemScreen)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("plus", *"500", "enter")
        await settle(pilot)
        keys = [call[2]["uuid"] for call in daemon.calls if call[1] == "/v1/cash/in"]
        assert len(keys) == 3 and len(set(keys)) == 1


async def test_any_call_refused_for_an_ended_session_asks_for_the_pin_over_the_open_screen(english):
    daemon = FakeDaemon()
    app = app_on(daemon, ADMIN)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        receipts = app.api.receipts
        refused = []

        async def ended_once():
            if not refused:
                refused.append(True)
                raise SESSION_ENDED
            return await receipts()

        app.api.receipts = ended_once
        await pilot.press("f3")
        await settle(pilot)
        assert isinstance(app.screen, SessionEndedScreen)
        await pilot.press(*"0000", "enter")  # a wrong PIN: said, and asked again
        await settle(pilot)
        assert isinstance(app.screen, SessionEndedScreen)
        assert str(app.screen.query_one("#prompt-error").render()) == "Wrong PIN"
        await pilot.press(*"1111", "enter")
        await settle(pilot)
        assert app.current_mode == "receipts" and not isinstance(app.screen, SessionEndedScreen)
