"""A Shtrih-M register with an FN as the agent's ``FiscalRegister``.

Receipts use the FN command set (FF46 lines, FF0C tags, FF45 close) which carries FFD
1.05+ attributes; a profile with ``operation_v2 = false`` (firmware without FF46/FF45) gets
the classic 0x80 sale / 0x82 return / 0x85 close instead, FF0C tags still going to the FN.
Shifts, reports and cash use the classic commands. Profile names ("vat20", "card",
"commodity") become device numbers here and nowhere else.

Layouts follow the vendor's "Протокол работы ККТ с ФН" v1.17 (Shtrih-M, 2021) and were
checked against frames a real register exchanged with the vendor's own driver; the module
level ``*_request`` builders and ``parse_*`` readers are what the golden-frame tests pin.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, tzinfo
from decimal import Decimal
from zoneinfo import ZoneInfo

from common.digits import is_digits
from drivers.fiscal_register import (
    RESULT_CHECKED,
    RESULT_GENUINE,
    RESULT_STATUS_CHECKED,
    RESULT_STATUS_OK,
    TAX_SYSTEMS,
    Cashier,
    Correction,
    DeviceInfo,
    DocumentType,
    FiscalResult,
    FnStatus,
    FoundDocument,
    IndustryRequisite,
    MarkCheck,
    MarkLocal,
    MarkLocalReason,
    MarkOnline,
    MarkPlan,
    NoExactPositions,
    OfdStatus,
    Payments,
    ReceiptItem,
    ReceiptKind,
    RegisterStatus,
    positions_of,
    rounded,
)
from drivers.profile import Profile
from drivers.register_text import TextField, safe_text
from drivers.shtrih import values as v
from drivers.shtrih.errors import (
    AnswerLost,
    CoverOpen,
    DeviceTimeout,
    FnNoData,
    InvalidCashierInn,
    InvalidMarkCode,
    LinkError,
    MarkedLineSplit,
    NotInProfile,
    NotSupportedInMode,
    PaperOut,
    ShiftAlreadyOpen,
    ShiftNotOpen,
    ShtrihError,
    TaxSystemNotRegistered,
    TotalMismatch,
    device_error,
)
from drivers.shtrih.link import Link

log = logging.getLogger(__name__)

# FF46 operation types (tag 1054) and the 0x8D receipt types that go with them
OPERATION = {
    ReceiptKind.SALE: 1,
    ReceiptKind.RETURN: 2,
    ReceiptKind.EXPENSE: 3,
    ReceiptKind.EXPENSE_RETURN: 4,
}
RECEIPT_TYPE = {
    ReceiptKind.SALE: 0,
    ReceiptKind.EXPENSE: 1,
    ReceiptKind.RETURN: 2,
    ReceiptKind.EXPENSE_RETURN: 3,
}
KIND_OF_MODE_STATE = {code: kind for kind, code in RECEIPT_TYPE.items()}
# 0x8D with bit 7 set opens a correction receipt of that kind (FFD 1.2): the vendor's JavaPOS
# driver opens its correction receipt types 0x80-0x83 this way and then sends FF46 positions
# with the kind's own operation type, FF0C tags and FF45, as for any receipt
CORRECTION_RECEIPT = 0x80
TAG_CORRECTION_TYPE = 1173  # byte: 0 on the shop's own initiative, 1 by the tax service's order
TAG_CORRECTION_BASIS = 1174  # STLV of 1178 and 1179
TAG_CORRECTED_DATE = 1178  # UnixTime (4 bytes): the day of the settlement being corrected
TAG_ORDER_NUMBER = 1179  # text, up to 32 bytes: the order's number

# FN document types of FF0A (FFD tag 1000 codes: 1 registration, 2 shift open, 3 receipt,
# 4 BSO, 5 shift close, 6 FN close, 11 re-registration, 21 settlement report, 31/41 correction)
FN_DOCUMENT_TYPES = {
    2: DocumentType.SHIFT_OPEN,
    3: DocumentType.RECEIPT,
    4: DocumentType.RECEIPT,
    5: DocumentType.SHIFT_CLOSE,
    31: DocumentType.CORRECTION,
    41: DocumentType.CORRECTION,
}
FN_CORRECTION_TYPES = (31, 41)
FN_RECEIPT_TYPES = (3, 4, *FN_CORRECTION_TYPES)
RETURN_OPERATION = 2  # tag 1054: 1 приход, 2 возврат прихода, 3 расход, 4 возврат расхода

# classic receipt lines: 0x80 sale (приход), 0x82 return sale (возврат прихода)
CLASSIC_LINE = {ReceiptKind.SALE: 0x80, ReceiptKind.RETURN: 0x82}
CLASSIC_CLOSE = 0x85
CLASSIC_PAYMENT_SLOTS = 4  # 0x85: cash, then payment types 2, 3 and 4
CLASSIC_TAX_GROUPS = 4  # the four tax bytes of 0x80/0x82/0x85 each hold 0 (none) or a group 1-4
CLASSIC_TEXT = 40

MODE_DOCUMENT_OPEN = 8
MODE_SHIFT_OPEN = 2
MODE_SHIFT_EXPIRED = 3

# commands that only read: safe to ask again when an answer was lost
QUERIES = frozenset({0xFC, 0x10, 0x11, 0x1F, 0x89, 0xFF01, 0xFF02, 0xFF03, 0xFF0A, 0xFF39, 0xFF40})
# commands that make no FN document and neither open nor close a shift: after them the FN's last
# FD and shift number are still what FF01/FF40 last said (a receipt's open, positions and tags)
KEEPS_COUNTERS = QUERIES | {0x8D, 0x80, 0x82, 0xFF0C, 0xFF46, 0xFF4D, 0xFF61, 0xFF67, 0xFF69}
# the protocol asks for the system administrator's password with these (classic 0x40/0x41
# take the administrator's); FF45/FF46 take the operator's, as the vendor's JavaPOS sends them
SYSADMIN_COMMANDS = frozenset(
    {0x1F, 0xFF01, 0xFF02, 0xFF03, 0xFF08, 0xFF0A, 0xFF0C, 0xFF39, 0xFF40, 0xFF41, 0xFF42, 0xFF4D, 0xFF61}
)
TAG_UNIT = 2108  # FFD 1.2: every position names its unit of measure (FF4D, after the position)
TAG_CASHIER = 1021
TAG_CASHIER_INN = 1203
CASHIER_INN_DIGITS = 12
# the buyer (FFD 1.2): one STLV 1256 holding 1227 (name) and 1228 (INN), as the vendor's JavaPOS
# driver wraps them (TLVFilter); FFD 1.05/1.1 take 1227 and 1228 at the receipt's top level.
# 1228 is fixed-size 12: an organization's 10-digit INN is right-padded with spaces (TLVTag.strToTLV)
TAG_BUYER_INFO = 1256
TAG_BUYER = 1227
TAG_BUYER_INN = 1228
BUYER_INN_SIZE = 12
BUYER_INN_DIGITS = (10, 12)

# the register's serial number: table 18 ("fiscal storage"), row 1, field 1; the 4 bytes
# in 0x11 hold only its low part on FN registers
SERIAL_TABLE = (18, 1, 1)

FN_WARNINGS = {0: "fn_replace_urgent", 1: "fn_replace_soon", 2: "fn_memory_low", 3: "ofd_timeout"}
PAYMENT_SLOTS = 16
TAX_SLOTS = 6
LINE_WIDTH = 40
NAME_LIMIT = 128
# the text fields: command text in CP1251, TLV in CP866 (FFD 1.2 sizes of the tags kassa sends)
TAG_TEXT_SIZE = 64
TEXT_FIELDS: dict[str | int, TextField] = {
    "item_name": TextField(v.TEXT_CODEC, NAME_LIMIT),
    "classic_item_name": TextField(v.TEXT_CODEC, CLASSIC_TEXT),
    "line": TextField(v.TEXT_CODEC, LINE_WIDTH),
    1008: TextField(v.TLV_CODEC, 64),  # buyer's phone or e-mail
    1021: TextField(v.TLV_CODEC, 64),  # cashier
    1203: TextField(v.TLV_CODEC, 12),  # cashier's INN
    1179: TextField(v.TLV_CODEC, 32),  # number of the tax service's order to correct
    1227: TextField(v.TLV_CODEC, 128),  # buyer
    1228: TextField(v.TLV_CODEC, 12),  # buyer's INN
    2000: TextField(v.TLV_CODEC, 128, data=True),  # marking code: its GS separators are data
    1262: TextField(v.TLV_CODEC, 3),  # the industry requisite (1260): federal body's id
    1264: TextField(v.TLV_CODEC, 32),  # its document's number
    1265: TextField(v.TLV_CODEC, 128),  # its value (an FF4D frame holds at most 249 bytes of TLV)
}
# an item name beginning with this is sent to the OFD but not printed on the receipt (the vendor's
# JavaPOS driver, shtrih-m/javapos_shtrih FSPrintRecItem.java, on the item's text)
NOT_PRINTED = "//"
TAG_INDUSTRY = 1260
TAG_INDUSTRY_FOIV, TAG_INDUSTRY_DATE, TAG_INDUSTRY_NUMBER, TAG_INDUSTRY_VALUE = 1262, 1263, 1264, 1265
REGISTRATION_FD = 1  # the registration report: its FF0A answer ends with the taxation systems

# Marked goods (FFD 1.2), as the vendor's JavaPOS driver sends them: FF61 hands a code to the
# FN for its check (and the online one), FF69 accepts or rejects the checked code, FF67 binds
# an accepted code to the position just sent (after its FF46 and FF4D)
MARK_CHECK = 0xFF61
MARK_ACCEPT = 0xFF69
MARK_BIND = 0xFF67
MARK_PLANS = {  # tag 2003
    MarkPlan.PIECE_SOLD: 1,
    MarkPlan.MEASURED_SOLD: 2,
    MarkPlan.PIECE_RETURNED: 3,
    MarkPlan.MEASURED_RETURNED: 4,
    MarkPlan.UNCHANGED: 255,
}
MEASURED_PLANS = frozenset({MarkPlan.MEASURED_SOLD, MarkPlan.MEASURED_RETURNED})
ONLINE_ANSWERED, ONLINE_NO_ANSWER = 0x00, 0xFF  # the FN's code for the online check (0x20: refused)
MARK_LOCAL_REASONS = {
    1: MarkLocalReason.NOT_CHECKABLE,
    2: MarkLocalReason.NO_KEY,
    3: MarkLocalReason.NO_CRYPTO_TAIL,
    4: MarkLocalReason.OTHER,
}
MARK_STATUS = {1: MarkOnline.STATUS_CORRECT, 2: MarkOnline.STATUS_INCORRECT, 3: MarkOnline.SUSPENDED}  # 2109
TAG_QUANTITY = 1023  # FVLN: a measured item's quantity the code is checked for
TAG_OISM_STATUS = 2109
MARK_CODE_LIMIT = 200  # one length byte, and the frame must hold the code with the check's header
# tag 1212 of a position that carries a code: the marked variant of the item's own object
MARKED_OBJECTS = {"commodity": "marked", "excise": "excise_marked"}


def parse_short_status(data: bytes) -> dict:
    """Answer of 0x10 after the error byte: operator, flags, mode, submode, ..."""
    flags = v.from_le(data[1:3])
    return {
        "operator": data[0],
        "flags": flags,
        "mode": data[3],
        "submode": data[4],
        "cover_open": bool(flags & (1 << 10)),
        "paper": bool(flags & (1 << 1)),
    }


def parse_full_status(data: bytes) -> dict:
    """Answer of 0x11 after the error byte (46 bytes, 48 with the serial's high word).

    Firmware version and build, date, hall number, document number, flags, mode, submode,
    port, the legacy FM version/build/date, date, time, FM flags, serial (low 4 bytes),
    last closed shift, FM records, registrations, registrations left, INN (6 bytes).
    """
    serial = v.from_le(data[30:34])
    if len(data) >= 48 and data[46:48] != b"\xff\xff":
        serial |= v.from_le(data[46:48]) << 32
    return {
        "operator": data[0],
        "firmware": f"{v.parse_text(data[1:3])} build {v.from_le(data[3:5])}",
        "document": v.from_le(data[9:11]),
        "flags": v.from_le(data[11:13]),
        "mode": data[13],
        "submode": data[14],
        "serial": None if data[30:34] == b"\xff" * 4 else serial,
        "last_shift": v.from_le(data[34:36]),
        "inn": None if data[40:46] == b"\xff" * 6 else v.from_le(data[40:46]),
    }


def parse_device_type(data: bytes) -> dict:
    """Answer of 0xFC after the error byte: type, subtype, protocol, model, language, name."""
    return {
        "type": data[0],
        "subtype": data[1],
        "protocol": f"{data[2]}.{data[3]}",
        "model_id": data[4],
        "language": data[5],
        "model": v.parse_text(data[6:]),
    }


def operation_v2_request(
    *,
    operation: int,
    quantity: Decimal,
    price: int,
    amount: int | None,
    tax_amount: int | None,
    tax: int,
    department: int,
    payment_method: int,
    payment_object: int,
    name: bytes,
) -> bytes:
    """FF46 data after the password; ``None`` sums are 0xFFFFFFFFFF: the register computes them."""
    unset = b"\xff" * 5
    return (
        bytes([operation])
        + v.quantity_micro(quantity)
        + v.money(price, "price")
        + (unset if amount is None else v.money(amount, "line sum"))
        + (unset if tax_amount is None else v.money(tax_amount, "tax sum"))
        + bytes([tax, department, payment_method, payment_object])
        + name[:NAME_LIMIT]
    )


def close_v2_request(
    sums: list[int], *, rounding: int = 0, taxes: list[int] | None = None, tax_system: int, text: bytes = b""
) -> bytes:
    """FF45 data after the password: 16 payment sums, rounding, 6 tax sums, tax system, text."""
    taxes = taxes if taxes is not None else [0] * TAX_SLOTS
    return (
        b"".join(v.money(amount, "payment") for amount in sums)
        + bytes([rounding])
        + b"".join(v.money(amount, "tax sum") for amount in taxes)
        + bytes([tax_system])
        + text[:64]
    )


def tax_group(tax_bits: int) -> int:
    """The classic tax group (1-based row of table 6) of an FF46 tax bit: bit n is group n+1."""
    if tax_bits <= 0 or tax_bits & (tax_bits - 1):
        raise ValueError(f"tax {tax_bits} is not a single FF46 tax bit")
    return tax_bits.bit_length()


def printed_name(name: str) -> str:
    """An item name the register prints: one beginning with ``NOT_PRINTED`` goes to the OFD but
    is left off the paper receipt, so its leading slashes (and the spaces among them) go."""
    if not name.startswith(NOT_PRINTED):
        return name
    return name.lstrip("/ ") or "-"  # a name of slashes alone still names the position


def classic_line_request(
    *, quantity: Decimal, price: int, department: int, taxes: tuple[int, ...], text: bytes
) -> bytes:
    """0x80/0x82 data after the password: quantity (thousandths, 5), price (5), department,
    tax groups 1-4 (a byte each, 0 = none), text (40 bytes CP1251, NUL-padded)."""
    return (
        v.quantity_milli(quantity)
        + v.money(price, "price")
        + bytes([department])
        + bytes(taxes).ljust(CLASSIC_TAX_GROUPS, b"\x00")
        + text[:CLASSIC_TEXT].ljust(CLASSIC_TEXT, b"\x00")
    )


def classic_close_request(
    sums: list[int], *, discount: int = 0, taxes: tuple[int, ...] = (), text: bytes = b""
) -> bytes:
    """0x85 data after the password: cash and payment types 2-4 (5 bytes each), discount (+)
    or surcharge (-) on the receipt in 0.01 % (2 bytes, signed), tax groups 1-4, text (40)."""
    return (
        b"".join(v.money(amount, "payment") for amount in sums)
        + discount.to_bytes(2, "little", signed=True)
        + bytes(taxes).ljust(CLASSIC_TAX_GROUPS, b"\x00")
        + text[:CLASSIC_TEXT].ljust(CLASSIC_TEXT, b"\x00")
    )


def parse_classic_close(data: bytes) -> dict:
    """Answer of 0x85 after the error byte: operator, change."""
    return {"operator": data[0], "change": v.from_le(data[1:6])}


def parse_close_v2(data: bytes, zone: tzinfo = UTC) -> dict:
    """Answer of FF45 after the error byte: change, FD, fiscal sign, [date-time]."""
    return {
        "change": v.from_le(data[0:5]),
        "fd": v.from_le(data[5:9]),
        "fiscal_sign": v.from_le(data[9:13]),
        "datetime": v.parse_fn_datetime(data[13:18], zone) if len(data) >= 18 else None,
    }


def parse_found_document(data: bytes, zone: tzinfo = UTC) -> FoundDocument:
    """Answer of FF0A after the error byte: type, OFD receipt flag, date-time, FD, sign, per-type data."""
    kind = data[0]
    moment = v.parse_fn_datetime(data[2:7], zone)
    number = v.from_le(data[7:11])
    sign = str(v.from_le(data[11:15]))
    if kind in FN_RECEIPT_TYPES:
        if kind in FN_CORRECTION_TYPES:
            found_type = DocumentType.CORRECTION
        else:
            found_type = DocumentType.RETURN if data[15] == RETURN_OPERATION else DocumentType.RECEIPT
        return FoundDocument(
            fd=number,
            type=found_type,
            fiscal_sign=sign,
            fiscalized_at=moment,
            total=v.from_le(data[16:21]),
        )
    return FoundDocument(
        fd=number,
        type=FN_DOCUMENT_TYPES.get(kind, DocumentType.OTHER),
        fiscal_sign=sign,
        fiscalized_at=moment,
    )


def parse_fn_status(data: bytes, zone: tzinfo = UTC) -> dict:
    """Answer of FF01 after the error byte: FN state, document, shift, warnings, time, serial, last FD."""
    return {
        "state": data[0],
        "document": data[1],
        "shift_open": data[3],
        "warnings": data[4],
        "datetime": v.parse_fn_datetime(data[5:10], zone),
        "fn_serial": v.parse_text(data[10:26]),
        "last_fd": v.from_le(data[26:30]),
    }


def parse_fn_expiry(data: bytes) -> date:
    """Answer of FF03 after the error byte: YY MM DD (newer firmware adds two counters)."""
    return date(2000 + data[0], data[1], data[2])


def parse_registration(data: bytes) -> tuple[tuple[str, ...], str]:
    """FF0A of the registration report: type, flag, date-time, FD, sign, INN (12), RNM (20, tag
    1037, ASCII padded with spaces), then the taxation systems byte (tag 1062: bit n is
    TAX_SYSTEMS[n]); the systems and the registration number."""
    systems = data[15 + 12 + 20]
    number = data[15 + 12 : 15 + 12 + 20].decode("ascii", errors="replace").strip(" \x00")
    return tuple(name for bit, name in enumerate(TAX_SYSTEMS) if systems & (1 << bit)), number


def tax_system_bit(name: str) -> int:
    return 1 << TAX_SYSTEMS.index(name)


def correction_type_tlv(by_order: bool) -> bytes:
    """Tag 1173, one byte."""
    return v.tlv(TAG_CORRECTION_TYPE, bytes([1 if by_order else 0]))


def correction_basis_tlv(day: date, number: bytes | None) -> bytes:
    """Tag 1174: an STLV holding 1178 (the day at 00:00 UTC as UnixTime, 4 bytes) and 1179."""
    moment = int(datetime.combine(day, time(), UTC).timestamp())
    inner = v.tlv(TAG_CORRECTED_DATE, v.le(moment, 4))
    if number:
        inner += v.tlv(TAG_ORDER_NUMBER, number)
    return v.tlv(TAG_CORRECTION_BASIS, inner)


def unit_tlv(code: int) -> bytes:
    """Tag 2108 is a one-byte number (FFD 1.2)."""
    return v.tlv(TAG_UNIT, bytes([code]))


def fvln(value: Decimal) -> bytes:
    """FFD's FVLN: the number of decimal places, then the digits as a little-endian integer."""
    places = max(0, -value.normalize().as_tuple().exponent)
    number = int(value.scaleb(places))
    return bytes([places]) + number.to_bytes(max(1, (number.bit_length() + 7) // 8), "little")


def mark_code_bytes(code: str) -> bytes:
    """A marking code as scanned: printable ASCII and GS (0x1D) separators, nothing else."""
    if (
        not code
        or len(code) > MARK_CODE_LIMIT
        or any(not (0x20 <= ord(ch) < 0x7F or ch == "\x1d") for ch in code)
    ):
        raise InvalidMarkCode(length=len(code), limit=MARK_CODE_LIMIT)
    return code.encode("ascii")


def mark_check_request(plan: int, code: bytes, tlv: bytes = b"", mode: int = 0) -> bytes:
    """FF61 data after the password: planned status (2003), processing mode, code length, TLV
    length, the code as scanned, the TLV (2108 and 1023 for a measured item)."""
    return bytes([plan, mode, len(code), len(tlv)]) + code + tlv


def parse_mark_check(data: bytes, code: str, plan: MarkPlan) -> MarkCheck:
    """Answer of FF61 after the error byte: the FN's local check (2106's low bits: bit 0 it
    checked the tail with its key, bit 1 genuine), why it did not check, the code type it
    recognized (2100), the length of the online part; then the FN's code for the online check
    (0 answered: the 2106 result and the answer's tags, 2109 the status, follow; 0x20 it
    refused the answer, its reason follows; 0xFF no answer in time) when there is one."""
    checked = bool(data[0] & RESULT_CHECKED)
    local = MarkLocal.NOT_CHECKED
    if checked:
        local = MarkLocal.VALID if data[0] & RESULT_GENUINE else MarkLocal.INVALID
    reason = None if checked else MARK_LOCAL_REASONS.get(data[1], MarkLocalReason.OTHER)
    online_part = data[4 : 4 + data[3]]
    online, online_error, result = MarkOnline.NOT_CHECKED, 0, data[0] & (RESULT_CHECKED | RESULT_GENUINE)
    if online_part:
        online_error = online_part[0]
    if online_error == ONLINE_ANSWERED and len(online_part) >= 2:
        result = online_part[1]
        status = _tlv_byte(online_part[2:], TAG_OISM_STATUS)
        if status in MARK_STATUS:
            online = MARK_STATUS[status]
        elif result & RESULT_STATUS_CHECKED:
            online = MarkOnline.STATUS_CORRECT if result & RESULT_STATUS_OK else MarkOnline.STATUS_INCORRECT
    elif online_error not in (ONLINE_ANSWERED, ONLINE_NO_ANSWER):
        online = MarkOnline.ANSWER_INVALID
    return MarkCheck(
        code=code,
        plan=plan,
        local=local,
        online=online,
        result=result,
        local_reason=reason,
        code_type=data[2],
        online_error=online_error,
    )


def _tlv_byte(data: bytes, wanted: int) -> int | None:
    offset = 0
    while offset + 4 <= len(data):
        tag, size = v.from_le(data[offset : offset + 2]), v.from_le(data[offset + 2 : offset + 4])
        value = data[offset + 4 : offset + 4 + size]
        if tag == wanted and len(value) == 1:
            return value[0]
        offset += 4 + size
    return None


def industry_tlv(foiv: bytes, day: date, number: bytes, value: bytes) -> bytes:
    """Tag 1260: an STLV of 1262, 1263 (the day as DD.MM.YYYY), 1264 and 1265, all text."""
    inner = (
        v.tlv(TAG_INDUSTRY_FOIV, foiv)
        + v.tlv(TAG_INDUSTRY_DATE, day.strftime("%d.%m.%Y").encode("ascii"))
        + v.tlv(TAG_INDUSTRY_NUMBER, number)
        + v.tlv(TAG_INDUSTRY_VALUE, value)
    )
    return v.tlv(TAG_INDUSTRY, inner)


def mark_bind_request(code: bytes) -> bytes:
    """FF67 data after the password: code length, the code as checked."""
    return bytes([len(code)]) + code


def check_cashier_inn(inn: str | None) -> None:
    """Tag 1203 is a person's INN: 12 digits. An organization's 10 is refused here, not by the FN."""
    if inn and (len(inn) != CASHIER_INN_DIGITS or not is_digits(inn)):
        raise InvalidCashierInn(inn=inn)


def buyer_inn_bytes(inn: str) -> bytes:
    """Tag 1228 as the FN takes it: 12 characters, a 10-digit INN right-padded with two spaces."""
    if len(inn) not in BUYER_INN_DIGITS or not is_digits(inn):
        raise ValueError(f"a buyer's INN has 10 or 12 digits, not {inn!r}")
    return inn.ljust(BUYER_INN_SIZE).encode("ascii")


def buyer_tlvs(name: bytes | None, inn: bytes | None, ffd_version: str) -> list[bytes]:
    """The FF0C frames' TLV for the buyer: one STLV 1256 on FFD 1.2, top-level 1227/1228 before."""
    parts = [v.tlv(tag, value) for tag, value in ((TAG_BUYER, name), (TAG_BUYER_INN, inn)) if value]
    if not parts:
        return []
    if ffd_version == "1.2":
        return [v.tlv(TAG_BUYER_INFO, b"".join(parts))]
    return parts


def format_inn(number: int) -> str:
    """An organization's INN has 10 digits, a person's 12; leading zeros are lost in binary."""
    return f"{number:010d}" if number < 10**10 else f"{number:012d}"


class ShtrihRegister:
    """Blocking; one instance per port, used from one thread."""

    def __init__(
        self,
        link: Link,
        profile: Profile,
        *,
        operator_password: int,
        admin_password: int,
        timezone: str = "Europe/Moscow",
    ):
        self.link = link
        self.profile = profile
        self.fiscal = profile.fiscal
        self.operator_password = operator_password
        self.admin_password = admin_password
        self.zone = ZoneInfo(timezone)
        self._receipt_kind: ReceiptKind | None = None
        self._tax_systems: tuple[str, ...] | None = None
        self._registration_number = ""
        self._expiry: dict[str, date | None] = {}
        # the FN's last FD, shift number and receipts in the shift (tag 1042 of the last) as last
        # read, while no command since can have changed them (``KEEPS_COUNTERS``): a receipt's close
        # needs them all without asking again
        self._last_fd: int | None = None
        self._shift: int | None = None
        self._receipts: int | None = None

    # plumbing

    def _call(
        self, command: int, data: bytes = b"", *, timeout: float | None = None, password: int | None = None
    ) -> bytes:
        """Send a command with a password; the answer's data after the error byte.

        A query that changes nothing is asked once more when its answer was lost on the
        line (a power cycle, a pulled cable); anything else is never sent twice.
        """
        if password is None:
            password = self.admin_password if command in SYSADMIN_COMMANDS else self.operator_password
        pwd = b"" if command == 0xFC else v.le(password, 4)
        wait = timeout or self.profile.timeouts.default
        if command not in KEEPS_COUNTERS:  # forgotten before it goes out: it may act without answering
            self._last_fd = self._shift = self._receipts = None
        try:
            frame = self.link.transact(command, pwd + data, wait)
        except AnswerLost:
            if command not in QUERIES:
                raise
            frame = self.link.transact(command, pwd + data, wait)
        if not frame.data:
            raise LinkError(detail=f"an empty answer to command 0x{command:X}")
        if frame.data[0] != 0:
            raise self._typed(frame.data[0])
        return frame.data[1:]

    def _typed(self, code: int) -> ShtrihError:
        error = device_error(code)
        if isinstance(error, PaperOut | NotSupportedInMode):
            try:
                state = self._short_status()
            except ShtrihError:
                return error
            if isinstance(error, PaperOut) and state["cover_open"]:
                return CoverOpen(device_code=f"0x{code:02X}")
            if isinstance(error, NotSupportedInMode):
                return NotSupportedInMode(device_code=f"0x{code:02X}", description="", mode=state["mode"])
        return error

    def _short_status(self) -> dict:
        return parse_short_status(self._call(0x10, timeout=self.profile.timeouts.status))

    def fit_text(self, field: str | int, value: str) -> str:
        """``value`` exactly as this register will store it in ``field`` ("item_name", "line" or a
        tag number): command text is CP1251, TLV text CP866 (``drivers.register_text``)."""
        if field == "item_name":
            spec = TEXT_FIELDS["item_name" if self.fiscal.operation_v2 else "classic_item_name"]
            return printed_name(safe_text(value, spec))
        spec = TEXT_FIELDS.get(field) or TextField(v.TLV_CODEC, TAG_TEXT_SIZE)
        return safe_text(value, spec)

    def _item_name(self, name: str) -> bytes:
        return v.text(self.fit_text("item_name", name))

    def _map(self, table: dict[str, int], key: str, what: str) -> int:
        try:
            return table[key]
        except KeyError:
            raise NotInProfile(profile=self.profile.name, what=what, name=key) from None

    # state

    def device_info(self) -> DeviceInfo:
        kind = parse_device_type(self._call(0xFC, timeout=self.profile.timeouts.status))
        full = parse_full_status(self._call(0x11, timeout=self.profile.timeouts.status))
        try:  # the registration report, read once, names the registration number
            self.tax_systems()
        except LinkError:
            raise
        except ShtrihError:  # an FN not registered yet has no report: no number to give
            pass
        return DeviceInfo(
            model=kind["model"],
            serial=self._serial(full),
            fn_serial=self._fn_serial(),
            inn=format_inn(full["inn"]) if full["inn"] is not None else "",
            firmware=full["firmware"],
            registration_number=self._registration_number,
        )

    def _serial(self, full: dict) -> str:
        """The serial as the register prints it (table 18); 0x11's number when the table is absent."""
        table, row, field = SERIAL_TABLE
        where = bytes([table]) + v.le(row, 2) + bytes([field])
        try:
            text = v.parse_text(self._call(0x1F, where, timeout=self.profile.timeouts.status))
        except LinkError:
            raise
        except ShtrihError:  # a model without the table refuses the read
            text = ""
        if text:
            return text
        return f"{full['serial']:010d}" if full["serial"] is not None else ""

    def _fn_serial(self) -> str:
        return v.parse_text(self._call(0xFF02, timeout=self.profile.timeouts.status))

    def status(self) -> RegisterStatus:
        return self._status(self._short_status(), self._fn_raw(), self._shift_params())

    def status_with_fn(self) -> tuple[RegisterStatus, FnStatus]:
        """``status()`` and ``fn_status()`` from one read each of 0x10, FF01 and FF40."""
        state, fn, shift = self._short_status(), self._fn_raw(), self._shift_params()
        return self._status(state, fn, shift), self._fn_status(fn, shift)

    def _status(self, state: dict, fn: dict, shift: dict) -> RegisterStatus:
        mode = state["mode"] & 0x0F
        submode = state["submode"]
        return RegisterStatus(
            mode=mode,
            submode=submode,
            shift_open=mode in (MODE_SHIFT_OPEN, MODE_SHIFT_EXPIRED) or bool(fn["shift_open"]),
            shift_number=shift["number"],
            shift_expired=mode == MODE_SHIFT_EXPIRED,
            document_open=mode == MODE_DOCUMENT_OPEN,
            paper_out=submode in (1, 2),
            waiting_continue=submode == 3,
            cover_open=state["cover_open"],
            last_fd=fn["last_fd"],
        )

    def _fn_raw(self) -> dict:
        fn = parse_fn_status(self._call(0xFF01, timeout=self.profile.timeouts.status), self.zone)
        self._last_fd = fn["last_fd"]
        return fn

    def _shift_params(self) -> dict:
        data = self._call(0xFF40, timeout=self.profile.timeouts.status)
        shift = {"open": bool(data[0]), "number": v.from_le(data[1:3]), "receipt": v.from_le(data[3:5])}
        self._shift, self._receipts = shift["number"], shift["receipt"]
        return shift

    def _known_last_fd(self) -> int:
        return self._last_fd if self._last_fd is not None else self._fn_raw()["last_fd"]

    def _known_shift(self) -> tuple[int, int]:
        """The shift's number and how many receipts it has (FF40), as last read if nothing since
        can have changed them."""
        if self._shift is None or self._receipts is None:
            self._shift_params()
        return self._shift, self._receipts

    def fn_status(self) -> FnStatus:
        return self._fn_status(self._fn_raw(), self._shift_params())

    def _fn_status(self, fn: dict, shift: dict) -> FnStatus:
        return FnStatus(
            fn_serial=fn["fn_serial"],
            last_fd=fn["last_fd"],
            shift_open=bool(fn["shift_open"]),
            shift_number=shift["number"],
            document_open=fn["document"] != 0,
            warnings=tuple(name for bit, name in FN_WARNINGS.items() if fn["warnings"] & (1 << bit)),
            clock=fn["datetime"].astimezone(self.zone),
            expires=self._fn_expiry(fn["fn_serial"]),
            tax_systems=self.tax_systems(),
        )

    def _fn_expiry(self, fn_serial: str) -> date | None:
        """FF03, read once per FN (it changes only with the FN): not a round trip per sale."""
        if fn_serial not in self._expiry:
            try:
                expiry = parse_fn_expiry(self._call(0xFF03, timeout=self.profile.timeouts.status))
            except (LinkError, AnswerLost):
                raise
            except (ShtrihError, ValueError, IndexError):  # a firmware without FF03
                expiry = None
            self._expiry = {fn_serial: expiry}
        return self._expiry[fn_serial]

    def tax_systems(self) -> tuple[str, ...]:
        """The taxation systems the FN is registered for, read once from its registration report
        (with the register's registration number, tag 1037)."""
        if self._tax_systems is None:
            found = self._call(0xFF0A, v.le(REGISTRATION_FD, 4), timeout=self.profile.timeouts.status)
            self._tax_systems, self._registration_number = parse_registration(found)
        return self._tax_systems

    def ofd_status(self) -> OfdStatus:
        data = self._call(0xFF39, timeout=self.profile.timeouts.status)
        unsent = v.from_le(data[2:4])
        return OfdStatus(
            unsent=unsent,
            first_unsent_fd=v.from_le(data[4:8]) if unsent else None,
            first_unsent_at=v.parse_fn_datetime(data[8:13], self.zone) if unsent else None,
        )

    # shifts and reports

    def _send_cashier(self, begin: int, cashier: Cashier | None) -> None:
        """FF41/FF42 open the shift report in the FN; only then may its tags be sent."""
        if cashier is None:
            return
        check_cashier_inn(cashier.inn)
        self._call(begin)
        self.add_tag(TAG_CASHIER, cashier.name)
        if cashier.inn:
            self.add_tag(TAG_CASHIER_INN, cashier.inn)

    def _last_document_result(self, receipt: bool = False) -> FiscalResult:
        """The FN's last document; a ``receipt`` has its number in the shift (tag 1042), the
        receipt count FF40 gives once it is made."""
        fn = self._fn_raw()
        found = self.find_document(fn["last_fd"])
        shift = self._shift_params()
        if found is None:
            raise FnNoData(device_code="FF0A", description=f"document {fn['last_fd']}")
        return FiscalResult(
            fd=found.fd,
            fiscal_sign=found.fiscal_sign,
            shift=shift["number"],
            fiscalized_at=found.fiscalized_at,
            number_in_shift=shift["receipt"] if receipt else None,
        )

    def open_shift(self, cashier: Cashier | None = None) -> FiscalResult:
        self._send_cashier(0xFF41, cashier)
        try:
            self._call(0xE0, timeout=self.profile.timeouts.open_shift)
        except NotSupportedInMode:
            if self.status().shift_open:
                raise ShiftAlreadyOpen() from None
            raise
        return self._last_document_result()

    def x_report(self) -> None:
        self._call(0x40, timeout=self.profile.timeouts.x_report, password=self.admin_password)

    def close_shift(self, cashier: Cashier | None = None) -> FiscalResult:
        self._send_cashier(0xFF42, cashier)
        try:
            self._call(0x41, timeout=self.profile.timeouts.z_report, password=self.admin_password)
        except NotSupportedInMode:
            if not self.status().shift_open:
                raise ShiftNotOpen() from None
            raise
        return self._last_document_result()

    # receipts

    def open_receipt(self, kind: ReceiptKind, correction: bool = False) -> None:
        if correction and not self.fiscal.operation_v2:
            raise NotInProfile(profile=self.profile.name, what="correction receipts (FF46/FF45)", name=kind)
        self._call(0x8D, bytes([RECEIPT_TYPE[kind] | (CORRECTION_RECEIPT if correction else 0)]))
        self._receipt_kind = kind

    def add_correction(self, correction: Correction) -> None:
        """Tags 1173 and 1174 of the open correction receipt, each with FF0C."""
        number = None
        if correction.number:
            number = self.fit_text(TAG_ORDER_NUMBER, correction.number).encode(v.TLV_CODEC)
        self._call(0xFF0C, correction_type_tlv(correction.by_order))
        self._call(0xFF0C, correction_basis_tlv(correction.date, number))

    def _current_kind(self) -> ReceiptKind:
        if self._receipt_kind is None:
            mode = self._short_status()["mode"]  # 8.N: N in the high nibble, bit 7 = correction
            self._receipt_kind = KIND_OF_MODE_STATE.get((mode >> 4) & 0x07, ReceiptKind.SALE)
        return self._receipt_kind

    def add_item(self, item: ReceiptItem) -> None:
        """A line as one position at its discounted unit price, or two when no price fits
        (``positions_of``); each followed by its unit of measure (FF4D, tag 2108). A price or sum
        the register does not hold is refused before any of its frames goes out."""
        fiscal = self.fiscal
        v.check_money(item.price, "price")
        v.check_money(item.amount, "line sum")
        unit = self._map(fiscal.units, item.unit, "unit")
        code = None
        if item.mark is not None:
            self._needs_marking(item.name)
            code = mark_code_bytes(item.mark)
        positions = positions_of(item, 1 if fiscal.operation_v2 else 0)
        if code is not None and len(positions) > 1:  # one code, one position
            raise MarkedLineSplit(name=item.name)
        for position in positions:
            if fiscal.operation_v2:
                self._add_position(position)
            else:
                self._add_item_classic(position)
            self._call(0xFF4D, unit_tlv(unit))
            if item.industry is not None:
                self._call(0xFF4D, self._industry(item.industry))
        if code is not None:
            self._call(MARK_BIND, mark_bind_request(code))

    def _industry(self, requisite: IndustryRequisite) -> bytes:
        def text(tag: int, value: str) -> bytes:
            return self.fit_text(tag, value).encode(v.TLV_CODEC)

        return industry_tlv(
            text(TAG_INDUSTRY_FOIV, requisite.foiv),
            requisite.document_date,
            text(TAG_INDUSTRY_NUMBER, requisite.document_number),
            text(TAG_INDUSTRY_VALUE, requisite.value),
        )

    def _needs_marking(self, name: str) -> None:
        if not self.fiscal.operation_v2:
            raise NotInProfile(profile=self.profile.name, what="marked goods (FF61/FF67, FFD 1.2)", name=name)

    def check_mark(self, code: str, plan: MarkPlan, quantity: Decimal, unit: str) -> MarkCheck:
        """FF61: the FN checks the code's crypto tail itself and asks the national system
        (through the OFD) about the planned status; it waits for that answer up to its own
        timeout and then answers without it."""
        self._needs_marking(code)
        raw = mark_code_bytes(code)
        tlv = b""
        if plan in MEASURED_PLANS:
            tlv = unit_tlv(self._map(self.fiscal.units, unit, "unit")) + v.tlv(TAG_QUANTITY, fvln(quantity))
        request = mark_check_request(MARK_PLANS[plan], raw, tlv)
        answer = self._call(MARK_CHECK, request, timeout=self.profile.timeouts.mark_check)
        return parse_mark_check(answer, code, plan)

    def accept_mark(self, accept: bool) -> None:
        """FF69: keep the code just checked for the next receipt, or drop it."""
        self._needs_marking("")
        self._call(MARK_ACCEPT, bytes([1 if accept else 0]))

    def _add_position(self, item: ReceiptItem) -> None:
        fiscal = self.fiscal
        data = operation_v2_request(
            operation=OPERATION[self._current_kind()],
            quantity=item.quantity,
            price=item.price,
            amount=item.amount,
            tax_amount=None,  # the register computes it (tax mode 0)
            tax=self._map(fiscal.taxes, item.tax, "tax"),
            department=1,
            payment_method=self._map(fiscal.payment_methods, item.payment_method, "payment method"),
            payment_object=self._map(fiscal.payment_objects, self._object_of(item), "payment object"),
            name=self._item_name(item.name),
        )
        self._call(0xFF46, data)

    @staticmethod
    def _object_of(item: ReceiptItem) -> str:
        """A position with a code is the marked variant of its object (1212 = 33 or 31)."""
        if item.mark is None:
            return item.payment_object
        return MARKED_OBJECTS.get(item.payment_object, item.payment_object)

    def _add_item_classic(self, item: ReceiptItem) -> None:
        """0x80/0x82: no sum, method or object: the register computes quantity x price, so the
        position must come to its sum exactly."""
        kind = self._current_kind()
        if kind not in CLASSIC_LINE:
            raise NotInProfile(profile=self.profile.name, what="classic line of this kind", name=kind)
        if rounded(item.quantity * item.price) != item.amount:  # not from ``positions_of``
            raise NoExactPositions(name=item.name, amount=item.amount, quantity=item.quantity)
        tax = self._map(self.fiscal.taxes, item.tax, "tax")
        try:
            group = tax_group(tax)
        except ValueError:
            group = 0
        if not 1 <= group <= CLASSIC_TAX_GROUPS:
            raise NotInProfile(
                profile=self.profile.name, what="tax group 1-4 (classic commands)", name=item.tax
            )
        data = classic_line_request(
            quantity=item.quantity,
            price=item.price,
            department=1,
            taxes=(group, 0, 0, 0),
            text=v.text(self.fit_text("item_name", item.name), CLASSIC_TEXT),
        )
        self._call(CLASSIC_LINE[kind], data)

    def add_tag(self, tag: int, value: str) -> None:
        self._call(0xFF0C, v.tlv_text(tag, self.fit_text(tag, value)))

    def add_buyer(self, name: str | None, inn: str | None) -> None:
        """The receipt's buyer: STLV 1256 (1227, 1228) on FFD 1.2, top-level 1227/1228 on 1.05/1.1
        (``buyer_tlvs``); the INN is checked before any frame goes out."""
        raw_inn = buyer_inn_bytes(inn) if inn else None
        raw_name = self.fit_text(TAG_BUYER, name).encode(v.TLV_CODEC, errors="replace") if name else None
        for data in buyer_tlvs(raw_name, raw_inn, self.fiscal.ffd_version):
            self._call(0xFF0C, data)

    def _payment_sums(self, payments: Payments, slots: int) -> list[int]:
        sums = [0] * slots
        for kind, amount in payments.amounts.items():
            slot = self._map(self.fiscal.payment_types, kind, "payment type")
            if not 1 <= slot <= slots:
                raise NotInProfile(profile=self.profile.name, what=f"payment type slot 1-{slots}", name=kind)
            sums[slot - 1] += amount
        for amount in sums:  # kinds that share a slot add up in it
            v.check_money(amount, "payment")
        return sums

    def _check_total(self, total: int) -> int:
        """The register's subtotal must be ours; the FD number before the close."""
        on_device = v.from_le(self._call(0x89)[1:6])
        if on_device != total:
            raise TotalMismatch(device_total=on_device, expected_total=total)
        return self._known_last_fd()

    def _tax_system(self, name: str | None) -> int:
        """The receipt's taxation system (tag 1055): the one asked for, which the FN must be
        registered for; none asked is allowed only when the FN knows a single one."""
        registered = self.tax_systems()
        if name is None and len(registered) == 1:
            name = registered[0]
        if name not in registered:
            raise TaxSystemNotRegistered(system=name or "-", registered=", ".join(registered))
        return tax_system_bit(name)

    def close_receipt(self, payments: Payments, *, total: int, tax_system: str | None = None) -> FiscalResult:
        # a sum the register does not hold is refused before anything goes out
        v.check_money(total, "receipt total")
        for amount in payments.amounts.values():
            v.check_money(amount, "payment")
        sums = self._payment_sums(
            payments, PAYMENT_SLOTS if self.fiscal.operation_v2 else CLASSIC_PAYMENT_SLOTS
        )
        system = self._tax_system(tax_system)
        if not self.fiscal.operation_v2:
            return self._close_classic(sums, total)
        # tax sums stay 0: in tax mode 0 the register computes them and ignores these
        data = close_v2_request(sums, tax_system=system)
        before = self._check_total(total)
        shift, receipts = self._known_shift()  # a receipt closes in the shift it was opened in
        try:
            answer = self._call(0xFF45, data, timeout=self.profile.timeouts.default)
        except (AnswerLost, DeviceTimeout) as lost:
            return self._recover_close(before, lost)
        self._receipt_kind = None
        closed = parse_close_v2(answer, self.zone)
        number = receipts + 1
        if closed["fd"] != before + 1:  # another document came between (a shift opened by the register)
            params = self._shift_params()
            shift, number = params["number"], params["receipt"]
        fiscalized_at = closed["datetime"] or self._fn_raw()["datetime"]
        self._last_fd, self._shift, self._receipts = closed["fd"], shift, number
        return FiscalResult(
            fd=closed["fd"],
            fiscal_sign=str(closed["fiscal_sign"]),
            shift=shift,
            fiscalized_at=fiscalized_at,
            number_in_shift=number,
        )

    def _close_classic(self, sums: list[int], total: int) -> FiscalResult:
        """0x85 answers only the change: the FD and its sign are read back from the FN."""
        data = classic_close_request(sums)
        before = self._check_total(total)
        try:
            self._call(CLASSIC_CLOSE, data, timeout=self.profile.timeouts.default)
        except (AnswerLost, DeviceTimeout) as lost:
            return self._recover_close(before, lost)
        self._receipt_kind = None
        return self._last_document_result(receipt=True)

    def _recover_close(self, fd_before: int, lost: ShtrihError) -> FiscalResult:
        """The close went out but its answer did not come back: read the outcome from the FN."""
        try:
            fn = self._fn_raw()
        except ShtrihError:
            raise lost from None
        if fn["last_fd"] == fd_before + 1 and fn["document"] == 0:
            found = self.find_document(fn["last_fd"])
            if found is not None and found.type in (
                DocumentType.RECEIPT,
                DocumentType.RETURN,
                DocumentType.CORRECTION,
            ):
                log.warning("close of FD %s answered by the FN after a lost answer", found.fd)
                self._receipt_kind = None
                shift = self._shift_params()
                return FiscalResult(
                    fd=found.fd,
                    fiscal_sign=found.fiscal_sign,
                    shift=shift["number"],
                    fiscalized_at=found.fiscalized_at,
                    number_in_shift=shift["receipt"],
                )
        raise lost

    def cancel_receipt(self) -> None:
        self._call(0x88)
        self._receipt_kind = None

    def continue_printing(self) -> None:
        self._call(0xB0)

    # cash and printing

    def cash_in(self, amount: int) -> FiscalResult | None:
        self._call(0x50, v.money(amount, "cash in"))
        return None

    def cash_out(self, amount: int) -> FiscalResult | None:
        self._call(0x51, v.money(amount, "cash out"))
        return None

    def print_text(self, lines: list[str]) -> None:
        for line in lines:
            self._call(0x17, bytes([0x02]) + v.text(self.fit_text("line", line), LINE_WIDTH))

    def cut(self, partial: bool = True) -> None:
        self._call(0x25, bytes([1 if partial else 0]))

    # FN archive

    def find_document(self, fd: int) -> FoundDocument | None:
        try:
            data = self._call(0xFF0A, v.le(fd, 4), timeout=self.profile.timeouts.status)
        except FnNoData:
            return None
        return parse_found_document(data, self.zone)

    def close(self) -> None:
        self.link.close()
