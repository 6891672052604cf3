"""Settling an order: a sale through the journal, like any other, and never twice.

The sale's uuid is derived from (source, account, external id), so a double tap, a retry after a
lost answer, the automatic settling of paid orders and a restart after a crash all reach the same
journal row: the journal fiscalizes it once and replays the first result after that. An order whose
receipt is fiscalized but whose row was not yet marked (a crash in between) is marked by
``reconcile``, which every import runs first; its outcome then goes back to the source.

Only this path makes an order's receipt: the document carries the order's id, which a plain sale
(``POST /v1/receipts``) may not name, nor take an order's uuid. A document of another sale that
holds the order's uuid anyway (written before that rule, or before the order arrived) is passed
over for the order's next uuid (``sale_uuid``), and never counts as the order's receipt.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from sqlmodel import Session, select

from agent.api.schemas import buyer_contact as contact_for_tag
from agent.i18n import N_
from agent.journal import records
from agent.journal.marks import codes_wanted
from agent.marketplace.orders import (
    CURRENCY_REASON,
    mark_fiscalized,
    mark_settled,
    sale_uuid,
    unmatched,
    zero_total,
)
from agent.store.models import MarketplaceAccount, MarketplaceOrder
from agent.store.types import utcnow
from common.errors import KassaError
from common.inn import valid_inn

UNMATCHED_REASON = N_("order {id}: lines {lines} match no product of the register: pick a product for each")
MARKS_REASON = N_(
    "order {id}: marked goods: scan the marking codes of {count} items at the register (the order's "
    "screen, F8 or F9), then it is fiscalized with them"
)

UUID_TAKEN = N_(
    "order {id}: every uuid of its receipt is held by other documents in the journal: it cannot be "
    "fiscalized at this register; settle it in the back office"
)


class OrderRefused(KassaError):
    """Why an order cannot be fiscalized now: an HTTP status, a stable code, a msgid and its params."""

    def __init__(
        self, status: int, code: str, msgid: str, params: dict[str, Any] | None = None, details=None
    ):
        self.code = code
        super().__init__(msgid, status=status, details=details, **(params or {}))


def buyer_contact(order: MarketplaceOrder) -> str | None:
    """Tag 1008: the buyer's e-mail, else the phone, the first the tag takes (``schemas.buyer_contact``);
    a contact it does not take ("n/a", an address in Cyrillic) is left off, never refuses the sale."""
    buyer = order.buyer or {}
    for key in ("email", "phone"):
        value = buyer.get(key)
        contact = contact_for_tag(value) if isinstance(value, str) else None
        if contact is not None:
            return contact
    return None


def b2b_buyer(order: MarketplaceOrder) -> tuple[str | None, str | None]:
    """Tags 1227/1228: the buyer's name and INN when the order names a business buyer (an INN,
    checked when the order was stored), else neither."""
    buyer = order.buyer or {}
    name, inn = buyer.get("name"), buyer.get("inn")
    if isinstance(name, str) and name.strip() and isinstance(inn, str) and valid_inn(inn):
        return name.strip(), inn
    return None, None


def payment_kind(session: Session, order: MarketplaceOrder, asked: str | None) -> str:
    if asked:
        return asked
    if order.account:
        account = session.get(MarketplaceAccount, order.account)
        if account is not None:
            return account.payment_kind
    return "card"


def marks_needed(session: Session, order: MarketplaceOrder) -> list[dict]:
    """The order's lines of marked products, each with how many codes the cashier scans for it
    (``agent.journal.marks.codes_wanted``): a marked unit is never fiscalized without its code."""
    from agent.store.models import Product

    codes = {line.get("code") for line in order.lines or [] if line.get("code")}
    if not codes:
        return []
    products = {
        product.code: product
        for product in session.exec(select(Product).where(Product.code.in_(codes), Product.marked.is_(True)))
    }
    needed = []
    for position, line in enumerate(order.lines or [], start=1):
        product = products.get(line.get("code"))
        if product is None:
            continue
        try:
            quantity = Decimal(str(line.get("quantity") or "1"))
        except ArithmeticError:
            continue  # the sale refuses the quantity in words
        needed.append(
            {
                "position": position,
                "code": product.code,
                "name": product.name,
                "count": codes_wanted(quantity, product.weighted),
            }
        )
    return needed


def check_order(order: MarketplaceOrder, shop_currency: str, needed: list[dict] = (), marks=None) -> None:
    if order.currency != shop_currency:
        raise OrderRefused(409, "order_currency", CURRENCY_REASON,
                           {"currency": order.currency, "shop_currency": shop_currency})  # fmt: skip
    if order.status not in ("waiting", "fiscalized"):
        raise OrderRefused(409, "order_not_waiting", N_("order {id} is {state}: it cannot be fiscalized"),
                           {"id": order.id, "state": order.status})  # fmt: skip
    missing = unmatched(order)
    if missing and order.status == "waiting":
        raise OrderRefused(
            409,
            "order_unmatched",
            UNMATCHED_REASON,
            {"id": order.id, "lines": ", ".join(str(n) for n in missing)},
            details={"lines": missing},
        )
    unscanned = [need for need in needed if not (marks or {}).get(need["position"])]
    if unscanned and order.status == "waiting":
        raise OrderRefused(
            409,
            "order_needs_marks",
            MARKS_REASON,
            {"id": order.id, "count": sum(need["count"] for need in unscanned)},
            details={"lines": [need["position"] for need in unscanned]},
        )
    for position in marks or {}:
        if not 1 <= position <= len(order.lines or []):
            raise OrderRefused(422, "order_line_not_found", N_("order {id} has no line {position}"),
                               {"id": order.id, "position": position})  # fmt: skip


def settle_without_receipt(store, order_id: int) -> tuple[MarketplaceOrder, bool]:
    """A zero-total order closed without a receipt (a register prints none): (order, replayed)."""
    with store.write() as session:
        order = session.get(MarketplaceOrder, order_id)
        if order is None:
            raise OrderRefused(404, "order_not_found", N_("no order {id}"), {"id": order_id})
        if order.status == "settled":
            return order, True
        if order.status != "waiting" or not zero_total(order):
            raise OrderRefused(409, "order_not_waiting", N_("order {id} is {state}: it cannot be fiscalized"),
                               {"id": order.id, "state": order.status})  # fmt: skip
        return mark_settled(session, order, utcnow()), False


async def fiscalize(
    journal,
    store,
    order_id: int,
    shop_currency: str,
    pay: str | None = None,
    *,
    cashier=None,  # agent.journal.requests.CashierRef: who signs the receipt (tags 1021/1203)
    limits: Callable[[Any], Awaitable[None]] | None = None,  # the caller's limits on the sale, if any
    marks: dict[int, list[str]] | None = None,
):
    """Fiscalize one order: (order, receipt, replayed); a zero-total order is settled without a
    receipt instead: (order, None, replayed). Raises OrderRefused or JournalError.

    ``marks`` are the codes the cashier scanned, by line position (from 1): a line of marked goods
    is sold with them, checked as in any sale (``agent.journal.marks``); without them an order of
    marked goods waits for the cashier (the automatic settling passes none)."""
    from agent.journal.requests import LineRequest, PaymentRequest, SaleRequest
    from agent.journal.sale import sell

    def load():
        with store.read() as session:
            order = session.get(MarketplaceOrder, order_id)
            if order is None:
                raise OrderRefused(404, "order_not_found", N_("no order {id}"), {"id": order_id})
            known = records.by_uuid(session, order.receipt_uuid) if order.receipt_uuid else None
            uuid = sale_uuid(session, order)
            return order, payment_kind(session, order, pay), marks_needed(session, order), known, uuid

    order, kind, needed, known, uuid = await _run(load)
    if order.status == "settled" or (order.status == "waiting" and zero_total(order)):
        order, replayed = await _run(lambda: settle_without_receipt(store, order_id))
        return order, None, replayed
    if order.status == "fiscalized" and known is not None and known.status == "fiscalized":
        return order, known, True  # its receipt, whatever codes a repeated request names
    check_order(order, shop_currency, needed, marks)
    if uuid is None:
        raise OrderRefused(409, "order_uuid_taken", UUID_TAKEN, {"id": order.id})
    buyer_name, buyer_inn = b2b_buyer(order)
    request = SaleRequest(
        uuid=uuid,
        lines=[
            LineRequest(
                code=str(line["code"]),
                quantity=str(line.get("quantity") or "1"),
                price=int(line["price"]),
                marks=(marks or {}).get(position) or None,
            )
            for position, line in enumerate(order.lines, start=1)
        ],
        payments=[PaymentRequest(kind=kind)],
        buyer_contact=buyer_contact(order),
        buyer_name=buyer_name,
        buyer_inn=buyer_inn,
        order_id=order.id,
        cashier=cashier,
    )
    if limits is not None:
        await limits(request)
    doc, replayed = await sell(journal, request)

    def mark():
        with store.write() as session:
            row = session.get(MarketplaceOrder, order_id)
            if doc.status == "fiscalized":
                mark_fiscalized(session, row, doc.uuid)
            return row

    order = await _run(mark)
    return order, doc, replayed


async def _run(work):
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(work)


def pick_product(session: Session, order_id: int, position: int, code: str) -> MarketplaceOrder:
    """The cashier's choice of a product for one line (by the product's code)."""
    from agent.store.models import Product

    order = session.get(MarketplaceOrder, order_id)
    if order is None:
        raise OrderRefused(404, "order_not_found", N_("no order {id}"), {"id": order_id})
    if order.status != "waiting":
        raise OrderRefused(409, "order_not_waiting", N_("order {id} is {state}: it cannot be fiscalized"),
                           {"id": order.id, "state": order.status})  # fmt: skip
    lines = [dict(line) for line in order.lines or []]
    if not 1 <= position <= len(lines):
        raise OrderRefused(404, "order_line_not_found", N_("order {id} has no line {position}"),
                           {"id": order_id, "position": position})  # fmt: skip
    if session.exec(select(Product.id).where(Product.code == code)).first() is None:
        raise OrderRefused(404, "product_not_found", N_("no product with code {code}"), {"code": code})
    lines[position - 1].update(code=code, picked=True)
    order.lines, order.updated_at = lines, utcnow()
    session.add(order)
    return order
