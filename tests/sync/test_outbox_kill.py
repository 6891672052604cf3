"""The upload killed (SIGKILL, a real process) at every step of its pipeline: read, send, the back
office's answer, the verdicts half-written while the next batch is at the back office, the
verdicts committed. After each, no document is marked sent that the back office does not hold,
and a restarted register leaves the back office holding each document once, in order."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import select

from agent.store.models import FiscalDocument, OutboxItem
from tests.sync.harness import Register, register

REPO = Path(__file__).resolve().parents[2]
DOCUMENTS = 14  # batches of 5, 5 and 4 (tests/sync/outbox_kill.py)
STEPS = [(step, n) for step in ("read", "send", "answer", "verdicts", "written") for n in (1, 2)]
STEPS.append(("verdicts", 3))  # the last batch: nothing after it


def _outbox(reg: Register) -> dict[str, str]:
    """Each document's upload status, by uuid."""
    with reg.store.read() as session:
        rows = session.exec(
            select(FiscalDocument.uuid, OutboxItem.status).join(
                OutboxItem, OutboxItem.document_id == FiscalDocument.id
            )
        ).all()
    return dict(rows)


@pytest.mark.parametrize(("step", "n"), STEPS, ids=[f"{step}-{n}" for step, n in STEPS])
def test_killed_at_any_step_of_the_upload_each_document_is_held_once(tmp_path, bo, step, n):
    with register(tmp_path) as reg:
        reg.pair(bo)
        uuids = reg.add_documents(DOCUMENTS)
        state_dir = reg.state_dir
    child = subprocess.run(
        [sys.executable, "-m", "tests.sync.outbox_kill", str(state_dir), step, str(n)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    restarted = Register(state_dir)
    try:
        held = {d["uuid"] for d in bo.documents()}
        marked = {uuid for uuid, status in _outbox(restarted).items() if status != "pending"}
        assert marked <= held  # nothing marked sent that the back office does not hold
        result = restarted.engine.run("receipts")
        assert result.ok
        assert set(_outbox(restarted).values()) <= {"accepted", "duplicate"}
    finally:
        restarted.close()
    assert [d["uuid"] for d in bo.documents()] == uuids  # each once, in order
