"""The journal's rows: write an operation ``pending``, then ``fiscalized`` (with its outbox row)
or ``failed``.

Each function is one transaction. ``fiscalized`` and the outbox row are written together, so a
document is either uploaded eventually or not fiscalized at all.
"""

from __future__ import annotations

import uuid as uuid_module
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, delete, select

from agent.journal.cart import PricedLine
from agent.journal.payments import Settled
from agent.store.models import (
    FiscalDocument,
    FnPosition,
    MarketplaceOrder,
    OutboxItem,
    ReceiptLine,
    ReceiptMark,
    ReceiptPayment,
)
from drivers.fiscal_register import Cashier, vat_of

PENDING = "pending"
FISCALIZED = "fiscalized"
FAILED = "failed"
NEEDS_CHECK = "needs_check"  # error code of a ``failed`` row whose fate only a person can tell
NO_FD = ("cash_in", "cash_out")  # no fiscal document number on this protocol: the FN cannot be asked

# what each journal type is called in the FN's own journal (``find_document``)
FN_TYPES = {
    "sale": "receipt",
    "return": "return",
    "correction": "correction",
    "shift_open": "shift_open",
    "shift_close": "shift_close",
    "cash_in": "cash_in",
    "cash_out": "cash_out",
}


@dataclass
class Operation:
    """One fiscal operation as the journal writes it before the register hears of it."""

    uuid: str
    type: str  # sale | return | correction | shift_open | shift_close | cash_in | cash_out
    request_hash: str
    total: int = 0
    cashier: Cashier | None = None
    buyer_contact: str | None = None
    buyer_name: str | None = None  # tag 1227: a B2B buyer, always with buyer_inn (1228)
    buyer_inn: str | None = None
    original_id: int | None = None
    order_id: int | None = None
    tax_system: str | None = None  # tag 1055; a return keeps its sale's
    lines: list[PricedLine] = field(default_factory=list)
    payments: list[Settled] = field(default_factory=list)
    correction: dict | None = None  # a correction receipt's type, sign, date, number and reason
    earlier_hashes: tuple[str, ...] = ()  # the same request as an earlier version hashed it

    def asks(self, request_hash: str) -> bool:
        """Whether a row written with ``request_hash`` was asked for exactly this."""
        return request_hash == self.request_hash or request_hash in self.earlier_hashes


def new_uuid() -> str:
    """The uuid of an operation no client named (a shift opened for a sale; a shift or cash move
    sent without one)."""
    return str(uuid_module.uuid4())


def by_uuid(session: Session, uuid: str) -> FiscalDocument | None:
    return session.execute(_BY_UUID, {"uuid": uuid}).scalars().first()


# statements every sale runs, built once: building one cost more than running it
_BY_UUID = select(FiscalDocument).where(FiscalDocument.uuid == bindparam("uuid"))
_PENDING = select(FiscalDocument).where(FiscalDocument.status == PENDING).order_by(FiscalDocument.id)


def order_link(order: MarketplaceOrder) -> dict[str, Any]:
    """The order a receipt settles, as its source knows it: the source, the seller account there
    (None for the back office's own relay) and the order's id there. Stored on the document when
    it is written, so its upload stays the same for every retry, across upgrades too."""
    return {"source": order.source, "account": order.account_ref, "external_id": order.remote_id}


def write_pending(
    session: Session, op: Operation, fn_serial: str, expected_fd: int, now: datetime
) -> FiscalDocument:
    """Insert the row (or re-arm a ``failed`` one with the same uuid) with its lines and payments."""
    doc = by_uuid(session, op.uuid)
    if doc is None:
        doc = FiscalDocument(uuid=op.uuid, type=op.type, status=PENDING, request_hash=op.request_hash)
    else:
        session.exec(delete(ReceiptLine).where(ReceiptLine.document_id == doc.id))
        session.exec(delete(FnPosition).where(FnPosition.document_id == doc.id))
        session.exec(delete(ReceiptMark).where(ReceiptMark.document_id == doc.id))
        session.exec(delete(ReceiptPayment).where(ReceiptPayment.document_id == doc.id))
    doc.status = PENDING
    doc.request_hash = op.request_hash  # a re-armed row answers for what is asked now
    doc.fn_serial = fn_serial
    doc.expected_fd = expected_fd
    doc.created_at = now
    doc.total = op.total
    doc.cashier_name = op.cashier.name if op.cashier else None
    doc.cashier_inn = op.cashier.inn if op.cashier else None
    doc.buyer_contact = op.buyer_contact
    doc.buyer_name = op.buyer_name
    doc.buyer_inn = op.buyer_inn
    doc.tax_system = op.tax_system
    doc.original_id = op.original_id
    doc.order_id = op.order_id
    doc.order_link = (
        order_link(session.get(MarketplaceOrder, op.order_id)) if op.order_id is not None else None
    )
    doc.correction = op.correction
    doc.error_code = doc.error_message = None
    session.add(doc)
    session.flush()
    positions, marks, lines = [], [], []
    for position, line in enumerate(op.lines, start=1):
        at = line.position or position
        vats = [vat_of(sent.amount, sent.tax) for sent in line.fn_positions]
        positions += [
            {
                "document_id": doc.id,
                "line_position": at,
                "number": number,
                "name": sent.name,
                "quantity": sent.quantity,
                "price": sent.price,
                "amount": sent.amount,
                "vat": vat,
            }
            for number, (sent, vat) in enumerate(zip(line.fn_positions, vats, strict=True), start=1)
        ]
        marks += [
            {
                "document_id": doc.id,
                "line_position": at,
                "unit": unit,
                "code": checked.code,
                "identity": checked.identity,
                "plan": str(checked.check.plan),
                "verdict": str(checked.verdict),
                "result": checked.check.result,
                "local": str(checked.check.local),
                "online": str(checked.check.online),
                "permit": checked.permit,
            }
            for unit, checked in enumerate(line.mark_checks, start=1)
        ]
        lines.append(
            {
                "document_id": doc.id,
                "vat": None if not vats or None in vats else sum(vats),
                "position": at,
                "product_code": line.code,
                "name": line.name,
                "quantity": line.quantity,
                "price": line.price,
                "discount": line.discount,
                "amount": line.amount,
                "unit": line.unit,
                "tax": line.tax,
                "payment_object": line.payment_object,
            }
        )
    payments = [
        {"document_id": doc.id, "kind": payment.kind, "amount": payment.amount, "change": payment.change}
        for payment in op.payments
    ]
    # plain table inserts, many rows a statement: building a model instance for each row cost more
    # than the rest of the transaction, and it runs beside the receipt's first commands
    for model, rows in (
        (FnPosition, positions),
        (ReceiptMark, marks),
        (ReceiptLine, lines),
        (ReceiptPayment, payments),
    ):
        if rows:
            session.execute(model.__table__.insert(), rows)
    return doc


