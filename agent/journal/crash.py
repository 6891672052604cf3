"""Test hook: die at a named step of a fiscal operation, as a power cut would.

``KASSA_TEST_CRASH_AT=<step>`` makes the daemon SIGKILL itself the first time an operation
reaches that step (once per state dir: a marker file remembers it, so the restarted daemon
runs on). Steps: ``before_commit`` (the pending row is not written yet), ``before_durable`` (a
receipt open on the register with a line in, its row's commit not yet made: the two go side by
side), ``after_commit`` (written; a receipt's lines are in, its close not sent), ``mid_receipt``
(written, receipt open on the register, one line in), ``after_close`` (the register closed it, the
result is not written), ``after_result`` (the result and the outbox row committed, the client not
answered yet); for marked goods also ``after_marks`` (the FN checked and accepted the codes,
nothing is written). ``first`` runs just before the kill (only then): what the step needs to have
happened in another thread. Unset in production, where this is one dictionary look-up.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from pathlib import Path

STEPS = ("before_commit", "before_durable", "after_commit", "mid_receipt", "after_close", "after_result")
ENV = "KASSA_TEST_CRASH_AT"


def crash_point(step: str, state_dir: Path | None = None, first: Callable[[], object] | None = None) -> None:
    if os.environ.get(ENV) != step:
        return
    if state_dir is not None:
        marker = Path(state_dir) / f"crashed-at-{step}"
        if marker.exists():
            return
    if first is not None:
        first()
    if state_dir is not None:
        fd = os.open(marker, os.O_CREAT | os.O_WRONLY, 0o600)
        os.fsync(fd)
        os.close(fd)
    os.kill(os.getpid(), signal.SIGKILL)
