"""The arithmetic behind the screens: money typed by people, carts, change, returns."""

from __future__ import annotations

from decimal import Decimal

import pytest

from agent.api import schemas
from agent.client import DaemonError
from tui.api import parsed
from tui.cart import Cart, split_payment
from tui.money import format_money, format_quantity, line_amount, parse_money, parse_quantity
from tui.screens.pairing import interval_label
from tui.screens.receipts import parse_return, receipt_text
from tui.screens.sale import exact_match

MILK = {"code": "MILK", "name": "Молоко", "price": 8990, "barcodes": ["4600000000017"]}
BREAD = {"code": "BREAD", "name": "Хлеб", "price": 4500, "barcodes": []}


def test_money_as_typed_and_shown():
    assert parse_money("500") == 50000
    assert parse_money("500,5") == 50050
    assert parse_money(" 1 000.25 ") == 100025
    assert parse_money("1.234") is None
    assert parse_money("-1") is None
    assert parse_money("abc") is None
    assert format_money(123456789) == "1 234 567.89"
    assert format_money(5) == "0.05"


def test_quantities_are_exact_decimals():
    assert parse_quantity("0,350") == Decimal("0.350")
    assert parse_quantity("0.0001") is None
    assert parse_quantity("0") is None
    assert format_quantity(Decimal("2.000")) == "2"
    assert format_quantity("0.350") == "0.35"
    assert line_amount(Decimal("0.333"), 10000) == 3330
    assert line_amount(Decimal("1.005"), 100, 1) == 100  # 100.5 rounds half up to 101, minus 1


def test_cart_merges_scans_and_keeps_its_uuid():
    cart = Cart()
    cart.add(MILK)
    cart.add(MILK)
    cart.add(BREAD)
    cart.lines[1].discount = 500
    assert [(line.code, line.quantity) for line in cart.lines] == [("MILK", 2), ("BREAD", 1)]
    assert cart.total == 2 * 8990 + 4500 - 500
    request = cart.request([{"kind": "cash", "amount": 30000}])
    assert request["uuid"] == cart.uuid
    assert request["lines"][0] == {"code": "MILK", "quantity": "2.000", "discount": 0}
    assert request["buyer_contact"] is None


def test_payment_split_and_change():
    assert split_payment(10000, 15000, 0) == ([{"kind": "cash", "amount": 15000}], 5000)
    assert split_payment(10000, 3000, 7000) == (
        [{"kind": "cash", "amount": 3000}, {"kind": "card", "amount": 7000}],
        0,
    )
    assert split_payment(10000, 0, 10000) == ([{"kind": "card", "amount": 10000}], 0)
    assert split_payment(10000, 5000, 0) is None  # not enough
    assert split_payment(10000, 0, 12000) is None  # a card never pays more than the total


def test_scanned_barcode_or_code_picks_one_product():
    assert exact_match([MILK, BREAD], "4600000000017") is MILK
    assert exact_match([MILK, BREAD], "BREAD") is BREAD
    assert exact_match([MILK, BREAD], "о") is None
    assert exact_match([BREAD], "хл") is BREAD


def test_partial_return_positions():
    lines = [{"quantity": "2.000", "returned": "1.000"}, {"quantity": "0.500"}]
    assert parse_return("1=1 2=0,25", lines) == [
        {"position": 1, "quantity": "1.000"},
        {"position": 2, "quantity": "0.250"},
    ]
    assert parse_return("2", lines) == [{"position": 2, "quantity": "0.500"}]
    assert parse_return("1=2", lines) is None  # only one left to return
    assert parse_return("3=1", lines) is None
    assert parse_return("", lines) is None


def test_interval_labels(russian):
    assert interval_label("never") == "Никогда"
    assert interval_label(300) == "каждые 5 минут"
    assert interval_label(60) == "каждую минуту"
    assert interval_label(3600) == "каждый час"
    assert interval_label(14400) == "каждые 4 часа"


def test_answers_are_parsed_into_the_contract_or_refused_clearly():
    shift = parsed(schemas.Shift, {"open": True, "number": 7, "hours_left": 20, "later_field": 1})
    assert shift["number"] == 7 and shift["later_field"] == 1  # a newer daemon's field passes
    with pytest.raises(DaemonError) as refused:
        parsed(schemas.Receipts, {"receipts": []})
    assert refused.value.code == "unexpected_answer" and "Receipts" in refused.value.message


def test_the_devices_screen_warns_of_the_fns_end_days_ahead():
    from tui.screens.devices import fn_text

    status = {
        "fn": {
            "unsent": 0,
            "expires": "2027-01-20",
            "expires_in_days": 12,
            "warnings": [{"code": "fn_replace_soon"}, {"code": "fn_expires", "days": 12}],
        }
    }
    text = fn_text(status).plain
    assert "Valid until 2027-01-20 (12 days)" in text and "Replace the FN within 30 days" in text


def test_a_correction_receipt_shows_its_kind_basis_and_reason():
    receipt = {
        "fd": 7,
        "type": "correction",
        "total": 4990,
        "lines": [{"name": "Хлеб", "quantity": "1.000", "price": 4990, "amount": 4990}],
        "payments": [{"kind": "cash", "amount": 4990}],
        "correction": {
            "type": "order",
            "sign": "sale",
            "date": "2026-11-20",
            "number": "12-34/5",
            "reason": "[b]x",
        },
    }
    text = receipt_text(receipt).plain
    assert "correction" in text.splitlines()[0]
    assert "Correction of 20.11.2026 (by the tax service's order 12-34/5): [b]x" in text
