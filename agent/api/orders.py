"""``/v1/orders``: marketplace orders of every source waiting at the register; fiscalize (never twice),
pick a product for a line that matches none, or reject.

Fiscalizing is a sale through the journal with a uuid derived from the order
(``agent.marketplace.settle``), so a repeated request (a double tap, a retry after a lost answer,
the automatic settling of paid orders) replays the first receipt instead of printing a second one.
"""

from __future__ import annotations

from datetime import tzinfo
from typing import Annotated

from fastapi import APIRouter, Path, Query
from sqlmodel import Session, select

from agent.api import schemas
from agent.api.access import CallerDep, cashier_for, check_total
from agent.api.deps import CtxDep, IdPath, LangDep
from agent.api.errors import ApiError
from agent.api.printing import fiscal_zone
from agent.api.schemas import FiscalizeBody, PickBody, RejectBody
from agent.daemon.context import Context
from agent.i18n import N_, translate
from agent.marketplace.orders import CURRENCY_REASON, ZERO_TOTAL_HELD, unmatched, zero_total
from agent.marketplace.settle import MARKS_REASON, UNMATCHED_REASON, marks_needed, pick_product
from agent.marketplace.settle import fiscalize as settle_order
from agent.printing.receipt_copy import check_link
from agent.store.models import FiscalDocument, MarketplaceOrder
from agent.store.types import utcnow

router = APIRouter(prefix="/v1", tags=["orders"])


def fiscal_receipts(session: Session, orders: list[MarketplaceOrder], zone: tzinfo | None) -> dict[str, dict]:
    """The fiscalized receipts of ``orders`` by uuid: FD, fiscal sign and the check link (its QR's data)."""
    uuids = [order.receipt_uuid for order in orders if order.receipt_uuid]
    if not uuids:
        return {}
    docs = session.exec(
        select(FiscalDocument).where(FiscalDocument.uuid.in_(uuids), FiscalDocument.status == "fiscalized")
    ).all()
    return {doc.uuid: receipt_view(doc, zone) for doc in docs}


def receipt_view(doc: FiscalDocument, zone: tzinfo | None) -> dict:
    return {
        "uuid": doc.uuid,
        "fd": doc.fd,
        "fiscal_sign": doc.fiscal_sign,
        "total": doc.total,
        "check_link": check_link(doc, zone),
    }


def order_view(
    order: MarketplaceOrder,
    lang: str,
    shop_currency: str,
    receipt: dict | None = None,
    needed: list[dict] | None = None,  # ``marks_needed`` of the order
) -> dict:
    reason = order.reason
    if order.status == "unsupported" and order.currency != shop_currency:
        reason = translate(CURRENCY_REASON, lang, currency=order.currency, shop_currency=shop_currency)
    elif reason:
        reason = translate(reason, lang)
    missing = unmatched(order)
    if order.status == "waiting" and zero_total(order):  # held for the cashier by the exchange settings
        reason = translate(ZERO_TOTAL_HELD, lang)
    elif order.status == "waiting" and missing:  # shown before anyone tries to fiscalize it
        lines = ", ".join(str(position) for position in missing)
        reason = translate(UNMATCHED_REASON, lang, id=order.id, lines=lines)
    elif order.status == "waiting" and needed:  # why it waits for the cashier, not fiscalized by itself
        count = sum(need["count"] for need in needed)
        reason = translate(MARKS_REASON, lang, id=order.id, count=count)
    return {
        "id": order.id,
        "source": order.source,
        "account": order.account,
        "remote_id": order.remote_id,
        "marketplace": order.marketplace,
        "status": order.status,
        "currency": order.currency,
        "total": order.total,
        "paid": order.paid,
        "buyer": order.buyer,
        "lines": order.lines,
        "unmatched": missing,
        "marks_needed": needed if order.status == "waiting" else [],
        "reason": reason,
        "receipt_uuid": order.receipt_uuid,
        "receipt": receipt,
        "received_at": order.received_at.isoformat(),
    }


