"""Discounts, weighed goods and partial returns as a real register takes them, through the strict
emulator: every FN position within a kopeck of price x quantity (exact on classic lines), the
positions the journal recorded equal to what the FN stored, totals and VAT equal."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest

from tests.conftest import uid
from tests.journal.e2e import agreement, register_and_daemon

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=["shtrih-m-01f", "shtrih-m-ptk"])
def world(request, tmp_path_factory):
    with register_and_daemon(tmp_path_factory.mktemp("discounts"), profile=request.param) as (kkt, daemon):
        yield kkt, daemon, request.param


@pytest.fixture
def client(world):
    with world[1].client(timeout=120) as client:
        yield client


@pytest.fixture(autouse=True)
def journals_agree(world):
    yield
    assert agreement(world[0], world[1]) == []


def on_the_fn(world, receipt: dict) -> list[dict]:
    """The receipt's FN positions, checked against the journal's and the device's rule."""
    kkt, _daemon, profile = world
    doc = next(doc for doc in kkt.journal() if doc["fd"] == receipt["fd"])
    sent = [position for line in receipt["lines"] for position in line["fn_positions"]]
    stored = [(i["name"], i["quantity"], i["price"], i["amount"], i["vat"]) for i in doc["items"]]
    assert stored == [(p["name"], p["quantity"], p["price"], p["amount"], p["vat"]) for p in sent]
    tolerance = 1 if profile == "shtrih-m-01f" else 0
    for item in doc["items"]:
        computed = (Decimal(item["quantity"]) * item["price"]).quantize(Decimal(1), ROUND_HALF_UP)
        assert abs(int(computed) - item["amount"]) <= tolerance
        assert item["tags"]["2108"] in ("0", "11")  # pieces or kilograms, for every position
    assert doc["total"] == receipt["total"] == sum(line["amount"] for line in receipt["lines"])
    for line in receipt["lines"]:  # one line the cashier sold, however many positions
        assert sum(p["amount"] for p in line["fn_positions"]) == line["amount"]
        assert sum(Decimal(p["quantity"]) for p in line["fn_positions"]) == Decimal(line["quantity"])
    assert doc["tax_system"] == 2  # УСН доход, the emulated FN's only registration
    return doc["items"]


def test_a_seven_percent_line_discount(world, client):
    receipt = client.post(
        "/v1/receipts",
        json={"uuid": uid("d7"), "lines": [{"code": "MILK", "quantity": 7, "discount_percent": "7"}]},
    )
    assert receipt["total"] == 62650 - 4386
    on_the_fn(world, receipt)


def test_a_ten_percent_receipt_discount_and_an_absolute_one(world, client):
    lines = [{"code": "MILK", "quantity": 3}, {"code": "BREAD", "quantity": 11, "discount": 333}]
    percent = client.post("/v1/receipts", json={"uuid": uid("r10"), "lines": lines, "discount_percent": "10"})
    on_the_fn(world, percent)
    absolute = client.post("/v1/receipts", json={"uuid": uid("r-abs"), "lines": lines, "discount": 1999})
    on_the_fn(world, absolute)
    assert absolute["total"] == 26850 + 54890 - 333 - 1999


def test_a_weighed_good_and_its_partial_return(world, client):
    sale = client.post(
        "/v1/receipts",
        json={
            "uuid": uid("w-sale"),
            "lines": [{"code": "CHEESE", "quantity": "2.537", "discount_percent": "15"}, {"code": "BREAD"}],
            "discount": 77,
        },
    )
    items = on_the_fn(world, sale)
    assert items[0]["tags"]["2108"] == "11"  # kg
    part = client.post(
        f"/v1/receipts/{sale['id']}/return",
        json={"uuid": uid("w-ret"), "lines": [{"position": 1, "quantity": "1.2"}]},
    )
    on_the_fn(world, part)
    rest = client.post(f"/v1/receipts/{sale['id']}/return", json={"uuid": uid("w-rest")})
    on_the_fn(world, rest)
    assert part["total"] + rest["total"] == sale["total"]
