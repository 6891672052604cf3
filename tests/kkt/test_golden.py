"""Request and answer layouts pinned to frames from real registers and the vendor's own examples.

Sources (bytes copied as facts, LRCs checked by ``decode``):
- DRVFR: VitalyKravtsov2016/logplayer, test/LogPlayerTst/Bin/Data/Protocol1_big.log -- a log of
  the vendor's DrvFR 5.25 driving a ШТРИХ-ЛАЙТ-02Ф (FN firmware) on 15.01.2026.
- JAVAPOS: shtrih-m/javapos_shtrih, Source/FiscalPrinterService/test/.../FSFindDocumentTests.java
  -- the vendor's JavaPOS tests of FF0A.
- Field meanings: the vendor's "Протокол работы ККТ с ФН" v1.17 (re-star-ru/shtrih-m-driver,
  docs/protocol_1.17_24.06.pdf).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from drivers.fiscal_register import DocumentType, Payments, ReceiptKind
from drivers.profile import PROFILE_DIR, load_directory, load_profile
from drivers.shtrih import values as v
from drivers.shtrih.detect import matching_profile
from drivers.shtrih.errors import BadParameters, NotSupportedInMode, PaperOut, device_error
from drivers.shtrih.frame import Frame, decode, encode
from drivers.shtrih.register import (
    SERIAL_TABLE,
    ShtrihRegister,
    close_v2_request,
    operation_v2_request,
    parse_close_v2,
    parse_device_type,
    parse_found_document,
    parse_full_status,
    parse_short_status,
)
from sim.kkt import device as emulated
from sim.kkt import identity
from sim.kkt.device import Device
from tests.kkt.conftest import item


def frame(text: str) -> bytes:
    return bytes.fromhex(text.replace(" ", "").replace("\n", ""))


PASSWORD_30 = bytes([0x1E, 0, 0, 0])

# DRVFR, lines 776-785: 0x11 and its 48-byte answer (mode 4 = shift closed)
FULL_STATUS_REQUEST = frame("02 05 11 1E 00 00 00 0A")
FULL_STATUS_ANSWER = frame(
    "02 30 11 00 1E 54 33 1C 1C 11 0C 19 01 DF 00 92 02 04 00 02 57 41"
    "00 00 01 01 10 0F 01 1A 10 07 28 00 86 45 00 00 5A 00 00 00"
    "00 00 12 8C 86 42 02 00 F8"
)
# DRVFR, lines 659-667: 0xFC
DEVICE_TYPE_REQUEST = frame("02 01 FC FD")
DEVICE_TYPE_ANSWER = frame("02 16 FC 00 00 00 01 0E FC 00 D8 D2 D0 C8 D5 2D CB C0 C9 D2 2D 30 32 D4 18")
# DRVFR, lines 855-863: 0x1F read table 18, row 1, field 1 (the serial number)
SERIAL_REQUEST = frame("02 09 1F 1E 00 00 00 12 01 00 01 1A")
SERIAL_ANSWER = frame("02 17 1F 00 30 33 39 32 31 39 30 30 30 38 30 31 37 37 39 38 00 30 30 30 00 30")
# DRVFR, lines 1761-1768 and 1897-1904: open shift, open a return receipt (type 2)
OPEN_SHIFT_REQUEST = frame("02 05 E0 1E 00 00 00 FB")
OPEN_SHIFT_ANSWER = frame("02 03 E0 00 1E FD")
OPEN_RETURN_REQUEST = frame("02 06 8D 1E 00 00 00 02 97")
OPEN_RETURN_ANSWER = frame("02 03 8D 00 1E 90")
OPEN_RECEIPT_REFUSED = frame("02 02 8D 73 FC")  # line 2339: 0x73, not in this mode
# DRVFR, line 1991: 0x10 with a return receipt open (mode 0x28 = 8.2)
SHORT_STATUS_RETURN_OPEN = frame("02 10 10 00 1E 92 02 28 00 00 9F 2B 00 00 00 75 02 24 41")
# DRVFR, lines 2020-2028: FF46 operation V2 ("Товар", return, 1 x 100.00, tax 10.00)
OPERATION_V2_REQUEST = frame(
    "02 25 FF 46 1E 00 00 00 02 40 42 0F 00 00 00 10 27 00 00 00"
    "10 27 00 00 00 E8 03 00 00 00 CB 01 01 21 D2 EE E2 E0 F0 42"
)
OPERATION_V2_ANSWER = frame("02 03 FF 46 00 BA")
# DRVFR, lines 2202-2215: FF45 close V2 and its refusal 0x4D (cashless sums above the total)
CLOSE_V2_REQUEST = frame(
    "02 87 FF 45 1E 00 00 00 10 27 00 00 00 64 00 00 00 00 F4 01"
    "00 00 00 58 02 00 00 00 BC 02 00 00 00 20 03 00 00 00 84 03"
    "00 00 00 E8 03 00 00 00 4C 04 00 00 00 B0 04 00 00 00 14 05"
    "00 00 00 78 05 00 00 00 DC 05 00 00 00 C8 00 00 00 00 2C 01"
    "00 00 00 90 01 00 00 00 00 64 00 00 00 00 C8 00 00 00 00 2C"
    "01 00 00 00 90 01 00 00 00 F4 01 00 00 00 58 02 00 00 00 01"
    "D1 F2 F0 EE EA E0 20 E4 EB FF 20 EF E5 F7 E0 F2 E8 6D"
)
CLOSE_V2_REFUSED = frame("02 03 FF 45 4D F4")
# DRVFR, lines 2057-2065: FF4D, a TLV bound to the operation (tag 1293, 8 bytes)
OPERATION_TLV_REQUEST = frame("02 12 FF 4D 1E 00 00 00 0D 05 08 00 01 00 00 00 00 00 00 00 BF")
CLOSE_V2_SUMS = [10000, 100, 500, 600, 700, 800, 900, 1000, 1100, 1200, 1300, 1400, 1500, 200, 300, 400]
CLOSE_V2_TAXES = [100, 200, 300, 400, 500, 600]

# JAVAPOS: FF0A for FD 163 (frame bodies; the tests there build no STX/LEN/LRC)
FIND_REQUEST_BODY = bytes([0xFF, 0x0A, 0x1E, 0, 0, 0, 0xA3, 0, 0, 0])
FIND_RECEIPT_BODY = bytes(
    [0xFF, 0x0A, 0x00, 0x03, 0x00, 0x11, 0x03, 0x18, 0x14, 0x35, 0xA3, 0, 0, 0]
) + bytes([0xEB, 0xEA, 0x4B, 0x2E, 0x01, 0x20, 0x4E, 0x00, 0x00, 0x00])
FIND_REGISTRATION_BODY = (
    bytes([0xFF, 0x0A, 0x00, 0x01, 0x00, 0x11, 0x07, 0x06, 0x02, 0x34, 0x01, 0, 0, 0, 0xB7, 0x9F, 0xD1, 0x4D])
    + b"5024054445  "  # INN, ASCII, 12 bytes
    + b"0000001358026131    "  # registration number, ASCII, 20 bytes
    + bytes([0x3F, 0x01])  # tax systems, work mode
)

CAPTURED = [
    FULL_STATUS_REQUEST,
    FULL_STATUS_ANSWER,
    DEVICE_TYPE_REQUEST,
    DEVICE_TYPE_ANSWER,
    SERIAL_REQUEST,
    SERIAL_ANSWER,
    OPEN_SHIFT_REQUEST,
    OPEN_SHIFT_ANSWER,
    OPEN_RETURN_REQUEST,
    OPEN_RETURN_ANSWER,
    OPEN_RECEIPT_REFUSED,
    SHORT_STATUS_RETURN_OPEN,
    OPERATION_V2_REQUEST,
    OPERATION_V2_ANSWER,
    CLOSE_V2_REQUEST,
    CLOSE_V2_REFUSED,
    OPERATION_TLV_REQUEST,
]


class DeviceLink:
    """The emulated device in-process, behind the link's one method; keeps every request sent."""

    def __init__(self, device: Device):
        self.device = device
        self.sent: list[bytes] = []

    def transact(self, command: int, data: bytes, timeout: float) -> Frame:
        raw = encode(command, data)
        self.sent.append(raw)
        return Frame.from_body(self.device.handle(decode(raw).body))

    def sent_for(self, command: int) -> list[bytes]:
        return [raw for raw in self.sent if decode(raw).command == command]

    def close(self) -> None:
        self.sent.clear()


