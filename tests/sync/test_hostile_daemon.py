"""The real daemon against a back office that dribbles and oversizes: sales go on, SIGTERM stops it.

Liveness checks with generous deadlines, not speed targets; the numbers are printed (-s) for the
record: sale latency during the dribble, stop time, and the daemon's peak memory.
"""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import time
from pathlib import Path

import pytest

from agent.sync_code import check_symbol
from tests.conftest import KASSA, REPO, run_kassa
from tests.fixtures.daemon import running_daemon
from tests.fixtures.hostile_backoffice import good_order, good_product, hostile_backoffice
from tests.fixtures.kkt import kkt_config, kkt_emulator
from tests.sync.harness import paired_by_hand, timed_sale

CODE = "ABCD2345" + check_symbol("ABCD2345")


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def wait_state(client, stream: str, state: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        entry = client.get("/v1/status")["streams"][stream]
        if entry["state"] == state:
            return entry
        time.sleep(0.2)
    raise AssertionError(f"{stream} is not {state}: {entry}")


@pytest.fixture
def stack(tmp_path):
    with (
        kkt_emulator(tmp_path) as kkt,
        hostile_backoffice() as bo,
        running_daemon(tmp_path, config=kkt_config(kkt) + "[backoffice]\ntimeout = 60\n") as daemon,
    ):
        bo.feeds["catalog"] = [good_product(n) for n in range(1, 30)]
        client = paired_by_hand(daemon, CODE, bo.url)
        [result] = client.post("/v1/sync", json={"streams": ["products"], "wait": True})["results"]
        assert result["ok"] and result["moved"] == 29
        yield daemon, bo, client


def test_sales_go_on_while_every_stream_dribbles_and_sigterm_stops_the_daemon(stack):
    daemon, bo, client = stack
    bo.dribble_every = 1.0  # a byte a second: each answer would take minutes
    for feed in ("catalog", "employees", "orders", "documents"):
        bo.tricks[feed] = "dribble"
    baseline = timed_sale(client, "100007")  # the first sale also opens the shift
    baseline = min(baseline, timed_sale(client, "100008"))
    for _ in range(5):  # "Обновить сейчас" pressed again and again: each press joins the running run
        answers = client.post(
            "/v1/sync", json={"streams": ["products", "employees", "orders"], "wait": False}
        )["results"]
    assert all(answer["joined"] for answer in answers)
    wait_state(client, "products", "running")
    latencies = [timed_sale(client, f"10000{n}") for n in range(3, 9)]
    status = client.get("/v1/status")["streams"]
    assert status["products"]["state"] == "running", status["products"]  # the dribble still goes on
    assert max(latencies) < 30, latencies  # liveness, generously: a sale never waits for sync
    started = time.monotonic()
    assert daemon.stop(timeout=60) == 0
    stopped_in = time.monotonic() - started
    assert stopped_in < 20, stopped_in  # well inside TimeoutStopSec=90
    print(
        f"\nsale latency: {baseline * 1000:.0f} ms before the dribble; during it "
        f"min {min(latencies) * 1000:.0f} / max {max(latencies) * 1000:.0f} ms; "
        f"SIGTERM to exit {stopped_in:.1f} s"
    )


def test_oversized_answers_do_not_grow_the_daemon(stack):
    daemon, bo, client = stack
    pid = daemon.process.pid
    before = peak_rss_mib(pid)
    bo.feeds["orders"] = [good_order("ord-1")]
    for feed in ("catalog", "orders"):
        bo.tricks[feed] = "oversize"
    for _ in range(3):
        results = client.post("/v1/sync", json={"streams": ["products", "orders"], "wait": True})["results"]
        assert [r["error_code"] for r in results] == ["answer_too_large", "answer_too_large"], results
    after = peak_rss_mib(pid)
    status = client.get("/v1/status")["streams"]
    assert status["products"]["state"] == "failed" and status["orders"]["state"] == "failed"
    assert after - before < 60, (before, after)
    print(f"\ndaemon peak RSS {before:.0f} MiB before, {after:.0f} MiB after six 100 MiB answers")
    bo.tricks.clear()
    [result] = client.post("/v1/sync", json={"streams": ["orders"], "wait": True})["results"]
    assert result["ok"]
    entry = client.get("/v1/status")["streams"]["orders"]
    assert entry["state"] == "ok" and entry["last_error"] is None and entry["error"] is None


def test_sync_wait_reports_the_joined_run_and_a_failure_names_the_stream_and_cause(stack):
    daemon, bo, client = stack
    ru = {**daemon.env, "LANG": "ru_RU.UTF-8", "LANGUAGE": "ru"}
    # the register has read the first 29 (the feed's cursor is past them): 40 new and a bad one follow
    bo.feeds["catalog"] += [good_product(n) for n in range(30, 70)] + [good_product(70, price=10**30)]
    bo.page_size, bo.page_delay = 5, 0.4
    client.post("/v1/sync", json={"streams": ["products"], "wait": False})
    entry = wait_state(client, "products", "running")
    deadline = time.monotonic() + 10
    while not (entry.get("progress") or {}).get("total") and time.monotonic() < deadline:
        entry = client.get("/v1/status")["streams"]["products"]
    progress = entry["progress"]
    assert progress["total"] == 41 and 0 < progress["done"] < 41 and progress["rate"] > 0, progress
    result = run_kassa("sync", "--stream", "products", "--wait", env=ru)
    assert result.returncode == 0, result.stderr
    assert "товары: передано 40" in result.stdout  # the joined run's count, not 0
    assert "prd-000070" in result.stderr and "должно быть от 0" in result.stderr
    status = run_kassa("status", env=ru)
    assert "запись prd-000070 отклонена" in status.stdout + status.stderr
    as_json = json.loads(run_kassa("status", "--json", env=ru).stdout)
    assert as_json["streams"]["products"]["skipped_records"][0]["record"] == "prd-000070"

    bo.tricks["catalog"] = "not_json"
    failed = run_kassa("sync", "--stream", "products", "--wait", env=ru)
    assert failed.returncode != 0
    assert "товары: ошибка:" in failed.stderr and "кабинет" in failed.stderr, failed.stderr
    status = run_kassa("status", "--check", env=ru)
    assert status.returncode != 0 and "синхронизация товары не удалась" in status.stdout + status.stderr


def test_sync_wait_draws_a_progress_bar_on_a_terminal(stack):
    daemon, bo, _client = stack
    bo.feeds["catalog"] += [good_product(n) for n in range(30, 60)]
    bo.page_size, bo.page_delay = 3, 0.5
    ru = {**daemon.env, "LANG": "ru_RU.UTF-8", "LANGUAGE": "ru"}
    primary, secondary = pty.openpty()
    try:
        process = subprocess.Popen(
            [*KASSA, "sync", "--stream", "products", "--wait"],
            env=ru,
            stdin=secondary,
            stdout=secondary,
            stderr=secondary,
            cwd=REPO,
            close_fds=True,
        )
        os.close(secondary)
        output = b""
        while True:
            ready, _, _ = select.select([primary], [], [], 60)
            if not ready:
                break
            try:
                chunk = os.read(primary, 4096)
            except OSError:  # the other side closed
                break
            if not chunk:
                break
            output += chunk
        assert process.wait(30) == 0
    finally:
        os.close(primary)
    text = output.decode("utf-8", "replace")
    assert "█" in text and " из 30" in text and "в секунду" in text, text
    assert "товары: передано 30" in text


def russian(text: str | None) -> bool:
    return bool(text) and any("а" <= char.lower() <= "я" for char in text)


def test_a_client_reads_refused_records_and_a_streams_error_in_its_own_language(stack):
    """The reasons are msgids with parameters for programs, and a text for a person in the
    caller's language: an integrator has no catalog of kassa's messages to translate them."""
    daemon, bo, _client = stack
    bo.feeds["catalog"].append(good_product(30, tax="vat99"))
    with daemon.client(language="ru") as client:
        [result] = client.post("/v1/sync", json={"streams": ["products"], "wait": True})["results"]
        [refused] = result["skipped_records"]
        assert russian(refused["text"]) and "vat99" in refused["text"], refused
        assert refused["reason"] == "{field} {value} is not one the register knows"
        entry = client.get("/v1/status")["streams"]["products"]
        assert entry["skipped_records"][0]["text"] == refused["text"]
        assert russian(entry["label"]), entry["label"]
        bo.tricks["catalog"] = "oversize"
        [failed] = client.post("/v1/sync", json={"streams": ["products"], "wait": True})["results"]
        assert russian(failed["error"]), failed
        entry = client.get("/v1/status")["streams"]["products"]
        assert entry["state"] == "failed" and russian(entry["last_error"]), entry
        assert entry["error"]["text"] == entry["last_error"]
