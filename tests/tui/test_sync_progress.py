"""A long product sync shows its progress (done of total, rate, time left) in the status bar and on the
connection screen: the real daemon pulling the reference back office's catalog through a proxy that
holds every catalog page a second, so the first sync lasts seconds, watched by the TUI in Russian."""

from __future__ import annotations

import re

import pytest

from tests.fixtures.backoffice import backoffice_server
from tests.fixtures.daemon import running_daemon
from tests.fixtures.faultproxy import fault_proxy
from tests.fixtures.kkt import kkt_config, kkt_emulator
from tests.fixtures.pilot import text, until
from tests.sync.harness import wait_register_ready
from tests.tui.fake_api import FakeApi, FakeDaemon
from tui.api import KassaApi
from tui.app import KassaApp

pytestmark = [pytest.mark.anyio]
TECHNICIAN = {"id": 0, "name": "Техник", "role": "administrator"}  # root on the socket, no session
PROGRESS = r"[\d ]+ из [\d ]+, [\d ]+ в секунду, осталось \d+ с"
RUNNING = re.compile("↻ Товары: " + PROGRESS)  # the status bar names the stream
ROW = re.compile(r"Товары .*↻ " + PROGRESS)  # its row on the connection screen


def status_bar(app) -> str:
    return text(app, "#statusbar")


def streams_table(app) -> str:
    table = app.screen.query_one("#streams")
    return "\n".join(" ".join(str(cell) for cell in table.get_row_at(row)) for row in range(table.row_count))


@pytest.mark.slow
async def test_a_first_catalog_sync_shows_its_progress(tmp_path, russian):
    with (
        backoffice_server(tmp_path, products=1500, employees=1) as office,
        fault_proxy(office.url, fail=1.0, kinds=("delay",), delay=1.5, paths=("/api/v1/catalog",)) as proxy,
        kkt_emulator(tmp_path) as kkt,
        running_daemon(tmp_path, config=kkt_config(kkt)) as daemon,
    ):
        client = daemon.client(timeout=60)
        wait_register_ready(client)  # pairing reads the register's identity
        client.post("/v1/pairing", json={"code": office.code(), "backoffice_url": proxy.url})
        app = KassaApp(KassaApi(daemon.socket, language="ru"), employee=TECHNICIAN, poll_seconds=0.5)
        async with app.run_test(size=(160, 40)) as pilot:
            await pilot.press("f6")
            await until(pilot, lambda: RUNNING.search(status_bar(app)), timeout=60, what="progress")
            await until(pilot, lambda: ROW.search(streams_table(app)), timeout=30, what="on F6")
            await until(pilot, lambda: "↻" not in status_bar(app), timeout=60, what="the sync ends")
        assert len(client.get("/v1/products", params={"limit": 1})["items"]) == 1
        assert client.get("/v1/status")["products"]["count"] == 1500


async def test_progress_in_words_before_the_total_is_known_and_after(russian):
    daemon = FakeDaemon()
    products = daemon.status["streams"]["products"]
    products.update(state="running", progress={"done": 500, "total": None, "rate": 0.4, "seconds_left": None})
    app = KassaApp(FakeApi(daemon), employee=TECHNICIAN, poll_seconds=0)
    async with app.run_test(size=(160, 30)) as pilot:
        app.refresh_status()
        await until(pilot, lambda: "↻ Товары: 500" in status_bar(app), what="done so far")
        assert "из" not in status_bar(app) and "в секунду" not in status_bar(app)
        products["progress"] = {"done": 45000, "total": 100000, "rate": 5000.0, "seconds_left": 660}
        app.refresh_status()
        expected = "↻ Товары: 45 000 из 100 000, 5 000 в секунду, осталось 11 мин"
        await until(pilot, lambda: expected in status_bar(app), what="done of total")
        await pilot.press("f6")
        row = "Товары каждые 15 минут 23.11 09:30 23.11 09:30 ↻ 45 000 из 100 000"
        await until(pilot, lambda: row in streams_table(app), what="the connection screen")
        products["progress"] = None
        app.refresh_status()
        await until(pilot, lambda: "↻" not in status_bar(app), what="the end of the run")
