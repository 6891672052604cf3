"""Money and quantities as the cashier types and reads them: integer kopecks, Decimal quantities."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from common import money
from common.decimal_text import read_decimal

QUANTUM = Decimal("0.001")


def format_money(kopecks: int) -> str:
    """12345 -> "123.45"; thousands separated by a space so long totals stay readable."""
    return money.format_money(kopecks, group=" ")


def parse_money(text: str) -> int | None:
    """ "500", "500.5", "500,50" -> kopecks; None for anything that is not a sum of money."""
    cleaned = text.strip().replace(" ", "").replace(",", ".")
    try:
        value = read_decimal(cleaned, 2)  # "nan", "1e30", "١٢" and "1_000" are not sums of money
    except ValueError:
        return None
    return None if value < 0 else int(value * 100)


def parse_quantity(text: str) -> Decimal | None:
    """ "2", "0,350" -> Decimal("2.000"), Decimal("0.350"); None if not a positive quantity."""
    cleaned = text.strip().replace(",", ".")
    try:
        value = read_decimal(cleaned, 3)
    except ValueError:
        return None
    return value if value > 0 else None


def format_quantity(quantity: Decimal | str) -> str:
    """Decimal("2.000") -> "2", Decimal("0.350") -> "0.35"."""
    value = Decimal(str(quantity)).quantize(QUANTUM)
    text = format(value.normalize(), "f")
    return text


def line_amount(quantity: Decimal, price: int, discount: int = 0) -> int:
    """round(quantity * price) - discount, half up, in kopecks (the journal's rule)."""
    gross = (Decimal(quantity) * price).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(gross) - discount
