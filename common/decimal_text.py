"""A decimal number from outside (a back office, a marketplace) read exactly, or refused.

``Decimal("1E+999999999")`` is finite but overflows at the first multiplication, ``"sNaN"`` raises
at any arithmetic, and ``"1E+3"`` is 1000 written so that a receipt would print it as is. A value
read here is text or an int (never a float or a bool), short, finite, of a sane magnitude, with
no more decimal places than the field has, and comes back written out with exactly that many.

Its digits are ASCII 0-9 (``common.digits``' rule): ``Decimal`` itself also reads "١٢" and "１２"
(other scripts' digits) and "1_000" (Python's digit grouping), which no register, back office or
cashier means as a number.
"""

from __future__ import annotations

import re
from decimal import Decimal

MAX_LENGTH = 32  # characters: far more than any amount or quantity a register holds
MAX_DIGITS = 15  # digits before the point: the same
# a plain decimal as JSON and a person write it: ASCII digits, one point, an optional exponent
NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def decimal_of(text: str) -> Decimal:
    """``text`` (already trimmed) as a Decimal when it is written as a plain decimal number (see
    ``NUMBER``); ValueError for anything else, NaN and Infinity included. The one way text from
    outside becomes a Decimal; its range is the caller's to check."""
    if len(text) > MAX_LENGTH or not NUMBER.fullmatch(text):
        raise ValueError("not a decimal number")
    return Decimal(text)


def read_decimal(value: object, places: int) -> Decimal:
    """``value`` with exactly ``places`` decimal places (``"1E+3"``, 3 → 1000.000); ValueError if
    it is not a number, is too long or too large, or has more places than that."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError("not a decimal number")
    text = value.strip() if isinstance(value, str) else str(value)
    if not text or len(text) > MAX_LENGTH:
        raise ValueError("not a decimal number of a sane length")
    number = decimal_of(text)
    if not number.is_finite() or (number and not -places <= number.adjusted() < MAX_DIGITS):
        raise ValueError("out of range")
    exact = number.quantize(Decimal(1).scaleb(-places))
    if exact != number:
        raise ValueError(f"more than {places} decimal places")
    return exact
