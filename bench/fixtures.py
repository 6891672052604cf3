"""Stores and stacks for the benchmarks, built fast enough that a full run stays under 15 minutes.

A store is made by the project's own migrations (``open_store``), then filled with one
``executemany`` per table on a raw SQLite connection: 100,000 products or documents take
seconds this way, where 100,000 API calls would take most of the run.
"""

from __future__ import annotations

import contextlib
import sqlite3
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

CASHIER_PIN = "1111"
# the documents made in bulk come from an earlier FN of another register: the emulator's FN starts
# at FD 1 and its receipts must not meet rows claiming the same FD on the same FN
OLD_KKT_SERIAL = "0000000001"
OLD_FN_SERIAL = "9999000000000001"
NAMES = ("Молоко", "Кефир", "Хлеб", "Батон", "Сыр", "Творог", "Яблоки", "Сок", "Чай", "Кофе")
BRANDS = ("Домик в деревне", "Простоквашино", "Весёлый молочник", "Агуша", "Коровка", "Савушкин")


def product_name(index: int) -> str:
    return f"{NAMES[index % len(NAMES)]} «{BRANDS[index // len(NAMES) % len(BRANDS)]}» арт. {index}"


def product_code(index: int) -> str:
    return f"B{index + 1:07d}"


def product_barcode(index: int) -> str:
    from sim.backoffice.seed import ean13

    return ean13(f"469{index + 1:09d}")


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")


def build_store(
    state_dir: Path,
    products: int = 0,
    documents: int = 0,
    outbox: str = "accepted",
    cashier: bool = True,
    serials: tuple[str, str] | None = None,
) -> Path:
    """A migrated store with ``products`` (each with a barcode) and ``documents`` fiscalized sales.

    ``outbox`` is the state of every document's upload: ``accepted`` (sent long ago) or
    ``pending`` (queued). The sales carry FDs from 1 up and a fiscal sign each, two lines and a
    card payment, as the journal writes them.
    """
    from agent.pin_hash import hash_pin
    from agent.store import DATABASE_NAME, open_store
    from agent.store.models import search_key

    open_store(state_dir).close()
    path = Path(state_dir) / DATABASE_NAME
    now = datetime.now(UTC)
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("PRAGMA synchronous=OFF")
        stamp = _stamp(now)
        if products:
            db.execute(
                "INSERT INTO product_group (id, name, origin, pending_delete, updated_at) "
                "VALUES (1, 'Бакалея', 'local', 0, ?)",
                (stamp,),
            )
            db.executemany(
                "INSERT INTO product (id, code, name, search_name, price, unit, tax, payment_object,"
                " weighted, group_id, origin, pending_delete, updated_at)"
                " VALUES (?, ?, ?, ?, ?, 'pcs', 'vat20', 'commodity', 0, 1, 'local', 0, ?)",
                (
                    (
                        i + 1,
                        product_code(i),
                        product_name(i),
                        search_key(product_name(i)),
                        1000 + i % 9000,
                        stamp,
                    )
                    for i in range(products)
                ),
            )
            db.executemany(
                "INSERT INTO barcode (code, product_id) VALUES (?, ?)",
                ((product_barcode(i), i + 1) for i in range(products)),
            )
        if cashier:
            db.execute(
                "INSERT INTO employee (name, role, pin_hash, failed_pins, updated_at)"
                " VALUES ('Кассир Бенчев', 'cashier', ?, 0, ?)",
                (hash_pin(CASHIER_PIN), stamp),
            )
        if documents:
            _documents(db, documents, now, outbox, serials or (OLD_KKT_SERIAL, OLD_FN_SERIAL))
        db.commit()
    return path


def _documents(
    db: sqlite3.Connection, count: int, now: datetime, outbox: str, serials: tuple[str, str]
) -> None:
    start = now - timedelta(seconds=count)
    done = _stamp(now) if outbox != "pending" else None
    db.executemany(
        "INSERT INTO fiscal_document (id, uuid, type, status, request_hash, kkt_serial, fn_serial,"
        " expected_fd, fd, fiscal_sign, shift, fiscalized_at, created_at, total, cashier_name)"
        " VALUES (?, ?, 'sale', 'fiscalized', ?, ?, ?, ?, ?, ?, 1, ?, ?, 14980, 'Кассир Бенчев')",
        (
            (
                n,
                str(uuid.UUID(int=n, version=4)),
                f"{n:064x}",
                *serials,
                n,
                n,
                str(1_000_000_000 + n),
                _stamp(start + timedelta(seconds=n)),
                _stamp(start + timedelta(seconds=n)),
            )
            for n in range(1, count + 1)
        ),
    )
    db.executemany(
        "INSERT INTO receipt_line (document_id, position, product_code, name, quantity, price, discount,"
        " amount, unit, tax, payment_object, vat) VALUES (?, ?, ?, ?, 1000, ?, 0, ?, 'pcs', 'vat20',"
        " 'commodity', ?)",
        (
            (n, position, product_code(position), product_name(position), price, price, price // 6)
            for n in range(1, count + 1)
            for position, price in ((1, 4990), (2, 9990))
        ),
    )
    db.executemany(
        "INSERT INTO receipt_payment (document_id, kind, amount, change) VALUES (?, 'card', 14980, 0)",
        ((n,) for n in range(1, count + 1)),
    )
    db.executemany(
        "INSERT INTO outbox (document_id, status, attempts, created_at, done_at) VALUES (?, ?, 0, ?, ?)",
        ((n, outbox, _stamp(now), done) for n in range(1, count + 1)),
    )


def rss_kib(pid: int, field: str = "VmRSS") -> int:
    """A process's resident memory (VmRSS) or its peak (VmHWM) in KiB, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} for process {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (its threads included)."""
    import os

    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_for(check, timeout: float, what: str, step: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(step)
    raise TimeoutError(f"{what} did not happen within {timeout} s")


@contextlib.contextmanager
def shop(
    base: Path,
    products: int = 0,
    documents: int = 0,
    outbox: str = "accepted",
    baud: int | None = None,
    backoffice: str = "",
    env: dict | None = None,
    counted: bool = False,
    serials: tuple[str, str] | None = None,
) -> Iterator[tuple]:
    """The KKT emulator and a `kassa run` on a store built by ``build_store``; yields (kkt, daemon)."""
    from tests.fixtures.daemon import RunningDaemon
    from tests.fixtures.kkt import kkt_config, kkt_emulator

    if counted:
        from bench.wire import spawn

        emulator = contextlib.contextmanager(_stopping)(spawn(base, baud))
    else:
        emulator = kkt_emulator(base, baud=baud)
    with emulator as kkt:
        config = kkt_config(kkt) + (f'\n[backoffice]\nurl = "{backoffice}"\n' if backoffice else "")
        daemon = RunningDaemon(base / "daemon", config, env)
        build_store(daemon.state_dir, products=products, documents=documents, outbox=outbox, serials=serials)
        try:
            daemon.start()
            yield kkt, daemon
        finally:
            daemon.cleanup()


def _stopping(emulator) -> Iterator:
    try:
        yield emulator
    finally:
        emulator.stop()
