"""A catalog large enough that its first sync takes a while, on the real daemon: sales go through
while it is written, and a daemon killed half-way resumes from its cursor without losing or doubling
a product. Liveness with generous deadlines, not speed targets (those are in bench/)."""

from __future__ import annotations

import sqlite3
import time

import pytest

from agent.store import DATABASE_NAME
from tests.fixtures.backoffice import backoffice_server
from tests.fixtures.daemon import running_daemon
from tests.fixtures.kkt import kkt_config, kkt_emulator
from tests.sync.harness import paired_by_hand, timed_sale, wait_register_ready

pytestmark = pytest.mark.slow

CATALOG = 30_000


@pytest.fixture
def stack(tmp_path):
    with (
        kkt_emulator(tmp_path) as kkt,
        backoffice_server(tmp_path, products=CATALOG, employees=1) as bo,
        running_daemon(tmp_path, config=kkt_config(kkt)) as daemon,
    ):
        yield daemon, bo, paired_by_hand(daemon, bo.code(), bo.url)


def products_entry(client) -> dict:
    return client.get("/v1/status")["streams"]["products"]


def wait_written(client, count: int, timeout: float = 120) -> None:
    """Until the running first sync has written ``count`` records."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        entry = products_entry(client)
        if entry["state"] == "running" and (entry["progress"] or {}).get("done", 0) >= count:
            return
        if entry["state"] not in ("running", "idle", "off"):
            raise AssertionError(f"the sync ended before {count} records: {entry}")
        time.sleep(0.05)
    raise AssertionError(f"the sync did not write {count} records in {timeout} s: {products_entry(client)}")


def register_catalog(daemon) -> list[tuple]:
    """Every product as stored, with its group's remote id and its barcodes, by code."""
    with sqlite3.connect(f"file:{daemon.state_dir / DATABASE_NAME}?mode=ro", uri=True) as db:
        rows = db.execute(
            "SELECT p.remote_id, p.code, p.name, p.price, g.remote_id,"
            " (SELECT group_concat(code, ' ') FROM (SELECT code FROM barcode b"
            "  WHERE b.product_id = p.id ORDER BY code))"
            " FROM product p LEFT JOIN product_group g ON g.id = p.group_id"
        ).fetchall()
    return sorted((*row[:5], row[5] or "") for row in rows)


def office_catalog(bo) -> list[tuple]:
    return sorted(
        (p["id"], p["code"], p["name"], p["price"], p["group_id"], " ".join(sorted(p["barcodes"])))
        for p in bo.products()
    )


def test_sales_go_through_while_a_large_catalog_is_written(stack):
    _daemon, bo, client = stack
    client.post("/v1/sync", json={"streams": ["products"], "wait": False})
    wait_written(client, 2000)
    codes = [p["code"] for p in bo.products()[:1000] if not p["marked"] and not p["weighted"]]
    during = []
    for code in codes[:20]:
        before = products_entry(client)["state"]
        latency = timed_sale(client, code)  # the first one also opens the shift
        if before == "running" and products_entry(client)["state"] == "running":
            during.append(latency)
        if len(during) >= 5:
            break
    assert during, "the sync ended before a sale could be made during it"
    assert max(during) < 10, during  # liveness, generously: a sale never waits for the catalog
    [result] = client.post("/v1/sync", json={"streams": ["products"], "wait": True})["results"]
    assert result["ok"], result
    assert client.get("/v1/status")["products"]["count"] == CATALOG
    print(f"\nsale latency during the first sync of {CATALOG} products: {[round(s, 3) for s in during]} s")


def test_a_daemon_killed_mid_sync_resumes_without_losing_or_doubling_a_product(stack):
    daemon, bo, client = stack
    client.post("/v1/sync", json={"streams": ["products"], "wait": False})
    wait_written(client, 5000)
    daemon.kill()  # a crash between two pages (or in one: its transaction goes with it)
    client = daemon.start().client(timeout=120)
    wait_register_ready(client)
    kept = len(register_catalog(daemon))
    assert 0 < kept < CATALOG
    [result] = client.post("/v1/sync", json={"streams": ["products"], "wait": True})["results"]
    assert result["ok"], result
    assert result["moved"] <= CATALOG - kept + 1000  # resumed from the cursor, not from the start
    assert register_catalog(daemon) == office_catalog(bo)
