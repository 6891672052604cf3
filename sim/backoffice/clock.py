"""The back office's sense of time, replaceable so tests can make codes expire without waiting."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


def system_clock() -> datetime:
    return utcnow()


class OffsetFileClock:
    """Real time plus the number of seconds written in a file (test-only: ``--clock-offset-file``).

    The file is read on every call, so a test moves a running server's clock by rewriting it.
    A missing or empty file means no offset.
    """

    def __init__(self, path: Path | str):
        self.path = Path(path)

    def offset(self) -> timedelta:
        try:
            text = self.path.read_text().strip()
        except FileNotFoundError:
            return timedelta()
        return timedelta(seconds=float(text)) if text else timedelta()

    def __call__(self) -> datetime:
        return utcnow() + self.offset()


def clock_from_file(path: Path | str | None) -> Clock:
    return OffsetFileClock(path) if path else system_clock
