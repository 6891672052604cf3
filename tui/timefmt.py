"""Times arrive as ISO-8601 UTC; screens show them in the terminal's local time."""

from __future__ import annotations

from datetime import datetime


def local_time(value: str | None, with_date: bool = True) -> str:
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return moment.strftime("%d.%m %H:%M" if with_date else "%H:%M")
