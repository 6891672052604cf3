"""Marketplace accounts and unmatched order lines in the TUI, against `kassa run` and the fake Allegro
over HTTP on loopback: an administrator connects an account by the device flow (refused, then
approved), changes its settings, sees "re-connect needed" and removes it; a cashier picks the product
for an order line whose SKU matches none, and sees no accounts screen."""

from __future__ import annotations

import contextlib

import pytest

from agent.pin_hash import hash_pin
from agent.store import open_store
from agent.store.models import Employee, Product
from tests.fixtures.allegro import allegro_config, fake_allegro
from tests.fixtures.daemon import running_daemon
from tests.fixtures.pilot import click, text, until
from tui.api import KassaApi
from tui.app import KassaApp
from tui.screens.dialogs import ConfirmScreen
from tui.screens.login import LoginScreen
from tui.screens.marketplace import AccountSettingsScreen, ConnectAccountScreen, MarketplaceScreen
from tui.screens.order_lines import PickProductScreen
from tui.screens.pairing import PairScreen

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

ADMIN, CASHIER = "1111", "2222"


@pytest.fixture
def anyio_backend():
    return "asyncio"


@contextlib.contextmanager
def allegro_stack(base, **fake_options):
    """The fake Allegro (with ``fake_options``) and `kassa run` pointed at it, with two employees."""
    with fake_allegro(**fake_options) as fake, running_daemon(base, config=allegro_config(fake)) as daemon:
        store = open_store(daemon.state_dir, migrate=False)
        with store.write() as session:
            session.add(Employee(name="Иванова", role="administrator", pin_hash=hash_pin(ADMIN)))
            session.add(Employee(name="Петров", role="cashier", pin_hash=hash_pin(CASHIER)))
            session.add(Product(code="KUBEK-1", name="Kubek [biały]", price=1250, tax="vat23"))
        store.close()
        yield {"fake": fake, "daemon": daemon}


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with allegro_stack(tmp_path_factory.mktemp("tui-allegro")) as parts:
        yield parts


async def logged_in(app, pilot, pin: str) -> None:
    # the register is not paired: the technician (tests run as root) is offered pairing first
    await until(pilot, lambda: isinstance(app.screen, PairScreen), what="the first-run window")
    await pilot.press("escape")
    await until(pilot, lambda: isinstance(app.screen, LoginScreen))
    await pilot.press(*pin, "enter")
    await until(pilot, lambda: app.current_mode == "sale", what="login")


def accounts(stack) -> list[dict]:
    with stack["daemon"].client() as client:
        return client.get("/v1/marketplace/accounts")["items"]


