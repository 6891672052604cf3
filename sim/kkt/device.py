"""The emulated register's brain: a command frame body in, an answer body out.

It keeps the rules a real Shtrih-M with an FN enforces, as the vendor's protocol describes
them: modes (2 shift open, 3 shift over 24 hours, 4 shift closed, 8 document open), paper
and cover, passwords, FD numbering, fiscal signs and the OFD queue; the FF46 sum within one
kopeck of price x quantity, tax, department, 1212 and 1214 codes, FF45's taxation system
and the correction receipt's tags (1173, 1174 with 1178 and 1179 when by order; only in one),
a receipt's buyer only as FFD 1.2 has it (STLV 1256 of 1227 and 1228, 1228 twelve characters),
against the FN's registration and its rounding byte, TLV only inside an open document,
tag types and lengths, the unit of measure (2108) every FFD 1.2 position needs, and the FN's
end of life, full archive and 30 days without the OFD, and the range of its sums (ten decimal
digits of kopecks, though 5 bytes would hold more): a price or position sum past it 0x61, price x
quantity 0x60, a receipt total 0x48, a payment 0x7F. Each refusal carries the device's
error code. Each state change is saved before the answer is built, so an answer lost on
the wire never loses a document. Its clock runs in the register's time zone.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from common.digits import is_digits
from sim.kkt import identity, marks
from sim.kkt import wire as w
from sim.kkt.state import KktState, OpenReceipt, load_state, save_state

# error codes of the real device (the vendor's table; below 0x30 they are the FN's own)
E_OK = 0x00
E_FN_STATE = 0x02  # "Неверное состояние ФН": e.g. TLV with no document open in the FN
E_FN_NO_DATA = 0x08
E_FN_DUPLICATE = 0x0C  # "Повтор данных"
E_FN_MISSING = 0x0D  # "Отсутствуют данные, необходимые для корректного учета в ФН"
E_FN_TLV_SIZE = 0x10  # "Превышение размеров TLV данных"
E_FN_EXPIRED = 0x12  # "Исчерпан ресурс КС": the FN's keys are past their date
E_FN_FULL = 0x14  # "Исчерпан ресурс хранения"
E_OFD_BLOCKED = 0x15  # "Исчерпан ресурс ожидания передачи сообщения" (30 days)
E_BAD_TAG = 0x18  # "Некорректный реквизит, переданный в ФН"
E_NOT_REGISTERED = 0x19  # "Реквизит не соответствует установкам при регистрации"
E_BAD_PARAMS = 0x33
E_NOT_SUPPORTED = 0x37
E_SHIFT_NOT_OPEN = 0x3D
E_PAYMENT_SHORT = 0x45
E_NO_CASH = 0x46
E_TOTAL_OVERFLOW = 0x48  # "Переполнение итога чека": a position would take the total past the range
E_RECEIPT_OPEN = 0x4A
E_CASHLESS_OVER = 0x4D
E_SHIFT_EXPIRED = 0x4E
E_PASSWORD = 0x4F
E_RECEIPT_CLOSED = 0x55
E_WAIT_CONTINUE = 0x58
E_BAD_OPERATION = 0x5E
E_MULTIPLY_OVERFLOW = 0x60  # "Переполнение при умножении": price x quantity past the range
E_PRICE_RANGE = 0x61  # "Переполнение диапазона цены": a price or a position's sum past the range
E_QUANTITY_RANGE = 0x62
E_DEPARTMENT_RANGE = 0x63
E_NO_PAPER = 0x6B
E_MODE = 0x73
E_TOTAL_RANGE = 0x7F  # "Переполнение диапазона итога": a payment (or a total) past the range
E_ZERO_TOTAL = 0x8E
# the FN's marking errors (0xA0-0xB2), as the vendor's JavaPOS driver names them
E_MARK_SEQUENCE = 0xA1  # "Неверная последовательность команд группы Bxh"
E_MARK_TABLE_FULL = 0xA3  # "Переполнена таблица проверки кодов маркировки"
E_MARK_TLV_MISSING = 0xAA  # "В блоке TLV отсутствуют необходимые реквизиты"
E_MARK_UNCHECKED = 0xAC  # "...содержится КМ, который ранее не проверялся в ФН"

# the register's range of a sum in kopecks: ten decimal digits (99 999 999.99), not the 2**40 - 1
# its 5 bytes could carry. Stated here, not taken from the driver: the two share no code.
MAX_SUM = 9_999_999_999

SYSADMIN_PASSWORD = 30
ADMIN_PASSWORDS = {29, SYSADMIN_PASSWORD}
OPERATOR_PASSWORDS = set(range(1, 29)) | ADMIN_PASSWORDS
# the protocol asks for the system administrator's password with these
SYSADMIN_COMMANDS = frozenset(
    {0x1F, 0xFF01, 0xFF02, 0xFF03, 0xFF08, 0xFF0A, 0xFF0C, 0xFF39, 0xFF40, 0xFF41, 0xFF42, 0xFF4D}
)
SERIAL_TABLE = (18, 1, 1)  # table 18 ("fiscal storage"), row 1, field 1: the serial number
SERIAL_FIELD_SIZE = 21  # a string field of 21 bytes on real registers (0x2E describes it so)
SHIFT_LIMIT = timedelta(hours=24)
OFD_LIMIT = timedelta(days=30)
OFD_WARNING = timedelta(days=25)
OFD_DELAY = timedelta(seconds=2)  # an online register sends a document to the OFD this fast
FN_URGENT = timedelta(days=3)
FN_SOON = timedelta(days=30)
FN_NEARLY_FULL = 90.0

# receipt kinds: 0x8D types and the FF46 operation types that open them
KIND_NAMES = {0: "receipt", 1: "buy", 2: "return", 3: "buy_return"}
OPERATION_TO_KIND = {1: 0, 2: 2, 3: 1, 4: 3}
KIND_TO_OPERATION = {kind: op for op, kind in OPERATION_TO_KIND.items()}
PAYMENT_NAMES = {1: "cash", 2: "card"}

FN_DOC_TYPES = {
    "registration": 1,
    "shift_open": 2,
    "receipt": 3,
    "return": 3,
    "shift_close": 5,
    "correction": 31,
}
CORRECTION = 0x80  # 0x8D type with bit 7: a correction receipt (FFD 1.2) of the kind in bits 0-1

# FF46 tax byte -> (VAT percent, None for "без НДС"): bits 0-5 are the rows of table 6, the
# FFD 1.2 rates of 2019+ follow the vendor's table (VatTable.txt of its JavaPOS driver):
# 5 % 0x81, 7 % 0x82, 5/105 0x84, 7/107 0x90, and from 0xC0 + 11: 22 % 0xCB, 22/122 0xCC
TAX_RATES: dict[int, int | None] = {
    0x01: 20,
    0x02: 10,
    0x04: 0,
    0x08: None,
    0x10: 20,
    0x20: 10,
    0x81: 5,
    0x82: 7,
    0x84: 5,
    0x90: 7,
    0xCB: 22,
    0xCC: 22,
}
CLASSIC_GROUPS = {1: 0x01, 2: 0x02, 3: 0x04, 4: 0x08}  # 0x80/0x82 tax group -> table 6 row bit
PAYMENT_METHODS = range(1, 8)  # tag 1214
PAYMENT_OBJECTS = frozenset(range(1, 28)) | {30, 31, 32, 33}  # tag 1212, FFD 1.2
DEPARTMENTS = frozenset(range(0, 17)) | {255}
UNITS = frozenset(  # tag 2108, FFD 1.2
    {0, 10, 11, 12, 20, 21, 22, 30, 31, 32, 40, 41, 42, 50, 51, 70, 71, 72, 73, 80, 81, 82, 83, 255}
)
TAX_SYSTEM_BITS = 6
MAX_TLV = 250  # one FF0C/FF4D carries at most this much TLV

# tag -> (kind, exact or maximum length in bytes) for what kassa may send; FFD 1.2 tables
TAG_RULES: dict[int, tuple[str, int]] = {
    1008: ("text", 64),  # buyer's phone or e-mail
    1021: ("text", 64),  # cashier
    1203: ("inn", 12),  # cashier's INN: 12 digits
    1192: ("text", 16),
    1227: ("text", 128),  # buyer (only inside 1256)
    1228: ("buyer_inn", 12),  # buyer's INN (only inside 1256): 10 digits and 2 spaces, or 12 digits
    1256: ("buyer", 1024),  # the buyer (FFD 1.2 STLV): 1227 and/or 1228
    2108: ("byte", 1),  # unit of measure (FF4D, bound to a position)
    1173: ("byte", 1),  # correction type: 0 on the shop's own, 1 by the tax service's order
    1174: ("stlv", 292),  # correction basis: 1178 and 1179
    1260: ("industry", 240),  # a position's industry requisite: 1262, 1263, 1264, 1265
    1178: ("unixtime", 4),  # the day of the corrected settlement
    1179: ("text", 32),  # the order's number
}
CORRECTION_TAGS = frozenset({1173, 1174})
BASIS_TAGS = frozenset({1178, 1179})
# FFD 1.2 moved the receipt's buyer into STLV 1256: a top-level 1227 or 1228 is refused
TAG_BUYER_INFO = 1256
BUYER_TAGS = frozenset({1227, 1228})
POSITION_TAGS = frozenset({2108, 1260})
# 1260's parts: 1262 the federal body's id (3 digits), 1263 the document's day (DD.MM.YYYY),
# 1264 its number, 1265 the value
INDUSTRY_PARTS = {1262: 3, 1263: 10, 1264: 32, 1265: 256}

# marked goods: planned statuses (tag 2003) by what they do, the 2106 result bits, the OISM's
# status answer (tag 2109), FF67's code type ("DM", a DataMatrix) and its Data Matrix kinds
PLANS_SOLD = frozenset({1, 2})
PLANS_RETURNED = frozenset({3, 4})
PLANS_MEASURED = frozenset({2, 4})
PLANS = PLANS_SOLD | PLANS_RETURNED | {255}
RESULT_CHECKED, RESULT_GENUINE, RESULT_STATUS_CHECKED, RESULT_STATUS_OK = 1, 2, 4, 8
STATUS_CORRECT, STATUS_INCORRECT, STATUS_SUSPENDED = 1, 2, 3
# FF61's local status is 2106's low bits: bit 0 the FN checked the tail with its key, bit 1 genuine
LOCAL_NOT_CHECKED, LOCAL_NEGATIVE, LOCAL_POSITIVE = 0, RESULT_CHECKED, RESULT_CHECKED | RESULT_GENUINE
# the FN's code for the online check: 0 answered (2106 and the answer's tags follow), 0xFF no
# answer within its wait
ONLINE_ANSWERED, ONLINE_NO_ANSWER = 0x00, 0xFF
MARKED_OBJECTS = frozenset({31, 33})  # 1212: (excise) goods with a marking code
DATAMATRIX = b"DM"  # FF67's code type, 0x444D high byte first
# FF67's Data Matrix kind: 0 a 88-character tail, 1 a symmetric (4-character) check code,
# 2 a tobacco pack, 3 a 44-character tail, 0xFF GS1 without marking
DM_KIND = {marks.TYPE_88: 0, marks.TYPE_4_UNCHECKED: 1, marks.TYPE_SHORT: 2, marks.TYPE_44: 3}
MARK_TABLE_SIZE = 100  # accepted codes the FN keeps for the next receipt
MARK_ONLINE_WAIT = 2.0  # seconds the FN waits for the national system's answer
TAG_QUANTITY = 1023

# FF39 exchange status bits
OFD_CONNECTED = 1 << 0
OFD_HAS_MESSAGE = 1 << 1


def parse_operation_v2(data: bytes) -> dict:
    """FF46 after the password: operation, quantity (6 bytes, millionths), price, sum, tax sum,
    tax byte, department, payment method (1214), payment object (1212), name (0-128 bytes)."""
    if len(data) < 26 or len(data) > 26 + 128:
        raise ValueError("FF46 of a wrong length")
    raw_amount = data[12:17]
    raw_tax = data[17:22]
    return {
        "operation": data[0],
        "quantity": w.quantity(data[1:7], 6),
        "price": w.uint(data[7:12]),
        "amount": None if raw_amount == b"\xff" * 5 else w.uint(raw_amount),
        "tax_amount": None if raw_tax == b"\xff" * 5 else w.uint(raw_tax),
        "tax": data[22],
        "department": data[23],
        "payment_method": data[24],
        "payment_object": data[25],
        "name": w.command_text(data[26:]),
    }


def parse_close_v2(data: bytes) -> dict:
    """FF45 after the password: 16 payment sums, rounding, 6 tax sums, tax system, text."""
    if len(data) < 16 * 5 + 1 + 6 * 5 + 1:
        raise ValueError("FF45 too short")
    return {
        "sums": [w.uint(data[i * 5 : i * 5 + 5]) for i in range(16)],
        "rounding": data[80],
        "taxes": [w.uint(data[81 + i * 5 : 86 + i * 5]) for i in range(6)],
        "tax_system": data[111],
        "text": w.command_text(data[112:176]),
    }


# the receipt's sums the FN writes beside its positions: where each payment slot's sum goes (1 cash,
# 2-13 electronic, 14 prepayment, 15 credit, 16 consideration; the classic 0x85's four are 1-4) and
# each tax byte's total (1102 20 %, 1103 10 %, 1106 20/120, 1107 10/110 the VAT of their positions
# added up; 1104 0 % and 1105 no VAT the sums settled)
PAYMENT_TAGS = {1: "1031", **dict.fromkeys(range(2, 14), "1081"), 14: "1215", 15: "1216", 16: "1217"}
VAT_TAGS = {0x01: "1102", 0x02: "1103", 0x04: "1104", 0x08: "1105", 0x10: "1106", 0x20: "1107"}
SETTLED_TAGS = frozenset({"1104", "1105"})


def receipt_sums(items: list[dict], sums: dict[int, int], change: int, total: int) -> dict[str, int]:
    """Tags 1020, 1031, 1081, 1215-1217 and 1102-1107 of a receipt as the FN stores them: the cash
    sum is what stayed in the drawer (paid less change), and 1031 and 1081 are always there."""
    out = {"1020": total, "1031": 0, "1081": 0}
    for index, amount in sums.items():
        tag = PAYMENT_TAGS[index]
        out[tag] = out.get(tag, 0) + amount - (change if index == 1 else 0)
    for item in items:
        tag = VAT_TAGS.get(item["tax"])
        if tag is not None:
            out[tag] = out.get(tag, 0) + (item["amount"] if tag in SETTLED_TAGS else item["vat"])
    return out


def vat_of(amount: int, tax: int) -> int | None:
    """The VAT inside a VAT-inclusive sum, as the register computes tag 1200."""
    rate = TAX_RATES.get(tax)
    if rate is None:
        return None
    return w.half_up(Decimal(amount) * rate / (100 + rate))


class Reject(Exception):
    """Answer with this error code, change nothing."""

    def __init__(self, code: int):
        super().__init__(code)
        self.code = code


class Device:
    def __init__(self, state_path: Path):
        self.state_path = state_path
        self.state: KktState = load_state(state_path)
        if not state_path.exists():
            self._save()
        self.operator = 30
        self.answer_delay = 0.0  # how long the command takes beyond its answer (an online check)
        self._handlers: dict[int, Callable[[bytes], bytes]] = {
            0xFC: self._device_type,
            0x10: self._short_status,
            0x11: self._full_status,
            0x1F: self._read_table,
            0xE0: self._open_shift,
            0x40: self._x_report,
            0x41: self._z_report,
            0x8D: self._open_receipt,
            0x80: self._classic_sale,
            0x82: self._classic_return,
            0x85: self._classic_close,
            0x88: self._cancel,
            0x89: self._subtotal,
            0xB0: self._continue,
            0x17: self._print_line,
            0x25: self._cut,
            0x50: self._cash_in,
            0x51: self._cash_out,
            0xFF01: self._fn_status,
            0xFF02: self._fn_serial,
            0xFF03: self._fn_expiry,
            0xFF08: self._fn_cancel,
            0xFF0A: self._find_document,
            0xFF0C: self._tlv,
            0xFF39: self._ofd_status,
            0xFF40: self._shift_params,
            0xFF41: self._begin_shift_open,
            0xFF42: self._begin_shift_close,
            0xFF45: self._close_v2,
            0xFF46: self._operation_v2,
            0xFF4D: self._position_tlv,
            0xFF61: self._mark_check,
            0xFF67: self._mark_bind,
            0xFF69: self._mark_accept,
        }

    # the command loop

    def handle(self, body: bytes) -> bytes:
        try:
            command, data = w.command_of(body)
        except ValueError:
            return bytes([body[0] if body else 0, E_BAD_PARAMS])
        head = w.head_of(command)
        handler = self._handlers.get(command)
        self.answer_delay = 0.0
        if handler is None:
            return head + bytes([E_NOT_SUPPORTED])
        try:
            if command != 0xFC:
                data = self._check_password(command, data)
            return head + bytes([E_OK]) + handler(data)
        except Reject as reject:
            self._reload()  # a refused command changes nothing
            return head + bytes([reject.code])
        except (IndexError, ValueError):
            self._reload()
            return head + bytes([E_BAD_PARAMS])

    def _check_password(self, command: int, data: bytes) -> bytes:
        if len(data) < 4:
            raise Reject(E_BAD_PARAMS)
        password = w.uint(data[:4])
        if command in SYSADMIN_COMMANDS:
            allowed = {SYSADMIN_PASSWORD}
        elif command in (0x40, 0x41):
            allowed = ADMIN_PASSWORDS
        else:
            allowed = OPERATOR_PASSWORDS
        if password not in allowed:
            raise Reject(E_PASSWORD)
        self.operator = password
        return data[4:]

    def _save(self) -> None:
        save_state(self.state_path, self.state)

    def _reload(self) -> None:
        """Back to the last committed state (the archive in memory holds all it names)."""
        self.state = load_state(self.state_path, self.state.documents)

    # clock and modes

    def now(self) -> datetime:
        """The register's clock: local time of its zone (aware)."""
        return self.state.now().astimezone(ZoneInfo(self.state.timezone))

    def shift_expired(self) -> bool:
        s = self.state
        return bool(
            s.shift_open
            and s.shift_opened_at
            and self.now() - datetime.fromisoformat(s.shift_opened_at) > SHIFT_LIMIT
        )

    def mode(self) -> int:
        s = self.state
        if s.receipt is not None:  # 8.N: the kind in bits 4-6, bit 7 a correction receipt
            return 8 | (s.receipt.kind << 4) | (CORRECTION if s.receipt.correction else 0)
        if s.shift_open:
            return 3 if self.shift_expired() else 2
        return 4

    def submode(self) -> int:
        s = self.state
        paper_ok = s.paper and not s.cover_open
        if s.print_failed:
            return 3 if paper_ok else 2
        return 0 if paper_ok else 1

    def flags(self) -> int:
        s = self.state
        flags = 0
        if s.paper:
            flags |= 1 << 1 | 1 << 7  # receipt roll present, optical sensor sees paper
        if s.cover_open:
            flags |= 1 << 10
        return flags

    def _needs_printer(self) -> None:
        s = self.state
        if s.print_failed and s.paper and not s.cover_open:
            raise Reject(E_WAIT_CONTINUE)
        if not s.paper or s.cover_open:
            s.print_failed = True
            self._save()
            raise Reject(E_NO_PAPER)

    def _needs_open_shift(self) -> None:
        if not self.state.shift_open:
            raise Reject(E_SHIFT_NOT_OPEN)
        if self.shift_expired():
            raise Reject(E_SHIFT_EXPIRED)

    def _needs_no_receipt(self) -> None:
        if self.state.receipt is not None:
            raise Reject(E_RECEIPT_OPEN)

    def _ofd_sweep(self) -> None:
        """An online register hands its documents to the OFD, oldest first, shortly after they
        are made."""
        s = self.state
        if not s.ofd_online:
            return
        limit = self.now() - OFD_DELAY
        sent = s.ofd_sent_fd
        for doc in self._waiting():
            if datetime.fromisoformat(doc["datetime"]) > limit:
                break
            sent = doc["fd"]
        if sent != s.ofd_sent_fd:
            s.ofd_sent_fd = sent
            self._save()

    def _waiting(self) -> list[dict]:
        """The documents the OFD has not confirmed, oldest first (read from the archive's end)."""
        waiting = []
        for doc in reversed(self.state.documents):
            fd = doc.get("fd")
            if fd is not None and fd <= self.state.ofd_sent_fd:
                break
            if fd is not None:
                waiting.append(doc)
        waiting.reverse()
        return waiting

    def _unsent(self) -> list[dict]:
        self._ofd_sweep()
        return self._waiting()

    def _ofd_waiting_since(self) -> datetime | None:
        """When the oldest document the OFD has not confirmed was made (or the OFD was lost)."""
        unsent = self._unsent()
        moments = [datetime.fromisoformat(unsent[0]["datetime"])] if unsent else []
        if self.state.ofd_lost_since:
            moments.append(datetime.fromisoformat(self.state.ofd_lost_since))
        return min(moments) if moments else None

    def fn_expires(self) -> date:
        return date.fromisoformat(self.state.fn_expires)

    def _needs_fn_alive(self) -> None:
        """What the FN refuses a new fiscal document for, in the order it checks."""
        if self.now().date() > self.fn_expires():
            raise Reject(E_FN_EXPIRED)
        if self.state.fn_fill >= 100:
            raise Reject(E_FN_FULL)
        since = self._ofd_waiting_since()
        if since is not None and self.now() - since > OFD_LIMIT:
            raise Reject(E_OFD_BLOCKED)

    def fn_warnings(self) -> int:
        """FF01 warning flags: bit 0 replace urgently (3 days), 1 replace soon (30 days),
        2 archive 90 % full, 3 the OFD has not answered for too long."""
        left = datetime.combine(self.fn_expires(), datetime.min.time(), self.now().tzinfo) - self.now()
        flags = 0
        if left <= FN_URGENT:
            flags |= 1 << 0
        if left <= FN_SOON:
            flags |= 1 << 1
        if self.state.fn_fill >= FN_NEARLY_FULL:
            flags |= 1 << 2
        since = self._ofd_waiting_since()
        if since is not None and self.now() - since > OFD_WARNING:
            flags |= 1 << 3
        return flags

    # documents

    def _fiscal_sign(self, fd: int, total: int, moment: datetime) -> int:
        seed = f"{identity.EMULATOR_FN_SERIAL}:{fd}:{total}:{moment.isoformat()}".encode()
        return int.from_bytes(hashlib.sha256(seed).digest()[:4], "big")

    def _new_document(self, kind: str, tags: dict | None = None, **fields) -> dict:
        s = self.state
        moment = self.now()
        s.last_fd += 1
        total = fields.get("total", 0)
        doc = {
            "fd": s.last_fd,
            "type": kind,
            "shift": s.shift_number,
            "datetime": moment.isoformat(),
            "total": total,
            "items": [],
            "payments": [],
            "tags": dict(tags or {}),
            "fiscal_sign": str(self._fiscal_sign(s.last_fd, total, moment)),
        }
        doc.update(fields)
        s.documents.append(doc)
        return doc

    def _find(self, fd: int) -> dict | None:
        for doc in self.state.documents:
            if doc.get("fd") == fd:
                return doc
        return None

    def _short_answer(self) -> bytes:
        return bytes([self.operator])

    # classic commands

    def _device_type(self, data: bytes) -> bytes:
        return bytes(identity.DEVICE_TYPE) + w.text_field(identity.EMULATOR_MODEL)

    def _short_status(self, data: bytes) -> bytes:
        items = len(self.state.receipt.items) if self.state.receipt else 0
        return (
            bytes([self.operator])
            + w.put(self.flags(), 2)
            + bytes([self.mode(), self.submode(), items & 0xFF, 0x9F, 0xE5, 0, 0, items >> 8])
            + bytes(3)
        )

    def _full_status(self, data: bytes) -> bytes:
        s = self.state
        now = self.now()
        build_date = datetime(2024, 3, 1)
        last_closed = s.shift_number - 1 if s.shift_open else s.shift_number
        return (
            bytes([self.operator])
            + w.text_field(identity.EMULATOR_FIRMWARE, 2)
            + w.put(identity.EMULATOR_FIRMWARE_BUILD, 2)
            + w.day_month_year(build_date)
            + bytes([1])  # number in the hall
            + w.put(s.last_fd & 0xFFFF, 2)
            + w.put(self.flags(), 2)
            + bytes([self.mode(), self.submode(), 1])
            + w.text_field(identity.EMULATOR_FIRMWARE, 2)
            + w.put(identity.EMULATOR_FIRMWARE_BUILD, 2)
            + w.day_month_year(build_date)
            + w.day_month_year(now)
            + w.hour_minute_second(now)
            + bytes([0x03])  # FP flags
            + w.put(int(identity.EMULATOR_SERIAL), 4)
            + w.put(max(last_closed, 0), 2)
            + w.put(2000, 2)
            + bytes([1, 11])
            + w.put(int(identity.EMULATOR_INN), 6)
        )

    def _read_table(self, data: bytes) -> bytes:
        """0x1F: only the serial number's field is kept here."""
        table, row, field = data[0], w.uint(data[1:3]), data[3]
        if (table, row, field) != SERIAL_TABLE:
            raise Reject(E_BAD_PARAMS)
        return w.text_field(identity.EMULATOR_SERIAL, SERIAL_FIELD_SIZE)

    def _begin_shift_open(self, data: bytes) -> bytes:
        """FF41: the FN opens the shift-open report so that its tags (1021, 1203) can be sent."""
        s = self.state
        self._needs_no_receipt()
        if s.shift_open:
            raise Reject(E_MODE)
        self._needs_fn_alive()
        s.shift_document, s.shift_tags = "shift_open", {}
        self._save()
        return b""

    def _begin_shift_close(self, data: bytes) -> bytes:
        s = self.state
        self._needs_no_receipt()
        if not s.shift_open:
            raise Reject(E_MODE)
        s.shift_document, s.shift_tags = "shift_close", {}
        self._save()
        return b""

    def _shift_tags(self, kind: str) -> dict:
        s = self.state
        tags = s.shift_tags if s.shift_document == kind else {}
        s.shift_document, s.shift_tags = None, {}
        return tags

    def _open_shift(self, data: bytes) -> bytes:
        s = self.state
        self._needs_no_receipt()
        if s.shift_open:
            raise Reject(E_MODE)
        self._needs_fn_alive()
        self._needs_printer()
        s.shift_open = True
        s.shift_number += 1
        s.shift_opened_at = self.now().isoformat()
        s.receipt_number = 0
        self._new_document("shift_open", self._shift_tags("shift_open"))
        self._save()
        return self._short_answer()

    def _x_report(self, data: bytes) -> bytes:
        self._needs_no_receipt()
        self._needs_printer()
        return self._short_answer()

    def _z_report(self, data: bytes) -> bytes:
        s = self.state
        self._needs_no_receipt()
        if not s.shift_open:
            raise Reject(E_MODE)
        self._needs_printer()
        self._new_document("shift_close", self._shift_tags("shift_close"))
        s.shift_open = False
        s.shift_opened_at = None
        self._save()
        return self._short_answer()

    def _open_receipt(self, data: bytes) -> bytes:
        kind = data[0] & ~CORRECTION
        if kind not in KIND_NAMES:
            raise Reject(E_BAD_PARAMS)
        self._begin_receipt(kind, correction=bool(data[0] & CORRECTION))
        self._save()
        return self._short_answer()

    def _begin_receipt(self, kind: int, correction: bool = False) -> None:
        self._needs_no_receipt()
        self._needs_open_shift()
        self._needs_fn_alive()
        self._needs_printer()
        self.state.shift_document, self.state.shift_tags = None, {}
        self.state.receipt = OpenReceipt(kind=kind, opened_at=self.now().isoformat(), correction=correction)

    def _receipt_for(self, kind: int) -> OpenReceipt:
        receipt = self.state.receipt
        if receipt is None:
            self._begin_receipt(kind)
            return self.state.receipt
        if receipt.kind != kind:
            raise Reject(E_BAD_OPERATION)
        return receipt

    def _add_line(self, kind: int, item: dict) -> None:
        self._needs_printer()
        receipt = self._receipt_for(kind)
        if sum(line["amount"] for line in receipt.items) + item["amount"] > MAX_SUM:
            raise Reject(E_TOTAL_OVERFLOW)
        receipt.items.append(item)
        self._save()

    def _classic_line(self, kind: int, data: bytes) -> bytes:
        """0x80/0x82: quantity (thousandths, 5), price (5), department, four tax groups, text (40);
        the register computes the sum itself."""
        if len(data) < 15:
            raise Reject(E_BAD_PARAMS)
        quantity = w.quantity(data[0:5], 3)
        price = w.uint(data[5:10])
        department = data[10]
        groups = [group for group in data[11:15] if group]
        if quantity <= 0:
            raise Reject(E_QUANTITY_RANGE)
        if price > MAX_SUM:
            raise Reject(E_PRICE_RANGE)
        if department not in DEPARTMENTS:
            raise Reject(E_DEPARTMENT_RANGE)
        if len(groups) != 1 or groups[0] not in CLASSIC_GROUPS:
            raise Reject(E_BAD_PARAMS)
        tax = CLASSIC_GROUPS[groups[0]]
        amount = w.half_up(quantity * price)
        if amount > MAX_SUM:
            raise Reject(E_MULTIPLY_OVERFLOW)
        name = w.command_text(data[15:55])
        self._add_line(kind, self._item(name, quantity, price, amount, tax, department, 4, 1))
        return self._short_answer()

    def _item(self, name: str, quantity, price, amount, tax, department, method, subject) -> dict:
        """A position as the FN stores it. The device prints its name on the receipt unless the
        name begins with "//": such a name goes to the FN and the OFD but is left off the paper
        (the vendor's JavaPOS driver, FSPrintRecItem.java). This emulator keeps no printed image,
        so it stores the name as any other; kassa never sends one (``printed_name``)."""
        return {
            "name": name,
            "quantity": str(quantity.quantize(Decimal("0.001"))),
            "price": price,
            "amount": amount,
            "tax": tax,
            "vat": vat_of(amount, tax),
            "department": department,
            "payment_method": method,
            "payment_object": subject,
            "tags": {},
        }

    def _classic_sale(self, data: bytes) -> bytes:
        return self._classic_line(0, data)

    def _classic_return(self, data: bytes) -> bytes:
        return self._classic_line(2, data)

    def _finish_receipt(self, sums: dict[int, int], rounding: int = 0, tax_system: int | None = None) -> dict:
        s = self.state
        receipt = s.receipt
        if receipt is None:
            raise Reject(E_RECEIPT_CLOSED)
        self._needs_fn_alive()
        for item in receipt.items:  # FFD 1.2: every position names its unit of measure
            if "2108" not in item["tags"]:
                raise Reject(E_FN_MISSING)
        self._needs_codes_bound()
        if receipt.correction:
            self._check_correction(receipt.tags)
        if any(amount > MAX_SUM for amount in sums.values()):
            raise Reject(E_TOTAL_RANGE)
        total = sum(item["amount"] for item in receipt.items)
        if total > MAX_SUM:  # a state from before the range was kept: refused, never overflowed
            raise Reject(E_TOTAL_OVERFLOW)
        if rounding > 99 or rounding > total:
            raise Reject(E_BAD_PARAMS)
        total -= rounding
        if total == 0:
            raise Reject(E_ZERO_TOTAL)
        paid = sum(sums.values())
        if paid < total:
            raise Reject(E_PAYMENT_SHORT)
        cashless = paid - sums.get(1, 0)
        if cashless > total:
            raise Reject(E_CASHLESS_OVER)
        change = paid - total
        returning = receipt.kind in (1, 2)
        if returning and sums.get(1, 0) - change > s.cash:
            raise Reject(E_NO_CASH)
        self._needs_printer()
        payments = [
            {"index": index, "kind": PAYMENT_NAMES.get(index, f"type{index}"), "amount": amount}
            for index, amount in sorted(sums.items())
            if amount
        ]
        kind = {0: "receipt", 2: "return"}.get(receipt.kind, KIND_NAMES[receipt.kind])
        if receipt.correction:
            kind = "correction"
        doc = self._new_document(
            kind,
            receipt.tags,
            total=total,
            items=receipt.items,
            payments=payments,
            change=change,
            rounding=rounding,
            tax_system=tax_system,
            operation=KIND_TO_OPERATION[receipt.kind],
            number_in_shift=s.receipt_number + 1,
            sums=receipt_sums(receipt.items, sums, change, total),
        )
        cash_moved = sums.get(1, 0) - change
        s.cash += -cash_moved if returning else cash_moved
        self._settle_marks(receipt)
        s.receipt = None
        s.receipt_number += 1
        self._save()
        return doc

    def _check_correction(self, tags: dict[str, str]) -> None:
        """FFD 1.2: a correction receipt carries 1173 and 1174 with the corrected day (1178), not
        after today; by the tax service's order (1173 = 1) the order's number (1179) too."""
        basis = tags.get("1174")
        if "1173" not in tags or basis is None:
            raise Reject(E_FN_MISSING)
        fields = json.loads(basis)
        if "1178" not in fields or (tags["1173"] == "1" and "1179" not in fields):
            raise Reject(E_FN_MISSING)
        if date.fromisoformat(fields["1178"]) > self.now().date():
            raise Reject(E_BAD_TAG)

    def _only_system(self) -> int:
        """A classic close names no taxation system: the register uses the one it is registered
        for, and cannot choose among several."""
        systems = self.state.tax_systems
        if systems & (systems - 1):
            raise Reject(E_NOT_REGISTERED)
        return systems

    def _classic_close(self, data: bytes) -> bytes:
        if len(data) < 4 * 5 + 2 + 4:
            raise Reject(E_BAD_PARAMS)
        sums = {index + 1: w.uint(data[index * 5 : index * 5 + 5]) for index in range(4)}
        if data[20:22] != b"\x00\x00":  # a receipt discount in 0.01 %: the FN has no place for it
            raise Reject(E_BAD_PARAMS)
        doc = self._finish_receipt(sums, tax_system=self._only_system())
        return self._short_answer() + w.put(doc["change"], 5)

    def _subtotal(self, data: bytes) -> bytes:
        receipt = self.state.receipt
        if receipt is None:
            raise Reject(E_RECEIPT_CLOSED)
        total = sum(item["amount"] for item in receipt.items)
        if total > MAX_SUM:  # positions are refused past the range; a state from before is not printed
            raise Reject(E_TOTAL_RANGE)
        return self._short_answer() + w.put(total, 5)

    def _cancel(self, data: bytes) -> bytes:
        s = self.state
        if s.receipt is not None:
            s.receipt = None
            s.print_failed = False
            self._save()
        return self._short_answer()

    def _continue(self, data: bytes) -> bytes:
        s = self.state
        if not s.paper or s.cover_open:
            raise Reject(E_NO_PAPER)
        if s.print_failed:
            s.print_failed = False
            self._save()
        return self._short_answer()

    def _print_line(self, data: bytes) -> bytes:
        self._needs_printer()
        return self._short_answer()

    def _cut(self, data: bytes) -> bytes:
        self._needs_printer()
        return self._short_answer()

    def _cash_move(self, data: bytes, sign: int) -> bytes:
        s = self.state
        amount = w.uint(data[0:5])
        if amount > MAX_SUM:
            raise Reject(E_TOTAL_RANGE)
        self._needs_no_receipt()
        self._needs_open_shift()
        if sign < 0 and amount > s.cash:
            raise Reject(E_NO_CASH)
        self._needs_printer()
        s.cash += sign * amount
        s.documents.append(
            {
                "fd": None,
                "type": "cash_in" if sign > 0 else "cash_out",
                "shift": s.shift_number,
                "datetime": self.now().isoformat(),
                "total": amount,
                "items": [],
                "payments": [],
                "tags": {},
                "fiscal_sign": None,
            }
        )
        self._save()
        return self._short_answer() + w.put(len(s.documents) & 0xFFFF, 2)

    def _cash_in(self, data: bytes) -> bytes:
        return self._cash_move(data, 1)

    def _cash_out(self, data: bytes) -> bytes:
        return self._cash_move(data, -1)

    # FN commands

    def _fn_status(self, data: bytes) -> bytes:
        s = self.state
        current = 0x04 if s.receipt is not None else 0
        if s.shift_document == "shift_open":
            current = 0x02
        elif s.shift_document == "shift_close":
            current = 0x08
        return (
            bytes([0x03, current, 0, 1 if s.shift_open else 0, self.fn_warnings()])
            + w.fn_moment(self.now())
            + identity.EMULATOR_FN_SERIAL.encode("ascii")[:16].ljust(16, b"\x00")
            + w.put(s.last_fd, 4)
        )

    def _fn_serial(self, data: bytes) -> bytes:
        return identity.EMULATOR_FN_SERIAL.encode("ascii")[:16].ljust(16, b"\x00")

    def _fn_expiry(self, data: bytes) -> bytes:
        """FF03: YY MM DD, then re-registrations left and done (newer firmware adds these two)."""
        return w.fn_date(self.fn_expires()) + bytes([11, 1])

    def _fn_cancel(self, data: bytes) -> bytes:
        s = self.state
        s.shift_document, s.shift_tags = None, {}
        return self._cancel(data)[:0]

    def _find_document(self, data: bytes) -> bytes:
        fd = w.uint(data[0:4])
        if fd == 1:
            moment = datetime(2026, 1, 15, 9, 0)
            return (
                bytes([FN_DOC_TYPES["registration"], 1])
                + w.fn_moment(moment)
                + w.put(1, 4)
                + w.put(self._fiscal_sign(1, 0, moment), 4)
                + identity.EMULATOR_INN.ljust(12).encode("ascii")  # ASCII, space-padded
                + identity.EMULATOR_REGISTRATION_NUMBER.ljust(20).encode("ascii")
                + bytes([self.state.tax_systems, 0])  # taxation systems (tag 1062), work mode
            )
        doc = self._find(fd)
        if doc is None:
            raise Reject(E_FN_NO_DATA)
        moment = datetime.fromisoformat(doc["datetime"])
        head = (
            bytes([FN_DOC_TYPES[doc["type"]], 1 if fd <= self.state.ofd_sent_fd else 0])
            + w.fn_moment(moment)
            + w.put(doc["fd"], 4)
            + w.put(int(doc["fiscal_sign"]), 4)
        )
        if doc["type"] in ("receipt", "return", "correction"):
            return head + bytes([doc.get("operation", 1)]) + w.put(doc["total"], 5)
        return head + w.put(doc["shift"], 2)

    def _checked_tags(self, data: bytes, position: bool) -> dict[str, str]:
        if len(data) > MAX_TLV:
            raise Reject(E_FN_TLV_SIZE)
        try:
            entries = w.tlv_entries(data)
        except ValueError:
            raise Reject(E_BAD_PARAMS) from None
        if not entries:
            raise Reject(E_BAD_PARAMS)
        tags = {}
        receipt = self.state.receipt
        for tag, value in entries:
            if (tag in POSITION_TAGS) != position or tag in BASIS_TAGS or tag in BUYER_TAGS:
                raise Reject(E_BAD_TAG)
            if tag in CORRECTION_TAGS and not (receipt is not None and receipt.correction):
                raise Reject(E_BAD_TAG)  # only a correction receipt has a correction's tags
            if tag == TAG_BUYER_INFO:
                if receipt is None:
                    raise Reject(E_BAD_TAG)  # only a receipt has a buyer
                tags.update(self._buyer(value))
                continue
            tags[str(tag)] = self._tag_value(tag, value)
        return tags

    def _buyer(self, value: bytes) -> dict[str, str]:
        """1256: an STLV of 1227 and 1228 (each at most once, at least one), nothing else; kept as
        JSON of its parts as the FN holds them (1228 padded), and each part on its own too (the
        INN without its padding) where a reader of the journal looks for the buyer."""
        if len(value) > TAG_RULES[TAG_BUYER_INFO][1]:
            raise Reject(E_FN_TLV_SIZE)
        try:
            entries = w.tlv_entries(value)
        except ValueError:
            raise Reject(E_BAD_TAG) from None
        seen: dict[str, str] = {}
        for tag, inner in entries:
            if tag not in BUYER_TAGS or str(tag) in seen:
                raise Reject(E_BAD_TAG)
            seen[str(tag)] = self._tag_value(tag, inner)
        if not seen:
            raise Reject(E_BAD_TAG)
        flat = {tag: text.rstrip(" ") if tag == "1228" else text for tag, text in seen.items()}
        return {str(TAG_BUYER_INFO): json.dumps(dict(sorted(seen.items())), ensure_ascii=False), **flat}

    def _basis(self, value: bytes) -> str:
        """1174: an STLV of 1178 (once) and 1179 (at most once), nothing else; kept as
        JSON ``{"1178": "YYYY-MM-DD", "1179": "number"}``."""
        try:
            entries = w.tlv_entries(value)
        except ValueError:
            raise Reject(E_BAD_TAG) from None
        seen: dict[int, str] = {}
        for tag, inner in entries:
            if tag not in BASIS_TAGS or tag in seen:
                raise Reject(E_BAD_TAG)
            seen[tag] = self._tag_value(tag, inner)
        return json.dumps({str(tag): seen[tag] for tag in sorted(seen)}, ensure_ascii=False)

    @staticmethod
    def _industry(value: bytes) -> str:
        """1260: each of 1262-1265 once, as text of its size; 1262 digits, 1263 a real day."""
        try:
            entries = w.tlv_entries(value)
        except ValueError:
            raise Reject(E_BAD_TAG) from None
        parts: dict[str, str] = {}
        for tag, inner in entries:
            size = INDUSTRY_PARTS.get(tag)
            if size is None or str(tag) in parts or not inner or len(inner) > size:
                raise Reject(E_BAD_TAG)
            if any(byte < 0x20 or byte == 0x7F for byte in inner):
                raise Reject(E_BAD_TAG)
            parts[str(tag)] = inner.decode(w.TLV_TEXT)
        if set(parts) != {str(tag) for tag in INDUSTRY_PARTS} or not is_digits(parts["1262"]):
            raise Reject(E_FN_MISSING)
        try:
            datetime.strptime(parts["1263"], "%d.%m.%Y")
        except ValueError:
            raise Reject(E_BAD_TAG) from None
        return json.dumps(parts, ensure_ascii=False)

    def _tag_value(self, tag: int, value: bytes) -> str:
        kind, size = TAG_RULES.get(tag, ("text", 255))
        if kind == "stlv":
            if len(value) > size:
                raise Reject(E_FN_TLV_SIZE)
            return self._basis(value)
        if kind == "industry":
            if len(value) > size:
                raise Reject(E_FN_TLV_SIZE)
            return self._industry(value)
        if kind == "unixtime":
            if len(value) != size:
                raise Reject(E_BAD_TAG)
            return datetime.fromtimestamp(w.uint(value), UTC).date().isoformat()
        if kind == "byte":
            if len(value) != 1 or (tag == 2108 and value[0] not in UNITS):
                raise Reject(E_BAD_TAG)
            if tag == 1173 and value[0] not in (0, 1):
                raise Reject(E_BAD_TAG)
            return str(value[0])
        if kind == "inn":
            if len(value) != size or not is_digits(value):
                raise Reject(E_BAD_TAG)
            return value.decode("ascii")
        if kind == "buyer_inn":  # fixed-size 12: a person's 12 digits, an organization's 10 + 2 spaces
            digits = value[:10] if value[10:] == b"  " else value
            if len(value) != size or len(digits) not in (10, 12) or not is_digits(digits):
                raise Reject(E_BAD_TAG)
            return value.decode("ascii")
        if not value or len(value) > size or any(byte < 0x20 or byte == 0x7F for byte in value):
            raise Reject(E_BAD_TAG)
        return value.decode(w.TLV_TEXT)

    def _tlv(self, data: bytes) -> bytes:
        """FF0C: tags of the document open in the FN (a receipt, or a shift report after FF41/FF42)."""
        s = self.state
        if s.receipt is not None:
            target = s.receipt.tags
        elif s.shift_document is not None:
            target = s.shift_tags
        else:
            raise Reject(E_FN_STATE)
        target.update(self._checked_tags(data, position=False))
        self._save()
        return b""

    def _position_tlv(self, data: bytes) -> bytes:
        """FF4D: tags bound to the position just sent."""
        receipt = self.state.receipt
        if receipt is None or not receipt.items:
            raise Reject(E_FN_STATE)
        receipt.items[-1]["tags"].update(self._checked_tags(data, position=True))
        self._save()
        return b""

    def _ofd_status(self, data: bytes) -> bytes:
        unsent = self._unsent()
        first = unsent[0] if unsent else None
        status = (OFD_CONNECTED if self.state.ofd_online else 0) | (OFD_HAS_MESSAGE if unsent else 0)
        return (
            bytes([status, 0])
            + w.put(len(unsent), 2)
            + w.put(first["fd"] if first else 0, 4)
            + (w.fn_moment(datetime.fromisoformat(first["datetime"])) if first else bytes(5))
        )

    def _shift_params(self, data: bytes) -> bytes:
        s = self.state
        # the receipt number is the last receipt made in the shift (0 before the first one)
        return bytes([1 if s.shift_open else 0]) + w.put(s.shift_number, 2) + w.put(s.receipt_number, 2)

    def _operation_v2(self, data: bytes) -> bytes:
        line = parse_operation_v2(data)
        if line["operation"] not in OPERATION_TO_KIND:
            raise Reject(E_BAD_PARAMS)
        quantity = line["quantity"]
        if quantity <= 0:
            raise Reject(E_QUANTITY_RANGE)
        if line["price"] > MAX_SUM:
            raise Reject(E_PRICE_RANGE)
        amount = line["amount"]
        if amount is not None and amount > MAX_SUM:
            raise Reject(E_PRICE_RANGE)
        computed = w.half_up(quantity * line["price"])
        if amount is None:
            if computed > MAX_SUM:
                raise Reject(E_MULTIPLY_OVERFLOW)
            amount = computed
        elif abs(amount - computed) > 1:  # the sum may differ from price x quantity by one kopeck
            raise Reject(E_BAD_PARAMS)
        if line["tax"] not in TAX_RATES:
            raise Reject(E_BAD_PARAMS)
        if line["department"] not in DEPARTMENTS:
            raise Reject(E_DEPARTMENT_RANGE)
        if line["payment_method"] not in PAYMENT_METHODS or line["payment_object"] not in PAYMENT_OBJECTS:
            raise Reject(E_BAD_PARAMS)
        if not line["name"]:
            raise Reject(E_BAD_PARAMS)
        self._needs_codes_bound()
        item = self._item(
            line["name"],
            quantity,
            line["price"],
            amount,
            line["tax"],
            line["department"],
            line["payment_method"],
            line["payment_object"],
        )
        self._add_line(OPERATION_TO_KIND[line["operation"]], item)
        return b""

    def _needs_codes_bound(self) -> None:
        """A position sold as marked (1212 = 31/33) carries its code before anything follows it."""
        receipt = self.state.receipt
        if receipt is not None and receipt.items:
            last = receipt.items[-1]
            if last["payment_object"] in MARKED_OBJECTS and "mark" not in last:
                raise Reject(E_FN_MISSING)

    def _settle_marks(self, receipt: OpenReceipt) -> None:
        """A receipt's close tells the national system which units left (or came back), and
        uses up every check the FN kept for it."""
        sold = set(self.state.marks_sold)
        for item in receipt.items:
            mark = item.get("mark")
            if mark and mark.get("identity"):
                if mark["plan"] in PLANS_SOLD:
                    sold.add(mark["identity"])
                elif mark["plan"] in PLANS_RETURNED:
                    sold.discard(mark["identity"])
        self.state.marks_sold = sorted(sold)
        self.state.marks_accepted = []

    # marked goods: FF61 check, FF69 accept or reject, FF67 bind to the last position

    def _mark_check(self, data: bytes) -> bytes:
        """FF61: planned status, mode, code length, TLV length, code, TLV. The FN checks the
        tail when it can, then (online) asks the national system about the planned status."""
        s = self.state
        if len(data) < 4:
            raise Reject(E_BAD_PARAMS)
        plan, mode, size, tlv_size = data[0], data[1], data[2], data[3]
        raw, tlv = data[4 : 4 + size], data[4 + size :]
        if size == 0 or len(raw) != size or len(tlv) != tlv_size or plan not in PLANS or mode != 0:
            raise Reject(E_BAD_PARAMS)
        quantity = self._measured(plan, tlv)
        if len(s.marks_accepted) >= MARK_TABLE_SIZE:
            raise Reject(E_MARK_TABLE_FULL)
        try:
            code = raw.decode("ascii")
        except UnicodeDecodeError:
            raise Reject(E_BAD_PARAMS) from None
        mark = marks.parse(code)
        status, reason, code_type = self._local_check(mark)
        result = status
        oism = None
        if s.mark_online and s.ofd_online and s.mark_delay <= MARK_ONLINE_WAIT:
            oism = self._oism_status(mark, plan)
            result |= RESULT_STATUS_CHECKED | (RESULT_STATUS_OK if oism == STATUS_CORRECT else 0)
            online = bytes([ONLINE_ANSWERED, result]) + w.put(2109, 2) + w.put(1, 2) + bytes([oism])
            self.answer_delay = s.mark_delay
        else:  # unreachable, or slower than the FN waits
            online = bytes([ONLINE_NO_ANSWER])
            self.answer_delay = MARK_ONLINE_WAIT if s.mark_online and s.ofd_online else 0.0
        s.mark_pending = {
            "code": code,
            "identity": mark.identity if mark else None,
            "plan": plan,
            "quantity": str(quantity) if quantity is not None else None,
            "local": status,
            "reason": reason,
            "type": code_type,
            "oism": oism,
            "result": result,
        }
        self._save()
        return bytes([status, reason, code_type, len(online)]) + online

    def _measured(self, plan: int, tlv: bytes) -> Decimal | None:
        """A measured plan names the unit (2108) and the quantity (1023, FVLN) checked."""
        if plan not in PLANS_MEASURED:
            return None
        try:
            tags = dict(w.tlv_entries(tlv))
        except ValueError:
            raise Reject(E_BAD_PARAMS) from None
        unit, quantity = tags.get(2108), tags.get(TAG_QUANTITY)
        if unit is None or quantity is None or len(unit) != 1 or unit[0] not in UNITS or len(quantity) < 2:
            raise Reject(E_MARK_TLV_MISSING)
        value = Decimal(w.uint(quantity[1:])).scaleb(-quantity[0])
        if value <= 0:
            raise Reject(E_BAD_PARAMS)
        return value

    @staticmethod
    def _local_check(mark: marks.MarkCode | None) -> tuple[int, int, int]:
        """The FN's own check: (status, reason it was not done, code type 2100)."""
        if mark is None:
            return LOCAL_NOT_CHECKED, marks.REASON_FORMAT, marks.TYPE_UNKNOWN
        if not mark.fn_checkable:
            return LOCAL_NOT_CHECKED, marks.REASON_NOT_CHECKABLE, mark.code_type
        if mark.key_id != marks.KEY_ID:
            return LOCAL_NOT_CHECKED, marks.REASON_NO_KEY, mark.code_type
        status = LOCAL_POSITIVE if marks.genuine(mark) else LOCAL_NEGATIVE
        return status, marks.REASON_CHECKED, mark.code_type

    def _oism_status(self, mark: marks.MarkCode | None, plan: int) -> int:
        """The national system's answer (2109): unknown or forged codes and a sale of a unit it
        knows as sold (or a return of one it does not) are incorrect."""
        if mark is None or not marks.genuine(mark):
            return STATUS_INCORRECT
        if mark.gtin in marks.SUSPENDED_GTINS:
            return STATUS_SUSPENDED
        sold = mark.identity in self.state.marks_sold
        if (plan in PLANS_SOLD and sold) or (plan in PLANS_RETURNED and not sold):
            return STATUS_INCORRECT
        return STATUS_CORRECT

    def _mark_accept(self, data: bytes) -> bytes:
        """FF69: 1 keeps the checked code for the next receipt (checking it again replaced any
        earlier result), 0 drops it; answers its 2106 result."""
        s = self.state
        if len(data) != 1 or data[0] not in (0, 1):
            raise Reject(E_BAD_PARAMS)
        pending = s.mark_pending
        if pending is None:
            raise Reject(E_MARK_SEQUENCE)
        s.mark_pending = None
        if data[0] == 1:
            s.marks_accepted = [m for m in s.marks_accepted if m["code"] != pending["code"]] + [pending]
        self._save()
        return bytes([pending["result"]])

    def _mark_bind(self, data: bytes) -> bytes:
        """FF67: code length, code (and an optional flag byte): the accepted code goes to the
        position just sent, whose calculation sign, quantity and object must fit its plan."""
        receipt = self.state.receipt
        if not data or len(data) not in (1 + data[0], 2 + data[0]) or data[0] == 0:
            raise Reject(E_BAD_PARAMS)
        code = data[1 : 1 + data[0]].decode("ascii", errors="replace")
        if receipt is None:
            raise Reject(E_FN_STATE)
        if not receipt.items or "mark" in receipt.items[-1]:
            raise Reject(E_MARK_SEQUENCE)
        accepted = next((m for m in self.state.marks_accepted if m["code"] == code), None)
        if accepted is None:
            raise Reject(E_MARK_UNCHECKED)
        if any(item.get("mark", {}).get("code") == code for item in receipt.items):
            raise Reject(E_FN_DUPLICATE)
        item = receipt.items[-1]
        plan = accepted["plan"]
        quantity = Decimal(item["quantity"])
        if (
            (plan in PLANS_SOLD and receipt.kind != 0)
            or (plan in PLANS_RETURNED and receipt.kind != 2)
            or item["payment_object"] not in MARKED_OBJECTS
            or (plan not in PLANS_MEASURED and plan != 255 and quantity != 1)
            or (plan in PLANS_MEASURED and quantity != Decimal(accepted["quantity"]))
        ):
            raise Reject(E_BAD_TAG)
        item["mark"] = {
            "code": code,
            "identity": accepted["identity"],
            "plan": plan,
            "type": accepted["type"],
            "result": accepted["result"],
            "oism": accepted["oism"],
        }
        self._save()
        online = bytes([ONLINE_ANSWERED, accepted["result"]])
        if accepted["oism"] is None:
            online = bytes([ONLINE_NO_ANSWER])
        return (
            DATAMATRIX
            + bytes([DM_KIND.get(accepted["type"], 0xFF)])
            + bytes([accepted["local"], accepted["reason"], accepted["type"], len(online)])
            + online
        )

    def _close_v2(self, data: bytes) -> bytes:
        request = parse_close_v2(data)
        system = request["tax_system"]
        if system == 0 or system & (system - 1) or system >> TAX_SYSTEM_BITS:
            raise Reject(E_BAD_PARAMS)
        if not system & self.state.tax_systems:
            raise Reject(E_NOT_REGISTERED)
        sums = {index + 1: amount for index, amount in enumerate(request["sums"]) if amount}
        doc = self._finish_receipt(sums, request["rounding"], system)
        return (
            w.put(doc["change"], 5)
            + w.put(doc["fd"], 4)
            + w.put(int(doc["fiscal_sign"]), 4)
            + w.fn_moment(datetime.fromisoformat(doc["datetime"]))
        )

    # faults reach the device through these

    def set_paper(self, present: bool) -> None:
        self.state.paper = present
        self._save()

    def set_cover(self, open_: bool) -> None:
        self.state.cover_open = open_
        self._save()

    def shift_clock(self, hours: float) -> None:
        self.state.clock_offset += hours * 3600
        self._save()

    def set_ofd_online(self, online: bool) -> None:
        self.state.ofd_online = online
        if online:
            self.state.ofd_lost_since = None
        self._save()

    def lose_ofd(self, days: float) -> None:
        """The OFD has been unreachable for ``days``: documents stay unsent from then on."""
        self.state.ofd_online = False
        self.state.ofd_lost_since = (self.now() - timedelta(days=days)).isoformat()
        self._save()

    def expire_fn_in(self, days: float) -> None:
        self.state.fn_expires = (self.now() + timedelta(days=days)).date().isoformat()
        self._save()

    def set_mark_online(self, online: bool, delay: float = 0.0) -> None:
        """Whether the national system answers online checks, and how many seconds it takes."""
        self.state.mark_online = online
        self.state.mark_delay = delay
        self._save()

    def fill_fn(self, percent: float) -> None:
        self.state.fn_fill = min(percent, 100.0)
        self._save()


def journal(state_path: Path) -> list[dict]:
    """The fiscal documents (and cash movements) as `kassa emulate journal` prints them."""
    state = load_state(state_path)
    keys = ("fd", "type", "shift", "datetime", "total", "items", "payments", "tags", "fiscal_sign")
    out = []
    for doc in state.documents:
        entry = {key: doc.get(key) for key in keys}
        entry["change"] = doc.get("change", 0)
        entry["tax_system"] = doc.get("tax_system")
        entry["operation"] = doc.get("operation")  # tag 1054 of a receipt
        entry["number_in_shift"] = doc.get("number_in_shift")  # tag 1042 of a receipt
        entry["sums"] = doc.get("sums")  # a receipt's 1020, 1031, 1081, 1215-1217, 1102-1107
        entry["ofd_sent"] = doc.get("fd") is not None and doc["fd"] <= state.ofd_sent_fd
        out.append(entry)
    return out
