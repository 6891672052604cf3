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