@router.get("/orders", response_model=schemas.Orders)
def list_orders(
    ctx: CtxDep,
    lang: LangDep,
    status: schemas.OrderStatus | None = None,
    limit: int = Query(200, ge=1, le=1000),
    before_id: int | None = Query(None, ge=1, le=schemas.MAX_ID, description="the last id of a page"),
) -> dict:
    """Newest first; a page's last ``id`` as ``before_id`` gives the next page."""
    currency = ctx.settings.config.shop.currency
    with ctx.store.read() as session:
        query = select(MarketplaceOrder)
        if status:
            query = query.where(MarketplaceOrder.status == status)
        if before_id:
            query = query.where(MarketplaceOrder.id < before_id)
        rows = session.exec(query.order_by(MarketplaceOrder.id.desc()).limit(limit)).all()
        receipts = fiscal_receipts(session, rows, fiscal_zone(ctx.settings.config))
        return {
            "items": [
                order_view(row, lang, currency, receipts.get(row.receipt_uuid or ""), needed(session, row))
                for row in rows
            ]
        }


def needed(session: Session, order: MarketplaceOrder) -> list[dict]:
    return marks_needed(session, order) if order.status == "waiting" else []


def tell_source(ctx: Context) -> None:
    """The outcome goes back to the order's source at once rather than at the next interval."""
    if ctx.services.sync is not None:
        ctx.services.sync.kick()
    if ctx.services.marketplace is not None:
        ctx.services.marketplace.wake()


@router.post("/orders/{order_id}/fiscalize", response_model=schemas.Fiscalized)
async def fiscalize(
    order_id: IdPath, body: FiscalizeBody, ctx: CtxDep, caller: CallerDep, lang: LangDep
) -> dict:
    from agent.api.receipts import journal_of

    currency = ctx.settings.config.shop.currency
    journal = journal_of(ctx)
    order, doc, replayed = await settle_order(
        journal,
        ctx.store,
        order_id,
        currency,
        body.pay,
        cashier=cashier_for(caller, None, ctx.settings.config),
        limits=lambda request: check_total(request, journal, ctx.settings.config),
        marks={entry.position: list(entry.codes) for entry in body.marks or ()},
    )
    tell_source(ctx)
    if doc is None:  # a zero-total order: settled without a receipt
        return {"order": order_view(order, lang, currency), "receipt": None, "replayed": replayed}
    receipt = receipt_view(doc, fiscal_zone(ctx.settings.config)) if doc.status == "fiscalized" else None
    return {
        "order": order_view(order, lang, currency, receipt),
        "receipt": receipt
        or {"uuid": doc.uuid, "fd": doc.fd, "fiscal_sign": doc.fiscal_sign, "total": doc.total},
        "replayed": replayed,
    }


@router.post("/orders/{order_id}/lines/{position}", response_model=schemas.OrderAnswer)
def pick(
    order_id: IdPath,
    position: Annotated[int, Path(ge=1, le=schemas.MAX_LINES)],
    body: PickBody,
    ctx: CtxDep,
    lang: LangDep,
) -> dict:
    """The cashier picks the register's product for a line the marketplace's SKU does not match."""
    with ctx.store.write() as session:
        order = pick_product(session, order_id, position, body.code)
        currency = ctx.settings.config.shop.currency
        return {"order": order_view(order, lang, currency, None, needed(session, order))}


@router.post("/orders/{order_id}/reject", response_model=schemas.OrderAnswer)
def reject(order_id: IdPath, body: RejectBody, ctx: CtxDep, lang: LangDep) -> dict:
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
        if order.status == "settled":
            raise ApiError(
                409, "order_settled", N_("order {id} is already settled without a receipt"), id=order_id
            )
        if order.status != "rejected":
            order.status, order.reason = "rejected", body.reason or order.reason
            order.status_reported, order.updated_at = False, utcnow()
            session.add(order)
    tell_source(ctx)
    return {"order": order_view(order, lang, ctx.settings.config.shop.currency)}
