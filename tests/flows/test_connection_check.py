"""`kassa status --check` and POST /v1/check: real round trips now, each with its latency and verdict."""

from __future__ import annotations

import re

import pytest

from tests.conftest import run_kassa
from tests.fixtures.backoffice import backoffice_server
from tests.fixtures.daemon import running_daemon
from tests.fixtures.kkt import kkt_config, kkt_emulator
from tests.sync.harness import wait_register_ready


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("check")
    with (
        kkt_emulator(tmp) as kkt,
        backoffice_server(tmp, products=2, employees=1) as bo,
        running_daemon(tmp, config=kkt_config(kkt)) as daemon,
    ):
        client = daemon.client()
        wait_register_ready(client)
        client.put("/v1/sync/settings", json={"products": "never", "employees": "never", "orders": "never"})
        client.post("/v1/pairing", json={"code": bo.code(), "backoffice_url": bo.url})
        client.post("/v1/sync", json={"streams": ["all"], "wait": True})
        yield daemon, bo, kkt, client


def test_all_answer(stack):
    daemon, bo, _kkt, client = stack
    answer = client.post("/v1/check")
    assert answer["ok"] is True
    by_name = {check["name"]: check for check in answer["checks"]}
    assert set(by_name) == {"backoffice", "fiscal_register"}
    assert by_name["backoffice"]["target"] == bo.url
    assert all(
        isinstance(check["latency_ms"], int) and check["latency_ms"] >= 0 for check in by_name.values()
    )
    result = run_kassa("status", "--check", env=daemon.env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(rf"back office \({re.escape(bo.url)}\): ok, \d+ ms: answered", result.stdout)
    assert re.search(r"fiscal register \(\S+\): ok, \d+ ms", result.stdout)
    ru = run_kassa("status", "--check", env=dict(daemon.env, LANG="ru_RU.UTF-8"))
    assert re.search(r"бэк-офис \(\S+\): в порядке, \d+ мс: ответил", ru.stdout), ru.stdout


def test_the_checks_heartbeat_tells_the_back_office_what_the_streams_does(stack):
    """The back office keeps the last heartbeat's summary (docs/backoffice-api.md): testing the
    connection must not tell it the register has no fiscal drive (fn: null) until the next one."""
    _daemon, bo, _kkt, client = stack
    client.post("/v1/sync", json={"streams": ["receipts"], "wait": True})
    [before] = bo.registers()
    assert before["heartbeat"]["fn"]["expires"], before["heartbeat"]
    assert client.post("/v1/check")["ok"] is True
    [after] = bo.registers()
    assert after["heartbeat"]["fn"]["expires"] == before["heartbeat"]["fn"]["expires"], after["heartbeat"]
    assert {key: after["heartbeat"][key] for key in ("printer", "queue_depth", "agent_version")} == {
        key: before["heartbeat"][key] for key in ("printer", "queue_depth", "agent_version")
    }


def test_a_device_fault_is_named(stack):
    daemon, _bo, kkt, _client = stack
    kkt.fault("paper-out")
    try:
        result = run_kassa("status", "--check", env=daemon.env)
    finally:
        kkt.fault("clear")
    assert result.returncode == 1
    attention = result.stdout.split("Needs attention:")[1]
    assert "fiscal register: answered, but: Out of paper: load a new roll" in attention


def test_back_office_down_is_named(stack):
    daemon, bo, _kkt, client = stack
    bo.stop()
    try:
        answer = client.post("/v1/check")
        result = run_kassa("status", "--check", env=daemon.env)
    finally:
        bo.start()
    assert answer["ok"] is False
    down = next(check for check in answer["checks"] if check["name"] == "backoffice")
    assert down["ok"] is False and "unreachable" in down["message"]
    assert result.returncode == 1
    assert re.search(r"back office \(\S+\): FAILED", result.stdout)
    assert "back office: the back office at" in result.stdout.split("Needs attention:")[1]
    assert client.post("/v1/check")["ok"] is True


@pytest.mark.anyio
async def test_the_tui_button_tests_the_connection(stack, russian):
    from tests.fixtures.pilot import click, logged_in, text, until
    from tui.api import KassaApi
    from tui.app import KassaApp

    daemon, bo, _kkt, _client = stack
    app = KassaApp(KassaApi(daemon.socket, language="ru"), poll_seconds=1)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.3)
        await logged_in(pilot, "1111")
        await pilot.press("f6")
        await until(pilot, lambda: "Соединение установлено" in text(app, "#connection-state"))
        await click(pilot, "#check")
        await until(pilot, lambda: "мс" in text(app, "#check-result"), what="check result")
        shown = text(app, "#check-result")
        assert re.search(rf"✔ бэк-офис \({re.escape(bo.url)}\): \d+ мс — ответил", shown), shown
        assert re.search(r"✔ фискальный регистратор \(\S+\): \d+ мс — ответил", shown), shown
        bo.stop()
        try:
            await click(pilot, "#check")
            await until(pilot, lambda: "✘ бэк-офис" in text(app, "#check-result"), what="a failed check")
        finally:
            bo.start()
