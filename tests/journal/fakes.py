"""An in-memory fiscal register implementing ``drivers.fiscal_register.FiscalRegister``, and a context.

The journal's own logic (ordering, idempotency, recovery) is unit-tested against it; the
end-to-end tests drive the real daemon and the KKT emulator instead. ``fail_at`` makes one
method raise a driver error once, as a paper-out or a lost answer would.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from agent.config import Config, Settings
from agent.daemon.context import Services
from agent.store import open_store
from agent.store.types import utcnow
from drivers.errors import DriverError
from drivers.fiscal_register import (
    DeviceInfo,
    DocumentType,
    FiscalResult,
    FnStatus,
    FoundDocument,
    OfdStatus,
    RegisterStatus,
)
from drivers.profile import FiscalSettings, Timeouts
from drivers.shtrih.errors import AnswerLost

FN_SERIAL = "9960440300123456"


@dataclass
class FakeRegister:
    last_fd: int = 10
    shift_open: bool = False
    shift_number: int = 0
    shift_opened_at: datetime | None = None
    shift_expired: bool = False
    open_doc: dict | None = None
    waiting_continue: bool = False
    journal: list[dict] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    fail_at: dict[str, DriverError] = field(default_factory=dict)
    lose_answer_of: set[str] = field(default_factory=set)  # do the work, then raise (no answer)
    signs = itertools.count(1000000001)

    def _call(self, name: str) -> None:
        self.calls.append(name)
        if name in self.fail_at:
            raise self.fail_at.pop(name)

    def _lost(self, name: str) -> None:
        if name in self.lose_answer_of:
            self.lose_answer_of.discard(name)
            raise AnswerLost(command=name)

    def _fiscal(self, type_: DocumentType, total: int | None = None, **extra: Any) -> FiscalResult:
        self.last_fd += 1
        now = utcnow()
        doc = {"fd": self.last_fd, "type": type_, "total": total, "sign": str(next(self.signs)), "at": now}
        doc.update(extra)
        self.journal.append(doc)
        return FiscalResult(self.last_fd, doc["sign"], self.shift_number, now)

    def device_info(self) -> DeviceInfo:
        return DeviceInfo("ШТРИХ-М-01Ф", "0012345678", FN_SERIAL, "7701234560")

    def status(self) -> RegisterStatus:
        self._call("status")
        return RegisterStatus(
            mode=8 if self.open_doc else (2 if self.shift_open else 4),
            submode=3 if self.waiting_continue else 0,
            shift_open=self.shift_open,
            shift_number=self.shift_number,
            shift_expired=self.shift_expired,
            document_open=self.open_doc is not None,
            paper_out=False,
            waiting_continue=self.waiting_continue,
            cover_open=False,
            last_fd=self.last_fd,
            shift_opened_at=self.shift_opened_at,
        )

    def fn_status(self) -> FnStatus:
        self._call("fn_status")
        return FnStatus(
            FN_SERIAL, self.last_fd, self.shift_open, self.shift_number, self.open_doc is not None
        )

    def status_with_fn(self) -> tuple[RegisterStatus, FnStatus]:
        return self.status(), self.fn_status()

    def ofd_status(self) -> OfdStatus:
        return OfdStatus(0, None, None)

    def open_shift(self, cashier=None) -> FiscalResult:
        self._call("open_shift")
        self.shift_open = True
        self.shift_number += 1
        self.shift_opened_at = utcnow()
        return self._fiscal(DocumentType.SHIFT_OPEN)

    def x_report(self) -> None:
        self._call("x_report")

    def close_shift(self, cashier=None) -> FiscalResult:
        self._call("close_shift")
        result = self._fiscal(DocumentType.SHIFT_CLOSE)
        self.shift_open = False
        self.shift_expired = False
        return result

    def open_receipt(self, kind, correction: bool = False) -> None:
        self._call("open_receipt")
        assert self.open_doc is None, "a receipt is already open"
        self.open_doc = {"kind": str(kind), "items": [], "tags": [], "correction": {} if correction else None}

    def add_correction(self, correction) -> None:
        self._call("add_correction")
        assert self.open_doc["correction"] == {}, "not a correction receipt"
        self.open_doc["correction"] = correction

    def add_item(self, item) -> None:
        self._call("add_item")
        self.open_doc["items"].append(item)

    def tax_systems(self) -> tuple[str, ...]:
        return ("usn_income",)

    def fit_text(self, field, value: str) -> str:
        return value

    def add_tag(self, tag: int, value: str) -> None:
        self._call("add_tag")
        self.open_doc["tags"].append((tag, value))

    def add_buyer(self, name: str | None, inn: str | None) -> None:
        self._call("add_buyer")
        self.open_doc["tags"] += [(tag, value) for tag, value in ((1227, name), (1228, inn)) if value]

    def close_receipt(self, payments, *, total: int, tax_system=None) -> FiscalResult:
        self._call("close_receipt")
        doc, self.open_doc = self.open_doc, None
        assert sum(item.amount for item in doc["items"]) == total
        assert payments.total >= total
        kind = DocumentType.RETURN if doc["kind"] == "return" else DocumentType.RECEIPT
        if doc["correction"] is not None:
            assert doc["correction"], "a correction receipt without 1173/1174"
            kind = DocumentType.CORRECTION
        result = self._fiscal(kind, total, items=doc["items"], tags=doc["tags"], payments=payments.amounts)
        self._lost("close_receipt")
        return result

    def cancel_receipt(self) -> None:
        self._call("cancel_receipt")
        self.open_doc = None

    def continue_printing(self) -> None:
        self._call("continue_printing")
        self.waiting_continue = False

    def cash_in(self, amount: int) -> FiscalResult:
        self._call("cash_in")
        return self._fiscal(DocumentType.CASH_IN, amount)

    def cash_out(self, amount: int) -> FiscalResult:
        self._call("cash_out")
        return self._fiscal(DocumentType.CASH_OUT, amount)

    def print_text(self, lines) -> None:
        self._call("print_text")

    def cut(self, partial: bool = True) -> None:
        self._call("cut")

    def find_document(self, fd: int) -> FoundDocument | None:
        self._call("find_document")
        for doc in self.journal:
            if doc["fd"] == fd:
                return FoundDocument(fd, doc["type"], doc["sign"], doc["at"], doc["total"])
        return None

    def close(self) -> None:
        pass

    def receipts(self) -> list[dict]:
        return [doc for doc in self.journal if doc["type"] in (DocumentType.RECEIPT, DocumentType.RETURN)]


PROFILE = SimpleNamespace(
    fiscal=FiscalSettings(
        taxes={"vat20": 1, "vat10": 2, "vat0": 3, "none": 4},
        payment_types={"cash": 1, "card": 2},
        payment_objects={"commodity": 1, "service": 4},
        units={"pcs": 0, "kg": 11},
    ),
    timeouts=Timeouts(),
)


class FakeHandle:
    """Like ``agent.daemon.devices.DeviceHandle``: runs ``fn(device, *args)`` in one worker thread."""

    def __init__(self, device: FakeRegister):
        self.device = device
        self.profile = PROFILE
        self.state = "ready"
        self.info = device.device_info()
        self.last_status = None  # the device manager's poll

    async def call(self, fn, *args, timeout=None):
        return await asyncio.to_thread(fn, self.device, *args)

    def hold(self):  # no status poll here to yield
        return contextlib.nullcontext()


def make_context(state_dir: Path, device: FakeRegister | None = None) -> SimpleNamespace:
    device = device or FakeRegister()
    return SimpleNamespace(
        settings=Settings(Config(), None, state_dir, state_dir / "agent.sock"),
        store=open_store(state_dir),
        devices=SimpleNamespace(fiscal_register=FakeHandle(device)),
        profiles={},
        clock=lambda: datetime.now(UTC),
        services=Services(),
        stopping=False,
    )
