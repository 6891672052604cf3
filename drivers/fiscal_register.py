"""What the agent needs from a fiscal register, whatever its protocol.

The agent's journal drives a sale step by step (open, items, tags, close) so that it can
write the journal between steps, and reconciles after a crash with ``status``,
``fn_status`` and ``find_document``. Every method blocks (serial I/O); the agent calls
them from the one thread that owns the port. Errors are ``drivers.errors.DriverError``
subclasses with a stable ``code`` and an operator message.

Money is integer kopecks, quantities are ``Decimal`` with 3 places, times are aware UTC. Every
sum (a price, a line's sum, the total, a payment, the change, a cash move) is at most
``MAX_AMOUNT`` (``common.money``): a driver refuses more with a ``DriverError`` before it sends
anything, and the agent refuses it before the register is touched.
Tax, payment-object, payment-method and unit codes are the profile's names ("vat20",
"commodity", "full_payment", "pcs"); the driver maps them to the device's numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Protocol

from common.money import MAX_AMOUNT as MAX_AMOUNT  # the one bound on money, for every driver
from drivers import device_status as words
from drivers.errors import N_, DriverError

# taxation systems (tag 1055) by the bit each has in the FN's registration (tag 1062)
TAX_SYSTEMS = ("osn", "usn_income", "usn_income_expense", "envd", "esn", "patent")


class ReceiptKind(StrEnum):
    """The calculation sign (tag 1054)."""

    SALE = "sale"  # "приход"
    RETURN = "return"  # "возврат прихода"
    EXPENSE = "expense"  # "расход"
    EXPENSE_RETURN = "expense_return"  # "возврат расхода"


class DocumentType(StrEnum):
    SHIFT_OPEN = "shift_open"
    RECEIPT = "receipt"
    RETURN = "return"
    CASH_IN = "cash_in"
    CASH_OUT = "cash_out"
    CORRECTION = "correction"
    SHIFT_CLOSE = "shift_close"
    OTHER = "other"


@dataclass(frozen=True)
class DeviceInfo:
    model: str
    serial: str  # KKT factory number
    fn_serial: str
    inn: str
    firmware: str = ""
    registration_number: str = ""  # РН ККТ, tag 1037: given by the tax service at registration


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
    clock: datetime | None = None  # the FN's clock, aware, in the register's time zone
    expires: date | None = None  # FF03: the last day the FN's keys are valid
    tax_systems: tuple[str, ...] = ()  # what the FN is registered for (tag 1062)


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
    number_in_shift: int | None = None  # tag 1042 of a receipt: its number in the shift


@dataclass(frozen=True)
class FoundDocument:
    """A fiscal document read back from the FN by its number."""

    fd: int
    type: DocumentType
    fiscal_sign: str
    fiscalized_at: datetime
    total: int | None = None  # kopecks, for receipts


@dataclass(frozen=True)
class Correction:
    """What makes a receipt a correction receipt (FFD 1.2): tag 1173 and the basis, tag 1174."""

    by_order: bool  # 1173: False "самостоятельно", True "по предписанию" of the tax service
    date: date  # 1178: the day of the settlement being corrected
    number: str | None = None  # 1179: the order's number; required by order


@dataclass(frozen=True)
class Cashier:
    name: str  # tag 1021
    inn: str | None = None  # tag 1203


@dataclass(frozen=True)
class IndustryRequisite:
    """Tag 1260 of a position: the rule a value comes under; for a marked unit sold under the
    permissive mode, the government decree and the national system's online answer (1265
    "UUID=<its request id>&Time=<its time, ms>")."""

    foiv: str  # 1262: the federal body's id, 3 digits ("030": the Ministry of Industry and Trade)
    document_date: date  # 1263: the day of the decree
    document_number: str  # 1264: its number
    value: str  # 1265


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
    # one marking code (GS1 DataMatrix as scanned, GS as "\x1d"), checked and accepted with
    # ``check_mark``/``accept_mark`` before the item; the driver binds it to the position it
    # sends for this item, so marked goods go one item per unit (a measured good: one item)
    mark: str | None = None
    industry: IndustryRequisite | None = None  # tag 1260, sent with the position it belongs to


def rounded(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


class NoExactPositions(DriverError):
    """No two positions a register computes the sums of itself (classic lines) add up to the
    line's amount: refused before anything is sent."""

    code = "no_exact_positions"
    message = N_(
        "The line {name} cannot go to the register: it computes each position's sum itself "
        "(quantity x price, rounded), and no unit price or split into two positions gives "
        "{amount} kopecks for {quantity}. Nothing was sent. Change the line's discount or quantity."
    )
    status = 422


MILLI = Decimal("0.001")
SPLIT_REACH = 1000  # thousandths either side of the ideal split: the rounding errs by under a kopeck


