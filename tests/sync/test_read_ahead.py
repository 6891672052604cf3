"""The next batch is read while one is in flight: still one request at a time, in order, exactly once.

The real back office on loopback; the register's side is wrapped only to watch (and, for the crash,
to stop) it: when each batch is read, what each request carries, and when an answer comes back.
"""

from __future__ import annotations

import json
import threading

import pytest
from sqlmodel import select

from agent.backoffice import BackofficeClient
from agent.store.models import OutboxItem
from agent.sync.receipts import Backoff
from agent.thread_pool import WarmPool
from tests.sync.harness import Register, register

BATCH = 5


class Crash(BaseException):
    """The process dies here: nothing after it runs (no handler of the daemon's catches it)."""


class Watch:
    """What the receipt stream did, in order: ``read`` of a batch, ``send``/``answer`` of a request."""

    def __init__(self, reg: Register, monkeypatch, answer=None, before=None):
        self.events: list[tuple[str, list[str]]] = []
        self.requests: list[list[str]] = []
        self.changed = threading.Condition()
        self.threads: list[str] = []  # where each batch was read
        stream = reg.engine.streams["receipts"]
        stream.batch = BATCH
        build = stream.payload

        def payload(session, docs):
            built = build(session, docs)
            self.threads.append(threading.current_thread().name)
            self._note("read", [d["uuid"] for d in built])
            return built

        stream.payload = payload
        send = BackofficeClient.send_documents

        def send_documents(client, body):
            uuids = [d["uuid"] for d in json.loads(body)["documents"]]
            self._note("send", uuids)
            self.requests.append(uuids)
            if before is not None:
                before(len(self.requests))
            results = send(client, body)
            if answer is not None:
                results = answer(len(self.requests), results)
            self._note("answer", uuids)
            return results

        monkeypatch.setattr(BackofficeClient, "send_documents", send_documents)

    def _note(self, what: str, uuids: list[str]) -> None:
        with self.changed:
            self.events.append((what, uuids))
            self.changed.notify_all()

    def reads(self) -> int:
        return len([event for event in self.events if event[0] == "read"])

    def wait_reads(self, count: int) -> None:
        """Until ``count`` batches have been read (the answer waits for the read ahead)."""
        with self.changed:
            assert self.changed.wait_for(lambda: self.reads() >= count, timeout=10)


def _statuses(reg: Register) -> list[str]:
    with reg.store.read() as session:
        return [item.status for item in session.exec(select(OutboxItem).order_by(OutboxItem.id))]


def test_the_next_batch_is_read_while_the_back_office_works_and_sent_after_the_answer(
    paired, bo, monkeypatch
):
    uuids = paired.add_documents(12)

    def late(request: int, results: list[dict]) -> list[dict]:
        if request == 1:  # the back office answers batch 1 only once batch 2 has been read
            watch.wait_reads(2)
        return results

    watch = Watch(paired, monkeypatch, answer=late)
    result = paired.engine.run("receipts")
    assert result.ok and result.moved == 12
    assert watch.requests == [uuids[0:5], uuids[5:10], uuids[10:12]]
    first, second = uuids[0:5], uuids[5:10]
    events = watch.events
    assert events.index(("read", second)) < events.index(("answer", first))  # read while in flight
    assert events.index(("answer", first)) < events.index(("send", second))  # one request at a time
    assert [d["uuid"] for d in bo.documents()] == uuids
    assert all(d["duplicates"] == 0 for d in bo.documents())
    assert _statuses(paired) == ["accepted"] * 12


def _forget(document: int):
    """An answer to the first request that says nothing of its ``document``-th document."""

    def answer(request: int, results: list[dict]) -> list[dict]:
        return [r for i, r in enumerate(results) if not (request == 1 and i == document)]

    return answer


def test_a_document_left_without_verdict_goes_before_the_batch_read_ahead(paired, bo, monkeypatch):
    uuids = paired.add_documents(12)
    watch = Watch(paired, monkeypatch, answer=_forget(2))
    result = paired.engine.run("receipts")  # no backoff here: the forgotten one is due again at once
    assert result.ok
    assert watch.requests[0] == uuids[0:5]
    assert watch.requests[1] == [uuids[2], *uuids[5:9]]  # the batch read ahead (5..9) was not sent
    assert [uuid for request in watch.requests for uuid in request if uuid != uuids[2]] == [
        u for u in uuids if u != uuids[2]
    ]
    assert [d["uuid"] for d in bo.documents()] == uuids  # the back office holds each once
    assert {d["uuid"]: d["duplicates"] for d in bo.documents()}[uuids[2]] == 1
    assert _statuses(paired) == ["accepted"] * 2 + ["duplicate"] + ["accepted"] * 9


