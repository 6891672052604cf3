"""A Shtrih-M register with an FN as the agent's ``FiscalRegister``.

Receipts use the FN command set (FF46 lines, FF0C tags, FF45 close) which carries FFD
1.05+ attributes; shifts, reports and cash use the classic commands. Profile names
("vat20", "card", "commodity") become device numbers here and nowhere else.
"""

from __future__ import annotations

import logging

from drivers.fiscal_register import (
    Cashier,
    DeviceInfo,
    DocumentType,
    FiscalResult,
    FnStatus,
    FoundDocument,
    OfdStatus,
    Payments,
    ReceiptItem,
    ReceiptKind,
    RegisterStatus,
)
from drivers.profile import Profile
from drivers.shtrih import values as v
from drivers.shtrih.errors import (
    AnswerLost,
    CoverOpen,
    DeviceTimeout,
    FnNoData,
    LinkError,
    NotInProfile,
    NotSupportedInMode,
    PaperOut,
    ShiftAlreadyOpen,
    ShiftNotOpen,
    ShtrihError,
    TotalMismatch,
    device_error,
)
from drivers.shtrih.link import Link

log = logging.getLogger(__name__)

# FF46 operation types (tag 1054) and the 0x8D receipt types that go with them
OPERATION = {ReceiptKind.SALE: 1, ReceiptKind.RETURN: 2}
RECEIPT_TYPE = {ReceiptKind.SALE: 0, ReceiptKind.RETURN: 2}
KIND_OF_MODE_STATE = {0: ReceiptKind.SALE, 2: ReceiptKind.RETURN}

# FN document types of FF0A
FN_DOCUMENT_TYPES = {
    2: DocumentType.SHIFT_OPEN,
    3: DocumentType.RECEIPT,
    4: DocumentType.RECEIPT,
    5: DocumentType.SHIFT_CLOSE,
}

MODE_DOCUMENT_OPEN = 8
MODE_SHIFT_OPEN = 2
MODE_SHIFT_EXPIRED = 3

# commands that only read: safe to ask again when an answer was lost
QUERIES = frozenset({0xFC, 0x10, 0x11, 0x89, 0xFF01, 0xFF03, 0xFF0A, 0xFF39, 0xFF40})

FN_WARNINGS = {0: "fn_replace_urgent", 1: "fn_replace_soon", 2: "fn_memory_low", 3: "ofd_timeout"}
PAYMENT_SLOTS = 16
TAX_SLOTS = 6
LINE_WIDTH = 40
NAME_LIMIT = 128
DEFAULT_TAX_SYSTEM = 0x01  # ОСН; the FN checks it against the registration


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


def parse_fn_status(data: bytes) -> dict:
    """Answer of FF01 after the error byte: FN state, document, shift, warnings, time, serial, last FD."""
    return {
        "state": data[0],
        "document": data[1],
        "shift_open": data[3],
        "warnings": data[4],
        "datetime": v.parse_fn_datetime(data[5:10]),
        "fn_serial": v.parse_text(data[10:26]),
        "last_fd": v.from_le(data[26:30]),
    }


def _inn(number: int) -> str:
    """An organization's INN has 10 digits, a person's 12; leading zeros are lost in binary."""
    return f"{number:010d}" if number < 10**10 else f"{number:012d}"


