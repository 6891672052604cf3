"""The emulated register refuses what the device refuses, each with the device's error code.

Every request is written out byte by byte from the vendor's documented layouts (never built
by the driver): FF46 is password (4), operation, quantity (6, millionths), price (5), sum (5),
tax sum (5), tax byte, department, 1214, 1212, name; FF45 is password, 16 sums of 5 bytes,
rounding, 6 tax sums, taxation system, text; TLV is tag (2), length (2), value.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from sim.kkt.device import Device

PWD = bytes([30, 0, 0, 0])
NO_TAX_SUM = b"\xff" * 5
UNIT_PCS = bytes([0xFF, 0x4D]) + PWD + bytes([0x3C, 0x08, 0x01, 0x00, 0x00])  # 2108 = 0 (pcs)


def money(kopecks: int) -> bytes:
    return kopecks.to_bytes(5, "little")


def ff46(
    *,
    quantity: int = 1_000_000,
    price: int = 10000,
    amount: bytes | None = None,
    tax: int = 0x01,
    department: int = 1,
    method: int = 4,
    subject: int = 1,
    name: bytes = "Хлеб".encode("cp1251"),
) -> bytes:
    return (
        bytes([0xFF, 0x46])
        + PWD
        + bytes([1])
        + quantity.to_bytes(6, "little")
        + money(price)
        + (money(price * quantity // 1_000_000) if amount is None else amount)
        + NO_TAX_SUM
        + bytes([tax, department, method, subject])
        + name
    )


def ff45(cash: int, *, rounding: int = 0, system: int = 0x02) -> bytes:
    return (
        bytes([0xFF, 0x45])
        + PWD
        + money(cash)
        + bytes(15 * 5)
        + bytes([rounding])
        + bytes(30)
        + bytes([system])
    )


def tlv(tag: int, value: bytes) -> bytes:
    return tag.to_bytes(2, "little") + len(value).to_bytes(2, "little") + value


@pytest.fixture
def device(tmp_path):
    return Device(tmp_path / "state.json")


def code(answer: bytes, command: bytes) -> int:
    assert answer[: len(command)] == command
    return answer[len(command)]


def open_shift(device):
    assert device.handle(bytes([0xE0]) + PWD)[1] == 0


def with_line(device, **line):
    open_shift(device)
    assert device.handle(bytes([0x8D]) + PWD + bytes([0]))[1] == 0
    answer = device.handle(ff46(**line))
    return code(answer, b"\xff\x46")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ({"quantity": 3_000_000, "price": 10000, "amount": money(27990)}, 0x33),  # 3 x 100.00 sent as 279.90
        ({"quantity": 3_000_000, "price": 9330, "amount": money(27990)}, 0x00),  # 279.90 exactly
        ({"quantity": 3_000_000, "price": 9330, "amount": money(27991)}, 0x00),  # one kopeck off: allowed
        ({"quantity": 3_000_000, "price": 9330, "amount": money(27992)}, 0x33),  # two: refused
        ({"tax": 0x03}, 0x33),  # two tax bits at once
        ({"tax": 0xCD}, 0x33),  # past the vendor's table
        ({"tax": 0xCB}, 0x00),  # 22 %
        ({"department": 17}, 0x63),
        ({"department": 255}, 0x00),
        ({"method": 0}, 0x33),
        ({"method": 8}, 0x33),
        ({"subject": 0}, 0x33),
        ({"subject": 28}, 0x33),
        ({"quantity": 0}, 0x62),
        ({"name": b""}, 0x33),
        ({"name": b"x" * 129}, 0x33),
    ],
)
def test_ff46_line_checks(device, line, expected):
    assert with_line(device, **line) == expected


def test_a_refused_line_changes_nothing(device):
    assert with_line(device, department=17) == 0x63
    assert device.state.receipt.items == []


def test_close_needs_the_unit_of_every_position(device):
    with_line(device)
    assert code(device.handle(ff45(10000)), b"\xff\x45") == 0x0D
    assert device.handle(UNIT_PCS) == b"\xff\x4d\x00"
    assert code(device.handle(ff45(10000)), b"\xff\x45") == 0x00


@pytest.mark.parametrize(
    ("system", "expected"),
    [(0x01, 0x19), (0x20, 0x19), (0x03, 0x33), (0x00, 0x33), (0x40, 0x33), (0x02, 0x00)],
)
def test_close_checks_the_taxation_system_against_the_registration(device, system, expected):
    with_line(device)
    device.handle(UNIT_PCS)
    assert code(device.handle(ff45(10000, system=system)), b"\xff\x45") == expected


def test_rounding_byte(device):
    with_line(device, price=10050)
    device.handle(UNIT_PCS)
    assert code(device.handle(ff45(10000, rounding=100)), b"\xff\x45") == 0x33
    assert code(device.handle(ff45(10000, rounding=50)), b"\xff\x45") == 0x00
    (doc,) = [d for d in device.state.documents if d["type"] == "receipt"]
    assert doc["total"] == 10000


def test_zero_total_is_refused(device):
    with_line(device, price=0)
    device.handle(UNIT_PCS)
    assert code(device.handle(ff45(0)), b"\xff\x45") == 0x8E


def test_tlv_needs_an_open_document(device):
    cashier = bytes([0xFF, 0x0C]) + PWD + tlv(1021, "Иванова".encode("cp866"))
    assert device.handle(cashier) == b"\xff\x0c\x02"
    assert device.handle(bytes([0xFF, 0x41]) + PWD) == b"\xff\x41\x00"  # begin opening the shift
    assert device.handle(cashier) == b"\xff\x0c\x00"
    open_shift(device)
    (opened,) = [d for d in device.state.documents if d["type"] == "shift_open"]
    assert opened["tags"] == {"1021": "Иванова"}
    assert device.handle(cashier) == b"\xff\x0c\x02"  # the report is made: nothing is open again


def test_position_tlv_needs_a_position(device):
    open_shift(device)
    assert device.handle(UNIT_PCS) == b"\xff\x4d\x02"


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (tlv(1203, b"7701234560"), 0x18),  # an organization's 10-digit INN
        (tlv(1203, b"50010073225x"), 0x18),
        (tlv(1203, b"500100732259"), 0x00),
        (tlv(1228, b"500100732259"), 0x18),  # FFD 1.2: the buyer only inside STLV 1256
        (tlv(1227, "ООО Ромашка".encode("cp866")), 0x18),
        (tlv(1256, tlv(1228, b"7707083893  ")), 0x00),  # an organization's 10 digits, padded
        (tlv(1256, tlv(1228, b"500100732259")), 0x00),  # or a person's 12
        (tlv(1256, tlv(1228, b"77070838931 ")), 0x18),
        (tlv(1256, tlv(1227, "ООО Ромашка".encode("cp866"))), 0x00),
        (tlv(1256, tlv(1227, b"x" * 129)), 0x18),
        (tlv(1008, b"a" * 65), 0x18),
        (tlv(1008, b"buyer\x1b[2J@example.ru"), 0x18),  # a control character
        (tlv(1008, b""), 0x18),
        (tlv(2108, b"\x00"), 0x18),  # a position's tag sent with FF0C
        (tlv(1021, b"x" * 300), 0x10),
        (b"\x15\x04\x09\x00ab", 0x33),  # a length past the end
    ],
)
def test_tag_types_and_lengths(device, entry, expected):
    with_line(device)
    assert code(device.handle(bytes([0xFF, 0x0C]) + PWD + entry), b"\xff\x0c") == expected


@pytest.mark.parametrize(("unit", "expected"), [(0, 0), (11, 0), (255, 0), (13, 0x18), (1, 0x18)])
def test_unit_codes(device, unit, expected):
    with_line(device)
    answer = device.handle(bytes([0xFF, 0x4D]) + PWD + tlv(2108, bytes([unit])))
    assert code(answer, b"\xff\x4d") == expected


def test_fn_past_its_date_refuses_documents(device):
    open_shift(device)
    device.expire_fn_in(0)  # valid through today
    last_day = device.fn_expires()
    device.shift_clock(25)
    assert device.handle(bytes([0x41]) + PWD)[1] == 0  # a Z report still closes the shift
    assert device.handle(bytes([0xE0]) + PWD)[1] == 0x12
    answer = device.handle(bytes([0xFF, 0x03]) + PWD)
    assert answer[:3] == b"\xff\x03\x00"
    assert answer[3:6] == bytes([last_day.year % 100, last_day.month, last_day.day])


def test_fn_warning_bits_come_days_ahead(device):
    def warnings():
        return device.handle(bytes([0xFF, 0x01]) + PWD)[3 + 4]

    assert warnings() == 0
    device.expire_fn_in(29)
    assert warnings() == 0b0010  # replace within 30 days
    device.expire_fn_in(2)
    assert warnings() == 0b0011  # and urgently: 3 days
    device.expire_fn_in(400)
    device.fill_fn(91)
    assert warnings() == 0b0100
    device.fill_fn(100)
    assert device.handle(bytes([0xE0]) + PWD)[1] == 0x14
    device.fill_fn(0)
    device.lose_ofd(26)
    assert warnings() == 0b1000
    device.lose_ofd(31)
    assert device.handle(bytes([0xE0]) + PWD)[1] == 0x15


def test_the_fn_clock_is_the_registers_wall_time(device):
    device.state.timezone = "Asia/Vladivostok"
    moment = device.handle(bytes([0xFF, 0x01]) + PWD)[3 + 5 : 3 + 10]
    local = datetime.now(device.now().tzinfo)
    assert moment[3] == local.hour or moment[3] == (local - timedelta(minutes=1)).hour
    assert device.now().utcoffset() == timedelta(hours=10)
