"""The one place a journal row becomes the back office's document (TEAM.md, protocol v1).

The back office hashes this JSON to tell a duplicate from a conflict, so it must be the same
every time it is built for the same row: only fiscal facts, no upload state.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from agent.store.models import FiscalDocument, FnPosition, MarketplaceOrder, ReceiptLine, ReceiptPayment


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


def line_payload(line: ReceiptLine, positions: Sequence[FnPosition] = ()) -> dict[str, Any]:
    return {
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


def document_lines(session: Session, doc: FiscalDocument) -> list[ReceiptLine]:
    query = select(ReceiptLine).where(ReceiptLine.document_id == doc.id).order_by(ReceiptLine.position)
    return list(session.exec(query))


def document_positions(session: Session, doc: FiscalDocument) -> list[FnPosition]:
    query = select(FnPosition).where(FnPosition.document_id == doc.id).order_by(FnPosition.id)
    return list(session.exec(query))


def document_payments(session: Session, doc: FiscalDocument) -> list[ReceiptPayment]:
    query = select(ReceiptPayment).where(ReceiptPayment.document_id == doc.id).order_by(ReceiptPayment.id)
    return list(session.exec(query))


def _order_id(session: Session, doc: FiscalDocument) -> str | None:
    if doc.order_id is None:
        return None
    order = session.get(MarketplaceOrder, doc.order_id)
    return order.remote_id if order is not None and order.source == "backoffice" else None


def document_payload(session: Session, doc: FiscalDocument) -> dict[str, Any]:
    original = session.get(FiscalDocument, doc.original_id) if doc.original_id else None
    positions = document_positions(session, doc)
    return {
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
        "lines": [line_payload(line, positions) for line in document_lines(session, doc)],
        "payments": [
            {"kind": p.kind, "amount": p.amount, "change": p.change} for p in document_payments(session, doc)
        ],
        "original_uuid": original.uuid if original else None,
        "order_id": _order_id(session, doc),
    }
