"""Cart arithmetic: line sums, discounts and their rounding, in integer kopecks.

A line is worth ``round_half_up(quantity * price)``; its own discount comes off that; a
receipt discount is then spread over the lines in proportion to what is left of each (the
largest-remainder method), so the line amounts always add up to exactly the receipt total
that the register prints. Quantities are ``Decimal`` with three places; nothing is a float.
A price, a line's sum and the receipt total are each at most ``common.money.MAX_AMOUNT``, what the
register holds: more is refused here, before the register is touched.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

from agent.i18n import N_
from agent.journal.errors import InvalidReceipt
from common.money import MAX_AMOUNT, format_money

QUANTITY_STEP = Decimal("0.001")
MAX_QUANTITY = Decimal("99999.999")
MAX_PRICE = MAX_AMOUNT  # kopecks: the register's range, 99 999 999.99
LIMIT = format_money(MAX_AMOUNT, group=" ")  # the limit as the cashier reads it


def round_kopecks(value: Decimal) -> int:
    """Half up, as the register and every shop calculator round."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def percent_of(amount: int, percent: Decimal) -> int:
    return round_kopecks(Decimal(amount) * percent / 100)


@dataclass(frozen=True)
class CartLine:
    """One line as the cashier entered it; ``discount`` is this line's own, in kopecks."""

    name: str
    quantity: Decimal
    price: int
    tax: str
    unit: str = "pcs"
    payment_object: str = "commodity"
    code: str | None = None
    discount: int = 0
    tax_system: str | None = None  # the product's own (tag 1055); None: the shop's
    marks: tuple = ()  # common.marking.MarkingCode per unit of a marked product (one for a measured line)
    measured: bool = False  # sold by weight or volume: a marked line is one unit of a measured plan
    marking_group: str | None = None  # a marked product's group (the permissive mode covers some)

    @property
    def gross(self) -> int:
        return round_kopecks(self.quantity * self.price)


@dataclass(frozen=True)
class PricedLine(CartLine):
    """A line with every discount applied: ``amount = gross - discount``."""

    amount: int = 0
    position: int | None = None  # set on returns: the sale's line it gives back
    fn_positions: tuple = ()  # the ReceiptItems the FN gets for this line (``register.with_positions``)
    mark_checks: tuple = ()  # agent.journal.marks.UnitCheck per code, in the order of ``marks``


def check_quantity(field: str, quantity: Decimal, whole: bool = False) -> Decimal:
    if not quantity.is_finite() or quantity <= 0:
        raise InvalidReceipt(field, N_("{field}: the quantity must be more than zero"))
    if quantity != quantity.quantize(QUANTITY_STEP):
        raise InvalidReceipt(field, N_("{field}: the quantity has more than three decimal places"))
    if quantity > MAX_QUANTITY:
        raise InvalidReceipt(field, N_("{field}: the quantity is too large"))
    if whole and quantity != quantity.to_integral_value():
        raise InvalidReceipt(field, N_("{field}: this product is sold in whole pieces"))
    return quantity.quantize(QUANTITY_STEP)


def check_line(index: int, line: CartLine) -> None:
    field = f"lines[{index}]"
    check_quantity(f"{field}.quantity", line.quantity)
    if line.price < 0 or line.price > MAX_PRICE:
        raise InvalidReceipt(
            f"{field}.price", N_("{field}: the price must be between 0 and {limit}"), limit=LIMIT
        )
    if line.discount < 0:
        raise InvalidReceipt(f"{field}.discount", N_("{field}: a discount cannot be negative"))
    if line.discount > line.gross:
        raise InvalidReceipt(
            f"{field}.discount",
            N_("{field}: the discount {discount} is more than the line's sum {gross}"),
            discount=line.discount,
            gross=line.gross,
        )
    net = line.gross - line.discount
    if net > MAX_AMOUNT:
        raise InvalidReceipt(
            field,
            N_("{field}: the line's sum {amount} is more than the fiscal register holds ({limit})"),
            amount=format_money(net, group=" "),
            limit=LIMIT,
        )


def spread(total_discount: int, weights: list[int]) -> list[int]:
    """Split ``total_discount`` over ``weights`` proportionally; shares sum exactly, none above its weight."""
    base = sum(weights)
    if total_discount == 0 or base == 0:
        return [0] * len(weights)
    shares = [total_discount * weight // base for weight in weights]
    remainders = [total_discount * weight % base for weight in weights]
    left = total_discount - sum(shares)
    # the largest remainders get the leftover kopecks; ties go to the earlier line
    for index in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[:left]:
        shares[index] += 1
    return shares


def price_lines(lines: list[CartLine], receipt_discount: int = 0) -> list[PricedLine]:
    """Apply line discounts, then spread the receipt discount; the amounts sum to the receipt total."""
    if not lines:
        raise InvalidReceipt("lines", N_("{field}: a receipt needs at least one line"))
    for index, line in enumerate(lines):
        check_line(index, line)
    nets = [line.gross - line.discount for line in lines]
    if receipt_discount < 0:
        raise InvalidReceipt("discount", N_("{field}: a discount cannot be negative"))
    if receipt_discount > sum(nets):
        raise InvalidReceipt(
            "discount",
            N_("{field}: the discount {discount} is more than the receipt's sum {gross}"),
            discount=receipt_discount,
            gross=sum(nets),
        )
    total = sum(nets) - receipt_discount
    if total > MAX_AMOUNT:
        raise InvalidReceipt(
            "lines",
            N_("{field}: the receipt total {amount} is more than the fiscal register holds ({limit})"),
            amount=format_money(total, group=" "),
            limit=LIMIT,
        )
    shares = spread(receipt_discount, nets)
    return [
        PricedLine(**{**vars(line), "discount": line.discount + share}, amount=net - share)
        for line, net, share in zip(lines, nets, shares, strict=True)
    ]


def with_discount(line: CartLine, discount: int = 0, percent: Decimal | None = None) -> CartLine:
    """The line with its own discount given in kopecks or as a percentage of its sum."""
    if percent is not None:
        discount += percent_of(line.gross, percent)
    return replace(line, discount=discount)
