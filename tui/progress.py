"""A running sync in words: done of total, items a second, time left (from ``/v1/status`` streams)."""

from __future__ import annotations

from agent.i18n import N_, _

STREAM_NAMES = {
    "receipts": N_("Receipts"),
    "products": N_("Products"),
    "employees": N_("Employees"),
    "orders": N_("Orders"),
}


def _count(number: int) -> str:
    return f"{number:,}".replace(",", " ")  # thin groups, as on a receipt: 100 000


def _seconds(seconds: int) -> str:
    if seconds >= 120:
        return _("{minutes} min").format(minutes=round(seconds / 60))
    return _("{seconds} s").format(seconds=seconds)


def progress_text(progress: dict | None) -> str:
    """ "45 000 of 100 000, 5 000/s, 11 s left"; only what the stream knows so far."""
    if not progress:
        return ""
    done, total = progress.get("done") or 0, progress.get("total")
    parts = [
        _("{done} of {total}").format(done=_count(done), total=_count(total))
        if total is not None
        else _count(done)
    ]
    rate = progress.get("rate") or 0
    if rate >= 1:
        parts.append(_("{rate}/s").format(rate=_count(round(rate))))
    left = progress.get("seconds_left")
    if left is not None and total is not None:
        parts.append(_("{time} left").format(time=_seconds(int(left))))
    return ", ".join(parts)


def running(status: dict | None) -> list[tuple[str, str]]:
    """(stream's name, its progress in words) of each stream running with a progress to show."""
    found = []
    for name, stream in ((status or {}).get("streams") or {}).items():
        progress = (stream or {}).get("progress")
        if progress and (progress.get("done") or progress.get("total")):
            title = _(STREAM_NAMES[name]) if name in STREAM_NAMES else name
            found.append((title, progress_text(progress)))
    return found