@pytest.fixture
def register(tmp_path):
    link = DeviceLink(Device(tmp_path / "state.json"))
    profile = load_profile(PROFILE_DIR / "shtrih-m-01f.toml")
    return ShtrihRegister(link, profile, operator_password=30, admin_password=30)


@pytest.mark.parametrize("raw", CAPTURED)
def test_captured_frames_are_whole(raw):
    assert decode(raw).encode() == raw


def test_full_status_offsets_match_a_real_answer():
    answer = decode(FULL_STATUS_ANSWER)
    assert answer.data[0] == 0 and len(answer.body) == 48  # v1.17: "Длина сообщения: 48"
    status = parse_full_status(answer.data[1:])
    assert status["operator"] == 30
    assert status["firmware"] == "T3 build 7196"
    assert status["mode"] == 4 and status["submode"] == 0
    assert status["serial"] == 17798  # the low digits of the table-18 serial 0392190008017798
    assert status["last_shift"] == 90
    assert status["inn"] == 0x0242868C12


def test_emulator_full_status_has_the_real_length(tmp_path):
    body = Device(tmp_path / "state.json").handle(decode(FULL_STATUS_REQUEST).body)
    assert len(body) == len(decode(FULL_STATUS_ANSWER).body)
    status = parse_full_status(body[2:])
    assert status["serial"] == int(identity.EMULATOR_SERIAL)
    assert status["inn"] == int(identity.EMULATOR_INN) and status["mode"] == 4


