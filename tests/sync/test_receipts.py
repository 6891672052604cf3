"""Receipt upload from the outbox: order, batches, verdicts kept, backoff that survives a restart."""

from __future__ import annotations

import os
from datetime import timedelta

from sqlmodel import select

from agent.store.models import FiscalDocument, OutboxItem
from agent.sync import receipts
from agent.sync.receipts import Backoff
from tests.sync.harness import Register


def _outbox(reg) -> list[OutboxItem]:
    with reg.store.read() as session:
        return list(session.exec(select(OutboxItem).order_by(OutboxItem.id)).all())


def test_documents_upload_in_order_in_batches(paired, bo):
    uuids = paired.add_documents(120)
    result = paired.engine.run("receipts")
    assert result.ok and result.moved == 120
    assert [d["uuid"] for d in bo.documents()] == uuids
    assert {item.status for item in _outbox(paired)} == {"accepted"}


def test_a_resend_after_a_lost_answer_is_a_duplicate_not_a_second_document(paired, bo):
    uuids = paired.add_documents(3)
    paired.engine.run("receipts")
    with paired.store.write() as session:  # as if the answer had never arrived
        for item in session.exec(select(OutboxItem)).all():
            item.status, item.done_at = "pending", None
            session.add(item)
    assert paired.engine.run("receipts").moved == 3
    assert [item.status for item in _outbox(paired)] == ["duplicate"] * 3
    received = bo.documents()
    assert [d["uuid"] for d in received] == uuids and all(d["duplicates"] == 1 for d in received)


def test_conflict_and_rejected_are_kept_and_do_not_block_the_queue(paired, bo):
    [first] = paired.add_documents(1)
    paired.engine.run("receipts")
    bad, after = paired.add_documents(2)
    with paired.store.write() as session:
        doc = session.exec(select(FiscalDocument).where(FiscalDocument.uuid == first)).one()
        doc.buyer_contact = "changed@example.com"  # same uuid, another payload
        session.add(doc)
        item = session.exec(select(OutboxItem).where(OutboxItem.document_id == doc.id)).one()
        item.status = "pending"  # sent again, and behind it the rest of the queue
        item.id = 10_000
        session.add(item)
        bogus = session.exec(select(FiscalDocument).where(FiscalDocument.uuid == bad)).one()
        bogus.uuid = "not-a-uuid"
        session.add(bogus)
    result = paired.engine.run("receipts")
    assert result.ok and result.moved == 3
    verdicts = {item.document_id: item for item in _outbox(paired)}
    assert verdicts[doc.id].status == "conflict"
    assert verdicts[bogus.id].status == "rejected" and "uuid" in verdicts[bogus.id].result_message
    assert {d["uuid"]: d["status"] for d in bo.documents()}[after] == "accepted"
    assert "pending" not in {item.status for item in _outbox(paired)}
    shown = _documents_api(paired, status="problems")
    assert {(d["uuid"], d["upload"]) for d in shown["items"]} == {
        (first, "conflict"),
        ("not-a-uuid", "rejected"),
    }
    assert shown["counts"] == {"accepted": 1, "conflict": 1, "rejected": 1}


def _documents_api(reg, **params) -> dict:
    """GET /v1/documents from the real local API app on this register's store."""
    from fastapi.testclient import TestClient

    from agent.api.app import create_app
    from agent.config import Settings
    from agent.config.schema import Config
    from agent.daemon.api_socket import WithPeer
    from agent.daemon.context import Context

    settings = Settings(Config(), None, reg.state_dir, reg.state_dir / "agent.sock")
    ctx = Context(settings=settings, store=reg.store, devices=None, profiles=None, clock=reg.clock)
    technician = WithPeer(create_app(ctx), (os.getpid(), os.getuid(), os.getgid()))  # as over the socket
    with TestClient(technician) as client:
        return client.get("/v1/documents", params=params).json()


def test_backoff_is_persisted_and_survives_a_restart(reg, bo):
    reg.pair(bo)
    reg.add_documents(2)
    bo.stop()
    reg.engine.streams["receipts"].backoff = Backoff(base=30, cap=600)
    result = reg.engine.run("receipts")
    assert not result.ok and result.error_code == "backoffice_unreachable"
    items = _outbox(reg)
    retry_at = items[0].next_attempt_at
    assert all(item.next_attempt_at == retry_at and item.attempts == 1 for item in items)
    assert reg.clock() + timedelta(seconds=15) <= retry_at <= reg.clock() + timedelta(seconds=30)
    reg.close()

    restarted = Register(reg.state_dir)  # a new process on the same state dir
    restarted.clock.now = reg.clock.now
    try:
        with restarted.store.read() as session:
            assert not receipts.due(session, restarted.clock())
            assert receipts.due(session, retry_at)
        restarted.clock.now = retry_at
        bo.start()
        assert restarted.engine.run("receipts").moved == 2
    finally:
        restarted.close()


def test_a_failed_upload_backs_off_with_the_daemons_default_settings(reg, bo):
    """The daemon builds its engine without a backoff: a failed upload must still wait and count."""
    from agent.sync.engine import SyncEngine

    reg.engine = SyncEngine(reg.store, reg.pairing, clock=reg.clock, timeout=5.0)
    reg.pair(bo)
    reg.add_documents(1)
    bo.stop()
    result = reg.engine.run("receipts")
    assert not result.ok and result.error_code == "backoffice_unreachable"
    (item,) = _outbox(reg)
    assert item.attempts == 1 and item.next_attempt_at > reg.clock()


def test_backoff_grows_exponentially_with_jitter():
    backoff = Backoff(base=2, cap=600)
    delays = [backoff.delay(attempt) for attempt in range(1, 12)]
    for attempt, delay in enumerate(delays, start=1):
        step = min(600, 2 * 2 ** (attempt - 1))
        assert step / 2 <= delay <= step
    assert backoff.delay(1, at_least=45) == 45
