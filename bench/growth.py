"""Sale latency with 100,000 documents in the journal against the same with 1,000.

Both stores are built alike (``bench.fixtures.build_store``: fiscalized sales with lines,
payments and accepted uploads) and served side by side, each by its own daemon and KKT emulator;
the sales alternate between them (small, large, large, small, ...), so a load that comes and goes
on the machine falls on both alike. A ratio over 1 means something in a sale grows with the
journal (a scan where an index should be).
"""

from __future__ import annotations

import contextlib
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


def _median_sales(sizes: tuple[int, ...], sales: int) -> list[float]:
    """The median sale latency of each journal size, the sales taken in turns across them."""
    from bench.checkout import receipt_body
    from bench.fixtures import shop
    from tests.journal.e2e import wait_ready

    body = {**receipt_body(), "lines": receipt_body()["lines"][:2]}
    with contextlib.ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kassa-bench-growth-")))
        clients = []
        for documents in sizes:
            base = scratch / str(documents)
            base.mkdir()
            store = shop(base, products=10, documents=documents)
            _kkt, daemon = stack.enter_context(store)
            client = stack.enter_context(daemon.client(timeout=120))
            wait_ready(daemon, timeout=120)
            client.post("/v1/shift/open", json={})
            for _ in range(3):  # warm the caches both ways alike
                client.post("/v1/receipts", json={**body, "uuid": str(uuid.uuid4())})
            clients.append(client)
        times: list[list[float]] = [[] for _ in sizes]
        for turn in range(sales):
            order = range(len(sizes)) if turn % 2 == 0 else reversed(range(len(sizes)))
            for side in order:
                started = time.perf_counter()
                clients[side].post("/v1/receipts", json={**body, "uuid": str(uuid.uuid4())})
                times[side].append(time.perf_counter() - started)
    return [statistics.median(each) for each in times]


def cases(quick: bool) -> list[dict]:
    small, large, sales = (1_000, 10_000, 20) if quick else (1_000, 100_000, 100)
    base, grown = _median_sales((small, large), sales)
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
