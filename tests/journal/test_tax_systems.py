"""A shop on УСН with patent goods: each receipt under one taxation system (tag 1055), the
product's own or the shop's, checked against the FN's registration; a mixed cart is refused."""

from __future__ import annotations

import pytest

from agent.client import DaemonError
from agent.store.models import Product
from tests.conftest import uid
from tests.journal.e2e import register_and_daemon

pytestmark = pytest.mark.slow

GOODS = [
    Product(code="BREAD", name="Хлеб", price=4990, tax="none"),
    Product(code="REPAIR", name="Ремонт обуви", price=50000, tax="none", tax_system="patent"),
]
USN_INCOME, PATENT = 0x02, 0x20


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    with register_and_daemon(
        tmp_path_factory.mktemp("tax-systems"),
        config='tax_system = "usn_income"\n',
        options=("--tax-systems", "usn_income,patent"),
        products=GOODS,
    ) as (kkt, daemon):
        yield kkt, daemon


@pytest.fixture
def client(world):
    with world[1].client(timeout=120) as client:
        yield client


def fn_system(kkt, receipt) -> int:
    return next(doc for doc in kkt.journal() if doc["fd"] == receipt["fd"])["tax_system"]


def test_each_receipt_is_under_its_goods_system(world, client):
    kkt, _daemon = world
    bread = client.post("/v1/receipts", json={"uuid": uid("usn"), "lines": [{"code": "BREAD"}]})
    repair = client.post("/v1/receipts", json={"uuid": uid("psn"), "lines": [{"code": "REPAIR"}]})
    assert fn_system(kkt, bread) == USN_INCOME and bread["tax_system"] == "usn_income"
    assert fn_system(kkt, repair) == PATENT and repair["tax_system"] == "patent"
    back = client.post(f"/v1/receipts/{repair['id']}/return", json={"uuid": uid("psn-back")})
    assert fn_system(kkt, back) == PATENT and back["tax_system"] == "patent"


def test_a_cart_mixing_systems_is_refused_before_the_register(world, client):
    kkt, _daemon = world
    before = len(kkt.journal())
    with pytest.raises(DaemonError) as caught:
        client.post(
            "/v1/receipts",
            json={"uuid": uid("mixed"), "lines": [{"code": "BREAD"}, {"code": "REPAIR"}]},
        )
    assert caught.value.code == "invalid_receipt"
    assert "patent, usn_income" in caught.value.message and "separate receipts" in caught.value.message
    assert len(kkt.journal()) == before


def test_status_names_the_registered_systems(world):
    _kkt, daemon = world
    assert daemon.status()["fn"]["tax_systems"] == ["usn_income", "patent"]
