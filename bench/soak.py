"""Soak: a long day compressed — N receipts as fast as the unthrottled emulator answers.

    python -m bench.soak --receipts 20000

Sales go through the local API one after another (catalog lines, cash and card), the receipts
sync runs on its own and is also asked for now and then, a shift is closed (Z report) every
few thousand receipts, and the back office goes away for a while and comes back. Every
``--every`` receipts the daemon's RSS, open file descriptors and threads, the journal's and
its WAL's size and the window's sale latency are sampled. The last line::

    soak: receipts=N rss_growth=X% fds_growth=F threads_growth=T p99_growth=Y%

each growth being the median of the last tenth of the samples against the first tenth.
Targets: RSS and p99 growth under 10 %, no growth in fds and threads, the WAL checkpointed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from agent.store import DATABASE_NAME  # noqa: E402
from bench.torture_stack import stack  # noqa: E402

SHIFT_EVERY = 4000  # receipts between Z reports
AWAY_EVERY = 3000  # receipts between the back office's outages
AWAY_FOR = 500  # receipts sold while it is away
SYNC_EVERY = 250  # receipts between asked-for syncs


@dataclass
class Sample:
    receipts: int
    rss_kib: int
    fds: int
    threads: int
    journal_bytes: int
    wal_bytes: int
    p50_ms: float
    p99_ms: float
    cpu_ms: float  # the daemon's CPU time per receipt in the window: what machine load does not inflate


def proc_status(pid: int) -> tuple[int, int, int]:
    """(VmRSS in KiB, open fds, threads) of a running process, from /proc."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.split()
    fds = sum(1 for _ in Path(f"/proc/{pid}/fd").iterdir())
    return int(fields["VmRSS"][0]), fds, int(fields["Threads"][0])


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def sale_body(number: int) -> dict:
    return {
        "uuid": str(uuid.uuid4()),
        "lines": [{"name": f"Soak {number % 97}", "price": 100 + number % 5000, "quantity": "1"}],
        "payments": [{"kind": "cash" if number % 3 else "card"}],
    }


def soak(receipts: int, every: int, seed: int = 0, log=print) -> list[Sample]:
    samples: list[Sample] = []
    with stack(seed) as world:
        daemon, office = world.daemon, world.office
        db = daemon.state_dir / DATABASE_NAME
        wal = db.with_name(db.name + "-wal")
        away_since = None
        window: list[float] = []
        cpu_before = cpu_seconds(daemon.process.pid)
        with daemon.client(timeout=120) as client:
            for number in range(1, receipts + 1):
                started = time.perf_counter()
                client.post("/v1/receipts", json=sale_body(number))
                window.append(time.perf_counter() - started)
                if number % SYNC_EVERY == 0:
                    client.post("/v1/sync", json={"streams": ["receipts"], "wait": False})
                if number % SHIFT_EVERY == 0:
                    client.post("/v1/shift/close", json={})
                if number % AWAY_EVERY == 0 and away_since is None:
                    office.stop()
                    away_since = number
                elif away_since is not None and number - away_since >= AWAY_FOR:
                    office.start()
                    away_since = None
                if number % every == 0:
                    rss, fds, threads = proc_status(daemon.process.pid)
                    cpu = cpu_seconds(daemon.process.pid)
                    samples.append(
                        Sample(
                            number,
                            rss,
                            fds,
                            threads,
                            size(db),
                            size(wal),
                            statistics.median(window) * 1000,
                            percentile(window, 0.99) * 1000,
                            (cpu - cpu_before) / len(window) * 1000,
                        )
                    )
                    window = []
                    cpu_before = cpu
                    last = samples[-1]
                    log(
                        f"{number:>6} rss={last.rss_kib} KiB fds={last.fds} threads={last.threads} "
                        f"journal={last.journal_bytes // 1024} KiB wal={last.wal_bytes // 1024} KiB "
                        f"p50={last.p50_ms:.1f} ms p99={last.p99_ms:.1f} ms cpu={last.cpu_ms:.1f} ms"
                    )
            if away_since is not None:
                office.start()
    return samples


def tenth_medians(samples: list[Sample], field: str) -> tuple[float, float]:
    tenth = max(1, len(samples) // 10)
    first = statistics.median(getattr(s, field) for s in samples[:tenth])
    last = statistics.median(getattr(s, field) for s in samples[-tenth:])
    return first, last


def growth_percent(samples: list[Sample], field: str) -> float:
    first, last = tenth_medians(samples, field)
    return (last - first) / first * 100 if first else 0.0


def report(samples: list[Sample], receipts: int) -> list[str]:
    lines = []
    for field, unit in (
        ("rss_kib", "KiB"),
        ("fds", ""),
        ("threads", ""),
        ("journal_bytes", "B"),
        ("wal_bytes", "B"),
        ("p50_ms", "ms"),
        ("p99_ms", "ms"),
        ("cpu_ms", "ms"),
    ):
        first, last = tenth_medians(samples, field)
        lines.append(f"{field}: start {first:.1f} {unit} end {last:.1f} {unit}".replace("  ", " "))
    fds = tenth_medians(samples, "fds")
    threads = tenth_medians(samples, "threads")
    lines.append(
        f"soak: receipts={receipts} rss_growth={growth_percent(samples, 'rss_kib'):.1f}% "
        f"fds_growth={fds[1] - fds[0]:+.0f} threads_growth={threads[1] - threads[0]:+.0f} "
        f"p99_growth={growth_percent(samples, 'p99_ms'):.1f}%"
    )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.split("\n\n")[0])
    parser.add_argument("--receipts", type=int, default=20_000, help="how many receipts to sell")
    parser.add_argument("--every", type=int, default=None, help="receipts between samples (default N/200)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    every = args.every or max(10, args.receipts // 200)
    started = time.monotonic()
    samples = soak(args.receipts, every, args.seed, log=lambda text: print(text, flush=True))
    print(f"seconds={time.monotonic() - started:.0f}")
    for line in report(samples, args.receipts):
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
