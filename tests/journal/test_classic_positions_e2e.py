"""A classic-command register (shtrih-m-ptk) through the daemon: the FN positions the journal
records for a discounted weighed line are the ones the register stores, each summed by the
register's own rule; and a back-office name beginning with "//" (sent to the OFD, not printed)
reaches the receipt as a printed name, the same in the journal and on the FN."""

from __future__ import annotations

from decimal import Decimal

import pytest

from agent.store.models import Product
from sim.kkt import wire
from tests.conftest import uid
from tests.journal.e2e import PRODUCTS, agreement, register_and_daemon

pytestmark = pytest.mark.slow

CLASSIC_PRODUCTS = [
    *PRODUCTS,
    Product(code="NUTS", name="Орехи", price=250, tax="vat20", unit="kg", weighted=True),
    Product(code="GIFT", name="//Подарочная карта", price=100000, tax="vat20"),
]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    path = tmp_path_factory.mktemp("classic-positions")
    with register_and_daemon(path, profile="shtrih-m-ptk", products=CLASSIC_PRODUCTS) as (kkt, daemon):
        yield kkt, daemon


@pytest.fixture
def client(world):
    with world[1].client(timeout=120) as client:
        yield client


@pytest.fixture(autouse=True)
def journals_agree(world):
    yield
    assert agreement(*world) == []


def fn_items(kkt, receipt: dict) -> list[dict]:
    return next(doc for doc in kkt.journal() if doc["fd"] == receipt["fd"])["items"]


def test_a_weighed_line_with_a_kopeck_of_the_receipt_discount(world, client):
    kkt, _daemon = world
    body = {"uuid": uid("nuts"), "lines": [{"code": "NUTS", "quantity": "1.002"}], "discount": 1}
    receipt = client.post("/v1/receipts", json=body)
    assert receipt["total"] == 250  # 1.002 x 2.50 = 2.505 -> 2.51, less a kopeck
    (line,) = receipt["lines"]
    recorded = [(p["quantity"], p["price"], p["amount"]) for p in line["fn_positions"]]
    items = fn_items(kkt, receipt)
    assert [(i["quantity"], i["price"], i["amount"]) for i in items] == recorded
    for item in items:  # the register computed each sum itself
        assert wire.half_up(Decimal(item["quantity"]) * item["price"]) == item["amount"]
    assert sum(item["amount"] for item in items) == line["amount"] == 250


def test_a_name_beginning_with_two_slashes_is_printed(world, client):
    kkt, _daemon = world
    receipt = client.post("/v1/receipts", json={"uuid": uid("gift"), "lines": [{"code": "GIFT"}]})
    (line,) = receipt["lines"]
    assert line["name"] == "Подарочная карта"
    assert [item["name"] for item in fn_items(kkt, receipt)] == ["Подарочная карта"]
    assert [p["name"] for p in line["fn_positions"]] == ["Подарочная карта"]
