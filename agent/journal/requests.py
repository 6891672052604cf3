"""The shapes clients send for fiscal operations (the local API's request bodies).

Quantities travel as decimal strings ("1.500") or whole numbers, never floats; money is
integer kopecks. The ``uuid`` is the client's idempotency key: the same uuid with the same
body returns the first result, with another body it is refused.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid as uuidlib
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator


def _exact_decimal(value: Any) -> Any:
    if isinstance(value, float):
        raise ValueError('send quantities and percentages as strings such as "1.500", not floats')
    if isinstance(value, str):
        try:
            return Decimal(value.strip().replace(",", "."))
        except InvalidOperation:
            raise ValueError(f"not a number: {value!r}") from None
    return value


ExactDecimal = Annotated[Decimal, BeforeValidator(_exact_decimal)]
Kopecks = Annotated[int, Field(ge=0, strict=True)]
Percent = Annotated[ExactDecimal, Field(ge=0, le=100)]


def _canonical_uuid(value: Any) -> Any:
    """The back office dedups on the uuid for ever and accepts only real UUIDs: refuse others here,
    before anything is fiscalized, and write them one way (lowercase, with dashes)."""
    if not isinstance(value, str):
        return value
    try:
        return str(uuidlib.UUID(value.strip()))
    except ValueError:
        raise ValueError("expected a UUID such as 3f2b8c1e-5d4a-4e6f-9a7b-0c1d2e3f4a5b") from None


Uuid = Annotated[str, BeforeValidator(_canonical_uuid)]

PHONE_SEPARATORS = re.compile(r"[\s()\-]")
PHONE = re.compile(r"\+?\d{10,15}")
EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")


def _buyer_contact(value: Any) -> Any:
    """Tag 1008 is the buyer's phone or e-mail and nothing else; a phone is kept as +digits
    (a Russian 8XXXXXXXXXX or 10-digit number as +7...)."""
    if not isinstance(value, str):
        return value
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
    raise ValueError("expected the buyer's phone (+79990000000) or e-mail (name@example.ru)")


BuyerContact = Annotated[str, BeforeValidator(_buyer_contact)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CashierRef(_Body):
    """The logged-in employee (by id) or a name typed in (tags 1021 and 1203)."""

    employee_id: int | None = None
    name: str | None = Field(None, min_length=1, max_length=64)
    inn: str | None = Field(None, pattern=r"^(\d{10}|\d{12})$")

    @model_validator(mode="after")
    def _one_of(self) -> CashierRef:
        if self.employee_id is None and self.name is None:
            raise ValueError("give employee_id or name")
        return self


class LineRequest(_Body):
    """A catalog line (``code`` or ``barcode``) or a free-price line (``name`` and ``price``)."""

    code: str | None = Field(None, min_length=1, max_length=64)
    barcode: str | None = Field(None, min_length=1, max_length=64)
    name: str | None = Field(None, min_length=1, max_length=128)
    price: Kopecks | None = None
    quantity: ExactDecimal = Decimal("1.000")
    discount: Kopecks = 0
    discount_percent: Percent | None = None
    tax: str | None = Field(None, min_length=1, max_length=32)
    unit: str | None = Field(None, min_length=1, max_length=16)
    payment_object: str | None = Field(None, min_length=1, max_length=32)

    @model_validator(mode="after")
    def _catalog_or_free(self) -> LineRequest:
        if self.code is None and self.barcode is None and (self.name is None or self.price is None):
            raise ValueError("give code, barcode, or name and price")
        return self


class PaymentRequest(_Body):
    kind: str = Field(min_length=1, max_length=32, description="cash, card, ... (the profile's kinds)")
    amount: Annotated[int, Field(gt=0, strict=True)] | None = Field(
        None, description="kopecks; leave out on one payment to pay the rest"
    )


class SaleRequest(_Body):
    uuid: Uuid
    lines: list[LineRequest] = Field(min_length=1, max_length=500)
    discount: Kopecks = 0
    discount_percent: Percent | None = None
    payments: list[PaymentRequest] = Field(default_factory=list, max_length=10)
    buyer_contact: BuyerContact | None = Field(None, description="tag 1008: phone or e-mail")
    cashier: CashierRef | None = None
    order_id: int | None = None


class CorrectionRequest(_Body):
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
    lines: list[LineRequest] = Field(min_length=1, max_length=500)
    discount: Kopecks = 0
    discount_percent: Percent | None = None
    payments: list[PaymentRequest] = Field(default_factory=list, max_length=10)
    cashier: CashierRef | None = None

    @model_validator(mode="after")
    def _basis(self) -> CorrectionRequest:
        if self.type is None:
            self.type = "order" if self.document_number else "self"
        if self.type == "order" and not self.document_number:
            raise ValueError("a correction by the tax service's order needs document_number")
        return self


class ReturnLineRequest(_Body):
    position: int = Field(ge=1, description="the line's position on the original receipt")
    quantity: ExactDecimal | None = Field(None, description="leave out: everything not yet returned")


class ReturnRequest(_Body):
    uuid: Uuid
    lines: list[ReturnLineRequest] | None = Field(None, description="leave out: return the whole receipt")
    payments: list[PaymentRequest] | None = Field(None, description="leave out: as the sale was paid")
    buyer_contact: BuyerContact | None = Field(None, description="tag 1008: phone or e-mail")
    cashier: CashierRef | None = None


class ShiftRequest(_Body):
    uuid: Uuid | None = None
    cashier: CashierRef | None = None


class CashRequest(_Body):
    uuid: Uuid  # a retried cash move must not be counted twice
    amount: Annotated[int, Field(gt=0, strict=True)]
    cashier: CashierRef | None = None


def request_hash(kind: str, body: BaseModel, **extra: Any) -> str:
    """A stable hash of what was asked (without the uuid, and without who asked: a retry by another
    cashier is the same sale): a reused uuid must ask the same."""
    data = body.model_dump(mode="json", exclude={"uuid", "cashier"}, exclude_none=True)
    data.update(kind=kind, **extra)
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()
