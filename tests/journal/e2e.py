"""Helpers for the end-to-end journal tests: the daemon and the KKT emulator together.

``agreement`` is the product's promise in one check: every fiscalized journal row is one
document in the emulator's fiscal journal (same FD, type, total, fiscal sign), and every
receipt on the FN is claimed by exactly one journal row.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

from agent.store import DATABASE_NAME, Store
from agent.store.models import Barcode, Product
from tests.fixtures.daemon import RunningDaemon, running_daemon
from tests.fixtures.kkt import Emulator, kkt_config, kkt_emulator

FN_TYPES = {
    "sale": "receipt",
    "return": "return",
    "correction": "correction",
    "shift_open": "shift_open",
    "shift_close": "shift_close",
}
PRODUCTS = [
    Product(code="BREAD", name="Хлеб", price=4990, tax="vat10"),
    Product(code="MILK", name="Молоко 3,2%", price=8950, tax="vat10"),
    Product(code="CHEESE", name="Сыр", price=89900, tax="vat20", unit="kg", weighted=True),
]


@contextlib.contextmanager
def register_and_daemon(
    tmp_path: Path,
    env: dict | None = None,
    profile: str = "shtrih-m-01f",
    config: str = "",
    options: tuple[str, ...] = (),
    products: list[Product] = PRODUCTS,
) -> Iterator[tuple[Emulator, RunningDaemon]]:
    """The KKT emulator (started with ``options``) and a settled daemon at it, its agent.toml the
    register's section followed by ``config``, with ``products`` in its catalog."""
    with (
        kkt_emulator(tmp_path, options=options) as kkt,
        running_daemon(tmp_path, config=kkt_config(kkt, profile) + config, env=env) as daemon,
    ):
        wait_ready(daemon)
        with contextlib.closing(Store(daemon.state_dir / DATABASE_NAME)) as store, store.write() as session:
            for product in products:
                session.add(Product(**product.model_dump(exclude={"id"})))
        yield kkt, daemon


def wait_ready(daemon: RunningDaemon, timeout: float = 60) -> None:
    """Until the register is ready and the journal has nothing pending."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if daemon.status()["printer"]["state"] == "ready" and not journal_rows(daemon, status="pending"):
            return
        time.sleep(0.2)
    raise AssertionError(f"the daemon did not settle within {timeout} s:\n{daemon.log()[-3000:]}")


def restart_after_kill(daemon: RunningDaemon, env: dict | None = None) -> None:
    daemon.kill()
    for key, value in (env or {}).items():
        if value is None:
            daemon.env.pop(key, None)
        else:
            daemon.env[key] = value
    daemon.start()
    wait_ready(daemon)


def journal_rows(daemon: RunningDaemon, status: str | None = None) -> list[dict]:
    """The agent's journal read straight from its SQLite file (read-only, beside the daemon)."""
    path = daemon.state_dir / DATABASE_NAME
    if not path.exists():
        return []
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)) as db:
        db.row_factory = sqlite3.Row
        try:
            rows = [dict(row) for row in db.execute("SELECT * FROM fiscal_document ORDER BY id")]
        except sqlite3.OperationalError:
            return []
    return [row for row in rows if status is None or row["status"] == status]


def agreement(kkt: Emulator, daemon: RunningDaemon) -> list[str]:
    """Every disagreement between the agent's journal and the emulator's fiscal journal."""
    problems = []
    fn_docs = {doc["fd"]: doc for doc in kkt.journal()}
    claimed: dict[int, str] = {}
    for row in journal_rows(daemon):
        if row["status"] == "pending":
            problems.append(f"{row['uuid']} still pending")
        if row["status"] != "fiscalized" or row["type"] not in FN_TYPES:
            continue
        doc = fn_docs.get(row["fd"])
        if doc is None:
            problems.append(f"{row['uuid']}: FD {row['fd']} is not on the FN")
            continue
        if doc["type"] != FN_TYPES[row["type"]] or str(doc["fiscal_sign"]) != row["fiscal_sign"]:
            problems.append(f"{row['uuid']}: FD {row['fd']} is a {doc['type']} with another sign")
        if row["type"] in ("sale", "return", "correction") and doc["total"] != row["total"]:
            problems.append(f"{row['uuid']}: total {row['total']} but the FN has {doc['total']}")
        if row["fd"] in claimed:
            problems.append(f"FD {row['fd']} claimed by {claimed[row['fd']]} and {row['uuid']}")
        claimed[row["fd"]] = row["uuid"]
    for fd, doc in fn_docs.items():
        if doc["type"] in ("receipt", "return", "correction") and fd not in claimed:
            problems.append(f"receipt FD {fd} on the FN is in no journal row")
    return problems


MILK_GTIN = "04607009780047"  # the emulator's national system knows this GTIN as milk


def add_marked_milk(daemon: RunningDaemon) -> None:
    """A marked product (Молоко, code MILK-M) whose barcode is MILK_GTIN's EAN-13, in the daemon's store."""
    with contextlib.closing(Store(daemon.state_dir / DATABASE_NAME)) as store, store.write() as session:
        product = Product(
            code="MILK-M", name="Молоко", price=8990, tax="vat10", marked=True, marking_group="milk"
        )
        session.add(product)
        session.flush()
        session.add(Barcode(code=MILK_GTIN[1:], product_id=product.id))