def test_device_type_layout_matches_a_real_answer(tmp_path):
    assert encode(0xFC) == DEVICE_TYPE_REQUEST
    real = parse_device_type(decode(DEVICE_TYPE_ANSWER).data[1:])
    assert real == {
        "type": 0,
        "subtype": 0,
        "protocol": "1.14",
        "model_id": 252,
        "language": 0,
        "model": "ШТРИХ-ЛАЙТ-02Ф",
    }
    # v1.17's table of models: ШТРИХ-М-01Ф is type 0, subtype 0, protocol 1.14, model 250
    mine = parse_device_type(Device(tmp_path / "state.json").handle(b"\xfc")[2:])
    assert mine == dict(real, model_id=250, model=identity.EMULATOR_MODEL)


def test_serial_is_read_from_table_18_like_the_vendor_driver(register):
    table, row, field = SERIAL_TABLE
    assert encode(0x1F, PASSWORD_30 + bytes([table]) + v.le(row, 2) + bytes([field])) == SERIAL_REQUEST
    assert v.parse_text(decode(SERIAL_ANSWER).data[1:]) == "0392190008017798"
    info = register.device_info()
    assert register.link.sent_for(0x1F) == [SERIAL_REQUEST]
    assert info.serial == identity.EMULATOR_SERIAL
    assert info.fn_serial == identity.EMULATOR_FN_SERIAL  # FF02, not FF03 (the FN's expiry date)
    assert info.registration_number == identity.EMULATOR_REGISTRATION_NUMBER  # FF0A of FD 1 (tag 1037)
    assert [decode(raw).command for raw in register.link.sent] == [0xFC, 0x11, 0xFF0A, 0x1F, 0xFF02]


def test_fn_expiry_is_ff03(tmp_path):
    body = Device(tmp_path / "state.json").handle(encode(0xFF03, PASSWORD_30)[2:-1])
    year, month, day = identity.EMULATOR_FN_EXPIRES
    assert body[:6] == bytes([0xFF, 0x03, 0, year % 100, month, day])


def test_driver_frames_for_shift_and_receipt_match_the_vendor_driver(register):
    register.open_shift()
    assert register.link.sent_for(0xE0) == [OPEN_SHIFT_REQUEST]
    register.open_receipt(ReceiptKind.RETURN)
    assert register.link.sent_for(0x8D) == [OPEN_RETURN_REQUEST]
    answer = register.link.device.handle(decode(frame("02 05 10 1E 00 00 00 0B")).body)
    assert (
        parse_short_status(answer[2:])["mode"]
        == parse_short_status(decode(SHORT_STATUS_RETURN_OPEN).data[1:])["mode"]
        == 0x28
    )


def test_emulator_answers_shift_and_receipt_like_the_real_register(tmp_path):
    device = Device(tmp_path / "state.json")
    assert device.handle(decode(OPEN_SHIFT_REQUEST).body) == decode(OPEN_SHIFT_ANSWER).body
    assert device.handle(decode(OPEN_RETURN_REQUEST).body) == decode(OPEN_RETURN_ANSWER).body
    assert device.handle(decode(OPERATION_V2_REQUEST).body) == decode(OPERATION_V2_ANSWER).body
    # a second receipt while one is open: the register refuses with the error byte alone
    assert len(device.handle(decode(OPEN_RETURN_REQUEST).body)) == len(decode(OPEN_RECEIPT_REFUSED).body)


