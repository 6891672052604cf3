"""``GET /v1/documents``: the upload state of every fiscal document, conflicts and rejections included."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from sqlalchemy import func
from sqlmodel import select

from agent.api.deps import CtxDep
from agent.store.models import FiscalDocument, OutboxItem

router = APIRouter(prefix="/v1", tags=["documents"])

Upload = Literal["pending", "accepted", "duplicate", "conflict", "rejected", "problems"]


def _iso(value) -> str | None:
    return value.isoformat() if value else None


@router.get("/documents")
def documents(
    ctx: CtxDep,
    status: Annotated[Upload | None, Query(description="problems = conflict + rejected")] = None,
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0),
) -> dict:
    with ctx.store.read() as session:
        query = select(OutboxItem, FiscalDocument).join(
            FiscalDocument, FiscalDocument.id == OutboxItem.document_id
        )
        if status == "problems":
            query = query.where(OutboxItem.status.in_(("conflict", "rejected")))
        elif status:
            query = query.where(OutboxItem.status == status)
        rows = session.exec(query.order_by(OutboxItem.id.desc()).offset(offset).limit(limit)).all()
        counts = dict(session.exec(select(OutboxItem.status, func.count()).group_by(OutboxItem.status)).all())
        items = [
            {
                "id": doc.id,
                "uuid": doc.uuid,
                "type": doc.type,
                "fd": doc.fd,
                "total": doc.total,
                "fiscalized_at": _iso(doc.fiscalized_at),
                "upload": item.status,
                "attempts": item.attempts,
                "next_attempt_at": _iso(item.next_attempt_at),
                "last_error": item.last_error,
                "message": item.result_message,
                "done_at": _iso(item.done_at),
            }
            for item, doc in rows
        ]
    return {"items": items, "counts": counts}
