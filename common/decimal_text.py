"""A decimal number from outside (a back office, a marketplace) read exactly, or refused.

``Decimal("1E+999999999")`` is finite but overflows at the first multiplication, ``"sNaN"`` raises
at any arithmetic, and ``"1E+3"`` is 1000 written so that a receipt would print it as is. A value
read here is text or an int (never a float or a bool), short, finite, of a sane magnitude, with
no more decimal places than the field has, and comes back written out with exactly that many.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

MAX_LENGTH = 32  # characters: far more than any amount or quantity a register holds
MAX_DIGITS = 15  # digits before the point: the same


def read_decimal(value: object, places: int) -> Decimal:
    """``value`` with exactly ``places`` decimal places (``"1E+3"``, 3 → 1000.000); ValueError if
    it is not a number, is too long or too large, or has more places than that."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError("not a decimal number")
    text = value.strip() if isinstance(value, str) else str(value)
    if not text or len(text) > MAX_LENGTH:
        raise ValueError("not a decimal number of a sane length")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError("not a decimal number") from None
    if not number.is_finite() or (number and not -places <= number.adjusted() < MAX_DIGITS):
        raise ValueError("out of range")
    exact = number.quantize(Decimal(1).scaleb(-places))
    if exact != number:
        raise ValueError(f"more than {places} decimal places")
    return exact
