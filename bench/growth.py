"""Sale latency with 100,000 documents in the journal against the same with 1,000.

Both stores are built alike (``bench.fixtures.build_store``: fiscalized sales with lines,
payments and accepted uploads); the sales then go through the API to the KKT emulator. A ratio
over 1 means something in a sale grows with the journal (a scan where an index should be).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

IDS = ("sale-growth",)


def _median_sale(documents: int, sales: int) -> float:
    from bench.checkout import receipt_body
    from bench.fixtures import shop
    from tests.journal.e2e import wait_ready

    body = {**receipt_body(), "lines": receipt_body()["lines"][:2]}
    with (
        tempfile.TemporaryDirectory(prefix="kassa-bench-growth-") as scratch,
        shop(Path(scratch), products=10, documents=documents) as (_kkt, daemon),
        daemon.client(timeout=120) as client,
    ):
        wait_ready(daemon, timeout=120)
        client.post("/v1/shift/open", json={})
        for _ in range(3):  # warm the caches both ways alike
            client.post("/v1/receipts", json={**body, "uuid": str(uuid.uuid4())})
        times = []
        for _ in range(sales):
            started = time.perf_counter()
            client.post("/v1/receipts", json={**body, "uuid": str(uuid.uuid4())})
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def cases(quick: bool) -> list[dict]:
    small, large, sales = (1_000, 10_000, 20) if quick else (1_000, 100_000, 30)
    base = _median_sale(small, sales)
    grown = _median_sale(large, sales)
    return [
        {
            "id": "sale-growth",
            "name": f"sale latency (2 lines), median, {large:,} documents in the journal",
            "value": round(grown * 1000, 1),
            "unit": "ms",
            "baseline": f"the same with {small:,} documents",
            "baseline_value": round(base * 1000, 1),
            "target": "<= 1.1",
            "on": "ratio",
        }
    ]
