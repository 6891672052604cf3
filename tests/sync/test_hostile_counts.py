"""Counts a back office sends are read as what a register can hold: a page's ``remaining`` of
10**400 (JSON has no limit on an integer's digits) made the progress of the running sync divide it
into a float, and GET /v1/status (the TUI's status bar, monitoring) answered 500 for as long as the
sync ran. The real daemon against a back office that says so over real HTTP."""

from __future__ import annotations

import time

import pytest

from agent.sync_code import check_symbol
from tests.fixtures.daemon import running_daemon
from tests.fixtures.hostile_backoffice import good_product, hostile_backoffice
from tests.fixtures.kkt import kkt_config, kkt_emulator
from tests.sync.harness import paired_by_hand

CODE = "ABCD2345" + check_symbol("ABCD2345")


@pytest.mark.parametrize("remaining", [10**400, 10**30], ids=["past-float", "huge"])
def test_a_huge_remaining_count_leaves_the_status_readable_while_the_sync_runs(tmp_path, remaining):
    with (
        kkt_emulator(tmp_path) as kkt,
        hostile_backoffice() as bo,
        running_daemon(tmp_path, config=kkt_config(kkt)) as daemon,
    ):
        bo.feeds["catalog"] = [good_product(n) for n in range(1, 13)]
        bo.page_size, bo.page_delay, bo.remaining = 1, 0.5, remaining
        client = paired_by_hand(daemon, CODE, bo.url)
        with daemon.http() as http:
            client.post("/v1/sync", json={"streams": ["products"], "wait": False})
            seen_running = False
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                answer = http.get("/v1/status")
                assert answer.status_code == 200, answer.text
                products = answer.json()["streams"]["products"]
                if products["state"] == "running" and (products.get("progress") or {}).get("done"):
                    seen_running = True
                    progress = products["progress"]
                    assert progress["total"] is None and progress["seconds_left"] is None, progress
                if seen_running and products["state"] != "running":
                    break
                time.sleep(0.2)
            assert seen_running, (products, daemon.log()[-3000:])
            assert products["state"] == "ok", (products, daemon.log()[-3000:])
        assert "Traceback" not in daemon.log(), daemon.log()[-3000:]
