"""Sums past what the register holds (99 999 999.99) are refused by the API with a 422 naming the
limit, before the register is touched: the daemon over a real pty to the KKT emulator."""

from __future__ import annotations

import itertools
import json

import pytest

from agent.client import DaemonError
from common.money import MAX_AMOUNT
from tests.conftest import uid
from tests.journal.e2e import agreement, register_and_daemon

pytestmark = pytest.mark.slow

LIMIT = "99 999 999.99"
NUMBERS = itertools.count()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    with register_and_daemon(tmp_path_factory.mktemp("money-range")) as (kkt, daemon):
        yield kkt, daemon


@pytest.fixture
def client(world):
    _kkt, daemon = world
    with daemon.client(timeout=120) as client:
        yield client


@pytest.fixture(autouse=True)
def register_untouched(world, request):
    """Each refusal leaves the register as it was: no document, no receipt left open."""
    kkt, daemon = world
    before = [(doc["fd"], doc["type"]) for doc in kkt.journal()]
    yield
    if not request.node.name.endswith("_sells"):
        assert [(doc["fd"], doc["type"]) for doc in kkt.journal()] == before
    assert json.loads(kkt.state.read_text()).get("receipt") is None
    assert daemon.status()["printer"]["state"] == "ready"
    assert agreement(kkt, daemon) == []


def refused(client, body: dict, language: str | None = None) -> DaemonError:
    with pytest.raises(DaemonError) as caught:
        client.post("/v1/receipts", json={"uuid": uid(f"range-{next(NUMBERS)}"), **body})
    error = caught.value
    assert error.status == 422, (error.status, error.code, error.message)
    assert not error.unavailable and not error.outcome_unknown
    return error


def free_line(price: int, quantity: str = "1") -> dict:
    return {"name": "Слиток", "price": price, "quantity": quantity, "tax": "vat20"}


def test_a_price_of_ten_billion_kopecks_is_refused(client):
    error = refused(client, {"lines": [free_line(10**10)]})
    assert "line 1, price" in error.message and str(MAX_AMOUNT) in error.message


def test_a_line_whose_price_times_quantity_is_past_the_limit_is_refused(client):
    error = refused(client, {"lines": [free_line(5_000_000_000, "3")]})
    assert error.code == "invalid_receipt" and error.details == {"field": "lines[0]"}
    assert "150 000 000.00" in error.message and LIMIT in error.message


def test_a_receipt_total_past_the_limit_is_refused(client):
    error = refused(client, {"lines": [free_line(6_000_000_000), free_line(6_000_000_000)]})
    assert error.code == "invalid_receipt" and "receipt total 120 000 000.00" in error.message
    assert LIMIT in error.message


def test_cash_payments_that_add_up_past_the_limit_are_refused(client):
    payments = [{"kind": "cash", "amount": 6_000_000_000}, {"kind": "cash", "amount": 6_000_000_000}]
    error = refused(client, {"lines": [free_line(100_000_000)], "payments": payments})
    assert "cash payments add up to 120 000 000.00" in error.message and LIMIT in error.message


def test_the_refusal_is_in_russian(world):
    _kkt, daemon = world
    with daemon.client(language="ru") as russian:
        error = refused(russian, {"lines": [free_line(5_000_000_000, "3")]})
    assert f"больше, чем вмещает касса ({LIMIT})" in error.message


def test_the_limit_itself_sells(world, client):
    kkt, _daemon = world
    sale = client.post("/v1/receipts", json={"uuid": uid("range-ok"), "lines": [free_line(MAX_AMOUNT)]})
    assert sale["status"] == "fiscalized" and sale["total"] == MAX_AMOUNT
    assert kkt.receipts()[-1]["total"] == MAX_AMOUNT
