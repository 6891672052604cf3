"""The register's shift as the journal last saw it: open or not, since when, past its 24 hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

SHIFT_LIMIT = timedelta(hours=24)


@dataclass
class ShiftState:
    """The register's shift as last seen; ``status_summary`` answers from it without a device call."""

    known: bool = False
    open: bool = False
    number: int | None = None
    opened_at: datetime | None = None
    expired_on_register: bool = False

    def expired(self, now: datetime) -> bool:
        if not self.open:
            return False
        return self.expired_on_register or (self.opened_at is not None and now - self.opened_at > SHIFT_LIMIT)

    def view(self, now: datetime) -> dict[str, Any]:
        hours_left = None
        if self.open and self.opened_at is not None:
            left = (self.opened_at + SHIFT_LIMIT - now).total_seconds() / 3600
            hours_left = max(0, int(left))
        return {
            "open": self.open,
            "number": self.number,
            "opened_at": self.opened_at.isoformat() if self.opened_at else None,
            "hours_left": 0 if self.expired(now) else hours_left,
            "expired": self.expired(now),
        }
