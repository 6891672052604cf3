"""``/v1/orders``: marketplace orders waiting at the register; fiscalize (never twice) or reject them.

Fiscalizing is a sale through the journal with a uuid derived from the order, so a repeated
request (a double tap, a retry after a lost answer) replays the first receipt instead of printing
a second one.
"""

from __future__ import annotations

import uuid as uuidlib
from typing import Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import select
from starlette.concurrency import run_in_threadpool

from agent.api.access import CallerDep, cashier_for, check_total
from agent.api.deps import CtxDep, LangDep
from agent.api.errors import ApiError
from agent.i18n import N_, translate
from agent.store.models import MarketplaceOrder
from agent.store.types import utcnow
from agent.sync.orders import CURRENCY_REASON

router = APIRouter(prefix="/v1", tags=["orders"])

ORDER_NAMESPACE = uuidlib.UUID("6f1c2a52-3d0e-4c55-9a51-6b8f4f3f0a11")


class FiscalizeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pay: Literal["card", "cash"] = "card"


class RejectBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(None, max_length=200)


def order_uuid(order: MarketplaceOrder) -> str:
    return str(uuidlib.uuid5(ORDER_NAMESPACE, f"{order.source}:{order.remote_id}"))


def order_view(order: MarketplaceOrder, lang: str, shop_currency: str) -> dict:
    reason = order.reason
    if order.status == "unsupported" and order.currency != shop_currency:
        reason = translate(CURRENCY_REASON, lang, currency=order.currency, shop_currency=shop_currency)
    return {
        "id": order.id,
        "source": order.source,
        "remote_id": order.remote_id,
        "marketplace": order.marketplace,
        "status": order.status,
        "currency": order.currency,
        "total": order.total,
        "buyer": order.buyer,
        "lines": order.lines,
        "reason": reason,
        "receipt_uuid": order.receipt_uuid,
        "received_at": order.received_at.isoformat(),
    }


@router.get("/orders")
def list_orders(
    ctx: CtxDep,
    lang: LangDep,
    status: str | None = Query(None, max_length=20),
    limit: int = Query(200, ge=1, le=1000),
) -> dict:
    currency = ctx.settings.config.shop.currency
    with ctx.store.read() as session:
        query = select(MarketplaceOrder)
        if status:
            query = query.where(MarketplaceOrder.status == status)
        rows = session.exec(query.order_by(MarketplaceOrder.id.desc()).limit(limit)).all()
        return {"items": [order_view(row, lang, currency) for row in rows]}


def _order(ctx, order_id: int) -> MarketplaceOrder:
    with ctx.store.read() as session:
        order = session.get(MarketplaceOrder, order_id)
    if order is None:
        raise ApiError(404, "order_not_found", N_("no order {id}"), id=order_id)
    return order


def _mark_fiscalized(ctx, order_id: int, doc) -> MarketplaceOrder:
    """The order points at its receipt; a replayed sale finds it already marked."""
    with ctx.store.write() as session:
        row = session.get(MarketplaceOrder, order_id)
        if doc.status == "fiscalized" and row.status != "fiscalized":
            row.status, row.receipt_uuid, row.reason = "fiscalized", doc.uuid, None
            row.status_reported, row.updated_at = False, utcnow()
            session.add(row)
        return row


@router.post("/orders/{order_id}/fiscalize")
async def fiscalize(
    order_id: int, body: FiscalizeBody, ctx: CtxDep, caller: CallerDep, lang: LangDep
) -> dict:
    from agent.api.receipts import journal_of
    from agent.journal.requests import LineRequest, PaymentRequest, SaleRequest
    from agent.journal.sale import sell

    currency = ctx.settings.config.shop.currency
    order = await run_in_threadpool(_order, ctx, order_id)
    if order.currency != currency:
        raise ApiError(
            409, "order_currency", CURRENCY_REASON, currency=order.currency, shop_currency=currency
        )
    if order.status not in ("waiting", "fiscalized"):
        raise ApiError(
            409,
            "order_not_waiting",
            N_("order {id} is {state}: it cannot be fiscalized"),
            id=order_id,
            state=order.status,
        )
    journal = journal_of(ctx)
    request = SaleRequest(
        uuid=order_uuid(order),
        lines=[
            LineRequest(
                code=str(line["code"]), quantity=str(line.get("quantity") or "1"), price=int(line["price"])
            )
            for line in order.lines
        ],
        payments=[PaymentRequest(kind=body.pay)],
        order_id=order.id,
        cashier=cashier_for(caller, None, ctx.settings.config),
    )
    await check_total(request, journal, ctx.settings.config)
    doc, replayed = await sell(journal, request)
    order = await run_in_threadpool(_mark_fiscalized, ctx, order.id, doc)
    sync = ctx.services.get("sync")
    if sync is not None:
        sync.kick()
    return {
        "order": order_view(order, lang, currency),
        "receipt": {"uuid": doc.uuid, "fd": doc.fd, "fiscal_sign": doc.fiscal_sign, "total": doc.total},
        "replayed": replayed,
    }


@router.post("/orders/{order_id}/reject")
def reject(order_id: int, body: RejectBody, ctx: CtxDep, lang: LangDep) -> dict:
    with ctx.store.write() as session:
        order = session.get(MarketplaceOrder, order_id)
        if order is None:
            raise ApiError(404, "order_not_found", N_("no order {id}"), id=order_id)
        if order.status == "fiscalized":
            raise ApiError(
                409,
                "order_fiscalized",
                N_("order {id} is already fiscalized: make a return instead"),
                id=order_id,
            )
        if order.status != "rejected":
            order.status, order.reason = "rejected", body.reason or order.reason
            order.status_reported, order.updated_at = False, utcnow()
            session.add(order)
    sync = ctx.services.get("sync")
    if sync is not None:
        sync.kick()
    return {"order": order_view(order, lang, ctx.settings.config.shop.currency)}
