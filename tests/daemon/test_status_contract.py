"""Every section of ``GET /v1/status`` and the deletion question is a declared model: a real daemon
with the emulated register, an open shift and a pending question answers nothing the contract does
not name, and the TUI's client reads it into those models."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import BaseModel

from agent.api import schemas
from tests.conftest import uid
from tests.fixtures.daemon import running_daemon
from tests.fixtures.kkt import kkt_config, kkt_emulator
from tests.sync.harness import wait_register_ready
from tui.api import KassaApi

pytestmark = pytest.mark.slow


def undeclared(model: BaseModel, where: str = "status") -> list[str]:
    """Paths of keys the answer had that its model does not declare (``extra="allow"`` keeps them)."""
    found = [f"{where}.{key}" for key in model.model_extra or {}]
    for name in type(model).model_fields:
        value = getattr(model, name)
        values = (
            value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        )
        if isinstance(value, BaseModel):
            found += undeclared(value, f"{where}.{name}")
        for key, item in values:
            if isinstance(item, BaseModel):
                found += undeclared(item, f"{where}.{name}[{key}]")
    return found


@pytest.fixture(scope="module")
def daemon(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("status-contract")
    with kkt_emulator(tmp) as kkt, running_daemon(tmp, config=kkt_config(kkt)) as daemon:
        client = daemon.client(timeout=120)
        wait_register_ready(client)
        client.post("/v1/shift/open", json={"uuid": uid("status-contract-open")})
        client.put("/v1/sync/settings", json={"product_sync": False})
        product = {"code": "LOCAL-1", "name": "Пирожок", "price": 5000, "tax": "vat22"}
        client.post("/v1/products", json=product)
        client.put("/v1/sync/settings", json={"product_sync": True})  # asks before deleting it
        yield daemon


def test_every_status_section_is_declared(daemon):
    answer = daemon.client().get("/v1/status")
    status = schemas.Status.model_validate(answer)
    assert undeclared(status) == []
    assert status.shift.open and status.fn.expires and status.store.ok and status.daemon.pid
    assert {"receipts", "products", "employees", "orders"} <= set(status.streams)
    question = status.sync.confirmation
    assert question.local_products.count == 1
    assert question.local_products.sample[0].name == "Пирожок"
    settings = schemas.SyncSettings.model_validate(daemon.client().get("/v1/sync/settings"))
    assert undeclared(settings, "settings") == [] and settings.confirmation == question


def test_the_tui_reads_the_typed_status(daemon):
    async def read() -> dict:
        api = KassaApi(daemon.socket)
        try:
            return await api.status()
        finally:
            await api.close()

    status = asyncio.run(read())
    assert status["sync"]["confirmation"]["local_products"]["sample"] == [
        {"code": "LOCAL-1", "name": "Пирожок"}
    ]
    assert status["streams"]["products"]["progress"] is None and status["shift"]["number"] >= 1
