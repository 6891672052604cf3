"""Classic receipt commands (0x80 sale, 0x82 return, 0x85 close) for registers without FF46/FF45.

Layouts: Shtrih protocol v1.17 and the vendor's log parser (VitalyKravtsov2016/logplayer,
Unit/Commands/ParserCommand82.pas and ParserCommand85.pas): 0x80/0x82 = password (4),
quantity (5, thousandths), price (5), department (1), tax 1-4 (1 each), text (40);
0x85 = password, cash and payment types 2-4 (5 each), discount (2, signed 0.01 %),
tax 1-4, text (40); its answer = operator, change (5).
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from drivers.fiscal_register import DocumentType, Payments, ReceiptItem, ReceiptKind
from drivers.profile import PROFILE_DIR, load_profile
from drivers.shtrih import open_register
from drivers.shtrih.errors import NotInProfile
from drivers.shtrih.frame import decode, encode
from drivers.shtrih.register import (
    ShtrihRegister,
    classic_close_request,
    classic_line_request,
    parse_classic_close,
    tax_group,
)
from sim.kkt.device import Device
from tests.fixtures.kkt import kkt_emulator
from tests.kkt.test_golden import DeviceLink

PASSWORD_30 = "1E 00 00 00"
NUL = " 00"

# 0x80: 1.000 x 100.00, department 1, tax group 1, "Товар" (CP1251) padded to 40 bytes
SALE_REQUEST = bytes.fromhex(
    "02 3C 80"
    + PASSWORD_30
    + " E8 03 00 00 00"  # quantity 1000 thousandths
    + " 10 27 00 00 00"  # price 10000 kopecks
    + " 01"  # department
    + " 01 00 00 00"  # tax 1 = group 1, taxes 2-4 none
    + " D2 EE E2 E0 F0"
    + NUL * 35  # text, 40 bytes
    + " B0"  # LRC
)
# 0x85: cash 150.00, payment type 2 50.00, types 3-4 none, no discount, no taxes, empty text
CLOSE_REQUEST = bytes.fromhex(
    "02 47 85"
    + PASSWORD_30
    + " 98 3A 00 00 00"
    + " 88 13 00 00 00"
    + NUL * 10
    + " 00 00"  # discount/surcharge
    + " 00 00 00 00"  # tax 1-4
    + NUL * 40
    + " E5"
)


@pytest.fixture
def profile():
    classic = load_profile(PROFILE_DIR / "shtrih-m-ptk.toml")
    assert classic.fiscal.operation_v2 is False
    return classic


@pytest.fixture
def emulator(tmp_path):
    with kkt_emulator(tmp_path) as emu:
        yield emu


@pytest.fixture
def register(emulator, profile):
    device = open_register(str(emulator.link), profile)
    try:
        yield device
    finally:
        device.close()


@pytest.fixture
def recorded(tmp_path, profile):
    link = DeviceLink(Device(tmp_path / "state.json"))
    return ShtrihRegister(link, profile, operator_password=30, admin_password=30)


def line(name: str, price: int, quantity: str = "1.000", tax: str = "vat20") -> ReceiptItem:
    qty = Decimal(quantity)
    return ReceiptItem(name=name, quantity=qty, price=price, amount=int(qty * price), tax=tax)


def test_sale_request_is_the_documented_layout():
    assert decode(SALE_REQUEST).command == 0x80  # the LRC is right
    data = classic_line_request(
        quantity=Decimal("1.000"),
        price=10000,
        department=1,
        taxes=(1, 0, 0, 0),
        text="Товар".encode("cp1251"),
    )
    assert encode(0x80, bytes([30, 0, 0, 0]) + data) == SALE_REQUEST


def test_close_request_is_the_documented_layout():
    assert decode(CLOSE_REQUEST).command == 0x85
    assert encode(0x85, bytes([30, 0, 0, 0]) + classic_close_request([15000, 5000, 0, 0])) == CLOSE_REQUEST
    # a surcharge is a negative percentage in 0.01 %, two bytes little-endian
    assert classic_close_request([0] * 4, discount=-150)[20:22] == bytes([0x6A, 0xFF])


def test_emulator_reads_the_documented_frames(tmp_path):
    device = Device(tmp_path / "state.json")
    assert device.handle(bytes([0xE0, 30, 0, 0, 0]))[:2] == bytes([0xE0, 0])
    assert device.handle(decode(SALE_REQUEST).body) == bytes([0x80, 0, 30])
    (item,) = device.state.receipt.items
    assert item["quantity"] == "1.000" and item["price"] == 10000 and item["amount"] == 10000
    assert item["tax"] == 1 and item["department"] == 1 and item["name"] == "Товар"
    # FFD 1.2: no close before the position's unit; FF4D, admin password, tag 2108 (3C 08), 1 byte, 0
    assert device.handle(decode(CLOSE_REQUEST).body) == bytes([0x85, 0x0D])
    assert device.handle(bytes([0xFF, 0x4D, 30, 0, 0, 0, 0x3C, 0x08, 1, 0, 0])) == bytes([0xFF, 0x4D, 0])
    answer = device.handle(decode(CLOSE_REQUEST).body)
    assert answer[:2] == bytes([0x85, 0]) and len(answer) == 8
    assert parse_classic_close(answer[2:]) == {"operator": 30, "change": 10000}
    (doc,) = [d for d in device.state.documents if d["type"] == "receipt"]
    assert doc["total"] == 10000 and doc["change"] == 10000
    assert [(p["kind"], p["amount"]) for p in doc["payments"]] == [("cash", 15000), ("card", 5000)]


def test_tax_bits_become_classic_groups():
    assert [tax_group(bit) for bit in (1, 2, 4, 8)] == [1, 2, 3, 4]
    with pytest.raises(ValueError):
        tax_group(3)


def test_driver_sends_classic_commands_and_no_ff46_ff45(recorded):
    recorded.open_shift()
    recorded.open_receipt(ReceiptKind.SALE)
    recorded.add_item(line("Товар", 10000))
    recorded.add_tag(1008, "buyer@example.ru")
    result = recorded.close_receipt(Payments({"cash": 15000, "card": 5000}), total=10000)
    link = recorded.link
    assert link.sent_for(0xFF46) == [] and link.sent_for(0xFF45) == []
    assert link.sent_for(0x80) == [SALE_REQUEST]
    assert link.sent_for(0x85) == [CLOSE_REQUEST]
    assert len(link.sent_for(0xFF0C)) == 1
    doc = recorded.link.device.state.documents[-1]
    assert result.fd == doc["fd"] and result.fiscal_sign == doc["fiscal_sign"]
    assert doc["tags"]["1008"] == "buyer@example.ru"


def test_classic_three_line_sale_with_cash_and_card(register, emulator):
    opened = register.open_shift()
    lines = [line("Хлеб", 4590), line("Молоко", 8900, "2.000", "vat10"), line("Сыр", 51000, "0.350")]
    total = sum(item.amount for item in lines)
    register.open_receipt(ReceiptKind.SALE)
    for item in lines:
        register.add_item(item)
    register.add_tag(1008, "buyer@example.ru")
    card = 10000
    result = register.close_receipt(Payments({"cash": total - card + 500, "card": card}), total=total)

    (doc,) = emulator.receipts()
    assert doc["type"] == "receipt" and doc["total"] == total
    assert {p["kind"]: p["amount"] for p in doc["payments"]} == {"cash": total - card + 500, "card": card}
    assert doc["change"] == 500
    assert [i["amount"] for i in doc["items"]] == [item.amount for item in lines]
    assert [i["tax"] for i in doc["items"]] == [1, 2, 1]  # tax groups: vat20 = 1, vat10 = 2
    assert doc["items"][2]["quantity"] == "0.350" and doc["items"][1]["name"] == "Молоко"
    assert doc["tags"]["1008"] == "buyer@example.ru"
    assert result.fd == doc["fd"] == opened.fd + 1
    assert result.fiscal_sign == doc["fiscal_sign"]
    assert result.shift == doc["shift"] == 1
    assert result.fiscalized_at is not None
    assert not register.status().document_open


def test_classic_return(register, emulator):
    register.open_shift()
    register.cash_in(50000)
    register.open_receipt(ReceiptKind.RETURN)
    register.add_item(line("Товар", 12345, tax="vat10"))
    result = register.close_receipt(Payments({"cash": 12345}), total=12345)
    journal = emulator.journal()
    assert [d["type"] for d in journal] == ["shift_open", "cash_in", "return"]
    assert journal[2]["total"] == 12345 and journal[2]["fd"] == result.fd
    assert journal[2]["items"][0]["tax"] == 2
    assert register.find_document(result.fd).type == DocumentType.RETURN


def test_what_the_classic_commands_cannot_carry_is_refused_before_sending(recorded):
    recorded.open_shift()
    recorded.open_receipt(ReceiptKind.SALE)
    with pytest.raises(NotInProfile):
        recorded.add_item(line("Товар", 10000, tax="vat20_120"))  # group 5: no classic tax byte
    recorded.add_item(line("Товар", 10000))
    with pytest.raises(NotInProfile):
        recorded.close_receipt(Payments({"prepayment": 10000}), total=10000)  # type 14 > 4
    assert len(recorded.link.sent_for(0x80)) == 1 and not recorded.link.sent_for(0x85)
