"""The emulated register's brain: a command frame body in, an answer body out.

It keeps the rules a real Shtrih-M with an FN enforces: modes (2 shift open, 3 shift over
24 hours, 4 shift closed, 8 document open), paper and cover, passwords, FD numbering,
fiscal signs and the OFD queue. Each state change is saved before the answer is built,
so an answer lost on the wire never loses a document.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from drivers.shtrih import values as v
from drivers.shtrih.frame import command_bytes, split_command
from sim.kkt import identity
from sim.kkt.state import KktState, OpenReceipt, load_state, save_state

# error codes of the real device (the driver's table names them)
E_OK = 0x00
E_FN_NO_DATA = 0x08
E_OFD_BLOCKED = 0x15
E_BAD_PARAMS = 0x33
E_NOT_SUPPORTED = 0x37
E_SHIFT_NOT_OPEN = 0x3D
E_PAYMENT_SHORT = 0x45
E_NO_CASH = 0x46
E_RECEIPT_OPEN = 0x4A
E_CASHLESS_OVER = 0x4D
E_SHIFT_EXPIRED = 0x4E
E_PASSWORD = 0x4F
E_RECEIPT_CLOSED = 0x55
E_WAIT_CONTINUE = 0x58
E_BAD_OPERATION = 0x5E
E_NO_PAPER = 0x6B
E_MODE = 0x73
E_ZERO_TOTAL = 0x8E

SYSADMIN_PASSWORD = 30
ADMIN_PASSWORDS = {29, SYSADMIN_PASSWORD}
OPERATOR_PASSWORDS = set(range(1, 29)) | ADMIN_PASSWORDS
# the protocol asks for the system administrator's password with these
SYSADMIN_COMMANDS = frozenset({0x1F, 0xFF01, 0xFF02, 0xFF03, 0xFF08, 0xFF0A, 0xFF0C, 0xFF39, 0xFF40})
SERIAL_TABLE = (18, 1, 1)  # table 18 ("fiscal storage"), row 1, field 1: the serial number
SERIAL_FIELD_SIZE = 21  # a string field of 21 bytes on real registers (0x2E describes it so)
SHIFT_LIMIT = timedelta(hours=24)
OFD_LIMIT = timedelta(days=30)
OFD_DELAY = timedelta(seconds=2)  # an online register sends a document to the OFD this fast

# receipt kinds: 0x8D types and the FF46 operation types that open them
KIND_NAMES = {0: "receipt", 1: "buy", 2: "return", 3: "buy_return"}
OPERATION_TO_KIND = {1: 0, 2: 2, 3: 1, 4: 3}
KIND_TO_OPERATION = {kind: op for op, kind in OPERATION_TO_KIND.items()}
PAYMENT_NAMES = {1: "cash", 2: "card"}

FN_DOC_TYPES = {"registration": 1, "shift_open": 2, "receipt": 3, "return": 3, "shift_close": 5}

# FF39 exchange status bits
OFD_CONNECTED = 1 << 0
OFD_HAS_MESSAGE = 1 << 1


def parse_operation_v2(data: bytes) -> dict:
    """FF46 after the password: operation, quantity (6 bytes, millionths), price, sum, tax sum,
    tax bits, department, payment method (1214), payment object (1212), name (0-128 bytes)."""
    raw_amount = data[12:17]
    raw_tax = data[17:22]
    return {
        "operation": data[0],
        "quantity": v.parse_quantity(data[1:7], 6),
        "price": v.from_le(data[7:12]),
        "amount": None if raw_amount == b"\xff" * 5 else v.from_le(raw_amount),
        "tax_amount": None if raw_tax == b"\xff" * 5 else v.from_le(raw_tax),
        "tax": data[22],
        "department": data[23],
        "payment_method": data[24],
        "payment_object": data[25],
        "name": v.parse_text(data[26:154]),
    }


def parse_close_v2(data: bytes) -> dict:
    """FF45 after the password: 16 payment sums, rounding, 6 tax sums, tax system, text."""
    if len(data) < 16 * 5 + 1 + 6 * 5 + 1:
        raise ValueError("FF45 too short")
    return {
        "sums": [v.from_le(data[i * 5 : i * 5 + 5]) for i in range(16)],
        "rounding": data[80],
        "taxes": [v.from_le(data[81 + i * 5 : 86 + i * 5]) for i in range(6)],
        "tax_system": data[111],
        "text": v.parse_text(data[112:176]),
    }


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
            0xFF45: self._close_v2,
            0xFF46: self._operation_v2,
        }

    # the command loop

    def handle(self, body: bytes) -> bytes:
        command, data = split_command(body)
        head = command_bytes(command)
        handler = self._handlers.get(command)
        if handler is None:
            return head + bytes([E_NOT_SUPPORTED])
        try:
            if command != 0xFC:
                data = self._check_password(command, data)
            return head + bytes([E_OK]) + handler(data)
        except Reject as reject:
            return head + bytes([reject.code])
        except (IndexError, ValueError):
            return head + bytes([E_BAD_PARAMS])

    def _check_password(self, command: int, data: bytes) -> bytes:
        if len(data) < 4:
            raise Reject(E_BAD_PARAMS)
        password = v.from_le(data[:4])
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

    # modes

    def now(self) -> datetime:
        return self.state.now()

    def shift_expired(self) -> bool:
        s = self.state
        return bool(
            s.shift_open
            and s.shift_opened_at
            and self.now() - datetime.fromisoformat(s.shift_opened_at) > SHIFT_LIMIT
        )

    def mode(self) -> int:
        s = self.state
        if s.receipt is not None:
            return 8 | (s.receipt.kind << 4)
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
        """An online register hands its documents to the OFD shortly after they are made."""
        if not self.state.ofd_online:
            return
        limit = self.now() - OFD_DELAY
        changed = False
        for doc in self.state.documents:
            if doc.get("fd") and not doc.get("ofd_sent") and datetime.fromisoformat(doc["datetime"]) <= limit:
                doc["ofd_sent"] = True
                changed = True
        if changed:
            self._save()

    def _unsent(self) -> list[dict]:
        self._ofd_sweep()
        return [d for d in self.state.documents if d.get("fd") and not d.get("ofd_sent")]

    def _needs_ofd_in_time(self) -> None:
        unsent = self._unsent()
        if unsent and self.now() - datetime.fromisoformat(unsent[0]["datetime"]) > OFD_LIMIT:
            raise Reject(E_OFD_BLOCKED)

    # documents

    def _fiscal_sign(self, fd: int, total: int, moment: datetime) -> int:
        seed = f"{identity.EMULATOR_FN_SERIAL}:{fd}:{total}:{moment.isoformat()}".encode()
        return int.from_bytes(hashlib.sha256(seed).digest()[:4], "big")

    def _new_document(self, kind: str, **fields) -> dict:
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
            "tags": dict(s.pending_tags),
            "fiscal_sign": str(self._fiscal_sign(s.last_fd, total, moment)),
            "ofd_sent": False,
        }
        doc.update(fields)
        s.pending_tags = {}
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
        return bytes(identity.DEVICE_TYPE) + v.text(identity.EMULATOR_MODEL)

    def _short_status(self, data: bytes) -> bytes:
        items = len(self.state.receipt.items) if self.state.receipt else 0
        return (
            bytes([self.operator])
            + v.le(self.flags(), 2)
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
            + v.text(identity.EMULATOR_FIRMWARE, 2)
            + v.le(identity.EMULATOR_FIRMWARE_BUILD, 2)
            + v.date3(build_date)
            + bytes([1])  # number in the hall
            + v.le(s.last_fd & 0xFFFF, 2)
            + v.le(self.flags(), 2)
            + bytes([self.mode(), self.submode(), 1])
            + v.text(identity.EMULATOR_FIRMWARE, 2)
            + v.le(identity.EMULATOR_FIRMWARE_BUILD, 2)
            + v.date3(build_date)
            + v.date3(now)
            + v.time3(now)
            + bytes([0x03])  # FP flags
            + v.le(int(identity.EMULATOR_SERIAL), 4)
            + v.le(max(last_closed, 0), 2)
            + v.le(2000, 2)
            + bytes([1, 11])
            + v.le(int(identity.EMULATOR_INN), 6)
        )

    def _read_table(self, data: bytes) -> bytes:
        """0x1F: only the serial number's field is kept here."""
        table, row, field = data[0], v.from_le(data[1:3]), data[3]
        if (table, row, field) != SERIAL_TABLE:
            raise Reject(E_BAD_PARAMS)
        return v.text(identity.EMULATOR_SERIAL, SERIAL_FIELD_SIZE)

    def _open_shift(self, data: bytes) -> bytes:
        s = self.state
        self._needs_no_receipt()
        if s.shift_open:
            raise Reject(E_MODE)
        self._needs_ofd_in_time()
        self._needs_printer()
        s.shift_open = True
        s.shift_number += 1
        s.shift_opened_at = self.now().isoformat()
        s.receipt_number = 0
        self._new_document("shift_open")
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
        self._new_document("shift_close")
        s.shift_open = False
        s.shift_opened_at = None
        self._save()
        return self._short_answer()

    def _open_receipt(self, data: bytes) -> bytes:
        kind = data[0]
        if kind not in KIND_NAMES:
            raise Reject(E_BAD_PARAMS)
        self._begin_receipt(kind)
        return self._short_answer()

    def _begin_receipt(self, kind: int) -> None:
        self._needs_no_receipt()
        self._needs_open_shift()
        self._needs_ofd_in_time()
        self._needs_printer()
        self.state.receipt = OpenReceipt(kind=kind, opened_at=self.now().isoformat())

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
        receipt.items.append(item)
        self._save()

    def _classic_line(self, kind: int, data: bytes) -> bytes:
        quantity = v.parse_quantity(data[0:5], 3)
        price = v.from_le(data[5:10])
        department = data[10]
        tax = data[11]
        name = v.parse_text(data[15:55])
        amount = int((quantity * price).to_integral_value(rounding="ROUND_HALF_UP"))
        self._add_line(
            kind,
            {
                "name": name,
                "quantity": str(quantity),
                "price": price,
                "amount": amount,
                "tax": tax,
                "department": department,
                "payment_method": 4,
                "payment_object": 1,
            },
        )
        return self._short_answer()

    def _classic_sale(self, data: bytes) -> bytes:
        return self._classic_line(0, data)

    def _classic_return(self, data: bytes) -> bytes:
        return self._classic_line(2, data)

    def _finish_receipt(self, sums: dict[int, int]) -> dict:
        s = self.state
        receipt = s.receipt
        if receipt is None:
            raise Reject(E_RECEIPT_CLOSED)
        total = sum(item["amount"] for item in receipt.items)
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
        s.pending_tags.update(receipt.tags)
        payments = [
            {"index": index, "kind": PAYMENT_NAMES.get(index, f"type{index}"), "amount": amount}
            for index, amount in sorted(sums.items())
            if amount
        ]
        doc = self._new_document(
            "return" if receipt.kind == 2 else "receipt" if receipt.kind == 0 else KIND_NAMES[receipt.kind],
            total=total,
            items=receipt.items,
            payments=payments,
            change=change,
            operation=KIND_TO_OPERATION[receipt.kind],
        )
        cash_moved = sums.get(1, 0) - change
        s.cash += -cash_moved if returning else cash_moved
        s.receipt = None
        s.receipt_number += 1
        self._save()
        return doc

    def _classic_close(self, data: bytes) -> bytes:
        sums = {index + 1: v.from_le(data[index * 5 : index * 5 + 5]) for index in range(4)}
        doc = self._finish_receipt(sums)
        return self._short_answer() + v.money(doc["change"])

    def _subtotal(self, data: bytes) -> bytes:
        receipt = self.state.receipt
        if receipt is None:
            raise Reject(E_RECEIPT_CLOSED)
        return self._short_answer() + v.money(sum(item["amount"] for item in receipt.items))

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
        amount = v.from_le(data[0:5])
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
        return self._short_answer() + v.le(len(s.documents) & 0xFFFF, 2)

    def _cash_in(self, data: bytes) -> bytes:
        return self._cash_move(data, 1)

    def _cash_out(self, data: bytes) -> bytes:
        return self._cash_move(data, -1)

    # FN commands

    def _fn_status(self, data: bytes) -> bytes:
        s = self.state
        current = 0x04 if s.receipt is not None else 0
        warnings = 0
        unsent = self._unsent()
        if unsent and self.now() - datetime.fromisoformat(unsent[0]["datetime"]) > timedelta(days=25):
            warnings |= 1 << 3
        return (
            bytes([0x03, current, 0, 1 if s.shift_open else 0, warnings])
            + v.fn_datetime(self.now())
            + v.text(identity.EMULATOR_FN_SERIAL, 16)
            + v.le(s.last_fd, 4)
        )

    def _fn_serial(self, data: bytes) -> bytes:
        return v.text(identity.EMULATOR_FN_SERIAL, 16)

    def _fn_expiry(self, data: bytes) -> bytes:
        """FF03: YY MM DD, then re-registrations left and done (newer firmware adds these two)."""
        year, month, day = identity.EMULATOR_FN_EXPIRES
        return bytes([year % 100, month, day, 11, 1])

    def _fn_cancel(self, data: bytes) -> bytes:
        return self._cancel(data)[:0]

    def _find_document(self, data: bytes) -> bytes:
        fd = v.from_le(data[0:4])
        if fd == 1:
            moment = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
            return (
                bytes([FN_DOC_TYPES["registration"], 1])
                + v.fn_datetime(moment)
                + v.le(1, 4)
                + v.le(self._fiscal_sign(1, 0, moment), 4)
                + identity.EMULATOR_INN.ljust(12).encode("ascii")  # ASCII, space-padded
                + identity.EMULATOR_REGISTRATION_NUMBER.ljust(20).encode("ascii")
                + bytes([1, 0])  # tax systems (bit 0 ОСН), work mode
            )
        doc = self._find(fd)
        if doc is None:
            raise Reject(E_FN_NO_DATA)
        moment = datetime.fromisoformat(doc["datetime"])
        head = (
            bytes([FN_DOC_TYPES[doc["type"]], 1 if doc.get("ofd_sent") else 0])
            + v.fn_datetime(moment)
            + v.le(doc["fd"], 4)
            + v.le(int(doc["fiscal_sign"]), 4)
        )
        if doc["type"] in ("receipt", "return"):
            return head + bytes([doc.get("operation", 1)]) + v.money(doc["total"])
        return head + v.le(doc["shift"], 2)

    def _tlv(self, data: bytes) -> bytes:
        s = self.state
        target = s.receipt.tags if s.receipt is not None else s.pending_tags
        entries = v.parse_tlv(data)
        if not entries:
            raise Reject(E_BAD_PARAMS)
        for tag, value in entries:
            target[str(tag)] = value.decode(v.TLV_CODEC, errors="replace")
        self._save()
        return b""

    def _ofd_status(self, data: bytes) -> bytes:
        unsent = self._unsent()
        first = unsent[0] if unsent else None
        status = (OFD_CONNECTED if self.state.ofd_online else 0) | (OFD_HAS_MESSAGE if unsent else 0)
        return (
            bytes([status, 0])
            + v.le(len(unsent), 2)
            + v.le(first["fd"] if first else 0, 4)
            + (v.fn_datetime(datetime.fromisoformat(first["datetime"])) if first else bytes(5))
        )

    def _shift_params(self, data: bytes) -> bytes:
        s = self.state
        # the receipt number is the last receipt made in the shift (0 before the first one)
        return bytes([1 if s.shift_open else 0]) + v.le(s.shift_number, 2) + v.le(s.receipt_number, 2)

    def _operation_v2(self, data: bytes) -> bytes:
        line = parse_operation_v2(data)
        if line["operation"] not in OPERATION_TO_KIND:
            raise Reject(E_BAD_PARAMS)
        quantity = line["quantity"]
        amount = line["amount"]
        if amount is None:
            amount = int((quantity * line["price"]).to_integral_value(rounding="ROUND_HALF_UP"))
        self._add_line(
            OPERATION_TO_KIND[line["operation"]],
            {
                "name": line["name"],
                "quantity": str(quantity.quantize(Decimal("0.001"))),
                "price": line["price"],
                "amount": amount,
                "tax": line["tax"],
                "department": line["department"],
                "payment_method": line["payment_method"],
                "payment_object": line["payment_object"],
            },
        )
        return b""

    def _close_v2(self, data: bytes) -> bytes:
        request = parse_close_v2(data)
        sums = {index + 1: amount for index, amount in enumerate(request["sums"]) if amount}
        doc = self._finish_receipt(sums)
        return (
            v.money(doc["change"])
            + v.le(doc["fd"], 4)
            + v.le(int(doc["fiscal_sign"]), 4)
            + v.fn_datetime(datetime.fromisoformat(doc["datetime"]))
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
        self._save()


def journal(state_path: Path) -> list[dict]:
    """The fiscal documents (and cash movements) as `kassa emulate journal` prints them."""
    state = load_state(state_path)
    keys = ("fd", "type", "shift", "datetime", "total", "items", "payments", "tags", "fiscal_sign")
    out = []
    for doc in state.documents:
        entry = {key: doc.get(key) for key in keys}
        entry["change"] = doc.get("change", 0)
        entry["ofd_sent"] = bool(doc.get("ofd_sent"))
        out.append(entry)
    return out