def positions_of(item: ReceiptItem, tolerance: int = 1) -> list[ReceiptItem]:
    """The FN positions a line goes out as: the discounted unit price when one fits its sum
    within ``tolerance`` kopecks (the register refuses a position whose sum is further from
    price x quantity), else two positions at prices a kopeck apart whose sums add up to the
    line's exactly. ``tolerance`` is 1 for FF46 and 0 for classic lines, whose sum the
    register computes itself (round-half-up of quantity x price for each position): then each
    position's sum is exactly that, and a line no split gives is refused (``NoExactPositions``)."""
    quantity, amount = item.quantity, item.amount
    exact = Decimal(amount) / quantity
    low = int(exact.to_integral_value(ROUND_FLOOR))
    for price in (item.price, rounded(exact), low, low + 1):  # its own price first: a position stays
        if price >= 0 and abs(rounded(quantity * price) - amount) <= tolerance:
            return [replace(item, price=price)]
    upper_quantity = amount - quantity * low  # at low + 1: sums to the amount exactly
    if tolerance == 0:
        return exact_split(item, low, upper_quantity)
    lower_quantity = quantity - upper_quantity
    lower_amount = rounded(lower_quantity * low)
    return [
        replace(item, quantity=lower_quantity, price=low, amount=lower_amount),
        replace(item, quantity=upper_quantity, price=low + 1, amount=amount - lower_amount),
    ]


def exact_split(item: ReceiptItem, low: int, ideal: Decimal) -> list[ReceiptItem]:
    """Two positions at ``low`` and ``low + 1`` whose sums, each rounded as the register rounds
    it, add up to the line's amount: the quantity at ``low + 1`` nearest ``ideal`` that does."""
    quantity, amount = item.quantity, item.amount
    for step in range(SPLIT_REACH + 1):
        for upper_quantity in {ideal + step * MILLI, ideal - step * MILLI}:
            lower_quantity = quantity - upper_quantity
            if upper_quantity <= 0 or lower_quantity <= 0:
                continue
            lower_amount = rounded(lower_quantity * low)
            upper_amount = rounded(upper_quantity * (low + 1))
            if lower_amount + upper_amount == amount:
                return [
                    replace(item, quantity=lower_quantity, price=low, amount=lower_amount),
                    replace(item, quantity=upper_quantity, price=low + 1, amount=upper_amount),
                ]
    raise NoExactPositions(name=item.name, amount=amount, quantity=quantity)


VAT_RATE = re.compile(r"^vat([0-9]+)")


def vat_of(amount: int, tax: str) -> int | None:
    """The VAT inside a VAT-inclusive sum as the FN computes it (tag 1200); None without VAT.
    The rate is the number in the tax code: vat22 and vat22_122 are 22 %, none has no VAT."""
    match = VAT_RATE.match(tax)
    if match is None:
        return None
    rate = int(match.group(1))
    return rounded(Decimal(amount) * rate / (100 + rate))


@dataclass(frozen=True)
class Payments:
    """Kopecks by payment kind ("cash", "card", ...); cash may exceed the total (change)."""

    amounts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.amounts.values())


class MarkPlan(StrEnum):
    """The planned status of a marked item (tag 2003) the code is checked for."""

    PIECE_SOLD = "piece_sold"  # 1 "штучный товар, реализован"
    MEASURED_SOLD = "measured_sold"  # 2 "мерный товар, в стадии реализации"
    PIECE_RETURNED = "piece_returned"  # 3 "штучный товар, возвращен"
    MEASURED_RETURNED = "measured_returned"  # 4 "часть товара, возвращена"
    UNCHANGED = "unchanged"  # 255 "статус товара не изменился"

    @classmethod
    def of(cls, kind: ReceiptKind, measured: bool) -> MarkPlan:
        """The plan for a unit of a receipt of ``kind``: sold on a sale, returned on a return."""
        if kind == ReceiptKind.SALE:
            return cls.MEASURED_SOLD if measured else cls.PIECE_SOLD
        if kind == ReceiptKind.RETURN:
            return cls.MEASURED_RETURNED if measured else cls.PIECE_RETURNED
        return cls.UNCHANGED


class MarkLocal(StrEnum):
    """The FN's own check of the code's crypto tail (GS1 AIs 91/92) with its keys."""

    VALID = "valid"  # checked: the code is genuine
    INVALID = "invalid"  # checked: the crypto tail does not match, the code is forged or misread
    NOT_CHECKED = "not_checked"  # the FN could not check it: ``MarkCheck.local_reason`` says why


class MarkLocalReason(StrEnum):
    """Why the FN did not check a code itself."""

    NOT_CHECKABLE = "not_checkable"  # codes of this type are not checked in the FN
    NO_KEY = "no_key"  # the FN has no key for this code's check (its keys need updating)
    NO_CRYPTO_TAIL = "no_crypto_tail"  # AIs 91/92 are missing or malformed (a misread scan)
    OTHER = "other"


class MarkOnline(StrEnum):
    """The national tracking system's answer (OISM, through the OFD; tag 2109) on the code."""

    STATUS_CORRECT = "status_correct"  # the planned status is right: the item may be sold/returned
    STATUS_INCORRECT = "status_incorrect"  # e.g. already sold, not in circulation, not a return
    SUSPENDED = "suspended"  # the item's circulation is suspended
    NOT_CHECKED = "not_checked"  # no answer in time, or offline: the FN could not ask
    ANSWER_INVALID = "answer_invalid"  # an answer came but the FN refused it (``online_error``)