class ShtrihRegister:
    """Blocking; one instance per port, used from one thread."""

    def __init__(self, link: Link, profile: Profile, *, operator_password: int, admin_password: int):
        self.link = link
        self.profile = profile
        self.fiscal = profile.fiscal
        self.operator_password = operator_password
        self.admin_password = admin_password
        self._receipt_kind: ReceiptKind | None = None

    # plumbing

    def _call(
        self, command: int, data: bytes = b"", *, timeout: float | None = None, password: int | None = None
    ) -> bytes:
        """Send a command with a password; the answer's data after the error byte.

        A query that changes nothing is asked once more when its answer was lost on the
        line (a power cycle, a pulled cable); anything else is never sent twice.
        """
        pwd = b"" if command == 0xFC else v.le(self.operator_password if password is None else password, 4)
        wait = timeout or self.profile.timeouts.default
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

    def _item_name(self, name: str) -> bytes:
        return v.text(name)[:NAME_LIMIT]

    def _map(self, table: dict[str, int], key: str, what: str) -> int:
        try:
            return table[key]
        except KeyError:
            raise NotInProfile(profile=self.profile.name, what=what, name=key) from None

    # state

    def device_info(self) -> DeviceInfo:
        kind = self._call(0xFC, timeout=self.profile.timeouts.status)
        full = self._call(0x11, timeout=self.profile.timeouts.status)
        return DeviceInfo(
            model=v.parse_text(kind[6:]),
            serial=f"{v.from_le(full[30:34]):010d}",
            fn_serial=self._fn_serial(),
            inn=_inn(v.from_le(full[40:46])),
            firmware=f"{v.parse_text(full[1:3])} build {v.from_le(full[3:5])}",
        )

    def _fn_serial(self) -> str:
        return v.parse_text(self._call(0xFF03, timeout=self.profile.timeouts.status))

    def status(self) -> RegisterStatus:
        state = self._short_status()
        fn = self._fn_raw()
        shift = self._shift_params()
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
        return parse_fn_status(self._call(0xFF01, timeout=self.profile.timeouts.status))

    def _shift_params(self) -> dict:
        data = self._call(0xFF40, timeout=self.profile.timeouts.status)
        return {"open": bool(data[0]), "number": v.from_le(data[1:3]), "receipt": v.from_le(data[3:5])}

    def fn_status(self) -> FnStatus:
        fn = self._fn_raw()
        shift = self._shift_params()
        return FnStatus(
            fn_serial=fn["fn_serial"],
            last_fd=fn["last_fd"],
            shift_open=bool(fn["shift_open"]),
            shift_number=shift["number"],
            document_open=fn["document"] != 0,
            warnings=tuple(name for bit, name in FN_WARNINGS.items() if fn["warnings"] & (1 << bit)),
        )

    def ofd_status(self) -> OfdStatus:
        data = self._call(0xFF39, timeout=self.profile.timeouts.status)
        unsent = v.from_le(data[2:4])
        return OfdStatus(
            unsent=unsent,
            first_unsent_fd=v.from_le(data[4:8]) if unsent else None,
            first_unsent_at=v.parse_fn_datetime(data[8:13]) if unsent else None,
        )

    # shifts and reports

    def _send_cashier(self, cashier: Cashier | None) -> None:
        if cashier is None:
            return
        self.add_tag(1021, cashier.name)
        if cashier.inn:
            self.add_tag(1203, cashier.inn)

    def _last_document_result(self) -> FiscalResult:
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
        )

    def open_shift(self, cashier: Cashier | None = None) -> FiscalResult:
        self._send_cashier(cashier)
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
        self._send_cashier(cashier)
        try:
            self._call(0x41, timeout=self.profile.timeouts.z_report, password=self.admin_password)
        except NotSupportedInMode:
            if not self.status().shift_open:
                raise ShiftNotOpen() from None
            raise
        return self._last_document_result()

    # receipts

    def open_receipt(self, kind: ReceiptKind) -> None:
        self._call(0x8D, bytes([RECEIPT_TYPE[kind]]))
        self._receipt_kind = kind

    def _current_kind(self) -> ReceiptKind:
        if self._receipt_kind is None:
            mode = self._short_status()["mode"]
            self._receipt_kind = KIND_OF_MODE_STATE.get(mode >> 4, ReceiptKind.SALE)
        return self._receipt_kind

    def add_item(self, item: ReceiptItem) -> None:
        fiscal = self.fiscal
        data = (
            bytes([OPERATION[self._current_kind()]])
            + v.quantity_micro(item.quantity)
            + v.money(item.price)
            + v.money(item.amount)
            + b"\xff" * 5  # tax amount: computed by the register
            + bytes([self._map(fiscal.taxes, item.tax, "tax")])
            + bytes([1])  # department
            + bytes([self._map(fiscal.payment_methods, item.payment_method, "payment method")])
            + bytes([self._map(fiscal.payment_objects, item.payment_object, "payment object")])
            + self._item_name(item.name)
        )
        self._call(0xFF46, data)

    def add_tag(self, tag: int, value: str) -> None:
        self._call(0xFF0C, v.tlv_text(tag, value))

    def close_receipt(self, payments: Payments, *, total: int) -> FiscalResult:
        sums = [0] * PAYMENT_SLOTS
        for kind, amount in payments.amounts.items():
            slot = self._map(self.fiscal.payment_types, kind, "payment type")
            if not 1 <= slot <= PAYMENT_SLOTS:
                raise NotInProfile(profile=self.profile.name, what="payment type slot 1-16", name=kind)
            sums[slot - 1] += amount
        data = (
            b"".join(v.money(amount) for amount in sums)
            + bytes([0])  # rounding, kopecks
            + bytes(5 * TAX_SLOTS)  # tax sums: computed by the register
            + bytes([DEFAULT_TAX_SYSTEM])
        )
        on_device = v.from_le(self._call(0x89)[1:6])
        if on_device != total:
            raise TotalMismatch(device_total=on_device, expected_total=total)
        before = self._fn_raw()["last_fd"]
        try:
            answer = self._call(0xFF45, data, timeout=self.profile.timeouts.default)
        except (AnswerLost, DeviceTimeout) as lost:
            return self._recover_close(before, lost)
        self._receipt_kind = None
        fd = v.from_le(answer[5:9])
        moment = v.parse_fn_datetime(answer[13:18]) if len(answer) >= 18 else self._fn_raw()["datetime"]
        return FiscalResult(
            fd=fd,
            fiscal_sign=str(v.from_le(answer[9:13])),
            shift=self._shift_params()["number"],
            fiscalized_at=moment,
        )

    def _recover_close(self, fd_before: int, lost: ShtrihError) -> FiscalResult:
        """The close went out but its answer did not come back: read the outcome from the FN."""
        try:
            fn = self._fn_raw()
        except ShtrihError:
            raise lost from None
        if fn["last_fd"] == fd_before + 1 and fn["document"] == 0:
            found = self.find_document(fn["last_fd"])
            if found is not None and found.type == DocumentType.RECEIPT:
                log.warning("close of FD %s answered by the FN after a lost answer", found.fd)
                self._receipt_kind = None
                return FiscalResult(
                    fd=found.fd,
                    fiscal_sign=found.fiscal_sign,
                    shift=self._shift_params()["number"],
                    fiscalized_at=found.fiscalized_at,
                )
        raise lost

    def cancel_receipt(self) -> None:
        self._call(0x88)
        self._receipt_kind = None

    def continue_printing(self) -> None:
        self._call(0xB0)

    # cash and printing

    def cash_in(self, amount: int) -> FiscalResult | None:
        self._call(0x50, v.money(amount))
        return None

    def cash_out(self, amount: int) -> FiscalResult | None:
        self._call(0x51, v.money(amount))
        return None

    def print_text(self, lines: list[str]) -> None:
        for line in lines:
            self._call(0x17, bytes([0x02]) + v.text(line, LINE_WIDTH))

    def cut(self, partial: bool = True) -> None:
        self._call(0x25, bytes([1 if partial else 0]))

    # FN archive

    def find_document(self, fd: int) -> FoundDocument | None:
        try:
            data = self._call(0xFF0A, v.le(fd, 4), timeout=self.profile.timeouts.status)
        except FnNoData:
            return None
        kind = data[0]
        moment = v.parse_fn_datetime(data[2:7])
        number = v.from_le(data[7:11])
        sign = str(v.from_le(data[11:15]))
        if kind in (3, 4):
            operation = data[15]
            return FoundDocument(
                fd=number,
                type=DocumentType.RETURN if operation == 2 else DocumentType.RECEIPT,
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

    def close(self) -> None:
        self.link.close()
