"""The crash matrix for a sale of marked goods: SIGKILL the daemon at each step, from the FN's
checks of the codes (``after_marks``) to the answer, restart, and sell the same uuid again.

Every case ends with exactly one receipt holding the units' codes. A retry after a receipt the FN
closed is a replay and never checks the codes again (the FN has them as sold: a second check would
be refused); a retry before the close checks them again, which the FN takes (a check replaces the
one before, and a cancelled receipt leaves accepted codes unused).
"""

from __future__ import annotations

import httpx
import pytest

from agent.client import DaemonError
from agent.journal.crash import ENV, STEPS
from sim.kkt.marks import issue
from tests.conftest import uid
from tests.journal.e2e import (
    MILK_GTIN,
    add_marked_milk,
    agreement,
    journal_rows,
    register_and_daemon,
    restart_after_kill,
)

pytestmark = pytest.mark.slow

EXPECTED = {  # step -> (journal row status after recovery, receipts on the FN for the uuid)
    "after_marks": (None, 0),
    "before_commit": (None, 0),
    "before_durable": (None, 0),
    "after_commit": ("failed", 0),
    "mid_receipt": ("failed", 0),
    "after_close": ("fiscalized", 1),
    "after_result": ("fiscalized", 1),
}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    with register_and_daemon(tmp_path_factory.mktemp("marks-crash")) as (kkt, daemon):
        add_marked_milk(daemon)
        with daemon.client() as client:  # opens the shift, so the crash hits the sale itself
            client.post("/v1/receipts", json={"uuid": uid("marks-warm-up"), "lines": [{"code": "BREAD"}]})
        yield kkt, daemon


@pytest.mark.parametrize("step", ["after_marks", *STEPS])
def test_a_kill_at_each_step_of_a_marked_sale_ends_with_one_receipt_with_its_codes(world, step):
    kkt, daemon = world
    uuid = uid(f"marks-crash-{step}")
    codes = [issue(MILK_GTIN), issue(MILK_GTIN)]
    body = {"uuid": uuid, "lines": [{"code": "MILK-M", "quantity": 2, "marks": codes}, {"code": "BREAD"}]}
    receipts_before = len(kkt.receipts())
    restart_after_kill(daemon, {ENV: step})
    with daemon.client(timeout=60) as client, pytest.raises((DaemonError, httpx.HTTPError)):
        client.post("/v1/receipts", json=body)  # the daemon dies under it
    assert daemon.process.wait(30) == -9
    restart_after_kill(daemon, {ENV: None})

    status, count = EXPECTED[step]
    rows = [row for row in journal_rows(daemon) if row["uuid"] == uuid]
    assert [row["status"] for row in rows] == ([status] if status else [])
    assert len(kkt.receipts()) == receipts_before + count
    assert agreement(kkt, daemon) == []

    with daemon.client(timeout=60) as client:
        again = client.post("/v1/receipts", json=body)
    assert again["status"] == "fiscalized" and again["replayed"] == (count == 1)
    assert [mark["code"] for mark in again["lines"][0]["marks"]] == codes
    assert len(kkt.receipts()) == receipts_before + 1
    (doc,) = [doc for doc in kkt.receipts() if doc["fd"] == again["fd"]]
    assert [item.get("mark", {}).get("code") for item in doc["items"]] == [*codes, None]
    assert agreement(kkt, daemon) == []
