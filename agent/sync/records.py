"""Every record from outside checked against what the register can hold, before it is stored.

A feed record is a JSON object of any shape a remote sends. Each ``check_*`` returns the values
to store, or raises ``Refused`` naming the field and the rule (a gettext msgid with parameters);
the stream then skips that record, reports it, and applies the rest of the page. Text loses its
escape sequences and control characters here, so nothing stored can retitle a terminal or reach
the register as a command; lengths are those of the fiscal document's tags (an item's name, tag
1030, is at most 128 characters) and money, a price or an order's total, is at most what the
register holds (``common.money.MAX_AMOUNT``), the bound a sale is checked against too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from agent import pin_hash
from agent.i18n import N_, Message
from agent.journal.cart import MAX_QUANTITY
from agent.terminal_text import printable
from common.decimal_text import read_decimal
from common.inn import valid_inn
from common.marking import GROUPS as MARKING_GROUPS
from common.money import MAX_AMOUNT
from drivers.fiscal_register import TAX_SYSTEMS

MAX_ID = 64
MAX_CODE = 64
MAX_NAME = 128  # tag 1030, the item's name on the fiscal document
MAX_SHORT = 32  # unit, tax, payment object, role, marketplace names
MAX_BARCODES = 100
MAX_BARCODE = 64
MAX_LINES = 500  # what one sale may hold
MAX_CONTACT = 64  # tag 1008
MAX_REASON = 256

# the FFD's VAT rate codes, for when the register's profile is not loaded yet
FFD_TAXES = (
    "none",
    "vat0",
    "vat5",
    "vat7",
    "vat10",
    "vat20",
    "vat22",
    "vat5_105",
    "vat7_107",
    "vat10_110",
    "vat20_120",
    "vat22_122",
)
ROLES = ("cashier", "administrator")
ORDER_STATUSES = ("new", "fiscalized", "settled", "rejected", "cancelled")

_INN_PERSON = re.compile(r"[0-9]{12}")
_WORD = re.compile(r"[A-Za-z0-9_.-]+")

NOT_AN_OBJECT = N_("the record is not an object")
MISSING = N_("{field} is missing")
WRONG_TYPE = {
    "text": N_("{field} is not text"),
    "kopecks": N_("{field} is not a whole number of kopecks"),
    "list": N_("{field} is not a list"),
    "flag": N_("{field} is not true or false"),
    "object": N_("{field} is not an object"),
    "barcode": N_("{field} is not a barcode (letters, digits, dots, dashes)"),
}
TOO_LONG = N_("{field} is longer than {max} characters")
EMPTY = N_("{field} is empty")
OUT_OF_RANGE = N_("{field} is {value}: it must be from {min} to {max}")
UNKNOWN_VALUE = N_("{field} {value} is not one the register knows")
TOO_MANY = N_("{field} has {count} entries: at most {max}")
BAD_INN = N_("{field} is not a 12-digit INN")
BAD_BUYER_INN = N_(
    "{field} is not an INN: 10 digits (an organisation) or 12 (a person) with matching check digits"
)
BAD_PIN_HASH = N_("pin_hash is not a PIN hash the register accepts (scrypt within its cost bounds)")
BAD_QUANTITY = N_("{field} is not a quantity from 0.001 to 99999.999")
MARKING_GROUP_MISSING = N_("marking_group is missing: a marked product names its product group ({known})")


class Refused(ValueError):
    """A record the register will not store: ``reason`` is a msgid, ``params`` fill it in."""

    def __init__(self, reason: str, **params: Any):
        super().__init__(Message(reason, params).render())
        self.reason = reason
        self.params = params


@dataclass(frozen=True)
class Known:
    """The codes the register can print: from its profile, or the FFD's list before it is loaded."""

    taxes: tuple[str, ...] = FFD_TAXES
    units: tuple[str, ...] = ()
    payment_objects: tuple[str, ...] = ()


def clean(value: str) -> str:
    """Outside text with escape sequences and control characters gone, on one line, trimmed."""
    return printable(value, one_line=True).strip()


def _wrong(field: str, expected: str) -> Refused:
    return Refused(WRONG_TYPE[expected], field=field)


def _get(item: dict, field: str, kinds: type | tuple[type, ...], expected: str, *, required: bool = True):
    value = item.get(field)
    if value is None:
        if required:
            raise Refused(MISSING, field=field)
        return None
    # bool is an int to Python, never to a feed
    if isinstance(value, bool) and bool not in (kinds if isinstance(kinds, tuple) else (kinds,)):
        raise _wrong(field, expected)
    if not isinstance(value, kinds):
        raise _wrong(field, expected)
    return value


