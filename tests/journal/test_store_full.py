"""A full disk refuses the sale before the register fiscalizes anything.

The journal runs in a subprocess whose file-size limit (RLIMIT_FSIZE) lets the store grow
only a little: SQLite then fails with a real "disk full"-class error on commit. Every sale
either is journaled and fiscalized, or is refused with ``store_failed`` and never closed on the
register (its receipt, opened while the row was committed, is cancelled).
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import REPO

SCRIPT = r"""
import asyncio, json, os, resource, sys, uuid
from pathlib import Path
from agent.journal.errors import JournalError
from agent.journal.journal import Journal
from agent.journal.requests import SaleRequest
from agent.journal.sale import sell
from tests.journal.fakes import FakeRegister, make_context

state = Path(sys.argv[1])
register = FakeRegister()
ctx = make_context(state, register)
journal = Journal(ctx)
largest = max(path.stat().st_size for path in state.iterdir())
resource.setrlimit(resource.RLIMIT_FSIZE, (largest + 1024 * 1024, resource.RLIM_INFINITY))
outcomes = []
for n in range(400):
    line = {"name": "x" * 100, "price": 100 + n, "tax": "vat20"}
    request = SaleRequest(uuid=str(uuid.UUID(int=n)), lines=[line])
    before = len(register.calls)
    try:
        asyncio.run(sell(journal, request))
        outcomes.append(["ok", register.calls[before:].count("close_receipt")])
    except JournalError as exc:
        calls = register.calls[before:]
        left_open = calls.count("open_receipt") - calls.count("cancel_receipt")
        outcomes.append([exc.code, calls.count("close_receipt"), str(exc), left_open])
        break
print(json.dumps({"outcomes": outcomes, "receipts": len(register.receipts())}))
"""


def test_a_full_disk_refuses_the_sale_before_the_register_closes_it(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    *sold, refused = report["outcomes"]
    assert sold and all(outcome == ["ok", 1] for outcome in sold)
    assert refused[0] == "store_failed", refused
    assert refused[1] == 0  # the refused sale was never closed
    assert refused[3] == 0  # and its receipt, if opened, was cancelled
    assert "nothing was fiscalized" in refused[2]
    assert report["receipts"] == len(sold)
