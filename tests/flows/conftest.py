"""Fixtures of the flow tests: the anyio backend (the languages are in tests/conftest.py)."""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from tests.fixtures.backoffice import backoffice_server
from tests.fixtures.daemon import running_daemon
from tests.fixtures.kkt import kkt_config, kkt_emulator
from tests.sync.harness import wait_register_ready


@pytest.fixture
def anyio_backend():
    return "asyncio"


@contextmanager
def paired_stack(tmp, products: int, employees: int):
    """The emulated register, the reference back office and a daemon paired with it, syncing nothing
    by itself (the tests say when): yields the daemon, the back office and a technician's client."""
    with (
        kkt_emulator(tmp) as kkt,
        backoffice_server(tmp, products=products, employees=employees) as bo,
        running_daemon(tmp, config=kkt_config(kkt)) as daemon,
    ):
        client = daemon.client()
        wait_register_ready(client)
        client.put("/v1/sync/settings", json={"products": "never", "employees": "never", "orders": "never"})
        client.post("/v1/pairing", json={"code": bo.code(), "backoffice_url": bo.url})
        yield daemon, bo, client
