"""What a device's polled status says to a person: one msgid for each condition, and nowhere else.

The register's ``RegisterStatus`` and the receipt printer's ``PrinterStatus`` list their conditions
with these ids (``problems()``, most urgent first); the daemon's status, the connection check and
``kassa printer status`` translate them where they are shown.
"""

from __future__ import annotations

from typing import Protocol

from drivers.errors import N_

PAPER_OUT = N_("Out of paper: load a new roll")
COVER_OPEN = N_("Cover open: close the printer cover")
WAITING_CONTINUE = N_("Paper was replaced: printing continues after 'continue printing'")
SHIFT_EXPIRED = N_("The shift is over 24 hours old: close it with a Z report")
DOCUMENT_OPEN = N_("A receipt is open in the register")
MECHANISM_ERROR = N_("Printer error (cutter or mechanism): switch the printer off and on")
OFFLINE = N_("Printer offline")
PAPER_NEAR_END = N_("Paper near end: prepare a new roll")
BLOCKED = N_("The printer holds the line (flow control): check paper, cover and cable")
UNKNOWN = N_("No answer from the printer: status unknown; check power and cable")
READY = N_("Printer ready, paper OK")

# conditions that need a hand soon but stop nothing
WARNINGS = frozenset({PAPER_NEAR_END})


class DeviceStatus(Protocol):
    def problems(self) -> list[str]: ...


def headline(status: DeviceStatus | None) -> str | None:
    """The one condition to show in a one-line status, or None when all is well."""
    problems = status.problems() if status is not None else []
    return problems[0] if problems else None


def messages(status: DeviceStatus) -> list[str]:
    """Every condition, or that the device is ready."""
    return status.problems() or [READY]
