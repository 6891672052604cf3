"""Sums past the register's range (ten digits of kopecks, 99 999 999.99): the emulator, over a real
pty, refuses them with the vendor's codes and keeps running; the driver never sends them.

The emulator's requests are written out byte by byte from the vendor's layouts (FF46: password,
operation, quantity in millionths (6), price (5), sum (5), tax sum (5), tax, department, 1214,
1212, name; FF45: password, 16 payment sums of 5 bytes, rounding, 6 tax sums, taxation system);
only the link layer (ENQ/ACK, STX, LRC) is the driver's.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from common.money import MAX_AMOUNT
from drivers.fiscal_register import Payments, ReceiptItem, ReceiptKind
from drivers.shtrih.errors import AmountOutOfRange
from drivers.shtrih.link import Link

PWD = bytes([30, 0, 0, 0])
UNSET = b"\xff" * 5  # "the register computes it"
UNIT_PCS = bytes([0x3C, 0x08, 0x01, 0x00, 0x00])  # TLV 2108 = 0 (pieces)

E_TOTAL_OVERFLOW = 0x48  # "Переполнение итога чека"
E_MULTIPLY_OVERFLOW = 0x60  # "Переполнение при умножении"
E_PRICE_RANGE = 0x61  # "Переполнение диапазона цены"
E_TOTAL_RANGE = 0x7F  # "Переполнение диапазона итога"


def money(kopecks: int) -> bytes:
    return kopecks.to_bytes(5, "little")


def ff46(*, price: int, quantity: int = 1_000_000, amount: bytes | None = None) -> bytes:
    return (
        PWD
        + bytes([1])  # a sale
        + quantity.to_bytes(6, "little")
        + money(price)
        + (UNSET if amount is None else amount)
        + UNSET
        + bytes([0x01, 1, 4, 1])  # VAT 20 %, department 1, full payment, commodity
        + "Слиток".encode("cp1251")
    )


def ff45(cash: int) -> bytes:
    return PWD + money(cash) + bytes(15 * 5) + bytes([0]) + bytes(30) + bytes([0x02])


@pytest.fixture
def link(emulator):
    port = Link(str(emulator.link), 115200)
    port.open()
    try:
        yield port
    finally:
        port.close()


def ask(link: Link, command: int, data: bytes = PWD) -> bytes:
    """The answer's data: its first byte is the error code."""
    return link.transact(command, data, timeout=5).data


def error(link: Link, command: int, data: bytes = PWD) -> int:
    return ask(link, command, data)[0]


def open_receipt(link: Link) -> None:
    assert error(link, 0xE0) == 0  # the shift
    assert error(link, 0x8D, PWD + bytes([0])) == 0


def subtotal(link: Link) -> int:
    answer = ask(link, 0x89)
    assert answer[0] == 0
    return int.from_bytes(answer[2:7], "little")


def test_ff46_past_the_range_is_refused_with_the_vendors_codes(emulator, link):
    open_receipt(link)
    assert error(link, 0xFF46, ff46(price=MAX_AMOUNT + 1)) == E_PRICE_RANGE
    assert error(link, 0xFF46, ff46(price=2**40 - 1)) == E_PRICE_RANGE  # all 5 bytes can carry
    assert error(link, 0xFF46, ff46(price=1, amount=money(MAX_AMOUNT + 1))) == E_PRICE_RANGE
    # price x quantity: 5 000 000 000 x 3, the sum left for the register to compute
    assert error(link, 0xFF46, ff46(price=5_000_000_000, quantity=3_000_000)) == E_MULTIPLY_OVERFLOW
    assert subtotal(link) == 0  # nothing refused went on the receipt
    assert error(link, 0xFF46, ff46(price=MAX_AMOUNT)) == 0  # the range itself is fine
    assert emulator.process.poll() is None


def test_a_receipt_total_past_the_range_is_refused_and_the_subtotal_still_answers(emulator, link):
    open_receipt(link)
    assert error(link, 0xFF46, ff46(price=MAX_AMOUNT)) == 0
    assert error(link, 0xFF4D, PWD + UNIT_PCS) == 0
    assert error(link, 0xFF46, ff46(price=1)) == E_TOTAL_OVERFLOW
    assert subtotal(link) == MAX_AMOUNT
    assert error(link, 0x10) == 0  # still there
    assert emulator.process.poll() is None


def test_lines_that_5_bytes_carry_but_the_range_does_not_never_kill_the_emulator(emulator, link):
    open_receipt(link)
    for _ in range(2):  # two of them would overflow a 5-byte subtotal
        assert error(link, 0xFF46, ff46(price=2**40 - 1)) == E_PRICE_RANGE
    assert subtotal(link) == 0
    assert error(link, 0x10) == 0
    assert emulator.process.poll() is None


def test_a_payment_past_the_range_is_refused_and_the_emulator_keeps_running(emulator, link):
    open_receipt(link)
    assert error(link, 0xFF46, ff46(price=10000)) == 0
    assert error(link, 0xFF4D, PWD + UNIT_PCS) == 0
    assert error(link, 0xFF45, ff45(MAX_AMOUNT + 1)) == E_TOTAL_RANGE
    assert error(link, 0xFF45, ff45(2**40 - 1)) == E_TOTAL_RANGE
    assert error(link, 0x50, PWD + money(MAX_AMOUNT + 1)) != 0  # a cash move past the range: refused too
    assert error(link, 0xFF45, ff45(MAX_AMOUNT)) == 0  # the change (MAX - 100.00) fits: it closes
    assert [doc["change"] for doc in emulator.receipts()] == [MAX_AMOUNT - 10000]
    assert emulator.process.poll() is None


def calls_of(register, monkeypatch) -> list[int]:
    """The commands the driver sends from now on."""
    sent: list[int] = []
    original = register._call

    def call(command, *args, **kwargs):
        sent.append(command)
        return original(command, *args, **kwargs)

    monkeypatch.setattr(register, "_call", call)
    return sent


def test_the_driver_refuses_sums_past_the_range_before_sending_anything(emulator, register, monkeypatch):
    register.open_shift()
    register.open_receipt(ReceiptKind.SALE)
    sent = calls_of(register, monkeypatch)
    too_dear = ReceiptItem(
        name="Слиток", quantity=Decimal("1.000"), price=MAX_AMOUNT + 1, amount=MAX_AMOUNT + 1, tax="vat20"
    )
    with pytest.raises(AmountOutOfRange) as caught:
        register.add_item(too_dear)
    assert caught.value.status == 422 and caught.value.code == "amount_out_of_range"
    assert "9999999999" in caught.value.render()
    too_many = ReceiptItem(
        name="Слиток", quantity=Decimal("3.000"), price=5_000_000_000, amount=15_000_000_000, tax="vat20"
    )
    with pytest.raises(AmountOutOfRange):
        register.add_item(too_many)
    with pytest.raises(AmountOutOfRange):
        register.close_receipt(Payments({"cash": MAX_AMOUNT + 1}), total=10000)
    with pytest.raises(AmountOutOfRange):  # a receipt total past the range
        register.close_receipt(Payments({"cash": MAX_AMOUNT}), total=MAX_AMOUNT + 1)
    assert sent == []
    register.cancel_receipt()
    sent.clear()
    with pytest.raises(AmountOutOfRange):
        register.cash_in(MAX_AMOUNT + 1)
    with pytest.raises(AmountOutOfRange):
        register.cash_in(2**40)  # past 5 bytes: the same driver error, never a bare ValueError
    assert sent == []
    assert emulator.receipts() == []
