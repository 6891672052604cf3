"""A register without a daemon (store, pairing, sync engine) against a real back office on loopback.

The back office is the reference app (sim.backoffice) served by uvicorn in a thread, on a seeded
SQLite file, so a test starts it in a fraction of a second; ``tests/fixtures/backoffice.py``'s
``BackOffice`` helpers (codes, catalog edits, documents received) work on it unchanged.
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid as uuidlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import uvicorn

from agent.backoffice import RegisterIdentity
from agent.journal.cart import PricedLine
from agent.journal.payments import Settled
from agent.journal.records import Operation, mark_fiscalized, write_pending
from agent.pairing.service import PairingService
from agent.store import open_store
from agent.sync.engine import SyncEngine
from agent.sync.receipts import Backoff
from sim.backoffice import seed as demo
from sim.backoffice.app import create_app
from sim.backoffice.database import database_url
from tests.fixtures.backoffice import BackOffice, free_port, wait_healthy

EMULATOR = RegisterIdentity(
    kkt_serial="0012345678", kkt_model="ШТРИХ-М-01Ф", fn_serial="9960440300123456", inn="7701234560"
)


class FakeClock:
    """Aware UTC time that moves only when told to."""

    def __init__(self, start: datetime | None = None):
        self.now = start or datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class ThreadBackOffice(BackOffice):
    """The reference back office served from a thread of the test process."""

    def start(self) -> None:
        app = create_app(database_url(self.db), clock=self.clock)
        self._server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        wait_healthy(self.url)

    def stop(self) -> None:
        server = getattr(self, "_server", None)
        if server is not None:
            server.should_exit = True
            self._thread.join(timeout=10)
            self._server = None


@contextlib.contextmanager
def office(
    tmp_path: Path, products: int = 20, employees: int = 3, orders: int = 0, inn: str | None = None
) -> Iterator[ThreadBackOffice]:
    directory = Path(tmp_path) / f"backoffice-{time.monotonic_ns()}"
    directory.mkdir(parents=True)
    bo = ThreadBackOffice(
        directory / "backoffice.db", directory / "clock-offset", free_port(), directory / "log"
    )
    with bo.engine.begin() as conn:
        demo.set_organization(conn, inn=inn)
        demo.seed(conn, products=products, employees=employees, orders=orders)
    try:
        bo.start()
        yield bo
    finally:
        bo.stop()
        bo.engine.dispose()


class Register:
    """The register's side as the daemon composes it, minus the daemon."""

    def __init__(
        self, state_dir: Path, *, backoff: Backoff | None = None, timeout: float = 5.0, page_limit: int = 500
    ):
        self.state_dir = Path(state_dir)
        self.store = open_store(self.state_dir)
        self.clock = FakeClock()
        from agent.config.schema import BackofficeSettings

        self.pairing = PairingService(
            self.store, self.state_dir, BackofficeSettings(timeout=timeout), clock=self.clock
        )
        self.engine = SyncEngine(
            self.store,
            self.pairing,
            clock=self.clock,
            backoff=backoff or Backoff(base=0.0, cap=0.0),
            page_limit=page_limit,
            catalog_page_limit=page_limit,
            timeout=timeout,
        )
        self._fd = 0

    def pair(self, office: BackOffice, url: str | None = None):
        return self.pairing.pair(office.code(), EMULATOR, url or office.url)

    def add_documents(self, count: int) -> list[str]:
        """Fiscalized sales with their outbox rows, written by the journal's own record functions."""
        uuids = []
        with self.store.write() as session:
            for _ in range(count):
                self._fd += 1
                op = Operation(
                    uuid=str(uuidlib.uuid4()),
                    type="sale",
                    request_hash="test",
                    total=10000 + self._fd,
                    lines=[
                        PricedLine(
                            name="Хлеб",
                            quantity=Decimal("1.000"),
                            price=10000 + self._fd,
                            tax="vat10",
                            code="BREAD",
                            amount=10000 + self._fd,
                        )
                    ],
                    payments=[Settled("cash", 10000 + self._fd)],
                )
                doc = write_pending(session, op, EMULATOR.fn_serial, self._fd, self.clock())
                doc.kkt_serial = EMULATOR.kkt_serial
                session.flush()
                mark_fiscalized(
                    session,
                    doc.id,
                    fd=self._fd,
                    fiscal_sign=f"{self._fd:010d}",
                    shift=1,
                    fiscalized_at=self.clock(),
                )
                uuids.append(op.uuid)
        return uuids

    def close(self) -> None:
        self.store.close()


@contextlib.contextmanager
def register(tmp_path: Path, **kwargs) -> Iterator[Register]:
    reg = Register(Path(tmp_path) / f"state-{time.monotonic_ns()}", **kwargs)
    try:
        yield reg
    finally:
        reg.close()


def wait_register_ready(client, timeout: float = 60) -> None:
    """A daemon answers before its fiscal register does: wait for the register (pairing reads it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (client.get("/v1/status").get("printer") or {}).get("state") == "ready":
            return
        time.sleep(0.1)
    raise TimeoutError(f"the fiscal register is not ready: {client.get('/v1/status')['printer']}")


NEVER = {"products": "never", "employees": "never", "orders": "never"}


def paired_by_hand(daemon, code: str, url: str):
    """The daemon's client once its register is ready, its streams synced only when a test asks,
    and the daemon paired with the back office at ``url``."""
    client = daemon.client(timeout=120)
    wait_register_ready(client)
    client.put("/v1/sync/settings", json=NEVER)
    client.post("/v1/pairing", json={"code": code, "backoffice_url": url})
    return client


def timed_sale(client, code: str) -> float:
    """Seconds one card sale of ``code`` takes, to its fiscal document."""
    started = time.monotonic()
    sale = client.post(
        "/v1/receipts",
        json={"uuid": str(uuidlib.uuid4()), "lines": [{"code": code}], "payments": [{"kind": "card"}]},
    )
    assert sale["fd"]
    return time.monotonic() - started
