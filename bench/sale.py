"""Sales per second through the daemon's API to the KKT emulator, against a bare status round trip.

A sale is the journal's full path: settle, probe the register, write ``pending`` (fsync),
open/items/close over the pty, write ``fiscalized`` + outbox (fsync). The baseline is
``GET /v1/status`` on the same socket in the same run: the API's own cost, no register.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

IDS = ("sale-rate", "sale-latency", "replayed-sale")
REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def _rate(count: int, seconds: float) -> float:
    return round(count / seconds, 2) if seconds > 0 else 0.0


def cases(quick: bool) -> list[dict]:
    from tests.journal.e2e import register_and_daemon

    sales = 10 if quick else 60
    lines = [{"code": "BREAD", "quantity": 2}, {"code": "MILK"}]
    with (
        tempfile.TemporaryDirectory(prefix="kassa-bench-sale-") as scratch,
        register_and_daemon(Path(scratch)) as (_kkt, daemon),
        daemon.client(timeout=120) as client,
    ):
        client.post("/v1/shift/open", json={})
        body = {"lines": lines, "payments": [{"kind": "card"}]}
        latencies = []
        started = time.perf_counter()
        for _ in range(sales):
            one = time.perf_counter()
            client.post("/v1/receipts", json={**body, "uuid": str(uuid.uuid4())})
            latencies.append(time.perf_counter() - one)
        sale_seconds = time.perf_counter() - started
        rounds = sales * 5
        started = time.perf_counter()
        for _ in range(rounds):
            client.get("/v1/status")
        status_seconds = time.perf_counter() - started
        replay = {**body, "uuid": str(uuid.uuid4())}
        client.post("/v1/receipts", json=replay)
        started = time.perf_counter()
        for _ in range(rounds):
            client.post("/v1/receipts", json=replay)
        replay_seconds = time.perf_counter() - started
    status_rate = _rate(rounds, status_seconds)
    return [
        {
            "id": "sale-rate",
            "name": "sale: API → journal → KKT emulator (2 lines, card)",
            "value": _rate(sales, sale_seconds),
            "unit": "sales/s",
            "baseline": "bound: the register, not the agent, sets the pace",
            "baseline_value": 2,
            "target": ">= 2",
        },
        {
            "id": "sale-latency",
            "name": "sale latency from the cashier's Enter to the fiscal sign, median",
            "value": round(statistics.median(latencies) * 1000, 1),
            "unit": "ms",
            "baseline": "bound",
            "baseline_value": 500,
            "target": "< 500",
        },
        {
            "id": "replayed-sale",
            "name": "replayed sale (same uuid: first result, no register)",
            "value": _rate(rounds, replay_seconds),
            "unit": "answers/s",
            "baseline": "GET /v1/status round trips on the same socket",
            "baseline_value": status_rate,
            "target": ">= 0.5",
            "on": "ratio",
        },
    ]
