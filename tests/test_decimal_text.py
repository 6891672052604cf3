"""Decimal numbers from outside: read exactly, written out plainly, or refused as a ValueError."""

from __future__ import annotations

from decimal import Decimal

import pytest

from common.decimal_text import read_decimal


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        ("1E+3", 3, "1000.000"),
        (" 2.5 ", 3, "2.500"),
        (7, 2, "7.00"),
        ("0.001", 3, "0.001"),
        ("-1.5", 2, "-1.50"),
    ],
)
def test_a_number_is_read_exactly_with_its_places(value, places, expected):
    assert read_decimal(value, places) == Decimal(expected)
    assert str(read_decimal(value, places)) == expected


@pytest.mark.parametrize(
    "value",
    [
        "1E+999999999",
        "sNaN",
        "NaN",
        "Infinity",
        "1e-999999",
        "0.0000001",
        "12.3456",
        "9" * 40,
        "",
        "abc",
        "\u0661",  # ARABIC-INDIC DIGIT ONE: Decimal reads it as 1
        "\uff11\uff12",  # fullwidth 12
        "1_000",  # Python's digit grouping
        "0x10",
        "1e",
        1.5,
        True,
        None,
    ],
)
def test_anything_else_is_a_value_error(value):
    with pytest.raises(ValueError):
        read_decimal(value, 3)