def test_operation_v2_request_is_byte_for_byte_the_vendor_drivers():
    data = operation_v2_request(
        operation=2,
        quantity=Decimal("1.000"),
        price=10000,
        amount=10000,
        tax_amount=1000,
        tax=0xCB,
        department=1,
        payment_method=1,
        payment_object=0x21,
        name="Товар".encode("cp1251"),
    )
    assert encode(0xFF46, PASSWORD_30 + data) == OPERATION_V2_REQUEST
    line = emulated.parse_operation_v2(decode(OPERATION_V2_REQUEST).data[4:])
    assert line == {
        "operation": 2,
        "quantity": Decimal("1.000"),
        "price": 10000,
        "amount": 10000,
        "tax_amount": 1000,
        "tax": 0xCB,
        "department": 1,
        "payment_method": 1,
        "payment_object": 33,
        "name": "Товар",
    }


def test_driver_sends_operation_v2_in_the_same_layout(register):
    register.open_shift()
    register.open_receipt(ReceiptKind.RETURN)
    register.add_item(item(1, price=10000))
    (raw,) = register.link.sent_for(0xFF46)
    sent = decode(raw).data
    real = decode(OPERATION_V2_REQUEST).data
    assert sent[:21] == real[:21]  # password, operation 2, quantity, price, sum
    assert sent[21:26] == b"\xff" * 5  # tax sum unset: the register computes it
    assert sent[26] == 1 and sent[27] == 1  # tax bit 1 (vat20 in the profile), department 1
    assert sent[28:30] == bytes([4, 1])  # full payment (1214), commodity (1212)
    assert sent[30:] == "Товар №1".encode("cp1251")


def test_close_v2_request_is_byte_for_byte_the_vendor_drivers():
    data = close_v2_request(
        CLOSE_V2_SUMS,
        rounding=0,
        taxes=CLOSE_V2_TAXES,
        tax_system=1,
        text="Строка для печати".encode("cp1251"),
    )
    assert encode(0xFF45, PASSWORD_30 + data) == CLOSE_V2_REQUEST
    request = emulated.parse_close_v2(decode(CLOSE_V2_REQUEST).data[4:])
    assert request == {
        "sums": CLOSE_V2_SUMS,
        "rounding": 0,
        "taxes": CLOSE_V2_TAXES,
        "tax_system": 1,
        "text": "Строка для печати",
    }


def test_close_v2_answer_layout(register):
    register.open_shift()
    register.open_receipt(ReceiptKind.SALE)
    register.add_item(item(1, price=10000))
    body = register.link.device.handle(
        encode(0xFF45, PASSWORD_30 + close_v2_request([12000] + [0] * 15, tax_system=1))[2:-1]
    )
    assert body == bytes([0xFF, 0x45, 0x19])  # ОСН: the emulated FN is registered for УСН доход only
    body = register.link.device.handle(
        encode(0xFF45, PASSWORD_30 + close_v2_request([12000] + [0] * 15, tax_system=2))[2:-1]
    )
    assert body[:3] == bytes([0xFF, 0x45, 0]) and len(body) == 21  # v1.17: 16 (21) bytes
    closed = parse_close_v2(body[3:], ZoneInfo("Europe/Moscow"))
    assert closed["change"] == 2000 and closed["fd"] == 3
    assert closed["datetime"].tzinfo is UTC
    moment = datetime.fromisoformat(register.link.device.state.documents[-1]["datetime"])
    assert closed["datetime"] == moment.replace(second=0)  # the FN's wall clock is Moscow's


def test_refusals_in_the_capture_map_to_typed_errors():
    assert isinstance(device_error(decode(OPEN_RECEIPT_REFUSED).data[0]), NotSupportedInMode)
    refused = device_error(decode(CLOSE_V2_REFUSED).data[0])
    assert isinstance(refused, BadParameters)
    assert refused.params["description"] == "cashless payments exceed the receipt total"
    assert isinstance(device_error(0x6C), PaperOut)


