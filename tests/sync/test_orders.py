"""Orders relayed by the back office; a foreign-currency order is shown with a reason, never fiscalized."""

from __future__ import annotations

from typing import Literal

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlmodel import select

from agent.backoffice import BackofficeClient
from agent.marketplace.relay import RelayConnector
from agent.marketplace.settle import pick_product
from agent.store.models import MarketplaceOrder
from tests.fixtures.serving import serving_app


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


def test_an_order_that_came_before_its_goods_finds_them_when_the_catalog_comes(paired, bo):
    """A new register's first exchange runs the orders and the catalog at once: an order stored
    before its products gets them as the catalog arrives, by the exact code only; a line the
    cashier picked keeps the pick, a SKU the catalog lacks stays unmatched."""
    first, second, picked = bo.products()[:3]
    remote_id = bo.add_order(
        lines=[
            {"code": first["code"], "name": first["name"], "quantity": "1.000", "price": 1500},
            {"code": "NO-SUCH", "name": "Talerz", "quantity": "1.000", "price": 500},
            {"code": second["code"], "name": second["name"], "quantity": "1.000", "price": 700},
        ]
    )

    def row(session) -> MarketplaceOrder:
        return session.exec(select(MarketplaceOrder).where(MarketplaceOrder.remote_id == remote_id)).one()

    def codes() -> list[str | None]:
        with paired.store.read() as session:
            return [line["code"] for line in row(session).lines]

    assert paired.engine.run("orders").ok  # before the catalog: nothing to match yet
    assert codes() == [None, None, None]
    assert paired.engine.run("products").ok
    assert codes() == [first["code"], None, second["code"]]
    with paired.store.write() as session:
        pick_product(session, row(session).id, 2, picked["code"])
    assert paired.engine.run("products").ok and paired.engine.run("orders").ok
    assert codes() == [first["code"], picked["code"], second["code"]]


class OutcomeV1(BaseModel):
    """What the first back offices accepted as an order's outcome."""

    status: Literal["fiscalized", "rejected"]
    receipt_uuid: str | None = None
    reason: str | None = None


def test_a_back_office_from_before_settled_gets_the_zero_total_order_rejected_with_the_reason():
    """A protocol-v1 back office that knows only fiscalized and rejected answers 422 to ``settled``:
    the order is reported rejected with the same reason; an order it forgot or finished otherwise
    ends the report instead of failing every exchange."""
    app, got = FastAPI(), []

    @app.exception_handler(RequestValidationError)
    async def invalid(_request, _exc):  # the protocol's error shape
        return JSONResponse({"error": {"code": "validation_error", "message": "status"}}, 422)

    @app.get("/api/v1/health")
    def health() -> dict:
        return {"ok": True}

    @app.post("/api/v1/orders/{order_id}/status")
    def status(order_id: str, body: OutcomeV1):
        if order_id == "gone":
            return JSONResponse({"error": {"code": "order_unknown", "message": "no order"}}, 404)
        got.append((order_id, body.status, body.reason))
        return {"id": order_id, "status": body.status}

    with serving_app(app) as url, BackofficeClient(url, token="t") as client:
        relay = RelayConnector(client, "PLN")
        relay.report("ord-1", "settled", None, "zero total: settled without a receipt", None)
        relay.report("gone", "fiscalized", "7c3d9f52-4a61-4c7e-9e0b-1d2f3a4b5c6d", None, None)
    assert got == [("ord-1", "rejected", "zero total: settled without a receipt")]
