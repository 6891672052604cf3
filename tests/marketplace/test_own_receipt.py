"""Which document is an order's receipt: only a sale written for the order (its ``order_id``, which
only the order's fiscalize path sets). A journal that already holds another sale under the order's
uuid (written before plain sales were refused an order's uuid) neither settles the order on
``reconcile`` nor blocks it: the order's sale goes under its next uuid, and a crash mid-sale finds
that row again, even if the buyer changed the order since."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from agent.marketplace.orders import order_uuid, order_uuids, own_receipt, reconcile, sale_uuid
from agent.store import open_store
from agent.store.models import FiscalDocument, MarketplaceOrder, ReceiptLine

TV = 1_500_000


@pytest.fixture
def store(tmp_path: Path):
    store = open_store(tmp_path)
    try:
        yield store
    finally:
        store.close()


def add_order(session) -> MarketplaceOrder:
    order = MarketplaceOrder(
        source="backoffice",
        remote_id="ord-1",
        status="waiting",
        currency="RUB",
        total=TV,
        lines=[{"sku": "TV", "code": "TV", "name": "Television", "quantity": "1", "price": TV}],
    )
    session.add(order)
    session.flush()
    return order


def add_sale(session, uuid: str, order_id: int | None, code: str, price: int, status="fiscalized"):
    doc = FiscalDocument(
        uuid=uuid, type="sale", status=status, request_hash="h", total=price, order_id=order_id
    )
    session.add(doc)
    session.flush()
    session.add(
        ReceiptLine(
            document_id=doc.id,
            position=1,
            product_code=code,
            name=code,
            quantity=Decimal("1.000"),
            price=price,
            amount=price,
            tax="vat20",
        )
    )
    session.flush()
    return doc


def test_a_cheap_sale_under_the_order_uuid_is_not_its_receipt(store):
    with store.write() as session:
        order = add_order(session)
        add_sale(session, order_uuid(order), None, "GUM", 100)
        assert own_receipt(session, order) is None
        assert reconcile(session, "backoffice", 0) == 0
        assert order.status == "waiting"
        assert sale_uuid(session, order) == order_uuids(order)[1]  # passed over, not refused forever


def test_the_order_own_receipt_is_found_after_a_crash(store):
    with store.write() as session:
        order = add_order(session)
        add_sale(session, order_uuid(order), None, "GUM", 100)
        second = order_uuids(order)[1]
        # killed mid-sale: the pending row is the order's, so its path goes on under the same uuid
        doc = add_sale(session, second, order.id, "TV", TV, status="pending")
        assert sale_uuid(session, order) == second and own_receipt(session, order) is None
        doc.status = "fiscalized"  # the journal's recovery found it in the FN
        session.add(doc)
        session.flush()
        assert sale_uuid(session, order) == second
        assert own_receipt(session, order).uuid == second
        assert reconcile(session, "backoffice", 0) == 1
        assert order.status == "fiscalized" and order.receipt_uuid == second


def test_every_uuid_held_by_others_refuses_rather_than_settles(store):
    with store.write() as session:
        order = add_order(session)
        for uuid in order_uuids(order):
            add_sale(session, uuid, None, "GUM", 100)
        assert sale_uuid(session, order) is None and own_receipt(session, order) is None


def test_the_order_receipt_is_still_its_own_after_the_buyer_changed_the_order(store):
    """Killed between the receipt and the order's marking, then the buyer's change came in: the
    receipt made for the order is still its receipt, so the order is marked, not sold again."""
    with store.write() as session:
        order = add_order(session)
        add_sale(session, order_uuid(order), order.id, "TV", TV)
        order.lines = [{**order.lines[0], "quantity": "2"}]
        session.add(order)
        session.flush()
        assert sale_uuid(session, order) == order_uuid(order)  # the journal replays it
        assert reconcile(session, "backoffice", 0) == 1
        assert order.status == "fiscalized" and order.receipt_uuid == order_uuid(order)
