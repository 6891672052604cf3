"""Marked goods (FFD 1.2) on the Shtrih-M: the driver's frames and the emulated FN's answers.

Golden frames are written out byte by byte (STX, LEN, command, password 30 = 1E 00 00 00, data,
LRC) from the layouts of the vendor's protocol as its JavaPOS driver (shtrih-m/javapos_shtrih,
Source/Core/src/com/shtrih/fiscalprinter/command/FSCheckMC.java, FSAcceptMC.java, FSBindMC.java;
sequence in SMFiscalPrinterImpl.checkItemCode and FSSalesReceipt.printReceiptItem) documents
them: FF61 planned status (2003), mode, code length, TLV length, code, TLV (2108 and 1023 for a
measured item); its answer local status, reason, code type (2100), length of the online part,
the FN's code for the online answer, the 2106 result, the answer's tags; FF69 the decision, its
answer the 2106 result; FF67 code length and code after the position's FF46 and FF4D. The 2106
bits as that driver's checkTag2106 reads them; the FN's marking errors (0xA1, 0xA3, 0xAA, 0xAC)
from its message table (FSPrinterErrorA1...). The local status as 2106's low bits (bit 0 checked
with the key, bit 1 genuine), the online part's FN code (0 answered, 0x20 refused with its reason,
0xFF no answer in time) and FF67's answer (code type 0x444D "DM" high byte first, the Data Matrix
kind, then the check) as the vendor's DrvFR log parser reads them (VitalyKravtsov2016/logplayer,
src/LogPlayer/Unit/CommandParser.pas: DecodeKMAnswer, DecodeKMSendAnswer, CheckItemLocalResultToStr,
MarkingTypeToStr2; Commands/ParserCommandFF61.pas, FF67, FF69).
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from drivers.fiscal_register import (
    IndustryRequisite,
    MarkLocal,
    MarkLocalReason,
    MarkOnline,
    MarkPlan,
    MarkVerdict,
    Payments,
    ReceiptItem,
    ReceiptKind,
)
from drivers.profile import PROFILE_DIR, load_profile
from drivers.shtrih.errors import InvalidMarkCode, MarkSequence, NotInProfile
from drivers.shtrih.frame import decode
from drivers.shtrih.register import ShtrihRegister, fvln, parse_mark_check
from sim.kkt import device as emulated
from sim.kkt import marks
from sim.kkt.device import Device
from sim.kkt.state import load_state
from tests.kkt.test_golden import DeviceLink, register  # noqa: F401

MILK_GTIN = "04607034940027"
MILK = "0104607034940027215hYqgQ\x1d93Y2f4"  # dairy: 01 GTIN, 21 serial (6), GS, 93 check code (4)
# FF61: plan 1 (piece sold), mode 0, code length 0x1F, no TLV, the code as scanned
CHECK_MILK = bytes.fromhex(
    "02 29 ff 61 1e 00 00 00 01 00 1f 00 30 31 30 34 36 30 37 30 33 34 39 34 30 30 32 37 32 31 35"
    " 68 59 71 67 51 1d 39 33 59 32 66 34 d2"
)
# FF61 of a measured unit: plan 2, TLV 12 bytes: 2108 (3C 08) = 0B (kg), 1023 (FF 03) FVLN 0.537
CHECK_MILK_KG = bytes.fromhex(
    "02 35 ff 61 1e 00 00 00 02 00 1f 0c 30 31 30 34 36 30 37 30 33 34 39 34 30 30 32 37 32 31 35"
    " 68 59 71 67 51 1d 39 33 59 32 66 34 3c 08 01 00 0b ff 03 03 00 03 19 02 18"
)
ACCEPT = bytes.fromhex("02 07 ff 69 1e 00 00 00 01 8e")
REJECT = bytes.fromhex("02 07 ff 69 1e 00 00 00 00 8f")
BIND_MILK = bytes.fromhex(
    "02 26 ff 67 1e 00 00 00 1f 30 31 30 34 36 30 37 30 33 34 39 34 30 30 32 37 32 31 35 68 59 71 67"
    " 51 1d 39 33 59 32 66 34 da"
)
# FF61 answers: local status 03 (bit 0 checked with the key, bit 1 genuine), type 2 (88), online
# 7 bytes: FN code 0, 2106 = 0F, 2109 = 1
ANSWER_VALID = bytes.fromhex("02 0e ff 61 00 03 00 02 07 00 0f 3d 08 01 00 01 ac")
# not checked (1: this type is not checked in the FN), type 5, no online part: offline
ANSWER_OFFLINE = bytes.fromhex("02 07 ff 61 00 00 01 05 00 9d")
# the same, online part 1 byte: FF, the national system did not answer within the FN's wait
ANSWER_NO_ANSWER = bytes.fromhex("02 08 ff 61 00 00 01 05 01 ff 6c")
# checked negative, online: 2106 = 05, 2109 = 2 (planned status incorrect)
ANSWER_FORGED = bytes.fromhex("02 0e ff 61 00 01 00 02 07 00 05 3d 08 01 00 02 a7")
# the FN refused the online answer (0x20), the reason 5: wrong CRC of the data block
ANSWER_REFUSED = bytes.fromhex("02 09 ff 61 00 00 01 05 02 20 05 b4")

OBJECT_OFFSET = (
    33  # FF46 frame: STX LEN FF 46 password op qty(6) price(5) sum(5) tax sum(5) tax dept 1214 1212
)


def answer_data(raw: bytes) -> bytes:
    """After the command and the error byte."""
    return decode(raw).data[1:]


def test_check_accept_and_bind_frames(register):  # noqa: F811
    register.open_shift()
    assert register.check_mark(MILK, MarkPlan.PIECE_SOLD, Decimal(1), "pcs").verdict == MarkVerdict.VALID
    register.accept_mark(True)
    assert register.link.sent[-2:] == [CHECK_MILK, ACCEPT]
    register.open_receipt(ReceiptKind.SALE)
    register.add_item(ReceiptItem("Молоко", Decimal(1), 9000, 9000, "vat20", mark=MILK))
    line, unit, bind = register.link.sent[-3:]
    assert decode(line).command == 0xFF46 and line[OBJECT_OFFSET] == 33  # 1212: goods with a code
    assert decode(unit).command == 0xFF4D
    assert bind == BIND_MILK
    register.close_receipt(Payments({"cash": 9000}), total=9000, tax_system="usn_income")
    (doc,) = [d for d in register.link.device.state.documents if d["type"] == "receipt"]
    assert doc["items"][0]["mark"]["code"] == MILK and doc["items"][0]["mark"]["result"] == 0x0C


# FF4D with tag 1260 (EC 04, 0x5D bytes): 1262 (EE 04) "030", 1263 (EF 04) "21.11.2023",
# 1264 (F0 04) "1944", 1265 (F1 04) the online check's "UUID=...&Time=..." (60 bytes)
PERMISSIVE_UUID = "UUID=fb3e0d6a-4f0e-4b36-b1ab-5f7c1e1c7a01&Time=1700000000000"
INDUSTRY = bytes.fromhex(
    "02 67 ff 4d 1e 00 00 00 ec 04 5d 00 ee 04 03 00 30 33 30 ef 04 0a 00 32 31 2e 31 31 2e 32 30 32"
    " 33 f0 04 04 00 31 39 34 34 f1 04 3c 00 55 55 49 44 3d 66 62 33 65 30 64 36 61 2d 34 66 30 65 2d"
    " 34 62 33 36 2d 62 31 61 62 2d 35 66 37 63 31 65 31 63 37 61 30 31 26 54 69 6d 65 3d 31 37 30 30"
    " 30 30 30 30 30 30 30 30 30 5f"
)


def test_the_permissive_modes_industry_requisite_goes_with_its_position(register):  # noqa: F811
    register.open_shift()
    register.check_mark(MILK, MarkPlan.PIECE_SOLD, Decimal(1), "pcs")
    register.accept_mark(True)
    register.open_receipt(ReceiptKind.SALE)
    requisite = IndustryRequisite("030", date(2023, 11, 21), "1944", PERMISSIVE_UUID)
    register.add_item(ReceiptItem("Молоко", Decimal(1), 9000, 9000, "vat20", mark=MILK, industry=requisite))
    assert register.link.sent[-2:] == [INDUSTRY, BIND_MILK]  # after the position and its unit
    register.close_receipt(Payments({"cash": 9000}), total=9000, tax_system="usn_income")
    (doc,) = [d for d in register.link.device.state.documents if d["type"] == "receipt"]
    assert json.loads(doc["items"][0]["tags"]["1260"]) == {
        "1262": "030",
        "1263": "21.11.2023",
        "1264": "1944",
        "1265": PERMISSIVE_UUID,
    }


@pytest.mark.parametrize(
    "inner",
    [
        "ee 04 03 00 30 33 30",  # 1263, 1264, 1265 missing
        # the 32nd of November
        "ee 04 03 00 30 33 30 ef 04 0a 00 33 32 2e 31 31 2e 32 30 32 33 f0 04 01 00 31 f1 04 01 00 78",
        "ee 04 03 00 30 33 30 ee 04 03 00 30 33 30",  # 1262 twice
        "b3 04 0c 00 35 30 30 31 30 30 37 33 32 32 35 39",  # a tag that is not a part of 1260
    ],
)
def test_a_malformed_industry_requisite_is_refused(device, inner):
    value = bytes.fromhex(inner)
    assert call(device, 0x8D, b"\x00")[0] == 0
    assert call(device, 0xFF46, position(payment_object=1))[0] == 0
    tlv = (1260).to_bytes(2, "little") + len(value).to_bytes(2, "little") + value
    assert call(device, 0xFF4D, tlv)[0] in (emulated.E_BAD_TAG, emulated.E_FN_MISSING)
    assert call(device, 0xFF0C, tlv)[0] == emulated.E_BAD_TAG  # a position's tag, not the receipt's


def test_a_measured_unit_is_checked_with_its_unit_and_quantity(register):  # noqa: F811
    register.check_mark(MILK, MarkPlan.MEASURED_SOLD, Decimal("0.537"), "kg")
    register.accept_mark(False)
    assert register.link.sent[-2:] == [CHECK_MILK_KG, REJECT]
    assert fvln(Decimal("0.537")) == bytes([3, 0x19, 0x02]) and fvln(Decimal("2.000")) == bytes([0, 2])


def test_answers_read_as_the_layout_says():
    valid = parse_mark_check(answer_data(ANSWER_VALID), MILK, MarkPlan.PIECE_SOLD)
    assert (valid.local, valid.online, valid.result, valid.code_type) == (
        MarkLocal.VALID,
        MarkOnline.STATUS_CORRECT,
        0x0F,
        2,
    )
    offline = parse_mark_check(answer_data(ANSWER_OFFLINE), MILK, MarkPlan.PIECE_SOLD)
    assert offline.local_reason == MarkLocalReason.NOT_CHECKABLE and offline.online == MarkOnline.NOT_CHECKED
    assert offline.verdict == MarkVerdict.NOT_CHECKED_ONLINE and offline.result == 0
    forged = parse_mark_check(answer_data(ANSWER_FORGED), MILK, MarkPlan.PIECE_SOLD)
    assert forged.verdict == MarkVerdict.INVALID and forged.online == MarkOnline.STATUS_INCORRECT
    late = parse_mark_check(answer_data(ANSWER_NO_ANSWER), MILK, MarkPlan.PIECE_SOLD)
    assert late.online == MarkOnline.NOT_CHECKED and late.online_error == 0xFF and late.result == 0
    refused = parse_mark_check(answer_data(ANSWER_REFUSED), MILK, MarkPlan.PIECE_SOLD)
    assert refused.online == MarkOnline.ANSWER_INVALID and refused.online_error == 0x20


def test_codes_the_device_cannot_take_are_refused_before_it(register):  # noqa: F811
    for bad in ("", "x" * 201, "01046070349400272Молоко", "0104607034940027\n21"):
        with pytest.raises(InvalidMarkCode):
            register.check_mark(bad, MarkPlan.PIECE_SOLD, Decimal(1), "pcs")
    assert register.link.sent == []


def test_the_classic_profile_cannot_mark(tmp_path):
    profile = load_profile(PROFILE_DIR / "shtrih-m-ptk.toml")
    classic = ShtrihRegister(
        DeviceLink(Device(tmp_path / "s.json")), profile, operator_password=30, admin_password=30
    )
    with pytest.raises(NotInProfile):
        classic.check_mark(MILK, MarkPlan.PIECE_SOLD, Decimal(1), "pcs")
    with pytest.raises(NotInProfile):
        classic.add_item(ReceiptItem("Молоко", Decimal(1), 9000, 9000, "vat20", mark=MILK))


# the emulated FN, spoken to byte by byte


PASSWORD = bytes([30, 0, 0, 0])


def call(device: Device, command: int, data: bytes = b"") -> tuple[int, bytes]:
    """The error byte and the data after it."""
    head = command.to_bytes(2 if command > 0xFF else 1, "big")
    answer = device.handle(head + PASSWORD + data)
    return answer[len(head)], answer[len(head) + 1 :]


def check(device: Device, code: str, plan: int = 1, tlv: bytes = b"") -> tuple[int, bytes]:
    raw = code.encode("ascii")
    return call(device, 0xFF61, bytes([plan, 0, len(raw), len(tlv)]) + raw + tlv)


def bind(device: Device, code: str) -> int:
    raw = code.encode("ascii")
    return call(device, 0xFF67, bytes([len(raw)]) + raw)[0]


def position(
    operation: int = 1, quantity: int = 1_000_000, price: int = 9000, payment_object: int = 33
) -> bytes:
    """FF46 data: operation, quantity (millionths), price, sum, tax sum unset, tax, department,
    1214, 1212, name."""
    amount = price * quantity // 1_000_000
    return (
        bytes([operation])
        + quantity.to_bytes(6, "little")
        + price.to_bytes(5, "little")
        + amount.to_bytes(5, "little")
        + b"\xff" * 5
        + bytes([0x01, 1, 4, payment_object])
        + "Молоко".encode("cp1251")
    )


UNIT_PCS = bytes.fromhex("3c 08 01 00 00")


@pytest.fixture
def device(tmp_path):
    device = Device(tmp_path / "state.json")
    assert call(device, 0xE0)[0] == 0
    return device


def sell(device: Device, code: str, kind: int = 0, operation: int = 1) -> int:
    """Open a receipt, one marked position with its unit and code, close it in cash; the last error."""
    assert call(device, 0x8D, bytes([kind]))[0] == 0
    assert call(device, 0xFF46, position(operation))[0] == 0
    assert call(device, 0xFF4D, UNIT_PCS)[0] == 0
    error = bind(device, code)
    if error:
        return error
    sums = (9000).to_bytes(5, "little") + bytes(75) + bytes([0]) + bytes(30) + bytes([0x02])
    return call(device, 0xFF45, sums)[0]


def accepted(device: Device, code: str, plan: int = 1) -> bytes:
    """Check and accept; FF69 answers the 2106 result: the online one, or the local bits alone."""
    error, answer = check(device, code, plan)
    assert error == 0
    answered = answer[3] >= 2 and answer[4] == 0
    assert call(device, 0xFF69, b"\x01") == (0, answer[5:6] if answered else answer[0:1])
    return answer


def test_genuine_codes_of_each_layout(device):
    shoes = marks.issue(MILK_GTIN, "shoes")
    error, answer = check(device, shoes)
    assert error == 0 and answer[:3] == bytes([3, 0, marks.TYPE_88])  # checked in the FN: genuine
    assert answer[4:6] == bytes([0, 0x0F]) and answer[6:] == bytes.fromhex("3d 08 01 00 01")
    for group, code_type in (("clothes", marks.TYPE_44), ("milk", 5), ("water", 5), ("tobacco", 1)):
        assert call(device, 0xFF69, b"\x00")[0] == 0
        error, answer = check(device, marks.issue(MILK_GTIN, group))
        assert error == 0 and answer[2] == code_type and answer[5] & 0x0C == 0x0C, group


def test_the_fn_finds_forged_and_malformed_codes(device):
    error, answer = check(device, marks.issue(MILK_GTIN, "shoes", forged=True))
    assert answer[:3] == bytes([1, 0, 2]) and answer[5] == 0x05  # checked negative; status refused
    call(device, 0xFF69, b"\x00")
    for malformed in ("0104607034940028215hYqgQ\x1d93Y2f4", "0104607034940027215hYqgQ93Y2f4", "hello"):
        error, answer = check(device, malformed)
        assert error == 0 and answer[:3] == bytes([0, marks.REASON_FORMAT, 0]), malformed
        call(device, 0xFF69, b"\x00")
    other_key = marks.issue(MILK_GTIN, "shoes").replace("91EE07", "91FF01")
    assert check(device, other_key)[1][:2] == bytes([0, marks.REASON_NO_KEY])


def test_a_sold_code_is_already_sold_on_a_sale_and_fine_on_a_return(device):
    accepted(device, MILK)
    assert sell(device, MILK) == 0
    assert load_state(device.state_path).marks_sold == ["04607034940027" + "5hYqgQ"]
    _error, answer = check(device, MILK, plan=1)
    assert answer[-1] == emulated.STATUS_INCORRECT and not answer[5] & 0x08
    call(device, 0xFF69, b"\x00")
    accepted(device, MILK, plan=3)
    assert sell(device, MILK, kind=2, operation=2) == 0
    assert load_state(device.state_path).marks_sold == []
    _error, answer = check(device, MILK, plan=3)  # not sold any more: it cannot come back again
    assert answer[-1] == emulated.STATUS_INCORRECT


def test_the_circulation_of_the_catalogs_suspended_goods_is_suspended(device):
    code = marks.issue("04619999999996", "milk")
    assert check(device, code)[1][-1] == emulated.STATUS_SUSPENDED


def test_refusals_of_the_marking_sequence(device):
    assert call(device, 0xFF69, b"\x01")[0] == emulated.E_MARK_SEQUENCE  # nothing checked
    assert bind(device, MILK) == emulated.E_FN_STATE  # no receipt
    assert call(device, 0x8D, b"\x00")[0] == 0
    assert bind(device, MILK) == emulated.E_MARK_SEQUENCE  # no position to bind to
    assert call(device, 0xFF46, position())[0] == 0
    assert bind(device, MILK) == emulated.E_MARK_UNCHECKED  # not checked and accepted
    check(device, MILK)
    assert bind(device, MILK) == emulated.E_MARK_UNCHECKED  # checked, not yet accepted
    call(device, 0xFF69, b"\x01")
    raw = MILK.encode("ascii")
    error, answer = call(device, 0xFF67, bytes([len(raw)]) + raw)
    assert error == 0 and answer[:3] == b"DM\x01"  # a symmetric (93) code
    assert answer[3:6] == bytes([0, 1, 5])  # not checked in the FN: not its type; type 5
    assert bind(device, MILK) == emulated.E_MARK_SEQUENCE  # the position has its code
    assert call(device, 0xFF46, position())[0] == 0
    assert bind(device, MILK) == emulated.E_FN_DUPLICATE  # one unit, one position


def test_a_marked_position_without_its_code_is_refused(device):
    assert call(device, 0x8D, b"\x00")[0] == 0
    assert call(device, 0xFF46, position())[0] == 0
    assert call(device, 0xFF4D, UNIT_PCS)[0] == 0
    assert call(device, 0xFF46, position())[0] == emulated.E_FN_MISSING
    sums = (9000).to_bytes(5, "little") + bytes(75) + bytes([0]) + bytes(30) + bytes([0x02])
    assert call(device, 0xFF45, sums)[0] == emulated.E_FN_MISSING


@pytest.mark.parametrize(
    ("plan", "kind", "operation", "quantity", "payment_object"),
    [
        (1, 2, 2, 1_000_000, 33),  # sold plan in a return
        (3, 0, 1, 1_000_000, 33),  # returned plan in a sale
        (1, 0, 1, 2_000_000, 33),  # a piece code for two pieces
        (1, 0, 1, 1_000_000, 1),  # a code on goods not sold as marked (1212 = 1)
    ],
)
def test_a_code_must_fit_its_position(device, plan, kind, operation, quantity, payment_object):
    accepted(device, MILK, plan)
    assert call(device, 0x8D, bytes([kind]))[0] == 0
    assert call(device, 0xFF46, position(operation, quantity, payment_object=payment_object))[0] == 0
    assert bind(device, MILK) == emulated.E_BAD_TAG


def test_a_measured_check_needs_its_unit_and_quantity(device):
    assert check(device, MILK, plan=2)[0] == emulated.E_MARK_TLV_MISSING
    assert check(device, MILK, plan=7)[0] == emulated.E_BAD_PARAMS
    tlv = bytes.fromhex("3c 08 01 00 0b ff 03 03 00 03 19 02")  # kg, 0.537
    assert check(device, MILK, plan=2, tlv=tlv)[0] == 0
    assert call(device, 0xFF69, b"\x01")[0] == 0
    assert call(device, 0x8D, b"\x00")[0] == 0
    assert call(device, 0xFF46, position(quantity=537_000, price=10000))[0] == 0
    assert bind(device, MILK) == 0


def test_the_check_table_holds_a_hundred_codes(device):
    for _ in range(emulated.MARK_TABLE_SIZE):
        accepted(device, marks.issue(MILK_GTIN))
    assert check(device, MILK)[0] == emulated.E_MARK_TABLE_FULL


def test_checked_codes_wait_for_the_next_receipt_and_its_close_uses_them_up(device):
    accepted(device, MILK)
    other = marks.issue(MILK_GTIN)
    accepted(device, other)
    accepted(device, MILK)  # checking again replaces the earlier result
    assert len(load_state(device.state_path).marks_accepted) == 2
    assert call(device, 0x8D, b"\x00")[0] == 0
    assert call(device, 0xFF46, position())[0] == 0
    assert bind(device, MILK) == 0
    assert call(device, 0x88)[0] == 0  # cancelled: the checks stay
    restarted = Device(device.state_path)  # a power cycle: the FN keeps them too
    assert len(restarted.state.marks_accepted) == 2
    assert sell(restarted, MILK) == 0
    assert restarted.state.marks_accepted == []  # the close used up the other one as well
    assert sell(restarted, other) == emulated.E_MARK_UNCHECKED


def test_offline_and_slow_online_checks(device):
    device.set_mark_online(False)
    error, answer = check(device, MILK)
    assert error == 0 and answer == bytes([0, 1, 5, 1, 0xFF]) and device.answer_delay == 0
    assert call(device, 0xFF69, b"\x01") == (0, b"\x00")  # 2106: nothing checked
    assert sell(device, MILK) == 0  # the rules let the shop sell it; the receipt says so
    doc = device.state.documents[-1]
    assert doc["items"][0]["mark"]["result"] == 0 and doc["items"][0]["mark"]["oism"] is None
    device.set_mark_online(True, delay=0.5)
    other = marks.issue(MILK_GTIN)
    assert check(device, other)[1][3] == 7 and device.answer_delay == 0.5
    call(device, 0xFF69, b"\x00")
    device.set_mark_online(True, delay=emulated.MARK_ONLINE_WAIT + 5)
    assert check(device, other)[1][3:] == b"\x01\xff" and device.answer_delay == emulated.MARK_ONLINE_WAIT
    call(device, 0xFF69, b"\x00")
    device.set_mark_online(True)
    device.set_ofd_online(False)  # the check goes through the OFD
    assert check(device, other)[1][3:] == b"\x01\xff"


def test_the_journal_shows_each_lines_code_and_check(device):
    accepted(device, MILK)
    assert sell(device, MILK) == 0
    (entry,) = [doc for doc in emulated.journal(device.state_path) if doc["type"] == "receipt"]
    mark = entry["items"][0]["mark"]
    assert (mark["code"], mark["plan"], mark["result"], mark["oism"]) == (MILK, 1, 0x0C, 1)


SHOES, SUSPENDED = "04690257528523", "04619999999996"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        # shoes: serial 13, 91 key id, 92 tail of 88 (the example of the rules' published layout)
        (
            "010469025752852321G+mgsHw<DiLN_\x1d91EE05\x1d92" + "A" * 88,
            ("04690257528523", "G+mgsHw<DiLN_", 88),
        ),
        (
            "0104600000000015211234567890123\x1d91EE07\x1d92" + "b" * 44,
            ("04600000000015", "1234567890123", 44),
        ),
        ("0104607034940027215hYqgQ\x1d93Y2f4", ("04607034940027", "5hYqgQ", None)),
        ("0104607034940027215hYqgQ\x1d93Y2f4\x1d3103000500", ("04607034940027", "5hYqgQ", None)),
        ("0104607034940027212AbCdEf\x1d8005012345\x1d93Y2f4", ("04607034940027", "2AbCdEf", None)),
        ("04607034940027-AbCdE=0150Y2f4", ("04607034940027", "-AbCdE=", None)),  # tobacco pack
    ],
)
def test_real_world_layouts_parse(code, expected):
    mark = marks.parse(code)
    assert mark is not None
    assert (mark.gtin, mark.serial, len(mark.crypto) if mark.crypto else None) == expected


@pytest.mark.parametrize(
    "code",
    [
        "0104607034940027215hYqgQ93Y2f4",  # the GS dropped by a keyboard-mode scanner
        "0104607034940026215hYqgQ\x1d93Y2f4",  # GTIN check digit wrong
        "0104607034940027215hYqgQ\x1d91EE07",  # a key id without its tail
        "0104607034940027215hYqgQ\x1d92" + "A" * 50,  # a tail of a length no group uses
        "0104607034940027215hYqgQ",  # no check code at all
        "",
    ],
)
def test_malformed_codes_do_not_parse(code):
    assert marks.parse(code) is None


def test_issued_codes_are_genuine_and_forged_ones_are_not():
    for group in marks.GROUPS:
        assert marks.genuine(marks.parse(marks.issue(MILK_GTIN, group))), group
        assert not marks.genuine(marks.parse(marks.issue(MILK_GTIN, group, forged=True))), group
    with pytest.raises(ValueError):
        marks.issue("04607034940028")


def test_the_driver_reports_the_fns_refusal_as_a_device_error(register):  # noqa: F811
    with pytest.raises(MarkSequence) as refused:
        register.accept_mark(True)  # nothing was checked
    assert refused.value.params["device_code"] == "0xA1"
    register.open_shift()
    register.open_receipt(ReceiptKind.SALE)
    with pytest.raises(MarkSequence) as unchecked:
        register.add_item(ReceiptItem("Молоко", Decimal(1), 9000, 9000, "vat20", mark=MILK))
    assert unchecked.value.params["device_code"] == "0xAC"
