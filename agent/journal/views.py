"""Journal rows as the local API shows them: the back-office document plus local state.

A sale's lines also say how much of each is already returned, so a return screen can offer
exactly what is left.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session, select

from agent.journal.payload import DocumentRows
from agent.journal.records import FAILED, FISCALIZED, made_against
from agent.journal.returns import returnable_lines
from agent.store.models import FiscalDocument, OutboxItem
from drivers.fiscal_register import MarkPlan

RECEIPT_TYPES = ("sale", "return", "correction")
MEASURED = (MarkPlan.MEASURED_SOLD, MarkPlan.MEASURED_RETURNED)
UPLOAD_STATES = ("queued", "sent", "accepted", "duplicate", "conflict", "rejected")


_OUTBOX = select(
    OutboxItem.status, OutboxItem.attempts, OutboxItem.result_message, OutboxItem.last_error
).where(OutboxItem.document_id == bindparam("id"))


def upload_state(item: OutboxItem | None) -> str | None:
    """Where a document stands with the back office: queued (never tried), sent (tried, no verdict yet:
    it goes again), or the back office's verdict (accepted, duplicate, conflict, rejected)."""
    if item is None:
        return None
    if item.status == "pending":
        return "sent" if item.attempts else "queued"
    return item.status


def document_view(
    session: Session, doc: FiscalDocument, replayed: bool = False, own: DocumentRows | None = None
) -> dict[str, Any]:
    """``own``: the document's own rows as read where they were written (``DocumentRows.read``)."""
    rows = DocumentRows.read(session, [doc], own)
    view = rows.payload(doc)
    outbox = session.execute(_OUTBOX, {"id": doc.id}).first()
    view.update(
        id=doc.id,
        status=doc.status,
        original_id=doc.original_id,
        change=sum(payment["change"] for payment in view["payments"]),
        error={"code": doc.error_code, "message": doc.error_message} if doc.error_code else None,
        upload=upload_state(outbox),
        upload_error=(outbox.result_message or outbox.last_error) if outbox else None,
        replayed=replayed,
    )
    marks = rows.marks.get(doc.id, [])
    if marks:
        positions = [line.position for line in rows.lines.get(doc.id, [])]
        for position, line in zip(positions, view["lines"], strict=False):
            own = [mark for mark in marks if mark.line_position == position]
            line["marks"] = [
                {"code": mark.code, "verdict": mark.verdict, "result": mark.result, "permit": mark.permit}
                for mark in own
            ] or None
            if own:  # a measured line's one code covers any part of it: a return needs no scan
                line["measured"] = own[0].plan in MEASURED
    if doc.type == "sale" and doc.status == "fiscalized":
        against = made_against(session, doc.id)
        left = {}
        if any(row.type == "return" and row.status != FAILED for row in against):  # else none taken back
            left = {item.line.position: item for item in returnable_lines(session, doc)}
        for position, line in enumerate(view["lines"], start=1):
            item = left.get(position)
            line["returned"] = f"{item.returned_quantity:.3f}" if item else "0.000"
        view["returns"] = [row.id for row in against if row.status == FISCALIZED]
    return view
