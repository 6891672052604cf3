"""The daemon starts its threads before READY: sales, syncs, a Z report and a back office that goes
away and comes back leave the count where it was. Counted as the soak counts them: every thread of the
daemon's process, from /proc."""

from __future__ import annotations

import pytest

from bench.soak import proc_status, sale_body
from bench.torture_stack import stack

pytestmark = pytest.mark.slow


def threads(world) -> int:
    return proc_status(world.daemon.process.pid)[2]


def test_repeated_sales_and_syncs_start_no_thread():
    with stack(seed=7) as world, world.daemon.client(timeout=60) as client:
        at_start = threads(world)
        counts = []
        for round_ in range(6):
            for number in range(8):
                client.post("/v1/receipts", json=sale_body(round_ * 8 + number))
            if round_ == 2:
                world.office.stop()  # sync now fails, to retry later
            if round_ == 4:
                world.office.start()
            client.post("/v1/sync", json={"streams": ["all"], "wait": True})
            if round_ == 3:
                client.post("/v1/shift/close", json={})
            counts.append(threads(world))
        world.settle()
        counts.append(threads(world))
        assert counts == [at_start] * len(counts)
