"""The receipt being rung up: lines, discounts, payments and change, before the register hears of it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from tui.money import QUANTUM, line_amount


@dataclass
class CartLine:
    code: str
    name: str
    price: int
    quantity: Decimal = Decimal("1.000")
    discount: int = 0
    unit: str = "pcs"
    marked: bool = False  # one marking code per unit (a weighed good: one for the line)
    weighted: bool = False  # sold by weight or volume: any quantity, one code
    marks: list[str] = field(default_factory=list)

    @property
    def amount(self) -> int:
        return line_amount(self.quantity, self.price, self.discount)


@dataclass
class Cart:
    lines: list[CartLine] = field(default_factory=list)
    buyer_contact: str = ""
    uuid: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)

    @property
    def discount(self) -> int:
        return sum(line.discount for line in self.lines)

    def add(
        self, product: dict, quantity: Decimal = Decimal("1.000"), marks: tuple[str, ...] = ()
    ) -> CartLine:
        """Add a product; the same product again adds to its line (a scanner beeps once per item)."""
        for line in self.lines:
            if line.code == product["code"] and not line.discount and not product.get("weighted"):
                line.quantity = (line.quantity + quantity).quantize(QUANTUM)
                line.marks.extend(marks)
                return line
        line = CartLine(
            code=product["code"],
            name=product["name"],
            price=int(product["price"]),
            quantity=quantity.quantize(QUANTUM),
            unit=product.get("unit", "pcs"),
            marked=bool(product.get("marked")),
            weighted=bool(product.get("weighted")),
            marks=list(marks),
        )
        self.lines.append(line)
        return line

    def has_mark(self, code: str) -> bool:
        return any(code in line.marks for line in self.lines)

    def remove(self, index: int) -> None:
        if 0 <= index < len(self.lines):
            del self.lines[index]

    def request(self, payments: list[dict]) -> dict:
        """The body of POST /v1/receipts; the uuid is fixed per cart so a retry never sells twice."""
        return {
            "uuid": self.uuid,
            "lines": [
                {
                    "code": line.code,
                    "quantity": str(line.quantity),
                    "discount": line.discount,
                    **({"marks": line.marks} if line.marked else {}),
                }
                for line in self.lines
            ],
            "payments": payments,
            "buyer_contact": self.buyer_contact or None,
        }


def split_payment(total: int, cash: int, card: int) -> tuple[list[dict], int] | None:
    """Payments for a total from what the cashier entered, and the change; None if it does not cover.

    Card pays exactly; cash may exceed what is left and the excess is change.
    """
    if card > total or cash + card < total:
        return None
    change = cash + card - total
    payments = []
    if cash:
        payments.append({"kind": "cash", "amount": cash})
    if card:
        payments.append({"kind": "card", "amount": card})
    return payments, change
