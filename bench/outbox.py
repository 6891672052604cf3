"""Draining 10,000 queued documents to the reference back office on loopback, documents per second.

The daemon starts on a store holding 10,000 fiscalized sales whose uploads are ``pending``; the
clock runs from the pairing call (after which the receipt stream starts) until the outbox is
empty, and the back office must then hold each document exactly once. The baseline sends the
same documents (built by the same ``document_payload``) one request each, on one kept-alive
connection, to a second back office: what a plain uploader does.
"""

from __future__ import annotations

import contextlib
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

IDS = ("outbox", "outbox-rate")
RATE_BOUND = 3000


def _pending(state_dir: Path) -> int:
    from agent.store import DATABASE_NAME
    from agent.store.uri import file_uri

    with contextlib.closing(sqlite3.connect(file_uri(state_dir / DATABASE_NAME, "ro"), uri=True)) as db:
        return db.execute("SELECT count(*) FROM outbox WHERE status = 'pending'").fetchone()[0]


def _payloads(state_dir: Path, count: int) -> list[dict]:
    from sqlmodel import select

    from agent.journal.payload import document_payload
    from agent.store import DATABASE_NAME, Store
    from agent.store.models import FiscalDocument

    store = Store(state_dir / DATABASE_NAME)
    try:
        with store.read() as session:
            docs = session.exec(select(FiscalDocument).order_by(FiscalDocument.id).limit(count)).all()
            return [document_payload(session, doc) for doc in docs]
    finally:
        store.close()


def _one_by_one(office, payloads: list[dict]) -> float:
    token = office.pair()
    headers = {"Authorization": f"Bearer {token}"}
    started = time.perf_counter()
    with httpx.Client(base_url=office.url, headers=headers, timeout=30) as http:
        for payload in payloads:
            answer = http.post("/api/v1/documents", json={"documents": [payload]})
            answer.raise_for_status()
    return len(payloads) / (time.perf_counter() - started)


def cases(quick: bool) -> list[dict]:
    from bench.fixtures import shop, wait_for
    from sim.kkt import identity
    from tests.fixtures.backoffice import backoffice_server

    documents, baseline_count = (1_000, 200) if quick else (10_000, 500)
    serials = (identity.EMULATOR_SERIAL, identity.EMULATOR_FN_SERIAL)
    with tempfile.TemporaryDirectory(prefix="kassa-bench-outbox-") as scratch:
        base = Path(scratch)
        with (
            backoffice_server(base, products=1, employees=1) as office,
            shop(base, documents=documents, outbox="pending", backoffice=office.url, serials=serials) as (
                _kkt,
                daemon,
            ),
            daemon.client(timeout=120) as client,
        ):
            started = time.perf_counter()
            client.post("/v1/pairing", json={"code": office.code()})
            wait_for(lambda: _pending(daemon.state_dir) == 0, 600, "the outbox draining", step=0.02)
            seconds = time.perf_counter() - started
            received = office.documents()
            payloads = _payloads(daemon.state_dir, baseline_count)
        held = len({doc["uuid"] for doc in received}) if len(received) == documents else 0
        with backoffice_server(base / "second", products=1, employees=1) as second:
            baseline = _one_by_one(second, payloads)
    rate = documents / seconds if held == documents else 0.0
    note = "" if held == documents else f" — WRONG: the back office holds {len(received)} for {documents}"
    return [
        {
            "id": "outbox",
            "name": f"outbox: {documents:,} queued documents drained to the back office{note}",
            "value": round(rate),
            "unit": "docs/s",
            "baseline": "one request per document on a kept-alive connection",
            "baseline_value": round(baseline),
            "target": ">= 20",
            "on": "ratio",
        },
        {
            "id": "outbox-rate",
            "name": f"outbox: {documents:,} queued documents drained, each held once{note}",
            "value": round(rate),
            "unit": "docs/s",
            "baseline": "bound",
            "baseline_value": RATE_BOUND,
            "target": f">= {RATE_BOUND}",
        },
    ]
