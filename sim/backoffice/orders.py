"""Marketplace orders the back office relays to the register, and the outcomes the register reports.

An order starts ``new``; the register reports ``fiscalized`` (with the receipt's uuid), ``settled``
(a zero-total order closed without a receipt: a fiscal register prints none) or ``rejected`` (with
a reason). Reporting the same outcome again is harmless; a different outcome
for a finished order is refused. Every change takes a change number, so the register sees it.
"""

from __future__ import annotations

import secrets
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from agent.i18n import N_
from sim.backoffice import tables as t
from sim.backoffice.clock import utcnow
from sim.backoffice.database import allocate_seq
from sim.backoffice.errors import ApiError
from sim.backoffice.feeds import order_item

STATUSES = ("new", "fiscalized", "settled", "rejected", "cancelled")
THOUSANDTH = Decimal("0.001")


def line_amount(line: dict) -> int:
    amount = Decimal(line["quantity"]) * line["price"]
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def normalize_lines(lines: list[dict]) -> list[dict]:
    """Lines with quantities as 3-place decimal strings and prices as integer minor units."""
    result = []
    for line in lines:
        quantity = Decimal(str(line["quantity"])).quantize(THOUSANDTH)
        price = line["price"]
        if isinstance(price, bool) or not isinstance(price, int) or price < 0:
            raise ValueError(f"price must be a non-negative integer number of minor units, not {price!r}")
        result.append({"code": line["code"], "name": line["name"], "quantity": str(quantity), "price": price})
    return result


def add_order(
    conn: Connection,
    *,
    lines: list[dict],
    marketplace: str = "allegro",
    external_id: str | None = None,
    currency: str = "RUB",
    buyer: dict | None = None,
    order_id: str | None = None,
    status: str = "new",
) -> str:
    """Record an order to relay; returns its id. The total is the sum of the lines."""
    if status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
    lines = normalize_lines(lines)
    now = utcnow()
    order_id = order_id or "ord-" + secrets.token_hex(6)
    conn.execute(
        insert(t.marketplace_order).values(
            id=order_id,
            marketplace=marketplace,
            external_id=external_id or secrets.token_hex(8),
            status=status,
            currency=currency,
            total=sum(line_amount(line) for line in lines),
            buyer=buyer or {"name": "", "email": "", "phone": ""},
            lines=lines,
            created_at=now,
            updated_at=now,
            seq=allocate_seq(conn),
        )
    )
    return order_id


def cancel_order(conn: Connection, order_id: str) -> bool:
    """The marketplace cancelled a new order (the register should not fiscalize it any more)."""
    result = conn.execute(
        update(t.marketplace_order)
        .where(t.marketplace_order.c.id == order_id, t.marketplace_order.c.status == "new")
        .values(status="cancelled", seq=allocate_seq(conn), updated_at=utcnow())
    )
    return result.rowcount == 1


def report_status(
    conn: Connection,
    order_id: str,
    status: str,
    receipt_uuid: str | None,
    reason: str | None,
    register_id: str,
) -> dict:
    """Apply the register's outcome for an order; returns the order as the feed shows it."""
    row = conn.execute(select(t.marketplace_order).where(t.marketplace_order.c.id == order_id)).first()
    if row is None:
        raise ApiError(404, "order_unknown", N_("there is no order {order_id}"), order_id=order_id)
    if status == "fiscalized" and not receipt_uuid:
        raise ApiError(
            422,
            "validation_error",
            N_("invalid request: {field}: {problem}"),
            field="receipt_uuid",
            problem="required when the status is fiscalized",
        )
    if status == "settled" and (receipt_uuid or row.total != 0):
        raise ApiError(
            422,
            "validation_error",
            N_("invalid request: {field}: {problem}"),
            field="status",
            problem="settled is for a zero-total order only, and has no receipt_uuid",
        )
    if row.status == status and row.receipt_uuid == receipt_uuid:
        return order_item(row._mapping)
    if row.status != "new":
        raise ApiError(
            409,
            "order_status_conflict",
            N_("order {order_id} is already {status}"),
            order_id=order_id,
            status=row.status,
        )
    conn.execute(
        update(t.marketplace_order)
        .where(t.marketplace_order.c.id == order_id)
        .values(
            status=status,
            receipt_uuid=receipt_uuid,
            reason=reason,
            register_id=register_id,
            seq=allocate_seq(conn),
            updated_at=utcnow(),
        )
    )
    row = conn.execute(select(t.marketplace_order).where(t.marketplace_order.c.id == order_id)).first()
    return order_item(row._mapping)