def test_a_document_waiting_out_its_backoff_holds_back_the_batch_read_ahead(tmp_path, bo, monkeypatch):
    with register(tmp_path, backoff=Backoff(base=60, cap=60)) as reg:
        reg.pair(bo)
        uuids = reg.add_documents(12)
        watch = Watch(reg, monkeypatch, answer=_forget(2))
        reg.engine.run("receipts")
        assert watch.reads() >= 2  # batch 2 was read ahead...
        assert watch.requests == [uuids[0:5]]  # ...and not sent: nothing overtakes a waiting document
        assert _statuses(reg) == ["accepted"] * 2 + ["pending"] + ["accepted"] * 2 + ["pending"] * 7


@pytest.mark.parametrize("acknowledged", [False, True], ids=["before-it-arrives", "after-it-is-stored"])
def test_a_crash_between_overlapping_batches_resends_only_what_was_not_acknowledged(
    tmp_path, bo, monkeypatch, acknowledged
):
    """The process dies with batch 2 in flight (not yet at the back office, or stored there and its
    answer not yet written) and batch 3 read ahead; the restarted register sends batch 2 again and
    the rest once: the back office holds each document once."""
    with register(tmp_path) as reg:
        reg.pair(bo)
        uuids = reg.add_documents(14)

        def crash(request: int, *results) -> list[dict]:
            if request == 2:
                watch.wait_reads(3)
                raise Crash()
            return results[0] if results else []

        hook = {"answer": crash} if acknowledged else {"before": crash}
        watch = Watch(reg, monkeypatch, **hook)
        with pytest.raises(Crash):
            reg.engine.run("receipts")
        assert ("read", uuids[10:14]) in watch.events  # batch 3 was read ahead
        assert watch.requests == [uuids[0:5], uuids[5:10]]
        assert _statuses(reg) == ["accepted"] * 5 + ["pending"] * 9
        assert [d["uuid"] for d in bo.documents()] == uuids[: 10 if acknowledged else 5]
        state_dir = reg.state_dir
    monkeypatch.undo()
    restarted = Register(state_dir)  # a new process on the same state dir
    try:
        result = restarted.engine.run("receipts")
        assert result.ok and result.moved == 9
        assert (
            _statuses(restarted)
            == ["accepted"] * 5 + ["duplicate" if acknowledged else "accepted"] * 5 + ["accepted"] * 4
        )
    finally:
        restarted.close()
    received = bo.documents()
    assert [d["uuid"] for d in received] == uuids  # each once, in order
    assert [d["uuid"] for d in received if d["duplicates"]] == (uuids[5:10] if acknowledged else [])


def test_in_the_daemon_the_read_ahead_runs_on_syncs_own_threads(paired, bo, monkeypatch):
    pool = WarmPool(2, "test-sync")
    pool.start_all()
    paired.engine.pool = pool  # as the scheduler gives it
    try:
        uuids = paired.add_documents(12)
        watch = Watch(paired, monkeypatch)
        before = threading.active_count()
        assert paired.engine.run("receipts").moved == 12
        assert threading.active_count() == before
        assert len(watch.threads) == 3 and set(watch.threads[1:]) <= {"test-sync_0", "test-sync_1"}
        assert watch.requests == [uuids[0:5], uuids[5:10], uuids[10:12]]
    finally:
        pool.shutdown()


def test_with_every_worker_busy_the_next_batch_is_read_in_turn(paired, bo, monkeypatch):
    pool = WarmPool(1, "test-busy")
    pool.start_all()
    release = threading.Event()
    busy = pool.submit(release.wait, 30)  # another stream holds the only worker
    paired.engine.pool = pool
    try:
        uuids = paired.add_documents(12)
        watch = Watch(paired, monkeypatch)
        assert paired.engine.run("receipts").moved == 12
        assert not busy.done()  # the run ended while the other stream still held the worker
        assert "test-busy_0" not in watch.threads  # never waited for the busy worker
        assert watch.requests == [uuids[0:5], uuids[5:10], uuids[10:12]]
        assert [d["uuid"] for d in bo.documents()] == uuids
    finally:
        release.set()
        pool.shutdown()
