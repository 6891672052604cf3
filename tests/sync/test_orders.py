"""Orders relayed by the back office; a foreign-currency order is shown with a reason, never fiscalized."""

from __future__ import annotations

from sqlmodel import select

from agent.store.models import MarketplaceOrder


def test_relayed_orders_arrive_and_outcomes_are_reported(paired, bo):
    product = bo.products()[0]
    rub = bo.add_order(
        lines=[{"code": product["code"], "name": product["name"], "quantity": "2.000", "price": 1500}]
    )
    pln = bo.add_order(
        lines=[{"code": product["code"], "name": product["name"], "quantity": "1.000", "price": 999}],
        currency="PLN",
    )
    assert paired.engine.run("orders").ok
    with paired.store.read() as session:
        orders = {o.remote_id: o for o in session.exec(select(MarketplaceOrder)).all()}
    assert orders[rub].status == "waiting" and orders[rub].total == 3000
    assert orders[pln].status == "unsupported" and "PLN" in orders[pln].reason
    with paired.store.write() as session:
        row = session.get(MarketplaceOrder, orders[pln].id)
        row.status, row.status_reported = "rejected", False
        session.add(row)
    assert paired.engine.run("orders").ok
    reported = {o["id"]: o["status"] for o in bo.orders()}
    assert reported[pln] == "rejected" and reported[rub] == "new"
    with paired.store.read() as session:
        assert session.get(MarketplaceOrder, orders[pln].id).status_reported
