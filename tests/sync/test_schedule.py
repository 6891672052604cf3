"""Intervals, "never" and "Обновить сейчас" with a clock the test moves by hand."""

from __future__ import annotations

import asyncio

import pytest

from agent.sync.scheduler import Scheduler
from agent.sync.service import SyncService


@pytest.fixture
def service(paired):
    return SyncService(paired.engine, Scheduler(paired.engine))


def pulled_due(reg) -> list[str]:
    return [stream for stream in reg.engine.due_streams(reg.clock()) if stream != "receipts"]


def test_streams_run_on_their_interval_and_never_means_never(paired, service):
    service.update_settings({"products": 300, "employees": "never", "orders": 3600})
    clock = paired.clock
    assert set(pulled_due(paired)) == {"products", "orders"}  # never run yet
    paired.engine.run("products")
    paired.engine.run("orders")
    assert pulled_due(paired) == []
    clock.advance(299)
    assert pulled_due(paired) == []
    clock.advance(2)
    assert pulled_due(paired) == ["products"]
    paired.engine.run("products")
    clock.advance(3600)
    assert set(pulled_due(paired)) == {"products", "orders"}
    clock.advance(10 * 86400)
    assert "employees" not in pulled_due(paired)


def test_receipts_wait_for_documents_and_the_heartbeat_goes_every_five_minutes(paired, bo):
    assert "receipts" in paired.engine.due_streams(paired.clock())  # the first heartbeat
    paired.engine.run("receipts")
    [registered] = bo.registers()
    assert registered["heartbeat"]["queue_depth"] == 0
    assert registered["heartbeat"]["fn"] is None  # no register here: nothing to say about its FN
    assert "receipts" not in paired.engine.due_streams(paired.clock())
    paired.add_documents(1)
    assert "receipts" in paired.engine.due_streams(paired.clock())  # a new document: at once
    paired.engine.run("receipts")
    paired.clock.advance(299)
    assert "receipts" not in paired.engine.due_streams(paired.clock())
    paired.clock.advance(2)
    assert "receipts" in paired.engine.due_streams(paired.clock())


def test_the_scheduler_tick_runs_what_is_due(paired, service, bo):
    service.update_settings({"products": 60, "employees": "never", "orders": "never"})
    paired.engine.run("receipts")  # the heartbeat is out of the way for five minutes

    async def scenario():
        started = await service.scheduler.tick()
        await service.scheduler.settle()
        return started

    assert asyncio.run(scenario()) == ["products"]
    assert service.status_summary()["streams"]["products"]["items_moved"] > 0
    assert asyncio.run(scenario()) == []
    paired.clock.advance(61)
    assert asyncio.run(scenario()) == ["products"]


def test_sync_now_runs_a_never_stream(paired, service, bo):
    service.update_settings({"employees": "never"})
    assert "employees" not in paired.engine.due_streams(paired.clock())
    [result] = asyncio.run(service.sync_now(["employees"], wait=True))
    assert result["ok"] and result["moved"] == 3
    status = service.status_summary()["streams"]["employees"]
    assert status["interval"] == "never" and status["next_run"] is None and status["last_success"]


def test_intervals_persist_and_bad_values_are_refused(paired, service, tmp_path):
    service.update_settings({"products": 14400, "orders": "never"})
    with pytest.raises(ValueError):
        service.update_settings({"employees": 61})
    again = SyncService(paired.engine, Scheduler(paired.engine)).settings()
    assert (again["products"], again["orders"], again["employees"]) == (14400, "never", 900)


def test_status_summary_shapes(paired, service):
    paired.add_documents(2)
    summary = service.status_summary()
    assert "queue" not in summary  # the journal reports the outbox queue (one place)
    assert set(summary["streams"]) == {"receipts", "products", "employees", "orders"}
    assert summary["streams"]["receipts"]["interval"] == "continuous"
    assert summary["products"] == {"count": 0, "product_sync": True}
