"""A 10-line receipt through the local API → journal → driver → KKT emulator throttled to the wire.

The emulator (``bench.wire``) delays every byte by 10 bits at the baud rate, counts the bytes that
cross the link in both directions, how late its throttle's sleeps woke (on a busy machine a
sleep overruns) and how long it took to react to the host (framing and carrying out the
commands: the device's own work, which a real register does in its own time). Both are taken
off the receipt's time: they are neither wire nor kassa; the row's name gives each. The bound of a
receipt is its bytes × 10 / baud: the time the wire alone needs. The ratio of the median receipt
to it is what kassa adds on top (extra commands and round trips, fsyncs, HTTP). The daemon's CPU
time per receipt comes from /proc.
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

IDS = ("checkout-115200", "checkout-9600", "checkout-cpu")
TARGETS = {115200: "<= 1.2", 9600: "<= 1.1"}
LINES = 10


def receipt_body() -> dict:
    from bench.fixtures import product_code

    return {
        "lines": [{"code": product_code(index), "quantity": 1} for index in range(LINES)],
        "payments": [{"kind": "card"}],
    }


def _run(baud: int, receipts: int) -> dict:
    from bench.fixtures import cpu_seconds, shop
    from bench.wire import wire_counts
    from tests.journal.e2e import wait_ready

    with (
        tempfile.TemporaryDirectory(prefix=f"kassa-bench-{baud}-") as scratch,
        shop(Path(scratch), products=LINES, baud=baud, counted=True) as (kkt, daemon),
        daemon.client(timeout=120) as client,
    ):
        wait_ready(daemon, timeout=120)
        client.post("/v1/shift/open", json={})
        client.post("/v1/receipts", json={**receipt_body(), "uuid": str(uuid.uuid4())})  # warm
        times, raw, sent, late, device = [], [], [], [], []
        cpu = cpu_seconds(daemon.process.pid)
        for _ in range(receipts):
            count, overslept, reacting = wire_counts(kkt.link)
            started = time.perf_counter()
            client.post("/v1/receipts", json={**receipt_body(), "uuid": str(uuid.uuid4())})
            seconds = time.perf_counter() - started
            count_after, overslept_after, reacting_after = wire_counts(kkt.link)
            raw.append(seconds)
            late.append(overslept_after - overslept)
            device.append(reacting_after - reacting)
            times.append(seconds - late[-1] - device[-1])
            sent.append(count_after - count)
        cpu = cpu_seconds(daemon.process.pid) - cpu
    return {
        "median": statistics.median(times),
        "raw": statistics.median(raw),
        "late": statistics.median(late),
        "device": statistics.median(device),
        "bytes": statistics.median(sent),
        "cpu": cpu / receipts,
    }


def cases(quick: bool) -> list[dict]:
    out = []
    cpu = {}
    for baud in (115200, 9600):
        result = _run(baud, 3 if quick else 15)
        bound = result["bytes"] * 10 / baud
        cpu[baud] = result["cpu"]
        out.append(
            {
                "id": f"checkout-{baud}",
                "name": f"10-line receipt at {baud} baud, median ({result['bytes']:.0f} bytes on the link;"
                f" {result['raw'] * 1000:.0f} ms before taking off the emulator's late wake-ups, median"
                f" {result['late'] * 1000:.1f} ms, and its own time to react (framing, carrying out the"
                f" commands), median"
                f" {result['device'] * 1000:.1f} ms)",
                "value": round(result["median"] * 1000, 1),
                "unit": "ms",
                "baseline": "wire time: bytes on the link both ways × 10 / baud",
                "baseline_value": round(bound * 1000, 1),
                "target": TARGETS[baud],
                "on": "ratio",
            }
        )
    out.append(
        {
            "id": "checkout-cpu",
            "name": "the daemon's CPU time per 10-line receipt (at 115200 baud)",
            "value": round(cpu[115200] * 1000, 1),
            "unit": "ms",
            "baseline": "the same at 9600 baud",
            "baseline_value": round(cpu[9600] * 1000, 1),
            "target": None,
        }
    )
    return out


if __name__ == "__main__":
    for case in cases("--quick" in sys.argv):
        print(case)