def mark_fiscalized(
    session: Session,
    doc_id: int,
    *,
    fd: int | None,
    fiscal_sign: str | None,
    shift: int | None,
    fiscalized_at: datetime,
    number_in_shift: int | None = None,
    written: FiscalDocument | None = None,
) -> FiscalDocument:
    """The row fiscalized and its outbox row added (kept if it has one), each one statement.

    ``written``: the row as its pending write left it, when the caller holds it (not read again);
    it is given the new values as they now stand in the store."""
    values = {
        "status": FISCALIZED,
        "fd": fd,
        "fiscal_sign": fiscal_sign,
        "shift": shift,
        "number_in_shift": number_in_shift,
        "fiscalized_at": fiscalized_at,
        "error_code": None,
        "error_message": None,
    }
    doc = written if written is not None else session.get(FiscalDocument, doc_id)
    session.execute(_FISCALIZED, {"doc_id": doc_id, **values})
    for key, value in values.items():
        set_committed_value(doc, key, value)
    session.execute(_NEW_OUTBOX, {"document_id": doc_id, "created_at": fiscalized_at})
    return doc


_DOCUMENTS = FiscalDocument.__table__
# the SET clause is the columns named in the parameters (``mark_fiscalized``'s values), typed by them
_FISCALIZED = _DOCUMENTS.update().where(_DOCUMENTS.c.id == bindparam("doc_id"))
_NEW_OUTBOX = sqlite_insert(OutboxItem.__table__).on_conflict_do_nothing(index_elements=["document_id"])


def mark_failed(session: Session, doc_id: int, code: str, message: str) -> FiscalDocument:
    doc = session.get(FiscalDocument, doc_id)
    doc.status = FAILED
    doc.error_code = code
    doc.error_message = message
    session.add(doc)
    return doc


def pending_documents(session: Session) -> list[FiscalDocument]:
    return list(session.execute(_PENDING).scalars())


def made_against(session: Session, sale_id: int) -> list:
    """The documents that name a sale as their original (its returns): id, type and status.

    Found by ``original_id`` alone and filtered by the caller: with ``status`` or ``type`` in the
    query too, SQLite's planner (it keeps no statistics) may walk that index instead, over every
    fiscalized document of the journal, on every sale."""
    return list(session.execute(_MADE_AGAINST, {"sale_id": sale_id}))


_MADE_AGAINST = (  # built once, like _BY_UUID
    select(FiscalDocument.id, FiscalDocument.type, FiscalDocument.status)
    .where(FiscalDocument.original_id == bindparam("sale_id"))
    .order_by(FiscalDocument.id)
)


def returns_of(session: Session, sale_id: int) -> list[int]:
    """The ids of a sale's returns that took goods back or may still do so (not ``failed``)."""
    return [doc.id for doc in made_against(session, sale_id) if doc.type == "return" and doc.status != FAILED]


def fd_taken(session: Session, fn_serial: str, fd: int, other_than: int) -> bool:
    """Another journal row already holds this FD (so it is not the one a pending row waits for)."""
    query = select(FiscalDocument.id).where(
        FiscalDocument.fn_serial == fn_serial, FiscalDocument.fd == fd, FiscalDocument.id != other_than
    )
    return session.exec(query).first() is not None


def outbox_queue(session: Session, now: datetime) -> dict:
    """How many fiscalized documents wait for upload, and how long the oldest has waited."""
    depth = session.exec(select(func.count()).where(OutboxItem.status == PENDING)).one()
    oldest = session.exec(
        select(OutboxItem.created_at).where(OutboxItem.status == PENDING).order_by(OutboxItem.id).limit(1)
    ).first()
    return {"depth": depth, "oldest_age_seconds": int((now - oldest).total_seconds()) if oldest else None}


def needing_a_person(session: Session) -> list[FiscalDocument]:
    """Rows marked ``needs_check`` since the last Z report (where the drawer is counted anyway)."""
    last_close = session.exec(
        select(func.max(FiscalDocument.fiscalized_at)).where(
            FiscalDocument.type == "shift_close", FiscalDocument.status == FISCALIZED
        )
    ).one()
    query = select(FiscalDocument).where(
        FiscalDocument.status == FAILED, FiscalDocument.error_code == NEEDS_CHECK
    )
    if last_close is not None:
        query = query.where(FiscalDocument.created_at > last_close)
    return list(session.exec(query.order_by(FiscalDocument.id)))
