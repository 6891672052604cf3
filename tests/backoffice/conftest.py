"""An in-process back office with a clock the test moves, served on loopback by uvicorn in a thread."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from sim.backoffice import pairing
from sim.backoffice import seed as demo
from sim.backoffice.app import create_app
from sim.backoffice.database import database_url
from tests.fixtures.backoffice import EMULATOR_REGISTER
from tests.fixtures.serving import serving_app


class FakeClock:
    def __init__(self):
        self.now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@dataclass
class Office:
    url: str
    app: object
    clock: FakeClock

    @property
    def engine(self):
        return self.app.state.engine

    def code(self) -> str:
        return pairing.issue_code(self.engine, self.clock)

    def pair(self, register: dict | None = None, code: str | None = None) -> httpx.Response:
        body = {"code": code or self.code(), "register": register or EMULATOR_REGISTER}
        return httpx.post(f"{self.url}/api/v1/registers/pair", json=body, timeout=10)

    def client(self, token: str) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {token}"}, timeout=30)


@pytest.fixture
def office(tmp_path):
    clock = FakeClock()
    app = create_app(database_url(tmp_path / "bo.db"), clock=clock)
    with app.state.engine.begin() as conn:
        demo.seed(conn, products=40, employees=2, orders=3)
    with serving_app(app) as url:
        yield Office(url, app, clock)
    app.state.engine.dispose()


@pytest.fixture
def token(office) -> str:
    answer = office.pair()
    assert answer.status_code == 200, answer.text
    return answer.json()["token"]