async def test_an_administrator_connects_changes_and_removes_an_account(stack, english):
    fake = stack["fake"]
    app = KassaApp(KassaApi(stack["daemon"].socket, language="en"), poll_seconds=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await logged_in(app, pilot, ADMIN)
        await pilot.press("f5", "ctrl+a")
        await until(pilot, lambda: isinstance(app.screen, MarketplaceScreen), what="accounts screen")
        await until(pilot, lambda: "No marketplace account" in text(app, "#account-detail"))

        # the seller refuses: said in words, nothing connected
        await pilot.press("f8")
        await until(pilot, lambda: isinstance(app.screen, ConnectAccountScreen) and app.screen.flow)
        code = app.screen.flow["user_code"]
        steps = text(app, "#connect-steps")
        assert code in steps and f"skojarz-aplikacje?code={code}" in steps
        assert "█" in text(app, "#connect-qr") or "▀" in text(app, "#connect-qr")
        assert "Waiting for the seller" in text(app, "#connect-state")
        assert fake.decide(code, False)
        await until(pilot, lambda: "Denied" in text(app, "#connect-state"), what="denied")
        await pilot.press("enter")  # Close
        await until(pilot, lambda: isinstance(app.screen, MarketplaceScreen))
        assert accounts(stack) == []

        # approved: the account is listed as connected with its token's validity
        await pilot.press("f8")
        await until(pilot, lambda: isinstance(app.screen, ConnectAccountScreen) and app.screen.flow)
        assert fake.decide(app.screen.flow["user_code"], True, "sklep")
        await until(pilot, lambda: "Approved" in text(app, "#connect-state"), what="approved")
        await pilot.press("enter")
        await until(pilot, lambda: len(app.screen.accounts) == 1, what="the new account listed")
        detail = text(app, "#account-detail")
        assert "token valid" in detail and "Token valid until" in detail

        # settings: never import by the clock, fiscalize automatically, cash
        await pilot.press("f9")
        await until(pilot, lambda: isinstance(app.screen, AccountSettingsScreen))
        await click(pilot, "#auto")
        await click(pilot, "#pay-cash")
        app.screen.query_one("#interval").value = "0"
        await click(pilot, "#yes")
        await until(pilot, lambda: accounts(stack)[0]["interval"] == "never", what="settings saved")
        saved = accounts(stack)[0]
        assert saved["auto_fiscalize"] is True and saved["payment_kind"] == "cash" and saved["active"] is True

        # the seller unlinked the application: the next import marks it, the screen says why
        fake.expire_access_tokens()
        fake.refresh.clear()
        with stack["daemon"].client() as client:
            client.post("/v1/marketplace/import", json={})
        await pilot.press("ctrl+r")
        await until(pilot, lambda: "re-connect needed" in text(app, "#account-detail"), what="re-connect")
        assert "Connect the account again" in text(app, "#account-detail")

        await pilot.press("f10")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "sklep" in text(app, ".dialog-text")
        await pilot.press("enter")
        await until(pilot, lambda: not app.screen.accounts, what="account removed")
    assert accounts(stack) == []


async def test_a_cashier_picks_the_product_of_an_unmatched_line(stack, english):
    fake = stack["fake"]
    with stack["daemon"].client() as client:
        flow = client.post("/v1/marketplace/accounts", json={"name": "Sklep 2"})
    fake.decide(flow["user_code"], True, "sklep2")
    form = fake.add_order("sklep2", lines=[("NIEZNANY-9", "Kubek ceramiczny [XL]", 2, "12.50")])
    app = KassaApp(KassaApi(stack["daemon"].socket, language="en"), poll_seconds=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await logged_in(app, pilot, CASHIER)
        await pilot.press("f5")
        assert not app.screen.may("accounts")  # the daemon's role table: administrators only
        await pilot.press("ctrl+u")  # «Обновить сейчас» imports the order
        await until(
            pilot, lambda: any(o["remote_id"] == form for o in app.screen.orders), what="imported order"
        )
        detail = text(app, "#order-detail")
        assert "no product for NIEZNANY-9" in detail and "Kubek ceramiczny [XL]" in detail
        assert "match no product" in detail
        await pilot.press("f11")
        await until(pilot, lambda: isinstance(app.screen, PickProductScreen))
        assert "NIEZNANY-9" in text(app, "#pick-line") and app.screen.found == []  # nothing guessed
        await pilot.press(*"kubek")
        await until(pilot, lambda: app.screen.found, what="search")
        await pilot.press("enter")
        await until(pilot, lambda: not isinstance(app.screen, PickProductScreen))
        await until(pilot, lambda: app.screen.orders and not app.screen.orders[0]["unmatched"], what="picked")
        assert "KUBEK-1" in text(app, "#order-detail")
    with stack["daemon"].client() as client:
        order = next(o for o in client.get("/v1/orders")["items"] if o["remote_id"] == form)
    assert order["unmatched"] == [] and order["lines"][0]["code"] == "KUBEK-1"


async def test_an_expired_code_is_said_in_words_and_escape_calls_a_pending_attempt_off(english):
    """The outcomes the fake Allegro reaches only after minutes, on the in-memory daemon."""
    from tests.tui.fake_api import EMPLOYEES, FakeApi, FakeDaemon

    daemon = FakeDaemon()
    app = KassaApp(FakeApi(daemon), employee=EMPLOYEES["1111"], poll_seconds=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f5", "ctrl+a")
        await until(pilot, lambda: isinstance(app.screen, MarketplaceScreen))
        await pilot.press("f8")
        await until(pilot, lambda: isinstance(app.screen, ConnectAccountScreen) and app.screen.flow)
        await pilot.press("escape")  # pending: the daemon is told to stop waiting
        await until(pilot, lambda: isinstance(app.screen, MarketplaceScreen))
        await until(pilot, lambda: ("DELETE", "/v1/marketplace/connect/flow-1", None) in daemon.calls)

        await pilot.press("f8")
        await until(pilot, lambda: isinstance(app.screen, ConnectAccountScreen) and app.screen.flow)
        daemon.flow.update(
            state="failed", error={"code": "device_expired", "message": "the code expired: start again"}
        )
        await until(pilot, lambda: "Expired" in text(app, "#connect-state"), what="expired in words")
        assert "the code expired: start again" in text(app, "#connect-state")
        deletes = sum(1 for call in daemon.calls if call[0] == "DELETE")
        await pilot.press("enter")  # Close: nothing is pending, nothing to call off
        await until(pilot, lambda: isinstance(app.screen, MarketplaceScreen))
        assert sum(1 for call in daemon.calls if call[0] == "DELETE") == deletes


async def test_a_code_the_real_fake_expires_is_said_in_russian_and_f8_starts_again(tmp_path, russian):
    """The expiry as Allegro gives it: the fake's codes live 2 s, `kassa run` polls it over HTTP
    until it answers ``expired_token``, and the dialog says so; a late approval connects nothing."""
    with allegro_stack(tmp_path, device_ttl=2) as parts:
        fake = parts["fake"]
        app = KassaApp(KassaApi(parts["daemon"].socket, language="ru"), poll_seconds=0)
        async with app.run_test(size=(120, 40)) as pilot:
            await logged_in(app, pilot, ADMIN)
            await pilot.press("f5", "ctrl+a")
            await until(pilot, lambda: isinstance(app.screen, MarketplaceScreen), what="accounts screen")
            await pilot.press("f8")
            await until(pilot, lambda: isinstance(app.screen, ConnectAccountScreen) and app.screen.flow)
            code = app.screen.flow["user_code"]
            expired = lambda: "Истёк срок" in text(app, "#connect-state")  # noqa: E731
            await until(pilot, expired, what="expired", timeout=20)
            state = text(app, "#connect-state")
            assert "Нажмите F8, чтобы начать заново" in state
            assert "срок действия кода истёк до подтверждения" in state
            polls = [call for call in fake.calls if call[2].startswith("/auth/oauth/token")]
            assert polls, "the daemon polled the fake's token endpoint"
            fake.decide(code, True, "spozniony")  # too late: the daemon stopped waiting for this code
            await pilot.press("enter")  # Close
            await until(pilot, lambda: isinstance(app.screen, MarketplaceScreen))
            await pilot.pause(0.5)
            assert accounts(parts) == []

            # F8 again, approved in time this time: connected
            await pilot.press("f8")
            await until(
                pilot,
                lambda: (
                    isinstance(app.screen, ConnectAccountScreen)
                    and app.screen.flow
                    and app.screen.flow["user_code"] != code
                ),
            )
            assert fake.decide(app.screen.flow["user_code"], True, "sklep")
            await until(pilot, lambda: "Разрешено" in text(app, "#connect-state"), what="approved")
        assert [account["state"] for account in accounts(parts)] == ["connected"]
