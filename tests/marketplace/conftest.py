from __future__ import annotations

import time

import pytest

from agent.config import parse_config
from agent.marketplace.service import MarketplaceService
from agent.store import open_store
from agent.store.models import Product
from agent.store.types import utcnow
from tests.fixtures.allegro import allegro_config, fake_allegro


@pytest.fixture
def fake():
    with fake_allegro() as running:
        yield running


class Register:
    """A register's store and marketplace service (no daemon), talking to the fake over HTTP."""

    def __init__(self, tmp_path, fake, currency="PLN"):
        self.state_dir = tmp_path / "state"
        self.store = open_store(self.state_dir)
        self.config = parse_config(allegro_config(fake, currency), "test")
        self.sleeps: list[float] = []
        self.service = MarketplaceService(
            self.store, self.state_dir, self.config, clock=utcnow, sleep=self._sleep, deadline=5
        )
        self.fake = fake

    def _sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        time.sleep(min(seconds, 0.05))

    def add_products(self, *codes: str) -> None:
        with self.store.write() as session:
            for code in codes:
                session.add(Product(code=code, name=f"Product {code}", price=1000, tax="vat23"))

    def connect(self, login: str = "demo-seller", name: str | None = None) -> int:
        flow = self.service.start_connect("allegro", name)
        assert self.fake.decide(flow["user_code"], True, login)
        return self.wait_flow(flow["id"])["account"]

    def wait_flow(self, flow_id: str, timeout: float = 15) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            view = self.service.flow_view(flow_id)
            if view["state"] != "pending":
                return view
            time.sleep(0.05)
        raise AssertionError("the connect flow did not finish")

    def close(self) -> None:
        self.service.stopping.set()
        self.store.close()


@pytest.fixture
def reg(tmp_path, fake):
    register = Register(tmp_path, fake)
    yield register
    register.close()
