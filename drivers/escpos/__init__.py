"""ESC/POS receipt printers through python-escpos 3.1, with the firmware profile in charge.

``open_printer(port, profile)`` gives a :class:`ReceiptPrinter`: ``status()``,
``print_receipt(PrintedReceipt)``, ``print_lines``, ``cut``, ``pulse_drawer``, ``close``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from drivers.escpos.errors import PrinterProfileError
from drivers.escpos.layout import PaymentLine, PrintedReceipt, ReceiptItem, TaxLine
from drivers.profile import Profile

if TYPE_CHECKING:
    from drivers.escpos.printer import ReceiptPrinter
    from drivers.escpos.status import PrinterStatus

__all__ = [
    "PaymentLine",
    "PrintedReceipt",
    "PrinterStatus",
    "ReceiptItem",
    "ReceiptPrinter",
    "TaxLine",
    "check_profile",
    "open_printer",
]


def __getattr__(name: str):
    """The printer and its status load python-escpos (half a second, megabytes of capabilities):
    only when a printer is opened, so a layout or a register without one never pays for it."""
    if name == "ReceiptPrinter":
        from drivers.escpos.printer import ReceiptPrinter

        return ReceiptPrinter
    if name == "PrinterStatus":
        from drivers.escpos.status import PrinterStatus

        return PrinterStatus
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def check_profile(profile: Profile) -> None:
    """Refuse a profile that cannot drive an ESC/POS printer, naming why.

    Its base must exist in python-escpos's printer database, and where that base lists the
    profile's code-page slot, the slot must hold the profile's codec.
    """
    if profile.protocol != "escpos":
        raise PrinterProfileError(profile=profile.name, reason=f"its protocol is {profile.protocol}")
    from escpos.capabilities import CAPABILITIES

    base = CAPABILITIES["profiles"].get(profile.escpos_db_profile)
    if base is None:
        raise PrinterProfileError(
            profile=profile.name, reason=f"unknown escpos_db_profile {profile.escpos_db_profile!r}"
        )
    slot = str(profile.encoding.codepage_slot)
    listed = base.get("codePages", {}).get(slot)
    encoding = CAPABILITIES["encodings"].get(listed or "", {})
    expected = encoding.get("python_encode")
    if expected and expected.lower() != profile.encoding.codec.lower():
        raise PrinterProfileError(
            profile=profile.name,
            reason=f"ESC t {slot} is {listed} in {profile.escpos_db_profile}, not {profile.encoding.codec}",
        )


def open_printer(
    port: str, profile: Profile, *, translate: Callable[[str], str] | None = None
) -> ReceiptPrinter:
    """Open the printer at ``port`` (path, pyserial URL, usb:VID:PID, tcp://host:port, /dev/usb/lpN)."""
    from drivers.escpos.link import open_link
    from drivers.escpos.printer import ReceiptPrinter

    check_profile(profile)
    link = open_link(port, profile)
    return ReceiptPrinter(link, profile, translate or (lambda message: message))
