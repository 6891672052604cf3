"""The one place a journal row becomes the back office's document (docs/backoffice-api.md, protocol v1).

The back office hashes this JSON to tell a duplicate from a conflict, so it must be the same
every time it is built for the same row: only fiscal facts, no upload state.
"""

from __future__ import annotations

import functools
from collections import namedtuple
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam
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
    rows = DocumentRows.read(session, docs)
    return [rows.payload(doc) for doc in docs]


@dataclass(frozen=True)
class DocumentRows:
    """What documents' payloads are built from, read once: each table's rows by document
    (``plain_rows``, in the order the payload lists them), the originals' uuids, the orders' links."""

    lines: dict[int, list]
    positions: dict[int, list]
    payments: dict[int, list]
    marks: dict[int, list]
    originals: dict[int, str]
    orders: dict[int, dict[str, Any]]

    @classmethod
    def read(
        cls, session: Session, docs: Sequence[FiscalDocument], own: DocumentRows | None = None
    ) -> DocumentRows:
        """``own``: these documents' own rows (lines, positions, payments, marks) as read in the
        transaction that wrote them, which nothing changes after: only the originals' uuids and
        the orders' links are read again."""
        ids = [doc.id for doc in docs]
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
        if own is not None:
            return cls(own.lines, own.positions, own.payments, own.marks, originals, orders)
        return cls(
            _by_document(session, ReceiptLine, ids),
            _by_document(session, FnPosition, ids),
            _by_document(session, ReceiptPayment, ids),
            _by_document(session, ReceiptMark, ids),
            originals,
            orders,
        )

    def payload(self, doc: FiscalDocument) -> dict[str, Any]:
        return _payload(
            doc,
            self.lines.get(doc.id, []),
            self.positions.get(doc.id, []),
            self.payments.get(doc.id, []),
            self.marks.get(doc.id, []),
            self.originals.get(doc.original_id) if doc.original_id else None,
            self.orders.get(doc.order_id) if doc.order_id is not None else None,
        )


def _by_document(session: Session, model, ids: list[int]) -> dict[int, list]:
    """A table's rows of these documents, in order, grouped by document (``plain_rows``)."""
    rows: dict[int, list] = {}
    for row in plain_rows(session.execute(_rows_of(model), {"ids": ids})):
        rows.setdefault(row.document_id, []).append(row)
    return rows


@functools.cache
def _rows_of(model) -> Select:
    """The query of ``_by_document``, built once: building it cost more than running it."""
    table = model.__table__
    order = table.c.position if model is ReceiptLine else table.c.id
    return (
        table.select()
        .where(table.c.document_id.in_(bindparam("ids", expanding=True)))
        .order_by(table.c.document_id, order)
    )


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
    if doc.number_in_shift is not None:  # only there: documents written without it hash as they always have
        payload["number_in_shift"] = doc.number_in_shift
    if doc.registration_number:  # the same
        payload["registration_number"] = doc.registration_number
    if doc.type == "correction":  # only there: the other documents hash as they always have
        payload["correction"] = doc.correction
    return payload