def text(item: dict, field: str, limit: int, *, required: bool = True, empty: bool = False) -> str | None:
    value = item.get(field)
    # the usual case, what the checks below would return unchanged: printable, trimmed, in bounds
    if (
        type(value) is str
        and 0 < len(value) <= limit
        and value.isprintable()
        and value[0] != " " != value[-1]
    ):
        return value
    value = _get(item, field, str, "text", required=required)
    if value is None:
        return None
    if len(value) > limit * 4:  # clearly too long before cleaning: do not even clean it
        raise Refused(TOO_LONG, field=field, max=limit)
    value = clean(value)
    if len(value) > limit:
        raise Refused(TOO_LONG, field=field, max=limit)
    if not value and not empty:
        if required:
            raise Refused(EMPTY, field=field)
        return None
    return value


def identifier(item: dict, field: str = "id", *, required: bool = True) -> str | None:
    """An id as a string: text or a whole number, printable, at most MAX_ID characters."""
    value = _get(item, field, (str, int), "text", required=required)
    if value is None:
        return None
    value = str(value)
    if len(value) > MAX_ID:
        raise Refused(TOO_LONG, field=field, max=MAX_ID)
    if not value or clean(value) != value:
        raise _wrong(field, "text")
    return value


def money(item: dict, field: str, limit: int = MAX_AMOUNT, *, required: bool = True) -> int | None:
    value = _get(item, field, int, "kopecks", required=required)
    if value is None:
        return None
    if not 0 <= value <= limit:
        shown = str(value) if len(str(value)) <= 20 else f"{str(value)[:20]}…"
        raise Refused(OUT_OF_RANGE, field=field, value=shown, min=0, max=limit)
    return value


