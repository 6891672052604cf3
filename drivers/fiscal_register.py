"""What the agent needs from a fiscal register, whatever its protocol.

The agent's journal drives a sale step by step (open, items, tags, close) so that it can
write the journal between steps, and reconciles after a crash with ``status``,
``fn_status`` and ``find_document``. Every method blocks (serial I/O); the agent calls
them from the one thread that owns the port. Errors are ``drivers.errors.DriverError``
subclasses with a stable ``code`` and an operator message.

Money is integer kopecks, quantities are ``Decimal`` with 3 places, times are aware UTC.
Tax, payment-object, payment-method and unit codes are the profile's names ("vat20",
"commodity", "full_payment", "pcs"); the driver maps them to the device's numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from drivers import device_status as words


class ReceiptKind(StrEnum):
    SALE = "sale"
    RETURN = "return"  # "возврат прихода"


class DocumentType(StrEnum):
    SHIFT_OPEN = "shift_open"
    RECEIPT = "receipt"
    RETURN = "return"
    CASH_IN = "cash_in"
    CASH_OUT = "cash_out"
    SHIFT_CLOSE = "shift_close"
    OTHER = "other"


@dataclass(frozen=True)
class DeviceInfo:
    model: str
    serial: str  # KKT factory number
    fn_serial: str
    inn: str
    firmware: str = ""
    registration_number: str = ""


@dataclass(frozen=True)
class RegisterStatus:
    mode: int
    submode: int
    shift_open: bool
    shift_number: int  # the current (open) or last closed shift
    shift_expired: bool  # open for more than 24 hours: only a Z report is possible
    document_open: bool  # mode 8: a receipt is open
    paper_out: bool  # submodes 1/2
    waiting_continue: bool  # submode 3: needs continue_printing()
    cover_open: bool
    last_fd: int | None = None  # the last fiscal document number, when the status carries it
    shift_opened_at: datetime | None = None

    def problems(self) -> list[str]:
        """Msgids of ``drivers.device_status``, most urgent first; empty when the register is fine."""
        conditions = (
            (self.paper_out, words.PAPER_OUT),
            (self.cover_open, words.COVER_OPEN),
            (self.waiting_continue, words.WAITING_CONTINUE),
            (self.shift_expired, words.SHIFT_EXPIRED),
            (self.document_open, words.DOCUMENT_OPEN),
        )
        return [message for present, message in conditions if present]


@dataclass(frozen=True)
class FnStatus:
    fn_serial: str
    last_fd: int
    shift_open: bool
    shift_number: int
    document_open: bool  # a fiscal document is open in the FN
    warnings: tuple[str, ...] = ()  # e.g. "fn_memory_low", "fn_replace_soon", "ofd_timeout"


@dataclass(frozen=True)
class OfdStatus:
    unsent: int
    first_unsent_fd: int | None
    first_unsent_at: datetime | None


@dataclass(frozen=True)
class FiscalResult:
    """What the FN assigned to a document that was just closed."""

    fd: int
    fiscal_sign: str  # ФП/ФПД, decimal digits as printed
    shift: int
    fiscalized_at: datetime
    number_in_shift: int | None = None


@dataclass(frozen=True)
class FoundDocument:
    """A fiscal document read back from the FN by its number."""

    fd: int
    type: DocumentType
    fiscal_sign: str
    fiscalized_at: datetime
    total: int | None = None  # kopecks, for receipts


@dataclass(frozen=True)
class Cashier:
    name: str  # tag 1021
    inn: str | None = None  # tag 1203


@dataclass(frozen=True)
class ReceiptItem:
    name: str
    quantity: Decimal
    price: int  # kopecks per unit
    amount: int  # kopecks for the line after its discount
    tax: str
    payment_object: str = "commodity"
    payment_method: str = "full_payment"
    unit: str = "pcs"


@dataclass(frozen=True)
class Payments:
    """Kopecks by payment kind ("cash", "card", ...); cash may exceed the total (change)."""

    amounts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.amounts.values())


class FiscalRegister(Protocol):
    def device_info(self) -> DeviceInfo: ...
    def status(self) -> RegisterStatus: ...
    def fn_status(self) -> FnStatus: ...
    def ofd_status(self) -> OfdStatus: ...

    def open_shift(self, cashier: Cashier | None = None) -> FiscalResult: ...
    def x_report(self) -> None: ...
    def close_shift(self, cashier: Cashier | None = None) -> FiscalResult: ...  # Z report

    def open_receipt(self, kind: ReceiptKind) -> None: ...
    def add_item(self, item: ReceiptItem) -> None: ...
    def add_tag(self, tag: int, value: str) -> None: ...
    def close_receipt(self, payments: Payments, *, total: int) -> FiscalResult: ...
    def cancel_receipt(self) -> None: ...
    def continue_printing(self) -> None: ...

    def cash_in(self, amount: int) -> FiscalResult | None: ...
    def cash_out(self, amount: int) -> FiscalResult | None: ...
    def print_text(self, lines: list[str]) -> None: ...
    def cut(self, partial: bool = True) -> None: ...
    def find_document(self, fd: int) -> FoundDocument | None: ...

    def close(self) -> None: ...
