"""A technician with only the TUI: pairs a fresh register (address and code), sets the exchange, tests the
connection, answers a deletion question and unpairs — by pilot, against a real daemon, KKT emulator and
back office. The tests run as root, so the TUI is the technician's until an employee logs in."""

from __future__ import annotations

import re

import pytest

from tests.fixtures.backoffice import backoffice_server
from tests.fixtures.daemon import running_daemon
from tests.fixtures.kkt import kkt_config, kkt_emulator
from tests.fixtures.pilot import click, text, until
from tests.sync.harness import wait_register_ready
from tui.api import KassaApi
from tui.app import KassaApp
from tui.screens.dialogs import ConfirmScreen
from tui.screens.pairing import PairScreen, SyncSettingsScreen

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("technician-tui")
    with (
        kkt_emulator(tmp) as kkt,
        backoffice_server(tmp, products=3, employees=2) as bo,
        running_daemon(tmp, config=kkt_config(kkt)) as daemon,  # no [backoffice] url: a new install
    ):
        wait_register_ready(daemon.client())
        yield daemon, bo


def app_for(daemon) -> KassaApp:
    return KassaApp(KassaApi(daemon.socket, language="ru"), poll_seconds=1)


async def test_pair_set_the_exchange_and_test_the_connection(stack, russian):
    daemon, bo = stack
    app = app_for(daemon)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, PairScreen), what="«Подключить ККТ» first")
        await pilot.pause(0.3)  # its inputs take focus on mount
        assert app.screen.query_one("#url").value == ""
        await pilot.press(*"http://backoffice.example", "enter", *bo.code(), "enter")
        await until(pilot, lambda: "https://" in text(app, "#pair-result"), what="https required")
        app.screen.query_one("#url").value = bo.url
        await click(pilot, "#yes")
        await until(pilot, lambda: "Соединение установлено" in text(app, "#pair-result"), what="paired")
        summary = text(app, "#pair-result")
        assert "Организация: ООО «Ромашка» (ИНН 7701234560)" in summary
        assert "Магазин: " in summary and f"Бэк-офис: {bo.url}" in summary
        next_focused = lambda: app.focused is not None and app.focused.id == "yes"  # noqa: E731
        await until(pilot, next_focused, what="«Далее» focused")
        await pilot.press("enter")  # Далее
        await until(pilot, lambda: isinstance(app.screen, SyncSettingsScreen), what="exchange settings")
        app.screen.query_one("#orders").value = "never"
        app.screen.query_one("#products").value = "3600"
        await click(pilot, "#yes")  # Сохранить
        await until(pilot, lambda: "Сотрудники загружены" in text(app, "#login-error"), what="employees")
        settings = daemon.client().get("/v1/sync/settings")
        assert settings["orders"] == "never" and settings["products"] == 3600

        await pilot.press(*"1111", "enter")  # the administrator
        await until(pilot, lambda: app.current_mode == "sale", what="login")
        await pilot.press("f6")
        await until(pilot, lambda: "Соединение установлено" in text(app, "#connection-state"))
        await click(pilot, "#check")
        await until(pilot, lambda: "мс" in text(app, "#check-result"), what="connection check")
        assert re.search(r"✔ бэк-офис \(\S+\): \d+ мс — ответил", text(app, "#check-result"))


async def test_the_deletion_question_in_the_status_bar_answered_by_an_administrator(stack, russian):
    daemon, _bo = stack
    client = daemon.client()
    client.put("/v1/sync/settings", json={"product_sync": False})
    client.post("/v1/products", json={"code": "OWN-7", "name": "Пирожок", "price": 5000, "tax": "vat20"})
    client.put("/v1/sync/settings", json={"product_sync": True})  # asks before deleting OWN-7
    assert client.get("/v1/sync/settings")["confirmation"]["local_products"]["count"] == 1

    cashier = app_for(daemon)
    async with cashier.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"2222", "enter")
        await until(pilot, lambda: cashier.current_mode == "sale", what="cashier login")
        await until(pilot, lambda: "Товары к удалению" in text(cashier, "StatusBar"), what="status bar")
        await pilot.press("f6")
        await until(pilot, lambda: "администратор подтверждает" in text(cashier, "#sync-result"))
        assert not isinstance(cashier.screen, ConfirmScreen)  # no destructive button for a cashier

    admin = app_for(daemon)
    async with admin.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"1111", "enter")
        await until(pilot, lambda: admin.current_mode == "sale", what="administrator login")
        await pilot.press("f6")
        await until(pilot, lambda: isinstance(admin.screen, ConfirmScreen), what="the question")
        await click(pilot, "#yes")  # Синхронизировать товары
        await until(pilot, lambda: client.get("/v1/sync/settings")["confirmation"] is None, what="answered")
        await until(pilot, lambda: "Товары к удалению" not in text(admin, "StatusBar"), what="bar cleared")
    assert not client.get("/v1/products", params={"q": "OWN-7"})["items"]


async def test_an_administrator_unpairs_and_the_address_stays(stack, russian):
    daemon, bo = stack
    admin = app_for(daemon)
    async with admin.run_test(size=(100, 30)) as pilot:
        await pilot.press(*"1111", "enter")
        await until(pilot, lambda: admin.current_mode == "sale", what="administrator login")
        await pilot.press("f6")
        await until(pilot, lambda: admin.screen.query_one("#unpair").display, what="the unpair button")
        await click(pilot, "#unpair")
        await until(pilot, lambda: isinstance(admin.screen, ConfirmScreen), what="the question")
        await click(pilot, "#yes")
        await until(pilot, lambda: not daemon.client().get("/v1/status")["paired"], what="unpaired")
    status = daemon.client().get("/v1/status")
    assert status["backoffice_url"] == bo.url

    again = app_for(daemon)  # the technician again: «Подключить ККТ» with the kept address
    async with again.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(again.screen, PairScreen), what="«Подключить ККТ»")
        await pilot.pause(0.3)  # its inputs take focus on mount
        assert again.screen.query_one("#url").value == bo.url
        await pilot.press(*bo.code(), "enter")
        try:
            await until(pilot, lambda: "Соединение установлено" in text(again, "#pair-result"), timeout=15)
        except AssertionError:
            raise AssertionError(text(again, "#pair-result")) from None
