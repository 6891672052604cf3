"""The local API's contract: every request body and every answer, in one module of pydantic models.

Clients (the TUI, tests, integrators through ``GET /v1/openapi.json``) import this module alone: it
needs nothing of the daemon. Every number is bounded to what the register can hold, so a hostile
or mistyped value is a 422 naming the field, never an overflow further in: money is integer
kopecks up to ``common.money.MAX_AMOUNT`` (what the register holds; the payments of one kind
together too, the register takes one sum per kind), quantities are decimal strings ("1.500") or whole
numbers with at most 3 places up to 99999.999, ids fit SQLite's 64-bit integers. Answers allow
fields this version does not know yet (``extra="allow"``), so a newer daemon does not break an
older client.
"""

from __future__ import annotations

import re
import uuid as uuidlib
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from common.decimal_text import MAX_LENGTH, decimal_of
from common.errors import N_
from common.inn import valid_inn
from common.money import MAX_AMOUNT, format_money

MAX_MONEY = MAX_AMOUNT  # kopecks: the register's range (99 999 999.99), not its 5 bytes' 2**40 - 1
MAX_QUANTITY = Decimal("99999.999")
MAX_ID = 2**63 - 1  # SQLite's integer
MAX_LINES = 500


def problem(msgid: str, **params: Any) -> PydanticCustomError:
    """A refusal of a field in words the API translates (the msgid travels in the error's context)."""
    return PydanticCustomError("kassa", msgid, {"msgid": msgid, **params})


EXAMPLE_UUID = "3f2b8c1e-5d4a-4e6f-9a7b-0c1d2e3f4a5b"


def _exact_decimal(value: Any) -> Any:
    if isinstance(value, float):
        raise problem(N_('must be sent as a string such as "1.500", not as a float'))
    if isinstance(value, str):
        text = value.strip().replace(",", ".")
        if len(text) > MAX_LENGTH:
            raise problem(N_("has too many digits"))
        try:
            return decimal_of(text)
        except ValueError:
            raise problem(N_("must be a number")) from None
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**12:
        raise problem(N_("is too large"))
    return value


def _canonical_uuid(value: Any) -> Any:
    """The back office dedups on the uuid for ever and accepts only real UUIDs: refuse others here,
    before anything is fiscalized, and write them one way (lowercase, with dashes)."""
    if not isinstance(value, str):
        return value
    try:
        return str(uuidlib.UUID(value.strip()))
    except ValueError:
        raise problem(N_("must be a UUID such as {example}"), example=EXAMPLE_UUID) from None


PHONE_SEPARATORS = re.compile(r"[\s()\-]")
PHONE = re.compile(r"\+?[0-9]{10,15}")
EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")


def buyer_contact(value: str) -> str | None:
    """Tag 1008 is the buyer's phone or e-mail and nothing else: ``value`` in the form the tag takes
    (a phone as +digits, a Russian 8XXXXXXXXXX or 10-digit number as +7...), None when it is neither.
    The one rule for a contact typed at the till and one a marketplace order carries."""
    text = value.strip()
    if EMAIL.fullmatch(text) and len(text) <= 64:
        return text
    digits = PHONE_SEPARATORS.sub("", text)
    if PHONE.fullmatch(digits):
        digits = digits.lstrip("+")
        if len(digits) == 11 and digits[0] == "8":
            digits = "7" + digits[1:]
        elif len(digits) == 10:
            digits = "7" + digits
        return "+" + digits
    return None


