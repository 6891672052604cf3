"""The INN (ИНН) and its check digits: a typo is caught before a receipt carries it for ever.

An organisation's INN has 10 digits, the last a check digit; a person's (or an individual
entrepreneur's) has 12, the last two check digits. Each check digit is the weighted sum of the
digits before it, modulo 11, modulo 10 (the tax service's published algorithm).
"""

from __future__ import annotations

from common.digits import is_digits

WEIGHTS_10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
WEIGHTS_11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
WEIGHTS_12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _check_digit(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11 % 10


def valid_inn(value: str) -> bool:
    """True for a 10-digit organisation INN or a 12-digit personal INN whose check digits match."""
    if not is_digits(value) or set(value) == {"0"}:
        return False
    if len(value) == 10:
        return _check_digit(value[:9], WEIGHTS_10) == int(value[9])
    if len(value) == 12:
        return _check_digit(value[:10], WEIGHTS_11) == int(value[10]) and _check_digit(
            value[:11], WEIGHTS_12
        ) == int(value[11])
    return False
