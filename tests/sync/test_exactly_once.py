"""Every document exactly once, in order, through a proxy that resets, fails, delays and drops.

Documents are written by the journal's own record functions (``write_pending`` + ``mark_fiscalized``,
which also adds the outbox row), not by 1,000 round trips to the KKT emulator.
"""

from __future__ import annotations

import time

import pytest

from sim.faultproxy import FaultProxy
from tests.sync.harness import register
from tests.sync.helpers import office_products, register_products

CLIENT_TIMEOUT = 1.0
PROXY_DELAY = 1.5  # longer than the client waits: the server commits after the client gave up
SYNCED = ["/api/v1/documents", "/api/v1/catalog", "/api/v1/employees", "/api/v1/heartbeat"]  # not pairing


def _received(bo) -> list[str]:
    return [d["uuid"] for d in bo.documents() if d["status"] == "accepted"]


@pytest.mark.parametrize("kind", ["reset", "500", "503", "delay", "drop"])
def test_each_fault_then_a_retry_delivers_exactly_once(tmp_path, bo, kind):
    with (
        FaultProxy(bo.url, delay=PROXY_DELAY, paths=["/api/v1/documents"]) as proxy,
        register(tmp_path, timeout=CLIENT_TIMEOUT) as reg,
    ):
        reg.pair(bo, proxy.url)
        uuids = reg.add_documents(3)
        proxy.force(kind)
        first = reg.engine.run("receipts")
        assert not first.ok
        if kind == "delay":  # let the held request reach the server before the retry
            deadline = time.monotonic() + 10
            while proxy.counters["forwarded"] < 1 and time.monotonic() < deadline:
                time.sleep(0.05)
        second = reg.engine.run("receipts")
        assert second.ok and second.moved == 3
        assert _received(bo) == uuids
        assert proxy.counters[kind] == 1


def test_a_thousand_receipts_offline_and_online_through_a_third_of_requests_failing(tmp_path):
    from tests.sync.harness import office

    with (
        office(tmp_path, products=300, employees=2) as bo,
        FaultProxy(bo.url, fail=1 / 3, seed=7, delay=PROXY_DELAY, paths=SYNCED) as proxy,
        register(tmp_path, timeout=CLIENT_TIMEOUT, page_limit=50) as reg,
    ):
        reg.pair(bo, proxy.url)
        started = time.monotonic()
        bo.stop()  # offline: the first half is made with no back office at all
        uuids = reg.add_documents(500)
        assert not reg.engine.run("receipts").ok
        bo.start()
        runs = 0
        while True:
            if len(uuids) < 1000:
                uuids += reg.add_documents(100)  # sales keep coming while uploading
            if runs % 5 == 0:
                bo.upsert_product(code=f"LIVE-{runs}", name="Новый товар", price=100 + runs)
            receipts = reg.engine.run("receipts")
            products = reg.engine.run("products")
            runs += 1
            with reg.store.read() as session:
                from agent.journal.records import outbox_queue

                depth = outbox_queue(session, reg.clock())["depth"]
            if len(uuids) == 1000 and depth == 0 and receipts.ok and products.ok:
                break
            assert runs < 500
        elapsed = time.monotonic() - started
        received = _received(bo)
        assert received == uuids  # all, once each, in order
        assert len(set(received)) == 1000
        assert register_products(reg.store) == office_products(bo)
        faults = {kind: proxy.counters[kind] for kind in ("reset", "500", "503", "delay", "drop")}
        print(
            f"\n1000 receipts: {runs} runs, {elapsed:.1f} s, "
            f"{proxy.counters['requests']} requests, faults {faults}"
        )
        assert sum(faults.values()) >= proxy.counters["requests"] / 5
