"""Where a pulled stream stopped reading its back-office feed (``SyncCursor``), kept per stream."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from agent.store.models import SyncCursor


def load(session: Session, stream: str) -> str | None:
    row = session.get(SyncCursor, stream)
    return row.cursor if row else None


def save(session: Session, stream: str, cursor: str | None, now: datetime) -> None:
    """In the transaction that applied the page the cursor points after."""
    row = session.get(SyncCursor, stream) or SyncCursor(stream=stream)
    row.cursor = cursor
    row.updated_at = now
    session.add(row)