class MarkVerdict(StrEnum):
    """The one outcome the cashier is told, most serious first."""

    INVALID = "invalid"  # the FN found the code forged or misread
    STATUS_INCORRECT = "status_incorrect"  # the system refused the planned status
    SUSPENDED = "suspended"
    NOT_CHECKED_ONLINE = "not_checked_online"  # valid or unchecked locally, no online answer
    VALID = "valid"


@dataclass(frozen=True)
class MarkCheck:
    """What the register answered for one code sent for checking.

    ``result`` is tag 2106 as the FN will write it for the position: bit 0 the FN checked the
    crypto tail, bit 1 it was genuine, bit 2 the system's status answer was received, bit 3 the
    planned status was right ([M+] on paper when all four are set, [M] with no online answer).
    """

    code: str
    plan: MarkPlan
    local: MarkLocal
    online: MarkOnline
    result: int  # tag 2106
    local_reason: MarkLocalReason | None = None  # with NOT_CHECKED
    code_type: int | None = None  # tag 2100 as the register recognized the code
    online_error: int = 0  # the FN's code for the online check: 0 answered, 0x20 refused, 0xFF none in time

    @property
    def verdict(self) -> MarkVerdict:
        if self.local == MarkLocal.INVALID:
            return MarkVerdict.INVALID
        if self.online == MarkOnline.STATUS_INCORRECT:
            return MarkVerdict.STATUS_INCORRECT
        if self.online == MarkOnline.SUSPENDED:
            return MarkVerdict.SUSPENDED
        if self.online != MarkOnline.STATUS_CORRECT:
            return MarkVerdict.NOT_CHECKED_ONLINE
        return MarkVerdict.VALID


RESULT_CHECKED, RESULT_GENUINE, RESULT_STATUS_CHECKED, RESULT_STATUS_OK = 1, 2, 4, 8  # tag 2106 bits
RESULT_ALL = RESULT_CHECKED | RESULT_GENUINE | RESULT_STATUS_CHECKED | RESULT_STATUS_OK


def mark_sign(result: int) -> str:
    """Tag 2106 as a receipt prints it beside a marked position (FFD 1.2): [М+] the FN and the
    national system both confirmed the code, [М-] either found it wrong, [М] a check was not made
    (the FN could not check the tail, or no answer came online)."""
    refused_locally = result & RESULT_CHECKED and not result & RESULT_GENUINE
    refused_online = result & RESULT_STATUS_CHECKED and not result & RESULT_STATUS_OK
    if refused_locally or refused_online:
        return "[М-]"
    return "[М+]" if result & RESULT_ALL == RESULT_ALL else "[М]"


class FiscalRegister(Protocol):
    def device_info(self) -> DeviceInfo: ...
    def status(self) -> RegisterStatus: ...
    def fn_status(self) -> FnStatus: ...
    def status_with_fn(self) -> tuple[RegisterStatus, FnStatus]: ...  # both, from one read of each
    def ofd_status(self) -> OfdStatus: ...

    def tax_systems(self) -> tuple[str, ...]: ...  # the FN's registration (tag 1062)
    def fit_text(self, field: str | int, value: str) -> str: ...  # as the register stores it; no I/O

    def open_shift(self, cashier: Cashier | None = None) -> FiscalResult: ...
    def x_report(self) -> None: ...
    def close_shift(self, cashier: Cashier | None = None) -> FiscalResult: ...  # Z report

    def open_receipt(self, kind: ReceiptKind, correction: bool = False) -> None: ...
    def add_correction(self, correction: Correction) -> None: ...  # tags 1173/1174 of an open one
    def add_item(self, item: ReceiptItem) -> None: ...  # binds ``item.mark`` to its position

    # Marked goods (FFD 1.2). Each code is checked, then accepted or rejected, before the
    # receipt's item that carries it (outside a receipt or inside one, before that item);
    # a check must be answered with accept_mark before the next check. The FN keeps the
    # accepted codes for the next receipt: its close consumes them, a cancelled receipt or a
    # power cycle does not, and checking the same code again replaces its earlier result.
    # An item whose code was not accepted is refused by the register.
    def check_mark(self, code: str, plan: MarkPlan, quantity: Decimal, unit: str) -> MarkCheck: ...
    def accept_mark(self, accept: bool) -> None: ...
    def add_tag(self, tag: int, value: str) -> None: ...
    # the receipt's buyer (1227 name, 1228 INN of 10 or 12 digits) in the form the FFD takes
    def add_buyer(self, name: str | None, inn: str | None) -> None: ...
    def close_receipt(
        self, payments: Payments, *, total: int, tax_system: str | None = None
    ) -> FiscalResult: ...
    def cancel_receipt(self) -> None: ...
    def continue_printing(self) -> None: ...

    def cash_in(self, amount: int) -> FiscalResult | None: ...
    def cash_out(self, amount: int) -> FiscalResult | None: ...
    def print_text(self, lines: list[str]) -> None: ...
    def cut(self, partial: bool = True) -> None: ...
    def find_document(self, fd: int) -> FoundDocument | None: ...

    def close(self) -> None: ...
