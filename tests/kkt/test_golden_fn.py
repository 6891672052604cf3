"""Golden frames of the FN commands the driver now sends, written out byte by byte from the
vendor's documented layouts (STX, LEN, command, password 30 = 1E 00 00 00, data, LRC): FF41/FF42
begin the shift reports before the cashier's tags, FF4D carries a position's unit (2108), FF03
asks the FN's end of life, FF46 carries the discounted unit price and 22 % VAT (0xCB), FF45 the
taxation system."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from drivers.fiscal_register import Cashier, Correction, Payments, ReceiptItem, ReceiptKind
from tests.kkt.test_golden import register  # noqa: F401  (the in-process emulated register)

BEGIN_SHIFT_OPEN = bytes.fromhex("02 06 ff 41 1e 00 00 00 a6")
BEGIN_SHIFT_CLOSE = bytes.fromhex("02 06 ff 42 1e 00 00 00 a5")
FN_EXPIRY = bytes.fromhex("02 06 ff 03 1e 00 00 00 e4")
# tag 1021 (FD 03), 7 bytes, "Иванова" in CP866
CASHIER = bytes.fromhex("02 11 ff 0c 1e 00 00 00 fd 03 07 00 88 a2 a0 ad ae a2 a0 8e")
# tag 1203 (B3 04), 12 ASCII digits
CASHIER_INN = bytes.fromhex("02 16 ff 0c 1e 00 00 00 b3 04 0c 00 35 30 30 31 30 30 37 33 32 32 35 39 4c")
# tag 2108 (3C 08), one byte: 11 = kg
UNIT_KG = bytes.fromhex("02 0b ff 4d 1e 00 00 00 3c 08 01 00 0b 99")
UNIT_PCS = bytes.fromhex("02 0b ff 4d 1e 00 00 00 3c 08 01 00 00 92")
# sale (1), 3.000000 (C0 C6 2D 00 00 00), price 93.00 (54 24 ..), sum 279.00 (FC 6C ..), tax sum
# unset (FF x5), tax 0xCB (22 %), department 1, 1214 = 4 (full payment), 1212 = 1, "Молоко" CP1251
SALE_LINE = bytes.fromhex(
    "02 26 ff 46 1e 00 00 00 01 c0 c6 2d 00 00 00 54 24 00 00 00 fc 6c 00 00 00"
    " ff ff ff ff ff cb 01 04 01 cc ee eb ee ea ee 58"
)


def test_shift_reports_begin_before_the_cashiers_tags(register):  # noqa: F811
    register.open_shift(Cashier("Иванова", "500100732259"))
    assert register.link.sent[:3] == [BEGIN_SHIFT_OPEN, CASHIER, CASHIER_INN]
    register.close_shift(Cashier("Иванова", "500100732259"))
    assert BEGIN_SHIFT_CLOSE in register.link.sent
    after = register.link.sent[register.link.sent.index(BEGIN_SHIFT_CLOSE) + 1 :]
    assert after[:2] == [CASHIER, CASHIER_INN]
    opened, closed = [d for d in register.link.device.state.documents if d["type"].startswith("shift")]
    assert opened["tags"] == closed["tags"] == {"1021": "Иванова", "1203": "500100732259"}


def test_a_discounted_line_goes_at_its_unit_price_with_its_unit(register):  # noqa: F811
    register.open_shift()
    register.open_receipt(ReceiptKind.SALE)
    register.add_item(ReceiptItem("Молоко", Decimal("3.000"), 10000, 27900, "vat22"))
    assert register.link.sent[-2:] == [SALE_LINE, UNIT_PCS]
    register.add_item(ReceiptItem("Сыр", Decimal("0.537"), 89900, 41035, "vat22", unit="kg"))
    assert register.link.sent[-1] == UNIT_KG
    result = register.close_receipt(Payments({"cash": 68935}), total=68935)
    (close,) = register.link.sent_for(0xFF45)
    # 16 sums (cash first), rounding 0, six tax sums 0, taxation system 02 (УСН доход)
    data = close[8:-1]  # after STX, LEN, FF 45 and the password; before the LRC
    assert data[:5] == (68935).to_bytes(5, "little") and data[5:80] == bytes(75)
    assert data[80] == 0 and data[81:111] == bytes(30) and data[111] == 0x02
    assert result.fd == 3


def test_the_fn_end_of_life_is_read(register):  # noqa: F811
    assert register.fn_status().expires == date(2027, 7, 15)
    assert FN_EXPIRY in register.link.sent


# 0x8D, type 0x80 | 0: a correction receipt of приход (the vendor's JavaPOS correction types 0x80-0x83)
OPEN_CORRECTION = bytes.fromhex("02 06 8d 1e 00 00 00 80 15")
# tag 1173 (95 04), one byte: 1 = by the tax service's order
CORRECTION_BY_ORDER = bytes.fromhex("02 0b ff 0c 1e 00 00 00 95 04 01 00 01 77")
# tag 1174 (96 04), 19 bytes: 1178 (9A 04), 4 bytes, 2026-11-20 00:00 UTC = 1795132800 (80 8D FF 6A);
# 1179 (9B 04), 7 bytes, "12-34/5"
CORRECTION_BASIS = bytes.fromhex(
    "02 1d ff 0c 1e 00 00 00 96 04 13 00 9a 04 04 00 80 8d ff 6a 9b 04 07 00 31 32 2d 33 34 2f 35 d8"
)


def test_a_correction_receipt_goes_as_the_vendor_driver_sends_it(register):  # noqa: F811
    register.open_shift()
    register.open_receipt(ReceiptKind.SALE, correction=True)
    assert register.link.sent[-1] == OPEN_CORRECTION
    register.add_item(ReceiptItem("Молоко", Decimal("3.000"), 10000, 27900, "vat22"))
    assert register.link.sent[-2:] == [SALE_LINE, UNIT_PCS]  # FF46 with the kind's operation (1)
    register.add_correction(Correction(by_order=True, date=date(2026, 11, 20), number="12-34/5"))
    assert register.link.sent[-2:] == [CORRECTION_BY_ORDER, CORRECTION_BASIS]
    result = register.close_receipt(Payments({"cash": 27900}), total=27900)
    doc = register.link.device.state.documents[-1]
    assert doc["type"] == "correction" and doc["fd"] == result.fd
    assert doc["tags"] == {"1173": "1", "1174": '{"1178": "2026-11-20", "1179": "12-34/5"}'}
    found = register.find_document(result.fd)
    assert found.type == "correction" and found.total == 27900
