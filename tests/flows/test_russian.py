"""Under a Russian locale every word the user sees is Russian, on the error paths too: the back office
down, a bad sync code, a validation error, a transport error, a device fault. A Latin-script word is
allowed only as a name, a code or an address (the allowance list below holds only those)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import run_kassa
from tests.fixtures.backoffice import backoffice_server, free_port
from tests.fixtures.daemon import running_daemon
from tests.fixtures.kkt import kkt_config, kkt_emulator
from tests.sync.harness import wait_register_ready

# names and codes: commands, options, units of the protocol, the register's own error numbers
# PIN: Russian writes «PIN-код» so; never: the literal value the API and CLI take
ALLOWED = {"kassa", "sudo", "systemctl", "journalctl", "never", "PIN"}
COMMAND = re.compile(r"(?:sudo )?kassa(?: [a-z][\w-]*| --?[\w-]+| [A-ZА-Я]+)*")
NOT_WORDS = re.compile(
    r"https?://\S*"  # addresses
    r"|\bhttps?\b"  # the protocols' names
    r"|(?:/[\w.+-]+)+"  # paths
    r"|0x[0-9A-Fa-f]+"  # device error codes
    r"|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"  # uuids
    r"|\b[a-z0-9]+(?:-[a-z0-9]+)+\b"  # profile and other dashed names
    r"|--?[a-z][\w-]*"  # options
    r"|\b[\w.-]+\.toml\b"
)
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def latin_words(text: str) -> set[str]:
    text = NOT_WORDS.sub(" ", COMMAND.sub(" ", text))
    return {word for word in LATIN_WORD.findall(text) if word not in ALLOWED}


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("russian")
    with (
        kkt_emulator(tmp) as kkt,
        backoffice_server(tmp, products=2, employees=1) as bo,
        running_daemon(tmp, config=kkt_config(kkt)) as daemon,
    ):
        client = daemon.client()
        wait_register_ready(client)
        client.put("/v1/sync/settings", json={"products": "never", "employees": "never", "orders": "never"})
        yield daemon, bo, kkt, client


def ru(daemon, *args, **kwargs):
    result = run_kassa(*args, env=dict(daemon.env, LANG="ru_RU.UTF-8"), timeout=120, **kwargs)
    return result.stdout + result.stderr


def test_the_cli_speaks_russian_on_error_paths(stack):
    daemon, bo, kkt, client = stack
    seen = {}
    seen["bad code"] = ru(daemon, "pair", "ABCD-EFGH-J", "--backoffice", bo.url)
    seen["transport"] = ru(daemon, "pair", bo.code(), "--backoffice", f"http://127.0.0.1:{free_port()}")
    seen["insecure"] = ru(daemon, "pair", bo.code(), "--backoffice", "http://backoffice.example")
    client.post("/v1/pairing", json={"code": bo.code(), "backoffice_url": bo.url})
    seen["validation"] = ru(daemon, "sync", "settings", "--employees", "7")
    seen["validation 2"] = ru(daemon, "products", "add", "--code", "X", "--name", "Пирожок", "--price", "5")
    seen["orders"] = ru(daemon, "orders", "reject", "12345")
    seen["validation 3"] = ru(daemon, "products", "add", "--code", " ", "--name", "Пирожок", "--price", "5")
    assert "неверный запрос: код — слишком коротко (не меньше 1 символов)" in seen["validation 3"]
    bo.stop()
    try:
        seen["down: sync"] = ru(daemon, "sync", "--wait")
        seen["down: check"] = ru(daemon, "status", "--check")
        seen["down: status"] = ru(daemon, "status")
    finally:
        bo.start()
    kkt.fault("paper-out")
    try:
        seen["device"] = ru(daemon, "sale", "--item", "Хлеб=4500", "--pay", "cash")
        seen["device: check"] = ru(daemon, "status", "--check")
    finally:
        kkt.fault("clear")
    found = {case: sorted(latin_words(text)) for case, text in seen.items() if latin_words(text)}
    assert not found, "\n\n".join(f"{case}: {words}\n{seen[case]}" for case, words in found.items())


@pytest.mark.anyio
async def test_the_tui_speaks_russian_on_error_paths(stack, russian):
    from tests.fixtures.pilot import click, text, until
    from tui.api import KassaApi
    from tui.app import KassaApp
    from tui.screens.pairing import PairScreen

    daemon, bo, kkt, client = stack
    client.post("/v1/pairing", json={"code": bo.code(), "backoffice_url": bo.url})
    client.post("/v1/sync", json={"streams": ["employees"], "wait": True})
    seen = {}
    app = KassaApp(KassaApi(daemon.socket, language="ru"), poll_seconds=1)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.3)
        await pilot.press(*"0000", "enter")  # nobody's PIN
        await until(pilot, lambda: text(app, "#login-error") not in ("", "Проверка…"), what="refused PIN")
        seen["bad PIN"] = text(app, "#login-error")
        await pilot.press(*"1111", "enter")
        await until(pilot, lambda: app.current_mode == "sale", what="login")
        await pilot.press("f6")
        await until(pilot, lambda: "Соединение установлено" in text(app, "#connection-state"))
        await click(pilot, "#reconnect")
        await until(pilot, lambda: isinstance(app.screen, PairScreen), what="the connection dialog")
        await pilot.pause(0.3)
        await pilot.press(*"ABCD-EFGH-J", "enter")
        await until(pilot, lambda: "Подключение…" not in text(app, "#pair-result"), what="bad code")
        await until(pilot, lambda: text(app, "#pair-result").strip() != "", what="bad code")
        seen["bad code"] = text(app, "#pair-result")
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, PairScreen), what="dialog closed")
        bo.stop()
        try:
            await click(pilot, "#check")
            await until(pilot, lambda: "✘" in text(app, "#check-result"), what="back office down")
            seen["down: check"] = text(app, "#check-result")
            await click(pilot, "#sync_now")
            await until(pilot, lambda: "недоступен" in text(app, "#sync-result"), what="sync failed")
            seen["down: sync"] = text(app, "#sync-result")
        finally:
            bo.start()
        kkt.fault("paper-out")
        try:
            await click(pilot, "#check")
            await until(pilot, lambda: "бумага" in text(app, "#check-result"), what="device fault")
            seen["device"] = text(app, "#check-result")
        finally:
            kkt.fault("clear")
        seen["status bar"] = text(app, "StatusBar")
    found = {case: sorted(latin_words(shown)) for case, shown in seen.items() if latin_words(shown)}
    assert not found, "\n\n".join(f"{case}: {words}\n{seen[case]}" for case, words in found.items())
