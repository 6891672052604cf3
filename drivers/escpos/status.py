"""Printer status from the four DLE EOT real-time replies (Epson ESC/POS application manual).

Every reply byte has bit 1 and bit 4 set and bits 0 and 7 clear; anything else is not a status
byte. n=1 printer: bit 3 offline. n=2 offline cause: bit 2 cover open, bit 5 stopped by paper
end, bit 6 error. n=3 error cause: bit 2 mechanical, bit 3 autocutter, bit 5 unrecoverable,
bit 6 auto-recoverable (head temperature). n=4 roll sensor: bits 2+3 near end, bits 5+6 end.
No reply is *unknown*, never "paper OK" (python-escpos 3.1 reads a missing reply as paper OK).
"""

from __future__ import annotations

from dataclasses import dataclass

from drivers import device_status as words

REQUESTS = (1, 2, 3, 4)


def is_status_byte(value: int) -> bool:
    return value & 0b1001_0011 == 0b0001_0010


@dataclass(frozen=True)
class PrinterStatus:
    online: bool | None = None
    cover_open: bool = False
    paper_near_end: bool = False
    paper_end: bool = False
    error: bool = False
    unknown: bool = True
    blocked: bool = False

    @property
    def ready(self) -> bool:
        return (
            not self.unknown and bool(self.online) and not (self.cover_open or self.paper_end or self.error)
        )

    def problems(self) -> list[str]:
        """Msgids of ``drivers.device_status``, most urgent first; empty when the printer is fine."""
        if self.blocked:
            return [words.BLOCKED]
        if self.unknown:
            return [words.UNKNOWN]
        found = []
        if self.cover_open:
            found.append(words.COVER_OPEN)
        if self.paper_end:
            found.append(words.PAPER_OUT)
        if self.error:
            found.append(words.MECHANISM_ERROR)
        if self.online is False and not found:
            found.append(words.OFFLINE)
        if self.paper_near_end and not self.paper_end:
            found.append(words.PAPER_NEAR_END)
        return found


def decode(replies: dict[int, int]) -> PrinterStatus:
    """A status from the reply bytes by request number; a missing or invalid reply means unknown."""
    if any(n not in replies or not is_status_byte(replies[n]) for n in REQUESTS):
        return PrinterStatus()
    printer, offline, error, paper = (replies[n] for n in REQUESTS)
    return PrinterStatus(
        online=not printer & 0x08,
        cover_open=bool(offline & 0x04),
        paper_near_end=paper & 0x0C == 0x0C,
        paper_end=bool(offline & 0x20) or paper & 0x60 == 0x60,
        error=bool(offline & 0x40) or bool(error & 0x6C),
        unknown=False,
    )


UNKNOWN = PrinterStatus()
BLOCKED = PrinterStatus(blocked=True)