def flag(item: dict, field: str) -> bool:
    value = item.get(field, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise _wrong(field, "flag")
    return value


def choice(item: dict, field: str, allowed: Iterable[str], default: str | None = None) -> str:
    value = text(item, field, MAX_SHORT, required=default is None)
    if value is None:
        value = default
    allowed = tuple(allowed)
    if (allowed and value not in allowed) or not _WORD.fullmatch(value or ""):
        raise Refused(UNKNOWN_VALUE, field=field, value=(value or "")[:MAX_SHORT])
    return value  # type: ignore[return-value]


def label(item: Any, index: int) -> str:
    """How a report names a record: its id when that is printable text, else its place on the page."""
    if isinstance(item, dict):
        value = item.get("id")
        if isinstance(value, str | int) and not isinstance(value, bool):
            shown = clean(str(value))[:MAX_ID]
            if shown:
                return shown
    return f"#{index + 1}"


def deleted(item: Any) -> tuple[str, bool]:
    """The record's id and whether it is a tombstone (tombstones need nothing else)."""
    if not isinstance(item, dict):
        raise Refused(NOT_AN_OBJECT)
    return identifier(item), flag(item, "deleted")  # type: ignore[return-value]


def check_group(item: dict) -> dict:
    return {
        "name": text(item, "name", MAX_NAME),
        "parent_id": identifier(item, "parent_id", required=False),
    }


def tax_system(item: dict) -> str | None:
    """Tag 1055 of a product that is not under the shop's system (patent goods), or None."""
    value = text(item, "tax_system", MAX_SHORT, required=False)
    if value is not None and value not in TAX_SYSTEMS:
        raise Refused(UNKNOWN_VALUE, field="tax_system", value=value[:MAX_SHORT])
    return value


def marking(item: dict) -> tuple[bool, str | None]:
    """Whether the product is sold only with a marking code, and its product group (which tells the
    code's shape and whether the permissive mode applies); a group on an unmarked product is dropped."""
    marked = flag(item, "marked")
    group = text(item, "marking_group", MAX_SHORT, required=False)
    if not marked:
        return False, None
    if group is None:
        raise Refused(MARKING_GROUP_MISSING, known=", ".join(MARKING_GROUPS))
    if group not in MARKING_GROUPS:
        raise Refused(UNKNOWN_VALUE, field="marking_group", value=group)
    return True, group


def check_product(item: dict, known: Known) -> dict:
    code = text(item, "code", MAX_CODE)
    barcodes = item.get("barcodes") or []
    if not isinstance(barcodes, list):
        raise _wrong("barcodes", "list")
    if len(barcodes) > MAX_BARCODES:
        raise Refused(TOO_MANY, field="barcodes", count=len(barcodes), max=MAX_BARCODES)
    codes = []
    for index, barcode in enumerate(barcodes):
        if type(barcode) is str and len(barcode) <= MAX_BARCODE and _WORD.fullmatch(barcode):
            codes.append(barcode)  # what the checks below would keep unchanged
            continue
        field = f"barcodes[{index}]"
        value = text({field: barcode}, field, MAX_BARCODE)
        if not _WORD.fullmatch(value or ""):
            raise _wrong(field, "barcode")
        codes.append(value)
    marked, group = marking(item)
    return {
        "code": code,
        "name": text(item, "name", MAX_NAME),
        "price": money(item, "price"),
        "unit": choice(item, "unit", known.units, "pcs"),
        "tax": choice(item, "tax", known.taxes),
        "payment_object": choice(item, "payment_object", known.payment_objects, "commodity"),
        "tax_system": tax_system(item),
        "weighted": flag(item, "weighted"),
        "marked": marked,
        "marking_group": group,
        "group_id": identifier(item, "group_id", required=False),
        "barcodes": list(dict.fromkeys(codes)),
    }


def check_employee(item: dict) -> dict:
    inn = text(item, "inn", 12, required=False)
    if inn is not None and not _INN_PERSON.fullmatch(inn):
        raise Refused(BAD_INN, field="inn")
    pin = _get(item, "pin_hash", str, "text")
    if len(pin) > 256 or not pin_hash.acceptable(pin):
        raise Refused(BAD_PIN_HASH)
    return {
        "name": text(item, "name", MAX_NAME),
        "role": choice(item, "role", ROLES, "cashier"),
        "inn": inn,
        "pin_hash": pin,
    }


def _quantity(line: dict, field: str) -> str:
    try:
        quantity = read_decimal(line.get("quantity", "1"), 3)
    except ValueError:
        raise Refused(BAD_QUANTITY, field=field) from None
    if not 0 < quantity <= MAX_QUANTITY:
        raise Refused(BAD_QUANTITY, field=field)
    return format(quantity.normalize(), "f")  # "1E+3" is stored as "1000", "2.500" as "2.5"


def check_order(item: dict) -> dict:
    """An order from any source, as ``MarketplaceOrder`` keeps it (lines and buyer included)."""
    lines = item.get("lines") or []
    if not isinstance(lines, list):
        raise _wrong("lines", "list")
    if len(lines) > MAX_LINES:
        raise Refused(TOO_MANY, field="lines", count=len(lines), max=MAX_LINES)
    checked = []
    for index, line in enumerate(lines):
        where = f"lines[{index}]"
        if not isinstance(line, dict):
            raise _wrong(where, "object")
        checked.append(
            {
                "code": text(line, "code", MAX_CODE),
                "name": text(line, "name", MAX_NAME, required=False),
                "quantity": _quantity(line, f"{where}.quantity"),
                "price": money(line, "price"),
            }
        )
    buyer = item.get("buyer") or {}
    if not isinstance(buyer, dict):
        raise _wrong("buyer", "object")
    buyer = {
        key: value
        for key, value in (
            ("name", text(buyer, "name", MAX_NAME, required=False)),
            ("email", text(buyer, "email", MAX_CONTACT, required=False)),
            ("phone", text(buyer, "phone", MAX_CONTACT, required=False)),
            ("inn", text(buyer, "inn", 12, required=False)),
        )
        if value
    }
    if "inn" in buyer:  # a B2B buyer: tags 1227 and 1228 go on the receipt together
        if not valid_inn(buyer["inn"]):
            raise Refused(BAD_BUYER_INN, field="buyer.inn")
        if not buyer.get("name"):
            raise Refused(MISSING, field="buyer.name")
    currency = text(item, "currency", 3, required=False)
    if currency is not None and not re.fullmatch(r"[A-Za-z]{3}", currency):
        raise Refused(UNKNOWN_VALUE, field="currency", value=currency)
    return {
        "marketplace": text(item, "marketplace", MAX_SHORT, required=False) or "",
        "status": choice(item, "status", ORDER_STATUSES, "new"),
        "currency": currency.upper() if currency else None,
        "total": money(item, "total", required=False) or 0,
        "buyer": buyer,
        "lines": checked,
    }
