"""Money in one place: paper, the QR code and the CLI print kopecks the same way; the TUI groups thousands."""

from __future__ import annotations

import pytest

from common.money import format_money


@pytest.mark.parametrize(
    ("kopecks", "text", "grouped"),
    [
        (0, "0.00", "0.00"),
        (5, "0.05", "0.05"),
        (100, "1.00", "1.00"),
        (123456789, "1234567.89", "1 234 567.89"),
        (-1050, "-10.50", "-10.50"),
        (-123456, "-1234.56", "-1 234.56"),
    ],
)
def test_kopecks_as_text(kopecks, text, grouped):
    assert format_money(kopecks) == text
    assert format_money(kopecks, group=" ") == grouped


def test_a_float_is_refused():
    with pytest.raises(TypeError):
        format_money(12.5)
