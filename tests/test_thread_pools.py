"""The pieces that keep the daemon's thread count fixed: a pool started whole, one deadline thread."""

from __future__ import annotations

import threading
import time

from agent.http_exchange import Deadlines
from agent.thread_pool import WarmPool


def test_a_warm_pool_starts_every_worker_at_once_and_keeps_them():
    pool = WarmPool(5, "test-warm")
    try:
        pool.start_all()
        started = {thread.name for thread in threading.enumerate() if thread.name.startswith("test-warm")}
        assert len(started) == 5
        gate = threading.Barrier(5, timeout=5)
        for future in [pool.submit(gate.wait) for _ in range(5)]:
            future.result()
        after = {thread.name for thread in threading.enumerate() if thread.name.startswith("test-warm")}
        assert after == started
    finally:
        pool.shutdown()


def test_deadlines_fire_in_order_on_one_thread_and_a_cancelled_one_never():
    deadlines = Deadlines()
    fired: list[tuple[str, str]] = []
    done = threading.Event()

    def note(name: str):
        def action():
            fired.append((name, threading.current_thread().name))
            if name == "last":
                done.set()

        return action

    deadlines.arm(0.3, note("last"))
    deadlines.arm(0.1, note("first"))
    cancelled = deadlines.arm(0.2, note("cancelled"))
    deadlines.cancel(cancelled)
    assert deadlines.pending() == 2
    before = threading.active_count()
    assert done.wait(5)
    assert fired == [("first", "kassa-deadlines"), ("last", "kassa-deadlines")]
    assert threading.active_count() == before
    time.sleep(0.05)
    assert deadlines.pending() == 0


def test_a_failing_deadline_action_does_not_stop_the_others():
    deadlines = Deadlines()
    done = threading.Event()

    def broken():
        raise RuntimeError("boom")

    deadlines.arm(0.05, broken)
    deadlines.arm(0.1, done.set)
    assert done.wait(5)