def test_find_document_answers_from_the_vendor_tests(register):
    assert encode(0xFF0A, PASSWORD_30 + v.le(163, 4))[2:-1] == FIND_REQUEST_BODY
    found = parse_found_document(FIND_RECEIPT_BODY[3:])
    assert found.type == DocumentType.RECEIPT and found.fd == 163
    assert found.fiscal_sign == str(0x2E4BEAEB) and found.total == 20000
    assert found.fiscalized_at == datetime(2017, 3, 24, 20, 53, tzinfo=UTC)
    registration = parse_found_document(FIND_REGISTRATION_BODY[3:])
    assert registration.type == DocumentType.OTHER and registration.fd == 1
    assert registration.fiscalized_at == datetime(2017, 7, 6, 2, 52, tzinfo=UTC)
    # the emulator's registration report has the same length and ASCII, space-padded INN/RNM
    mine = register.link.device.handle(encode(0xFF0A, PASSWORD_30 + v.le(1, 4))[2:-1])
    assert len(mine) == len(FIND_REGISTRATION_BODY)
    assert mine[18:30] == identity.EMULATOR_INN.ljust(12).encode()


def test_fn_commands_take_the_system_administrators_password(tmp_path):
    device = Device(tmp_path / "state.json")
    cashier = v.le(1, 4)
    assert device.handle(encode(0x10, cashier)[2:-1])[1] == 0
    for command in (0xFF01, 0xFF02, 0xFF0A, 0xFF39, 0xFF40, 0x1F):
        assert device.handle(encode(command, cashier)[2:-1])[2 if command > 0xFF else 1] == 0x4F


def test_tlv_is_tag_and_length_little_endian_like_the_vendor_driver(register):
    value = bytes([1, 0, 0, 0, 0, 0, 0, 0])
    assert encode(0xFF4D, PASSWORD_30 + v.tlv(1293, value)) == OPERATION_TLV_REQUEST
    register.open_shift()
    register.open_receipt(ReceiptKind.SALE)
    register.add_tag(1008, "buyer@example.ru")
    (raw,) = register.link.sent_for(0xFF0C)
    assert decode(raw).data == PASSWORD_30 + bytes([0xF0, 0x03, 16, 0]) + b"buyer@example.ru"


def test_shift_parameters_and_exchange_status(register):
    device = register.link.device
    register.open_shift()
    shift = device.handle(encode(0xFF40, PASSWORD_30)[2:-1])[3:]
    assert shift == bytes([1, 1, 0, 0, 0])  # open, shift 1, no receipt yet
    device.set_ofd_online(False)
    status = device.handle(encode(0xFF39, PASSWORD_30)[2:-1])[3:]
    assert status[0] == emulated.OFD_HAS_MESSAGE and v.from_le(status[2:4]) == 1
    assert v.from_le(status[4:8]) == register.fn_status().last_fd


def test_profiles_match_the_names_registers_give_in_fc():
    profiles, _errors = load_directory(PROFILE_DIR)
    # v1.17's table of models: the name each register returns in 0xFC
    assert matching_profile("ШТРИХ-М-01Ф", profiles) == "shtrih-m-01f"
    assert matching_profile("ШТРИХ-ЛАЙТ-01Ф", profiles) == "shtrih-light-01f"


def commands(link: DeviceLink) -> list[int]:
    return [decode(raw).command for raw in link.sent]


def test_a_receipt_after_the_probe_asks_nothing_twice(register):
    register.open_shift()
    register.status_with_fn()  # FF03 and FF0A: read once per FN
    register.link.sent.clear()
    status, fn = register.status_with_fn()
    register.open_receipt(ReceiptKind.SALE)
    register.add_item(item(1))
    result = register.close_receipt(Payments({"cash": 10000}), total=10000)
    # the close needs the FD before it and the shift: the probe read both, and nothing since
    # could have changed them
    assert commands(register.link) == [0x10, 0xFF01, 0xFF40, 0x8D, 0xFF46, 0xFF4D, 0x89, 0xFF45]
    assert status.last_fd == fn.last_fd and result.fd == fn.last_fd + 1
    assert result.shift == status.shift_number == fn.shift_number


def test_the_close_asks_again_after_a_command_that_may_have_made_a_document(register):
    register.open_shift()
    register.status_with_fn()
    register.cash_in(5000)  # not known to leave the FN's counters alone
    register.link.sent.clear()
    register.open_receipt(ReceiptKind.SALE)
    register.add_item(item(1))
    result = register.close_receipt(Payments({"cash": 10000}), total=10000)
    assert commands(register.link) == [0x8D, 0xFF46, 0xFF4D, 0x89, 0xFF01, 0xFF40, 0xFF45]
    assert result.shift == register.status().shift_number
