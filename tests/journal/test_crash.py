"""The crash matrix: SIGKILL the daemon at each step of a sale, restart, and count documents.

``KASSA_TEST_CRASH_AT=<step>`` (``agent.journal.crash``) makes the daemon kill itself at that
step of the next sale. After the restart recovery settles the row: before the commit there is
no row and no receipt; killed with the receipt open on the register before its row's commit
(``before_durable``) there is no row and recovery cancels the receipt; after the commit (or
mid-receipt) the row is ``failed`` and the FN has nothing (the open receipt is cancelled); after
the close the row is completed from the FN; after
the result was written the sale is simply done, only its answer was lost. Then
the same uuid is sold again: in every case exactly one receipt ends up on the FN for it, and
the agent's journal and the emulator's fiscal journal agree.
"""

from __future__ import annotations

import time

import httpx
import pytest

from agent.client import DaemonError
from agent.journal.crash import ENV, STEPS
from tests.conftest import uid
from tests.journal.e2e import agreement, journal_rows, register_and_daemon, restart_after_kill

pytestmark = pytest.mark.slow

EXPECTED = {  # step -> (journal row status after recovery, its error code, receipts on the FN for the uuid)
    "before_commit": (None, None, 0),
    "before_durable": (None, None, 0),  # the open receipt is cancelled by recovery at start
    "after_commit": ("failed", "receipt_cancelled", 0),  # the lines went out beside the commit
    "mid_receipt": ("failed", "receipt_cancelled", 0),
    "after_close": ("fiscalized", None, 1),
    "after_result": ("fiscalized", None, 1),
}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    with register_and_daemon(tmp_path_factory.mktemp("crash")) as (kkt, daemon):
        # a first sale opens the shift, so the crash hits the sale itself
        with daemon.client() as client:
            client.post("/v1/receipts", json={"uuid": uid("warm-up"), "lines": [{"code": "BREAD"}]})
        yield kkt, daemon


def receipts_for(kkt, daemon, uuid: str) -> int:
    fds = {row["fd"] for row in journal_rows(daemon) if row["uuid"] == uuid and row["fd"]}
    return len([doc for doc in kkt.receipts() if doc["fd"] in fds])


@pytest.mark.parametrize("step", STEPS)
def test_a_kill_at_each_step_ends_with_one_receipt_or_none(world, step):
    kkt, daemon = world
    uuid = uid(f"crash-{step}")
    body = {
        "uuid": uuid,
        "lines": [{"code": "MILK", "quantity": 2}, {"code": "BREAD"}],
        "payments": [{"kind": "card"}],
    }
    receipts_before = len(kkt.receipts())
    restart_after_kill(daemon, {ENV: step})
    with daemon.client(timeout=60) as client, pytest.raises((DaemonError, httpx.HTTPError)):
        client.post("/v1/receipts", json=body)  # the daemon dies under it
    assert daemon.process.wait(30) == -9
    restart_after_kill(daemon, {ENV: None})

    status, error, count = EXPECTED[step]
    rows = [row for row in journal_rows(daemon) if row["uuid"] == uuid]
    assert [(row["status"], row["error_code"]) for row in rows] == ([(status, error)] if status else [])
    assert len(kkt.receipts()) == receipts_before + count
    assert agreement(kkt, daemon) == []
    if step == "before_durable":  # recovery at start cancels the receipt the kill left open
        deadline = time.monotonic() + 30
        while "no journal row: cancelling it" not in daemon.log() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "no journal row: cancelling it" in daemon.log()

    with daemon.client(timeout=60) as client:
        again = client.post("/v1/receipts", json=body)
    assert again["status"] == "fiscalized" and again["replayed"] == (count == 1)
    assert len(kkt.receipts()) == receipts_before + 1
    assert receipts_for(kkt, daemon, uuid) == 1
    assert agreement(kkt, daemon) == []


def test_a_cash_move_the_register_made_before_a_kill_is_never_made_twice(world):
    """A cash move has no FD to look up: after a kill between the register's answer and the commit,
    the daemon cannot tell whether it was made, says so, and refuses to make it again."""
    kkt, daemon = world
    uuid = uid("cash-after-close")
    amount = 12_345
    (daemon.state_dir / "crashed-at-after_close").unlink(missing_ok=True)  # the sale's test used it
    restart_after_kill(daemon, {ENV: "after_close"})
    with daemon.client(timeout=60) as client, pytest.raises((DaemonError, httpx.HTTPError)):
        client.post("/v1/cash/in", json={"uuid": uuid, "amount": amount})
    assert daemon.process.wait(30) == -9
    restart_after_kill(daemon, {ENV: None})
    with daemon.client(timeout=60) as client:
        with pytest.raises(DaemonError) as refused:
            client.post("/v1/cash/in", json={"uuid": uuid, "amount": amount})
        assert refused.value.code == "needs_check"
        status = client.get("/v1/status")
    made = [doc for doc in kkt.journal() if doc["type"] == "cash_in" and doc["total"] == amount]
    assert len(made) == 1
    (row,) = [row for row in journal_rows(daemon) if row["uuid"] == uuid]
    assert (row["status"], row["error_code"]) == ("failed", "needs_check")
    assert [item["uuid"] for item in status["attention"]] == [uuid]
    assert "count the cash" in status["attention"][0]["message"]
    assert "needs a person" in daemon.log() and uuid in daemon.log()


def corrections_for(kkt, uuid_fds: set[int]) -> list[dict]:
    return [doc for doc in kkt.journal() if doc["type"] == "correction" and doc["fd"] in uuid_fds]


@pytest.mark.parametrize("step", ["before_durable", "after_commit", "mid_receipt", "after_close"])
def test_a_kill_during_a_correction_ends_with_one_or_none_and_a_retry_does_not_double_it(world, step):
    kkt, daemon = world
    uuid = uid(f"correction-crash-{step}")
    body = {
        "uuid": uuid,
        "reason": "the register was down",
        "document_date": "2026-11-20",
        "lines": [{"code": "MILK"}, {"code": "BREAD"}],
        "payments": [{"kind": "card"}],
    }
    before = len([doc for doc in kkt.journal() if doc["type"] == "correction"])
    (daemon.state_dir / f"crashed-at-{step}").unlink(missing_ok=True)  # the sale's test used it
    restart_after_kill(daemon, {ENV: step})
    with daemon.client(timeout=60) as client, pytest.raises((DaemonError, httpx.HTTPError)):
        client.post("/v1/corrections", json=body)
    assert daemon.process.wait(30) == -9
    restart_after_kill(daemon, {ENV: None})

    status, _error, count = EXPECTED[step]
    after_crash = [doc for doc in kkt.journal() if doc["type"] == "correction"]
    assert len(after_crash) == before + count  # zero or one, never a half
    assert [row["status"] for row in journal_rows(daemon) if row["uuid"] == uuid] == (
        [status] if status else []
    )
    assert agreement(kkt, daemon) == []

    with daemon.client(timeout=60) as client:
        again = client.post("/v1/corrections", json=body)
        replay = client.post("/v1/corrections", json=body)
    assert again["status"] == "fiscalized" and again["replayed"] == (count == 1)
    assert replay["replayed"] and replay["fd"] == again["fd"]
    assert len([doc for doc in kkt.journal() if doc["type"] == "correction"]) == before + 1
    (made,) = corrections_for(kkt, {again["fd"]})
    assert made["tags"]["1173"] == "0" and made["total"] == again["total"]
    assert agreement(kkt, daemon) == []
