"""Cart arithmetic: rounding half up, discounts spread to the kopeck, validation that names the field."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.journal.cart import CartLine, price_lines, round_kopecks, spread, with_discount
from agent.journal.errors import InvalidReceipt
from agent.journal.fields import parts, words

quantities = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("50"), places=3)
prices = st.integers(min_value=0, max_value=2_000_000)


def line(quantity="1", price=100, discount=0, name="Хлеб") -> CartLine:
    return CartLine(name=name, quantity=Decimal(quantity), price=price, tax="vat20", discount=discount)


def test_half_kopecks_round_up():
    assert round_kopecks(Decimal("0.5")) == 1
    assert round_kopecks(Decimal("1.4999")) == 1
    assert line("0.005", 100).gross == 1  # 0.5 kopeck
    assert line("1.335", 1999).gross == 2669  # 2668.665


def test_receipt_discount_spreads_to_the_kopeck():
    priced = price_lines([line("1", 100), line("1", 100), line("1", 100)], receipt_discount=100)
    assert [p.amount for p in priced] == [66, 67, 67]  # the leftover kopeck goes to the first line
    assert sum(p.discount for p in priced) == 100


def test_line_discount_in_percent():
    discounted = with_discount(line("3", 333), percent=Decimal("10"))
    assert discounted.discount == 100  # 10 % of 999 = 99.9
    assert price_lines([discounted])[0].amount == 899


@pytest.mark.parametrize(
    ("lines", "discount", "field"),
    [
        ([], 0, "lines"),
        ([line("0")], 0, "lines[0].quantity"),
        ([line("1.0001")], 0, "lines[0].quantity"),
        ([line("1", -1)], 0, "lines[0].price"),
        ([line("1", 100, discount=101)], 0, "lines[0].discount"),
        ([line("1", 100)], 101, "discount"),
    ],
)
def test_bad_lines_name_the_field(lines, discount, field):
    with pytest.raises(InvalidReceipt) as caught:
        price_lines(lines, discount)
    assert caught.value.params["field"] == caught.value.details["field"] == field
    assert str(caught.value).startswith(words(parts(field)) + ":") and "[" not in str(caught.value)


@settings(max_examples=300, deadline=None)
@given(
    weights=st.lists(st.integers(min_value=0, max_value=10**7), min_size=1, max_size=30),
    fraction=st.fractions(min_value=0, max_value=1),
)
def test_spread_is_exact_and_never_exceeds_a_line(weights, fraction):
    total = int(sum(weights) * fraction)
    shares = spread(total, weights)
    assert sum(shares) == total
    assert all(0 <= share <= weight for share, weight in zip(shares, weights, strict=True))


@settings(max_examples=300, deadline=None)
@given(
    items=st.lists(st.tuples(quantities, prices, st.integers(0, 100)), min_size=1, max_size=20),
    receipt_share=st.fractions(min_value=0, max_value=1),
)
def test_line_amounts_add_up_to_the_total(items, receipt_share):
    lines = []
    for quantity, price, percent in items:
        plain = CartLine("x", quantity, price, "vat20")
        lines.append(with_discount(plain, percent=Decimal(percent)))
    nets = sum(item.gross - item.discount for item in lines)
    receipt_discount = int(nets * receipt_share)
    priced = price_lines(lines, receipt_discount)
    assert sum(p.amount for p in priced) == nets - receipt_discount
    for p in priced:
        assert p.amount == p.gross - p.discount
        assert 0 <= p.amount <= p.gross
        assert isinstance(p.amount, int)