def _buyer_contact(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    contact = buyer_contact(value)
    if contact is None:
        raise problem(N_("must be the buyer's phone (+79990000000) or e-mail (name@example.ru)"))
    return contact


BuyerContact = Annotated[str, BeforeValidator(_buyer_contact)]


def _buyer_inn(value: Any) -> Any:
    """Tag 1228: 10 digits (an organisation) or 12 (a person), check digits matching."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if not valid_inn(text):
        raise PydanticCustomError(
            "inn_check_digits", "not an INN: 10 or 12 digits with matching check digits"
        )
    return text


BuyerInn = Annotated[str, BeforeValidator(_buyer_inn)]
ExactDecimal = Annotated[Decimal, BeforeValidator(_exact_decimal), Field(allow_inf_nan=False)]
Kopecks = Annotated[int, Field(ge=0, le=MAX_MONEY, strict=True, description="kopecks")]
PositiveKopecks = Annotated[int, Field(gt=0, le=MAX_MONEY, strict=True, description="kopecks")]
Quantity = Annotated[ExactDecimal, Field(ge=0, le=MAX_QUANTITY, description='"1.500": up to 3 places')]
Percent = Annotated[ExactDecimal, Field(ge=0, le=100)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Uuid = Annotated[str, BeforeValidator(_canonical_uuid), Field(max_length=64)]
Code = Annotated[str, Field(min_length=1, max_length=64)]
When = Annotated[str, Field(description="ISO 8601 time, UTC")]


class Body(BaseModel):
    """A request body: unknown keys are errors (a typo must not be silently ignored)."""

    model_config = ConfigDict(extra="forbid")


class Answer(BaseModel):
    """An answer: fields a newer daemon adds pass through."""

    model_config = ConfigDict(extra="allow")


# ---- requests ----------------------------------------------------------------------------------


class CashierRef(Body):
    """An employee by id, or a name typed in (tags 1021 and 1203). Only the technician names one;
    a session's documents are its own employee's."""

    employee_id: Id | None = None
    name: str | None = Field(None, min_length=1, max_length=64)
    inn: str | None = Field(None, pattern=r"^([0-9]{10}|[0-9]{12})$")

    @model_validator(mode="after")
    def _one_of(self) -> CashierRef:
        if self.employee_id is None and self.name is None:
            raise problem(N_("needs employee_id or name"))
        return self


MarkingCodeText = Annotated[str, Field(min_length=1, max_length=256, description="a marking code as scanned")]


class LineRequest(Body):
    """A catalog line (``code`` or ``barcode``) or a free-price line (``name`` and ``price``)."""

    code: Code | None = None
    barcode: Code | None = None
    name: str | None = Field(None, min_length=1, max_length=128)
    price: Kopecks | None = None
    quantity: Quantity = Decimal("1.000")
    discount: Kopecks = 0
    discount_percent: Percent | None = None
    tax: str | None = Field(None, min_length=1, max_length=32)
    unit: str | None = Field(None, min_length=1, max_length=16)
    payment_object: str | None = Field(None, min_length=1, max_length=32)
    marks: list[MarkingCodeText] | None = Field(
        None,
        max_length=1000,
        description="marked goods: the DataMatrix of each unit as scanned (GS as \\u001d or the configured "
        "substitute); one per unit, one for a line sold by weight",
    )

    @model_validator(mode="after")
    def _catalog_or_free(self) -> LineRequest:
        if self.code is None and self.barcode is None and (self.name is None or self.price is None):
            raise problem(N_("needs code, barcode, or name and price"))
        return self


class PaymentRequest(Body):
    kind: str = Field(min_length=1, max_length=32, description="cash, card, ... (the profile's kinds)")
    amount: PositiveKopecks | None = Field(None, description="leave out on one payment to pay the rest")


def payments_fit(payments: list[PaymentRequest] | None) -> None:
    """The register takes one sum per payment kind: the payments of a kind add up to at most MAX_MONEY."""
    by_kind: dict[str, int] = {}
    for payment in payments or ():
        by_kind[payment.kind] = by_kind.get(payment.kind, 0) + (payment.amount or 0)
    for kind, amount in by_kind.items():
        if amount > MAX_MONEY:
            raise problem(
                N_("the {kind} payments add up to {amount}, more than the fiscal register holds ({limit})"),
                kind=kind,
                amount=format_money(amount, group=" "),
                limit=format_money(MAX_MONEY, group=" "),
            )


class SaleRequest(Body):
    uuid: Uuid
    lines: list[LineRequest] = Field(min_length=1, max_length=MAX_LINES)
    discount: Kopecks = 0
    discount_percent: Percent | None = None
    payments: list[PaymentRequest] = Field(default_factory=list, max_length=10)
    buyer_contact: BuyerContact | None = Field(None, description="tag 1008: phone or e-mail")
    buyer_name: str | None = Field(None, min_length=1, max_length=128, description="tag 1227: a B2B buyer")
    buyer_inn: BuyerInn | None = Field(None, description="tag 1228: the B2B buyer's INN")
    cashier: CashierRef | None = None
    order_id: Id | None = None

    @model_validator(mode="after")
    def _payments_fit(self) -> SaleRequest:
        payments_fit(self.payments)
        return self


class MarkCheckRequest(Body):
    code: MarkingCodeText
    product: Code | None = Field(
        None, description="the product's code (SKU); left out: found by the code's GTIN"
    )
    kind: Literal["sale", "return"] = Field("sale", description="checked for selling or for taking back")
    quantity: Quantity = Field(Decimal("1.000"), description="a good sold by weight: the line's quantity")


class MarkCheckAnswer(Answer):
    code: str = Field(description="the code as the register gets it (GS as \\u001d)")
    gtin: str
    serial: str
    product: str | None = Field(None, description="the product's code (SKU) of this GTIN")
    name: str | None = None
    verdict: str = Field(description="valid | not_checked_online | invalid | status_incorrect | suspended")
    allowed: bool = Field(description="the unit may go on the receipt")
    message: str = Field(description="what the cashier is told, in the caller's language")
    result: int = Field(description="tag 2106")
    local: str
    online: str


class ReturnLineRequest(Body):
    position: int = Field(ge=1, le=MAX_LINES, description="the line's position on the original receipt")
    quantity: Quantity | None = Field(None, description="leave out: everything not yet returned")
    marks: list[MarkingCodeText] | None = Field(
        None,
        max_length=1000,
        description="marked goods: the codes of the units returned, as scanned; leave out when the "
        "line's every unit not yet returned comes back",
    )


class ReturnRequest(Body):
    uuid: Uuid
    lines: list[ReturnLineRequest] | None = Field(
        None, max_length=MAX_LINES, description="leave out: return the whole receipt"
    )
    payments: list[PaymentRequest] | None = Field(
        None,
        max_length=10,
        description="leave out: as the sale was paid; a non-cash kind gets back at most what it paid "
        "less what the sale's earlier returns gave it",
    )
    buyer_contact: BuyerContact | None = Field(None, description="tag 1008: phone or e-mail")
    cashier: CashierRef | None = None

    @model_validator(mode="after")
    def _payments_fit(self) -> ReturnRequest:
        payments_fit(self.payments)
        return self


class CorrectionRequest(Body):
    """A correction receipt (чек коррекции, FFD 1.2): a settlement the register did not record, or
    recorded wrongly, made now with the tags that say so. Lines, discounts and payments are a sale's.
    """

    uuid: Uuid
    sign: Literal["sale", "return", "expense", "expense_return"] = Field(
        "sale", description="tag 1054 of the corrected settlement: приход, возврат прихода, расход, ..."
    )
    type: Literal["self", "order"] | None = Field(
        None,
        description="tag 1173: the shop's own correction, or by the tax service's order "
        "(default: order when document_number is given)",
    )
    reason: str = Field(
        min_length=1, max_length=256, description="why; kept in the journal and the back office"
    )
    document_date: date | None = Field(
        None, description="tag 1178: the day of the corrected settlement (default: today)"
    )
    document_number: str | None = Field(
        None, min_length=1, max_length=32, description="tag 1179: the order's number; required by order"
    )
    lines: list[LineRequest] = Field(min_length=1, max_length=MAX_LINES)
    discount: Kopecks = 0
    discount_percent: Percent | None = None
    payments: list[PaymentRequest] = Field(default_factory=list, max_length=10)
    cashier: CashierRef | None = None

    @model_validator(mode="after")
    def _basis(self) -> CorrectionRequest:
        if self.type is None:
            self.type = "order" if self.document_number else "self"
        if self.type == "order" and not self.document_number:
            raise problem(N_("needs document_number for a correction by the tax service's order"))
        payments_fit(self.payments)
        return self


class ShiftRequest(Body):
    uuid: Uuid | None = None
    cashier: CashierRef | None = None


class CashRequest(Body):
    uuid: Uuid  # a retried cash move must not be counted twice
    amount: PositiveKopecks
    cashier: CashierRef | None = None


class LoginBody(Body):
    pin: str = Field(min_length=1, max_length=32)
    employee_id: Id | None = Field(
        None, description="the employee picked on screen; wrong PINs lock only them"
    )


class OrderLineMarks(Body):
    position: int = Field(ge=1, le=MAX_LINES, description="the order's line, from 1")
    codes: list[MarkingCodeText] = Field(
        min_length=1,
        max_length=1000,
        description="the DataMatrix of each unit as scanned (GS as \\u001d or the configured substitute); "
        "one per unit, one for a line sold by weight",
    )


class FiscalizeBody(Body):
    pay: Literal["card", "cash"] | None = Field(None, description="leave out: the account's payment kind")
    marks: list[OrderLineMarks] | None = Field(
        None,
        max_length=MAX_LINES,
        description="the marking codes of the order's marked goods (``marks_needed``), checked as in a sale",
    )

    @model_validator(mode="after")
    def _one_entry_per_line(self) -> FiscalizeBody:
        positions = [entry.position for entry in self.marks or ()]
        if len(positions) != len(set(positions)):
            raise problem(N_("one entry of marks per order line"))
        return self


class PickBody(Body):
    code: Code = Field(description="the register's product code for this line")


class RejectBody(Body):
    reason: str | None = Field(None, max_length=200)


class PairBody(Body):
    code: str = Field(min_length=1, max_length=64, description="the sync code as typed")
    backoffice_url: str | None = Field(None, max_length=500, description="default: configured, then current")


class ProductBody(Body):
    code: Code
    name: str = Field(min_length=1, max_length=128)
    price: Kopecks
    unit: str = Field("pcs", min_length=1, max_length=16)
    tax: str = Field(min_length=1, max_length=32)
    payment_object: str = Field("commodity", min_length=1, max_length=32)
    weighted: bool = False
    barcodes: list[Code] = Field(default_factory=list, max_length=20)


class TestPrint(Body):
    device: Literal["receipt_printer"] = "receipt_printer"


Interval = Annotated[int, Field(ge=1, le=366 * 86400)] | Literal["never"]


class SyncBody(Body):
    streams: list[Annotated[str, Field(min_length=1, max_length=32)]] = Field(
        default_factory=lambda: ["all"], max_length=64, description='"all" or names'
    )
    wait: bool = True


class SettingsBody(Body):
    products: Interval | None = None
    employees: Interval | None = None
    orders: Interval | None = None
    product_sync: bool | None = None
    confirm: bool = Field(False, description="with product_sync=true: delete local-only products now")
    mass_delete_share: float | None = Field(None, gt=0, le=1)
    zero_total_orders: Literal["settle", "hold"] | None = Field(
        None, description="settle: without a receipt, reported to the source; hold: for the cashier"
    )


class ConfirmBody(Body):
    accept: bool = True


MarketplaceInterval = Annotated[int, Field(ge=60, le=604800)] | Literal["never"]


class ConnectBody(Body):
    marketplace: Literal["allegro"] = "allegro"
    name: str | None = Field(None, min_length=1, max_length=64)


class AccountChanges(Body):
    name: str | None = Field(None, min_length=1, max_length=64)
    active: bool | None = None
    interval: MarketplaceInterval | None = Field(None, description="seconds between imports, or never")
    auto_fiscalize: bool | None = None
    payment_kind: Literal["card", "cash"] | None = None


class ImportBody(Body):
    accounts: list[Id] | None = Field(None, max_length=100, description="account ids; leave out for all")


# ---- answers -----------------------------------------------------------------------------------


class Cashier(Answer):
    name: str
    inn: str | None = None


class OrderLink(Answer):
    source: str = Field(description="backoffice, allegro, ...")
    account: str | None = Field(
        None, description="the seller account at the source; null for the back office"
    )
    external_id: str = Field(description="the order's id at its source")


class Buyer(Answer):
    """A B2B buyer as the FN stored it: tags 1227 (name) and 1228 (INN)."""

    name: str
    inn: str


class UnitMark(Answer):
    code: str = Field(description="the marking code as the FN got it (GS as \\u001d)")
    verdict: str = Field(description="valid | not_checked_online | invalid | status_incorrect | suspended")
    result: int = Field(description="tag 2106: the FN's and the marking system's check, as bits")
    permit: str | None = Field(None, description="tag 1265 of the permissive mode's online check")


class FnPosition(Answer):
    """What the fiscal drive got for a line: one position, or two at prices a kopeck apart."""

    name: str = Field(description="as the FN stored it")
    quantity: str = Field(description='"1.000"')
    price: int
    amount: int
    vat: int | None = Field(None, description="tag 1200: the VAT inside the amount; null without VAT")


class ReceiptLine(Answer):
    code: str | None = None
    name: str
    quantity: str = Field(description='"1.000"')
    price: int
    discount: int = 0
    amount: int
    unit: str | None = None
    tax: str | None = None
    payment_object: str | None = None
    returned: str | None = Field(None, description="sales only: how much was returned")
    marks: list[UnitMark] | None = Field(None, description="marked goods: each unit's code and its check")
    measured: bool | None = Field(
        None,
        description="marked goods: sold by weight or volume (one code for the line; a return needs no scan)",
    )
    vat: int | None = Field(None, description="tag 1200: the VAT inside the amount; null without VAT")
    fn_positions: list[FnPosition] = Field(default_factory=list, description="the line's FN positions")


class ReceiptPayment(Answer):
    kind: str
    amount: int
    change: int = 0


class ErrorInfo(Answer):
    code: str
    message: str | None = None


class Correction(Answer):
    """A correction receipt's own tags."""

    type: str = Field(description="self | order (tag 1173)")
    sign: str = Field(description="sale | return | expense | expense_return (tag 1054)")
    date: str = Field(description="the corrected day, YYYY-MM-DD (tag 1178)")
    number: str | None = Field(None, description="the tax service's order (tag 1179)")
    reason: str


class Document(Answer):
    """A fiscal document of the journal: a sale, a return, a shift report or a cash move."""

    id: int
    uuid: str
    type: str = Field(
        description="sale | return | correction | shift_open | shift_close | cash_in | cash_out"
    )
    status: str = Field(description="pending | fiscalized | failed")
    created_at: When | None = None
    fiscalized_at: When | None = None
    kkt_serial: str | None = None
    fn_serial: str | None = None
    fd: int | None = None
    fiscal_sign: str | None = None
    shift: int | None = None
    number_in_shift: int | None = Field(None, description="a receipt's number in its shift (tag 1042)")
    registration_number: str | None = Field(None, description="the register's registration number (tag 1037)")
    total: int = 0
    change: int = 0
    cashier: Cashier | None = None
    buyer_contact: str | None = None
    buyer: Buyer | None = Field(None, description="B2B receipts only: tags 1227/1228")
    lines: list[ReceiptLine] = Field(default_factory=list)
    payments: list[ReceiptPayment] = Field(default_factory=list)
    original_uuid: str | None = None
    original_id: int | None = None
    order_id: str | int | None = None
    order: OrderLink | None = Field(
        None, description="receipts settling an order: the order as its source knows it"
    )
    returns: list[int] | None = Field(None, description="sales only: ids of its returns")
    tax_system: str | None = Field(None, description="tag 1055: osn | usn_income | ...; null: no receipt")
    correction: Correction | None = Field(None, description="corrections only")
    error: ErrorInfo | None = None
    upload: str | None = Field(None, description="queued | sent | accepted | duplicate | conflict | rejected")
    upload_error: str | None = Field(None, description="the back office's verdict or the last send's error")
    replayed: bool = False


class Receipts(Answer):
    items: list[Document]


class Totals(Answer):
    count: int = 0
    total: int = 0


class Shift(Answer):
    open: bool | None = None
    number: int | None = None
    opened_at: When | None = None
    hours_left: int | None = None
    expired: bool | None = None
    opened_by: str | None = Field(
        None, description="the cashier its opening names (tag 1021), when it was opened through kassa"
    )
    totals: dict[str, Totals] | None = None


class ShiftDocument(Answer):
    document: Document
    shift: Shift


class XReport(Answer):
    shift: Shift


class Employee(Answer):
    id: int
    name: str
    role: str
    inn: str | None = None


class Session(Answer):
    role: Literal["public", "cashier", "administrator", "technician"]
    employee: Employee | None = None
    allowed: list[str] = Field(description='routes this caller may call, "METHOD /path"')
    idle_seconds: int
    expires_at: When | None = Field(
        None, description="a session's end at the latest ([access] session_max_hours after the login)"
    )


class LoginAnswer(Session):
    token: str = Field(description="send as Authorization: Bearer <token>")


class LogoutAnswer(Answer):
    logged_out: bool


class EmployeeRow(Answer):
    id: int
    name: str
    role: str
    locked: bool


class Employees(Answer):
    items: list[EmployeeRow]


class Product(Answer):
    id: int
    code: str
    name: str
    price: int
    unit: str
    tax: str
    payment_object: str
    weighted: bool
    marked: bool = Field(False, description="sold only with a marking code per unit (Честный ЗНАК)")
    marking_group: str | None = Field(None, description="the marked product's group: milk, water, shoes, ...")
    group: str | None = None
    barcodes: list[str]
    origin: str


class Products(Answer):
    items: list[Product]
    total: int = Field(description="products in the catalog, whatever q matched: not a count of the matches")
    product_sync: bool


class Deleted(Answer):
    deleted: str


class OrderReceipt(Answer):
    uuid: str
    fd: int | None = None
    fiscal_sign: str | None = None
    total: int
    check_link: str | None = Field(
        None, description="the receipt's QR data: t=...&s=...&fn=...&i=...&fp=...&n=..."
    )


class OrderBuyer(Answer):
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    inn: str | None = Field(None, description="a B2B buyer's INN (tag 1228)")


class OrderLine(Answer):
    sku: str | None = Field(None, description="the seller's product code at the source")
    name: str
    quantity: str = Field(description="a decimal with 3 places, as text")
    price: int = Field(description="minor units per unit, in the order's currency")
    code: str | None = Field(None, description="the register's product it maps to; null: none matches")
    picked: bool | None = Field(None, description="the cashier picked the product (no SKU matched)")


class OrderMarksNeeded(Answer):
    position: int = Field(description="the order's line, from 1")
    code: str = Field(description="the register's product")
    name: str
    count: int = Field(description="codes to scan: one per unit, one for a line sold by weight")


OrderStatus = Literal["waiting", "fiscalized", "settled", "rejected", "unsupported", "cancelled"]


class Order(Answer):
    id: int
    source: str
    account: int | str | None = Field(None, description="the marketplace account's id")
    remote_id: str
    marketplace: str | None = None
    status: str = Field(description="waiting | fiscalized | settled | rejected | cancelled | unsupported")
    currency: str
    total: int
    paid: bool | None = None
    buyer: OrderBuyer | None = None
    lines: list[OrderLine]
    unmatched: list[int] | None = Field(
        None, description="positions (from 1) of lines whose SKU matches no product"
    )
    marks_needed: list[OrderMarksNeeded] | None = Field(
        None, description="lines of marked goods: the cashier scans this many codes before fiscalizing"
    )
    reason: str | None = None
    receipt_uuid: str | None = None
    receipt: OrderReceipt | None = Field(None, description="once fiscalized: FD, fiscal sign, check link")
    received_at: When


class Orders(Answer):
    items: list[Order]


class Fiscalized(Answer):
    order: Order
    receipt: OrderReceipt | None = Field(description="null: a zero-total order, settled without a receipt")
    replayed: bool


class OrderAnswer(Answer):
    order: Order


class Pairing(Answer):
    organization: str | None = None
    organization_inn: str | None = None
    store: str | None = None
    store_address: str | None = None
    backoffice_url: str | None = None
    register_id: str | int | None = None
    needs_repair: bool = False
    paired_at: When | None = None


class Paired(Answer):
    paired: bool
    pairing: Pairing


class Unpaired(Answer):
    paired: bool
    was_paired: bool


class Printed(Answer):
    printed: bool
    device: str
    receipt_id: int | None = None
    profile: str | None = None


class DocumentUpload(Answer):
    id: int
    uuid: str
    type: str
    fd: int | None = None
    shift: int | None = None
    total: int | None = None
    fiscalized_at: When | None = None
    state: str | None = Field(None, description="queued | sent | accepted | duplicate | conflict | rejected")
    upload: str
    attempts: int
    next_attempt_at: When | None = None
    last_error: str | None = None
    message: str | None = None
    done_at: When | None = None


class Documents(Answer):
    items: list[DocumentUpload]
    counts: dict[str, int]


class MassDelete(Answer):
    count: int = Field(description="products the back office no longer lists")
    catalog_size: int


class LocalProductRow(Answer):
    code: str
    name: str


class LocalProducts(Answer):
    count: int = Field(description="products added at the register that turning sync on deletes")
    sample: list[LocalProductRow] = Field(default_factory=list, description="some of them, by code")


class Confirmation(Answer):
    """A deletion product sync waits to be told about (``POST /v1/sync/confirm``): most of the catalog
    gone from the back office, or the register's own products when sync is turned on."""

    mass_delete: MassDelete | None = None
    local_products: LocalProducts | None = None
    share: float | None = Field(None, description="the share of the catalog a sync deletes without asking")
    asked_at: When | None = None


class SyncSettings(Answer):
    products: int | str | None = None
    employees: int | str | None = None
    orders: int | str | None = None
    product_sync: bool
    mass_delete_share: float | None = None
    zero_total_orders: str | None = Field(None, description="settle | hold")
    confirmation: Confirmation | None = Field(None, description="a deletion waiting for an administrator")


class SkippedRecord(Answer):
    record: str
    reason: str = Field(description="a gettext msgid")
    params: dict[str, str | int | float | bool | None] = Field(default_factory=dict)
    text: str | None = Field(None, description="the reason with its parameters, in the caller's language")


class SyncResult(Answer):
    stream: str
    ok: bool | None = None
    moved: int | None = None
    error: str | None = None
    error_code: str | None = None
    started: bool | None = None
    joined: bool | None = None
    skipped: int = Field(0, description="records the register refused")
    skipped_records: list[SkippedRecord] = Field(default_factory=list)
    deleted: int | None = Field(None, description="products: how many the sync deleted")
    resynced: bool | None = Field(None, description="products: read again from the start (410)")
    confirmation: Confirmation | None = Field(None, description="products: a deletion to confirm")
    account: int | None = Field(None, description="a marketplace account's stream: the account")
    calls: int | None = Field(None, description="a marketplace account's stream: calls made")


class SyncResults(Answer):
    results: list[SyncResult]


class Confirmed(Answer):
    deleted: dict[str, int] | None = Field(description="products deleted: from the back office, local")
    settings: SyncSettings | None = None


class MarketplaceAccount(Answer):
    id: int
    marketplace: str
    name: str | None = None
    active: bool
    interval: int | str | None = None
    auto_fiscalize: bool
    payment_kind: str | None = None
    state: str
    reason: str | None = None
    token_expires_at: When | None = None
    token_valid: bool
    connected_at: When | None = None
    last_import_at: When | None = None
    last_error: str | None = None


class MarketplaceAccounts(Answer):
    items: list[MarketplaceAccount]


class ConnectFlow(Answer):
    """A device-flow connection in progress: the seller opens the link (or scans the QR)."""

    id: str
    state: str
    user_code: str | None = None
    verification_uri: str | None = None
    verification_uri_complete: str | None = None
    interval: float | None = Field(None, description="seconds between polls")
    expires_in: int | None = None
    qr: list[str] = Field(default_factory=list)
    account: Any = None
    error: ErrorInfo | None = None


class ImportResult(Answer):
    account: int
    ok: bool
    moved: int | None = None
    error: str | None = None


class ImportResults(Answer):
    results: list[ImportResult]


class Device(Answer):
    state: str | None = None
    model: str | None = None
    profile: str | None = None
    port: str | None = None
    mode: int | None = Field(None, description="the register's mode number as it reports it")
    message: str | None = None


class StoreHealth(Answer):
    ok: bool | None = Field(
        description="SQLite's quick_check passed at `checked_at`; null until the first check since the "
        "daemon started has ended (the daemon checks at start, then every 6 hours)"
    )
    checked_at: When | None = None
    problem: str | None = Field(None, description="SQLite's first complaints when not ok")
    path: str


class Queue(Answer):
    depth: int | None = Field(None, description="fiscalized documents waiting for upload")
    oldest_age_seconds: int | None = None


class StreamError(Answer):
    code: str | None = None
    message_id: str | None = Field(None, description="the message in English, a gettext msgid")
    params: dict[str, str | int | float | bool | None] = Field(default_factory=dict)
    text: str | None = Field(None, description="the message with its parameters, in the caller's language")


class Progress(Answer):
    """A running attempt: done of total (total unknown at first), items a second, seconds left."""

    done: int = 0
    total: int | None = None
    rate: float = Field(0, description="items a second")
    seconds_left: int | None = None


class StreamStatus(Answer):
    label: str | None = None
    state: str | None = Field(None, description="running | failed | ok | idle | off")
    interval: int | str | None = Field(None, description='seconds, "never" or "continuous"')
    last_success: When | None = None
    next_run: When | None = None
    items_moved: int = 0
    last_error: str | None = None
    error: StreamError | None = Field(None, description="the last attempt's error, when it failed")
    skipped: int = 0
    skipped_records: list[SkippedRecord] = Field(default_factory=list)
    progress: Progress | None = Field(None, description="while running")


class ProductsSummary(Answer):
    count: int
    product_sync: bool


class FnWarning(Answer):
    code: str = Field(
        description="fn_replace_urgent | fn_replace_soon | fn_memory_low | ofd_timeout | ofd_days_left "
        "| fn_expires"
    )
    days: int | None = None


class FnSummary(Answer):
    unsent: int = Field(0, description="documents the OFD has not confirmed")
    oldest_unsent_at: When | None = None
    days_left: int | None = Field(None, description="before the FN blocks for want of the OFD (30 days)")
    clock: When | None = Field(None, description="the FN's clock, in the register's time zone")
    expires: str | None = Field(None, description="the FN's end of life, a date")
    expires_in_days: int | None = None
    tax_systems: list[str] = Field(default_factory=list, description="registered on the FN (tag 1062)")
    warnings: list[FnWarning] = Field(default_factory=list)


class DaemonSummary(Answer):
    pid: int
    stopping: bool
    profiles: list[str] = Field(default_factory=list)
    profile_errors: dict[str, str] = Field(default_factory=dict)
    components: list[str] = Field(default_factory=list)
    failed: list[str] = Field(default_factory=list, description="components whose status failed")


class Attention(Answer):
    """A document the register cannot confirm either way: the cashier counts the drawer."""

    uuid: str
    type: str
    total: int
    created_at: When | None = None
    message: str | None = None


class SyncSummary(Answer):
    confirmation: Confirmation | None = None


class MarketplacesSummary(Answer):
    accounts: int = 0
    reconnect: int = Field(0, description="accounts to connect again")


class Status(Answer):
    """The register at a glance; each component adds its sections."""

    version: str
    paired: bool
    pairing: Pairing | None = None
    backoffice_url: str | None = Field(None, description="where pairing goes when no address is given")
    store: StoreHealth | None = None
    printer: Device | None = None
    receipt_printer: Device | None = None
    shift: Shift | None = None
    queue: Queue | None = None
    attention: list[Attention] = Field(default_factory=list)
    streams: dict[str, StreamStatus] = Field(default_factory=dict)
    products: ProductsSummary | None = None
    sync: SyncSummary | None = None
    fn: FnSummary | None = None
    marketplaces: MarketplacesSummary | None = None
    daemon: DaemonSummary | None = None


class Check(Answer):
    name: str
    label: str
    target: str | None = None
    ok: bool
    latency_ms: int | None = None
    message: str


class Checks(Answer):
    ok: bool
    checks: list[Check]


class ErrorDetail(Answer):
    code: str = Field(description="stable: scripts and the TUI branch on it")
    message: str = Field(description="for a person, in the request's Accept-Language")
    details: Any = None
    unavailable: bool = Field(False, description="the device or service is not there now (503)")
    retryable: bool = Field(False, description="the same request may succeed once the cause is fixed")
    outcome_unknown: bool = Field(
        False, description="it may have been done: repeat the same uuid, never a new one"
    )
    exit_code: int = Field(1, description="what a CLI command exits with")


class ErrorBody(Answer):
    """Every error answer."""

    error: ErrorDetail
