"""The one place a journal row becomes the back office's document (docs/backoffice-api.md, protocol v1).

The back office hashes this JSON to tell a duplicate from a conflict, so it must be the same
every time it is built for the same row: only fiscal facts, no upload state.
"""

from __future__ import annotations

import functools
from collections import namedtuple
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from agent.journal.records import order_link
from agent.store.models import (
    FiscalDocument,
    FnPosition,
    MarketplaceOrder,
    ReceiptLine,
    ReceiptMark,
    ReceiptPayment,
)


def _time(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def position_payload(position: FnPosition) -> dict[str, Any]:
    return {
        "name": position.name,
        "quantity": f"{position.quantity:.3f}",
        "price": position.price,
        "amount": position.amount,
        "vat": position.vat,
    }


def line_payload(
    line: ReceiptLine, positions: Sequence[FnPosition] = (), marks: Sequence[ReceiptMark] = ()
) -> dict[str, Any]:
    payload = {
        "code": line.product_code,
        "name": line.name,
        "quantity": f"{line.quantity:.3f}",
        "price": line.price,
        "discount": line.discount,
        "amount": line.amount,
        "unit": line.unit,
        "tax": line.tax,
        "payment_object": line.payment_object,
        "vat": line.vat,
        "fn_positions": [position_payload(p) for p in positions if p.line_position == line.position],
    }
    codes = [mark.code for mark in marks if mark.line_position == line.position]
    if codes:  # only there: lines without codes hash as they always have
        payload["marks"] = codes
    return payload


def document_payload(session: Session, doc: FiscalDocument) -> dict[str, Any]:
    return document_payloads(session, [doc])[0]


def document_payloads(session: Session, docs: Sequence[FiscalDocument]) -> list[dict[str, Any]]:
    """Several documents' payloads with one query per table, not one per document and table."""
    ids = [doc.id for doc in docs]
    lines = _by_document(session, ReceiptLine, ids, ReceiptLine.position)
    positions = _by_document(session, FnPosition, ids, FnPosition.id)
    payments = _by_document(session, ReceiptPayment, ids, ReceiptPayment.id)
    marks = _by_document(session, ReceiptMark, ids, ReceiptMark.id)
    original_ids = {doc.original_id for doc in docs if doc.original_id}
    originals = {}
    if original_ids:
        originals = dict(
            session.exec(
                select(FiscalDocument.id, FiscalDocument.uuid).where(FiscalDocument.id.in_(original_ids))
            ).all()
        )
    order_ids = {doc.order_id for doc in docs if doc.order_id is not None}
    orders = {}
    if order_ids:  # order_id names a relayed order as it always has; the new link is the document's own
        orders = {
            order.id: order_link(order)
            for order in session.exec(select(MarketplaceOrder).where(MarketplaceOrder.id.in_(order_ids)))
        }
    return [
        _payload(
            doc,
            lines.get(doc.id, []),
            positions.get(doc.id, []),
            payments.get(doc.id, []),
            marks.get(doc.id, []),
            originals.get(doc.original_id) if doc.original_id else None,
            orders.get(doc.order_id) if doc.order_id is not None else None,
        )
        for doc in docs
    ]


def _by_document(session: Session, model, ids: list[int], order) -> dict[int, list]:
    """A table's rows of these documents, in order, grouped by document (``plain_rows``)."""
    table = model.__table__
    rows: dict[int, list] = {}
    query = table.select().where(table.c.document_id.in_(ids)).order_by(table.c.document_id, order)
    for row in plain_rows(session.execute(query)):
        rows.setdefault(row.document_id, []).append(row)
    return rows


def plain_rows(result) -> Iterator:
    """A result's rows as named tuples: the columns' own types and attribute access, at a fraction
    of the cost of a model instance or of an SQLAlchemy row's attribute (which cost more than the
    rest of building a payload)."""
    make = _row_type(tuple(result.keys()))._make
    return map(make, result.all())


@functools.lru_cache(maxsize=32)
def _row_type(columns: tuple[str, ...]) -> type:
    return namedtuple("Row", columns)


def _payload(
    doc: FiscalDocument,
    lines: Sequence[ReceiptLine],
    positions: Sequence[FnPosition],
    payments: Sequence[ReceiptPayment],
    marks: Sequence[ReceiptMark],
    original_uuid: str | None,
    order: dict[str, Any] | None,
) -> dict[str, Any]:
    payload = {
        "uuid": doc.uuid,
        "type": doc.type,
        "created_at": _time(doc.created_at),
        "fiscalized_at": _time(doc.fiscalized_at),
        "kkt_serial": doc.kkt_serial,
        "fn_serial": doc.fn_serial,
        "fd": doc.fd,
        "fiscal_sign": doc.fiscal_sign,
        "shift": doc.shift,
        "total": doc.total,
        "cashier": {"name": doc.cashier_name, "inn": doc.cashier_inn} if doc.cashier_name else None,
        "buyer_contact": doc.buyer_contact,
        "tax_system": doc.tax_system,
        "lines": [line_payload(line, positions, marks) for line in lines],
        "payments": [{"kind": p.kind, "amount": p.amount, "change": p.change} for p in payments],
        "original_uuid": original_uuid,
        "order_id": order["external_id"] if order and order["source"] == "backoffice" else None,
    }
    if doc.order_link is not None:  # only there: documents written without it hash as they always have
        payload["order"] = doc.order_link
    if doc.buyer_inn:  # only there: receipts without a B2B buyer hash as they always have
        payload["buyer"] = {"name": doc.buyer_name, "inn": doc.buyer_inn}
    if doc.type == "correction":  # only there: the other documents hash as they always have
        payload["correction"] = doc.correction
    return payload
