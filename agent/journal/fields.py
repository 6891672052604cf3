"""A request's field path ("lines[0].marks[1]") in a person's words ("line 1, code 2").

Errors keep the path itself in their details, for programs; the cashier reads the words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from agent.i18n import N_
from common.errors import Gettext, Message, untranslated

NAMES = {
    "code": N_("code"),
    "name": N_("name"),
    "price": N_("price"),
    "quantity": N_("quantity"),
    "tax": N_("tax rate"),
    "unit": N_("unit"),
    "barcodes": N_("barcodes"),
    "lines": N_("lines"),
    "payments": N_("payments"),
    "amount": N_("amount"),
    "kind": N_("kind"),
    "reason": N_("reason"),
    "pin": N_("PIN"),
    "uuid": N_("request key (uuid)"),
    "discount": N_("discount"),
    "buyer": N_("buyer"),
    "buyer_name": N_("buyer's name"),
    "buyer_inn": N_("buyer's INN"),
    "marks": N_("marking codes"),
    "codes": N_("marking codes"),
    "position": N_("order line"),
    "product": N_("product"),
    "zero_total_orders": N_("orders with a zero total"),
    "accept": N_("accept"),
    "account_id": N_("marketplace account"),
    "accounts": N_("marketplace accounts"),
    "active": N_("active"),
    "auto_fiscalize": N_("automatic fiscalization"),
    "backoffice_url": N_("back office address"),
    "barcode": N_("barcode"),
    "before_id": N_("receipts before"),
    "buyer_contact": N_("buyer's contact"),
    "cashier": N_("cashier"),
    "confirm": N_("confirmation"),
    "device": N_("device"),
    "discount_percent": N_("discount in percent"),
    "document_date": N_("date of the corrected settlement"),
    "document_id": N_("document"),
    "document_number": N_("number of the tax service's order"),
    "employee_id": N_("employee"),
    "employees": N_("employees' sync interval"),
    "flow_id": N_("connection attempt"),
    "inn": N_("INN"),
    "interval": N_("import interval"),
    "limit": N_("how many to show"),
    "marketplace": N_("marketplace"),
    "mass_delete_share": N_("the share of the catalog a sync may delete without asking"),
    "offset": N_("how many to skip"),
    "order_id": N_("order"),
    "orders": N_("orders' sync interval"),
    "pay": N_("payment kind"),
    "payment_kind": N_("payment kind"),
    "payment_object": N_("payment object"),
    "product_sync": N_("product sync"),
    "products": N_("products' sync interval"),
    "q": N_("search text"),
    "receipt_id": N_("receipt"),
    "sign": N_("settlement sign"),
    "since": N_("from"),
    "state": N_("state"),
    "status": N_("status"),
    "streams": N_("sync streams"),
    "type": N_("type"),
    "wait": N_("wait"),
    "weighted": N_("sold by weight"),
}
# a list's name -> one of its items
ITEMS = {
    "lines": N_("line {n}"),
    "marks": N_("code {n}"),
    "codes": N_("code {n}"),
    "payments": N_("payment {n}"),
    "barcodes": N_("barcode {n}"),
}
ROOTS = ("body", "query", "path", "header")  # where pydantic found the field, not a field
PART = re.compile(r"\[([0-9]+)\]|([^.\[\]]+)")


def parts(path: str) -> list[str | int]:
    """``"lines[0].marks[1]"`` -> ``["lines", 0, "marks", 1]``."""
    return [int(index) if index else name for index, name in PART.findall(path)]


def words(location: Sequence[str | int], gettext: Gettext = untranslated) -> str:
    """``["lines", 0, "marks", 1]`` -> "line 1, code 2"; a name not listed is shown as it is."""
    said: list[str] = []
    previous: str | int | None = None
    for part in location:
        if part in ROOTS:
            continue
        if isinstance(part, int):
            if isinstance(previous, str) and previous in ITEMS:
                said[-1] = Message(ITEMS[previous], {"n": part + 1}).render(gettext)
            else:
                said.append(Message(N_("item {n}"), {"n": part + 1}).render(gettext))
        else:
            said.append(gettext(NAMES[part]) if part in NAMES else str(part))
        previous = part
    return ", ".join(said) or "?"


@dataclass(frozen=True)
class FieldWords(Message):
    """A field path as a message parameter: rendered in words in the reader's language."""

    def render(self, gettext: Gettext = untranslated) -> str:
        return words(parts(self.msgid), gettext)
