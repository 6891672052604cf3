"""``/v1/documents``: every fiscal document (receipts, returns, shifts, cash) and where it stands with the
back office — queued, sent, accepted, duplicate, conflict or rejected — with the last error; and
"send again" for a rejected or conflicting one once its cause is fixed in the back office."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from sqlalchemy import func
from sqlmodel import select

from agent.api import schemas
from agent.api.deps import CtxDep, IdPath
from agent.api.errors import ApiError, invalid
from agent.i18n import N_
from agent.journal.views import upload_state
from agent.store.models import FiscalDocument, OutboxItem
from agent.store.types import utcnow

router = APIRouter(prefix="/v1", tags=["documents"])

State = Literal["queued", "sent", "accepted", "duplicate", "conflict", "rejected", "problems"]
# the API's older name for queued + sent
Upload = Literal["pending", "accepted", "duplicate", "conflict", "rejected", "problems"]
RESENDABLE = ("conflict", "rejected")


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _where_state(query, state: str):
    if state == "problems":
        return query.where(OutboxItem.status.in_(RESENDABLE))
    if state == "queued":
        return query.where(OutboxItem.status == "pending", OutboxItem.attempts == 0)
    if state == "sent":
        return query.where(OutboxItem.status == "pending", OutboxItem.attempts > 0)
    return query.where(OutboxItem.status == state)


def document_row(item: OutboxItem, doc: FiscalDocument) -> dict:
    return {
        "id": doc.id,
        "uuid": doc.uuid,
        "type": doc.type,
        "fd": doc.fd,
        "shift": doc.shift,
        "total": doc.total,
        "fiscalized_at": _iso(doc.fiscalized_at),
        "state": upload_state(item),
        "upload": item.status,
        "attempts": item.attempts,
        "next_attempt_at": _iso(item.next_attempt_at),
        "last_error": item.last_error,
        "message": item.result_message,
        "done_at": _iso(item.done_at),
    }


@router.get("/documents", response_model=schemas.Documents)
def documents(
    ctx: CtxDep,
    state: Annotated[State | None, Query(description="problems = conflict + rejected")] = None,
    status: Annotated[
        Upload | None, Query(description="the outbox's own state; pending = queued + sent")
    ] = None,
    since: Annotated[
        datetime | None, Query(description="fiscalized at or after (ISO 8601, with zone)")
    ] = None,
    limit: int = Query(100, ge=1, le=10000),
    offset: int = Query(0, ge=0, le=schemas.MAX_ID),
) -> dict:
    with ctx.store.read() as session:
        query = select(OutboxItem, FiscalDocument).join(
            FiscalDocument, FiscalDocument.id == OutboxItem.document_id
        )
        if state:
            query = _where_state(query, state)
        if status == "problems":
            query = query.where(OutboxItem.status.in_(RESENDABLE))
        elif status:
            query = query.where(OutboxItem.status == status)
        if since is not None:
            if since.tzinfo is None:
                raise invalid("since", N_("must name its time zone, e.g. +03:00"))
            query = query.where(FiscalDocument.fiscalized_at >= since)
        rows = session.exec(query.order_by(OutboxItem.id.desc()).offset(offset).limit(limit)).all()
        counts = dict(session.exec(select(OutboxItem.status, func.count()).group_by(OutboxItem.status)).all())
        items = [document_row(item, doc) for item, doc in rows]
    return {"items": items, "counts": counts}


@router.post("/documents/{document_id}/resend", response_model=schemas.DocumentUpload)
def resend(document_id: IdPath, ctx: CtxDep) -> dict:
    """Queue a rejected or conflicting document again (its cause fixed in the back office)."""
    with ctx.store.write() as session:
        row = session.exec(
            select(OutboxItem, FiscalDocument)
            .join(FiscalDocument, FiscalDocument.id == OutboxItem.document_id)
            .where(FiscalDocument.id == document_id)
        ).first()
        if row is None:
            raise ApiError(404, "document_not_found", N_("no document {id} to upload"), id=document_id)
        item, doc = row
        if item.status not in RESENDABLE:
            raise ApiError(
                409,
                "document_not_resendable",
                N_("document {id} is not rejected or in conflict: only such a document is sent again"),
                id=document_id,
                details={"state": upload_state(item)},
            )
        # the verdict stays in last_error until the next answer replaces it
        item.last_error = item.result_message or item.last_error
        item.status, item.attempts, item.next_attempt_at, item.done_at = "pending", 0, None, None
        item.result_message = None
        session.add(item)
        session.flush()
        answer = document_row(item, doc)
        answer["resent_at"] = utcnow().isoformat()
    sync = ctx.services.sync
    if sync is not None:
        sync.kick()
    return answer
